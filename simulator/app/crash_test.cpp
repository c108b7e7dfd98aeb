#include "simulator/app/crash_test.h"
#include "simulator/app/exit_status.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <system_error>

#include "simulator/app/branch.h"
#include "simulator/app/scenario_run.h"
#include "simulator/script/scenario.h"

namespace simulator::app {

namespace {

using nlohmann::ordered_json;

// What one kill point came to: the scenario's verdicts and the run's cash.
struct KillOutcome {
    const KillPoint* point = nullptr;
    std::filesystem::path directory;
    std::vector<std::string> failures;  // the scenario's, and why the ledger could not be read
    std::optional<script::RunLedger> ledger;
    // The last withdrawal step the killed kiosk journaled: the point's own for a kill by the
    // failpoint or with a request in flight; for the customer's move, whatever it had reached.
    std::string killed_after;

    // The money balances: the account was debited with exactly the cash the customer took, and
    // nothing is left held at the bank for staff to settle.
    bool balanced() const {
        return ledger && ledger->debited == ledger->taken && ledger->held == 0;
    }
    // Money lost or made: a debit without the cash, or cash without the debit.
    bool lost() const { return ledger && ledger->debited != ledger->taken; }
};

std::optional<CrashTestOptions> refuse_crash_test(const std::string& why) {
    std::fprintf(stderr, "kiosk-sim: %s\n%s", why.c_str(), k_crash_test_usage);
    return std::nullopt;
}

const KillPoint* kill_point_named(std::string_view name) {
    for (const KillPoint& point : kill_points()) {
        if (point.name == name) {
            return &point;
        }
    }
    return nullptr;
}

// The last withdrawal step in the killed kiosk's transcript (DIR/transcript.1.jsonl).
std::string last_withdrawal_step(const std::filesystem::path& directory) {
    std::ifstream transcript(directory / "transcript.1.jsonl");
    std::string last;
    for (std::string line; std::getline(transcript, line);) {
        const auto record = nlohmann::json::parse(line, nullptr, false);
        if (record.is_object() && record.value("kind", "") == "journal") {
            const std::string event = record.value("event", "");
            if (event.starts_with("withdrawal_") && event != "withdrawal_started") {
                last = event.substr(std::string_view("withdrawal_").size());
            }
        }
    }
    return last;
}

KillOutcome run_kill_point(const CrashTestOptions& options, const KillPoint& point,
                           std::size_t number) {
    KillOutcome outcome{.point = &point,
                        .directory = options.out / fmt::format("{:02}-{}", number, point.name),
                        .failures = {},
                        .ledger = std::nullopt,
                        .killed_after = {}};
    std::error_code ignored;
    std::filesystem::remove_all(outcome.directory, ignored);
    std::filesystem::create_directories(outcome.directory, ignored);
    const std::string text = crash_scenario(point);
    std::ofstream(outcome.directory / "crash.scenario") << text;
    auto scenario = script::parse_scenario(text);
    if (!scenario) {
        outcome.failures.push_back("the crash scenario does not parse: " +
                                   base::to_string(scenario.error()));
        return outcome;
    }
    auto branch = Branch::open(BranchOptions{.out_directory = outcome.directory,
                                             .kiosk_binary = options.kiosk,
                                             .demo_cards = options.cards,
                                             .demo_branch = options.branch,
                                             .headless = true,
                                             .record_audio = false,
                                             .fresh_database = true,
                                             .extra_kiosk_arguments = {}});
    if (!branch) {
        outcome.failures.push_back(base::to_string(branch.error()));
        return outcome;
    }
    if (auto started = (*branch)->start_kiosk(); !started) {
        outcome.failures.push_back(base::to_string(started.error()));
        return outcome;
    }
    outcome.failures = run_scenario(**branch, *scenario, {}).outcome.failures;
    outcome.killed_after = last_withdrawal_step(outcome.directory);
    if (auto ledger = (*branch)->run_ledger()) {
        outcome.ledger = *ledger;
    } else {
        outcome.failures.push_back("the ledger cannot be read: " + base::to_string(ledger.error()));
    }
    return outcome;
}

ordered_json outcome_json(const KillOutcome& outcome) {
    ordered_json point{{"point", outcome.point->name},
                       {"killed_after", outcome.killed_after},
                       {"balanced", outcome.balanced()},
                       {"scenario_passed", outcome.failures.empty()}};
    if (outcome.ledger) {
        point["debited_minor_units"] = outcome.ledger->debited;
        point["taken_minor_units"] = outcome.ledger->taken;
        point["held_minor_units"] = outcome.ledger->held;
    }
    point["failures"] = outcome.failures;
    point["directory"] = outcome.directory.string();
    return point;
}

}  // namespace

const std::vector<KillPoint>& kill_points() {
    static const std::vector<KillPoint> k_points{
        // Journaled, never sent: the bank has not heard of it.
        {"authorise_requested", "withdrawal_authorise_requested", false, false},
        // Sent, and the bank holds its answer: it carries the authorisation out later, after
        // the new kiosk has asked for it to be undone.
        {"authorise_in_flight", "withdrawal_authorise_requested", false, false, "withdrawal"},
        {"authorised", "withdrawal_authorised", false, false},
        // Journaled, never sent to the dispenser.
        {"dispense_ordered", "withdrawal_dispense_ordered", false, false},
        // The notes are in the dispenser's stacker.
        {"dispensed", "withdrawal_dispensed", false, false},
        {"confirm_requested", "withdrawal_confirm_requested", false, false},
        {"confirm_in_flight", "withdrawal_confirm_requested", false, false, "withdrawal_confirm"},
        {"confirmed", "withdrawal_confirmed", false, false},
        {"present_ordered", "withdrawal_present_ordered", true, false},
        // The notes wait at the slot and the customer has walked away.
        {"presented", "withdrawal_presented", true, false},
        // The customer's hand is on the notes as the kiosk dies.
        {"cash_taken", "", true, true},
        {"completed", "withdrawal_completed", true, true},
    };
    return k_points;
}

const char* const k_crash_test_usage =
    "usage: kiosk-sim crash-test [--json] [--out DIR] [--point NAME]... [--kiosk PATH]\n"
    "Kills the kiosk (SIGKILL) at each step of a cash withdrawal in turn, starts it again, lets\n"
    "it settle what its journal left unfinished, and holds the simulated bank's ledger against\n"
    "the cash the virtual dispenser let the customer take. A step's kill lands right after its\n"
    "journal record by the kiosk's test failpoint, so the kiosk must be a debug or sanitizer\n"
    "build. Each kill point runs on a branch of its own in DIR/NN-POINT (its scenario in\n"
    "crash.scenario). Exit status: 0 every point balanced, 1 one did not, 2 could not run.\n"

