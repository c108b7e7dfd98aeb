#include "simulator/bank/account_service.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <optional>

#include "base/bytes.h"
#include "base/text.h"
#include "drivers/iso9564/pin_block.h"
#include "simulator/bank/loopback_server.h"

namespace simulator::bank {

namespace {

using nlohmann::json;

constexpr std::string_view k_json_type = "application/json";
constexpr std::size_t k_maximum_terminal_id_length = 32;
constexpr std::size_t k_minimum_pan_length = 12;
constexpr std::size_t k_maximum_pan_length = 19;
constexpr std::size_t k_pin_block_hex_length = 16;
constexpr std::string_view k_pin_block_format_0 = "iso9564-0";
// docs/api/account.yaml, "Grant": 16 to 128 characters of A-Z a-z 0-9 _ -.
constexpr std::size_t k_minimum_grant_length = 16;
constexpr std::size_t k_maximum_grant_length = 128;
// The drop fault announces a body of this length and then closes the connection.
constexpr std::size_t k_dropped_body_length = 64;

bool is_terminal_id(std::string_view text) {
    return !text.empty() && text.size() <= k_maximum_terminal_id_length &&
           std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                      c == '.' || c == '_' || c == '-';
           });
}

bool is_grant(std::string_view text) {
    return text.size() >= k_minimum_grant_length && text.size() <= k_maximum_grant_length &&
           std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                      c == '_' || c == '-';
           });
}

std::optional<std::array<std::uint8_t, 8>> parse_pin_block(std::string_view hex) {
    if (hex.size() != k_pin_block_hex_length) {
        return std::nullopt;
    }
    const auto bytes = base::parse_hex(hex);
    if (!bytes || bytes->size() != 8) {
        return std::nullopt;
    }
    std::array<std::uint8_t, 8> block{};
    std::ranges::copy(*bytes, block.begin());
    return block;
}

struct BalanceRequest {
    std::string terminal_id;
    std::string pan;
    std::array<std::uint8_t, 8> pin_block{};
};

// What is wrong with a balance request's body. Each phrase is a detail safe to send back in the
// 400 reply (docs/api/account.yaml): it never echoes a value from the request, so there is no
// context and the bare code is the error (docs/style.md, "Errors").
enum class RequestError {
    not_json,              // the body does not parse as JSON
    not_object,            // the body is JSON but not an object
    unexpected_field,      // a field the contract does not define
    bad_terminal_id,       // terminal_id missing, not a string, or not 1..32 allowed characters
    bad_pan,               // pan missing, not a string, or not 12..19 digits
    bad_pin_block_format,  // pin_block_format missing or not "iso9564-0"
    bad_pin_block,         // pin_block missing, not a string, or not 16 hexadecimal digits
    bad_grant,             // grant missing, not a string, or not 16..128 allowed characters
    bad_elder_mode,        // elder_mode missing or not a boolean
};

std::string_view to_string(RequestError error) {
    switch (error) {
        case RequestError::not_json:
            return "body is not valid JSON";
        case RequestError::not_object:
            return "body must be a JSON object";
        case RequestError::unexpected_field:
            return "unexpected field in body";
        case RequestError::bad_terminal_id:
            return "terminal_id must be 1 to 32 characters of A-Z a-z 0-9 . _ -";
        case RequestError::bad_pan:
            return "pan must be a string of 12 to 19 digits";
        case RequestError::bad_pin_block_format:
            return "pin_block_format must be \"iso9564-0\"";
        case RequestError::bad_pin_block:
            return "pin_block must be 16 hexadecimal digits";
        case RequestError::bad_grant:
            return "grant must be 16 to 128 characters of A-Z a-z 0-9 _ -";
        case RequestError::bad_elder_mode:
            return "elder_mode must be true or false";
    }
    return "bad request";
}

