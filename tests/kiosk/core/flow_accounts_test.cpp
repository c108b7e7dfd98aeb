// The staff accounts in the service menu (kiosk/core/README.md, "The service menu"): an
// administrator lists them a page at a time, their own marked, and removes one by its staff
// number once it is named and confirmed; nobody removes their own account, a number without one
// is said so, kiosk/access's refusals are said, every step is journaled, and only an
// administrator is offered any of it.

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "kiosk/core/screens.h"
#include "kiosk/core/service_menu.h"
#include "tests/kiosk/core/flow_driver.h"

using namespace kiosk::core;
using namespace kiosk::core::testing;

namespace {

using base::Key;

// Seven accounts, the signed-in administrator 1001 among them: two pages at six a page.
std::vector<AccountSummary> staff() {
    return {{"1001", EngineerRole::administrator}, {"2002", EngineerRole::key_custodian},
            {"2003", EngineerRole::key_custodian}, {"3001", EngineerRole::engineer},
            {"3002", EngineerRole::engineer},      {"3003", EngineerRole::engineer},
            {"4001", EngineerRole::administrator}};
}

std::vector<AccountSummary> without(std::vector<AccountSummary> accounts, std::string_view id) {
    std::erase_if(accounts, [&](const AccountSummary& account) { return account.id == id; });
    return accounts;
}

// An administrator at the accounts screen, answered with `accounts`.
FlowDriver at_accounts(std::vector<AccountSummary> accounts = staff(), std::string locale = "en") {
    FlowDriver kiosk = signed_in(EngineerRole::administrator, std::move(locale));
    const auto asked = effects_of<ListAccounts>(kiosk.send(KeyPressed{k_service_accounts_key}));
    REQUIRE(asked.size() == 1);
    kiosk.send(AccountsAnswered{asked.front().call_id, AccountsOutcome::done, std::move(accounts)});
    REQUIRE(kiosk.session().screen.id == "service_accounts");
    return kiosk;
}

// From the accounts screen: 2, the staff number, Enter.
void type_account_to_remove(FlowDriver& kiosk, std::string_view id) {
    kiosk.send(KeyPressed{k_accounts_remove_key});
    REQUIRE(kiosk.session().screen.id == "service_account_remove");
    type_number(kiosk, id);
    kiosk.send(KeyPressed{k_account_id_next_key});
}

// Confirms the removal on its screen; the RemoveAccount it asks for.
RemoveAccount confirm_removal(FlowDriver& kiosk) {
    REQUIRE(kiosk.session().screen.id == "service_account_remove_confirm");
    const auto removals = effects_of<RemoveAccount>(kiosk.send(KeyPressed{k_account_remove_key}));
    REQUIRE(removals.size() == 1);
    return removals.front();
}

const Element* element_with_text(const ScreenModel& screen, const std::string& text) {
    const auto found = std::ranges::find(screen.elements, text, &Element::text);
    return found == screen.elements.end() ? nullptr : &*found;
}

}  // namespace

TEST_CASE("An administrator reads the staff accounts a page at a time, their own marked") {
    FlowDriver kiosk = at_accounts();
    CHECK(std::ranges::count(audits(kiosk.all()), "accounts_read 7") == 1);
    CHECK(shows(kiosk, "Staff accounts, page 1 of 2"));
    CHECK(shows(kiosk, "Staff number 1001: administrator (you)"));
    CHECK(shows(kiosk, "Staff number 2002: key custodian"));
    CHECK(shows(kiosk, "Staff number 3003: engineer"));
    CHECK_FALSE(shows(kiosk, "Staff number 4001: administrator"));
    // Each line is said, the staff number digit by digit.
    const Element* own =
        element_with_text(kiosk.session().screen, "Staff number 1001: administrator (you)");
    REQUIRE(own != nullptr);
    CHECK(own->speech != own->text);
    CHECK(spoken_text(kiosk.last()).find(own->speech) != std::string::npos);

    kiosk.send(KeyPressed{k_accounts_more_key});
    CHECK(shows(kiosk, "Staff accounts, page 2 of 2"));
    CHECK(shows(kiosk, "Staff number 4001: administrator"));
    CHECK_FALSE(shows(kiosk, "Staff number 1001: administrator (you)"));
    kiosk.send(KeyPressed{k_accounts_more_key});
    CHECK(shows(kiosk, "Staff accounts, page 1 of 2"));

    kiosk.send(KeyPressed{k_accounts_back_key});
    CHECK(kiosk.session().screen.id == "service_menu");
    CHECK(kiosk.session().service->accounts.empty());
}