    "  --json         one JSON line on stdout: kill_points, balanced, lost, unsettled,\n"
    "                 scenario_failures, seconds, points\n"
    "  --out DIR      where the runs go (default out/crash-test)\n"
    "  --point NAME   only this kill point (repeatable): authorise_requested,\n"
    "                 authorise_in_flight, authorised, dispense_ordered, dispensed,\n"
    "                 confirm_requested, confirm_in_flight, confirmed, present_ordered,\n"
    "                 presented, cash_taken, completed\n"
    "  --kiosk PATH   the kiosk program (default: the one built with kiosk-sim)\n"
    "  -h, --help     this text\n";

std::optional<CrashTestOptions> parse_crash_test_arguments(int argc, char** argv,
                                                           CrashTestOptions defaults, bool& help) {
    CrashTestOptions options = std::move(defaults);
    for (int index = 2; index < argc; ++index) {
        const std::string_view option = argv[index];
        if (option == "--help" || option == "-h") {
            help = true;
            return options;
        }
        if (option == "--json") {
            options.json = true;
            continue;
        }
        if (index + 1 >= argc) {
            return refuse_crash_test(std::string(option) + " needs a value");
        }
        const std::string value = argv[++index];
        if (option == "--out") {
            options.out = value;
        } else if (option == "--kiosk") {
            options.kiosk = value;
        } else if (option == "--point") {
            if (kill_point_named(value) == nullptr) {
                return refuse_crash_test("no kill point " + value);
            }
            options.points.push_back(value);
        } else {
            return refuse_crash_test("unknown option " + std::string(option));
        }
    }
    return options;
}

std::string crash_scenario(const KillPoint& point) {
    std::string text = fmt::format(
        "# Written by kiosk-sim crash-test: the kiosk is killed at {}.\n"
        "expect screen welcome\n"
        "insert card alice\n"
        "expect screen pin_entry\n"
        "type pin 1111\n"
        "press enter\n"
        "expect screen menu\n"
        "press 5\n"
        "expect screen choose_amount\n"
        "press 1\n"
        "expect screen confirm_withdrawal\n",
        point.name);
    const bool by_failpoint = !point.journal_event.empty() && point.held_call.empty();
    if (by_failpoint) {
        text += fmt::format("arm kill after journal \"{}\"\n", point.journal_event);
    }
    if (!point.held_call.empty()) {
        text += fmt::format("fault account slow for {}\n", point.held_call);
    }
    text += "press enter\n";
    if (point.card_taken) {
        text += "expect screen card_before_cash within 30s\nremove card\n";
    }
    if (point.cash_taken) {
        text += "take cash\n";
    }
    if (by_failpoint) {
        text += "expect kiosk killed within 30s\n";
    } else {
        if (!point.held_call.empty()) {
            text += fmt::format("expect journal \"{}\" within 30s\n", point.journal_event);
        }
        text += "kill kiosk\n";
    }
    if (!point.held_call.empty()) {
        text += "fault account none\n";
    }
    if (!point.card_taken) {
        // The customer takes their card from the dead kiosk's slot.
        text += "remove card\n";
    }
    // Settled, the kiosk opens; only then is the money counted, after the request the bank
    // held has been carried out (20 s after it came).
    text += "expect screen welcome within 90s\n";
    if (!point.held_call.empty()) {
        text += "wait 21s\n";
    }
    text += "expect ledger balanced nothing held\n";
    return text;
}

int run_crash_test(const CrashTestOptions& options) {
    std::vector<const KillPoint*> chosen;
    for (const KillPoint& point : kill_points()) {
        if (options.points.empty() ||
            std::ranges::find(options.points, point.name) != options.points.end()) {
            chosen.push_back(&point);
        }
    }
    std::error_code error;
    std::filesystem::create_directories(options.out, error);
    if (error) {
        std::fprintf(stderr, "kiosk-sim: cannot create %s: %s\n", options.out.c_str(),
                     error.message().c_str());
        return k_exit_unusable;
    }
    const auto began = std::chrono::steady_clock::now();
    std::vector<KillOutcome> outcomes;
    for (std::size_t index = 0; index < chosen.size(); ++index) {
        if (!options.json) {
            std::printf("kiosk-sim: crash-test: killing the kiosk at %s\n",
                        std::string(chosen[index]->name).c_str());
            std::fflush(stdout);
        }
        outcomes.push_back(run_kill_point(options, *chosen[index], index + 1));
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    const auto count = [&outcomes](auto predicate) {
        return static_cast<long>(std::ranges::count_if(outcomes, predicate));
    };
    const long balanced = count([](const KillOutcome& o) { return o.balanced(); });
    const long lost = count([](const KillOutcome& o) { return o.lost(); });
    const long unsettled =
        count([](const KillOutcome& o) { return o.ledger && o.ledger->held != 0; });
    const long failed = count([](const KillOutcome& o) { return !o.failures.empty(); });
    if (options.json) {
        ordered_json points = ordered_json::array();
        for (const KillOutcome& outcome : outcomes) {
            points.push_back(outcome_json(outcome));
        }
        const ordered_json summary{{"kill_points", outcomes.size()},
                                   {"balanced", balanced},
                                   {"lost", lost},
                                   {"unsettled", unsettled},
                                   {"scenario_failures", failed},
                                   {"seconds", std::round(seconds * 10) / 10},
                                   {"points", points}};
        std::printf("%s\n", summary.dump().c_str());
    } else {
        for (const KillOutcome& outcome : outcomes) {
            std::printf("kiosk-sim: %-20s killed after %-20s %s\n",
                        std::string(outcome.point->name).c_str(), outcome.killed_after.c_str(),
                        outcome.balanced() ? "balanced" : "NOT BALANCED");
            for (const std::string& failure : outcome.failures) {
                std::printf("kiosk-sim:   %s\n", failure.c_str());
            }
        }
        std::printf(
            "kiosk-sim: crash-test: %zu kill points, %ld balanced, %ld lost money, %ld left "
            "money held, %ld scenarios failed, in %.0f s\n",
            outcomes.size(), balanced, lost, unsettled, failed, seconds);
    }
    const bool passed = balanced == static_cast<long>(outcomes.size()) && failed == 0;
    return passed ? k_exit_passed : k_exit_failed;
}

}  // namespace simulator::app
