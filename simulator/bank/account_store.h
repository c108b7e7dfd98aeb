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
#include <string>
#include <string_view>
#include <vector>

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

enum class CardStatus { unknown, locked, active };

enum class PinVerdict { ok, wrong_pin, pin_locked, card_unknown };

struct PinCheck {
    PinVerdict verdict = PinVerdict::card_unknown;
    int tries_left = 0;                    // meaningful for wrong_pin
    std::int64_t balance_minor_units = 0;  // meaningful for ok
    std::string currency;                  // meaningful for ok
    bool elder_mode = false;               // meaningful for ok: the card's stored flag
    std::string grant;                     // with ok: the new grant; only its digest is stored
};

// What a grant issued with a correct PIN is bound to: the asking terminal and a time limit.
struct GrantTerms {
    std::string terminal_id;
    std::int64_t now_unix_ms = 0;
    std::chrono::milliseconds lifetime = k_grant_lifetime;
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

    std::expected<void, BankError> record_audit(const AuditEntry& entry);
    std::expected<std::vector<AuditEntry>, BankError> audit_entries();

  private:
    explicit AccountStore(sqlite3* database);
    std::expected<void, base::Error<BankError>> create_schema();
    std::expected<void, base::Error<BankError>> seed_if_empty(
        const std::filesystem::path& demo_cards);
    std::expected<void, BankError> execute(const char* sql);

    std::mutex m_mutex;  // one connection, used from every HTTP worker thread
    sqlite3* m_database = nullptr;
};

}  // namespace simulator::bank
