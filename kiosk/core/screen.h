#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/keys.h"

namespace kiosk::core {

// What an element is for. The SDL renderer picks its look from the role; the speech script
// picks its phrasing (a choice is read with its key).
enum class Role { title, text, amount, notice, choice, input, status };

std::string_view to_string(Role role);

// One thing on a screen, in reading (and focus) order. Every element is both shown and spoken,
// so nothing is shown that is not spoken (docs/architecture.md, "One screen model, two renderers").
// Words said in a language of their own after an element's speech: an English model name or
// refusal a device reports, after its Chinese label in the service menu, so that neither voice
// reads the other's words.
struct SpeechPart {
    std::string text;
    std::string locale;

    friend bool operator==(const SpeechPart&, const SpeechPart&) = default;
};

struct Element {
    Role role = Role::text;
    std::string text;    // what the screen shows
    std::string speech;  // what is spoken instead of `text`, already worded; empty = speak text
    std::optional<base::Key> key;  // the key that selects it, for a choice
    bool is_private = false;       // spoken only on the headphone channel (EN 301 549 5.1.3.9)
    std::string locale;            // speech language of this element when it differs from the
                                   // screen's (a language's own name on the welcome screen)
    std::vector<SpeechPart> speech_after;  // said after the element's own words, each in its
                                           // language

    friend bool operator==(const Element&, const Element&) = default;
};

// The customer's text size (docs/accessibility.md, "Display and text"): the largest meets EN
// 301 549 5.1.4 on the configured panel.
enum class TextSize { normal, large, largest };

inline constexpr std::array k_text_sizes{TextSize::normal, TextSize::large, TextSize::largest};

std::string_view to_string(TextSize size);

struct ScreenModel {
    std::string id;
    std::string locale;
    std::string theme;           // "standard" or "elder"
    bool high_contrast = false;  // the high-contrast palette, with either theme
    TextSize text_size = TextSize::normal;
    std::vector<Element> elements;
    // Whether a digit key chooses something on this screen. The PIN pad reports digits in the
    // clear only while such a screen is shown, and never around PIN entry
    // (docs/protocols/epp.md §4.3, prompt control).
    bool takes_digits = false;

    friend bool operator==(const ScreenModel&, const ScreenModel&) = default;
};

inline constexpr std::string_view k_standard_theme = "standard";
inline constexpr std::string_view k_elder_theme = "elder";

}  // namespace kiosk::core
