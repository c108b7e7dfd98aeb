// kiosk-sim: the hardware simulator. It runs the unchanged kiosk against a virtual card
// reader, PIN pad and receipt printer (through umockdev) and the simulated account and branch
// queue services; with a display a control panel lets a developer play the customer, without
// one a scenario file does (docs/scenarios.md). `kiosk-sim load` runs many simulated kiosks
// (kiosk-load) against the simulated account service instead (simulator/app/load_run.h).

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string_view>

#include "simulator/app/branch.h"
#include "simulator/app/crash_test.h"
#include "simulator/app/exit_status.h"
#include "simulator/app/load_run.h"
#include "simulator/app/pin_tools.h"
#include "simulator/app/scenario_run.h"
#include "simulator/panel/control_panel.h"
#include "simulator/script/runner.h"
#include "simulator/script/scenario.h"

namespace {

using namespace simulator;
using app::k_exit_failed;
using app::k_exit_passed;
using app::k_exit_unusable;

// The kiosk's last log lines shown when a scenario fails.
constexpr std::size_t k_log_lines_on_failure = 20;

struct Arguments {
    // Asked for the usage: nothing else is opened or started.
    bool help = false;
    bool headless = false;
    std::optional<std::filesystem::path> script;
    std::filesystem::path out = "out/sim";
    bool record_audio = false;
    bool keep_database = false;
    bool pin_pad_dukpt = false;
    std::filesystem::path kiosk = KIOSK_BINARY;
    std::filesystem::path cards = KIOSK_SOURCE_DIR "/simulator/cards/demo-cards.toml";
    std::filesystem::path branch = KIOSK_SOURCE_DIR "/simulator/queue/demo-branch.toml";
};

constexpr const char* k_usage =
    "usage: kiosk-sim [--headless --script FILE] [--out DIR] [--record-audio]\n"
    "                 [--keep-database] [--pin-pad-dukpt] [--kiosk PATH] [--cards FILE]\n"
    "       kiosk-sim load --kiosks N --seconds S [--json] [--out DIR] ...\n"
    "       kiosk-sim crash-test [--json] [--out DIR] [--point NAME]...\n"
    "       kiosk-sim pinblock --format 0|1|3|4 --pin PIN [--pan PAN] [--key HEX] [--fill HEX]\n"
    "       kiosk-sim kcv --algorithm tdes|aes --key HEX\n"
    "Runs the kiosk against a simulated card reader, PIN pad and receipt printer (virtual USB\n"
    "devices) and the simulated account and branch queue services. With a display: the kiosk\n"
    "window and a control panel; with --headless: a scenario instead. Progress goes to stdout,\n"
    "failures to stderr, and the run's files to DIR. Exit status: 0 passed, 1 the scenario\n"
    "failed, 2 could not run.\n"
    "  --headless         no display: run --script and check its expectations\n"
    "  --script FILE      a scenario (docs/scenarios.md)\n"
    "  --out DIR          transcript.jsonl, screens/, slips/, kiosk.log, audio/ (default out/sim)\n"
    "  --record-audio     also write the spoken audio as WAV files under DIR/audio\n"
    "  --keep-database    keep DIR/bank.sqlite, queue.sqlite and the kiosk's outbox.sqlite\n"
    "                     from the last run (default: fresh ones)\n"
    "  --pin-pad-dukpt    the PIN pad makes each PIN block under its own AES DUKPT key\n"
    "                     (default: the fixed AES PIN key)\n"
    "  --kiosk PATH       the kiosk program to run (default: the one built with kiosk-sim)\n"
    "  --cards FILE       the card library (default: simulator/cards/demo-cards.toml)\n"
    "  -h, --help         this text\n"
    "load: N simulated kiosks (kiosk-load) against the simulated account service for S seconds,\n"
    "then the bank's cash ledger held against the cash they dispensed; `kiosk-sim load --help`\n"
    "lists its options.\n"
    "crash-test: the kiosk killed at each step of a withdrawal in turn and started again, then\n"
    "the bank's ledger held against the cash taken; `kiosk-sim crash-test --help` lists its\n"
    "options.\n"
    "pinblock, kcv: an ISO 9564 PIN block, clear and enciphered, and a key check value, as\n"
    "JSON; `kiosk-sim pinblock --help` and `kiosk-sim kcv --help` list their options.\n";

std::optional<Arguments> parse_arguments(int argc, char** argv) {
    Arguments arguments;
    for (int index = 1; index < argc; ++index) {
        const std::string option = argv[index];
        const auto value = [&]() -> std::optional<std::string> {
            if (index + 1 >= argc) {
                return std::nullopt;
            }
            return std::string(argv[++index]);
        };
        if (option == "--help" || option == "-h") {
            arguments.help = true;
            return arguments;
        } else if (option == "--headless") {
            arguments.headless = true;
        } else if (option == "--record-audio") {
            arguments.record_audio = true;
        } else if (option == "--keep-database") {
            arguments.keep_database = true;
        } else if (option == "--pin-pad-dukpt") {
            arguments.pin_pad_dukpt = true;
        } else if (option == "--script" || option == "--out" || option == "--kiosk" ||
                   option == "--cards") {
            const auto given = value();
            if (!given) {
                std::fprintf(stderr, "kiosk-sim: %s needs a value\n", option.c_str());
                return std::nullopt;
            }
            if (option == "--script")
                arguments.script = *given;
            if (option == "--out")
                arguments.out = *given;
            if (option == "--kiosk")
                arguments.kiosk = *given;
            if (option == "--cards")
                arguments.cards = *given;
        } else {
            std::fprintf(stderr, "kiosk-sim: unknown option %s\n%s", option.c_str(), k_usage);
            return std::nullopt;
        }
    }
    if (arguments.headless && !arguments.script) {
        std::fprintf(stderr, "kiosk-sim: --headless needs --script FILE\n%s", k_usage);
        return std::nullopt;
    }
    return arguments;
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        return std::nullopt;
    }
    std::ostringstream contents;
    contents << file.rdbuf();
    return contents.str();
}

