#pragma once

// Command and response APDUs (ISO/IEC 7816-4:2013 §5.1), short and extended length.

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/bytes.h"

namespace drivers::iso7816 {

// ISO/IEC 7816-4 §5.1: Ne up to 256 in short form, 65536 in extended form.
constexpr std::size_t k_max_short_data = 255;
constexpr std::size_t k_max_short_response = 256;
constexpr std::size_t k_max_extended_data = 65535;
constexpr std::size_t k_max_extended_response = 65536;

enum class ApduError {
    card_removed,             // the card left the reader during the exchange
    card_mute,                // the card stopped answering
    reader_gone,              // the reader was unplugged
    reader_failed,            // the reader reported an error or answered nonsense
    timeout,                  // no answer in time
    malformed_command,        // a command APDU whose length fields do not add up
    malformed_response,       // a response shorter than its status word
    data_too_long,            // more data than the APDU can carry
    response_chain_too_long,  // a card that keeps answering 61xx or 6Cxx
};

std::string_view to_string(ApduError error);

// ISO/IEC 7816-4 §5.1, Table 1: the four cases of a command.
enum class ApduCase { case1, case2, case3, case4 };

struct CommandApdu {
    std::uint8_t cla = 0;
    std::uint8_t ins = 0;
    std::uint8_t p1 = 0;
    std::uint8_t p2 = 0;
    base::Bytes data;
    // Ne: how many response bytes are expected at most (1..65536); none for case 1 and 3.
    std::optional<std::size_t> expected_length;

    ApduCase apdu_case() const;
    // Short form when it fits (Nc <= 255 and Ne <= 256), else extended form.
    std::expected<base::Bytes, ApduError> encode() const;
    // The other direction, for a simulated card.
    static std::expected<CommandApdu, ApduError> parse(std::span<const std::uint8_t> bytes);

    bool operator==(const CommandApdu&) const = default;
};

struct ResponseApdu {
    base::Bytes data;
    std::uint8_t sw1 = 0x90;
    std::uint8_t sw2 = 0x00;

    std::uint16_t status_word() const { return static_cast<std::uint16_t>((sw1 << 8) | sw2); }
    bool is_success() const { return sw1 == 0x90 && sw2 == 0x00; }
    base::Bytes encode() const;
    static std::expected<ResponseApdu, ApduError> parse(std::span<const std::uint8_t> bytes);
    static ResponseApdu status(std::uint16_t status_word);

    bool operator==(const ResponseApdu&) const = default;
};

// Common status words (ISO/IEC 7816-4 §5.6, EMV 4.3 Book 1 §12, Book 3 Annex A).
namespace status_word {
constexpr std::uint16_t k_success = 0x9000;
constexpr std::uint16_t k_selected_file_invalidated = 0x6283;  // application blocked
constexpr std::uint16_t k_wrong_length = 0x6700;
constexpr std::uint16_t k_security_status_not_satisfied = 0x6982;
constexpr std::uint16_t k_authentication_method_blocked = 0x6983;
constexpr std::uint16_t k_conditions_not_satisfied = 0x6985;
constexpr std::uint16_t k_wrong_data = 0x6A80;
constexpr std::uint16_t k_function_not_supported = 0x6A81;  // card blocked during selection
constexpr std::uint16_t k_file_not_found = 0x6A82;
constexpr std::uint16_t k_record_not_found = 0x6A83;
constexpr std::uint16_t k_incorrect_p1_p2 = 0x6A86;
constexpr std::uint16_t k_referenced_data_not_found = 0x6A88;
constexpr std::uint16_t k_instruction_not_supported = 0x6D00;
constexpr std::uint16_t k_class_not_supported = 0x6E00;
constexpr std::uint16_t k_no_precise_diagnosis = 0x6F00;
}  // namespace status_word

// A short English description of a status word, for logs and the engineer's tool.
std::string_view describe_status_word(std::uint16_t status_word);

}  // namespace drivers::iso7816
