#pragma once

// The per-client rate limit (the rate limit in the description of docs/api/queue.yaml): a sliding
// window of the requests each client made, so that a burst at the end of one minute and the start
// of the next is counted together. Thread-safe.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace simulator::queue {

// 120 requests a minute for each kiosk.
inline constexpr std::size_t k_requests_per_window = 120;
inline constexpr std::chrono::milliseconds k_rate_window{60'000};

class RateLimiter {
  public:
    explicit RateLimiter(std::size_t limit = k_requests_per_window,
                         std::chrono::milliseconds window = k_rate_window)
        : m_limit(limit), m_window(window) {}

    // Counts a request of `client` at `now_unix_ms` when it is within the limit and returns
    // nothing; otherwise counts nothing and returns the whole seconds (at least 1) until the
    // oldest request of the window leaves it.
    std::optional<std::chrono::seconds> admit(std::string_view client, std::int64_t now_unix_ms);

  private:
    std::size_t m_limit;
    std::chrono::milliseconds m_window;
    std::mutex m_mutex;
    std::map<std::string, std::deque<std::int64_t>, std::less<>> m_requests;
};

}  // namespace simulator::queue
