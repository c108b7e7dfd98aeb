#include "kiosk/core/screens.h"

#include <cstdint>
#include <utility>

#include "kiosk/core/screen_builder.h"
#include "kiosk/core/wording.h"

namespace kiosk::core {

std::string_view to_string(ScreenId id) {
    switch (id) {
        case ScreenId::welcome:
            return "welcome";
        case ScreenId::settings:
            return "settings";
        case ScreenId::sound:
            return "sound";
        case ScreenId::reading_card:
            return "reading_card";
        case ScreenId::pin_entry:
            return "pin_entry";
        case ScreenId::verifying:
            return "verifying";
        case ScreenId::remember_elder_mode:
            return "remember_elder_mode";
        case ScreenId::menu:
            return "menu";
        case ScreenId::balance:
            return "balance";
        case ScreenId::wrong_pin:
            return "wrong_pin";
        case ScreenId::staff_called:
            return "staff_called";
        case ScreenId::timeout_warning:
            return "timeout_warning";
        case ScreenId::take_card:
            return "take_card";
        case ScreenId::cancelled:
            return "cancelled";
        case ScreenId::error_pin_locked:
            return "error_pin_locked";
        case ScreenId::error_card_unreadable:
            return "error_card_unreadable";
        case ScreenId::error_card_unknown:
            return "error_card_unknown";
        case ScreenId::error_card_blocked:
            return "error_card_blocked";
        case ScreenId::error_service_unavailable:
            return "error_service_unavailable";
        case ScreenId::error_pin_pad:
            return "error_pin_pad";
        case ScreenId::error_card_not_accepted:
            return "error_card_not_accepted";
        case ScreenId::error_card_expired:
            return "error_card_expired";
        case ScreenId::error_chip_blocked:
            return "error_chip_blocked";
        case ScreenId::error_card_reader:
            return "error_card_reader";
        case ScreenId::timed_out:
            return "timed_out";
        case ScreenId::goodbye:
            return "goodbye";
        case ScreenId::choose_language:
            return "choose_language";
        case ScreenId::fetching_businesses:
            return "fetching_businesses";
        case ScreenId::choose_business:
            return "choose_business";
        case ScreenId::business_guidance:
            return "business_guidance";
        case ScreenId::green_channel:
            return "green_channel";
        case ScreenId::issuing_ticket:
            return "issuing_ticket";
        case ScreenId::ticket:
            return "ticket";
        case ScreenId::queue_unavailable:
            return "queue_unavailable";
        case ScreenId::survey:
            return "survey";
        case ScreenId::not_satisfied:
            return "not_satisfied";
        case ScreenId::complaint_category:
            return "complaint_category";
        case ScreenId::complaint_consent:
            return "complaint_consent";
        case ScreenId::filing_complaint:
            return "filing_complaint";
        case ScreenId::complaint_filed:
            return "complaint_filed";
        case ScreenId::calling_staff:
            return "calling_staff";
        case ScreenId::staff_on_the_way:
            return "staff_on_the_way";
        case ScreenId::staff_call_kept:
            return "staff_call_kept";
        case ScreenId::staff_call_failed:
            return "staff_call_failed";
        case ScreenId::choose_amount:
            return "choose_amount";
        case ScreenId::other_amount:
            return "other_amount";
        case ScreenId::quoting:
            return "quoting";
        case ScreenId::confirm_withdrawal:
            return "confirm_withdrawal";
        case ScreenId::withdrawal_refused:
            return "withdrawal_refused";
        case ScreenId::withdrawing:
            return "withdrawing";
        case ScreenId::card_before_cash:
            return "card_before_cash";
        case ScreenId::take_cash:
            return "take_cash";
        case ScreenId::securing_cash:
            return "securing_cash";
        case ScreenId::error_cash_not_given:
            return "error_cash_not_given";
        case ScreenId::cash_retracted:
            return "cash_retracted";
        case ScreenId::settling:
            return "settling";
        case ScreenId::payee_account:
            return "payee_account";
        case ScreenId::transfer_amount:
            return "transfer_amount";
        case ScreenId::transfer_warning:
            return "transfer_warning";
        case ScreenId::confirm_transfer:
            return "confirm_transfer";
        case ScreenId::transfer_refused:
            return "transfer_refused";
        case ScreenId::transferring:
            return "transferring";
        case ScreenId::transfer_done:
            return "transfer_done";
        case ScreenId::transfer_not_done:
            return "transfer_not_done";
        case ScreenId::transfer_unknown:
            return "transfer_unknown";
        case ScreenId::more_services:
            return "more_services";
        case ScreenId::fetching_statement:
            return "fetching_statement";
        case ScreenId::statement:
            return "statement";
        case ScreenId::confirm_card_lock:
            return "confirm_card_lock";
        case ScreenId::locking_card:
            return "locking_card";
        case ScreenId::card_lock_failed:
            return "card_lock_failed";
        case ScreenId::card_locked:
            return "card_locked";
        case ScreenId::new_pin:
            return "new_pin";
        case ScreenId::new_pin_again:
            return "new_pin_again";
        case ScreenId::changing_pin:
            return "changing_pin";
        case ScreenId::pin_not_changed:
            return "pin_not_changed";
        case ScreenId::pin_changed:
            return "pin_changed";
        case ScreenId::pin_change_unknown:
            return "pin_change_unknown";
        case ScreenId::closing_for_service:
            return "closing_for_service";
        case ScreenId::out_of_service:
            return "out_of_service";
        case ScreenId::service_sign_in:
            return "service_sign_in";
        case ScreenId::service_checking:
            return "service_checking";
        case ScreenId::service_locked:
            return "service_locked";
        case ScreenId::service_menu:
            return "service_menu";
        case ScreenId::service_reason:
            return "service_reason";
        case ScreenId::service_devices:
            return "service_devices";
        case ScreenId::service_device:
            return "service_device";
        case ScreenId::service_network:
            return "service_network";
        case ScreenId::service_faults:
            return "service_faults";
        case ScreenId::service_tests:
            return "service_tests";
        case ScreenId::service_key_test:
            return "service_key_test";
        case ScreenId::service_partner_sign_in:
            return "service_partner_sign_in";
        case ScreenId::service_ceremony:
            return "service_ceremony";
        case ScreenId::service_ceremony_check:
            return "service_ceremony_check";
        case ScreenId::service_ceremony_result:
            return "service_ceremony_result";
        case ScreenId::service_export:
            return "service_export";
        case ScreenId::service_configuration:
            return "service_configuration";
        case ScreenId::service_configuration_change:
            return "service_configuration_change";
        case ScreenId::service_card_test:
            return "service_card_test";
        case ScreenId::service_dispense_test:
            return "service_dispense_test";
        case ScreenId::service_counters:
            return "service_counters";
        case ScreenId::service_accounts:
            return "service_accounts";
        case ScreenId::service_account_remove:
            return "service_account_remove";
        case ScreenId::service_account_remove_confirm:
            return "service_account_remove_confirm";
        case ScreenId::service_account_add:
            return "service_account_add";
        case ScreenId::service_account_role:
            return "service_account_role";
        case ScreenId::service_account_password:
            return "service_account_password";
        case ScreenId::service_account_enrolling:
            return "service_account_enrolling";
        case ScreenId::service_account_code:
            return "service_account_code";
    }
    return "unknown";
}

std::optional<std::string> welcome_locale_for_key(base::Key key, const Resources& resources) {
    const std::optional<int> digit = base::digit_value(key);
    if (!digit || *digit < 1 || *digit > static_cast<int>(policy::k_offered_locales.size())) {
        return std::nullopt;
    }
    const std::string_view locale = policy::k_offered_locales[static_cast<std::size_t>(*digit - 1)];
    if (!resources.has_locale(locale)) {
        return std::nullopt;
    }
    return std::string(locale);
}

// What became of the PIN change: changed, not changed (and why), or not known.
ScreenId pin_change_screen(const Session& session) {
    switch (session.pin_change.value_or(PinChangeOutcome::unknown)) {
        case PinChangeOutcome::changed:
            return ScreenId::pin_changed;
        case PinChangeOutcome::unknown:
            return ScreenId::pin_change_unknown;
        default:
            return ScreenId::pin_not_changed;
    }
}

// What became of the transfer: sent, not sent, or not known (staff find out).
ScreenId transfer_finished_screen(const Session& session) {
    const TransferStep step =
        session.transfer ? session.transfer->step : TransferStep::outcome_unknown;
    switch (step) {
        case TransferStep::done:
            return ScreenId::transfer_done;
        case TransferStep::not_done:
        case TransferStep::refused:
            return ScreenId::transfer_not_done;
        default:
            return ScreenId::transfer_unknown;
    }
}

// The staff screen says only what the queue service reported: the call is being placed, staff
// have been told, someone is on the way, the call is kept to be sent again, or it failed.
ScreenId staff_screen(const Session& session) {
    if (!session.staff_call_status) {
        return ScreenId::calling_staff;
    }
    switch (*session.staff_call_status) {
        case QueueStatus::ok:
            return session.staff_call_news &&
                           session.staff_call_news->state == CallState::acknowledged
                       ? ScreenId::staff_on_the_way
                       : ScreenId::staff_called;
        case QueueStatus::kept:
            return ScreenId::staff_call_kept;
        default:
            return ScreenId::staff_call_failed;
    }
}

ListPage list_page(std::size_t items, const Session& session) {
    const std::size_t size = static_cast<std::size_t>(
        session.elder_mode ? policy::k_elder_list_page : policy::k_standard_list_page);
    ListPage page;
    page.has_more = items > size;
    const std::size_t pages = items == 0 ? 1 : (items + size - 1) / size;
    page.first = (static_cast<std::size_t>(std::max(session.list_page, 0)) % pages) * size;
    page.count = std::min(size, items - std::min(items, page.first));
    return page;
}

bool says_please_wait(std::string_view screen_id) {
    for (const ScreenId id :
         {ScreenId::fetching_businesses, ScreenId::issuing_ticket, ScreenId::filing_complaint,
          ScreenId::quoting, ScreenId::withdrawing, ScreenId::securing_cash, ScreenId::settling,
          ScreenId::transferring, ScreenId::fetching_statement, ScreenId::locking_card,
          ScreenId::changing_pin, ScreenId::service_checking,
          ScreenId::service_account_enrolling}) {
        if (screen_id == to_string(id)) {
            return true;
        }
    }
    return false;
}

ScreenId screen_for(const Session& session) {
    switch (session.state) {
        case State::welcome:
            return ScreenId::welcome;
        case State::settings:
            return ScreenId::settings;
        case State::sound:
            return ScreenId::sound;
        case State::reading_card:
        // While the pad gets ready the screen before it stays; the card is still being taken
        // in as far as the customer is concerned.
        case State::waiting_for_pin_pad:
            return ScreenId::reading_card;
        case State::pin_entry:
            return ScreenId::pin_entry;
        case State::verifying:
            return ScreenId::verifying;
        case State::remember_elder_mode:
            return ScreenId::remember_elder_mode;
        case State::menu:
            return ScreenId::menu;
        case State::balance:
            return ScreenId::balance;
        case State::wrong_pin:
            return ScreenId::wrong_pin;
        case State::staff_called:
            return staff_screen(session);
        case State::choose_language:
            return ScreenId::choose_language;
        case State::fetching_businesses:
            return ScreenId::fetching_businesses;
        case State::choose_business:
            return ScreenId::choose_business;
        case State::business_guidance:
            return ScreenId::business_guidance;
        case State::green_channel:
            return ScreenId::green_channel;
        case State::issuing_ticket:
            return ScreenId::issuing_ticket;
        case State::ticket:
            return ScreenId::ticket;
        case State::queue_unavailable:
            return ScreenId::queue_unavailable;
        case State::survey:
            return ScreenId::survey;
        case State::not_satisfied:
            return ScreenId::not_satisfied;
        case State::complaint_category:
            return ScreenId::complaint_category;
        case State::complaint_consent:
            return ScreenId::complaint_consent;
        case State::filing_complaint:
            return ScreenId::filing_complaint;
        case State::complaint_filed:
            return ScreenId::complaint_filed;
        case State::timeout_warning:
            return ScreenId::timeout_warning;
        case State::choose_amount:
            return ScreenId::choose_amount;
        case State::other_amount:
            return ScreenId::other_amount;
        case State::quoting:
            return ScreenId::quoting;
        case State::confirm_withdrawal:
            return ScreenId::confirm_withdrawal;
        case State::withdrawal_refused:
            return ScreenId::withdrawal_refused;
        case State::withdrawing:
            return ScreenId::withdrawing;
        case State::card_before_cash:
            return ScreenId::card_before_cash;
        case State::take_cash:
            return ScreenId::take_cash;
        case State::securing_cash:
            return ScreenId::securing_cash;
        case State::settling:
            return ScreenId::settling;
        case State::service:
            return service_screen_for(session);
        case State::payee_account:
            return ScreenId::payee_account;
        case State::transfer_amount:
            return ScreenId::transfer_amount;
        case State::transfer_warning:
            return ScreenId::transfer_warning;
        case State::confirm_transfer:
            return ScreenId::confirm_transfer;
        case State::transfer_refused:
            return ScreenId::transfer_refused;
        case State::transferring:
            return ScreenId::transferring;
        case State::transfer_finished:
            return transfer_finished_screen(session);
        case State::more_services:
            return ScreenId::more_services;
        case State::fetching_statement:
            return ScreenId::fetching_statement;
        case State::statement:
            return ScreenId::statement;
        case State::confirm_card_lock:
            return ScreenId::confirm_card_lock;
        case State::locking_card:
            return ScreenId::locking_card;
        case State::card_lock_failed:
            return ScreenId::card_lock_failed;
        case State::new_pin_requested:
        case State::new_pin_entry:
            return ScreenId::new_pin;
        case State::new_pin_again:
            return ScreenId::new_pin_again;
        case State::changing_pin:
            return ScreenId::changing_pin;
        case State::pin_not_changed:
        case State::pin_change_finished:
            return pin_change_screen(session);
        case State::goodbye:
            // The reader went away with the card inside: the customer hears where it is. Cash
            // not taken: the customer hears it was taken back and nothing charged.
            if (session.end_reason == EndReason::card_reader_failed) {
                return ScreenId::error_card_reader;
            }
            if (session.end_reason == EndReason::cash_not_given) {
                return ScreenId::error_cash_not_given;
            }
            return session.end_reason == EndReason::cash_retracted ? ScreenId::cash_retracted
                                                                   : ScreenId::goodbye;
        case State::returning_card:
            break;
    }
    switch (session.end_reason) {
        case EndReason::cancelled:
            return ScreenId::cancelled;
        case EndReason::pin_locked:
            return ScreenId::error_pin_locked;
        case EndReason::card_unreadable:
            return ScreenId::error_card_unreadable;
        case EndReason::card_unknown:
            return ScreenId::error_card_unknown;
        case EndReason::card_blocked:
            return ScreenId::error_card_blocked;
        case EndReason::service_unavailable:
            return ScreenId::error_service_unavailable;
        case EndReason::pin_pad_failed:
            return ScreenId::error_pin_pad;
        case EndReason::card_not_accepted:
            return ScreenId::error_card_not_accepted;
        case EndReason::card_expired:
            return ScreenId::error_card_expired;
        case EndReason::chip_blocked:
            return ScreenId::error_chip_blocked;
        case EndReason::timed_out:
            return ScreenId::timed_out;
        case EndReason::cash_not_given:
            return ScreenId::error_cash_not_given;
        case EndReason::card_locked:
            return ScreenId::card_locked;
        case EndReason::kiosk_serviced:
            return ScreenId::closing_for_service;
        case EndReason::cash_retracted:
        case EndReason::none:
        case EndReason::finished:
        case EndReason::card_removed:
        case EndReason::card_reader_failed:
            break;
    }
    return ScreenId::take_card;
}

std::string pin_dots(int count) {
    std::string dots;
    for (int index = 0; index < count; ++index) {
        if (index > 0) {
            dots += ' ';
        }
        dots += "●";
    }
    return dots;
}

namespace {

using namespace screen_parts;

ScreenModel welcome_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::welcome, resources, session);
    builder.add(Role::title, "title");
    // No "insert your card" where no card can be taken: the notice says why and what else to
    // do (docs/accessibility.md, "When a device or the voice is missing").
    if (session.pin_pad_missing) {
        // Every key is on the PIN pad: a pad missing, or refused (a tamper, a failed
        // authentication, a key check value that differs: docs/protocols/epp.md §8.6), reports
        // none, not even the function keys or the headphone jack. So no choice is offered that
        // could not be made: the notice says what is wrong, that staff know, and where to go.
        builder.add(make_element(Role::notice, builder.catalog().text("device.pin_pad_missing")));
        if (session.elder_mode) {
            builder.add(Role::status, "elder_mode_status");
        }
        return std::move(builder).build();
    }
    if (session.card_reader_missing) {
        builder.add(
            make_element(Role::notice, builder.catalog().text("device.card_reader_missing")));
    } else {
        builder.add(Role::text, "prompt");
    }
    // Each language is offered in its own words and voice, so it can be chosen without sight
    // and without reading the current language (EN 301 549 5.1.3.14). Elder mode keeps them
    // one key away, on a screen of their own, so that its welcome keeps to four choices.
    if (session.elder_mode) {
        builder.add_choice("languages", k_welcome_languages_key);
    } else {
        add_language_choices(builder, resources, session);
    }
    // Elder mode is offered on the first screen; once on, it is left from the settings, so
    // that the elder welcome screen keeps to four choices.
    if (!session.elder_mode) {
        builder.add_choice("elder_mode_on", k_welcome_elder_mode_key);
    }
    builder.add_choice("settings", k_welcome_settings_key);
    // A card is not needed to queue for a counter or to ask for a person.
    builder.add_choice("ticket", k_welcome_ticket_key)
        .add_choice("call_staff", k_welcome_call_staff_key);
    if (session.elder_mode) {
        builder.add(Role::status, "elder_mode_status");
    }
    // Elder mode's welcome offers staff as a choice already, and keeps to a screen that fits at
    // the largest text.
    if (!session.elder_mode) {
        builder.add(Role::notice, "help");
    }
    return std::move(builder).build();
}

