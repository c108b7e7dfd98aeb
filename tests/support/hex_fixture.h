#pragma once

// A test fixture's bytes written as upper-case hex, parsed at compile time, so that a typo in a
// published vector fails the build rather than a test.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tests {

constexpr std::uint8_t hex_digit_value(char digit) {
    return static_cast<std::uint8_t>(digit <= '9' ? digit - '0' : digit - 'A' + 10);
}

template <std::size_t Size>
constexpr std::array<std::uint8_t, Size> hex_array(std::string_view hex) {
    if (hex.size() != Size * 2) {
        throw "hex fixture has the wrong length";
    }
    std::array<std::uint8_t, Size> result{};
    for (std::size_t index = 0; index < Size; ++index) {
        result[index] = static_cast<std::uint8_t>(hex_digit_value(hex[2 * index]) << 4 |
                                                  hex_digit_value(hex[2 * index + 1]));
    }
    return result;
}

}  // namespace tests
