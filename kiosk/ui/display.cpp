#include "kiosk/ui/display.h"

#include <SDL2/SDL_ttf.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "kiosk/ui/line_break.h"
#include "kiosk/ui/sample_screens.h"

namespace kiosk::ui {

namespace {

// Layout proportions. Pixels are on the reference 1920 x 1080 screen and scale with the window;
// ems are of the text they go with.
constexpr int k_margin = 72;
constexpr int k_narrow_margin = 32;  // 8 mm on the reference panel: still clear of the bezel
// Between paragraphs, in ems of the body text: clearly more than the space between two lines
// of one paragraph (0.2 to 0.4 em), so each paragraph stands apart.
constexpr double k_paragraph_gap = 0.9;
constexpr double k_compact_paragraph_gap = 0.5;
constexpr int k_choice_gap = 28;
constexpr int k_compact_choice_gap = 16;
constexpr int k_padding = 24;  // inside choices and notices
constexpr int k_compact_padding = 14;
constexpr int k_input_padding = 20;
constexpr int k_input_width = 900;  // room for twelve PIN dots at the largest size
constexpr int k_border_width = 4;
constexpr int k_status_gap = 16;
constexpr double k_badge_size = 1.3;  // the key badge's side, in ems of the choice's text
constexpr int k_ink_margin = 1;       // pixels kept around a line's ink (antialiasing)
// What a line of text is placed by, so that lines of one size share their baselines whatever
// their letters: a Han character, a capital and a descender.
constexpr std::string_view k_typical_ink = "中Hg";

// The ways to lay a screen out, most comfortable first (display.h, LayoutStyle).
std::vector<LayoutStyle> layout_styles() {
    return {
        {.line_spacing = k_line_spacing,
         .margin = k_margin,
         .compact = false,
         .most_per_row = 2,
         .wrapped_choices = false},
        {.line_spacing = k_minimum_line_spacing,
         .margin = k_margin,
         .compact = true,
         .most_per_row = 2,
         .wrapped_choices = false},
        {.line_spacing = k_minimum_line_spacing,
         .margin = k_narrow_margin,
         .compact = true,
         .most_per_row = 2,
         .wrapped_choices = false},
        {.line_spacing = k_minimum_line_spacing,
         .margin = k_narrow_margin,
         .compact = true,
         .most_per_row = 3,
         .wrapped_choices = false},
        {.line_spacing = k_minimum_line_spacing,
         .margin = k_narrow_margin,
         .compact = true,
         .most_per_row = 3,
         .wrapped_choices = true},
    };
}

struct KeyBadge {
    std::string label;
    Colour background;
};

// The badge beside a choice repeats the physical key: its label and, for the function keys,
// the colour and symbol of ADA 707.6 (Enter green circle, Clear yellow arrow, Cancel red X),
// so colour is never the only cue (WCAG 1.4.1).
KeyBadge badge_for(base::Key key, const Palette& palette) {
    switch (key) {
        case base::Key::enter:
            return {"○", palette.enter_key};
        case base::Key::clear:
            return {"←", palette.clear_key};
        case base::Key::cancel:
            return {"×", palette.cancel_key};
        case base::Key::help:
            return {"?", palette.key_badge_background};
        default:
            return {std::string(base::to_string(key)), palette.key_badge_background};
    }
}

SDL_Color to_sdl(Colour colour) {
    return SDL_Color{colour.red, colour.green, colour.blue, 0xFF};
}

int scaled(int value, double scale) {
    return static_cast<int>(std::lround(value * scale));
}

SDL_Rect united(const SDL_Rect& first, const SDL_Rect& second) {
    if (first.w <= 0 || first.h <= 0) {
        return second;
    }
    SDL_Rect result;
    SDL_UnionRect(&first, &second, &result);
    return result;
}

// The UTF-8 characters of a text, each once.
void add_characters(std::string_view text, std::set<std::string>& characters) {
    for (std::size_t position = 0; position < text.size();) {
        const std::size_t length = decode_utf8(text, position).second;
        if (text[position] != ' ') {
            characters.emplace(text.substr(position, length));
        }
        position += length;
    }
}

}  // namespace

// One thing to draw, in drawing order: a filled or outlined rectangle, or a line of text.
struct Display::Item {
    enum class Kind { fill, outline, text };
    Kind kind = Kind::text;
    // Where it is drawn. For text, the band of the line's ink (and a pixel to spare); the
    // part of the rendered line above and below it holds no ink and is not drawn.
    SDL_Rect rect{};
    Colour colour;
    std::size_t element = 0;  // index in the model's elements
    bool is_private = false;
    std::optional<base::Key> key;  // set on a choice's background: what a touch there presses
    // Text only.
    std::string text;
    TTF_Font* font = nullptr;
    int baseline = 0;
    int pixel_size = 0;
    bool is_key_badge = false;
    std::optional<SDL_Rect> clip;  // the text is drawn only inside it (a key badge)
};

// A layout before any text is rendered: measured, not drawn.
struct Display::Plan {
    std::vector<Item> items;
    LayoutStyle style;
    bool fits = false;
    int overflow = 0;
    int spare = 0;
};

// Lays one screen out in one style, measuring text but rendering none.
class Display::Planner {
  public:
    Planner(Display& display, const core::ScreenModel& screen, const LayoutStyle& style,
            bool stacked)
        : m_display(display),
          m_screen(screen),
          m_theme(theme_for(screen)),
          m_sizes(display.text_sizes(screen.theme, screen.text_size)),
          m_style(style),
          m_scale(display.scale()),
          m_stacked(stacked) {
        m_left = scaled(style.margin, m_scale);
        m_content_width = display.m_width - 2 * m_left;
        m_padding = scaled(style.compact ? k_compact_padding : k_padding, m_scale);
        m_choice_gap = scaled(style.compact ? k_compact_choice_gap : k_choice_gap, m_scale);
        m_gap = static_cast<int>(std::lround(
            (style.compact ? k_compact_paragraph_gap : k_paragraph_gap) * m_sizes.text));
    }