std::string_view text_size_name(TextSize size) {
    switch (size) {
        case TextSize::normal:
            return "size_normal";
        case TextSize::large:
            return "size_large";
        case TextSize::largest:
            return "size_largest";
    }
    return "size_normal";
}

ScreenModel settings_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::settings, resources, session);
    builder.add(Role::title, "title");
    builder.add(make_element(
        Role::status,
        builder.format("size_now", {{"size", builder.text(text_size_name(session.text_size))}})));
    builder.add_choice(session.text_size == TextSize::largest ? "text_size_reset" : "text_size",
                       k_settings_text_size_key);
    builder.add_choice(session.high_contrast ? "high_contrast_off" : "high_contrast_on",
                       k_settings_contrast_key);
    builder.add_choice(session.elder_mode ? "elder_mode_off" : "elder_mode_on",
                       k_settings_elder_mode_key);
    builder.add_choice("done", k_settings_done_key);
    return std::move(builder).build();
}

// Audio mode's sound screen. The volume is heard, never shown.
ScreenModel sound_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::sound, resources, session);
    builder.add(Role::title, "title")
        .add_choice("louder", k_sound_louder_key)
        .add_choice("quieter", k_sound_quieter_key)
        .add_choice("rate", k_sound_rate_key)
        .add_choice(session.screen_blanked ? "screen_on" : "screen_off", k_sound_screen_key)
        .add(Role::status, "back");
    return std::move(builder).build();
}

