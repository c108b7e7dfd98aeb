// ISO 9564-1:2017 PIN blocks against published vectors. Each vector names its source beside
// it: docs/platform-facts.md, "EMV and PIN blocks" (format 0, the key check values), IBM's and
// EFTlab's published examples (formats 1 and 3), the ASC X9 supplement of test vectors to ANSI
// X9.24-3-2017 and a payment processor's developer guide (format 4). Every enciphered result that
// no source publishes was computed once, independently, with the OpenSSL 3.0 command line:
//   echo -n CLEAR | xxd -r -p | openssl enc -des-ede-ecb -K KEY -nopad | xxd -p -u
// (-des-ede3-ecb for a 24-byte key, -aes-128-ecb / -aes-256-ecb for format 4's two passes).
// The first format 4 vectors were computed with Python's `cryptography` package from the
// §9.4.6 recipe.

#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "drivers/iso9564/pin_block.h"
#include "tests/support/hex_fixture.h"

namespace iso9564 = drivers::iso9564;

namespace {

base::Bytes from_hex(std::string_view hex) {
    return base::parse_hex(hex).value();
}

constexpr auto k_tdes_key = tests::hex_array<16>("0123456789ABCDEFFEDCBA9876543210");
constexpr auto k_aes_key = tests::hex_array<16>("00112233445566778899AABBCCDDEEFF");
constexpr auto k_random_fill = tests::hex_array<8>("F1E2D3C4B5A69788");
constexpr std::string_view k_vector_pan = "43219876543210987";

// Enciphers an arbitrary 8-byte clear block, so that malformed PIN fields can be fed to the
// decrypting side as if a faulty PIN pad had produced them.
std::array<std::uint8_t, 8> tdes_encrypt_raw(const std::array<std::uint8_t, 8>& clear) {
    std::array<std::uint8_t, 8> out{};
    EVP_CIPHER_CTX* context = EVP_CIPHER_CTX_new();
    REQUIRE(context != nullptr);
    int written = 0;
    REQUIRE(EVP_EncryptInit_ex(context, EVP_des_ede_ecb(), nullptr, k_tdes_key.data(), nullptr) ==
            1);
    EVP_CIPHER_CTX_set_padding(context, 0);
    REQUIRE(EVP_EncryptUpdate(context, out.data(), &written, clear.data(), 8) == 1);
    EVP_CIPHER_CTX_free(context);
    REQUIRE(written == 8);
    return out;
}

// A clear format 0 block for `pin_field_hex` XOR the account field of vector_pan.
std::array<std::uint8_t, 8> encrypted_pin_field(std::string_view pin_field_hex) {
    auto field = tests::hex_array<8>(pin_field_hex);
    const auto account = tests::hex_array<8>("0000987654321098");
    for (std::size_t index = 0; index < 8; ++index) {
        field[index] = static_cast<std::uint8_t>(field[index] ^ account[index]);
    }
    return tdes_encrypt_raw(field);
}

}  // namespace

TEST_CASE("format 0 clear block matches the ISO 9564 example") {
    auto block = iso9564::format0_clear("1234", k_vector_pan);
    REQUIRE(block.has_value());
    CHECK(base::to_hex(*block) == "0412AC89ABCDEF67");
}

TEST_CASE("format 0 block enciphered under the example TDES key matches the known vector") {
    auto block = iso9564::format0_encrypted("1234", k_vector_pan, k_tdes_key);
    REQUIRE(block.has_value());
    CHECK(base::to_hex(*block) == "C967C8198151A458");
}

TEST_CASE("TDES key check value of the example key is 08D7B4") {
    CHECK(base::to_hex(iso9564::tdes_key_check_value(k_tdes_key)) == "08D7B4");
}

TEST_CASE("deciphering the known format 0 vector yields the PIN") {
    const auto block = tests::hex_array<8>("C967C8198151A458");
    auto pin = iso9564::format0_decrypt_pin(block, k_vector_pan, k_tdes_key);
    REQUIRE(pin.has_value());
    CHECK(*pin == "1234");
}

