// Card services (kiosk/core/README.md, "Card services"), from the menu's "more services": the
// account's latest entries, a card lock (a temporary loss report, confirmed with a key of its
// own), and a PIN change. The new PIN is typed twice on the PIN pad, which compares the two
// entries itself and gives the kiosk only the enciphered block of the new PIN: the kiosk never
// sees either entry.

#include <string>
#include <utility>

#include "kiosk/core/flow_steps.h"

namespace kiosk::core::flow_steps {

bool Flow::card_service_key(base::Key key) {
    switch (m_session.state) {
        case State::more_services:
            more_services_key(key);
            return true;
        case State::statement:
            if (key == k_statement_back_key) {
                accept_key();
                leave_card_services();
            } else if (key == k_statement_take_card_key) {
                accept_key();
                end_session(EndReason::finished);
            } else if (key == k_statement_aloud_key && offers_speaker(m_session) &&
                       !m_session.statement.empty()) {
                accept_key();
                choose_speaker();
            } else {
                reject_key();
            }
            return true;
        case State::confirm_card_lock:
            if (key == k_lock_confirm_key) {
                accept_key();
                cancel_timer(TimerId::inactivity);
                cancel_timer(TimerId::hesitation);
                start_account_call(LockCard{});
                m_session.state = State::locking_card;
                show(ScreenId::locking_card);
                journal("card_lock_requested");
            } else if (key == k_lock_back_key) {
                accept_key();
                journal("card_lock_not_wanted");
                enter_interactive(State::more_services);
            } else {
                reject_key();
            }
            return true;
        case State::new_pin_requested:
        case State::new_pin_entry:
        case State::new_pin_again:
            // The PIN pad holds the keys while it collects; Cancel reaching the kiosk still
            // ends the entry, with nothing changed.
            if (key == k_new_pin_back_key) {
                accept_key();
                cancel_timer(TimerId::pin_pad_ready);
                cancel_pin_entry();
                journal("pin_change_not_wanted");
                enter_interactive(State::more_services);
            } else {
                reject_key();
            }
            return true;
        case State::pin_not_changed:
            if (key == k_pin_change_again_key) {
                accept_key();
                begin_pin_change();
            } else if (key == k_pin_change_back_key) {
                accept_key();
                leave_card_services();
            } else {
                reject_key();
            }
            return true;
        case State::card_lock_failed:
        case State::pin_change_finished:
            if (key == k_finished_menu_key) {
                accept_key();
                leave_card_services();
            } else if (key == k_finished_take_card_key) {
                accept_key();
                end_session(EndReason::finished);
            } else {
                reject_key();
            }
            return true;
        case State::fetching_statement:
        case State::locking_card:
        case State::changing_pin:
            // The service is asked: every key says again what is happening.
            reject_key();
            speak_screen_again();
            return true;
        default:
            return false;
    }
}

void Flow::more_services_key(base::Key key) {
    if (key == k_more_statement_key) {
        accept_key();
        cancel_timer(TimerId::inactivity);
        cancel_timer(TimerId::hesitation);
        m_session.statement.clear();
        m_session.statement_unavailable = false;
        start_account_call(RequestStatement{});
        m_session.state = State::fetching_statement;
        show(ScreenId::fetching_statement);
        journal("statement_requested");
    } else if (key == k_more_change_pin_key) {
        accept_key();
        begin_pin_change();
    } else if (key == k_more_lock_card_key) {
        accept_key();
        enter_interactive(State::confirm_card_lock);
    } else if (key == k_more_forget_elder_mode_key && offers_forget_elder_mode(m_session) &&
               !forget_elder_mode_on_menu(m_session)) {
        // Elder mode stays on for this visit; only the card's remembered choice goes.
        accept_key();
        save_elder_mode(false);
        m_session.elder_mode_remembered = false;
        refresh(ScreenId::more_services);
    } else if (key == k_more_back_key) {
        accept_key();
        leave_card_services();
    } else {
        reject_key();
    }
}

// Back to the menu: the statement shown and a PIN change's outcome are forgotten.
void Flow::leave_card_services() {
    m_session.statement.clear();
    m_session.statement_unavailable = false;
    m_session.pin_change.reset();
    enter_interactive(State::menu);
}

// Asks the PIN pad to collect a new PIN twice. As at sign-on, the prompt waits for the pad's
// confirmation (PinEntryReady).
void Flow::begin_pin_change() {
    if (!m_session.card || is_missing(m_session, Device::pin_pad)) {
        fail_pin_pad("no PIN pad for a new PIN");
        return;
    }
    cancel_timer(TimerId::inactivity);
    cancel_timer(TimerId::hesitation);
    m_session.pin_change.reset();
    m_session.pin_digit_count = 0;
    m_session.pin_entry_active = true;
    m_session.state = State::new_pin_requested;
    emit(StartPinEntry{m_session.card->pan, PinPurpose::new_pin});
    start_timer(TimerId::pin_pad_ready);
    journal("pin_change_started");
}

void Flow::handle(const NewPinAgain&) {
    m_session.pin_digit_count = 0;
    m_session.state = State::new_pin_again;
    emit(Tone{ToneKind::attention});
    show(ScreenId::new_pin_again);
    start_timer(TimerId::inactivity);
    journal("new_pin_again");
}

void Flow::handle(const NewPinsDiffer&) {
    m_session.pin_entry_active = false;
    finish_pin_change(PinChangeOutcome::entries_differ);
}

// The pad made the new PIN's block, after the same PIN twice: the account service replaces
// the card's PIN with it.
void Flow::change_pin(const EncryptedPinBlock& block) {
    m_session.pin_entry_active = false;
    m_session.pin_digit_count = 0;
    cancel_timer(TimerId::inactivity);
    start_account_call(ChangePin{m_session.card->pan, block});
    m_session.state = State::changing_pin;
    show(ScreenId::changing_pin);
    journal("pin_change_requested");
}

void Flow::finish_pin_change(PinChangeOutcome outcome) {
    m_session.pin_change = outcome;
    m_session.pin_digit_count = 0;
    journal(outcome == PinChangeOutcome::changed ? "pin_changed" : "pin_not_changed",
            std::string(to_string(outcome)));
    emit(Tone{outcome == PinChangeOutcome::changed ? ToneKind::attention : ToneKind::error});
    const bool final = outcome == PinChangeOutcome::changed || outcome == PinChangeOutcome::unknown;
    enter_interactive(final ? State::pin_change_finished : State::pin_not_changed);
}

void Flow::card_service_answered(const MoneyReply& reply) {
    const State state = m_session.state;
    if (reply.status == MoneyStatus::session_refused) {
        fail_service("session ended");
        return;
    }
    if (state == State::fetching_statement) {
        m_session.statement_unavailable = reply.status != MoneyStatus::ok;
        if (reply.status == MoneyStatus::ok) {
            m_session.statement = reply.entries;
            m_session.service_given = ServiceKind::balance;
        }
        journal("statement_shown", m_session.statement_unavailable
                                       ? std::string(to_string(reply.status))
                                       : std::to_string(reply.entries.size()) + " entries");
        enter_interactive(State::statement);
    } else if (state == State::locking_card) {
        if (reply.status == MoneyStatus::ok) {
            // The lock ended the account service's session: the card comes back, locked, with
            // the reference to quote at the counter.
            // It is the lock's, about no one, and outlives the session until the next customer.
            journal("card_locked", reply.card_lock_reference);
            m_session.card_lock_reference = reply.card_lock_reference;
            end_session(EndReason::card_locked);
            return;
        }
        // Not locked, or not known whether: a customer who wants a card locked may be the
        // victim of a theft or a fraud, so a member of staff is called at once.
        journal("card_lock_failed", std::string(to_string(reply.status)));
        emit(Tone{ToneKind::error});
        place_staff_call(AssistanceReason::customer_request);
        enter_interactive(State::card_lock_failed);
    } else if (state == State::changing_pin) {
        switch (reply.status) {
            case MoneyStatus::ok:
                finish_pin_change(PinChangeOutcome::changed);
                return;
            case MoneyStatus::pin_not_allowed:
                finish_pin_change(PinChangeOutcome::not_allowed);
                return;
            case MoneyStatus::unavailable:
                finish_pin_change(PinChangeOutcome::unavailable);
                return;
            default:
                // No answer, or one that cannot be trusted: the PIN may have changed. Asking
                // again would not tell (the same PIN twice is refused as "the same as now").
                finish_pin_change(PinChangeOutcome::unknown);
                return;
        }
    }
}

}  // namespace kiosk::core::flow_steps
