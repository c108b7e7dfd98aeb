#include "simulator/queue/queue_store.h"

#include <openssl/rand.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdio>

#include "simulator/queue/demo_branch.h"

namespace simulator::queue {

namespace {

// How long a writer waits for a lock held by another connection (e.g. an engineer's sqlite3
// shell) before the request fails as a database error.
constexpr int k_busy_timeout_ms = 2'000;

constexpr std::int64_t k_ms_per_day = 24 * 60 * 60 * 1000;

std::int64_t milliseconds_of(std::chrono::days days) {
    return std::int64_t{days.count()} * k_ms_per_day;
}

// The order of the queue: every green channel ticket before every normal one, each by issue.
std::int64_t priority_rank(Priority priority) {
    return priority == Priority::green_channel ? 0 : 1;
}

// A prepared statement that finalises itself. Binding and reading mirror the columns' types.
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

    // Binds the values in order from the first parameter; false when any bind fails.
    template <typename... Values>
    bool bind_all(const Values&... values) {
        if (!valid()) {
            return false;
        }
        int index = 0;
        return (bind(++index, values) && ...);
    }

    int step() { return sqlite3_step(m_statement); }
    std::int64_t integer(int column) { return sqlite3_column_int64(m_statement, column); }
    int small_integer(int column) { return sqlite3_column_int(m_statement, column); }
    bool is_null(int column) { return sqlite3_column_type(m_statement, column) == SQLITE_NULL; }
    std::optional<std::int64_t> optional_integer(int column) {
        return is_null(column) ? std::nullopt : std::optional<std::int64_t>(integer(column));
    }
    std::string text(int column) {
        const unsigned char* value = sqlite3_column_text(m_statement, column);
        const int size = sqlite3_column_bytes(m_statement, column);
        return value == nullptr ? std::string{}
                                : std::string(reinterpret_cast<const char*>(value),
                                              static_cast<std::size_t>(size));
    }

  private:
    bool bind(int index, std::string_view text) {
        return sqlite3_bind_text(m_statement, index, text.data(), static_cast<int>(text.size()),
                                 SQLITE_TRANSIENT) == SQLITE_OK;
    }
    bool bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    bool bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    bool bind(int index, std::int64_t value) {
        return sqlite3_bind_int64(m_statement, index, value) == SQLITE_OK;
    }
    bool bind(int index, int value) { return bind(index, std::int64_t{value}); }
    bool bind(int index, bool value) { return bind(index, std::int64_t{value ? 1 : 0}); }
    bool bind(int index, std::nullopt_t) {
        return sqlite3_bind_null(m_statement, index) == SQLITE_OK;
    }
    template <typename Value>
    bool bind(int index, const std::optional<Value>& value) {
        return value ? bind(index, *value) : bind(index, std::nullopt);
    }

    sqlite3_stmt* m_statement = nullptr;
};

template <NamedEnum Enum>
Enum code_of(const std::string& name, Enum fallback) {
    return enum_named<Enum>(name).value_or(fallback);
}

template <NamedEnum Enum>
std::optional<std::string> optional_name(const std::optional<Enum>& code) {
    return code ? std::optional<std::string>(std::string(to_string(*code))) : std::nullopt;
}

// "A023": the prefix and the number in three digits.
std::string ticket_number(std::string_view prefix, int number) {
    char digits[8];
    std::snprintf(digits, sizeof digits, "%03d", number);
    return std::string(prefix) + digits;
}

// "C-20261202-0042": the branch's date of receipt and the day's sequence.
std::string complaint_reference(int day, int sequence) {
    char text[24];
    std::snprintf(text, sizeof text, "C-%08d-%04d", day, sequence);
    return text;
}

constexpr const char* k_ticket_columns =
    "id, number, business_id, priority, priority_reason, language, kiosk_id, state, "
    "counter_number, issued_at_ms";

Ticket ticket_from(Statement& row) {
    Ticket ticket;
    ticket.id = row.text(0);
    ticket.number = row.text(1);
    ticket.business_id = row.text(2);
    ticket.priority = code_of(row.text(3), Priority::normal);
    if (!row.is_null(4)) {
        ticket.priority_reason = enum_named<PriorityReason>(row.text(4));
    }
    ticket.language = code_of(row.text(5), Language::zh_cn);
    ticket.kiosk_id = row.text(6);
    ticket.state = code_of(row.text(7), TicketState::waiting);
    if (!row.is_null(8)) {
        ticket.counter_number = row.small_integer(8);
    }
    ticket.issued_at_unix_ms = row.integer(9);
    return ticket;
}

constexpr const char* k_call_columns =
    "id, kiosk_id, location, reason, language, audio_mode, elder_mode, state, created_at_ms, "
    "staff_role, staff_display_name, staff_badge_number, acknowledged_at_ms, eta_seconds, "
    "closed_at_ms, outcome";

AssistanceCall call_from(Statement& row) {
    AssistanceCall call;
    call.id = row.text(0);
    call.kiosk_id = row.text(1);
    call.location = row.text(2);
    call.reason = code_of(row.text(3), AssistanceReason::customer_request);
    call.language = code_of(row.text(4), Language::zh_cn);
    call.audio_mode = row.integer(5) != 0;
    call.elder_mode = row.integer(6) != 0;
    call.state = code_of(row.text(7), CallState::open);
    call.created_at_unix_ms = row.integer(8);
    if (!row.is_null(9)) {
        call.acknowledged_by =
            StaffMember{code_of(row.text(9), StaffRole::lobby_manager), row.text(10), row.text(11)};
    }
    call.acknowledged_at_unix_ms = row.optional_integer(12);
    if (!row.is_null(13)) {
        call.eta_seconds = row.small_integer(13);
    }
    call.closed_at_unix_ms = row.optional_integer(14);
    if (!row.is_null(15)) {
        call.outcome = enum_named<CallOutcome>(row.text(15));
    }
    return call;
}

constexpr const char* k_survey_columns =
    "id, kiosk_id, session_reference, service, rating, language, answered_at, received_at_ms";

SurveyAnswer survey_answer_from(Statement& row) {
    return SurveyAnswer{row.text(0),
                        row.text(1),
                        row.text(2),
                        code_of(row.text(3), SurveyService::balance),
                        code_of(row.text(4), Rating::satisfied),
                        code_of(row.text(5), Language::zh_cn),
                        row.text(6),
                        row.integer(7)};
}

std::string select_from(const char* columns, const char* table, const char* rest) {
    return std::string("SELECT ") + columns + " FROM " + table + " " + rest;
}

}  // namespace

