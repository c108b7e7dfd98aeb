// The electronic journal: what it keeps across a reopening, how it is written to disk, what it
// refuses, and which tampering its chain check finds, at which record.

#include <sqlite3.h>
#include <catch2/catch.hpp>

#include <fstream>

#include "base/bytes.h"
#include "tests/kiosk/store/journal_test_support.h"

using kiosk::store::chained_hash;
using kiosk::store::EventCount;
using kiosk::store::Journal;
using kiosk::store::JournalEntry;
using kiosk::store::JournalError;
using kiosk::store::JournalRecord;
using kiosk::store::k_genesis_hash;
using kiosk::store::k_latest_records;
using kiosk::store::verify_journal;
using kiosk::store::testing::tamper;
using kiosk::store::testing::TemporaryFolder;
using kiosk::store::testing::time_of;
using kiosk::store::testing::transaction_reference;
using kiosk::store::testing::withdrawal_step;
using kiosk::store::testing::write_journal;
using kiosk::store::testing::write_other_programs_database;

namespace {

// The journal's records read back by opening it again.
std::vector<JournalRecord> records_in(const std::filesystem::path& file) {
    auto journal = Journal::open(file);
    REQUIRE(journal.has_value());
    auto records = (*journal)->records();
    REQUIRE(records.has_value());
    return *records;
}

// The value of a PRAGMA read through a connection of its own.
std::string pragma_of(const std::filesystem::path& file, const char* sql) {
    sqlite3* database = nullptr;
    REQUIRE(sqlite3_open_v2(file.c_str(), &database, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    REQUIRE(sqlite3_prepare_v2(database, sql, -1, &statement, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
    std::string value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    sqlite3_close_v2(database);
    return value;
}

// An INSERT of `record` as it would be stored, for a forger.
std::string insert_of(const JournalRecord& record) {
    const JournalEntry& entry = record.entry;
    std::string notes;
    for (const int count : entry.notes) {
        notes += (notes.empty() ? "" : ",") + std::to_string(count);
    }
    return "INSERT INTO journal VALUES (" + std::to_string(record.sequence) + ", " +
           std::to_string(record.at_unix_ms) + ", '" + entry.event + "', '" + entry.detail +
           "', '" + entry.transaction + "', '" + entry.step + "', " +
           std::to_string(entry.amount_minor_units) + ", " + std::to_string(entry.fee_minor_units) +
           ", '" + entry.currency + "', '" + notes + "', X'" + base::to_hex(record.previous_hash) +
           "', X'" + base::to_hex(record.hash) + "');";
}

// Moves records `from` and later one place up, leaving a hole at `from`.
constexpr const char* k_open_hole_at_3 =
    "UPDATE journal SET sequence = sequence + 100 WHERE sequence >= 3;"
    "UPDATE journal SET sequence = sequence - 99 WHERE sequence >= 103;";

void check_first_bad(const std::filesystem::path& file, std::int64_t records,
                     std::int64_t first_bad) {
    const auto report = verify_journal(file);
    INFO((report.error ? base::to_string(*report.error) : "valid"));
    CHECK_FALSE(report.valid());
    REQUIRE(report.error.has_value());
    CHECK(report.error->code == JournalError::chain_broken);
    CHECK(report.records == records);
    CHECK(report.first_bad_sequence == first_bad);
}

}  // namespace

TEST_CASE("Records are numbered from 1 and each carries the hash of the one before it") {
    TemporaryFolder folder;
    write_journal(folder.path() / "journal.sqlite", 3);
    const auto records = records_in(folder.path() / "journal.sqlite");
    REQUIRE(records.size() == 3);
    CHECK(records[0].sequence == 1);
    CHECK(records[0].previous_hash == k_genesis_hash);
    for (std::size_t index = 0; index < records.size(); ++index) {
        INFO(index);
        CHECK(records[index].sequence == static_cast<std::int64_t>(index) + 1);
        CHECK(chained_hash(records[index]) == records[index].hash);
        if (index > 0) {
            CHECK(records[index].previous_hash == records[index - 1].hash);
        }
    }
    CHECK(records[1].hash != records[2].hash);
}

TEST_CASE("A record survives reopening the journal with every field as it was appended") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    write_journal(file, 2);
    const auto records = records_in(file);
    REQUIRE(records.size() == 2);
    CHECK(records[1].entry == withdrawal_step(2));
    CHECK(records[1].at_unix_ms == time_of(2));
}

TEST_CASE("Appending after a reopening continues the chain where it stopped") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    const auto tail = write_journal(file, 2);
    {
        auto journal = Journal::open(file);
        REQUIRE(journal.has_value());
        CHECK((*journal)->tail().sequence == 2);
        CHECK((*journal)->tail().hash == tail.hash);
        const auto appended = (*journal)->append(withdrawal_step(3), time_of(3));
        REQUIRE(appended.has_value());
        CHECK(*appended == 3);
    }
    const auto records = records_in(file);
    REQUIRE(records.size() == 3);
    CHECK(records[2].previous_hash == tail.hash);
    const auto report = verify_journal(file);
    CHECK(report.valid());
    CHECK(report.records == 3);
    CHECK(report.tail.hash == records[2].hash);
}

TEST_CASE("The journal is written in WAL mode with synchronous FULL") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    auto journal = Journal::open(file);
    REQUIRE(journal.has_value());
    REQUIRE((*journal)->append(withdrawal_step(1), time_of(1)).has_value());
    // The journal mode is kept in the file; synchronous belongs to the journal's connection.
    CHECK(pragma_of(file, "PRAGMA journal_mode") == "wal");
    CHECK((*journal)->is_durable());
}

TEST_CASE("A journal can be verified while the kiosk has it open and is appending") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    auto journal = Journal::open(file);
    REQUIRE(journal.has_value());
    REQUIRE((*journal)->append(withdrawal_step(1), time_of(1)).has_value());
    REQUIRE((*journal)->append(withdrawal_step(2), time_of(2)).has_value());
    const auto report = verify_journal(file);
    CHECK(report.valid());
    CHECK(report.records == 2);
    REQUIRE((*journal)->append(withdrawal_step(3), time_of(3)).has_value());
}

