#include "kiosk/core/service_menu.h"

#include <algorithm>

namespace kiosk::core {

std::string_view to_string(ServiceEntry entry) {
    switch (entry) {
        case ServiceEntry::service_switch:
            return "service_switch";
        case ServiceEntry::keys:
            return "keys";
    }
    return "unknown";
}

std::string_view to_string(ServiceStep step) {
    switch (step) {
        case ServiceStep::sign_in:
            return "sign_in";
        case ServiceStep::checking_sign_in:
            return "checking_sign_in";
        case ServiceStep::locked:
            return "locked";
        case ServiceStep::menu:
            return "menu";
        case ServiceStep::out_of_service_reason:
            return "out_of_service_reason";
        case ServiceStep::devices:
            return "devices";
        case ServiceStep::device:
            return "device";
        case ServiceStep::network:
            return "network";
        case ServiceStep::self_tests:
            return "self_tests";
        case ServiceStep::key_test:
            return "key_test";
    }
    return "unknown";
}

std::string_view to_string(OutOfServiceReason reason) {
    switch (reason) {
        case OutOfServiceReason::maintenance:
            return "maintenance";
        case OutOfServiceReason::cash:
            return "cash";
        case OutOfServiceReason::device_fault:
            return "device_fault";
        case OutOfServiceReason::network:
            return "network";
    }
    return "unknown";
}

std::optional<OutOfServiceReason> out_of_service_reason_named(std::string_view name) {
    for (const OutOfServiceReason reason : k_out_of_service_reasons) {
        if (to_string(reason) == name) {
            return reason;
        }
    }
    return std::nullopt;
}

std::string_view to_string(NetworkService service) {
    switch (service) {
        case NetworkService::account:
            return "account";
        case NetworkService::queue:
            return "queue";
    }
    return "unknown";
}

bool may_set_out_of_service(EngineerRole role) {
    return role == EngineerRole::engineer;
}

bool may_run_diagnostics(EngineerRole role) {
    return role == EngineerRole::engineer;
}

std::vector<base::Key> keys_not_tested(const ServiceVisit& visit) {
    std::vector<base::Key> missing;
    for (const auto& [key, name] : base::k_key_names) {
        if (std::ranges::find(visit.keys_tested, key) == visit.keys_tested.end()) {
            missing.push_back(key);
        }
    }
    return missing;
}

std::vector<DeviceLine> device_lines(const DeviceSnapshot& snapshot) {
    std::vector<DeviceLine> lines;
    const auto identity = [&lines](std::string_view label, const std::string& value) {
        if (!value.empty()) {
            lines.push_back(DeviceLine{std::string(label), value});
        }
    };
    identity("model", snapshot.model);
    identity("firmware", snapshot.firmware);
    identity("serial", snapshot.serial);
    for (const DeviceFact& fact : snapshot.facts) {
        lines.push_back(DeviceLine{std::string(to_string(fact.name)), fact.value});
    }
    return lines;
}

std::size_t device_lines_per_page(TextSize size, bool elder_mode) {
    switch (size) {
        case TextSize::normal:
            return elder_mode ? 3 : 6;
        case TextSize::large:
            return elder_mode ? 3 : 4;
        case TextSize::largest:
            return elder_mode ? 2 : 3;
    }
    return 2;
}

std::size_t device_pages(const DeviceSnapshot& snapshot, std::size_t lines_per_page) {
    const std::size_t lines = device_lines(snapshot).size();
    return std::max<std::size_t>(1, (lines + lines_per_page - 1) / lines_per_page);
}

}  // namespace kiosk::core
