#include "kiosk/net/account_client.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <utility>

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

core::ServiceReply reply_with(core::ServiceStatus status) {
    core::ServiceReply reply;
    reply.status = status;
    return reply;
}

// What a transport failure (no HTTP reply) means for the customer.
core::ServiceStatus status_of(TransportFailure failure) {
    switch (failure) {
        case TransportFailure::timeout:
            return core::ServiceStatus::timeout;
        case TransportFailure::reply_too_large:
            return core::ServiceStatus::bad_reply;
        default:
            return core::ServiceStatus::unavailable;
    }
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

AccountClient::AccountClient(AccountClientOptions options)
    : m_options(std::move(options)), m_worker(std::string(k_service_name)) {
    while (!m_options.base_url.empty() && m_options.base_url.back() == '/') {
        m_options.base_url.pop_back();
    }
    m_endpoint = HttpsEndpoint{.base_url = m_options.base_url,
                               .ca_file = m_options.ca_file,
                               .client_certificate = m_options.client_certificate,
                               .client_key = m_options.client_key,
                               .connect_timeout = m_options.connect_timeout,
                               .total_timeout = m_options.total_timeout};
}

AccountClient::~AccountClient() {
    stop();
}

void AccountClient::start(EventSink events, NoticeSink notices) {
    m_worker.start(std::move(events), std::move(notices));
}

void AccountClient::request_balance(std::uint64_t call_id, const core::CardNumber& pan,
                                    const core::EncryptedPinBlock& block) {
    m_worker.submit(
        call_id, std::string(k_balance_call),
        [this, call_id, pan, block](CallContext& context) {
            return perform(context, call_id, pan, block);
        },
        CallOutcome{core::ReplyReceived{call_id, reply_with(core::ServiceStatus::unavailable)}});
}

void AccountClient::save_preferences(std::uint64_t call_id, const base::SecretText& grant,
                                     bool elder_mode) {
    m_worker.submit(
        call_id, std::string(k_preferences_call),
        [this, call_id, grant, elder_mode](CallContext& context) {
            return perform(context, call_id, grant, elder_mode);
        },
        CallOutcome{core::PreferencesSaved{call_id, false}});
}

void AccountClient::cancel(std::uint64_t call_id) {
    m_worker.cancel(call_id);
}

void AccountClient::stop() {
    m_worker.stop();
}

CallOutcome AccountClient::perform(CallContext& context, std::uint64_t call_id,
                                   const core::CardNumber& pan,
                                   const core::EncryptedPinBlock& block) {
    const auto answer = [call_id](core::ServiceReply reply, std::string status) {
        return CallOutcome{core::ReplyReceived{call_id, std::move(reply)}, std::move(status)};
    };
    if (block.bytes().size() != core::EncryptedPinBlock::k_tdes_length) {
        // The contract carries ISO 9564 format 0 only; a format 4 pad is a configuration fault.
        return answer(reply_with(core::ServiceStatus::bad_reply), "unsupported_pin_block");
    }
    // Built by appending into one buffer reserved up front: the PAN and the PIN block exist
    // in that buffer only, which is wiped when the call ends (no temporaries, no regrowth).
    base::SecretText body;
    const std::string terminal = json(m_options.terminal_id).dump();
    body.reserve(terminal.size() + pan.digits().size() + 128);
    body.append(R"({"terminal_id":)");
    body.append(terminal);
    body.append(R"(,"pan":")");
    body.append(pan.digits());
    body.append(R"(","pin_block":")");
    base::append_hex(body, block.bytes());  // in place: no temporary copy
    body.append(R"(","pin_block_format":")");
    body.append(k_pin_block_format_0);
    body.append(R"("})");

    // The reply holds the balance and the grant: wiped when the call ends, like the request.
    ReplyBuffer reply(k_maximum_reply_bytes, ReplyBuffer::Secrecy::wiped);
    const HttpsReply done = context.channel().exchange(
        m_endpoint,
        HttpsRequest{.method = Method::post, .path = k_balance_path, .body = body.view()}, reply,
        context.abandoned_check());
    if (done.abandoned()) {
        return {std::nullopt, done.status()};
    }
    if (!done.http_status) {
        return answer(reply_with(status_of(done.failure)), done.status());
    }
    return answer(interpret_balance_reply(*done.http_status, reply.body()), done.status());
}

CallOutcome AccountClient::perform(CallContext& context, std::uint64_t call_id,
                                   const base::SecretText& grant, bool elder_mode) {
    const auto answer = [call_id](bool saved, std::string status) {
        return CallOutcome{core::PreferencesSaved{call_id, saved}, std::move(status)};
    };
    // A grant the contract does not allow is never sent; the service would refuse it anyway,
    // and checking it here means it needs no escaping in the body.
    if (!is_grant(grant.view())) {
        return answer(false, "bad_grant");
    }
    base::SecretText body;
    const std::string terminal = json(m_options.terminal_id).dump();
    body.reserve(terminal.size() + grant.size() + 64);
    body.append(R"({"terminal_id":)");
    body.append(terminal);
    body.append(R"(,"grant":")");
    body.append(grant.view());
    body.append(R"(","elder_mode":)");
    body.append(elder_mode ? "true" : "false");
    body.append("}");

    ReplyBuffer reply(k_maximum_reply_bytes, ReplyBuffer::Secrecy::wiped);
    const HttpsReply done = context.channel().exchange(
        m_endpoint,
        HttpsRequest{.method = Method::put, .path = k_preferences_path, .body = body.view()}, reply,
        context.abandoned_check());
    if (done.abandoned()) {
        return {std::nullopt, done.status()};
    }
    if (!done.http_status) {
        return answer(false, done.status());
    }
    return answer(interpret_preferences_reply(*done.http_status, reply.body()), done.status());
}

}  // namespace kiosk::net