// Validates the request body field by field.
std::expected<BalanceRequest, RequestError> parse_balance_request(std::string_view body,
                                                                  AuditEntry& audit) {
    const json document = json::parse(body, nullptr, false);
    if (document.is_discarded()) {
        return std::unexpected(RequestError::not_json);
    }
    if (!document.is_object()) {
        return std::unexpected(RequestError::not_object);
    }
    for (const auto& [key, value] : document.items()) {
        if (key != "terminal_id" && key != "pan" && key != "pin_block" &&
            key != "pin_block_format") {
            return std::unexpected(RequestError::unexpected_field);
        }
    }
    BalanceRequest request;
    const auto terminal = document.find("terminal_id");
    if (terminal == document.end() || !terminal->is_string() ||
        !is_terminal_id(terminal->get_ref<const std::string&>())) {
        return std::unexpected(RequestError::bad_terminal_id);
    }
    request.terminal_id = terminal->get<std::string>();
    audit.terminal_id = request.terminal_id;

    const auto pan = document.find("pan");
    if (pan == document.end() || !pan->is_string()) {
        return std::unexpected(RequestError::bad_pan);
    }
    const auto& pan_text = pan->get_ref<const std::string&>();
    if (pan_text.size() < k_minimum_pan_length || pan_text.size() > k_maximum_pan_length ||
        !base::is_digits(pan_text)) {
        return std::unexpected(RequestError::bad_pan);
    }
    request.pan = pan_text;
    audit.masked_pan = mask_pan(request.pan);

    const auto format = document.find("pin_block_format");
    if (format == document.end() || !format->is_string() ||
        format->get_ref<const std::string&>() != k_pin_block_format_0) {
        return std::unexpected(RequestError::bad_pin_block_format);
    }
    const auto block = document.find("pin_block");
    if (block == document.end() || !block->is_string()) {
        return std::unexpected(RequestError::bad_pin_block);
    }
    const auto parsed_block = parse_pin_block(block->get_ref<const std::string&>());
    if (!parsed_block) {
        return std::unexpected(RequestError::bad_pin_block);
    }
    request.pin_block = *parsed_block;
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
    const json document = json::parse(body, nullptr, false);
    if (document.is_discarded()) {
        return std::unexpected(RequestError::not_json);
    }
    if (!document.is_object()) {
        return std::unexpected(RequestError::not_object);
    }
    for (const auto& [key, value] : document.items()) {
        if (key != "terminal_id" && key != "grant" && key != "elder_mode") {
            return std::unexpected(RequestError::unexpected_field);
        }
    }
    PreferencesRequest request;
    const auto terminal = document.find("terminal_id");
    if (terminal == document.end() || !terminal->is_string() ||
        !is_terminal_id(terminal->get_ref<const std::string&>())) {
        return std::unexpected(RequestError::bad_terminal_id);
    }
    request.terminal_id = terminal->get<std::string>();
    audit.terminal_id = request.terminal_id;

    const auto grant = document.find("grant");
    if (grant == document.end() || !grant->is_string() ||
        !is_grant(grant->get_ref<const std::string&>())) {
        return std::unexpected(RequestError::bad_grant);
    }
    request.grant = grant->get<std::string>();

    const auto elder_mode = document.find("elder_mode");
    if (elder_mode == document.end() || !elder_mode->is_boolean()) {
        return std::unexpected(RequestError::bad_elder_mode);
    }
    request.elder_mode = elder_mode->get<bool>();
    return request;
}

std::string result_body(std::string_view result) {
    return json{{"result", result}}.dump();
}

std::string bad_request_body(std::string_view detail) {
    return json{{"result", "bad_request"}, {"detail", detail}}.dump();
}

std::int64_t now_unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
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
    }
    return "unknown";
}

AccountService::AccountService(AccountServiceConfig config) : m_config(std::move(config)) {}

AccountService::~AccountService() {
    stop();
}

void AccountService::set_slow_reply_delay(std::chrono::milliseconds delay) {
    std::lock_guard lock(m_hold_mutex);
    m_slow_reply_delay = delay;
}

std::expected<std::vector<AuditEntry>, BankError> AccountService::audit_entries() {
    if (!m_store) {
        return std::vector<AuditEntry>{};
    }
    return m_store->audit_entries();
}

void AccountService::hold_reply() {
    std::unique_lock lock(m_hold_mutex);
    m_hold_released.wait_for(lock, m_slow_reply_delay, [this] { return m_stopping; });
}

