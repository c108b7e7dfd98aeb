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
constexpr std::string_view k_preferences_call = "preferences";
constexpr std::string_view k_preferences_path = "/v1/preferences";
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

// docs/api/account.yaml, "Grant". Checked before a grant is believed or sent, so that it can
// be written into a request body as it is, with nothing to escape.
bool is_grant(std::string_view text) {
    return text.size() >= k_minimum_grant_length && text.size() <= k_maximum_grant_length &&
           std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                      c == '_' || c == '-';
           });
}

// The `preferences` of an ok balance reply (docs/api/account.yaml, "CardPreferences"), or
// nothing when it does not match the contract. The grant is copied into a SecretText and its
// text in the parsed document is wiped, whatever else the object holds.
std::optional<core::CardPreferences> read_preferences(json& value) {
    if (!value.is_object()) {
        return std::nullopt;
    }
    const auto grant = value.find("grant");
    const auto elder_mode = value.find("elder_mode");
    if (grant == value.end() || !grant->is_string()) {
        return std::nullopt;
    }
    auto& grant_text = grant->get_ref<std::string&>();
    std::optional<core::CardPreferences> preferences;
    if (is_grant(grant_text) && elder_mode != value.end() && elder_mode->is_boolean()) {
        preferences = core::CardPreferences{elder_mode->get<bool>(), base::SecretText(grant_text)};
    }
    base::wipe(grant_text);
    return preferences;
}

// What one HTTPS exchange came to: the HTTP status of a whole reply, or why there is none.
struct Exchange {
    bool abandoned = false;
    std::optional<long> http_status;                                 // a whole reply arrived
    core::ServiceStatus failure = core::ServiceStatus::unavailable;  // none did: what it means
    std::string status;                                              // for the notice
};

Exchange failed(core::ServiceStatus failure, std::string_view status) {
    return {false, std::nullopt, failure, std::string(status)};
}

// Carries out one request on the worker's multi handle: `put` chooses PUT over POST. The
// secure transport rules hold for every call (secure_transport). Ends early, abandoned, as
// soon as `abandoned()` says so.
template <typename Abandoned>
Exchange exchange(CURLM* multi, const AccountClientOptions& options, std::string_view path,
                  bool put, const base::SecretText& body, ReplyBuffer& reply, Abandoned abandoned) {
    // Nothing is sent over anything but HTTPS to a configured trust anchor; the kiosk's
    // configuration refuses both at start, and the client holds to it on its own.
    if (!options.base_url.starts_with("https://") || options.ca_file.empty()) {
        return failed(core::ServiceStatus::unavailable, "insecure_configuration");
    }
    const std::string url = options.base_url + std::string(path);

    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), &curl_easy_cleanup);
    if (!easy) {
        return failed(core::ServiceStatus::unavailable, "transport_error");
    }
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Accept: application/json");
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers,
                                                                            &curl_slist_free_all);
    CURL* handle = easy.get();
    const bool configured =
        secure_transport(handle, options.ca_file) && set_option(handle, CURLOPT_URL, url.c_str()) &&
        set_option(handle, CURLOPT_HTTPHEADER, header_list.get()) &&
        set_option(handle, CURLOPT_POSTFIELDS, body.view().data()) &&
        set_option(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size())) &&
        // With a body given as POSTFIELDS, only the method's name changes (libcurl's
        // CURLOPT_CUSTOMREQUEST): the same request, sent as PUT.
        (!put || set_option(handle, CURLOPT_CUSTOMREQUEST, "PUT")) &&
        set_option(handle, CURLOPT_WRITEFUNCTION, &collect_body) &&
        set_option(handle, CURLOPT_WRITEDATA, &reply) &&
        set_option(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count())) &&
        set_option(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout.count())) &&
        set_option(handle, CURLOPT_NOSIGNAL, 1L);
    if (!configured) {
        return failed(core::ServiceStatus::unavailable, "insecure_configuration");
    }

    if (curl_multi_add_handle(multi, handle) != CURLM_OK) {
        return failed(core::ServiceStatus::unavailable, "transport_error");
    }
    std::optional<CURLcode> finished;
    bool was_abandoned = false;
    while (!finished) {
        if (abandoned()) {
            was_abandoned = true;
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
    if (was_abandoned) {
        Exchange result = failed(core::ServiceStatus::unavailable, "cancelled");
        result.abandoned = true;
        return result;
    }
    if (*finished != CURLE_OK) {
        if (reply.too_large) {
            return failed(core::ServiceStatus::bad_reply, "reply_too_large");
        }
        const TransportVerdict verdict = classify_transport_error(*finished);
        return failed(verdict.status, verdict.name);
    }
    long http_status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &http_status);
    return {false, http_status, core::ServiceStatus::unavailable, std::to_string(http_status)};
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
    // Not const: the grant's text in it is wiped once it has been read.
    json document = json::parse(body, nullptr, false);
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
            // Optional (a service that keeps no preferences), but never malformed.
            std::optional<core::CardPreferences> preferences;
            if (const auto found = document.find("preferences"); found != document.end()) {
                preferences = read_preferences(*found);
                if (!preferences) {
                    break;
                }
            }
            core::ServiceReply reply = reply_with(core::ServiceStatus::ok);
            reply.balance = core::BalanceReply{
                core::Money{minor->get<std::int64_t>(), currency->get<std::string>()}};
            reply.preferences = std::move(preferences);
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

bool interpret_preferences_reply(long http_status, std::string_view body) {
    if (http_status != 200 || body.size() > k_maximum_reply_bytes) {
        return false;
    }
    const json document = json::parse(body, nullptr, false);
    return !document.is_discarded() && document.is_object() && has_result(document, "ok");
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

void AccountClient::enqueue(PendingCall call) {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) {
            return;
        }
        m_queue.push_back(std::move(call));
    }
    m_work.notify_one();
}

