#pragma once

// UUIDs (RFC 9562): 16 bytes, and their 36-character text form 8-4-4-4-12 of hexadecimal
// digits. The kiosk names its transactions (the account service's path, the cash dispenser's
// 16-byte reference, the journal) and its queue requests (Idempotency-Key) with them.
// Making a random one needs a secure generator, which lives in the rings above
// (kiosk/net/random_uuid.h); reading and writing them is here, once.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace base {

inline constexpr std::size_t k_uuid_bytes = 16;
inline constexpr std::size_t k_uuid_text_length = 36;

using Uuid = std::array<std::uint8_t, k_uuid_bytes>;

// Whether position `index` of the text form holds a hyphen (after 8, 4, 4 and 4 digits).
constexpr bool is_uuid_hyphen_position(std::size_t index) {
    return index == 8 || index == 13 || index == 18 || index == 23;
}

// The text form's 16 bytes; nothing unless `text` is exactly 8-4-4-4-12 hexadecimal digits of
// either case.
inline std::optional<Uuid> parse_uuid(std::string_view text) {
    if (text.size() != k_uuid_text_length) {
        return std::nullopt;
    }
    Uuid uuid{};
    std::size_t nibble = 0;
    for (std::size_t index = 0; index < text.size(); ++index) {
        if (is_uuid_hyphen_position(index)) {
            if (text[index] != '-') {
                return std::nullopt;
            }
            continue;
        }
        const auto value = hex_digit_value(text[index]);
        if (!value) {
            return std::nullopt;
        }
        uuid[nibble / 2] =
            static_cast<std::uint8_t>(uuid[nibble / 2] | (*value << (nibble % 2 == 0 ? 4 : 0)));
        ++nibble;
    }
    return uuid;
}

// 8-4-4-4-12 digits of either case.
inline bool is_uuid(std::string_view text) {
    return parse_uuid(text).has_value();
}

// The canonical text form: lower case (RFC 9562 §4).
inline std::string uuid_text(const Uuid& uuid) {
    constexpr std::string_view k_digits = "0123456789abcdef";
    std::string text;
    text.reserve(k_uuid_text_length);
    for (const std::uint8_t byte : uuid) {
        if (is_uuid_hyphen_position(text.size())) {
            text.push_back('-');
        }
        text.push_back(k_digits[byte >> 4]);
        text.push_back(k_digits[byte & 0x0F]);
    }
    return text;
}

// Only the canonical, lower-case form: how a transaction reference is written everywhere.
inline bool is_canonical_uuid(std::string_view text) {
    const auto uuid = parse_uuid(text);
    return uuid && uuid_text(*uuid) == text;
}

}  // namespace base
