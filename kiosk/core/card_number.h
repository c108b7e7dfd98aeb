#pragma once

#include <cstddef>
#include <expected>
#include <iosfwd>
#include <string>
#include <string_view>

#include "base/wipe.h"

namespace kiosk::core {

enum class CardNumberError {
    empty,
    not_digits,
    too_short,
    too_long,
};

std::string_view to_string(CardNumberError error);

// A card number (PAN). It masks itself wherever it is printed and wipes its digits when it is
// destroyed, so that only the account call ever sees the full number (docs/architecture.md,
// "The PIN never enters the kiosk"; docs/accessibility.md, "Privacy": card numbers on screen
// are masked to the last four digits).
class CardNumber {
  public:
    // ISO/IEC 7812-1: a PAN is 12 to 19 digits long.
    static constexpr std::size_t k_minimum_length = 12;
    static constexpr std::size_t k_maximum_length = 19;

    static std::expected<CardNumber, CardNumberError> parse(std::string_view text);

    // "**** **** **** 3456": the length of the number is not revealed either.
    std::string masked() const;
    std::string last_four() const;
    // The full digits: only for the account service call and the PIN pad's PIN block.
    std::string_view digits() const { return m_digits.view(); }

    friend bool operator==(const CardNumber& left, const CardNumber& right) {
        return left.m_digits == right.m_digits;
    }

  private:
    explicit CardNumber(std::string_view digits) : m_digits(digits) {}

    // Wiped when replaced, moved from or destroyed (base/wipe.h).
    base::SecretText m_digits;
};

// Prints the masked form, never the digits.
std::ostream& operator<<(std::ostream& stream, const CardNumber& number);

}  // namespace kiosk::core