TEST_CASE("An account is removed by its staff number, named and confirmed, and journaled") {
    FlowDriver kiosk = at_accounts();
    kiosk.send(KeyPressed{k_accounts_remove_key});
    CHECK(shows(kiosk, kiosk.text("service_account_remove.text")));
    type_number(kiosk, "2002");
    CHECK(shows(kiosk, "Staff number: 2002"));
    kiosk.send(KeyPressed{k_account_id_next_key});
    CHECK(shows(kiosk, "Staff number 2002: key custodian"));
    CHECK(shows(kiosk, kiosk.text("service_account_remove_confirm.text")));

    const RemoveAccount removal = confirm_removal(kiosk);
    CHECK(removal.engineer_id == "2002");
    // Nothing leads away until kiosk/access answers.
    kiosk.send(KeyPressed{k_accounts_back_key});
    CHECK(kiosk.session().screen.id == "service_account_remove_confirm");

    kiosk.send(AccountsAnswered{removal.call_id, AccountsOutcome::done, without(staff(), "2002")});
    CHECK(kiosk.session().screen.id == "service_accounts");
    CHECK(shows(kiosk, "Staff number 2002 is removed and can no longer sign in."));
    CHECK_FALSE(shows(kiosk, "Staff number 2002: key custodian"));
    CHECK(mentions(kiosk.last(), "is removed and can no longer sign in."));
    CHECK(std::ranges::count(audits(kiosk.all()), "account_removed 2002 key_custodian") == 1);
}

TEST_CASE("Nobody removes their own account or a number without one, and Cancel keeps one") {
    FlowDriver kiosk = at_accounts();
    type_account_to_remove(kiosk, "1001");
    CHECK(kiosk.session().screen.id == "service_account_remove");
    CHECK(shows(kiosk, kiosk.text("service_account_remove.own_account")));
    CHECK(has_effect<Tone>(kiosk.last()));

    kiosk.send(KeyPressed{k_account_id_clear_key});
    CHECK_FALSE(shows(kiosk, kiosk.text("service_account_remove.own_account")));
    type_number(kiosk, "9999");
    kiosk.send(KeyPressed{k_account_id_next_key});
    CHECK(shows(kiosk, "No account has staff number 9999. Please check the number."));
    // Too short a number is said so, and a ninth digit is refused.
    kiosk.send(KeyPressed{k_account_id_clear_key});
    type_number(kiosk, "123");
    kiosk.send(KeyPressed{k_account_id_next_key});
    CHECK(mentions(kiosk.last(), kiosk.text("service_sign_in.too_short")));
    type_number(kiosk, "456789");
    CHECK(kiosk.session().service->account_id == "12345678");

    kiosk.send(KeyPressed{k_account_id_clear_key});
    type_number(kiosk, "3001");
    kiosk.send(KeyPressed{k_account_id_next_key});
    REQUIRE(kiosk.session().screen.id == "service_account_remove_confirm");
    kiosk.send(KeyPressed{k_accounts_back_key});
    CHECK(kiosk.session().screen.id == "service_accounts");
    CHECK(std::ranges::count(audits(kiosk.all()), "account_kept 3001 engineer") == 1);
    CHECK_FALSE(has_effect<RemoveAccount>(kiosk.all()));
    // Back from the number's screen, and from the list to the menu.
    kiosk.send(KeyPressed{k_accounts_remove_key});
    kiosk.send(KeyPressed{k_accounts_back_key});
    CHECK(kiosk.session().screen.id == "service_accounts");
    kiosk.send(KeyPressed{k_accounts_back_key});
    CHECK(kiosk.session().screen.id == "service_menu");
}

