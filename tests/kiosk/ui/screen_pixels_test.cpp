// The clauses of docs/accessibility.md, "Display and text" and "Seeing the screen", checked on
// the pixels of every screen the core builds: each locale, theme (standard, elder), contrast
// (normal, high) and text size (normal, large, largest), rendered headlessly at 1920x1080 in
// SDL's software renderer on the reference panel (21.5 inches, 476 x 268 mm, read from 500 mm).
// Every screen is rendered in every locale at the normal text size and at a larger one; the
// densest screens in every look, the others in one look of each kind, taken in turn
// (screen_pixels.h).

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <unordered_map>

#include "kiosk/core/screens.h"
#include "tests/kiosk/ui/screen_pixels.h"

using namespace kiosk;
using namespace kiosk::ui;
using namespace kiosk::ui::testing;

namespace {

double pixels_per_mm(const Panel& panel) {
    return k_height / panel.height_mm;
}

// The capital heights measured on a rendering's pixels, in millimetres, with what each is.
struct Capital {
    std::string text;
    double millimetres = 0;
};

std::vector<Capital> capitals(const Rendered& rendered, const Panel& panel) {
    std::vector<Capital> found;
    const Frame& frame = *rendered.frame;
    for (const LaidOutElement& element : rendered.layout->elements) {
        if (element.role == core::Role::input) {
            continue;  // PIN dots, no letters
        }
        for (const LaidOutLine& line : element.lines) {
            std::vector<int> heights;
            if (line.is_key_badge) {
                // A key's digit is as tall as a capital; Enter, Clear and Cancel are symbols.
                if (line.text.size() == 1 && line.text[0] >= '0' && line.text[0] <= '9') {
                    const auto pieces = ink_pieces(frame, line.rect, ink_colours(frame, line.rect));
                    if (pieces.size() == 1) {
                        heights.push_back(pieces.front().height());
                    }
                }
            } else if (is_han_line(line.text)) {
                heights.push_back(
                    ink_extent(frame, line.rect, ink_colours(frame, line.rect)).height());
            } else {
                heights = flat_capital_heights(frame, line.rect, line.text, line.baseline);
            }
            for (const int height : heights) {
                found.push_back({line.text, height / pixels_per_mm(panel)});
            }
        }
    }
    return found;
}

// The height of an element's first capital letter or Han line, in pixels; 0 if none. Round
// capitals (S, C, O) count too: this compares themes, it does not measure against a minimum.
int first_capital_pixels(const Rendered& rendered, const LaidOutElement& element) {
    const Frame& frame = *rendered.frame;
    for (const LaidOutLine& line : element.lines) {
        const InkColours colours = ink_colours(frame, line.rect);
        if (is_han_line(line.text)) {
            return ink_extent(frame, line.rect, colours).height();
        }
        if (!line.text.empty() && line.text[0] >= 'A' && line.text[0] <= 'Z') {
            const auto pieces = ink_pieces(frame, line.rect, colours);
            if (!pieces.empty()) {
                return pieces.front().height();
            }
        }
    }
    return 0;
}

int role_size(const TextSizes& sizes, core::Role role) {
    switch (role) {
        case core::Role::title:
            return sizes.title;
        case core::Role::amount:
            return sizes.amount;
        case core::Role::notice:
            return sizes.notice;
        case core::Role::choice:
            return sizes.choice;
        case core::Role::input:
            return sizes.input;
        case core::Role::status:
            return sizes.status;
        case core::Role::text:
            break;
    }
    return sizes.text;
}

const TextSizes& design_sizes(const ScreenLook& look) {
    const auto& table = look.elder ? k_elder_sizes : k_standard_sizes;
    return table.at(static_cast<std::size_t>(look.text_size));
}

// WCAG 1.4.4: at every text size every screen fits, with nothing cut off or drawn over another
// element, every element drawn and nothing drawn outside them.
void check_fits(const Rendered& shown) {
    INFO("WCAG 1.4.4");
    if (shown.layout->overflows) {
        // The picture, to see what does not fit (the sample session's details are made up).
        std::string file = shown.name() + ".png";
        std::ranges::replace(file, ' ', '_');
        const std::filesystem::path picture =
            std::filesystem::path(KIOSK_BINARY_DIR) / "screens" / "overflow" / file;
        std::filesystem::create_directories(picture.parent_path());
        CHECK(save_png(*shown.frame, picture).has_value());
        FAIL_CHECK("does not fit: " << picture.string());
    }
    const Frame& frame = *shown.frame;
    const auto& elements = shown.layout->elements;
    // Which pixels some element covers: one buffer for every screen (fresh memory for each of
    // some 1,400 screens cost more than the checks).
    static std::vector<std::uint8_t> covered;
    covered.assign(static_cast<std::size_t>(frame.width) * static_cast<std::size_t>(frame.height),
                   0);
    for (std::size_t first = 0; first < elements.size(); ++first) {
        const SDL_Rect& box = elements[first].box;
        INFO("element " << elements[first].index << " at " << box.x << "," << box.y << " " << box.w
                        << "x" << box.h);
        // Inside the screen.
        CHECK(box.x >= 0);
        CHECK(box.y >= 0);
        CHECK(box.x + box.w <= frame.width);
        CHECK(box.y + box.h <= frame.height);
        // Apart from every other element.
        for (std::size_t second = first + 1; second < elements.size(); ++second) {
            CHECK_FALSE(SDL_HasIntersection(&box, &elements[second].box));
        }
        const int left = std::clamp(box.x, 0, frame.width);
        const int right = std::clamp(box.x + box.w, 0, frame.width);
        for (int y = std::max(box.y, 0); y < std::min(box.y + box.h, frame.height); ++y) {
            std::fill_n(covered.data() +
                            static_cast<std::size_t>(y) * static_cast<std::size_t>(frame.width) +
                            static_cast<std::size_t>(left),
                        right - left, std::uint8_t{1});
        }
    }
    // The screen behind the elements: the commonest colour outside their boxes (not of the whole
    // frame, which choices may cover more of than the background shows).
    const Colour background = [&] {
        std::unordered_map<std::uint32_t, int> counts;
        const std::uint8_t* at = frame.pixels.data();
        for (std::size_t index = 0; index < covered.size(); index += 7, at += 21) {
            if (covered[index] == 0) {
                ++counts[(std::uint32_t{at[0]} << 16U) | (std::uint32_t{at[1]} << 8U) | at[2]];
            }
        }
        const auto commonest = std::ranges::max_element(
            counts, [](const auto& one, const auto& other) { return one.second < other.second; });
        REQUIRE(commonest != counts.end());
        return Colour{static_cast<std::uint8_t>(commonest->first >> 16U),
                      static_cast<std::uint8_t>(commonest->first >> 8U),
                      static_cast<std::uint8_t>(commonest->first)};
    }();
    // Every element is drawn: its box shows something other than the screen behind it.
    for (const LaidOutElement& element : elements) {
        const core::Element& model = shown.screen->elements[element.index];
        if (model.role == core::Role::input && model.text.empty()) {
            continue;
        }
        INFO("element " << element.index << ": " << model.text);
        const InkColours inside = ink_colours(frame, element.box);
        CHECK((inside.background != background || inside.ink_pixels > 0));
    }
    // And nothing is drawn outside the elements' boxes: there the screen is its background.
    int stray = 0;
    std::size_t first_stray = 0;
    const std::uint8_t* pixel = frame.pixels.data();
    const std::uint8_t* mask = covered.data();
    const std::size_t count = covered.size();
    for (std::size_t index = 0; index < count; ++index, pixel += 3) {
        if (mask[index] == 0 && (pixel[0] != background.red || pixel[1] != background.green ||
                                 pixel[2] != background.blue)) {
            if (stray++ == 0) {
                first_stray = index;
            }
        }
    }
    INFO("first pixel drawn outside every element: "
         << first_stray % static_cast<std::size_t>(frame.width) << ","
         << first_stray / static_cast<std::size_t>(frame.width));
    CHECK(stray == 0);
}

// Seeing the screen: text never shrinks to fit, every line is drawn at its role's size for the
// theme and text size.
void check_sizes(const Rendered& shown) {
    INFO("text sizes");
    const TextSizes& sizes = design_sizes(shown.look);
    for (const LaidOutElement& element : shown.layout->elements) {
        for (const LaidOutLine& line : element.lines) {
            INFO(line.text);
            // At 1080 pixels on the reference panel the theme's sizes are drawn as they are.
            CHECK(line.pixel_size == role_size(sizes, element.role));
        }
    }
}

// WCAG 1.4.6: every line of text has at least 7:1 contrast with the pixels around it.
void check_text_contrast(const Rendered& shown) {
    INFO("WCAG 1.4.6");
    for (const LaidOutElement& element : shown.layout->elements) {
        for (const LaidOutLine& line : element.lines) {
            if (line.text.empty()) {
                continue;
            }
            INFO(line.text);
            const InkColours colours = ink_colours(*shown.frame, line.rect);
            CHECK(colours.ink_pixels > 0);
            CHECK(contrast_ratio(colours.ink, colours.background) >= k_minimum_text_contrast);
        }
    }
}

// WCAG 1.4.11: choices, notices, the PIN field and key badges stand out at least 3:1.
void check_control_contrast(const Rendered& shown) {
    INFO("WCAG 1.4.11");
    const Frame& frame = *shown.frame;
    const auto outside = [&frame](int x, int y) { return frame.at(std::max(x, 0), y); };
    constexpr int k_step = 3;  // into the edge, or out of it
    for (const LaidOutElement& element : shown.layout->elements) {
        const SDL_Rect& box = element.box;
        if (box.x < 0 || box.y < 0 || box.x + box.w > frame.width || box.y + box.h > frame.height) {
            continue;  // off the screen: check_fits says so
        }
        const int middle = box.y + box.h / 2;
        INFO("element " << element.index);
        switch (element.role) {
            case core::Role::choice:
            case core::Role::input:
                // The outline against the screen beside it.
                CHECK(contrast_ratio(frame.at(box.x, middle), outside(box.x - k_step, middle)) >=
                      k_minimum_control_contrast);
                break;
            case core::Role::notice:
                CHECK(contrast_ratio(frame.at(box.x + k_step, box.y + k_step),
                                     outside(box.x - k_step, box.y + k_step)) >=
                      k_minimum_control_contrast);
                break;
            default:
                break;
        }
        if (element.key_badge) {
            const SDL_Rect& badge = *element.key_badge;
            // The badge against the choice around it.
            CHECK(contrast_ratio(frame.at(badge.x + 1, badge.y + 1),
                                 frame.at(badge.x - k_step, badge.y + 1)) >=
                  k_minimum_control_contrast);
        }
    }
}

// WCAG 1.4.1: every choice shows its key as a label or symbol, never by colour alone.
void check_key_labels(const Rendered& shown) {
    INFO("WCAG 1.4.1");
    for (const LaidOutElement& element : shown.layout->elements) {
        const core::Element& model = shown.screen->elements[element.index];
        if (model.role != core::Role::choice || !model.key) {
            continue;
        }
        INFO(model.text);
        REQUIRE(element.key_badge.has_value());
        const auto label = std::ranges::find_if(
            element.lines, [](const LaidOutLine& line) { return line.is_key_badge; });
        REQUIRE(label != element.lines.end());
        const InkColours colours = ink_colours(*shown.frame, label->rect);
        CHECK(colours.ink_pixels > 0);
        CHECK(contrast_ratio(colours.ink, colours.background) >= k_minimum_text_contrast);
    }
}

// ADA 707.7.2 at the normal text size: capitals at least 4.8 mm high on the screen. EN 301 549
// 5.1.4 at the largest: capitals subtend 0.7 degrees at 500 mm (6.1 mm), and large sits between.
void check_capitals(const Rendered& shown) {
    const bool normal = shown.look.text_size == core::TextSize::normal;
    INFO((normal ? "ADA 707.7.2" : "EN 301 549 5.1.4"));
    const double minimum =
        normal ? k_minimum_capital_mm
               : minimum_capital_mm(shown.look.text_size, k_reference_panel.viewing_distance_mm);
    CHECK(minimum >= k_minimum_capital_mm);
    const auto measured = capitals(shown, k_reference_panel);
    CHECK_FALSE(measured.empty());
    for (const Capital& capital : measured) {
        INFO(capital.text << ": " << capital.millimetres << " mm");
        CHECK(capital.millimetres >= minimum);
    }
}

// MIIT: elder mode's main text is at least 18 pt (30 pt at the largest size), and in any theme
// the lines of a paragraph are at least 1.3 apart.
void check_elder_text(const Rendered& shown) {
    INFO("MIIT");
    const double points_to_pixels = k_millimetres_per_point * pixels_per_mm(k_reference_panel);
    for (const LaidOutElement& element : shown.layout->elements) {
        const bool is_main = element.role == core::Role::text ||
                             element.role == core::Role::notice ||
                             element.role == core::Role::choice;
        for (std::size_t index = 0; index < element.lines.size(); ++index) {
            const LaidOutLine& line = element.lines[index];
            INFO(line.text);
            if (shown.look.elder && is_main) {
                const double points = shown.look.text_size == core::TextSize::largest ? 30 : 18;
                CHECK(line.pixel_size >= points * points_to_pixels);
            }
            // Lines of one paragraph: baseline to baseline at least 1.3 ems, in any theme.
            if (index > 0 && !line.is_key_badge && !element.lines[index - 1].is_key_badge &&
                line.rect.x == element.lines[index - 1].rect.x) {
                CHECK(line.baseline - element.lines[index - 1].baseline >=
                      std::floor(k_minimum_line_spacing * line.pixel_size));
            }
        }
    }
}

}  // namespace

