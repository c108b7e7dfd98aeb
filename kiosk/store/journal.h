#pragma once

// The electronic journal: every step of every money-moving transaction, written before and
// after each device action, in an SQLite file that is only ever appended to. Each record
// carries the SHA-256 hash of the one before it, so that a record altered, removed, inserted
// or moved shows when the chain is checked (kiosk/store/README.md, "The hash chain").
//
// Durability: the file is in WAL mode with synchronous=FULL, so a record is on the disk when
// `append` returns; the kiosk appends before it moves a device and relies on the record
// surviving a SIGKILL or a power cut (kiosk/store/README.md, "Durability").
//
// Privacy: the journal stores exactly what it is given and keeps it for years. Callers must
// never pass a PIN, a PIN block, a card number (PAN, whole or in part beyond what a receipt
// shows), a name, a balance or any other personal data: a record says what the kiosk did,
// never who it did it for (docs/style.md, "Secrets"). As a last guard, `append` refuses any
// text field holding 12 or more digits in a row (a card number slipping in).
//
// Threading: one thread uses a Journal. `verify_journal` opens the file on its own read-only
// connection and may run in another process while the kiosk appends.

#include <array>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

struct sqlite3;

namespace kiosk::store {

enum class JournalError {
    open_failed,     // the file could not be opened or created (missing, unreadable, read-only)
    not_a_journal,   // not an SQLite database, or a database of another program or shape
    other_version,   // a journal of a format this code does not write
    not_durable,     // WAL or synchronous=FULL could not be set
    locked,          // another connection holds the file and did not let go in time
    chain_broken,    // the stored chain does not hold (found at open or by a check)
    invalid_record,  // a field has a value the journal does not accept
    personal_data,   // a text field looks like it holds a card number
    write_failed,    // the record could not be written
    read_failed,     // the records could not be read
};

std::string_view to_string(JournalError error);

// SHA-256 (FIPS 180-4), the chain's hash.
inline constexpr std::size_t k_hash_length = 32;
using JournalHash = std::array<std::uint8_t, k_hash_length>;

// What the first record chains from: 32 zero bytes (kiosk/store/README.md, "The hash chain").
inline constexpr JournalHash k_genesis_hash{};

// A text field holding this many digits in a row (single spaces or hyphens between digit
// groups do not break the row) is refused: the shortest card number is 12 digits (ISO/IEC
// 7812-1 §4.3), and nothing the kiosk journals is a number that long.
inline constexpr std::size_t k_refused_digit_run = 12;

// How many records latest_named() returns at most.
inline constexpr std::size_t k_latest_records = 8;

// What happened: the fields a caller appends. Every field is part of the record's hash.
struct JournalEntry {
    std::string event;        // what happened, a short name: "dispense_requested"
    std::string detail;       // more about it, never personal data
    std::string transaction;  // the transaction reference, or empty for no transaction
    std::string step;         // the transaction's step, or empty when none
    std::int64_t amount_minor_units = 0;
    std::int64_t fee_minor_units = 0;
    std::string currency;    // ISO 4217 alphabetic code ("HKD"), or empty when no money moves
    std::vector<int> notes;  // notes per cassette, when the step moves notes

    friend bool operator==(const JournalEntry&, const JournalEntry&) = default;
};

// An entry as the journal keeps it: numbered, timed and chained.
struct JournalRecord {
    std::int64_t sequence = 0;  // 1, 2, 3, ... with no gap
    std::int64_t at_unix_ms = 0;
    JournalEntry entry;
    JournalHash previous_hash{};  // the hash of record sequence - 1, or k_genesis_hash
    JournalHash hash{};           // chained_hash(*this)

