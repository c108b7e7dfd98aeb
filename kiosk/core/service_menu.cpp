#include "kiosk/core/service_menu.h"

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

bool may_set_out_of_service(EngineerRole role) {
    return role == EngineerRole::engineer;
}

}  // namespace kiosk::core
