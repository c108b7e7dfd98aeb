#pragma once

// The screens' common tools, private to screens.cpp and the other screens_*.cpp: elements,
// choices
// and the builder that takes each screen's messages from its own catalog section.

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "kiosk/core/catalog.h"
#include "kiosk/core/resources.h"
#include "kiosk/core/screens.h"
#include "kiosk/core/session.h"
#include "kiosk/core/wording.h"

namespace kiosk::core::screen_parts {

// An element with its shown text and, where it differs, its spoken words.
inline Element make_element(Role role, std::string text, std::string speech = {},
                            bool is_private = false) {
    Element element;
    element.role = role;
    element.text = std::move(text);
    element.speech = std::move(speech);
    element.is_private = is_private;
    return element;
}

inline Element make_choice(std::string text, base::Key key, std::string speech = {}) {
    Element element = make_element(Role::choice, std::move(text), std::move(speech));
    element.key = key;
    return element;
}

// Adds elements whose messages live in the screen's own catalog section.
class ScreenBuilder {
  public:
    ScreenBuilder(ScreenId id, const Resources& resources, const Session& session)
        : m_catalog(resources.catalog(session.locale)), m_section(to_string(id)) {
        m_screen.id = std::string(to_string(id));
        m_screen.locale = session.locale;
        m_screen.theme = std::string(session.elder_mode ? k_elder_theme : k_standard_theme);
        m_screen.high_contrast = session.high_contrast;
        m_screen.text_size = session.text_size;
    }

    std::string key_of(std::string_view name) const {
        std::string key(m_section);
        key += '.';
        key += name;
        return key;
    }

    std::string text(std::string_view name) const { return m_catalog.text(key_of(name)); }

    std::string format(std::string_view name, std::initializer_list<Placeholder> values) const {
        return m_catalog.format(key_of(name), values);
    }

    const Catalog& catalog() const { return m_catalog; }

    ScreenBuilder& add(Role role, std::string_view name) {
        return add(make_element(role, text(name)));
    }

    ScreenBuilder& add_choice(std::string_view name, base::Key key) {
        return add(make_choice(text(name), key));
    }

    ScreenBuilder& add(Element element) {
        m_screen.elements.push_back(std::move(element));
        return *this;
    }

    // The notice every card-returning screen ends with.
    ScreenBuilder& add_take_card_notice() {
        return add(make_element(Role::notice, m_catalog.text("take_card.notice")));
    }

    // The choices added so far.
    long choice_count() const {
        return std::ranges::count(m_screen.elements, Role::choice, &Element::role);
    }

    ScreenModel build() && { return std::move(m_screen); }

  private:
    const Catalog& m_catalog;
    std::string_view m_section;
    ScreenModel m_screen;
};

// An amount as shown ("500.00 元") and said ("五百元"), under `name`'s {amount} and {currency}
// and `name`_speech's {amount}: private, as every amount of the customer's is (the kiosk's own
// cash, on an engineer's screen, is not).
inline Element amount_element(const ScreenBuilder& builder, Role role, std::string_view name,
                              const Money& amount, const Session& session, bool is_private = true) {
    const std::string shown = format_amount(amount);
    const std::string currency = shown_currency(amount.currency, session.locale);
    return make_element(role, builder.format(name, {{"amount", shown}, {"currency", currency}}),
                        builder.format(std::string(name) + "_speech",
                                       {{"amount", word_amount(amount, session.locale)}}),
                        is_private);
}

inline std::uint64_t count_of(int value) {
    return value < 0 ? 0U : static_cast<std::uint64_t>(value);
}
inline std::uint64_t count_of(std::int64_t value) {
    return value < 0 ? 0U : static_cast<std::uint64_t>(value);
}

// A number in a message (a page, a count), shown as figures and said in words: the Chinese voices
// misread Arabic numerals (docs/platform-facts.md, "Numbers").
struct Number {
    std::string_view name;
    std::uint64_t value = 0;
};

// The message `name` with `numbers` shown as figures and said in words, and `others` filled in
// as they are.
inline Element numbered_element(const ScreenBuilder& builder, Role role, std::string_view name,
                                std::initializer_list<Number> numbers, const Session& session,
                                std::initializer_list<Placeholder> others = {}) {
    const auto filled = [&](bool in_words) {
        std::vector<Placeholder> values(others);
        for (const Number& number : numbers) {
            values.push_back({number.name, in_words ? word_count(number.value, session.locale)
                                                    : std::to_string(number.value)});
        }
        return fill_placeholders(builder.text(name), values);
    };
    return make_element(role, filled(false), filled(true));
}

// The languages, each in its own words and voice, on keys 1, 2, 3, so that one can be chosen
// without sight and without reading the current language (EN 301 549 5.1.3.14).
inline void add_language_choices(ScreenBuilder& builder, const Resources& resources,
                                 const Session& session) {
    for (std::size_t index = 0; index < policy::k_offered_locales.size(); ++index) {
        const std::string_view locale = policy::k_offered_locales[index];
        const std::optional<base::Key> key = base::digit_key(static_cast<int>(index) + 1);
        if (!resources.has_locale(locale) || !key) {
            continue;
        }
        const Catalog& own = resources.catalog(locale);
        Element choice =
            make_choice(own.text("language.name"), *key, own.text("language.spoken_name"));
        if (locale != session.locale) {
            choice.locale = std::string(locale);
        }
        builder.add(std::move(choice));
    }
}

// The branch's screens (screens_branch.cpp); `id` is one of them.
ScreenModel branch_screen(ScreenId id, const Resources& resources, const Session& session);
// The cash screens (screens_cash.cpp); `id` is one of them.
ScreenModel cash_screen(ScreenId id, const Resources& resources, const Session& session);
// The transfer screens (screens_transfer.cpp); `id` is one of them.
ScreenModel transfer_screen(ScreenId id, const Resources& resources, const Session& session);
// The card services' screens (screens_card_services.cpp); `id` is one of them.
ScreenModel card_service_screen(ScreenId id, const Resources& resources, const Session& session);
// The service menu's screens and the customers' out-of-service screen (screens_service.cpp).
ScreenModel service_screen(ScreenId id, const Resources& resources, const Session& session);

}  // namespace kiosk::core::screen_parts
