#pragma once
// The kiosk's start-up configuration: a TOML file (assets/config/*.toml) and command-line
// options over it. A bad file or option is a start-up error: it throws ConfigError, which
// main reports before anything is shown (house style 3).

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kiosk::app {

struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Config {
    // display
    bool fullscreen = true;  // production; `--windowed` for development
    int width = 1280;
    int height = 720;
    std::filesystem::path font_regular = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
    std::filesystem::path font_bold = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc";
    // account service
    std::string account_url = "https://127.0.0.1:8443";
    std::filesystem::path account_ca_file;  // the only CA trusted for it; required
    std::string terminal_id = "KIOSK-0001";
    // speech
    std::string speaker_device;
    std::string headphones_device;
    std::optional<std::filesystem::path> record_audio_directory;
    // files
    std::filesystem::path locales_directory;
    std::optional<std::filesystem::path> transcript;
    std::optional<std::filesystem::path> screenshots_directory;
    // The PIN pad's working key slot (the key itself never leaves the pad).
    int pin_key_slot = 0;
    // security: lock every page in memory so that no card number is ever written to swap.
    // Off unless asked, because it needs CAP_IPC_LOCK or a large RLIMIT_MEMLOCK.
    bool lock_memory = false;
};

// The usage text for --help.
std::string usage();

// Reads `--config FILE` (if given) and then applies the other options over it.
// Returns nothing when the arguments asked for --help.
std::optional<Config> load_config(const std::vector<std::string>& arguments,
                                  const std::filesystem::path& default_locales);

}  // namespace kiosk::app
