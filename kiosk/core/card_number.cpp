#include "kiosk/core/card_number.h"

#include <algorithm>
#include <ostream>
#include <utility>

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
    if (!std::ranges::all_of(text,
                             [](char character) { return character >= '0' && character <= '9'; })) {
        return std::unexpected(CardNumberError::not_digits);
    }
    if (text.size() < minimum_length) {
        return std::unexpected(CardNumberError::too_short);
    }
    if (text.size() > maximum_length) {
        return std::unexpected(CardNumberError::too_long);
    }
    return CardNumber(std::string(text));
}

CardNumber::CardNumber(const CardNumber& other) : m_digits(other.m_digits) {}

// A moved-from string may keep its characters in place; copying and wiping the source makes
// sure no stray copy of the digits outlives the move.
CardNumber::CardNumber(CardNumber&& other) noexcept : m_digits(other.m_digits) {
    other.wipe();
}

CardNumber& CardNumber::operator=(const CardNumber& other) {
    if (this != &other) {
        wipe();
        m_digits = other.m_digits;
    }
    return *this;
}

CardNumber& CardNumber::operator=(CardNumber&& other) noexcept {
    if (this != &other) {
        wipe();
        m_digits = other.m_digits;
        other.wipe();
    }
    return *this;
}

CardNumber::~CardNumber() {
    wipe();
}

void CardNumber::wipe() noexcept {
    // Volatile writes cannot be optimised away, unlike a plain fill before destruction.
    volatile char* characters = m_digits.data();
    for (std::size_t index = 0; index < m_digits.size(); ++index) {
        characters[index] = '\0';
    }
    m_digits.clear();
}

std::string CardNumber::last_four() const {
    if (m_digits.size() < 4) {
        return {};
    }
    return m_digits.substr(m_digits.size() - 4);
}

std::string CardNumber::masked() const {
    return "**** **** **** " + last_four();
}

std::ostream& operator<<(std::ostream& stream, const CardNumber& number) {
    return stream << number.masked();
}

}  // namespace kiosk::core
