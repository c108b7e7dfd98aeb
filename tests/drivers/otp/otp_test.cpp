// One-time passwords and Base32 against the vectors their RFCs publish: RFC 4226 Appendix D
// (HOTP), RFC 6238 Appendix B (TOTP with SHA-1, SHA-256 and SHA-512) and RFC 4648 §10
// (Base32). Each vector, and each further value below that no RFC lists (a code with leading
// zeros, the largest truncation offset, 7 digits, counters beyond 32 bits), was computed once
// more, independently, with Python 3's hmac and hashlib modules and base64.b32encode.

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "drivers/otp/otp.h"

namespace otp = drivers::otp;
using otp::OtpAlgorithm;
using otp::OtpError;

namespace {

base::Bytes bytes_of(std::string_view text) {
    return base::Bytes(text.begin(), text.end());
}

// RFC 4226 Appendix D's secret, the ASCII of "12345678901234567890".
const base::Bytes k_rfc4226_secret = bytes_of("12345678901234567890");

// RFC 6238 Appendix B's seeds: "12345678901234567890" repeated to the hash's length, 20 bytes
// for SHA-1, 32 for SHA-256, 64 for SHA-512 (as its reference code, Appendix A, has them).
base::Bytes rfc6238_seed(OtpAlgorithm algorithm) {
    const std::string pattern = "1234567890";
    std::size_t length = 20;
    if (algorithm == OtpAlgorithm::sha256) {
        length = 32;
    } else if (algorithm == OtpAlgorithm::sha512) {
        length = 64;
    }
    std::string seed;
    while (seed.size() < length) {
        seed += pattern;
    }
    return bytes_of(std::string_view(seed).substr(0, length));
}

struct TotpRow {
    std::int64_t time;
    std::uint64_t step;  // T, which the table prints in hexadecimal
    std::string_view sha1;
    std::string_view sha256;
    std::string_view sha512;
};

// RFC 6238 Appendix B, every row: X = 30, T0 = 0, 8 digits.
constexpr TotpRow k_rfc6238_table[] = {
    {59, 0x0000000000000001, "94287082", "46119246", "90693936"},
    {1111111109, 0x00000000023523EC, "07081804", "68084774", "25091201"},
    {1111111111, 0x00000000023523ED, "14050471", "67062674", "99943326"},
    {1234567890, 0x000000000273EF07, "89005924", "91819424", "93441116"},
    {2000000000, 0x0000000003F940AA, "69279037", "90698825", "38618901"},
    {20000000000, 0x0000000027BC86AA, "65353130", "77737706", "47863826"},
};

struct Base32Vector {
    std::string_view bytes;
    std::string_view text;
};

// RFC 4648 §10.
constexpr Base32Vector k_rfc4648_vectors[] = {
    {"", ""},
    {"f", "MY======"},
    {"fo", "MZXQ===="},
    {"foo", "MZXW6==="},
    {"foob", "MZXW6YQ="},
    {"fooba", "MZXW6YTB"},
    {"foobar", "MZXW6YTBOI======"},
};

std::string lower_case(std::string_view text) {
    std::string lower(text);
    for (char& character : lower) {
        if (character >= 'A' && character <= 'Z') {
            character = static_cast<char>(character - 'A' + 'a');
        }
    }
    return lower;
}

}  // namespace

TEST_CASE("HOTP gives RFC 4226 Appendix D's ten codes for counters 0 to 9") {
    constexpr std::string_view k_codes[] = {"755224", "287082", "359152", "969429", "338314",
                                            "254676", "287922", "162583", "399871", "520489"};
    for (std::uint64_t counter = 0; counter < std::size(k_codes); ++counter) {
        INFO("counter " << counter);
        const auto code = otp::hotp(k_rfc4226_secret, counter, 6);
        REQUIRE(code.has_value());
        CHECK(*code == k_codes[counter]);
    }
}

TEST_CASE("HOTP keeps leading zeros, reads the HMAC at the largest offset and takes 7 digits") {
    // Counter 36's HMAC-SHA-1 ends in a byte whose low nibble is F: truncation reads bytes 15 to
    // 18 (RFC 4226 §5.4), and the code begins with zeros that must stay.
    CHECK(otp::hotp(k_rfc4226_secret, 36, 6) == "003784");
    CHECK(otp::hotp(k_rfc4226_secret, 44, 6) == "000152");
    CHECK(otp::hotp(k_rfc4226_secret, 1, 7) == "4287082");
}

TEST_CASE("HOTP takes all eight bytes of the counter, high-order byte first") {
    // RFC 4226 §5.1: C is 8 bytes; a counter cut to 32 bits would give counter 0's 755224.
    CHECK(otp::hotp(k_rfc4226_secret, std::uint64_t{1} << 32, 6) == "999456");
    CHECK(otp::hotp(k_rfc4226_secret, std::numeric_limits<std::uint64_t>::max(), 6) == "094451");
}

