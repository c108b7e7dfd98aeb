#include "kiosk/net/account_client.h"

#include <curl/curl.h>
#include <malloc.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "base/bytes.h"
#include "base/wipe.h"

namespace kiosk::net {

namespace {

using nlohmann::json;

constexpr std::string_view k_service_name = "account";
constexpr std::string_view k_balance_call = "balance";
constexpr std::string_view k_balance_path = "/v1/balance";
constexpr std::string_view k_pin_block_format_0 = "iso9564-0";
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

core::ServiceReply reply_with(core::ServiceStatus status) {
    core::ServiceReply reply;
    reply.status = status;
    return reply;
}

// Collects the reply body up to maximum_reply_bytes; past that the transfer fails with
// CURLE_WRITE_ERROR and the reply counts as bad.
struct ReplyBuffer {
    std::string body;
    bool too_large = false;
    // Reserved whole, so that the balance is never copied by a regrowth, and wiped at the end.
    ReplyBuffer() { body.reserve(k_maximum_reply_bytes); }
    ReplyBuffer(const ReplyBuffer&) = delete;
    ReplyBuffer& operator=(const ReplyBuffer&) = delete;
    ~ReplyBuffer() { base::wipe(body); }
};

std::size_t collect_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* buffer = static_cast<ReplyBuffer*>(user);
    const std::size_t bytes = size * count;
    if (buffer->body.size() + bytes > k_maximum_reply_bytes) {
        buffer->too_large = true;
        return 0;
    }
    buffer->body.append(data, bytes);
    return bytes;
}

// What a transport failure (no HTTP reply) means for the customer.
struct TransportVerdict {
    core::ServiceStatus status;
    std::string_view name;
};

TransportVerdict classify_transport_error(CURLcode code) {
    switch (code) {
        case CURLE_OPERATION_TIMEDOUT:
            return {core::ServiceStatus::timeout, "timeout"};
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
            return {core::ServiceStatus::unavailable, "connect_failed"};
        case CURLE_GOT_NOTHING:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_PARTIAL_FILE:
            return {core::ServiceStatus::unavailable, "connection_lost"};
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
            return {core::ServiceStatus::unavailable, "tls_failure"};
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
            return {core::ServiceStatus::unavailable, "bad_url"};
        default:
            return {core::ServiceStatus::unavailable, "transport_error"};
    }
}

// Sets one option and says whether libcurl took it. An option it refuses (an old libcurl, a
// build without TLS) must never leave the call running with less protection than intended.
template <typename Value>
bool set_option(CURL* handle, CURLoption option, Value value) {
    return curl_easy_setopt(handle, option, value) == CURLE_OK;
}

// The account call carries the card number and the PIN block, so its connection trusts only
// the configured certificate authority: no system store (CURLOPT_CAPATH and the built-in CA
// bundle are both replaced), TLS 1.2 or later, HTTPS only, no redirects, and both the
// certificate chain and the host name are verified.
bool secure_transport(CURL* handle, const std::filesystem::path& ca_file) {
    return set_option(handle, CURLOPT_PROTOCOLS_STR, "https") &&
           set_option(handle, CURLOPT_REDIR_PROTOCOLS_STR, "https") &&
           set_option(handle, CURLOPT_FOLLOWLOCATION, 0L) &&
           set_option(handle, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2)) &&
           set_option(handle, CURLOPT_SSL_VERIFYPEER, 1L) &&
           set_option(handle, CURLOPT_SSL_VERIFYHOST, 2L) &&
           set_option(handle, CURLOPT_CAINFO, ca_file.c_str()) &&
           set_option(handle, CURLOPT_CAPATH, static_cast<const char*>(nullptr)) &&
           set_option(handle, CURLOPT_SSL_OPTIONS, 0L) && set_option(handle, CURLOPT_PROXY, "");
}

bool has_result(const json& document, std::string_view expected) {
    const auto result = document.find("result");
    return result != document.end() && result->is_string() &&
           result->get_ref<const std::string&>() == expected;
}

