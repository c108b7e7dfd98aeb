#pragma once

// The account service's SQLite state: cards (PAN digest, masked PAN, PIN hash, try counter,
// lock), accounts (balance), card preferences (elder mode remembered for a card), the grants
// that allow a preferences change, and an audit trail without personal data.
//
// No clear PAN, no PIN and no grant is ever written: cards are found by a SHA-256 digest of the
// PAN, PINs are PBKDF2 hashes (pin_hash.h) and grants are kept as SHA-256 digests.

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/dukpt/derivation.h"
#include "simulator/bank/bank_error.h"

struct sqlite3;

namespace simulator::bank {

// A card is locked after this many wrong PINs in a row; a correct PIN resets the count.
inline constexpr int k_maximum_wrong_pins = 3;

// How long a preferences grant can be used after the balance reply that carried it
// (docs/api/account.yaml, "Grant"): long enough for the customer to hear why the bank would
// remember elder mode and answer, short enough that a grant left in a kiosk's memory is soon
// worthless.
inline constexpr std::chrono::milliseconds k_grant_lifetime{5 * 60 * 1000};
// Random bytes in a grant; it travels as twice as many hexadecimal digits.
inline constexpr std::size_t k_grant_bytes = 32;

// locked: after too many wrong PINs; blocked: reported lost (a card lock) until staff unlock it.
enum class CardStatus { unknown, locked, blocked, active };

enum class PinVerdict { ok, wrong_pin, pin_locked, card_unknown };

// What is left of the card's limits today, in the account's minor units.
struct Limits {
    std::int64_t withdrawal_per_transaction = 0;
    std::int64_t withdrawal_left_today = 0;
    std::int64_t transfer_left_today = 0;
};

struct PinCheck {
    PinVerdict verdict = PinVerdict::card_unknown;
    int tries_left = 0;                    // meaningful for wrong_pin
    std::int64_t balance_minor_units = 0;  // meaningful for ok
    std::string currency;                  // meaningful for ok
    bool elder_mode = false;               // meaningful for ok: the card's stored flag
    std::string grant;                     // with ok: the new grant; only its digest is stored
    std::string session;                   // with ok and open_session: the new session
    Limits limits;                         // with ok and open_session
};

// ---- Sessions and money (docs/api/account.yaml, "Money that moves") ----

// What became of a request that presents a session or moves money. One closed list, named as
// the contract's `result` values.
enum class MoneyVerdict {
    ok,                   // done now
    replayed,             // the same request was done before: nothing new happened
    session_refused,      // unknown, ended, expired or another terminal's session
    conflict,             // the reference names a different request, or its state forbids this
    quote_expired,        // the quote is old, used, another session's or of the wrong kind
    insufficient_funds,   // the available balance is below the total
    over_limit,           // above what is left of a daily limit
    amount_not_allowed,   // zero, above the per-transaction limit, or not whole yuan
    payee_unknown,        // no account of this bank has that number
    payee_not_allowed,    // the payee is the paying account itself
    unknown_transaction,  // this terminal made no transaction with that reference
    pin_not_allowed,      // the new PIN is too easy to guess or the same as now
    wrong_card,           // a PIN change for another card than the session's
};

std::string_view to_string(MoneyVerdict verdict);

enum class MoneyKind { withdrawal, transfer };
std::string_view to_string(MoneyKind kind);

struct Quote {
    std::string id;
    MoneyKind kind = MoneyKind::withdrawal;
    std::int64_t amount = 0;
    std::int64_t fee = 0;
    std::string currency;
    std::string payee_masked;  // transfers: "**** 3445"
};

struct QuoteOrder {
    std::string session;
    std::string terminal_id;
    MoneyKind kind = MoneyKind::withdrawal;
    std::int64_t amount = 0;
    std::string currency;
    std::string payee_account;  // transfers only; found by digest, never stored
};

struct QuoteResult {
    MoneyVerdict verdict = MoneyVerdict::session_refused;
    Quote quote;                  // with ok
    std::int64_t limit_left = 0;  // with over_limit
    std::string masked_pan;       // the session's card, for the audit
};

enum class WithdrawalState { authorised, confirmed, reversed, voided };
std::string_view to_string(WithdrawalState state);

struct Withdrawal {
    std::string transaction;
    WithdrawalState state = WithdrawalState::voided;
    std::int64_t amount = 0;
    std::int64_t fee = 0;
    std::int64_t dispensed = 0;
    std::string currency;
};

struct WithdrawalResult {
    MoneyVerdict verdict = MoneyVerdict::unknown_transaction;
    std::optional<Withdrawal> withdrawal;  // as it stands after the request, when one exists
    std::string masked_pan;
};

struct Transfer {
    std::string transaction;
    std::int64_t amount = 0;
    std::int64_t fee = 0;
    std::string currency;
    std::string payee_masked;
};

struct TransferResult {
    MoneyVerdict verdict = MoneyVerdict::unknown_transaction;
    std::optional<Transfer> transfer;
    std::string masked_pan;
};

enum class EntryKind { withdrawal, transfer_out, transfer_in, deposit, fee, reversal, interest };
std::string_view to_string(EntryKind kind);

struct StatementEntry {
    std::string date;  // YYYY-MM-DD, branch time
    EntryKind kind = EntryKind::deposit;
    bool credit = false;
    std::int64_t amount = 0;
    std::int64_t balance_after = 0;
    std::string currency;
};

struct StatementResult {
    MoneyVerdict verdict = MoneyVerdict::session_refused;
    std::vector<StatementEntry> entries;  // newest first
    std::string masked_pan;
};

struct CardLockResult {
    MoneyVerdict verdict = MoneyVerdict::session_refused;
    std::string reference;
    std::string masked_pan;
};

// Why a withdrawal is reversed (docs/api/account.yaml, "ReverseRequest").
enum class ReverseReason { cash_not_taken, dispense_failed, cancelled, outcome_unknown };
std::string_view to_string(ReverseReason reason);

// The bank's side of the cash: what withdrawals have debited, for comparison with the cash the
// dispenser handed out (kiosk-sim load, the scenario step `expect ledger balanced`). Fees are
// the bank's and not counted: they are no cash.
struct CashLedger {
    std::int64_t debited = 0;      // dispensed amounts of confirmed withdrawals, not reversed
    std::int64_t held = 0;         // amounts of withdrawals still only authorised
    std::int64_t withdrawals = 0;  // confirmed and not reversed
    std::int64_t transferred = 0;  // amounts of transfers carried out (fees not counted)
};

// docs/api/account.yaml, "Sessions": a session ends 3 minutes after its last use, or 15
// minutes after it began. Long enough for an elderly customer to listen to every screen of a
// transfer; short enough that a session left open by a crashed kiosk is soon worthless.
inline constexpr std::chrono::milliseconds k_session_idle_lifetime{3 * 60 * 1000};
inline constexpr std::chrono::milliseconds k_session_lifetime{15 * 60 * 1000};
// A quote holds its fee for as long as a customer may take to confirm it.
inline constexpr std::chrono::milliseconds k_quote_lifetime{5 * 60 * 1000};
inline constexpr std::size_t k_session_bytes = 32;

// The simulated bank's limits, in fen. A bank sets its own; these are typical of mainland
// China's debit cards at ATMs: 3,000 yuan a withdrawal, 20,000 yuan of withdrawals and 50,000
// yuan of transfers a day.
inline constexpr std::int64_t k_withdrawal_per_transaction = 300'000;
inline constexpr std::int64_t k_withdrawals_per_day = 2'000'000;
inline constexpr std::int64_t k_transfers_per_day = 5'000'000;
// The simulated bank's fees, in fen: a withdrawal with a card of this bank (BIN 622848) is
// free, with another bank's card it costs 2 yuan; a transfer costs 2 yuan up to 10,000 yuan
// and 5 yuan above.
inline constexpr std::string_view k_home_bin = "622848";
inline constexpr std::int64_t k_other_bank_withdrawal_fee = 200;
inline constexpr std::int64_t k_transfer_fee = 200;
inline constexpr std::int64_t k_large_transfer_fee = 500;
inline constexpr std::int64_t k_large_transfer_from = 1'000'000;
// Days for the daily limits and the statement's dates begin at midnight branch time (UTC+8).
inline constexpr std::int64_t k_branch_utc_offset_ms = 8 * 60 * 60 * 1000;

// What a grant issued with a correct PIN is bound to: the asking terminal and a time limit.
// With open_session, a correct PIN also opens a session (docs/api/account.yaml, "Sessions").
struct GrantTerms {
    std::string terminal_id;
    std::int64_t now_unix_ms = 0;
    std::chrono::milliseconds lifetime = k_grant_lifetime;
    bool open_session = false;
};

// What became of a preferences change. Every refusal is one answer to the caller (403); the
// audit tells them apart.
enum class GrantVerdict {
    saved,           // the flag is stored and the grant used up
    unknown,         // no grant of that value was issued (or it expired long ago and is purged)
    used,            // the grant changed preferences already
    expired,         // the grant's lifetime has passed
    other_terminal,  // another terminal asked for the grant
};

std::string_view to_string(GrantVerdict verdict);

struct GrantUse {
    GrantVerdict verdict = GrantVerdict::unknown;
    std::string masked_pan;  // the grant's card, for the audit; empty when unknown
};

struct AuditEntry {
    std::int64_t at_unix_ms = 0;
    std::string terminal_id;
    std::string call;
    std::string masked_pan;  // "**** **** **** 0018", or empty when the request had no valid PAN
    std::string result;
    int http_status = 0;
    std::string transaction;  // the transaction's reference, for requests that name one
};

// "**** **** **** 0018": the last four digits only, whatever the PAN's length.
std::string mask_pan(std::string_view pan);

class AccountStore {
  public:
    // Opens (creating the schema if new) and seeds from the demo card file when no card exists.
    static std::expected<std::unique_ptr<AccountStore>, base::Error<BankError>> open(
        const std::filesystem::path& database, const std::filesystem::path& demo_cards);

