#include "kiosk/net/https_exchange.h"

#include <curl/curl.h>
#include <malloc.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>

#include "base/wipe.h"

namespace kiosk::net {

namespace {

// How long the worker sleeps in curl_multi_poll at most; curl_multi_wakeup cuts it short on
// cancel and stop, so this only bounds the wait when libcurl asks for nothing sooner.
constexpr int k_poll_interval_ms = 100;

std::once_flag curl_initialised;

// libcurl builds each request (the headers, then the body with the card number and the PIN
// block) in buffers of its own and frees them unwiped, where a scan of the kiosk's memory
// found the card number after the customer had gone (tests/e2e/memory_after_customer.scenario).
// These are libcurl's allocation functions (curl_global_init_mem): every block it gives back
// is wiped first. malloc_usable_size covers the whole block, so a block that another library
// allocated and libcurl frees is wiped as well, and none is ever freed by the wrong allocator.
void wiping_free(void* block) {
    if (block != nullptr) {
        base::wipe(block, malloc_usable_size(block));
        std::free(block);
    }
}

void* curl_malloc(std::size_t size) {
    return std::malloc(size);
}

void* curl_calloc(std::size_t count, std::size_t size) {
    return std::calloc(count, size);
}

// Never moves the contents with the C library's realloc, which would free the old block unwiped.
void* wiping_realloc(void* block, std::size_t size) {
    if (block == nullptr) {
        return std::malloc(size);
    }
    const std::size_t usable = malloc_usable_size(block);
    if (size != 0 && size <= usable) {
        return block;  // it fits: the tail past `size` is wiped when the block is freed
    }
    void* larger = std::malloc(size == 0 ? 1 : size);
    if (larger == nullptr) {
        return nullptr;  // as realloc: the old block stays the caller's
    }
    std::memcpy(larger, block, std::min(usable, size));
    wiping_free(block);
    return larger;
}

char* curl_strdup(const char* text) {
    const std::size_t size = std::strlen(text) + 1;
    auto* copy = static_cast<char*>(std::malloc(size));
    if (copy != nullptr) {
        std::memcpy(copy, text, size);
    }
    return copy;
}

CURLM* as_multi(void* handle) {
    return static_cast<CURLM*>(handle);
}

std::size_t collect_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* buffer = static_cast<ReplyBuffer*>(user);
    const std::size_t bytes = size * count;
    // Returning fewer bytes than given makes libcurl end the transfer with CURLE_WRITE_ERROR.
    return buffer->append(std::string_view(data, bytes)) ? bytes : 0;
}

// `error_text` is libcurl's error buffer. With TLS 1.3 the kiosk's side of the handshake is
// over before the service has checked the kiosk's certificate, so a service that refuses it (no
// certificate, an unknown authority, expired, revoked) is seen on the first read as a TLS alert
// ("OpenSSL SSL_read: ... tlsv13 alert certificate required"), not as a handshake error. When
// the service's close resets the connection before the alert is read (a request still being
// written), nothing tells the refusal from a dropped connection: it stays connection_lost
// (kiosk/net/README.md, "Mutual TLS").
TransportFailure classify_transport_error(CURLcode code, std::string_view error_text) {
    switch (code) {
        case CURLE_OPERATION_TIMEDOUT:
            return TransportFailure::timeout;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
            return TransportFailure::connect_failed;
        case CURLE_GOT_NOTHING:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_PARTIAL_FILE:
            // OpenSSL names every alert it receives "... alert ..." (ssl/ssl_err.c).
            return error_text.find(" alert ") != std::string_view::npos
                       ? TransportFailure::tls_failure
                       : TransportFailure::connection_lost;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_ISSUER_ERROR:
        // The service refused the kiosk's certificate, or wanted one and got none (a TLS 1.3
        // "certificate required" alert).
        case CURLE_SSL_CLIENTCERT:
            return TransportFailure::tls_failure;
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
            return TransportFailure::bad_url;
        default:
            return TransportFailure::transport_error;
    }
}

// Sets one option and says whether libcurl took it. An option it refuses (an old libcurl, a
// build without TLS) must never leave the call running with less protection than intended.
template <typename Value>
bool set_option(CURL* handle, CURLoption option, Value value) {
    return curl_easy_setopt(handle, option, value) == CURLE_OK;
}

// Every call carries something the kiosk must protect (the card number and the PIN block, a
// grant, or the branch's queue and its staff), so its connection trusts only the configured
// certificate authority: no system store (CURLOPT_CAPATH and the built-in CA bundle are both
// replaced), TLS 1.2 or later, HTTPS only, no redirects, and both the certificate chain and
// the host name are verified. When the endpoint names the kiosk's certificate and key, they
// are presented to a service that asks (docs/api/queue.yaml, "Security": mutual TLS).
bool secure_transport(CURL* handle, const HttpsEndpoint& endpoint) {
    const bool server_checked =
        set_option(handle, CURLOPT_PROTOCOLS_STR, "https") &&
        set_option(handle, CURLOPT_REDIR_PROTOCOLS_STR, "https") &&
        set_option(handle, CURLOPT_FOLLOWLOCATION, 0L) &&
        set_option(handle, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2)) &&
        set_option(handle, CURLOPT_SSL_VERIFYPEER, 1L) &&
        set_option(handle, CURLOPT_SSL_VERIFYHOST, 2L) &&
        set_option(handle, CURLOPT_CAINFO, endpoint.ca_file.c_str()) &&
        set_option(handle, CURLOPT_CAPATH, static_cast<const char*>(nullptr)) &&
        set_option(handle, CURLOPT_SSL_OPTIONS, 0L) && set_option(handle, CURLOPT_PROXY, "");
    if (!server_checked) {
        return false;
    }
    if (endpoint.client_certificate.empty() && endpoint.client_key.empty()) {
        return true;
    }
    // Half an identity is a configuration fault: nothing is sent rather than a connection
    // that the service refuses for a reason nobody sees.
    return !endpoint.client_certificate.empty() && !endpoint.client_key.empty() &&
           set_option(handle, CURLOPT_SSLCERTTYPE, "PEM") &&
           set_option(handle, CURLOPT_SSLCERT, endpoint.client_certificate.c_str()) &&
           set_option(handle, CURLOPT_SSLKEYTYPE, "PEM") &&
           set_option(handle, CURLOPT_SSLKEY, endpoint.client_key.c_str());
}

