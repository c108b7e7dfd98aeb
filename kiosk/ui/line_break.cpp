#include "kiosk/ui/line_break.h"

#include <cstdint>

namespace kiosk::ui {

std::pair<char32_t, std::size_t> decode_utf8(std::string_view text, std::size_t position) {
    const auto lead = static_cast<unsigned char>(text[position]);
    std::size_t length = 1;
    char32_t code_point = lead;
    if (lead >= 0xF0) {
        length = 4;
        code_point = lead & 0x07U;
    } else if (lead >= 0xE0) {
        length = 3;
        code_point = lead & 0x0FU;
    } else if (lead >= 0xC0) {
        length = 2;
        code_point = lead & 0x1FU;
    }
    if (position + length > text.size()) {
        return {lead, 1};
    }
    for (std::size_t index = 1; index < length; ++index) {
        const auto continuation = static_cast<unsigned char>(text[position + index]);
        if ((continuation & 0xC0U) != 0x80U) {
            return {lead, 1};
        }
        code_point = (code_point << 6U) | (continuation & 0x3FU);
    }
    return {code_point, length};
}

namespace {

bool is_wide(char32_t code_point) {
    return (code_point >= 0x2E80 && code_point <= 0x9FFF) ||  // CJK radicals .. unified ideographs
           (code_point >= 0xAC00 && code_point <= 0xD7AF) ||  // Hangul
           (code_point >= 0xF900 && code_point <= 0xFAFF) ||  // compatibility ideographs
           (code_point >= 0xFE30 && code_point <= 0xFE4F) ||  // CJK compatibility forms
           (code_point >= 0xFF00 && code_point <= 0xFFEF) ||  // full-width forms
           (code_point >= 0x20000 && code_point <= 0x3FFFF);  // supplementary ideographs
}

bool is_closing(char32_t code_point) {
    constexpr std::u32string_view k_closing = U"，。、！？；：）」』】》〉”’…,.!?;:)]}%";
    return k_closing.find(code_point) != std::u32string_view::npos;
}

bool is_opening(char32_t code_point) {
    constexpr std::u32string_view k_opening = U"（「『【《〈“‘([{¥$";
    return k_opening.find(code_point) != std::u32string_view::npos;
}

// A token is the smallest piece that may start a line: a Latin word, one Han character, with
// closing punctuation glued to its end and opening punctuation glued to its start; spaces are
// their own tokens and vanish at line ends.
std::vector<std::string> tokenize(std::string_view text) {
    std::vector<std::string> tokens;
    std::string pending_opening;
    bool previous_was_word = false;
    for (std::size_t position = 0; position < text.size();) {
        const auto [code_point, length] = decode_utf8(text, position);
        const std::string_view bytes = text.substr(position, length);
        position += length;
        if (code_point == U' ') {
            tokens.emplace_back(" ");
            previous_was_word = false;
        } else if (is_closing(code_point) && !tokens.empty() && tokens.back() != " ") {
            tokens.back() += bytes;
        } else if (is_opening(code_point)) {
            pending_opening += bytes;
            previous_was_word = false;
        } else if (is_wide(code_point)) {
            tokens.push_back(pending_opening + std::string(bytes));
            pending_opening.clear();
            previous_was_word = false;
        } else {
            if (previous_was_word && pending_opening.empty()) {
                tokens.back() += bytes;
            } else {
                tokens.push_back(pending_opening + std::string(bytes));
                pending_opening.clear();
            }
            previous_was_word = true;
        }
    }
    if (!pending_opening.empty()) {
        tokens.push_back(pending_opening);
    }
    return tokens;
}

// Splits one token that is wider than a line into pieces that fit, character by character.
std::vector<std::string> split_long_token(const std::string& token, int max_width,
                                          const MeasureText& measure) {
    std::vector<std::string> pieces;
    std::string piece;
    for (std::size_t position = 0; position < token.size();) {
        const auto length = decode_utf8(token, position).second;
        const std::string candidate = piece + token.substr(position, length);
        if (!piece.empty() && measure(candidate) > max_width) {
            pieces.push_back(piece);
            piece = token.substr(position, length);
        } else {
            piece = candidate;
        }
        position += length;
    }
    if (!piece.empty()) {
        pieces.push_back(piece);
    }
    return pieces;
}

std::string join(const std::vector<std::string>& tokens, std::size_t begin, std::size_t end) {
    std::string line;
    for (std::size_t index = begin; index < end; ++index) {
        line += tokens[index];
    }
    while (!line.empty() && line.back() == ' ') {
        line.pop_back();
    }
    return line;
}

// Greedy breaking on the tokens' own widths, each measured once, so that a paragraph costs one
// measurement per token and one per line rather than one per token and prefix. Shaping may
// make a line a little narrower or wider than the sum of its tokens (kerning), so each line is
// measured whole before it is kept, and gives up tokens while it is too wide.
void break_paragraph(std::string_view paragraph, int max_width, const MeasureText& measure,
                     std::vector<std::string>& lines) {
    std::vector<std::string> tokens;
    std::vector<int> widths;
    for (std::string& token : tokenize(paragraph)) {
        const int width = measure(token);
        if (token == " " || width <= max_width) {
            tokens.push_back(std::move(token));
            widths.push_back(width);
            continue;
        }
        for (std::string& piece : split_long_token(token, max_width, measure)) {
            widths.push_back(measure(piece));
            tokens.push_back(std::move(piece));
        }
    }
    const std::size_t count = tokens.size();
    std::size_t begin = 0;
    while (begin < count) {
        while (begin < count && tokens[begin] == " ") {
            ++begin;
        }
        if (begin == count) {
            break;
        }
        std::size_t end = begin;
        int width = 0;
        while (end < count && (end == begin || width + widths[end] <= max_width)) {
            width += widths[end];
            ++end;
        }
        std::string line = join(tokens, begin, end);
        while (end > begin + 1 && measure(line) > max_width) {
            --end;
            line = join(tokens, begin, end);
        }
        lines.push_back(std::move(line));
        begin = end;
    }
    if (lines.empty()) {
        lines.emplace_back();
    }
}

}  // namespace

std::vector<std::string> break_lines(std::string_view text, int max_width,
                                     const MeasureText& measure) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = text.find('\n', start);
        break_paragraph(text.substr(start, end == std::string_view::npos ? end : end - start),
                        max_width, measure, lines);
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 1;
    }
    return lines;
}

}  // namespace kiosk::ui
