#include <array>
#include <cstdint>
#include <sstream>

#include <catch2/catch.hpp>

#include "kiosk/core/card_number.h"
#include "kiosk/core/encrypted_pin_block.h"

using namespace kiosk::core;

TEST_CASE("A card number of 12 to 19 digits parses") {
    CHECK(CardNumber::parse("123456789012").has_value());
    CHECK(CardNumber::parse("6228480402564890018").has_value());
}

TEST_CASE("A malformed card number is refused with the reason") {
    CHECK(CardNumber::parse("").error() == CardNumberError::empty);
    CHECK(CardNumber::parse("12345678901").error() == CardNumberError::too_short);
    CHECK(CardNumber::parse("12345678901234567890").error() == CardNumberError::too_long);
    CHECK(CardNumber::parse("6228 4804 0256 4890").error() == CardNumberError::not_digits);
    CHECK(CardNumber::parse("62284804025648901x").error() == CardNumberError::not_digits);
    CHECK(CardNumber::parse("６２２８４８０４０２５６").error() == CardNumberError::not_digits);
    CHECK(to_string(CardNumberError::too_short).find("12") != std::string_view::npos);
}

TEST_CASE("A card number shows only its last four digits") {
    const CardNumber pan = CardNumber::parse("6228480402564890018").value();
    CHECK(pan.masked() == "**** **** **** 0018");
    CHECK(pan.last_four() == "0018");
    CHECK(pan.digits() == "6228480402564890018");
    CHECK(CardNumber::parse("123456789012").value().masked() == "**** **** **** 9012");
}

TEST_CASE("Printing a card number prints the masked form") {
    std::ostringstream stream;
    stream << CardNumber::parse("6228480402564890018").value();
    CHECK(stream.str() == "**** **** **** 0018");
}

TEST_CASE("A copied card number keeps its digits and a moved-from one is wiped") {
    CardNumber original = CardNumber::parse("6228480402564890018").value();
    const CardNumber copy = original;
    CHECK(copy == original);
    const CardNumber moved = std::move(original);
    CHECK(moved.digits() == "6228480402564890018");
    CHECK(original.digits().empty());  // NOLINT(bugprone-use-after-move): the point of the test
}

TEST_CASE("A PIN block is 8 or 16 bytes and never prints its bytes") {
    constexpr std::array<std::uint8_t, 8> k_tdes{0xC9, 0x67, 0xC8, 0x19, 0x81, 0x51, 0xA4, 0x58};
    const auto block = EncryptedPinBlock::from_bytes(k_tdes);
    REQUIRE(block.has_value());
    CHECK(block->bytes().size() == 8);
    CHECK(block->bytes()[0] == 0xC9);
    std::ostringstream stream;
    stream << *block;
    CHECK(stream.str() == "<pin block>");

    constexpr std::array<std::uint8_t, 16> k_aes{};
    CHECK(EncryptedPinBlock::from_bytes(k_aes).has_value());
    constexpr std::array<std::uint8_t, 7> k_short_block{};
    CHECK(EncryptedPinBlock::from_bytes(k_short_block).error() ==
          EncryptedPinBlockError::wrong_length);
    CHECK(EncryptedPinBlock::from_bytes(std::span<const std::uint8_t>()).error() ==
          EncryptedPinBlockError::wrong_length);
}