TEST_CASE("format 0 round-trips PINs of every allowed length") {
    const std::string all_digits = "907856341298";
    for (std::size_t length = 4; length <= 12; ++length) {
        const std::string pin = all_digits.substr(0, length);
        auto block = iso9564::format0_encrypted(pin, "6228480402564890018", k_tdes_key);
        REQUIRE(block.has_value());
        auto decoded = iso9564::format0_decrypt_pin(*block, "6228480402564890018", k_tdes_key);
        REQUIRE(decoded.has_value());
        CHECK(*decoded == pin);
    }
}

TEST_CASE("format 0 pads a PAN shorter than 13 digits with zeros on the left") {
    // PAN 123456789 without its check digit is 12345678, right-justified in 12 digits.
    auto block = iso9564::format0_clear("1234", "123456789");
    REQUIRE(block.has_value());
    // PIN field 041234FFFFFFFFFF XOR 0000000012345678.
    CHECK(base::to_hex(*block) == "041234FFEDCBA987");
}

TEST_CASE("PINs that are too short, too long or not digits are refused") {
    for (std::string_view pin : {"", "123", "1234567890123", "12a4", "12 34", "١٢٣٤"}) {
        auto block = iso9564::format0_clear(pin, k_vector_pan);
        REQUIRE_FALSE(block.has_value());
        CHECK(block.error() == iso9564::PinBlockError::bad_pin);
    }
}

TEST_CASE("PANs that are too short, too long or not digits are refused") {
    CHECK(iso9564::is_valid_pan("12345678"));
    CHECK(iso9564::is_valid_pan("1234567890123456789"));
    for (std::string_view pan :
         {"", "1234567", "12345678901234567890", "4321-9876-5432", "43219876543210987 "}) {
        CHECK_FALSE(iso9564::is_valid_pan(pan));
        auto block = iso9564::format0_encrypted("1234", pan, k_tdes_key);
        REQUIRE_FALSE(block.has_value());
        CHECK(block.error() == iso9564::PinBlockError::bad_pan);
    }
}

TEST_CASE("a TDES key with equal halves is refused as single DES in disguise") {
    const auto weak = tests::hex_array<16>("0123456789ABCDEF0123456789ABCDEF");
    auto block = iso9564::format0_encrypted("1234", k_vector_pan, weak);
    REQUIRE_FALSE(block.has_value());
    CHECK(block.error() == iso9564::PinBlockError::bad_key);
    const auto any = tests::hex_array<8>("C967C8198151A458");
    auto pin = iso9564::format0_decrypt_pin(any, k_vector_pan, weak);
    REQUIRE_FALSE(pin.has_value());
    CHECK(pin.error() == iso9564::PinBlockError::bad_key);
}

TEST_CASE("a format 0 block deciphered with the wrong PAN is rejected as a bad block") {
    const auto block = tests::hex_array<8>("C967C8198151A458");
    auto pin = iso9564::format0_decrypt_pin(block, "43219876543219997", k_tdes_key);
    REQUIRE_FALSE(pin.has_value());
    CHECK(pin.error() == iso9564::PinBlockError::bad_block);
}

TEST_CASE("a format 0 block deciphered with the wrong key is rejected as a bad block") {
    const auto block = tests::hex_array<8>("C967C8198151A458");
    const auto other_key = tests::hex_array<16>("FEDCBA98765432100123456789ABCDEF");
    auto pin = iso9564::format0_decrypt_pin(block, k_vector_pan, other_key);
    REQUIRE_FALSE(pin.has_value());
    CHECK(pin.error() == iso9564::PinBlockError::bad_block);
}

TEST_CASE("a well-formed PIN field crafted by hand deciphers, proving the fixture is sound") {
    auto pin = iso9564::format0_decrypt_pin(encrypted_pin_field("041234FFFFFFFFFF"), k_vector_pan,
                                            k_tdes_key);
    REQUIRE(pin.has_value());
    CHECK(*pin == "1234");
}

TEST_CASE("format 0 blocks with a bad control, length, digit or fill nibble are rejected") {
    for (std::string_view field : {
             "141234FFFFFFFFFF",  // control nibble 1 is format 1, not format 0
             "03123FFFFFFFFFFF",  // length 3 is below the minimum
             "0D1234567890123F",  // length 13 is above the maximum
             "0412A4FFFFFFFFFF",  // a PIN nibble that is not a decimal digit
             "041234FFFFFFFFFE",  // fill that is not F
             "0412340FFFFFFFFF",  // a digit where fill is due
         }) {
        INFO(field);
        auto pin =
            iso9564::format0_decrypt_pin(encrypted_pin_field(field), k_vector_pan, k_tdes_key);
        REQUIRE_FALSE(pin.has_value());
        CHECK(pin.error() == iso9564::PinBlockError::bad_block);
    }
}

