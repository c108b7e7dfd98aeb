#pragma once

// Which eSpeak NG voice speaks which display locale, and the limits of the speech parameters.
// This is the one place the mapping lives (docs/platform-facts.md, eSpeak NG 1.51 on Debian 12).

#include <array>
#include <optional>
#include <string_view>

namespace kiosk::speech {

struct VoiceChoice {
    std::string_view locale;  // the display locale, as the core names it
    std::string_view voice;   // the eSpeak NG voice name given to espeak_SetVoiceByName
};

// `cmn` and `zh` read Han text as pinyin with English tone digits ("nin two hao three",
// espeak-ng issues #1028 and #1236); `cmn-latn-pinyin` reads it correctly.
inline constexpr std::array<VoiceChoice, 3> k_voice_table{{
    {"zh-CN", "cmn-latn-pinyin"},
    {"zh-HK", "yue"},
    {"en", "en-us"},
}};

// The voice for a locale (matched without regard to case), or nothing for a locale the kiosk
// does not speak.
std::optional<std::string_view> voice_for_locale(std::string_view locale);

// eSpeak NG's rate range in words per minute (speak_lib.h espeakRATE_MINIMUM / _MAXIMUM).
inline constexpr int k_minimum_rate_wpm = 80;
inline constexpr int k_maximum_rate_wpm = 450;
inline constexpr int k_normal_rate_wpm = 175;

// A rate eSpeak accepts: out-of-range values are clamped, and a rate that is not positive
// (unset) becomes the normal rate.
int effective_rate_wpm(int requested_wpm);

// Base pitch (eSpeak 0..100, 50 = the voice's normal) and the synthesiser's own volume
// (eSpeak 0..200). The customer's volume steps are applied to the samples afterwards, so that
// speech and tones move together; 100 leaves headroom (peaks near 64% of full scale).
inline constexpr int k_normal_pitch = 50;
inline constexpr int k_synthesiser_volume = 100;

}  // namespace kiosk::speech
