#include "kiosk/core/flow.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "kiosk/core/screens.h"
#include "kiosk/core/speech_script.h"

namespace kiosk::core {

namespace {

// Maps the card's EMV language preference (tag 5F2D: ISO 639-1 codes, most preferred first) to
// the first locale the kiosk has.
std::optional<std::string> locale_from_preference(std::string_view preference,
                                                  const Resources& resources) {
    for (std::size_t position = 0; position + 2 <= preference.size(); position += 2) {
        std::string code(preference.substr(position, 2));
        for (char& character : code) {
            if (character >= 'A' && character <= 'Z') {
                character = static_cast<char>(character - 'A' + 'a');
            }
        }
        std::string locale;
        if (code == "zh") {
            // A Chinese card keeps a Chinese kiosk's own variety (Cantonese in Hong Kong).
            locale = resources.default_locale.starts_with("zh") ? resources.default_locale
                                                                : std::string("zh-CN");
        } else if (code == "en") {
            locale = "en";
        }
        if (!locale.empty() && resources.has_locale(locale)) {
            return locale;
        }
    }
    return std::nullopt;
}

// Whether the session ends because something failed rather than by the customer's choice.
bool is_fault(EndReason reason) {
    switch (reason) {
        case EndReason::pin_locked:
        case EndReason::card_unreadable:
        case EndReason::card_unknown:
        case EndReason::service_unavailable:
        case EndReason::pin_pad_failed:
            return true;
        default:
            return false;
    }
}

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

// One event's worth of work: the session being changed and the effects collected so far.
class Flow {
  public:
    Flow(const Resources& resources, Session session)
        : m_resources(resources), m_session(std::move(session)) {}

    Step finish() && { return Step{std::move(m_session), std::move(m_effects)}; }

    void handle(const Started& event);
    void handle(const KeyPressed& event);
    void handle(const CardInserted& event);
    void handle(const CardRead& event);
    void handle(const CardReadFailed& event);
    void handle(const CardRemoved& event);
    void handle(const PinEntryReady& event);
    void handle(const PinDigitEntered& event);
    void handle(const PinCleared& event);
    void handle(const PinEntered& event);
    void handle(const PinEntryCancelled& event);
    void handle(const PinEntryFailed& event);
    void handle(const DeviceFailed& event);
    void handle(const HeadphonesPlugged& event);
    void handle(const HeadphonesUnplugged& event);
    void handle(const ReplyReceived& event);
    void handle(const TimerFired& event);

  private:
    // --- building blocks -------------------------------------------------------------------
    void emit(Effect effect) { m_effects.push_back(std::move(effect)); }

    void journal(std::string_view event, std::string detail = {}) {
        emit(Journal{std::string(event), std::move(detail)});
    }

    void unexpected(std::string_view event_name) {
        std::string detail(event_name);
        detail += " in state ";
        detail += to_string(m_session.state);
        journal("event_ignored", std::move(detail));
    }

    SpeechContext speech_context() const {
        return SpeechContext{m_resources, speech_channel(m_session), m_session.elder_mode};
    }

    // Shows a screen and speaks the same model.
    void show(ScreenId id) {
        m_session.screen = build_screen(id, m_resources, m_session);
        emit(Show{m_session.screen});
        emit(Speak{speech_script(m_session.screen, speech_context())});
    }

    // Shows the screen again without speaking it (the PIN field's dots).
    void refresh(ScreenId id) {
        m_session.screen = build_screen(id, m_resources, m_session);
        emit(Show{m_session.screen});
    }

    // Speaks the current screen again, after the given catalog phrases.
    void speak_screen_again(std::initializer_list<std::string_view> phrase_keys = {}) {
        const SpeechContext context = speech_context();
        const Catalog& catalog = m_resources.catalog(m_session.locale);
        std::vector<Utterance> utterances;
        for (const std::string_view key : phrase_keys) {
            utterances.push_back(phrase_utterance(catalog.text(key), m_session.locale, context));
        }
        for (Utterance& utterance : speech_script(m_session.screen, context)) {
            utterances.push_back(std::move(utterance));
        }
        emit(Speak{std::move(utterances)});
    }

