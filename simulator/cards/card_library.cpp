#include <toml++/toml.h>
#include <algorithm>
#include <fstream>
#include <sstream>

#include "base/text.h"
#include "drivers/emv/card_data.h"
#include "simulator/cards/card_profile.h"
#include "simulator/cards/emv_card.h"

namespace simulator::cards {

namespace {

// EMV 5F20: 2 to 26 characters (Book 3 Annex A).
constexpr std::size_t k_max_holder_length = 26;
// The corrupt card's invented number (its records are unreadable anyway).
constexpr std::string_view k_corrupt_card_pan_stem = "621000000000000000";

std::string with_check_digit(std::string_view stem) {
    for (char digit = '0'; digit <= '9'; ++digit) {
        std::string candidate(stem);
        candidate += digit;
        if (drivers::emv::luhn_valid(candidate)) {
            return candidate;
        }
    }
    return std::string(stem) + "0";
}

base::Error<CardLibraryError> failure(CardLibraryError code, std::string context) {
    return base::error(code, std::move(context));
}

std::expected<std::string, base::Error<CardLibraryError>> text_field(const toml::table& card,
                                                                     std::string_view card_name,
                                                                     std::string_view field,
                                                                     bool required) {
    const toml::node* node = card.get(field);
    if (node == nullptr) {
        if (required) {
            return std::unexpected(failure(CardLibraryError::missing_field,
                                           std::string(card_name) + "." + std::string(field)));
        }
        return std::string{};
    }
    auto value = node->value<std::string>();
    if (!value) {
        return std::unexpected(
            failure(CardLibraryError::invalid_field,
                    std::string(card_name) + "." + std::string(field) + " is not a string"));
    }
    return *value;
}

// An optional whole-number field within [lowest, highest]; `fallback` when absent.
std::expected<std::int64_t, base::Error<CardLibraryError>> number_field(
    const toml::table& card, std::string_view card_name, std::string_view field,
    std::int64_t lowest, std::int64_t highest, std::int64_t fallback) {
    const toml::node* node = card.get(field);
    if (node == nullptr) {
        return fallback;
    }
    auto value = node->value_exact<std::int64_t>();
    if (!value || *value < lowest || *value > highest) {
        return std::unexpected(failure(CardLibraryError::invalid_field,
                                       std::string(card_name) + "." + std::string(field) +
                                           " is not a whole number from " + std::to_string(lowest) +
                                           " to " + std::to_string(highest)));
    }
    return *value;
}

std::expected<CardProfile, base::Error<CardLibraryError>> read_card_profile(const toml::table& card,
                                                                            std::size_t index) {
    CardProfile profile;
    const std::string position = "card " + std::to_string(index + 1);
    auto name = text_field(card, position, "name", true);
    if (!name) {
        return std::unexpected(name.error());
    }
    if (name->empty()) {
        return std::unexpected(
            failure(CardLibraryError::invalid_field, position + ".name is empty"));
    }
    profile.name = *name;
    auto kind = text_field(card, profile.name, "kind", true);
    if (!kind) {
        return std::unexpected(kind.error());
    }
    if (*kind == "emv") {
        profile.kind = CardKind::emv;
    } else if (*kind == "mute") {
        profile.kind = CardKind::mute;
    } else if (*kind == "corrupt") {
        profile.kind = CardKind::corrupt;
    } else if (*kind == "no-app") {
        profile.kind = CardKind::no_app;
    } else if (*kind == "transit") {
        profile.kind = CardKind::transit;
    } else if (*kind == "blocked") {
        profile.kind = CardKind::blocked;
    } else if (*kind == "app-blocked") {
        profile.kind = CardKind::application_blocked;
    } else {
        return std::unexpected(failure(CardLibraryError::invalid_field,
                                       profile.name + ".kind \"" + *kind + "\" is unknown"));
    }
    auto protocol = text_field(card, profile.name, "protocol", false);
    if (!protocol) {
        return std::unexpected(protocol.error());
    }
    if (protocol->empty() || *protocol == "t1") {
        profile.protocol = CardProtocol::t1;
    } else if (*protocol == "t0") {
        profile.protocol = CardProtocol::t0;
    } else {
        return std::unexpected(failure(CardLibraryError::invalid_field,
                                       profile.name + ".protocol must be \"t0\" or \"t1\""));
    }

    const bool needs_data = profile.kind == CardKind::emv;
    for (auto [field, target] : {std::pair{"pan", &profile.pan},
                                 {"expiry", &profile.expiry},
                                 {"holder", &profile.holder},
                                 {"language", &profile.language},
                                 {"pin", &profile.pin},
                                 {"balance", &profile.balance}}) {
        const bool required = needs_data && std::string_view(field) != "balance" &&
                              std::string_view(field) != "language";
        auto value = text_field(card, profile.name, field, required);
        if (!value) {
            return std::unexpected(value.error());
        }
        *target = std::move(*value);
    }
    if (const toml::node* elder = card.get("elder")) {
        auto value = elder->value<bool>();
        if (!value) {
            return std::unexpected(
                failure(CardLibraryError::invalid_field, profile.name + ".elder is not a boolean"));
        }
        profile.elder = *value;
    }

    auto scheme = text_field(card, profile.name, "scheme", false);
    if (!scheme) {
        return std::unexpected(scheme.error());
    }
    if (scheme->empty() || *scheme == "unionpay") {
        profile.scheme = CardScheme::unionpay;
    } else if (*scheme == "visa") {
        profile.scheme = CardScheme::visa;
    } else {
        return std::unexpected(failure(CardLibraryError::invalid_field,
                                       profile.name + ".scheme must be \"unionpay\" or \"visa\""));
    }
    auto cryptogram = text_field(card, profile.name, "cryptogram", false);
    if (!cryptogram) {
        return std::unexpected(cryptogram.error());
    }
    if (cryptogram->empty() || *cryptogram == "genuine") {
        profile.cryptogram = CardCryptogram::genuine;
    } else if (*cryptogram == "wrong-key") {
        profile.cryptogram = CardCryptogram::wrong_key;
    } else if (*cryptogram == "none") {
        profile.cryptogram = CardCryptogram::none;
    } else {
        return std::unexpected(
            failure(CardLibraryError::invalid_field,
                    profile.name + ".cryptogram must be \"genuine\", \"wrong-key\" or \"none\""));
    }
    auto track2_pan = text_field(card, profile.name, "track2_pan", false);
    if (!track2_pan) {
        return std::unexpected(track2_pan.error());
    }
    profile.track2_pan = std::move(*track2_pan);

    auto country = text_field(card, profile.name, "issuer_country", false);
    if (!country) {
        return std::unexpected(country.error());
    }
    if (!country->empty()) {
        // EMV 4.3 Book 3 Annex A, 5F28: n3, three digits of ISO 3166-1 numeric.
        if (country->size() != 3 || !base::is_digits(*country)) {
            return std::unexpected(failure(CardLibraryError::invalid_field,
                                           profile.name + ".issuer_country is not three digits"));
        }
        profile.issuer_country = std::move(*country);
    }
    // ISO/IEC 7816-3:2006 §11.4.2: IFSC 01 to FE.
    auto field_size =
        number_field(card, profile.name, "ifsc", 1, 254, k_default_card_information_field_size);
    if (!field_size) {
        return std::unexpected(field_size.error());
    }
    profile.information_field_size = static_cast<std::uint8_t>(*field_size);
    auto waiting = number_field(card, profile.name, "bwi", 0, k_max_card_block_waiting_integer,
                                k_default_card_block_waiting_integer);
    if (!waiting) {
        return std::unexpected(waiting.error());
    }
    profile.block_waiting_integer = static_cast<std::uint8_t>(*waiting);
    for (auto [field, target] : {std::pair{"read_record_ms", &profile.read_record_time},
                                 {"generate_ac_ms", &profile.generate_ac_time}}) {
        auto time = number_field(card, profile.name, field, 0, k_max_card_command_time.count(), 0);
        if (!time) {
            return std::unexpected(time.error());
        }
        *target = std::chrono::milliseconds(*time);
    }

    // The cards whose chip has data but no customer: an invented number, so the chip answers
    // as a real card would up to where it fails.
    const bool invented = profile.kind == CardKind::corrupt || profile.kind == CardKind::blocked ||
                          profile.kind == CardKind::application_blocked;
    if (invented && profile.pan.empty()) {
        profile.pan = with_check_digit(k_corrupt_card_pan_stem);
        profile.expiry = "3012";
        profile.holder = profile.kind == CardKind::corrupt ? "CORRUPT/CARD" : "BLOCKED/CARD";
    }
    if (!needs_data && !invented) {
        return profile;
    }
    // What the chip must be able to carry (EMV 4.3 Book 3 Annex A).
    if (profile.pan.size() < 12 || profile.pan.size() > 19 || !base::is_digits(profile.pan) ||
        !drivers::emv::luhn_valid(profile.pan)) {
        return std::unexpected(
            failure(CardLibraryError::invalid_field,
                    profile.name + ".pan is not a 12..19 digit Luhn-valid number"));
    }
    if (!profile.track2_pan.empty() &&
        (profile.track2_pan.size() < 12 || profile.track2_pan.size() > 19 ||
         !base::is_digits(profile.track2_pan) || !drivers::emv::luhn_valid(profile.track2_pan))) {
        return std::unexpected(
            failure(CardLibraryError::invalid_field,
                    profile.name + ".track2_pan is not a 12..19 digit Luhn-valid number"));
    }
    const bool expiry_ok = profile.expiry.size() == 4 && base::is_digits(profile.expiry) &&
                           std::stoi(profile.expiry.substr(2)) >= 1 &&
                           std::stoi(profile.expiry.substr(2)) <= 12;
    if (!expiry_ok) {
        return std::unexpected(
            failure(CardLibraryError::invalid_field, profile.name + ".expiry is not YYMM"));
    }
    const bool holder_ok = profile.holder.size() <= k_max_holder_length &&
                           std::all_of(profile.holder.begin(), profile.holder.end(),
                                       [](char c) { return c >= 0x20 && c < 0x7F; });
    if (!holder_ok) {
        return std::unexpected(failure(CardLibraryError::invalid_field,
                                       profile.name + ".holder is not 0..26 printable ASCII"));
    }
    const bool language_ok = profile.language.size() % 2 == 0 && profile.language.size() <= 8 &&
                             std::all_of(profile.language.begin(), profile.language.end(),
                                         [](char c) { return c >= 'a' && c <= 'z'; });
    if (!language_ok) {
        return std::unexpected(failure(CardLibraryError::invalid_field,
                                       profile.name + ".language is not ISO 639-1 pairs"));
    }
    return profile;
}

}  // namespace

std::string_view to_string(CardKind kind) {
    switch (kind) {
        case CardKind::emv:
            return "emv";
        case CardKind::mute:
            return "mute";
        case CardKind::corrupt:
            return "corrupt";
        case CardKind::no_app:
            return "no-app";
        case CardKind::transit:
            return "transit";
        case CardKind::blocked:
            return "blocked";
        case CardKind::application_blocked:
            return "app-blocked";
    }
    return "unknown";
}

std::string_view to_string(CardScheme scheme) {
    switch (scheme) {
        case CardScheme::unionpay:
            return "unionpay";
        case CardScheme::visa:
            return "visa";
    }
    return "unknown";
}

std::string_view to_string(CardCryptogram cryptogram) {
    switch (cryptogram) {
        case CardCryptogram::genuine:
            return "genuine";
        case CardCryptogram::wrong_key:
            return "wrong-key";
        case CardCryptogram::none:
            return "none";
    }
    return "unknown";
}

std::string_view to_string(CardLibraryError error) {
    switch (error) {
        case CardLibraryError::unreadable:
            return "card library: file cannot be read";
        case CardLibraryError::syntax:
            return "card library: not valid TOML";
        case CardLibraryError::missing_field:
            return "card library: missing field";
        case CardLibraryError::invalid_field:
            return "card library: invalid field";
        case CardLibraryError::duplicate_name:
            return "card library: duplicate card name";
        case CardLibraryError::unknown_card:
            return "card library: no such card";
    }
    return "card library: unknown error";
}

std::expected<CardLibrary, base::Error<CardLibraryError>> CardLibrary::load(
    const std::filesystem::path& file) {
    std::ifstream stream(file);
    if (!stream) {
        return std::unexpected(failure(CardLibraryError::unreadable, file.string()));
    }
    std::ostringstream text;
    text << stream.rdbuf();
    return parse(text.str());
}

std::expected<CardLibrary, base::Error<CardLibraryError>> CardLibrary::parse(
    std::string_view toml_text) {
    toml::table document;
    try {
        document = toml::parse(toml_text);
    } catch (const toml::parse_error& error) {
        return std::unexpected(failure(CardLibraryError::syntax, std::string(error.description())));
    }
    CardLibrary library;
    const toml::array* cards = document["card"].as_array();
    if (cards == nullptr) {
        return library;  // an empty library is a valid one
    }
    for (std::size_t index = 0; index < cards->size(); ++index) {
        const toml::table* card = (*cards)[index].as_table();
        if (card == nullptr) {
            return std::unexpected(
                failure(CardLibraryError::invalid_field,
                        "card " + std::to_string(index + 1) + " is not a table"));
        }
        auto profile = read_card_profile(*card, index);
        if (!profile) {
            return std::unexpected(profile.error());
        }
        if (library.find(profile->name) != nullptr) {
            return std::unexpected(failure(CardLibraryError::duplicate_name, profile->name));
        }
        library.m_cards.push_back(std::move(*profile));
    }
    return library;
}

const CardProfile* CardLibrary::find(std::string_view name) const {
    for (const CardProfile& card : m_cards) {
        if (card.name == name) {
            return &card;
        }
    }
    return nullptr;
}

std::expected<std::shared_ptr<VirtualCard>, base::Error<CardLibraryError>> CardLibrary::make_card(
    std::string_view name) const {
    const CardProfile* profile = find(name);
    if (profile == nullptr) {
        return std::unexpected(failure(CardLibraryError::unknown_card, std::string(name)));
    }
    return cards::make_card(*profile);
}

std::shared_ptr<VirtualCard> make_card(const CardProfile& profile) {
    switch (profile.kind) {
        case CardKind::emv:
            return std::make_shared<EmvCard>(profile);
        case CardKind::corrupt:
            return std::make_shared<EmvCard>(profile, true);
        case CardKind::blocked:
        case CardKind::application_blocked:
            return std::make_shared<EmvCard>(profile);
        case CardKind::no_app:
            return std::make_shared<NoApplicationCard>(profile.name);
        case CardKind::transit:
            return std::make_shared<TransitCard>(profile.name);
        case CardKind::mute:
            break;
    }
    return std::make_shared<MuteCard>(profile.name);
}

std::filesystem::path default_library_path(const std::filesystem::path& source_dir) {
    return source_dir / "simulator" / "cards" / "demo-cards.toml";
}

}  // namespace simulator::cards
