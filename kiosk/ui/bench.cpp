// kiosk_ui_bench: how long the renderer takes to warm up, to lay out a screen it has not shown
// before (line breaking, one texture per line), to go from a key press to the new screen's
// frame (layout, draw, present), and to redraw a frame, over every screen of the kiosk in each
// language, theme, contrast and text size, at 1920x1080 in SDL's software renderer. Prints
// numbers; asserts nothing (docs/style.md, "Tests": speed is checked by benchmarks, not timed
// tests).
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
#include "kiosk/resources/load_resources.h"
#include "kiosk/ui/display.h"
#include "kiosk/ui/sample_screens.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int k_frames_per_screen = 5;

void print_usage(std::FILE* stream) {
    std::fprintf(
        stream,
        "usage: kiosk_ui_bench [--cold] [LOCALES_DIR]\n"
        "Times the renderer on every screen of the kiosk in each language, theme, contrast and\n"
        "text size, at 1920x1080: the warm-up, the first layout of each screen, key press to\n"
        "frame (layout, draw, present) and the redraw of a frame. Prints p50, p99 and the\n"
        "maximum of each; asserts nothing. Headless: SDL_VIDEODRIVER=dummy\n"
        "SDL_RENDER_DRIVER=software\n"
        "  LOCALES_DIR   the message catalogs (default %s/locales)\n"
        "  --cold        skip the warm-up, to see what it saves\n"
        "  -h, --help    this text\n",
        KIOSK_SOURCE_DIR);
}

double milliseconds(Clock::duration duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
}

struct Summary {
    double p50 = 0;
    double p99 = 0;
    double maximum = 0;
    std::size_t count = 0;
};

Summary summarise(std::vector<double> samples) {
    if (samples.empty()) {
        return {};
    }
    std::sort(samples.begin(), samples.end());
    const auto at = [&samples](double fraction) {
        const auto index = static_cast<std::size_t>(fraction * static_cast<double>(samples.size()));
        return samples[std::min(index, samples.size() - 1)];
    };
    return {at(0.5), at(0.99), samples.back(), samples.size()};
}

void print_row(std::string_view name, const Summary& summary) {
    fmt::print("{:<38} {:>6} {:>9.2f} ms {:>9.2f} ms {:>9.2f} ms\n", name, summary.count,
               summary.p50, summary.p99, summary.maximum);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace kiosk;
    // The arguments are read before SDL starts, so --help opens no window.
    if (base::asks_for_help(argc, argv)) {
        print_usage(stdout);
        return 0;
    }
    if (const auto option = base::unknown_option(argc, argv, {"--cold"})) {
        std::fprintf(stderr, "kiosk_ui_bench: unknown option %.*s\n",
                     static_cast<int>(option->size()), option->data());
        print_usage(stderr);
        return 2;
    }
    bool cold = false;
    std::filesystem::path locales = KIOSK_SOURCE_DIR "/locales";
    for (int index = 1; index < argc; ++index) {
        const std::string_view argument = argv[index];
        if (argument == "--cold") {
            cold = true;
        } else {
            locales = argument;
        }
    }
    auto resources = resources::load_resources(locales);
    if (!resources) {
        fmt::print(stderr, "{}\n", base::to_string(resources.error()));
        return 2;
    }
    SDL_Init(SDL_INIT_EVENTS);
    const auto opened = Clock::now();
    auto created = ui::Display::create({.fullscreen = false,
                                        .width = 1920,
                                        .height = 1080,
                                        .fonts = {},
                                        .title = "bench",
                                        .panel = ui::k_reference_panel,
                                        .warm_up = nullptr,
                                        .log = {}});
    if (!created) {
        fmt::print(stderr, "{}\n", base::to_string(created.error()));
        return 2;
    }
    ui::Display& display = **created;
    fmt::print("window and fonts opened in {:.1f} ms\n", milliseconds(Clock::now() - opened));
    if (!cold) {
        const ui::WarmUpReport report = display.warm_up(*resources);
        fmt::print(
            "warm-up: {:.1f} ms ({} screens laid out, {} fonts open, {} characters pre-rendered)\n",
            milliseconds(report.duration), report.screens, report.fonts, report.characters);
        for (const std::string& screen : report.overflowing) {
            fmt::print("does not fit: {}\n", screen);
        }
    }

    std::vector<ui::ScreenLook> looks;
    for (const bool elder : {false, true}) {
        for (const bool high_contrast : {false, true}) {
            for (const core::TextSize size : core::k_text_sizes) {
                looks.push_back(
                    {.elder = elder, .high_contrast = high_contrast, .text_size = size});
            }
        }
    }
    std::vector<std::pair<double, std::string>> slowest;
    std::vector<double> first_layouts;
    std::vector<double> first_frames;
    std::vector<double> again_frames;
    std::vector<double> redraws;
    for (const int pass : {0, 1}) {
        for (const auto& [locale, catalog] : resources->catalogs) {
            for (const ui::ScreenLook& look : looks) {
                for (const core::ScreenModel& screen :
                     ui::sample_screens(*resources, locale, look)) {
                    // A key press ends in show() of the next screen and the frame that draws it.
                    const auto pressed = Clock::now();
                    display.show(screen);
                    const auto laid_out = Clock::now();
                    display.render();
                    const auto presented = Clock::now();
                    if (pass == 0) {
                        first_layouts.push_back(milliseconds(laid_out - pressed));
                        slowest.emplace_back(milliseconds(presented - pressed),
                                             screen.id + " " + locale + " " + ui::look_name(look));
                        first_frames.push_back(milliseconds(presented - pressed));
                        continue;
                    }
                    again_frames.push_back(milliseconds(presented - pressed));
                    for (int frame = 0; frame < k_frames_per_screen; ++frame) {
                        // Blanking and unblanking marks the frame dirty without a new layout,
                        // so this times a redraw from the cached textures.
                        display.set_blanked(true);
                        display.set_blanked(false);
                        const auto before = Clock::now();
                        display.render();
                        redraws.push_back(milliseconds(Clock::now() - before));
                    }
                }
            }
        }
    }
    fmt::print("{:<38} {:>6} {:>12} {:>12} {:>12}\n", "1920x1080, software renderer", "count",
               "p50", "p99", "max");
    print_row("first layout of a screen", summarise(first_layouts));
    print_row("key press to frame, first time", summarise(first_frames));
    print_row("key press to frame, screen seen before", summarise(again_frames));
    print_row("redraw of an unchanged layout", summarise(redraws));
    constexpr std::size_t k_slowest_shown = 5;
    std::sort(slowest.rbegin(), slowest.rend());
    slowest.resize(std::min(slowest.size(), k_slowest_shown));
    for (const auto& [time, name] : slowest) {
        fmt::print("slowest first frame: {:.2f} ms {}\n", time, name);
    }
    created->reset();
    SDL_Quit();
    return 0;
}
