// Every program of the project prints its usage and exits 0 on --help and -h, before it opens a
// window, a device or audio; an unknown option gives the usage on stderr and status 2.

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <string>

#include "tests/support/program_run.h"

namespace {

struct Program {
    const char* name;
    const char* path;
};

constexpr Program k_kiosk_sim{"kiosk-sim", KIOSK_SIM_PROGRAM};

constexpr std::array k_programs = {
    Program{"kiosk", KIOSK_PROGRAM},
    k_kiosk_sim,
    Program{"kiosk_ui_bench", KIOSK_UI_BENCH_PROGRAM},
    Program{"kiosk_speech_bench", KIOSK_SPEECH_BENCH_PROGRAM},
    Program{"kiosk_store_bench", KIOSK_STORE_BENCH_PROGRAM},
    Program{"kiosk_card_read_bench", KIOSK_CARD_READ_BENCH_PROGRAM},
    Program{"kiosk-diag", KIOSK_DIAG_PROGRAM},
    Program{"kiosk-load", KIOSK_LOAD_PROGRAM},
    Program{"speech_start_probe", SPEECH_START_PROBE_PROGRAM},
    Program{"bank_contract_probe", BANK_CONTRACT_PROBE_PROGRAM},
    Program{"usb_echo_client", USB_ECHO_CLIENT_PROGRAM},
    Program{"trust_probe", TRUST_PROBE_PROGRAM},
};

// The test needs no display or sound card, even when a program opens a window or audio by
// mistake: such a mistake then shows as wrong output rather than a hang or a window.
constexpr const char* k_headless_environment = "SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy ";

using Run = tests::ProgramRun;

Run run(const std::string& command) {
    return tests::run_command(command);
}

// The program with `argument`, keeping its standard output.
Run standard_output(const Program& program, const std::string& argument) {
    return run(std::string(k_headless_environment) + "'" + program.path + "' " + argument +
               " 2>/dev/null");
}

// The program with `argument`, keeping its standard error.
Run standard_error(const Program& program, const std::string& argument) {
    return run(std::string(k_headless_environment) + "'" + program.path + "' " + argument +
               " 2>&1 >/dev/null");
}

}  // namespace

TEST_CASE("Every program prints its usage to stdout and exits 0 on --help") {
    for (const Program& program : k_programs) {
        INFO(program.name);
        const Run help = standard_output(program, "--help");
        CHECK(help.status == 0);
        CHECK(help.output.starts_with("usage:"));
        CHECK(help.output.find(program.name) != std::string::npos);
    }
}

TEST_CASE("Every program prints the same usage on -h as on --help") {
    for (const Program& program : k_programs) {
        INFO(program.name);
        const Run help = standard_output(program, "-h");
        CHECK(help.status == 0);
        CHECK(help.output == standard_output(program, "--help").output);
    }
}

TEST_CASE("Every program refuses an unknown option with its usage on stderr and status 2") {
    for (const Program& program : k_programs) {
        INFO(program.name);
        const Run refused = standard_error(program, "--no-such-option");
        CHECK(refused.status == 2);
        CHECK(refused.output.find("usage:") != std::string::npos);
        // Nothing was started, so nothing was printed as a result.
        CHECK(standard_output(program, "--no-such-option").output.empty());
    }
}

TEST_CASE("kiosk-sim exits 2 on an unknown option, before it starts the kiosk") {
    const Run refused = standard_error(k_kiosk_sim, "--no-such-option");
    CHECK(refused.status == 2);
    CHECK(refused.output.starts_with("kiosk-sim: unknown option --no-such-option\n"));
}

TEST_CASE("kiosk-sim load prints its own usage on --help and refuses an unknown option with 2") {
    const Run help = standard_output(k_kiosk_sim, "load --help");
    CHECK(help.status == 0);
    CHECK(help.output.starts_with("usage: kiosk-sim load"));
    CHECK(help.output == standard_output(k_kiosk_sim, "load -h").output);
    const Run refused = standard_error(k_kiosk_sim, "load --no-such-option");
    CHECK(refused.status == 2);
    CHECK(refused.output.starts_with("kiosk-sim: unknown option --no-such-option\n"));
    CHECK(refused.output.find("usage: kiosk-sim load") != std::string::npos);
}

TEST_CASE("kiosk-sim's usage names its load subcommand") {
    CHECK(standard_output(k_kiosk_sim, "--help").output.find("kiosk-sim load") !=
          std::string::npos);
}
