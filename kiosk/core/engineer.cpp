#include "kiosk/core/engineer.h"

namespace kiosk::core {

std::string_view to_string(EngineerRole role) {
    switch (role) {
        case EngineerRole::engineer:
            return "engineer";
        case EngineerRole::key_custodian:
            return "key_custodian";
        case EngineerRole::administrator:
            return "administrator";
    }
    return "unknown";
}

std::string_view to_string(SignInOutcome outcome) {
    switch (outcome) {
        case SignInOutcome::signed_in:
            return "signed_in";
        case SignInOutcome::refused:
            return "refused";
        case SignInOutcome::locked:
            return "locked";
        case SignInOutcome::unavailable:
            return "unavailable";
    }
    return "unknown";
}

}  // namespace kiosk::core
