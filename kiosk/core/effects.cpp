#include "kiosk/core/effects.h"

#include <type_traits>

namespace kiosk::core {

std::string_view to_string(Channel channel) {
    switch (channel) {
        case Channel::speaker:
            return "speaker";
        case Channel::headphones:
            return "headphones";
    }
    return "unknown";
}

std::string_view to_string(ToneKind kind) {
    switch (kind) {
        case ToneKind::key:
            return "key";
        case ToneKind::digit:
            return "digit";
        case ToneKind::error:
            return "error";
        case ToneKind::attention:
            return "attention";
    }
    return "unknown";
}

std::string_view to_string(PinPurpose purpose) {
    switch (purpose) {
        case PinPurpose::sign_on:
            return "sign_on";
        case PinPurpose::new_pin:
            return "new_pin";
    }
    return "unknown";
}

namespace {

template <typename T>
constexpr std::string_view effect_name() {
    if constexpr (std::is_same_v<T, Show>) {
        return "Show";
    } else if constexpr (std::is_same_v<T, Speak>) {
        return "Speak";
    } else if constexpr (std::is_same_v<T, StopSpeech>) {
        return "StopSpeech";
    } else if constexpr (std::is_same_v<T, RepeatSpeech>) {
        return "RepeatSpeech";
    } else if constexpr (std::is_same_v<T, PauseSpeech>) {
        return "PauseSpeech";
    } else if constexpr (std::is_same_v<T, ResumeSpeech>) {
        return "ResumeSpeech";
    } else if constexpr (std::is_same_v<T, SetVolume>) {
        return "SetVolume";
    } else if constexpr (std::is_same_v<T, BlankScreen>) {
        return "BlankScreen";
    } else if constexpr (std::is_same_v<T, Tone>) {
        return "Tone";
    } else if constexpr (std::is_same_v<T, StartPinEntry>) {
        return "StartPinEntry";
    } else if constexpr (std::is_same_v<T, CancelPinEntry>) {
        return "CancelPinEntry";
    } else if constexpr (std::is_same_v<T, EjectCard>) {
        return "EjectCard";
    } else if constexpr (std::is_same_v<T, RenewCardAuthentication>) {
        return "RenewCardAuthentication";
    } else if constexpr (std::is_same_v<T, Call>) {
        return "Call";
    } else if constexpr (std::is_same_v<T, CancelCall>) {
        return "CancelCall";
    } else if constexpr (std::is_same_v<T, AccountCall>) {
        return "AccountCall";
    } else if constexpr (std::is_same_v<T, SavePreferences>) {
        return "SavePreferences";
    } else if constexpr (std::is_same_v<T, ListBusinesses>) {
        return "ListBusinesses";
    } else if constexpr (std::is_same_v<T, TakeTicket>) {
        return "TakeTicket";
    } else if constexpr (std::is_same_v<T, CallStaff>) {
        return "CallStaff";
    } else if constexpr (std::is_same_v<T, AnswerSurvey>) {
        return "AnswerSurvey";
    } else if constexpr (std::is_same_v<T, FileComplaint>) {
        return "FileComplaint";
    } else if constexpr (std::is_same_v<T, Print>) {
        return "Print";
    } else if constexpr (std::is_same_v<T, StartTimer>) {
        return "StartTimer";
    } else if constexpr (std::is_same_v<T, CancelTimer>) {
        return "CancelTimer";
    } else if constexpr (std::is_same_v<T, NotifyStaff>) {
        return "NotifyStaff";
    } else if constexpr (std::is_same_v<T, Dispense>) {
        return "Dispense";
    } else if constexpr (std::is_same_v<T, PresentCash>) {
        return "PresentCash";
    } else if constexpr (std::is_same_v<T, RetractCash>) {
        return "RetractCash";
    } else if constexpr (std::is_same_v<T, RejectCash>) {
        return "RejectCash";
    } else if constexpr (std::is_same_v<T, CheckDispenser>) {
        return "CheckDispenser";
    } else if constexpr (std::is_same_v<T, CheckSignIn>) {
        return "CheckSignIn";
    } else if constexpr (std::is_same_v<T, ReportDevices>) {
        return "ReportDevices";
    } else if constexpr (std::is_same_v<T, CheckNetwork>) {
        return "CheckNetwork";
    } else if constexpr (std::is_same_v<T, ReportFaults>) {
        return "ReportFaults";
    } else if constexpr (std::is_same_v<T, ListAccounts>) {
        return "ListAccounts";
    } else if constexpr (std::is_same_v<T, RemoveAccount>) {
        return "RemoveAccount";
    } else if constexpr (std::is_same_v<T, EnrolAccount>) {
        return "EnrolAccount";
    } else if constexpr (std::is_same_v<T, ConfirmEnrolment>) {
        return "ConfirmEnrolment";
    } else if constexpr (std::is_same_v<T, DiscardEnrolment>) {
        return "DiscardEnrolment";
    } else if constexpr (std::is_same_v<T, ReportCounters>) {
        return "ReportCounters";
    } else if constexpr (std::is_same_v<T, BeginKeyCeremony>) {
        return "BeginKeyCeremony";
    } else if constexpr (std::is_same_v<T, FetchWorkingKeys>) {
        return "FetchWorkingKeys";
    } else if constexpr (std::is_same_v<T, EndKeyCeremony>) {
        return "EndKeyCeremony";
    } else if constexpr (std::is_same_v<T, ExportRecords>) {
        return "ExportRecords";
    } else if constexpr (std::is_same_v<T, ReadConfiguration>) {
        return "ReadConfiguration";
    } else if constexpr (std::is_same_v<T, ReviewConfiguration>) {
        return "ReviewConfiguration";
    } else if constexpr (std::is_same_v<T, InstallConfiguration>) {
        return "InstallConfiguration";
    } else if constexpr (std::is_same_v<T, RestartKiosk>) {
        return "RestartKiosk";
    } else if constexpr (std::is_same_v<T, SetOutOfService>) {
        return "SetOutOfService";
    } else {
        static_assert(std::is_same_v<T, Journal>, "every effect needs a name");
        return "Journal";
    }
}

}  // namespace

std::string_view to_string(const Effect& effect) {
    return std::visit(
        [](const auto& alternative) {
            return effect_name<std::remove_cvref_t<decltype(alternative)>>();
        },
        effect);
}

bool is_money_giving(const Effect& effect) {
    if (const auto* call = std::get_if<AccountCall>(&effect)) {
        return std::holds_alternative<AuthoriseWithdrawal>(call->request) ||
               std::holds_alternative<ConfirmWithdrawal>(call->request) ||
               std::holds_alternative<ExecuteTransfer>(call->request);
    }
    return std::holds_alternative<Dispense>(effect) || std::holds_alternative<PresentCash>(effect);
}

}  // namespace kiosk::core
