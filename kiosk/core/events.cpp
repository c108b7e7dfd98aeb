#include "kiosk/core/events.h"

#include <type_traits>

namespace kiosk::core {

std::string_view to_string(TimerId id) {
    switch (id) {
        case TimerId::inactivity:
            return "inactivity";
        case TimerId::inactivity_warning:
            return "inactivity_warning";
        case TimerId::reminder:
            return "reminder";
        case TimerId::goodbye:
            return "goodbye";
        case TimerId::card_read:
            return "card_read";
        case TimerId::pin_pad_ready:
            return "pin_pad_ready";
        case TimerId::service_call:
            return "service_call";
        case TimerId::hesitation:
            return "hesitation";
        case TimerId::tour:
            return "tour";
        case TimerId::queue_call:
            return "queue_call";
        case TimerId::cash_wait:
            return "cash_wait";
        case TimerId::dispenser:
            return "dispenser";
        case TimerId::service_keys:
            return "service_keys";
        case TimerId::service_idle:
            return "service_idle";
        case TimerId::restart:
            return "restart";
    }
    return "unknown";
}

std::string_view to_string(ServiceStatus status) {
    switch (status) {
        case ServiceStatus::ok:
            return "ok";
        case ServiceStatus::wrong_pin:
            return "wrong_pin";
        case ServiceStatus::pin_locked:
            return "pin_locked";
        case ServiceStatus::card_unknown:
            return "card_unknown";
        case ServiceStatus::card_blocked:
            return "card_blocked";
        case ServiceStatus::unavailable:
            return "unavailable";
        case ServiceStatus::timeout:
            return "timeout";
        case ServiceStatus::bad_reply:
            return "bad_reply";
    }
    return "unknown";
}

std::string_view to_string(CardFault fault) {
    switch (fault) {
        case CardFault::unreadable:
            return "unreadable";
        case CardFault::not_accepted:
            return "not_accepted";
        case CardFault::expired:
            return "expired";
        case CardFault::blocked:
            return "blocked";
    }
    return "unknown";
}

std::string_view to_string(Device device) {
    switch (device) {
        case Device::card_reader:
            return "card_reader";
        case Device::pin_pad:
            return "pin_pad";
        case Device::voice:
            return "voice";
        case Device::dispenser:
            return "dispenser";
        case Device::printer:
            return "printer";
    }
    return "unknown";
}

std::string_view to_string(PaperLevel level) {
    switch (level) {
        case PaperLevel::ok:
            return "ok";
        case PaperLevel::low:
            return "low";
        case PaperLevel::out:
            return "out";
    }
    return "unknown";
}

std::string_view to_string(PrintResult result) {
    switch (result) {
        case PrintResult::printed:
            return "printed";
        case PrintResult::paper_out:
            return "paper_out";
        case PrintResult::failed:
            return "failed";
    }
    return "unknown";
}

namespace {

template <typename T>
constexpr std::string_view event_name() {
    if constexpr (std::is_same_v<T, Started>) {
        return "Started";
    } else if constexpr (std::is_same_v<T, KeyPressed>) {
        return "KeyPressed";
    } else if constexpr (std::is_same_v<T, CardInserted>) {
        return "CardInserted";
    } else if constexpr (std::is_same_v<T, CardRead>) {
        return "CardRead";
    } else if constexpr (std::is_same_v<T, CardReadFailed>) {
        return "CardReadFailed";
    } else if constexpr (std::is_same_v<T, CardAuthenticationRenewed>) {
        return "CardAuthenticationRenewed";
    } else if constexpr (std::is_same_v<T, CardRemoved>) {
        return "CardRemoved";
    } else if constexpr (std::is_same_v<T, PinDigitEntered>) {
        return "PinDigitEntered";
    } else if constexpr (std::is_same_v<T, PinCleared>) {
        return "PinCleared";
    } else if constexpr (std::is_same_v<T, PinEntered>) {
        return "PinEntered";
    } else if constexpr (std::is_same_v<T, PinEntryCancelled>) {
        return "PinEntryCancelled";
    } else if constexpr (std::is_same_v<T, NewPinAgain>) {
        return "NewPinAgain";
    } else if constexpr (std::is_same_v<T, NewPinsDiffer>) {
        return "NewPinsDiffer";
    } else if constexpr (std::is_same_v<T, PinEntryReady>) {
        return "PinEntryReady";
    } else if constexpr (std::is_same_v<T, PinEntryFailed>) {
        return "PinEntryFailed";
    } else if constexpr (std::is_same_v<T, DeviceFailed>) {
        return "DeviceFailed";
    } else if constexpr (std::is_same_v<T, DeviceMissing>) {
        return "DeviceMissing";
    } else if constexpr (std::is_same_v<T, DeviceReturned>) {
        return "DeviceReturned";
    } else if constexpr (std::is_same_v<T, SpeechEnded>) {
        return "SpeechEnded";
    } else if constexpr (std::is_same_v<T, HeadphonesPlugged>) {
        return "HeadphonesPlugged";
    } else if constexpr (std::is_same_v<T, HeadphonesUnplugged>) {
        return "HeadphonesUnplugged";
    } else if constexpr (std::is_same_v<T, ReplyReceived>) {
        return "ReplyReceived";
    } else if constexpr (std::is_same_v<T, PreferencesSaved>) {
        return "PreferencesSaved";
    } else if constexpr (std::is_same_v<T, MoneyReplyReceived>) {
        return "MoneyReplyReceived";
    } else if constexpr (std::is_same_v<T, BusinessesListed>) {
        return "BusinessesListed";
    } else if constexpr (std::is_same_v<T, TicketIssued>) {
        return "TicketIssued";
    } else if constexpr (std::is_same_v<T, StaffCallChanged>) {
        return "StaffCallChanged";
    } else if constexpr (std::is_same_v<T, ComplaintFiled>) {
        return "ComplaintFiled";
    } else if constexpr (std::is_same_v<T, PaperChanged>) {
        return "PaperChanged";
    } else if constexpr (std::is_same_v<T, PrintFinished>) {
        return "PrintFinished";
    } else if constexpr (std::is_same_v<T, CashDispensed>) {
        return "CashDispensed";
    } else if constexpr (std::is_same_v<T, CashPresented>) {
        return "CashPresented";
    } else if constexpr (std::is_same_v<T, CashTaken>) {
        return "CashTaken";
    } else if constexpr (std::is_same_v<T, CashRetracted>) {
        return "CashRetracted";
    } else if constexpr (std::is_same_v<T, CashRejected>) {
        return "CashRejected";
    } else if constexpr (std::is_same_v<T, DispenserReported>) {
        return "DispenserReported";
    } else if constexpr (std::is_same_v<T, JournalFailed>) {
        return "JournalFailed";
    } else if constexpr (std::is_same_v<T, ServiceSwitchChanged>) {
        return "ServiceSwitchChanged";
    } else if constexpr (std::is_same_v<T, SignInChecked>) {
        return "SignInChecked";
    } else if constexpr (std::is_same_v<T, DevicesReported>) {
        return "DevicesReported";
    } else if constexpr (std::is_same_v<T, NetworkChecked>) {
        return "NetworkChecked";
    } else if constexpr (std::is_same_v<T, FaultsReported>) {
        return "FaultsReported";
    } else if constexpr (std::is_same_v<T, AccountsAnswered>) {
        return "AccountsAnswered";
    } else if constexpr (std::is_same_v<T, CountersReported>) {
        return "CountersReported";
    } else if constexpr (std::is_same_v<T, KeyCeremonyProgressed>) {
        return "KeyCeremonyProgressed";
    } else if constexpr (std::is_same_v<T, WorkingKeysFetched>) {
        return "WorkingKeysFetched";
    } else if constexpr (std::is_same_v<T, KeyCeremonyCommitted>) {
        return "KeyCeremonyCommitted";
    } else if constexpr (std::is_same_v<T, RecordsExported>) {
        return "RecordsExported";
    } else if constexpr (std::is_same_v<T, ConfigurationRead>) {
        return "ConfigurationRead";
    } else if constexpr (std::is_same_v<T, ConfigurationReviewed>) {
        return "ConfigurationReviewed";
    } else if constexpr (std::is_same_v<T, ConfigurationInstalled>) {
        return "ConfigurationInstalled";
    } else {
        static_assert(std::is_same_v<T, TimerFired>, "every event needs a name");
        return "TimerFired";
    }
}

}  // namespace

std::string_view to_string(const Event& event) {
    return std::visit(
        [](const auto& alternative) {
            return event_name<std::remove_cvref_t<decltype(alternative)>>();
        },
        event);
}

}  // namespace kiosk::core
