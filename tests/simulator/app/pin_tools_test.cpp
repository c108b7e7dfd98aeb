// `kiosk-sim pinblock` and `kiosk-sim kcv` as an engineer runs them: the built program, its JSON
// on stdout, its one-line reason on stderr and its exit status. The vectors and their sources are
// those of tests/drivers/iso9564/pin_block_test.cpp, where each is named.

#include <unistd.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/program_run.h"

namespace {

struct Run {
    std::string output;  // standard output
    std::string errors;  // standard error
    int status = -1;     // the exit status, or -1 when the program did not exit normally
};

// kiosk-sim with `arguments` (already quoted for the shell).
Run kiosk_sim(const std::string& arguments) {
    std::array<char, 32> error_file_name{};
    std::snprintf(error_file_name.data(), error_file_name.size(), "/tmp/pin-tools-XXXXXX");
    const int error_file = ::mkstemp(error_file_name.data());
    REQUIRE(error_file >= 0);
    ::close(error_file);
    Run result;
    const tests::ProgramRun run = tests::run_command(
        std::string("ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 '") + KIOSK_SIM_PROGRAM +
        "' " + arguments + " 2>'" + error_file_name.data() + "'");
    result.output = run.output;
    result.status = run.status;
    std::ifstream errors(error_file_name.data());
    std::ostringstream text;
    text << errors.rdbuf();
    result.errors = text.str();
    ::unlink(error_file_name.data());
    return result;
}

// The one JSON object a successful run printed.
nlohmann::json json_of(const std::string& arguments) {
    const Run run = kiosk_sim(arguments);
    INFO(arguments);
    INFO(run.output);
    INFO(run.errors);
    CHECK(run.status == 0);
    CHECK(run.errors.empty());
    REQUIRE(nlohmann::json::accept(run.output));
    auto output = nlohmann::json::parse(run.output);
    REQUIRE(output.is_object());
    return output;
}

// A run that must be refused: exit 2, nothing on stdout, one line on stderr that does not
// repeat the PIN, PAN or key it was given.
void check_refused(const std::string& arguments) {
    const Run run = kiosk_sim(arguments);
    INFO(arguments);
    INFO(run.errors);
    CHECK(run.status == 2);
    CHECK(run.output.empty());
    REQUIRE_FALSE(run.errors.empty());
    CHECK(run.errors.find('\n') == run.errors.size() - 1);
    for (const char* secret : {"9876", "43219876543210987", "0123456789ABCDEF"}) {
        CHECK(run.errors.find(secret) == std::string::npos);
    }
}

constexpr const char* k_tdes_key = "0123456789ABCDEFFEDCBA9876543210";
constexpr const char* k_tdes3_key = "0123456789ABCDEFFEDCBA987654321089ABCDEF01234567";

}  // namespace

TEST_CASE("kiosk-sim pinblock format 0 prints the published clear and enciphered blocks") {
    const auto output = json_of(
        std::string("pinblock --format 0 --pin 1234 --pan 43219876543210987 --key ") + k_tdes_key);
    CHECK(output.at("format") == 0);
    CHECK(output.at("clear") == "0412AC89ABCDEF67");
    CHECK(output.at("encrypted") == "C967C8198151A458");
}

TEST_CASE("kiosk-sim pinblock without a key prints the clear block only") {
    const auto output = json_of("pinblock --format 0 --pin 1234 --pan 43219876543210987");
    CHECK(output.at("clear") == "0412AC89ABCDEF67");
    CHECK_FALSE(output.contains("encrypted"));
}

TEST_CASE("kiosk-sim pinblock format 1 with --fill reproduces IBM's ISO-1 example") {
    const auto output = json_of(
        std::string("pinblock --format 1 --pin 123456 --fill 6ABCFDE1 --key ") + k_tdes_key);
    CHECK(output.at("format") == 1);
    CHECK(output.at("clear") == "161234566ABCFDE1");
    CHECK(output.at("encrypted") == "69890023DD3517CF");
}

TEST_CASE("kiosk-sim pinblock format 1 without --fill draws a new transaction field each time") {
    const auto first = json_of("pinblock --format 1 --pin 123456");
    const auto second = json_of("pinblock --format 1 --pin 123456");
    const std::string clear = first.at("clear");
    CHECK(clear.substr(0, 8) == "16123456");
    CHECK(clear.size() == 16);
    // Eight random nibbles: the same twice by chance once in 4 billion runs.
    CHECK(first.at("clear") != second.at("clear"));
}

