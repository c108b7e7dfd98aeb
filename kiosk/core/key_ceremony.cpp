#include "kiosk/core/key_ceremony.h"

namespace kiosk::core {

std::string_view to_string(CeremonyStep step) {
    switch (step) {
        case CeremonyStep::starting:
            return "starting";
        case CeremonyStep::component1:
            return "component1";
        case CeremonyStep::component2:
            return "component2";
        case CeremonyStep::confirming:
            return "confirming";
        case CeremonyStep::committing:
            return "committing";
        case CeremonyStep::done:
            return "done";
        case CeremonyStep::ended:
            return "ended";
    }
    return "unknown";
}

std::string_view to_string(CeremonyEnd end) {
    switch (end) {
        case CeremonyEnd::cancel_key:
            return "cancel_key";
        case CeremonyEnd::timed_out:
            return "timed_out";
        case CeremonyEnd::by_kiosk:
            return "by_kiosk";
        case CeremonyEnd::zero_key:
            return "zero_key";
        case CeremonyEnd::pad_refused:
            return "pad_refused";
        case CeremonyEnd::pad_failed:
            return "pad_failed";
        case CeremonyEnd::bank_has_no_keys:
            return "bank_has_no_keys";
        case CeremonyEnd::bank_unavailable:
            return "bank_unavailable";
        case CeremonyEnd::keys_not_loaded:
            return "keys_not_loaded";
    }
    return "unknown";
}

std::string_view to_string(WorkingKeysOutcome outcome) {
    switch (outcome) {
        case WorkingKeysOutcome::ok:
            return "ok";
        case WorkingKeysOutcome::no_keys:
            return "no_keys";
        case WorkingKeysOutcome::unavailable:
            return "unavailable";
    }
    return "unknown";
}

std::string_view to_string(CeremonyProgress progress) {
    switch (progress) {
        case CeremonyProgress::started:
            return "started";
        case CeremonyProgress::refused:
            return "refused";
        case CeremonyProgress::typing:
            return "typing";
        case CeremonyProgress::component1_entered:
            return "component1_entered";
        case CeremonyProgress::component2_entered:
            return "component2_entered";
        case CeremonyProgress::combined:
            return "combined";
        case CeremonyProgress::abandoned:
            return "abandoned";
    }
    return "unknown";
}

bool ceremony_on_pad(const KeyCeremony& ceremony) {
    switch (ceremony.step) {
        case CeremonyStep::starting:
        case CeremonyStep::component1:
        case CeremonyStep::component2:
        case CeremonyStep::confirming:
            return true;
        case CeremonyStep::committing:  // the shell ends it, however the commit goes
        case CeremonyStep::done:
        case CeremonyStep::ended:
            return false;
    }
    return false;
}

std::string check_value_groups(std::string_view check_value) {
    constexpr std::size_t k_group = 2;
    std::string grouped;
    for (std::size_t index = 0; index < check_value.size(); index += k_group) {
        if (!grouped.empty()) {
            grouped += ' ';
        }
        grouped += check_value.substr(index, k_group);
    }
    return grouped;
}

}  // namespace kiosk::core
