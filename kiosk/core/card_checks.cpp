#include "kiosk/core/card_checks.h"

#include <cstddef>

namespace kiosk::core {

namespace {

// EMV 4.3 Book 4 §6.7.3: a two-digit year below 50 is in the 2000s, from 50 on in the 1900s.
constexpr int k_expiry_century_pivot = 50;
constexpr int k_expiry_this_century = 2000;
constexpr int k_expiry_last_century = 1900;
constexpr int k_expiry_last_month = 12;
constexpr int k_expiry_digits = 4;  // YYMM

bool is_expiry_digit(char character) {
    return character >= '0' && character <= '9';
}

// The Chinese voice for a card whose preference says "zh": the issuer's country decides it when
// the card names one; without it, a Chinese kiosk keeps its own variety.
std::string chinese_locale_for(const CardData& card, const Resources& resources) {
    if (card.issuer_country == k_hong_kong_country || card.issuer_country == k_macau_country) {
        return "zh-HK";
    }
    if (!card.issuer_country.empty()) {
        return "zh-CN";
    }
    return resources.default_locale.starts_with("zh") ? resources.default_locale
                                                      : std::string("zh-CN");
}

}  // namespace

std::optional<CalendarMonth> expiry_month(std::string_view expiry) {
    if (expiry.size() != static_cast<std::size_t>(k_expiry_digits)) {
        return std::nullopt;
    }
    for (const char character : expiry) {
        if (!is_expiry_digit(character)) {
            return std::nullopt;
        }
    }
    const int year = (expiry[0] - '0') * 10 + (expiry[1] - '0');
    const int month = (expiry[2] - '0') * 10 + (expiry[3] - '0');
    if (month < 1 || month > k_expiry_last_month) {
        return std::nullopt;
    }
    const int century =
        year < k_expiry_century_pivot ? k_expiry_this_century : k_expiry_last_century;
    return CalendarMonth{century + year, month};
}

std::optional<CardFault> card_fault(const CardData& card, CalendarMonth read_in) {
    const std::optional<CalendarMonth> expiry = expiry_month(card.expiry);
    if (!expiry) {
        return CardFault::unreadable;
    }
    if (read_in.known() && read_in > *expiry) {
        return CardFault::expired;
    }
    return std::nullopt;
}

std::optional<std::string> locale_for_card(const CardData& card, const Resources& resources) {
    const std::string_view preference = card.language_preference;
    for (std::size_t position = 0; position + 2 <= preference.size(); position += 2) {
        std::string code(preference.substr(position, 2));
        for (char& character : code) {
            if (character >= 'A' && character <= 'Z') {
                character = static_cast<char>(character - 'A' + 'a');
            }
        }
        std::string locale;
        if (code == "zh") {
            locale = chinese_locale_for(card, resources);
        } else if (code == "en") {
            locale = "en";
        }
        if (!locale.empty() && resources.has_locale(locale)) {
            return locale;
        }
    }
    return std::nullopt;
}

}  // namespace kiosk::core