TEST_CASE("kiosk-sim pinblock format 3 with --fill reproduces EFTlab's ISO-3 example") {
    const auto output =
        json_of(std::string("pinblock --format 3 --pin 1234 --pan 43219876543210987 "
                            "--fill BFEDBECFDB --key ") +
                k_tdes3_key);
    CHECK(output.at("format") == 3);
    CHECK(output.at("clear") == "3412ACC9B98CDF43");
    CHECK(output.at("encrypted") == "80FDFBE9CB00750C");
}

TEST_CASE("kiosk-sim pinblock format 3 without --fill fills with random values A to F") {
    const auto output = json_of("pinblock --format 3 --pin 1234 --pan 43219876543210987");
    const std::string clear = output.at("clear");
    REQUIRE(clear.size() == 16);
    // The PIN field is the clear block XOR the account field 0000987654321098.
    const std::string account = "0000987654321098";
    std::string field;
    for (std::size_t index = 0; index < clear.size(); ++index) {
        const int value = std::stoi(clear.substr(index, 1), nullptr, 16) ^
                          std::stoi(account.substr(index, 1), nullptr, 16);
        field += "0123456789ABCDEF"[value];
    }
    INFO(field);
    CHECK(field.substr(0, 6) == "341234");
    CHECK(field.substr(6).find_first_not_of("ABCDEF") == std::string::npos);
}

TEST_CASE("kiosk-sim pinblock format 4 with --fill reproduces the X9.24-3 and Wpay examples") {
    const auto x9 = json_of(
        "pinblock --format 4 --pin 1234 --pan 4111111111111111 --fill 2F69ADDE2E9E7ACE "
        "--key AF8CB133A78F8DC2D1359F18527593FB");
    CHECK(x9.at("format") == 4);
    CHECK(x9.at("clear") == "441234AAAAAAAAAA2F69ADDE2E9E7ACE");
    CHECK(x9.at("encrypted") == "A912150391AB65A67E52883D81CE2D15");
    const auto wpay = json_of(
        "pinblock --format 4 --pin 1234 --pan 5237481234567895 --fill FFC853BBF9685D5E --key "
        "62CB437131C129DF001D42676011975150506E2A382145FD9BDEA7EC5A339F63");
    CHECK(wpay.at("encrypted") == "060E768D21D709B5D2A3F9660A704B9D");
}

TEST_CASE("kiosk-sim pinblock format 4 without --fill prints a fresh 16-byte PIN field") {
    const auto first = json_of(
        "pinblock --format 4 --pin 1234 --pan 4111111111111111 --key "
        "00112233445566778899AABBCCDDEEFF");
    const auto second = json_of(
        "pinblock --format 4 --pin 1234 --pan 4111111111111111 --key "
        "00112233445566778899AABBCCDDEEFF");
    const std::string clear = first.at("clear");
    CHECK(clear.size() == 32);
    CHECK(clear.substr(0, 16) == "441234AAAAAAAAAA");
    CHECK(first.at("clear") != second.at("clear"));
    CHECK(first.at("encrypted") != second.at("encrypted"));
}

TEST_CASE("kiosk-sim kcv prints the TDES and AES key check values") {
    const auto tdes = json_of(std::string("kcv --algorithm tdes --key ") + k_tdes_key);
    CHECK(tdes.at("algorithm") == "tdes");
    CHECK(tdes.at("kcv") == "08D7B4");
    CHECK(json_of(std::string("kcv --algorithm tdes --key ") + k_tdes3_key).at("kcv") == "3FD539");
    CHECK(json_of("kcv --algorithm aes --key 00112233445566778899AABBCCDDEEFF").at("kcv") ==
          "53E107B36E");
}

