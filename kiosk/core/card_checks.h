#pragma once

// What the core decides about a card from what was read on it, before any PIN is asked for:
// whether it is past its expiry, and which of the kiosk's voices its language preference asks
// for. Pure: the month comes in with CardRead, the locales with Resources.

#include <optional>
#include <string>
#include <string_view>

#include "kiosk/core/events.h"
#include "kiosk/core/resources.h"

namespace kiosk::core {

// The card's expiry (YYMM, from 5F24 or track 2) as a month, nothing when it is not four digits
// with a month from 01 to 12. A two-digit year YY is 20YY below 50 and 19YY from 50 on (EMV 4.3
// Book 4 §6.7.3), as a terminal reads it.
std::optional<CalendarMonth> expiry_month(std::string_view expiry);

// Why the card read in `read_in` cannot be used, if it cannot: `expired` once its expiry month
// is over (EMV 4.3 Book 3 §10.4.3: the expiry date is the last day of its month, so a card
// expiring this month works until the month ends), `unreadable` when its expiry is not a date.
// A `read_in` not known (the shell did not know the date) refuses nothing for expiry.
std::optional<CardFault> card_fault(const CardData& card, CalendarMonth read_in);

// The locale a card's language preference asks for (EMV tag 5F2D: ISO 639-1 codes, most
// preferred first): the first code the kiosk has a locale for. "zh" is Cantonese (zh-HK) for a
// card issued in Hong Kong or Macau (5F28 "344", "446") and Mandarin (zh-CN) for any other;
// "en" is English. Nothing when no code matches a locale the kiosk has.
std::optional<std::string> locale_for_card(const CardData& card, const Resources& resources);

// ISO 3166-1 numeric codes of the issuers whose customers speak Cantonese.
inline constexpr std::string_view k_hong_kong_country = "344";
inline constexpr std::string_view k_macau_country = "446";

}  // namespace kiosk::core
