// The queue client's outbox on its own: what it keeps, across a reopening, in which order, how
// it is written to disk, and what it does with a file it cannot use.

#include <sqlite3.h>
#include <sys/stat.h>
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <fstream>

#include "kiosk/net/outbox.h"
#include "tests/kiosk/net/test_certificates.h"

using kiosk::net::Outbox;
using kiosk::net::OutboxEntry;
using kiosk::net::OutboxKind;
using kiosk::net::OutboxRepair;
using kiosk::net::testing::TemporaryFolder;

namespace {

OutboxEntry entry(std::string key, OutboxKind kind = OutboxKind::survey) {
    // Whole milliseconds: the outbox stores the time to the millisecond.
    const auto now =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    return OutboxEntry{std::move(key), kind, "/v1/survey-answers", R"({"rating":"neutral"})", now};
}

std::vector<std::filesystem::path> set_aside_files(const std::filesystem::path& folder) {
    std::vector<std::filesystem::path> found;
    for (const auto& item : std::filesystem::directory_iterator(folder)) {
        if (item.path().filename().string().find(".unusable-") != std::string::npos) {
            found.push_back(item.path());
        }
    }
    return found;
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

}  // namespace

TEST_CASE("The outbox keeps requests across a reopening in the order they came") {
    TemporaryFolder folder;
    const auto file = folder.path() / "outbox.sqlite";
    const auto first = entry("11111111-1111-4111-8111-111111111111", OutboxKind::complaint);
    const auto second = entry("22222222-2222-4222-8222-222222222222", OutboxKind::ticket);
    {
        std::optional<OutboxRepair> repair;
        auto outbox = Outbox::open(file, repair);
        CHECK_FALSE(repair.has_value());
        REQUIRE(outbox.add(first).has_value());
        REQUIRE(outbox.add(second).has_value());
    }
    std::optional<OutboxRepair> repair;
    auto outbox = Outbox::open(file, repair);
    CHECK_FALSE(repair.has_value());
    const auto contents = outbox.contents();
    REQUIRE(contents.has_value());
    REQUIRE(contents->entries.size() == 2);
    CHECK(contents->entries[0] == first);
    CHECK(contents->entries[1] == second);
}

TEST_CASE("A removed request is gone and removing it again is no error") {
    TemporaryFolder folder;
    std::optional<OutboxRepair> repair;
    auto outbox = Outbox::open(folder.path() / "outbox.sqlite", repair);
    REQUIRE(outbox.add(entry("11111111-1111-4111-8111-111111111111")).has_value());
    CHECK(outbox.remove("11111111-1111-4111-8111-111111111111").has_value());
    CHECK(outbox.remove("11111111-1111-4111-8111-111111111111").has_value());
    CHECK(outbox.contents()->entries.empty());
}

TEST_CASE("A key is stored once: a second request with the same key is refused") {
    TemporaryFolder folder;
    std::optional<OutboxRepair> repair;
    auto outbox = Outbox::open(folder.path() / "outbox.sqlite", repair);
    REQUIRE(outbox.add(entry("11111111-1111-4111-8111-111111111111")).has_value());
    const auto again = outbox.add(entry("11111111-1111-4111-8111-111111111111"));
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().code == kiosk::net::OutboxError::write_failed);
}

TEST_CASE("The outbox file is in WAL mode and written with synchronous FULL") {
    TemporaryFolder folder;
    const auto file = folder.path() / "outbox.sqlite";
    std::optional<OutboxRepair> repair;
    auto outbox = Outbox::open(file, repair);
    CHECK(outbox.is_durable());
    REQUIRE(outbox.add(entry("11111111-1111-4111-8111-111111111111")).has_value());
    CHECK(pragma_of(file, "PRAGMA journal_mode") == "wal");
    CHECK(std::filesystem::exists(file.string() + "-wal"));
}

TEST_CASE("A file that is not a database is set aside with the time and a new outbox made") {
    TemporaryFolder folder;
    const auto file = folder.path() / "outbox.sqlite";
    std::ofstream(file) << std::string(4096, 'z');
    std::optional<OutboxRepair> repair;
    auto outbox = Outbox::open(file, repair);
    REQUIRE(repair.has_value());
    CHECK(repair->problem.find("not a database") != std::string::npos);
    REQUIRE(repair->set_aside_as.has_value());
    CHECK_FALSE(repair->in_memory);
    CHECK(outbox.is_durable());
    const auto aside = set_aside_files(folder.path());
    REQUIRE(aside.size() == 1);
    CHECK(aside[0] == *repair->set_aside_as);
    // outbox.sqlite.unusable-YYYYMMDDTHHMMSSZ
    const std::string name = aside[0].filename().string();
    CHECK(name.size() == std::string("outbox.sqlite.unusable-20261202T101500Z").size());
    CHECK(name.ends_with("Z"));
    REQUIRE(outbox.add(entry("11111111-1111-4111-8111-111111111111")).has_value());
    CHECK(outbox.contents()->entries.size() == 1);
}