TEST_CASE("TOTP gives every code of RFC 6238 Appendix B's table with SHA-1, SHA-256 and SHA-512") {
    for (const TotpRow& row : k_rfc6238_table) {
        INFO("time " << row.time);
        for (const auto& [algorithm, expected] :
             {std::pair{OtpAlgorithm::sha1, row.sha1}, std::pair{OtpAlgorithm::sha256, row.sha256},
              std::pair{OtpAlgorithm::sha512, row.sha512}}) {
            INFO(otp::to_string(algorithm));
            const otp::TotpParameters parameters{.digits = 8, .algorithm = algorithm};
            const auto code = otp::totp(rfc6238_seed(algorithm), row.time, parameters);
            REQUIRE(code.has_value());
            CHECK(*code == expected);
            // The same code is HOTP at the table's T (RFC 6238 §4.2).
            CHECK(otp::hotp(rfc6238_seed(algorithm), row.step, 8, algorithm) == expected);
        }
    }
}

TEST_CASE("The time step is RFC 6238 Appendix B's T for every time of its table") {
    for (const TotpRow& row : k_rfc6238_table) {
        INFO("time " << row.time);
        CHECK(otp::time_step(row.time) == row.step);
    }
}

TEST_CASE("The time step counts steps of X seconds from T0") {
    const otp::TotpParameters minute_steps{.step_seconds = 60, .t0 = 1000};
    CHECK(otp::time_step(1000, minute_steps) == 0U);
    CHECK(otp::time_step(1059, minute_steps) == 0U);
    CHECK(otp::time_step(1060, minute_steps) == 1U);
    CHECK(otp::time_step(1000 + 59 * 60 + 59, minute_steps) == 59U);
    // The code moves with the step, not with the Unix time: step 59 is HOTP's counter 59.
    CHECK(otp::totp(k_rfc4226_secret, 1000 + 59 * 60 + 59, minute_steps) ==
          otp::hotp(k_rfc4226_secret, 59, 6));
    CHECK(otp::totp(k_rfc4226_secret, 1000 + 59 * 60 + 59, minute_steps) == "083773");
    // The default is RFC 6238 §4.1's X = 30 and T0 = 0: the first code of Appendix D at 29 s.
    CHECK(otp::totp(k_rfc4226_secret, 29) == "755224");
    CHECK(otp::totp(k_rfc4226_secret, 30) == "287082");
}

TEST_CASE("The time step spans the whole range of a 64-bit time without overflow") {
    // Time - T0 is 2^64 - 1 here, which no signed 64-bit difference holds.
    const otp::TotpParameters widest{.step_seconds = 1,
                                     .t0 = std::numeric_limits<std::int64_t>::min()};
    CHECK(otp::time_step(std::numeric_limits<std::int64_t>::max(), widest) ==
          std::numeric_limits<std::uint64_t>::max());
    const otp::TotpParameters before_epoch{.step_seconds = 30, .t0 = -60};
    CHECK(otp::time_step(-1, before_epoch) == 1U);
}

TEST_CASE("A code of other than 6, 7 or 8 digits is refused as bad_digits") {
    for (const int digits : {-1, 0, 5, 9, 10, 100}) {
        INFO(digits);
        CHECK(otp::hotp(k_rfc4226_secret, 0, digits) == std::unexpected(OtpError::bad_digits));
        CHECK(otp::totp(k_rfc4226_secret, 59, {.digits = digits}) ==
              std::unexpected(OtpError::bad_digits));
    }
}

TEST_CASE("An empty secret, or one longer than 128 bytes, is refused as bad_secret") {
    const base::Bytes empty;
    CHECK(otp::hotp(empty, 0, 6) == std::unexpected(OtpError::bad_secret));
    CHECK(otp::totp(empty, 59) == std::unexpected(OtpError::bad_secret));
    const base::Bytes longest(otp::k_max_secret_length, 0x31);
    CHECK(otp::hotp(longest, 0, 6).has_value());
    const base::Bytes too_long(otp::k_max_secret_length + 1, 0x31);
    CHECK(otp::hotp(too_long, 0, 6) == std::unexpected(OtpError::bad_secret));
    CHECK(otp::totp(too_long, 59) == std::unexpected(OtpError::bad_secret));
}

TEST_CASE("A time before T0, or a step that is not positive, is refused as bad_time") {
    CHECK(otp::time_step(-1) == std::unexpected(OtpError::bad_time));
    CHECK(otp::totp(k_rfc4226_secret, -1) == std::unexpected(OtpError::bad_time));
    const otp::TotpParameters later_t0{.t0 = 1000};
    CHECK(otp::time_step(999, later_t0) == std::unexpected(OtpError::bad_time));
    CHECK(otp::totp(k_rfc4226_secret, 999, later_t0) == std::unexpected(OtpError::bad_time));
    for (const std::int64_t step : {std::int64_t{0}, std::int64_t{-30}}) {
        INFO(step);
        CHECK(otp::time_step(59, {.step_seconds = step}) == std::unexpected(OtpError::bad_time));
        CHECK(otp::totp(k_rfc4226_secret, 59, {.step_seconds = step}) ==
              std::unexpected(OtpError::bad_time));
    }
}