AccountService::Reply AccountService::answer_balance(std::string_view body, AuditEntry& audit) {
    auto request = parse_balance_request(body, audit);
    if (!request) {
        return {400, bad_request_body(to_string(request.error())), "bad_request"};
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
    // ISO 9564-1 §9.4.2. A block that does not decipher to a valid format 0 block means a
    // PIN pad with the wrong key or a forged block, not a customer's mistake: no try is counted.
    auto pin =
        drivers::iso9564::format0_decrypt_pin(request->pin_block, request->pan, m_config.pin_key);
    if (!pin) {
        return {400, bad_request_body("pin_block does not decipher to an ISO 9564 format 0 block"),
                "bad_pin_block"};
    }
    auto check = m_store->verify_pin_and_read_balance(
        request->pan, *pin,
        GrantTerms{request->terminal_id, now_unix_ms(), m_config.grant_lifetime});
    base::wipe(*pin);
    if (!check) {
        return {503, result_body("unavailable"), std::string(to_string(check.error()))};
    }
    switch (check->verdict) {
        case PinVerdict::ok: {
            const json reply = {
                {"result", "ok"},
                {"balance",
                 {{"minor_units", check->balance_minor_units}, {"currency", check->currency}}},
                {"masked_pan", mask_pan(request->pan)},
                {"preferences", {{"elder_mode", check->elder_mode}, {"grant", check->grant}}}};
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

AccountService::Reply AccountService::answer_preferences(std::string_view body, AuditEntry& audit) {
    auto request = parse_preferences_request(body, audit);
    if (!request) {
        return {400, bad_request_body(to_string(request.error())), "bad_request"};
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
    // cpp-httplib's default also sets SO_REUSEPORT, which would let a second service bind the
    // same port and silently take half the traffic. Address reuse alone is what restarts need.
    m_server->set_socket_options([](socket_t socket) {
        const int enable = 1;
        ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &enable, sizeof(enable));
    });

    // Applies the injected fault; returns true when the fault has produced the whole reply.
    auto apply_fault = [this](httplib::Response& response) {
        switch (m_fault.load()) {
            case Fault::none:
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
                // The provider refuses to write, so cpp-httplib closes the socket right after
                // the status line and headers: the client sees the link break mid-reply.
                response.status = 200;
                response.set_content_provider(
                    k_dropped_body_length, std::string(k_json_type),
                    [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
                return true;
        }
        return false;
    };

    m_server->Get("/v1/health",
                  [apply_fault](const httplib::Request&, httplib::Response& response) {
                      if (apply_fault(response)) {
                          return;
                      }
                      response.status = 200;
                      response.set_content(json{{"status", "ok"}}.dump(), std::string(k_json_type));
                  });

    m_server->Post("/v1/balance", [this, apply_fault](const httplib::Request& request,
                                                      httplib::Response& response) {
        AuditEntry audit;
        audit.call = "balance";
        audit.at_unix_ms = now_unix_ms();
        const Fault fault = m_fault.load();
        if (apply_fault(response)) {
            // Parse only to fill the audit row; the fault decides the reply.
            (void)parse_balance_request(request.body, audit);
            audit.result = "fault_" + std::string(to_string(fault));
            audit.http_status = response.status;
            (void)m_store->record_audit(audit);
            return;
        }
        Reply reply = answer_balance(request.body, audit);
        audit.result = reply.audit_result;
        audit.http_status = reply.status;
        (void)m_store->record_audit(audit);
        response.status = reply.status;
        response.set_content(reply.body, std::string(k_json_type));
    });

    m_server->Put("/v1/preferences", [this, apply_fault](const httplib::Request& request,
                                                         httplib::Response& response) {
        AuditEntry audit;
        audit.call = "preferences";
        audit.at_unix_ms = now_unix_ms();
        const Fault fault = m_fault.load();
        if (apply_fault(response)) {
            (void)parse_preferences_request(request.body, audit);
            audit.result = "fault_" + std::string(to_string(fault));
            audit.http_status = response.status;
            (void)m_store->record_audit(audit);
            return;
        }
        Reply reply = answer_preferences(request.body, audit);
        audit.result = reply.audit_result;
        audit.http_status = reply.status;
        (void)m_store->record_audit(audit);
        response.status = reply.status;
        response.set_content(reply.body, std::string(k_json_type));
    });

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