    // Nothing when the choices' labels cannot be laid out in this style (a label too wide for
    // one line where labels may not wrap).
    std::optional<Plan> plan() {
        const Palette& palette = m_theme.palette;
        int y = m_left;
        int content_bottom = y;
        std::vector<std::size_t> choices;
        std::optional<std::size_t> status;
        for (std::size_t index = 0; index < m_screen.elements.size(); ++index) {
            const core::Element& element = m_screen.elements[index];
            int bottom = y;
            switch (element.role) {
                case core::Role::choice:
                    choices.push_back(index);
                    continue;
                case core::Role::status:
                    status = index;
                    continue;
                case core::Role::title:
                    bottom = paragraph(index, Weight::bold, m_sizes.title, palette.title, m_left, y,
                                       m_content_width);
                    break;
                case core::Role::amount:
                    bottom = paragraph(index, Weight::bold, m_sizes.amount, palette.amount, m_left,
                                       y, m_content_width);
                    break;
                case core::Role::notice:
                    bottom = notice(index, y);
                    break;
                case core::Role::input:
                    bottom = input(index, y);
                    break;
                case core::Role::text:
                default:
                    bottom = paragraph(index, Weight::regular, m_sizes.text, palette.text, m_left,
                                       y, m_content_width);
                    break;
            }
            content_bottom = bottom;
            y = bottom + m_gap;
        }

        // The status line sits at the very bottom; the choices stand above it, like the keys
        // beside an ATM screen. Stacked (a screen that fits no style), both follow the text.
        const int screen_bottom = m_display.m_height - m_left;
        const int status_gap = scaled(k_status_gap, m_scale);
        std::vector<Row> rows;
        int choices_height = 0;
        if (!choices.empty()) {
            if (!arrange(choices, rows)) {
                return std::nullopt;
            }
            for (const Row& row : rows) {
                choices_height += row.height;
            }
            choices_height += static_cast<int>(rows.size() - 1) * m_choice_gap;
        }
        int status_height = 0;
        if (status) {
            TTF_Font* font = font_for(m_screen.elements[*status], Weight::regular, m_sizes.status);
            status_height = block_height(
                lines_of(m_screen.elements[*status].text, font, m_content_width).size(), font,
                m_sizes.status);
        }
        int group_height = choices_height;
        if (status) {
            group_height += (rows.empty() ? 0 : status_gap) + status_height;
        }
        const bool has_content = content_bottom > m_left;
        int top = screen_bottom - group_height;
        if (m_stacked) {
            top = has_content ? content_bottom + m_gap : m_left;
        }
        Plan plan{.items = {}, .style = m_style, .fits = false, .overflow = 0, .spare = 0};
        if (group_height == 0) {
            plan.overflow = content_bottom - screen_bottom;
        } else {
            // The text must end a gap above the choices, and the choices start below the
            // top margin.
            plan.overflow = has_content ? content_bottom + m_gap - top : m_left - top;
        }
        if (!rows.empty()) {
            for (const Row& row : rows) {
                place_row(row, top);
                top += row.height + m_choice_gap;
            }
            top += status_gap - m_choice_gap;
        }
        if (status) {
            paragraph(*status, Weight::regular, m_sizes.status, palette.status_text, m_left, top,
                      m_content_width);
        }
        if (m_stacked) {
            int drawn_bottom = 0;
            for (const Item& item : m_items) {
                drawn_bottom = std::max(drawn_bottom, item.rect.y + item.rect.h);
            }
            plan.overflow = drawn_bottom - screen_bottom;
        }
        plan.fits = plan.overflow <= 0;
        plan.spare = std::max(-plan.overflow, 0);
        plan.overflow = std::max(plan.overflow, 0);
        plan.items = std::move(m_items);
        return plan;
    }

