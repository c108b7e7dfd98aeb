// The moves between states (kiosk/core/README.md, "States and events"): each sets the state,
// shows and speaks its screen, and starts or stops what the new state needs.

#include <string>
#include <string_view>
#include <utility>

#include "kiosk/core/flow_steps.h"

namespace kiosk::core::flow_steps {

namespace {

// Whether the session ends because something failed rather than by the customer's choice.
bool is_fault(EndReason reason) {
    switch (reason) {
        case EndReason::pin_locked:
        case EndReason::card_unreadable:
        case EndReason::card_unknown:
        case EndReason::card_blocked:
        case EndReason::service_unavailable:
        case EndReason::pin_pad_failed:
        case EndReason::card_not_accepted:
        case EndReason::card_expired:
        case EndReason::chip_blocked:
        case EndReason::card_reader_failed:
            return true;
        default:
            return false;
    }
}

}  // namespace

void Flow::enter_welcome() {
    begin_new_session();
    show(ScreenId::welcome);
    // A new configuration was installed while a visit or a session went on: the kiosk restarts
    // with it before anyone else begins.
    if (m_session.restarting) {
        restart_kiosk();
    }
}

void Flow::begin_reading_card() {
    // A card may come while the settings or the sound screen wait for an answer.
    cancel_timer(TimerId::tour);
    cancel_timer(TimerId::inactivity);
    m_session.customer_present = true;
    m_session.state = State::reading_card;
    show(ScreenId::reading_card);
    start_timer(TimerId::card_read);
    journal("card_inserted");
}

// Asks the PIN pad to collect the PIN. The prompt waits for the pad's confirmation
// (PinEntryReady): a PIN typed before the pad collects it would travel in the clear.
void Flow::begin_pin_entry() {
    if (!m_session.card) {
        end_session(EndReason::card_unreadable);
        return;
    }
    // No keypad, no PIN: the card goes back at once with the keypad's apology. Staff were told
    // when the pad was lost or refused, so they are not told again for each card.
    if (m_session.pin_pad_missing) {
        journal("pin_entry_unavailable", "the PIN pad is out of service");
        end_session(EndReason::pin_pad_failed);
        return;
    }
    m_session.state = State::waiting_for_pin_pad;
    m_session.pin_digit_count = 0;
    m_session.pin_entry_active = true;
    // The screen left behind (wrong PIN, the time-out warning) took its inactivity time-out
    // with it; the prompt starts its own once the pad is ready.
    cancel_timer(TimerId::inactivity);
    emit(StartPinEntry{m_session.card->pan});
    start_timer(TimerId::pin_pad_ready);
    journal("pin_entry_requested");
}

// Menu, balance and wrong PIN: show the screen and start the inactivity time-out.
void Flow::enter_interactive(State state) {
    m_session.state = state;
    show(screen_for(m_session));
    start_timer(TimerId::inactivity);
}

// Back to where the staff screen or the time-out warning interrupted: a PIN entry starts
// afresh, an interactive screen comes back, and anything else is the welcome screen.
void Flow::resume() {
    const State state = m_session.resume_state;
    switch (state) {
        case State::pin_entry:
            begin_pin_entry();
            return;
        case State::new_pin_entry:
        case State::new_pin_again:
            // The pad erased what was typed: the new PIN is asked for from the start.
            begin_pin_change();
            return;
        case State::settings:
            open_settings();
            return;
        default:
            // The screens that wait for the customer come back as they were; what waited for a
            // device or a service is over, and the welcome screen follows.
            if (has_inactivity_timeout(state)) {
                enter_interactive(state);
                return;
            }
            cancel_timer(TimerId::inactivity);
            m_session.state = State::welcome;
            show(ScreenId::welcome);
            return;
    }
}

void Flow::call_staff_screen(AssistanceReason reason) {
    // From the time-out warning or the sound screen, the way back is where they came from.
    if (m_session.state != State::timeout_warning && m_session.state != State::sound &&
        m_session.state != State::staff_called) {
        m_session.resume_state = m_session.state;
    }
    cancel_pin_entry();
    // The session is kept safe while the customer waits: no time-out ends it meanwhile.
    cancel_timer(TimerId::inactivity);
    cancel_timer(TimerId::inactivity_warning);
    place_staff_call(reason);
    m_session.state = State::staff_called;
    show(screen_for(m_session));
}

void Flow::warn_of_timeout() {
    m_session.resume_state = m_session.state;
    cancel_pin_entry();
    m_session.state = State::timeout_warning;
    emit(Tone{ToneKind::attention});
    show(ScreenId::timeout_warning);
    start_timer(TimerId::inactivity_warning);
    journal("timeout_warning",
            "extensions used " + std::to_string(m_session.timeout_extensions_used));
}

void Flow::extend_time() {
    ++m_session.timeout_extensions_used;
    cancel_timer(TimerId::inactivity_warning);
    journal("timeout_extended",
            "extensions used " + std::to_string(m_session.timeout_extensions_used));
    resume();
}

// Returns the card and explains why; reminders follow until it is taken.
void Flow::end_session(EndReason reason) {
    release_session();
    m_session.end_reason = reason;
    m_session.state = State::returning_card;
    m_session.reminders_given = 0;
    emit(EjectCard{});
    emit(Tone{is_fault(reason) ? ToneKind::error : ToneKind::attention});
    show(screen_for(m_session));
    // The first reminder comes an interval after this screen has been said to its end
    // (SpeechEnded): it never cuts the explanation short.
    journal("session_ended", std::string(to_string(reason)));
}

// The PIN pad failed or never confirmed. A fault is reported to staff at once
// (docs/service-standards.md, "Emergencies").
void Flow::fail_pin_pad(std::string reason) {
    journal("pin_entry_failed", std::move(reason));
    notify_staff("PIN pad failure");
    end_session(EndReason::pin_pad_failed);
}

// The account service is down, slow or answered nonsense; `what` says which, for the staff.
void Flow::fail_service(std::string_view what) {
    notify_staff("account service " + std::string(what));
    end_session(EndReason::service_unavailable);
}

void Flow::say_goodbye() {
    release_session();
    m_session.state = State::goodbye;
    show(ScreenId::goodbye);
    start_timer(TimerId::goodbye);
}

void Flow::after_verification(const std::optional<CardPreferences>& preferences) {
    if (preferences) {
        m_session.preferences_grant = preferences->grant;
    }
    const bool remembered = preferences && preferences->elder_mode;
    m_session.elder_mode_remembered = remembered;
    if (remembered && !m_session.elder_mode) {
        m_session.elder_mode = true;
        journal("elder_mode", "remembered");
        speak_phrase("remember_elder_mode.applied");
    }
    if (m_session.elder_mode && !remembered && preferences && !preferences->grant.empty()) {
        enter_interactive(State::remember_elder_mode);
        return;
    }
    enter_interactive(State::menu);
}

void Flow::start_audio_mode() {
    m_session.audio_key_mode = true;
    journal("audio_mode", "key");
    // The screen again, with what the keys do; on the welcome screen first the tour.
    if (m_session.state == State::welcome) {
        speak_screen_again({"audio.key_on", "audio.orientation"});
    } else {
        speak_screen_again({"audio.key_on"});
    }
    restart_inactivity_if_running();
}

void Flow::open_sound_screen() {
    m_session.resume_state = m_session.state;
    m_session.state = State::sound;
    show(ScreenId::sound);
    start_timer(TimerId::inactivity);
}

void Flow::open_settings() {
    m_session.state = State::settings;
    show(ScreenId::settings);
    start_timer(TimerId::inactivity);
}

void Flow::lose_device(Device device) {
    const std::string name(to_string(device));
    journal("device_missing", name);
    notify_staff(name + " missing");
    switch (device) {
        case Device::card_reader:
            m_session.card_reader_missing = true;
            break;
        case Device::pin_pad:
            m_session.pin_pad_missing = true;
            break;
        case Device::voice:
            m_session.voice_missing = true;
            break;
        case Device::printer:
            m_session.printer_missing = true;
            break;
        case Device::dispenser:
            m_session.dispenser_missing = true;
            break;
    }
    const State state = m_session.state;
    if (withdrawal_in_flight() || state == State::transferring || state == State::locking_card ||
        state == State::changing_pin) {
        // Money is moving: the withdrawal or transfer runs to its end (or is undone) before
        // anything else, and the customer hears what became of it.
        return;
    }
    if (device == Device::printer && m_session.pending_print) {
        // The slip will not come: the ticket is shown and said without it.
        cancel_timer(TimerId::queue_call);
        show_ticket(PrintResult::failed);
        return;
    }
    if (device == Device::card_reader && card_in_kiosk()) {
        // The card is inside a reader that is gone: staff bring it back; the session ends.
        release_session();
        m_session.end_reason = EndReason::card_reader_failed;
        m_session.state = State::goodbye;
        emit(Tone{ToneKind::error});
        show(ScreenId::error_card_reader);
        start_timer(TimerId::goodbye);
        journal("session_ended", std::string(to_string(EndReason::card_reader_failed)));
        return;
    }
    if (device == Device::pin_pad && card_in_kiosk() && state != State::returning_card) {
        // Without the keypad the customer can go no further: the card comes back.
        fail_pin_pad("the PIN pad went away");
        return;
    }
    // Otherwise the screen shows what is missing and what is not offered now.
    if (state == State::welcome || device == Device::voice) {
        refresh(screen_for(m_session));
        say(speech_script(m_session.screen, speech_context()));
    }
}

void Flow::regain_device(Device device) {
    const std::string name(to_string(device));
    journal("device_returned", name);
    switch (device) {
        case Device::card_reader:
            m_session.card_reader_missing = false;
            break;
        case Device::pin_pad:
            m_session.pin_pad_missing = false;
            break;
        case Device::voice:
            m_session.voice_missing = false;
            break;
        case Device::printer:
            m_session.printer_missing = false;
            break;
        case Device::dispenser:
            m_session.dispenser_missing = false;
            break;
    }
    if (m_session.state == State::welcome || device == Device::voice) {
        show(screen_for(m_session));
    }
}

void Flow::choose_locale(const std::string& locale) {
    m_session.locale = locale;
    m_session.locale_chosen = true;
    journal("locale_chosen", locale);
    show(ScreenId::welcome);
}

}  // namespace kiosk::core::flow_steps
