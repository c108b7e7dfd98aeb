#pragma once
// The look of the kiosk: colours and text sizes, one named home for every number that a
// customer's eyes depend on (docs/accessibility.md, "Display and text" and "Seeing the screen").

#include <array>
#include <cstdint>
#include <string_view>

#include "kiosk/core/screen.h"

namespace kiosk::ui {

struct Colour {
    std::uint8_t red = 0;
    std::uint8_t green = 0;
    std::uint8_t blue = 0;

    friend bool operator==(const Colour&, const Colour&) = default;
};

// WCAG 2.2 relative luminance and contrast ratio (1.4.3 definitions).
double relative_luminance(Colour colour);
double contrast_ratio(Colour first, Colour second);

struct Palette {
    Colour background;
    Colour text;
    Colour title;
    Colour amount;
    Colour notice_background;
    Colour notice_text;
    Colour choice_background;
    Colour choice_border;
    Colour choice_text;
    Colour key_badge_background;
    Colour key_badge_text;
    // The badges of the function keys repeat the colours of the keys themselves (ADA 707.6:
    // Enter green, Clear yellow, Cancel red); each also carries its symbol, so colour is never
    // the only cue (WCAG 1.4.1).
    Colour enter_key;
    Colour clear_key;
    Colour cancel_key;
    Colour input_border;
    Colour input_text;
    Colour status_text;
    Colour redaction;  // private elements in screenshots only
};

// Deep navy: no glare for older eyes, white text at 17:1.
inline constexpr Palette k_standard_palette{
    .background = {0x0A, 0x14, 0x24},
    .text = {0xFF, 0xFF, 0xFF},
    .title = {0xFF, 0xFF, 0xFF},
    .amount = {0xFF, 0xE1, 0x5A},  // warm yellow, still 7:1 and more on navy
    .notice_background = {0xFF, 0xD4, 0x00},
    .notice_text = {0x00, 0x00, 0x00},
    .choice_background = {0x1E, 0x3A, 0x66},
    .choice_border = {0xFF, 0xFF, 0xFF},
    .choice_text = {0xFF, 0xFF, 0xFF},
    .key_badge_background = {0xFF, 0xFF, 0xFF},
    .key_badge_text = {0x00, 0x00, 0x00},
    .enter_key = {0x34, 0xC7, 0x59},
    .clear_key = {0xFF, 0xD4, 0x00},
    .cancel_key = {0xFF, 0x6B, 0x6B},
    .input_border = {0xFF, 0xFF, 0xFF},
    .input_text = {0xFF, 0xFF, 0xFF},
    .status_text = {0xD8, 0xE2, 0xF0},
    .redaction = {0x60, 0x60, 0x60},
};

// High contrast, with either theme: black, white text, yellow highlights (the amount, the
// notices, the outlines of the controls). Every text is 15:1 or more.
inline constexpr Palette k_high_contrast_palette{
    .background = {0x00, 0x00, 0x00},
    .text = {0xFF, 0xFF, 0xFF},
    .title = {0xFF, 0xFF, 0xFF},
    .amount = {0xFF, 0xFF, 0x00},
    .notice_background = {0xFF, 0xFF, 0x00},
    .notice_text = {0x00, 0x00, 0x00},
    .choice_background = {0x00, 0x00, 0x00},
    .choice_border = {0xFF, 0xFF, 0x00},
    .choice_text = {0xFF, 0xFF, 0xFF},
    .key_badge_background = {0xFF, 0xFF, 0xFF},
    .key_badge_text = {0x00, 0x00, 0x00},
    .enter_key = {0x34, 0xC7, 0x59},
    .clear_key = {0xFF, 0xD4, 0x00},
    .cancel_key = {0xFF, 0x6B, 0x6B},
    .input_border = {0xFF, 0xFF, 0x00},
    .input_text = {0xFF, 0xFF, 0xFF},
    .status_text = {0xFF, 0xFF, 0xFF},
    .redaction = {0x60, 0x60, 0x60},
};

// Text sizes (the font's pixel size, its em) of each role on the reference 1920 x 1080 screen.
// The window scales them (by the smaller of its height's and width's ratios to the reference),
// and the panel's minimums below may raise them; nothing ever
// makes them smaller (docs/accessibility.md, "Seeing the screen": text never shrinks to fit).
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
inline constexpr int k_reference_width = 1920;

// Standard theme, normal size: body text 48 px has capitals of 35 px, 8.7 mm on the reference
// panel, well above ADA 707.7.2's 4.8 mm. Large and largest grow every role by a sixth and a
// third.
inline constexpr std::array<TextSizes, core::k_text_sizes.size()> k_standard_sizes{{
    {.title = 72, .text = 48, .amount = 96, .notice = 44, .choice = 52, .input = 72, .status = 36},
    {.title = 80, .text = 56, .amount = 104, .notice = 52, .choice = 60, .input = 80, .status = 42},
    {.title = 88, .text = 64, .amount = 112, .notice = 60, .choice = 68, .input = 88, .status = 48},
}};
// Elder mode (长辈模式): at each text size every role is larger than the standard theme's, body
// text by a third at normal and a fifth at largest (MIIT: body text at least 18 pt, 25 px on the
// reference panel; at the largest setting at least 30 pt, 43 px). The status line says that
// elder mode is on, so it is body text here. The largest size is as large as the wordiest
// screens allow on a 1080-line panel: the English welcome screen fills it.
inline constexpr std::array<TextSizes, core::k_text_sizes.size()> k_elder_sizes{{
    {.title = 88, .text = 64, .amount = 112, .notice = 60, .choice = 68, .input = 88, .status = 56},
    {.title = 94, .text = 70, .amount = 118, .notice = 66, .choice = 74, .input = 94, .status = 62},
    {.title = 100,
     .text = 76,
     .amount = 124,
     .notice = 72,
     .choice = 80,
     .input = 100,
     .status = 68},
}};

// Line spacing is the distance from one baseline to the next, in ems (the text's pixel size).
// A screen is first laid out at the comfortable spacing; one that does not fit is laid out
// again at the minimum, never closer (MIIT: at least 1.3 times).
inline constexpr double k_line_spacing = 1.5;
inline constexpr double k_minimum_line_spacing = 1.3;

inline constexpr double k_minimum_text_contrast = 7.0;     // WCAG 1.4.6 (AAA)
inline constexpr double k_minimum_control_contrast = 3.0;  // WCAG 1.4.11
inline constexpr int k_standard_touch_target = 44;         // WCAG 2.5.5, px on the reference screen
inline constexpr int k_elder_touch_target = 60;            // MIIT elder-friendly spec

// The panel the kiosk draws on and where the customer's eyes are. The millimetre minimums
// below become pixels through it.
struct Panel {
    double width_mm = 0;
    double height_mm = 0;
    double viewing_distance_mm = 0;
};

// A 21.5-inch 16:9 lobby panel (1920 x 1080 pixels, 4.03 pixels a millimetre) read from
// 500 mm, the distance at which EN 301 549 5.1.4 works its example.
inline constexpr Panel k_reference_panel{
    .width_mm = 476, .height_mm = 268, .viewing_distance_mm = 500};

// ADA 707.7.2: characters at least 3/16 inch (4.8 mm) high, based on the uppercase letter I.
inline constexpr double k_minimum_capital_mm = 4.8;
// EN 301 549 5.1.4: in the large-text mode, capitals subtend at least 0.7 degrees at the
// viewing distance (6.1 mm at 500 mm).
inline constexpr double k_largest_capital_degrees = 0.7;
// MIIT: elder mode's main text at least 18 pt, and at least 30 pt at the largest setting.
inline constexpr double k_elder_main_text_points = 18;
inline constexpr double k_elder_largest_main_text_points = 30;
inline constexpr double k_millimetres_per_point = 25.4 / 72;

// The least capital height in millimetres at a text size: 4.8 mm at normal (ADA 707.7.2), the
// 0.7 degrees of EN 301 549 5.1.4 at largest (never less than normal), halfway at large.
double minimum_capital_mm(core::TextSize size, double viewing_distance_mm);

// The least em of elder mode's main text in millimetres (MIIT), none in the standard theme.
double minimum_main_text_mm(std::string_view theme, core::TextSize size);

struct Theme {
    std::string_view name;  // "standard" or "elder"
    Palette palette;
    TextSizes sizes;  // on the reference screen, before the panel's minimums
    int touch_target = 0;
};

// The theme named in a screen model ("standard" or "elder"; anything else is standard), with
// its high-contrast palette when asked, at a text size.
Theme theme_for(std::string_view name, bool high_contrast, core::TextSize size);
Theme theme_for(const core::ScreenModel& screen);

}  // namespace kiosk::ui