    void speak_phrase(std::string_view key) {
        const std::string text = m_resources.catalog(m_session.locale).text(key);
        emit(Speak{{phrase_utterance(text, m_session.locale, speech_context())}});
    }

    bool timer_running(TimerId id) const {
        return std::ranges::find(m_session.running_timers, id) != m_session.running_timers.end();
    }

    void start_timer(TimerId id) {
        if (!timer_running(id)) {
            m_session.running_timers.push_back(id);
        }
        emit(StartTimer{id, timer_milliseconds(id, m_resources, m_session)});
    }

    void cancel_timer(TimerId id) {
        if (timer_running(id)) {
            std::erase(m_session.running_timers, id);
            emit(CancelTimer{id});
        }
    }

    void cancel_all_timers() {
        const std::vector<TimerId> running = m_session.running_timers;
        for (const TimerId id : running) {
            cancel_timer(id);
        }
    }

    // The PIN pad was asked to collect, and the entry has not ended: its refusal, failure or
    // cancellation can still come.
    bool collecting_or_about_to() const {
        return m_session.pin_entry_active && (m_session.state == State::pin_entry ||
                                              m_session.state == State::waiting_for_pin_pad);
    }

    void cancel_pin_entry() {
        if (m_session.pin_entry_active) {
            m_session.pin_entry_active = false;
            emit(CancelPinEntry{});
        }
    }

    void cancel_call() {
        if (m_session.pending_call) {
            emit(CancelCall{*m_session.pending_call});
            m_session.pending_call.reset();
        }
    }

    void notify_staff(std::string reason) {
        journal("staff_notified", reason);
        emit(NotifyStaff{std::move(reason)});
    }

    // Personal data leaves the session as soon as the card does (docs/service-standards.md,
    // "Privacy").
    void wipe_customer_data() {
        m_session.card.reset();
        m_session.balance.reset();
        m_session.pin_digit_count = 0;
        m_session.pin_tries_left.reset();
    }

    // --- transitions -------------------------------------------------------------------------
    void enter_welcome() {
        m_session = new_session(m_resources, m_session);
        show(ScreenId::welcome);
    }

    void begin_reading_card() {
        m_session.state = State::reading_card;
        show(ScreenId::reading_card);
        start_timer(TimerId::card_read);
        journal("card_inserted");
    }

    // Asks the PIN pad to collect the PIN. The prompt waits for the pad's confirmation
    // (PinEntryReady): a PIN typed before the pad collects it would travel in the clear.
    void begin_pin_entry() {
        if (!m_session.card) {
            end_session(EndReason::card_unreadable);
            return;
        }
        m_session.state = State::waiting_for_pin_pad;
        m_session.pin_digit_count = 0;
        m_session.pin_entry_active = true;
        emit(StartPinEntry{m_session.card->pan});
        start_timer(TimerId::pin_pad_ready);
        journal("pin_entry_requested");
    }

    // Menu, balance and wrong PIN: show the screen and start the inactivity time-out.
    void enter_interactive(State state) {
        m_session.state = state;
        show(screen_for(m_session));
        start_timer(TimerId::inactivity);
    }

    void resume() {
        const State state = m_session.resume_state;
        switch (state) {
            case State::pin_entry:
                begin_pin_entry();
                return;
            case State::menu:
            case State::balance:
            case State::wrong_pin:
                enter_interactive(state);
                return;
            default:
                m_session.state = State::welcome;
                show(ScreenId::welcome);
                return;
        }
    }

