#pragma once
// The SDL2 renderer of the core's ScreenModel. It lays each new screen out once, renders each
// line of text once into one screen-sized text layer, and redraws from that layer until the next
// screen (docs/platform-facts.md, "SDL2 and SDL_ttf": SDL_ttf's glyph cache makes per-frame
// text rendering of Han text slow, and a texture a line costs more in fresh memory than in
// drawing).
// Text never shrinks to fit: a screen is laid out at its theme's and text size's sizes, and
// what does not fit is laid out again in other ways, never smaller (docs/accessibility.md,
// "Seeing the screen"). Called from the event loop thread only.

#include <SDL2/SDL.h>

#include <chrono>
#include <cstddef>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "base/keys.h"
#include "kiosk/core/resources.h"
#include "kiosk/core/screen.h"
#include "kiosk/ui/display_error.h"
#include "kiosk/ui/fonts.h"
#include "kiosk/ui/frame.h"
#include "kiosk/ui/theme.h"

namespace kiosk::ui {

struct DisplayOptions {
    bool fullscreen = false;
    int width = 1280;
    int height = 720;
    FontFiles fonts;
    std::string title = "Kiosk";
    // The panel the window fills: the millimetre minimums of the text sizes become pixels
    // through its height (a smaller window is a scaled preview of the panel).
    Panel panel = k_reference_panel;
    // When given, create() warms up on every screen of these catalogs (warm_up()).
    const core::Resources* warm_up = nullptr;
    // Where the display says that a screen does not fit; standard error when empty.
    std::function<void(const std::string&)> log;
};

// What a saved screenshot may show: the live screen always shows everything.
enum class Privacy { reveal, redact };

// One line of text as the layout placed it.
struct LaidOutLine {
    std::string text;
    SDL_Rect rect{};   // the drawn part of the rendered line: its ink, a pixel to spare
    int baseline = 0;  // y of the baseline
    int pixel_size = 0;
    bool is_key_badge = false;  // the label of a choice's key badge
};

// Where the layout put one element of the screen model.
struct LaidOutElement {
    std::size_t index = 0;  // in ScreenModel::elements
    core::Role role = core::Role::text;
    SDL_Rect box{};  // everything the element draws lies inside
    std::vector<LaidOutLine> lines;
    std::optional<SDL_Rect> key_badge;  // a choice's badge that repeats its key
    bool is_private = false;
};

// The ways a screen can be laid out, most comfortable first. Choices stand two to a row where
// both labels fit half the width on one line, and alone on a row where one does not. A screen
// that does not fit is laid out again: the minimum line spacing and smaller gaps, then
// narrower margins, then three choices to a row where their labels fit a third, then choice
// labels on more than one line. Never smaller text.
struct LayoutStyle {
    double line_spacing = k_line_spacing;  // ems, baseline to baseline
    int margin = 0;                        // pixels on the reference screen
    bool compact = false;                  // smaller gaps and paddings
    int most_per_row = 2;                  // choices side by side
    bool wrapped_choices = false;          // a choice's label may take more than one line

    friend bool operator==(const LayoutStyle&, const LayoutStyle&) = default;
};

struct Layout {
    std::vector<LaidOutElement> elements;  // in the model's order
    LayoutStyle style;
    // The screen did not fit in any style: the last style was used with everything stacked
    // in reading order, and `overflow` pixels are beyond the bottom edge.
    bool overflows = false;
    int overflow = 0;
    // Pixels of height left over in the style used: how close the screen came to not fitting.
    int spare = 0;
};

// What warm_up() did.
struct WarmUpReport {
    std::chrono::steady_clock::duration duration{};
    std::size_t screens = 0;               // screens laid out
    std::size_t fonts = 0;                 // faces and sizes open afterwards
    std::size_t characters = 0;            // characters pre-rendered, counted once per font
    std::vector<std::string> overflowing;  // "screen locale look" of each screen that does not fit
};

class Display {
  public:
    // Starts SDL video and SDL_ttf, opens the window and checks the fonts; warms up when the
    // options carry resources. Errors: video_unavailable, font_renderer_unavailable,
    // window_unavailable, renderer_unavailable (each with SDL's reason), font_unreadable.
    static std::expected<std::unique_ptr<Display>, base::Error<DisplayError>> create(
        DisplayOptions options);
    ~Display();
    Display(const Display&) = delete;
    Display& operator=(const Display&) = delete;

