// The flow's building blocks: effects, showing and speaking, timers, the journal, staff notices
// and wiping the customer's data. Every transition is made of these.

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kiosk/core/flow_steps.h"

namespace kiosk::core::flow_steps {

Flow::Flow(const Resources& resources, Session session)
    : m_resources(resources), m_session(std::move(session)) {}

Step Flow::finish() && {
    return Step{std::move(m_session), std::move(m_effects)};
}

void Flow::emit(Effect effect) {
    m_effects.push_back(std::move(effect));
}

void Flow::journal(std::string_view event, std::string detail) {
    emit(Journal{std::string(event), std::move(detail)});
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
    return SpeechContext{m_resources, speech_channel(m_session), m_session.elder_mode};
}

void Flow::show(ScreenId id) {
    m_session.screen = build_screen(id, m_resources, m_session);
    emit(Show{m_session.screen});
    emit(Speak{speech_script(m_session.screen, speech_context())});
}

void Flow::refresh(ScreenId id) {
    m_session.screen = build_screen(id, m_resources, m_session);
    emit(Show{m_session.screen});
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
    emit(Speak{std::move(utterances)});
}

void Flow::speak_phrase(std::string_view key) {
    const std::string text = m_resources.catalog(m_session.locale).text(key);
    emit(Speak{{phrase_utterance(text, m_session.locale, speech_context())}});
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

void Flow::notify_staff(std::string reason) {
    journal("staff_notified", reason);
    emit(NotifyStaff{std::move(reason)});
}

// The help key and the menu's call-staff key tell the staff the same thing, wherever the
// customer is: which screen they asked on, never who they are.
void Flow::notify_staff_of_help() {
    notify_staff("customer asked for help on the " + m_session.screen.id + " screen");
}

// Personal data leaves the session as soon as the card does (docs/service-standards.md,
// "Privacy").
void Flow::wipe_customer_data() {
    m_session.card.reset();
    m_session.balance.reset();
    m_session.pin_digit_count = 0;
    m_session.pin_tries_left.reset();
}

// Whatever the session asked of the PIN pad, the account service and the clock is called off,
// and the customer's data is wiped: the session is over, whichever screen follows.
void Flow::release_session() {
    cancel_pin_entry();
    cancel_call();
    cancel_all_timers();
    wipe_customer_data();
}

}  // namespace kiosk::core::flow_steps
