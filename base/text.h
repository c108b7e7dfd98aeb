#pragma once

// Checks on text that every parser of card numbers, PINs, amounts and protocol fields shares.
// Standard library only.

#include <algorithm>
#include <string_view>

namespace base {

// Whether `text` is one or more of the decimal digits 0-9 and nothing else.
constexpr bool is_digits(std::string_view text) {
    return !text.empty() && std::ranges::all_of(text, [](char character) {
        return character >= '0' && character <= '9';
    });
}

}  // namespace base
