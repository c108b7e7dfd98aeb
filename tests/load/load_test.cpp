// kiosk-load and `kiosk-sim load` as a developer runs them: a short load run against the
// simulated bank, the JSON line it prints, the journals it leaves; the programs' refusals; and
// the pieces of kiosk-load that need no service.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "kiosk/core/reconciliation.h"
#include "kiosk/load/load_cards.h"
#include "kiosk/load/load_tally.h"
#include "kiosk/store/journal.h"
#include "tests/support/program_run.h"

namespace {

// Two demo cards of simulator/cards/demo-cards.toml, and a PIN block's shape (its bytes do not
// matter to the parser).
constexpr const char* k_zhang_wei_pan = "6228480402564890018";
constexpr const char* k_alice_pan = "6234560000111122223";
constexpr const char* k_any_pin_block = "0123456789ABCDEF";

using Run = tests::ProgramRun;

// A program with `arguments` (already quoted for the shell), its standard error discarded.
Run run(const std::string& program, const std::string& arguments) {
    return tests::run_command("'" + program + "' " + arguments + " 2>/dev/null");
}

std::string file_bytes(const std::filesystem::path& file) {
    std::ifstream stream(file, std::ios::binary);
    std::ostringstream contents;
    contents << stream.rdbuf();
    return contents.str();
}

std::vector<std::string> demo_pans() {
    // Every card number of the demo library, read from the file itself so that a card added
    // later is looked for too.
    std::vector<std::string> pans;
    std::istringstream lines(file_bytes(KIOSK_SOURCE_DIR "/simulator/cards/demo-cards.toml"));
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("pan = \"")) {
            pans.push_back(line.substr(7, line.find('"', 7) - 7));
        }
    }
    return pans;
}

std::string cards_json(const std::vector<std::string>& pans) {
    nlohmann::json cards = nlohmann::json::array();
    for (const auto& pan : pans) {
        cards.push_back({{"pan", pan}, {"pin_block", k_any_pin_block}});
    }
    return nlohmann::json{{"cards", cards}}.dump();
}

// The steps of a withdrawal the customer took, in the order kiosk/core/reconciliation.h
// gives them.
std::vector<std::string> completed_withdrawal_steps() {
    using kiosk::core::WithdrawalStep;
    std::vector<std::string> steps;
    for (const WithdrawalStep step :
         {WithdrawalStep::authorise_requested, WithdrawalStep::authorised,
          WithdrawalStep::dispense_ordered, WithdrawalStep::dispensed,
          WithdrawalStep::confirm_requested, WithdrawalStep::confirmed,
          WithdrawalStep::present_ordered, WithdrawalStep::presented, WithdrawalStep::completed}) {
        steps.emplace_back(kiosk::core::to_string(step));
    }
    return steps;
}

}  // namespace

TEST_CASE(
    "kiosk-sim load runs four kiosks for three seconds with no error and a balanced cash "
    "ledger") {
    const std::filesystem::path out = KIOSK_BINARY_DIR "/tests/load/short-run";
    std::filesystem::remove_all(out);
    const Run load =
        run(KIOSK_SIM_PROGRAM, "load --kiosks 4 --seconds 3 --json --out '" + out.string() + "'");
    INFO(load.output);
    CHECK(load.status == 0);
    REQUIRE(nlohmann::json::accept(load.output));
    const auto line = nlohmann::json::parse(load.output);
    CHECK(line["kiosks"] == 4);
    CHECK(line["errors"] == 0);
    CHECK(line["ledger_balanced"] == true);
    CHECK(line["journals_valid"] == true);
    CHECK(line["sessions"].get<int>() > 0);
    // A handful of withdrawals at least, so that the ledger compared something.
    CHECK(line["withdrawals"].get<int>() > 0);
    CHECK(line["dispensed_minor_units"] == line["bank_debited_minor_units"]);
    CHECK(line["bank_held_minor_units"] == 0);
    CHECK(line["p50_ms"].get<double>() > 0.0);
    CHECK(line["p99_ms"].get<double>() >= line["p50_ms"].get<double>());

    SECTION(
        "each kiosk's journal holds every step of each withdrawal in order, and no card "
        "number") {
        const auto pans = demo_pans();
        REQUIRE(pans.size() >= 2);
        const auto completed = completed_withdrawal_steps();
        std::int64_t records = 0;
        std::int64_t withdrawals = 0;
        for (int number = 1; number <= 4; ++number) {
            const auto file = out / ("journal-00" + std::to_string(number) + ".sqlite");
            INFO(file);
            const auto report = kiosk::store::verify_journal(file);
            CHECK(report.valid());
            records += report.records;
            for (const char* suffix : {"", "-wal"}) {
                const std::string bytes = file_bytes(file.string() + suffix);
                for (const auto& pan : pans) {
                    CHECK(bytes.find(pan) == std::string::npos);
                }
            }
            auto journal = kiosk::store::Journal::open(file);
            REQUIRE(journal);
            const auto all = (*journal)->records();
            REQUIRE(all);
            std::map<std::string, std::vector<std::string>> steps;
            for (const auto& record : *all) {
                CHECK_FALSE(record.entry.transaction.empty());
                steps[record.entry.transaction].push_back(record.entry.step);
            }
            for (const auto& [transaction, taken] : steps) {
                if (!taken.empty() && taken.back() == "completed") {
                    CHECK(taken == completed);
                    ++withdrawals;
                }
            }
        }
        CHECK(records == line["journal_records"].get<std::int64_t>());
        CHECK(withdrawals == line["withdrawals"].get<std::int64_t>());
    }
}