  private:
    // One choice in a row: its label's lines and its share of the row.
    struct Cell {
        std::size_t index = 0;
        std::vector<std::string> lines;
    };
    struct Row {
        std::vector<Cell> cells;  // one to the style's most
        int height = 0;
    };

    TTF_Font* font_for(const core::Element& element, Weight weight, int size) {
        // A language's own name is drawn with its own regional glyphs (繁體中文 in the Hong
        // Kong face even on a Simplified Chinese screen).
        return m_display.m_fonts.font(element.locale.empty() ? m_screen.locale : element.locale,
                                      weight, size);
    }

    int pitch(int size) const { return static_cast<int>(std::lround(m_style.line_spacing * size)); }

    std::vector<std::string> lines_of(const std::string& text, TTF_Font* font, int width) {
        return break_lines(text, width, [this, font](std::string_view part) {
            return m_display.measure(font, part);
        });
    }

    // The height of `count` lines placed by the font's typical ink.
    int block_height(std::size_t count, TTF_Font* font, int size) {
        const Ink typical = m_display.ink_of(font, k_typical_ink);
        return typical.above + typical.below + 2 * k_ink_margin +
               static_cast<int>(count - 1) * pitch(size);
    }

    void add_shape(std::size_t index, Item::Kind kind, const SDL_Rect& rect, Colour colour,
                   std::optional<base::Key> key = {}) {
        Item item;
        item.kind = kind;
        item.rect = rect;
        item.colour = colour;
        item.element = index;
        item.key = key;
        m_items.push_back(std::move(item));
    }

    // A line whose baseline is at `baseline`; it is drawn where its own ink is.
    void add_line(std::size_t index, const std::string& text, TTF_Font* font, int size,
                  Colour colour, int x, int baseline, bool is_key_badge = false) {
        const Ink ink = m_display.ink_of(font, text);
        Item item;
        item.kind = Item::Kind::text;
        item.rect = {x, baseline - ink.above - k_ink_margin, m_display.measure(font, text),
                     ink.above + ink.below + 2 * k_ink_margin};
        item.colour = colour;
        item.element = index;
        // The badge's label is never private, whatever the choice is.
        item.is_private = !is_key_badge && m_screen.elements[index].is_private;
        item.text = text;
        item.font = font;
        item.baseline = baseline;
        item.pixel_size = size;
        item.is_key_badge = is_key_badge;
        m_items.push_back(std::move(item));
    }

    // Lines from `top`, placed by the font's typical ink; returns the bottom of the block.
    int place_lines(std::size_t index, const std::vector<std::string>& lines, TTF_Font* font,
                    int size, Colour colour, int x, int top) {
        const Ink typical = m_display.ink_of(font, k_typical_ink);
        int baseline = top + k_ink_margin + typical.above;
        for (const std::string& line : lines) {
            add_line(index, line, font, size, colour, x, baseline);
            baseline += pitch(size);
        }
        return top + block_height(lines.size(), font, size);
    }

    // A paragraph from `top`; returns its bottom.
    int paragraph(std::size_t index, Weight weight, int size, Colour colour, int x, int top,
                  int width) {
        TTF_Font* font = font_for(m_screen.elements[index], weight, size);
        return place_lines(index, lines_of(m_screen.elements[index].text, font, width), font, size,
                           colour, x, top);
    }

    int notice(std::size_t index, int top) {
        const Palette& palette = m_theme.palette;
        const std::size_t box = m_items.size();
        add_shape(index, Item::Kind::fill, {}, palette.notice_background);
        const int text_bottom =
            paragraph(index, Weight::regular, m_sizes.notice, palette.notice_text,
                      m_left + m_padding, top + m_padding, m_content_width - 2 * m_padding);
        const int bottom = text_bottom + m_padding;
        m_items[box].rect = {m_left, top, m_content_width, bottom - top};
        return bottom;
    }

    // The PIN field: an outline as tall for no dot as for twelve, the dots inside; wider when
    // what is typed is shown as it is and needs more room (a staff number at the largest
    // elder text), so that nothing is drawn across the outline.
    int input(std::size_t index, int top) {
        const Palette& palette = m_theme.palette;
        TTF_Font* font = font_for(m_screen.elements[index], Weight::bold, m_sizes.input);
        const int padding = scaled(k_input_padding, m_scale);
        const Ink dots = m_display.ink_of(font, "●");
        const int height = dots.above + dots.below + 2 * k_ink_margin + 2 * padding;
        const int typed = m_display.measure(font, m_screen.elements[index].text) + 2 * padding;
        const int width =
            std::min(m_content_width, std::max(typed, scaled(k_input_width, m_scale)));
        add_shape(index, Item::Kind::outline, {m_left, top, width, height}, palette.input_border);
        if (!m_screen.elements[index].text.empty()) {
            add_line(index, m_screen.elements[index].text, font, m_sizes.input, palette.input_text,
                     m_left + padding, top + padding + k_ink_margin + dots.above);
        }
        return top + height;
    }