void AccountClient::request_balance(std::uint64_t call_id, const core::CardNumber& pan,
                                    const core::EncryptedPinBlock& block) {
    enqueue(PendingCall{call_id, BalanceCall{pan, block}});
}

void AccountClient::save_preferences(std::uint64_t call_id, const base::SecretText& grant,
                                     bool elder_mode) {
    enqueue(PendingCall{call_id, PreferencesCall{grant, elder_mode}});
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
            if (outcome.event && (m_abandon_running || m_abandon_all)) {
                outcome.event.reset();
                outcome.status = "cancelled";
            }
        }
        const std::string_view call_name = std::holds_alternative<BalanceCall>(call->request)
                                               ? k_balance_call
                                               : k_preferences_call;
        if (m_notices) {
            m_notices(ServiceNotice{std::string(k_service_name), std::string(call_name),
                                    outcome.status, elapsed.count()});
        }
        if (outcome.event && m_events) {
            m_events(std::move(*outcome.event));
        }
    }
}

// Whatever escapes a call (memory exhausted, a library's exception) ends that call as
// "unavailable" (or not saved), never the worker: the customer hears that the service did not
// answer, and the next call is carried out as usual.
AccountClient::Outcome AccountClient::perform_safely(const PendingCall& call) {
    try {
        return std::visit(
            [this, &call](const auto& request) { return perform(call.call_id, request); },
            call.request);
    } catch (...) {
        if (std::holds_alternative<BalanceCall>(call.request)) {
            return {core::ReplyReceived{call.call_id, reply_with(core::ServiceStatus::unavailable)},
                    "client_fault"};
        }
        return {core::PreferencesSaved{call.call_id, false}, "client_fault"};
    }
}

AccountClient::Outcome AccountClient::perform(std::uint64_t call_id, const BalanceCall& call) {
    const auto answer = [call_id](core::ServiceReply reply, std::string status) {
        return Outcome{core::ReplyReceived{call_id, std::move(reply)}, std::move(status)};
    };
    if (call.block.bytes().size() != core::EncryptedPinBlock::k_tdes_length) {
        // The contract carries ISO 9564 format 0 only; a format 4 pad is a configuration fault.
        return answer(reply_with(core::ServiceStatus::bad_reply), "unsupported_pin_block");
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

    // The reply holds the balance and the grant: wiped when the call ends, like the request.
    ReplyBuffer reply;
    const Exchange done = exchange(as_multi(m_multi), m_options, k_balance_path, false, body, reply,
                                   [this] { return m_abandon_all || m_abandon_running; });
    if (done.abandoned) {
        return {std::nullopt, done.status};
    }
    if (!done.http_status) {
        return answer(reply_with(done.failure), done.status);
    }
    return answer(interpret_balance_reply(*done.http_status, reply.body), done.status);
}

AccountClient::Outcome AccountClient::perform(std::uint64_t call_id, const PreferencesCall& call) {
    const auto answer = [call_id](bool saved, std::string status) {
        return Outcome{core::PreferencesSaved{call_id, saved}, std::move(status)};
    };
    // A grant the contract does not allow is never sent; the service would refuse it anyway,
    // and checking it here means it needs no escaping in the body.
    if (!is_grant(call.grant.view())) {
        return answer(false, "bad_grant");
    }
    base::SecretText body;
    const std::string terminal = json(m_options.terminal_id).dump();
    body.reserve(terminal.size() + call.grant.size() + 64);
    body.append(R"({"terminal_id":)");
    body.append(terminal);
    body.append(R"(,"grant":")");
    body.append(call.grant.view());
    body.append(R"(","elder_mode":)");
    body.append(call.elder_mode ? "true" : "false");
    body.append("}");

    ReplyBuffer reply;
    const Exchange done = exchange(as_multi(m_multi), m_options, k_preferences_path, true, body,
                                   reply, [this] { return m_abandon_all || m_abandon_running; });
    if (done.abandoned) {
        return {std::nullopt, done.status};
    }
    if (!done.http_status) {
        return answer(false, done.status);
    }
    return answer(interpret_preferences_reply(*done.http_status, reply.body), done.status);
}

}  // namespace kiosk::net
