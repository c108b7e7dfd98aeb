#include "simulator/bank/account_service.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <cassert>
#include <optional>

#include "base/bytes.h"
#include "base/text.h"
#include "drivers/iso9564/pin_block.h"
#include "simulator/bank/account_messages.h"
#include "simulator/bank/loopback_server.h"

namespace simulator::bank {

namespace {

using nlohmann::json;

constexpr std::string_view k_json_type = "application/json";
// What an undecipherable PIN block is checked as: no block deciphers to it (a PIN is 4 to 12
// digits, ISO 9564-1:2017 §8.1), so it never matches, and checking it costs what checking a
// wrong PIN costs (the same hash, the same count).
constexpr std::string_view k_undecipherable_pin = "-";
// The drop fault announces a body of this length and then closes the connection.
constexpr std::size_t k_dropped_body_length = 64;

bool is_pin_block_format(std::string_view text) {
    return pin_block_format_from(text).has_value();
}

// docs/api/account.yaml, "pin_block_ksn": optional; 24 hexadecimal digits, and only beside a
// format 4 block.
std::expected<std::optional<drivers::dukpt::Ksn>, RequestError> read_pin_block_ksn(
    const nlohmann::json& document, PinBlockFormat format) {
    if (!document.contains("pin_block_ksn")) {
        return std::optional<drivers::dukpt::Ksn>{};
    }
    auto text =
        read_string(document, "pin_block_ksn", is_pin_block_ksn, RequestError::bad_pin_block_ksn);
    if (!text) {
        return std::unexpected(text.error());
    }
    if (format != PinBlockFormat::iso9564_format4) {
        return std::unexpected(RequestError::bad_pin_block_ksn);
    }
    return parse_pin_block_ksn(*text);
}

struct BalanceRequest {
    std::string terminal_id;
    std::string pan;
    PinBlockFormat format = PinBlockFormat::iso9564_format0;
    base::Bytes pin_block;
    // docs/api/account.yaml, "pin_block_ksn" (version 1.4): a DUKPT block's KSN.
    std::optional<drivers::dukpt::Ksn> ksn;
    // docs/api/account.yaml, "CardAuthentication": the chip's ARQC, when the kiosk sent one.
    std::optional<drivers::emv::OnlineAuthentication> authentication;
};

// A balance or sign-on request (docs/api/account.yaml, "BalanceRequest"), field by field. The
// audit row learns the terminal and the masked PAN as soon as they are read.
std::expected<BalanceRequest, RequestError> parse_balance_request(std::string_view body,
                                                                  AuditEntry& audit) {
    auto document = parse_object(body, {"terminal_id", "pan", "pin_block", "pin_block_format",
                                        "pin_block_ksn", "card_authentication"});
    if (!document) {
        return std::unexpected(document.error());
    }
    BalanceRequest request;
    auto terminal = read_terminal_id(*document, audit.terminal_id);
    if (!terminal) {
        return std::unexpected(terminal.error());
    }
    request.terminal_id = std::move(*terminal);
    auto pan = read_string(*document, "pan", is_account_number, RequestError::bad_pan);
    if (!pan) {
        return std::unexpected(pan.error());
    }
    request.pan = *pan;
    audit.masked_pan = mask_pan(request.pan);
    auto format = read_string(*document, "pin_block_format", is_pin_block_format,
                              RequestError::bad_pin_block_format);
    if (!format) {
        return std::unexpected(format.error());
    }
    request.format = *pin_block_format_from(*format);
    // docs/api/account.yaml: 16 hexadecimal digits for iso9564-0, 32 for iso9564-4.
    auto block = read_string(*document, "pin_block", pin_block_check(request.format),
                             RequestError::bad_pin_block);
    if (!block) {
        return std::unexpected(block.error());
    }
    request.pin_block = *parse_pin_block(*block, request.format);
    auto ksn = read_pin_block_ksn(*document, request.format);
    if (!ksn) {
        return std::unexpected(ksn.error());
    }
    request.ksn = *ksn;
    if (const auto field = document->find("card_authentication"); field != document->end()) {
        auto authentication = parse_card_authentication(*field);
        if (!authentication) {
            return std::unexpected(authentication.error());
        }
        request.authentication = std::move(*authentication);
    }
    return request;
}

struct PreferencesRequest {
    std::string terminal_id;
    std::string grant;
    bool elder_mode = false;
};

// Validates a preferences request's body field by field (docs/api/account.yaml,
// "PreferencesRequest").
std::expected<PreferencesRequest, RequestError> parse_preferences_request(std::string_view body,
                                                                          AuditEntry& audit) {
    auto document = parse_object(body, {"terminal_id", "grant", "elder_mode"});
    if (!document) {
        return std::unexpected(document.error());
    }
    PreferencesRequest request;
    auto terminal = read_terminal_id(*document, audit.terminal_id);
    if (!terminal) {
        return std::unexpected(terminal.error());
    }
    request.terminal_id = std::move(*terminal);
    auto grant = read_string(*document, "grant", is_token, RequestError::bad_grant);
    if (!grant) {
        return std::unexpected(grant.error());
    }
    request.grant = *grant;
    const auto elder_mode = document->find("elder_mode");
    if (elder_mode == document->end() || !elder_mode->is_boolean()) {
        return std::unexpected(RequestError::bad_elder_mode);
    }
    request.elder_mode = elder_mode->get<bool>();
    return request;
}

// The terminal and masked PAN of a request a fault answers, for its audit row: whatever of
// them the body or query holds in a valid form.
void fill_audit(const httplib::Request& request, AuditEntry& audit) {
    if (const std::string terminal = request.get_param_value("terminal_id");
        is_terminal_id(terminal)) {
        audit.terminal_id = terminal;
    }
    const json document = json::parse(request.body, nullptr, false);
    if (!document.is_object()) {
        return;
    }
    (void)read_terminal_id(document, audit.terminal_id);
    if (auto pan = read_string(document, "pan", is_account_number, RequestError::bad_pan)) {
        audit.masked_pan = mask_pan(*pan);
    }
}

}  // namespace

std::string_view to_string(Fault fault) {
    switch (fault) {
        case Fault::none:
            return "none";
        case Fault::unavailable:
            return "unavailable";
        case Fault::slow:
            return "slow";
        case Fault::garbage:
            return "garbage";
        case Fault::drop:
            return "drop";
        case Fault::drop_after_commit:
            return "drop-after-commit";
    }
    return "unknown";
}

bool AccountService::set_fault(Fault fault, std::string_view call) {
    if (!call.empty() && std::ranges::find(k_account_calls, call) == k_account_calls.end()) {
        return false;
    }
    std::lock_guard lock(m_fault_mutex);
    m_fault = fault;
    m_fault_call = std::string(call);
    return true;
}

Fault AccountService::fault() const {
    std::lock_guard lock(m_fault_mutex);
    return m_fault;
}

std::string AccountService::fault_call() const {
    std::lock_guard lock(m_fault_mutex);
    return m_fault_call;
}

Fault AccountService::fault_for(std::string_view call) const {
    std::lock_guard lock(m_fault_mutex);
    return m_fault_call.empty() || m_fault_call == call ? m_fault : Fault::none;
}

std::int64_t AccountService::now_unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

AccountService::AccountService(AccountServiceConfig config) : m_config(std::move(config)) {}

AccountService::~AccountService() {
    stop();
}

void AccountService::set_slow_reply_delay(std::chrono::milliseconds delay) {
    std::lock_guard lock(m_hold_mutex);
    m_slow_reply_delay = delay;
}

std::optional<std::string> AccountService::decipher_pin(
    PinBlockFormat format, std::span<const std::uint8_t> block, std::string_view pan,
    const std::optional<drivers::dukpt::Ksn>& ksn) {
    if (format == PinBlockFormat::iso9564_format4) {
        if (block.size() != drivers::iso9564::Format4Block{}.size()) {
            return std::nullopt;
        }
        std::optional<drivers::dukpt::AesKey> dukpt_key;
        if (ksn) {
            // ANSI X9.24-3-2017 §6.1: a counter no pad uses, or one at or below the last this
            // pad sent, is never deciphered: its key was erased in the pad after one use.
            if (!drivers::dukpt::is_usable_counter(drivers::dukpt::counter_of(*ksn))) {
                return std::nullopt;
            }
            auto fresh = m_store->accept_dukpt_counter(*ksn);
            if (!fresh || !*fresh) {
                return std::nullopt;
            }
            auto key =
                drivers::dukpt::derive_pin_encryption_key(m_config.pin_base_derivation_key, *ksn);
            if (!key) {
                return std::nullopt;
            }
            dukpt_key = *key;
        }
        const std::span<const std::uint8_t> key =
            dukpt_key ? std::span<const std::uint8_t>(dukpt_key->bytes)
                      : std::span<const std::uint8_t>(m_config.pin_aes_key);
        auto pin = drivers::iso9564::format4_decrypt_pin(
            std::span<const std::uint8_t, 16>(block.data(), 16), pan, key);
        return pin ? std::optional<std::string>(std::move(*pin)) : std::nullopt;
    }
    if (block.size() != drivers::iso9564::Format0Block{}.size()) {
        return std::nullopt;
    }
    auto pin = drivers::iso9564::format0_decrypt_pin(
        std::span<const std::uint8_t, 8>(block.data(), 8), pan, m_config.pin_key);
    return pin ? std::optional<std::string>(std::move(*pin)) : std::nullopt;
}

std::expected<std::vector<AuditEntry>, BankError> AccountService::audit_entries() {
    if (!m_store) {
        return std::vector<AuditEntry>{};
    }
    return m_store->audit_entries();
}

std::expected<CashLedger, BankError> AccountService::cash_ledger(std::string_view terminal_id,
                                                                 std::int64_t since_unix_ms) {
    if (!m_store) {
        return CashLedger{};
    }
    return m_store->cash_ledger(terminal_id, since_unix_ms);
}

void AccountService::hold_reply() {
    std::unique_lock lock(m_hold_mutex);
    m_hold_released.wait_for(lock, m_slow_reply_delay, [this] { return m_stopping; });
}

AccountService::Reply AccountService::answer_balance(const httplib::Request& request,
                                                     AuditEntry& audit) {
    return sign_on(request.body, audit, false);
}

AccountService::Reply AccountService::answer_sign_on(const httplib::Request& request,
                                                     AuditEntry& audit) {
    return sign_on(request.body, audit, true);
}

AccountService::Reply AccountService::bad_request(RequestError error) {
    return {400, bad_request_body(to_string(error)), "bad_request"};
}

// docs/api/account.yaml: /v1/balance and /v1/sessions verify the PIN block the same way; a
// sign-on also opens a session and states the limits.
AccountService::Reply AccountService::sign_on(std::string_view body, AuditEntry& audit,
                                              bool open_session) {
    auto request = parse_balance_request(body, audit);
    if (!request) {
        return bad_request(request.error());
    }
    const auto status = m_store->card_status(request->pan);
    if (!status) {
        return {503, result_body("unavailable"), "database_failure"};
    }
    if (*status == CardStatus::unknown) {
        return {404, result_body("card_unknown"), "card_unknown"};
    }
    if (*status == CardStatus::locked) {
        return {423, result_body("pin_locked"), "pin_locked"};
    }
    if (*status == CardStatus::blocked) {
        return {403, result_body("card_blocked"), "card_blocked"};
    }
    // EMV 4.3 Book 2 §8.1: the chip proves itself before the PIN is checked, so that a clone
    // learns nothing about the PIN and uses up none of the card's tries. Every refusal is the
    // reply the kiosk already knows for a card the bank will not serve (404 card_unknown: "go
    // to the counter", and the card is returned); only the audit row says why.
    if (!request->authentication) {
        if (m_config.require_card_authentication) {
            return {404, result_body("card_unknown"), "card_authentication_missing"};
        }
    } else {
        if (!is_arqc(*request->authentication) ||
            !drivers::emv::verify_arqc(m_config.issuer_master_key, request->pan,
                                       *request->authentication)) {
            return {404, result_body("card_unknown"), "card_authentication_failed"};
        }
        const auto accepted = m_store->accept_transaction_counter(
            request->pan, request->authentication->transaction_counter);
        if (!accepted) {
            return {503, result_body("unavailable"), std::string(to_string(accepted.error()))};
        }
        if (!*accepted) {
            return {404, result_body("card_unknown"), "transaction_counter_replayed"};
        }
    }
    // ISO 9564-1:2017 §9.4.2, §9.4.6. A block that does not decipher to a well-formed block
    // (a pad with another key, a forged or altered block) is checked as a wrong PIN: the same
    // reply, the same count of tries, the same work. Were it answered otherwise, whoever can
    // send blocks could tell a well-formed one from another, a padding oracle on the PIN.
    // A DUKPT block (account.yaml 1.4) is deciphered under the key its KSN gives; a replayed
    // or older KSN is an undecipherable block, and so a wrong PIN like any other.
    std::string pin = decipher_pin(request->format, request->pin_block, request->pan, request->ksn)
                          .value_or(std::string(k_undecipherable_pin));
    auto check = m_store->verify_pin_and_read_balance(
        request->pan, pin,
        GrantTerms{request->terminal_id, now_unix_ms(), m_config.grant_lifetime, open_session});
    base::wipe(pin);
    if (!check) {
        return {503, result_body("unavailable"), std::string(to_string(check.error()))};
    }
    switch (check->verdict) {
        case PinVerdict::ok: {
            json reply = {
                {"result", "ok"},
                {"balance", money_json(check->balance_minor_units, check->currency)},
                {"masked_pan", mask_pan(request->pan)},
                {"preferences", {{"elder_mode", check->elder_mode}, {"grant", check->grant}}}};
            if (open_session) {
                const Limits& limits = check->limits;
                reply["session"] = check->session;
                reply["limits"] = {{"withdrawal_per_transaction",
                                    money_json(limits.withdrawal_per_transaction, check->currency)},
                                   {"withdrawal_left_today",
                                    money_json(limits.withdrawal_left_today, check->currency)},
                                   {"transfer_left_today",
                                    money_json(limits.transfer_left_today, check->currency)}};
            }
            return {200, reply.dump(), "ok"};
        }
        case PinVerdict::wrong_pin:
            return {401, json{{"result", "wrong_pin"}, {"tries_left", check->tries_left}}.dump(),
                    "wrong_pin"};
        case PinVerdict::pin_locked:
            return {423, result_body("pin_locked"), "pin_locked"};
        case PinVerdict::card_unknown:
            return {404, result_body("card_unknown"), "card_unknown"};
    }
    return {503, result_body("unavailable"), "database_failure"};
}

AccountService::Reply AccountService::answer_preferences(const httplib::Request& http_request,
                                                         AuditEntry& audit) {
    auto request = parse_preferences_request(http_request.body, audit);
    if (!request) {
        return bad_request(request.error());
    }
    auto use = m_store->save_preferences(request->grant, request->terminal_id, request->elder_mode,
                                         now_unix_ms());
    if (!use) {
        return {503, result_body("unavailable"), std::string(to_string(use.error()))};
    }
    audit.masked_pan = use->masked_pan;
    if (use->verdict == GrantVerdict::saved) {
        return {200, result_body("ok"), "ok"};
    }
    // One answer for every refusal (docs/api/account.yaml, 403); the audit row says which.
    return {403, result_body("grant_refused"), std::string(to_string(use->verdict))};
}

std::expected<void, base::Error<BankError>> AccountService::start(const std::string& host,
                                                                  int port) {
    if (m_thread.joinable()) {
        return std::unexpected(base::error(BankError::already_running));
    }
    if (!m_store) {
        auto store = AccountStore::open(m_config.database, m_config.demo_cards);
        if (!store) {
            return std::unexpected(store.error());
        }
        m_store = std::move(*store);
    }
    {
        std::lock_guard lock(m_hold_mutex);
        m_stopping = false;
    }
    if (m_config.client_authority) {
        if (!m_config.tls) {
            return std::unexpected(
                base::error(BankError::tls_failure, "a client authority needs a TLS certificate"));
        }
        if (auto readable = check_certificate_file(*m_config.client_authority); !readable) {
            return std::unexpected(readable.error());
        }
    }
    if (m_config.tls) {
        // cpp-httplib requires and verifies a client certificate when it is given a CA file
        // (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT).
        m_server = std::make_unique<httplib::SSLServer>(
            m_config.tls->certificate.c_str(), m_config.tls->private_key.c_str(),
            m_config.client_authority ? m_config.client_authority->c_str() : nullptr);
        if (!m_server->is_valid()) {
            m_server.reset();
            return std::unexpected(base::error(BankError::tls_failure,
                                               "cannot load " + m_config.tls->certificate.string() +
                                                   " and " + m_config.tls->private_key.string()));
        }
    } else {
        m_server = std::make_unique<httplib::Server>();
    }
    m_server->set_payload_max_length(k_maximum_request_bytes);
    // A kiosk's client keeps its connection open between calls, and cpp-httplib gives each open
    // connection a thread of its pool: with its default of 8 threads a ninth kiosk's handshake
    // waits past the kiosk's connect time-out (kiosk-sim load, 100 kiosks: 6 % of calls).
    m_server->new_task_queue = [] { return new httplib::ThreadPool(k_service_threads); };
    // cpp-httplib's default also sets SO_REUSEPORT, which would let a second service bind the
    // same port and silently take half the traffic. Address reuse alone is what restarts need.
    m_server->set_socket_options([](socket_t socket) {
        const int enable = 1;
        ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &enable, sizeof(enable));
    });

