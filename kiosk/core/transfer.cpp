#include "kiosk/core/transfer.h"

#include <array>

namespace kiosk::core {

namespace {

constexpr std::array k_transfer_steps{TransferStep::requested, TransferStep::find_requested,
                                      TransferStep::done,      TransferStep::refused,
                                      TransferStep::not_done,  TransferStep::outcome_unknown};

}  // namespace

std::string_view to_string(TransferStep step) {
    switch (step) {
        case TransferStep::requested:
            return "requested";
        case TransferStep::find_requested:
            return "find_requested";
        case TransferStep::done:
            return "done";
        case TransferStep::refused:
            return "refused";
        case TransferStep::not_done:
            return "not_done";
        case TransferStep::outcome_unknown:
            return "outcome_unknown";
    }
    return "unknown";
}

bool is_transfer_refusal(MoneyStatus status) {
    switch (status) {
        case MoneyStatus::insufficient_funds:
        case MoneyStatus::over_limit:
        case MoneyStatus::amount_not_allowed:
        case MoneyStatus::quote_expired:
        case MoneyStatus::payee_unknown:
        case MoneyStatus::payee_not_allowed:
            return true;
        default:
            return false;
    }
}

bool is_final(TransferStep step) {
    return step != TransferStep::requested && step != TransferStep::find_requested;
}

std::optional<TransferStep> transfer_step_named(std::string_view name) {
    for (const TransferStep step : k_transfer_steps) {
        if (to_string(step) == name) {
            return step;
        }
    }
    return std::nullopt;
}

std::string grouped_digits(std::string_view digits) {
    constexpr std::size_t k_group = 4;
    std::string grouped;
    for (std::size_t index = 0; index < digits.size(); ++index) {
        if (index > 0 && index % k_group == 0) {
            grouped += ' ';
        }
        grouped += digits[index];
    }
    return grouped;
}

}  // namespace kiosk::core
