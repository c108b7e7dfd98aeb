// The transfer screens (kiosk/core/README.md, "Transfer"): the payee's account typed, the
// amount, the warning against the "safe account" fraud, the payee, amount, fee and total before
// anything moves, and what became of it. The payee's number and every amount are private: shown,
// and said on the headphones or on the speaker the customer chose (EN 301 549 5.1.3.9).

#include <string>
#include <utility>

#include "kiosk/core/screen_builder.h"

namespace kiosk::core::screen_parts {

namespace {

// An account number said digit by digit, its groups of four apart: "六二一七，零零一二，…".
std::string word_account(std::string_view digits, std::string_view locale) {
    const std::string_view pause = is_chinese_locale(locale) ? "，" : ", ";
    std::string worded;
    constexpr std::size_t k_group = 4;
    for (std::size_t first = 0; first < digits.size(); first += k_group) {
        if (!worded.empty()) {
            worded += pause;
        }
        worded += word_digits(digits.substr(first, k_group), locale);
    }
    return worded;
}

// The payee's account typed so far: "6217 0012 3456", said "六二一七，零零一二，三四五六".
Element payee_element(const ScreenBuilder& builder, Role role, std::string_view name,
                      const Session& session) {
    const std::string_view digits = session.payee_digits.view();
    return make_element(role, builder.format(name, {{"account", grouped_digits(digits)}}),
                        builder.format(std::string(name) + "_speech",
                                       {{"account", word_account(digits, session.locale)}}),
                        true);
}

ScreenModel payee_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::payee_account, resources, session);
    builder.add(Role::title, "title").add(Role::text, "instruction");
    if (session.payee_digits.empty()) {
        builder.add(make_element(Role::input, builder.text("empty"), builder.text("empty")));
    } else {
        builder.add(payee_element(builder, Role::input, "typed", session));
    }
    builder.add_choice("confirm", k_typing_confirm_key)
        .add_choice("clear", k_typing_clear_key)
        .add_choice("back", k_typing_back_key);
    return std::move(builder).build();
}

ScreenModel transfer_amount_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::transfer_amount, resources, session);
    builder.add(Role::title, "title");
    // The whole number read back before anything else is asked (the customer typed it blind).
    builder.add(payee_element(builder, Role::text, "payee", session));
    if (session.account) {
        builder.add(amount_element(builder, Role::text, "limit",
                                   session.account->limits.transfer_left_today, session));
    }
    if (session.amount_digits.empty()) {
        builder.add(make_element(Role::input, builder.text("empty"), builder.text("empty")));
    } else {
        builder.add(amount_element(builder, Role::input, "typed", typed_amount(session), session));
    }
    builder.add_choice("confirm", k_typing_confirm_key)
        .add_choice("clear", k_typing_clear_key)
        .add_choice("back", k_typing_back_key);
    return std::move(builder).build();
}

ScreenModel fraud_warning_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::transfer_warning, resources, session);
    builder.add(Role::title, "title")
        .add(Role::text, "fraud")
        .add(Role::text, "never")
        .add(Role::notice, "help")
        .add_choice("continue", k_warning_continue_key)
        .add_choice("stop", k_warning_stop_key);
    return std::move(builder).build();
}

ScreenModel transfer_confirm_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::confirm_transfer, resources, session);
    builder.add(Role::title, "title");
    if (session.quote) {
        const Quote& quote = *session.quote;
        builder.add(make_element(
            Role::text, builder.format("payee", {{"masked", quote.payee_masked}}),
            builder.format("payee_speech",
                           {{"last_four", word_digits(quote.payee_masked, session.locale)}}),
            true));
        builder.add(amount_element(builder, Role::amount, "amount", quote.amount, session));
        if (quote.fee.minor_units == 0) {
            builder.add(Role::text, "no_fee");
        } else {
            builder.add(amount_element(builder, Role::text, "fee", quote.fee, session));
        }
        builder.add(amount_element(builder, Role::text, "total", quote.total, session));
    }
    builder.add_choice("confirm", k_transfer_confirm_key).add_choice("back", k_transfer_back_key);
    if (offers_speaker(session)) {
        builder.add(
            make_choice(builder.text("aloud"), k_transfer_aloud_key, builder.text("aloud_speech")));
    }
    return std::move(builder).build();
}

// The catalog's message for why a transfer was refused: named as the status is, for the
// refusals the customer can act on; any other (the service) is "unavailable".
std::string_view transfer_refusal_name(const Session& session) {
    const MoneyStatus status = session.refusal.value_or(MoneyStatus::unavailable);
    return to_string(is_transfer_refusal(status) ? status : MoneyStatus::unavailable);
}

ScreenModel transfer_refused_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::transfer_refused, resources, session);
    builder.add(Role::title, "title").add(Role::text, transfer_refusal_name(session));
    // Over the limit: how much is left today, when the service said.
    if (session.refusal == MoneyStatus::over_limit && session.account) {
        builder.add(amount_element(builder, Role::text, "limit_left",
                                   session.account->limits.transfer_left_today, session));
    }
    builder.add(Role::text, "nothing_changed");
    if (offers_transfer(session)) {
        builder.add_choice("again", k_transfer_again_key);
    }
    builder.add_choice("back", k_transfer_refused_back_key);
    return std::move(builder).build();
}

ScreenModel transfer_result_screen(ScreenId id, const Resources& resources,
                                   const Session& session) {
    ScreenBuilder builder(id, resources, session);
    builder.add(Role::title, "title");
    if (session.transfer) {
        const Session::Transfer& transfer = *session.transfer;
        builder.add(amount_element(builder, Role::text, "amount", transfer.amount, session));
        builder.add(make_element(
            Role::text, builder.format("payee", {{"masked", transfer.payee_masked}}),
            builder.format("payee_speech",
                           {{"last_four", word_digits(transfer.payee_masked, session.locale)}}),
            true));
    }
    builder.add(Role::text, "text");
    if (id == ScreenId::transfer_unknown) {
        builder.add(Role::notice, "staff_told");
    }
    builder.add_choice("menu", k_finished_menu_key)
        .add_choice("take_card", k_finished_take_card_key);
    return std::move(builder).build();
}

}  // namespace

ScreenModel transfer_screen(ScreenId id, const Resources& resources, const Session& session) {
    switch (id) {
        case ScreenId::payee_account:
            return payee_screen(resources, session);
        case ScreenId::transfer_amount:
            return transfer_amount_screen(resources, session);
        case ScreenId::transfer_warning:
            return fraud_warning_screen(resources, session);
        case ScreenId::confirm_transfer:
            return transfer_confirm_screen(resources, session);
        case ScreenId::transfer_refused:
            return transfer_refused_screen(resources, session);
        case ScreenId::transfer_done:
        case ScreenId::transfer_not_done:
        case ScreenId::transfer_unknown:
            return transfer_result_screen(id, resources, session);
        default:
            break;
    }
    // The wait: a title and what is happening.
    ScreenBuilder builder(id, resources, session);
    builder.add(Role::title, "title").add(Role::text, "text");
    return std::move(builder).build();
}

}  // namespace kiosk::core::screen_parts
