#pragma once
// The SDL2 renderer of the core's ScreenModel. It lays each new screen out once, renders
// each string into a texture once, and redraws from those textures until the next screen
// (docs/platform-facts.md: SDL_ttf's glyph cache makes per-frame text rendering of Han text slow).

#include <SDL2/SDL.h>

#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/keys.h"
#include "kiosk/core/screen.h"
#include "kiosk/ui/display_error.h"
#include "kiosk/ui/fonts.h"
#include "kiosk/ui/theme.h"

namespace kiosk::ui {

struct DisplayOptions {
    bool fullscreen = false;
    int width = 1280;
    int height = 720;
    FontFiles fonts;
    std::string title = "Kiosk";
};

// What a saved screenshot may show: the live screen always shows everything.
enum class Privacy { reveal, redact };

class Display {
  public:
    // Starts SDL video and SDL_ttf, opens the window and checks the fonts. Errors:
    // video_unavailable, font_renderer_unavailable, window_unavailable, renderer_unavailable (each
    // with SDL's reason), font_unreadable.
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
    // Writes the current screen as PNG; private elements become grey bars when redacting.
    // Errors: screenshot_allocation_failed, screen_unreadable, screenshot_unwritable (naming the
    // file).
    std::expected<void, base::Error<DisplayError>> save_screenshot(
        const std::filesystem::path& path, Privacy privacy);

    // The key of the choice under a touch or click, if any.
    std::optional<base::Key> key_at(int x, int y) const;
    // Maps a keyboard key (developer's keyboard, or a USB keypad) to a kiosk key.
    static std::optional<base::Key> key_for(SDL_Keycode keycode);

    int width() const { return m_width; }
    int height() const { return m_height; }

  private:
    struct Texture;
    struct Item;

    Display(SDL_Window* window, SDL_Renderer* renderer, DisplayOptions options);
    void lay_out();
    bool try_lay_out(double scale);
    const Texture& text_texture(const std::string& text, TTF_Font* font, Colour colour);
    void draw(Privacy privacy);
    void clear_textures();

    SDL_Window* m_window = nullptr;
    SDL_Renderer* m_renderer = nullptr;
    DisplayOptions m_options;
    FontLibrary m_fonts;
    int m_width = 0;
    int m_height = 0;
    core::ScreenModel m_screen;
    std::vector<Item> m_items;
    std::vector<std::unique_ptr<Texture>> m_textures;
    bool m_dirty = true;
    bool m_blanked = false;
};

}  // namespace kiosk::ui