    friend bool operator==(const JournalRecord&, const JournalRecord&) = default;
};

// The hash a record must carry: SHA-256 over its previous hash and the canonical encoding of
// its sequence, time and entry (kiosk/store/README.md, "The hash chain"). `record.hash` is not
// read. Nothing when OpenSSL cannot compute it (out of memory).
std::optional<JournalHash> chained_hash(const JournalRecord& record);

// The last record written: what a copy kept elsewhere (the kiosk's counter, a report to the
// host) is compared with, since removing records from the end leaves a valid, shorter chain.
struct JournalTail {
    std::int64_t sequence = 0;  // 0 in an empty journal
    JournalHash hash = k_genesis_hash;
};

// How many records of one event the journal holds (Journal::count_events): all of them, and
// those written at or after a time. `detail` is the records' detail for the event counted by
// detail, and empty for every other.
struct EventCount {
    std::string event;
    std::string detail;
    std::int64_t since = 0;
    std::int64_t total = 0;

    friend bool operator==(const EventCount&, const EventCount&) = default;
};

class Journal {
  public:
    // Opens the journal in `file`, creating the file and its schema when the file is missing
    // or empty. Refuses a file that is not a journal, a journal of another format, a file where
    // WAL and synchronous=FULL cannot be set, and a journal whose last record does not hold
    // (its hash or its link to the record before it): a torn or tampered tail is reported at
    // start-up instead of being extended.
    static std::expected<std::unique_ptr<Journal>, base::Error<JournalError>> open(
        const std::filesystem::path& file);

    ~Journal();
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    // Appends `entry` as the next record, timed `at_unix_ms`, and returns its sequence number
    // once it is on the disk. Refuses (invalid_record) an empty event, a transaction reference
    // that is not a UUID in lower case (base/uuid.h), a currency that
    // is not three capital letters, a negative note count; refuses (personal_data) a text field
    // with k_refused_digit_run digits in a row. Nothing is written when it fails.
    std::expected<std::int64_t, base::Error<JournalError>> append(const JournalEntry& entry,
                                                                  std::int64_t at_unix_ms);

    JournalTail tail() const { return m_tail; }

    // Whether this connection writes in WAL mode with synchronous=FULL, read back from SQLite
    // (open refuses a file where they cannot be set; this is what a health check can show).
    bool is_durable() const;

    // Every record, in order.
    std::expected<std::vector<JournalRecord>, base::Error<JournalError>> records() const;
    // The records of one transaction reference, in order.
    std::expected<std::vector<JournalRecord>, base::Error<JournalError>> records_of(
        std::string_view transaction) const;
    // The latest k_latest_records records of one event ("staff_notified"), newest first: the
    // service menu's recent faults.
    std::expected<std::vector<JournalRecord>, base::Error<JournalError>> latest_named(
        std::string_view event) const;
    // The last record of each transaction reference, in the order they were written: what the
    // reconciliation at start-up reads to find the transactions whose last step is not final.
    std::expected<std::vector<JournalRecord>, base::Error<JournalError>>
    last_records_by_transaction() const;
    // How many records of each event the journal holds, and how many of them were written at
    // or after `since_unix_ms`: the service menu's counters. The records of `by_detail`
    // ("staff_notified") are counted by their detail too. Ordered by event, then detail. Reads
    // every record once: 0.7 s for a million records (186 MB) on this machine, measured with
    // the sqlite3 shell (kiosk/store/README.md, "Counting").
    std::expected<std::vector<EventCount>, base::Error<JournalError>> count_events(
        std::string_view by_detail, std::int64_t since_unix_ms) const;

  private:
    Journal(sqlite3* database, JournalTail tail);

    sqlite3* m_database = nullptr;
    JournalTail m_tail;
};

// What a check of a whole journal found.
struct VerificationReport {
    std::int64_t records = 0;  // the rows in the file, whatever their state
    // The first sequence number the chain does not vouch for: an altered record, the first
    // record missing from a gap, a record that does not follow the one before it.
    std::optional<std::int64_t> first_bad_sequence;
    // What was wrong: chain_broken with the record, or why the file is no readable journal.
    std::optional<base::Error<JournalError>> error;
    JournalTail tail;  // the last record's, when valid

    bool valid() const { return !error.has_value(); }
};

// Checks every record of the journal in `file` against the chain, opening it read-only. A file
// that cannot be read as a journal is an invalid report with its error, never a crash.
VerificationReport verify_journal(const std::filesystem::path& file);

}  // namespace kiosk::store