    ~AccountStore();
    AccountStore(const AccountStore&) = delete;
    AccountStore& operator=(const AccountStore&) = delete;

    std::expected<CardStatus, BankError> card_status(std::string_view pan);

    // Checks the PIN, updates the persisted try counter and lock, and on success reads the
    // balance and the card's preferences and issues a grant on `terms`, all in one transaction.
    std::expected<PinCheck, BankError> verify_pin_and_read_balance(std::string_view pan,
                                                                   std::string_view pin,
                                                                   const GrantTerms& terms);

    // Stores elder mode for the grant's card and uses the grant up, in one transaction, if the
    // grant was issued to `terminal_id` and is neither used nor expired at `now_unix_ms`.
    // Storing false removes the card's row: nothing is kept that says less than the default.
    std::expected<GrantUse, BankError> save_preferences(std::string_view grant,
                                                        std::string_view terminal_id,
                                                        bool elder_mode, std::int64_t now_unix_ms);

    // Records `counter`, the application transaction counter (9F36) of an ARQC the service has
    // verified, as the card's latest. False, and nothing changes, when the card has already had
    // a counter as high or higher accepted: the cryptogram is a replay or older than one already
    // used (EMV 4.3 Book 2 §8.1: the ATC makes each cryptogram unique). Also false for a card
    // the store does not know.
    std::expected<bool, BankError> accept_transaction_counter(std::string_view pan,
                                                              std::uint16_t counter);
    // Records a DUKPT block's KSN (docs/api/account.yaml, "pin_block_ksn"): true when its
    // transaction counter is above every counter accepted for the same initial key ID (the same
    // pad), false for a replayed or older block, whose key a pad has already erased (ANSI
    // X9.24-3-2017 §6.1: each counter is used once, in increasing order).
    std::expected<bool, BankError> accept_dukpt_counter(const drivers::dukpt::Ksn& ksn);