    m_server->Get("/v1/health", [this](const httplib::Request&, httplib::Response& response) {
        const Fault fault = fault_for({});
        if (apply_fault(fault, response)) {
            return;
        }
        response.status = 200;
        response.set_content(json{{"status", "ok"}}.dump(), std::string(k_json_type));
        if (fault == Fault::drop_after_commit) {
            drop_reply(response);
        }
    });
    const std::string transaction = "/v1/withdrawals/([^/]+)";
    serve("POST", "/v1/balance", "balance", &AccountService::answer_balance);
    serve("PUT", "/v1/preferences", "preferences", &AccountService::answer_preferences);
    serve("POST", "/v1/sessions", "sign_on", &AccountService::answer_sign_on);
    serve("POST", "/v1/sessions/end", "end_session", &AccountService::answer_end_session);
    serve("POST", "/v1/statement", "statement", &AccountService::answer_statement);
    serve("POST", "/v1/quotes", "quote", &AccountService::answer_quote);
    serve("PUT", transaction, "withdrawal", &AccountService::answer_authorise_withdrawal);
    serve("GET", transaction, "withdrawal_status", &AccountService::answer_get_withdrawal);
    serve("POST", transaction + "/confirm", "withdrawal_confirm",
          &AccountService::answer_confirm_withdrawal);
    serve("POST", transaction + "/reverse", "withdrawal_reverse",
          &AccountService::answer_reverse_withdrawal);
    serve("PUT", "/v1/transfers/([^/]+)", "transfer", &AccountService::answer_execute_transfer);
    serve("GET", "/v1/transfers/([^/]+)", "transfer_status", &AccountService::answer_get_transfer);
    serve("POST", "/v1/card-lock", "card_lock", &AccountService::answer_card_lock);
    serve("POST", "/v1/pin-change", "pin_change", &AccountService::answer_pin_change);
    serve("POST", "/v1/working-keys", "working_keys", &AccountService::answer_working_keys);