std::string_view to_string(StaffRefusal refusal) {
    switch (refusal) {
        case StaffRefusal::none:
            return "none";
        case StaffRefusal::not_found:
            return "not_found";
        case StaffRefusal::already_acknowledged:
            return "already_acknowledged";
        case StaffRefusal::closed:
            return "closed";
        case StaffRefusal::no_ticket_waiting:
            return "no_ticket_waiting";
        case StaffRefusal::not_allowed:
            return "not_allowed";
    }
    return "unknown";
}

std::string new_uuid() {
    // RFC 9562 §5.4: 122 random bits, the version (4) in the high nibble of octet 6 and the
    // variant (10) in the two high bits of octet 8.
    constexpr unsigned char k_version_4 = 0x40;
    constexpr unsigned char k_low_nibble = 0x0F;
    constexpr unsigned char k_variant_10 = 0x80;
    constexpr unsigned char k_low_six_bits = 0x3F;
    constexpr std::size_t k_version_octet = 6;
    constexpr std::size_t k_variant_octet = 8;
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        return {};
    }
    bytes[k_version_octet] =
        static_cast<unsigned char>((bytes[k_version_octet] & k_low_nibble) | k_version_4);
    bytes[k_variant_octet] =
        static_cast<unsigned char>((bytes[k_variant_octet] & k_low_six_bits) | k_variant_10);
    constexpr char k_hex_digits[] = "0123456789abcdef";
    std::string text;
    for (std::size_t index = 0; index < bytes.size(); ++index) {
        if (index == 4 || index == 6 || index == 8 || index == 10) {
            text += '-';
        }
        text += k_hex_digits[bytes[index] >> 4];
        text += k_hex_digits[bytes[index] & k_low_nibble];
    }
    return text;
}

int estimated_wait_minutes(int people_ahead, int typical_duration_minutes, int open_counters) {
    const int counters = std::max(open_counters, 1);
    const int minutes = (people_ahead * typical_duration_minutes + counters - 1) / counters;
    return std::min(minutes, k_maximum_wait_minutes);
}

QueueStore::Transaction::Transaction(QueueStore& store, std::unique_lock<std::mutex> lock)
    : m_store(&store), m_lock(std::move(lock)), m_open(true) {}

QueueStore::Transaction::Transaction(Transaction&& other) noexcept
    : m_store(other.m_store), m_lock(std::move(other.m_lock)), m_open(other.m_open) {
    other.m_open = false;
}

QueueStore::Transaction::~Transaction() {
    if (m_open) {
        (void)m_store->execute("ROLLBACK");
    }
}

std::expected<void, QueueError> QueueStore::Transaction::commit() {
    if (!m_open) {
        return std::unexpected(QueueError::database_failure);
    }
    m_open = false;
    if (!m_store->execute("COMMIT")) {
        (void)m_store->execute("ROLLBACK");
        return std::unexpected(QueueError::database_failure);
    }
    return {};
}

QueueStore::QueueStore(sqlite3* database, BranchCalendar calendar)
    : m_database(database), m_calendar(calendar) {}

QueueStore::~QueueStore() {
    sqlite3_close_v2(m_database);
}

