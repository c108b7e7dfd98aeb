#pragma once
// Breaks a paragraph into lines that fit a width. SDL_ttf's own wrapping only breaks at
// spaces, which Chinese text does not have, so the kiosk breaks lines itself: between any two
// Han characters, at spaces in Latin text, never before closing punctuation (，。！？ …) and
// never after opening punctuation (“（「 …), the usual line-breaking rules for Chinese text.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kiosk::ui {

// The code point that starts at `position` of UTF-8 text, and its length in bytes. A malformed
// byte counts as one character of its own, so that text still lays out.
std::pair<char32_t, std::size_t> decode_utf8(std::string_view text, std::size_t position);

// Returns the width in pixels that `text` takes when drawn.
using MeasureText = std::function<int(std::string_view text)>;

// An explicit '\n' always starts a new line. A single word wider than the line is split
// between characters rather than overflowing.
std::vector<std::string> break_lines(std::string_view text, int max_width,
                                     const MeasureText& measure);

}  // namespace kiosk::ui
