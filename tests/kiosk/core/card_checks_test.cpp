// What the core decides from a card's data before any PIN: its expiry against the month it was
// read in (EMV 4.3 Book 3 §10.4.3), and the voice its language preference and issuer ask for.

#include <optional>
#include <string>

#include <catch2/catch.hpp>

#include "kiosk/core/card_checks.h"
#include "tests/kiosk/core/flow_driver.h"

using namespace kiosk::core;
using namespace kiosk::core::testing;

namespace {

CardData card_expiring(std::string expiry) {
    CardData card = sample_card();
    card.expiry = std::move(expiry);
    return card;
}

CardData card_from(std::string language_preference, std::string issuer_country) {
    CardData card = sample_card(std::move(language_preference));
    card.issuer_country = std::move(issuer_country);
    return card;
}

}  // namespace

TEST_CASE("A card's YYMM expiry is read as a month, the year as a terminal reads two digits") {
    CHECK(expiry_month("2912") == CalendarMonth{2029, 12});
    CHECK(expiry_month("0001") == CalendarMonth{2000, 1});
    CHECK(expiry_month("4906") == CalendarMonth{2049, 6});
    CHECK(expiry_month("5006") == CalendarMonth{1950, 6});
    CHECK(expiry_month("9912") == CalendarMonth{1999, 12});
}

TEST_CASE("An expiry that is not four digits with a month from 01 to 12 is no date") {
    for (const char* bad : {"", "291", "29123", "2900", "2913", "29 1", "2a12", "-112", "2912\n"}) {
        INFO(bad);
        CHECK_FALSE(expiry_month(bad).has_value());
        CHECK(card_fault(card_expiring(bad), CalendarMonth{2026, 12}) == CardFault::unreadable);
    }
}

TEST_CASE("A card works until the last day of its expiry month and is expired the month after") {
    const CardData card = card_expiring("2612");
    CHECK_FALSE(card_fault(card, CalendarMonth{2026, 11}).has_value());
    // Its own month: the expiry date is the month's last day.
    CHECK_FALSE(card_fault(card, CalendarMonth{2026, 12}).has_value());
    CHECK(card_fault(card, CalendarMonth{2027, 1}) == CardFault::expired);
    CHECK(card_fault(card, CalendarMonth{2031, 6}) == CardFault::expired);
    // Across a century: a card of 1999 read in 2026 is long expired.
    CHECK(card_fault(card_expiring("9912"), CalendarMonth{2026, 12}) == CardFault::expired);
}

TEST_CASE("Without the month of the read a card is not refused for its expiry") {
    CHECK_FALSE(card_fault(card_expiring("0101"), CalendarMonth{}).has_value());
}

TEST_CASE("A Chinese card issued in Hong Kong or Macau speaks Cantonese, any other Mandarin") {
    const Resources& resources = real_resources();
    CHECK(locale_for_card(card_from("zh", "344"), resources) == "zh-HK");
    CHECK(locale_for_card(card_from("zh", "446"), resources) == "zh-HK");
    CHECK(locale_for_card(card_from("zhen", "344"), resources) == "zh-HK");
    CHECK(locale_for_card(card_from("ZH", "446"), resources) == "zh-HK");
    CHECK(locale_for_card(card_from("zh", "156"), resources) == "zh-CN");
    // Taiwan, Singapore: Chinese, not Cantonese.
    CHECK(locale_for_card(card_from("zh", "158"), resources) == "zh-CN");
    CHECK(locale_for_card(card_from("zh", "702"), resources) == "zh-CN");
    // The issuer decides only the Chinese variety: an English preference stays English.
    CHECK(locale_for_card(card_from("enzh", "344"), resources) == "en");
    CHECK_FALSE(locale_for_card(card_from("fr", "344"), resources).has_value());
}

TEST_CASE("A Chinese card that names no issuer keeps the kiosk's own Chinese variety") {
    Resources resources = real_resources();
    CHECK(locale_for_card(card_from("zh", ""), resources) == "zh-CN");
    resources.default_locale = "zh-HK";
    CHECK(locale_for_card(card_from("zh", ""), resources) == "zh-HK");
    // A named issuer decides even there: a mainland card in a Hong Kong kiosk hears Mandarin.
    CHECK(locale_for_card(card_from("zh", "156"), resources) == "zh-CN");
    resources.default_locale = "en";
    CHECK(locale_for_card(card_from("zh", ""), resources) == "zh-CN");
}