TEST_CASE("kiosk-sim load refuses a run without kiosks with status 2") {
    CHECK(run(KIOSK_SIM_PROGRAM, "load --kiosks 0 --seconds 3").status == 2);
    CHECK(run(KIOSK_SIM_PROGRAM, "load --seconds 3").status == 2);
    CHECK(run(KIOSK_SIM_PROGRAM, "load --kiosks 4 --seconds 3 --no-such-option").status == 2);
}

TEST_CASE("kiosk-sim load --help prints the load's usage") {
    const Run help = run(KIOSK_SIM_PROGRAM, "load --help");
    CHECK(help.status == 0);
    CHECK(help.output.starts_with("usage: kiosk-sim load"));
}

TEST_CASE("kiosk-load refuses an account URL that is not HTTPS with status 2") {
    const Run refused =
        run(KIOSK_LOAD_PROGRAM,
            "--account-url http://127.0.0.1:1 --ca-file ca.crt --cards cards.json --kiosks 1 "
            "--seconds 1 --out /tmp");
    CHECK(refused.status == 2);
    CHECK(refused.output.empty());
}

TEST_CASE("A cards file with fewer than two cards is refused: a transfer needs a payee") {
    const auto cards = kiosk::load::parse_load_cards(cards_json({k_zhang_wei_pan}));
    REQUIRE_FALSE(cards);
    CHECK(cards.error().code == kiosk::load::LoadCardsError::too_few_cards);
}

TEST_CASE("A cards file is read card by card, and a bad card is named by position, never number") {
    const auto cards = kiosk::load::parse_load_cards(cards_json({k_zhang_wei_pan, k_alice_pan}));
    REQUIRE(cards);
    REQUIRE(cards->size() == 2);
    CHECK((*cards)[1].pan.digits() == k_alice_pan);

    nlohmann::json broken = nlohmann::json::parse(cards_json({k_zhang_wei_pan, k_alice_pan}));
    broken["cards"][1]["pin_block"] = "0123";
    const auto refused = kiosk::load::parse_load_cards(broken.dump());
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == kiosk::load::LoadCardsError::bad_pin_block);
    CHECK(refused.error().context == "card 2");

    broken["cards"][1]["pin_block"] = k_any_pin_block;
    broken["cards"][0]["pan"] = "62284804025648900x8";
    const auto bad_pan = kiosk::load::parse_load_cards(broken.dump());
    REQUIRE_FALSE(bad_pan);
    CHECK(bad_pan.error().code == kiosk::load::LoadCardsError::bad_pan);
    CHECK(base::to_string(bad_pan.error()).find("6228480402") == std::string::npos);
}

TEST_CASE("A percentile is the nearest-rank value, and none of nothing is zero") {
    const std::vector<double> values{5, 1, 4, 2, 3, 10, 9, 8, 7, 6};
    CHECK(kiosk::load::percentile(values, 50) == 5);
    CHECK(kiosk::load::percentile(values, 99) == 10);
    CHECK(kiosk::load::percentile(values, 10) == 1);
    CHECK(kiosk::load::percentile({}, 99) == 0);
    CHECK(kiosk::load::rounded_ms(12.345) == Approx(12.3));
}

TEST_CASE("Tallies merge by adding counts and joining latencies") {
    kiosk::load::LoadTally first;
    first.sessions = 2;
    first.errors = 1;
    first.request_ms = {1, 2};
    first.call_ms["sign_on"] = {1};
    first.error_kinds["sign_on: timeout"] = 1;
    kiosk::load::LoadTally second;
    second.sessions = 3;
    second.request_ms = {3};
    second.call_ms["sign_on"] = {2};
    second.error_kinds["sign_on: timeout"] = 2;
    first.merge(second);
    CHECK(first.sessions == 5);
    CHECK(first.errors == 1);
    CHECK(first.request_ms.size() == 3);
    CHECK(first.call_ms["sign_on"].size() == 2);
    CHECK(first.error_kinds["sign_on: timeout"] == 3);
}
