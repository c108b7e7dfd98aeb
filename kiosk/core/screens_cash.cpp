// The cash screens (kiosk/core/README.md, "Cash"): the amounts, another amount, the fee and
// total before anything moves, the waits, the card before the cash, the cash at the slot, and
// what became of a withdrawal that could not be completed. Amounts are the customer's own:
// private, said on the speaker only when the customer chose it (EN 301 549 5.1.3.9).

#include <string>
#include <utility>

#include "kiosk/core/screen_builder.h"
#include "kiosk/core/wording.h"

namespace kiosk::core::screen_parts {

namespace {

// The catalog's message for why cash was refused: named as the status is, for the refusals the
// customer can act on; any other (the service, the dispenser) is "unavailable".
std::string_view refusal_name(const Session& session) {
    const MoneyStatus status = session.refusal.value_or(MoneyStatus::unavailable);
    const bool named =
        status == MoneyStatus::insufficient_funds || status == MoneyStatus::over_limit ||
        status == MoneyStatus::amount_not_allowed || status == MoneyStatus::quote_expired;
    return named ? to_string(status) : to_string(MoneyStatus::unavailable);
}

ScreenModel choose_amount_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::choose_amount, resources, session);
    builder.add(Role::title, "title");
    const std::vector<Money> amounts = withdrawal_amounts(session);
    for (std::size_t index = 0; index < amounts.size(); ++index) {
        const std::optional<base::Key> key = base::digit_key(static_cast<int>(index) + 1);
        if (!key) {
            continue;
        }
        const std::string currency = shown_currency(amounts[index].currency, session.locale);
        builder.add(make_choice(
            builder.format(
                "preset", {{"amount", format_cash_amount(amounts[index])}, {"currency", currency}}),
            *key,
            builder.format("preset_speech",
                           {{"amount", word_amount(amounts[index], session.locale)}})));
    }
    builder.add_choice("other", k_amount_other_key).add_choice("back", k_amount_back_key);
    return std::move(builder).build();
}

ScreenModel other_amount_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::other_amount, resources, session);
    builder.add(Role::title, "title");
    const Money step = smallest_note(session.cassettes, account_currency(session))
                           .value_or(Money{10'000, account_currency(session)});
    const std::string currency = shown_currency(step.currency, session.locale);
    builder.add(make_element(
        Role::text,
        builder.format("instruction", {{"step", format_cash_amount(step)}, {"currency", currency}}),
        builder.format("instruction_speech", {{"step", word_amount(step, session.locale)}})));
    if (session.amount_digits.empty()) {
        builder.add(make_element(Role::input, builder.text("empty"), builder.text("empty")));
    } else {
        builder.add(amount_element(builder, Role::input, "typed", typed_amount(session), session));
    }
    builder.add_choice("confirm", k_other_amount_confirm_key)
        .add_choice("clear", k_other_amount_clear_key)
        .add_choice("back", k_other_amount_back_key);
    return std::move(builder).build();
}

ScreenModel confirm_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::confirm_withdrawal, resources, session);
    builder.add(Role::title, "title");
    if (session.quote) {
        const Quote& quote = *session.quote;
        builder.add(amount_element(builder, Role::amount, "amount", quote.amount, session));
        if (quote.fee.minor_units == 0) {
            builder.add(Role::text, "no_fee");
        } else {
            builder.add(amount_element(builder, Role::text, "fee", quote.fee, session));
        }
        builder.add(amount_element(builder, Role::text, "total", quote.total, session));
    }
    builder.add_choice("confirm", k_withdrawal_confirm_key)
        .add_choice("back", k_withdrawal_back_key);
    if (offers_speaker(session)) {
        builder.add(make_choice(builder.text("aloud"), k_withdrawal_aloud_key,
                                builder.text("aloud_speech")));
    }
    return std::move(builder).build();
}

ScreenModel refused_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::withdrawal_refused, resources, session);
    // When this machine can give no cash at all, it says so rather than blame the bank, and
    // offers no other amount.
    const bool out_of_service = cash_out_of_service(session);
    builder.add(Role::title, "title")
        .add(Role::text, out_of_service ? "machine_unavailable" : refusal_name(session));
    builder.add(Role::text, "nothing_changed");
    if (!out_of_service) {
        builder.add_choice("other_amount", k_refused_other_amount_key);
    }
    builder.add_choice("back", k_refused_back_key);
    return std::move(builder).build();
}

ScreenModel take_cash_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::take_cash, resources, session);
    builder.add(Role::title, "title").add(Role::text, "text");
    const int seconds = timer_milliseconds(TimerId::cash_wait, resources, session) / 1000;
    builder.add(make_element(
        Role::notice, builder.format("time", {{"seconds", std::to_string(seconds)}}),
        builder.format("time", {{"seconds", word_count(count_of(seconds), session.locale)}})));
    return std::move(builder).build();
}

}  // namespace

ScreenModel cash_screen(ScreenId id, const Resources& resources, const Session& session) {
    switch (id) {
        case ScreenId::choose_amount:
            return choose_amount_screen(resources, session);
        case ScreenId::other_amount:
            return other_amount_screen(resources, session);
        case ScreenId::confirm_withdrawal:
            return confirm_screen(resources, session);
        case ScreenId::withdrawal_refused:
            return refused_screen(resources, session);
        case ScreenId::take_cash:
            return take_cash_screen(resources, session);
        default:
            break;
    }
    // The waits and the end: a title and what is happening.
    ScreenBuilder builder(id, resources, session);
    builder.add(Role::title, "title").add(Role::text, "text");
    if (id == ScreenId::cash_retracted && session.withdrawal &&
        session.withdrawal->reverse_failed) {
        builder.add(Role::notice, "staff_told");
    }
    return std::move(builder).build();
}

}  // namespace kiosk::core::screen_parts
