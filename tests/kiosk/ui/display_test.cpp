#include <catch2/catch.hpp>

#include <SDL2/SDL_image.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "kiosk/core/screens.h"
#include "kiosk/resources/load_resources.h"
#include "kiosk/ui/display.h"
#include "kiosk/ui/keyboard.h"
#include "kiosk/ui/sample_screens.h"

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

// A display at 1280x720.
std::unique_ptr<ui::Display> open_720p_display() {
    auto display = ui::Display::create({.fullscreen = false,
                                        .width = 1280,
                                        .height = 720,
                                        .fonts = {},
                                        .title = "test",
                                        .panel = ui::k_reference_panel,
                                        .warm_up = nullptr,
                                        .log = {}});
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
    auto display = open_720p_display();
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
    auto display = open_720p_display();
    display->show(balance_screen("standard"));
    CHECK(display->render());
    CHECK_FALSE(display->render());
    CHECK_FALSE(display->render());
    display->set_blanked(false);  // no change
    CHECK_FALSE(display->render());
    display->set_blanked(true);
    CHECK(display->render());
    CHECK_FALSE(display->render());
    display->set_blanked(false);
    CHECK(display->render());
    // The same screen shown again is laid out again and drawn once.
    display->show(balance_screen("standard"));
    CHECK(display->render());
    CHECK_FALSE(display->render());
}

TEST_CASE("Reading the frame back leaves nothing to redraw, a redacted picture does") {
    auto display = open_720p_display();
    display->show(balance_screen("standard"));
    REQUIRE(display->render());
    REQUIRE(display->read_frame(ui::Privacy::reveal).has_value());
    CHECK_FALSE(display->render());
    // A redacted picture is drawn into the back buffer: the live screen is drawn again.
    REQUIRE(display->read_frame(ui::Privacy::redact).has_value());
    CHECK(display->render());
    CHECK_FALSE(display->render());
}

TEST_CASE("A screen that cannot fit is said in the log and by overflows(), never shrunk") {
    std::vector<std::string> said;
    auto created =
        ui::Display::create({.fullscreen = false,
                             .width = 1280,
                             .height = 720,
                             .fonts = {},
                             .title = "test",
                             .panel = ui::k_reference_panel,
                             .warm_up = nullptr,
                             .log = [&said](const std::string& line) { said.push_back(line); }});
    REQUIRE(created.has_value());
    auto& display = *created;
    core::ScreenModel screen = balance_screen("elder");
    screen.id = "too_long";
    for (int paragraph = 0; paragraph < 12; ++paragraph) {
        screen.elements.insert(screen.elements.begin() + 1,
                               element(core::Role::text, "这一段文字很长，屏幕放不下这么多段落。"));
    }
    display->show(screen);
    display->render();
    CHECK(display->overflows());
    CHECK(display->layout().overflow > 0);
    REQUIRE(said.size() == 1);
    CHECK(said[0].find("too_long") != std::string::npos);
    CHECK(said[0].find("zh-CN") != std::string::npos);
    CHECK(said[0].find("elder") != std::string::npos);
    // Nothing is drawn over anything else: what does not fit runs off the bottom.
    const auto& elements = display->layout().elements;
    for (std::size_t first = 0; first < elements.size(); ++first) {
        for (std::size_t second = first + 1; second < elements.size(); ++second) {
            CHECK_FALSE(SDL_HasIntersection(&elements[first].box, &elements[second].box));
        }
    }
    CHECK(std::ranges::any_of(elements, [&display](const ui::LaidOutElement& element) {
        return element.box.y + element.box.h > display->height();
    }));
    // And the text keeps its size.
    const int body = display->text_sizes("elder", core::TextSize::normal).text;
    for (const auto& laid_out : elements) {
        if (laid_out.role == core::Role::text) {
            for (const auto& line : laid_out.lines) {
                CHECK(line.pixel_size == body);
            }
        }
    }
    // Said once, however often it is shown (a PIN field gains dots on the same screen).
    display->show(screen);
    CHECK(said.size() == 1);
    // A screen that fits says nothing.
    display->show(balance_screen("elder"));
    CHECK_FALSE(display->overflows());
    CHECK(said.size() == 1);
}

TEST_CASE("Screenshots redact private elements but the live screen shows them") {
    auto display = open_720p_display();
    display->show(balance_screen("standard"));
    display->render();
    const auto directory = std::filesystem::temp_directory_path();
    const auto revealed = directory / "display-test-revealed.png";
    const auto redacted = directory / "display-test-redacted.png";
    REQUIRE(display->save_screenshot(revealed, ui::Privacy::reveal).has_value());
    REQUIRE(display->save_screenshot(redacted, ui::Privacy::redact).has_value());
    const ui::Palette palette = ui::k_standard_palette;
    // The amount is drawn in its own yellow: visible live, gone from the redacted picture.
    CHECK(count_pixels(revealed, palette.amount) > 200);
    CHECK(count_pixels(redacted, palette.amount) == 0);
    CHECK(count_pixels(redacted, palette.redaction) > 1000);
    std::filesystem::remove(revealed);
    std::filesystem::remove(redacted);
}

