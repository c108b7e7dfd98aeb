#include "kiosk/core/account_calls.h"

#include <type_traits>

namespace kiosk::core {

std::string_view to_string(MoneyKind kind) {
    return kind == MoneyKind::withdrawal ? "withdrawal" : "transfer";
}

std::string_view to_string(WithdrawalState state) {
    switch (state) {
        case WithdrawalState::authorised:
            return "authorised";
        case WithdrawalState::confirmed:
            return "confirmed";
        case WithdrawalState::reversed:
            return "reversed";
        case WithdrawalState::voided:
            return "void";
    }
    return "unknown";
}

std::string_view to_string(StatementEntryKind kind) {
    switch (kind) {
        case StatementEntryKind::withdrawal:
            return "withdrawal";
        case StatementEntryKind::transfer_out:
            return "transfer_out";
        case StatementEntryKind::transfer_in:
            return "transfer_in";
        case StatementEntryKind::deposit:
            return "deposit";
        case StatementEntryKind::fee:
            return "fee";
        case StatementEntryKind::reversal:
            return "reversal";
        case StatementEntryKind::interest:
            return "interest";
    }
    return "unknown";
}

std::string_view to_string(ReverseReason reason) {
    switch (reason) {
        case ReverseReason::cash_not_taken:
            return "cash_not_taken";
        case ReverseReason::dispense_failed:
            return "dispense_failed";
        case ReverseReason::cancelled:
            return "cancelled";
        case ReverseReason::outcome_unknown:
            return "outcome_unknown";
    }
    return "unknown";
}

std::string_view call_name(const AccountRequest& request) {
    return std::visit(
        [](const auto& alternative) -> std::string_view {
            using T = std::decay_t<decltype(alternative)>;
            if constexpr (std::is_same_v<T, RequestStatement>) {
                return "statement";
            } else if constexpr (std::is_same_v<T, RequestQuote>) {
                return "quote";
            } else if constexpr (std::is_same_v<T, AuthoriseWithdrawal>) {
                return "withdrawal";
            } else if constexpr (std::is_same_v<T, ConfirmWithdrawal>) {
                return "withdrawal_confirm";
            } else if constexpr (std::is_same_v<T, ReverseWithdrawal>) {
                return "withdrawal_reverse";
            } else if constexpr (std::is_same_v<T, FindWithdrawal>) {
                return "withdrawal_status";
            } else if constexpr (std::is_same_v<T, ExecuteTransfer>) {
                return "transfer";
            } else if constexpr (std::is_same_v<T, FindTransfer>) {
                return "transfer_status";
            } else if constexpr (std::is_same_v<T, LockCard>) {
                return "card_lock";
            } else if constexpr (std::is_same_v<T, ChangePin>) {
                return "pin_change";
            } else {
                static_assert(std::is_same_v<T, EndSession>, "every request needs a name");
                return "end_session";
            }
        },
        request);
}

std::string_view to_string(MoneyStatus status) {
    switch (status) {
        case MoneyStatus::ok:
            return "ok";
        case MoneyStatus::session_refused:
            return "session_refused";
        case MoneyStatus::conflict:
            return "conflict";
        case MoneyStatus::quote_expired:
            return "quote_expired";
        case MoneyStatus::insufficient_funds:
            return "insufficient_funds";
        case MoneyStatus::over_limit:
            return "over_limit";
        case MoneyStatus::amount_not_allowed:
            return "amount_not_allowed";
        case MoneyStatus::payee_unknown:
            return "payee_unknown";
        case MoneyStatus::payee_not_allowed:
            return "payee_not_allowed";
        case MoneyStatus::unknown_transaction:
            return "unknown_transaction";
        case MoneyStatus::pin_not_allowed:
            return "pin_not_allowed";
        case MoneyStatus::unavailable:
            return "unavailable";
        case MoneyStatus::timeout:
            return "timeout";
        case MoneyStatus::bad_reply:
            return "bad_reply";
    }
    return "unknown";
}

}  // namespace kiosk::core
