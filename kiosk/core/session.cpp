#include "kiosk/core/session.h"

namespace kiosk::core {

std::string_view to_string(State state) {
    switch (state) {
        case State::welcome:
            return "welcome";
        case State::waiting_for_pin_pad:
            return "waiting_for_pin_pad";
        case State::reading_card:
            return "reading_card";
        case State::pin_entry:
            return "pin_entry";
        case State::verifying:
            return "verifying";
        case State::settings:
            return "settings";
        case State::sound:
            return "sound";
        case State::remember_elder_mode:
            return "remember_elder_mode";
        case State::menu:
            return "menu";
        case State::balance:
            return "balance";
        case State::wrong_pin:
            return "wrong_pin";
        case State::staff_called:
            return "staff_called";
        case State::timeout_warning:
            return "timeout_warning";
        case State::returning_card:
            return "returning_card";
        case State::goodbye:
            return "goodbye";
        case State::choose_language:
            return "choose_language";
        case State::fetching_businesses:
            return "fetching_businesses";
        case State::choose_business:
            return "choose_business";
        case State::business_guidance:
            return "business_guidance";
        case State::green_channel:
            return "green_channel";
        case State::issuing_ticket:
            return "issuing_ticket";
        case State::ticket:
            return "ticket";
        case State::queue_unavailable:
            return "queue_unavailable";
        case State::survey:
            return "survey";
        case State::not_satisfied:
            return "not_satisfied";
        case State::complaint_category:
            return "complaint_category";
        case State::complaint_consent:
            return "complaint_consent";
        case State::filing_complaint:
            return "filing_complaint";
        case State::complaint_filed:
            return "complaint_filed";
        case State::choose_amount:
            return "choose_amount";
        case State::other_amount:
            return "other_amount";
        case State::quoting:
            return "quoting";
        case State::confirm_withdrawal:
            return "confirm_withdrawal";
        case State::withdrawal_refused:
            return "withdrawal_refused";
        case State::withdrawing:
            return "withdrawing";
        case State::card_before_cash:
            return "card_before_cash";
        case State::take_cash:
            return "take_cash";
        case State::securing_cash:
            return "securing_cash";
        case State::settling:
            return "settling";
        case State::service:
            return "service";
        case State::payee_account:
            return "payee_account";
        case State::transfer_amount:
            return "transfer_amount";
        case State::transfer_warning:
            return "transfer_warning";
        case State::confirm_transfer:
            return "confirm_transfer";
        case State::transfer_refused:
            return "transfer_refused";
        case State::transferring:
            return "transferring";
        case State::transfer_finished:
            return "transfer_finished";
        case State::more_services:
            return "more_services";
        case State::fetching_statement:
            return "fetching_statement";
        case State::statement:
            return "statement";
        case State::confirm_card_lock:
            return "confirm_card_lock";
        case State::locking_card:
            return "locking_card";
        case State::card_lock_failed:
            return "card_lock_failed";
        case State::new_pin_requested:
            return "new_pin_requested";
        case State::new_pin_entry:
            return "new_pin_entry";
        case State::new_pin_again:
            return "new_pin_again";
        case State::changing_pin:
            return "changing_pin";
        case State::pin_not_changed:
            return "pin_not_changed";
        case State::pin_change_finished:
            return "pin_change_finished";
    }
    return "unknown";
}

std::string_view to_string(EndReason reason) {
    switch (reason) {
        case EndReason::none:
            return "none";
        case EndReason::finished:
            return "finished";
        case EndReason::cancelled:
            return "cancelled";
        case EndReason::pin_locked:
            return "pin_locked";
        case EndReason::card_unreadable:
            return "card_unreadable";
        case EndReason::card_unknown:
            return "card_unknown";
        case EndReason::card_blocked:
            return "card_blocked";
        case EndReason::service_unavailable:
            return "service_unavailable";
        case EndReason::pin_pad_failed:
            return "pin_pad_failed";
        case EndReason::card_not_accepted:
            return "card_not_accepted";
        case EndReason::card_expired:
            return "card_expired";
        case EndReason::chip_blocked:
            return "chip_blocked";
        case EndReason::card_reader_failed:
            return "card_reader_failed";
        case EndReason::timed_out:
            return "timed_out";
        case EndReason::card_removed:
            return "card_removed";
        case EndReason::cash_not_given:
            return "cash_not_given";
        case EndReason::cash_retracted:
            return "cash_retracted";
        case EndReason::card_locked:
            return "card_locked";
        case EndReason::kiosk_serviced:
            return "kiosk_serviced";
    }
    return "unknown";
}

std::string_view to_string(PinChangeOutcome outcome) {
    switch (outcome) {
        case PinChangeOutcome::changed:
            return "changed";
        case PinChangeOutcome::entries_differ:
            return "entries_differ";
        case PinChangeOutcome::not_allowed:
            return "not_allowed";
        case PinChangeOutcome::unavailable:
            return "unavailable";
        case PinChangeOutcome::unknown:
            return "unknown";
    }
    return "unknown";
}

Session new_session(const Resources& resources) {
    Session session;
    session.locale = resources.default_locale;
    return session;
}

Session new_session(const Resources& resources, const Session& previous) {
    Session session = new_session(resources);
    session.headphones = previous.headphones;
    session.next_call_id = previous.next_call_id;
    session.card_reader_missing = previous.card_reader_missing;
    session.pin_pad_missing = previous.pin_pad_missing;
    session.voice_missing = previous.voice_missing;
    session.printer_missing = previous.printer_missing;
    session.dispenser_missing = previous.dispenser_missing;
    session.journal_failed = previous.journal_failed;
    session.paper = previous.paper;
    session.cassettes = previous.cassettes;
    session.dispense_test = previous.dispense_test;
    session.transaction_seed = previous.transaction_seed;
    session.transactions_begun = previous.transactions_begun;
    session.visit = previous.visit + 1;
    session.service_switch_on = previous.service_switch_on;
    session.service_wanted = previous.service_wanted;
    session.out_of_service = previous.out_of_service;
    session.pending_install = previous.pending_install;
    session.restarting = previous.restarting;
    return session;
}

bool has_inactivity_timeout(State state) {
    switch (state) {
        case State::pin_entry:
        case State::menu:
        case State::balance:
        case State::wrong_pin:
        case State::settings:
        case State::sound:
        case State::remember_elder_mode:
        case State::choose_language:
        case State::choose_business:
        case State::business_guidance:
        case State::green_channel:
        case State::ticket:
        case State::queue_unavailable:
        case State::survey:
        case State::not_satisfied:
        case State::complaint_category:
        case State::complaint_consent:
        case State::complaint_filed:
        case State::choose_amount:
        case State::other_amount:
        case State::confirm_withdrawal:
        case State::withdrawal_refused:
        case State::payee_account:
        case State::transfer_amount:
        case State::transfer_warning:
        case State::confirm_transfer:
        case State::transfer_refused:
        case State::transfer_finished:
        case State::more_services:
        case State::statement:
        case State::confirm_card_lock:
        case State::card_lock_failed:
        case State::new_pin_entry:
        case State::new_pin_again:
        case State::pin_not_changed:
        case State::pin_change_finished:
            return true;
        default:
            return false;
    }
}

bool is_cash_state(State state) {
    switch (state) {
        case State::choose_amount:
        case State::other_amount:
        case State::quoting:
        case State::confirm_withdrawal:
        case State::withdrawal_refused:
        case State::withdrawing:
        case State::card_before_cash:
        case State::take_cash:
        case State::securing_cash:
            return true;
        default:
            return false;
    }
}

bool is_transfer_state(State state) {
    switch (state) {
        case State::payee_account:
        case State::transfer_amount:
        case State::transfer_warning:
        case State::confirm_transfer:
        case State::transfer_refused:
        case State::transferring:
        case State::transfer_finished:
            return true;
        default:
            return false;
    }
}

bool is_card_service_state(State state) {
    switch (state) {
        case State::more_services:
        case State::fetching_statement:
        case State::statement:
        case State::confirm_card_lock:
        case State::locking_card:
        case State::card_lock_failed:
        case State::new_pin_requested:
        case State::new_pin_entry:
        case State::new_pin_again:
        case State::changing_pin:
        case State::pin_not_changed:
        case State::pin_change_finished:
            return true;
        default:
            return false;
    }
}

bool awaits_card_service(State state) {
    return state == State::fetching_statement || state == State::locking_card ||
           state == State::changing_pin;
}

bool collects_new_pin(State state) {
    return state == State::new_pin_requested || state == State::new_pin_entry ||
           state == State::new_pin_again;
}

bool is_branch_state(State state) {
    switch (state) {
        case State::choose_language:
        case State::fetching_businesses:
        case State::choose_business:
        case State::business_guidance:
        case State::green_channel:
        case State::issuing_ticket:
        case State::ticket:
        case State::queue_unavailable:
        case State::survey:
        case State::not_satisfied:
        case State::complaint_category:
        case State::complaint_consent:
        case State::filing_complaint:
        case State::complaint_filed:
            return true;
        default:
            return false;
    }
}

bool can_print(const Session& session) {
    return !session.printer_missing && session.paper != PaperLevel::out;
}

int timer_milliseconds(TimerId id, const Resources& resources, const Session& session) {
    const Policy& policy = resources.policy;
    const int factor =
        session.elder_mode || in_audio_mode(session) ? policy.slow_mode_timeout_factor : 1;
    switch (id) {
        case TimerId::inactivity:
            return policy.inactivity_timeout_ms * factor;
        case TimerId::inactivity_warning:
            return policy.inactivity_warning_ms * factor;
        case TimerId::reminder:
            return policy.card_reminder_interval_ms;
        case TimerId::goodbye:
            return policy.goodbye_ms;
        case TimerId::card_read:
            return policy.card_read_timeout_ms;
        case TimerId::pin_pad_ready:
            return policy.pin_pad_ready_timeout_ms;
        case TimerId::service_call:
            return policy.service_call_timeout_ms;
        case TimerId::hesitation:
            return policy.hesitation_ms * factor;
        case TimerId::tour:
            return policy.tour_repeat_ms;
        case TimerId::queue_call:
            return policy.queue_call_timeout_ms;
        case TimerId::cash_wait:
            return policy.cash_wait_ms * factor;
        case TimerId::dispenser:
            return policy.dispenser_timeout_ms;
        case TimerId::service_keys:
            return policy::k_service_keys_window_ms;
        case TimerId::service_idle:
            return session.service && session.service->step != ServiceStep::sign_in &&
                           session.service->step != ServiceStep::locked
                       ? policy::k_service_menu_idle_ms
                       : policy::k_service_sign_in_idle_ms;
        case TimerId::restart:
            return policy::k_restart_announcement_ms;
    }
    return policy.inactivity_timeout_ms;
}

bool can_extend_time(const Resources& resources, const Session& session) {
    return session.timeout_extensions_used < resources.policy.maximum_timeout_extensions;
}

Channel speech_channel(const Session& session) {
    return session.headphones ? Channel::headphones : Channel::speaker;
}

SpeechContext speech_context(const Resources& resources, const Session& session) {
    return SpeechContext{resources, speech_channel(session), session.elder_mode, session.rate_step,
                         session.speaker_chosen};
}

bool offers_forget_elder_mode(const Session& session) {
    return session.elder_mode_remembered && !session.preferences_grant.empty() &&
           !session.pending_save;
}

bool offers_speaker(const Session& session) {
    return speech_channel(session) == Channel::speaker && !session.speaker_chosen;
}

bool in_audio_mode(const Session& session) {
    return session.headphones || session.audio_key_mode;
}

bool is_missing(const Session& session, Device device) {
    switch (device) {
        case Device::card_reader:
            return session.card_reader_missing;
        case Device::pin_pad:
            return session.pin_pad_missing;
        case Device::voice:
            return session.voice_missing;
        case Device::printer:
            return session.printer_missing;
        case Device::dispenser:
            return session.dispenser_missing;
    }
    return false;
}

bool can_take_cards(const Session& session) {
    return !session.card_reader_missing && !session.pin_pad_missing;
}

std::string account_currency(const Session& session) {
    return session.balance ? session.balance->currency : std::string("CNY");
}

Money typed_amount(const Session& session) {
    std::int64_t units = 0;
    for (const char digit : session.amount_digits) {
        units = units * 10 + (digit - '0');
    }
    return Money{units * 100, account_currency(session)};
}

std::vector<Money> withdrawal_amounts(const Session& session) {
    if (!session.account) {
        return {};
    }
    const std::vector<int> presets(policy::k_withdrawal_presets.begin(),
                                   policy::k_withdrawal_presets.end());
    return offered_amounts(
        session.cassettes, session.account->limits, account_currency(session), presets,
        session.elder_mode ? policy::k_elder_withdrawal_presets : presets.size());
}

bool cash_out_of_service(const Session& session) {
    return session.dispenser_missing || session.journal_failed ||
           (session.dispense_test && !is_final(session.dispense_test->step));
}

bool offers_withdrawal(const Session& session) {
    return session.account.has_value() && !cash_out_of_service(session) &&
           smallest_note(session.cassettes, account_currency(session)).has_value() &&
           can_withdraw(session.cassettes, session.account->limits,
                        *smallest_note(session.cassettes, account_currency(session)));
}

bool forget_elder_mode_on_menu(const Session& session) {
    // Balance and "more services" are always there.
    const int services =
        2 + (offers_withdrawal(session) ? 1 : 0) + (offers_transfer(session) ? 1 : 0);
    return !session.elder_mode || services < policy::k_elder_maximum_choices;
}

bool offers_transfer(const Session& session) {
    return session.account.has_value() && !session.journal_failed &&
           session.account->limits.transfer_left_today.minor_units > 0;
}

}  // namespace kiosk::core