// The test-only plain transport (HttpsEndpoint::allow_plain_http_to_loopback_for_tests): plain
// HTTP to loopback, still without redirects or a proxy.
bool plain_loopback_transport(CURL* handle) {
    return set_option(handle, CURLOPT_PROTOCOLS_STR, "http") &&
           set_option(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http") &&
           set_option(handle, CURLOPT_FOLLOWLOCATION, 0L) && set_option(handle, CURLOPT_PROXY, "");
}

// The value of a reply header, or nothing.
std::optional<std::string> header_value(CURL* handle, const char* name) {
    curl_header* header = nullptr;
    if (curl_easy_header(handle, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK ||
        header == nullptr || header->value == nullptr) {
        return std::nullopt;
    }
    return std::string(header->value);
}

std::string trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t");
    return std::string(text.substr(first, last - first + 1));
}

// The "Expire date" of the chain's first certificate (the service's own) in CURLINFO_CERTINFO.
std::optional<std::chrono::system_clock::time_point> service_certificate_expiry(CURL* handle) {
    curl_certinfo* chain = nullptr;
    if (curl_easy_getinfo(handle, CURLINFO_CERTINFO, &chain) != CURLE_OK || chain == nullptr ||
        chain->num_of_certs < 1) {
        return std::nullopt;
    }
    constexpr std::string_view k_field = "Expire date:";
    for (const curl_slist* item = chain->certinfo[0]; item != nullptr; item = item->next) {
        const std::string_view line(item->data);
        if (line.starts_with(k_field)) {
            return parse_certificate_time(line.substr(k_field.size()));
        }
    }
    return std::nullopt;
}

// Runs one transfer on the multi handle to its end: its result, or none when abandoned() said
// so first (checked whenever libcurl wakes up; curl_multi_wakeup makes that at once).
std::optional<CURLcode> drive(CURLM* multi, CURL* handle, const std::function<bool()>& abandoned) {
    while (true) {
        if (abandoned()) {
            return std::nullopt;
        }
        int running = 0;
        if (curl_multi_perform(multi, &running) != CURLM_OK) {
            return CURLE_FAILED_INIT;
        }
        int remaining = 0;
        std::optional<CURLcode> finished;
        while (CURLMsg* message = curl_multi_info_read(multi, &remaining)) {
            if (message->msg == CURLMSG_DONE && message->easy_handle == handle) {
                finished = message->data.result;
            }
        }
        if (finished) {
            return finished;
        }
        curl_multi_poll(multi, nullptr, 0, k_poll_interval_ms, nullptr);
    }
}

HttpsReply failed(TransportFailure failure) {
    HttpsReply reply;
    reply.failure = failure;
    return reply;
}

}  // namespace

std::string_view to_string(Method method) {
    switch (method) {
        case Method::get:
            return "GET";
        case Method::post:
            return "POST";
        case Method::put:
            return "PUT";
    }
    return "unknown";
}

