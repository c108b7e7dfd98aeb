#pragma once
// The thread a device model runs on, with a stop request that also cuts short its waits, and
// a wake-up that cuts short a sleep when the model has been handed something to do.

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
    // Asks the body to finish without waiting for it; stop() joins.
    void request_stop();
    bool stop_requested() const;
    // Sleeps for `duration`, until stop is requested or until wake(); false when stop was
    // requested.
    bool sleep_for(std::chrono::milliseconds duration);
    // Ends the sleep in progress, or the next one, at once. Any thread.
    void wake();

  private:
    std::thread m_thread;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    bool m_woken = false;
};

}  // namespace kiosk::devices