TEST_CASE("kiosk/access's refusals are said and journaled, and the list is the file's after them") {
    const auto refused = [](AccountsOutcome outcome, std::vector<AccountSummary> after) {
        FlowDriver kiosk = at_accounts();
        type_account_to_remove(kiosk, "4001");
        const RemoveAccount removal = confirm_removal(kiosk);
        kiosk.send(AccountsAnswered{removal.call_id, outcome, std::move(after)});
        CHECK(kiosk.session().screen.id == "service_accounts");
        CHECK(std::ranges::count(audits(kiosk.all()), "account_not_removed 4001 administrator " +
                                                          std::string(to_string(outcome))) == 1);
        return kiosk;
    };
    SECTION("the last administrator") {
        // kiosk/access decides from the file, which may have changed since the list was read.
        FlowDriver kiosk = refused(AccountsOutcome::last_administrator, staff());
        CHECK(shows(kiosk, "Staff number 4001 is not removed: it is the last administrator."));
        CHECK(kiosk.session().service->accounts == staff());
    }
    SECTION("an account already gone") {
        FlowDriver kiosk = refused(AccountsOutcome::unknown_id, without(staff(), "4001"));
        CHECK(shows(kiosk, "Staff number 4001 is not removed: it no longer has an account."));
    }
    SECTION("a file that could not be written") {
        FlowDriver kiosk = refused(AccountsOutcome::unwritable, staff());
        CHECK(shows(kiosk,
                    "Staff number 4001 is not removed: the accounts file could not be "
                    "written."));
    }
    SECTION("a file that can no longer be read: nothing to remove") {
        FlowDriver kiosk = refused(AccountsOutcome::unreadable, {});
        CHECK(shows(kiosk, "Staff number 4001 is not removed: the accounts cannot be read."));
        kiosk.send(KeyPressed{k_accounts_remove_key});
        CHECK(kiosk.session().screen.id == "service_accounts");
    }
}

TEST_CASE("Accounts that cannot be read are said so, with nothing to remove") {
    FlowDriver kiosk = signed_in(EngineerRole::administrator);
    const auto asked = effects_of<ListAccounts>(kiosk.send(KeyPressed{k_service_accounts_key}));
    REQUIRE(asked.size() == 1);
    // The screen waits for the answer: no key leads elsewhere meanwhile.
    kiosk.send(KeyPressed{k_service_sign_out_key});
    CHECK(kiosk.session().screen.id == "service_menu");
    CHECK(kiosk.session().service->role.has_value());
    // An answer not asked for changes nothing.
    kiosk.send(AccountsAnswered{asked.front().call_id + 100, AccountsOutcome::done, staff()});
    CHECK(kiosk.session().screen.id == "service_menu");

    kiosk.send(AccountsAnswered{asked.front().call_id, AccountsOutcome::unreadable, {}});
    CHECK(kiosk.session().screen.id == "service_accounts");
    CHECK(shows(kiosk, kiosk.text("service_accounts.unreadable")));
    CHECK(std::ranges::count(audits(kiosk.all()), "accounts_read unreadable") == 1);
    const auto choices =
        std::ranges::count(kiosk.session().screen.elements, Role::choice, &Element::role);
    CHECK(choices == 1);  // back
    kiosk.send(KeyPressed{k_accounts_remove_key});
    CHECK(kiosk.session().screen.id == "service_accounts");
}

TEST_CASE("Only an administrator's menu offers the staff accounts") {
    for (const EngineerRole role : {EngineerRole::engineer, EngineerRole::key_custodian}) {
        FlowDriver kiosk = signed_in(role);
        CHECK_FALSE(shows(kiosk, kiosk.text("service_menu.accounts")));
        kiosk.send(KeyPressed{k_service_accounts_key});
        CHECK_FALSE(has_effect<ListAccounts>(kiosk.all()));
    }
    FlowDriver kiosk = signed_in(EngineerRole::administrator);
    CHECK(shows(kiosk, kiosk.text("service_menu.accounts")));
}

TEST_CASE("The accounts are worded in Chinese, the staff number said digit by digit") {
    FlowDriver kiosk = at_accounts(staff(), "zh-CN");
    CHECK(shows(kiosk, "工号1001：管理员（您本人）"));
    CHECK(shows(kiosk, "工号2002：密钥保管员"));
    type_account_to_remove(kiosk, "2002");
    const Element* named = element_with_text(kiosk.session().screen, "工号2002：密钥保管员");
    REQUIRE(named != nullptr);
    CHECK(named->speech == "工号二零零二：密钥保管员");
    const RemoveAccount removal = confirm_removal(kiosk);
    kiosk.send(AccountsAnswered{removal.call_id, AccountsOutcome::done, without(staff(), "2002")});
    CHECK(shows(kiosk, "工号2002已删除，不能再登录。"));
}

