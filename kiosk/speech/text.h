#pragma once

// Text as the synthesiser receives it. Screen text can carry bytes that are not UTF-8 (a
// mis-encoded catalog, a name read from a card) and control characters; eSpeak NG reads up to
// the first NUL and may stumble on the rest, so every utterance is cleaned first and the
// cleaned text is what the transcript records as the utterance's phonetic form.

#include <string>
#include <string_view>

#include "kiosk/speech/core_types.h"

namespace kiosk::speech {

// Valid UTF-8 passes through unchanged, except that control characters (C0 other than tab and
// newline, DEL, C1) and every byte of an invalid, overlong, surrogate or truncated sequence
// become a space.
std::string clean_for_synthesis(std::string_view text);

// What the synthesiser reads for an utterance: its phonetic form (the lexicon applied), or
// its words when it has none.
inline std::string_view synthesiser_input(const core::Utterance& utterance) {
    return utterance.phonetic.empty() ? std::string_view(utterance.text)
                                      : std::string_view(utterance.phonetic);
}

}  // namespace kiosk::speech