    int badge_size() { return static_cast<int>(std::lround(k_badge_size * m_sizes.choice)); }

    int label_width(const core::Element& choice, int cell_width) {
        return cell_width - 2 * m_padding - (choice.key ? badge_size() + m_padding : 0);
    }

    // The width of each of `count` choices side by side.
    int cell_width(std::size_t count) const {
        const int columns = static_cast<int>(count);
        return (m_content_width - (columns - 1) * m_choice_gap) / columns;
    }

    // Choices in reading order, as many to a row (up to the style's most) as have labels that
    // fit their share of the width on one line, alone on a row where one does not. False when
    // a label fits no line and may not wrap.
    bool arrange(const std::vector<std::size_t>& choices, std::vector<Row>& rows) {
        const auto fits = [&](std::size_t index, int width) {
            const core::Element& choice = m_screen.elements[index];
            TTF_Font* font = font_for(choice, Weight::regular, m_sizes.choice);
            return m_display.measure(font, choice.text) <= label_width(choice, width);
        };
        for (std::size_t position = 0; position < choices.size();) {
            std::size_t count =
                std::min(static_cast<std::size_t>(m_style.most_per_row), choices.size() - position);
            for (; count > 1; --count) {
                const bool all_fit =
                    std::all_of(choices.begin() + static_cast<std::ptrdiff_t>(position),
                                choices.begin() + static_cast<std::ptrdiff_t>(position + count),
                                [&](std::size_t index) { return fits(index, cell_width(count)); });
                if (all_fit) {
                    break;
                }
            }
            Row row;
            for (std::size_t offset = 0; offset < count; ++offset) {
                row.cells.push_back({choices[position + offset], {}});
            }
            position += count;
            const int width = cell_width(count);
            int label_height = 0;
            for (Cell& cell : row.cells) {
                const core::Element& choice = m_screen.elements[cell.index];
                TTF_Font* font = font_for(choice, Weight::regular, m_sizes.choice);
                if (m_style.wrapped_choices) {
                    cell.lines = lines_of(choice.text, font, label_width(choice, width));
                } else if (fits(cell.index, width)) {
                    cell.lines = {choice.text};
                } else {
                    return false;
                }
                label_height =
                    std::max(label_height, block_height(cell.lines.size(), font, m_sizes.choice));
            }
            row.height = std::max({scaled(m_theme.touch_target, m_scale),
                                   badge_size() + 2 * m_padding, label_height + 2 * m_padding});
            rows.push_back(std::move(row));
        }
        return true;
    }

    void place_row(const Row& row, int top) {
        const Palette& palette = m_theme.palette;
        const int width = cell_width(row.cells.size());
        TTF_Font* badge_font =
            m_display.m_fonts.font(m_screen.locale, Weight::bold, m_sizes.choice);
        const int badge = badge_size();
        for (std::size_t column = 0; column < row.cells.size(); ++column) {
            const Cell& cell = row.cells[column];
            const core::Element& choice = m_screen.elements[cell.index];
            const SDL_Rect button{m_left + static_cast<int>(column) * (width + m_choice_gap), top,
                                  width, row.height};
            add_shape(cell.index, Item::Kind::fill, button, palette.choice_background, choice.key);
            add_shape(cell.index, Item::Kind::outline, button, palette.choice_border);
            int text_left = button.x + m_padding;
            if (choice.key) {
                const KeyBadge key_badge = badge_for(*choice.key, palette);
                const SDL_Rect badge_rect{button.x + m_padding, button.y + (row.height - badge) / 2,
                                          badge, badge};
                add_shape(cell.index, Item::Kind::fill, badge_rect, key_badge.background);
                const Ink ink = m_display.ink_of(badge_font, key_badge.label);
                const int label_width = m_display.measure(badge_font, key_badge.label);
                add_line(cell.index, key_badge.label, badge_font, m_sizes.choice,
                         palette.key_badge_text, badge_rect.x + (badge - label_width) / 2,
                         badge_rect.y + (badge - ink.above - ink.below) / 2 + ink.above, true);
                m_items.back().clip = badge_rect;
                text_left = badge_rect.x + badge + m_padding;
            }
            TTF_Font* font = font_for(choice, Weight::regular, m_sizes.choice);
            const int height = block_height(cell.lines.size(), font, m_sizes.choice);
            place_lines(cell.index, cell.lines, font, m_sizes.choice, palette.choice_text,
                        text_left, button.y + (row.height - height) / 2);
        }
    }

