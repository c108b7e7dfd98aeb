#pragma once

// Text as a receipt printer lays it out: UTF-8 read one character at a time, each character one
// or two columns of the paper wide, and lines wrapped to the columns a character size leaves.
// Pure functions over text; the encoder and the decoder of escpos_protocol.h share them.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace drivers::escpos {

// One character of UTF-8 text: its code point and how many bytes it took.
struct Utf8Character {
    char32_t code_point = 0;
    std::size_t length = 0;
};

// The character at the start of `text` (RFC 3629 §3: no overlong forms, no surrogates, nothing
// above U+10FFFF). Nothing when `text` is empty, or starts with an invalid or cut sequence.
std::optional<Utf8Character> next_character(std::string_view text);

// How many bytes a sequence that starts with `lead` has (1 to 4), or 0 when `lead` cannot start
// one (a continuation byte, or C0, C1, F5-FF).
std::size_t utf8_sequence_length(std::uint8_t lead);

// Whether `byte` continues a sequence (10xxxxxx) rather than starting one.
bool is_utf8_continuation(std::uint8_t byte);

// Whether the whole of `text` is valid UTF-8.
bool is_valid_utf8(std::string_view text);

// How many columns of the paper a character takes: 2 for the wide and fullwidth characters of
// East Asian scripts (Unicode Standard Annex #11, East_Asian_Width W and F), which a printer's
// font draws in a square twice as wide as a Latin letter, and 1 for every other character.
int character_columns(char32_t code_point);

// The columns `text` takes, or nothing when it is not valid UTF-8.
std::optional<int> display_columns(std::string_view text);

// Breaks `text` into lines of at most `columns` columns. A line breaks after the last space that
// fits when there is one (the space itself is dropped), otherwise after the last character that
// fits, and never inside a character. A character wider than `columns` gets a line of its own.
// Nothing when `text` is not valid UTF-8 or `columns` is below 1.
std::optional<std::vector<std::string>> wrap_to_columns(std::string_view text, int columns);

}  // namespace drivers::escpos
