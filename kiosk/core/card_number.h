#pragma once

#include <cstddef>
#include <expected>
#include <iosfwd>
#include <string>
#include <string_view>

namespace kiosk::core {

enum class CardNumberError {
    empty,
    not_digits,
    too_short,
    too_long,
};

std::string_view to_string(CardNumberError error);

// A card number (PAN). It masks itself wherever it is printed and wipes its digits when it is
// destroyed, so that only the account call ever sees the full number (docs/architecture.md, "The
// PIN never enters the kiosk"; docs/accessibility.md, "Card numbers ... are masked (last 4
// digits)").
class CardNumber {
  public:
    // ISO/IEC 7812-1: a PAN is 12 to 19 digits long.
    static constexpr std::size_t minimum_length = 12;
    static constexpr std::size_t maximum_length = 19;

    static std::expected<CardNumber, CardNumberError> parse(std::string_view text);

    CardNumber(const CardNumber& other);
    CardNumber(CardNumber&& other) noexcept;
    CardNumber& operator=(const CardNumber& other);
    CardNumber& operator=(CardNumber&& other) noexcept;
    ~CardNumber();

    // "**** **** **** 3456": the length of the number is not revealed either.
    std::string masked() const;
    std::string last_four() const;
    // The full digits: only for the account service call and the PIN pad's PIN block.
    const std::string& digits() const { return m_digits; }

    friend bool operator==(const CardNumber& left, const CardNumber& right) {
        return left.m_digits == right.m_digits;
    }

  private:
    explicit CardNumber(std::string digits) : m_digits(std::move(digits)) {}
    void wipe() noexcept;

    std::string m_digits;
};

// Prints the masked form, never the digits.
std::ostream& operator<<(std::ostream& stream, const CardNumber& number);

}  // namespace kiosk::core