    Display& m_display;
    const core::ScreenModel& m_screen;
    Theme m_theme;
    TextSizes m_sizes;
    LayoutStyle m_style;
    double m_scale = 1;
    bool m_stacked = false;
    int m_left = 0;
    int m_content_width = 0;
    int m_padding = 0;
    int m_choice_gap = 0;
    int m_gap = 0;
    std::vector<Item> m_items;
};

std::expected<std::unique_ptr<Display>, base::Error<DisplayError>> Display::create(
    DisplayOptions options) {
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        return std::unexpected(base::error(DisplayError::video_unavailable, SDL_GetError()));
    }
    if (TTF_WasInit() == 0 && TTF_Init() != 0) {
        return std::unexpected(
            base::error(DisplayError::font_renderer_unavailable, TTF_GetError()));
    }
    const Uint32 flags =
        options.fullscreen ? static_cast<Uint32>(SDL_WINDOW_FULLSCREEN_DESKTOP) : 0U;
    SDL_Window* window = SDL_CreateWindow(options.title.c_str(), SDL_WINDOWPOS_CENTERED,
                                          SDL_WINDOWPOS_CENTERED, options.width, options.height,
                                          flags | static_cast<Uint32>(SDL_WINDOW_ALLOW_HIGHDPI));
    if (window == nullptr) {
        return std::unexpected(base::error(DisplayError::window_unavailable, SDL_GetError()));
    }
    SDL_Renderer* renderer = SDL_CreateRenderer(window, -1, 0);
    if (renderer == nullptr) {
        SDL_DestroyWindow(window);
        return std::unexpected(base::error(DisplayError::renderer_unavailable, SDL_GetError()));
    }
    if (options.fullscreen) {
        SDL_ShowCursor(SDL_DISABLE);
    }
    auto display = std::unique_ptr<Display>(new Display(window, renderer, std::move(options)));
    if (auto verified = display->m_fonts.verify(); !verified) {
        return std::unexpected(verified.error());
    }
    if (display->m_options.warm_up != nullptr) {
        display->warm_up(*display->m_options.warm_up);
    }
    return display;
}

Display::Display(SDL_Window* window, SDL_Renderer* renderer, DisplayOptions options)
    : m_window(window),
      m_renderer(renderer),
      m_options(std::move(options)),
      m_fonts(m_options.fonts) {
    SDL_GetRendererOutputSize(m_renderer, &m_width, &m_height);
    create_text_layer();
}

Display::~Display() {
    if (m_text_layer != nullptr) {
        SDL_DestroyTexture(m_text_layer);
    }
    SDL_DestroyRenderer(m_renderer);
    SDL_DestroyWindow(m_window);
}

void Display::show(const core::ScreenModel& screen) {
    m_screen = screen;
    lay_out();
}

void Display::set_blanked(bool blanked) {
    m_dirty = m_dirty || blanked != m_blanked;
    m_blanked = blanked;
}

double Display::scale() const {
    // The themes are drawn for a 1920 x 1080 screen: a window of another shape is scaled by its
    // tighter side, so a narrower screen breaks its lines where the reference one does.
    return std::min(static_cast<double>(m_height) / k_reference_height,
                    static_cast<double>(m_width) / k_reference_width);
}

double Display::pixels_per_mm() const {
    return m_height / m_options.panel.height_mm;
}

TextSizes Display::text_sizes(std::string_view theme_name, core::TextSize size) {
    const auto key = std::tuple{std::string(theme_name), size, m_height};
    if (auto found = m_text_sizes.find(key); found != m_text_sizes.end()) {
        return found->second;
    }
    const Theme theme = theme_for(theme_name, false, size);
    const double scale = this->scale();
    // The least pixel size whose capital H, as SDL_ttf draws it, is as tall as the text size's
    // minimum on this panel (ADA 707.7.2, EN 301 549 5.1.4).
    const auto capital = static_cast<int>(
        std::ceil(minimum_capital_mm(size, m_options.panel.viewing_distance_mm) * pixels_per_mm()));
    int smallest = std::max(1, capital);
    while (m_fonts.capital_height(smallest) < capital) {
        ++smallest;
    }
    const auto main_text =
        static_cast<int>(std::ceil(minimum_main_text_mm(theme.name, size) * pixels_per_mm()));
    const auto resolve = [&](int reference, bool is_main_text) {
        int pixels = std::max(scaled(reference, scale), smallest);
        return is_main_text ? std::max(pixels, main_text) : pixels;
    };
    const TextSizes& design = theme.sizes;
    // Elder mode's status line says that elder mode is on: main text too.
    const bool status_is_main = theme.name == core::k_elder_theme;
    const TextSizes sizes{.title = resolve(design.title, true),
                          .text = resolve(design.text, true),
                          .amount = resolve(design.amount, true),
                          .notice = resolve(design.notice, true),
                          .choice = resolve(design.choice, true),
                          .input = resolve(design.input, false),
                          .status = resolve(design.status, status_is_main)};
    m_text_sizes.emplace(key, sizes);
    return sizes;
}