void print_log_tail(const std::filesystem::path& log) {
    const auto contents = read_file(log);
    if (!contents) {
        return;
    }
    std::vector<std::string> lines;
    std::istringstream stream(*contents);
    for (std::string line; std::getline(stream, line);) {
        lines.push_back(line);
    }
    const std::size_t first =
        lines.size() > k_log_lines_on_failure ? lines.size() - k_log_lines_on_failure : 0;
    std::fprintf(stderr, "kiosk-sim: the end of %s:\n", log.c_str());
    for (std::size_t index = first; index < lines.size(); ++index) {
        std::fprintf(stderr, "  | %s\n", lines[index].c_str());
    }
}

int run_headless(app::Branch& branch, const script::Scenario& scenario) {
    const app::ScenarioRun run = app::run_scenario(branch, scenario, [](const std::string& step) {
        std::printf("kiosk-sim: %s\n", step.c_str());
    });
    const script::Outcome& outcome = run.outcome;
    std::printf("kiosk-sim: transcript %s (%zu records), screenshots %s\n",
                branch.transcript_path().c_str(), run.transcript_records,
                (branch.transcript_path().parent_path() / "screens").c_str());
    if (outcome.passed()) {
        std::printf("kiosk-sim: scenario passed\n");
        return k_exit_passed;
    }
    for (const auto& failure : outcome.failures) {
        std::fprintf(stderr, "kiosk-sim: FAILED %s\n", failure.c_str());
    }
    print_log_tail(branch.kiosk_log_path());
    return k_exit_failed;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == "pinblock") {
        return app::run_pinblock(argc, argv);
    }
    if (argc > 1 && std::string_view(argv[1]) == "kcv") {
        return app::run_kcv(argc, argv);
    }
    if (argc > 1 && std::string_view(argv[1]) == "load") {
        bool help = false;
        const auto load = app::parse_load_arguments(
            argc, argv,
            app::LoadOptions{.kiosk_load = KIOSK_LOAD_BINARY,
                             .cards = KIOSK_SOURCE_DIR "/simulator/cards/demo-cards.toml"},
            help);
        if (help) {
            std::fputs(app::k_load_usage, stdout);
            return k_exit_passed;
        }
        return load ? app::run_load(*load) : k_exit_unusable;
    }
    if (argc > 1 && std::string_view(argv[1]) == "crash-test") {
        bool help = false;
        const auto crash_test = app::parse_crash_test_arguments(
            argc, argv,
            app::CrashTestOptions{.out = "out/crash-test",
                                  .kiosk = KIOSK_BINARY,
                                  .cards = KIOSK_SOURCE_DIR "/simulator/cards/demo-cards.toml",
                                  .branch = KIOSK_SOURCE_DIR "/simulator/queue/demo-branch.toml",
                                  .json = false,
                                  .points = {}},
            help);
        if (help) {
            std::fputs(app::k_crash_test_usage, stdout);
            return k_exit_passed;
        }
        return crash_test ? app::run_crash_test(*crash_test) : k_exit_unusable;
    }
    const auto arguments = parse_arguments(argc, argv);
    if (!arguments) {
        return k_exit_unusable;
    }
    if (arguments->help) {
        std::fputs(k_usage, stdout);
        return k_exit_passed;
    }
    std::optional<script::Scenario> scenario;
    if (arguments->script) {
        const auto text = read_file(*arguments->script);
        if (!text) {
            std::fprintf(stderr, "kiosk-sim: cannot read %s\n", arguments->script->c_str());
            return k_exit_unusable;
        }
        auto parsed = script::parse_scenario(*text);
        if (!parsed) {
            std::fprintf(stderr, "kiosk-sim: %s: %s\n", arguments->script->c_str(),
                         base::to_string(parsed.error()).c_str());
            return k_exit_unusable;
        }
        scenario = std::move(*parsed);
    }
    auto branch = app::Branch::open(app::BranchOptions{.out_directory = arguments->out,
                                                       .kiosk_binary = arguments->kiosk,
                                                       .demo_cards = arguments->cards,
                                                       .demo_branch = arguments->branch,
                                                       .headless = arguments->headless,
                                                       .record_audio = arguments->record_audio,
                                                       .fresh_database = !arguments->keep_database,
                                                       .pin_pad_dukpt = arguments->pin_pad_dukpt,
                                                       .extra_kiosk_arguments = {}});
    if (!branch) {
        std::fprintf(stderr, "kiosk-sim: %s\n", base::to_string(branch.error()).c_str());
        return k_exit_unusable;
    }
    if (auto started = (*branch)->start_kiosk(); !started) {
        std::fprintf(stderr, "kiosk-sim: %s\n", base::to_string(started.error()).c_str());
        return k_exit_unusable;
    }
    if (arguments->headless) {
        return run_headless(**branch, *scenario);
    }
    panel::PanelOptions panel_options;
    panel_options.card_names = (*branch)->card_names();
    const auto panel_run = panel::run_control_panel(panel_options, **branch);
    (*branch)->stop_kiosk();
    if (!panel_run) {
        std::fprintf(stderr, "kiosk-sim: %s\n", base::to_string(panel_run.error()).c_str());
        return k_exit_unusable;
    }
    return k_exit_passed;
}
