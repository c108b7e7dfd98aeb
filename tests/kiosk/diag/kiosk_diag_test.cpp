// kiosk-diag as an engineer runs it: the built program, its JSON on stdout and its exit status.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "tests/kiosk/diag/diag_program.h"
#include "tests/kiosk/store/journal_test_support.h"

using kiosk::diag::testing::diag;
using kiosk::diag::testing::Run;
using kiosk::store::testing::tamper;
using kiosk::store::testing::TemporaryFolder;
using kiosk::store::testing::write_journal;
using kiosk::store::testing::write_other_programs_database;

namespace {

// The one JSON object `journal verify` printed for `file`.
nlohmann::json verify_output(const std::filesystem::path& file, int expected_status) {
    const Run run = diag("journal verify '" + file.string() + "'");
    INFO(run.output);
    CHECK(run.status == expected_status);
    REQUIRE(nlohmann::json::accept(run.output));
    const auto output = nlohmann::json::parse(run.output);
    REQUIRE(output.is_object());
    return output;
}

}  // namespace

TEST_CASE(
    "kiosk-diag journal verify prints valid, the count and the last hash of a sound journal") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    const auto tail = write_journal(file, 4);
    const auto output = verify_output(file, 0);
    CHECK(output.at("valid") == true);
    CHECK(output.at("records") == 4);
    CHECK(output.at("last_sequence") == 4);
    CHECK(output.at("last_hash") == base::to_hex(tail.hash));
    CHECK_FALSE(output.contains("error"));
    CHECK_FALSE(output.contains("first_bad_sequence"));
}

TEST_CASE("kiosk-diag journal verify prints the first bad sequence of a tampered journal, exit 0") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    write_journal(file, 5);
    tamper(file, "UPDATE journal SET amount_minor_units = 1 WHERE sequence = 2;");
    const auto output = verify_output(file, 0);
    CHECK(output.at("valid") == false);
    CHECK(output.at("records") == 5);
    CHECK(output.at("first_bad_sequence") == 2);
    CHECK(output.at("error").get<std::string>().find("record 2") != std::string::npos);
}

TEST_CASE(
    "kiosk-diag journal verify prints the shorter count of a journal whose tail was removed") {
    TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    write_journal(file, 5);
    tamper(file, "DELETE FROM journal WHERE sequence > 2;");
    const auto output = verify_output(file, 0);
    CHECK(output.at("valid") == true);
    CHECK(output.at("records") == 2);
}

TEST_CASE("kiosk-diag journal verify reports a file that is not a journal, exit 0") {
    TemporaryFolder folder;
    SECTION("another program's database") {
        const auto file = folder.path() / "other.sqlite";
        write_other_programs_database(file);
        const auto output = verify_output(file, 0);
        CHECK(output.at("valid") == false);
        CHECK(output.at("records") == 0);
        CHECK(output.at("error").get<std::string>().find("not a journal") != std::string::npos);
    }
    SECTION("garbage bytes") {
        const auto file = folder.path() / "garbage.bin";
        std::ofstream(file, std::ios::binary) << std::string(4096, '\x7F');
        const auto output = verify_output(file, 0);
        CHECK(output.at("valid") == false);
        CHECK(output.at("records") == 0);
        CHECK(output.contains("error"));
    }
}

TEST_CASE("kiosk-diag journal verify of a missing file prints why and exits 2") {
    TemporaryFolder folder;
    const auto output = verify_output(folder.path() / "missing.sqlite", 2);
    CHECK(output.at("valid") == false);
    CHECK(output.at("records") == 0);
    CHECK(output.contains("error"));
}

TEST_CASE("kiosk-diag prints its usage naming every command on --help and exits 0") {
    for (const char* option : {"--help", "-h", "journal verify --help"}) {
        INFO(option);
        const Run run = diag(option);
        CHECK(run.status == 0);
        CHECK(run.output.starts_with("usage: kiosk-diag"));
        for (const char* usage :
             {"journal verify FILE", "ccid-descriptor HEX|-", "atr HEX|-", "tlv HEX|-"}) {
            CHECK(run.output.find(usage) != std::string::npos);
        }
    }
}

TEST_CASE("kiosk-diag exits 2 with nothing on stdout when its arguments cannot be used") {
    for (const char* arguments : {"",
                                  "journal",
                                  "journal check x",
                                  "verify journal x",
                                  "journal verify",
                                  "journal verify a b",
                                  "--verbose journal verify x",
                                  "atr",
                                  "atr 3B00 3B00",
                                  "tlv",
                                  "ccid-descriptor",
                                  "atr 3B0",
                                  "atr 3G00",
                                  "atr ''",
                                  "atr '  '",
                                  "tlv 5A-01",
                                  "ccid-descriptor 0x36",
                                  "atr --",
                                  "tlv 5A 01 12",
                                  "usb-list all",
                                  "read-card 1"}) {
        INFO(arguments);
        const Run run = diag(arguments);
        CHECK(run.status == 2);
        CHECK(run.output.empty());
    }
}

TEST_CASE("kiosk-diag decodes random bytes into one JSON object each, whatever the decoder") {
    std::mt19937 generator(7816);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<std::size_t> length(1, 70);
    // Bytes that make the inputs look like what each decoder expects, so that they go deep.
    const std::vector<std::pair<std::string, base::Bytes>> k_decoders{
        {"atr", {0x3B, 0x3F}},
        {"tlv", {0x70, 0xBF, 0x81, 0x82, 0x00}},
        {"ccid-descriptor", {0x36, 0x21}}};
    for (const auto& [command, likely] : k_decoders) {
        INFO(command);
        std::string input;
        std::vector<std::size_t> lengths;
        for (int round = 0; round < 1500; ++round) {
            base::Bytes bytes(length(generator));
            for (auto& value : bytes) {
                const int draw = byte(generator);
                value = draw < 64 ? likely[static_cast<std::size_t>(draw) % likely.size()]
                                  : static_cast<std::uint8_t>(draw);
            }
            lengths.push_back(bytes.size());
            input += base::to_hex(bytes) + "\n";
        }
        // kiosk-diag is built with AddressSanitizer: an over-read would end it before its last
        // line.
        const auto outputs = kiosk::diag::testing::decoded_lines(command, input);
        REQUIRE(outputs.size() == lengths.size());
        for (std::size_t index = 0; index < outputs.size(); ++index) {
            const auto& output = outputs[index];
            REQUIRE(output.is_object());
            if (output.contains("valid") && output.at("valid") == false) {
                CHECK_FALSE(output.at("error").get<std::string>().empty());
            }
            if (command == "tlv" && output.at("valid") == false) {
                CHECK(output.at("offset").get<std::size_t>() <= lengths[index]);
            }
        }
    }
}
