#include <catch2/catch.hpp>

#include <SDL2/SDL_image.h>

#include <filesystem>
#include <set>

#include "kiosk/ui/display.h"

using namespace kiosk;

namespace {

core::Element element(core::Role role, std::string text, std::optional<base::Key> key = {},
                      bool is_private = false) {
    core::Element made;
    made.role = role;
    made.text = std::move(text);
    made.key = key;
    made.is_private = is_private;
    return made;
}

core::ScreenModel balance_screen(std::string theme) {
    core::ScreenModel screen;
    screen.id = "balance";
    screen.locale = "zh-CN";
    screen.theme = std::move(theme);
    screen.elements = {
        element(core::Role::title, "账户余额"),
        element(core::Role::amount, "¥12,345.67", {}, true),
        element(core::Role::text, "卡号 **** **** **** 0018", {}, true),
        element(core::Role::choice, "返回主菜单", base::Key::digit_1),
        element(core::Role::choice, "退卡", base::Key::cancel),
        element(core::Role::status, "简体中文"),
    };
    return screen;
}

std::unique_ptr<ui::Display> open_display() {
    auto display = ui::Display::create(
        {.fullscreen = false, .width = 1280, .height = 720, .fonts = {}, .title = "test"});
    if (!display) {
        FAIL("cannot open the display: " << base::to_string(display.error()));
    }
    return std::move(*display);
}

// Counts the pixels of one colour in a PNG.
int count_pixels(const std::filesystem::path& path, ui::Colour colour) {
    SDL_Surface* loaded = IMG_Load(path.c_str());
    REQUIRE(loaded != nullptr);
    SDL_Surface* surface = SDL_ConvertSurfaceFormat(loaded, SDL_PIXELFORMAT_RGB24, 0);
    SDL_FreeSurface(loaded);
    int count = 0;
    for (int y = 0; y < surface->h; ++y) {
        const auto* row = static_cast<const Uint8*>(surface->pixels) + y * surface->pitch;
        for (int x = 0; x < surface->w; ++x) {
            const Uint8* pixel = row + 3 * x;
            if (pixel[0] == colour.red && pixel[1] == colour.green && pixel[2] == colour.blue) {
                ++count;
            }
        }
    }
    SDL_FreeSurface(surface);
    return count;
}

}  // namespace

TEST_CASE("Touching a choice presses its key, and touching elsewhere presses nothing") {
    auto display = open_display();
    display->show(balance_screen("elder"));
    REQUIRE(display->render());
    std::set<base::Key> touched;
    for (int y = 0; y < display->height(); y += 8) {
        for (int x = 0; x < display->width(); x += 8) {
            if (const auto key = display->key_at(x, y)) {
                touched.insert(*key);
            }
        }
    }
    CHECK(touched == std::set<base::Key>{base::Key::digit_1, base::Key::cancel});
    CHECK_FALSE(display->key_at(2, 2).has_value());
}

TEST_CASE("A screen is drawn once and then only when something changes") {
    auto display = open_display();
    display->show(balance_screen("standard"));
    CHECK(display->render());
    CHECK_FALSE(display->render());
    display->set_blanked(true);
    CHECK(display->render());
}

TEST_CASE("Screenshots redact private elements but the live screen shows them") {
    auto display = open_display();
    display->show(balance_screen("standard"));
    display->render();
    const auto directory = std::filesystem::temp_directory_path();
    const auto revealed = directory / "display-test-revealed.png";
    const auto redacted = directory / "display-test-redacted.png";
    REQUIRE(display->save_screenshot(revealed, ui::Privacy::reveal).has_value());
    REQUIRE(display->save_screenshot(redacted, ui::Privacy::redact).has_value());
    const ui::Palette palette = ui::theme_named("standard").palette;
    // The amount is drawn in its own yellow: visible live, gone from the redacted picture.
    CHECK(count_pixels(revealed, palette.amount) > 200);
    CHECK(count_pixels(redacted, palette.amount) == 0);
    CHECK(count_pixels(redacted, palette.redaction) > 1000);
    std::filesystem::remove(revealed);
    std::filesystem::remove(redacted);
}

TEST_CASE("A screenshot that cannot be written is an error naming the file") {
    auto display = open_display();
    display->show(balance_screen("standard"));
    display->render();
    const auto saved =
        display->save_screenshot("/nonexistent-folder/shot.png", ui::Privacy::redact);
    REQUIRE_FALSE(saved.has_value());
    CHECK(saved.error().code == ui::DisplayError::screenshot_unwritable);
    CHECK(base::to_string(saved.error()).find("/nonexistent-folder/shot.png") != std::string::npos);
}

TEST_CASE("A font file that cannot be opened stops the display and names the file") {
    auto display = ui::Display::create({.fullscreen = false,
                                        .width = 640,
                                        .height = 480,
                                        .fonts = {.regular = "/nonexistent/regular.ttc"},
                                        .title = "test"});
    REQUIRE_FALSE(display.has_value());
    CHECK(display.error().code == ui::DisplayError::font_unreadable);
    CHECK(base::to_string(display.error()).find("/nonexistent/regular.ttc") != std::string::npos);
}

TEST_CASE("Elder mode draws the same screen with larger text") {
    auto display = open_display();
    const auto directory = std::filesystem::temp_directory_path();
    const ui::Palette palette = ui::theme_named("standard").palette;
    int amount_pixels[2] = {};
    int index = 0;
    for (const char* theme : {"standard", "elder"}) {
        display->show(balance_screen(theme));
        display->render();
        const auto path = directory / "display-test-theme.png";
        REQUIRE(display->save_screenshot(path, ui::Privacy::reveal).has_value());
        amount_pixels[index++] = count_pixels(path, palette.amount);
        std::filesystem::remove(path);
    }
    CHECK(amount_pixels[1] > amount_pixels[0]);
}

TEST_CASE("The developer's keyboard maps onto the kiosk keypad") {
    CHECK(ui::Display::key_for(SDLK_5) == base::Key::digit_5);
    CHECK(ui::Display::key_for(SDLK_KP_0) == base::Key::digit_0);
    CHECK(ui::Display::key_for(SDLK_RETURN) == base::Key::enter);
    CHECK(ui::Display::key_for(SDLK_BACKSPACE) == base::Key::clear);
    CHECK(ui::Display::key_for(SDLK_ESCAPE) == base::Key::cancel);
    CHECK_FALSE(ui::Display::key_for(SDLK_q).has_value());
}
