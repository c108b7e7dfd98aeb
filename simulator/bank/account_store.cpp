#include "simulator/bank/account_store.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>

#include "base/bytes.h"
#include "simulator/bank/demo_accounts.h"
#include "simulator/bank/pin_hash.h"
#include "simulator/bank/store_internals.h"

namespace simulator::bank {

namespace {

// How long a writer waits for a lock held by another connection (e.g. an engineer's sqlite3
// shell) before the request fails as a database error.
constexpr int k_busy_timeout_ms = 2'000;

// Prefixed so that the digest of a PAN here is not the digest of the PAN anywhere else.
constexpr std::string_view k_pan_digest_domain = "kiosk-sim account service pan v1:";
// Likewise for grants: a grant's digest is never a PAN's.
constexpr std::string_view k_grant_digest_domain = "kiosk-sim account service grant v1:";

// Lower case, as the digests in databases kept from earlier runs were written.
std::string lower_hex(const unsigned char* bytes, std::size_t count) {
    constexpr std::string_view k_digits = "0123456789abcdef";
    std::string text;
    text.reserve(2 * count);
    for (std::size_t index = 0; index < count; ++index) {
        text += k_digits[bytes[index] >> 4];
        text += k_digits[bytes[index] & 0x0F];
    }
    return text;
}

std::string grant_digest(std::string_view grant) {
    return sha256_hex(k_grant_digest_domain, grant);
}

PinCheck verdict_only(PinVerdict verdict, int tries_left = 0) {
    PinCheck check;
    check.verdict = verdict;
    check.tries_left = tries_left;
    return check;
}

}  // namespace

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

std::optional<std::string> random_hex(std::size_t count) {
    std::vector<unsigned char> bytes(count);
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        return std::nullopt;
    }
    return lower_hex(bytes.data(), bytes.size());
}

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
    // Write-ahead logging: one sync per commit instead of two, and an engineer's reader never
    // blocks the service. Synchronous FULL: a committed debit survives a power cut.
    sqlite3_exec(handle, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;", nullptr, nullptr,
                 nullptr);
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
        -- Added with sessions and money (docs/api/account.yaml 1.2.0), again only new tables.
        -- Sessions by digest, like grants; home_bank decides the withdrawal fee, since the
        -- PAN itself is not kept.
        CREATE TABLE IF NOT EXISTS sessions (
            session_digest     TEXT    PRIMARY KEY,
            card_id            INTEGER NOT NULL REFERENCES cards(id),
            home_bank          INTEGER NOT NULL,
            terminal_id        TEXT    NOT NULL,
            started_unix_ms    INTEGER NOT NULL,
            last_used_unix_ms  INTEGER NOT NULL,
            ended              INTEGER NOT NULL DEFAULT 0
        );
        -- payee_account_id is 0 for a withdrawal's quote.
        CREATE TABLE IF NOT EXISTS quotes (
            id                TEXT    PRIMARY KEY,
            session_digest    TEXT    NOT NULL,
            kind              TEXT    NOT NULL,
            amount            INTEGER NOT NULL,
            fee               INTEGER NOT NULL,
            currency          TEXT    NOT NULL,
            payee_account_id  INTEGER NOT NULL,
            payee_masked      TEXT    NOT NULL,
            expires_unix_ms   INTEGER NOT NULL,
            used              INTEGER NOT NULL DEFAULT 0
        );
        -- An authorised withdrawal holds amount + fee; a void one has no account.
        CREATE TABLE IF NOT EXISTS withdrawals (
            transaction_reference  TEXT    PRIMARY KEY,
            terminal_id            TEXT    NOT NULL,
            account_id             INTEGER REFERENCES accounts(id),
            quote_id               TEXT    NOT NULL,
            state                  TEXT    NOT NULL,
            amount                 INTEGER NOT NULL,
            fee                    INTEGER NOT NULL,
            dispensed              INTEGER NOT NULL,
            currency               TEXT    NOT NULL,
            created_unix_ms        INTEGER NOT NULL,
            updated_unix_ms        INTEGER NOT NULL,
            reason                 TEXT    NOT NULL DEFAULT ''
        );
        CREATE TABLE IF NOT EXISTS transfers (
            transaction_reference  TEXT    PRIMARY KEY,
            terminal_id            TEXT    NOT NULL,
            account_id             INTEGER NOT NULL REFERENCES accounts(id),
            payee_account_id       INTEGER NOT NULL REFERENCES accounts(id),
            quote_id               TEXT    NOT NULL,
            amount                 INTEGER NOT NULL,
            fee                    INTEGER NOT NULL,
            currency               TEXT    NOT NULL,
            payee_masked           TEXT    NOT NULL,
            created_unix_ms        INTEGER NOT NULL
        );
        -- Every change of a balance, for the statement: the balance always equals its
        -- opening deposit plus its entries.
        CREATE TABLE IF NOT EXISTS entries (
            id                     INTEGER PRIMARY KEY,
            account_id             INTEGER NOT NULL REFERENCES accounts(id),
            at_unix_ms             INTEGER NOT NULL,
            kind                   TEXT    NOT NULL,
            credit                 INTEGER NOT NULL,
            amount                 INTEGER NOT NULL,
            balance_after          INTEGER NOT NULL,
            transaction_reference  TEXT    NOT NULL DEFAULT ''
        );
        -- References a terminal asked after and the bank had no transfer by: closed, so that a
        -- request still on its way is refused and the terminal's "not sent" stays true.
        CREATE TABLE IF NOT EXISTS closed_transfer_references (
            transaction_reference  TEXT    PRIMARY KEY,
            terminal_id            TEXT    NOT NULL
        );
        -- The highest application transaction counter (EMV 9F36) of a verified ARQC per
        -- card (added with online card authentication): a cryptogram with a counter at or
        -- below it is a replay and is refused.
        CREATE TABLE IF NOT EXISTS card_transaction_counters (
            card_id       INTEGER PRIMARY KEY REFERENCES cards(id),
            last_counter  INTEGER NOT NULL
        );
        -- The highest DUKPT transaction counter accepted from each PIN pad, by its initial key
        -- ID in hexadecimal (added with DUKPT PIN blocks): a block with a counter at or below
        -- it is a replay and is checked as a wrong PIN.
        CREATE TABLE IF NOT EXISTS dukpt_counters (
            initial_key_id  TEXT PRIMARY KEY,
            last_counter    INTEGER NOT NULL
        );
        -- A card reported lost; staff remove the row to unlock it.
        CREATE TABLE IF NOT EXISTS card_locks (
            card_id     INTEGER PRIMARY KEY REFERENCES cards(id),
            reference   TEXT    NOT NULL,
            at_unix_ms  INTEGER NOT NULL
        );
        -- The transaction an audit row is about, for the rows that name one (added with
        -- money; a table of its own so that the audit table keeps its shape).
        CREATE TABLE IF NOT EXISTS audit_transactions (
            audit_id               INTEGER PRIMARY KEY,
            transaction_reference  TEXT    NOT NULL
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
    const std::int64_t seeded_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count();
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
        // The opening balance is the account's first statement entry, dated at seeding.
        Statement opening(m_database,
                          "INSERT INTO entries (account_id, at_unix_ms, kind, credit, amount, "
                          "balance_after) VALUES (?, ?, 'deposit', 1, ?, ?)");
        const bool opening_ok =
            account_ok &&
            opening.run(static_cast<std::int64_t>(sqlite3_last_insert_rowid(m_database)),
                        seeded_unix_ms, account.balance_minor_units, account.balance_minor_units);
        if (!opening_ok) {
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
    Statement query(m_database,
                    "SELECT c.locked, EXISTS (SELECT 1 FROM card_locks l WHERE l.card_id = c.id) "
                    "FROM cards c WHERE c.pan_digest = ?");
    if (!query.bind_all(pan_digest(pan))) {
        return std::unexpected(BankError::database_failure);
    }
    switch (query.step()) {
        case SQLITE_ROW:
            if (query.integer(1) != 0) {
                return CardStatus::blocked;
            }
            return query.integer(0) != 0 ? CardStatus::locked : CardStatus::active;
        case SQLITE_DONE:
            return CardStatus::unknown;
        default:
            return std::unexpected(BankError::database_failure);
    }
}

std::expected<bool, BankError> AccountStore::accept_transaction_counter(std::string_view pan,
                                                                        std::uint16_t counter) {
    std::lock_guard lock(m_mutex);
    // One statement, so no other request can slip a counter in between the check and the
    // write: the upsert changes a row only when the new counter is higher.
    Statement upsert(m_database,
                     "INSERT INTO card_transaction_counters (card_id, last_counter) "
                     "SELECT id, ? FROM cards WHERE pan_digest = ? "
                     "ON CONFLICT(card_id) DO UPDATE SET last_counter = excluded.last_counter "
                     "WHERE excluded.last_counter > card_transaction_counters.last_counter");
    if (!upsert.bind_all(static_cast<std::int64_t>(counter), pan_digest(pan))) {
        return std::unexpected(BankError::database_failure);
    }
    if (upsert.step() != SQLITE_DONE) {
        return std::unexpected(BankError::database_failure);
    }
    return sqlite3_changes(m_database) == 1;
}

std::expected<bool, BankError> AccountStore::accept_dukpt_counter(const drivers::dukpt::Ksn& ksn) {
    std::lock_guard lock(m_mutex);
    // One statement, as for the cards' counters: the row changes only for a higher counter.
    Statement upsert(m_database,
                     "INSERT INTO dukpt_counters (initial_key_id, last_counter) VALUES (?, ?) "
                     "ON CONFLICT(initial_key_id) DO UPDATE SET last_counter = "
                     "excluded.last_counter WHERE excluded.last_counter > "
                     "dukpt_counters.last_counter");
    const std::string initial_key_id = base::to_hex(drivers::dukpt::initial_key_id_of(ksn));
    if (!upsert.bind_all(initial_key_id,
                         static_cast<std::int64_t>(drivers::dukpt::counter_of(ksn)))) {
        return std::unexpected(BankError::database_failure);
    }
    if (upsert.step() != SQLITE_DONE) {
        return std::unexpected(BankError::database_failure);
    }
    return sqlite3_changes(m_database) == 1;
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
    auto grant = random_hex(k_grant_bytes);
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
    if (terms.open_session) {
        auto session = open_session(card_id, pan.starts_with(k_home_bin), terms.terminal_id,
                                    terms.now_unix_ms);
        if (!session) {
            return fail(session.error());
        }
        check.session = std::move(*session);
        Statement account(m_database, "SELECT id FROM accounts WHERE card_id = ?");
        if (!account.bind_all(card_id) || account.step() != SQLITE_ROW) {
            return fail(BankError::database_failure);
        }
        auto limits = limits_of(account.integer(0), terms.now_unix_ms);
        if (!limits) {
            return fail(limits.error());
        }
        check.limits = *limits;
    }
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
    if (!insert.run(entry.at_unix_ms, entry.terminal_id, entry.call, entry.masked_pan, entry.result,
                    static_cast<std::int64_t>(entry.http_status))) {
        return std::unexpected(BankError::database_failure);
    }
    if (!entry.transaction.empty()) {
        Statement reference(m_database,
                            "INSERT INTO audit_transactions (audit_id, transaction_reference) "
                            "VALUES (?, ?)");
        if (!reference.run(static_cast<std::int64_t>(sqlite3_last_insert_rowid(m_database)),
                           entry.transaction)) {
            return std::unexpected(BankError::database_failure);
        }
    }
    return {};
}

std::expected<std::vector<AuditEntry>, BankError> AccountStore::audit_entries() {
    std::lock_guard lock(m_mutex);
    Statement query(m_database,
                    "SELECT a.at_unix_ms, a.terminal_id, a.call, a.masked_pan, a.result, "
                    "a.http_status, COALESCE(t.transaction_reference, '') FROM audit a "
                    "LEFT JOIN audit_transactions t ON t.audit_id = a.id ORDER BY a.id");
    if (!query.valid()) {
        return std::unexpected(BankError::database_failure);
    }
    std::vector<AuditEntry> entries;
    int stepped = 0;
    while ((stepped = query.step()) == SQLITE_ROW) {
        entries.push_back(AuditEntry{query.integer(0), query.text(1), query.text(2), query.text(3),
                                     query.text(4), static_cast<int>(query.integer(5)),
                                     query.text(6)});
    }
    if (stepped != SQLITE_DONE) {
        return std::unexpected(BankError::database_failure);
    }
    return entries;
}

}  // namespace simulator::bank