std::string_view to_string(TransportFailure failure) {
    switch (failure) {
        case TransportFailure::insecure_configuration:
            return "insecure_configuration";
        case TransportFailure::timeout:
            return "timeout";
        case TransportFailure::connect_failed:
            return "connect_failed";
        case TransportFailure::connection_lost:
            return "connection_lost";
        case TransportFailure::tls_failure:
            return "tls_failure";
        case TransportFailure::bad_url:
            return "bad_url";
        case TransportFailure::reply_too_large:
            return "reply_too_large";
        case TransportFailure::cancelled:
            return "cancelled";
        case TransportFailure::transport_error:
            return "transport_error";
    }
    return "unknown";
}

std::string HttpsReply::status() const {
    if (http_status) {
        return std::to_string(*http_status);
    }
    return std::string(to_string(failure));
}

ReplyBuffer::ReplyBuffer(std::size_t limit, Secrecy secrecy) : m_limit(limit) {
    if (secrecy == Secrecy::wiped) {
        m_body.reserve(limit);
    }
}

ReplyBuffer::~ReplyBuffer() {
    base::wipe(m_body);
}

bool ReplyBuffer::append(std::string_view data) noexcept {
    if (m_body.size() + data.size() > m_limit) {
        m_too_large = true;
        return false;
    }
    try {
        m_body.append(data);
    } catch (...) {
        return false;
    }
    return true;
}

