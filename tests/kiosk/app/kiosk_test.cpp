// The shell run whole, headless (SDL's dummy drivers, the real catalogs, no devices and no
// services): what it journals of the notices to staff, from the core and of its own.

#include <SDL2/SDL.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kiosk/app/config.h"
#include "kiosk/app/journal_entry.h"
#include "kiosk/app/kiosk.h"
#include "kiosk/app/transcript.h"
#include "kiosk/resources/load_resources.h"
#include "tests/kiosk/store/journal_test_support.h"

namespace {

namespace app = kiosk::app;
namespace core = kiosk::core;
namespace store = kiosk::store;
using Json = nlohmann::json;

constexpr std::int64_t k_kiosk_test_journal_time = 1'764'720'000'000;

// Starts the kiosk with `journal_file` as its electronic journal, lets its event loop go round
// once (it takes what start-up put in the queue, then the quit request) and returns the
// transcript's journal records.
std::vector<Json> journal_of_one_turn(const std::filesystem::path& folder,
                                      const std::filesystem::path& journal_file) {
    app::Config config;
    config.fullscreen = false;
    config.journal_file = journal_file;
    config.outbox_file = folder / "outbox.sqlite";
    const std::filesystem::path transcript_file = folder / "transcript.jsonl";
    {
        auto resources = kiosk::resources::load_resources(KIOSK_SOURCE_DIR "/locales");
        REQUIRE(resources.has_value());
        const auto start = app::Kiosk::Clock::now();
        auto transcript = app::Transcript::open(transcript_file, start);
        REQUIRE(transcript.has_value());
        REQUIRE(SDL_Init(SDL_INIT_EVENTS) == 0);
        auto kiosk =
            app::Kiosk::create(config, std::move(*resources), std::move(*transcript), start);
        REQUIRE(kiosk.has_value());
        SDL_Event quit{};
        quit.type = SDL_QUIT;
        REQUIRE(SDL_PushEvent(&quit) == 1);
        CHECK((*kiosk)->run() == 0);
        kiosk->reset();
        SDL_Quit();
    }
    std::vector<Json> journal;
    std::ifstream file(transcript_file);
    for (std::string line; std::getline(file, line);) {
        Json record = Json::parse(line);
        if (record.value("kind", "") == "journal") {
            journal.push_back(std::move(record));
        }
    }
    return journal;
}

// The journal records of notices to staff whose detail starts with `reason`, whichever part of
// the kiosk wrote them.
std::vector<Json> staff_notices(const std::vector<Json>& journal, const std::string& reason) {
    std::vector<Json> notices;
    for (const Json& record : journal) {
        const std::string event = record.value("event", "");
        if ((event == "staff_notified" || event == "staff notified") &&
            record.value("detail", "").starts_with(reason)) {
            notices.push_back(record);
        }
    }
    return notices;
}

// No notice is journaled both by the core (`staff_notified`) and by the shell (`staff notified`).
void check_no_notice_twice(const std::vector<Json>& journal) {
    std::set<std::string> from_core;
    for (const Json& record : journal) {
        if (record.value("event", "") == "staff_notified") {
            from_core.insert(record.value("detail", ""));
        }
    }
    for (const Json& record : journal) {
        if (record.value("event", "") == "staff notified") {
            CHECK_FALSE(from_core.contains(record.value("detail", "")));
        }
    }
}

}  // namespace

TEST_CASE("A notice to staff from the core is journaled once, with its reason") {
    store::testing::TemporaryFolder folder;
    // A journal in a folder that does not exist cannot be opened: the core hears JournalFailed
    // and tells staff.
    const std::vector<Json> journal =
        journal_of_one_turn(folder.path(), folder.path() / "missing" / "journal.sqlite");

    const std::vector<Json> notices =
        staff_notices(journal, "electronic journal cannot be written: ");
    REQUIRE(notices.size() == 1);
    CHECK(notices[0]["event"] == "staff_notified");
    check_no_notice_twice(journal);
}

TEST_CASE("A notice to staff that only the shell knows of is journaled once, with its reason") {
    store::testing::TemporaryFolder folder;
    const auto journal_file = folder.path() / "journal.sqlite";
    {
        // A step no kiosk writes: the withdrawal is left for staff to settle.
        store::JournalEntry unreadable = app::entry_of(
            core::Journal{std::string(core::k_withdrawal_event_prefix) + "teleported", "",
                          core::TransactionRecord{store::testing::transaction_reference(1),
                                                  "teleported",
                                                  core::Money{10'000, "HKD"},
                                                  core::Money{500, "HKD"},
                                                  {}}});
        auto written = store::Journal::open(journal_file);
        REQUIRE(written.has_value());
        REQUIRE((*written)->append(unreadable, k_kiosk_test_journal_time).has_value());
    }
    const std::vector<Json> journal = journal_of_one_turn(folder.path(), journal_file);

    const std::vector<Json> notices = staff_notices(journal, "electronic journal record 1 ");
    REQUIRE(notices.size() == 1);
    CHECK(notices[0]["event"] == "staff notified");
    CHECK_THAT(notices[0].value("detail", ""), Catch::Contains("left for staff to settle"));
    check_no_notice_twice(journal);
}