ScreenModel pin_entry_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::pin_entry, resources, session);
    builder.add(Role::title, "title").add(Role::text, "instruction").add(Role::text, "correction");
    if (session.pin_tries_left) {
        builder.add(make_element(
            Role::status,
            builder.format("tries", {{"tries", std::to_string(*session.pin_tries_left)}}),
            builder.format("tries", {{"tries", word_count(count_of(*session.pin_tries_left),
                                                          session.locale)}})));
    }
    // Once it holds digits the field is private: its count tells the PIN's length, so it is
    // said again (a repeat, headphones plugged in) only on the headphones, and kept out of
    // files and pictures (docs/accessibility.md, "Privacy").
    const int count = session.pin_digit_count;
    builder.add(make_element(
        Role::input, pin_dots(count),
        count == 0
            ? builder.text("entered_none")
            : builder.format("entered", {{"count", word_count(count_of(count), session.locale)}}),
        count > 0));
    builder.add(Role::notice, "privacy");
    return std::move(builder).build();
}

ScreenModel balance_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::balance, resources, session);
    builder.add(Role::title, "title");
    if (session.balance && is_known_currency(session.balance->currency)) {
        const std::string currency = shown_currency(session.balance->currency, session.locale);
        builder.add(make_element(
            Role::amount,
            builder.format("amount",
                           {{"amount", format_amount(*session.balance)}, {"currency", currency}}),
            builder.format("amount_speech",
                           {{"amount", word_amount(*session.balance, session.locale)}}),
            true));
    } else {
        builder.add(Role::text, "unavailable");
    }
    if (session.card) {
        const CardNumber& pan = session.card->pan;
        builder.add(make_element(
            Role::text, builder.format("card", {{"masked", pan.masked()}}),
            builder.format("card_speech",
                           {{"last_four", word_digits(pan.last_four(), session.locale)}}),
            true));
    }
    builder.add_choice("back", k_balance_back_key).add_choice("take_card", k_balance_take_card_key);
    if (offers_speaker(session)) {
        builder.add(
            make_choice(builder.text("aloud"), k_balance_aloud_key, builder.text("aloud_speech")));
    }
    return std::move(builder).build();
}

