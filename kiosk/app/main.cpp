// kiosk: the accessible self-service kiosk. See README.md and docs/architecture.md.

#include <SDL2/SDL.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/app/config.h"
#include "kiosk/app/config_update.h"
#include "kiosk/app/kiosk.h"
#include "kiosk/app/process_protection.h"
#include "kiosk/app/transcript.h"
#include "kiosk/resources/load_resources.h"

namespace {

// A kiosk that cannot start on a configuration installed from the service menu puts the previous
// one back and asks its supervisor to start it again (kiosk/app/config_update.h); any other
// start-up failure is exit status 2.
int failed_start(const std::vector<std::string>& arguments) {
    using namespace kiosk;
    const auto file = app::config_file_named(arguments);
    if (!file) {
        return 2;
    }
    const auto restored = app::restore_untried_config(*file);
    if (!restored) {
        std::fprintf(stderr, "kiosk: %s\n", base::to_string(restored.error()).c_str());
        return 2;
    }
    if (!*restored) {
        return 2;
    }
    std::fprintf(stderr,
                 "kiosk: the configuration installed from the service menu does not start; the "
                 "previous one is back, restarting (exit status %d)\n",
                 app::k_restart_exit_status);
    return app::k_restart_exit_status;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace kiosk;
    // First of all, before any card can be read: no core dump, and no other process of this
    // user may read the kiosk's memory. A kiosk that cannot promise that does not open.
    if (auto dumps_forbidden = app::forbid_dumps(); !dumps_forbidden) {
        std::fprintf(stderr, "kiosk: %s\n", base::to_string(dumps_forbidden.error()).c_str());
        return 2;
    }
    const auto process_start = std::chrono::steady_clock::now();
    const std::vector<std::string> arguments(argv + 1, argv + argc);
    try {
        const auto config = app::load_config(arguments, KIOSK_DEFAULT_LOCALES);
        if (!config) {
            std::fputs(app::usage().c_str(), stdout);
            return 0;
        }
        // Memory that cannot be locked only risks swap, so the kiosk serves anyway; the line on
        // stderr and in the journal tells its operators.
        std::optional<std::string> memory_not_locked;
        if (config->lock_memory) {
            if (auto locked = app::lock_memory(); !locked) {
                memory_not_locked = base::to_string(locked.error());
                std::fprintf(stderr, "kiosk: %s; starting anyway\n", memory_not_locked->c_str());
            }
        }
        auto resources = resources::load_resources(config->locales_directory);
        if (!resources) {
            std::fprintf(stderr, "kiosk: %s\n", base::to_string(resources.error()).c_str());
            return failed_start(arguments);
        }
        auto transcript = config->transcript
                              ? app::Transcript::open(*config->transcript, process_start)
                              : std::expected<app::Transcript, base::Error<app::TranscriptError>>(
                                    app::Transcript::disabled());
        if (!transcript) {
            std::fprintf(stderr, "kiosk: %s\n", base::to_string(transcript.error()).c_str());
            return failed_start(arguments);
        }
        if (memory_not_locked) {
            transcript->journal("memory not locked", *memory_not_locked);
        }
        if (config->screenshots_directory) {
            std::filesystem::create_directories(*config->screenshots_directory);
        }
        if (SDL_Init(SDL_INIT_EVENTS) != 0) {
            std::fprintf(stderr, "kiosk: cannot start SDL: %s\n", SDL_GetError());
            return failed_start(arguments);
        }
        auto kiosk = app::Kiosk::create(*config, std::move(*resources), std::move(*transcript),
                                        process_start);
        if (!kiosk) {
            std::fprintf(stderr, "kiosk: %s\n", base::to_string(kiosk.error()).c_str());
            SDL_Quit();
            return failed_start(arguments);
        }
        const int status = (*kiosk)->run();
        kiosk->reset();
        SDL_Quit();
        return status;
    } catch (const app::ConfigError& error) {
        // An unknown option's error ends with the usage text, which ends its own last line.
        const std::string_view message = error.what();
        std::fprintf(stderr, "kiosk: %s%s", error.what(), message.ends_with('\n') ? "" : "\n");
        return failed_start(arguments);
    } catch (const std::filesystem::filesystem_error& error) {
        std::fprintf(stderr, "kiosk: %s\n", error.what());
        return failed_start(arguments);
    }
}
