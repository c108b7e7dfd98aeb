#include "simulator/panel/control_panel.h"

#include <SDL2/SDL.h>
#include <SDL2/SDL_ttf.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>

#include "base/keys.h"

namespace simulator::panel {

namespace {

constexpr int k_panel_width = 640;
constexpr int k_font_size = 20;
constexpr int k_line_height = 30;
constexpr int k_margin = 20;
// A line's text after a tab is drawn from the middle of the panel: the card keys take two
// columns when each fits in half the panel.
constexpr int k_second_column_x = k_panel_width / 2;
constexpr std::size_t k_column_characters = 28;
constexpr int k_simplified_chinese_face = 2;
constexpr Uint32 k_idle_wait_ms = 100;
// The queue service's faults in the order the Q key steps through them (docs/scenarios.md,
// `fault queue MODE`).
constexpr std::array<const char*, 5> k_queue_faults = {"none", "unavailable", "slow", "garbage",
                                                       "drop"};
// The lobby manager the W key plays, and when they say they will be at the kiosk.
constexpr const char* k_staff_name = "Wang";
constexpr std::chrono::seconds k_staff_eta{120};

// The branch as the panel has set it; everything starts as kiosk-sim opens the branch: devices
// plugged in, paper in, the printer's cover closed, no service faults.
struct PanelState {
    std::optional<std::string> card;
    bool headphones = false;
    bool account_down = false;
    std::size_t queue_fault = 0;  // in k_queue_faults
    bool card_reader_unplugged = false;
    bool pin_pad_unplugged = false;
    bool printer_unplugged = false;
    script::Paper paper = script::Paper::ok;
    bool printer_cover_open = false;
    bool speech_failing = false;
    bool service_switch_on = false;
    bool cabinet_door_open = false;
    std::string last_message = "Ready.";
};

// The next state of the roll on the L key: ok, low, out, ok again.
script::Paper next_paper(script::Paper paper) {
    switch (paper) {
        case script::Paper::ok:
            return script::Paper::low;
        case script::Paper::low:
            return script::Paper::out;
        case script::Paper::out:
            return script::Paper::ok;
    }
    return script::Paper::ok;
}

// A state that is not the usual one is shown in capitals, as "DOWN" and "UNPLUGGED" are.
std::string capitals(std::string_view text) {
    std::string shown(text);
    std::transform(shown.begin(), shown.end(), shown.begin(),
                   [](unsigned char letter) { return static_cast<char>(std::toupper(letter)); });
    return shown;
}

std::vector<std::string> panel_lines(const PanelOptions& options, const PanelState& state) {
    std::vector<std::string> lines = {
        "Kiosk simulator: you are the customer and the branch",
        "",
    };
    std::vector<std::string> card_keys;
    for (std::size_t index = 0; index < options.card_names.size() && index < 12; ++index) {
        card_keys.push_back(
            fmt::format("F{:<3} insert card {}", index + 1, options.card_names[index]));
    }
    const bool two_columns = std::all_of(card_keys.begin(), card_keys.end(), [](const auto& key) {
        return key.size() <= k_column_characters;
    });
    // Down the first column, then down the second.
    const std::size_t rows = two_columns ? (card_keys.size() + 1) / 2 : card_keys.size();
    for (std::size_t row = 0; row < rows; ++row) {
        lines.push_back(row + rows < card_keys.size()
                            ? card_keys[row] + '\t' + card_keys[row + rows]
                            : card_keys[row]);
    }
    lines.insert(
        lines.end(),
        {
            "R     remove the card",
            "H     plug / unplug headphones",
            "0-9 Enter Backspace(clear) Esc(cancel) ?(help): PIN pad",
            "*(star) #(hash) A(audio): the PIN pad's speech keys",
            "U     account service up / down",
            "Q     queue service fault: unavailable, slow, garbage, drop, none",
            "C     unplug / plug the card reader",
            "P     unplug / plug the PIN pad",
            "T     unplug / plug the receipt printer",
            "L     printer paper: ok, low, out",
            "O     open / close the printer's cover",
            "S     make the kiosk's speech fail / work",
            "W X   staff: Wang acknowledges the newest call (2 min) / closes it",
            "K     restart the kiosk (SIGTERM, then start it again)",
            "V D   cabinet: service switch to service / run; door open / closed",
            "",
            fmt::format("card: {}    headphones: {}    account service: {}",
                        state.card.value_or("none"), state.headphones ? "plugged" : "unplugged",
                        state.account_down ? "DOWN" : "up"),
            fmt::format("card reader: {}    PIN pad: {}    printer: {}",
                        state.card_reader_unplugged ? "UNPLUGGED" : "in",
                        state.pin_pad_unplugged ? "UNPLUGGED" : "in",
                        state.printer_unplugged ? "UNPLUGGED" : "in"),
            fmt::format(
                "paper: {}    printer cover: {}    speech: {}",
                state.paper == script::Paper::ok ? "ok" : capitals(script::to_string(state.paper)),
                state.printer_cover_open ? "OPEN" : "closed",
                state.speech_failing ? "FAILING" : "works"),
            fmt::format("queue service: {}    service switch: {}    cabinet door: {}",
                        state.queue_fault == 0 ? "up" : capitals(k_queue_faults[state.queue_fault]),
                        state.service_switch_on ? "SERVICE" : "run",
                        state.cabinet_door_open ? "OPEN" : "closed"),
            state.last_message,
        });
    return lines;
}

void draw(SDL_Renderer* renderer, TTF_Font* font, const std::vector<std::string>& lines) {
    SDL_SetRenderDrawColor(renderer, 0x20, 0x20, 0x28, 0xFF);
    SDL_RenderClear(renderer);
    const auto draw_text = [&](const std::string& text, int x, int y) {
        if (text.empty()) {
            return;
        }
        SDL_Surface* surface =
            TTF_RenderUTF8_Blended(font, text.c_str(), SDL_Color{0xF0, 0xF0, 0xF0, 0xFF});
        if (surface != nullptr) {
            SDL_Texture* texture = SDL_CreateTextureFromSurface(renderer, surface);
            const SDL_Rect target{x, y, surface->w, surface->h};
            SDL_RenderCopy(renderer, texture, nullptr, &target);
            SDL_DestroyTexture(texture);
            SDL_FreeSurface(surface);
        }
    };
    int y = k_margin;
    for (const std::string& line : lines) {
        const std::size_t tab = line.find('\t');
        draw_text(line.substr(0, tab), k_margin, y);
        if (tab != std::string::npos) {
            draw_text(line.substr(tab + 1), k_second_column_x, y);
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
            const auto fault = hardware.set_fault(
                script::Fault{"account", state.account_down ? "none" : "unavailable", {}});
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
        case SDLK_q: {
            const std::size_t next = (state.queue_fault + 1) % k_queue_faults.size();
            const auto fault = hardware.set_fault(script::Fault{"queue", k_queue_faults[next], {}});
            if (fault) {
                state.queue_fault = next;
            }
            return outcome(fault, state.queue_fault == 0
                                      ? "Queue service up."
                                      : fmt::format("Queue service fault: {}.",
                                                    k_queue_faults[state.queue_fault]));
        }
        case SDLK_t: {
            const auto plugged =
                hardware.plug_device(script::Device::printer, state.printer_unplugged);
            if (plugged) {
                state.printer_unplugged = !state.printer_unplugged;
            }
            return outcome(plugged,
                           state.printer_unplugged ? "Printer unplugged." : "Printer plugged in.");
        }
        case SDLK_l: {
            const auto paper = hardware.set_printer_paper(next_paper(state.paper));
            if (paper) {
                state.paper = next_paper(state.paper);
            }
            return outcome(paper,
                           fmt::format("Printer paper: {}.", script::to_string(state.paper)));
        }
        case SDLK_o: {
            const auto cover = hardware.set_printer_cover(!state.printer_cover_open);
            if (cover) {
                state.printer_cover_open = !state.printer_cover_open;
            }
            return outcome(cover, state.printer_cover_open ? "Printer cover opened."
                                                           : "Printer cover closed.");
        }
        case SDLK_v: {
            const auto turned = hardware.set_service_switch(!state.service_switch_on);
            if (turned) {
                state.service_switch_on = !state.service_switch_on;
            }
            return outcome(turned, state.service_switch_on
                                       ? "Service switch on: the kiosk hands itself over once "
                                         "no customer is being served."
                                       : "Service switch back to run.");
        }
        case SDLK_d: {
            const auto door = hardware.set_cabinet_door(!state.cabinet_door_open);
            if (door) {
                state.cabinet_door_open = !state.cabinet_door_open;
            }
            return outcome(
                door, state.cabinet_door_open ? "Cabinet door opened." : "Cabinet door closed.");
        }
        case SDLK_w:
            // At once: the panel does not wait for a call still on its way, as a scenario does.
            return outcome(
                hardware.acknowledge_staff_call(k_staff_name, k_staff_eta),
                fmt::format("{} acknowledged the newest call for staff (eta {} min).", k_staff_name,
                            std::chrono::duration_cast<std::chrono::minutes>(k_staff_eta).count()));
        case SDLK_x:
            return outcome(hardware.close_staff_call(), "The newest call for staff closed.");
        case SDLK_k: {
            // The panel reads no transcript, so it has nothing to do while the kiosk is down.
            const auto restarted = hardware.restart_kiosk(script::RestartKiosk{}, {});
            if (restarted) {
                state.speech_failing = false;  // a new kiosk process, its speech working
            }
            return outcome(restarted, "Kiosk restarted.");
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
    PanelState state;
    // As tall as its lines, which are as many whatever the state.
    const int panel_height =
        2 * k_margin + static_cast<int>(panel_lines(options, state).size()) * k_line_height;
    SDL_Window* window =
        // Top left, beside the kiosk's window, which centres itself.
        SDL_CreateWindow("Kiosk simulator: control panel", 0, 0, k_panel_width, panel_height, 0);
    SDL_Renderer* renderer = window != nullptr ? SDL_CreateRenderer(window, -1, 0) : nullptr;
    if (renderer == nullptr) {
        TTF_CloseFont(font);
        if (window != nullptr) {
            SDL_DestroyWindow(window);
        }
        return std::unexpected(base::error(PanelError::window_unavailable, SDL_GetError()));
    }
    bool redraw = true;
    bool running = true;
    while (running) {
        // As the kiosk's supervisor does: a kiosk that ended itself for a restart (a
        // configuration installed from the service menu) is started again; any other end
        // closes the panel.
        if (!hardware.kiosk_running()) {
            const script::RestartKiosk supervised{.end = script::KioskEnd::restarted_itself,
                                                  .within = {}};
            if (!hardware.restart_kiosk(supervised, {})) {
                break;
            }
            state.speech_failing = false;
            state.last_message = "The kiosk restarted itself.";
            redraw = true;
        }
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
                if (event.key.keysym.sym == SDLK_k) {
                    // The restart holds the panel for seconds (the kiosk has 5 s to stop).
                    state.last_message = "Restarting the kiosk...";
                    draw(renderer, font, panel_lines(options, state));
                }
                state.last_message = act(event.key.keysym.sym, options, state, hardware);
                redraw = true;
            } else if (event.type == SDL_WINDOWEVENT) {
                redraw = true;
            }
        } while (SDL_PollEvent(&event) != 0);
    }
    if (running) {
        // The kiosk stopped (or a restart could not start it again) and the window closes with
        // it: its last line goes to the console, where it stays.
        std::fprintf(stderr, "kiosk-sim: the kiosk stopped; the control panel's last line: %s\n",
                     state.last_message.c_str());
    }
    SDL_DestroyRenderer(renderer);
    SDL_DestroyWindow(window);
    TTF_CloseFont(font);
    return {};
}

}  // namespace simulator::panel