    void call_staff_screen() {
        m_session.resume_state =
            m_session.state == State::timeout_warning ? m_session.resume_state : m_session.state;
        cancel_pin_entry();
        // The session is kept safe while the customer waits: no time-out ends it meanwhile.
        cancel_timer(TimerId::inactivity);
        cancel_timer(TimerId::inactivity_warning);
        notify_staff("customer asked for help on the " + m_session.screen.id + " screen");
        m_session.state = State::staff_called;
        show(ScreenId::staff_called);
    }

    void warn_of_timeout() {
        m_session.resume_state = m_session.state;
        cancel_pin_entry();
        m_session.state = State::timeout_warning;
        emit(Tone{ToneKind::attention});
        show(ScreenId::timeout_warning);
        start_timer(TimerId::inactivity_warning);
        journal("timeout_warning",
                "extensions used " + std::to_string(m_session.timeout_extensions_used));
    }

    void extend_time() {
        ++m_session.timeout_extensions_used;
        cancel_timer(TimerId::inactivity_warning);
        journal("timeout_extended",
                "extensions used " + std::to_string(m_session.timeout_extensions_used));
        resume();
    }

    // Returns the card and explains why; reminders follow until it is taken.
    void end_session(EndReason reason) {
        cancel_pin_entry();
        cancel_call();
        cancel_all_timers();
        wipe_customer_data();
        m_session.end_reason = reason;
        m_session.state = State::returning_card;
        m_session.reminders_given = 0;
        emit(EjectCard{});
        emit(Tone{is_fault(reason) ? ToneKind::error : ToneKind::attention});
        show(screen_for(m_session));
        start_timer(TimerId::reminder);
        journal("session_ended", std::string(to_string(reason)));
    }

    void say_goodbye() {
        cancel_pin_entry();
        cancel_call();
        cancel_all_timers();
        wipe_customer_data();
        m_session.state = State::goodbye;
        show(ScreenId::goodbye);
        start_timer(TimerId::goodbye);
    }

    void choose_locale(const std::string& locale) {
        m_session.locale = locale;
        m_session.locale_chosen = true;
        journal("locale_chosen", locale);
        show(ScreenId::welcome);
    }

    // --- key handling per screen -----------------------------------------------------------
    void accept_key() { emit(Tone{ToneKind::key}); }

    void reject_key() {
        emit(Tone{ToneKind::error});
        // A wrong key is still activity: the customer is there.
        if (has_inactivity_timeout(m_session.state)) {
            start_timer(TimerId::inactivity);
        }
    }

    void welcome_key(base::Key key) {
        if (const auto locale = welcome_locale_for_key(key, m_resources)) {
            accept_key();
            choose_locale(*locale);
        } else if (key == welcome_elder_mode_key) {
            accept_key();
            m_session.elder_mode = !m_session.elder_mode;
            journal("elder_mode", m_session.elder_mode ? "on" : "off");
            show(ScreenId::welcome);
        } else {
            reject_key();
        }
    }

    void menu_key(base::Key key) {
        if (key == menu_balance_key) {
            accept_key();
            enter_interactive(State::balance);
            journal("balance_shown");
        } else if (key == menu_take_card_key || key == base::Key::cancel) {
            accept_key();
            end_session(EndReason::finished);
        } else if (key == menu_call_staff_key) {
            accept_key();
            call_staff_screen();
        } else {
            reject_key();
        }
    }

    void balance_key(base::Key key) {
        if (key == balance_back_key) {
            accept_key();
            enter_interactive(State::menu);
        } else if (key == balance_take_card_key || key == base::Key::cancel) {
            accept_key();
            end_session(EndReason::finished);
        } else {
            reject_key();
        }
    }

    void wrong_pin_key(base::Key key) {
        if (key == wrong_pin_retry_key) {
            accept_key();
            begin_pin_entry();
        } else if (key == wrong_pin_cancel_key) {
            accept_key();
            end_session(EndReason::cancelled);
        } else {
            reject_key();
        }
    }

