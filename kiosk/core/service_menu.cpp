#include "kiosk/core/service_menu.h"

#include <algorithm>
#include <array>

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
        case ServiceStep::faults:
            return "faults";
        case ServiceStep::self_tests:
            return "self_tests";
        case ServiceStep::key_test:
            return "key_test";
        case ServiceStep::partner_sign_in:
            return "partner_sign_in";
        case ServiceStep::checking_partner:
            return "checking_partner";
        case ServiceStep::key_ceremony:
            return "key_ceremony";
        case ServiceStep::export_records:
            return "export_records";
        case ServiceStep::configuration:
            return "configuration";
        case ServiceStep::configuration_change:
            return "configuration_change";
        case ServiceStep::card_test:
            return "card_test";
        case ServiceStep::dispense_test:
            return "dispense_test";
        case ServiceStep::counters:
            return "counters";
        case ServiceStep::accounts:
            return "accounts";
        case ServiceStep::account_remove:
            return "account_remove";
        case ServiceStep::account_remove_confirm:
            return "account_remove_confirm";
        case ServiceStep::account_add:
            return "account_add";
        case ServiceStep::account_role:
            return "account_role";
        case ServiceStep::account_password:
            return "account_password";
        case ServiceStep::account_enrolling:
            return "account_enrolling";
        case ServiceStep::account_code:
            return "account_code";
    }
    return "unknown";
}

