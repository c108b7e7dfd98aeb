#pragma once

// ISO 9564-1:2017 PIN blocks: formats 0, 1 and 3 (8 bytes, enciphered with TDES) and format 4
// (16 bytes, enciphered with AES), and the key check values of both ciphers.
//
// The kiosk itself never calls the encrypting functions: the PIN pad (real or simulated)
// builds the block inside its own boundary and the account service decrypts it. Both ends use
// this one implementation so that they agree bit for bit. Every function is pure apart from the
// cipher and the random source, and may be called from any thread.

#include <array>
#include <cstdint>
#include <expected>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace drivers::iso9564 {

enum class PinBlockError {
    bad_pin,         // not 4..12 decimal digits (ISO 9564-1:2017 §8.1)
    bad_pan,         // not 8..19 decimal digits (ISO/IEC 7812-1)
    bad_key,         // wrong length, or a TDES key whose parts are equal (single DES in disguise)
    bad_fill,        // caller-given fill of the wrong length, or a nibble its format does not allow
    bad_block,       // a decrypted block that is not a well-formed PIN block of its format
    crypto_failure,  // the cipher library or the random source refused an operation
};

std::string_view to_string(PinBlockError error);

using Format0Block = std::array<std::uint8_t, 8>;
using Format1Block = std::array<std::uint8_t, 8>;
using Format3Block = std::array<std::uint8_t, 8>;
using Format4Block = std::array<std::uint8_t, 16>;

// ISO 9564-1:2017 §8.1: a PIN has 4 to 12 digits. An 8-byte block has 14 nibbles after its
// control and length nibbles, so formats 1 and 3 carry 14 - N fill nibbles (2 to 10).
inline constexpr std::size_t k_minimum_pin_length = 4;
inline constexpr std::size_t k_maximum_pin_length = 12;
inline constexpr std::size_t k_pin_field_digits = 14;
// Format 4 (§9.4.6) ends its PIN field with 8 random bytes.
inline constexpr std::size_t k_format4_random_length = 8;

// The fill nibbles formats 1 and 3 take for a PIN of `pin_length` digits (14 - N).
constexpr std::size_t fill_length_for(std::size_t pin_length) {
    return pin_length < k_pin_field_digits ? k_pin_field_digits - pin_length : 0;
}

// Where fill that is otherwise random comes from: it fills every byte of its argument and
// answers false when it cannot. Tests and `kiosk-sim pinblock --fill` replace it to reproduce
// published vectors; everything else uses system_random.
using RandomSource = std::function<bool(std::span<std::uint8_t>)>;

// The system's CSPRNG (OpenSSL RAND_bytes, seeded from getrandom).
bool system_random(std::span<std::uint8_t> bytes);

// Fill nibbles drawn from `random` into every element of `fill`: for format 1 any value
// 0x0..0xF (a byte's low nibble), for format 3 a uniform value 0xA..0xF (bytes of 252 and over,
// which would favour some values, are drawn again). crypto_failure when `random` fails.
std::expected<void, PinBlockError> draw_format1_fill(std::span<std::uint8_t> fill,
                                                     const RandomSource& random = system_random);
std::expected<void, PinBlockError> draw_format3_fill(std::span<std::uint8_t> fill,
                                                     const RandomSource& random = system_random);

// Whether `pan` is a PAN formats 0, 3 and 4 take: 8 to 19 decimal digits (ISO/IEC 7812-1).
bool is_valid_pan(std::string_view pan);

// TDES keys are 16 bytes (2-key, K1 K2 K1) or 24 bytes (3-key, K1 K2 K3), ANSI X9.52 keying
// options 2 and 1. A key whose parts make TDES collapse into one DES (K1 = K2, or for 3-key
// K2 = K3; parity bits ignored, DES never reads them) is refused with bad_key everywhere.

// ---- Format 0 (ISO 9564-1:2017 §9.4.2) ----

// The clear format 0 block: PIN field `0 N P..P F..F` XOR account field `0000` + the rightmost
// 12 PAN digits excluding the check digit.
std::expected<Format0Block, PinBlockError> format0_clear(std::string_view pin,
                                                         std::string_view pan);

// The clear block enciphered under a 16- or 24-byte TDES key in ECB on one block.
std::expected<Format0Block, PinBlockError> format0_encrypted(std::string_view pin,
                                                             std::string_view pan,
                                                             std::span<const std::uint8_t> key);

// Deciphers a format 0 block and returns the PIN after checking every field: control nibble
// 0, length 4..12, decimal PIN digits and F fill. The caller owns the returned PIN and should
// wipe it (base::wipe) as soon as it has been verified.
std::expected<std::string, PinBlockError> format0_decrypt_pin(
    std::span<const std::uint8_t, 8> block, std::string_view pan,
    std::span<const std::uint8_t> key);