    void timeout_warning_key(base::Key key) {
        if (key == timeout_extend_key && can_extend_time(m_resources, m_session)) {
            accept_key();
            extend_time();
        } else if (key == base::Key::cancel) {
            accept_key();
            end_session(EndReason::finished);
        } else {
            emit(Tone{ToneKind::error});
        }
    }

    void help_key() {
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
                notify_staff("customer asked for help on the " + m_session.screen.id + " screen");
                speak_phrase("staff_called.notified");
                return;
        }
    }

    const Resources& m_resources;
    Session m_session;
    std::vector<Effect> m_effects;
};

void Flow::handle(const Started&) {
    m_session = new_session(m_resources, m_session);
    // A fresh start knows nothing of the jack: the shell reports headphones found at start-up.
    m_session.audio_mode = false;
    journal("kiosk_started");
    show(ScreenId::welcome);
}

void Flow::handle(const KeyPressed& event) {
    // Any key stops current speech (EN 301 549 5.1.3.5); what follows may speak anew.
    emit(StopSpeech{});
    const base::Key key = event.key;
    if (key == base::Key::help) {
        help_key();
        return;
    }
    if (key == repeat_key && repeats_on_zero(m_session.state)) {
        accept_key();
        speak_screen_again();
        if (has_inactivity_timeout(m_session.state)) {
            start_timer(TimerId::inactivity);
        }
        return;
    }
    switch (m_session.state) {
        case State::welcome:
            welcome_key(key);
            return;
        case State::reading_card:
        case State::waiting_for_pin_pad:
        case State::verifying:
            if (key == base::Key::cancel) {
                accept_key();
                end_session(EndReason::cancelled);
            } else {
                emit(Tone{ToneKind::error});
                speak_screen_again();
            }
            return;
        case State::pin_entry:
            // The PIN pad holds the keys during entry; a Cancel that reaches the kiosk anyway
            // still ends the entry.
            if (key == base::Key::cancel) {
                accept_key();
                end_session(EndReason::cancelled);
            } else {
                reject_key();
            }
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

void Flow::handle(const CardInserted&) {
    switch (m_session.state) {
        case State::welcome:
            begin_reading_card();
            return;
        case State::staff_called:
            if (m_session.resume_state == State::welcome) {
                begin_reading_card();
                return;
            }
            break;
        case State::goodbye:
            // The next customer is already here: start afresh without waiting for the timer.
            cancel_all_timers();
            m_session = new_session(m_resources, m_session);
            begin_reading_card();
            return;
        default:
            break;
    }
    unexpected("CardInserted");
}

void Flow::handle(const CardRead& event) {
    if (m_session.state != State::reading_card) {
        unexpected("CardRead");
        return;
    }
    cancel_timer(TimerId::card_read);
    m_session.card = event.card;
    journal("card_read");
    if (!m_session.locale_chosen) {
        if (const auto locale = locale_from_preference(event.card.language_preference, m_resources);
            locale && *locale != m_session.locale) {
            m_session.locale = *locale;
            journal("locale_from_card", *locale);
        }
    }
    begin_pin_entry();
}

void Flow::handle(const CardReadFailed& event) {
    if (m_session.state != State::reading_card) {
        unexpected("CardReadFailed");
        return;
    }
    journal("card_read_failed", event.reason);
    end_session(EndReason::card_unreadable);
}

void Flow::handle(const CardRemoved&) {
    switch (m_session.state) {
        case State::welcome:
        case State::goodbye:
            unexpected("CardRemoved");
            return;
        case State::staff_called:
            if (m_session.resume_state == State::welcome) {
                unexpected("CardRemoved");
                return;
            }
            break;
        case State::returning_card:
            journal("card_taken");
            say_goodbye();
            return;
        default:
            break;
    }
    // Pulled out mid-session: cancel everything and close the session.
    journal("card_removed", std::string(to_string(m_session.state)));
    m_session.end_reason = EndReason::card_removed;
    say_goodbye();
}

void Flow::handle(const PinEntryReady&) {
    if (m_session.state != State::waiting_for_pin_pad || !m_session.pin_entry_active) {
        unexpected("PinEntryReady");
        return;
    }
    cancel_timer(TimerId::pin_pad_ready);
    m_session.state = State::pin_entry;
    show(ScreenId::pin_entry);
    start_timer(TimerId::inactivity);
    journal("pin_entry_started");
}

void Flow::handle(const PinDigitEntered& event) {
    if (m_session.state != State::pin_entry || !m_session.pin_entry_active) {
        unexpected("PinDigitEntered");
        return;
    }
    m_session.pin_digit_count = std::clamp(event.count, 0, policy::maximum_pin_digits);
    emit(StopSpeech{});
    refresh(ScreenId::pin_entry);
    emit(Tone{ToneKind::digit});
    start_timer(TimerId::inactivity);
}

void Flow::handle(const PinCleared&) {
    if (m_session.state != State::pin_entry || !m_session.pin_entry_active) {
        unexpected("PinCleared");
        return;
    }
    m_session.pin_digit_count = 0;
    emit(StopSpeech{});
    refresh(ScreenId::pin_entry);
    emit(Tone{ToneKind::key});
    speak_phrase("pin_entry.cleared");
    start_timer(TimerId::inactivity);
}

void Flow::handle(const PinEntered& event) {
    if (m_session.state != State::pin_entry || !m_session.pin_entry_active) {
        unexpected("PinEntered");
        return;
    }
    m_session.pin_entry_active = false;
    cancel_timer(TimerId::inactivity);
    if (!m_session.card) {
        end_session(EndReason::card_unreadable);
        return;
    }
    const std::uint64_t call_id = m_session.next_call_id++;
    m_session.pending_call = call_id;
    emit(Call{call_id, BalanceRequest{m_session.card->pan, event.block}});
    m_session.state = State::verifying;
    show(ScreenId::verifying);
    start_timer(TimerId::service_call);
    journal("balance_requested", "call " + std::to_string(call_id));
}

void Flow::handle(const PinEntryCancelled&) {
    if (!collecting_or_about_to()) {
        // Also the PIN pad's answer to our own CancelPinEntry: nothing more to do.
        unexpected("PinEntryCancelled");
        return;
    }
    m_session.pin_entry_active = false;
    end_session(EndReason::cancelled);
}

void Flow::handle(const PinEntryFailed& event) {
    if (!collecting_or_about_to()) {
        unexpected("PinEntryFailed");
        return;
    }
    m_session.pin_entry_active = false;
    journal("pin_entry_failed", event.reason);
    // A fault is reported to staff at once (docs/service-standards.md, "Emergencies").
    notify_staff("PIN pad failure");
    end_session(EndReason::pin_pad_failed);
}

void Flow::handle(const DeviceFailed& event) {
    // The device opens itself again; what follows from it (a card seen anew, a pad back in
    // function-key mode) arrives as its own events. Staff hear of the fault at once
    // (docs/service-standards.md, "Emergencies and system faults").
    journal("device_fault", event.device + ": " + event.reason);
    notify_staff(event.device + " fault");
}

void Flow::handle(const HeadphonesPlugged&) {
    if (m_session.audio_mode) {
        unexpected("HeadphonesPlugged");
        return;
    }
    m_session.audio_mode = true;
    journal("audio_mode", "on");
    emit(StopSpeech{});
    // The screen again, now privately and in full; on the welcome screen first the tour of
    // the kiosk (docs/accessibility.md, "Orientation").
    if (m_session.state == State::welcome) {
        speak_screen_again({"audio.on", "audio.orientation"});
    } else {
        speak_screen_again({"audio.on"});
    }
    if (timer_running(TimerId::inactivity)) {
        start_timer(TimerId::inactivity);
    }
}

void Flow::handle(const HeadphonesUnplugged&) {
    if (!m_session.audio_mode) {
        unexpected("HeadphonesUnplugged");
        return;
    }
    m_session.audio_mode = false;
    journal("audio_mode", "off");
    // Whatever was being said privately must not continue on the speaker.
    emit(StopSpeech{});
    speak_screen_again({"audio.off"});
    if (timer_running(TimerId::inactivity)) {
        start_timer(TimerId::inactivity);
    }
}

void Flow::handle(const ReplyReceived& event) {
    if (!m_session.pending_call || *m_session.pending_call != event.call_id ||
        m_session.state != State::verifying) {
        journal("stale_reply", "call " + std::to_string(event.call_id));
        return;
    }
    m_session.pending_call.reset();
    cancel_timer(TimerId::service_call);
    const ServiceReply& reply = event.reply;
    journal("balance_reply", std::string(to_string(reply.status)));
    switch (reply.status) {
        case ServiceStatus::ok:
            if (reply.balance) {
                m_session.balance = reply.balance->balance;
                m_session.pin_tries_left.reset();
                enter_interactive(State::menu);
                return;
            }
            // "ok" without a balance is a broken reply.
            notify_staff("account service reply without a balance");
            end_session(EndReason::service_unavailable);
            return;
        case ServiceStatus::wrong_pin:
            if (reply.tries_left <= 0) {
                end_session(EndReason::pin_locked);
                return;
            }
            m_session.pin_tries_left = reply.tries_left;
            enter_interactive(State::wrong_pin);
            return;
        case ServiceStatus::pin_locked:
            end_session(EndReason::pin_locked);
            return;
        case ServiceStatus::card_unknown:
            end_session(EndReason::card_unknown);
            return;
        case ServiceStatus::unavailable:
        case ServiceStatus::timeout:
        case ServiceStatus::bad_reply:
            notify_staff("account service " + std::string(to_string(reply.status)));
            end_session(EndReason::service_unavailable);
            return;
    }
}

void Flow::handle(const TimerFired& event) {
    if (!timer_running(event.id)) {
        // Cancelled meanwhile: the shell's timer raced our CancelTimer.
        journal("stale_timer", std::string(to_string(event.id)));
        return;
    }
    std::erase(m_session.running_timers, event.id);
    switch (event.id) {
        case TimerId::inactivity:
            if (has_inactivity_timeout(m_session.state)) {
                warn_of_timeout();
            }
            return;
        case TimerId::inactivity_warning:
            if (m_session.state == State::timeout_warning) {
                end_session(EndReason::timed_out);
            }
            return;
        case TimerId::reminder:
            if (m_session.state == State::returning_card) {
                ++m_session.reminders_given;
                emit(Tone{ToneKind::attention});
                speak_phrase("take_card.reminder");
                start_timer(TimerId::reminder);
                journal("card_reminder", std::to_string(m_session.reminders_given));
                if (m_session.reminders_given == m_resources.policy.reminders_before_staff) {
                    notify_staff("card left in the reader");
                }
            }
            return;
        case TimerId::goodbye:
            if (m_session.state == State::goodbye) {
                journal("session_reset");
                enter_welcome();
            }
            return;
        case TimerId::pin_pad_ready:
            if (m_session.state == State::waiting_for_pin_pad) {
                journal("pin_entry_failed", "the PIN pad did not confirm PIN entry");
                notify_staff("PIN pad failure");
                end_session(EndReason::pin_pad_failed);
            }
            return;
        case TimerId::card_read:
            if (m_session.state == State::reading_card) {
                journal("card_read_failed", "no answer from the reader");
                end_session(EndReason::card_unreadable);
            }
            return;
        case TimerId::service_call:
            if (m_session.state == State::verifying) {
                notify_staff("account service did not answer");
                end_session(EndReason::service_unavailable);
            }
            return;
    }
}

}  // namespace

Step step(const Resources& resources, Session session, const Event& event) {
    Flow flow(resources, std::move(session));
    std::visit([&flow](const auto& alternative) { flow.handle(alternative); }, event);
    return std::move(flow).finish();
}

}  // namespace kiosk::core