namespace {

// From the accounts screen: 1, the new staff number, Enter, the role's key.
void begin_enrolment(FlowDriver& kiosk, std::string_view id, Key role) {
    kiosk.send(KeyPressed{k_accounts_add_key});
    REQUIRE(kiosk.session().screen.id == "service_account_add");
    type_number(kiosk, id);
    kiosk.send(KeyPressed{k_account_id_next_key});
    REQUIRE(kiosk.session().screen.id == "service_account_role");
    kiosk.send(KeyPressed{role});
    REQUIRE(kiosk.session().screen.id == "service_account_password");
}

// The new engineer types `first`, Enter, `second`, Enter.
const std::vector<Effect>& type_passwords(FlowDriver& kiosk, std::string_view first,
                                          std::string_view second) {
    type_number(kiosk, first);
    kiosk.send(KeyPressed{k_account_id_next_key});
    type_number(kiosk, second);
    return kiosk.send(KeyPressed{k_account_id_next_key});
}

// An enrolment of 5005 as a key custodian, its account made ready and its slip printed: at the
// code's screen. The EnrolAccount asked for.
EnrolAccount enrolled_to_code(FlowDriver& kiosk) {
    begin_enrolment(kiosk, "5005", Key::digit_2);
    const auto asked = effects_of<EnrolAccount>(type_passwords(kiosk, "24681357", "24681357"));
    REQUIRE(asked.size() == 1);
    CHECK(kiosk.session().screen.id == "service_account_enrolling");
    const auto printed = effects_of<Print>(
        kiosk.send(AccountsAnswered{asked.front().call_id, AccountsOutcome::done, staff()}));
    REQUIRE(printed.size() == 1);
    kiosk.send(PrintFinished{printed.front().print_id, PrintResult::printed});
    REQUIRE(kiosk.session().screen.id == "service_account_code");
    return asked.front();
}

// Types `code` and Enter on the code's screen: the ConfirmEnrolment asked for.
ConfirmEnrolment type_code(FlowDriver& kiosk, std::string_view code) {
    type_number(kiosk, code);
    const auto confirmations =
        effects_of<ConfirmEnrolment>(kiosk.send(KeyPressed{k_account_id_next_key}));
    REQUIRE(confirmations.size() == 1);
    return confirmations.front();
}

}  // namespace