TEST_CASE("kiosk-sim pinblock refuses every unusable argument with exit 2 and one line") {
    const std::string pan = " --pan 43219876543210987";
    const std::string key = std::string(" --key ") + k_tdes_key;
    const std::vector<std::string> refused = {
        "pinblock",                                                           // nothing
        "pinblock --pin 9876" + pan,                                          // no --format
        "pinblock --format 2 --pin 9876" + pan,                               // format 2
        "pinblock --format 0" + pan,                                          // no --pin
        "pinblock --format 0 --pin 987" + pan,                                // PIN of 3 digits
        "pinblock --format 0 --pin 9876543210123" + pan,                      // PIN of 13 digits
        "pinblock --format 0 --pin 98a6" + pan,                               // PIN not digits
        std::string("pinblock --format 0 --pin 9876"),                        // PAN needed
        std::string("pinblock --format 3 --pin 9876"),                        // PAN needed
        std::string("pinblock --format 4 --pin 9876"),                        // PAN needed
        "pinblock --format 1 --pin 9876" + pan,                               // format 1 takes none
        "pinblock --format 0 --pin 9876 --pan 4321987" + key,                 // PAN of 7 digits
        "pinblock --format 0 --pin 9876" + pan + " --key 0123XYZ9",           // bad hex
        "pinblock --format 0 --pin 9876" + pan + " --key 0123456789ABCDEF0",  // odd length
        "pinblock --format 0 --pin 9876" + pan + " --key 0123456789ABCDEF",   // 8-byte key
        "pinblock --format 0 --pin 9876" + pan +
            " --key 0123456789ABCDEF0123456789ABCDEF",  // single DES in disguise
        "pinblock --format 4 --pin 9876" + pan + " --key 0123456789ABCDEF0123",  // 10 bytes
        "pinblock --format 0 --pin 9876" + pan + " --fill FFFFFFFFFF",      // format 0: no fill
        "pinblock --format 1 --pin 9876 --fill 0123456789",                 // 10 digits: right
        "pinblock --format 1 --pin 9876 --fill 012345678",                  // 9 digits for N=4
        "pinblock --format 1 --pin 9876 --fill 01234567G9",                 // not hex
        "pinblock --format 3 --pin 9876" + pan + " --fill ABCDEFABC9",      // 9 is not A..F
        "pinblock --format 3 --pin 9876" + pan + " --fill ABCDEFABCDE",     // 11 digits
        "pinblock --format 4 --pin 9876" + pan + " --fill 2F69ADDE2E9E7A",  // 7 bytes
        "pinblock --format 0 --pin 9876" + pan + " --colour red",           // unknown option
        "pinblock --format 0 --pin 9876 --pin 1234" + pan,                  // given twice
        "pinblock --format 0 --pin",                                        // no value
    };
    for (const std::string& arguments : refused) {
        if (arguments == "pinblock --format 1 --pin 9876 --fill 0123456789") {
            // The control case: the right number of digits is taken, so the others fail only
            // for what they get wrong.
            CHECK(kiosk_sim(arguments).status == 0);
            continue;
        }
        check_refused(arguments);
    }
}

TEST_CASE("kiosk-sim kcv refuses every unusable argument with exit 2 and one line") {
    const std::vector<std::string> refused = {
        std::string("kcv"),
        std::string("kcv --key ") + k_tdes_key,                      // no --algorithm
        std::string("kcv --algorithm des --key ") + k_tdes_key,      // unknown algorithm
        std::string("kcv --algorithm tdes"),                         // no --key
        std::string("kcv --algorithm tdes --key 0123456789ABCDEF"),  // 8 bytes
        std::string("kcv --algorithm aes --key 0123456789ABCDEFFEDCBA98765432"),    // 15 bytes
        std::string("kcv --algorithm aes --key 00112233445566778899AABBCCDDEEFG"),  // not hex
    };
    for (const std::string& arguments : refused) {
        check_refused(arguments);
    }
}

TEST_CASE("kiosk-sim's usage lists pinblock and kcv, and each command explains its options") {
    const Run usage = kiosk_sim("--help");
    CHECK(usage.status == 0);
    CHECK(usage.output.find("kiosk-sim pinblock --format 0|1|3|4 --pin PIN") != std::string::npos);
    CHECK(usage.output.find("kiosk-sim kcv --algorithm tdes|aes --key HEX") != std::string::npos);
    const Run pinblock = kiosk_sim("pinblock --help");
    CHECK(pinblock.status == 0);
    CHECK(pinblock.output.find("--fill HEX") != std::string::npos);
    const Run kcv = kiosk_sim("kcv --help");
    CHECK(kcv.status == 0);
    CHECK(kcv.output.find("AES-CMAC") != std::string::npos);
}
