#pragma once
// The look of the kiosk: colours and text sizes, one named home for every number that a
// customer's eyes depend on (docs/accessibility.md "Display and text").

#include <cstdint>
#include <string_view>

namespace kiosk::ui {

struct Colour {
    std::uint8_t red = 0;
    std::uint8_t green = 0;
    std::uint8_t blue = 0;
};

// WCAG 2.2 relative luminance and contrast ratio (1.4.3 definitions).
double relative_luminance(Colour colour);
double contrast_ratio(Colour first, Colour second);

struct Palette {
    Colour background{0x0A, 0x14, 0x24};  // deep navy: no glare for older eyes
    Colour text{0xFF, 0xFF, 0xFF};
    Colour title{0xFF, 0xFF, 0xFF};
    Colour amount{0xFF, 0xE1, 0x5A};  // warm yellow, still 7:1 and more on navy
    Colour notice_background{0xFF, 0xD4, 0x00};
    Colour notice_text{0x00, 0x00, 0x00};
    Colour choice_background{0x1E, 0x3A, 0x66};
    Colour choice_border{0xFF, 0xFF, 0xFF};
    Colour choice_text{0xFF, 0xFF, 0xFF};
    Colour key_badge_background{0xFF, 0xFF, 0xFF};
    Colour key_badge_text{0x00, 0x00, 0x00};
    Colour input_border{0xFF, 0xFF, 0xFF};
    Colour input_text{0xFF, 0xFF, 0xFF};
    Colour status_text{0xD8, 0xE2, 0xF0};
    Colour redaction{0x60, 0x60, 0x60};
};

// Pixel sizes at the reference height; everything scales with the window's real height.
struct TextSizes {
    int title = 0;
    int text = 0;
    int amount = 0;
    int notice = 0;
    int choice = 0;
    int input = 0;
    int status = 0;
};

inline constexpr int k_reference_height = 1080;

// Standard theme at 1080 px: body text 48 px is about 9 mm cap height on a 21.5" kiosk
// screen, well above ADA 707.7.2's 4.8 mm.
inline constexpr TextSizes k_standard_sizes{
    .title = 72, .text = 48, .amount = 96, .notice = 44, .choice = 52, .input = 72, .status = 32};
// Elder mode (长辈模式): a third larger again; MIIT asks for at least 18 pt body text and the
// largest setting at least 30 pt (40 px): here body 64 px, titles 96 px.
inline constexpr TextSizes k_elder_sizes{
    .title = 96, .text = 64, .amount = 120, .notice = 58, .choice = 68, .input = 96, .status = 40};

inline constexpr double k_line_spacing = 1.35;             // MIIT: at least 1.3x
inline constexpr double k_minimum_text_contrast = 7.0;     // WCAG 1.4.6 (AAA)
inline constexpr double k_minimum_control_contrast = 3.0;  // WCAG 1.4.11
inline constexpr int k_standard_touch_target = 44;         // WCAG 2.5.5, px at reference height
inline constexpr int k_elder_touch_target = 60;            // MIIT elder-friendly spec

struct Theme {
    std::string_view name;
    Palette palette;
    TextSizes sizes;
    int touch_target = 0;
};

// "standard" or "elder"; anything else falls back to standard.
Theme theme_named(std::string_view name);

}  // namespace kiosk::ui
