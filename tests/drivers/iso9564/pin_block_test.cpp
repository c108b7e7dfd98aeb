// Vectors from docs/platform-facts.md; the format 4 vectors were computed independently
// with Python's `cryptography` package from the ISO 9564-1:2017 §9.4.6 recipe.

#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "drivers/iso9564/pin_block.h"

namespace iso9564 = drivers::iso9564;

namespace {

base::Bytes from_hex(std::string_view hex) {
    return base::parse_hex(hex).value();
}

constexpr std::uint8_t hex_value(char digit) {
    return static_cast<std::uint8_t>(digit <= '9' ? digit - '0' : digit - 'A' + 10);
}

// Parsed at compile time, so that a typo in a fixture fails the build rather than a test.
template <std::size_t Size>
constexpr std::array<std::uint8_t, Size> array_from_hex(std::string_view hex) {
    if (hex.size() != Size * 2) {
        throw "hex fixture has the wrong length";
    }
    std::array<std::uint8_t, Size> result{};
    for (std::size_t index = 0; index < Size; ++index) {
        result[index] = static_cast<std::uint8_t>(hex_value(hex[2 * index]) << 4 |
                                                  hex_value(hex[2 * index + 1]));
    }
    return result;
}

constexpr auto k_tdes_key = array_from_hex<16>("0123456789ABCDEFFEDCBA9876543210");
constexpr auto k_aes_key = array_from_hex<16>("00112233445566778899AABBCCDDEEFF");
constexpr auto k_random_fill = array_from_hex<8>("F1E2D3C4B5A69788");
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
    auto field = array_from_hex<8>(pin_field_hex);
    const auto account = array_from_hex<8>("0000987654321098");
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
    const auto block = array_from_hex<8>("C967C8198151A458");
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
    for (std::string_view pan :
         {"", "1234567", "12345678901234567890", "4321-9876-5432", "43219876543210987 "}) {
        auto block = iso9564::format0_encrypted("1234", pan, k_tdes_key);
        REQUIRE_FALSE(block.has_value());
        CHECK(block.error() == iso9564::PinBlockError::bad_pan);
    }
}

TEST_CASE("a TDES key with equal halves is refused as single DES in disguise") {
    const auto weak = array_from_hex<16>("0123456789ABCDEF0123456789ABCDEF");
    auto block = iso9564::format0_encrypted("1234", k_vector_pan, weak);
    REQUIRE_FALSE(block.has_value());
    CHECK(block.error() == iso9564::PinBlockError::bad_key);
    const auto any = array_from_hex<8>("C967C8198151A458");
    auto pin = iso9564::format0_decrypt_pin(any, k_vector_pan, weak);
    REQUIRE_FALSE(pin.has_value());
    CHECK(pin.error() == iso9564::PinBlockError::bad_key);
}

TEST_CASE("a format 0 block deciphered with the wrong PAN is rejected as a bad block") {
    const auto block = array_from_hex<8>("C967C8198151A458");
    auto pin = iso9564::format0_decrypt_pin(block, "43219876543219997", k_tdes_key);
    REQUIRE_FALSE(pin.has_value());
    CHECK(pin.error() == iso9564::PinBlockError::bad_block);
}

TEST_CASE("a format 0 block deciphered with the wrong key is rejected as a bad block") {
    const auto block = array_from_hex<8>("C967C8198151A458");
    const auto other_key = array_from_hex<16>("FEDCBA98765432100123456789ABCDEF");
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
