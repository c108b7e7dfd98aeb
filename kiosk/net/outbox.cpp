#include "kiosk/net/outbox.h"

#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <system_error>
#include <utility>

namespace kiosk::net {

namespace {

// How long a statement waits for a lock another connection holds (a second kiosk process
// started by mistake on the same file) before it fails.
constexpr int k_busy_timeout_ms = 2'000;
// The shape of the outbox this code writes (PRAGMA user_version); a file of another version
// is set aside rather than misread.
constexpr int k_schema_version = 1;
// A second problem within the same second gets a numbered name rather than overwriting the
// first one set aside; after this many the last name is replaced.
constexpr int k_most_set_aside_names = 100;

// STRICT: SQLite refuses a value of the wrong type instead of storing it.
constexpr const char* k_create_schema =
    "CREATE TABLE outbox ("
    " sequence INTEGER PRIMARY KEY,"
    " idempotency_key TEXT NOT NULL UNIQUE,"
    " kind TEXT NOT NULL,"
    " path TEXT NOT NULL,"
    " body TEXT NOT NULL,"
    " created_at_ms INTEGER NOT NULL"
    ") STRICT;";
constexpr const char* k_select_all =
    "SELECT idempotency_key, kind, path, body, created_at_ms FROM outbox ORDER BY sequence";

// One prepared statement, finalised when it goes.
class Statement {
  public:
    Statement(sqlite3* database, const char* sql) {
        if (sqlite3_prepare_v2(database, sql, -1, &m_statement, nullptr) != SQLITE_OK) {
            sqlite3_finalize(m_statement);
            m_statement = nullptr;
        }
    }
    ~Statement() { sqlite3_finalize(m_statement); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    bool ready() const { return m_statement != nullptr; }
    bool bind(int index, std::string_view text) {
        return sqlite3_bind_text(m_statement, index, text.data(), static_cast<int>(text.size()),
                                 SQLITE_TRANSIENT) == SQLITE_OK;
    }
    bool bind(int index, std::int64_t value) {
        return sqlite3_bind_int64(m_statement, index, value) == SQLITE_OK;
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

  private:
    sqlite3_stmt* m_statement = nullptr;
};

// The one-row, one-column answer of a PRAGMA, or nothing when it fails.
std::optional<std::string> pragma(sqlite3* database, const char* sql) {
    Statement statement(database, sql);
    if (!statement.ready() || statement.step() != SQLITE_ROW) {
        return std::nullopt;
    }
    return statement.text(0);
}

bool execute(sqlite3* database, const char* sql) {
    return sqlite3_exec(database, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

std::string problem_of(sqlite3* database, int code) {
    return database != nullptr && code != SQLITE_NOMEM ? sqlite3_errmsg(database)
                                                       : sqlite3_errstr(code);
}

// Opens and checks the file, creating the table in a new one. Fails with what was wrong.
// `durable` says whether WAL and synchronous=FULL took.
std::expected<sqlite3*, std::string> open_checked(const std::filesystem::path& file,
                                                  bool& durable) {
    sqlite3* database = nullptr;
    const int opened = sqlite3_open_v2(file.c_str(), &database,
                                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    const auto fail = [&database](std::string problem) {
        sqlite3_close_v2(database);
        database = nullptr;
        return std::unexpected(std::move(problem));
    };
    if (opened != SQLITE_OK) {
        return fail(problem_of(database, opened));
    }
    sqlite3_busy_timeout(database, k_busy_timeout_ms);
    // A file that is not a database, or a damaged one, fails here: SQLite reads lazily, so
    // the first real read is the check.
    const auto check = pragma(database, "PRAGMA quick_check");
    if (!check || *check != "ok") {
        return fail(check ? "quick_check: " + *check : std::string(sqlite3_errmsg(database)));
    }
    const auto journal = pragma(database, "PRAGMA journal_mode=WAL");
    if (!journal) {
        return fail(sqlite3_errmsg(database));
    }
    const bool synchronous = execute(database, "PRAGMA synchronous=FULL");
    const auto synchronous_mode = pragma(database, "PRAGMA synchronous");
    // PRAGMA synchronous reads back as a number: 2 is FULL.
    durable = *journal == "wal" && synchronous && synchronous_mode == "2";

    const auto version = pragma(database, "PRAGMA user_version");
    if (!version) {
        return fail(sqlite3_errmsg(database));
    }
    if (*version == "0") {
        const auto tables = pragma(database, "SELECT count(*) FROM sqlite_schema");
        if (tables != "0") {
            return fail("a database of another program (no outbox version, " +
                        tables.value_or("?") + " tables)");
        }
        const std::string create = std::string("BEGIN IMMEDIATE;") + k_create_schema +
                                   "PRAGMA user_version=" + std::to_string(k_schema_version) +
                                   ";COMMIT;";
        if (!execute(database, create.c_str())) {
            std::string problem = sqlite3_errmsg(database);
            execute(database, "ROLLBACK");
            return fail(std::move(problem));
        }
    } else if (*version != std::to_string(k_schema_version)) {
        return fail("an outbox of another version (" + *version + ")");
    }
    // The table must have the columns this code reads and writes.
    if (Statement probe(database, k_select_all); !probe.ready()) {
        return fail(sqlite3_errmsg(database));
    }
    return database;
}

// "20261202T101500Z": the time in a file name, in UTC so that it sorts and never repeats an
// hour when the clocks change.
std::string file_time(std::chrono::system_clock::time_point now) {
    const auto days = std::chrono::floor<std::chrono::days>(now);
    const std::chrono::year_month_day date(days);
    const std::chrono::hh_mm_ss time(std::chrono::floor<std::chrono::seconds>(now - days));
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), "%04d%02u%02uT%02d%02d%02dZ",
                  static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                  static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
    return text.data();
}

// Moves the unusable file, and the WAL and shared-memory files beside it, to a name with the
// time; returns the new name of the file, or nothing when it could not be moved.
std::optional<std::filesystem::path> set_aside(const std::filesystem::path& file) {
    const std::string stem =
        file.string() + ".unusable-" + file_time(std::chrono::system_clock::now());
    std::filesystem::path aside = stem;
    std::error_code error;
    for (int number = 2; std::filesystem::exists(aside, error) && number <= k_most_set_aside_names;
         ++number) {
        aside = stem + "-" + std::to_string(number);
    }
    std::filesystem::rename(file, aside, error);
    if (error) {
        return std::nullopt;
    }
    // Kept beside it so that the set-aside database can still be opened and read whole.
    for (const char* suffix : {"-wal", "-shm"}) {
        const std::filesystem::path companion = file.string() + suffix;
        if (std::filesystem::exists(companion, error)) {
            std::filesystem::rename(companion, aside.string() + suffix, error);
        }
    }
    return aside;
}

}  // namespace

std::string_view to_string(OutboxKind kind) {
    switch (kind) {
        case OutboxKind::ticket:
            return "ticket";
        case OutboxKind::assistance:
            return "assistance";
        case OutboxKind::survey:
            return "survey";
        case OutboxKind::complaint:
            return "complaint";
    }
    return "unknown";
}

std::optional<OutboxKind> outbox_kind_named(std::string_view name) {
    for (const OutboxKind kind :
         {OutboxKind::ticket, OutboxKind::assistance, OutboxKind::survey, OutboxKind::complaint}) {
        if (to_string(kind) == name) {
            return kind;
        }
    }
    return std::nullopt;
}

std::string_view to_string(OutboxError error) {
    switch (error) {
        case OutboxError::write_failed:
            return "the request could not be written to the outbox";
        case OutboxError::read_failed:
            return "the outbox could not be read";
    }
    return "unknown outbox error";
}

Outbox Outbox::open(const std::filesystem::path& file, std::optional<OutboxRepair>& repair) {
    repair.reset();
    std::error_code ignored;
    if (file.has_parent_path()) {
        std::filesystem::create_directories(file.parent_path(), ignored);
    }
    bool durable = false;
    auto opened = open_checked(file, durable);
    if (opened) {
        return Outbox(*opened, durable);
    }
    repair = OutboxRepair{opened.error(), std::nullopt, false};
    if (std::filesystem::exists(file, ignored) || std::filesystem::is_symlink(file, ignored)) {
        repair->set_aside_as = set_aside(file);
        if (repair->set_aside_as) {
            opened = open_checked(file, durable);
            if (opened) {
                return Outbox(*opened, durable);
            }
        }
    }
    // Nowhere to keep requests on disk: they are still sent, and kept for this run.
    repair->in_memory = true;
    bool in_memory_durable = false;
    opened = open_checked(":memory:", in_memory_durable);
    return Outbox(opened ? *opened : nullptr, false);
}

Outbox::~Outbox() {
    sqlite3_close_v2(m_database);
}

Outbox::Outbox(Outbox&& other) noexcept
    : m_database(std::exchange(other.m_database, nullptr)), m_durable(other.m_durable) {}

Outbox& Outbox::operator=(Outbox&& other) noexcept {
    if (this != &other) {
        sqlite3_close_v2(m_database);
        m_database = std::exchange(other.m_database, nullptr);
        m_durable = other.m_durable;
    }
    return *this;
}

std::expected<void, base::Error<OutboxError>> Outbox::add(const OutboxEntry& entry) {
    Statement insert(m_database,
                     "INSERT INTO outbox (idempotency_key, kind, path, body, created_at_ms) "
                     "VALUES (?1, ?2, ?3, ?4, ?5)");
    const auto created =
        std::chrono::duration_cast<std::chrono::milliseconds>(entry.created_at.time_since_epoch());
    if (!insert.ready() || !insert.bind(1, entry.idempotency_key) ||
        !insert.bind(2, to_string(entry.kind)) || !insert.bind(3, entry.path) ||
        !insert.bind(4, entry.body) ||
        !insert.bind(5, static_cast<std::int64_t>(created.count())) ||
        insert.step() != SQLITE_DONE) {
        return std::unexpected(
            base::error(OutboxError::write_failed,
                        m_database != nullptr ? sqlite3_errmsg(m_database) : "no database"));
    }
    return {};
}

std::expected<void, base::Error<OutboxError>> Outbox::remove(std::string_view idempotency_key) {
    Statement erase(m_database, "DELETE FROM outbox WHERE idempotency_key = ?1");
    if (!erase.ready() || !erase.bind(1, idempotency_key) || erase.step() != SQLITE_DONE) {
        return std::unexpected(
            base::error(OutboxError::write_failed,
                        m_database != nullptr ? sqlite3_errmsg(m_database) : "no database"));
    }
    return {};
}

std::expected<Outbox::Contents, base::Error<OutboxError>> Outbox::contents() {
    Contents contents;
    std::vector<std::string> unreadable_keys;
    {
        Statement select(m_database, k_select_all);
        if (!select.ready()) {
            return std::unexpected(
                base::error(OutboxError::read_failed,
                            m_database != nullptr ? sqlite3_errmsg(m_database) : "no database"));
        }
        int stepped = SQLITE_ROW;
        while ((stepped = select.step()) == SQLITE_ROW) {
            const auto kind = outbox_kind_named(select.text(1));
            if (!kind) {
                unreadable_keys.push_back(select.text(0));
                continue;
            }
            contents.entries.push_back(
                OutboxEntry{select.text(0), *kind, select.text(2), select.text(3),
                            std::chrono::system_clock::time_point(
                                std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                    std::chrono::milliseconds(select.integer(4))))});
        }
        if (stepped != SQLITE_DONE) {
            return std::unexpected(
                base::error(OutboxError::read_failed, sqlite3_errmsg(m_database)));
        }
    }
    for (const auto& key : unreadable_keys) {
        static_cast<void>(remove(key));
    }
    contents.unreadable = unreadable_keys.size();
    return contents;
}

}  // namespace kiosk::net
