#include <catch2/catch.hpp>

#include "kiosk/ui/theme.h"

using namespace kiosk::ui;

TEST_CASE("Contrast ratio follows WCAG's definition: black on white is 21 to 1") {
    REQUIRE(contrast_ratio(Colour{0, 0, 0}, Colour{255, 255, 255}) == Approx(21.0));
    REQUIRE(contrast_ratio(Colour{0x77, 0x77, 0x77}, Colour{255, 255, 255}) ==
            Approx(4.48).margin(0.01));
}

TEST_CASE("WCAG 1.4.6: every text colour has at least 7:1 contrast on its background") {
    for (const auto* name : {"standard", "elder"}) {
        const Palette palette = theme_named(name).palette;
        CHECK(contrast_ratio(palette.text, palette.background) >= k_minimum_text_contrast);
        CHECK(contrast_ratio(palette.title, palette.background) >= k_minimum_text_contrast);
        CHECK(contrast_ratio(palette.amount, palette.background) >= k_minimum_text_contrast);
        CHECK(contrast_ratio(palette.status_text, palette.background) >= k_minimum_text_contrast);
        CHECK(contrast_ratio(palette.notice_text, palette.notice_background) >=
              k_minimum_text_contrast);
        CHECK(contrast_ratio(palette.choice_text, palette.choice_background) >=
              k_minimum_text_contrast);
        CHECK(contrast_ratio(palette.key_badge_text, palette.key_badge_background) >=
              k_minimum_text_contrast);
    }
}

TEST_CASE("WCAG 1.4.11: controls stand out at least 3:1 from the screen") {
    const Palette palette = theme_named("standard").palette;
    CHECK(contrast_ratio(palette.choice_border, palette.background) >= k_minimum_control_contrast);
    CHECK(contrast_ratio(palette.input_border, palette.background) >= k_minimum_control_contrast);
    CHECK(contrast_ratio(palette.notice_background, palette.background) >=
          k_minimum_control_contrast);
}

TEST_CASE("MIIT elder mode: body text is larger than standard and at least 18 pt") {
    const Theme elder = theme_named("elder");
    const Theme standard = theme_named("standard");
    CHECK(elder.sizes.text > standard.sizes.text);
    CHECK(elder.sizes.title > standard.sizes.title);
    // 18 pt = 24 px at 96 dpi; the largest text at least 30 pt = 40 px.
    CHECK(elder.sizes.text >= 24);
    CHECK(elder.sizes.title >= 40);
    CHECK(k_line_spacing >= 1.3);
    CHECK(elder.touch_target >= 60);
    CHECK(standard.touch_target >= 44);
}
