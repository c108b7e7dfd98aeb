#include "kiosk/core/configuration_change.h"

namespace kiosk::core {

std::string to_text(const ConfigSetting& setting) {
    return setting.setting + " = " +
           (setting.concealed ? std::string(k_concealed_value) : setting.value);
}

std::string to_text(const SettingChange& change) {
    if (change.concealed) {
        return change.setting + ": " + std::string(k_concealed_change);
    }
    return change.setting + ": " + change.old_value + " -> " + change.new_value;
}

std::string spoken_setting(std::string_view setting) {
    std::string spoken(setting);
    for (char& c : spoken) {
        if (c == '.' || c == '_') {
            c = ' ';
        }
    }
    return spoken;
}

std::string_view to_string(ConfigReviewOutcome outcome) {
    switch (outcome) {
        case ConfigReviewOutcome::reviewed:
            return "reviewed";
        case ConfigReviewOutcome::no_stick:
            return "no_stick";
        case ConfigReviewOutcome::no_file:
            return "no_file";
        case ConfigReviewOutcome::invalid:
            return "invalid";
        case ConfigReviewOutcome::unreadable:
            return "unreadable";
    }
    return "unknown";
}

std::string_view to_string(ConfigInstallOutcome outcome) {
    switch (outcome) {
        case ConfigInstallOutcome::installed:
            return "installed";
        case ConfigInstallOutcome::changed:
            return "changed";
        case ConfigInstallOutcome::failed:
            return "failed";
    }
    return "unknown";
}

std::string setting_names(const std::vector<SettingChange>& changes) {
    std::string names;
    for (const SettingChange& change : changes) {
        names += (names.empty() ? "" : " ") + change.setting;
    }
    return names;
}

}  // namespace kiosk::core
