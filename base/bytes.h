#pragma once

// The one byte toolkit of the project: the byte buffer type, views of bytes, the fixed-width
// integer fields of USB, CCID and EPP frames, and hexadecimal text. Standard library only.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/wipe.h"

namespace base {

// A byte buffer. Its storage is wiped whenever it is given back (growth, shrinking,
// destruction), so that no buffer that once carried a card's records, a track 2 or a PIN block
// leaves them behind in freed memory (docs/style.md, "Secrets").
using Bytes = std::vector<std::uint8_t, WipingAllocator<std::uint8_t>>;

// ---- Little-endian fields (USB 2.0 §8.1, CCID 1.1 §6, docs/protocols/epp.md, WAV) ----

inline void put_le16(Bytes& bytes, std::uint16_t value) {
    bytes.push_back(static_cast<std::uint8_t>(value & 0xFF));
    bytes.push_back(static_cast<std::uint8_t>(value >> 8));
}

inline void put_le32(Bytes& bytes, std::uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8) {
        bytes.push_back(static_cast<std::uint8_t>((value >> shift) & 0xFF));
    }
}

// The caller has checked that `offset + 2` (or `+ 4`) bytes are there.
inline std::uint16_t le16_at(std::span<const std::uint8_t> bytes, std::size_t offset) {
    return static_cast<std::uint16_t>(bytes[offset] | (bytes[offset + 1] << 8));
}

inline std::uint32_t le32_at(std::span<const std::uint8_t> bytes, std::size_t offset) {
    return static_cast<std::uint32_t>(bytes[offset]) |
           (static_cast<std::uint32_t>(bytes[offset + 1]) << 8) |
           (static_cast<std::uint32_t>(bytes[offset + 2]) << 16) |
           (static_cast<std::uint32_t>(bytes[offset + 3]) << 24);
}

// ---- Hexadecimal text ----

// Upper-case hexadecimal digits, two per byte, appended to `text` ("9F37" for 9F 37). Any text
// with push_back(char) will do: a std::string, or a base::SecretText for a PIN block.
template <typename Text>
void append_hex(Text& text, std::span<const std::uint8_t> bytes) {
    constexpr std::string_view k_digits = "0123456789ABCDEF";
    for (const std::uint8_t byte : bytes) {
        text.push_back(k_digits[byte >> 4]);
        text.push_back(k_digits[byte & 0x0F]);
    }
}

inline std::string to_hex(std::span<const std::uint8_t> bytes) {
    std::string text;
    text.reserve(bytes.size() * 2);
    append_hex(text, bytes);
    return text;
}

// The value of one hexadecimal digit, either case; nothing for any other character.
inline std::optional<std::uint8_t> hex_digit_value(char character) {
    if (character >= '0' && character <= '9') {
        return static_cast<std::uint8_t>(character - '0');
    }
    if (character >= 'A' && character <= 'F') {
        return static_cast<std::uint8_t>(character - 'A' + 10);
    }
    if (character >= 'a' && character <= 'f') {
        return static_cast<std::uint8_t>(character - 'a' + 10);
    }
    return std::nullopt;
}

// Bytes from hexadecimal text. Spaces between bytes are allowed ("3B 02 14 1C"); anything else
// that is not a pair of hex digits makes the whole text invalid.
inline std::optional<Bytes> parse_hex(std::string_view text) {
    Bytes bytes;
    bytes.reserve(text.size() / 2);
    std::size_t index = 0;
    while (index < text.size()) {
        if (text[index] == ' ') {
            ++index;
            continue;
        }
        if (index + 1 >= text.size()) {
            return std::nullopt;
        }
        const auto high = hex_digit_value(text[index]);
        const auto low = hex_digit_value(text[index + 1]);
        if (!high || !low) {
            return std::nullopt;
        }
        bytes.push_back(static_cast<std::uint8_t>((*high << 4) | *low));
        index += 2;
    }
    return bytes;
}

}  // namespace base