TEST_CASE("every PIN block error has a distinct name") {
    using iso9564::PinBlockError;
    CHECK(iso9564::to_string(PinBlockError::bad_pin) == "bad_pin");
    CHECK(iso9564::to_string(PinBlockError::bad_pan) == "bad_pan");
    CHECK(iso9564::to_string(PinBlockError::bad_key) == "bad_key");
    CHECK(iso9564::to_string(PinBlockError::bad_fill) == "bad_fill");
    CHECK(iso9564::to_string(PinBlockError::bad_block) == "bad_block");
    CHECK(iso9564::to_string(PinBlockError::crypto_failure) == "crypto_failure");
}

TEST_CASE("wipe empties a secret string") {
    std::string secret = "1234";
    base::wipe(secret);
    CHECK(secret.empty());
}

TEST_CASE("format 4 block matches the independently computed vector") {
    auto block = iso9564::format4_encrypted("1234", k_vector_pan, k_aes_key, k_random_fill);
    REQUIRE(block.has_value());
    CHECK(base::to_hex(*block) == "58E81F2AE76DC47153E99298E93EBA79");
}

TEST_CASE("format 4 pads a PAN shorter than 12 digits with zeros on the left") {
    auto block = iso9564::format4_encrypted("1234", "123456789", k_aes_key, k_random_fill);
    REQUIRE(block.has_value());
    CHECK(base::to_hex(*block) == "F0BC6FB71B4BC7352E39890000BE3F16");
}

TEST_CASE("format 4 round-trips with fresh random fill each time") {
    auto first = iso9564::format4_encrypted("246810", "6217001234567890122", k_aes_key);
    auto second = iso9564::format4_encrypted("246810", "6217001234567890122", k_aes_key);
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(*first != *second);
    auto decoded = iso9564::format4_decrypt_pin(*first, "6217001234567890122", k_aes_key);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == "246810");
}

TEST_CASE("format 4 works with AES-256 keys") {
    const auto key = from_hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
    auto block = iso9564::format4_encrypted("98765432", k_vector_pan, key);
    REQUIRE(block.has_value());
    auto decoded = iso9564::format4_decrypt_pin(*block, k_vector_pan, key);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == "98765432");
}

TEST_CASE("format 4 refuses keys that are not AES key sizes") {
    const auto short_key = from_hex("0011223344556677");
    auto block = iso9564::format4_encrypted("1234", k_vector_pan, short_key);
    REQUIRE_FALSE(block.has_value());
    CHECK(block.error() == iso9564::PinBlockError::bad_key);
    auto check_value = iso9564::aes_key_check_value(short_key);
    REQUIRE_FALSE(check_value.has_value());
    CHECK(check_value.error() == iso9564::PinBlockError::bad_key);
}

TEST_CASE("a format 4 block deciphered with the wrong PAN is rejected as a bad block") {
    auto block = iso9564::format4_encrypted("1234", k_vector_pan, k_aes_key, k_random_fill);
    REQUIRE(block.has_value());
    auto pin = iso9564::format4_decrypt_pin(*block, "43219876543210995", k_aes_key);
    REQUIRE_FALSE(pin.has_value());
    CHECK(pin.error() == iso9564::PinBlockError::bad_block);
}

TEST_CASE("AES key check value of the example key is 53E107B36E") {
    auto check_value = iso9564::aes_key_check_value(k_aes_key);
    REQUIRE(check_value.has_value());
    CHECK(base::to_hex(*check_value) == "53E107B36E");
}

// ---- TDES keys: 2-key and 3-key, and the keys that degenerate into single DES ----

