#pragma once

// A thread of its own that takes requests in order, for the shell's work that must not block
// the event loop (docs/architecture.md, "Threads"): the service menu's sign-in checks and
// accounts (AccessWorker) and network checks (NetworkCheckWorker). push() may be called from any
// thread; `handle` runs on the worker only, one request at a time. Destroying it lets the request
// in hand finish and drops those still queued.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

namespace kiosk::app {

template <typename Request>
class WorkerThread {
  public:
    using Handle = std::function<void(Request&)>;

    explicit WorkerThread(Handle handle)
        : m_handle(std::move(handle)), m_thread([this] { run(); }) {}
    ~WorkerThread() {
        {
            const std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_all();
        m_thread.join();
    }
    WorkerThread(const WorkerThread&) = delete;
    WorkerThread& operator=(const WorkerThread&) = delete;

    void push(Request request) {
        {
            const std::lock_guard lock(m_mutex);
            m_requests.push_back(std::move(request));
        }
        m_wake.notify_all();
    }

  private:
    void run() {
        while (true) {
            Request request;
            {
                std::unique_lock lock(m_mutex);
                m_wake.wait(lock, [this] { return m_stop || !m_requests.empty(); });
                if (m_stop) {
                    return;
                }
                request = std::move(m_requests.front());
                m_requests.pop_front();
            }
            m_handle(request);
        }
    }

    Handle m_handle;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Request> m_requests;
    bool m_stop = false;
    std::thread m_thread;  // last: it starts once everything it uses is made
};

}  // namespace kiosk::app
