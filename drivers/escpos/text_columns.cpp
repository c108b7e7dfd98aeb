#include "drivers/escpos/text_columns.h"

#include <algorithm>
#include <array>
#include <utility>

namespace drivers::escpos {

namespace {

// RFC 3629 §3: the largest code point, and the surrogates UTF-8 may not carry.
constexpr char32_t k_largest_code_point = 0x10FFFF;
constexpr char32_t k_first_surrogate = 0xD800;
constexpr char32_t k_last_surrogate = 0xDFFF;
// RFC 3629 §3: a continuation byte is 10xxxxxx and carries six bits of the code point.
constexpr std::uint8_t k_continuation_mask = 0xC0;
constexpr std::uint8_t k_continuation_bits = 0x80;
constexpr char32_t k_continuation_payload = 0x3F;
constexpr int k_bits_per_continuation = 6;
// The smallest code point each sequence length may carry; anything less is an overlong form.
constexpr std::array<char32_t, 5> k_smallest_for_length{0, 0, 0x80, 0x800, 0x10000};

struct CodePointRange {
    char32_t first;
    char32_t last;
};

// Unicode Standard Annex #11: the blocks whose characters are East_Asian_Width W or F, as far
// as a slip in Chinese, Japanese or Korean needs them.
constexpr std::array<CodePointRange, 15> k_wide_ranges{{
    {0x1100, 0x115F},    // Hangul Jamo initial consonants
    {0x2E80, 0x303E},    // CJK radicals, Kangxi radicals, CJK symbols and punctuation
    {0x3041, 0x33FF},    // Hiragana, Katakana, Bopomofo, Hangul compatibility, CJK compatibility
    {0x3400, 0x4DBF},    // CJK Unified Ideographs Extension A
    {0x4E00, 0x9FFF},    // CJK Unified Ideographs
    {0xA000, 0xA4CF},    // Yi
    {0xA960, 0xA97F},    // Hangul Jamo Extended-A
    {0xAC00, 0xD7A3},    // Hangul syllables
    {0xF900, 0xFAFF},    // CJK Compatibility Ideographs
    {0xFE10, 0xFE19},    // vertical forms
    {0xFE30, 0xFE6F},    // CJK compatibility forms, small form variants
    {0xFF00, 0xFF60},    // fullwidth forms
    {0xFFE0, 0xFFE6},    // fullwidth signs
    {0x20000, 0x2FFFD},  // CJK Unified Ideographs Extensions B to F, supplement
    {0x30000, 0x3FFFD},  // CJK Unified Ideographs Extension G and later
}};

// Wide punctuation that closes a phrase; a line never starts with it, so it stays with the
// character before it.
constexpr std::array<char32_t, 12> k_closing_punctuation{
    0x3001,  // 、
    0x3002,  // 。
    0x300B,  // 》
    0x300D,  // 」
    0x300F,  // 』
    0x3011,  // 】
    0xFF01,  // ！
    0xFF09,  // ）
    0xFF0C,  // ，
    0xFF1A,  // ：
    0xFF1B,  // ；
    0xFF1F,  // ？
};

// A piece of text that is laid out whole when it fits: a run of spaces, a Latin word, or one
// wide character, with the closing punctuation after it.
struct Unit {
    enum class Kind { space, word, wide };
    Kind kind = Kind::word;
    std::string_view text;
    int columns = 0;
};

std::vector<Unit> units_of(std::string_view text) {
    std::vector<Unit> units;
    std::size_t position = 0;
    while (position < text.size()) {
        const auto character = next_character(text.substr(position));
        const std::string_view piece = text.substr(position, character->length);
        const int columns = character_columns(character->code_point);
        Unit::Kind kind = Unit::Kind::word;
        if (character->code_point == U' ') {
            kind = Unit::Kind::space;
        } else if (columns > 1) {
            kind = Unit::Kind::wide;
        }
        const bool closes = std::ranges::find(k_closing_punctuation, character->code_point) !=
                            k_closing_punctuation.end();
        const Unit* previous = units.empty() ? nullptr : &units.back();
        const bool joins_previous =
            previous != nullptr &&
            ((kind == Unit::Kind::space && previous->kind == Unit::Kind::space) ||
             (kind == Unit::Kind::word && previous->kind == Unit::Kind::word) ||
             (closes && previous->kind != Unit::Kind::space));
        if (joins_previous) {
            Unit& last = units.back();
            last.text = std::string_view(last.text.data(), last.text.size() + piece.size());
            last.columns += columns;
        } else {
            units.push_back({kind, piece, columns});
        }
        position += character->length;
    }
    return units;
}

}  // namespace

bool is_utf8_continuation(std::uint8_t byte) {
    return (byte & k_continuation_mask) == k_continuation_bits;
}

std::size_t utf8_sequence_length(std::uint8_t lead) {
    if (lead < 0x80) {
        return 1;
    }
    if (lead >= 0xC2 && lead <= 0xDF) {
        return 2;
    }
    if (lead >= 0xE0 && lead <= 0xEF) {
        return 3;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        return 4;
    }
    return 0;
}

std::optional<Utf8Character> next_character(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    const auto lead = static_cast<std::uint8_t>(text[0]);
    const std::size_t length = utf8_sequence_length(lead);
    if (length == 0 || length > text.size()) {
        return std::nullopt;
    }
    if (length == 1) {
        return Utf8Character{lead, 1};
    }
    // The lead byte keeps 7 - length bits of the code point; each continuation byte six.
    char32_t code_point = lead & (0x7Fu >> length);
    for (std::size_t index = 1; index < length; ++index) {
        const auto byte = static_cast<std::uint8_t>(text[index]);
        if (!is_utf8_continuation(byte)) {
            return std::nullopt;
        }
        code_point = (code_point << k_bits_per_continuation) | (byte & k_continuation_payload);
    }
    if (code_point < k_smallest_for_length[length] || code_point > k_largest_code_point ||
        (code_point >= k_first_surrogate && code_point <= k_last_surrogate)) {
        return std::nullopt;
    }
    return Utf8Character{code_point, length};
}

bool is_valid_utf8(std::string_view text) {
    std::size_t position = 0;
    while (position < text.size()) {
        const auto character = next_character(text.substr(position));
        if (!character) {
            return false;
        }
        position += character->length;
    }
    return true;
}

int character_columns(char32_t code_point) {
    const bool wide = std::ranges::any_of(k_wide_ranges, [code_point](const CodePointRange& range) {
        return code_point >= range.first && code_point <= range.last;
    });
    return wide ? 2 : 1;
}

std::optional<int> display_columns(std::string_view text) {
    int columns = 0;
    std::size_t position = 0;
    while (position < text.size()) {
        const auto character = next_character(text.substr(position));
        if (!character) {
            return std::nullopt;
        }
        columns += character_columns(character->code_point);
        position += character->length;
    }
    return columns;
}

std::optional<std::vector<std::string>> wrap_to_columns(std::string_view text, int columns) {
    if (columns < 1 || !is_valid_utf8(text)) {
        return std::nullopt;
    }
    std::vector<std::string> lines;
    std::string line;
    int used = 0;
    std::string_view spaces;  // spaces between the line so far and the next unit
    const auto finish_line = [&] {
        lines.push_back(std::move(line));
        line.clear();
        used = 0;
        spaces = {};
    };
    for (const Unit& unit : units_of(text)) {
        if (unit.kind == Unit::Kind::space) {
            // Spaces at the very start of the text are kept (an indent); spaces where a line
            // breaks are dropped.
            if (lines.empty() && line.empty()) {
                line.append(
                    unit.text.substr(0, static_cast<std::size_t>(std::min(unit.columns, columns))));
                used = static_cast<int>(line.size());
            } else {
                spaces = unit.text;
            }
            continue;
        }
        const int with_spaces = used + static_cast<int>(spaces.size()) + unit.columns;
        if (with_spaces <= columns) {
            line.append(spaces);
            line.append(unit.text);
            used = with_spaces;
            spaces = {};
            continue;
        }
        if (used > 0) {
            finish_line();
        }
        spaces = {};
        if (unit.columns <= columns) {
            line.append(unit.text);
            used = unit.columns;
            continue;
        }
        // A word longer than a whole line: broken after the last character that fits.
        std::size_t position = 0;
        while (position < unit.text.size()) {
            const auto character = next_character(unit.text.substr(position));
            const int width = character_columns(character->code_point);
            if (used > 0 && used + width > columns) {
                finish_line();
            }
            line.append(unit.text.substr(position, character->length));
            used += width;
            position += character->length;
        }
    }
    if (!line.empty() || lines.empty()) {
        lines.push_back(std::move(line));
    }
    return lines;
}

}  // namespace drivers::escpos
