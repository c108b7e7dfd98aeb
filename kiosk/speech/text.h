#pragma once

// Text as the synthesiser receives it. Screen text can carry bytes that are not UTF-8 (a
// mis-encoded catalog, a name read from a card) and control characters; eSpeak NG reads up to
// the first NUL and may stumble on the rest, so every utterance is cleaned first and the
// cleaned text is what the transcript records.

#include <string>
#include <string_view>

namespace kiosk::speech {

// Valid UTF-8 passes through unchanged, except that control characters (C0 other than tab and
// newline, DEL, C1) and every byte of an invalid, overlong, surrogate or truncated sequence
// become a space.
std::string clean_for_synthesis(std::string_view text);

}  // namespace kiosk::speech
