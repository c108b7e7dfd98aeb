#pragma once
// The thread a device model runs on, with a stop request that also cuts short its waits.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace kiosk::devices {

class ServiceThread {
  public:
    ServiceThread() = default;
    ~ServiceThread() { stop(); }
    ServiceThread(const ServiceThread&) = delete;
    ServiceThread& operator=(const ServiceThread&) = delete;

    // Runs `body` on a new thread. A running thread is stopped first.
    void start(std::function<void()> body);
    // Asks the body to finish and joins it. Idempotent. From the thread itself it only asks.
    void stop();
    bool stop_requested() const;
    // Sleeps for `duration` or until stop is requested; false when stop was requested.
    bool sleep_for(std::chrono::milliseconds duration);

  private:
    std::thread m_thread;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
};

}  // namespace kiosk::devices
