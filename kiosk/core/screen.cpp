#include "kiosk/core/screen.h"

namespace kiosk::core {

std::string_view to_string(TextSize size) {
    switch (size) {
        case TextSize::normal:
            return "normal";
        case TextSize::large:
            return "large";
        case TextSize::largest:
            return "largest";
    }
    return "unknown";
}

std::string_view to_string(Role role) {
    switch (role) {
        case Role::title:
            return "title";
        case Role::text:
            return "text";
        case Role::amount:
            return "amount";
        case Role::notice:
            return "notice";
        case Role::choice:
            return "choice";
        case Role::input:
            return "input";
        case Role::status:
            return "status";
    }
    return "unknown";
}

}  // namespace kiosk::core