namespace {

constexpr auto k_tdes3_key =
    tests::hex_array<24>("0123456789ABCDEFFEDCBA987654321089ABCDEF01234567");

// A random source that hands out `bytes` in order and fails once they run out.
iso9564::RandomSource replay(std::vector<std::uint8_t> bytes) {
    auto next = std::make_shared<std::size_t>(0);
    return [bytes = std::move(bytes), next](std::span<std::uint8_t> out) {
        if (bytes.size() - *next < out.size()) {
            return false;
        }
        for (std::uint8_t& value : out) {
            value = bytes[(*next)++];
        }
        return true;
    };
}

// The error of a result, or nothing when it holds a value (never error() on a value).
template <typename Value>
std::optional<iso9564::PinBlockError> error_of(
    const std::expected<Value, iso9564::PinBlockError>& result) {
    return result ? std::nullopt : std::optional(result.error());
}

bool failing_random(std::span<std::uint8_t>) {
    return false;
}

std::vector<std::uint8_t> nibbles_from_hex(std::string_view hex) {
    std::vector<std::uint8_t> nibbles;
    for (const char digit : hex) {
        nibbles.push_back(tests::hex_digit_value(digit));
    }
    return nibbles;
}

// Enciphers an arbitrary clear block under k_tdes_key (see tdes_encrypt_raw), for malformed
// format 1 and format 3 fields.
std::array<std::uint8_t, 8> encrypted_field(std::string_view field_hex, bool with_account) {
    auto field = tests::hex_array<8>(field_hex);
    if (with_account) {
        const auto account = tests::hex_array<8>("0000987654321098");
        for (std::size_t index = 0; index < 8; ++index) {
            field[index] = static_cast<std::uint8_t>(field[index] ^ account[index]);
        }
    }
    return tdes_encrypt_raw(field);
}

}  // namespace

TEST_CASE("format 0 enciphered under a 3-key TDES key matches openssl's result") {
    // openssl enc -des-ede3-ecb of 0412AC89ABCDEF67 under k_tdes3_key gave A5DC5F7F40A400FE.
    auto block = iso9564::format0_encrypted("1234", k_vector_pan, k_tdes3_key);
    REQUIRE(block.has_value());
    CHECK(base::to_hex(*block) == "A5DC5F7F40A400FE");
    auto pin = iso9564::format0_decrypt_pin(*block, k_vector_pan, k_tdes3_key);
    REQUIRE(pin.has_value());
    CHECK(*pin == "1234");
    // The 2-key block does not decipher under the 3-key key: the third part is really used.
    const auto two_key_block = tests::hex_array<8>("C967C8198151A458");
    CHECK_FALSE(iso9564::format0_decrypt_pin(two_key_block, k_vector_pan, k_tdes3_key));
}

TEST_CASE("a 24-byte key K1 K2 K1 enciphers exactly as the 16-byte key K1 K2") {
    const auto k1_k2_k1 = tests::hex_array<24>("0123456789ABCDEFFEDCBA98765432100123456789ABCDEF");
    auto block = iso9564::format0_encrypted("1234", k_vector_pan, k1_k2_k1);
    REQUIRE(block.has_value());
    CHECK(base::to_hex(*block) == "C967C8198151A458");
}

TEST_CASE("TDES keys whose parts make single DES are refused, parity bits notwithstanding") {
    for (std::string_view key_hex : {
             "0123456789ABCDEF0123456789ABCDEF",                  // 2-key, K1 = K2
             "0123456789ABCDEF0022446688AACCEE",                  // K1 = K2 but for parity bits
             "0123456789ABCDEF0123456789ABCDEFFEDCBA9876543210",  // 3-key, K1 = K2
             "FEDCBA98765432100123456789ABCDEF0123456789ABCDEF",  // 3-key, K2 = K3
         }) {
        INFO(key_hex);
        const auto key = from_hex(key_hex);
        auto block = iso9564::format0_encrypted("1234", k_vector_pan, key);
        REQUIRE_FALSE(block.has_value());
        CHECK(block.error() == iso9564::PinBlockError::bad_key);
        const std::array<std::uint8_t, 4> fill{0xB, 0xF, 0xE, 0xD};
        auto format1 = iso9564::format1_encrypted("1234567890", key, std::span(fill).first(4));
        REQUIRE_FALSE(format1.has_value());
        CHECK(format1.error() == iso9564::PinBlockError::bad_key);
        auto format3 = iso9564::format3_decrypt_pin(tests::hex_array<8>("03C090808DAB452D"),
                                                    k_vector_pan, key);
        REQUIRE_FALSE(format3.has_value());
        CHECK(format3.error() == iso9564::PinBlockError::bad_key);
    }
}

