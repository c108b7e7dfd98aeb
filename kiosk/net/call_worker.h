#pragma once

// The worker thread of a service client: it owns the client's HttpsChannel and carries out
// calls one at a time, in the order they were submitted, then calls that were scheduled for a
// later time once that time has come. Each finished call is reported as a ServiceNotice (for
// the transcript's `service` line) and, unless it was abandoned, its event is posted to the
// core. Used by the account client and the queue client (kiosk/net/README.md).
//
// Threading: submit(), schedule(), cancel() and stop() may be called from any thread. A call's
// work, the event sink and the notice sink run on the worker thread only.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/core/events.h"
#include "kiosk/net/https_exchange.h"

namespace kiosk::net {

using EventSink = std::function<void(core::Event)>;

// One finished (or abandoned) call, for the transcript's `service` line. No personal data.
struct ServiceNotice {
    std::string service;  // "account", "queue"
    std::string call;     // "balance", "preferences", "ticket", ...
    std::string status;   // the HTTP status ("200", "503") or what went wrong ("timeout", ...)
    std::int64_t milliseconds = 0;
    // What the client did about it, when that is not plain from the status ("kept",
    // "dropped: older than 2 minutes", "set aside as FILE"). Never personal data.
    std::string detail{};
};

using NoticeSink = std::function<void(const ServiceNotice&)>;

// What one call ended with.
struct CallOutcome {
    std::optional<core::Event> event{};  // what to post; none when there is nothing to tell
    std::string status{};                // for the notice; empty: the call makes no notice
    std::string detail{};
};

// What a call's work sees of the worker.
class CallContext {
  public:
    CallContext(HttpsChannel& channel, std::function<bool()> abandoned)
        : m_channel(channel), m_abandoned(std::move(abandoned)) {}

    HttpsChannel& channel() { return m_channel; }
    // True once the call is cancelled or the worker stops: stop and post nothing.
    bool abandoned() const { return m_abandoned(); }
    const std::function<bool()>& abandoned_check() const { return m_abandoned; }

  private:
    HttpsChannel& m_channel;
    std::function<bool()> m_abandoned;
};

class CallWorker {
  public:
    using Work = std::move_only_function<CallOutcome(CallContext&)>;

    // The id of work that belongs to no call of the core's: cancel() never matches it, only
    // stop() ends it. The core counts its call ids from 1.
    static constexpr std::uint64_t k_no_call = 0;

    explicit CallWorker(std::string service);
    // Stops: abandons the running call and drops the waiting ones, and joins the thread.
    ~CallWorker();
    CallWorker(const CallWorker&) = delete;
    CallWorker& operator=(const CallWorker&) = delete;

    // Starts the thread. Both sinks are called from it. Does nothing while it runs.
    void start(EventSink events, NoticeSink notices);

    // Queues a call and returns at once; ignored after stop(). `call` names it in the notice.
    // When the work throws, the call ends with `on_fault` instead (its status is replaced by
    // "client_fault"): whatever escapes a call ends that call, never the worker.
    void submit(std::uint64_t call_id, std::string call, Work work, CallOutcome on_fault);

    // As submit(), but the call waits until `due`; calls submitted meanwhile go first.
    void schedule(std::chrono::steady_clock::time_point due, std::uint64_t call_id,
                  std::string call, Work work, CallOutcome on_fault);

    // Abandons the queued, scheduled and running work of `call_id`: nothing will be posted for
    // it. A race with the end of the running call is won by the cancel.
    void cancel(std::uint64_t call_id);

    // Abandons everything and joins the thread promptly. Idempotent.
    void stop();

    // From the worker thread only, for work that has more to say than its own outcome: a
    // notice now (a file set aside), or an event (a change that a follow-up poll found).
    void notify(ServiceNotice notice);
    void post(core::Event event);
    const std::string& service() const { return m_service; }

  private:
    struct Pending {
        std::uint64_t call_id;
        std::string call;
        Work work;
        CallOutcome on_fault;
        std::chrono::steady_clock::time_point due;
    };

    void add(Pending pending, bool scheduled);
    void run();
    // Takes the next call to run, waiting for one; none when stopping.
    std::optional<Pending> next();
    CallOutcome perform_safely(Pending& pending, CallContext& context);

    std::string m_service;
    EventSink m_events;
    NoticeSink m_notices;

    std::mutex m_mutex;
    std::condition_variable m_work;
    std::deque<Pending> m_queue;
    std::vector<Pending> m_scheduled;  // in no order: the earliest is searched for
    bool m_stopping = false;
    std::optional<std::uint64_t> m_running_call;
    // Read by the running transfer without the mutex.
    std::atomic<bool> m_abandon_running{false};
    std::atomic<bool> m_abandon_all{false};

    std::unique_ptr<HttpsChannel> m_channel;  // the worker's; others only wake it
    std::thread m_thread;
};

}  // namespace kiosk::net
