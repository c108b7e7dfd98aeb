// The engineers' accounts in the service menu (an administrator's; kiosk/core/README.md, "The
// service menu"): listed a page at a time, removed by staff number once confirmed, and added by
// an enrolment. The file is kiosk/access's, changed on the shell's access thread; the flow holds
// staff numbers and roles, and the new engineer's password and code only until they go to
// kiosk/access. Nobody removes their own account here, and kiosk/access keeps the last
// administrator's.
//
// The enrolment: the administrator types the new staff number and chooses the role; the new
// engineer types a password twice on the PIN pad; kiosk/access makes the account ready
// (EnrolAccount) and keeps its one-time-code secret, which reaches the printer on the set-up slip
// and never the flow; the new engineer scans it into their authenticator app and types the code
// the app shows. Only that code, right (ConfirmEnrolment), puts the account in the file: an app
// that did not take the secret leaves no account nobody can sign in to.

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "kiosk/core/flow_steps.h"
#include "kiosk/core/slips.h"

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

// The journal's words for the account an enrolment adds: its staff number and role.
std::string enrolment_detail(const ServiceVisit& visit) {
    return visit.account_id + " " + std::string(to_string(visit.enrolment->role));
}

// The screen the staff number is typed on: a removal's or an enrolment's.
ScreenId typed_id_screen(const ServiceVisit& visit) {
    return visit.step == ServiceStep::account_add ? ScreenId::service_account_add
                                                  : ScreenId::service_account_remove;
}

// The field the new engineer types their password in.
base::SecretText& typed_password(Enrolment& enrolment) {
    return enrolment.again ? enrolment.password_again : enrolment.password;
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
    if (visit.enrolment) {
        enrolment_answered(event);
        return;
    }
    if (visit.step == ServiceStep::account_remove_confirm) {
        const std::string detail = account_detail(visit, visit.account_id);
        if (event.outcome == AccountsOutcome::done) {
            audit("account_removed", detail);
        } else {
            audit("account_not_removed", detail + " " + std::string(to_string(event.outcome)));
        }
        visit.account_change = AccountChange::removal;
        visit.account_outcome = event.outcome;
        visit.account_changed = visit.account_id;
    } else {
        visit.account_outcome.reset();
        audit("accounts_read", event.outcome == AccountsOutcome::done
                                   ? std::to_string(event.accounts.size())
                                   : std::string(to_string(event.outcome)));
    }
    show_accounts(event);
}

