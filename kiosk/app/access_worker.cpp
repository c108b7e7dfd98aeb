#include "kiosk/app/access_worker.h"

#include <algorithm>
#include <string>
#include <utility>

#include "base/overloaded.h"
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
    std::visit(base::Overloaded{
                   [this](core::CheckSignIn& asked) { check(asked); },
                   [this](const core::ListAccounts& asked) { list(asked); },
                   [this](const core::RemoveAccount& asked) { remove(asked); },
                   [this](core::EnrolAccount& asked) { enrol(asked); },
                   [this](core::ConfirmEnrolment& asked) { confirm(asked); },
                   [this](const core::DiscardEnrolment&) {
                       const std::lock_guard lock(m_enrolment_mutex);
                       m_enrolment.reset();
                   },
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

// The answer with the accounts the file holds now; none, and unreadable, when it cannot be read.
void AccessWorker::post_accounts(std::uint64_t call_id, core::AccountsOutcome outcome) {
    core::AccountsAnswered answer{.call_id = call_id, .outcome = outcome};
    if (auto accounts = access::list_accounts(m_engineers_file)) {
        answer.accounts = std::move(*accounts);
    } else {
        answer.outcome = core::AccountsOutcome::unreadable;
    }
    m_post(std::move(answer));
}

void AccessWorker::list(const core::ListAccounts& request) {
    post_accounts(request.call_id, core::AccountsOutcome::done);
}

void AccessWorker::remove(const core::RemoveAccount& request) {
    const auto removed = access::remove_account(m_engineers_file, request.engineer_id);
    post_accounts(request.call_id, removed ? core::AccountsOutcome::done
                                           : access::accounts_outcome(removed.error().code));
}

// A staff number taken is refused before the password's hash is paid for; the account made
// ready replaces any other still held.
void AccessWorker::enrol(core::EnrolAccount& request) {
    access::NewAccountRequest account;
    account.id = request.engineer_id;
    account.role = request.role;
    account.password = std::move(request.password);
    request.password.clear();
    const auto accounts = access::list_accounts(m_engineers_file);
    if (accounts && std::ranges::find(*accounts, request.engineer_id, &core::AccountSummary::id) !=
                        accounts->end()) {
        account.password.clear();
        post_accounts(request.call_id, core::AccountsOutcome::duplicate_id);
        return;
    }
    auto prepared = access::prepare_account(account);
    account.password.clear();
    {
        const std::lock_guard lock(m_enrolment_mutex);
        m_enrolment.reset();
        if (prepared) {
            m_enrolment = std::move(*prepared);
        }
    }
    post_accounts(request.call_id, prepared ? core::AccountsOutcome::done
                                            : access::accounts_outcome(prepared.error().code));
}

// A wrong code keeps the enrolment for another try; anything else ends it.
void AccessWorker::confirm(core::ConfirmEnrolment& request) {
    std::optional<access::EngineerAccount> account;
    {
        const std::lock_guard lock(m_enrolment_mutex);
        if (m_enrolment) {
            account = m_enrolment->account;
        }
    }
    if (!account) {
        request.code.clear();
        post_accounts(request.call_id, core::AccountsOutcome::unwritable);
        return;
    }
    if (!m_desk) {
        m_desk.emplace(m_engineers_file, m_state_file);
    }
    const core::AccountsOutcome outcome = m_desk->enrol(*account, request.code, m_clock());
    request.code.clear();
    if (outcome != core::AccountsOutcome::wrong_code) {
        const std::lock_guard lock(m_enrolment_mutex);
        m_enrolment.reset();
    }
    post_accounts(request.call_id, outcome);
}

core::PrintDocument AccessWorker::with_enrolment_secret(core::PrintDocument document) const {
    const std::lock_guard lock(m_enrolment_mutex);
    if (!m_enrolment) {
        return document;
    }
    for (core::PrintBlock& block : document.blocks) {
        const auto* secret = std::get_if<core::PrintEnrolmentSecret>(&block);
        if (secret == nullptr) {
            continue;
        }
        if (secret->part == core::EnrolmentSecretPart::otpauth_qr) {
            block = core::PrintQrCode{std::string(m_enrolment->secret.otpauth_uri.view())};
            continue;
        }
        // RFC 4648 §6's alphabet, in groups of four for typing, without the padding.
        std::string key;
        for (const char character : m_enrolment->secret.otp_secret_base32.view()) {
            if (character == '=') {
                break;
            }
            if (!key.empty() && key.size() % 5 == 4) {
                key += ' ';
            }
            key += character;
        }
        block = core::PrintText{.text = std::move(key),
                                .size = core::PrintSize::normal,
                                .alignment = core::PrintAlignment::centre,
                                .bold = true};
    }
    return document;
}

}  // namespace kiosk::app
