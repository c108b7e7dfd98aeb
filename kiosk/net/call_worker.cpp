#include "kiosk/net/call_worker.h"

#include <algorithm>
#include <utility>

namespace kiosk::net {

CallWorker::CallWorker(std::string service) : m_service(std::move(service)) {}

CallWorker::~CallWorker() {
    stop();
}

void CallWorker::start(EventSink events, NoticeSink notices) {
    if (m_thread.joinable()) {
        return;
    }
    m_events = std::move(events);
    m_notices = std::move(notices);
    {
        std::lock_guard lock(m_mutex);
        m_channel = std::make_unique<HttpsChannel>();
        m_stopping = false;
    }
    m_abandon_all = false;
    m_thread = std::thread([this] { run(); });
}

void CallWorker::submit(std::uint64_t call_id, std::string call, Work work, CallOutcome on_fault) {
    add(Pending{call_id, std::move(call), std::move(work), std::move(on_fault), {}}, false);
}

void CallWorker::schedule(std::chrono::steady_clock::time_point due, std::uint64_t call_id,
                          std::string call, Work work, CallOutcome on_fault) {
    add(Pending{call_id, std::move(call), std::move(work), std::move(on_fault), due}, true);
}

void CallWorker::add(Pending pending, bool scheduled) {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) {
            return;
        }
        if (scheduled) {
            m_scheduled.push_back(std::move(pending));
        } else {
            m_queue.push_back(std::move(pending));
        }
    }
    m_work.notify_one();
}

void CallWorker::cancel(std::uint64_t call_id) {
    if (call_id == k_no_call) {
        return;
    }
    std::lock_guard lock(m_mutex);
    const auto of_call = [call_id](const Pending& pending) { return pending.call_id == call_id; };
    std::erase_if(m_queue, of_call);
    std::erase_if(m_scheduled, of_call);
    if (m_running_call == call_id) {
        m_abandon_running = true;
        if (m_channel) {
            m_channel->wake();
        }
    }
}

void CallWorker::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        m_queue.clear();
        m_scheduled.clear();
        m_abandon_all = true;
        if (m_channel) {
            m_channel->wake();
        }
    }
    m_work.notify_all();
    if (m_thread.joinable()) {
        m_thread.join();
    }
    std::lock_guard lock(m_mutex);
    m_channel.reset();
}

void CallWorker::notify(ServiceNotice notice) {
    if (m_notices) {
        m_notices(notice);
    }
}

void CallWorker::post(core::Event event) {
    if (m_events) {
        m_events(std::move(event));
    }
}

std::optional<CallWorker::Pending> CallWorker::next() {
    std::unique_lock lock(m_mutex);
    while (true) {
        if (m_stopping) {
            return std::nullopt;
        }
        std::optional<Pending> taken;
        if (!m_queue.empty()) {
            taken.emplace(std::move(m_queue.front()));
            m_queue.pop_front();
        } else if (!m_scheduled.empty()) {
            // The first of the earliest: work scheduled for the same moment runs in the order
            // it was scheduled.
            const auto earliest = std::ranges::min_element(m_scheduled, {}, &Pending::due);
            if (earliest->due > std::chrono::steady_clock::now()) {
                m_work.wait_until(lock, earliest->due);
                continue;
            }
            taken.emplace(std::move(*earliest));
            m_scheduled.erase(earliest);
        } else {
            m_work.wait(lock);
            continue;
        }
        m_running_call = taken->call_id;
        m_abandon_running = false;
        return taken;
    }
}

void CallWorker::run() {
    while (auto pending = next()) {
        const auto started = std::chrono::steady_clock::now();
        CallContext context(*m_channel, [this] { return m_abandon_all || m_abandon_running; });
        CallOutcome outcome = perform_safely(*pending, context);
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        {
            std::lock_guard lock(m_mutex);
            m_running_call.reset();
            // A cancel that raced with the end of the transfer still wins: the core has moved
            // on and must not hear about this call.
            if (outcome.event && (m_abandon_running || m_abandon_all)) {
                outcome.event.reset();
                outcome.status = "cancelled";
            }
        }
        if (!outcome.status.empty()) {
            notify(ServiceNotice{m_service, pending->call, std::move(outcome.status),
                                 elapsed.count(), std::move(outcome.detail)});
        }
        if (outcome.event) {
            post(std::move(*outcome.event));
        }
    }
}

// Whatever escapes a call (memory exhausted, a library's exception) ends that call with its
// fault outcome, never the worker: the customer hears that the service did not answer, and
// the next call is carried out as usual.
CallOutcome CallWorker::perform_safely(Pending& pending, CallContext& context) {
    try {
        return pending.work(context);
    } catch (...) {
        CallOutcome outcome = std::move(pending.on_fault);
        outcome.status = "client_fault";
        return outcome;
    }
}

}  // namespace kiosk::net
