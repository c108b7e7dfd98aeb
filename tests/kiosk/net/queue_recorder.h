#pragma once

// Collects what a QueueClient posts (the core's events and the service notices) and lets a
// test wait for it with a bound.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string_view>
#include <vector>

#include "kiosk/core/events.h"
#include "kiosk/net/call_worker.h"

namespace kiosk::net::testing {

// Long enough for a loaded CI machine under the sanitizers, short enough that a hang fails
// quickly.
inline constexpr std::chrono::milliseconds k_event_wait{10'000};

class QueueRecorder {
  public:
    EventSink events() {
        return [this](core::Event event) {
            std::lock_guard lock(m_mutex);
            m_events.push_back(std::move(event));
            m_changed.notify_all();
        };
    }
    NoticeSink notices() {
        return [this](const ServiceNotice& notice) {
            std::lock_guard lock(m_mutex);
            m_notices.push_back(notice);
            m_changed.notify_all();
        };
    }

    // The events of one kind, in the order posted.
    template <typename Kind>
    std::vector<Kind> all() {
        std::lock_guard lock(m_mutex);
        std::vector<Kind> found;
        for (const auto& event : m_events) {
            if (const auto* kind = std::get_if<Kind>(&event)) {
                found.push_back(*kind);
            }
        }
        return found;
    }

    template <typename Kind>
    bool wait_for(std::size_t count, std::chrono::milliseconds limit = k_event_wait) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, limit, [&] {
            std::size_t seen = 0;
            for (const auto& event : m_events) {
                seen += std::holds_alternative<Kind>(event) ? 1U : 0U;
            }
            return seen >= count;
        });
    }

    std::size_t event_count() {
        std::lock_guard lock(m_mutex);
        return m_events.size();
    }

    std::vector<ServiceNotice> notices_seen() {
        std::lock_guard lock(m_mutex);
        return m_notices;
    }

    // Waits for a notice of `call` whose status is `status` (any status when empty).
    bool wait_for_notice(std::string_view call, std::string_view status,
                         std::chrono::milliseconds limit = k_event_wait) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, limit, [&] { return has_notice(call, status); });
    }

    bool saw_notice(std::string_view call, std::string_view status) {
        std::lock_guard lock(m_mutex);
        return has_notice(call, status);
    }

  private:
    bool has_notice(std::string_view call, std::string_view status) const {
        for (const auto& notice : m_notices) {
            if (notice.call == call && (status.empty() || notice.status == status)) {
                return true;
            }
        }
        return false;
    }

    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::vector<core::Event> m_events;
    std::vector<ServiceNotice> m_notices;
};

}  // namespace kiosk::net::testing
