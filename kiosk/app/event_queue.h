#pragma once
// The one thread-safe queue into the event loop (docs/architecture.md, "Threads"). Device models,
// the account client and the speech worker push core events from their own threads; the loop thread
// drains it. A push also wakes the SDL loop with a user event, so the loop sleeps in
// SDL_WaitEventTimeout instead of polling; where the video driver cannot wait (SDL's dummy and
// offscreen drivers poll every millisecond), the loop sleeps in wait_for instead.

#include <SDL2/SDL.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "kiosk/core/events.h"

namespace kiosk::app {

struct QueuedEvent {
    core::Event event;
    std::string source;  // "pin pad", "card reader", "account", ...
    std::chrono::steady_clock::time_point received;
};

class EventQueue {
  public:
    EventQueue() : m_wake_event_type(SDL_RegisterEvents(1)) {}

    void push(core::Event event, std::string source) {
        {
            std::lock_guard lock(m_mutex);
            m_events.push_back(
                QueuedEvent{std::move(event), std::move(source), std::chrono::steady_clock::now()});
        }
        m_pushed.notify_one();
        SDL_Event wake{};
        wake.type = m_wake_event_type;
        SDL_PushEvent(&wake);
    }

    // Sleeps until an event is pushed or the time-out passes.
    void wait_for(std::chrono::milliseconds timeout) {
        std::unique_lock lock(m_mutex);
        m_pushed.wait_for(lock, timeout, [this] { return !m_events.empty(); });
    }

    std::vector<QueuedEvent> drain() {
        std::lock_guard lock(m_mutex);
        std::vector<QueuedEvent> events(std::make_move_iterator(m_events.begin()),
                                        std::make_move_iterator(m_events.end()));
        m_events.clear();
        return events;
    }

  private:
    std::uint32_t m_wake_event_type;
    std::mutex m_mutex;
    std::condition_variable m_pushed;
    std::deque<QueuedEvent> m_events;
};

}  // namespace kiosk::app