TEST_CASE("Base32 encodes RFC 4648 §10's vectors, upper case and padded") {
    for (const auto& vector : k_rfc4648_vectors) {
        INFO(vector.bytes);
        CHECK(otp::to_base32(bytes_of(vector.bytes)) == vector.text);
    }
}

TEST_CASE("Base32 decodes RFC 4648 §10's vectors, padded or not, in either case") {
    for (const auto& vector : k_rfc4648_vectors) {
        INFO(vector.text);
        const base::Bytes expected = bytes_of(vector.bytes);
        CHECK(otp::from_base32(vector.text) == expected);
        CHECK(otp::from_base32(lower_case(vector.text)) == expected);
        const std::string_view unpadded = vector.text.substr(0, vector.text.find('='));
        CHECK(otp::from_base32(unpadded) == expected);
    }
    // An authenticator app's secret as it is usually shown: lower case and mixed.
    CHECK(otp::from_base32("mZxW6yTbOi") == bytes_of("foobar"));
}

TEST_CASE("Base32 of any bytes decodes back to them") {
    std::mt19937 generator(4648);
    std::uniform_int_distribution<int> byte(0, 255);
    for (std::size_t length = 0; length <= 45; ++length) {
        base::Bytes bytes(length);
        for (auto& value : bytes) {
            value = static_cast<std::uint8_t>(byte(generator));
        }
        const std::string text = otp::to_base32(bytes);
        INFO(text);
        CHECK(text.size() == (length + 4) / 5 * 8);
        CHECK(otp::from_base32(text) == bytes);
    }
}

TEST_CASE("Base32 refuses characters outside RFC 4648 §6's alphabet") {
    for (const std::string_view text :
         {"MZXW6YT0", "MZXW6YT1", "MZXW6YT8", "MZXW6YT9", "MZXW 6YTB", "MZXW-6YTB", "MZXW6YTB\n",
          "MZXW6YT@", "MZXW6YT[", "MZXW6YT`", "MZXW6YT{", "MZXW6+==", "MZXW6/=="}) {
        INFO(text);
        CHECK(otp::from_base32(text) == std::unexpected(OtpError::bad_base32));
    }
    // Bytes that are no ASCII letter: a NUL, and UTF-8's "É" (C3 89).
    CHECK(otp::from_base32(std::string_view("MZXW\0YTB", 8)) ==
          std::unexpected(OtpError::bad_base32));
    CHECK(otp::from_base32("MZXW\xC3\x89TB") == std::unexpected(OtpError::bad_base32));
}

TEST_CASE("Base32 refuses padding of the wrong length or place, and groups no bytes fill") {
    for (const std::string_view text : {
             "MY=====",           // one '=' short
             "MY=======",         // one '=' too many
             "MY=",               // padding cut short
             "MZXW6YQ==",         // a 4-byte group padded as a 3-byte one
             "MZXW6YTB========",  // a whole group of padding
             "========",          // padding and nothing else
             "M=======",          // 1 character: 5 bits, no whole byte
             "MZX=====",          // 3 characters: 15 bits, one byte and 7 bits
             "MZXW6Y==",          // 6 characters: 30 bits, three bytes and 6 bits
             "M",                 // the same without padding
             "MZX",
             "MZXW6Y",
             "MY======MY======",  // padding before the end
             "MY==A===",          // a character after the padding
             "MZXW6YTBOI=====A",
         }) {
        INFO(text);
        CHECK(otp::from_base32(text) == std::unexpected(OtpError::bad_base32));
    }
}

TEST_CASE("Base32 refuses a last character whose bits beyond the last byte are not zero") {
    // RFC 4648 §3.5: "MY" is "f"; "MZ" sets the one bit after it, "MZXR" one of the four after
    // "fo", "MZXW7" one after "foo", "MZXW6YR" one of the three after "foob".
    for (const std::string_view text : {"MZ======", "MZ", "MZXR====", "MZXR", "MZXW7===", "MZXW7",
                                        "MZXW6YR=", "MZXW6YR", "MZXW6YTBOJ======", "mz"}) {
        INFO(text);
        CHECK(otp::from_base32(text) == std::unexpected(OtpError::bad_base32));
    }
}

TEST_CASE("A Base32 secret decodes to the key RFC 6238's table was made with") {
    // The SHA-1 seed of Appendix B as an authenticator app would show it.
    const std::string text = otp::to_base32(rfc6238_seed(OtpAlgorithm::sha1));
    CHECK(text == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    const auto secret = otp::from_base32(text);
    REQUIRE(secret.has_value());
    CHECK(otp::totp(*secret, 59, {.digits = 8}) == "94287082");
}

TEST_CASE("Every error and algorithm has a name") {
    for (const OtpError error : {OtpError::bad_secret, OtpError::bad_digits, OtpError::bad_time,
                                 OtpError::bad_base32, OtpError::crypto_failure}) {
        CHECK_FALSE(otp::to_string(error).empty());
    }
    CHECK(otp::to_string(OtpAlgorithm::sha1) == "sha1");
    CHECK(otp::to_string(OtpAlgorithm::sha256) == "sha256");
    CHECK(otp::to_string(OtpAlgorithm::sha512) == "sha512");
}
