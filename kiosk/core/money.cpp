#include "kiosk/core/money.h"

#include <cstddef>

namespace kiosk::core {

std::string format_amount(const Money& money) {
    const bool negative = money.minor_units < 0;
    // Negating through unsigned arithmetic keeps the most negative value well defined.
    const std::uint64_t magnitude = negative ? 0U - static_cast<std::uint64_t>(money.minor_units)
                                             : static_cast<std::uint64_t>(money.minor_units);
    const std::string whole = std::to_string(magnitude / 100U);
    const std::uint64_t cents = magnitude % 100U;

    std::string grouped;
    for (std::size_t index = 0; index < whole.size(); ++index) {
        if (index > 0 && (whole.size() - index) % 3 == 0) {
            grouped += ',';
        }
        grouped += whole[index];
    }
    std::string result = negative ? "-" : "";
    result += grouped;
    result += '.';
    result += static_cast<char>('0' + cents / 10U);
    result += static_cast<char>('0' + cents % 10U);
    return result;
}

std::string format_cash_amount(const Money& money) {
    std::string shown = format_amount(money);
    if (shown.ends_with(".00")) {
        shown.resize(shown.size() - 3);
    }
    return shown;
}

}  // namespace kiosk::core