    // cpp-httplib's own refusals (unknown path, oversized body, broken HTTP) get a JSON body
    // too, so that a client always finds a "result" to read.
    m_server->set_error_handler([](const httplib::Request&, httplib::Response& response) {
        if (!response.body.empty()) {
            return;
        }
        const std::string body = response.status == 404
                                     ? result_body("not_found")
                                     : bad_request_body("request refused by the HTTP layer");
        response.set_content(body, std::string(k_json_type));
    });
    m_server->set_exception_handler(
        [](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
            response.status = 503;
            response.set_content(result_body("unavailable"), std::string(k_json_type));
        });

    const std::expected<int, std::string> listening =
        listen_in_background(*m_server, host, port, m_thread);
    if (!listening) {
        m_server.reset();
        return std::unexpected(base::error(BankError::bind_failure, listening.error()));
    }
    m_port.store(*listening);
    return {};
}

bool AccountService::apply_fault(Fault fault, httplib::Response& response) {
    switch (fault) {
        case Fault::none:
        case Fault::drop_after_commit:
            return false;
        case Fault::unavailable:
            response.status = 503;
            response.set_content(result_body("unavailable"), std::string(k_json_type));
            return true;
        case Fault::slow:
            hold_reply();
            return false;
        case Fault::garbage:
            response.status = 200;
            response.set_content(R"({"result":"ok","balance":{"minor_units":12)",
                                 std::string(k_json_type));
            return true;
        case Fault::drop:
            drop_reply(response);
            return true;
    }
    return false;
}

