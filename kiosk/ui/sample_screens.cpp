#include "kiosk/ui/sample_screens.h"

#include <string>

#include "kiosk/core/screens.h"
#include "kiosk/core/session.h"

namespace kiosk::ui {

namespace {

// A card number of the longest kind (19 digits, ISO/IEC 7812-1) and a balance in the tens of
// millions: the widest the screen shows. Neither belongs to anyone.
constexpr std::string_view k_sample_card_number = "6200000000000000018";
constexpr std::int64_t k_sample_balance_minor_units = 1'234'567'890;
constexpr int k_sample_pin_tries_left = 2;
constexpr int k_sample_pin_digits = 4;

}  // namespace

std::string look_name(const ScreenLook& look) {
    std::string name = look.elder ? "elder" : "standard";
    if (look.high_contrast) {
        name += "-high-contrast";
    }
    name += '-';
    name += core::to_string(look.text_size);
    return name;
}

std::vector<core::ScreenModel> sample_screens(const core::Resources& resources,
                                              std::string_view locale, const ScreenLook& look) {
    core::Session session = core::new_session(resources);
    session.locale = std::string(locale);
    session.elder_mode = look.elder;
    session.high_contrast = look.high_contrast;
    session.text_size = look.text_size;
    if (auto number = core::CardNumber::parse(k_sample_card_number)) {
        session.card = core::CardData{.pan = std::move(*number),
                                      .expiry = "2912",
                                      .language_preference = std::string(locale.substr(0, 2))};
    }
    session.balance = core::Money{k_sample_balance_minor_units, "CNY"};
    session.pin_tries_left = k_sample_pin_tries_left;
    session.pin_digit_count = k_sample_pin_digits;
    // The goodbye screen then also says why the session ended, and the menu offers to forget a
    // remembered elder mode: their longest forms.
    session.end_reason = core::EndReason::card_removed;
    session.elder_mode_remembered = true;
    session.preferences_grant = base::SecretText("sample grant");
    std::vector<core::ScreenModel> screens;
    screens.reserve(core::k_all_screen_ids.size());
    for (const core::ScreenId id : core::k_all_screen_ids) {
        screens.push_back(core::build_screen(id, resources, session));
    }
    return screens;
}

}  // namespace kiosk::ui
