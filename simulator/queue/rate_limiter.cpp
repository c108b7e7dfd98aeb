#include "simulator/queue/rate_limiter.h"

#include <algorithm>

namespace simulator::queue {

std::optional<std::chrono::seconds> RateLimiter::admit(std::string_view client,
                                                       std::int64_t now_unix_ms) {
    constexpr std::int64_t k_ms_per_second = 1000;
    std::lock_guard lock(m_mutex);
    const std::int64_t window_start = now_unix_ms - std::int64_t{m_window.count()};
    // Forget clients that have been quiet for a whole window, so the map stays small.
    std::erase_if(m_requests, [window_start](const auto& entry) {
        return entry.second.empty() || entry.second.back() <= window_start;
    });
    auto& times = m_requests[std::string(client)];
    while (!times.empty() && times.front() <= window_start) {
        times.pop_front();
    }
    if (times.size() < m_limit) {
        times.push_back(now_unix_ms);
        return std::nullopt;
    }
    const std::int64_t wait_ms = times.front() - window_start;
    return std::chrono::seconds{
        std::max<std::int64_t>(1, (wait_ms + k_ms_per_second - 1) / k_ms_per_second)};
}

}  // namespace simulator::queue
