#pragma once

// A transfer's steps as the journal records them, and the payee account as the customer types
// it (kiosk/core/README.md, "Transfer"). No cash moves, so no start-up settling: the account
// service holds the whole of a transfer, and a kiosk that lost its answer asks it by the
// transaction's reference (FindTransfer) rather than guess.

#include <optional>
#include <string>
#include <string_view>

#include "kiosk/core/account_calls.h"

namespace kiosk::core {

enum class TransferStep {
    requested,        // the account service was asked to move the quoted amount
    find_requested,   // its answer was lost: the service was asked what it holds
    done,             // it did: final
    refused,          // it would not (funds, limits, payee): final, nothing moved
    not_done,         // asked afterwards, it holds no such transfer: final, nothing moved
    outcome_unknown,  // no answer, even when asked afterwards: staff find out
};

std::string_view to_string(TransferStep step);
// Whether nothing more is to be done for a transfer whose last journaled step is `step`.
bool is_final(TransferStep step);
// The step that to_string names, as the journal's records carry it; nothing for another name.
std::optional<TransferStep> transfer_step_named(std::string_view name);

// How the flow journals a transfer's step: the record's event is this prefix and the step's
// name ("transfer_requested"), its step the name, its amount and fee the quote's. The payee is
// never journaled.
inline constexpr std::string_view k_transfer_event_prefix = "transfer_";

// A refusal the customer can act on, with another payee or amount: each has its own words on
// the refusal screen. Nothing moved.
bool is_transfer_refusal(MoneyStatus status);

// A payee account number is 12 to 19 digits (docs/api/account.yaml, RequestQuote).
inline constexpr std::size_t k_minimum_payee_digits = 12;
inline constexpr std::size_t k_maximum_payee_digits = 19;

// "6217 0012 3456 7890 122": the digits in groups of four, as the customer reads them on the
// screen and on paper.
std::string grouped_digits(std::string_view digits);

}  // namespace kiosk::core
