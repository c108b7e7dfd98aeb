// Key handling. The keys that mean the same on many screens are decided once, in this order:
// help, the repeat key, Cancel; then each screen's own keys (screens.h holds the key map the
// screens show).

#include <optional>

#include "kiosk/core/flow_steps.h"

namespace kiosk::core::flow_steps {

namespace {

// The screens where the repeat key says the screen again; on the others every key already has a
// meaning (any key leaves the staff screen), or digits are not reported at all around PIN
// entry (docs/protocols/epp.md §4.3).
bool repeats_on_zero(State state) {
    switch (state) {
        case State::welcome:
        case State::menu:
        case State::balance:
        case State::wrong_pin:
        case State::timeout_warning:
        case State::returning_card:
        case State::goodbye:
            return true;
        case State::reading_card:
        case State::waiting_for_pin_pad:
        case State::pin_entry:
        case State::verifying:
        case State::staff_called:
            return false;
    }
    return false;
}

// What Cancel ends the session as. Before the balance is shown the customer gave up; once they
// have it, or are asked whether they need more time, they are done and are thanked. On the
// welcome screen there is nothing to cancel, any key leaves the staff screen, and once the card
// is on its way out every key repeats what to do.
std::optional<EndReason> cancel_reason(State state) {
    switch (state) {
        case State::reading_card:
        case State::waiting_for_pin_pad:
        case State::pin_entry:
        case State::verifying:
        case State::wrong_pin:
            return EndReason::cancelled;
        case State::menu:
        case State::balance:
        case State::timeout_warning:
            return EndReason::finished;
        case State::welcome:
        case State::staff_called:
        case State::returning_card:
        case State::goodbye:
            return std::nullopt;
    }
    return std::nullopt;
}

// The wrong PIN screen offers its way out on the Cancel key, which cancel_reason() handles.
static_assert(k_wrong_pin_cancel_key == base::Key::cancel);

}  // namespace

void Flow::handle(const KeyPressed& event) {
    // Any key stops current speech (EN 301 549 5.1.3.5); what follows may speak anew.
    emit(StopSpeech{});
    const base::Key key = event.key;
    if (key == base::Key::help) {
        help_key();
        return;
    }
    if (key == k_repeat_key && repeats_on_zero(m_session.state)) {
        accept_key();
        speak_screen_again();
        note_activity();
        return;
    }
    if (key == base::Key::cancel) {
        if (const std::optional<EndReason> reason = cancel_reason(m_session.state)) {
            accept_key();
            end_session(*reason);
            return;
        }
    }
    switch (m_session.state) {
        case State::welcome:
            welcome_key(key);
            return;
        case State::reading_card:
        case State::waiting_for_pin_pad:
        case State::verifying:
            // The customer waits for a device or the service: they hear again what is happening.
            reject_key();
            speak_screen_again();
            return;
        case State::pin_entry:
            // The PIN pad holds the keys during entry; a key that reaches the kiosk anyway means
            // nothing here beyond help and Cancel, which still end the entry.
            reject_key();
            return;
        case State::menu:
            menu_key(key);
            return;
        case State::balance:
            balance_key(key);
            return;
        case State::wrong_pin:
            wrong_pin_key(key);
            return;
        case State::staff_called:
            accept_key();
            journal("staff_screen_left");
            resume();
            return;
        case State::timeout_warning:
            timeout_warning_key(key);
            return;
        case State::returning_card:
            // Any key repeats what to do.
            accept_key();
            speak_screen_again();
            return;
        case State::goodbye:
            accept_key();
            return;
    }
}

void Flow::accept_key() {
    emit(Tone{ToneKind::key});
}

void Flow::reject_key() {
    emit(Tone{ToneKind::error});
    // A wrong key is still activity: the customer is there.
    note_activity();
}

void Flow::help_key() {
    accept_key();
    switch (m_session.state) {
        case State::welcome:
        case State::pin_entry:
        case State::menu:
        case State::balance:
        case State::wrong_pin:
        case State::timeout_warning:
            call_staff_screen();
            return;
        case State::staff_called:
            speak_screen_again();
            return;
        case State::reading_card:
        case State::waiting_for_pin_pad:
        case State::verifying:
        case State::returning_card:
        case State::goodbye:
            // A screen that is waiting for a device or the service stays; the customer
            // hears that help is on the way.
            notify_staff_of_help();
            speak_phrase("staff_called.notified");
            return;
    }
}

void Flow::welcome_key(base::Key key) {
    if (const auto locale = welcome_locale_for_key(key, m_resources)) {
        accept_key();
        choose_locale(*locale);
    } else if (key == k_welcome_elder_mode_key) {
        accept_key();
        m_session.elder_mode = !m_session.elder_mode;
        journal("elder_mode", m_session.elder_mode ? "on" : "off");
        show(ScreenId::welcome);
    } else {
        reject_key();
    }
}

void Flow::menu_key(base::Key key) {
    if (key == k_menu_balance_key) {
        accept_key();
        enter_interactive(State::balance);
        journal("balance_shown");
    } else if (key == k_menu_take_card_key) {
        accept_key();
        end_session(EndReason::finished);
    } else if (key == k_menu_call_staff_key) {
        accept_key();
        call_staff_screen();
    } else {
        reject_key();
    }
}

void Flow::balance_key(base::Key key) {
    if (key == k_balance_back_key) {
        accept_key();
        enter_interactive(State::menu);
    } else if (key == k_balance_take_card_key) {
        accept_key();
        end_session(EndReason::finished);
    } else {
        reject_key();
    }
}

void Flow::wrong_pin_key(base::Key key) {
    if (key == k_wrong_pin_retry_key) {
        accept_key();
        begin_pin_entry();
    } else {
        reject_key();
    }
}

void Flow::timeout_warning_key(base::Key key) {
    if (key == k_timeout_extend_key && can_extend_time(m_resources, m_session)) {
        accept_key();
        extend_time();
    } else {
        reject_key();
    }
}

}  // namespace kiosk::core::flow_steps
