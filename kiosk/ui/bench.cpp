// kiosk_ui_bench: how long the renderer takes to lay out a new screen (line breaking, one
// texture per string) and to draw a frame from those textures, for every screen of the
// kiosk in each language and theme, at 1920x1080 in SDL's software renderer. Prints numbers;
// asserts nothing (docs/style.md, "Tests": speed is checked by benchmarks, not timed tests).
//
// Run headless: SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software kiosk_ui_bench [LOCALES_DIR]

#include <SDL2/SDL.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string_view>
#include <vector>

#include "base/command_line.h"
#include "kiosk/core/screens.h"
#include "kiosk/core/session.h"
#include "kiosk/resources/load_resources.h"
#include "kiosk/ui/display.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int k_frames_per_screen = 20;

void print_usage(std::FILE* stream) {
    std::fprintf(
        stream,
        "usage: kiosk_ui_bench [LOCALES_DIR]\n"
        "Times the renderer on every screen of the kiosk in each language and theme, at\n"
        "1920x1080: the layout of a new screen and the redraw of a frame. Prints a table to\n"
        "stdout; asserts nothing. Headless: SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software\n"
        "  LOCALES_DIR   the message catalogs (default %s/locales)\n"
        "  -h, --help    this text\n",
        KIOSK_SOURCE_DIR);
}

double milliseconds(Clock::duration duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
}

struct Summary {
    double median = 0;
    double maximum = 0;
};

Summary summarise(std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    return {samples[samples.size() / 2], samples.back()};
}

}  // namespace

int main(int argc, char** argv) {
    using namespace kiosk;
    // The arguments are read before SDL starts, so --help opens no window.
    if (base::asks_for_help(argc, argv)) {
        print_usage(stdout);
        return 0;
    }
    if (const auto option = base::unknown_option(argc, argv)) {
        std::fprintf(stderr, "kiosk_ui_bench: unknown option %.*s\n",
                     static_cast<int>(option->size()), option->data());
        print_usage(stderr);
        return 2;
    }
    const std::filesystem::path locales = argc > 1 ? argv[1] : KIOSK_SOURCE_DIR "/locales";
    auto resources = resources::load_resources(locales);
    if (!resources) {
        fmt::print(stderr, "{}\n", base::to_string(resources.error()));
        return 2;
    }
    SDL_Init(SDL_INIT_EVENTS);
    const auto opened = Clock::now();
    auto display = ui::Display::create(
        {.fullscreen = false, .width = 1920, .height = 1080, .fonts = {}, .title = "bench"});
    if (!display) {
        fmt::print(stderr, "{}\n", base::to_string(display.error()));
        return 2;
    }
    fmt::print("window and fonts opened in {:.1f} ms\n", milliseconds(Clock::now() - opened));
    fmt::print("{:<10} {:<9} {:>12} {:>12} {:>12} {:>12}\n", "locale", "theme", "layout med",
               "layout max", "frame med", "frame max");
    for (const char* locale : {"zh-CN", "zh-HK", "en"}) {
        for (const bool elder : {false, true}) {
            core::Session session = core::new_session(*resources);
            session.locale = locale;
            session.elder_mode = elder;
            std::vector<double> layouts;
            std::vector<double> frames;
            for (const core::ScreenId id : core::k_all_screen_ids) {
                const core::ScreenModel screen = core::build_screen(id, *resources, session);
                const auto before_layout = Clock::now();
                (*display)->show(screen);
                (*display)->render();
                layouts.push_back(milliseconds(Clock::now() - before_layout));
                for (int frame = 0; frame < k_frames_per_screen; ++frame) {
                    // Blanking and unblanking marks the frame dirty without a new layout,
                    // so this times a redraw from the cached textures.
                    (*display)->set_blanked(true);
                    (*display)->set_blanked(false);
                    const auto before_frame = Clock::now();
                    (*display)->render();
                    frames.push_back(milliseconds(Clock::now() - before_frame));
                }
            }
            const Summary layout = summarise(layouts);
            const Summary frame = summarise(frames);
            fmt::print("{:<10} {:<9} {:>9.2f} ms {:>9.2f} ms {:>9.2f} ms {:>9.2f} ms\n", locale,
                       elder ? "elder" : "standard", layout.median, layout.maximum, frame.median,
                       frame.maximum);
        }
    }
    display->reset();
    SDL_Quit();
    return 0;
}