TEST_CASE("An enrolment: number, role, the password twice, the slip, and the app's first code") {
    FlowDriver kiosk = at_accounts();
    begin_enrolment(kiosk, "5005", Key::digit_2);
    CHECK(shows(kiosk, "Password for staff number 5005"));
    CHECK(shows(kiosk, kiosk.text("service_account_password.hand_over")));
    // 0 is a digit here, not Repeat; the password is dots, said as a count.
    type_number(kiosk, "2468");
    CHECK(shows(kiosk, "●●●●"));
    CHECK_FALSE(mentions(kiosk.all(), "2468"));
    type_number(kiosk, "1350");
    kiosk.send(KeyPressed{k_account_id_next_key});
    CHECK(shows(kiosk, kiosk.text("service_account_password.type_again")));
    type_number(kiosk, "24681350");
    const auto asked = effects_of<EnrolAccount>(kiosk.send(KeyPressed{k_account_id_next_key}));
    REQUIRE(asked.size() == 1);
    CHECK(asked.front().engineer_id == "5005");
    CHECK(asked.front().role == EngineerRole::key_custodian);
    CHECK(asked.front().password.view() == "24681350");
    CHECK(kiosk.session().service->enrolment->password.empty());
    CHECK(kiosk.session().service->enrolment->password_again.empty());
    CHECK(shows(kiosk, kiosk.text("service_account_enrolling.preparing")));

    // Ready: the slip prints, with the secret's places for the shell, naming number and role.
    // Each answer cuts the "please wait" before it short: what is heard is what is true now.
    const std::vector<Effect> ready =
        kiosk.send(AccountsAnswered{asked.front().call_id, AccountsOutcome::done, staff()});
    CHECK(has_effect<StopSpeech>(ready));
    const auto printed = effects_of<Print>(ready);
    REQUIRE(printed.size() == 1);
    const PrintDocument& slip = printed.front().document;
    CHECK(std::ranges::count(
              slip.blocks, PrintBlock{PrintEnrolmentSecret{EnrolmentSecretPart::otpauth_qr}}) == 1);
    CHECK(std::ranges::count(slip.blocks,
                             PrintBlock{PrintEnrolmentSecret{EnrolmentSecretPart::key_text}}) == 1);
    CHECK(std::ranges::any_of(slip.blocks, [](const PrintBlock& block) {
        const auto* text = std::get_if<PrintText>(&block);
        return text && text->text == "Staff number 5005: key custodian";
    }));
    CHECK(shows(kiosk, kiosk.text("service_account_enrolling.printing")));
    kiosk.send(KeyPressed{k_accounts_back_key});
    CHECK(kiosk.session().screen.id == "service_account_enrolling");

    CHECK(has_effect<StopSpeech>(
        kiosk.send(PrintFinished{printed.front().print_id, PrintResult::printed})));
    CHECK(shows(kiosk, kiosk.text("service_account_code.scan")));
    const ConfirmEnrolment confirmation = type_code(kiosk, "287082");
    CHECK(confirmation.code.view() == "287082");
    std::vector<AccountSummary> after = staff();
    after.push_back({"5005", EngineerRole::key_custodian});
    kiosk.send(AccountsAnswered{confirmation.call_id, AccountsOutcome::done, after});
    CHECK(kiosk.session().screen.id == "service_accounts");
    CHECK(shows(kiosk, "Staff number 5005 is added and can sign in. Shred the set-up slip now."));
    CHECK_FALSE(kiosk.session().service->enrolment.has_value());
    const auto trail = audits(kiosk.all());
    CHECK(std::ranges::count(trail, "account_enrolment 5005 key_custodian started") == 1);
    CHECK(std::ranges::count(trail, "account_enrolment 5005 key_custodian slip printed") == 1);
    CHECK(std::ranges::count(trail, "account_added 5005 key_custodian") == 1);
    CHECK_FALSE(has_effect<DiscardEnrolment>(kiosk.all()));
}

TEST_CASE("Two passwords that differ are typed afresh; a taken number is refused at once") {
    FlowDriver kiosk = at_accounts();
    kiosk.send(KeyPressed{k_accounts_add_key});
    type_number(kiosk, "2002");
    kiosk.send(KeyPressed{k_account_id_next_key});
    CHECK(kiosk.session().screen.id == "service_account_add");
    CHECK(shows(kiosk, "Staff number 2002 has an account already."));
    kiosk.send(KeyPressed{k_account_id_clear_key});
    type_number(kiosk, "5005");
    kiosk.send(KeyPressed{k_account_id_next_key});
    kiosk.send(KeyPressed{Key::digit_1});
    CHECK(shows(kiosk, "Password for staff number 5005"));

    CHECK_FALSE(has_effect<EnrolAccount>(type_passwords(kiosk, "11112222", "11112223")));
    CHECK(shows(kiosk, kiosk.text("service_account_password.differ")));
    CHECK(kiosk.session().service->enrolment->password.empty());
    // Too short a password is said so.
    type_number(kiosk, "1234567");
    kiosk.send(KeyPressed{k_account_id_next_key});
    CHECK(mentions(kiosk.last(), kiosk.text("service_sign_in.too_short")));
    // Cancel goes back a field, then to the role, then to the number.
    kiosk.send(KeyPressed{k_accounts_back_key});
    CHECK(kiosk.session().screen.id == "service_account_role");
    kiosk.send(KeyPressed{k_accounts_back_key});
    CHECK(kiosk.session().screen.id == "service_account_add");
    CHECK_FALSE(has_effect<EnrolAccount>(kiosk.all()));
}