ScreenModel wrong_pin_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::wrong_pin, resources, session);
    const int tries = session.pin_tries_left.value_or(0);
    builder.add(Role::title, "title").add(Role::text, "text");
    builder.add(make_element(
        Role::text, builder.format("tries", {{"tries", std::to_string(tries)}}),
        builder.format("tries", {{"tries", word_count(count_of(tries), session.locale)}})));
    builder.add_choice("retry", k_wrong_pin_retry_key).add_choice("cancel", k_wrong_pin_cancel_key);
    return std::move(builder).build();
}

ScreenModel timeout_warning_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::timeout_warning, resources, session);
    const int seconds = timer_milliseconds(TimerId::inactivity_warning, resources, session) / 1000;
    builder.add(Role::title, "title").add(Role::text, "text");
    if (can_extend_time(resources, session)) {
        builder.add_choice("extend", k_timeout_extend_key);
    } else {
        builder.add(Role::text, "final");
    }
    builder.add(make_element(
        Role::notice, builder.format("countdown", {{"seconds", std::to_string(seconds)}}),
        builder.format("countdown", {{"seconds", word_count(count_of(seconds), session.locale)}})));
    return std::move(builder).build();
}

ScreenModel goodbye_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::goodbye, resources, session);
    builder.add(Role::title, "title");
    if (session.end_reason == EndReason::card_removed) {
        builder.add(Role::text, "card_removed");
    }
    builder.add(Role::text, "text");
    return std::move(builder).build();
}

