#include "kiosk/speech/voices.h"

#include <algorithm>
#include <cctype>

namespace kiosk::speech {

namespace {

bool equal_ignoring_case(std::string_view left, std::string_view right) {
    return std::ranges::equal(left, right, [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
    });
}

}  // namespace

std::optional<std::string_view> voice_for_locale(std::string_view locale) {
    for (const VoiceChoice& choice : k_voice_table) {
        if (equal_ignoring_case(choice.locale, locale)) {
            return choice.voice;
        }
    }
    return std::nullopt;
}

int effective_rate_wpm(int requested_wpm) {
    if (requested_wpm <= 0) {
        return k_normal_rate_wpm;
    }
    return std::clamp(requested_wpm, k_minimum_rate_wpm, k_maximum_rate_wpm);
}

}  // namespace kiosk::speech