TEST_CASE("TDES keys that are neither 16 nor 24 bytes are refused") {
    for (std::string_view key_hex : {"", "0123456789ABCDEF", "0123456789ABCDEFFEDCBA98765432",
                                     "0123456789ABCDEFFEDCBA987654321089ABCDEF0123456701"}) {
        INFO(key_hex);
        const auto key = from_hex(key_hex);
        auto block = iso9564::format0_encrypted("1234", k_vector_pan, key);
        REQUIRE_FALSE(block.has_value());
        CHECK(block.error() == iso9564::PinBlockError::bad_key);
        auto pin = iso9564::format1_decrypt_pin(tests::hex_array<8>("69890023DD3517CF"), key);
        REQUIRE_FALSE(pin.has_value());
        CHECK(pin.error() == iso9564::PinBlockError::bad_key);
    }
}

TEST_CASE("TDES key check value of a 3-key key matches openssl's result") {
    // openssl enc -des-ede3-ecb of 0000000000000000 under k_tdes3_key gave 3FD539E3ABEB8B5B.
    CHECK(base::to_hex(iso9564::tdes_key_check_value(k_tdes3_key)) == "3FD539");
}

// ---- Format 1 (ISO 9564-1:2017 §9.4.3) ----

TEST_CASE("format 1 clear block matches IBM's published ISO-1 example") {
    // IBM CCA Basic Services Reference, Appendix E, "ISO-1 PIN-Block Format": PIN 123456 with
    // the transaction field 6ABCFDE1 is 161234566ABCFDE1.
    const auto fill = nibbles_from_hex("6ABCFDE1");
    auto block = iso9564::format1_clear("123456", fill);
    REQUIRE(block.has_value());
    CHECK(base::to_hex(*block) == "161234566ABCFDE1");
}

TEST_CASE("format 1 enciphered under 2-key and 3-key TDES matches openssl's results") {
    // openssl enc of 161234566ABCFDE1: -des-ede-ecb under k_tdes_key gave 69890023DD3517CF,
    // -des-ede3-ecb under k_tdes3_key gave E2C11808626735A4.
    const auto fill = nibbles_from_hex("6ABCFDE1");
    auto two_key = iso9564::format1_encrypted("123456", k_tdes_key, fill);
    REQUIRE(two_key.has_value());
    CHECK(base::to_hex(*two_key) == "69890023DD3517CF");
    auto three_key = iso9564::format1_encrypted("123456", k_tdes3_key, fill);
    REQUIRE(three_key.has_value());
    CHECK(base::to_hex(*three_key) == "E2C11808626735A4");
    auto pin = iso9564::format1_decrypt_pin(*three_key, k_tdes3_key);
    REQUIRE(pin.has_value());
    CHECK(*pin == "123456");
}

TEST_CASE("format 1 takes its fill from the caller's random source, low nibble of each byte") {
    // Bytes whose low nibbles are 6ABCFDE1 reproduce IBM's example.
    auto block = iso9564::format1_encrypted(
        "123456", k_tdes_key, replay({0x26, 0x7A, 0x0B, 0xFC, 0x3F, 0x9D, 0x5E, 0x41}));
    REQUIRE(block.has_value());
    CHECK(base::to_hex(*block) == "69890023DD3517CF");
}

TEST_CASE("format 1 from the system's random source differs each time and round-trips") {
    auto first = iso9564::format1_encrypted("24681357", k_tdes_key);
    auto second = iso9564::format1_encrypted("24681357", k_tdes_key);
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(*first != *second);
    for (const auto& block : {*first, *second}) {
        auto pin = iso9564::format1_decrypt_pin(block, k_tdes_key);
        REQUIRE(pin.has_value());
        CHECK(*pin == "24681357");
    }
}

TEST_CASE("a failing random source is a crypto failure, never a block with predictable fill") {
    auto format1 = iso9564::format1_encrypted("1234", k_tdes_key, failing_random);
    REQUIRE_FALSE(format1.has_value());
    CHECK(format1.error() == iso9564::PinBlockError::crypto_failure);
    auto format3 = iso9564::format3_encrypted("1234", k_vector_pan, k_tdes_key, failing_random);
    REQUIRE_FALSE(format3.has_value());
    CHECK(format3.error() == iso9564::PinBlockError::crypto_failure);
    auto format4 = iso9564::format4_encrypted("1234", k_vector_pan, k_aes_key,
                                              iso9564::RandomSource(failing_random));
    REQUIRE_FALSE(format4.has_value());
    CHECK(format4.error() == iso9564::PinBlockError::crypto_failure);
    // A source that runs dry part way is a failure too.
    auto short_source = iso9564::format1_encrypted("1234", k_tdes_key, replay({1, 2, 3}));
    REQUIRE_FALSE(short_source.has_value());
    CHECK(short_source.error() == iso9564::PinBlockError::crypto_failure);
}

