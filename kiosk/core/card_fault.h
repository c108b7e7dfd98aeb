#pragma once

// Why a card could not be used (CardReadFailed, card_checks.h), for the customer's flow and the
// service menu's card test alike.

#include <string_view>

namespace kiosk::core {

// Why a card could not be used: it picks what the customer is told.
enum class CardFault {
    unreadable,    // the chip did not answer or answered nonsense: wiping it may help
    not_accepted,  // the chip answered but holds no application this kiosk accepts
    // Read well, and past the last day of its expiry month (EMV 4.3 Book 3 §10.4.3): a new
    // card is needed. The core finds it from CardRead::read_in (card_checks.h).
    expired,
    // The issuer blocked the card (SELECT answered 6A81, EMV 4.3 Book 1 §12.3.2) or every
    // application on it this kiosk accepts (6283, §12.3.3): no terminal can use it again, and
    // wiping it changes nothing.
    blocked,
};

std::string_view to_string(CardFault fault);

}  // namespace kiosk::core
