// kiosk-diag totp as an engineer runs it: RFC 6238 Appendix B's codes through the built
// program, and exit status 2 with the reason on stderr for every argument it cannot use.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/kiosk/diag/diag_program.h"
#include "tests/support/program_run.h"

using kiosk::diag::testing::diag;
using kiosk::diag::testing::Run;

namespace {

// RFC 6238 Appendix B's seeds in hexadecimal: the ASCII of "12345678901234567890" repeated to
// 20 bytes (SHA-1), 32 (SHA-256) and 64 (SHA-512).
std::string rfc6238_seed_hex(std::string_view algorithm) {
    std::size_t length = 20;
    if (algorithm == "sha256") {
        length = 32;
    } else if (algorithm == "sha512") {
        length = 64;
    }
    std::string hex;
    for (std::size_t index = 0; index < length; ++index) {
        hex += "3" + std::to_string((index + 1) % 10);
    }
    return hex;
}

struct TotpRow {
    std::string_view time;
    std::string_view sha1;
    std::string_view sha256;
    std::string_view sha512;
};

// RFC 6238 Appendix B: X = 30, T0 = 0, 8 digits.
constexpr TotpRow k_rfc6238_table[] = {
    {"59", "94287082", "46119246", "90693936"},
    {"1111111109", "07081804", "68084774", "25091201"},
    {"1111111111", "14050471", "67062674", "99943326"},
    {"1234567890", "89005924", "91819424", "93441116"},
    {"2000000000", "69279037", "90698825", "38618901"},
    {"20000000000", "65353130", "77737706", "47863826"},
};

// The code kiosk-diag printed for `arguments`: exit 0 and exactly {"code": "..."}.
std::string printed_code(const std::string& arguments) {
    const Run run = diag("totp " + arguments);
    INFO("totp " << arguments << " printed " << run.output);
    REQUIRE(run.status == 0);
    REQUIRE(nlohmann::json::accept(run.output));
    const auto output = nlohmann::json::parse(run.output);
    REQUIRE(output.is_object());
    REQUIRE(output.size() == 1);
    REQUIRE(output.contains("code"));
    REQUIRE(output.at("code").is_string());
    return output.at("code").get<std::string>();
}

// kiosk-diag's standard error for `arguments`, which must exit 2 with nothing on stdout.
std::string refusal(const std::string& arguments) {
    const Run run = diag("totp " + arguments);
    INFO("totp " << arguments);
    CHECK(run.status == 2);
    CHECK(run.output.empty());
    // The same again with standard error in the pipe and standard output discarded.
    const Run errors = tests::run_command(std::string("'") + KIOSK_DIAG_PROGRAM + "' totp " +
                                          arguments + " 2>&1 >/dev/null");
    CHECK(errors.status == 2);
    return errors.output;
}

const std::string k_sha1_seed = rfc6238_seed_hex("sha1");

// The options of a run that prints SHA-1's code at 59 s, with `option`'s value replaced by
// `value` (already quoted for the shell).
std::string valid_except(std::string_view option, std::string_view value) {
    const std::vector<std::pair<std::string_view, std::string>> options{
        {"--secret-hex", k_sha1_seed},
        {"--time", "59"},
        {"--digits", "8"},
        {"--algorithm", "sha1"}};
    std::string arguments;
    for (const auto& [name, given] : options) {
        arguments += " " + std::string(name) + " ";
        arguments += name == option ? std::string(value) : given;
    }
    return arguments;
}

}  // namespace

TEST_CASE("kiosk-diag totp prints every code of RFC 6238 Appendix B's table, exit 0") {
    for (const TotpRow& row : k_rfc6238_table) {
        for (const auto& [algorithm, expected] :
             {std::pair{"sha1", row.sha1}, std::pair{"sha256", row.sha256},
              std::pair{"sha512", row.sha512}}) {
            INFO(algorithm << " at " << row.time);
            CHECK(printed_code("--secret-hex " + rfc6238_seed_hex(algorithm) + " --time " +
                               std::string(row.time) + " --digits 8 --algorithm " + algorithm) ==
                  expected);
        }
    }
}