bool is_currency_code(const json& value) {
    if (!value.is_string()) {
        return false;
    }
    const auto& code = value.get_ref<const std::string&>();
    return code.size() == 3 &&
           std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

core::ServiceReply interpret_balance_reply(long http_status, std::string_view body) {
    // 503, and any other server-side failure, is "the service is down" whatever the body says.
    if (http_status >= 500 && http_status <= 599) {
        return reply_with(core::ServiceStatus::unavailable);
    }
    if (body.size() > k_maximum_reply_bytes) {
        return reply_with(core::ServiceStatus::bad_reply);
    }
    const json document = json::parse(body, nullptr, false);
    if (document.is_discarded() || !document.is_object()) {
        return reply_with(core::ServiceStatus::bad_reply);
    }
    switch (http_status) {
        case 200: {
            const auto balance = document.find("balance");
            if (!has_result(document, "ok") || balance == document.end() || !balance->is_object()) {
                break;
            }
            const auto minor = balance->find("minor_units");
            const auto currency = balance->find("currency");
            // An integer in JSON, never a float or a string: money has no binary fractions.
            if (minor == balance->end() || currency == balance->end() ||
                !minor->is_number_integer() || !is_currency_code(*currency)) {
                break;
            }
            if (minor->is_number_unsigned()) {
                if (minor->get<std::uint64_t>() >
                    static_cast<std::uint64_t>(k_maximum_balance_minor_units)) {
                    break;
                }
            } else if (minor->get<std::int64_t>() < 0) {
                break;
            }
            core::ServiceReply reply = reply_with(core::ServiceStatus::ok);
            reply.balance = core::BalanceReply{
                core::Money{minor->get<std::int64_t>(), currency->get<std::string>()}};
            return reply;
        }
        case 401: {
            const auto tries = document.find("tries_left");
            if (!has_result(document, "wrong_pin") || tries == document.end() ||
                !tries->is_number_integer()) {
                break;
            }
            if (tries->is_number_unsigned()
                    ? tries->get<std::uint64_t>() > static_cast<std::uint64_t>(k_maximum_tries_left)
                    : (tries->get<std::int64_t>() < 0 ||
                       tries->get<std::int64_t>() > k_maximum_tries_left)) {
                break;
            }
            core::ServiceReply reply = reply_with(core::ServiceStatus::wrong_pin);
            reply.tries_left = tries->get<int>();
            return reply;
        }
        case 404:
            if (has_result(document, "card_unknown")) {
                return reply_with(core::ServiceStatus::card_unknown);
            }
            break;
        case 423:
            if (has_result(document, "pin_locked")) {
                return reply_with(core::ServiceStatus::pin_locked);
            }
            break;
        default:
            break;
    }
    return reply_with(core::ServiceStatus::bad_reply);
}

AccountClient::AccountClient(AccountClientOptions options) : m_options(std::move(options)) {
    while (!m_options.base_url.empty() && m_options.base_url.back() == '/') {
        m_options.base_url.pop_back();
    }
}

AccountClient::~AccountClient() {
    stop();
}

void AccountClient::start(EventSink events, NoticeSink notices) {
    if (m_worker.joinable()) {
        return;
    }
    std::call_once(curl_initialised, [] {
        curl_global_init_mem(CURL_GLOBAL_DEFAULT, curl_malloc, wiping_free, wiping_realloc,
                             curl_strdup, curl_calloc);
    });
    m_events = std::move(events);
    m_notices = std::move(notices);
    m_multi = curl_multi_init();
    {
        std::lock_guard lock(m_mutex);
        m_stopping = false;
    }
    m_abandon_all = false;
    m_worker = std::thread([this] { run(); });
}

void AccountClient::request_balance(std::uint64_t call_id, const core::CardNumber& pan,
                                    const core::EncryptedPinBlock& block) {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) {
            return;
        }
        m_queue.push_back(PendingCall{call_id, pan, block});
    }
    m_work.notify_one();
}

void AccountClient::cancel(std::uint64_t call_id) {
    std::lock_guard lock(m_mutex);
    std::erase_if(m_queue, [call_id](const PendingCall& call) { return call.call_id == call_id; });
    if (m_running_call == call_id) {
        m_abandon_running = true;
        wake_transfer();
    }
}

void AccountClient::wake_transfer() {
    if (m_multi != nullptr) {
        curl_multi_wakeup(as_multi(m_multi));
    }
}

void AccountClient::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        m_queue.clear();
        m_abandon_all = true;
        wake_transfer();
    }
    m_work.notify_all();
    if (m_worker.joinable()) {
        m_worker.join();
    }
    if (m_multi != nullptr) {
        curl_multi_cleanup(as_multi(m_multi));
        m_multi = nullptr;
    }
}

void AccountClient::run() {
    while (true) {
        std::optional<PendingCall> call;
        {
            std::unique_lock lock(m_mutex);
            m_work.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_stopping) {
                return;
            }
            call.emplace(std::move(m_queue.front()));
            m_queue.pop_front();
            m_running_call = call->call_id;
            m_abandon_running = false;
        }
        const auto started = std::chrono::steady_clock::now();
        Outcome outcome = perform_safely(*call);
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        {
            std::lock_guard lock(m_mutex);
            m_running_call.reset();
            // A cancel that raced with the end of the transfer still wins: the core has moved
            // on and must not hear about this call.
            if (outcome.reply && (m_abandon_running || m_abandon_all)) {
                outcome.reply.reset();
                outcome.status = "cancelled";
            }
        }
        if (m_notices) {
            m_notices(ServiceNotice{std::string(k_service_name), std::string(k_balance_call),
                                    outcome.status, elapsed.count()});
        }
        if (outcome.reply && m_events) {
            m_events(core::ReplyReceived{call->call_id, *outcome.reply});
        }
    }
}

