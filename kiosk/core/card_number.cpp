#include "kiosk/core/card_number.h"

#include <algorithm>
#include <ostream>
#include <utility>

#include "base/text.h"

namespace kiosk::core {

std::string_view to_string(CardNumberError error) {
    switch (error) {
        case CardNumberError::empty:
            return "card number is empty";
        case CardNumberError::not_digits:
            return "card number contains a character that is not a digit";
        case CardNumberError::too_short:
            return "card number is shorter than 12 digits";
        case CardNumberError::too_long:
            return "card number is longer than 19 digits";
    }
    return "unknown card number error";
}

std::expected<CardNumber, CardNumberError> CardNumber::parse(std::string_view text) {
    if (text.empty()) {
        return std::unexpected(CardNumberError::empty);
    }
    if (!base::is_digits(text)) {
        return std::unexpected(CardNumberError::not_digits);
    }
    if (text.size() < k_minimum_length) {
        return std::unexpected(CardNumberError::too_short);
    }
    if (text.size() > k_maximum_length) {
        return std::unexpected(CardNumberError::too_long);
    }
    return CardNumber(text);
}

std::string CardNumber::last_four() const {
    const std::string_view digits = m_digits.view();
    if (digits.size() < 4) {
        return {};
    }
    return std::string(digits.substr(digits.size() - 4));
}

std::string CardNumber::masked() const {
    return "**** **** **** " + last_four();
}

std::ostream& operator<<(std::ostream& stream, const CardNumber& number) {
    return stream << number.masked();
}

}  // namespace kiosk::core
