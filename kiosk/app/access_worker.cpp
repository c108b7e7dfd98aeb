#include "kiosk/app/access_worker.h"

#include <algorithm>
#include <string>
#include <utility>

#include "kiosk/access/accounts.h"

namespace kiosk::app {

AccessWorker::AccessWorker(std::filesystem::path engineers_file, std::filesystem::path state_file,
                           Post post, UnixClock clock)
    : m_engineers_file(std::move(engineers_file)),
      m_state_file(std::move(state_file)),
      m_post(std::move(post)),
      m_clock(std::move(clock)),
      m_worker([this](Request& request) { handle(request); }) {}

void AccessWorker::handle(Request& request) {
    std::visit(
        [this](auto& asked) {
            using T = std::decay_t<decltype(asked)>;
            if constexpr (std::is_same_v<T, core::CheckSignIn>) {
                check(asked);
            } else if constexpr (std::is_same_v<T, core::ListAccounts>) {
                list(asked);
            } else {
                remove(asked);
            }
        },
        request);
}

void AccessWorker::check(core::CheckSignIn& request) {
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

void AccessWorker::list(const core::ListAccounts& request) {
    core::AccountsAnswered answer{.call_id = request.call_id};
    if (auto accounts = access::list_accounts(m_engineers_file)) {
        answer.outcome = core::AccountsOutcome::done;
        answer.accounts = std::move(*accounts);
    }
    m_post(std::move(answer));
}

// The accounts after the removal, or as they were when it was refused; none when the file can
// no longer be read.
void AccessWorker::remove(const core::RemoveAccount& request) {
    core::AccountsAnswered answer{.call_id = request.call_id};
    const auto removed = access::remove_account(m_engineers_file, request.engineer_id);
    answer.outcome =
        removed ? core::AccountsOutcome::done : access::accounts_outcome(removed.error().code);
    if (auto accounts = access::list_accounts(m_engineers_file)) {
        answer.accounts = std::move(*accounts);
    } else {
        answer.outcome = core::AccountsOutcome::unreadable;
    }
    m_post(std::move(answer));
}

}  // namespace kiosk::app
