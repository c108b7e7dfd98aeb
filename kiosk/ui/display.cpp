#include "kiosk/ui/display.h"

#include <SDL2/SDL_image.h>
#include <SDL2/SDL_ttf.h>

#include <algorithm>
#include <cmath>

#include "kiosk/ui/line_break.h"

namespace kiosk::ui {

namespace {

// Layout proportions at the reference height (1080 px); all scale with the window.
constexpr int k_margin = 72;
constexpr int k_paragraph_gap = 28;
constexpr int k_choice_gap = 28;
constexpr int k_choice_padding = 24;
constexpr int k_notice_padding = 24;
constexpr int k_input_padding = 20;
constexpr int k_input_width = 900;  // room for twelve PIN dots at the largest size
constexpr int k_border_width = 4;
constexpr int k_status_bar_gap = 16;
// When a screen's text does not fit, the layout shrinks in these steps down to this floor,
// so that nothing is ever cut off; the catalogs are written to fit at full size.
constexpr double k_shrink_step = 0.92;
constexpr double k_smallest_scale = 0.6;

struct KeyBadge {
    std::string label;
    Colour background;
};

// The badge beside a choice repeats the physical key: its label and, for the function keys,
// the colour and symbol of ADA 707.6 (Enter green circle, Clear yellow arrow, Cancel red X),
// so colour is never the only cue.
KeyBadge badge_for(base::Key key, const Palette& palette) {
    switch (key) {
        case base::Key::enter:
            return {"○", Colour{0x34, 0xC7, 0x59}};
        case base::Key::clear:
            return {"←", Colour{0xFF, 0xD4, 0x00}};
        case base::Key::cancel:
            return {"×", Colour{0xFF, 0x6B, 0x6B}};
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

}  // namespace

struct Display::Texture {
    std::string text;
    TTF_Font* font = nullptr;
    Colour colour;
    SDL_Texture* texture = nullptr;
    int width = 0;
    int height = 0;
};

struct Display::Item {
    enum class Kind { fill, outline, text };
    Kind kind = Kind::text;
    SDL_Rect rect{};
    Colour colour;
    const Texture* texture = nullptr;
    bool is_private = false;
    std::optional<base::Key> key;  // set on a choice's background: what a touch there presses
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
    return display;
}

Display::Display(SDL_Window* window, SDL_Renderer* renderer, DisplayOptions options)
    : m_window(window),
      m_renderer(renderer),
      m_options(std::move(options)),
      m_fonts(m_options.fonts) {
    SDL_GetRendererOutputSize(m_renderer, &m_width, &m_height);
}

Display::~Display() {
    clear_textures();
    SDL_DestroyRenderer(m_renderer);
    SDL_DestroyWindow(m_window);
}

void Display::clear_textures() {
    for (auto& texture : m_textures) {
        SDL_DestroyTexture(texture->texture);
    }
    m_textures.clear();
}

void Display::show(const core::ScreenModel& screen) {
    m_screen = screen;
    lay_out();
}

void Display::set_blanked(bool blanked) {
    m_dirty = m_dirty || blanked != m_blanked;
    m_blanked = blanked;
}

const Display::Texture& Display::text_texture(const std::string& text, TTF_Font* font,
                                              Colour colour) {
    for (const auto& texture : m_textures) {
        if (texture->font == font && texture->text == text && texture->colour.red == colour.red &&
            texture->colour.green == colour.green && texture->colour.blue == colour.blue) {
            return *texture;
        }
    }
    auto texture = std::make_unique<Texture>();
    texture->text = text;
    texture->font = font;
    texture->colour = colour;
    if (!text.empty()) {
        if (SDL_Surface* surface = TTF_RenderUTF8_Blended(font, text.c_str(), to_sdl(colour))) {
            texture->texture = SDL_CreateTextureFromSurface(m_renderer, surface);
            texture->width = surface->w;
            texture->height = surface->h;
            SDL_FreeSurface(surface);
        }
    }
    m_textures.push_back(std::move(texture));
    return *m_textures.back();
}

void Display::lay_out() {
    SDL_GetRendererOutputSize(m_renderer, &m_width, &m_height);
    const double base_scale = static_cast<double>(m_height) / k_reference_height;
    for (double factor = 1.0;; factor *= k_shrink_step) {
        if (try_lay_out(base_scale * factor) || factor * k_shrink_step < k_smallest_scale) {
            break;
        }
    }
    m_dirty = true;
}

// Lays the screen out at `scale`; returns false when it does not fit the window.
bool Display::try_lay_out(double scale) {
    clear_textures();
    m_items.clear();
    const Theme theme = theme_named(m_screen.theme);
    const Palette& palette = theme.palette;
    const TextSizes& sizes = theme.sizes;
    const std::string& locale = m_screen.locale;
    const int left = scaled(k_margin, scale);
    const int content_width = m_width - 2 * left;
    int y = left;

    auto add_text = [&](const std::string& text, TTF_Font* font, Colour colour, int x, int top,
                        bool is_private) {
        const Texture& texture = text_texture(text, font, colour);
        m_items.push_back(Item{.kind = Item::Kind::text,
                               .rect = {x, top, texture.width, texture.height},
                               .colour = colour,
                               .texture = &texture,
                               .is_private = is_private,
                               .key = {}});
        return texture.height;
    };
    auto add_paragraph = [&](const std::string& text, TTF_Font* font, Colour colour, int x, int top,
                             int width, bool is_private) {
        const auto measure = [font](std::string_view part) {
            int text_width = 0;
            TTF_SizeUTF8(font, std::string(part).c_str(), &text_width, nullptr);
            return text_width;
        };
        const int line_height = static_cast<int>(TTF_FontHeight(font) * k_line_spacing);
        int height = 0;
        for (const std::string& line : break_lines(text, width, measure)) {
            add_text(line, font, colour, x, top + height, is_private);
            height += line_height;
        }
        return height;
    };

    // A paragraph of plain text in the content column, then the gap below it.
    auto add_plain = [&](const core::Element& element, Weight weight, int size, Colour colour) {
        TTF_Font* font = m_fonts.font(locale, weight, scaled(size, scale));
        y += add_paragraph(element.text, font, colour, left, y, content_width, element.is_private);
        y += scaled(k_paragraph_gap, scale);
    };

    std::vector<const core::Element*> choices;
    const core::Element* status = nullptr;
    for (const core::Element& element : m_screen.elements) {
        switch (element.role) {
            case core::Role::choice:
                choices.push_back(&element);
                break;
            case core::Role::status:
                status = &element;
                break;
            case core::Role::title:
                add_plain(element, Weight::bold, sizes.title, palette.title);
                break;
            case core::Role::amount:
                add_plain(element, Weight::bold, sizes.amount, palette.amount);
                break;
            case core::Role::notice: {
                TTF_Font* font = m_fonts.font(locale, Weight::regular, scaled(sizes.notice, scale));
                const int padding = scaled(k_notice_padding, scale);
                const std::size_t box = m_items.size();
                m_items.push_back(Item{.kind = Item::Kind::fill,
                                       .rect = {},
                                       .colour = palette.notice_background,
                                       .texture = nullptr,
                                       .is_private = false,
                                       .key = {}});
                const int height =
                    add_paragraph(element.text, font, palette.notice_text, left + padding,
                                  y + padding, content_width - 2 * padding, element.is_private);
                m_items[box].rect = {left, y, content_width, height + 2 * padding};
                y += height + 2 * padding + scaled(k_paragraph_gap, scale);
                break;
            }
            case core::Role::input: {
                TTF_Font* font = m_fonts.font(locale, Weight::bold, scaled(sizes.input, scale));
                const int padding = scaled(k_input_padding, scale);
                const int height = TTF_FontHeight(font) + 2 * padding;
                const int width = std::min(content_width, scaled(k_input_width, scale));
                m_items.push_back(Item{.kind = Item::Kind::outline,
                                       .rect = {left, y, width, height},
                                       .colour = palette.input_border,
                                       .texture = nullptr,
                                       .is_private = false,
                                       .key = {}});
                add_text(element.text, font, palette.input_text, left + padding, y + padding,
                         element.is_private);
                y += height + scaled(k_paragraph_gap, scale);
                break;
            }
            case core::Role::text:
            default:
                add_plain(element, Weight::regular, sizes.text, palette.text);
                break;
        }
    }

    // The status line sits at the very bottom; the choices stand above it, two to a row,
    // like the keys beside an ATM screen.
    int bottom = m_height - left;
    if (status != nullptr) {
        TTF_Font* font = m_fonts.font(locale, Weight::regular, scaled(sizes.status, scale));
        const int height = TTF_FontHeight(font);
        bottom -= height;
        add_text(status->text, font, palette.status_text, left, bottom, status->is_private);
        bottom -= scaled(k_status_bar_gap, scale);
    }
    if (!choices.empty()) {
        TTF_Font* font = m_fonts.font(locale, Weight::regular, scaled(sizes.choice, scale));
        TTF_Font* badge_font = m_fonts.font(locale, Weight::bold, scaled(sizes.choice, scale));
        const int gap = scaled(k_choice_gap, scale);
        const int padding = scaled(k_choice_padding, scale);
        const int columns = choices.size() > 1 ? 2 : 1;
        const int rows = static_cast<int>((choices.size() + 1) / 2);
        const int button_width = (content_width - gap * (columns - 1)) / columns;
        const int badge_size = TTF_FontHeight(badge_font) + padding;
        const int button_height =
            std::max(scaled(theme.touch_target, scale), badge_size + 2 * padding);
        const int top = bottom - rows * button_height - (rows - 1) * gap;
        for (std::size_t index = 0; index < choices.size(); ++index) {
            const core::Element& choice = *choices[index];
            const int column = static_cast<int>(index) % columns;
            const int row = static_cast<int>(index) / columns;
            const SDL_Rect button{left + column * (button_width + gap),
                                  top + row * (button_height + gap), button_width, button_height};
            m_items.push_back(Item{.kind = Item::Kind::fill,
                                   .rect = button,
                                   .colour = palette.choice_background,
                                   .texture = nullptr,
                                   .is_private = false,
                                   .key = choice.key});
            m_items.push_back(Item{.kind = Item::Kind::outline,
                                   .rect = button,
                                   .colour = palette.choice_border,
                                   .texture = nullptr,
                                   .is_private = false,
                                   .key = {}});
            int text_left = button.x + padding;
            if (choice.key) {
                const KeyBadge badge = badge_for(*choice.key, palette);
                const SDL_Rect badge_rect{button.x + padding,
                                          button.y + (button_height - badge_size) / 2, badge_size,
                                          badge_size};
                m_items.push_back(Item{.kind = Item::Kind::fill,
                                       .rect = badge_rect,
                                       .colour = badge.background,
                                       .texture = nullptr,
                                       .is_private = false,
                                       .key = {}});
                const Texture& label =
                    text_texture(badge.label, badge_font, palette.key_badge_text);
                m_items.push_back(Item{.kind = Item::Kind::text,
                                       .rect = {badge_rect.x + (badge_size - label.width) / 2,
                                                badge_rect.y + (badge_size - label.height) / 2,
                                                label.width, label.height},
                                       .colour = palette.key_badge_text,
                                       .texture = &label,
                                       .is_private = false,
                                       .key = {}});
                text_left = badge_rect.x + badge_size + padding;
            }
            // A language's own name is drawn with its own regional glyphs (繁體中文 in the
            // Hong Kong face even on a Simplified Chinese screen).
            TTF_Font* label_font =
                choice.locale.empty()
                    ? font
                    : m_fonts.font(choice.locale, Weight::regular, scaled(sizes.choice, scale));
            const Texture& label = text_texture(choice.text, label_font, palette.choice_text);
            m_items.push_back(
                Item{.kind = Item::Kind::text,
                     .rect = {text_left, button.y + (button_height - label.height) / 2, label.width,
                              label.height},
                     .colour = palette.choice_text,
                     .texture = &label,
                     .is_private = choice.is_private,
                     .key = {}});
            if (text_left + label.width > button.x + button.w) {
                return false;
            }
        }
        bottom = top - gap;
    }
    return y <= bottom;
}

void Display::draw(Privacy privacy) {
    const Palette palette = theme_named(m_screen.theme).palette;
    SDL_SetRenderDrawColor(m_renderer, palette.background.red, palette.background.green,
                           palette.background.blue, 0xFF);
    SDL_RenderClear(m_renderer);
    if (m_blanked) {
        return;
    }
    const int border =
        std::max(1, scaled(k_border_width, static_cast<double>(m_height) / k_reference_height));
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
                } else if (item.texture != nullptr && item.texture->texture != nullptr) {
                    SDL_RenderCopy(m_renderer, item.texture->texture, nullptr, &item.rect);
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

std::expected<void, base::Error<DisplayError>> Display::save_screenshot(
    const std::filesystem::path& path, Privacy privacy) {
    draw(privacy);
    SDL_Surface* surface =
        SDL_CreateRGBSurfaceWithFormat(0, m_width, m_height, 24, SDL_PIXELFORMAT_RGB24);
    if (surface == nullptr) {
        return std::unexpected(
            base::error(DisplayError::screenshot_allocation_failed, SDL_GetError()));
    }
    std::expected<void, base::Error<DisplayError>> result;
    if (SDL_RenderReadPixels(m_renderer, nullptr, SDL_PIXELFORMAT_RGB24, surface->pixels,
                             surface->pitch) != 0) {
        result = std::unexpected(base::error(DisplayError::screen_unreadable, SDL_GetError()));
    } else if (IMG_SavePNG(surface, path.c_str()) != 0) {
        result = std::unexpected(base::error(DisplayError::screenshot_unwritable,
                                             path.string() + ": " + IMG_GetError()));
    }
    SDL_FreeSurface(surface);
    // The back buffer now holds the redacted picture: draw the real one again.
    m_dirty = true;
    return result;
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

std::optional<base::Key> Display::key_for(SDL_Keycode keycode) {
    if (keycode >= SDLK_0 && keycode <= SDLK_9) {
        return base::digit_key(static_cast<int>(keycode - SDLK_0));
    }
    if (keycode >= SDLK_KP_1 && keycode <= SDLK_KP_9) {
        return base::digit_key(static_cast<int>(keycode - SDLK_KP_1) + 1);
    }
    switch (keycode) {
        case SDLK_KP_0:
            return base::digit_key(0);
        case SDLK_RETURN:
        case SDLK_KP_ENTER:
            return base::Key::enter;
        case SDLK_BACKSPACE:
        case SDLK_DELETE:
            return base::Key::clear;
        case SDLK_ESCAPE:
            return base::Key::cancel;
        case SDLK_F1:
        case SDLK_h:
            return base::Key::help;
        case SDLK_ASTERISK:
        case SDLK_KP_MULTIPLY:
            return base::Key::star;
        case SDLK_HASH:
        case SDLK_KP_HASH:
            return base::Key::hash;
        case SDLK_a:
            return base::Key::audio;
        default:
            return std::nullopt;
    }
}

}  // namespace kiosk::ui
