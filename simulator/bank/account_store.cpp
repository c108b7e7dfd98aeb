#include "simulator/bank/account_store.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <optional>

#include "simulator/bank/demo_accounts.h"
#include "simulator/bank/pin_hash.h"

namespace simulator::bank {

namespace {

// How long a writer waits for a lock held by another connection (e.g. an engineer's sqlite3
// shell) before the request fails as a database error.
constexpr int k_busy_timeout_ms = 2'000;

// Prefixed so that the digest of a PAN here is not the digest of the PAN anywhere else.
constexpr std::string_view k_pan_digest_domain = "kiosk-sim account service pan v1:";
// Likewise for grants: a grant's digest is never a PAN's.
constexpr std::string_view k_grant_digest_domain = "kiosk-sim account service grant v1:";

constexpr char k_hex_digits[] = "0123456789abcdef";

std::string lower_hex(const unsigned char* bytes, std::size_t count) {
    std::string text;
    text.reserve(2 * count);
    for (std::size_t index = 0; index < count; ++index) {
        text += k_hex_digits[bytes[index] >> 4];
        text += k_hex_digits[bytes[index] & 0x0F];
    }
    return text;
}

std::string sha256_hex(std::string_view domain, std::string_view value) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    std::string input(domain);
    input += value;
    EVP_Digest(input.data(), input.size(), digest.data(), &length, EVP_sha256(), nullptr);
    return lower_hex(digest.data(), length);
}

std::string pan_digest(std::string_view pan) {
    return sha256_hex(k_pan_digest_domain, pan);
}

std::string grant_digest(std::string_view grant) {
    return sha256_hex(k_grant_digest_domain, grant);
}

// A fresh grant: k_grant_bytes from OpenSSL's generator as lowercase hex, or nothing when the
// generator fails.
std::optional<std::string> new_grant() {
    std::array<unsigned char, k_grant_bytes> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        return std::nullopt;
    }
    return lower_hex(bytes.data(), bytes.size());
}

// A prepared statement that finalises itself.
class Statement {
  public:
    Statement(sqlite3* database, const char* sql) {
        if (sqlite3_prepare_v2(database, sql, -1, &m_statement, nullptr) != SQLITE_OK) {
            m_statement = nullptr;
        }
    }
    ~Statement() { sqlite3_finalize(m_statement); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    bool valid() const { return m_statement != nullptr; }
    bool bind(int index, std::string_view text) {
        return sqlite3_bind_text(m_statement, index, text.data(), static_cast<int>(text.size()),
                                 SQLITE_TRANSIENT) == SQLITE_OK;
    }
    bool bind(int index, std::int64_t value) {
        return sqlite3_bind_int64(m_statement, index, value) == SQLITE_OK;
    }
    template <std::size_t Size>
    bool bind(int index, const std::array<std::uint8_t, Size>& blob) {
        return sqlite3_bind_blob(m_statement, index, blob.data(), static_cast<int>(Size),
                                 SQLITE_TRANSIENT) == SQLITE_OK;
    }
    int step() { return sqlite3_step(m_statement); }
    std::int64_t integer(int column) { return sqlite3_column_int64(m_statement, column); }
    std::string text(int column) {
        const unsigned char* value = sqlite3_column_text(m_statement, column);
        const int size = sqlite3_column_bytes(m_statement, column);
        return value == nullptr ? std::string{}
                                : std::string(reinterpret_cast<const char*>(value),
                                              static_cast<std::size_t>(size));
    }
    template <std::size_t Size>
    bool blob(int column, std::array<std::uint8_t, Size>& out) {
        const void* value = sqlite3_column_blob(m_statement, column);
        if (value == nullptr ||
            sqlite3_column_bytes(m_statement, column) != static_cast<int>(Size)) {
            return false;
        }
        const auto* bytes = static_cast<const std::uint8_t*>(value);
        std::copy(bytes, bytes + Size, out.begin());
        return true;
    }

  private:
    sqlite3_stmt* m_statement = nullptr;
};

PinCheck verdict_only(PinVerdict verdict, int tries_left = 0) {
    PinCheck check;
    check.verdict = verdict;
    check.tries_left = tries_left;
    return check;
}

}  // namespace