// The screens that return the card: why, what next, and "please take your card".
ScreenModel card_return_screen(ScreenId id, const Resources& resources, const Session& session) {
    ScreenBuilder builder(id, resources, session);
    // Cash not given because the card was left in the slot: the customer hears it was their
    // card, not the machine, that stopped the cash.
    const bool card_not_taken = id == ScreenId::error_cash_not_given && session.withdrawal &&
                                session.withdrawal->reverse_reason == ReverseReason::cash_not_taken;
    builder.add(Role::title, "title").add(Role::text, card_not_taken ? "card_not_taken" : "text");
    switch (id) {
        case ScreenId::error_card_unreadable:
        case ScreenId::error_service_unavailable:
            builder.add(Role::text, "why").add(Role::text, "next");
            break;
        case ScreenId::error_pin_locked:
        case ScreenId::error_card_unknown:
        case ScreenId::error_card_blocked:
        case ScreenId::error_cash_not_given:
        case ScreenId::error_pin_pad:
        case ScreenId::error_card_not_accepted:
        case ScreenId::error_card_expired:
        case ScreenId::error_chip_blocked:
        case ScreenId::closing_for_service:
            builder.add(Role::text, "next");
            break;
        default:
            break;
    }
    // A withdrawal whose undoing the account service did not confirm: staff will see to it.
    if (id == ScreenId::error_cash_not_given && session.withdrawal &&
        session.withdrawal->reverse_failed) {
        builder.add(Role::notice, "staff_told");
    }
    // The card's notice while the card is out for the customer; not when they took it early,
    // during a withdrawal, and hear only what became of the cash.
    const bool card_taken = session.withdrawal && session.withdrawal->card_taken;
    if (id != ScreenId::take_card && !card_taken) {
        builder.add_take_card_notice();
    }
    return std::move(builder).build();
}

