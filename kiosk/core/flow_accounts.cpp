// The engineers' accounts in the service menu (an administrator's; kiosk/core/README.md, "The
// service menu"): listed a page at a time, and removed by staff number once confirmed. The file
// is kiosk/access's, changed on the shell's sign-in thread; the flow holds ids and roles only.
// Nobody removes their own account here, and kiosk/access keeps the last administrator's.

#include <algorithm>
#include <optional>
#include <string>

#include "kiosk/core/flow_steps.h"

namespace kiosk::core::flow_steps {

namespace {

const AccountSummary* account_with_id(const ServiceVisit& visit, std::string_view id) {
    const auto found = std::ranges::find(visit.accounts, id, &AccountSummary::id);
    return found == visit.accounts.end() ? nullptr : &*found;
}

// The journal's words for an account: its staff number and role.
std::string account_detail(const ServiceVisit& visit, std::string_view id) {
    const AccountSummary* account = account_with_id(visit, id);
    return std::string(id) + (account ? " " + std::string(to_string(account->role)) : "");
}

}  // namespace

// The accounts as kiosk/access reads them: the screen follows the answer.
void Flow::ask_accounts() {
    ServiceVisit& visit = *m_session.service;
    visit.pending_accounts = m_session.next_call_id++;
    emit(ListAccounts{*visit.pending_accounts});
}

void Flow::handle(const AccountsAnswered& event) {
    ServiceVisit& visit = *m_session.service;
    visit.pending_accounts.reset();
    if (visit.step == ServiceStep::account_remove_confirm) {
        const std::string detail = account_detail(visit, visit.account_id);
        if (event.outcome == AccountsOutcome::done) {
            audit("account_removed", detail);
        } else {
            audit("account_not_removed", detail + " " + std::string(to_string(event.outcome)));
        }
        visit.account_outcome = event.outcome;
        visit.account_changed = visit.account_id;
    } else {
        visit.account_outcome.reset();
        audit("accounts_read", event.outcome == AccountsOutcome::done
                                   ? std::to_string(event.accounts.size())
                                   : std::string(to_string(event.outcome)));
    }
    visit.accounts_readable = event.outcome != AccountsOutcome::unreadable;
    visit.accounts = event.accounts;
    visit.accounts_page = 0;
    visit.account_id.clear();
    visit.step = ServiceStep::accounts;
    show(ScreenId::service_accounts);
}

void Flow::accounts_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    const std::size_t pages = pages_of(
        visit.accounts.size(), accounts_per_page(m_session.text_size, m_session.elder_mode));
    if (key == k_accounts_remove_key && visit.accounts_readable && !visit.accounts.empty()) {
        accept_key();
        visit.account_id.clear();
        visit.account_outcome.reset();
        visit.own_account = false;
        visit.step = ServiceStep::account_remove;
        show(ScreenId::service_account_remove);
    } else if (key == k_accounts_more_key && pages > 1) {
        accept_key();
        visit.accounts_page = (visit.accounts_page + 1) % pages;
        show(ScreenId::service_accounts);
    } else if (key == k_accounts_back_key) {
        accept_key();
        visit.accounts.clear();
        visit.account_outcome.reset();
        show_service_menu();
    } else {
        reject_key();
    }
}

// The staff number of the account to remove, typed as a sign-in's is: read back digit by digit.
// Enter names the account and asks to confirm; a number that is the administrator's own, or
// nobody's, is said so and can be typed again.
void Flow::account_remove_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    if (const std::optional<int> digit = base::digit_value(key)) {
        if (visit.account_id.size() >= k_engineer_id_digits_maximum) {
            reject_key();
            return;
        }
        accept_key();
        visit.account_id += static_cast<char>('0' + *digit);
        visit.own_account = false;
        visit.account_outcome.reset();
        refresh(ScreenId::service_account_remove);
        say_typed_field(visit.account_id.size());
    } else if (key == k_account_id_clear_key) {
        accept_key();
        visit.account_id.clear();
        visit.own_account = false;
        visit.account_outcome.reset();
        refresh(ScreenId::service_account_remove);
        say_typed_field(0);
    } else if (key == k_account_id_next_key) {
        if (visit.account_id.size() < k_engineer_id_digits_minimum) {
            reject_key();
            speak_phrase("service_sign_in.too_short");
            return;
        }
        if (visit.account_id == visit.engineer_id) {
            reject_key();
            visit.own_account = true;
            show(ScreenId::service_account_remove);
        } else if (account_with_id(visit, visit.account_id) == nullptr) {
            reject_key();
            visit.account_outcome = AccountsOutcome::unknown_id;
            show(ScreenId::service_account_remove);
        } else {
            accept_key();
            visit.step = ServiceStep::account_remove_confirm;
            show(ScreenId::service_account_remove_confirm);
        }
    } else if (key == k_accounts_back_key) {
        accept_key();
        visit.account_id.clear();
        visit.own_account = false;
        visit.account_outcome.reset();
        visit.step = ServiceStep::accounts;
        show(ScreenId::service_accounts);
    } else {
        reject_key();
    }
}

void Flow::account_remove_confirm_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    if (key == k_account_remove_key) {
        accept_key();
        visit.pending_accounts = m_session.next_call_id++;
        emit(RemoveAccount{*visit.pending_accounts, visit.account_id});
    } else if (key == k_accounts_back_key) {
        accept_key();
        audit("account_kept", account_detail(visit, visit.account_id));
        visit.account_id.clear();
        visit.step = ServiceStep::accounts;
        show(ScreenId::service_accounts);
    } else {
        reject_key();
    }
}

}  // namespace kiosk::core::flow_steps
