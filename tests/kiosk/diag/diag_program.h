#pragma once

// Runs the built kiosk-diag as an engineer or a script would: its arguments, optionally text on
// its standard input, and what it printed on standard output with its exit status.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/kiosk/store/journal_test_support.h"
#include "tests/support/program_run.h"

namespace kiosk::diag::testing {

using Run = tests::ProgramRun;

// kiosk-diag with `arguments` (already quoted for the shell), its standard error discarded.
inline Run diag(const std::string& arguments) {
    return tests::run_command(std::string("'") + KIOSK_DIAG_PROGRAM + "' " + arguments +
                              " 2>/dev/null");
}

// kiosk-diag with `arguments` and `input` on its standard input (through a file, so that a
// corpus of thousands of lines goes in one run).
inline Run diag_with_input(const std::string& arguments, const std::string& input) {
    kiosk::store::testing::TemporaryFolder folder;
    const auto file = folder.path() / "input.txt";
    std::ofstream(file, std::ios::binary) << input;
    return diag(arguments + " < '" + file.string() + "'");
}

// The one JSON object a decoding command printed for one HEX argument, which must exit 0.
inline nlohmann::json decoded(const std::string& command, const std::string& hex) {
    const Run run = diag(command + " '" + hex + "'");
    INFO(command << " " << hex << " printed " << run.output);
    REQUIRE(run.status == 0);
    REQUIRE(nlohmann::json::accept(run.output));
    const auto output = nlohmann::json::parse(run.output);
    REQUIRE(output.is_object());
    return output;
}

// The JSON objects of a run with "-", one a line, which must exit 0.
inline std::vector<nlohmann::json> decoded_lines(const std::string& command,
                                                 const std::string& input) {
    const Run run = diag_with_input(command + " -", input);
    REQUIRE(run.status == 0);
    std::vector<nlohmann::json> objects;
    std::istringstream lines(run.output);
    std::string line;
    while (std::getline(lines, line)) {
        INFO(line);
        REQUIRE(nlohmann::json::accept(line));
        objects.push_back(nlohmann::json::parse(line));
    }
    return objects;
}

}  // namespace kiosk::diag::testing