// The services first, then the way out. Elder mode keeps to four choices (MIIT): what does
// not fit is said as a notice with its key, taking the card on Cancel and staff on Help, as
// on every screen.
ScreenModel menu_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::menu, resources, session);
    builder.add(Role::title, "title").add_choice("balance", k_menu_balance_key);
    if (offers_withdrawal(session)) {
        builder.add_choice("withdraw", k_menu_withdraw_key);
    }
    if (offers_transfer(session)) {
        builder.add_choice("transfer", k_menu_transfer_key);
    }
    builder.add_choice("more", k_menu_more_key);
    // In elder mode a remembered elder mode is forgotten on "more services" when there is no
    // room for it here.
    if (offers_forget_elder_mode(session) && forget_elder_mode_on_menu(session)) {
        builder.add_choice("forget_elder_mode", k_menu_forget_elder_mode_key);
    }
    if (!session.elder_mode || builder.choice_count() < policy::k_elder_maximum_choices) {
        builder.add_choice("take_card", k_menu_take_card_key);
    } else {
        builder.add(Role::notice, "take_card_on_cancel");
    }
    if (!session.elder_mode || builder.choice_count() < policy::k_elder_maximum_choices) {
        builder.add_choice("call_staff", k_menu_call_staff_key);
    } else {
        builder.add(Role::notice, "help_for_staff");
    }
    return std::move(builder).build();
}

