// The flow's building blocks: effects, showing and speaking, timers, the journal, staff notices
// and wiping the customer's data. Every transition is made of these.

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kiosk/core/flow_steps.h"
#include "kiosk/core/wording.h"

namespace kiosk::core::flow_steps {

Flow::Flow(const Resources& resources, Session session, bool customer_caused)
    : m_resources(resources), m_session(std::move(session)), m_customer_caused(customer_caused) {}

Step Flow::finish() && {
    // A key that said nothing of its own still says its name in audio mode.
    if (m_key_name) {
        say({});
    }
    return Step{std::move(m_session), std::move(m_effects)};
}

void Flow::emit(Effect effect) {
    m_effects.push_back(std::move(effect));
}

void Flow::journal(std::string_view event, std::string detail) {
    emit(Journal{std::string(event), std::move(detail)});
}

void Flow::audit(std::string_view event, std::string detail) {
    emit(Journal{std::string(event), std::move(detail), std::nullopt, true});
}

void Flow::ignore(const Event& event) {
    if (const auto* reply = std::get_if<ReplyReceived>(&event)) {
        journal("stale_reply", "call " + std::to_string(reply->call_id));
    } else if (const auto* timer = std::get_if<TimerFired>(&event)) {
        // Cancelled meanwhile: the shell's timer raced our CancelTimer.
        journal("stale_timer", std::string(to_string(timer->id)));
    } else {
        journal("event_ignored", std::string(to_string(event)) + " in state " +
                                     std::string(to_string(m_session.state)));
    }
}

SpeechContext Flow::speech_context() const {
    return kiosk::core::speech_context(m_resources, m_session);
}

void Flow::show(ScreenId id) {
    // A "please wait" gives way at once to the screen it announced: the answer is what the
    // customer waits to hear, and the wait carries no instruction of its own (docs/
    // accessibility.md, "Speech that is not cut short", its one exception).
    if (says_please_wait(m_session.screen.id) && m_session.screen.id != to_string(id)) {
        emit(StopSpeech{});
    }
    refresh(id);
    say(speech_script(m_session.screen, speech_context()));
}

// The answer to a wait on the same screen (the service menu's reading, writing, installing): its
// "please wait" gives way at once to the answer, as show() has it give way to another screen.
void Flow::show_answer(ScreenId id) {
    emit(StopSpeech{});
    show(id);
}

void Flow::refresh(ScreenId id) {
    // Out of service, the customers' first screen says so instead of welcoming them.
    if (id == ScreenId::welcome && m_session.out_of_service) {
        id = ScreenId::out_of_service;
    }
    const std::string previous = m_session.screen.id;
    m_session.screen = build_screen(id, m_resources, m_session);
    note_new_screen(previous);
    emit(Show{m_session.screen});
}

void Flow::note_new_screen(const std::string& previous_id) {
    if (m_session.screen.id == previous_id) {
        return;
    }
    m_session.help_offered = false;
    m_session.idle_keys = 0;
    cancel_timer(TimerId::hesitation);
    // The tour belongs to the welcome screen, and so does the service key sequence: a new
    // screen starts it again (flow_service.cpp).
    cancel_timer(TimerId::tour);
    cancel_timer(TimerId::service_keys);
    m_session.service_keys_typed = 0;
}

void Flow::say(std::vector<Utterance> utterances) {
    if (m_key_name) {
        utterances.insert(utterances.begin(), std::move(*m_key_name));
        m_key_name.reset();
    }
    if (utterances.empty()) {
        return;
    }
    emit(Speak{std::move(utterances), m_customer_caused});
}

void Flow::announce_key(base::Key key) {
    if (!in_audio_mode(m_session)) {
        return;
    }
    // A digit typed into an amount is the customer's own: the field says it, privately.
    if ((m_session.state == State::other_amount || m_session.state == State::payee_account ||
         m_session.state == State::transfer_amount) &&
        base::digit_value(key)) {
        return;
    }
    std::string name = "key.";
    name += base::to_string(key);
    m_key_name = phrase_utterance(m_resources.catalog(m_session.locale).text(name) +
                                      (is_chinese_locale(m_session.locale) ? "。" : "."),
                                  m_session.locale, speech_context());
}

void Flow::refresh_channel_choices() {
    // Only the screens with private amounts offer the speaker (offers_speaker).
    switch (m_session.state) {
        case State::balance:
        case State::confirm_withdrawal:
        case State::confirm_transfer:
        case State::statement:
            refresh(screen_for(m_session));
            return;
        default:
            return;
    }
}

void Flow::choose_speaker() {
    m_session.speaker_chosen = true;
    journal("speaker_chosen");
    enter_interactive(m_session.state);
}

void Flow::speak_screen_again(std::initializer_list<std::string_view> phrase_keys) {
    const SpeechContext context = speech_context();
    const Catalog& catalog = m_resources.catalog(m_session.locale);
    std::vector<Utterance> utterances;
    for (const std::string_view key : phrase_keys) {
        utterances.push_back(phrase_utterance(catalog.text(key), m_session.locale, context));
    }
    for (Utterance& utterance : speech_script(m_session.screen, context)) {
        utterances.push_back(std::move(utterance));
    }
    say(std::move(utterances));
}

void Flow::say_screen_lines(const std::function<bool(const Element&)>& said) {
    ScreenModel lines = m_session.screen;
    std::erase_if(lines.elements, [&](const Element& element) { return !said(element); });
    say(speech_script(lines, speech_context()));
}

void Flow::speak_phrase(std::string_view key) {
    speak_text(m_resources.catalog(m_session.locale).text(key));
}

void Flow::speak_text(std::string text) {
    say({phrase_utterance(text, m_session.locale, speech_context())});
}

bool Flow::timer_running(TimerId id) const {
    return std::ranges::find(m_session.running_timers, id) != m_session.running_timers.end();
}

void Flow::start_timer(TimerId id) {
    if (!timer_running(id)) {
        m_session.running_timers.push_back(id);
    }
    emit(StartTimer{id, timer_milliseconds(id, m_resources, m_session)});
}

void Flow::cancel_timer(TimerId id) {
    if (timer_running(id)) {
        std::erase(m_session.running_timers, id);
        emit(CancelTimer{id});
    }
}

void Flow::cancel_all_timers() {
    const std::vector<TimerId> running = m_session.running_timers;
    for (const TimerId id : running) {
        cancel_timer(id);
    }
}

void Flow::note_activity() {
    if (has_inactivity_timeout(m_session.state)) {
        start_timer(TimerId::inactivity);
    }
}

void Flow::restart_inactivity_if_running() {
    if (timer_running(TimerId::inactivity)) {
        start_timer(TimerId::inactivity);
    }
}

void Flow::cancel_pin_entry() {
    if (m_session.pin_entry_active) {
        m_session.pin_entry_active = false;
        emit(CancelPinEntry{});
    }
}

void Flow::cancel_call() {
    if (m_session.pending_call) {
        emit(CancelCall{*m_session.pending_call});
        m_session.pending_call.reset();
    }
}

// Every notice is in the audit trail, so that the electronic journal keeps it for the service
// menu's recent faults.
void Flow::notify_staff(std::string reason, AssistanceReason kind) {
    audit("staff_notified", reason);
    emit(NotifyStaff{std::move(reason), kind});
}

// Personal data leaves the session as soon as the card does (docs/service-standards.md,
// "Privacy").
void Flow::wipe_customer_data() {
    m_session.card.reset();
    m_session.pin_block_waiting.reset();
    m_session.balance.reset();
    m_session.preferences_grant.clear();
    m_session.pin_digit_count = 0;
    m_session.pin_tries_left.reset();
    m_session.quote.reset();
    m_session.amount_digits.clear();
    m_session.refusal.reset();
    m_session.payee_digits.clear();
    m_session.quoting_transfer = false;
    m_session.statement.clear();
    m_session.statement_unavailable = false;
    m_session.pin_change.reset();
    // A transfer sent and not yet answered stays with the account service, which holds the
    // whole of it: staff find out what became of it.
    if (m_session.transfer && !is_final(m_session.transfer->step)) {
        journal_transfer(TransferStep::outcome_unknown, "the session ended before the answer");
        notify_staff("transfer outcome unknown: the session ended before the bank answered",
                     AssistanceReason::device_fault);
    }
    m_session.transfer.reset();
    // A withdrawal being undone still needs the session's token for its last call.
    if (!withdrawal_in_flight()) {
        m_session.account.reset();
    }
}

// Whatever the session asked of the PIN pad, the account service and the clock is called off,
// and the customer's data is wiped: the session is over, whichever screen follows.
void Flow::release_session() {
    cancel_pin_entry();
    cancel_call();
    if (m_session.pending_queue_call) {
        emit(CancelCall{*m_session.pending_queue_call});
        m_session.pending_queue_call.reset();
    }
    cancel_all_timers();
    wipe_customer_data();
}

void Flow::begin_new_session() {
    forget_staff_call();
    const Session previous = m_session;
    m_session = new_session(m_resources, previous);
    // docs/accessibility.md, "Keypad controls": volume, rate and the blank screen are the last
    // customer's; the next one starts from the defaults (EN 301 549 5.1.3.13).
    if (previous.volume_step != m_session.volume_step) {
        emit(SetVolume{m_session.volume_step});
    }
    if (previous.screen_blanked) {
        emit(BlankScreen{false});
    }
    if (previous.speech_paused) {
        emit(ResumeSpeech{});
    }
}

// Screens where the customer chooses; on the welcome screen only once someone is there.
bool Flow::offers_help_on_hesitation() const {
    switch (m_session.state) {
        case State::welcome:
            return m_session.customer_present;
        case State::pin_entry:
            return false;
        default:
            // The screens that wait for an answer at the customer's pace.
            return has_inactivity_timeout(m_session.state);
    }
}

void Flow::offer_help() {
    if (m_session.help_offered || m_session.pin_pad_missing) {
        return;
    }
    m_session.help_offered = true;
    cancel_timer(TimerId::hesitation);
    journal("help_offered", m_session.screen.id);
    speak_phrase("hesitation.offer");
}

void Flow::after_speech() {
    // The restart's announcement said to its end: the kiosk restarts now.
    if (m_session.restarting && timer_running(TimerId::restart)) {
        restart_kiosk();
        return;
    }
    switch (m_session.state) {
        case State::returning_card:
        case State::card_before_cash:
        case State::take_cash:
            // "Please take your card" (or cash) again an interval after the last speech ended.
            if (!timer_running(TimerId::reminder)) {
                start_timer(TimerId::reminder);
            }
            break;
        case State::welcome:
            // The orientation tour is repeated until a card is inserted.
            if (in_audio_mode(m_session) && !timer_running(TimerId::tour)) {
                start_timer(TimerId::tour);
            }
            break;
        default:
            break;
    }
    if (offers_help_on_hesitation() && !m_session.help_offered &&
        !timer_running(TimerId::hesitation)) {
        start_timer(TimerId::hesitation);
    }
}

}  // namespace kiosk::core::flow_steps