// The accounts as the answer has them, with what became of the change above them.
void Flow::show_accounts(const AccountsAnswered& event) {
    ServiceVisit& visit = *m_session.service;
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
    if ((key == k_accounts_remove_key && visit.accounts_readable && !visit.accounts.empty()) ||
        (key == k_accounts_add_key && visit.accounts_readable)) {
        accept_key();
        visit.account_id.clear();
        visit.account_outcome.reset();
        visit.own_account = false;
        visit.step =
            key == k_accounts_add_key ? ServiceStep::account_add : ServiceStep::account_remove;
        show(typed_id_screen(visit));
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

// The staff number of the account to remove or add, typed as a sign-in's is: read back digit by
// digit. For a removal, Enter names the account and asks to confirm; a number that is the
// administrator's own, or nobody's, is said so and can be typed again. For an enrolment, Enter
// asks for the role; a number that has an account is said so.
void Flow::account_id_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    const ScreenId screen = typed_id_screen(visit);
    if (const std::optional<int> digit = base::digit_value(key)) {
        if (visit.account_id.size() >= k_engineer_id_digits_maximum) {
            reject_key();
            return;
        }
        accept_key();
        visit.account_id += static_cast<char>('0' + *digit);
        visit.own_account = false;
        visit.account_outcome.reset();
        refresh(screen);
        say_typed_field(visit.account_id.size());
    } else if (key == k_account_id_clear_key) {
        accept_key();
        visit.account_id.clear();
        visit.own_account = false;
        visit.account_outcome.reset();
        refresh(screen);
        say_typed_field(0);
    } else if (key == k_account_id_next_key) {
        if (visit.account_id.size() < k_engineer_id_digits_minimum) {
            reject_key();
            speak_phrase("service_sign_in.too_short");
            return;
        }
        if (visit.step == ServiceStep::account_add) {
            if (account_with_id(visit, visit.account_id) != nullptr) {
                reject_key();
                visit.account_outcome = AccountsOutcome::duplicate_id;
                show(screen);
                return;
            }
            accept_key();
            visit.enrolment = Enrolment{};
            visit.step = ServiceStep::account_role;
            show(ScreenId::service_account_role);
        } else if (visit.account_id == visit.engineer_id) {
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

// What the new account may do: 1, 2 or 3 in k_engineer_roles' order.
void Flow::account_role_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    const std::optional<int> digit = base::digit_value(key);
    if (digit && *digit >= 1 && static_cast<std::size_t>(*digit) <= k_engineer_roles.size()) {
        accept_key();
        visit.enrolment->role = k_engineer_roles.at(static_cast<std::size_t>(*digit - 1));
        visit.step = ServiceStep::account_password;
        show(ScreenId::service_account_password);
    } else if (key == k_accounts_back_key) {
        accept_key();
        visit.enrolment.reset();
        visit.step = ServiceStep::account_add;
        show(ScreenId::service_account_add);
    } else {
        reject_key();
    }
}

// A digit or Clear where the new engineer types a secret: the digit added (refused beyond
// `maximum`) or the field emptied, the screen refreshed and how many digits are typed said.
// Whether the key was one of those.
bool Flow::type_secret_key(base::SecretText& field, base::Key key, std::size_t maximum,
                           ScreenId screen) {
    if (const std::optional<int> digit = base::digit_value(key)) {
        if (field.size() >= maximum) {
            reject_key();
            return true;
        }
        accept_key();
        const char character = static_cast<char>('0' + *digit);
        field.append(std::string_view(&character, 1));
    } else if (key == k_account_id_clear_key) {
        accept_key();
        field.clear();
    } else {
        return false;
    }
    refresh(screen);
    say_typed_field(field.size());
    return true;
}

// The new engineer's password, typed twice as a sign-in's is (dots, and how many digits are
// typed): two that differ are said so and typed afresh. The second Enter hands it to kiosk/access
// and wipes it here.
void Flow::account_password_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    Enrolment& enrolment = *visit.enrolment;
    base::SecretText& typed = typed_password(enrolment);
    if (type_secret_key(typed, key, k_password_digits_maximum,
                        ScreenId::service_account_password)) {
        enrolment.passwords_differ = false;
    } else if (key == k_account_id_next_key) {
        if (typed.size() < k_password_digits_minimum) {
            reject_key();
            speak_phrase("service_sign_in.too_short");
            return;
        }
        if (!enrolment.again) {
            accept_key();
            enrolment.again = true;
            show(ScreenId::service_account_password);
        } else if (enrolment.password.view() != enrolment.password_again.view()) {
            reject_key();
            enrolment.password.clear();
            enrolment.password_again.clear();
            enrolment.again = false;
            enrolment.passwords_differ = true;
            show(ScreenId::service_account_password);
        } else {
            accept_key();
            enrol_account();
        }
    } else if (key == k_accounts_back_key) {
        accept_key();
        enrolment.password.clear();
        enrolment.password_again.clear();
        enrolment.passwords_differ = false;
        if (enrolment.again) {
            enrolment.again = false;
            show(ScreenId::service_account_password);
        } else {
            visit.step = ServiceStep::account_role;
            show(ScreenId::service_account_role);
        }
    } else {
        reject_key();
    }
}

void Flow::enrol_account() {
    ServiceVisit& visit = *m_session.service;
    Enrolment& enrolment = *visit.enrolment;
    visit.pending_accounts = m_session.next_call_id++;
    audit("account_enrolment", enrolment_detail(visit) + " started");
    emit(EnrolAccount{*visit.pending_accounts, visit.account_id, enrolment.role,
                      std::move(enrolment.password)});
    enrolment.password.clear();
    enrolment.password_again.clear();
    visit.step = ServiceStep::account_enrolling;
    show(ScreenId::service_account_enrolling);
}

// kiosk/access's answer to the enrolment: the account ready (its slip prints next), or added once
// the code was right, or why not.
void Flow::enrolment_answered(const AccountsAnswered& event) {
    ServiceVisit& visit = *m_session.service;
    Enrolment& enrolment = *visit.enrolment;
    const std::string detail = enrolment_detail(visit);
    // EnrolAccount is answered while the account is made ready; ConfirmEnrolment on the code's
    // screen.
    if (visit.step == ServiceStep::account_enrolling && event.outcome == AccountsOutcome::done) {
        print_enrolment_slip();
        return;
    }
    if (event.outcome == AccountsOutcome::wrong_code) {
        ++enrolment.wrong_codes;
        if (enrolment.wrong_codes < policy::k_enrolment_codes_allowed) {
            emit(Tone{ToneKind::error});
            audit("account_enrolment", detail + " wrong_code");
            show(ScreenId::service_account_code);
            return;
        }
        emit(DiscardEnrolment{});
    }
    if (event.outcome == AccountsOutcome::done) {
        audit("account_added", detail);
    } else {
        audit("account_not_added", detail + " " + std::string(to_string(event.outcome)));
    }
    visit.account_change = AccountChange::enrolment;
    visit.account_outcome = event.outcome;
    visit.account_changed = visit.account_id;
    visit.enrolment.reset();
    show_accounts(event);
}

// The set-up slip, with the secret's places for the shell to fill. Without a printer, or without
// paper, it is not sent, and the account made ready is forgotten. Either is the answer to the
// "please wait" being said, which gives way to it.
void Flow::print_enrolment_slip() {
    ServiceVisit& visit = *m_session.service;
    Enrolment& enrolment = *visit.enrolment;
    const std::string detail = enrolment_detail(visit);
    if (!can_print(m_session)) {
        enrolment.slip_result =
            m_session.printer_missing ? PrintResult::failed : PrintResult::paper_out;
        emit(DiscardEnrolment{});
        audit("account_not_added",
              detail + " slip " + std::string(to_string(*enrolment.slip_result)));
        show_answer(ScreenId::service_account_enrolling);
        return;
    }
    enrolment.pending_print = m_session.next_call_id++;
    audit("account_enrolment", detail + " slip printing");
    emit(Print{*enrolment.pending_print,
               enrolment_slip(m_resources, visit.account_id, enrolment.role, m_session.locale)});
    show_answer(ScreenId::service_account_enrolling);
}

void Flow::enrolment_slip_printed(const PrintFinished& event) {
    ServiceVisit& visit = *m_session.service;
    Enrolment& enrolment = *visit.enrolment;
    const std::string detail = enrolment_detail(visit);
    enrolment.pending_print.reset();
    enrolment.slip_result = event.result;
    if (event.result == PrintResult::paper_out) {
        m_session.paper = PaperLevel::out;
    }
    if (event.result != PrintResult::printed) {
        emit(DiscardEnrolment{});
        audit("account_not_added", detail + " slip " + std::string(to_string(event.result)));
        emit(Tone{ToneKind::error});
        show_answer(ScreenId::service_account_enrolling);
        return;
    }
    audit("account_enrolment", detail + " slip printed");
    visit.step = ServiceStep::account_code;
    show(ScreenId::service_account_code);
}

// While the account is made ready and its slip prints no key is taken; a slip that did not print
// leaves Cancel, back to the accounts.
void Flow::account_enrolling_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    if (key == k_accounts_back_key && visit.enrolment->slip_result &&
        *visit.enrolment->slip_result != PrintResult::printed) {
        accept_key();
        visit.enrolment.reset();
        visit.step = ServiceStep::accounts;
        show(ScreenId::service_accounts);
    } else {
        reject_key();
    }
}

// The code the new engineer's app shows, typed as a sign-in's code is. Cancel stops the
// enrolment: the account made ready is forgotten, and the slip is worth nothing.
void Flow::account_code_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    Enrolment& enrolment = *visit.enrolment;
    if (type_secret_key(enrolment.code, key, k_one_time_code_digits_maximum,
                        ScreenId::service_account_code)) {
        return;
    }
    if (key == k_account_id_next_key) {
        if (enrolment.code.size() < k_one_time_code_digits_minimum) {
            reject_key();
            speak_phrase("service_sign_in.too_short");
            return;
        }
        accept_key();
        visit.pending_accounts = m_session.next_call_id++;
        emit(ConfirmEnrolment{*visit.pending_accounts, std::move(enrolment.code)});
        enrolment.code.clear();
        refresh(ScreenId::service_account_code);
    } else if (key == k_accounts_back_key) {
        accept_key();
        leave_enrolment();
        visit.step = ServiceStep::accounts;
        show(ScreenId::service_accounts);
    } else {
        reject_key();
    }
}

// An enrolment under way ends with the visit, or on Cancel: kiosk/access forgets the account it
// made ready.
void Flow::leave_enrolment() {
    ServiceVisit& visit = *m_session.service;
    // One whose slip did not print is over already.
    if (!visit.enrolment ||
        (visit.enrolment->slip_result && *visit.enrolment->slip_result != PrintResult::printed)) {
        visit.enrolment.reset();
        return;
    }
    if (visit.step == ServiceStep::account_enrolling || visit.step == ServiceStep::account_code) {
        emit(DiscardEnrolment{});
    }
    audit("account_not_added", enrolment_detail(visit) + " stopped");
    visit.enrolment.reset();
}

}  // namespace kiosk::core::flow_steps