TEST_CASE("Wrong codes are said; the third ends the enrolment, and Cancel stops it") {
    SECTION("three wrong codes") {
        FlowDriver kiosk = at_accounts();
        enrolled_to_code(kiosk);
        for (int attempt = 1; attempt <= 2; ++attempt) {
            const ConfirmEnrolment wrong = type_code(kiosk, "000000");
            kiosk.send(AccountsAnswered{wrong.call_id, AccountsOutcome::wrong_code, staff()});
            CHECK(kiosk.session().screen.id == "service_account_code");
            CHECK(shows(kiosk,
                        "Not this slip's code. Check that your app shows Kiosk:5005, then type "
                        "its code."));
        }
        const ConfirmEnrolment third = type_code(kiosk, "000000");
        const auto& effects =
            kiosk.send(AccountsAnswered{third.call_id, AccountsOutcome::wrong_code, staff()});
        CHECK(has_effect<DiscardEnrolment>(effects));
        CHECK(kiosk.session().screen.id == "service_accounts");
        CHECK(shows(kiosk,
                    "Staff number 5005 is not added: its codes were wrong three times. "
                    "Shred its set-up slip."));
        CHECK(std::ranges::count(audits(kiosk.all()),
                                 "account_not_added 5005 key_custodian wrong_code") == 1);
    }
    SECTION("Cancel on the code's screen") {
        FlowDriver kiosk = at_accounts();
        enrolled_to_code(kiosk);
        CHECK(has_effect<DiscardEnrolment>(kiosk.send(KeyPressed{k_accounts_back_key})));
        CHECK(kiosk.session().screen.id == "service_accounts");
        CHECK(std::ranges::count(audits(kiosk.all()),
                                 "account_not_added 5005 key_custodian stopped") == 1);
    }
    SECTION("the visit ending, no key for too long") {
        FlowDriver kiosk = at_accounts();
        enrolled_to_code(kiosk);
        CHECK(has_effect<DiscardEnrolment>(kiosk.send(TimerFired{TimerId::service_idle})));
        CHECK(kiosk.session().state != State::service);
        CHECK(std::ranges::count(audits(kiosk.all()),
                                 "account_not_added 5005 key_custodian stopped") == 1);
    }
}

TEST_CASE("A set-up slip that does not print ends the enrolment, said, and nothing is added") {
    FlowDriver kiosk = at_accounts();
    begin_enrolment(kiosk, "5005", Key::digit_3);
    const auto asked = effects_of<EnrolAccount>(type_passwords(kiosk, "24681357", "24681357"));
    REQUIRE(asked.size() == 1);
    SECTION("paper out") {
        const auto printed = effects_of<Print>(
            kiosk.send(AccountsAnswered{asked.front().call_id, AccountsOutcome::done, staff()}));
        REQUIRE(printed.size() == 1);
        const auto& effects =
            kiosk.send(PrintFinished{printed.front().print_id, PrintResult::paper_out});
        CHECK(has_effect<DiscardEnrolment>(effects));
        CHECK(shows(kiosk, kiosk.text("service_account_enrolling.slip_paper_out")));
        CHECK(shows(kiosk, kiosk.text("service_account_enrolling.not_added")));
        CHECK(kiosk.session().paper == PaperLevel::out);
        CHECK(std::ranges::count(audits(kiosk.all()),
                                 "account_not_added 5005 administrator slip paper_out") == 1);
        kiosk.send(KeyPressed{k_accounts_back_key});
        CHECK(kiosk.session().screen.id == "service_accounts");
        CHECK_FALSE(kiosk.session().service->enrolment.has_value());
    }
    SECTION("no printer: no slip is sent") {
        kiosk.session().printer_missing = true;
        const auto& effects =
            kiosk.send(AccountsAnswered{asked.front().call_id, AccountsOutcome::done, staff()});
        CHECK_FALSE(has_effect<Print>(effects));
        CHECK(has_effect<DiscardEnrolment>(effects));
        CHECK(shows(kiosk, kiosk.text("service_account_enrolling.slip_failed")));
    }
    SECTION("kiosk/access refuses: the number was taken meanwhile") {
        kiosk.send(AccountsAnswered{asked.front().call_id, AccountsOutcome::duplicate_id, staff()});
        CHECK(kiosk.session().screen.id == "service_accounts");
        CHECK(shows(kiosk, "Staff number 5005 is not added: it has an account already."));
        CHECK_FALSE(has_effect<Print>(kiosk.all()));
    }
}