    // Lays out a new screen; the next render() draws it.
    void show(const core::ScreenModel& screen);
    // Blanks the screen (audio mode's screen curtain) or brings it back.
    void set_blanked(bool blanked);
    // Draws and presents if anything changed since the last frame. Returns whether it drew.
    bool render();
    // The current screen as the renderer draws it; private elements become grey bars when
    // redacting. Errors: screen_unreadable. The second form reuses the frame's memory.
    std::expected<Frame, base::Error<DisplayError>> read_frame(Privacy privacy);
    std::expected<void, base::Error<DisplayError>> read_frame(Privacy privacy, Frame& frame);
    // Writes the current screen as PNG; private elements become grey bars when redacting.
    // Errors: screenshot_allocation_failed, screen_unreadable, screenshot_unwritable (naming the
    // file).
    std::expected<void, base::Error<DisplayError>> save_screenshot(
        const std::filesystem::path& path, Privacy privacy);

    // Opens every face and size the screens of these catalogs use, in every locale, theme and
    // text size, lays every screen out and pre-renders every character each font will draw,
    // so that the first layout of any screen is as fast as the next. Says which screens do
    // not fit (also to the log).
    WarmUpReport warm_up(const core::Resources& resources);

    // Where the current screen's elements are.
    const Layout& layout() const { return m_layout; }
    // Whether the current screen did not fit (it was also said in the log).
    bool overflows() const { return m_layout.overflows; }
    // The pixel sizes a theme and text size draw with on this window and panel: the theme's
    // sizes scaled to the window, raised to the panel's millimetre minimums.
    TextSizes text_sizes(std::string_view theme, core::TextSize size);
    // Pixels a millimetre of the panel, vertically.
    double pixels_per_mm() const;
    // The window against the themes' 1920 x 1080: the smaller of its two ratios.
    double scale() const;
    // How many faces and sizes are open (the warm-up opens every one the screens use).
    std::size_t open_fonts() const { return m_fonts.open_fonts(); }

    // The key of the choice under a touch or click, if any.
    std::optional<base::Key> key_at(int x, int y) const;

    int width() const { return m_width; }
    int height() const { return m_height; }

  private:
    struct Item;
    // How far a text's glyphs reach above and below the baseline, in pixels.
    struct Ink {
        int above = 0;
        int below = 0;
    };
    struct Plan;
    class Planner;

    Display(SDL_Window* window, SDL_Renderer* renderer, DisplayOptions options);
    void lay_out();
    Plan plan(const core::ScreenModel& screen);
    void realise(Plan plan);
    int measure(TTF_Font* font, std::string_view text);
    Ink ink_of(TTF_Font* font, std::string_view text);
    void create_text_layer();
    void render_line(Item& item);
    void draw(Privacy privacy);
    void report_overflow(const core::ScreenModel& screen, const Layout& layout);

    SDL_Window* m_window = nullptr;
    SDL_Renderer* m_renderer = nullptr;
    DisplayOptions m_options;
    FontLibrary m_fonts;
    int m_width = 0;
    int m_height = 0;
    core::ScreenModel m_screen;
    Layout m_layout;
    std::vector<Item> m_items;
    // The rendered lines of the current screen, each at its own place on the screen (the
    // layout keeps lines apart, so they never overwrite one another). One texture for the
    // display's life: no memory is taken or given back a screen, or a line.
    SDL_Texture* m_text_layer = nullptr;
    // Text widths by font, so that a word or character is shaped once (docs/platform-facts.md:
    // measuring is cheap only while SDL_ttf's small glyph cache holds the glyphs).
    std::unordered_map<TTF_Font*, std::unordered_map<std::string, int>> m_widths;
    std::unordered_map<TTF_Font*, std::unordered_map<char32_t, Ink>> m_inks;
    std::map<std::tuple<std::string, core::TextSize, int>, TextSizes> m_text_sizes;
    std::set<std::string> m_reported_overflows;
    bool m_dirty = true;
    bool m_blanked = false;
};

}  // namespace kiosk::ui