// Each screen is rendered once per look it is checked in, and every clause is checked on that
// one rendering: rendering, not checking, is what takes the time.
TEST_CASE(
    "Every screen on its pixels, at the normal and a larger text size: it fits (WCAG 1.4.4), "
    "text keeps its size, contrast (WCAG 1.4.6, 1.4.11), key labels (WCAG 1.4.1), capital "
    "heights (ADA 707.7.2, EN 301 549 5.1.4), elder mode's sizes and spacing (MIIT)") {
    auto display = open_display();
    std::set<core::TextSize> sizes_seen;
    const int rendered = for_each_rendering(*display, [&sizes_seen](const Rendered& shown) {
        INFO(shown.name());
        sizes_seen.insert(shown.look.text_size);
        check_fits(shown);
        check_sizes(shown);
        check_text_contrast(shown);
        check_control_contrast(shown);
        check_key_labels(shown);
        check_capitals(shown);
        check_elder_text(shown);
    });
    // Every screen in every locale at least twice (normal, and large or largest).
    CHECK(rendered >=
          2 * static_cast<int>(catalogs().catalogs.size() * core::k_all_screen_ids.size()));
    CHECK(sizes_seen.size() == core::k_text_sizes.size());
}

TEST_CASE("WCAG 1.4.1: the function keys' badges carry their symbols, each its own") {
    auto display = open_display();
    const auto badge_symbol = [&display](base::Key key) {
        core::ScreenModel screen;
        screen.id = "keys";
        screen.locale = "en";
        screen.theme = "standard";
        core::Element choice;
        choice.role = core::Role::choice;
        choice.text = "Choice";
        choice.key = key;
        screen.elements = {choice};
        display->show(screen);
        for (const LaidOutLine& line : display->layout().elements.at(0).lines) {
            if (line.is_key_badge) {
                return line.text;
            }
        }
        return std::string();
    };
    const std::set<std::string> symbols{badge_symbol(base::Key::enter),
                                        badge_symbol(base::Key::clear),
                                        badge_symbol(base::Key::cancel)};
    CHECK(symbols.size() == 3);
    CHECK_FALSE(symbols.contains(""));
}

