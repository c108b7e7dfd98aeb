#pragma once

// The simulated account service: a real HTTP server on loopback with SQLite state, speaking
// the contract in docs/api/account.yaml. The simulator runs it in-process and injects faults
// through set_fault(), so that the kiosk's unchanged HTTP client meets every failure a real
// bank link can show, on every request or on the requests of one call.

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "simulator/bank/account_messages.h"
#include "simulator/bank/account_store.h"
#include "simulator/bank/bank_error.h"
#include "simulator/bank/card_authentication.h"
#include "simulator/bank/tls_certificate.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace simulator::bank {

// The 2-key TDES PIN encryption key the simulator loads into both the virtual PIN pad and this
// service (ISO 9564 test key, check value 08D7B4). A real deployment has no such constant: the
// key is injected into the EPP and the bank's HSM under key management.
inline constexpr std::array<std::uint8_t, 16> k_demo_pin_key = {
    0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10};
// The AES-128 PIN encryption key for ISO 9564 format 4 blocks (docs/protocols/epp.md §4.4), the
// simulator's demo key as k_demo_pin_key is: the FIPS-197 / RFC 4493 example key 2B7E1516...,
// check value by AES-CMAC (ANSI X9.24-1:2017). Loaded into the virtual pad wrapped under its
// master key (epp.md §8.3).
inline constexpr std::array<std::uint8_t, 16> k_demo_pin_aes_key = {
    0x2B, 0x7E, 0x15, 0x16, 0x28, 0xAE, 0xD2, 0xA6, 0xAB, 0xF7, 0x15, 0x88, 0x09, 0xCF, 0x4F, 0x3C};

// The base derivation key of AES DUKPT (ANSI X9.24-3-2017; docs/protocols/epp.md §8.7): the
// simulator's demo BDK, the one of the X9.24-3-2017 supplement's test vectors (FEDCBA98...
// F1F1...), from which the bank derives each DUKPT block's key through its KSN. The simulated
// pad is loaded with the initial key this BDK gives k_demo_dukpt_initial_key_id (the
// supplement's 1234567890123456). A real deployment keeps its BDK in its HSM.
inline constexpr std::array<std::uint8_t, 16> k_demo_dukpt_base_key = {
    0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1};
inline constexpr std::array<std::uint8_t, 8> k_demo_dukpt_initial_key_id = {0x12, 0x34, 0x56, 0x78,
                                                                            0x90, 0x12, 0x34, 0x56};

// Requests larger than this are refused before they are parsed.
inline constexpr std::size_t k_maximum_request_bytes = 4 * 1024;

// Connections served at once: more than the kiosks a load run puts on one service
// (kiosk-sim load), since each kiosk keeps its connection open.
inline constexpr std::size_t k_service_threads = 128;