// Whatever escapes a call (memory exhausted, a library's exception) ends that call as
// "unavailable", never the worker: the customer hears that the service did not answer, and the
// next call is carried out as usual.
AccountClient::Outcome AccountClient::perform_safely(const PendingCall& call) {
    try {
        return perform(call);
    } catch (...) {
        return {reply_with(core::ServiceStatus::unavailable), "client_fault"};
    }
}

AccountClient::Outcome AccountClient::perform(const PendingCall& call) {
    if (call.block.bytes().size() != core::EncryptedPinBlock::k_tdes_length) {
        // The contract carries ISO 9564 format 0 only; a format 4 pad is a configuration fault.
        return {reply_with(core::ServiceStatus::bad_reply), "unsupported_pin_block"};
    }
    // Built by appending into one buffer reserved up front: the PAN and the PIN block exist
    // in that buffer only, which is wiped when the call ends (no temporaries, no regrowth).
    base::SecretText body;
    const std::string terminal = json(m_options.terminal_id).dump();
    body.reserve(terminal.size() + call.pan.digits().size() + 128);
    body.append(R"({"terminal_id":)");
    body.append(terminal);
    body.append(R"(,"pan":")");
    body.append(call.pan.digits());
    body.append(R"(","pin_block":")");
    base::append_hex(body, call.block.bytes());  // in place: no temporary copy
    body.append(R"(","pin_block_format":")");
    body.append(k_pin_block_format_0);
    body.append(R"("})");
    // Nothing is sent over anything but HTTPS to a configured trust anchor; the kiosk's
    // configuration refuses both at start, and the client holds to it on its own.
    if (!m_options.base_url.starts_with("https://") || m_options.ca_file.empty()) {
        return {reply_with(core::ServiceStatus::unavailable), "insecure_configuration"};
    }
    const std::string url = m_options.base_url + std::string(k_balance_path);

    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), &curl_easy_cleanup);
    if (!easy) {
        return {reply_with(core::ServiceStatus::unavailable), "transport_error"};
    }
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Accept: application/json");
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers,
                                                                            &curl_slist_free_all);
    // The reply holds the balance: wiped when the call ends, like the request.
    ReplyBuffer reply;
    CURL* handle = easy.get();
    const bool configured =
        secure_transport(handle, m_options.ca_file) &&
        set_option(handle, CURLOPT_URL, url.c_str()) &&
        set_option(handle, CURLOPT_HTTPHEADER, header_list.get()) &&
        set_option(handle, CURLOPT_POSTFIELDS, body.view().data()) &&
        set_option(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size())) &&
        set_option(handle, CURLOPT_WRITEFUNCTION, &collect_body) &&
        set_option(handle, CURLOPT_WRITEDATA, &reply) &&
        set_option(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(m_options.connect_timeout.count())) &&
        set_option(handle, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(m_options.total_timeout.count())) &&
        set_option(handle, CURLOPT_NOSIGNAL, 1L);
    if (!configured) {
        return {reply_with(core::ServiceStatus::unavailable), "insecure_configuration"};
    }

    CURLM* multi = as_multi(m_multi);
    if (curl_multi_add_handle(multi, handle) != CURLM_OK) {
        return {reply_with(core::ServiceStatus::unavailable), "transport_error"};
    }
    std::optional<CURLcode> finished;
    bool abandoned = false;
    while (!finished) {
        if (m_abandon_all || m_abandon_running) {
            abandoned = true;
            break;
        }
        int running = 0;
        if (curl_multi_perform(multi, &running) != CURLM_OK) {
            finished = CURLE_FAILED_INIT;
            break;
        }
        int remaining = 0;
        while (CURLMsg* message = curl_multi_info_read(multi, &remaining)) {
            if (message->msg == CURLMSG_DONE && message->easy_handle == handle) {
                finished = message->data.result;
            }
        }
        if (!finished) {
            curl_multi_poll(multi, nullptr, 0, k_poll_interval_ms, nullptr);
        }
    }
    // Removing the handle aborts a transfer that is still going.
    curl_multi_remove_handle(multi, handle);
    if (abandoned) {
        return {std::nullopt, "cancelled"};
    }
    if (*finished != CURLE_OK) {
        if (reply.too_large) {
            return {reply_with(core::ServiceStatus::bad_reply), "reply_too_large"};
        }
        const TransportVerdict verdict = classify_transport_error(*finished);
        return {reply_with(verdict.status), std::string(verdict.name)};
    }
    long http_status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &http_status);
    return {interpret_balance_reply(http_status, reply.body), std::to_string(http_status)};
}

}  // namespace kiosk::net
