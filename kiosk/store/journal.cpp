#include "kiosk/store/journal.h"

#include <openssl/evp.h>
#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include "base/bytes.h"
#include "base/uuid.h"

namespace kiosk::store {

namespace {

// How long a statement waits for a lock another connection holds (an engineer's sqlite3
// shell, a check running beside the kiosk) before it fails as `locked`.
constexpr int k_busy_timeout_ms = 2'000;
// PRAGMA application_id of a journal, "KJNL": tells a journal from any other SQLite file.
constexpr std::int64_t k_application_id = 0x4B4A4E4C;
// PRAGMA user_version: the format of the records and of their hash (README.md, "The hash
// chain"). A file of another version is refused rather than misread.
constexpr std::int64_t k_format_version = 1;
// PRAGMA synchronous reads back as a number: 2 is FULL.
constexpr std::int64_t k_synchronous_full = 2;

// STRICT: SQLite refuses a value of the wrong type instead of storing it. The triggers stop an
// engineer's hand from changing a record by mistake; they are no defence against a tamperer,
// who can drop them: that is what the chain is for.
constexpr const char* k_create_schema = R"sql(
    CREATE TABLE journal (
        sequence              INTEGER PRIMARY KEY,
        at_unix_ms            INTEGER NOT NULL,
        event                 TEXT    NOT NULL,
        detail                TEXT    NOT NULL,
        transaction_reference TEXT    NOT NULL,
        step                  TEXT    NOT NULL,
        amount_minor_units    INTEGER NOT NULL,
        fee_minor_units       INTEGER NOT NULL,
        currency              TEXT    NOT NULL,
        notes                 TEXT    NOT NULL,
        previous_hash         BLOB    NOT NULL,
        hash                  BLOB    NOT NULL
    ) STRICT;
    CREATE INDEX journal_by_transaction ON journal (transaction_reference, sequence);
    CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
        BEGIN SELECT RAISE(ABORT, 'the journal is only appended to'); END;
    CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
        BEGIN SELECT RAISE(ABORT, 'the journal is only appended to'); END;
)sql";

// Every column, in the order record_of() reads them and k_insert binds them.
constexpr std::string_view k_columns =
    "sequence, at_unix_ms, event, detail, transaction_reference, step, amount_minor_units, "
    "fee_minor_units, currency, notes, previous_hash, hash";

std::string select_records_sql(std::string_view rest) {
    return "SELECT " + std::string(k_columns) + " FROM journal " + std::string(rest);
}

const std::string k_insert = "INSERT INTO journal (" + std::string(k_columns) +
                             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
const std::string k_select_all = select_records_sql("ORDER BY sequence");
const std::string k_select_tail = select_records_sql("ORDER BY sequence DESC LIMIT 2");
// From the end backwards (the sequence is the row id), stopping at the limit: it reads no more
// of a long journal than the records it finds need.
const std::string k_select_latest_named = select_records_sql(
    "WHERE event = ?1 ORDER BY sequence DESC LIMIT " + std::to_string(k_latest_records));
const std::string k_select_of_transaction =
    select_records_sql("WHERE transaction_reference = ?1 ORDER BY sequence");
// The index on (transaction_reference, sequence) answers the inner query without reading
// the records themselves.
const std::string k_select_last_of_each_transaction = select_records_sql(
    "WHERE sequence IN (SELECT max(sequence) FROM journal WHERE transaction_reference <> ''"
    " GROUP BY transaction_reference) ORDER BY sequence");

// Each event's records, those of one event (?1) by detail too, all and those at or after ?2.
const std::string k_count_events =
    "SELECT event, CASE WHEN event = ?1 THEN detail ELSE '' END AS counted_detail,"
    " sum(at_unix_ms >= ?2), count(*) FROM journal GROUP BY event, counted_detail"
    " ORDER BY event, counted_detail";

using Failure = base::Error<JournalError>;

// One prepared statement, finalised when it goes.
class Statement {
  public:
    Statement(sqlite3* database, const std::string& sql) {
        m_result = sqlite3_prepare_v2(database, sql.c_str(), static_cast<int>(sql.size()),
                                      &m_statement, nullptr);
    }
    ~Statement() { sqlite3_finalize(m_statement); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    bool ready() const { return m_result == SQLITE_OK && m_statement != nullptr; }
    // The result of preparing, until the first step; then the step's.
    int result() const { return m_result; }

    void bind(int index, std::string_view text) {
        sqlite3_bind_text(m_statement, index, text.data(), static_cast<int>(text.size()),
                          SQLITE_TRANSIENT);
    }
    void bind(int index, std::int64_t value) { sqlite3_bind_int64(m_statement, index, value); }
    void bind(int index, const JournalHash& hash) {
        sqlite3_bind_blob(m_statement, index, hash.data(), static_cast<int>(hash.size()),
                          SQLITE_TRANSIENT);
    }
    int step() {
        m_result = sqlite3_step(m_statement);
        return m_result;
    }
    std::int64_t integer(int column) const { return sqlite3_column_int64(m_statement, column); }
    std::string text(int column) const {
        const unsigned char* value = sqlite3_column_text(m_statement, column);
        const int size = sqlite3_column_bytes(m_statement, column);
        return value == nullptr ? std::string{}
                                : std::string(reinterpret_cast<const char*>(value),
                                              static_cast<std::size_t>(size));
    }
    std::optional<JournalHash> hash(int column) const {
        const void* value = sqlite3_column_blob(m_statement, column);
        if (value == nullptr ||
            sqlite3_column_bytes(m_statement, column) != static_cast<int>(k_hash_length)) {
            return std::nullopt;
        }
        JournalHash hash{};
        const auto* bytes = static_cast<const std::uint8_t*>(value);
        std::copy(bytes, bytes + k_hash_length, hash.begin());
        return hash;
    }

  private:
    sqlite3_stmt* m_statement = nullptr;
    int m_result = SQLITE_OK;
};

// The code for what SQLite said, for a file that was found and opened.
JournalError code_of(int result, JournalError otherwise) {
    switch (result & 0xFF) {  // the primary result code, without its extended part
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return JournalError::locked;
        case SQLITE_NOTADB:
        case SQLITE_CORRUPT:
            return JournalError::not_a_journal;
        case SQLITE_CANTOPEN:
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_AUTH:
            return JournalError::open_failed;
        default:
            return otherwise;
    }
}

Failure failure(sqlite3* database, int result, JournalError otherwise,
                const std::filesystem::path& file) {
    const char* message = database != nullptr && result != SQLITE_NOMEM ? sqlite3_errmsg(database)
                                                                        : sqlite3_errstr(result);
    return base::error(code_of(result, otherwise), file.string() + ": " + message);
}

// The one-row, one-integer answer of a PRAGMA or a count.
std::expected<std::int64_t, int> integer_of(sqlite3* database, const std::string& sql) {
    Statement statement(database, sql);
    if (!statement.ready()) {
        return std::unexpected(statement.result());
    }
    if (statement.step() != SQLITE_ROW) {
        return std::unexpected(statement.result());
    }
    return statement.integer(0);
}

// ---- The canonical encoding (README.md, "The hash chain") ----

void put_integer(base::Bytes& bytes, std::int64_t value) {
    // Two's complement, little-endian, eight bytes.
    const auto bits = static_cast<std::uint64_t>(value);
    base::put_le32(bytes, static_cast<std::uint32_t>(bits & 0xFFFF'FFFFU));
    base::put_le32(bytes, static_cast<std::uint32_t>(bits >> 32));
}

void put_text(base::Bytes& bytes, std::string_view text) {
    put_integer(bytes, static_cast<std::int64_t>(text.size()));
    bytes.insert(bytes.end(), text.begin(), text.end());
}

// ---- Fields ----

bool is_digit(char character) {
    return character >= '0' && character <= '9';
}

// Whether `text` holds k_refused_digit_run digits in a row, where one space or hyphen between
// two digits does not break the row ("4111 1111 1111 1111" counts as 16).
bool holds_digit_run(std::string_view text) {
    std::size_t run = 0;
    bool after_separator = false;
    for (const char character : text) {
        if (is_digit(character)) {
            ++run;
            after_separator = false;
            if (run >= k_refused_digit_run) {
                return true;
            }
        } else if ((character == ' ' || character == '-') && run > 0 && !after_separator) {
            after_separator = true;
        } else {
            run = 0;
            after_separator = false;
        }
    }
    return false;
}

bool is_currency(std::string_view text) {
    constexpr std::size_t k_currency_length = 3;  // ISO 4217 §6.1, the alphabetic code
    if (text.size() != k_currency_length) {
        return false;
    }
    for (const char character : text) {
        if (character < 'A' || character > 'Z') {
            return false;
        }
    }
    return true;
}

std::expected<void, Failure> check_entry(const JournalEntry& entry) {
    // The context names the field, never its value: the value may be what must not be kept.
    const std::array<std::pair<std::string_view, const std::string*>, 4> texts{{
        {"event", &entry.event},
        {"detail", &entry.detail},
        {"step", &entry.step},
        {"currency", &entry.currency},
    }};
    for (const auto& [name, text] : texts) {
        if (holds_digit_run(*text)) {
            return std::unexpected(
                base::error(JournalError::personal_data, "the " + std::string(name) + " holds " +
                                                             std::to_string(k_refused_digit_run) +
                                                             " or more digits in a row"));
        }
    }
    if (entry.event.empty()) {
        return std::unexpected(base::error(JournalError::invalid_record, "no event"));
    }
    if (!entry.transaction.empty() && !base::is_canonical_uuid(entry.transaction)) {
        return std::unexpected(base::error(JournalError::invalid_record,
                                           "the transaction reference is not a lowercase UUID"));
    }
    if (!entry.currency.empty() && !is_currency(entry.currency)) {
        return std::unexpected(
            base::error(JournalError::invalid_record, "the currency is not three capital letters"));
    }
    for (const int count : entry.notes) {
        if (count < 0) {
            return std::unexpected(
                base::error(JournalError::invalid_record, "a negative note count"));
        }
    }
    return {};
}

// Notes are stored as their counts in decimal, separated by commas: "2,0,1,0".
std::string notes_text(const std::vector<int>& notes) {
    std::string text;
    for (const int count : notes) {
        if (!text.empty()) {
            text += ',';
        }
        text += std::to_string(count);
    }
    return text;
}

// The counts of a stored notes text, or nothing unless it is exactly what notes_text writes:
// a text written another way is not what was hashed.
std::optional<std::vector<int>> notes_of(std::string_view text) {
    std::vector<int> notes;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        const std::string_view field = text.substr(start, comma - start);
        int count = 0;
        const auto [end, problem] =
            std::from_chars(field.data(), field.data() + field.size(), count);
        if (problem != std::errc{} || end != field.data() + field.size()) {
            return std::nullopt;
        }
        notes.push_back(count);
        start = comma + 1;
    }
    if (notes_text(notes) != text) {
        return std::nullopt;
    }
    return notes;
}

// The record in the current row, or what is wrong with it.
std::expected<JournalRecord, std::string> record_of(const Statement& row) {
    JournalRecord record;
    record.sequence = row.integer(0);
    record.at_unix_ms = row.integer(1);
    record.entry.event = row.text(2);
    record.entry.detail = row.text(3);
    record.entry.transaction = row.text(4);
    record.entry.step = row.text(5);
    record.entry.amount_minor_units = row.integer(6);
    record.entry.fee_minor_units = row.integer(7);
    record.entry.currency = row.text(8);
    const auto notes = notes_of(row.text(9));
    const auto previous_hash = row.hash(10);
    const auto hash = row.hash(11);
    const std::string which = "record " + std::to_string(record.sequence);
    if (!notes) {
        return std::unexpected(which + " has unreadable notes");
    }
    if (!previous_hash || !hash) {
        return std::unexpected(which + " has a hash that is not " + std::to_string(k_hash_length) +
                               " bytes");
    }
    record.entry.notes = *notes;
    record.previous_hash = *previous_hash;
    record.hash = *hash;
    return record;
}

// What is wrong with `record` as the successor of a record numbered `expected_sequence - 1`
// with hash `previous`, or nothing when it holds.
std::optional<std::string> chain_problem(const JournalRecord& record,
                                         std::int64_t expected_sequence,
                                         const JournalHash& previous) {
    const std::string which = "record " + std::to_string(expected_sequence);
    if (record.sequence > expected_sequence) {
        return which + " is missing";
    }
    if (record.sequence != expected_sequence) {
        return "record numbered " + std::to_string(record.sequence) + " where " + which +
               " should be";
    }
    if (record.previous_hash != previous) {
        return which + " does not follow the record before it (one removed, inserted or moved)";
    }
    if (chained_hash(record) != record.hash) {
        return which + " was altered";
    }
    return std::nullopt;
}

// Opens `file` and checks that it is a journal of this format; when `writable`, sets WAL and
// synchronous=FULL and makes a missing or empty file a journal.
std::expected<sqlite3*, Failure> open_journal(const std::filesystem::path& file, bool writable) {
    sqlite3* database = nullptr;
    const int flags = writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    int result = sqlite3_open_v2(file.c_str(), &database, flags, nullptr);
    const auto fail = [&database, &file](int code, JournalError otherwise) {
        Failure problem = failure(database, code, otherwise, file);
        sqlite3_close_v2(database);
        return std::unexpected(std::move(problem));
    };
    if (result != SQLITE_OK) {
        return fail(result, JournalError::open_failed);
    }
    sqlite3_busy_timeout(database, k_busy_timeout_ms);
    // SQLite reads lazily: this first read is what finds a file that is not a database.
    const auto application_id = integer_of(database, "PRAGMA application_id");
    if (!application_id) {
        return fail(application_id.error(), JournalError::not_a_journal);
    }
    const auto version = integer_of(database, "PRAGMA user_version");
    const auto tables = integer_of(database, "SELECT count(*) FROM sqlite_schema");
    if (!version || !tables) {
        return fail(version ? tables.error() : version.error(), JournalError::read_failed);
    }
    const bool is_new = *application_id == 0 && *version == 0 && *tables == 0;
    if (!is_new && *application_id != k_application_id) {
        sqlite3_close_v2(database);
        return std::unexpected(
            base::error(JournalError::not_a_journal, file.string() + ": another program's file"));
    }
    if (!is_new && *version != k_format_version) {
        sqlite3_close_v2(database);
        return std::unexpected(base::error(
            JournalError::other_version, file.string() + ": version " + std::to_string(*version)));
    }
    if (is_new && !writable) {
        sqlite3_close_v2(database);
        return std::unexpected(
            base::error(JournalError::not_a_journal, file.string() + ": an empty file"));
    }
    if (writable) {
        // Before the schema, so that creating it is already written the durable way.
        Statement wal(database, "PRAGMA journal_mode=WAL");
        if (!wal.ready() || wal.step() != SQLITE_ROW) {
            return fail(wal.result(), JournalError::not_durable);
        }
        if (wal.text(0) != "wal") {
            sqlite3_close_v2(database);
            return std::unexpected(base::error(JournalError::not_durable,
                                               file.string() + ": journal mode " + wal.text(0)));
        }
        result = sqlite3_exec(database, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
        const auto synchronous = integer_of(database, "PRAGMA synchronous");
        if (result != SQLITE_OK || synchronous != k_synchronous_full) {
            return fail(result != SQLITE_OK ? result : SQLITE_ERROR, JournalError::not_durable);
        }
    }
    if (is_new) {
        const std::string create = std::string("BEGIN IMMEDIATE;") + k_create_schema +
                                   "PRAGMA application_id=" + std::to_string(k_application_id) +
                                   ";PRAGMA user_version=" + std::to_string(k_format_version) +
                                   ";COMMIT;";
        result = sqlite3_exec(database, create.c_str(), nullptr, nullptr, nullptr);
        if (result != SQLITE_OK) {
            auto problem = failure(database, result, JournalError::write_failed, file);
            sqlite3_exec(database, "ROLLBACK", nullptr, nullptr, nullptr);
            sqlite3_close_v2(database);
            return std::unexpected(std::move(problem));
        }
    }
    // The table must have the columns this code reads and writes.
    if (Statement probe(database, k_select_all); !probe.ready()) {
        return fail(probe.result(), JournalError::not_a_journal);
    }
    return database;
}

// A query that could not be run or read to its end.
std::unexpected<Failure> read_failure(sqlite3* database, int result) {
    return std::unexpected(
        base::error(code_of(result, JournalError::read_failed), sqlite3_errmsg(database)));
}

// Runs a query of whole records.
std::expected<std::vector<JournalRecord>, Failure> select_records(
    sqlite3* database, const std::string& sql, std::optional<std::string_view> parameter = {}) {
    Statement statement(database, sql);
    const auto fail = [database](int result) { return read_failure(database, result); };
    if (!statement.ready()) {
        return fail(statement.result());
    }
    if (parameter) {
        statement.bind(1, *parameter);
    }
    std::vector<JournalRecord> records;
    while (statement.step() == SQLITE_ROW) {
        auto record = record_of(statement);
        if (!record) {
            return std::unexpected(base::error(JournalError::read_failed, record.error()));
        }
        records.push_back(std::move(*record));
    }
    if (statement.result() != SQLITE_DONE) {
        return fail(statement.result());
    }
    return records;
}

}  // namespace

std::string_view to_string(JournalError error) {
    switch (error) {
        case JournalError::open_failed:
            return "the journal could not be opened";
        case JournalError::not_a_journal:
            return "the file is not a journal";
        case JournalError::other_version:
            return "the journal is of another format version";
        case JournalError::not_durable:
            return "the journal cannot be written durably (WAL, synchronous=FULL)";
        case JournalError::locked:
            return "the journal is locked by another connection";
        case JournalError::chain_broken:
            return "the journal's hash chain is broken";
        case JournalError::invalid_record:
            return "the record is not valid";
        case JournalError::personal_data:
            return "the record looks like it holds personal data";
        case JournalError::write_failed:
            return "the record could not be written";
        case JournalError::read_failed:
            return "the journal could not be read";
    }
    return "unknown journal error";
}

std::optional<JournalHash> chained_hash(const JournalRecord& record) {
    base::Bytes input(record.previous_hash.begin(), record.previous_hash.end());
    put_integer(input, record.sequence);
    put_integer(input, record.at_unix_ms);
    const JournalEntry& entry = record.entry;
    put_text(input, entry.event);
    put_text(input, entry.detail);
    put_text(input, entry.transaction);
    put_text(input, entry.step);
    put_integer(input, entry.amount_minor_units);
    put_integer(input, entry.fee_minor_units);
    put_text(input, entry.currency);
    put_integer(input, static_cast<std::int64_t>(entry.notes.size()));
    for (const int count : entry.notes) {
        put_integer(input, count);
    }
    JournalHash hash{};
    unsigned int length = 0;
    if (EVP_Digest(input.data(), input.size(), hash.data(), &length, EVP_sha256(), nullptr) != 1 ||
        length != k_hash_length) {
        return std::nullopt;
    }
    return hash;
}

Journal::Journal(sqlite3* database, JournalTail tail) : m_database(database), m_tail(tail) {}

Journal::~Journal() {
    sqlite3_close_v2(m_database);
}

std::expected<std::unique_ptr<Journal>, base::Error<JournalError>> Journal::open(
    const std::filesystem::path& file) {
    auto opened = open_journal(file, true);
    if (!opened) {
        return std::unexpected(std::move(opened.error()));
    }
    // Owned from here, so that every return below closes it.
    std::unique_ptr<Journal> journal(new Journal(*opened, JournalTail{}));
    auto last_two = select_records(journal->m_database, k_select_tail);
    if (!last_two) {
        last_two.error().context = file.string() + ": " + last_two.error().context;
        return std::unexpected(std::move(last_two.error()));
    }
    if (last_two->empty()) {
        return journal;
    }
    const JournalRecord& last = last_two->front();
    const JournalTail before = last_two->size() == 2
                                   ? JournalTail{(*last_two)[1].sequence, (*last_two)[1].hash}
                                   : JournalTail{};
    if (const auto problem = chain_problem(last, before.sequence + 1, before.hash)) {
        return std::unexpected(
            base::error(JournalError::chain_broken, file.string() + ": " + *problem));
    }
    journal->m_tail = JournalTail{last.sequence, last.hash};
    return journal;
}

std::expected<std::int64_t, base::Error<JournalError>> Journal::append(const JournalEntry& entry,
                                                                       std::int64_t at_unix_ms) {
    if (auto checked = check_entry(entry); !checked) {
        return std::unexpected(std::move(checked.error()));
    }
    JournalRecord record{m_tail.sequence + 1, at_unix_ms, entry, m_tail.hash, {}};
    const auto hash = chained_hash(record);
    if (!hash) {
        return std::unexpected(base::error(JournalError::write_failed, "SHA-256 failed"));
    }
    Statement insert(m_database, k_insert);
    if (!insert.ready()) {
        return std::unexpected(base::error(code_of(insert.result(), JournalError::write_failed),
                                           sqlite3_errmsg(m_database)));
    }
    insert.bind(1, record.sequence);
    insert.bind(2, record.at_unix_ms);
    insert.bind(3, entry.event);
    insert.bind(4, entry.detail);
    insert.bind(5, entry.transaction);
    insert.bind(6, entry.step);
    insert.bind(7, entry.amount_minor_units);
    insert.bind(8, entry.fee_minor_units);
    insert.bind(9, entry.currency);
    insert.bind(10, notes_text(entry.notes));
    insert.bind(11, record.previous_hash);
    insert.bind(12, *hash);
    // In autocommit mode the step commits, and with synchronous=FULL the commit returns only
    // once the WAL is synced. A record of this sequence already there means another connection
    // appended behind this one's back: failing keeps the chain from forking.
    if (insert.step() != SQLITE_DONE) {
        return std::unexpected(base::error(
            code_of(insert.result(), JournalError::write_failed),
            "record " + std::to_string(record.sequence) + ": " + sqlite3_errmsg(m_database)));
    }
    m_tail = JournalTail{record.sequence, *hash};
    return record.sequence;
}

bool Journal::is_durable() const {
    Statement mode(m_database, "PRAGMA journal_mode");
    return mode.ready() && mode.step() == SQLITE_ROW && mode.text(0) == "wal" &&
           integer_of(m_database, "PRAGMA synchronous") == k_synchronous_full;
}

std::expected<std::vector<JournalRecord>, base::Error<JournalError>> Journal::records() const {
    return select_records(m_database, k_select_all);
}

std::expected<std::vector<JournalRecord>, base::Error<JournalError>> Journal::records_of(
    std::string_view transaction) const {
    return select_records(m_database, k_select_of_transaction, transaction);
}

std::expected<std::vector<JournalRecord>, base::Error<JournalError>> Journal::latest_named(
    std::string_view event) const {
    return select_records(m_database, k_select_latest_named, event);
}

std::expected<std::vector<EventCount>, base::Error<JournalError>> Journal::count_events(
    std::string_view by_detail, std::int64_t since_unix_ms) const {
    Statement statement(m_database, k_count_events);
    if (!statement.ready()) {
        return read_failure(m_database, statement.result());
    }
    statement.bind(1, by_detail);
    statement.bind(2, since_unix_ms);
    std::vector<EventCount> counts;
    while (statement.step() == SQLITE_ROW) {
        counts.push_back(EventCount{statement.text(0), statement.text(1), statement.integer(2),
                                    statement.integer(3)});
    }
    if (statement.result() != SQLITE_DONE) {
        return read_failure(m_database, statement.result());
    }
    return counts;
}

std::expected<std::vector<JournalRecord>, base::Error<JournalError>>
Journal::last_records_by_transaction() const {
    return select_records(m_database, k_select_last_of_each_transaction);
}

VerificationReport verify_journal(const std::filesystem::path& file) {
    VerificationReport report;
    auto opened = open_journal(file, false);
    if (!opened) {
        report.error = std::move(opened.error());
        return report;
    }
    sqlite3* database = *opened;
    {
        Statement statement(database, k_select_all);
        JournalTail tail;
        while (statement.step() == SQLITE_ROW) {
            // Every row is counted, also after the first bad one, so that the count can be
            // compared with the kiosk's own.
            ++report.records;
            if (report.error) {
                continue;
            }
            const auto record = record_of(statement);
            const std::int64_t expected = tail.sequence + 1;
            const auto problem =
                record ? chain_problem(*record, expected, tail.hash) : record.error();
            if (problem) {
                report.first_bad_sequence = expected;
                report.error = base::error(JournalError::chain_broken, *problem);
                continue;
            }
            tail = JournalTail{record->sequence, record->hash};
        }
        if (statement.result() != SQLITE_DONE && !report.error) {
            report.error = failure(database, statement.result(), JournalError::read_failed, file);
        }
        if (!report.error) {
            report.tail = tail;
        }
    }
    sqlite3_close_v2(database);
    return report;
}

}  // namespace kiosk::store
