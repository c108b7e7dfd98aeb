#pragma once

// The account service's SQLite state: cards (PAN digest, masked PAN, PIN hash, try counter,
// lock), accounts (balance) and an audit trail without personal data.
//
// No clear PAN and no PIN is ever written: cards are found by a SHA-256 digest of the PAN, and
// PINs are PBKDF2 hashes (pin_hash.h).

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

enum class CardStatus { unknown, locked, active };

enum class PinVerdict { ok, wrong_pin, pin_locked, card_unknown };

struct PinCheck {
    PinVerdict verdict = PinVerdict::card_unknown;
    int tries_left = 0;                    // meaningful for wrong_pin
    std::int64_t balance_minor_units = 0;  // meaningful for ok
    std::string currency;                  // meaningful for ok
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
    // balance, all in one transaction.
    std::expected<PinCheck, BankError> verify_pin_and_read_balance(std::string_view pan,
                                                                   std::string_view pin);

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
