#include "kiosk/core/engineer.h"

#include <algorithm>

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

std::string_view to_string(AccountsOutcome outcome) {
    switch (outcome) {
        case AccountsOutcome::done:
            return "done";
        case AccountsOutcome::unreadable:
            return "unreadable";
        case AccountsOutcome::unwritable:
            return "unwritable";
        case AccountsOutcome::unknown_id:
            return "unknown_id";
        case AccountsOutcome::duplicate_id:
            return "duplicate_id";
        case AccountsOutcome::last_administrator:
            return "last_administrator";
        case AccountsOutcome::wrong_code:
            return "wrong_code";
    }
    return "unknown";
}

std::size_t administrators(const std::vector<AccountSummary>& accounts) {
    return static_cast<std::size_t>(
        std::ranges::count(accounts, EngineerRole::administrator, &AccountSummary::role));
}

}  // namespace kiosk::core