void ReplyBuffer::clear() noexcept {
    base::wipe(m_body);
    m_too_large = false;
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) {
    const std::string text = trimmed(value);
    if (text.empty() ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    // More digits than any sane wait are simply the longest wait.
    constexpr std::size_t k_digits_of_longest = 4;
    if (text.size() > k_digits_of_longest) {
        return k_longest_retry_after;
    }
    long long seconds = 0;
    std::from_chars(text.data(), text.data() + text.size(), seconds);
    return std::min(std::chrono::seconds(seconds), k_longest_retry_after);
}

std::optional<std::chrono::system_clock::time_point> parse_certificate_time(std::string_view text) {
    // "Dec  3 19:30:00 2027 GMT": the month's English abbreviation, the day padded to two
    // places with a space, the time, the year, and always GMT.
    constexpr std::array<std::string_view, 12> k_months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::istringstream words{std::string(text)};
    std::string month;
    int day = 0;
    std::string time;
    int year = 0;
    std::string zone;
    if (!(words >> month >> day >> time >> year >> zone) || zone != "GMT") {
        return std::nullopt;
    }
    const auto found = std::ranges::find(k_months, month);
    int hours = 0;
    int minutes = 0;
    int seconds = 0;
    char first_colon = 0;
    char second_colon = 0;
    std::istringstream clock{time};
    if (found == k_months.end() ||
        !(clock >> hours >> first_colon >> minutes >> second_colon >> seconds) ||
        first_colon != ':' || second_colon != ':' || hours > 23 || minutes > 59 || seconds > 60) {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{
        std::chrono::year{year},
        std::chrono::month{static_cast<unsigned>(found - k_months.begin() + 1)},
        std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok()) {
        return std::nullopt;
    }
    return std::chrono::sys_days{date} + std::chrono::hours{hours} + std::chrono::minutes{minutes} +
           std::chrono::seconds{seconds};
}

bool is_plain_loopback_url(std::string_view base_url) {
    constexpr std::string_view k_scheme = "http://";
    if (!base_url.starts_with(k_scheme)) {
        return false;
    }
    std::string_view rest = base_url.substr(k_scheme.size());
    for (const std::string_view host : {"127.0.0.1", "localhost", "[::1]"}) {
        if (!rest.starts_with(host)) {
            continue;
        }
        std::string_view after = rest.substr(host.size());
        if (after.empty()) {
            return true;
        }
        if (after.front() != ':' || after.size() == 1) {
            return false;
        }
        after.remove_prefix(1);
        return std::all_of(after.begin(), after.end(), [](char c) { return c >= '0' && c <= '9'; });
    }
    return false;
}

HttpsChannel::HttpsChannel() {
    std::call_once(curl_initialised, [] {
        curl_global_init_mem(CURL_GLOBAL_DEFAULT, curl_malloc, wiping_free, wiping_realloc,
                             curl_strdup, curl_calloc);
    });
    m_multi = curl_multi_init();
}

HttpsChannel::~HttpsChannel() {
    if (m_multi != nullptr) {
        curl_multi_cleanup(as_multi(m_multi));
    }
}

void HttpsChannel::wake() {
    if (m_multi != nullptr) {
        curl_multi_wakeup(as_multi(m_multi));
    }
}

HttpsReply HttpsChannel::exchange(const HttpsEndpoint& endpoint, const HttpsRequest& request,
                                  ReplyBuffer& reply, const std::function<bool()>& abandoned) {
    // Nothing is sent over anything but HTTPS to a configured trust anchor; the kiosk's
    // configuration refuses both at start, and the client holds to it on its own. The one
    // exception is the contract tests' plain mock on loopback, which only a test can ask for.
    const bool plain =
        endpoint.allow_plain_http_to_loopback_for_tests && is_plain_loopback_url(endpoint.base_url);
    if (!plain && (!endpoint.base_url.starts_with("https://") || endpoint.ca_file.empty())) {
        return failed(TransportFailure::insecure_configuration);
    }
    if (m_multi == nullptr) {
        return failed(TransportFailure::transport_error);
    }
    CURLM* multi = as_multi(m_multi);
    const std::string url = endpoint.base_url + std::string(request.path);

    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), &curl_easy_cleanup);
    if (!easy) {
        return failed(TransportFailure::transport_error);
    }
    const bool has_body = request.method != Method::get;
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(nullptr,
                                                                            &curl_slist_free_all);
    bool headers_made = true;
    const auto add_header = [&](const std::string& line) {
        // curl_slist_append returns null, and leaves the list as it was, when memory runs out.
        if (curl_slist* longer = curl_slist_append(header_list.get(), line.c_str())) {
            static_cast<void>(header_list.release());
            header_list.reset(longer);
        } else {
            headers_made = false;
        }
    };
    if (has_body) {
        add_header("Content-Type: application/json");
    }
    add_header("Accept: " + std::string(request.accept));
    for (const auto& line : request.headers) {
        add_header(line);
    }
    CURL* handle = easy.get();
    // libcurl's description of a failure; OpenSSL's words, never request or reply data.
    std::array<char, CURL_ERROR_SIZE> error_text{};
    const bool transport_set =
        plain ? plain_loopback_transport(handle) : secure_transport(handle, endpoint);
    const bool configured =
        headers_made && transport_set && set_option(handle, CURLOPT_URL, url.c_str()) &&
        set_option(handle, CURLOPT_HTTPHEADER, header_list.get()) &&
        (has_body ? set_option(handle, CURLOPT_POSTFIELDS, request.body.data()) &&
                        set_option(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                                   static_cast<curl_off_t>(request.body.size()))
                  : set_option(handle, CURLOPT_HTTPGET, 1L)) &&
        // With a body given as POSTFIELDS, only the method's name changes (libcurl's
        // CURLOPT_CUSTOMREQUEST): the same request, sent as PUT.
        (request.method != Method::put || set_option(handle, CURLOPT_CUSTOMREQUEST, "PUT")) &&
        set_option(handle, CURLOPT_WRITEFUNCTION, &collect_body) &&
        set_option(handle, CURLOPT_WRITEDATA, &reply) &&
        set_option(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(endpoint.connect_timeout.count())) &&
        set_option(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(endpoint.total_timeout.count())) &&
        set_option(handle, CURLOPT_NOSIGNAL, 1L) &&
        set_option(handle, CURLOPT_ERRORBUFFER, error_text.data()) &&
        (!request.read_certificate || set_option(handle, CURLOPT_CERTINFO, 1L));
    if (!configured) {
        return failed(TransportFailure::insecure_configuration);
    }

    if (curl_multi_add_handle(multi, handle) != CURLM_OK) {
        return failed(TransportFailure::transport_error);
    }
    const std::optional<CURLcode> finished = drive(multi, handle, abandoned);
    // Removing the handle aborts a transfer that is still going.
    curl_multi_remove_handle(multi, handle);
    if (!finished) {
        return failed(TransportFailure::cancelled);
    }
    if (*finished != CURLE_OK) {
        if (reply.too_large()) {
            return failed(TransportFailure::reply_too_large);
        }
        return failed(classify_transport_error(*finished, error_text.data()));
    }
    HttpsReply done;
    long http_status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &http_status);
    done.http_status = http_status;
    if (const auto retry_after = header_value(handle, "Retry-After")) {
        done.retry_after = parse_retry_after(*retry_after);
    }
    if (const auto replayed = header_value(handle, "Idempotent-Replayed")) {
        done.idempotent_replayed = trimmed(*replayed) == "true";
    }
    curl_off_t total_microseconds = 0;
    if (curl_easy_getinfo(handle, CURLINFO_TOTAL_TIME_T, &total_microseconds) == CURLE_OK) {
        done.elapsed = std::chrono::microseconds(total_microseconds);
    }
    if (request.read_certificate) {
        done.certificate_expires = service_certificate_expiry(handle);
    }
    return done;
}

}  // namespace kiosk::net