ScreenModel compose(ScreenId id, const Resources& resources, const Session& session) {
    switch (id) {
        case ScreenId::welcome:
            return welcome_screen(resources, session);
        case ScreenId::settings:
            return settings_screen(resources, session);
        case ScreenId::sound:
            return sound_screen(resources, session);
        case ScreenId::error_card_reader: {
            // The card is inside a reader that went away: there is nothing to take.
            ScreenBuilder builder(id, resources, session);
            builder.add(Role::title, "title").add(Role::text, "text").add(Role::text, "next");
            return std::move(builder).build();
        }
        case ScreenId::reading_card: {
            ScreenBuilder builder(id, resources, session);
            builder.add(Role::title, "title").add(Role::text, "text").add(Role::notice, "notice");
            return std::move(builder).build();
        }
        case ScreenId::pin_entry:
            return pin_entry_screen(resources, session);
        case ScreenId::verifying: {
            ScreenBuilder builder(id, resources, session);
            builder.add(Role::title, "title").add(Role::text, "text");
            return std::move(builder).build();
        }
        case ScreenId::remember_elder_mode: {
            // The purpose is stated before the question (docs/accessibility.md).
            ScreenBuilder builder(id, resources, session);
            builder.add(Role::title, "title")
                .add(Role::text, "purpose")
                .add(Role::text, "kept")
                .add_choice("yes", k_remember_yes_key)
                .add_choice("no", k_remember_no_key);
            return std::move(builder).build();
        }
        case ScreenId::menu:
            return menu_screen(resources, session);
        case ScreenId::balance:
            return balance_screen(resources, session);
        case ScreenId::wrong_pin:
            return wrong_pin_screen(resources, session);
        case ScreenId::timeout_warning:
            return timeout_warning_screen(resources, session);
        case ScreenId::goodbye:
            return goodbye_screen(resources, session);
        case ScreenId::take_card:
        case ScreenId::cancelled:
        case ScreenId::error_pin_locked:
        case ScreenId::error_card_unreadable:
        case ScreenId::error_card_unknown:
        case ScreenId::error_card_blocked:
        case ScreenId::error_service_unavailable:
        case ScreenId::error_pin_pad:
        case ScreenId::error_card_not_accepted:
        case ScreenId::error_card_expired:
        case ScreenId::error_chip_blocked:
        case ScreenId::timed_out:
        case ScreenId::error_cash_not_given:
            return card_return_screen(id, resources, session);
        case ScreenId::choose_amount:
        case ScreenId::other_amount:
        case ScreenId::quoting:
        case ScreenId::confirm_withdrawal:
        case ScreenId::withdrawal_refused:
        case ScreenId::withdrawing:
        case ScreenId::card_before_cash:
        case ScreenId::take_cash:
        case ScreenId::securing_cash:
        case ScreenId::cash_retracted:
        case ScreenId::settling:
            return cash_screen(id, resources, session);
        case ScreenId::payee_account:
        case ScreenId::transfer_amount:
        case ScreenId::transfer_warning:
        case ScreenId::confirm_transfer:
        case ScreenId::transfer_refused:
        case ScreenId::transferring:
        case ScreenId::transfer_done:
        case ScreenId::transfer_not_done:
        case ScreenId::transfer_unknown:
            return transfer_screen(id, resources, session);
        case ScreenId::more_services:
        case ScreenId::fetching_statement:
        case ScreenId::statement:
        case ScreenId::confirm_card_lock:
        case ScreenId::locking_card:
        case ScreenId::card_lock_failed:
        case ScreenId::card_locked:
        case ScreenId::new_pin:
        case ScreenId::new_pin_again:
        case ScreenId::changing_pin:
        case ScreenId::pin_not_changed:
        case ScreenId::pin_changed:
        case ScreenId::pin_change_unknown:
            return card_service_screen(id, resources, session);
        case ScreenId::closing_for_service:
            return card_return_screen(id, resources, session);
        case ScreenId::out_of_service:
        case ScreenId::service_sign_in:
        case ScreenId::service_checking:
        case ScreenId::service_locked:
        case ScreenId::service_menu:
        case ScreenId::service_reason:
        case ScreenId::service_devices:
        case ScreenId::service_device:
        case ScreenId::service_network:
        case ScreenId::service_faults:
        case ScreenId::service_tests:
        case ScreenId::service_key_test:
        case ScreenId::service_partner_sign_in:
        case ScreenId::service_ceremony:
        case ScreenId::service_ceremony_check:
        case ScreenId::service_ceremony_result:
        case ScreenId::service_export:
        case ScreenId::service_configuration:
        case ScreenId::service_configuration_change:
        case ScreenId::service_card_test:
        case ScreenId::service_dispense_test:
        case ScreenId::service_counters:
        case ScreenId::service_accounts:
        case ScreenId::service_account_remove:
        case ScreenId::service_account_remove_confirm:
        case ScreenId::service_account_add:
        case ScreenId::service_account_role:
        case ScreenId::service_account_password:
        case ScreenId::service_account_enrolling:
        case ScreenId::service_account_code:
            return service_screen(id, resources, session);
        default:
            return branch_screen(id, resources, session);
    }
    return card_return_screen(ScreenId::take_card, resources, session);
}