TEST_CASE("A screenshot that cannot be written is an error naming the file") {
    auto display = open_720p_display();
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
                                        .title = "test",
                                        .panel = ui::k_reference_panel,
                                        .warm_up = nullptr,
                                        .log = {}});
    REQUIRE_FALSE(display.has_value());
    CHECK(display.error().code == ui::DisplayError::font_unreadable);
    CHECK(base::to_string(display.error()).find("/nonexistent/regular.ttc") != std::string::npos);
}

TEST_CASE("Elder mode draws the same screen with larger text") {
    auto display = open_720p_display();
    const auto directory = std::filesystem::temp_directory_path();
    const ui::Palette palette = ui::k_standard_palette;
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

TEST_CASE("The warm-up opens every font the screens use, so that no first layout opens one") {
    auto resources = resources::load_resources(KIOSK_SOURCE_DIR "/locales");
    REQUIRE(resources.has_value());
    // Asked for in the options, create() warms up before it returns.
    auto created = ui::Display::create({.fullscreen = false,
                                        .width = 1280,
                                        .height = 720,
                                        .fonts = {},
                                        .title = "test",
                                        .panel = ui::k_reference_panel,
                                        .warm_up = &*resources,
                                        .log = [](const std::string&) {}});
    REQUIRE(created.has_value());
    auto& display = *created;
    const std::size_t fonts = display->open_fonts();
    CHECK(fonts > 0);
    const ui::WarmUpReport report = display->warm_up(*resources);
    CHECK(report.fonts == fonts);
    CHECK(report.characters > 0);
    CHECK(report.screens == resources->catalogs.size() * 2 * core::k_text_sizes.size() *
                                core::k_all_screen_ids.size());
    for (const auto& [locale, catalog] : resources->catalogs) {
        for (const bool elder : {false, true}) {
            for (const bool high_contrast : {false, true}) {
                for (const core::TextSize size : core::k_text_sizes) {
                    const ui::ScreenLook look{
                        .elder = elder, .high_contrast = high_contrast, .text_size = size};
                    for (const auto& screen : ui::sample_screens(*resources, locale, look)) {
                        display->show(screen);
                        INFO(screen.id << " " << locale << " " << ui::look_name(look));
                        CHECK(display->open_fonts() == fonts);
                    }
                }
            }
        }
    }
}

TEST_CASE("A window of another shape scales the themes by its tighter side") {
    // A panel so large that its millimetre minimums never bind: only the scale shows.
    const ui::Panel wall{.width_mm = 3000, .height_mm = 3000, .viewing_distance_mm = 500};
    const auto text_size = [&wall](int width, int height) {
        auto display = ui::Display::create({.fullscreen = false,
                                            .width = width,
                                            .height = height,
                                            .fonts = {},
                                            .title = "test",
                                            .panel = wall,
                                            .warm_up = nullptr,
                                            .log = {}});
        REQUIRE(display.has_value());
        return (*display)->text_sizes("standard", core::TextSize::normal).text;
    };
    const int reference = ui::k_standard_sizes[0].text;
    CHECK(text_size(1920, 1080) == reference);
    CHECK(text_size(1280, 720) == reference * 2 / 3);
    // 5:4 and 16:10: the width is the tighter side.
    CHECK(text_size(1280, 1024) == reference * 2 / 3);
    CHECK(text_size(1920, 1200) == reference);
}

TEST_CASE("The developer's keyboard maps onto the kiosk keypad") {
    CHECK(ui::keypad_key(SDLK_5) == base::Key::digit_5);
    CHECK(ui::keypad_key(SDLK_KP_0) == base::Key::digit_0);
    CHECK(ui::keypad_key(SDLK_KP_7) == base::Key::digit_7);
    CHECK(ui::keypad_key(SDLK_RETURN) == base::Key::enter);
    CHECK(ui::keypad_key(SDLK_BACKSPACE) == base::Key::clear);
    CHECK(ui::keypad_key(SDLK_ESCAPE) == base::Key::cancel);
    CHECK(ui::keypad_key(SDLK_QUESTION) == base::Key::help);
    CHECK(ui::keypad_key(SDLK_KP_MULTIPLY) == base::Key::star);
    CHECK(ui::keypad_key(SDLK_HASH) == base::Key::hash);
    CHECK(ui::keypad_key(SDLK_a) == base::Key::audio);
    CHECK_FALSE(ui::keypad_key(SDLK_q).has_value());
    // The control panel's own keys (cards, headphones, devices) are not keypad keys.
    CHECK_FALSE(ui::keypad_key(SDLK_F1).has_value());
    CHECK_FALSE(ui::keypad_key(SDLK_h).has_value());
}