std::expected<std::unique_ptr<QueueStore>, base::Error<QueueError>> QueueStore::open(
    const std::filesystem::path& database, const std::filesystem::path& demo_branch,
    BranchCalendar calendar) {
    sqlite3* handle = nullptr;
    const int opened = sqlite3_open_v2(
        database.string().c_str(), &handle,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
    if (opened != SQLITE_OK) {
        std::string message = handle != nullptr ? sqlite3_errmsg(handle) : "out of memory";
        sqlite3_close_v2(handle);
        return std::unexpected(
            base::error(QueueError::database_failure, database.string() + ": " + message));
    }
    sqlite3_busy_timeout(handle, k_busy_timeout_ms);
    std::unique_ptr<QueueStore> store(new QueueStore(handle, calendar));
    if (auto created = store->create_schema(); !created) {
        return std::unexpected(created.error());
    }
    if (auto seeded = store->seed_if_empty(demo_branch); !seeded) {
        return std::unexpected(seeded.error());
    }
    return store;
}

std::expected<void, QueueError> QueueStore::execute(const char* sql) {
    if (sqlite3_exec(m_database, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
        return std::unexpected(QueueError::database_failure);
    }
    return {};
}

std::expected<void, base::Error<QueueError>> QueueStore::create_schema() {
    // WAL: readers never wait for the writer, and a commit is one append to the log
    // (synchronous NORMAL keeps it durable across a crash of the program, which is what a
    // simulator needs; a power cut may lose the last transactions).
    static constexpr const char* k_schema = R"sql(
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        PRAGMA foreign_keys = ON;
        CREATE TABLE IF NOT EXISTS branch_state (
            name   TEXT    PRIMARY KEY,
            value  INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS businesses (
            id                        TEXT    PRIMARY KEY,
            ticket_prefix             TEXT    NOT NULL UNIQUE,
            name_zh_cn                TEXT    NOT NULL,
            name_zh_hk                TEXT    NOT NULL,
            name_en                   TEXT    NOT NULL,
            typical_duration_minutes  INTEGER NOT NULL,
            open_counters             INTEGER NOT NULL,
            first_counter             INTEGER NOT NULL,
            popularity_rank           INTEGER NOT NULL UNIQUE,
            open_now                  INTEGER NOT NULL,
            waiting_at_opening        INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS business_materials (
            business_id  TEXT    NOT NULL REFERENCES businesses(id),
            position     INTEGER NOT NULL,
            zh_cn        TEXT    NOT NULL,
            zh_hk        TEXT    NOT NULL,
            en           TEXT    NOT NULL,
            PRIMARY KEY (business_id, position)
        );
        -- sequence is the order of issue; the queue is (priority_rank, sequence).
        CREATE TABLE IF NOT EXISTS tickets (
            sequence         INTEGER PRIMARY KEY,
            id               TEXT    NOT NULL UNIQUE,
            number           TEXT    NOT NULL,
            business_id      TEXT    NOT NULL REFERENCES businesses(id),
            priority         TEXT    NOT NULL,
            priority_rank    INTEGER NOT NULL,
            priority_reason  TEXT,
            language         TEXT    NOT NULL,
            kiosk_id         TEXT    NOT NULL,
            day              INTEGER NOT NULL,
            state            TEXT    NOT NULL,
            counter_number   INTEGER,
            issued_at_ms     INTEGER NOT NULL,
            called_at_ms     INTEGER,
            serving_at_ms    INTEGER,
            ended_at_ms      INTEGER
        );
        CREATE INDEX IF NOT EXISTS tickets_queue
            ON tickets (business_id, state, priority_rank, sequence);
        CREATE TABLE IF NOT EXISTS ticket_numbers (
            business_id  TEXT    NOT NULL,
            day          INTEGER NOT NULL,
            last_number  INTEGER NOT NULL,
            PRIMARY KEY (business_id, day)
        );
        -- The staff member's role, name and badge are kept with the call only.
        CREATE TABLE IF NOT EXISTS assistance_calls (
            sequence            INTEGER PRIMARY KEY,
            id                  TEXT    NOT NULL UNIQUE,
            kiosk_id            TEXT    NOT NULL,
            location            TEXT    NOT NULL,
            reason              TEXT    NOT NULL,
            language            TEXT    NOT NULL,
            audio_mode          INTEGER NOT NULL,
            elder_mode          INTEGER NOT NULL,
            state               TEXT    NOT NULL,
            created_at_ms       INTEGER NOT NULL,
            staff_role          TEXT,
            staff_display_name  TEXT,
            staff_badge_number  TEXT,
            acknowledged_at_ms  INTEGER,
            eta_seconds         INTEGER,
            closed_at_ms        INTEGER,
            outcome             TEXT
        );
        CREATE TABLE IF NOT EXISTS survey_answers (
            sequence           INTEGER PRIMARY KEY,
            id                 TEXT    NOT NULL UNIQUE,
            kiosk_id           TEXT    NOT NULL,
            session_reference  TEXT    NOT NULL,
            service            TEXT    NOT NULL,
            rating             TEXT    NOT NULL,
            language           TEXT    NOT NULL,
            answered_at        TEXT    NOT NULL,
            received_at_ms     INTEGER NOT NULL,
            UNIQUE (kiosk_id, session_reference, service)
        );
        CREATE TABLE IF NOT EXISTS complaints (
            sequence           INTEGER PRIMARY KEY,
            reference          TEXT    NOT NULL UNIQUE,
            kiosk_id           TEXT    NOT NULL,
            session_reference  TEXT    NOT NULL,
            category           TEXT    NOT NULL,
            language           TEXT    NOT NULL,
            contact_consent    INTEGER NOT NULL,
            submitted_at       TEXT    NOT NULL,
            received_at_ms     INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS complaint_numbers (
            day          INTEGER PRIMARY KEY,
            last_number  INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS idempotency_records (
            scope           TEXT    NOT NULL,
            key             TEXT    NOT NULL,
            request_digest  TEXT    NOT NULL,
            status          INTEGER NOT NULL,
            body            TEXT    NOT NULL,
            location        TEXT    NOT NULL,
            created_at_ms   INTEGER NOT NULL,
            PRIMARY KEY (scope, key)
        );
        -- Never a request or reply body.
        CREATE TABLE IF NOT EXISTS access_log (
            sequence        INTEGER PRIMARY KEY,
            at_ms           INTEGER NOT NULL,
            client          TEXT    NOT NULL,
            method          TEXT    NOT NULL,
            path            TEXT    NOT NULL,
            status          INTEGER NOT NULL,
            problem_type    TEXT    NOT NULL,
            instance        TEXT    NOT NULL,
            duration_ms     INTEGER NOT NULL,
            security_event  TEXT    NOT NULL
        );
    )sql";
    if (!execute(k_schema)) {
        return std::unexpected(
            base::error(QueueError::database_failure, sqlite3_errmsg(m_database)));
    }
    Statement day(m_database, "SELECT value FROM branch_state WHERE name = 'open_day'");
    if (!day.valid()) {
        return std::unexpected(
            base::error(QueueError::database_failure, sqlite3_errmsg(m_database)));
    }
    if (day.step() == SQLITE_ROW) {
        m_open_day = static_cast<int>(day.integer(0));
    }
    return {};
}

std::expected<void, base::Error<QueueError>> QueueStore::seed_if_empty(
    const std::filesystem::path& demo_branch) {
    {
        Statement count(m_database, "SELECT COUNT(*) FROM businesses");
        if (!count.valid() || count.step() != SQLITE_ROW) {
            return std::unexpected(
                base::error(QueueError::database_failure, sqlite3_errmsg(m_database)));
        }
        if (count.integer(0) > 0) {
            return {};
        }
    }
    auto businesses = read_demo_branch(demo_branch);
    if (!businesses) {
        return std::unexpected(businesses.error());
    }
    std::lock_guard lock(m_mutex);
    if (!execute("BEGIN IMMEDIATE")) {
        return std::unexpected(
            base::error(QueueError::database_failure, sqlite3_errmsg(m_database)));
    }
    for (const Business& business : *businesses) {
        Statement insert(m_database,
                         "INSERT INTO businesses (id, ticket_prefix, name_zh_cn, name_zh_hk, "
                         "name_en, typical_duration_minutes, open_counters, first_counter, "
                         "popularity_rank, open_now, waiting_at_opening) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        bool ok = insert.bind_all(business.id, business.ticket_prefix, business.names.zh_cn,
                                  business.names.zh_hk, business.names.en,
                                  business.typical_duration_minutes, business.open_counters,
                                  business.first_counter, business.popularity_rank,
                                  business.open_now, business.waiting_at_opening) &&
                  insert.step() == SQLITE_DONE;
        int position = 0;
        for (const LocalizedText& material : business.materials) {
            Statement add(m_database,
                          "INSERT INTO business_materials (business_id, position, zh_cn, zh_hk, "
                          "en) VALUES (?, ?, ?, ?, ?)");
            ok = ok &&
                 add.bind_all(business.id, position++, material.zh_cn, material.zh_hk,
                              material.en) &&
                 add.step() == SQLITE_DONE;
        }
        if (!ok) {
            const std::string message = sqlite3_errmsg(m_database);
            (void)execute("ROLLBACK");
            return std::unexpected(base::error(QueueError::database_failure,
                                               "seeding " + business.id + ": " + message));
        }
    }
    if (!execute("COMMIT")) {
        (void)execute("ROLLBACK");
        return std::unexpected(
            base::error(QueueError::database_failure, sqlite3_errmsg(m_database)));
    }
    return {};
}

std::expected<QueueStore::Transaction, QueueError> QueueStore::begin(std::int64_t now_unix_ms) {
    std::unique_lock lock(m_mutex);
    const int day = m_calendar.day_of(now_unix_ms);
    if (day != m_open_day) {
        if (auto opened = open_day(day, now_unix_ms); !opened) {
            return std::unexpected(opened.error());
        }
    }
    if (!execute("BEGIN IMMEDIATE")) {
        return std::unexpected(QueueError::database_failure);
    }
    return Transaction(*this, std::move(lock));
}

std::expected<void, QueueError> QueueStore::open_day(int day, std::int64_t now_unix_ms) {
    if (!execute("BEGIN IMMEDIATE")) {
        return std::unexpected(QueueError::database_failure);
    }
    auto fail = [this]() -> std::expected<void, QueueError> {
        (void)execute("ROLLBACK");
        return std::unexpected(QueueError::database_failure);
    };
    // What the branch does at closing: nobody left in the queue waits into another day.
    Statement end_waiting(m_database,
                          "UPDATE tickets SET state = 'cancelled', ended_at_ms = ? "
                          "WHERE state = 'waiting' AND day <> ?");
    Statement end_called(m_database,
                         "UPDATE tickets SET state = 'no_show', ended_at_ms = ? "
                         "WHERE state = 'called' AND day <> ?");
    Statement end_serving(m_database,
                          "UPDATE tickets SET state = 'done', ended_at_ms = ? "
                          "WHERE state = 'serving' AND day <> ?");
    if (!end_waiting.bind_all(now_unix_ms, day) || end_waiting.step() != SQLITE_DONE ||
        !end_called.bind_all(now_unix_ms, day) || end_called.step() != SQLITE_DONE ||
        !end_serving.bind_all(now_unix_ms, day) || end_serving.step() != SQLITE_DONE) {
        return fail();
    }
    // Retention (the retention list in the description of docs/api/queue.yaml).
    struct Purge {
        const char* sql;
        std::chrono::days retention;
    };
    const std::array<Purge, 5> purges{{
        {"DELETE FROM tickets WHERE issued_at_ms < ?", k_ticket_retention},
        {"DELETE FROM assistance_calls WHERE created_at_ms < ?", k_call_retention},
        {"DELETE FROM survey_answers WHERE received_at_ms < ?", k_survey_answer_retention},
        {"DELETE FROM idempotency_records WHERE created_at_ms < ?", k_idempotency_retention},
        {"DELETE FROM access_log WHERE at_ms < ?", k_access_log_retention},
    }};
    for (const Purge& purge : purges) {
        Statement remove(m_database, purge.sql);
        if (!remove.bind_all(now_unix_ms - milliseconds_of(purge.retention)) ||
            remove.step() != SQLITE_DONE) {
            return fail();
        }
    }
    Statement purge_numbers(m_database, "DELETE FROM ticket_numbers WHERE day <> ?");
    if (!purge_numbers.bind_all(day) || purge_numbers.step() != SQLITE_DONE) {
        return fail();
    }
    // The people already waiting at opening take the day's first numbers, unless this day was
    // opened before (the service restarted within it).
    Statement stored(m_database, "SELECT value FROM branch_state WHERE name = 'open_day'");
    if (!stored.valid()) {
        return fail();
    }
    const int stepped = stored.step();
    const bool already_opened = stepped == SQLITE_ROW && stored.integer(0) == day;
    if (!already_opened) {
        std::vector<std::pair<std::string, int>> waiting;
        {
            Statement seeds(
                m_database,
                "SELECT id, waiting_at_opening FROM businesses "
                "WHERE open_now = 1 AND waiting_at_opening > 0 ORDER BY popularity_rank");
            if (!seeds.valid()) {
                return fail();
            }
            while (seeds.step() == SQLITE_ROW) {
                waiting.emplace_back(seeds.text(0), seeds.small_integer(1));
            }
        }
        for (const auto& [business_id, count] : waiting) {
            for (int person = 0; person < count; ++person) {
                TicketDraft draft{std::string(k_dispenser_id), business_id, Priority::normal,
                                  std::nullopt, Language::zh_cn};
                if (!insert_ticket(draft, day, now_unix_ms)) {
                    return fail();
                }
            }
        }
    }
    Statement remember(m_database,
                       "INSERT INTO branch_state (name, value) VALUES ('open_day', ?) "
                       "ON CONFLICT (name) DO UPDATE SET value = excluded.value");
    if (!remember.bind_all(day) || remember.step() != SQLITE_DONE) {
        return fail();
    }
    if (!execute("COMMIT")) {
        return fail();
    }
    m_open_day = day;
    return {};
}

std::expected<std::vector<LocalizedText>, QueueError> QueueStore::materials_of(
    std::string_view business_id) {
    Statement query(m_database,
                    "SELECT zh_cn, zh_hk, en FROM business_materials WHERE business_id = ? "
                    "ORDER BY position");
    if (!query.bind_all(business_id)) {
        return std::unexpected(QueueError::database_failure);
    }
    std::vector<LocalizedText> materials;
    int stepped = 0;
    while ((stepped = query.step()) == SQLITE_ROW) {
        materials.push_back(LocalizedText{query.text(0), query.text(1), query.text(2)});
    }
    if (stepped != SQLITE_DONE) {
        return std::unexpected(QueueError::database_failure);
    }
    return materials;
}

std::expected<int, QueueError> QueueStore::waiting_count(std::string_view business_id) {
    Statement count(m_database,
                    "SELECT COUNT(*) FROM tickets WHERE business_id = ? AND state = 'waiting'");
    if (!count.bind_all(business_id) || count.step() != SQLITE_ROW) {
        return std::unexpected(QueueError::database_failure);
    }
    return static_cast<int>(count.integer(0));
}

namespace {

constexpr const char* k_business_columns =
    "id, ticket_prefix, name_zh_cn, name_zh_hk, name_en, typical_duration_minutes, "
    "open_counters, first_counter, popularity_rank, open_now, waiting_at_opening";

Business business_from(Statement& row) {
    Business business;
    business.id = row.text(0);
    business.ticket_prefix = row.text(1);
    business.names = LocalizedText{row.text(2), row.text(3), row.text(4)};
    business.typical_duration_minutes = row.small_integer(5);
    business.open_counters = row.small_integer(6);
    business.first_counter = row.small_integer(7);
    business.popularity_rank = row.small_integer(8);
    business.open_now = row.integer(9) != 0;
    business.waiting_at_opening = row.small_integer(10);
    return business;
}

}  // namespace

std::expected<std::optional<Business>, QueueError> QueueStore::business(
    std::string_view business_id) {
    Statement query(m_database,
                    select_from(k_business_columns, "businesses", "WHERE id = ?").c_str());
    if (!query.bind_all(business_id)) {
        return std::unexpected(QueueError::database_failure);
    }
    const int stepped = query.step();
    if (stepped == SQLITE_DONE) {
        return std::nullopt;
    }
    if (stepped != SQLITE_ROW) {
        return std::unexpected(QueueError::database_failure);
    }
    Business found = business_from(query);
    auto materials = materials_of(found.id);
    auto waiting = waiting_count(found.id);
    if (!materials || !waiting) {
        return std::unexpected(QueueError::database_failure);
    }
    found.materials = std::move(*materials);
    found.people_waiting = std::min(*waiting, k_maximum_people_waiting);
    found.estimated_wait_minutes = estimated_wait_minutes(
        found.people_waiting, found.typical_duration_minutes, found.open_counters);
    return found;
}

std::expected<std::vector<Business>, QueueError> QueueStore::businesses(Transaction&) {
    std::vector<std::string> ids;
    {
        Statement query(m_database, "SELECT id FROM businesses ORDER BY popularity_rank");
        if (!query.valid()) {
            return std::unexpected(QueueError::database_failure);
        }
        while (query.step() == SQLITE_ROW) {
            ids.push_back(query.text(0));
        }
    }
    std::vector<Business> list;
    for (const std::string& id : ids) {
        auto found = business(id);
        if (!found || !*found) {
            return std::unexpected(QueueError::database_failure);
        }
        list.push_back(std::move(**found));
    }
    return list;
}

std::expected<void, QueueError> QueueStore::fill_place(Ticket& ticket) {
    ticket.people_ahead = 0;
    ticket.estimated_wait_minutes = 0;
    if (ticket.state != TicketState::waiting) {
        return {};
    }
    Statement ahead(m_database,
                    "SELECT COUNT(*) FROM tickets t, tickets mine "
                    "WHERE mine.id = ? AND t.business_id = mine.business_id "
                    "AND t.state = 'waiting' AND (t.priority_rank < mine.priority_rank OR "
                    "(t.priority_rank = mine.priority_rank AND t.sequence < mine.sequence))");
    Statement business(m_database,
                       "SELECT typical_duration_minutes, open_counters FROM businesses "
                       "WHERE id = ?");
    if (!ahead.bind_all(ticket.id) || ahead.step() != SQLITE_ROW ||
        !business.bind_all(ticket.business_id) || business.step() != SQLITE_ROW) {
        return std::unexpected(QueueError::database_failure);
    }
    ticket.people_ahead =
        static_cast<int>(std::min<std::int64_t>(ahead.integer(0), k_maximum_people_waiting));
    ticket.estimated_wait_minutes = estimated_wait_minutes(
        ticket.people_ahead, business.small_integer(0), business.small_integer(1));
    return {};
}

std::expected<Ticket, QueueError> QueueStore::insert_ticket(const TicketDraft& draft, int day,
                                                            std::int64_t now_unix_ms) {
    std::string prefix;
    {
        Statement query(m_database, "SELECT ticket_prefix FROM businesses WHERE id = ?");
        if (!query.bind_all(draft.business_id) || query.step() != SQLITE_ROW) {
            return std::unexpected(QueueError::database_failure);
        }
        prefix = query.text(0);
    }
    int last = 0;
    {
        Statement query(m_database,
                        "SELECT last_number FROM ticket_numbers WHERE business_id = ? AND day = ?");
        if (!query.bind_all(draft.business_id, day)) {
            return std::unexpected(QueueError::database_failure);
        }
        if (query.step() == SQLITE_ROW) {
            last = query.small_integer(0);
        }
    }
    // The next number after the last one issued today, from 001 again after 999, passing over
    // any number a ticket of today still waits with: the branch must never call two at once.
    int number = 0;
    for (int attempt = 1; attempt <= k_maximum_ticket_number; ++attempt) {
        const int candidate = (last + attempt - 1) % k_maximum_ticket_number + 1;
        Statement taken(m_database,
                        "SELECT COUNT(*) FROM tickets WHERE business_id = ? AND day = ? AND "
                        "number = ? AND state = 'waiting'");
        if (!taken.bind_all(draft.business_id, day, ticket_number(prefix, candidate)) ||
            taken.step() != SQLITE_ROW) {
            return std::unexpected(QueueError::database_failure);
        }
        if (taken.integer(0) == 0) {
            number = candidate;
            break;
        }
    }
    if (number == 0) {
        return Ticket{};  // every number waits: the caller refuses with queue_full
    }
    Ticket ticket;
    ticket.id = new_uuid();
    if (ticket.id.empty()) {
        return std::unexpected(QueueError::database_failure);
    }
    ticket.number = ticket_number(prefix, number);
    ticket.business_id = draft.business_id;
    ticket.priority = draft.priority;
    ticket.priority_reason = draft.priority_reason;
    ticket.language = draft.language;
    ticket.kiosk_id = draft.kiosk_id;
    ticket.state = TicketState::waiting;
    ticket.issued_at_unix_ms = now_unix_ms;
    Statement insert(m_database,
                     "INSERT INTO tickets (id, number, business_id, priority, priority_rank, "
                     "priority_reason, language, kiosk_id, day, state, issued_at_ms) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?)");
    Statement remember(m_database,
                       "INSERT INTO ticket_numbers (business_id, day, last_number) "
                       "VALUES (?, ?, ?) ON CONFLICT (business_id, day) "
                       "DO UPDATE SET last_number = excluded.last_number");
    if (!insert.bind_all(
            ticket.id, ticket.number, ticket.business_id, std::string(to_string(ticket.priority)),
            priority_rank(ticket.priority), optional_name(ticket.priority_reason),
            std::string(to_string(ticket.language)), ticket.kiosk_id, day, now_unix_ms) ||
        insert.step() != SQLITE_DONE || !remember.bind_all(ticket.business_id, day, number) ||
        remember.step() != SQLITE_DONE) {
        return std::unexpected(QueueError::database_failure);
    }
    return ticket;
}

std::expected<TicketIssue, QueueError> QueueStore::issue_ticket(Transaction&,
                                                                const TicketDraft& draft,
                                                                std::int64_t now_unix_ms) {
    auto found = business(draft.business_id);
    if (!found) {
        return std::unexpected(found.error());
    }
    if (!*found) {
        return TicketIssue{TicketRefusal::unknown_business, {}};
    }
    if (!(*found)->open_now) {
        return TicketIssue{TicketRefusal::business_closed, {}};
    }
    auto ticket = insert_ticket(draft, m_calendar.day_of(now_unix_ms), now_unix_ms);
    if (!ticket) {
        return std::unexpected(ticket.error());
    }
    if (ticket->id.empty()) {
        return TicketIssue{TicketRefusal::queue_full, {}};
    }
    if (auto placed = fill_place(*ticket); !placed) {
        return std::unexpected(placed.error());
    }
    return TicketIssue{TicketRefusal::none, std::move(*ticket)};
}

std::expected<std::optional<Ticket>, QueueError> QueueStore::ticket_where(const char* condition,
                                                                          std::string_view value) {
    Statement query(m_database, select_from(k_ticket_columns, "tickets", condition).c_str());
    if (!query.bind_all(value)) {
        return std::unexpected(QueueError::database_failure);
    }
    const int stepped = query.step();
    if (stepped == SQLITE_DONE) {
        return std::nullopt;
    }
    if (stepped != SQLITE_ROW) {
        return std::unexpected(QueueError::database_failure);
    }
    Ticket found = ticket_from(query);
    if (auto placed = fill_place(found); !placed) {
        return std::unexpected(placed.error());
    }
    return found;
}

std::expected<std::optional<Ticket>, QueueError> QueueStore::ticket(Transaction&,
                                                                    std::string_view ticket_id) {
    return ticket_where("WHERE id = ?", ticket_id);
}

std::expected<std::vector<Ticket>, QueueError> QueueStore::tickets(Transaction&) {
    Statement query(m_database,
                    select_from(k_ticket_columns, "tickets", "ORDER BY sequence").c_str());
    if (!query.valid()) {
        return std::unexpected(QueueError::database_failure);
    }
    std::vector<Ticket> list;
    int stepped = 0;
    while ((stepped = query.step()) == SQLITE_ROW) {
        list.push_back(ticket_from(query));
    }
    if (stepped != SQLITE_DONE) {
        return std::unexpected(QueueError::database_failure);
    }
    for (Ticket& ticket : list) {
        if (auto placed = fill_place(ticket); !placed) {
            return std::unexpected(placed.error());
        }
    }
    return list;
}

std::expected<AssistanceCall, QueueError> QueueStore::create_call(Transaction&,
                                                                  const CallDraft& draft,
                                                                  std::int64_t now_unix_ms) {
    AssistanceCall call;
    call.id = new_uuid();
    call.kiosk_id = draft.kiosk_id;
    call.location = draft.location;
    call.reason = draft.reason;
    call.language = draft.language;
    call.audio_mode = draft.audio_mode;
    call.elder_mode = draft.elder_mode;
    call.state = CallState::open;
    call.created_at_unix_ms = now_unix_ms;
    Statement insert(m_database,
                     "INSERT INTO assistance_calls (id, kiosk_id, location, reason, language, "
                     "audio_mode, elder_mode, state, created_at_ms) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)");
    if (call.id.empty() ||
        !insert.bind_all(call.id, call.kiosk_id, call.location, std::string(to_string(call.reason)),
                         std::string(to_string(call.language)), call.audio_mode, call.elder_mode,
                         now_unix_ms) ||
        insert.step() != SQLITE_DONE) {
        return std::unexpected(QueueError::database_failure);
    }
    return call;
}

std::expected<std::optional<AssistanceCall>, QueueError> QueueStore::call_by_id(
    std::string_view call_id) {
    Statement query(m_database,
                    select_from(k_call_columns, "assistance_calls", "WHERE id = ?").c_str());
    if (!query.bind_all(call_id)) {
        return std::unexpected(QueueError::database_failure);
    }
    const int stepped = query.step();
    if (stepped == SQLITE_DONE) {
        return std::nullopt;
    }
    if (stepped != SQLITE_ROW) {
        return std::unexpected(QueueError::database_failure);
    }
    return call_from(query);
}

std::expected<std::optional<AssistanceCall>, QueueError> QueueStore::call(
    Transaction&, std::string_view call_id) {
    return call_by_id(call_id);
}

std::expected<std::vector<AssistanceCall>, QueueError> QueueStore::calls(Transaction&) {
    Statement query(m_database,
                    select_from(k_call_columns, "assistance_calls", "ORDER BY sequence").c_str());
    if (!query.valid()) {
        return std::unexpected(QueueError::database_failure);
    }
    std::vector<AssistanceCall> list;
    int stepped = 0;
    while ((stepped = query.step()) == SQLITE_ROW) {
        list.push_back(call_from(query));
    }
    if (stepped != SQLITE_DONE) {
        return std::unexpected(QueueError::database_failure);
    }
    return list;
}

std::expected<std::optional<std::string>, QueueError> QueueStore::latest_call(
    Transaction&, bool acknowledged_too) {
    Statement query(m_database, acknowledged_too
                                    ? "SELECT id FROM assistance_calls WHERE state <> 'closed' "
                                      "ORDER BY sequence DESC LIMIT 1"
                                    : "SELECT id FROM assistance_calls WHERE state = 'open' "
                                      "ORDER BY sequence DESC LIMIT 1");
    if (!query.valid()) {
        return std::unexpected(QueueError::database_failure);
    }
    const int stepped = query.step();
    if (stepped == SQLITE_DONE) {
        return std::nullopt;
    }
    if (stepped != SQLITE_ROW) {
        return std::unexpected(QueueError::database_failure);
    }
    return query.text(0);
}

std::expected<CallChange, QueueError> QueueStore::acknowledge_call(Transaction&,
                                                                   std::string_view call_id,
                                                                   const StaffMember& staff,
                                                                   std::optional<int> eta_seconds,
                                                                   std::int64_t now_unix_ms) {
    auto found = call_by_id(call_id);
    if (!found) {
        return std::unexpected(found.error());
    }
    if (!*found) {
        return CallChange{StaffRefusal::not_found, {}};
    }
    if ((*found)->state == CallState::acknowledged) {
        return CallChange{StaffRefusal::already_acknowledged, std::move(**found)};
    }
    if ((*found)->state == CallState::closed) {
        return CallChange{StaffRefusal::closed, std::move(**found)};
    }
    Statement update(m_database,
                     "UPDATE assistance_calls SET state = 'acknowledged', staff_role = ?, "
                     "staff_display_name = ?, staff_badge_number = ?, acknowledged_at_ms = ?, "
                     "eta_seconds = ? WHERE id = ?");
    if (!update.bind_all(std::string(to_string(staff.role)), staff.display_name, staff.badge_number,
                         now_unix_ms, eta_seconds, call_id) ||
        update.step() != SQLITE_DONE) {
        return std::unexpected(QueueError::database_failure);
    }
    auto changed = call_by_id(call_id);
    if (!changed || !*changed) {
        return std::unexpected(QueueError::database_failure);
    }
    return CallChange{StaffRefusal::none, std::move(**changed)};
}

std::expected<CallChange, QueueError> QueueStore::close_call(Transaction&, std::string_view call_id,
                                                             CallOutcome outcome,
                                                             std::int64_t now_unix_ms) {
    auto found = call_by_id(call_id);
    if (!found) {
        return std::unexpected(found.error());
    }
    if (!*found) {
        return CallChange{StaffRefusal::not_found, {}};
    }
    if ((*found)->state == CallState::closed) {
        return CallChange{StaffRefusal::closed, std::move(**found)};
    }
    Statement update(m_database,
                     "UPDATE assistance_calls SET state = 'closed', closed_at_ms = ?, outcome = ? "
                     "WHERE id = ?");
    if (!update.bind_all(now_unix_ms, std::string(to_string(outcome)), call_id) ||
        update.step() != SQLITE_DONE) {
        return std::unexpected(QueueError::database_failure);
    }
    auto changed = call_by_id(call_id);
    if (!changed || !*changed) {
        return std::unexpected(QueueError::database_failure);
    }
    return CallChange{StaffRefusal::none, std::move(**changed)};
}

std::expected<TicketChange, QueueError> QueueStore::call_next_ticket(
    Transaction&, std::string_view business_id, std::optional<int> counter_number,
    std::int64_t now_unix_ms) {
    auto found = business(business_id);
    if (!found) {
        return std::unexpected(found.error());
    }
    if (!*found) {
        return TicketChange{StaffRefusal::not_found, {}};
    }
    std::string ticket_id;
    {
        Statement next(m_database,
                       "SELECT id FROM tickets WHERE business_id = ? AND state = 'waiting' "
                       "ORDER BY priority_rank, sequence LIMIT 1");
        if (!next.bind_all(business_id)) {
            return std::unexpected(QueueError::database_failure);
        }
        const int stepped = next.step();
        if (stepped == SQLITE_DONE) {
            return TicketChange{StaffRefusal::no_ticket_waiting, {}};
        }
        if (stepped != SQLITE_ROW) {
            return std::unexpected(QueueError::database_failure);
        }
        ticket_id = next.text(0);
    }
    Statement update(m_database,
                     "UPDATE tickets SET state = 'called', counter_number = ?, called_at_ms = ? "
                     "WHERE id = ?");
    if (!update.bind_all(counter_number.value_or((*found)->first_counter), now_unix_ms,
                         ticket_id) ||
        update.step() != SQLITE_DONE) {
        return std::unexpected(QueueError::database_failure);
    }
    auto called = ticket_where("WHERE id = ?", ticket_id);
    if (!called || !*called) {
        return std::unexpected(QueueError::database_failure);
    }
    return TicketChange{StaffRefusal::none, std::move(**called)};
}

std::expected<TicketChange, QueueError> QueueStore::set_ticket_state(Transaction&,
                                                                     std::string_view ticket_id,
                                                                     TicketState state,
                                                                     std::int64_t now_unix_ms) {
    auto found = ticket_where("WHERE id = ?", ticket_id);
    if (!found) {
        return std::unexpected(found.error());
    }
    if (!*found) {
        return TicketChange{StaffRefusal::not_found, {}};
    }
    const TicketState from = (*found)->state;
    const bool allowed = (from == TicketState::waiting && state == TicketState::cancelled) ||
                         (from == TicketState::called &&
                          (state == TicketState::serving || state == TicketState::no_show ||
                           state == TicketState::cancelled)) ||
                         (from == TicketState::serving && state == TicketState::done);
    if (!allowed) {
        return TicketChange{StaffRefusal::not_allowed, std::move(**found)};
    }
    Statement update(m_database,
                     state == TicketState::serving
                         ? "UPDATE tickets SET state = ?, serving_at_ms = ? WHERE id = ?"
                         : "UPDATE tickets SET state = ?, ended_at_ms = ? WHERE id = ?");
    if (!update.bind_all(std::string(to_string(state)), now_unix_ms, ticket_id) ||
        update.step() != SQLITE_DONE) {
        return std::unexpected(QueueError::database_failure);
    }
    auto changed = ticket_where("WHERE id = ?", ticket_id);
    if (!changed || !*changed) {
        return std::unexpected(QueueError::database_failure);
    }
    return TicketChange{StaffRefusal::none, std::move(**changed)};
}

std::expected<StaffRefusal, QueueError> QueueStore::set_business_open(Transaction&,
                                                                      std::string_view business_id,
                                                                      bool open_now) {
    Statement update(m_database, "UPDATE businesses SET open_now = ? WHERE id = ?");
    if (!update.bind_all(open_now, business_id) || update.step() != SQLITE_DONE) {
        return std::unexpected(QueueError::database_failure);
    }
    return sqlite3_changes(m_database) == 0 ? StaffRefusal::not_found : StaffRefusal::none;
}

std::expected<StaffRefusal, QueueError> QueueStore::set_open_counters(Transaction&,
                                                                      std::string_view business_id,
                                                                      int open_counters) {
    if (open_counters < 0 || open_counters > k_maximum_counter_number) {
        return StaffRefusal::not_allowed;
    }
    Statement update(m_database, "UPDATE businesses SET open_counters = ? WHERE id = ?");
    if (!update.bind_all(open_counters, business_id) || update.step() != SQLITE_DONE) {
        return std::unexpected(QueueError::database_failure);
    }
    return sqlite3_changes(m_database) == 0 ? StaffRefusal::not_found : StaffRefusal::none;
}

std::expected<SurveyOutcome, QueueError> QueueStore::add_survey_answer(Transaction&,
                                                                       const SurveyDraft& draft,
                                                                       std::int64_t now_unix_ms) {
    {
        Statement existing(
            m_database, select_from(k_survey_columns, "survey_answers",
                                    "WHERE kiosk_id = ? AND session_reference = ? AND service = ?")
                            .c_str());
        if (!existing.bind_all(draft.kiosk_id, draft.session_reference,
                               std::string(to_string(draft.service)))) {
            return std::unexpected(QueueError::database_failure);
        }
        const int stepped = existing.step();
        if (stepped == SQLITE_ROW) {
            return SurveyOutcome{true, survey_answer_from(existing)};
        }
        if (stepped != SQLITE_DONE) {
            return std::unexpected(QueueError::database_failure);
        }
    }
    SurveyAnswer answer{new_uuid(),   draft.kiosk_id, draft.session_reference, draft.service,
                        draft.rating, draft.language, draft.answered_at,       now_unix_ms};
    Statement insert(m_database,
                     "INSERT INTO survey_answers (id, kiosk_id, session_reference, service, "
                     "rating, language, answered_at, received_at_ms) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (answer.id.empty() ||
        !insert.bind_all(
            answer.id, answer.kiosk_id, answer.session_reference,
            std::string(to_string(answer.service)), std::string(to_string(answer.rating)),
            std::string(to_string(answer.language)), answer.answered_at, now_unix_ms) ||
        insert.step() != SQLITE_DONE) {
        return std::unexpected(QueueError::database_failure);
    }
    return SurveyOutcome{false, std::move(answer)};
}

std::expected<std::vector<SurveyAnswer>, QueueError> QueueStore::survey_answers(Transaction&) {
    Statement query(m_database,
                    select_from(k_survey_columns, "survey_answers", "ORDER BY sequence").c_str());
    if (!query.valid()) {
        return std::unexpected(QueueError::database_failure);
    }
    std::vector<SurveyAnswer> list;
    int stepped = 0;
    while ((stepped = query.step()) == SQLITE_ROW) {
        list.push_back(survey_answer_from(query));
    }
    if (stepped != SQLITE_DONE) {
        return std::unexpected(QueueError::database_failure);
    }
    return list;
}

std::expected<std::optional<Complaint>, QueueError> QueueStore::add_complaint(
    Transaction&, const ComplaintDraft& draft, std::int64_t now_unix_ms) {
    const int day = m_calendar.day_of(now_unix_ms);
    int last = 0;
    {
        Statement query(m_database, "SELECT last_number FROM complaint_numbers WHERE day = ?");
        if (!query.bind_all(day)) {
            return std::unexpected(QueueError::database_failure);
        }
        if (query.step() == SQLITE_ROW) {
            last = query.small_integer(0);
        }
    }
    if (last >= k_maximum_complaints_per_day) {
        return std::nullopt;
    }
    const int sequence = last + 1;
    Complaint complaint{complaint_reference(day, sequence),
                        draft.kiosk_id,
                        draft.session_reference,
                        draft.category,
                        draft.language,
                        draft.contact_consent,
                        draft.submitted_at,
                        now_unix_ms};
    Statement insert(m_database,
                     "INSERT INTO complaints (reference, kiosk_id, session_reference, category, "
                     "language, contact_consent, submitted_at, received_at_ms) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    Statement remember(m_database,
                       "INSERT INTO complaint_numbers (day, last_number) VALUES (?, ?) "
                       "ON CONFLICT (day) DO UPDATE SET last_number = excluded.last_number");
    if (!insert.bind_all(complaint.reference, complaint.kiosk_id, complaint.session_reference,
                         std::string(to_string(complaint.category)),
                         std::string(to_string(complaint.language)), complaint.contact_consent,
                         complaint.submitted_at, now_unix_ms) ||
        insert.step() != SQLITE_DONE || !remember.bind_all(day, sequence) ||
        remember.step() != SQLITE_DONE) {
        return std::unexpected(QueueError::database_failure);
    }
    return complaint;
}

std::expected<std::vector<Complaint>, QueueError> QueueStore::complaints(Transaction&) {
    Statement query(m_database,
                    "SELECT reference, kiosk_id, session_reference, category, language, "
                    "contact_consent, submitted_at, received_at_ms FROM complaints "
                    "ORDER BY sequence");
    if (!query.valid()) {
        return std::unexpected(QueueError::database_failure);
    }
    std::vector<Complaint> list;
    int stepped = 0;
    while ((stepped = query.step()) == SQLITE_ROW) {
        list.push_back(Complaint{query.text(0), query.text(1), query.text(2),
                                 code_of(query.text(3), ComplaintCategory::other),
                                 code_of(query.text(4), Language::zh_cn), query.integer(5) != 0,
                                 query.text(6), query.integer(7)});
    }
    if (stepped != SQLITE_DONE) {
        return std::unexpected(QueueError::database_failure);
    }
    return list;
}

std::expected<std::optional<IdempotencyRecord>, QueueError> QueueStore::idempotency_record(
    Transaction&, std::string_view scope, std::string_view key, std::int64_t now_unix_ms) {
    Statement query(m_database,
                    "SELECT request_digest, status, body, location, created_at_ms "
                    "FROM idempotency_records WHERE scope = ? AND key = ? AND created_at_ms >= ?");
    if (!query.bind_all(scope, key, now_unix_ms - milliseconds_of(k_idempotency_retention))) {
        return std::unexpected(QueueError::database_failure);
    }
    const int stepped = query.step();
    if (stepped == SQLITE_DONE) {
        return std::nullopt;
    }
    if (stepped != SQLITE_ROW) {
        return std::unexpected(QueueError::database_failure);
    }
    return IdempotencyRecord{std::string(scope),     std::string(key), query.text(0),
                             query.small_integer(1), query.text(2),    query.text(3),
                             query.integer(4)};
}

std::expected<void, QueueError> QueueStore::save_idempotency_record(
    Transaction&, const IdempotencyRecord& record) {
    // A record past its retention may still be in the table until the next day opens: the new
    // one replaces it.
    Statement insert(m_database,
                     "INSERT OR REPLACE INTO idempotency_records (scope, key, request_digest, "
                     "status, body, location, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!insert.bind_all(record.scope, record.key, record.request_digest, record.status,
                         record.body, record.location, record.created_at_unix_ms) ||
        insert.step() != SQLITE_DONE) {
        return std::unexpected(QueueError::database_failure);
    }
    return {};
}

std::expected<void, QueueError> QueueStore::record_access(Transaction&,
                                                          const AccessLogEntry& entry) {
    Statement insert(m_database,
                     "INSERT INTO access_log (at_ms, client, method, path, status, problem_type, "
                     "instance, duration_ms, security_event) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!insert.bind_all(entry.at_unix_ms, entry.client, entry.method, entry.path, entry.status,
                         entry.problem_type, entry.instance, entry.duration_ms,
                         entry.security_event) ||
        insert.step() != SQLITE_DONE) {
        return std::unexpected(QueueError::database_failure);
    }
    return {};
}

std::expected<std::vector<AccessLogEntry>, QueueError> QueueStore::access_log(Transaction&) {
    Statement query(m_database,
                    "SELECT at_ms, client, method, path, status, problem_type, instance, "
                    "duration_ms, security_event FROM access_log ORDER BY sequence");
    if (!query.valid()) {
        return std::unexpected(QueueError::database_failure);
    }
    std::vector<AccessLogEntry> list;
    int stepped = 0;
    while ((stepped = query.step()) == SQLITE_ROW) {
        list.push_back(AccessLogEntry{query.integer(0), query.text(1), query.text(2), query.text(3),
                                      query.small_integer(4), query.text(5), query.text(6),
                                      query.integer(7), query.text(8)});
    }
    if (stepped != SQLITE_DONE) {
        return std::unexpected(QueueError::database_failure);
    }
    return list;
}

}  // namespace simulator::queue