TEST_CASE("Verify finds an altered amount at its record") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    write_journal(file, 5);
    tamper(file, "UPDATE journal SET amount_minor_units = 1 WHERE sequence = 3;");
    check_first_bad(file, 5, 3);
}

TEST_CASE("Verify finds an altered detail at its record") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    write_journal(file, 5);
    tamper(file, "UPDATE journal SET detail = 'cassette 1' WHERE sequence = 4;");
    check_first_bad(file, 5, 4);
}

TEST_CASE("Verify finds a byte moved from one field to the next") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    write_journal(file, 3);
    // "step_2" + "cassettes 1 and 2" becomes "step_" + "2cassettes 1 and 2": the same bytes.
    tamper(file,
           "UPDATE journal SET event = 'step_', detail = '2cassettes 1 and 2' WHERE sequence = 2;");
    check_first_bad(file, 3, 2);
}

TEST_CASE("Verify finds a record removed from the middle at its sequence") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    write_journal(file, 5);
    tamper(file, "DELETE FROM journal WHERE sequence = 3;");
    check_first_bad(file, 4, 3);
}

TEST_CASE("Verify finds a record removed from the middle when the later ones are renumbered") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    write_journal(file, 5);
    tamper(file,
           "DELETE FROM journal WHERE sequence = 3;"
           "UPDATE journal SET sequence = sequence - 1 WHERE sequence > 3;");
    check_first_bad(file, 4, 3);
}

TEST_CASE("Removing the last records leaves a valid chain that only its count and tail betray") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    const auto written = write_journal(file, 5);
    tamper(file, "DELETE FROM journal WHERE sequence > 3;");
    const auto report = verify_journal(file);
    // The chain alone cannot tell (kiosk/store/README.md, "The tail"): the count and the last
    // hash must be compared with a copy kept elsewhere.
    CHECK(report.valid());
    CHECK(report.records == 3);
    CHECK(report.tail.sequence == 3);
    CHECK(report.tail.hash != written.hash);
}

TEST_CASE("Verify finds two swapped records at the first of them") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    write_journal(file, 5);
    tamper(file,
           "UPDATE journal SET sequence = -2 WHERE sequence = 2;"
           "UPDATE journal SET sequence = 2 WHERE sequence = 4;"
           "UPDATE journal SET sequence = 4 WHERE sequence = -2;");
    check_first_bad(file, 5, 2);
}