std::string_view to_string(CardTestStage stage) {
    switch (stage) {
        case CardTestStage::insert:
            return "insert";
        case CardTestStage::reading:
            return "reading";
        case CardTestStage::take:
            return "take";
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

std::string_view to_string(FaultAdvice advice) {
    switch (advice) {
        case FaultAdvice::printer_paper:
            return "printer_paper";
        case FaultAdvice::device:
            return "device";
        case FaultAdvice::pin_pad:
            return "pin_pad";
        case FaultAdvice::card_left:
            return "card_left";
        case FaultAdvice::service:
            return "service";
        case FaultAdvice::dispenser:
            return "dispenser";
        case FaultAdvice::money:
            return "money";
        case FaultAdvice::journal:
            return "journal";
        case FaultAdvice::other:
            return "other";
    }
    return "other";
}

std::string_view to_string(CounterName name) {
    switch (name) {
        case CounterName::withdrawals_completed:
            return "withdrawals_completed";
        case CounterName::withdrawals_reversed:
            return "withdrawals_reversed";
        case CounterName::withdrawals_held:
            return "withdrawals_held";
        case CounterName::transfers_done:
            return "transfers_done";
        case CounterName::transfers_unknown:
            return "transfers_unknown";
        case CounterName::dispense_tests:
            return "dispense_tests";
        case CounterName::faults:
            return "faults";
        case CounterName::signed_in:
            return "signed_in";
        case CounterName::sign_in_refused:
            return "sign_in_refused";
        case CounterName::service_locked:
            return "service_locked";
    }
    return "unknown";
}

namespace {

// The journal's event each counter counts.
struct CountedEvent {
    CounterName name;
    std::string_view event;
};

constexpr std::array k_counted_events{
    CountedEvent{CounterName::withdrawals_completed, "withdrawal_completed"},
    CountedEvent{CounterName::withdrawals_reversed, "withdrawal_reversed"},
    CountedEvent{CounterName::withdrawals_held, "withdrawal_held_for_engineer"},
    CountedEvent{CounterName::transfers_done, "transfer_done"},
    CountedEvent{CounterName::transfers_unknown, "transfer_outcome_unknown"},
    CountedEvent{CounterName::dispense_tests, "dispense_test_notes_secured"},
    CountedEvent{CounterName::faults, "staff_notified"},
    CountedEvent{CounterName::signed_in, "signed_in"},
    CountedEvent{CounterName::sign_in_refused, "sign_in_refused"},
    CountedEvent{CounterName::service_locked, "service_locked"},
};

constexpr std::array k_fault_advices{
    FaultAdvice::printer_paper, FaultAdvice::device,  FaultAdvice::pin_pad,
    FaultAdvice::card_left,     FaultAdvice::service, FaultAdvice::dispenser,
    FaultAdvice::money,         FaultAdvice::journal, FaultAdvice::other};

}  // namespace

std::vector<CounterLine> counter_lines(const std::vector<JournalCount>& counts) {
    std::vector<CounterLine> lines;
    for (const CountedEvent& counted : k_counted_events) {
        CounterLine line{.name = counted.name, .advice = std::nullopt, .today = 0, .in_all = 0};
        std::vector<CounterLine> kinds;
        for (const FaultAdvice advice : k_fault_advices) {
            kinds.push_back(
                CounterLine{.name = counted.name, .advice = advice, .today = 0, .in_all = 0});
        }
        for (const JournalCount& count : counts) {
            if (count.event != counted.event) {
                continue;
            }
            line.today += count.today;
            line.in_all += count.in_all;
            if (counted.name == CounterName::faults) {
                CounterLine& kind = kinds.at(static_cast<std::size_t>(
                    std::ranges::find(k_fault_advices, fault_advice(count.reason)) -
                    k_fault_advices.begin()));
                kind.today += count.today;
                kind.in_all += count.in_all;
            }
        }
        lines.push_back(line);
        if (counted.name == CounterName::faults) {
            for (const CounterLine& kind : kinds) {
                if (kind.in_all > 0) {
                    lines.push_back(kind);
                }
            }
        }
    }
    return lines;
}

// The reasons are the flow's own (notify_staff's callers), matched by how they begin or end.
FaultAdvice fault_advice(std::string_view reason) {
    const auto begins = [reason](std::string_view start) { return reason.starts_with(start); };
    if (reason.ends_with(" missing") || reason.ends_with(" fault")) {
        return FaultAdvice::device;
    }
    if (begins("receipt printer")) {
        return FaultAdvice::printer_paper;
    }
    if (begins("PIN pad")) {
        return FaultAdvice::pin_pad;
    }
    if (begins("card left")) {
        return FaultAdvice::card_left;
    }
    if (begins("account service") || begins("queue service") || begins("staff call not placed")) {
        return FaultAdvice::service;
    }
    if (begins("cash dispenser") || begins("dispense test")) {
        return FaultAdvice::dispenser;
    }
    if (begins("withdrawal") || begins("transfer")) {
        return FaultAdvice::money;
    }
    if (begins("electronic journal")) {
        return FaultAdvice::journal;
    }
    return FaultAdvice::other;
}

bool may_set_out_of_service(EngineerRole role) {
    return role == EngineerRole::engineer;
}

bool may_run_diagnostics(EngineerRole role) {
    return role == EngineerRole::engineer;
}

bool may_load_keys(EngineerRole role) {
    return role == EngineerRole::key_custodian;
}

bool may_export_records(EngineerRole role) {
    return role == EngineerRole::administrator;
}

bool may_change_configuration(EngineerRole role) {
    return role == EngineerRole::administrator;
}

bool may_manage_accounts(EngineerRole role) {
    return role == EngineerRole::administrator;
}

std::string_view to_string(ExportOutcome outcome) {
    switch (outcome) {
        case ExportOutcome::exported:
            return "exported";
        case ExportOutcome::no_stick:
            return "no_stick";
        case ExportOutcome::failed:
            return "failed";
    }
    return "unknown";
}

std::string& typed_engineer_id(ServiceVisit& visit) {
    return visit.step == ServiceStep::partner_sign_in && visit.ceremony ? visit.ceremony->partner_id
                                                                        : visit.engineer_id;
}

const std::string& typed_engineer_id(const ServiceVisit& visit) {
    return visit.step == ServiceStep::partner_sign_in && visit.ceremony ? visit.ceremony->partner_id
                                                                        : visit.engineer_id;
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

std::size_t counters_per_page(TextSize size, bool elder_mode) {
    return device_lines_per_page(size, elder_mode);
}

std::size_t accounts_per_page(TextSize size, bool elder_mode) {
    return device_lines_per_page(size, elder_mode);
}

std::size_t faults_per_page(TextSize size, bool elder_mode) {
    // A fault and its advice take about three of a device's lines.
    return std::max<std::size_t>(1, device_lines_per_page(size, elder_mode) / 3);
}

std::size_t faults_pages(std::size_t faults, TextSize size, bool elder_mode) {
    return pages_of(faults, faults_per_page(size, elder_mode));
}

std::size_t settings_per_page(TextSize size, bool elder_mode) {
    switch (size) {
        case TextSize::normal:
            return elder_mode ? 2 : 5;
        case TextSize::large:
            return elder_mode ? 2 : 3;
        case TextSize::largest:
            return elder_mode ? 1 : 2;
    }
    return 1;
}

std::size_t changes_per_page(TextSize size, bool elder_mode) {
    return std::max<std::size_t>(1, settings_per_page(size, elder_mode) / 2);
}

std::size_t pages_of(std::size_t lines, std::size_t per_page) {
    return std::max<std::size_t>(1, (lines + per_page - 1) / per_page);
}

std::size_t device_pages(const DeviceSnapshot& snapshot, std::size_t lines_per_page) {
    return pages_of(device_lines(snapshot).size(), lines_per_page);
}

}  // namespace kiosk::core
