#pragma once

#include <cstdint>
#include <string>

namespace kiosk::core {

// An amount of money in the currency's minor units (CNY: fen, a hundredth of a yuan), so that
// no binary fraction ever touches an account balance.
struct Money {
    std::int64_t minor_units = 0;
    std::string currency = "CNY";  // ISO 4217

    friend bool operator==(const Money&, const Money&) = default;
};

// "12,345.67", "-0.05": digits grouped by thousands with two decimals, for the screen.
std::string format_amount(const Money& money);
// The same for an amount of cash, which is whole notes: "1,000" rather than "1,000.00" when
// there is no fraction (the amounts a dispenser offers), exactly as format_amount otherwise.
std::string format_cash_amount(const Money& money);

}  // namespace kiosk::core