TEST_CASE("EN 301 549 5.1.4: the minimums follow the configured panel and viewing distance") {
    // Read from a metre away, the largest capitals must be 12.2 mm: more than the theme's sizes
    // give on this panel, so the display raises them.
    const Panel far{.width_mm = 476, .height_mm = 268, .viewing_distance_mm = 1000};
    auto display = open_display(far);
    const double minimum = minimum_capital_mm(core::TextSize::largest, far.viewing_distance_mm);
    const TextSizes raised = display->text_sizes("standard", core::TextSize::largest);
    CHECK(raised.text > k_standard_sizes[2].text);
    CHECK(raised.title >= k_standard_sizes[2].title);
    for (const auto& [locale, catalog] : catalogs().catalogs) {
        for (const bool elder : {false, true}) {
            const ScreenLook look{
                .elder = elder, .high_contrast = false, .text_size = core::TextSize::largest};
            for (const core::ScreenModel& screen : sample_screens(catalogs(), locale, look)) {
                if (screen.id != "welcome" && screen.id != "menu") {
                    continue;
                }
                display->show(screen);
                display->render();
                auto frame = display->read_frame(Privacy::reveal);
                REQUIRE(frame.has_value());
                const Rendered shown{.locale = locale,
                                     .look = look,
                                     .screen = &screen,
                                     .layout = &display->layout(),
                                     .frame = &*frame};
                INFO(shown.name());
                const auto measured = capitals(shown, far);
                CHECK_FALSE(measured.empty());
                for (const Capital& capital : measured) {
                    INFO(capital.text << ": " << capital.millimetres << " mm");
                    CHECK(capital.millimetres >= minimum);
                }
            }
        }
    }
    // A smaller panel with as many pixels needs more of them for 4.8 mm: the display raises
    // every size to that, the status line's too.
    const Panel small{.width_mm = 217, .height_mm = 122, .viewing_distance_mm = 500};
    auto small_display = open_display(small);
    for (const auto& [locale, catalog] : catalogs().catalogs) {
        const ScreenLook look{};
        for (const core::ScreenModel& screen : sample_screens(catalogs(), locale, look)) {
            if (screen.id != "pin_entry") {
                continue;
            }
            small_display->show(screen);
            small_display->render();
            auto frame = small_display->read_frame(Privacy::reveal);
            REQUIRE(frame.has_value());
            const Rendered shown{.locale = locale,
                                 .look = look,
                                 .screen = &screen,
                                 .layout = &small_display->layout(),
                                 .frame = &*frame};
            INFO(shown.name() << " on a 217 x 122 mm panel");
            const auto measured = capitals(shown, small);
            CHECK_FALSE(measured.empty());
            for (const Capital& capital : measured) {
                INFO(capital.text << ": " << capital.millimetres << " mm");
                CHECK(capital.millimetres >= k_minimum_capital_mm);
            }
        }
    }
}

