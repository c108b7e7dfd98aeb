#pragma once
// Collects what a device model reports, and lets a test wait for it with a bounded
// condition-variable wait. Events are consumed in order through a cursor.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "kiosk/core/events.h"
#include "kiosk/devices/device_events.h"

namespace kiosk::devices::test {

using namespace std::chrono_literals;

// How long a test waits for something that should happen within milliseconds. Reaching it
// means the thing did not happen.
inline constexpr std::chrono::milliseconds k_patience = 5000ms;

struct Notice {
    std::string device;
    std::string event;
};

class EventRecorder {
  public:
    EventSink sink() {
        return [this](core::Event event) {
            std::lock_guard lock(m_mutex);
            m_events.push_back(std::move(event));
            m_changed.notify_all();
        };
    }

    DeviceNotice notice() {
        return [this](std::string_view device, std::string_view event) {
            std::lock_guard lock(m_mutex);
            m_notices.push_back(Notice{std::string(device), std::string(event)});
            m_changed.notify_all();
        };
    }

    // The next event not yet consumed, waiting for it if need be.
    std::optional<core::Event> next(std::chrono::milliseconds patience = k_patience) {
        std::unique_lock lock(m_mutex);
        if (!m_changed.wait_for(lock, patience, [&] { return m_cursor < m_events.size(); })) {
            return std::nullopt;
        }
        return m_events[m_cursor++];
    }

    // The next event, which must be a T: nothing when another kind comes first or none comes.
    template <typename T>
    std::optional<T> expect(std::chrono::milliseconds patience = k_patience) {
        auto event = next(patience);
        if (!event || !std::holds_alternative<T>(*event)) {
            return std::nullopt;
        }
        return std::get<T>(*event);
    }

    // Skips to the first event of kind T and consumes it.
    template <typename T>
    std::optional<T> skip_to(std::chrono::milliseconds patience = k_patience) {
        const auto deadline = std::chrono::steady_clock::now() + patience;
        while (true) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            auto event = next(std::max(left, 0ms));
            if (!event) {
                return std::nullopt;
            }
            if (std::holds_alternative<T>(*event)) {
                return std::get<T>(*event);
            }
        }
    }

    // Waits until a notice with this text has been recorded (at any time).
    bool wait_for_notice(std::string_view event, std::chrono::milliseconds patience = k_patience) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, patience, [&] {
            for (const auto& notice : m_notices) {
                if (notice.event == event) {
                    return true;
                }
            }
            return false;
        });
    }

    // True when no unconsumed event arrives within `quiet`.
    bool stays_quiet(std::chrono::milliseconds quiet) { return !next(quiet).has_value(); }

    std::vector<core::Event> events() const {
        std::lock_guard lock(m_mutex);
        return m_events;
    }
    std::vector<Notice> notices() const {
        std::lock_guard lock(m_mutex);
        return m_notices;
    }

  private:
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::vector<core::Event> m_events;
    std::vector<Notice> m_notices;
    std::size_t m_cursor = 0;
};

// Waits until `condition` holds, polling it; for states owned by another thread that raise no
// event of their own.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds patience = k_patience) {
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

}  // namespace kiosk::devices::test
