#pragma once

// The service menu's change of configuration (issue 10, "Configuration and records"): an
// administrator brings a new configuration file (on a USB stick, say). The menu shows what it
// changes, installs it only if the kiosk would start with it, keeps the replaced file as
// NAME.previous, and has the kiosk restarted by its supervisor. A kiosk that then cannot start
// puts the previous file back itself and asks for another restart.
//
// A setting that names a key file or holds a secret is shown only as "set" or "changed": the review
// is read on the kiosk's screen and may be journaled. The review's values are for the screen only;
// a journal record names the settings, never their values (kiosk/store/README.md, "Privacy").
//
// Threading: none of its own; each call reads and writes a few small files.

#include <cstddef>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "kiosk/core/configuration_change.h"

namespace kiosk::app {

enum class ConfigUpdateError {
    current_unreadable,    // the configuration in use is missing or not a loadable file
    candidate_unreadable,  // the new file is missing, not a file, or too large
    candidate_invalid,     // the kiosk would not start with it (load_config's message)
    write_failed,          // the new file could not be installed (the current one is unchanged)
    no_previous,           // there is no NAME.previous to put back
    candidate_changed,     // the new file no longer makes the changes that were reviewed
};

std::string_view to_string(ConfigUpdateError error);

// The exit status with which the kiosk asks its supervisor to start it again: 75, EX_TEMPFAIL
// of sysexits(3) ("temporary failure; the user is invited to retry"). The kiosk's unit says
// RestartForceExitStatus=75 (systemd.service(5)), so that the supervisor restarts it whatever
// its Restart= setting (assets/systemd/kiosk.service). 2 stays the status of a kiosk that
// cannot start (75 once it has put back the file that last worked: restore_untried_config), and
// 0 that of a normal stop.
inline constexpr int k_restart_exit_status = 75;

// The largest configuration file read: production.toml is about 6 kB, and a file far beyond
// that is not a configuration.
inline constexpr std::uintmax_t k_max_config_file_size = 256 * 1024;

// The review's values are core::SettingChange (kiosk/core/configuration_change.h), which the
// service menu shows.
using core::SettingChange;

// Whether a setting names a key file or holds a secret.
bool is_concealed_setting(std::string_view setting);

// The settings of the file in use, in the order of their names, concealed ones without their
// values, for the service menu's view.
std::expected<std::vector<core::ConfigSetting>, base::Error<ConfigUpdateError>> settings_in_use(
    const std::filesystem::path& current_file);

// Loads both files with the kiosk's own rules, each as the kiosk would start with it (load_config
// on the kiosk's command line, `arguments`, with --config naming the file: options given there
// count, as they do at a start), and returns the settings that differ, in the order of their
// names. A candidate the kiosk would not start with is refused with load_config's message, and
// so is a current file that no longer loads (it is not what the kiosk runs with, so a review
// against it would mislead).
std::expected<std::vector<SettingChange>, base::Error<ConfigUpdateError>> review_config_update(
    const std::filesystem::path& current_file, const std::filesystem::path& candidate_file,
    const std::vector<std::string>& arguments);

// What the shell does after a configuration was installed: end the session safely and exit
// with `exit_status`, so that the supervisor starts the kiosk with the new file.
struct ControlledRestart {
    int exit_status = k_restart_exit_status;
    std::filesystem::path previous_file;  // where the replaced configuration is kept
};

// Checks the candidate again (the file on the stick may have changed since the review): it must
// load as review_config_update() loads it, and make exactly the `reviewed` changes. Then installs
// exactly the bytes it checked over the current file, durably, keeping the replaced file as
// NAME.previous and the current file's permissions, and marks the new file untried (NAME.untried)
// until a kiosk has started with it. On any failure the current file is unchanged.
std::expected<ControlledRestart, base::Error<ConfigUpdateError>> apply_config_update(
    const std::filesystem::path& current_file, const std::filesystem::path& candidate_file,
    const std::vector<SettingChange>& reviewed, const std::vector<std::string>& arguments);

// The mark of a configuration installed but not yet started with: NAME.untried.
std::filesystem::path untried_file_of(const std::filesystem::path& current_file);

// A kiosk started with the file: it is no longer untried. Whether it was.
bool confirm_config(const std::filesystem::path& current_file);

// For a kiosk that could not start: if its file is untried, puts NAME.previous back and removes
// the mark, so that the supervisor's next start uses the configuration that last worked.
// Whether it did; an untried file with no previous one to put back is an error.
std::expected<bool, base::Error<ConfigUpdateError>> restore_untried_config(
    const std::filesystem::path& current_file);

// Puts NAME.previous back as the current file (for a configuration that failed at start-up),
// durably, with the previous file's permissions. NAME.previous stays, so that it can be run
// again after a crash.
std::expected<void, base::Error<ConfigUpdateError>> restore_previous_config(
    const std::filesystem::path& current_file);

}  // namespace kiosk::app