    // ---- Sessions and money (account_money.cpp) ----
    // Each takes the time of the request and, where it presents one, the session and the
    // terminal; each runs in one database transaction.

    std::expected<void, BankError> end_session(std::string_view session,
                                               std::string_view terminal_id);
    std::expected<StatementResult, BankError> statement(std::string_view session,
                                                        std::string_view terminal_id,
                                                        std::int64_t now_unix_ms);
    std::expected<QuoteResult, BankError> quote(const QuoteOrder& order, std::int64_t now_unix_ms);
    std::expected<WithdrawalResult, BankError> authorise_withdrawal(std::string_view transaction,
                                                                    std::string_view session,
                                                                    std::string_view terminal_id,
                                                                    std::string_view quote_id,
                                                                    std::int64_t now_unix_ms);
    std::expected<WithdrawalResult, BankError> confirm_withdrawal(std::string_view transaction,
                                                                  std::string_view terminal_id,
                                                                  std::int64_t dispensed,
                                                                  std::int64_t now_unix_ms);
    std::expected<WithdrawalResult, BankError> reverse_withdrawal(std::string_view transaction,
                                                                  std::string_view terminal_id,
                                                                  ReverseReason reason,
                                                                  std::int64_t now_unix_ms);
    std::expected<WithdrawalResult, BankError> find_withdrawal(std::string_view transaction,
                                                               std::string_view terminal_id);
    std::expected<TransferResult, BankError> execute_transfer(std::string_view transaction,
                                                              std::string_view session,
                                                              std::string_view terminal_id,
                                                              std::string_view quote_id,
                                                              std::int64_t now_unix_ms);
    std::expected<TransferResult, BankError> find_transfer(std::string_view transaction,
                                                           std::string_view terminal_id);
    std::expected<CardLockResult, BankError> lock_card(std::string_view session,
                                                       std::string_view terminal_id,
                                                       std::int64_t now_unix_ms);
    // The new PIN has been deciphered from its block by the service; it is hashed here and
    // never stored in clear.
    std::expected<MoneyVerdict, BankError> change_pin(std::string_view session,
                                                      std::string_view terminal_id,
                                                      std::string_view pan,
                                                      std::string_view new_pin,
                                                      std::int64_t now_unix_ms);
    // The withdrawals made by one terminal (by every terminal when `terminal_id` is empty) since
    // `since_unix_ms` (0: all of them).
    std::expected<CashLedger, BankError> cash_ledger(std::string_view terminal_id,
                                                     std::int64_t since_unix_ms = 0);