TEST_CASE("format 1 fill of the wrong length or with a value over 0xF is refused") {
    CHECK(error_of(iso9564::format1_clear("123456", nibbles_from_hex("6ABCFDE"))) ==
          iso9564::PinBlockError::bad_fill);
    CHECK(error_of(iso9564::format1_clear("123456", nibbles_from_hex("6ABCFDE12"))) ==
          iso9564::PinBlockError::bad_fill);
    const std::array<std::uint8_t, 8> too_large{6, 0xA, 0xB, 0xC, 0xF, 0xD, 0xE, 0x10};
    CHECK(error_of(iso9564::format1_clear("123456", too_large)) ==
          iso9564::PinBlockError::bad_fill);
    CHECK(iso9564::format1_clear("12345", nibbles_from_hex("6ABCFDE1A")).has_value());
}

TEST_CASE("format 1 blocks with a bad control, length or digit nibble are rejected") {
    for (std::string_view field : {
             "041234FFFFFFFFFF",  // control nibble 0 is format 0
             "13123FFFFFFFFFFF",  // length 3
             "1D1234567890123F",  // length 13
             "1412C4FFFFFFFFFF",  // a PIN nibble that is not a decimal digit
         }) {
        INFO(field);
        auto pin = iso9564::format1_decrypt_pin(encrypted_field(field, false), k_tdes_key);
        REQUIRE_FALSE(pin.has_value());
        CHECK(pin.error() == iso9564::PinBlockError::bad_block);
    }
    auto any_fill =
        iso9564::format1_decrypt_pin(encrypted_field("1412340123456789", false), k_tdes_key);
    REQUIRE(any_fill.has_value());
    CHECK(*any_fill == "1234");
}

// ---- Format 3 (ISO 9564-1:2017 §9.4.5) ----

TEST_CASE("format 3 clear block matches EFTlab's published ISO-3 example") {
    // EFTlab BP-Tools, "PIN blocks" (its output quoted in the KTPinBlock README): PIN 1234, PAN
    // 43219876543210987 gives 3412ACC9B98CDF43, i.e. the fill BFEDBECFDB.
    auto block = iso9564::format3_clear("1234", k_vector_pan, nibbles_from_hex("BFEDBECFDB"));
    REQUIRE(block.has_value());
    CHECK(base::to_hex(*block) == "3412ACC9B98CDF43");
}

TEST_CASE("format 3 clear block matches IBM's published ISO-3 example") {
    // IBM, "ISO Format 3" (Linux on IBM Z, CCA): PIN 123456, IPB 36123456AFBECDDC, PAN block
    // 0000222333444555 give 361216759CFA8889. IBM lists the PAN without its check digit; the
    // Luhn check digit 9 is appended here so that the library takes it off again.
    auto block = iso9564::format3_clear("123456", "1112223334445559", nibbles_from_hex("AFBECDDC"));
    REQUIRE(block.has_value());
    CHECK(base::to_hex(*block) == "361216759CFA8889");
}

TEST_CASE("format 3 enciphered under 2-key and 3-key TDES matches openssl's results") {
    // openssl enc of 3412ACC9B98CDF43: -des-ede-ecb under k_tdes_key gave 03C090808DAB452D,
    // -des-ede3-ecb under k_tdes3_key gave 80FDFBE9CB00750C.
    const auto fill = nibbles_from_hex("BFEDBECFDB");
    auto two_key = iso9564::format3_encrypted("1234", k_vector_pan, k_tdes_key, fill);
    REQUIRE(two_key.has_value());
    CHECK(base::to_hex(*two_key) == "03C090808DAB452D");
    auto three_key = iso9564::format3_encrypted("1234", k_vector_pan, k_tdes3_key, fill);
    REQUIRE(three_key.has_value());
    CHECK(base::to_hex(*three_key) == "80FDFBE9CB00750C");
    for (const auto& [block, key] :
         {std::pair{*two_key, base::Bytes(k_tdes_key.begin(), k_tdes_key.end())},
          std::pair{*three_key, base::Bytes(k_tdes3_key.begin(), k_tdes3_key.end())}}) {
        auto pin = iso9564::format3_decrypt_pin(block, k_vector_pan, key);
        REQUIRE(pin.has_value());
        CHECK(*pin == "1234");
    }
}

