#pragma once

// Online card authentication at the account service: the `card_authentication` object of a
// sign-on or balance request (docs/api/account.yaml, "CardAuthentication") read into what
// drivers/emv/application_cryptogram.h checks, and the demo issuer's master key the service
// checks it with.

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <expected>
#include <string_view>

#include "drivers/emv/application_cryptogram.h"
#include "simulator/bank/account_messages.h"
#include "simulator/cards/card_profile.h"

namespace simulator::bank {

// 32 hexadecimal digits as a 16-byte key; a compile error (in a constant) for anything else.
consteval std::array<std::uint8_t, 16> double_length_key(std::string_view hex) {
    if (hex.size() != 32) {
        throw "a double-length DES key is 32 hexadecimal digits";
    }
    const auto digit = [](char character) -> std::uint8_t {
        if (character >= '0' && character <= '9') {
            return static_cast<std::uint8_t>(character - '0');
        }
        if (character >= 'A' && character <= 'F') {
            return static_cast<std::uint8_t>(character - 'A' + 10);
        }
        throw "a key is upper-case hexadecimal";
    };
    std::array<std::uint8_t, 16> key{};
    for (std::size_t index = 0; index < key.size(); ++index) {
        key[index] =
            static_cast<std::uint8_t>((digit(hex[2 * index]) << 4) | digit(hex[2 * index + 1]));
    }
    return key;
}

// The issuer master key for application cryptograms (EMV 4.3 Book 2 Annex A1.4) from the same
// constant the simulated cards derive their keys from: a genuine demo card's ARQC verifies.
inline constexpr std::array<std::uint8_t, 16> k_demo_issuer_master_key =
    double_length_key(simulator::cards::k_demo_issuer_master_key_hex);

// docs/api/account.yaml, "CardAuthentication": field lengths in hexadecimal digits.
inline constexpr std::size_t k_arqc_digits = 16;                     // 9F26, 8 bytes
inline constexpr std::size_t k_counter_digits = 4;                   // 9F36, 2 bytes
inline constexpr std::size_t k_interchange_profile_digits = 4;       // 82, 2 bytes
inline constexpr std::size_t k_single_byte_digits = 2;               // 9F27, 5F34
inline constexpr std::size_t k_maximum_cdol1_data_digits = 2 * 252;  // a DOL's data fits an APDU
// 9F10 is at most 32 bytes (EMV 4.3 Book 3 Annex A).
inline constexpr std::size_t k_maximum_issuer_application_data_digits = 2 * 32;

// The object's fields, each checked against the contract's pattern (upper-case hexadecimal of
// the right length); an unknown field, a missing one (only pan_sequence_number may be left out)
// or a wrong one is RequestError::bad_card_authentication.
std::expected<drivers::emv::OnlineAuthentication, RequestError> parse_card_authentication(
    const nlohmann::json& object);

// EMV 4.3 Book 3 §6.5.5.4, Table 14: bits 8-7 of the cryptogram information data are 10 for an
// ARQC (00 AAC, 01 TC). Only an ARQC asks the issuer to authorise online.
bool is_arqc(const drivers::emv::OnlineAuthentication& authentication);

}  // namespace simulator::bank