void AccountService::drop_reply(httplib::Response& response) {
    // The provider refuses to write, so cpp-httplib closes the socket right after the status
    // line and headers: the client sees the link break mid-reply. The client has bytes of the
    // reply, so it cannot take the connection for one that was already closed and send the
    // request again by itself. The status is always 200: with an error status cpp-httplib would
    // have the error handler write a body after all.
    response.status = 200;
    response.body.clear();
    response.set_content_provider(
        k_dropped_body_length, std::string(k_json_type),
        [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
}

void AccountService::serve(const char* method, const std::string& pattern, std::string_view call,
                           Answer answer) {
    assert(std::ranges::find(k_account_calls, call) != k_account_calls.end() &&
           "a fault can be aimed only at a call k_account_calls names");
    auto handler = [this, call = std::string(call), answer](const httplib::Request& request,
                                                            httplib::Response& response) {
        AuditEntry audit;
        audit.call = call;
        audit.at_unix_ms = now_unix_ms();
        const Fault fault = fault_for(call);
        if (apply_fault(fault, response)) {
            // Read only to fill the audit row; the fault decides the reply.
            fill_audit(request, audit);
            audit.result = "fault_" + std::string(to_string(fault));
            audit.http_status = response.status;
            (void)m_store->record_audit(audit);
            return;
        }
        Reply reply = (this->*answer)(request, audit);
        audit.result = reply.audit_result;
        audit.http_status = reply.status;
        if (fault == Fault::drop_after_commit) {
            // Done and committed; only the answer is lost. The audit says both.
            audit.result = "fault_" + std::string(to_string(fault)) + ": " + reply.audit_result;
            drop_reply(response);
        } else {
            response.status = reply.status;
            response.set_content(reply.body, std::string(k_json_type));
        }
        (void)m_store->record_audit(audit);
    };
    const std::string_view verb(method);
    if (verb == "GET") {
        m_server->Get(pattern, handler);
    } else if (verb == "PUT") {
        m_server->Put(pattern, handler);
    } else {
        m_server->Post(pattern, handler);
    }
}

void AccountService::stop() {
    {
        std::lock_guard lock(m_hold_mutex);
        m_stopping = true;
    }
    m_hold_released.notify_all();
    if (m_server) {
        m_server->stop();
    }
    if (m_thread.joinable()) {
        m_thread.join();
    }
    m_server.reset();
    m_port.store(0);
}

}  // namespace simulator::bank