TEST_CASE("format 3 fill must be A to F and as long as the PIN leaves") {
    CHECK(error_of(iso9564::format3_clear("1234", k_vector_pan, nibbles_from_hex("BFEDBECFD9"))) ==
          iso9564::PinBlockError::bad_fill);
    CHECK(error_of(iso9564::format3_clear("1234", k_vector_pan, nibbles_from_hex("0FEDBECFDB"))) ==
          iso9564::PinBlockError::bad_fill);
    CHECK(error_of(iso9564::format3_clear("1234", k_vector_pan, nibbles_from_hex("BFEDBECFD"))) ==
          iso9564::PinBlockError::bad_fill);
    CHECK(error_of(iso9564::format3_clear("1234", k_vector_pan, {})) ==
          iso9564::PinBlockError::bad_fill);
}

TEST_CASE("format 3 random fill is drawn again on bytes that would bias it towards A to D") {
    // 252..255 are skipped; 0 maps to A, 5 to F, 6 to A again, 251 to F (251 = 41 x 6 + 5).
    std::array<std::uint8_t, 4> fill{};
    REQUIRE(iso9564::draw_format3_fill(fill, replay({252, 255, 0, 5, 6, 253, 251})));
    CHECK(fill == std::array<std::uint8_t, 4>{0xA, 0xF, 0xA, 0xF});
}

TEST_CASE("format 3 fill from the system's random source uses every value A to F, no other") {
    std::array<std::uint8_t, 600> fill{};
    REQUIRE(iso9564::draw_format3_fill(fill));
    std::array<int, 16> counts{};
    for (const std::uint8_t value : fill) {
        ++counts[value & 0x0F];
        CHECK(value >= 0xA);
        CHECK(value <= 0xF);
    }
    for (std::size_t value = 0xA; value <= 0xF; ++value) {
        INFO(value);
        // 100 expected each; below 50 would mean a broken draw (odds about 1 in 10^9).
        CHECK(counts[value] > 50);
    }
}

TEST_CASE("format 3 round-trips every PIN length with fresh random fill") {
    const std::string all_digits = "314159265358";
    for (std::size_t length = 4; length <= 12; ++length) {
        const std::string pin = all_digits.substr(0, length);
        auto block = iso9564::format3_encrypted(pin, "6228480402564890018", k_tdes3_key);
        REQUIRE(block.has_value());
        auto decoded = iso9564::format3_decrypt_pin(*block, "6228480402564890018", k_tdes3_key);
        REQUIRE(decoded.has_value());
        CHECK(*decoded == pin);
    }
}

TEST_CASE(
    "format 3 blocks with a bad control, digit or fill nibble, or another PAN, are rejected") {
    for (std::string_view field : {
             "041234FFFFFFFFFF",  // a format 0 field: control nibble 0
             "341234BFEDBECFD9",  // a fill nibble 9, below A
             "3412A4BFEDBECFDB",  // a PIN nibble that is not a decimal digit
             "33123BFEDBECFDBA",  // length 3
         }) {
        INFO(field);
        auto pin =
            iso9564::format3_decrypt_pin(encrypted_field(field, true), k_vector_pan, k_tdes_key);
        REQUIRE_FALSE(pin.has_value());
        CHECK(pin.error() == iso9564::PinBlockError::bad_block);
    }
    auto other_pan = iso9564::format3_decrypt_pin(tests::hex_array<8>("03C090808DAB452D"),
                                                  "43219876543219997", k_tdes_key);
    REQUIRE_FALSE(other_pan.has_value());
    CHECK(other_pan.error() == iso9564::PinBlockError::bad_block);
}