int Display::measure(TTF_Font* font, std::string_view text) {
    // Bounded: the words of the catalogs are few, the lines of sample data many.
    constexpr std::size_t k_most_widths = 50'000;
    auto& widths = m_widths[font];
    const std::string key(text);
    if (auto found = widths.find(key); found != widths.end()) {
        return found->second;
    }
    if (widths.size() >= k_most_widths) {
        widths.clear();
    }
    int width = 0;
    if (!text.empty()) {
        TTF_SizeUTF8(font, key.c_str(), &width, nullptr);
    }
    widths.emplace(key, width);
    return width;
}

Display::Ink Display::ink_of(TTF_Font* font, std::string_view text) {
    auto& inks = m_inks[font];
    Ink ink;
    for (std::size_t position = 0; position < text.size();) {
        const auto [code_point, length] = decode_utf8(text, position);
        position += length;
        auto found = inks.find(code_point);
        if (found == inks.end()) {
            Ink glyph;
            int minimum_x = 0;
            int maximum_x = 0;
            int minimum_y = 0;
            int maximum_y = 0;
            int advance = 0;
            if (TTF_GlyphMetrics32(font, static_cast<Uint32>(code_point), &minimum_x, &maximum_x,
                                   &minimum_y, &maximum_y, &advance) == 0) {
                glyph = Ink{.above = std::max(maximum_y, 0), .below = std::max(-minimum_y, 0)};
            }
            found = inks.emplace(code_point, glyph).first;
        }
        ink.above = std::max(ink.above, found->second.above);
        ink.below = std::max(ink.below, found->second.below);
    }
    return ink;
}

Display::Plan Display::plan(const core::ScreenModel& screen) {
    const std::vector<LayoutStyle> styles = layout_styles();
    for (const LayoutStyle& style : styles) {
        std::optional<Plan> attempt = Planner(*this, screen, style, false).plan();
        if (attempt && attempt->fits) {
            return std::move(*attempt);
        }
    }
    // Nothing fits: the tightest style that can lay the choices out, everything stacked in
    // reading order so that nothing overlaps, and what is below the edge reported.
    for (auto style = styles.rbegin(); style != styles.rend(); ++style) {
        if (std::optional<Plan> stacked = Planner(*this, screen, *style, true).plan()) {
            stacked->fits = false;
            stacked->overflow = std::max(stacked->overflow, 1);
            return std::move(*stacked);
        }
    }
    return Plan{};
}

void Display::lay_out() {
    SDL_GetRendererOutputSize(m_renderer, &m_width, &m_height);
    realise(plan(m_screen));
    if (m_layout.overflows) {
        report_overflow(m_screen, m_layout);
    }
    m_dirty = true;
}

// Renders the plan's text into the text layer and records where everything is.
void Display::realise(Plan plan) {
    m_items = std::move(plan.items);
    create_text_layer();
    for (Item& item : m_items) {
        if (item.kind == Item::Kind::text) {
            render_line(item);
        }
    }

    m_layout = Layout{.elements = {},
                      .style = plan.style,
                      .overflows = !plan.fits,
                      .overflow = plan.fits ? 0 : plan.overflow,
                      .spare = plan.spare};
    std::vector<std::optional<std::size_t>> slot(m_screen.elements.size());
    for (const Item& item : m_items) {
        if (item.element >= slot.size()) {
            continue;
        }
        if (!slot[item.element]) {
            const core::Element& element = m_screen.elements[item.element];
            slot[item.element] = m_layout.elements.size();
            m_layout.elements.push_back(LaidOutElement{.index = item.element,
                                                       .role = element.role,
                                                       .box = {},
                                                       .lines = {},
                                                       .key_badge = {},
                                                       .is_private = element.is_private});
        }
        LaidOutElement& laid_out = m_layout.elements[*slot[item.element]];
        laid_out.box = united(laid_out.box, item.rect);
        if (item.is_key_badge && item.clip) {
            laid_out.key_badge = item.clip;
        }
        if (item.kind == Item::Kind::text) {
            laid_out.lines.push_back(LaidOutLine{.text = item.text,
                                                 .rect = item.rect,
                                                 .baseline = item.baseline,
                                                 .pixel_size = item.pixel_size,
                                                 .is_key_badge = item.is_key_badge});
        }
    }
    std::ranges::sort(m_layout.elements, {}, &LaidOutElement::index);
}

void Display::report_overflow(const core::ScreenModel& screen, const Layout& layout) {
    // Contrast changes colours only, so a screen is reported once for both palettes, and once
    // however often it is shown (not once a PIN digit).
    const ScreenLook look{.elder = screen.theme == core::k_elder_theme,
                          .high_contrast = false,
                          .text_size = screen.text_size};
    const std::string key = screen.id + " " + screen.locale + " " + look_name(look);
    if (!m_reported_overflows.insert(key).second) {
        return;
    }
    const std::string line = "display: the screen " + screen.id + " (" + screen.locale + ", " +
                             look_name(look) + ") does not fit " + std::to_string(m_width) + "x" +
                             std::to_string(m_height) + ": " + std::to_string(layout.overflow) +
                             " px too tall in the tightest layout (line spacing 1.3, narrow "
                             "margins, choice labels wrapped); text never shrinks, so the screen "
                             "must be shortened or split";
    if (m_options.log) {
        m_options.log(line);
    } else {
        std::fprintf(stderr, "%s\n", line.c_str());
    }
}

