#include "kiosk/app/sign_in_worker.h"

#include <algorithm>
#include <string>
#include <utility>

namespace kiosk::app {

SignInWorker::SignInWorker(std::filesystem::path engineers_file, std::filesystem::path state_file,
                           Post post, UnixClock clock)
    : m_engineers_file(std::move(engineers_file)),
      m_state_file(std::move(state_file)),
      m_post(std::move(post)),
      m_clock(std::move(clock)),
      m_worker([this](core::CheckSignIn& request) { check_now(request); }) {}

void SignInWorker::check_now(core::CheckSignIn& request) {
    if (!m_desk) {
        m_desk.emplace(m_engineers_file, m_state_file);
    }
    const access::SignInResult result =
        m_desk->sign_in(request.engineer_id, request.password, request.code, m_clock());
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

}  // namespace kiosk::app