    std::expected<void, BankError> record_audit(const AuditEntry& entry);
    std::expected<std::vector<AuditEntry>, BankError> audit_entries();

  private:
    explicit AccountStore(sqlite3* database);
    std::expected<void, base::Error<BankError>> create_schema();
    std::expected<void, base::Error<BankError>> seed_if_empty(
        const std::filesystem::path& demo_cards);
    std::expected<void, BankError> execute(const char* sql);

    // The session's card when the session is open for `terminal_id` at `now_unix_ms` (and
    // marks it used); nothing otherwise. Called inside a transaction.
    struct SessionCard {
        std::int64_t card_id = 0;
        std::int64_t account_id = 0;
        std::string masked_pan;
        std::string currency;
        bool home_bank = false;  // a card of this bank: its withdrawals cost no fee
    };
    std::expected<std::optional<SessionCard>, BankError> use_session(std::string_view session,
                                                                     std::string_view terminal_id,
                                                                     std::int64_t now_unix_ms);
    std::expected<std::string, BankError> open_session(std::int64_t card_id, bool home_bank,
                                                       std::string_view terminal_id,
                                                       std::int64_t now_unix_ms);
    std::expected<Limits, BankError> limits_of(std::int64_t account_id, std::int64_t now_unix_ms);
    std::expected<std::int64_t, BankError> available_balance(std::int64_t account_id);
    std::expected<void, BankError> book(std::int64_t account_id, EntryKind kind, bool credit,
                                        std::int64_t amount, std::string_view transaction,
                                        std::int64_t now_unix_ms);
    template <typename Body>
    auto transaction(Body body) -> decltype(body());
    std::expected<std::optional<Withdrawal>, BankError> load_withdrawal(
        std::string_view transaction, std::string_view terminal_id);

    std::mutex m_mutex;  // one connection, used from every HTTP worker thread
    sqlite3* m_database = nullptr;
};

}  // namespace simulator::bank