TEST_CASE(
    "Verify finds a forged record whose own hash is right but which chains to the wrong record") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    write_journal(file, 5);
    const auto original = records_in(file);
    JournalRecord forged{3, time_of(3), withdrawal_step(9), original[2].hash, {}};
    forged.hash = *chained_hash(forged);
    tamper(file, k_open_hole_at_3 + insert_of(forged));
    check_first_bad(file, 6, 3);
}

TEST_CASE("A forged record chained to the record before it still breaks the record after it") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    write_journal(file, 5);
    const auto original = records_in(file);
    JournalRecord forged{3, time_of(3), withdrawal_step(9), original[1].hash, {}};
    forged.hash = *chained_hash(forged);
    tamper(file, k_open_hole_at_3 + insert_of(forged));
    check_first_bad(file, 6, 4);
}

TEST_CASE("Opening a journal whose last record was altered fails as a broken chain") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    write_journal(file, 4);
    tamper(file, "UPDATE journal SET fee_minor_units = 0 WHERE sequence = 4;");
    const auto journal = Journal::open(file);
    REQUIRE_FALSE(journal.has_value());
    CHECK(journal.error().code == JournalError::chain_broken);
    CHECK(journal.error().context.find("record 4") != std::string::npos);
}

TEST_CASE("Opening a journal whose last record was forged onto a removed one fails") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    write_journal(file, 4);
    tamper(file, "DELETE FROM journal WHERE sequence = 3;");
    const auto journal = Journal::open(file);
    REQUIRE_FALSE(journal.has_value());
    CHECK(journal.error().code == JournalError::chain_broken);
    CHECK(journal.error().context.find("record 3 is missing") != std::string::npos);
}

TEST_CASE("A second connection appending behind the journal's back cannot fork the chain") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    auto first = Journal::open(file);
    auto second = Journal::open(file);
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    REQUIRE((*first)->append(withdrawal_step(1), time_of(1)).has_value());
    const auto forked = (*second)->append(withdrawal_step(2), time_of(2));
    REQUIRE_FALSE(forked.has_value());
    CHECK(forked.error().code == JournalError::write_failed);
    CHECK(verify_journal(file).records == 1);
}

TEST_CASE("Verify reports another program's database as not a journal") {
    TemporaryFolder folder;
    const auto file = folder.path() / "other.sqlite";
    write_other_programs_database(file);
    const auto report = verify_journal(file);
    CHECK_FALSE(report.valid());
    REQUIRE(report.error.has_value());
    CHECK(report.error->code == JournalError::not_a_journal);
    CHECK(report.records == 0);
    CHECK_FALSE(report.first_bad_sequence.has_value());
}

TEST_CASE("Verify reports a file of garbage bytes as not a journal") {
    TemporaryFolder folder;
    const auto file = folder.path() / "garbage.sqlite";
    std::ofstream(file, std::ios::binary) << std::string(8192, '\x5A');
    const auto report = verify_journal(file);
    CHECK_FALSE(report.valid());
    REQUIRE(report.error.has_value());
    CHECK(report.error->code == JournalError::not_a_journal);
    CHECK(report.records == 0);
}

TEST_CASE("Verify of a missing file reports it cannot be opened and creates nothing") {
    TemporaryFolder folder;
    const auto file = folder.path() / "missing.sqlite";
    const auto report = verify_journal(file);
    REQUIRE(report.error.has_value());
    CHECK(report.error->code == JournalError::open_failed);
    CHECK_FALSE(std::filesystem::exists(file));
}

TEST_CASE("Opening a file of garbage bytes as a journal fails and leaves the file as it was") {
    TemporaryFolder folder;
    const auto file = folder.path() / "garbage.sqlite";
    const std::string garbage(8192, '\x5A');
    std::ofstream(file, std::ios::binary) << garbage;
    const auto journal = Journal::open(file);
    REQUIRE_FALSE(journal.has_value());
    CHECK(journal.error().code == JournalError::not_a_journal);
    std::ifstream read(file, std::ios::binary);
    const std::string contents((std::istreambuf_iterator<char>(read)), {});
    CHECK(contents == garbage);
}

TEST_CASE("Opening another program's database as a journal fails") {
    TemporaryFolder folder;
    const auto file = folder.path() / "other.sqlite";
    write_other_programs_database(file);
    const auto journal = Journal::open(file);
    REQUIRE_FALSE(journal.has_value());
    CHECK(journal.error().code == JournalError::not_a_journal);
}

