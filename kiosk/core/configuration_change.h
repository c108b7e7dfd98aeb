#pragma once

// An administrator's view and change of the kiosk's configuration file, as plain values
// (kiosk/core/README.md, "The service menu"): the settings of the file in use, what a new file
// on the USB stick would change, and how its installation came out. The files themselves are the
// shell's (kiosk/app/config_update.h); the kiosk starts again with a new file by a controlled
// restart (RestartKiosk).
//
// A setting that names a key file or holds a secret is concealed: its values never reach the
// core, so no screen, speech or journal record can show them.

#include <string>
#include <string_view>
#include <vector>

namespace kiosk::core {

// The new configuration's file on the USB stick, at the top of its folders.
inline constexpr std::string_view k_stick_config_name = "kiosk.toml";

// What a concealed setting shows in place of its value, and what a change shows for a setting
// one of the files does not have.
inline constexpr std::string_view k_concealed_value = "set";
inline constexpr std::string_view k_concealed_change = "changed";
inline constexpr std::string_view k_not_set = "(not set)";

// One setting of the file in use: "section.key" and its value as TOML text (nothing when
// concealed).
struct ConfigSetting {
    std::string setting;
    bool concealed = false;
    std::string value{};

    friend bool operator==(const ConfigSetting&, const ConfigSetting&) = default;
};

// One setting that a new file changes: its old and new values as TOML text (k_not_set where a
// file does not have it; nothing when concealed).
struct SettingChange {
    std::string setting;
    bool concealed = false;
    std::string old_value{};
    std::string new_value{};

    friend bool operator==(const SettingChange&, const SettingChange&) = default;
};

// "display.width = 1920", or "tls.client_key = set".
std::string to_text(const ConfigSetting& setting);
// "display.width: 1920 -> 1280", or "tls.client_key: changed".
std::string to_text(const SettingChange& change);
// A setting's name as said: its dots and underscores as spaces ("display panel width mm").
std::string spoken_setting(std::string_view setting);

// How the review of the stick's file came out (ReviewConfiguration).
enum class ConfigReviewOutcome {
    reviewed,    // the kiosk would start with it; `changes` says what it changes (maybe nothing)
    no_stick,    // nothing is mounted where the stick goes
    no_file,     // the stick has no k_stick_config_name
    invalid,     // the kiosk would not start with it; `problem` is the configuration's message
    unreadable,  // the file in use or the stick's cannot be read; `problem` says which
};

std::string_view to_string(ConfigReviewOutcome outcome);

struct ConfigReview {
    ConfigReviewOutcome outcome = ConfigReviewOutcome::unreadable;
    std::vector<SettingChange> changes{};
    std::string problem{};

    friend bool operator==(const ConfigReview&, const ConfigReview&) = default;
};

// How the installation came out (InstallConfiguration).
enum class ConfigInstallOutcome {
    installed,  // the new file is in use from the restart on; the replaced one is kept
    changed,    // the stick's file no longer makes the changes reviewed: nothing installed
    failed,     // it could not be checked or written (`problem`); the file in use is unchanged
};

std::string_view to_string(ConfigInstallOutcome outcome);

// The settings' names, space-separated, for a journal record (never their values).
std::string setting_names(const std::vector<SettingChange>& changes);

}  // namespace kiosk::core
