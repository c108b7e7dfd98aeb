#include "kiosk/net/account_client.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "base/bytes.h"
#include "base/uuid.h"
#include "base/wipe.h"
#include "kiosk/net/account_contract.h"
#include "kiosk/net/queue_contract.h"

namespace kiosk::net {

namespace {

using nlohmann::json;

constexpr std::string_view k_account_service = "account";
constexpr std::string_view k_sign_on_call = "sign_on";
constexpr std::string_view k_sign_on_path = "/v1/sessions";
constexpr std::string_view k_preferences_call = "preferences";
constexpr std::string_view k_preferences_path = "/v1/preferences";
constexpr std::string_view k_working_keys_call = "working_keys";
constexpr std::string_view k_working_keys_path = "/v1/working-keys";
// docs/api/account.yaml, "pin_block_format".
constexpr std::string_view k_pin_block_format_0 = "iso9564-0";
constexpr std::string_view k_pin_block_format_4 = "iso9564-4";

// docs/api/account.yaml, "CardAuthentication": the chip's ARQC and what the bank needs to
// recompute it (EMV 4.3 Book 2 §8.1), upper-case hexadecimal; no PSN field when the card has
// none. Dumped by the JSON library, so no text of the card's is spliced into the body.
std::string card_authentication_json(const core::CardAuthentication& authentication) {
    json object = {
        {"arqc", authentication.cryptogram},
        {"cryptogram_information", authentication.cryptogram_information},
        {"atc", authentication.transaction_counter},
        {"cdol1_data", authentication.cdol1_data},
        {"aip", authentication.application_interchange_profile},
        {"issuer_application_data", authentication.issuer_application_data},
    };
    if (!authentication.pan_sequence_number.empty()) {
        object["pan_sequence_number"] = authentication.pan_sequence_number;
    }
    return object.dump();
}

std::string_view pin_block_format_name(const core::EncryptedPinBlock& block) {
    return block.format() == core::PinBlockFormat::iso9564_format4 ? k_pin_block_format_4
                                                                   : k_pin_block_format_0;
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

// For money the question is whether the service may have carried the request out. It may
// have when the request could have reached it and no answer came: a time-out, a connection
// lost (the bank committed, and the link broke on the way back), anything libcurl cannot name.
// Then the outcome is unknown until asked, and the flow undoes or asks, never assumes nothing
// moved. Only a request that never left (no connection, no handshake) is unavailable.
core::MoneyStatus money_status_of(TransportFailure failure) {
    switch (failure) {
        case TransportFailure::timeout:
        case TransportFailure::connection_lost:
        case TransportFailure::transport_error:
            return core::MoneyStatus::timeout;
        case TransportFailure::reply_too_large:
            return core::MoneyStatus::bad_reply;
        default:
            return core::MoneyStatus::unavailable;
    }
}

// Room for the largest request body (a PIN change: a token, a PAN and a PIN block), reserved up
// front so that appending never leaves a copy of a secret in a buffer left behind.
constexpr std::size_t k_request_body_capacity = 1024;

// A JSON request body built in one wiped buffer. Values given to `secret` are checked by the
// caller to hold only characters that need no escaping (token characters, digits, hex).
class RequestBody {
  public:
    explicit RequestBody(std::string_view terminal_id) {
        m_body.reserve(k_request_body_capacity);
        m_body.append(R"({"terminal_id":)");
        m_body.append(json(terminal_id).dump());
    }
    RequestBody& secret(std::string_view name, std::string_view text) {
        key(name);
        m_body.append("\"");
        m_body.append(text);
        m_body.append("\"");
        return *this;
    }
    RequestBody& value(std::string_view name, const json& value) {
        key(name);
        m_body.append(value.dump());
        return *this;
    }
    base::SecretText finish() {
        m_body.append("}");
        return std::move(m_body);
    }

  private:
    void key(std::string_view name) {
        m_body.append(",\"");
        m_body.append(name);
        m_body.append("\":");
    }
    base::SecretText m_body;
};

json money_json(const core::Money& money) {
    return json{{"minor_units", money.minor_units}, {"currency", money.currency}};
}

// One request as HTTP: its method, its path and its body.
struct MoneyExchange {
    Method method = Method::post;
    std::string path;
    base::SecretText body;
};

// The exchange for `request`, or nothing when the request itself breaks the contract (a
// malformed reference, quote id, token or payee account): such a request is never sent.
std::optional<MoneyExchange> exchange_for(const core::AccountRequest& request,
                                          std::string_view terminal_id,
                                          const base::SecretText& session) {
    RequestBody body(terminal_id);
    const bool session_ok = is_token(session.view());
    auto with_session = [&]() -> RequestBody& { return body.secret("session", session.view()); };
    return std::visit(
        [&](const auto& call) -> std::optional<MoneyExchange> {
            using T = std::decay_t<decltype(call)>;
            if constexpr (std::is_same_v<T, core::RequestStatement> ||
                          std::is_same_v<T, core::LockCard> ||
                          std::is_same_v<T, core::EndSession>) {
                if (!session_ok) {
                    return std::nullopt;
                }
                const std::string path = std::is_same_v<T, core::RequestStatement> ? "/v1/statement"
                                         : std::is_same_v<T, core::LockCard>       ? "/v1/card-lock"
                                                                             : "/v1/sessions/end";
                return MoneyExchange{Method::post, path, with_session().finish()};
            } else if constexpr (std::is_same_v<T, core::RequestQuote>) {
                const bool transfer = call.kind == core::MoneyKind::transfer;
                const std::string_view payee = call.payee_account.view();
                const bool payee_ok = payee.size() >= 12 && payee.size() <= 19 &&
                                      std::all_of(payee.begin(), payee.end(),
                                                  [](char c) { return c >= '0' && c <= '9'; });
                if (!session_ok || transfer != !payee.empty() || (transfer && !payee_ok)) {
                    return std::nullopt;
                }
                with_session()
                    .value("kind", core::to_string(call.kind))
                    .value("amount", money_json(call.amount));
                if (transfer) {
                    body.secret("payee_account", payee);
                }
                return MoneyExchange{Method::post, "/v1/quotes", body.finish()};
            } else if constexpr (std::is_same_v<T, core::AuthoriseWithdrawal> ||
                                 std::is_same_v<T, core::ExecuteTransfer>) {
                if (!session_ok || !base::is_canonical_uuid(call.transaction) ||
                    !is_quote_id(call.quote_id)) {
                    return std::nullopt;
                }
                const std::string collection = std::is_same_v<T, core::AuthoriseWithdrawal>
                                                   ? "/v1/withdrawals/"
                                                   : "/v1/transfers/";
                with_session().value("quote", call.quote_id);
                return MoneyExchange{Method::put, collection + call.transaction, body.finish()};
            } else if constexpr (std::is_same_v<T, core::ConfirmWithdrawal>) {
                if (!base::is_canonical_uuid(call.transaction)) {
                    return std::nullopt;
                }
                body.value("dispensed", money_json(call.dispensed));
                return MoneyExchange{Method::post,
                                     "/v1/withdrawals/" + call.transaction + "/confirm",
                                     body.finish()};
            } else if constexpr (std::is_same_v<T, core::ReverseWithdrawal>) {
                if (!base::is_canonical_uuid(call.transaction)) {
                    return std::nullopt;
                }
                body.value("reason", core::to_string(call.reason));
                return MoneyExchange{Method::post,
                                     "/v1/withdrawals/" + call.transaction + "/reverse",
                                     body.finish()};
            } else if constexpr (std::is_same_v<T, core::FindWithdrawal> ||
                                 std::is_same_v<T, core::FindTransfer>) {
                if (!base::is_canonical_uuid(call.transaction) || !is_kiosk_id(terminal_id)) {
                    return std::nullopt;
                }
                const std::string collection =
                    std::is_same_v<T, core::FindWithdrawal> ? "/v1/withdrawals/" : "/v1/transfers/";
                return MoneyExchange{
                    Method::get,
                    collection + call.transaction + "?terminal_id=" + std::string(terminal_id),
                    base::SecretText{}};
            } else {
                static_assert(std::is_same_v<T, core::ChangePin>, "every request has an exchange");
                if (!session_ok) {
                    return std::nullopt;
                }
                with_session().secret("pan", call.pan.digits());
                std::string block_hex;
                block_hex.reserve(2 * core::EncryptedPinBlock::k_aes_length);
                base::append_hex(block_hex, call.pin_block.bytes());
                body.secret("pin_block", block_hex);
                base::wipe(block_hex);
                body.value("pin_block_format", pin_block_format_name(call.pin_block));
                if (const auto& ksn = call.pin_block.ksn()) {
                    // docs/api/account.yaml 1.4: a DUKPT block's KSN beside it.
                    body.value("pin_block_ksn", base::to_hex(*ksn));
                }
                return MoneyExchange{Method::post, "/v1/pin-change", body.finish()};
            }
        },
        request);
}

}  // namespace

AccountClient::AccountClient(AccountClientOptions options)
    : m_options(std::move(options)), m_worker(std::string(k_account_service)) {
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

void AccountClient::sign_on(std::uint64_t call_id, const core::BalanceRequest& request) {
    m_worker.submit(
        call_id, std::string(k_sign_on_call),
        [this, call_id, pan = request.pan, block = request.pin_block,
         authentication = request.card_authentication](CallContext& context) {
            return perform(context, call_id, pan, block, authentication);
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

void AccountClient::request(std::uint64_t call_id, core::AccountRequest request,
                            base::SecretText session) {
    const std::string name(core::call_name(request));
    m_worker.submit(
        call_id, name,
        [this, call_id, request = std::move(request), session = std::move(session)](
            CallContext& context) { return perform(context, call_id, request, session); },
        CallOutcome{
            core::MoneyReplyReceived{call_id, money_reply_with(core::MoneyStatus::unavailable)}});
}

void AccountClient::fetch_working_keys(std::uint64_t call_id, std::string master_check_value,
                                       std::vector<std::string> slots) {
    m_worker.submit(
        call_id, std::string(k_working_keys_call),
        [this, call_id, master_check_value = std::move(master_check_value),
         slots = std::move(slots)](CallContext& context) {
            return perform(context, call_id, master_check_value, slots);
        },
        CallOutcome{core::WorkingKeysFetched{call_id, core::WorkingKeysOutcome::unavailable, {}}});
}

void AccountClient::cancel(std::uint64_t call_id) {
    m_worker.cancel(call_id);
}

void AccountClient::stop() {
    m_worker.stop();
}

CallOutcome AccountClient::perform(CallContext& context, std::uint64_t call_id,
                                   const core::CardNumber& pan,
                                   const core::EncryptedPinBlock& block,
                                   const std::optional<core::CardAuthentication>& authentication) {
    const auto answer = [call_id](core::ServiceReply reply, std::string status) {
        return CallOutcome{core::ReplyReceived{call_id, std::move(reply)}, std::move(status)};
    };
    // Built by appending into one buffer reserved up front: the PAN and the PIN block exist
    // in that buffer only, which is wiped when the call ends (no temporaries, no regrowth).
    base::SecretText body;
    const std::string terminal = json(m_options.terminal_id).dump();
    const std::string card_authentication =
        authentication ? card_authentication_json(*authentication) : std::string();
    body.reserve(terminal.size() + pan.digits().size() + card_authentication.size() + 210);
    body.append(R"({"terminal_id":)");
    body.append(terminal);
    body.append(R"(,"pan":")");
    body.append(pan.digits());
    body.append(R"(","pin_block":")");
    base::append_hex(body, block.bytes());  // in place: no temporary copy
    body.append(R"(","pin_block_format":")");
    body.append(pin_block_format_name(block));
    body.append(R"(")");
    if (const auto& ksn = block.ksn()) {
        // docs/api/account.yaml 1.4, "PinBlockKsn": the DUKPT block's key serial number.
        body.append(R"(,"pin_block_ksn":")");
        base::append_hex(body, *ksn);
        body.append(R"(")");
    }
    if (authentication) {
        body.append(R"(,"card_authentication":)");
        body.append(card_authentication);
    }
    body.append(R"(})");

    // The reply holds the balance and the grant: wiped when the call ends, like the request.
    ReplyBuffer reply(k_maximum_reply_bytes, ReplyBuffer::Secrecy::wiped);
    const HttpsReply done = context.channel().exchange(
        m_endpoint,
        HttpsRequest{.method = Method::post, .path = k_sign_on_path, .body = body.view()}, reply,
        context.abandoned_check());
    if (done.abandoned()) {
        return {std::nullopt, done.status()};
    }
    if (!done.http_status) {
        return answer(reply_with(status_of(done.failure)), done.status());
    }
    return answer(interpret_sign_on_reply(*done.http_status, reply.body()), done.status());
}

CallOutcome AccountClient::perform(CallContext& context, std::uint64_t call_id,
                                   const base::SecretText& grant, bool elder_mode) {
    const auto answer = [call_id](bool saved, std::string status) {
        return CallOutcome{core::PreferencesSaved{call_id, saved}, std::move(status)};
    };
    // A grant the contract does not allow is never sent; the service would refuse it anyway,
    // and checking it here means it needs no escaping in the body.
    if (!is_token(grant.view())) {
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

CallOutcome AccountClient::perform(CallContext& context, std::uint64_t call_id,
                                   const std::string& master_check_value,
                                   const std::vector<std::string>& slots) {
    const auto answer = [call_id](core::WorkingKeysFetched fetched, std::string status) {
        fetched.call_id = call_id;
        return CallOutcome{std::move(fetched), std::move(status)};
    };
    // A request the contract does not allow is a fault of the kiosk's own: nothing is sent.
    if (slots.empty() || !std::ranges::all_of(slots, is_working_key_slot) ||
        !is_check_value(master_check_value)) {
        return answer(core::WorkingKeysFetched{}, "bad_request");
    }
    const json body = {{"terminal_id", m_options.terminal_id},
                       {"master_key_kcv", master_check_value},
                       {"slots", slots}};
    const std::string text = body.dump();
    ReplyBuffer reply(k_maximum_reply_bytes, ReplyBuffer::Secrecy::plain);
    const HttpsReply done = context.channel().exchange(
        m_endpoint, HttpsRequest{.method = Method::post, .path = k_working_keys_path, .body = text},
        reply, context.abandoned_check());
    if (done.abandoned()) {
        return {std::nullopt, done.status()};
    }
    if (!done.http_status) {
        return answer(core::WorkingKeysFetched{}, done.status());
    }
    return answer(interpret_working_keys_reply(*done.http_status, reply.body(), slots),
                  done.status());
}

CallOutcome AccountClient::perform(CallContext& context, std::uint64_t call_id,
                                   const core::AccountRequest& request,
                                   const base::SecretText& session) {
    const auto answer = [call_id](core::MoneyReply reply, std::string status) {
        return CallOutcome{core::MoneyReplyReceived{call_id, std::move(reply)}, std::move(status)};
    };
    std::optional<MoneyExchange> exchange = exchange_for(request, m_options.terminal_id, session);
    if (!exchange) {
        // A request the contract does not allow is a fault of the kiosk's own: nothing is sent.
        return answer(money_reply_with(core::MoneyStatus::bad_reply), "invalid_request");
    }
    // A statement and a quote carry amounts of the customer's: wiped like a balance.
    ReplyBuffer reply(k_maximum_reply_bytes, ReplyBuffer::Secrecy::wiped);
    const HttpsReply done = context.channel().exchange(
        m_endpoint,
        HttpsRequest{
            .method = exchange->method, .path = exchange->path, .body = exchange->body.view()},
        reply, context.abandoned_check());
    if (done.abandoned()) {
        return {std::nullopt, done.status()};
    }
    if (!done.http_status) {
        return answer(money_reply_with(money_status_of(done.failure)), done.status());
    }
    return answer(interpret_money_reply(request, *done.http_status, reply.body()), done.status());
}

}  // namespace kiosk::net