TEST_CASE("Opening a journal of another format version fails") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    write_journal(file, 1);
    tamper(file, "PRAGMA user_version = 2;");
    const auto journal = Journal::open(file);
    REQUIRE_FALSE(journal.has_value());
    CHECK(journal.error().code == JournalError::other_version);
}

TEST_CASE("Opening a journal in a folder that does not exist fails with the path") {
    TemporaryFolder folder;
    const auto file = folder.path() / "missing" / "journal.sqlite";
    const auto journal = Journal::open(file);
    REQUIRE_FALSE(journal.has_value());
    CHECK(journal.error().code == JournalError::open_failed);
    CHECK(journal.error().context.find(file.string()) != std::string::npos);
}

TEST_CASE("Opening a journal another connection holds exclusively fails as locked") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    write_journal(file, 1);
    sqlite3* holder = nullptr;
    REQUIRE(sqlite3_open_v2(file.c_str(), &holder, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_exec(holder, "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE;", nullptr,
                         nullptr, nullptr) == SQLITE_OK);
    const auto journal = Journal::open(file);
    sqlite3_close_v2(holder);
    REQUIRE_FALSE(journal.has_value());
    CHECK(journal.error().code == JournalError::locked);
}

TEST_CASE("Append refuses a card number in any text field and writes nothing") {
    TemporaryFolder folder;
    auto journal = Journal::open(folder.path() / "journal.sqlite");
    REQUIRE(journal.has_value());
    JournalEntry entry = withdrawal_step(1);
    SECTION("in the detail") {
        entry.detail = "card 4111111111111111 inserted";
    }
    SECTION("in the detail, grouped as printed") {
        entry.detail = "card 4111 1111 1111 1111";
    }
    SECTION("in the detail, grouped with hyphens") {
        entry.detail = "4111-1111-1111";
    }
    SECTION("in the event") {
        entry.event = "card_411111111111";
    }
    SECTION("in the step") {
        entry.step = "411111111111";
    }
    const auto appended = (*journal)->append(entry, time_of(1));
    REQUIRE_FALSE(appended.has_value());
    CHECK(appended.error().code == JournalError::personal_data);
    CHECK(appended.error().context.find("4111") == std::string::npos);
    CHECK((*journal)->tail().sequence == 0);
    CHECK((*journal)->records()->empty());
}

TEST_CASE("Append accepts a detail with fewer than 12 digits in a row") {
    TemporaryFolder folder;
    auto journal = Journal::open(folder.path() / "journal.sqlite");
    REQUIRE(journal.has_value());
    JournalEntry entry = withdrawal_step(1);
    entry.detail = "host reply 12345678901, cassettes 1000 - 2000 - 3000";
    CHECK((*journal)->append(entry, time_of(1)).has_value());
}

TEST_CASE("Append refuses a malformed field and writes nothing") {
    TemporaryFolder folder;
    auto journal = Journal::open(folder.path() / "journal.sqlite");
    REQUIRE(journal.has_value());
    JournalEntry entry = withdrawal_step(1);
    SECTION("no event") {
        entry.event.clear();
    }
    SECTION("a transaction reference in capitals") {
        entry.transaction = "0B6F8E2C-3D4A-4F5B-8C9D-0E1F2A3B4C5D";
    }
    SECTION("a transaction reference too short") {
        entry.transaction = "abc";
    }
    SECTION("a currency that is not three capital letters") {
        entry.currency = "hkd";
    }
    SECTION("a negative note count") {
        entry.notes = {1, -1};
    }
    const auto appended = (*journal)->append(entry, time_of(1));
    REQUIRE_FALSE(appended.has_value());
    CHECK(appended.error().code == JournalError::invalid_record);
    CHECK((*journal)->tail().sequence == 0);
}

TEST_CASE("The records of one transaction are returned in the order they were written") {
    TemporaryFolder folder;
    auto journal = Journal::open(folder.path() / "journal.sqlite");
    REQUIRE(journal.has_value());
    JournalEntry other = withdrawal_step(2);
    other.transaction = transaction_reference(2);
    REQUIRE((*journal)->append(withdrawal_step(1), time_of(1)).has_value());
    REQUIRE((*journal)->append(other, time_of(2)).has_value());
    REQUIRE((*journal)->append(withdrawal_step(3), time_of(3)).has_value());
    const auto records = (*journal)->records_of(transaction_reference(1));
    REQUIRE(records.has_value());
    REQUIRE(records->size() == 2);
    CHECK((*records)[0].sequence == 1);
    CHECK((*records)[1].sequence == 3);
}