// How long Fault::slow holds each reply: well past the kiosk client's total timeout.
inline constexpr std::chrono::milliseconds k_default_slow_reply_delay{20'000};

enum class Fault {
    none,
    unavailable,  // every request answers 503 {"result":"unavailable"}
    slow,         // every reply is held back for the slow delay (stop() releases it)
    garbage,      // every request answers 200 with a body that is not valid JSON
    drop,         // the connection closes after the status line, before the body: nothing done
    // The request is carried out and committed, then the connection closes as with drop: the
    // link broke on the way back, so the client has no answer although the money moved.
    drop_after_commit,
};

// "none", "unavailable", "slow", "garbage", "drop", "drop-after-commit": the names scenarios
// use (docs/scenarios.md, `fault account MODE`).
std::string_view to_string(Fault fault);

// Every call the service answers, by the name its audit rows give it (docs/api/account.yaml
// names the paths): a fault can be aimed at the requests of one of them.
inline constexpr std::array<std::string_view, 15> k_account_calls = {
    "balance",  "preferences",     "sign_on",           "end_session",        "statement",
    "quote",    "withdrawal",      "withdrawal_status", "withdrawal_confirm", "withdrawal_reverse",
    "transfer", "transfer_status", "card_lock",         "pin_change",         "working_keys"};

struct AccountServiceConfig {
    std::filesystem::path database;    // created with its schema when new
    std::filesystem::path demo_cards;  // simulator/cards/demo-cards.toml, seeds an empty database
    std::array<std::uint8_t, 16> pin_key{};  // the PIN pad's TDES PIN encryption key
    std::optional<TlsFiles> tls{};           // serve HTTPS with these; plain HTTP when empty
    // With a CA file here (and tls set), every client must present a certificate that this
    // authority signed: the TLS handshake fails without one (mutual TLS, as
    // docs/api/queue.yaml, "Security" describes). Empty: no client certificate is asked for.
    std::optional<std::filesystem::path> client_authority{};
    // How long a preferences grant lasts; tests shorten it to see grants expire.
    std::chrono::milliseconds grant_lifetime = k_grant_lifetime;
    // The AES-128 PIN key of format 4 blocks (the demo key unless a test gives another).
    std::array<std::uint8_t, 16> pin_aes_key = k_demo_pin_aes_key;
    // The BDK of format 4 blocks that come with a pin_block_ksn (AES DUKPT, account.yaml 1.4).
    std::array<std::uint8_t, 16> pin_base_derivation_key = k_demo_dukpt_base_key;
    // The issuer master key the cards' ARQCs are checked with (EMV 4.3 Book 2 Annex A1.4;
    // card_authentication.h): the demo issuer's, the one the simulated cards derive theirs from.
    std::array<std::uint8_t, 16> issuer_master_key = k_demo_issuer_master_key;
    // Whether a sign-on or balance request without `card_authentication` is refused. A request
    // that carries one is always checked, and refused when its ARQC fails or its counter has
    // been seen. kiosk-sim's branch sets it (the kiosk sends every card's ARQC); the load run,
    // whose simulated kiosks have no chips, and tests of other things leave it unset
    // (simulator/bank/README.md, "Card authentication").
    bool require_card_authentication = false;
    // The bank's key management for the kiosks' PIN pads (account.yaml 1.5, "PIN pad working
    // keys"): the master keys whose component forms it issued to the branch's key custodians,
    // and the pads' authentication key. It wraps pin_key, pin_aes_key and the authentication key
    // under whichever of these master keys a kiosk names. Empty: it has none to give.
    std::vector<std::array<std::uint8_t, 16>> pad_master_keys{};
    std::optional<std::array<std::uint8_t, 16>> pad_authentication_key{};
};

class AccountService {
  public:
    explicit AccountService(AccountServiceConfig config);
    ~AccountService();
    AccountService(const AccountService&) = delete;
    AccountService& operator=(const AccountService&) = delete;

    // Opens the database and listens; port 0 picks a free port (see port()).
    std::expected<void, base::Error<BankError>> start(const std::string& host = "127.0.0.1",
                                                      int port = 0);
    // Stops listening, releases held slow replies and joins the server thread. Idempotent.
    void stop();
    int port() const { return m_port.load(); }
    bool running() const { return m_thread.joinable(); }

    // The fault every request meets from now on; with `call` (one of k_account_calls), only the
    // requests of that call meet it and the others are answered as usual, so that a scenario
    // can break the authorisation of a withdrawal and still let the kiosk reverse it. False,
    // and nothing changes, when `call` names no call of the service.
    bool set_fault(Fault fault, std::string_view call = {});
    Fault fault() const;
    // The call the fault is aimed at; empty when every request meets it.
    std::string fault_call() const;
    void set_slow_reply_delay(std::chrono::milliseconds delay);

    // The audit trail, for tests and the simulator's panel. Empty before start().
    std::expected<std::vector<AuditEntry>, BankError> audit_entries();
    // What the withdrawals of one terminal (every terminal when empty) made since
    // `since_unix_ms` have debited and still hold, for comparison with the cash a dispenser
    // handed out. Empty before start().
    std::expected<CashLedger, BankError> cash_ledger(std::string_view terminal_id = {},
                                                     std::int64_t since_unix_ms = 0);

    // One reply: its HTTP status, its JSON body, and the result the audit row records.
    struct Reply {
        int status = 0;
        std::string body;
        std::string audit_result;
    };

  private:
    using Answer = Reply (AccountService::*)(const httplib::Request&, AuditEntry&);
    // 400 {"result":"bad_request","detail":...} for a request the contract does not allow.
    static Reply bad_request(RequestError error);
    // Registers a route whose replies are audited as `call` and to which faults apply.
    void serve(const char* method, const std::string& pattern, std::string_view call,
               Answer answer);
    // The fault a request of `call` meets now (empty `call`: the health check, which only a
    // fault aimed at every request reaches).
    Fault fault_for(std::string_view call) const;
    // Answers the request as `fault` makes it, before it is carried out; false when the fault
    // lets it be carried out (none, slow once the hold is over, drop_after_commit).
    bool apply_fault(Fault fault, httplib::Response& response);
    // Closes the connection after the status line and headers, before the body.
    static void drop_reply(httplib::Response& response);

    Reply answer_balance(const httplib::Request& request, AuditEntry& audit);
    Reply answer_sign_on(const httplib::Request& request, AuditEntry& audit);
    Reply answer_preferences(const httplib::Request& request, AuditEntry& audit);
    // money_replies.cpp
    Reply answer_end_session(const httplib::Request& request, AuditEntry& audit);
    Reply answer_statement(const httplib::Request& request, AuditEntry& audit);
    Reply answer_quote(const httplib::Request& request, AuditEntry& audit);
    Reply answer_authorise_withdrawal(const httplib::Request& request, AuditEntry& audit);
    Reply answer_confirm_withdrawal(const httplib::Request& request, AuditEntry& audit);
    Reply answer_reverse_withdrawal(const httplib::Request& request, AuditEntry& audit);
    Reply answer_get_withdrawal(const httplib::Request& request, AuditEntry& audit);
    Reply answer_execute_transfer(const httplib::Request& request, AuditEntry& audit);
    Reply answer_get_transfer(const httplib::Request& request, AuditEntry& audit);
    Reply answer_card_lock(const httplib::Request& request, AuditEntry& audit);
    Reply answer_pin_change(const httplib::Request& request, AuditEntry& audit);
    // key_replies.cpp
    Reply answer_working_keys(const httplib::Request& request, AuditEntry& audit);
    // The PIN inside a block of `format` under the bank's key for it (ISO 9564-1:2017 §9.4.2,
    // §9.4.6); with a KSN, a format 4 block under the key the BDK and the KSN give (ANSI
    // X9.24-3-2017 §6.4), and only when the KSN's counter is above every one accepted from that
    // pad (a replayed or older block is not deciphered). Nothing when it does not decipher to a
    // well-formed block. The caller wipes it.
    std::optional<std::string> decipher_pin(PinBlockFormat format,
                                            std::span<const std::uint8_t> block,
                                            std::string_view pan,
                                            const std::optional<drivers::dukpt::Ksn>& ksn);
    Reply withdrawal_reply(const WithdrawalResult& result, int created_status);
    Reply transfer_reply(const TransferResult& result);
    Reply sign_on(std::string_view body, AuditEntry& audit, bool open_session);

    static std::int64_t now_unix_ms();
    void hold_reply();

    AccountServiceConfig m_config;
    std::unique_ptr<AccountStore> m_store;
    std::unique_ptr<httplib::Server> m_server;
    std::thread m_thread;
    std::atomic<int> m_port{0};
    mutable std::mutex m_fault_mutex;
    Fault m_fault = Fault::none;
    std::string m_fault_call;  // empty: every request

    std::mutex m_hold_mutex;
    std::condition_variable m_hold_released;
    bool m_stopping = false;
    std::chrono::milliseconds m_slow_reply_delay = k_default_slow_reply_delay;
};

}  // namespace simulator::bank