// Digits mean nothing while the card is read, the PIN typed or checked, or a new PIN typed or
// sent: around PIN entry the pad reports none, so a PIN typed too early or too late never
// reaches the kiosk.
bool takes_digits(ScreenId id) {
    switch (id) {
        case ScreenId::reading_card:
        case ScreenId::pin_entry:
        case ScreenId::verifying:
        case ScreenId::new_pin:
        case ScreenId::new_pin_again:
        case ScreenId::changing_pin:
        // Out of service, and while an engineer's sign-in is checked or locked, no digit means
        // anything (the sign-in's own digits are typed on service_sign_in).
        case ScreenId::out_of_service:
        case ScreenId::service_checking:
        case ScreenId::service_locked:
        // During a key ceremony the pad keeps its keys to itself (docs/protocols/epp.md §8.2).
        case ScreenId::service_ceremony:
        case ScreenId::service_ceremony_check:
            return false;
        default:
            return true;
    }
}

}  // namespace

ScreenModel build_screen(ScreenId id, const Resources& resources, const Session& session) {
    ScreenModel screen = compose(id, resources, session);
    // The welcome screen without its keypad offers no choice, so no digit either.
    screen.takes_digits = takes_digits(id) && !(id == ScreenId::welcome && session.pin_pad_missing);
    // Without a voice every screen says so under its title, for customers and staff who expect
    // to hear it (docs/accessibility.md, "When a device or the voice is missing").
    if (session.voice_missing && !screen.elements.empty()) {
        screen.elements.insert(
            screen.elements.begin() + 1,
            make_element(Role::notice,
                         resources.catalog(session.locale).text("device.voice_missing")));
    }
    return screen;
}

}  // namespace kiosk::core
