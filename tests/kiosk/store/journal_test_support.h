#pragma once

// What the journal's tests and kiosk-diag's tests share: a temporary folder, a journal of a few
// records, and a tamperer's direct access to the file.

#include <sqlite3.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "kiosk/store/journal.h"

namespace kiosk::store::testing {

class TemporaryFolder {
  public:
    TemporaryFolder() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "kiosk-store-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        m_path = pattern;
    }
    ~TemporaryFolder() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    TemporaryFolder(const TemporaryFolder&) = delete;
    TemporaryFolder& operator=(const TemporaryFolder&) = delete;

    const std::filesystem::path& path() const { return m_path; }

  private:
    std::filesystem::path m_path;
};

// The reference of transaction `number`: a UUID in lower case.
inline std::string transaction_reference(int number) {
    std::string reference = "0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c50";
    reference.back() = static_cast<char>('0' + number % 10);
    return reference;
}

// The `number`th step of a withdrawal of transaction 1: every field set, each record different.
inline JournalEntry withdrawal_step(int number) {
    return JournalEntry{.event = "step_" + std::to_string(number),
                        .detail = "cassettes 1 and 2",
                        .transaction = transaction_reference(1),
                        .step = "dispensing",
                        .amount_minor_units = 10'000 * number,
                        .fee_minor_units = 500,
                        .currency = "HKD",
                        .notes = {number, 0, 1, 0}};
}

// The time of record `number` in the tests' journals.
inline std::int64_t time_of(int number) {
    return 1'764'700'000'000 + 1'000 * number;
}

// A closed journal of `count` withdrawal steps in `file`; returns its tail.
inline JournalTail write_journal(const std::filesystem::path& file, int count) {
    auto journal = Journal::open(file);
    REQUIRE(journal.has_value());
    for (int number = 1; number <= count; ++number) {
        REQUIRE((*journal)->append(withdrawal_step(number), time_of(number)).has_value());
    }
    return (*journal)->tail();
}

// Runs `sql` on the file through a connection of its own (creating the file when missing), as
// someone with the file in an sqlite3 shell would, after dropping the triggers that stop
// changes made by mistake.
inline void tamper(const std::filesystem::path& file, const std::string& sql) {
    sqlite3* database = nullptr;
    REQUIRE(sqlite3_open_v2(file.c_str(), &database, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            nullptr) == SQLITE_OK);
    const std::string script =
        "DROP TRIGGER IF EXISTS journal_no_update; DROP TRIGGER IF EXISTS journal_no_delete;" + sql;
    char* message = nullptr;
    const int result = sqlite3_exec(database, script.c_str(), nullptr, nullptr, &message);
    INFO((message != nullptr ? message : ""));
    sqlite3_free(message);
    sqlite3_close_v2(database);
    REQUIRE(result == SQLITE_OK);
}

// An SQLite database of some other program in `file`.
inline void write_other_programs_database(const std::filesystem::path& file) {
    tamper(file, "CREATE TABLE accounts (id INTEGER PRIMARY KEY);");
}

}  // namespace kiosk::store::testing
