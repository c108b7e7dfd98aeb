#include "simulator/panel/control_panel.h"

#include <SDL2/SDL.h>
#include <SDL2/SDL_ttf.h>

#include <fmt/format.h>

#include <optional>

#include "base/keys.h"

namespace simulator::panel {

namespace {

constexpr int k_panel_width = 640;
constexpr int k_panel_height = 720;
constexpr int k_font_size = 20;
constexpr int k_line_height = 30;
constexpr int k_margin = 20;
constexpr int k_simplified_chinese_face = 2;
constexpr Uint32 k_idle_wait_ms = 100;

struct PanelState {
    std::optional<std::string> card;
    bool headphones = false;
    bool account_down = false;
    bool card_reader_unplugged = false;
    bool pin_pad_unplugged = false;
    bool speech_failing = false;
    std::string last_message = "Ready.";
};

std::vector<std::string> panel_lines(const PanelOptions& options, const PanelState& state) {
    std::vector<std::string> lines = {
        "Kiosk simulator: you are the customer",
        "",
    };
    for (std::size_t index = 0; index < options.card_names.size() && index < 12; ++index) {
        lines.push_back(fmt::format("F{:<3} insert card {}", index + 1, options.card_names[index]));
    }
    lines.insert(lines.end(), {
                                  "R     remove the card",
                                  "H     plug / unplug headphones",
                                  "0-9 Enter Backspace(clear) Esc(cancel) ?(help): PIN pad",
                                  "*(star) #(hash) A(audio): the PIN pad's speech keys",
                                  "U     account service up / down",
                                  "C     unplug / plug the card reader",
                                  "P     unplug / plug the PIN pad",
                                  "S     make the kiosk's speech fail / work",
                                  "",
                                  fmt::format("card: {}    headphones: {}    account service: {}",
                                              state.card.value_or("none"),
                                              state.headphones ? "plugged" : "unplugged",
                                              state.account_down ? "DOWN" : "up"),
                                  fmt::format("card reader: {}    PIN pad: {}    speech: {}",
                                              state.card_reader_unplugged ? "UNPLUGGED" : "in",
                                              state.pin_pad_unplugged ? "UNPLUGGED" : "in",
                                              state.speech_failing ? "FAILING" : "works"),
                                  state.last_message,
                              });
    return lines;
}

void draw(SDL_Renderer* renderer, TTF_Font* font, const std::vector<std::string>& lines) {
    SDL_SetRenderDrawColor(renderer, 0x20, 0x20, 0x28, 0xFF);
    SDL_RenderClear(renderer);
    int y = k_margin;
    for (const std::string& line : lines) {
        if (!line.empty()) {
            SDL_Surface* surface =
                TTF_RenderUTF8_Blended(font, line.c_str(), SDL_Color{0xF0, 0xF0, 0xF0, 0xFF});
            if (surface != nullptr) {
                SDL_Texture* texture = SDL_CreateTextureFromSurface(renderer, surface);
                const SDL_Rect target{k_margin, y, surface->w, surface->h};
                SDL_RenderCopy(renderer, texture, nullptr, &target);
                SDL_DestroyTexture(texture);
                SDL_FreeSurface(surface);
            }
        }
        y += k_line_height;
    }
    SDL_RenderPresent(renderer);
}

// Carries out one key on the panel; returns what happened, for the panel's last line (a line
// for the developer to read, not an error).
std::string act(SDL_Keycode key, const PanelOptions& options, PanelState& state,
                script::Hardware& hardware) {
    const auto outcome = [](const std::expected<void, base::Error<script::ActionError>>& result,
                            const std::string& done) {
        return result ? done : base::to_string(result.error());
    };
    if (key >= SDLK_F1 && key <= SDLK_F12) {
        const auto index = static_cast<std::size_t>(key - SDLK_F1);
        if (index >= options.card_names.size()) {
            return "No card on that key.";
        }
        const std::string& name = options.card_names[index];
        const auto inserted = hardware.insert_card(name);
        if (inserted) {
            state.card = name;
        }
        return outcome(inserted, "Inserted " + name + ".");
    }
    switch (key) {
        case SDLK_r: {
            const auto removed = hardware.remove_card();
            if (removed) {
                state.card.reset();
            }
            return outcome(removed, "Card removed.");
        }
        case SDLK_h: {
            const auto plugged = hardware.set_headphones(!state.headphones);
            if (plugged) {
                state.headphones = !state.headphones;
            }
            return outcome(plugged, state.headphones ? "Headphones plugged." : "Headphones out.");
        }
        case SDLK_u: {
            const auto fault =
                hardware.set_fault("account", state.account_down ? "none" : "unavailable");
            if (fault) {
                state.account_down = !state.account_down;
            }
            return outcome(fault, state.account_down ? "Account service down." : "Account up.");
        }
        case SDLK_c: {
            const auto plugged =
                hardware.plug_device(script::Device::card_reader, state.card_reader_unplugged);
            if (plugged) {
                state.card_reader_unplugged = !state.card_reader_unplugged;
            }
            return outcome(plugged, state.card_reader_unplugged ? "Card reader unplugged."
                                                                : "Card reader plugged in.");
        }
        case SDLK_p: {
            const auto plugged =
                hardware.plug_device(script::Device::pin_pad, state.pin_pad_unplugged);
            if (plugged) {
                state.pin_pad_unplugged = !state.pin_pad_unplugged;
            }
            return outcome(plugged,
                           state.pin_pad_unplugged ? "PIN pad unplugged." : "PIN pad plugged in.");
        }
        case SDLK_s: {
            const auto failing = hardware.set_speech_failing(!state.speech_failing);
            if (failing) {
                state.speech_failing = !state.speech_failing;
            }
            return outcome(failing,
                           state.speech_failing ? "Speech made to fail." : "Speech works again.");
        }
        default:
            break;
    }
    // The same keys as the kiosk's own window (base::key_for_character); the keycode of a key
    // that types a character is that character.
    const bool types_character = key >= 0 && key <= 0x7f;
    if (const auto pad_key =
            types_character ? base::key_for_character(static_cast<char32_t>(key)) : std::nullopt) {
        // The panel never echoes a digit: it may be a PIN.
        return outcome(hardware.press_key(*pad_key), "PIN pad key pressed.");
    }
    return "That key does nothing here.";
}

}  // namespace

std::string_view to_string(PanelError error) {
    switch (error) {
        case PanelError::video_unavailable:
            return "cannot start SDL video";
        case PanelError::font_renderer_unavailable:
            return "cannot start SDL_ttf";
        case PanelError::font_unreadable:
            return "cannot open the font";
        case PanelError::window_unavailable:
            return "cannot open the panel window";
    }
    return "unknown panel error";
}

std::expected<void, base::Error<PanelError>> run_control_panel(const PanelOptions& options,
                                                               script::Hardware& hardware) {
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        return std::unexpected(base::error(PanelError::video_unavailable, SDL_GetError()));
    }
    if (TTF_WasInit() == 0 && TTF_Init() != 0) {
        return std::unexpected(base::error(PanelError::font_renderer_unavailable, TTF_GetError()));
    }
    TTF_Font* font =
        TTF_OpenFontIndex(options.font.c_str(), k_font_size, k_simplified_chinese_face);
    if (font == nullptr) {
        return std::unexpected(
            base::error(PanelError::font_unreadable, options.font + ": " + TTF_GetError()));
    }
    SDL_Window* window =
        // Top left, beside the kiosk's window, which centres itself.
        SDL_CreateWindow("Kiosk simulator: control panel", 0, 0, k_panel_width, k_panel_height, 0);
    SDL_Renderer* renderer = window != nullptr ? SDL_CreateRenderer(window, -1, 0) : nullptr;
    if (renderer == nullptr) {
        TTF_CloseFont(font);
        if (window != nullptr) {
            SDL_DestroyWindow(window);
        }
        return std::unexpected(base::error(PanelError::window_unavailable, SDL_GetError()));
    }
    PanelState state;
    bool redraw = true;
    bool running = true;
    while (running && hardware.kiosk_running()) {
        if (redraw) {
            draw(renderer, font, panel_lines(options, state));
            redraw = false;
        }
        SDL_Event event;
        if (SDL_WaitEventTimeout(&event, k_idle_wait_ms) == 0) {
            continue;
        }
        do {
            if (event.type == SDL_QUIT ||
                (event.type == SDL_WINDOWEVENT && event.window.event == SDL_WINDOWEVENT_CLOSE)) {
                running = false;
            } else if (event.type == SDL_KEYDOWN && event.key.repeat == 0) {
                state.last_message = act(event.key.keysym.sym, options, state, hardware);
                redraw = true;
            } else if (event.type == SDL_WINDOWEVENT) {
                redraw = true;
            }
        } while (SDL_PollEvent(&event) != 0);
    }
    SDL_DestroyRenderer(renderer);
    SDL_DestroyWindow(window);
    TTF_CloseFont(font);
    return {};
}

}  // namespace simulator::panel
