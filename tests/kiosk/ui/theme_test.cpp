#include <catch2/catch.hpp>

#include "kiosk/ui/theme.h"

using namespace kiosk;
using namespace kiosk::ui;

namespace {

const std::array<Palette, 2> k_palettes{k_standard_palette, k_high_contrast_palette};

// Every role's size, in the order of TextSizes.
std::array<int, 7> roles(const TextSizes& sizes) {
    return {sizes.title,  sizes.text,  sizes.amount, sizes.notice,
            sizes.choice, sizes.input, sizes.status};
}

}  // namespace

TEST_CASE("Contrast ratio follows WCAG's definition: black on white is 21 to 1") {
    REQUIRE(contrast_ratio(Colour{0, 0, 0}, Colour{255, 255, 255}) == Approx(21.0));
    REQUIRE(contrast_ratio(Colour{0x77, 0x77, 0x77}, Colour{255, 255, 255}) ==
            Approx(4.48).margin(0.01));
}

TEST_CASE("WCAG 1.4.6: every text colour has at least 7:1 contrast on its background") {
    for (const Palette& palette : k_palettes) {
        CHECK(contrast_ratio(palette.text, palette.background) >= k_minimum_text_contrast);
        CHECK(contrast_ratio(palette.title, palette.background) >= k_minimum_text_contrast);
        CHECK(contrast_ratio(palette.amount, palette.background) >= k_minimum_text_contrast);
        CHECK(contrast_ratio(palette.status_text, palette.background) >= k_minimum_text_contrast);
        CHECK(contrast_ratio(palette.input_text, palette.background) >= k_minimum_text_contrast);
        CHECK(contrast_ratio(palette.notice_text, palette.notice_background) >=
              k_minimum_text_contrast);
        CHECK(contrast_ratio(palette.choice_text, palette.choice_background) >=
              k_minimum_text_contrast);
        for (const Colour badge : {palette.key_badge_background, palette.enter_key,
                                   palette.clear_key, palette.cancel_key}) {
            CHECK(contrast_ratio(palette.key_badge_text, badge) >= k_minimum_text_contrast);
        }
    }
}

TEST_CASE("WCAG 1.4.11: controls stand out at least 3:1 from the screen") {
    for (const Palette& palette : k_palettes) {
        CHECK(contrast_ratio(palette.choice_border, palette.background) >=
              k_minimum_control_contrast);
        CHECK(contrast_ratio(palette.input_border, palette.background) >=
              k_minimum_control_contrast);
        CHECK(contrast_ratio(palette.notice_background, palette.background) >=
              k_minimum_control_contrast);
        for (const Colour badge : {palette.key_badge_background, palette.enter_key,
                                   palette.clear_key, palette.cancel_key}) {
            CHECK(contrast_ratio(badge, palette.choice_background) >= k_minimum_control_contrast);
        }
    }
}

TEST_CASE("High contrast is black with white text and yellow highlights, with either theme") {
    for (const auto* name : {"standard", "elder"}) {
        const Palette palette = theme_for(name, true, core::TextSize::normal).palette;
        CHECK(palette.background == Colour{0, 0, 0});
        CHECK(palette.text == Colour{0xFF, 0xFF, 0xFF});
        CHECK(palette.amount == Colour{0xFF, 0xFF, 0x00});
        CHECK(palette.choice_border == Colour{0xFF, 0xFF, 0x00});
        CHECK(contrast_ratio(palette.text, palette.background) >= 15);
        CHECK(theme_for(name, false, core::TextSize::normal).palette.background ==
              k_standard_palette.background);
    }
}

TEST_CASE("ADA 707.7.2 and EN 301 549 5.1.4: the capital minimums follow the viewing distance") {
    CHECK(minimum_capital_mm(core::TextSize::normal, 500) == Approx(4.8));
    // 2 x 500 mm x tan(0.35 degrees).
    CHECK(minimum_capital_mm(core::TextSize::largest, 500) == Approx(6.108).margin(0.001));
    CHECK(minimum_capital_mm(core::TextSize::large, 500) ==
          Approx((4.8 + 6.108) / 2).margin(0.001));
    CHECK(minimum_capital_mm(core::TextSize::largest, 1000) == Approx(12.217).margin(0.001));
    // Close up, the largest size is never smaller than normal.
    CHECK(minimum_capital_mm(core::TextSize::largest, 300) == Approx(4.8));
}

TEST_CASE("Three text sizes: large sits between normal and largest in every role and theme") {
    for (const auto& sizes : {k_standard_sizes, k_elder_sizes}) {
        const auto normal = roles(sizes[0]);
        const auto large = roles(sizes[1]);
        const auto largest = roles(sizes[2]);
        for (std::size_t role = 0; role < normal.size(); ++role) {
            CHECK(normal[role] < large[role]);
            CHECK(large[role] < largest[role]);
        }
    }
}

TEST_CASE("MIIT elder mode: never smaller than standard, body text at least 18 pt and 30 pt") {
    // Points to pixels on the reference panel: 1080 px over 268 mm.
    const double pixels_per_mm = k_reference_height / k_reference_panel.height_mm;
    for (const core::TextSize size : core::k_text_sizes) {
        const Theme elder = theme_for("elder", false, size);
        const Theme standard = theme_for("standard", false, size);
        const auto elder_roles = roles(elder.sizes);
        const auto standard_roles = roles(standard.sizes);
        for (std::size_t role = 0; role < elder_roles.size(); ++role) {
            CHECK(elder_roles[role] >= standard_roles[role]);
        }
        CHECK(elder.sizes.text > standard.sizes.text);
        // The status line of the elder theme says that elder mode is on: body text.
        CHECK(elder.sizes.status >= standard.sizes.text);
        const double points = size == core::TextSize::largest ? 30 : 18;
        CHECK(elder.sizes.text >= points * k_millimetres_per_point * pixels_per_mm);
        CHECK(minimum_main_text_mm("elder", size) == Approx(points * 25.4 / 72));
        CHECK(minimum_main_text_mm("standard", size) == 0);
        CHECK(elder.touch_target >= 60);
        CHECK(standard.touch_target >= 44);
    }
    CHECK(k_minimum_line_spacing >= 1.3);
    CHECK(k_line_spacing >= k_minimum_line_spacing);
}
