#pragma once
// What the pixel tests share: every screen the core builds, rendered headlessly at 1920x1080 on
// the reference panel in each locale and look, read back from the renderer, and measurements
// made on those pixels (contrast, capital heights, where ink lies). The layout's rectangles say
// where each element is; the pixels say what is really there.

#include <SDL2/SDL.h>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kiosk/core/resources.h"
#include "kiosk/ui/display.h"
#include "kiosk/ui/frame.h"
#include "kiosk/ui/sample_screens.h"

namespace kiosk::ui::testing {

inline constexpr int k_width = 1920;
inline constexpr int k_height = 1080;

// The real catalogs of locales/.
const core::Resources& catalogs();

// A display at 1920x1080 on a panel (the reference panel unless told).
std::unique_ptr<Display> open_display(const Panel& panel = k_reference_panel);

// Every look: theme x contrast x text size.
std::vector<ScreenLook> every_look();

// One screen as drawn.
struct Rendered {
    std::string locale;
    ScreenLook look;
    const core::ScreenModel* screen = nullptr;
    const Layout* layout = nullptr;
    const Frame* frame = nullptr;
    // "welcome zh-CN elder-high-contrast-largest", for messages.
    std::string name() const;
};

// The densest screens of each locale, as "id locale": at the largest elder size, the two that
// needed the tightest layout and had the least room to spare, and the one with the most text.
// Judged on the catalogs as they are now, so a longer screen added later is among them.
std::set<std::string> densest_screens(Display& display);

// Renders every screen in every locale twice: once at the normal text size and once at a larger
// one (large or largest), each in one of the looks of that size, the looks taken in turn so that
// every look comes round; and the densest screens in every look. Calls `check` with each,
// read back from the renderer without redaction. Returns how many.
int for_each_rendering(Display& display, const std::function<void(const Rendered&)>& check);

// Pixel measurements ----------------------------------------------------------------------

// A line's ink against its background, both taken from the pixels: the background is the most
// common colour of the line's rectangle, the ink the most common of the pixels that clearly
// differ from it (a glyph's inside, fully covered).
struct InkColours {
    Colour background;
    Colour ink;
    int ink_pixels = 0;  // sampled pixels at least half covered by ink
};
InkColours ink_colours(const Frame& frame, const SDL_Rect& rect);

// Whether a pixel is at least half ink, between a background and an ink colour.
bool is_ink(Colour pixel, const InkColours& colours);

// Rows and columns of a rectangle that hold ink.
struct InkExtent {
    int top = 0;
    int bottom = -1;  // inclusive; bottom < top when there is no ink
    int left = 0;
    int right = -1;
    int height() const { return bottom - top + 1; }
};

// The ink of the whole rectangle.
InkExtent ink_extent(const Frame& frame, const SDL_Rect& rect, const InkColours& colours);

// The pieces of ink in the rectangle (8-connected pixels), from left to right: a Latin letter
// is one piece, an i or a colon two.
std::vector<InkExtent> ink_pieces(const Frame& frame, const SDL_Rect& rect,
                                  const InkColours& colours);

// The ink heights of a Latin line's capitals with flat tops and feet (B D E F H I K L M N P R T
// U V W X Z; ADA 707.7.2 measures on the capital I), found by matching the line's pieces of
// ink to its characters in order. Empty when they do not match one to one (letters that touch,
// a ligature): that line is not measured.
std::vector<int> flat_capital_heights(const Frame& frame, const SDL_Rect& rect,
                                      const std::string& text, int baseline);

// Whether a line of text is Han characters (two or more) with Chinese punctuation only: its
// ink height is the height of its characters.
bool is_han_line(const std::string& text);

}  // namespace kiosk::ui::testing