TEST_CASE("A database of another shape is set aside rather than misread") {
    TemporaryFolder folder;
    const auto file = folder.path() / "outbox.sqlite";
    {
        sqlite3* database = nullptr;
        REQUIRE(sqlite3_open(file.c_str(), &database) == SQLITE_OK);
        REQUIRE(sqlite3_exec(database, "CREATE TABLE accounts (pan TEXT)", nullptr, nullptr,
                             nullptr) == SQLITE_OK);
        sqlite3_close(database);
    }
    std::optional<OutboxRepair> repair;
    auto outbox = Outbox::open(file, repair);
    REQUIRE(repair.has_value());
    CHECK(repair->set_aside_as.has_value());
    CHECK(outbox.contents()->entries.empty());
}

TEST_CASE("A damaged page inside the outbox is found and the file set aside") {
    TemporaryFolder folder;
    const auto file = folder.path() / "outbox.sqlite";
    {
        std::optional<OutboxRepair> repair;
        auto outbox = Outbox::open(file, repair);
        for (int index = 0; index < 50; ++index) {
            std::array<char, 40> key{};
            std::snprintf(key.data(), key.size(), "11111111-1111-4111-8111-%012d", index);
            REQUIRE(outbox.add(entry(key.data())).has_value());
        }
    }
    // The WAL is merged into the file when the last connection closes. The second page (of
    // 4096 bytes, SQLite's default) holds the table's rows: overwrite it with noise.
    constexpr std::streamoff k_page_size = 4096;
    REQUIRE(std::filesystem::file_size(file) >= 3 * k_page_size);
    {
        std::fstream stream(file, std::ios::in | std::ios::out | std::ios::binary);
        stream.seekp(k_page_size);
        const std::string noise(static_cast<std::size_t>(k_page_size), '\xa5');
        stream.write(noise.data(), k_page_size);
    }
    std::optional<OutboxRepair> repair;
    auto outbox = Outbox::open(file, repair);
    REQUIRE(repair.has_value());
    CHECK(repair->set_aside_as.has_value());
    CHECK(outbox.contents()->entries.empty());
}

TEST_CASE("An outbox path that is a folder is set aside too") {
    TemporaryFolder folder;
    const auto file = folder.path() / "outbox.sqlite";
    std::filesystem::create_directories(file / "inside");
    std::optional<OutboxRepair> repair;
    auto outbox = Outbox::open(file, repair);
    REQUIRE(repair.has_value());
    CHECK(repair->set_aside_as.has_value());
    CHECK(std::filesystem::is_directory(*repair->set_aside_as));
    CHECK(std::filesystem::is_regular_file(file));
    CHECK(outbox.add(entry("11111111-1111-4111-8111-111111111111")).has_value());
}

TEST_CASE("Where no file can be made the outbox lives in memory and still works") {
    TemporaryFolder folder;
    // A path under a regular file: neither it nor its folder can ever be made.
    const auto blocker = folder.path() / "blocker";
    std::ofstream(blocker) << "a file, not a folder";
    std::optional<OutboxRepair> repair;
    auto outbox = Outbox::open(blocker / "outbox.sqlite", repair);
    REQUIRE(repair.has_value());
    CHECK(repair->in_memory);
    CHECK_FALSE(outbox.is_durable());
    REQUIRE(outbox.add(entry("11111111-1111-4111-8111-111111111111")).has_value());
    CHECK(outbox.contents()->entries.size() == 1);
}

TEST_CASE("A row of an unknown kind is removed and counted") {
    TemporaryFolder folder;
    const auto file = folder.path() / "outbox.sqlite";
    {
        std::optional<OutboxRepair> repair;
        auto outbox = Outbox::open(file, repair);
        REQUIRE(outbox.add(entry("11111111-1111-4111-8111-111111111111")).has_value());
    }
    {
        sqlite3* database = nullptr;
        REQUIRE(sqlite3_open(file.c_str(), &database) == SQLITE_OK);
        REQUIRE(sqlite3_exec(database,
                             "INSERT INTO outbox (idempotency_key, kind, path, body, created_at_ms)"
                             " VALUES ('k', 'parcel', '/v1/parcels', '{}', 0)",
                             nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(database);
    }
    std::optional<OutboxRepair> repair;
    auto outbox = Outbox::open(file, repair);
    const auto contents = outbox.contents();
    REQUIRE(contents.has_value());
    CHECK(contents->entries.size() == 1);
    CHECK(contents->unreadable == 1);
    CHECK(outbox.contents()->unreadable == 0);
}
