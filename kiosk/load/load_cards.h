#pragma once

// The cards a load run signs on with: each card's number and the PIN block a PIN pad made for
// it. kiosk-load never sees a PIN or the PIN pad's key (docs/architecture.md, "The PIN never
// enters the kiosk"): whoever runs it (kiosk-sim, playing the PIN pad) hands it the enciphered
// blocks in a file, one JSON object:
//
//   {"cards": [{"pan": "6228480402564890018", "pin_block": "0123456789ABCDEF"}, ...]}
//
// At least two cards, so that a transfer always has another card's account to go to.

#include <expected>
#include <filesystem>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "kiosk/core/card_number.h"
#include "kiosk/core/encrypted_pin_block.h"

namespace kiosk::load {

// A transfer needs a payee that is not the payer's own account.
inline constexpr std::size_t k_minimum_cards = 2;

struct LoadCard {
    core::CardNumber pan;
    core::EncryptedPinBlock pin_block;
};

enum class LoadCardsError {
    unreadable,     // the file cannot be read
    not_json,       // not one JSON object of the shape above
    bad_pan,        // a card number that is not 12 to 19 digits
    bad_pin_block,  // a PIN block that is not 8 or 16 bytes of hexadecimal
    too_few_cards,  // fewer than k_minimum_cards
};

std::string_view to_string(LoadCardsError error);

// Reads the cards file. The error's context names the card by its position, never its number.
std::expected<std::vector<LoadCard>, base::Error<LoadCardsError>> read_load_cards(
    const std::filesystem::path& file);

// The same from the file's text.
std::expected<std::vector<LoadCard>, base::Error<LoadCardsError>> parse_load_cards(
    std::string_view text);

}  // namespace kiosk::load