// The text layer for the window's size. Its memory is written once here, so that no screen
// pays for fresh pages later (docs/platform-facts.md, "SDL2 and SDL_ttf").
void Display::create_text_layer() {
    int width = 0;
    int height = 0;
    if (m_text_layer != nullptr) {
        SDL_QueryTexture(m_text_layer, nullptr, nullptr, &width, &height);
        if (width == m_width && height == m_height) {
            return;
        }
        SDL_DestroyTexture(m_text_layer);
    }
    // SDL_ttf's blended text is ARGB8888, so a line goes into the layer as it is.
    m_text_layer = SDL_CreateTexture(m_renderer, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC,
                                     m_width, m_height);
    if (m_text_layer == nullptr) {
        return;
    }
    SDL_SetTextureBlendMode(m_text_layer, SDL_BLENDMODE_BLEND);
    const std::vector<std::uint32_t> transparent(
        static_cast<std::size_t>(m_width) * static_cast<std::size_t>(m_height), 0);
    SDL_UpdateTexture(m_text_layer, nullptr, transparent.data(),
                      m_width * static_cast<int>(sizeof(std::uint32_t)));
}

// Renders a line and copies the rows of its ink band (inside its clip and the screen) into the
// text layer at the line's own place, which becomes its drawn rectangle.
void Display::render_line(Item& item) {
    SDL_Rect drawn{item.rect.x, item.rect.y, 0, item.rect.h};
    SDL_Surface* surface = nullptr;
    if (!item.text.empty()) {
        surface = TTF_RenderUTF8_Blended(item.font, item.text.c_str(), to_sdl(item.colour));
    }
    if (surface == nullptr || m_text_layer == nullptr) {
        item.rect = drawn;
        if (surface != nullptr) {
            SDL_FreeSurface(surface);
        }
        return;
    }
    drawn.w = surface->w;
    // The surface's baseline is the font's ascent below its top.
    const int surface_top = item.baseline - TTF_FontAscent(item.font);
    const auto keep = [&drawn](const SDL_Rect& bounds) {
        SDL_Rect kept{};
        if (SDL_IntersectRect(&drawn, &bounds, &kept) == SDL_FALSE) {
            kept = {drawn.x, drawn.y, 0, 0};
        }
        drawn = kept;
    };
    keep({item.rect.x, surface_top, surface->w, surface->h});
    if (item.clip) {
        keep(*item.clip);
    }
    // A line below the screen's edge (a screen that does not fit) keeps its place in the
    // layout, but only what is on the screen goes into the layer.
    const SDL_Rect placed = drawn;
    keep({0, 0, m_width, m_height});
    if (drawn.w > 0 && drawn.h > 0) {
        const auto* pixels = static_cast<const std::uint8_t*>(surface->pixels) +
                             (drawn.y - surface_top) * surface->pitch +
                             (drawn.x - item.rect.x) * surface->format->BytesPerPixel;
        SDL_UpdateTexture(m_text_layer, &drawn, pixels, surface->pitch);
    }
    SDL_FreeSurface(surface);
    item.rect = placed;
}

WarmUpReport Display::warm_up(const core::Resources& resources) {
    const auto started = std::chrono::steady_clock::now();
    WarmUpReport report;
    // Every font a screen uses, with the characters it draws.
    std::map<TTF_Font*, std::set<std::string>> characters;
    for (const auto& [locale, catalog] : resources.catalogs) {
        for (const bool elder : {false, true}) {
            for (const core::TextSize size : core::k_text_sizes) {
                // Contrast changes colours only: the same fonts, sizes and layout.
                const ScreenLook look{.elder = elder, .high_contrast = false, .text_size = size};
                for (const core::ScreenModel& screen : sample_screens(resources, locale, look)) {
                    const Plan planned = plan(screen);
                    ++report.screens;
                    for (const Item& item : planned.items) {
                        if (item.kind == Item::Kind::text) {
                            add_characters(item.text, characters[item.font]);
                        }
                    }
                    if (!planned.fits) {
                        report.overflowing.push_back(screen.id + " " + locale + " " +
                                                     look_name(look));
                        const Layout layout{.elements = {},
                                            .style = planned.style,
                                            .overflows = true,
                                            .overflow = planned.overflow,
                                            .spare = 0};
                        report_overflow(screen, layout);
                    }
                }
            }
        }
    }
    // SDL_ttf's first renders of a face and size are several times slower than later ones,
    // and a glyph's first render slower than its next; drawing each font's characters once
    // here pays that before any customer waits (docs/platform-facts.md, "SDL2 and SDL_ttf").
    // A few characters a render keep each surface small enough for memory the allocator
    // already holds: fresh pages cost more than the drawing.
    constexpr int k_largest_warm_up_surface = 96 * 1024;  // bytes
    for (const auto& [font, set] : characters) {
        const int height = std::max(TTF_FontHeight(font), 1);
        // A character is at most about an em wide: the font's height less its descent.
        const int width = std::max(TTF_FontAscent(font), 1);
        const auto per_render =
            static_cast<std::size_t>(std::max(1, k_largest_warm_up_surface / (4 * height * width)));
        std::string run;
        std::size_t count = 0;
        const auto render = [&] {
            if (SDL_Surface* surface = TTF_RenderUTF8_Blended(font, run.c_str(), {})) {
                SDL_FreeSurface(surface);
            }
            run.clear();
            count = 0;
        };
        for (const std::string& character : set) {
            run += character;
            ++report.characters;
            if (++count == per_render) {
                render();
            }
        }
        if (!run.empty()) {
            render();
        }
    }
    // One frame, so that the window's own buffers are in memory before the first screen.
    draw(Privacy::reveal);
    SDL_RenderPresent(m_renderer);
    m_dirty = true;
    report.fonts = m_fonts.open_fonts();
    report.duration = std::chrono::steady_clock::now() - started;
    return report;
}