TEST_CASE("kiosk-diag totp prints 6 digits, leading zeros kept, with its options in any order") {
    // RFC 6238's 8-digit 07081804 modulo 10^6.
    CHECK(printed_code("--algorithm sha1 --digits 6 --time 1111111109 --secret-hex " +
                       k_sha1_seed) == "081804");
    // The first second of step 1 gives the same code as its last, 59 (X = 30, RFC 6238 §4.1).
    CHECK(printed_code(valid_except("--time", "30")) == "94287082");
    // The time 0 is the first step, T = 0: RFC 4226 Appendix D's first code with the same secret.
    CHECK(printed_code("--secret-hex " + k_sha1_seed + " --time 0 --digits 6 --algorithm sha1") ==
          "755224");
}

TEST_CASE("kiosk-diag totp exits 2, naming the option, when an option is missing") {
    for (const char* option : {"--secret-hex", "--time", "--digits", "--algorithm"}) {
        INFO(option);
        std::string arguments = valid_except(option, "");
        const std::string missing = " " + std::string(option) + " ";
        arguments.erase(arguments.find(missing), missing.size());
        CHECK(refusal(arguments).find(option) != std::string::npos);
    }
    CHECK(refusal("").find("--secret-hex") != std::string::npos);
    // An option without its value.
    CHECK(refusal("--secret-hex " + k_sha1_seed + " --time 59 --digits 8 --algorithm")
              .find("--algorithm") != std::string::npos);
}

TEST_CASE("kiosk-diag totp exits 2 for a secret that is not hexadecimal or holds no byte") {
    for (const char* secret : {"3G", "313", "0x31", "''", "'  '", "31-32"}) {
        INFO(secret);
        CHECK(refusal(valid_except("--secret-hex", secret)).find("--secret-hex") !=
              std::string::npos);
    }
    // A secret longer than the library takes (drivers/otp, k_max_secret_length: 128 bytes).
    CHECK(refusal(valid_except("--secret-hex", std::string(2 * 129, 'A'))).find("--secret-hex") !=
          std::string::npos);
}

TEST_CASE("kiosk-diag totp exits 2 for digits other than 6 or 8") {
    for (const char* digits : {"7", "5", "9", "10", "0", "-6", "06", "six", "''"}) {
        INFO(digits);
        CHECK(refusal(valid_except("--digits", digits)).find("--digits") != std::string::npos);
    }
}

TEST_CASE("kiosk-diag totp exits 2 for an algorithm other than sha1, sha256 or sha512") {
    for (const char* algorithm : {"md5", "SHA1", "sha-1", "sha384", "''"}) {
        INFO(algorithm);
        CHECK(refusal(valid_except("--algorithm", algorithm)).find("--algorithm") !=
              std::string::npos);
    }
}

TEST_CASE("kiosk-diag totp exits 2 for a time that is not a whole number of seconds from 0") {
    for (const char* time : {"-1", "-0", "+59", "59.5", "5e9", "abc", "''", "' 59'", "0x3B",
                             "9223372036854775808", "99999999999999999999"}) {
        INFO(time);
        CHECK(refusal(valid_except("--time", time)).find("--time") != std::string::npos);
    }
    // The largest time a signed 64-bit second count holds still has a code.
    CHECK(printed_code(valid_except("--time", "9223372036854775807")).size() == 8);
}

TEST_CASE("kiosk-diag totp exits 2 for an option given twice or one it does not know") {
    CHECK(refusal(valid_except("--time", "59") + " --time 60").find("--time") != std::string::npos);
    CHECK(refusal(valid_except("--time", "59") + " --step 60").find("--step") != std::string::npos);
    CHECK(refusal("--secret-hex " + k_sha1_seed + " --time 59 --digits 8 --period 30")
              .find("--period") != std::string::npos);
}

TEST_CASE("kiosk-diag totp never repeats the secret on stderr") {
    const std::string secret = "5EC8E75EC8E75EC8E7";
    const std::string errors =
        refusal("--secret-hex " + secret + " --time soon --digits 8 --algorithm sha1");
    CHECK(errors.find("--time") != std::string::npos);
    CHECK(errors.find("5EC8") == std::string::npos);
}

TEST_CASE("kiosk-diag's usage names totp and its options") {
    const Run run = diag("--help");
    CHECK(run.status == 0);
    CHECK(run.output.find("totp --secret-hex HEX --time UNIX --digits 6|8 --algorithm "
                          "sha1|sha256|sha512") != std::string::npos);
}
