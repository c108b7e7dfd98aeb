#include "kiosk/app/config_update.h"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>
#include <utility>

#include "kiosk/access/private_file.h"
#include "kiosk/app/config.h"

namespace kiosk::app {

namespace {

using UpdateFailure = base::Error<ConfigUpdateError>;

// The settings of today's files that name a key file (docs/protocols/epp.md §8.6: the PIN
// pad's authentication key; the kiosk's TLS client key). Settings added later are caught by
// the words of their names (concealed_by_name).
constexpr std::array<std::string_view, 2> k_concealed_settings{"tls.client_key",
                                                               "pin_pad.authentication_key_file"};
// Settings whose names end in "_key" but that hold no key: the PIN key's management mode
// ("fixed" or "dukpt", docs/protocols/epp.md §8.7).
constexpr std::array<std::string_view, 1> k_plain_key_settings{"pin_pad.pin_key"};

bool concealed_by_name(std::string_view key) {
    for (const std::string_view word : {"secret", "password", "passphrase", "private"}) {
        if (key.find(word) != std::string_view::npos) {
            return true;
        }
    }
    return key.ends_with("_key") || key.ends_with("_key_file") || key == "key";
}

// The file's bytes, when it is a regular file no larger than k_max_config_file_size.
std::optional<std::string> read_config_text(const std::filesystem::path& file) {
    std::error_code status_error;
    if (!std::filesystem::is_regular_file(file, status_error)) {
        return std::nullopt;
    }
    const auto size = std::filesystem::file_size(file, status_error);
    if (status_error || size > k_max_config_file_size) {
        return std::nullopt;
    }
    std::ifstream stream(file, std::ios::binary);
    if (!stream) {
        return std::nullopt;
    }
    std::string text;
    std::array<char, 4096> buffer{};
    // Bounded again while reading, in case the file grows after its size was taken.
    while (stream) {
        stream.read(buffer.data(), buffer.size());
        text.append(buffer.data(), static_cast<std::size_t>(stream.gcount()));
        if (text.size() > k_max_config_file_size) {
            return std::nullopt;
        }
    }
    if (stream.bad()) {
        return std::nullopt;
    }
    return text;
}

// load_config's verdict on the file as the kiosk would start with it: on the kiosk's command line
// (`arguments`) with --config naming `file`. Nothing when it would start, else its message.
// load_config reads no locales folder, so its default does not change the verdict.
std::optional<std::string> config_problem(const std::filesystem::path& file,
                                          const std::vector<std::string>& arguments) {
    std::vector<std::string> started_with = arguments;
    const auto named = std::ranges::find(started_with, "--config");
    if (named == started_with.end() || std::next(named) == started_with.end()) {
        started_with.insert(started_with.begin(), {"--config", file.string()});
    } else {
        *std::next(named) = file.string();
    }
    try {
        (void)load_config(started_with, {});
    } catch (const ConfigError& error) {
        return std::string(error.what());
    } catch (const std::filesystem::filesystem_error& error) {
        return std::string(error.what());
    }
    return std::nullopt;
}

// Every value of the table by its dotted name, as TOML text.
void flatten_settings(const toml::table& table, const std::string& prefix,
                      std::map<std::string, std::string>& settings) {
    for (const auto& [key, node] : table) {
        const std::string name =
            prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
        if (const auto* inner = node.as_table()) {
            flatten_settings(*inner, name, settings);
            continue;
        }
        std::ostringstream text;
        node.visit([&text](const auto& value) { text << value; });
        settings[name] = text.str();
    }
}

std::expected<std::map<std::string, std::string>, std::string> settings_of(
    const std::filesystem::path& file) {
    try {
        const toml::table table = toml::parse_file(file.string());
        std::map<std::string, std::string> settings;
        flatten_settings(table, "", settings);
        return settings;
    } catch (const toml::parse_error& error) {
        return std::unexpected(std::string(error.description()));
    }
}

SettingChange setting_change_of(const std::string& setting, std::string old_value,
                                std::string new_value) {
    if (is_concealed_setting(setting)) {
        return SettingChange{setting, true, {}, {}};
    }
    return SettingChange{setting, false, std::move(old_value), std::move(new_value)};
}

// The settings that differ between two files' settings, in the order of their names.
std::vector<SettingChange> changes_between(const std::map<std::string, std::string>& old_settings,
                                           const std::map<std::string, std::string>& new_settings) {
    std::vector<SettingChange> changes;
    auto old_entry = old_settings.begin();
    auto new_entry = new_settings.begin();
    // Both maps are in name order: one walk finds the changed, the added and the removed.
    while (old_entry != old_settings.end() || new_entry != new_settings.end()) {
        if (new_entry == new_settings.end() ||
            (old_entry != old_settings.end() && old_entry->first < new_entry->first)) {
            changes.push_back(setting_change_of(old_entry->first, old_entry->second,
                                                std::string(core::k_not_set)));
            ++old_entry;
        } else if (old_entry == old_settings.end() || new_entry->first < old_entry->first) {
            changes.push_back(setting_change_of(new_entry->first, std::string(core::k_not_set),
                                                new_entry->second));
            ++new_entry;
        } else {
            if (old_entry->second != new_entry->second) {
                changes.push_back(
                    setting_change_of(old_entry->first, old_entry->second, new_entry->second));
            }
            ++old_entry;
            ++new_entry;
        }
    }
    return changes;
}

// The file's permissions, to be given to the file that replaces it.
std::optional<std::filesystem::perms> permissions_of(const std::filesystem::path& file) {
    std::error_code status_error;
    const auto status = std::filesystem::status(file, status_error);
    if (status_error || !std::filesystem::is_regular_file(status)) {
        return std::nullopt;
    }
    return status.permissions();
}

// Writes `text` over `file` durably (kiosk/access's write_private_file: NAME.new created 0600,
// fsynced, renamed over, the folder fsynced) and gives it `permissions`. The file is readable
// by its owner, the kiosk, from the moment it has its name; the permissions of the file it
// replaced follow (a config file is often 0644, for a monitoring agent). A crash in between
// leaves a file only the kiosk can read, which it starts with.
std::expected<void, UpdateFailure> install_config_text(const std::filesystem::path& file,
                                                       std::string_view text,
                                                       access::KeepPrevious keep_previous,
                                                       std::filesystem::perms permissions) {
    if (auto written = access::write_private_file(file, text, keep_previous); !written) {
        return std::unexpected(
            base::error(ConfigUpdateError::write_failed, base::to_string(written.error())));
    }
    constexpr auto k_private =
        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;
    if (permissions != k_private) {
        std::error_code mode_error;
        std::filesystem::permissions(file, permissions, std::filesystem::perm_options::replace,
                                     mode_error);
        if (mode_error) {
            return std::unexpected(base::error(ConfigUpdateError::write_failed,
                                               "cannot set the permissions of " + file.string()));
        }
    }
    return {};
}

}  // namespace

std::string_view to_string(ConfigUpdateError error) {
    switch (error) {
        case ConfigUpdateError::current_unreadable:
            return "the configuration in use cannot be read";
        case ConfigUpdateError::candidate_unreadable:
            return "the new configuration cannot be read";
        case ConfigUpdateError::candidate_invalid:
            return "the kiosk would not start with the new configuration";
        case ConfigUpdateError::write_failed:
            return "the new configuration could not be installed";
        case ConfigUpdateError::no_previous:
            return "there is no previous configuration to put back";
        case ConfigUpdateError::candidate_changed:
            return "the new configuration changed after it was reviewed";
    }
    return "unknown configuration update error";
}

bool is_concealed_setting(std::string_view setting) {
    for (const std::string_view plain : k_plain_key_settings) {
        if (setting == plain) {
            return false;
        }
    }
    for (const std::string_view concealed : k_concealed_settings) {
        if (setting == concealed) {
            return true;
        }
    }
    const auto dot = setting.rfind('.');
    return concealed_by_name(dot == std::string_view::npos ? setting : setting.substr(dot + 1));
}

std::expected<std::vector<SettingChange>, base::Error<ConfigUpdateError>> review_config_update(
    const std::filesystem::path& current_file, const std::filesystem::path& candidate_file,
    const std::vector<std::string>& arguments) {
    if (!read_config_text(candidate_file)) {
        return std::unexpected(
            base::error(ConfigUpdateError::candidate_unreadable, candidate_file.string()));
    }
    if (auto problem = config_problem(candidate_file, arguments)) {
        return std::unexpected(base::error(ConfigUpdateError::candidate_invalid, *problem));
    }
    if (auto problem = config_problem(current_file, arguments)) {
        return std::unexpected(base::error(ConfigUpdateError::current_unreadable, *problem));
    }
    auto old_settings = settings_of(current_file);
    if (!old_settings) {
        return std::unexpected(base::error(ConfigUpdateError::current_unreadable,
                                           current_file.string() + ": " + old_settings.error()));
    }
    auto new_settings = settings_of(candidate_file);
    if (!new_settings) {
        return std::unexpected(base::error(ConfigUpdateError::candidate_invalid,
                                           candidate_file.string() + ": " + new_settings.error()));
    }
    return changes_between(*old_settings, *new_settings);
}

std::expected<ControlledRestart, base::Error<ConfigUpdateError>> apply_config_update(
    const std::filesystem::path& current_file, const std::filesystem::path& candidate_file,
    const std::vector<SettingChange>& reviewed, const std::vector<std::string>& arguments) {
    const auto permissions = permissions_of(current_file);
    if (!permissions) {
        return std::unexpected(
            base::error(ConfigUpdateError::current_unreadable, current_file.string()));
    }
    const auto text = read_config_text(candidate_file);
    if (!text) {
        return std::unexpected(
            base::error(ConfigUpdateError::candidate_unreadable, candidate_file.string()));
    }
    // The bytes read are checked where they will be installed, so that what is installed is
    // exactly what was checked, whatever happens to the stick's file meanwhile.
    const std::filesystem::path staged = current_file.string() + ".candidate";
    if (auto written = access::write_private_file(staged, *text, access::KeepPrevious::no);
        !written) {
        return std::unexpected(
            base::error(ConfigUpdateError::write_failed, base::to_string(written.error())));
    }
    const auto problem = config_problem(staged, arguments);
    const auto old_settings = settings_of(current_file);
    const auto new_settings = settings_of(staged);
    std::error_code ignored;
    std::filesystem::remove(staged, ignored);
    if (problem) {
        return std::unexpected(base::error(ConfigUpdateError::candidate_invalid, *problem));
    }
    if (!old_settings) {
        return std::unexpected(base::error(ConfigUpdateError::current_unreadable,
                                           current_file.string() + ": " + old_settings.error()));
    }
    if (!new_settings || changes_between(*old_settings, *new_settings) != reviewed) {
        return std::unexpected(base::error(ConfigUpdateError::candidate_changed));
    }
    if (auto installed =
            install_config_text(current_file, *text, access::KeepPrevious::yes, *permissions);
        !installed) {
        return std::unexpected(std::move(installed.error()));
    }
    // Marked after the installation: a crash in between leaves a checked file unmarked, which
    // is started with as any other, rather than a mark that would put back an older file.
    if (auto marked = access::write_private_file(untried_file_of(current_file), "untried\n",
                                                 access::KeepPrevious::no);
        !marked) {
        return std::unexpected(
            base::error(ConfigUpdateError::write_failed, base::to_string(marked.error())));
    }
    return ControlledRestart{k_restart_exit_status, access::previous_file_of(current_file)};
}

std::filesystem::path untried_file_of(const std::filesystem::path& current_file) {
    return current_file.string() + ".untried";
}

bool confirm_config(const std::filesystem::path& current_file) {
    std::error_code ignored;
    return std::filesystem::remove(untried_file_of(current_file), ignored);
}

std::expected<bool, base::Error<ConfigUpdateError>> restore_untried_config(
    const std::filesystem::path& current_file) {
    std::error_code status_error;
    if (!std::filesystem::exists(untried_file_of(current_file), status_error)) {
        return false;
    }
    if (auto restored = restore_previous_config(current_file); !restored) {
        return std::unexpected(std::move(restored.error()));
    }
    confirm_config(current_file);
    return true;
}

std::expected<std::vector<core::ConfigSetting>, base::Error<ConfigUpdateError>> settings_in_use(
    const std::filesystem::path& current_file) {
    if (!read_config_text(current_file)) {
        return std::unexpected(
            base::error(ConfigUpdateError::current_unreadable, current_file.string()));
    }
    const auto settings = settings_of(current_file);
    if (!settings) {
        return std::unexpected(base::error(ConfigUpdateError::current_unreadable,
                                           current_file.string() + ": " + settings.error()));
    }
    std::vector<core::ConfigSetting> in_use;
    for (const auto& [setting, value] : *settings) {
        in_use.push_back(is_concealed_setting(setting)
                             ? core::ConfigSetting{setting, true, {}}
                             : core::ConfigSetting{setting, false, value});
    }
    return in_use;
}

std::expected<void, base::Error<ConfigUpdateError>> restore_previous_config(
    const std::filesystem::path& current_file) {
    const auto previous = access::previous_file_of(current_file);
    const auto permissions = permissions_of(previous);
    const auto text = read_config_text(previous);
    if (!permissions || !text) {
        return std::unexpected(base::error(ConfigUpdateError::no_previous, previous.string()));
    }
    return install_config_text(current_file, *text, access::KeepPrevious::no, *permissions);
}

}  // namespace kiosk::app
