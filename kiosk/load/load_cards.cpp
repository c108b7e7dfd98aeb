#include "kiosk/load/load_cards.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "base/bytes.h"
#include "base/wipe.h"

namespace kiosk::load {

namespace {

using nlohmann::json;

std::string card_context(std::size_t index) {
    return "card " + std::to_string(index + 1);
}

// Wipes every string of the parsed document: the card numbers were in it.
void wipe_strings(json& document) {
    if (document.is_string()) {
        base::wipe(document.get_ref<std::string&>());
    } else if (document.is_structured()) {
        for (auto& element : document) {
            wipe_strings(element);
        }
    }
}

std::expected<std::vector<LoadCard>, base::Error<LoadCardsError>> read_cards(const json& document) {
    if (!document.is_object() || !document.contains("cards") || !document["cards"].is_array()) {
        return std::unexpected(base::error(LoadCardsError::not_json, "no \"cards\" array"));
    }
    std::vector<LoadCard> cards;
    const json& list = document["cards"];
    for (std::size_t index = 0; index < list.size(); ++index) {
        const json& card = list[index];
        if (!card.is_object() || !card.contains("pan") || !card["pan"].is_string() ||
            !card.contains("pin_block") || !card["pin_block"].is_string()) {
            return std::unexpected(base::error(LoadCardsError::not_json, card_context(index)));
        }
        auto pan = core::CardNumber::parse(card["pan"].get_ref<const std::string&>());
        if (!pan) {
            return std::unexpected(base::error(LoadCardsError::bad_pan, card_context(index)));
        }
        const auto bytes = base::parse_hex(card["pin_block"].get_ref<const std::string&>());
        if (!bytes) {
            return std::unexpected(base::error(LoadCardsError::bad_pin_block, card_context(index)));
        }
        auto block = core::EncryptedPinBlock::from_bytes(*bytes);
        if (!block) {
            return std::unexpected(base::error(LoadCardsError::bad_pin_block, card_context(index)));
        }
        cards.push_back(LoadCard{std::move(*pan), *block});
    }
    if (cards.size() < k_minimum_cards) {
        return std::unexpected(
            base::error(LoadCardsError::too_few_cards, std::to_string(cards.size()) + " given"));
    }
    return cards;
}

}  // namespace

std::string_view to_string(LoadCardsError error) {
    switch (error) {
        case LoadCardsError::unreadable:
            return "the cards file cannot be read";
        case LoadCardsError::not_json:
            return "the cards file is not {\"cards\": [{\"pan\", \"pin_block\"}, ...]}";
        case LoadCardsError::bad_pan:
            return "a card number is not 12 to 19 digits";
        case LoadCardsError::bad_pin_block:
            return "a PIN block is not 8 or 16 bytes of hexadecimal";
        case LoadCardsError::too_few_cards:
            return "a load run needs at least two cards";
    }
    return "unknown cards file error";
}

std::expected<std::vector<LoadCard>, base::Error<LoadCardsError>> parse_load_cards(
    std::string_view text) {
    json document = json::parse(text, nullptr, false);
    if (document.is_discarded()) {
        return std::unexpected(base::error(LoadCardsError::not_json, "not JSON"));
    }
    auto cards = read_cards(document);
    wipe_strings(document);
    return cards;
}

std::expected<std::vector<LoadCard>, base::Error<LoadCardsError>> read_load_cards(
    const std::filesystem::path& file) {
    std::ifstream stream(file, std::ios::binary);
    if (!stream) {
        return std::unexpected(base::error(LoadCardsError::unreadable, file.string()));
    }
    std::ostringstream contents;
    contents << stream.rdbuf();
    std::string text = contents.str();
    auto cards = parse_load_cards(text);
    base::wipe(text);
    return cards;
}

}  // namespace kiosk::load
