#pragma once

// ISO 9564-1:2017 PIN blocks: format 0 (TDES, 8 bytes) and format 4 (AES, 16 bytes).
//
// The kiosk itself never calls the encrypting functions: the PIN pad (real or simulated)
// builds the block inside its own boundary and the account service decrypts it. Both ends use
// this one implementation so that they agree bit for bit.

#include <array>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>

namespace drivers::iso9564 {

enum class PinBlockError {
    bad_pin,         // not 4..12 decimal digits (ISO 9564-1:2017 §8.1)
    bad_pan,         // not 8..19 decimal digits (ISO/IEC 7812-1)
    bad_key,         // wrong length, or a 2-key TDES key whose halves are equal (single DES)
    bad_block,       // a decrypted block that is not a well-formed PIN block of its format
    crypto_failure,  // the cipher library refused an operation
};

std::string_view to_string(PinBlockError error);

using Format0Block = std::array<std::uint8_t, 8>;
using Format4Block = std::array<std::uint8_t, 16>;

// ---- Format 0 (ISO 9564-1:2017 §9.4.2), enciphered with 2-key TDES in ECB on one block ----

// The clear format 0 block: PIN field `0 N P..P F..F` XOR account field `0000` + the rightmost
// 12 PAN digits excluding the check digit.
std::expected<Format0Block, PinBlockError> format0_clear(std::string_view pin,
                                                         std::string_view pan);

// The clear block enciphered under a 16-byte (K1 K2) TDES key.
std::expected<Format0Block, PinBlockError> format0_encrypted(std::string_view pin,
                                                             std::string_view pan,
                                                             std::span<const std::uint8_t, 16> key);

// Deciphers a format 0 block and returns the PIN after checking every field: control nibble
// 0, length 4..12, decimal PIN digits and F fill. The caller owns the returned PIN and should
// wipe it (base::wipe) as soon as it has been verified.
std::expected<std::string, PinBlockError> format0_decrypt_pin(
    std::span<const std::uint8_t, 8> block, std::string_view pan,
    std::span<const std::uint8_t, 16> key);

// TDES key check value: the first 3 bytes of E(K, 8 zero bytes). A failure of the cipher
// library yields 000000, which matches no stored check value, so a comparison fails closed.
std::array<std::uint8_t, 3> tdes_key_check_value(std::span<const std::uint8_t, 16> key);

// ---- Format 4 (ISO 9564-1:2017 §9.4.6), AES-128/192/256 ----

// Enciphers with 8 fresh random fill bytes from the system's random generator.
std::expected<Format4Block, PinBlockError> format4_encrypted(std::string_view pin,
                                                             std::string_view pan,
                                                             std::span<const std::uint8_t> key);

// The same with caller-chosen random fill, so that test vectors can be reproduced.
std::expected<Format4Block, PinBlockError> format4_encrypted(
    std::string_view pin, std::string_view pan, std::span<const std::uint8_t> key,
    std::span<const std::uint8_t, 8> random_fill);

// Deciphers a format 4 block and returns the PIN after checking control nibble 4, length
// 4..12, decimal digits and A fill.
std::expected<std::string, PinBlockError> format4_decrypt_pin(
    std::span<const std::uint8_t, 16> block, std::string_view pan,
    std::span<const std::uint8_t> key);

// AES key check value: the first 5 bytes of AES-CMAC(K, 16 zero bytes) (ANSI X9.24-1:2017).
std::expected<std::array<std::uint8_t, 5>, PinBlockError> aes_key_check_value(
    std::span<const std::uint8_t> key);

}  // namespace drivers::iso9564
