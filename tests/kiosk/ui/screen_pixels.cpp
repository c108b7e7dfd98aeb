#include "tests/kiosk/ui/screen_pixels.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "kiosk/resources/load_resources.h"
#include "kiosk/ui/line_break.h"

namespace kiosk::ui::testing {

namespace {

// Colours are counted on every third pixel of every third row: a line's background and its
// ink's inside cover far more than that, and the tests stay fast under AddressSanitizer.
constexpr int k_sample_step = 3;
// A pixel that differs from the background by less than this ratio is not ink.
constexpr double k_ink_contrast = 1.5;
// How many of each locale's fullest screens are rendered in every look (with its wordiest).
constexpr std::size_t k_fullest = 2;
// The layout's first margin, at 1080 pixels (kiosk/ui/display.cpp): less means narrow margins.
constexpr int k_reference_margin = 72;

Colour unpacked(std::uint32_t value) {
    return Colour{static_cast<std::uint8_t>(value >> 16U), static_cast<std::uint8_t>(value >> 8U),
                  static_cast<std::uint8_t>(value)};
}

Colour most_common(const std::unordered_map<std::uint32_t, int>& counts) {
    std::uint32_t best = 0;
    int best_count = -1;
    for (const auto& [colour, count] : counts) {
        if (count > best_count || (count == best_count && colour < best)) {
            best = colour;
            best_count = count;
        }
    }
    return unpacked(best);
}

SDL_Rect inside(const Frame& frame, const SDL_Rect& rect) {
    const SDL_Rect bounds{0, 0, frame.width, frame.height};
    SDL_Rect kept{};
    if (SDL_IntersectRect(&rect, &bounds, &kept) == SDL_FALSE) {
        return {0, 0, 0, 0};
    }
    return kept;
}

std::size_t characters(const std::string& text) {
    std::size_t count = 0;
    for (std::size_t position = 0; position < text.size();) {
        position += decode_utf8(text, position).second;
        ++count;
    }
    return count;
}

}  // namespace

const core::Resources& catalogs() {
    static const core::Resources k_resources = [] {
        auto loaded = resources::load_resources(KIOSK_SOURCE_DIR "/locales");
        if (!loaded) {
            FAIL("cannot load the catalogs: " << base::to_string(loaded.error()));
        }
        return std::move(*loaded);
    }();
    return k_resources;
}

std::unique_ptr<Display> open_display(const Panel& panel) {
    auto display = Display::create({.fullscreen = false,
                                    .width = k_width,
                                    .height = k_height,
                                    .fonts = {},
                                    .title = "test",
                                    .panel = panel,
                                    .warm_up = nullptr,
                                    .log = {}});
    if (!display) {
        FAIL("cannot open the display: " << base::to_string(display.error()));
    }
    REQUIRE((*display)->width() == k_width);
    REQUIRE((*display)->height() == k_height);
    return std::move(*display);
}

std::vector<ScreenLook> every_look() {
    std::vector<ScreenLook> looks;
    for (const bool elder : {false, true}) {
        for (const bool high_contrast : {false, true}) {
            for (const core::TextSize size : core::k_text_sizes) {
                looks.push_back(
                    {.elder = elder, .high_contrast = high_contrast, .text_size = size});
            }
        }
    }
    return looks;
}

std::string Rendered::name() const {
    return screen->id + " " + locale + " " + look_name(look);
}

std::set<std::string> densest_screens(Display& display) {
    std::set<std::string> densest;
    const ScreenLook biggest{
        .elder = true, .high_contrast = false, .text_size = core::TextSize::largest};
    for (const auto& [locale, catalog] : catalogs().catalogs) {
        // Fullest first: a tighter style, then less room to spare.
        std::vector<std::tuple<int, int, std::string>> by_room;
        std::vector<std::pair<std::size_t, std::string>> by_length;
        for (const core::ScreenModel& screen : sample_screens(catalogs(), locale, biggest)) {
            display.show(screen);
            const Layout& layout = display.layout();
            const int tightness =
                (layout.overflows ? 8 : 0) + (layout.style.compact ? 4 : 0) +
                (layout.style.margin < k_reference_margin ? 2 : 0) +
                (layout.style.most_per_row > 2 || layout.style.wrapped_choices ? 1 : 0);
            by_room.emplace_back(-tightness, layout.spare, screen.id);
            std::size_t length = 0;
            for (const core::Element& element : screen.elements) {
                length += characters(element.text);
            }
            by_length.emplace_back(length, screen.id);
        }
        std::sort(by_room.begin(), by_room.end());
        std::sort(by_length.rbegin(), by_length.rend());
        for (std::size_t index = 0; index < std::min(k_fullest, by_room.size()); ++index) {
            densest.insert(std::get<2>(by_room[index]) + " " + locale);
        }
        if (!by_length.empty()) {
            densest.insert(by_length.front().second + " " + locale);
        }
    }
    return densest;
}

int for_each_rendering(Display& display, const std::function<void(const Rendered&)>& check) {
    const std::set<std::string> densest = densest_screens(display);
    const std::vector<ScreenLook> looks = every_look();
    // A look's place among the looks of its kind (normal, or larger), and how many there are.
    const auto is_normal = [](const ScreenLook& look) {
        return look.text_size == core::TextSize::normal;
    };
    const auto normal_count = static_cast<std::size_t>(std::ranges::count_if(looks, is_normal));
    int count = 0;
    std::size_t turn = 0;
    Frame frame;
    for (const auto& [locale, catalog] : catalogs().catalogs) {
        std::size_t normal_place = 0;
        std::size_t larger_place = 0;
        for (const ScreenLook& look : looks) {
            const bool normal = is_normal(look);
            const std::size_t place = normal ? normal_place++ : larger_place++;
            const std::size_t of_kind = normal ? normal_count : looks.size() - normal_count;
            const std::vector<core::ScreenModel> screens = sample_screens(catalogs(), locale, look);
            for (std::size_t index = 0; index < screens.size(); ++index) {
                const core::ScreenModel& screen = screens[index];
                const bool in_turn = (index + turn) % of_kind == place;
                if (!in_turn && !densest.contains(screen.id + " " + locale)) {
                    continue;
                }
                display.show(screen);
                display.render();
                REQUIRE(display.read_frame(Privacy::reveal, frame).has_value());
                check(Rendered{.locale = locale,
                               .look = look,
                               .screen = &screen,
                               .layout = &display.layout(),
                               .frame = &frame});
                ++count;
            }
        }
        // The next locale starts its screens on other looks.
        turn += 5;
    }
    return count;
}

namespace {

// How often each colour occurs on the sampled pixels of a rectangle. A small open-addressed
// table: a rectangle of text holds a few hundred colours at most (antialiasing), and the
// standard library's hash map is slow in the debug and sanitizer builds.
std::unordered_map<std::uint32_t, int> colour_counts(const Frame& frame, const SDL_Rect& rect) {
    constexpr std::size_t k_slots = 4096;
    constexpr std::uint32_t k_empty = 0xFFFFFFFF;
    std::vector<std::uint32_t> colours(k_slots, k_empty);
    std::vector<int> counts(k_slots, 0);
    const SDL_Rect area = inside(frame, rect);
    const std::uint8_t* pixels = frame.pixels.data();
    const auto row_bytes = static_cast<std::size_t>(frame.width) * 3;
    std::size_t used = 0;
    for (int y = area.y; y < area.y + area.h; y += k_sample_step) {
        const std::uint8_t* row = pixels + static_cast<std::size_t>(y) * row_bytes;
        for (int x = area.x; x < area.x + area.w; x += k_sample_step) {
            const std::uint8_t* pixel = row + static_cast<std::size_t>(x) * 3;
            const std::uint32_t colour = (static_cast<std::uint32_t>(pixel[0]) << 16U) |
                                         (static_cast<std::uint32_t>(pixel[1]) << 8U) | pixel[2];
            std::size_t slot = (colour * 2654435761U) % k_slots;
            while (colours[slot] != k_empty && colours[slot] != colour) {
                slot = (slot + 1) % k_slots;
            }
            if (colours[slot] == k_empty) {
                if (used + 1 == k_slots) {
                    continue;  // a photograph, not text: the counts so far will do
                }
                colours[slot] = colour;
                ++used;
            }
            ++counts[slot];
        }
    }
    std::unordered_map<std::uint32_t, int> found;
    for (std::size_t slot = 0; slot < k_slots; ++slot) {
        if (colours[slot] != k_empty) {
            found.emplace(colours[slot], counts[slot]);
        }
    }
    return found;
}

}  // namespace

InkColours ink_colours(const Frame& frame, const SDL_Rect& rect) {
    const auto counts = colour_counts(frame, rect);
    InkColours colours;
    colours.background = most_common(counts);
    std::unordered_map<std::uint32_t, int> inks;
    for (const auto& [colour, count] : counts) {
        if (contrast_ratio(unpacked(colour), colours.background) >= k_ink_contrast) {
            inks.emplace(colour, count);
        }
    }
    colours.ink = inks.empty() ? colours.background : most_common(inks);
    for (const auto& [colour, count] : counts) {
        colours.ink_pixels += is_ink(unpacked(colour), colours) ? count : 0;
    }
    return colours;
}

bool is_ink(Colour pixel, const InkColours& colours) {
    const int ink[3] = {colours.ink.red - colours.background.red,
                        colours.ink.green - colours.background.green,
                        colours.ink.blue - colours.background.blue};
    const int seen[3] = {pixel.red - colours.background.red, pixel.green - colours.background.green,
                         pixel.blue - colours.background.blue};
    const int length = ink[0] * ink[0] + ink[1] * ink[1] + ink[2] * ink[2];
    if (length == 0) {
        return false;
    }
    // The pixel's share of the way from the background to the ink: its coverage.
    const int along = seen[0] * ink[0] + seen[1] * ink[1] + seen[2] * ink[2];
    return 2 * along >= length;
}

namespace {

// 1 where a pixel of the area is at least half ink, row by row.
std::vector<std::uint8_t> ink_mask(const Frame& frame, const SDL_Rect& area,
                                   const InkColours& colours) {
    const int ink[3] = {colours.ink.red - colours.background.red,
                        colours.ink.green - colours.background.green,
                        colours.ink.blue - colours.background.blue};
    const int background[3] = {colours.background.red, colours.background.green,
                               colours.background.blue};
    const int length = ink[0] * ink[0] + ink[1] * ink[1] + ink[2] * ink[2];
    std::vector<std::uint8_t> mask(static_cast<std::size_t>(area.w) *
                                   static_cast<std::size_t>(area.h));
    if (length == 0) {
        return mask;
    }
    std::uint8_t* out = mask.data();
    const auto row_bytes = static_cast<std::size_t>(frame.width) * 3;
    for (int y = area.y; y < area.y + area.h; ++y) {
        const std::uint8_t* pixel = frame.pixels.data() + static_cast<std::size_t>(y) * row_bytes +
                                    static_cast<std::size_t>(area.x) * 3;
        for (int x = 0; x < area.w; ++x, pixel += 3) {
            const int along = (pixel[0] - background[0]) * ink[0] +
                              (pixel[1] - background[1]) * ink[1] +
                              (pixel[2] - background[2]) * ink[2];
            *out++ = 2 * along >= length ? 1 : 0;
        }
    }
    return mask;
}

}  // namespace

InkExtent ink_extent(const Frame& frame, const SDL_Rect& rect, const InkColours& colours) {
    const SDL_Rect area = inside(frame, rect);
    const std::vector<std::uint8_t> mask = ink_mask(frame, area, colours);
    InkExtent extent{.top = area.y + area.h, .bottom = -1, .left = area.x + area.w, .right = -1};
    const std::uint8_t* ink = mask.data();
    for (int y = area.y; y < area.y + area.h; ++y) {
        for (int x = area.x; x < area.x + area.w; ++x) {
            if (*ink++ != 0) {
                extent.top = std::min(extent.top, y);
                extent.bottom = std::max(extent.bottom, y);
                extent.left = std::min(extent.left, x);
                extent.right = std::max(extent.right, x);
            }
        }
    }
    return extent;
}

std::vector<InkExtent> ink_pieces(const Frame& frame, const SDL_Rect& rect,
                                  const InkColours& colours) {
    const SDL_Rect area = inside(frame, rect);
    const auto index = [&area](int x, int y) {
        return static_cast<std::size_t>(y - area.y) * static_cast<std::size_t>(area.w) +
               static_cast<std::size_t>(x - area.x);
    };
    std::vector<std::uint8_t> ink = ink_mask(frame, area, colours);
    std::vector<InkExtent> pieces;
    std::vector<SDL_Point> pending;
    for (int x = area.x; x < area.x + area.w; ++x) {
        for (int y = area.y; y < area.y + area.h; ++y) {
            if (ink[index(x, y)] == 0) {
                continue;
            }
            InkExtent extent{.top = y, .bottom = y, .left = x, .right = x};
            ink[index(x, y)] = 0;
            pending.push_back({x, y});
            while (!pending.empty()) {
                const SDL_Point point = pending.back();
                pending.pop_back();
                extent.top = std::min(extent.top, point.y);
                extent.bottom = std::max(extent.bottom, point.y);
                extent.left = std::min(extent.left, point.x);
                extent.right = std::max(extent.right, point.x);
                for (int dy = -1; dy <= 1; ++dy) {
                    for (int dx = -1; dx <= 1; ++dx) {
                        const int near_x = point.x + dx;
                        const int near_y = point.y + dy;
                        if (near_x >= area.x && near_x < area.x + area.w && near_y >= area.y &&
                            near_y < area.y + area.h && ink[index(near_x, near_y)] != 0) {
                            ink[index(near_x, near_y)] = 0;
                            pending.push_back({near_x, near_y});
                        }
                    }
                }
            }
            pieces.push_back(extent);
        }
    }
    // Scanned column by column, so already in order of their left edges.
    return pieces;
}

std::vector<int> flat_capital_heights(const Frame& frame, const SDL_Rect& rect,
                                      const std::string& text, int baseline) {
    constexpr std::string_view k_flat_capitals = "BDEFHIKLMNPRTUVWXZ";
    constexpr std::string_view k_two_pieces = "ij:;!?=\"";
    for (const char character : text) {
        // Latin text only: anything else has pieces this count does not know.
        if (static_cast<unsigned char>(character) >= 0x80) {
            return {};
        }
    }
    const InkColours colours = ink_colours(frame, rect);
    const std::vector<InkExtent> pieces = ink_pieces(frame, rect, colours);
    // Which piece each character starts at.
    std::vector<std::pair<char, std::size_t>> starts;
    std::size_t expected = 0;
    for (const char character : text) {
        if (character == ' ') {
            continue;
        }
        starts.emplace_back(character, expected);
        std::size_t count = 1;
        if (k_two_pieces.find(character) != std::string_view::npos) {
            count = 2;
        } else if (character == '%') {
            count = 3;
        }
        expected += count;
    }
    if (expected != pieces.size()) {
        return {};
    }
    std::vector<int> heights;
    for (const auto& [character, piece] : starts) {
        const InkExtent& extent = pieces[piece];
        // A capital stands on the baseline (within a pixel of antialiasing).
        if (k_flat_capitals.find(character) != std::string_view::npos &&
            std::abs(extent.bottom + 1 - baseline) <= 1) {
            heights.push_back(extent.height());
        }
    }
    return heights;
}

bool is_han_line(const std::string& text) {
    constexpr std::u32string_view k_chinese_punctuation = U"，。、！？；：（）「」『』“”…·";
    int han = 0;
    for (std::size_t position = 0; position < text.size();) {
        const auto [code_point, length] = decode_utf8(text, position);
        position += length;
        if ((code_point >= 0x4E00 && code_point <= 0x9FFF) ||
            (code_point >= 0x3400 && code_point <= 0x4DBF)) {
            ++han;
        } else if (code_point != U' ' &&
                   k_chinese_punctuation.find(code_point) == std::u32string_view::npos) {
            return false;
        }
    }
    return han >= 2;
}

}  // namespace kiosk::ui::testing
