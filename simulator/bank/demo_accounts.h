#pragma once

// Reads the simulator's demo card library (simulator/cards/demo-cards.toml) for the accounts
// it implies: every card with a PAN, a PIN and a non-empty balance has an account. Cards
// without a balance are cards the bank does not know.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "simulator/bank/bank_error.h"

namespace simulator::bank {

// The demo balances are in yuan; one currency keeps the simulator simple.
inline constexpr std::string_view k_demo_currency = "CNY";

struct DemoAccount {
    std::string name;  // the card's name in the library, for diagnostics only
    std::string pan;
    std::string pin;
    std::int64_t balance_minor_units = 0;
};

std::expected<std::vector<DemoAccount>, base::Error<BankError>> read_demo_accounts(
    const std::filesystem::path& cards_file);

// "12345.67" -> 1234567. Digits, an optional point and at most two decimals; nothing else.
std::expected<std::int64_t, BankError> parse_amount(std::string_view text);

}  // namespace simulator::bank