void Display::draw(Privacy privacy) {
    const Palette palette = theme_for(m_screen).palette;
    SDL_SetRenderDrawColor(m_renderer, palette.background.red, palette.background.green,
                           palette.background.blue, 0xFF);
    SDL_RenderClear(m_renderer);
    if (m_blanked) {
        return;
    }
    const int border = std::max(1, scaled(k_border_width, scale()));
    const SDL_Rect screen{0, 0, m_width, m_height};
    for (const Item& item : m_items) {
        const bool hidden = item.is_private && privacy == Privacy::redact;
        const Colour colour = hidden ? palette.redaction : item.colour;
        SDL_SetRenderDrawColor(m_renderer, colour.red, colour.green, colour.blue, 0xFF);
        switch (item.kind) {
            case Item::Kind::fill:
                SDL_RenderFillRect(m_renderer, &item.rect);
                break;
            case Item::Kind::outline:
                for (int inset = 0; inset < border; ++inset) {
                    const SDL_Rect ring{item.rect.x + inset, item.rect.y + inset,
                                        item.rect.w - 2 * inset, item.rect.h - 2 * inset};
                    SDL_RenderDrawRect(m_renderer, &ring);
                }
                break;
            case Item::Kind::text:
                if (hidden) {
                    SDL_RenderFillRect(m_renderer, &item.rect);
                } else if (SDL_Rect on_screen{};
                           m_text_layer != nullptr &&
                           SDL_IntersectRect(&item.rect, &screen, &on_screen) == SDL_TRUE) {
                    SDL_RenderCopy(m_renderer, m_text_layer, &on_screen, &on_screen);
                }
                break;
        }
    }
}

bool Display::render() {
    int width = 0;
    int height = 0;
    SDL_GetRendererOutputSize(m_renderer, &width, &height);
    if (width != m_width || height != m_height) {
        lay_out();
    }
    if (!m_dirty) {
        return false;
    }
    draw(Privacy::reveal);
    SDL_RenderPresent(m_renderer);
    m_dirty = false;
    return true;
}

std::expected<Frame, base::Error<DisplayError>> Display::read_frame(Privacy privacy) {
    Frame frame;
    if (auto read = read_frame(privacy, frame); !read) {
        return std::unexpected(read.error());
    }
    return frame;
}

std::expected<void, base::Error<DisplayError>> Display::read_frame(Privacy privacy, Frame& frame) {
    draw(privacy);
    frame.width = m_width;
    frame.height = m_height;
    frame.pixels.resize(static_cast<std::size_t>(m_width) * static_cast<std::size_t>(m_height) * 3);
    const int result = SDL_RenderReadPixels(m_renderer, nullptr, SDL_PIXELFORMAT_RGB24,
                                            frame.pixels.data(), m_width * 3);
    if (privacy == Privacy::redact) {
        // The back buffer now holds the redacted picture: draw the real one again.
        m_dirty = true;
    }
    if (result != 0) {
        return std::unexpected(base::error(DisplayError::screen_unreadable, SDL_GetError()));
    }
    return {};
}

std::expected<void, base::Error<DisplayError>> Display::save_screenshot(
    const std::filesystem::path& path, Privacy privacy) {
    auto frame = read_frame(privacy);
    if (!frame) {
        return std::unexpected(frame.error());
    }
    return save_png(*frame, path);
}

std::optional<base::Key> Display::key_at(int x, int y) const {
    const SDL_Point point{x, y};
    for (const Item& item : m_items) {
        if (item.key && SDL_PointInRect(&point, &item.rect)) {
            return item.key;
        }
    }
    return std::nullopt;
}

}  // namespace kiosk::ui