TEST_CASE("The last record of each transaction is found, in the order they were written") {
    TemporaryFolder folder;
    auto journal = Journal::open(folder.path() / "journal.sqlite");
    REQUIRE(journal.has_value());
    const auto step_of = [](int transaction, int number) {
        JournalEntry entry = withdrawal_step(number);
        entry.transaction = transaction_reference(transaction);
        return entry;
    };
    JournalEntry no_transaction;
    no_transaction.event = "kiosk_started";
    REQUIRE((*journal)->append(step_of(1, 1), time_of(1)).has_value());
    REQUIRE((*journal)->append(step_of(2, 2), time_of(2)).has_value());
    REQUIRE((*journal)->append(step_of(1, 3), time_of(3)).has_value());
    REQUIRE((*journal)->append(no_transaction, time_of(4)).has_value());
    REQUIRE((*journal)->append(step_of(2, 5), time_of(5)).has_value());
    REQUIRE((*journal)->append(step_of(3, 6), time_of(6)).has_value());
    const auto last = (*journal)->last_records_by_transaction();
    REQUIRE(last.has_value());
    REQUIRE(last->size() == 3);
    CHECK((*last)[0].sequence == 3);
    CHECK((*last)[0].entry.transaction == transaction_reference(1));
    CHECK((*last)[1].sequence == 5);
    CHECK((*last)[2].sequence == 6);
}

TEST_CASE("The latest records of one event come newest first, at most k_latest_records") {
    TemporaryFolder folder;
    auto journal = Journal::open(folder.path() / "journal.sqlite");
    REQUIRE(journal.has_value());
    for (int index = 1; index <= 12; ++index) {
        JournalEntry fault{.event = "staff_notified",
                           .detail = "fault " + std::to_string(index),
                           .transaction = {},
                           .step = {},
                           .amount_minor_units = 0,
                           .fee_minor_units = 0,
                           .currency = {},
                           .notes = {}};
        REQUIRE((*journal)->append(fault, 1'000 + index).has_value());
        JournalEntry other = fault;
        other.event = "signed_in";
        REQUIRE((*journal)->append(other, 2'000 + index).has_value());
    }
    const auto latest = (*journal)->latest_named("staff_notified");
    REQUIRE(latest.has_value());
    REQUIRE(latest->size() == k_latest_records);
    CHECK(latest->front().entry.detail == "fault 12");
    CHECK(latest->back().entry.detail == "fault 5");
    CHECK(latest->front().at_unix_ms == 1'012);
    for (const JournalRecord& record : *latest) {
        CHECK(record.entry.event == "staff_notified");
    }
    const auto none = (*journal)->latest_named("kiosk_started");
    REQUIRE(none.has_value());
    CHECK(none->empty());
}

TEST_CASE("The journal counts each event's records, in all and since a time, one event by detail") {
    TemporaryFolder folder;
    auto journal = Journal::open(folder.path() / "journal.sqlite");
    REQUIRE(journal.has_value());
    const auto append = [&](std::string event, std::string detail, std::int64_t at) {
        JournalEntry entry;
        entry.event = std::move(event);
        entry.detail = std::move(detail);
        REQUIRE((*journal)->append(entry, at).has_value());
    };
    append("signed_in", "1001", 1'000);
    append("signed_in", "1002", 5'000);
    append("signed_in", "1001", 6'000);
    append("staff_notified", "receipt printer paper out", 1'000);
    append("staff_notified", "receipt printer paper out", 7'000);
    append("staff_notified", "cash dispenser jammed", 8'000);
    append("sign_in_refused", "1003 code", 2'000);

    const auto counts = (*journal)->count_events("staff_notified", 5'000);
    REQUIRE(counts.has_value());
    // Other events are counted whatever their detail; the time's own records count as since.
    const std::vector<EventCount> expected{
        {"sign_in_refused", "", 0, 1},
        {"signed_in", "", 2, 3},
        {"staff_notified", "cash dispenser jammed", 1, 1},
        {"staff_notified", "receipt printer paper out", 1, 2},
    };
    CHECK(*counts == expected);
    const auto empty = Journal::open(folder.path() / "empty.sqlite");
    REQUIRE(empty.has_value());
    const auto none = (*empty)->count_events("staff_notified", 0);
    REQUIRE(none.has_value());
    CHECK(none->empty());
}
