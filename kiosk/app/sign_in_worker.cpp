#include "kiosk/app/sign_in_worker.h"

#include <optional>
#include <string>
#include <utility>

#include "kiosk/access/sign_in_desk.h"

namespace kiosk::app {

SignInWorker::SignInWorker(std::filesystem::path engineers_file, std::filesystem::path state_file,
                           Post post, UnixClock clock)
    : m_engineers_file(std::move(engineers_file)),
      m_state_file(std::move(state_file)),
      m_post(std::move(post)),
      m_clock(std::move(clock)),
      m_thread([this] { run(); }) {}

SignInWorker::~SignInWorker() {
    {
        const std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void SignInWorker::check(core::CheckSignIn request) {
    {
        const std::lock_guard lock(m_mutex);
        m_requests.push_back(std::move(request));
    }
    m_wake.notify_all();
}

void SignInWorker::run() {
    // The desk is made on this thread: its constructor reads the state file and, for an
    // unknown id's equal cost, hashes a dummy password once.
    std::optional<access::SignInDesk> desk;
    while (true) {
        core::CheckSignIn request;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stop || !m_requests.empty(); });
            if (m_stop) {
                return;
            }
            request = std::move(m_requests.front());
            m_requests.pop_front();
        }
        if (!desk) {
            desk.emplace(m_engineers_file, m_state_file);
        }
        const access::SignInResult result =
            desk->sign_in(request.engineer_id, request.password, request.code, m_clock());
        request.password.clear();
        request.code.clear();
        core::SignInChecked verdict;
        verdict.call_id = request.call_id;
        verdict.outcome = result.outcome;
        verdict.role = result.role;
        verdict.reason = std::string(access::to_string(result.reason));
        if (result.lock_ends_at) {
            const std::int64_t left = *result.lock_ends_at - m_clock();
            verdict.lock_seconds = static_cast<int>(std::max<std::int64_t>(left, 1));
        }
        m_post(std::move(verdict));
    }
}

}  // namespace kiosk::app