TEST_CASE("a format 0 block is not taken for format 3, nor a format 3 block for format 0") {
    const auto format0 = tests::hex_array<8>("C967C8198151A458");
    CHECK(error_of(iso9564::format3_decrypt_pin(format0, k_vector_pan, k_tdes_key)) ==
          iso9564::PinBlockError::bad_block);
    const auto format3 = tests::hex_array<8>("03C090808DAB452D");
    CHECK(error_of(iso9564::format0_decrypt_pin(format3, k_vector_pan, k_tdes_key)) ==
          iso9564::PinBlockError::bad_block);
}

// ---- Format 4 (ISO 9564-1:2017 §9.4.6): published vectors ----

TEST_CASE("format 4 matches the worked example of the X9.24-3-2017 test vector supplement") {
    // ASC X9, "Supplement to ANSI X9.24-3-2017: Test Vectors" (2018-01-29), AES PIN block
    // example: PAN 4111111111111111, PIN 1234, random 2F69ADDE2E9E7ACE, under the AES DUKPT PIN
    // keys of transactions 1 and 2. Also the known answers of the forage-android and
    // paycrypt test suites; openssl enc -aes-128-ecb, pass by pass, gave the same.
    const auto random = tests::hex_array<8>("2F69ADDE2E9E7ACE");
    auto field = iso9564::format4_pin_field("1234", random);
    REQUIRE(field.has_value());
    CHECK(base::to_hex(*field) == "441234AAAAAAAAAA2F69ADDE2E9E7ACE");
    const auto first_key = tests::hex_array<16>("AF8CB133A78F8DC2D1359F18527593FB");
    auto first = iso9564::format4_encrypted("1234", "4111111111111111", first_key, random);
    REQUIRE(first.has_value());
    CHECK(base::to_hex(*first) == "A912150391AB65A67E52883D81CE2D15");
    const auto second_key = tests::hex_array<16>("D30BDC73EC9714B000BEC66BDB7B6D09");
    auto second = iso9564::format4_encrypted("1234", "4111111111111111", second_key, random);
    REQUIRE(second.has_value());
    CHECK(base::to_hex(*second) == "52A00503BD34BA1383F6A7EE9FE2547F");
}

TEST_CASE("format 4 takes its 8 random bytes from the caller's random source") {
    const auto key = tests::hex_array<16>("AF8CB133A78F8DC2D1359F18527593FB");
    auto block = iso9564::format4_encrypted(
        "1234", "4111111111111111", key, replay({0x2F, 0x69, 0xAD, 0xDE, 0x2E, 0x9E, 0x7A, 0xCE}));
    REQUIRE(block.has_value());
    CHECK(base::to_hex(*block) == "A912150391AB65A67E52883D81CE2D15");
}

TEST_CASE("format 4 under an AES-256 key matches Wpay's published AES PIN block") {
    // Wpay developer hub, "AES 128-bit PIN block or ISO format 4", the full-PAN example: PIN
    // key 62CB...9F63, PAN 5237481234567895, PIN 1234, PIN field 441234AAAAAAAAAAFFC853BBF9685D5E,
    // PAN field 45237481234567895000000000000000, block 060E768D21D709B5D2A3F9660A704B9D.
    const auto key = from_hex("62CB437131C129DF001D42676011975150506E2A382145FD9BDEA7EC5A339F63");
    const auto random = tests::hex_array<8>("FFC853BBF9685D5E");
    auto block = iso9564::format4_encrypted("1234", "5237481234567895", key, random);
    REQUIRE(block.has_value());
    CHECK(base::to_hex(*block) == "060E768D21D709B5D2A3F9660A704B9D");
    auto pin = iso9564::format4_decrypt_pin(*block, "5237481234567895", key);
    REQUIRE(pin.has_value());
    CHECK(*pin == "1234");
}

TEST_CASE("format 4 deciphers psec's published AES PIN block") {
    // psec (knovichikhin/psec), its ISO 9564 format 4 decipher test: key
    // 00112233445566778899AABBCCDDEEFF, PAN 1234567890123456, block
    // E4BE5B623AF7E006AC319E5B93544564 hold PIN 1234.
    const auto block = tests::hex_array<16>("E4BE5B623AF7E006AC319E5B93544564");
    auto pin = iso9564::format4_decrypt_pin(block, "1234567890123456", k_aes_key);
    REQUIRE(pin.has_value());
    CHECK(*pin == "1234");
}