std::string_view to_string(GrantVerdict verdict) {
    switch (verdict) {
        case GrantVerdict::saved:
            return "saved";
        case GrantVerdict::unknown:
            return "grant_unknown";
        case GrantVerdict::used:
            return "grant_used";
        case GrantVerdict::expired:
            return "grant_expired";
        case GrantVerdict::other_terminal:
            return "grant_other_terminal";
    }
    return "unknown";
}

std::string mask_pan(std::string_view pan) {
    const std::string_view last = pan.size() >= 4 ? pan.substr(pan.size() - 4) : std::string_view{};
    return "**** **** **** " + std::string(last);
}

AccountStore::AccountStore(sqlite3* database) : m_database(database) {}

AccountStore::~AccountStore() {
    sqlite3_close_v2(m_database);
}

std::expected<std::unique_ptr<AccountStore>, base::Error<BankError>> AccountStore::open(
    const std::filesystem::path& database, const std::filesystem::path& demo_cards) {
    sqlite3* handle = nullptr;
    const int opened = sqlite3_open_v2(
        database.string().c_str(), &handle,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
    if (opened != SQLITE_OK) {
        std::string message = handle != nullptr ? sqlite3_errmsg(handle) : "out of memory";
        sqlite3_close_v2(handle);
        return std::unexpected(
            base::error(BankError::database_failure, database.string() + ": " + message));
    }
    sqlite3_busy_timeout(handle, k_busy_timeout_ms);
    std::unique_ptr<AccountStore> store(new AccountStore(handle));
    if (auto created = store->create_schema(); !created) {
        return std::unexpected(created.error());
    }
    if (auto seeded = store->seed_if_empty(demo_cards); !seeded) {
        return std::unexpected(seeded.error());
    }
    return store;
}

std::expected<void, BankError> AccountStore::execute(const char* sql) {
    if (sqlite3_exec(m_database, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
        return std::unexpected(BankError::database_failure);
    }
    return {};
}

std::expected<void, base::Error<BankError>> AccountStore::create_schema() {
    static constexpr const char* k_schema = R"sql(
        PRAGMA foreign_keys = ON;
        CREATE TABLE IF NOT EXISTS cards (
            id               INTEGER PRIMARY KEY,
            pan_digest       TEXT    NOT NULL UNIQUE,
            masked_pan       TEXT    NOT NULL,
            pin_salt         BLOB    NOT NULL,
            pin_hash         BLOB    NOT NULL,
            pin_iterations   INTEGER NOT NULL,
            wrong_pin_count  INTEGER NOT NULL DEFAULT 0,
            locked           INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS accounts (
            id                   INTEGER PRIMARY KEY,
            card_id              INTEGER NOT NULL UNIQUE REFERENCES cards(id),
            balance_minor_units  INTEGER NOT NULL,
            currency             TEXT    NOT NULL
        );
        -- Added with card preferences (docs/api/account.yaml 1.1.0). A database file made
        -- before them gains both tables when it is opened; nothing else changes.
        -- One row per card that has elder mode remembered; no row means the default (off).
        CREATE TABLE IF NOT EXISTS card_preferences (
            card_id     INTEGER PRIMARY KEY REFERENCES cards(id),
            elder_mode  INTEGER NOT NULL
        );
        -- Grants by digest: the grant itself is never stored, so a copy of this file grants
        -- nothing. Rows are purged once expired.
        CREATE TABLE IF NOT EXISTS preference_grants (
            grant_digest     TEXT    PRIMARY KEY,
            card_id          INTEGER NOT NULL REFERENCES cards(id),
            terminal_id      TEXT    NOT NULL,
            expires_unix_ms  INTEGER NOT NULL,
            used             INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS audit (
            id           INTEGER PRIMARY KEY,
            at_unix_ms   INTEGER NOT NULL,
            terminal_id  TEXT    NOT NULL,
            call         TEXT    NOT NULL,
            masked_pan   TEXT    NOT NULL,
            result       TEXT    NOT NULL,
            http_status  INTEGER NOT NULL
        );
    )sql";
    if (!execute(k_schema)) {
        return std::unexpected(
            base::error(BankError::database_failure, sqlite3_errmsg(m_database)));
    }
    return {};
}

std::expected<void, base::Error<BankError>> AccountStore::seed_if_empty(
    const std::filesystem::path& demo_cards) {
    {
        Statement count(m_database, "SELECT COUNT(*) FROM cards");
        if (!count.valid() || count.step() != SQLITE_ROW) {
            return std::unexpected(
                base::error(BankError::database_failure, sqlite3_errmsg(m_database)));
        }
        if (count.integer(0) > 0) {
            return {};
        }
    }
    auto accounts = read_demo_accounts(demo_cards);
    if (!accounts) {
        return std::unexpected(accounts.error());
    }
    if (!execute("BEGIN IMMEDIATE")) {
        return std::unexpected(
            base::error(BankError::database_failure, sqlite3_errmsg(m_database)));
    }
    for (const DemoAccount& account : *accounts) {
        auto hash = hash_pin(account.pin);
        if (!hash) {
            execute("ROLLBACK");
            return std::unexpected(base::error(hash.error(), "hashing the PIN of " + account.name));
        }
        Statement card(m_database,
                       "INSERT INTO cards (pan_digest, masked_pan, pin_salt, pin_hash, "
                       "pin_iterations) VALUES (?, ?, ?, ?, ?)");
        const bool card_ok = card.valid() && card.bind(1, pan_digest(account.pan)) &&
                             card.bind(2, mask_pan(account.pan)) && card.bind(3, hash->salt) &&
                             card.bind(4, hash->digest) &&
                             card.bind(5, static_cast<std::int64_t>(hash->iterations)) &&
                             card.step() == SQLITE_DONE;
        const std::int64_t card_id = sqlite3_last_insert_rowid(m_database);
        Statement balance(m_database,
                          "INSERT INTO accounts (card_id, balance_minor_units, currency) "
                          "VALUES (?, ?, ?)");
        const bool account_ok = card_ok && balance.valid() && balance.bind(1, card_id) &&
                                balance.bind(2, account.balance_minor_units) &&
                                balance.bind(3, k_demo_currency) && balance.step() == SQLITE_DONE;
        if (!account_ok) {
            std::string message = sqlite3_errmsg(m_database);
            execute("ROLLBACK");
            return std::unexpected(base::error(BankError::database_failure,
                                               "seeding " + account.name + ": " + message));
        }
    }
    if (!execute("COMMIT")) {
        return std::unexpected(
            base::error(BankError::database_failure, sqlite3_errmsg(m_database)));
    }
    return {};
}

std::expected<CardStatus, BankError> AccountStore::card_status(std::string_view pan) {
    std::lock_guard lock(m_mutex);
    Statement query(m_database, "SELECT locked FROM cards WHERE pan_digest = ?");
    if (!query.valid() || !query.bind(1, pan_digest(pan))) {
        return std::unexpected(BankError::database_failure);
    }
    switch (query.step()) {
        case SQLITE_ROW:
            return query.integer(0) != 0 ? CardStatus::locked : CardStatus::active;
        case SQLITE_DONE:
            return CardStatus::unknown;
        default:
            return std::unexpected(BankError::database_failure);
    }
}

std::expected<PinCheck, BankError> AccountStore::verify_pin_and_read_balance(
    std::string_view pan, std::string_view pin, const GrantTerms& terms) {
    std::lock_guard lock(m_mutex);
    if (!execute("BEGIN IMMEDIATE")) {
        return std::unexpected(BankError::database_failure);
    }
    // Every early return below rolls back; only the two outcomes that change state commit.
    auto fail = [this](BankError error) -> std::expected<PinCheck, BankError> {
        execute("ROLLBACK");
        return std::unexpected(error);
    };
    auto finish = [this](PinCheck check) -> std::expected<PinCheck, BankError> {
        if (!execute("COMMIT")) {
            execute("ROLLBACK");
            return std::unexpected(BankError::database_failure);
        }
        return check;
    };

    std::int64_t card_id = 0;
    std::int64_t wrong_count = 0;
    PinHash stored;
    {
        Statement query(m_database,
                        "SELECT id, pin_salt, pin_hash, pin_iterations, wrong_pin_count, locked "
                        "FROM cards WHERE pan_digest = ?");
        if (!query.valid() || !query.bind(1, pan_digest(pan))) {
            return fail(BankError::database_failure);
        }
        const int stepped = query.step();
        if (stepped == SQLITE_DONE) {
            return finish(verdict_only(PinVerdict::card_unknown));
        }
        if (stepped != SQLITE_ROW) {
            return fail(BankError::database_failure);
        }
        card_id = query.integer(0);
        const std::int64_t iterations = query.integer(3);
        if (!query.blob(1, stored.salt) || !query.blob(2, stored.digest) || iterations <= 0 ||
            iterations > std::int64_t{10'000'000}) {
            return fail(BankError::database_failure);
        }
        stored.iterations = static_cast<std::uint32_t>(iterations);
        wrong_count = query.integer(4);
        if (query.integer(5) != 0) {
            return finish(verdict_only(PinVerdict::pin_locked));
        }
    }

    auto matches = pin_matches(pin, stored);
    if (!matches) {
        return fail(matches.error());
    }
    if (!*matches) {
        const std::int64_t count = wrong_count + 1;
        const bool now_locked = count >= k_maximum_wrong_pins;
        Statement update(m_database,
                         "UPDATE cards SET wrong_pin_count = ?, locked = ? WHERE id = ?");
        if (!update.valid() || !update.bind(1, count) ||
            !update.bind(2, std::int64_t{now_locked ? 1 : 0}) || !update.bind(3, card_id) ||
            update.step() != SQLITE_DONE) {
            return fail(BankError::database_failure);
        }
        if (now_locked) {
            return finish(verdict_only(PinVerdict::pin_locked));
        }
        return finish(
            verdict_only(PinVerdict::wrong_pin, static_cast<int>(k_maximum_wrong_pins - count)));
    }

    Statement reset(m_database, "UPDATE cards SET wrong_pin_count = 0 WHERE id = ?");
    if (!reset.valid() || !reset.bind(1, card_id) || reset.step() != SQLITE_DONE) {
        return fail(BankError::database_failure);
    }
    Statement balance(m_database,
                      "SELECT balance_minor_units, currency FROM accounts WHERE card_id = ?");
    if (!balance.valid() || !balance.bind(1, card_id)) {
        return fail(BankError::database_failure);
    }
    const int stepped = balance.step();
    if (stepped == SQLITE_DONE) {
        // A card without an account: the bank knows no account to show.
        return finish(verdict_only(PinVerdict::card_unknown));
    }
    if (stepped != SQLITE_ROW) {
        return fail(BankError::database_failure);
    }
    PinCheck check = verdict_only(PinVerdict::ok);
    check.balance_minor_units = balance.integer(0);
    check.currency = balance.text(1);

    Statement preferences(m_database, "SELECT elder_mode FROM card_preferences WHERE card_id = ?");
    if (!preferences.valid() || !preferences.bind(1, card_id)) {
        return fail(BankError::database_failure);
    }
    const int found = preferences.step();
    if (found != SQLITE_ROW && found != SQLITE_DONE) {
        return fail(BankError::database_failure);
    }
    check.elder_mode = found == SQLITE_ROW && preferences.integer(0) != 0;

    // Only a correct PIN reaches this point, so only a correct PIN yields a grant.
    auto grant = new_grant();
    if (!grant) {
        return fail(BankError::crypto_failure);
    }
    Statement purge(m_database, "DELETE FROM preference_grants WHERE expires_unix_ms <= ?");
    Statement issue(m_database,
                    "INSERT INTO preference_grants (grant_digest, card_id, terminal_id, "
                    "expires_unix_ms) VALUES (?, ?, ?, ?)");
    if (!purge.valid() || !purge.bind(1, terms.now_unix_ms) || purge.step() != SQLITE_DONE ||
        !issue.valid() || !issue.bind(1, grant_digest(*grant)) || !issue.bind(2, card_id) ||
        !issue.bind(3, terms.terminal_id) ||
        !issue.bind(4, terms.now_unix_ms + std::int64_t{terms.lifetime.count()}) ||
        issue.step() != SQLITE_DONE) {
        return fail(BankError::database_failure);
    }
    check.grant = std::move(*grant);
    return finish(check);
}

std::expected<GrantUse, BankError> AccountStore::save_preferences(std::string_view grant,
                                                                  std::string_view terminal_id,
                                                                  bool elder_mode,
                                                                  std::int64_t now_unix_ms) {
    std::lock_guard lock(m_mutex);
    if (!execute("BEGIN IMMEDIATE")) {
        return std::unexpected(BankError::database_failure);
    }
    auto fail = [this]() -> std::expected<GrantUse, BankError> {
        execute("ROLLBACK");
        return std::unexpected(BankError::database_failure);
    };
    auto finish = [this](GrantUse use) -> std::expected<GrantUse, BankError> {
        if (!execute("COMMIT")) {
            execute("ROLLBACK");
            return std::unexpected(BankError::database_failure);
        }
        return use;
    };

    const std::string digest = grant_digest(grant);
    GrantUse use;
    std::int64_t card_id = 0;
    {
        Statement query(m_database,
                        "SELECT g.card_id, g.terminal_id, g.expires_unix_ms, g.used, c.masked_pan "
                        "FROM preference_grants g JOIN cards c ON c.id = g.card_id "
                        "WHERE g.grant_digest = ?");
        if (!query.valid() || !query.bind(1, digest)) {
            return fail();
        }
        const int stepped = query.step();
        if (stepped == SQLITE_DONE) {
            return finish(use);
        }
        if (stepped != SQLITE_ROW) {
            return fail();
        }
        card_id = query.integer(0);
        use.masked_pan = query.text(4);
        if (query.integer(3) != 0) {
            use.verdict = GrantVerdict::used;
        } else if (now_unix_ms >= query.integer(2)) {
            use.verdict = GrantVerdict::expired;
        } else if (query.text(1) != terminal_id) {
            // Not used up: the terminal it was issued to may still present it.
            use.verdict = GrantVerdict::other_terminal;
        } else {
            use.verdict = GrantVerdict::saved;
        }
    }
    if (use.verdict != GrantVerdict::saved) {
        return finish(use);
    }
    Statement spend(m_database, "UPDATE preference_grants SET used = 1 WHERE grant_digest = ?");
    Statement store(m_database,
                    elder_mode ? "INSERT INTO card_preferences (card_id, elder_mode) VALUES (?, 1) "
                                 "ON CONFLICT (card_id) DO UPDATE SET elder_mode = 1"
                               : "DELETE FROM card_preferences WHERE card_id = ?");
    if (!spend.valid() || !spend.bind(1, digest) || spend.step() != SQLITE_DONE || !store.valid() ||
        !store.bind(1, card_id) || store.step() != SQLITE_DONE) {
        return fail();
    }
    return finish(use);
}

std::expected<void, BankError> AccountStore::record_audit(const AuditEntry& entry) {
    std::lock_guard lock(m_mutex);
    Statement insert(m_database,
                     "INSERT INTO audit (at_unix_ms, terminal_id, call, masked_pan, result, "
                     "http_status) VALUES (?, ?, ?, ?, ?, ?)");
    if (!insert.valid() || !insert.bind(1, entry.at_unix_ms) ||
        !insert.bind(2, entry.terminal_id) || !insert.bind(3, entry.call) ||
        !insert.bind(4, entry.masked_pan) || !insert.bind(5, entry.result) ||
        !insert.bind(6, static_cast<std::int64_t>(entry.http_status)) ||
        insert.step() != SQLITE_DONE) {
        return std::unexpected(BankError::database_failure);
    }
    return {};
}

std::expected<std::vector<AuditEntry>, BankError> AccountStore::audit_entries() {
    std::lock_guard lock(m_mutex);
    Statement query(m_database,
                    "SELECT at_unix_ms, terminal_id, call, masked_pan, result, http_status "
                    "FROM audit ORDER BY id");
    if (!query.valid()) {
        return std::unexpected(BankError::database_failure);
    }
    std::vector<AuditEntry> entries;
    int stepped = 0;
    while ((stepped = query.step()) == SQLITE_ROW) {
        entries.push_back(AuditEntry{query.integer(0), query.text(1), query.text(2), query.text(3),
                                     query.text(4), static_cast<int>(query.integer(5))});
    }
    if (stepped != SQLITE_DONE) {
        return std::unexpected(BankError::database_failure);
    }
    return entries;
}

}  // namespace simulator::bank