// ---- Format 1 (ISO 9564-1:2017 §9.4.3): no PAN, for where none is available ----

// The clear format 1 block `1 N P..P T..T`, whose transaction field T is `fill`: one nibble
// value 0x0..0xF per element, exactly fill_length_for(pin.size()) of them.
std::expected<Format1Block, PinBlockError> format1_clear(std::string_view pin,
                                                         std::span<const std::uint8_t> fill);

// The block with `fill` enciphered under a TDES key.
std::expected<Format1Block, PinBlockError> format1_encrypted(std::string_view pin,
                                                             std::span<const std::uint8_t> key,
                                                             std::span<const std::uint8_t> fill);

// The same with fill drawn by draw_format1_fill.
std::expected<Format1Block, PinBlockError> format1_encrypted(
    std::string_view pin, std::span<const std::uint8_t> key,
    const RandomSource& random = system_random);

// Deciphers a format 1 block and returns the PIN after checking control nibble 1, length
// 4..12 and decimal digits; the transaction field may hold any nibble and is not checked.
std::expected<std::string, PinBlockError> format1_decrypt_pin(
    std::span<const std::uint8_t, 8> block, std::span<const std::uint8_t> key);

// ---- Format 3 (ISO 9564-1:2017 §9.4.5): format 0 with random fill 0xA..0xF ----

// The clear format 3 block: PIN field `3 N P..P X..X` XOR the format 0 account field, where
// the fill X is `fill`: fill_length_for(pin.size()) nibble values, each 0xA..0xF.
std::expected<Format3Block, PinBlockError> format3_clear(std::string_view pin, std::string_view pan,
                                                         std::span<const std::uint8_t> fill);

std::expected<Format3Block, PinBlockError> format3_encrypted(std::string_view pin,
                                                             std::string_view pan,
                                                             std::span<const std::uint8_t> key,
                                                             std::span<const std::uint8_t> fill);

// The same with fill drawn by draw_format3_fill.
std::expected<Format3Block, PinBlockError> format3_encrypted(
    std::string_view pin, std::string_view pan, std::span<const std::uint8_t> key,
    const RandomSource& random = system_random);

// Deciphers a format 3 block and returns the PIN after checking control nibble 3, length
// 4..12, decimal digits and fill nibbles 0xA..0xF.
std::expected<std::string, PinBlockError> format3_decrypt_pin(
    std::span<const std::uint8_t, 8> block, std::string_view pan,
    std::span<const std::uint8_t> key);

// TDES key check value: the first 3 bytes of E(K, 8 zero bytes). A failure of the cipher
// library yields 000000, which matches no stored check value, so a comparison fails closed.
std::array<std::uint8_t, 3> tdes_key_check_value(std::span<const std::uint8_t, 16> key);
std::array<std::uint8_t, 3> tdes_key_check_value(std::span<const std::uint8_t, 24> key);

// ---- Format 4 (ISO 9564-1:2017 §9.4.6), AES-128/192/256 ----

// The plain PIN field `4 N P..P A..A` followed by the 8 random bytes, before any encipherment.
std::expected<Format4Block, PinBlockError> format4_pin_field(
    std::string_view pin, std::span<const std::uint8_t, 8> random_fill);

// Enciphers with 8 fresh random fill bytes from the system's random generator.
std::expected<Format4Block, PinBlockError> format4_encrypted(std::string_view pin,
                                                             std::string_view pan,
                                                             std::span<const std::uint8_t> key);

// The same with caller-chosen random fill, so that test vectors can be reproduced.
std::expected<Format4Block, PinBlockError> format4_encrypted(
    std::string_view pin, std::string_view pan, std::span<const std::uint8_t> key,
    std::span<const std::uint8_t, 8> random_fill);

// The same with the 8 random bytes drawn from `random`.
std::expected<Format4Block, PinBlockError> format4_encrypted(std::string_view pin,
                                                             std::string_view pan,
                                                             std::span<const std::uint8_t> key,
                                                             const RandomSource& random);

// Deciphers a format 4 block and returns the PIN after checking control nibble 4, length
// 4..12, decimal digits and A fill.
std::expected<std::string, PinBlockError> format4_decrypt_pin(
    std::span<const std::uint8_t, 16> block, std::string_view pan,
    std::span<const std::uint8_t> key);

// AES key check value: the first 5 bytes of AES-CMAC(K, 16 zero bytes) (ANSI X9.24-1:2017).
std::expected<std::array<std::uint8_t, 5>, PinBlockError> aes_key_check_value(
    std::span<const std::uint8_t> key);

}  // namespace drivers::iso9564