TEST_CASE("MIIT: on the pixels, elder mode's text is larger than the standard theme's") {
    // The defect this holds off: the elder welcome screen once shrank to fit, so its body text
    // came out barely larger than standard and its status line smaller than standard body text.
    auto display = open_display();
    for (const auto& [locale, catalog] : catalogs().catalogs) {
        for (const core::TextSize size : core::k_text_sizes) {
            std::map<core::Role, int> heights[2];
            for (const bool elder : {false, true}) {
                const ScreenLook look{.elder = elder, .high_contrast = false, .text_size = size};
                const auto screens = sample_screens(catalogs(), locale, look);
                const auto welcome = std::ranges::find(screens, "welcome", &core::ScreenModel::id);
                REQUIRE(welcome != screens.end());
                display->show(*welcome);
                display->render();
                auto frame = display->read_frame(Privacy::reveal);
                REQUIRE(frame.has_value());
                const Rendered shown{.locale = locale,
                                     .look = look,
                                     .screen = &*welcome,
                                     .layout = &display->layout(),
                                     .frame = &*frame};
                for (const LaidOutElement& element : display->layout().elements) {
                    if (const int pixels = first_capital_pixels(shown, element); pixels > 0) {
                        heights[elder ? 1 : 0].try_emplace(element.role, pixels);
                    }
                }
            }
            INFO(locale << " " << core::to_string(size));
            const auto& standard = heights[0];
            const auto& elder = heights[1];
            REQUIRE(standard.contains(core::Role::text));
            REQUIRE(elder.contains(core::Role::text));
            REQUIRE(elder.contains(core::Role::status));
            // Body text as much larger as the themes say (a shrunk layout falls short), and
            // the line that says elder mode is on no smaller than standard body text.
            const auto index = static_cast<std::size_t>(size);
            const double designed =
                static_cast<double>(k_elder_sizes[index].text) / k_standard_sizes[index].text;
            CHECK(elder.at(core::Role::text) >= 0.95 * designed * standard.at(core::Role::text));
            CHECK(elder.at(core::Role::status) >= standard.at(core::Role::text));
            CHECK(elder.at(core::Role::title) >= standard.at(core::Role::title));
        }
    }
}
