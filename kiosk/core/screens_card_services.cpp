// The card services' screens (kiosk/core/README.md, "Card services"): "more services", the
// statement, the card lock and the PIN change. The statement's entries are private: shown, and
// said on the headphones or on the speaker the customer chose (EN 301 549 5.1.3.9). A new PIN is
// never on any screen: its field shows one dot per digit the PIN pad reports, as at sign-on.

#include <algorithm>
#include <string>
#include <utility>

#include "kiosk/core/screen_builder.h"

namespace kiosk::core::screen_parts {

namespace {

ScreenModel more_services_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::more_services, resources, session);
    builder.add(Role::title, "title")
        .add_choice("statement", k_more_statement_key)
        .add_choice("change_pin", k_more_change_pin_key)
        .add_choice("lock_card", k_more_lock_card_key);
    if (offers_forget_elder_mode(session) && !forget_elder_mode_on_menu(session)) {
        builder.add_choice("forget_elder_mode", k_more_forget_elder_mode_key);
    }
    if (!session.elder_mode || builder.choice_count() < policy::k_elder_maximum_choices) {
        builder.add_choice("back", k_more_back_key);
    } else {
        builder.add(Role::notice, "back_on_cancel");
    }
    return std::move(builder).build();
}

// "2026-12-01": the month's name and the day, shown in figures and said in words.
Element statement_entry(const ScreenBuilder& builder, const StatementEntry& entry,
                        const Session& session) {
    int month = 0;
    int day = 0;
    if (entry.date.size() == 10) {
        month = std::stoi(entry.date.substr(5, 2));
        day = std::stoi(entry.date.substr(8, 2));
    }
    const std::string month_name =
        month >= 1 && month <= 12 ? builder.text("month_" + std::to_string(month)) : "";
    const std::string kind = builder.text("kind_" + std::string(to_string(entry.kind)));
    const std::string direction = builder.text(entry.credit ? "credit" : "debit");
    const std::string shown_date =
        builder.format("date", {{"month", month_name}, {"day", std::to_string(day)}});
    const std::string said_date = builder.format(
        "date", {{"month", month_name}, {"day", word_count(count_of(day), session.locale)}});
    return make_element(
        Role::text,
        builder.format("entry",
                       {{"date", shown_date},
                        {"kind", kind},
                        {"sign", entry.credit ? "+" : "-"},
                        {"amount", format_amount(entry.amount)},
                        {"currency", shown_currency(entry.amount.currency, session.locale)}}),
        builder.format("entry_speech", {{"date", said_date},
                                        {"kind", kind},
                                        {"direction", direction},
                                        {"amount", word_amount(entry.amount, session.locale)}}),
        true);
}

ScreenModel statement_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::statement, resources, session);
    builder.add(Role::title, "title");
    if (session.statement_unavailable) {
        builder.add(Role::text, "unavailable");
    } else if (session.statement.empty()) {
        builder.add(Role::text, "none");
    } else {
        const std::size_t shown = std::min<std::size_t>(
            session.statement.size(),
            static_cast<std::size_t>(session.elder_mode ? policy::k_elder_statement_entries
                                                        : policy::k_standard_statement_entries));
        builder.add(Role::text, "newest_first");
        for (std::size_t index = 0; index < shown; ++index) {
            builder.add(statement_entry(builder, session.statement[index], session));
        }
    }
    builder.add_choice("back", k_statement_back_key)
        .add_choice("take_card", k_statement_take_card_key);
    if (offers_speaker(session) && !session.statement.empty()) {
        builder.add(make_choice(builder.text("aloud"), k_statement_aloud_key,
                                builder.text("aloud_speech")));
    }
    return std::move(builder).build();
}

ScreenModel confirm_card_lock_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::confirm_card_lock, resources, session);
    builder.add(Role::title, "title")
        .add(Role::text, "what")
        .add(Role::text, "undo")
        .add_choice("confirm", k_lock_confirm_key)
        .add_choice("back", k_lock_back_key);
    return std::move(builder).build();
}

// The reference the customer quotes at the counter: shown large, as a ticket's number is, and
// said letter by letter and digit by digit. It names the lock, not the customer.
ScreenModel card_locked_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::card_locked, resources, session);
    builder.add(Role::title, "title").add(Role::text, "text");
    if (!session.card_lock_reference.empty()) {
        builder.add(make_element(
            Role::amount, builder.format("reference", {{"reference", session.card_lock_reference}}),
            builder.format("reference", {{"reference", word_code(session.card_lock_reference,
                                                                 session.locale)}})));
    }
    builder.add(Role::text, "undo").add_take_card_notice();
    return std::move(builder).build();
}

// The new PIN's field: dots for the digits the pad holds, said as their count only on the
// headphones, as at sign-on.
ScreenModel new_pin_screen(ScreenId id, const Resources& resources, const Session& session) {
    ScreenBuilder builder(id, resources, session);
    builder.add(Role::title, "title").add(Role::text, "instruction");
    if (id == ScreenId::new_pin) {
        // A run such as 123456 is shown in figures and said digit by digit.
        builder.add(
            make_element(Role::text, builder.text("advice"), builder.text("advice_speech")));
    }
    const int count = session.pin_digit_count;
    builder.add(make_element(
        Role::input, pin_dots(count),
        count == 0
            ? builder.catalog().text("pin_entry.entered_none")
            : builder.catalog().format("pin_entry.entered",
                                       {{"count", word_count(count_of(count), session.locale)}}),
        count > 0));
    builder.add(Role::text, "correction").add(Role::notice, "privacy");
    return std::move(builder).build();
}

ScreenModel pin_not_changed_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::pin_not_changed, resources, session);
    builder.add(Role::title, "title")
        .add(Role::text, to_string(session.pin_change.value_or(PinChangeOutcome::unavailable)))
        .add(Role::text, "nothing_changed")
        .add_choice("again", k_pin_change_again_key)
        .add_choice("back", k_pin_change_back_key);
    return std::move(builder).build();
}

}  // namespace

ScreenModel card_service_screen(ScreenId id, const Resources& resources, const Session& session) {
    switch (id) {
        case ScreenId::more_services:
            return more_services_screen(resources, session);
        case ScreenId::statement:
            return statement_screen(resources, session);
        case ScreenId::confirm_card_lock:
            return confirm_card_lock_screen(resources, session);
        case ScreenId::card_locked:
            return card_locked_screen(resources, session);
        case ScreenId::new_pin:
        case ScreenId::new_pin_again:
            return new_pin_screen(id, resources, session);
        case ScreenId::pin_not_changed:
            return pin_not_changed_screen(resources, session);
        case ScreenId::card_lock_failed:
        case ScreenId::pin_changed:
        case ScreenId::pin_change_unknown: {
            ScreenBuilder builder(id, resources, session);
            builder.add(Role::title, "title").add(Role::text, "text");
            if (id != ScreenId::pin_changed) {
                builder.add(Role::text, "next");
            }
            builder.add_choice("menu", k_finished_menu_key)
                .add_choice("take_card", k_finished_take_card_key);
            return std::move(builder).build();
        }
        default:
            break;
    }
    // The waits: a title and what is happening.
    ScreenBuilder builder(id, resources, session);
    builder.add(Role::title, "title").add(Role::text, "text");
    return std::move(builder).build();
}

}  // namespace kiosk::core::screen_parts
