// The key ceremony (kiosk/core/README.md, "The key ceremony"): dual control of the PIN pad's
// master key. Only a key custodian starts it, and only another key custodian can be the second;
// each component's progress and KCV are shown and said; nothing is committed before both
// custodians have confirmed on the pad and the bank's working keys are here; a mismatch, an
// absent custodian, a bank without keys, a pad that cannot, or leaving the menu all end it with
// the old master key in place; and every step is journaled with the custodians' numbers.

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "kiosk/core/key_ceremony.h"
#include "kiosk/core/screens.h"
#include "kiosk/core/service_menu.h"
#include "kiosk/core/wording.h"
#include "tests/kiosk/core/flow_driver.h"

using namespace kiosk::core;
using namespace kiosk::core::testing;

namespace {

using base::Key;

constexpr std::string_view k_first_custodian = "2001";
constexpr std::string_view k_second_custodian = "2002";
const std::string k_component1_value = "8F1C2D3E4A";
const std::string k_component2_value = "51B0C9D8E7";
const std::string k_master_value = "3C5A7E9B1D";

void ceremony_type_in(FlowDriver& kiosk, std::string_view digits) {
    for (const char digit : digits) {
        kiosk.send(KeyPressed{*base::digit_key(digit - '0')});
    }
}

// Types id, password and code on the sign-in screen shown; returns the check asked for.
CheckSignIn ceremony_credentials(FlowDriver& kiosk, std::string_view id) {
    ceremony_type_in(kiosk, id);
    kiosk.send(KeyPressed{Key::enter});
    ceremony_type_in(kiosk, "20261204");
    kiosk.send(KeyPressed{Key::enter});
    ceremony_type_in(kiosk, "287082");
    const auto checks = effects_of<CheckSignIn>(kiosk.send(KeyPressed{Key::enter}));
    REQUIRE(checks.size() == 1);
    CHECK(checks.front().engineer_id == id);
    return checks.front();
}

FlowDriver custodian_signed_in(EngineerRole role, std::string locale = "en") {
    FlowDriver kiosk;
    kiosk.send(Started{});
    kiosk.session().locale = std::move(locale);
    kiosk.send(ServiceSwitchChanged{true});
    const CheckSignIn check = ceremony_credentials(kiosk, k_first_custodian);
    kiosk.send(SignInChecked{check.call_id, SignInOutcome::signed_in, role, 0, "ok"});
    REQUIRE(kiosk.session().service->step == ServiceStep::menu);
    return kiosk;
}

// A first custodian at the menu asks for the ceremony; the second signs in as `role`.
const std::vector<Effect>& second_signs_in(FlowDriver& kiosk, std::string_view id,
                                           EngineerRole role) {
    kiosk.send(KeyPressed{k_service_key_ceremony_key});
    const CheckSignIn check = ceremony_credentials(kiosk, id);
    return kiosk.send(SignInChecked{check.call_id, SignInOutcome::signed_in, role, 0, "ok"});
}

// The pad started: two custodians signed in, the ceremony begun on the pad.
FlowDriver ceremony_started(std::string locale = "en") {
    FlowDriver kiosk = custodian_signed_in(EngineerRole::key_custodian, std::move(locale));
    REQUIRE(has_effect<BeginKeyCeremony>(
        second_signs_in(kiosk, k_second_custodian, EngineerRole::key_custodian)));
    kiosk.send(KeyCeremonyProgressed{.progress = CeremonyProgress::started});
    return kiosk;
}

// Both components typed: the pad reports both KCVs and the combined one. Returns the bank's
// request for the working keys.
FetchWorkingKeys components_typed(FlowDriver& kiosk) {
    kiosk.send(KeyCeremonyProgressed{.progress = CeremonyProgress::component1_entered,
                                     .check_value = k_component1_value});
    kiosk.send(KeyCeremonyProgressed{.progress = CeremonyProgress::component2_entered,
                                     .check_value = k_component2_value});
    const auto fetch = effects_of<FetchWorkingKeys>(kiosk.send(KeyCeremonyProgressed{
        .progress = CeremonyProgress::combined, .check_value = k_master_value}));
    REQUIRE(fetch.size() == 1);
    return fetch.front();
}

std::vector<WorkingKeyBlock> ceremony_bank_keys() {
    return {
        {.slot = "authentication", .key_block = std::string(64, 'A'), .check_value = "AB12CD34EF"},
        {.slot = "pin_aes", .key_block = std::string(64, 'B'), .check_value = "7AD386C376"}};
}

std::vector<std::string> ceremony_journal_lines(const std::vector<Effect>& effects) {
    std::vector<std::string> lines;
    for (const Journal& record : effects_of<Journal>(effects)) {
        lines.push_back(record.event + " " + record.detail);
    }
    return lines;
}

bool ceremony_journaled(const std::vector<Effect>& effects, std::string_view line) {
    return std::ranges::count(ceremony_journal_lines(effects), std::string(line)) == 1;
}

bool ceremony_shows(const FlowDriver& kiosk, const std::string& line) {
    return std::ranges::any_of(kiosk.session().screen.elements,
                               [&](const Element& element) { return element.text == line; });
}

std::vector<EndKeyCeremony> ceremony_commits(const std::vector<Effect>& effects) {
    std::vector<EndKeyCeremony> found;
    for (const EndKeyCeremony& end : effects_of<EndKeyCeremony>(effects)) {
        if (end.commit) {
            found.push_back(end);
        }
    }
    return found;
}

bool ceremony_abandons(const std::vector<Effect>& effects) {
    return std::ranges::any_of(effects_of<EndKeyCeremony>(effects),
                               [](const EndKeyCeremony& end) { return !end.commit; });
}

}  // namespace

TEST_CASE("Only a key custodian's menu offers the master key change") {
    for (const EngineerRole role :
         {EngineerRole::engineer, EngineerRole::administrator, EngineerRole::key_custodian}) {
        FlowDriver kiosk = custodian_signed_in(role);
        const bool offered =
            std::ranges::any_of(kiosk.session().screen.elements, [&](const Element& element) {
                return element.text == kiosk.text("service_menu.key_ceremony");
            });
        CHECK(offered == (role == EngineerRole::key_custodian));
        kiosk.send(KeyPressed{k_service_key_ceremony_key});
        // An engineer's 1 takes the kiosk out of service; it never leads to a ceremony.
        CHECK((kiosk.session().service->step == ServiceStep::partner_sign_in) ==
              (role == EngineerRole::key_custodian));
    }
}

TEST_CASE(
    "The second must be another key custodian: an engineer, the first custodian again or a "
    "refused sign-in starts nothing") {
    FlowDriver kiosk = custodian_signed_in(EngineerRole::key_custodian);
    kiosk.forget();
    SECTION("an engineer") {
        CHECK_FALSE(
            has_effect<BeginKeyCeremony>(second_signs_in(kiosk, "1001", EngineerRole::engineer)));
        CHECK(kiosk.session().screen.id == "service_partner_sign_in");
        CHECK(ceremony_shows(kiosk, kiosk.text("service_partner_sign_in.not_custodian")));
        CHECK(ceremony_journaled(kiosk.all(), "sign_in_refused 1001 not_second_custodian"));
    }
    SECTION("the first custodian again") {
        CHECK_FALSE(has_effect<BeginKeyCeremony>(
            second_signs_in(kiosk, k_first_custodian, EngineerRole::key_custodian)));
        CHECK(ceremony_shows(kiosk, kiosk.text("service_partner_sign_in.not_custodian")));
    }
    SECTION("a wrong code") {
        kiosk.send(KeyPressed{k_service_key_ceremony_key});
        const CheckSignIn check = ceremony_credentials(kiosk, k_second_custodian);
        kiosk.send(
            SignInChecked{check.call_id, SignInOutcome::refused, std::nullopt, 0, "wrong_code"});
        CHECK_FALSE(has_effect<BeginKeyCeremony>(kiosk.all()));
        CHECK(ceremony_shows(kiosk, kiosk.text("service_partner_sign_in.refused")));
        CHECK(ceremony_journaled(kiosk.all(), "sign_in_refused 2002 wrong_code"));
    }
    // The first custodian is still signed in, and Cancel goes back to their menu.
    CHECK(kiosk.session().service->role == EngineerRole::key_custodian);
    kiosk.send(KeyPressed{Key::cancel});
    CHECK(kiosk.session().screen.id == "service_menu");
    CHECK(ceremony_journaled(kiosk.all(), "key_ceremony no second custodian"));
}

TEST_CASE("A second custodian's third failure locks the menu and signs the first out") {
    FlowDriver kiosk = custodian_signed_in(EngineerRole::key_custodian);
    kiosk.send(KeyPressed{k_service_key_ceremony_key});
    const CheckSignIn check = ceremony_credentials(kiosk, k_second_custodian);
    kiosk.send(SignInChecked{check.call_id, SignInOutcome::locked, std::nullopt, 300, "locked"});
    CHECK(kiosk.session().service->step == ServiceStep::locked);
    CHECK_FALSE(kiosk.session().service->role.has_value());
    CHECK_FALSE(kiosk.session().service->ceremony.has_value());
    CHECK(ceremony_journaled(kiosk.all(), "signed_out 2001 locked"));
}

TEST_CASE(
    "Each component is counted on the screen and its check value shown and said; the new key "
    "is committed only after both custodians confirm and the bank's keys are here") {
    FlowDriver kiosk = ceremony_started();
    CHECK(kiosk.session().screen.id == "service_ceremony");
    CHECK(ceremony_shows(kiosk, "Key custodian 2001: type component 1 on the PIN pad."));
    // Whose turn and how hexadecimal is typed are said; the count is only shown.
    const std::string turn = spoken_text(kiosk.last());
    CHECK(turn.find(": type component 1 on the PIN pad.") != std::string::npos);
    CHECK(turn.find(kiosk.text("service_ceremony.how")) != std::string::npos);
    CHECK(turn.find("of 32") == std::string::npos);
    // The pad reports how many digits are in, never which.
    kiosk.send(KeyCeremonyProgressed{.progress = CeremonyProgress::typing, .digits_typed = 7});
    CHECK(ceremony_shows(kiosk, "7 of 32 typed"));
    const FetchWorkingKeys fetch = components_typed(kiosk);
    CHECK(fetch.master_check_value == k_master_value);
    CHECK(kiosk.session().screen.id == "service_ceremony_check");
    CHECK(ceremony_shows(kiosk, "Component 1: 8F 1C 2D 3E 4A"));
    CHECK(ceremony_shows(kiosk, "Component 2: 51 B0 C9 D8 E7"));
    CHECK(ceremony_shows(kiosk, "New master key: 3C 5A 7E 9B 1D"));
    // Said a character at a time, in the pairs the screen shows, as the forms are read.
    CHECK(spoken_text(kiosk.last()).find("New master key: 3 C, 5 A, 7 E, 9 B, 1 D") !=
          std::string::npos);
    CHECK(ceremony_shows(kiosk,
                         "Key custodian 2001: if these match your forms, press Enter on the PIN "
                         "pad. If not, press Cancel."));

    kiosk.send(WorkingKeysFetched{fetch.call_id, WorkingKeysOutcome::ok, ceremony_bank_keys()});
    CHECK(ceremony_commits(kiosk.all()).empty());
    CHECK(ceremony_commits(kiosk.send(KeyPressed{Key::enter})).empty());  // the first custodian
    // Only the next custodian's prompt is said: the check values were heard already.
    const std::string prompt = spoken_text(kiosk.last());
    CHECK(prompt.find("if these match your forms, press Enter on the PIN pad") !=
          std::string::npos);
    CHECK(prompt.find("New master key") == std::string::npos);
    CHECK(ceremony_shows(kiosk,
                         "Key custodian 2002: if these match your forms, press Enter on the PIN "
                         "pad. If not, press Cancel."));
    const std::vector<EndKeyCeremony> committed =
        ceremony_commits(kiosk.send(KeyPressed{Key::enter}));
    REQUIRE(committed.size() == 1);
    CHECK(committed.front().keys == ceremony_bank_keys());
    CHECK(kiosk.session().service->ceremony->step == CeremonyStep::committing);
    // Nothing more is taken while the pad commits.
    CHECK(ceremony_commits(kiosk.send(KeyPressed{Key::enter})).empty());

    kiosk.send(KeyCeremonyCommitted{
        .committed = true,
        .master_check_value = k_master_value,
        .loaded = {{.slot = "authentication", .check_value = "AB12CD34EF", .matches = true},
                   {.slot = "pin_aes", .check_value = "7AD386C376", .matches = true}},
        .problem = {}});
    CHECK(kiosk.session().screen.id == "service_ceremony_result");
    CHECK(ceremony_shows(kiosk, kiosk.text("service_ceremony_result.title_done")));
    CHECK(ceremony_shows(kiosk, "Master key: 3C 5A 7E 9B 1D"));
    CHECK(ceremony_shows(kiosk, "PIN key, AES: 7A D3 86 C3 76"));
    CHECK(ceremony_shows(kiosk, "Authentication key: AB 12 CD 34 EF"));
    for (const std::string_view line :
         {"key_ceremony begun by 2001 and 2002", "key_ceremony component 1 entered, kcv 8F1C2D3E4A",
          "key_ceremony combined, kcv 3C5A7E9B1D", "key_ceremony confirmed by 2001",
          "key_ceremony confirmed by 2002", "key_ceremony committed, master key kcv 3C5A7E9B1D",
          "working_key_loaded pin_aes kcv 7AD386C376"}) {
        INFO(line);
        CHECK(ceremony_journaled(kiosk.all(), line));
    }
    // Back to the menu; the second custodian's sign-in was for the ceremony only.
    kiosk.send(KeyPressed{Key::enter});
    CHECK(kiosk.session().screen.id == "service_menu");
    CHECK(ceremony_journaled(kiosk.all(), "signed_out 2002 ceremony_over"));
}

TEST_CASE("Keys that come after both confirmations are committed as they arrive") {
    FlowDriver kiosk = ceremony_started();
    const FetchWorkingKeys fetch = components_typed(kiosk);
    kiosk.send(KeyPressed{Key::enter});
    kiosk.send(KeyPressed{Key::enter});
    CHECK(ceremony_shows(kiosk, kiosk.text("service_ceremony_check.waiting_for_bank")));
    CHECK(ceremony_commits(kiosk.all()).empty());
    CHECK(ceremony_commits(kiosk.send(WorkingKeysFetched{fetch.call_id, WorkingKeysOutcome::ok,
                                                         ceremony_bank_keys()}))
              .size() == 1);
}

TEST_CASE(
    "A check value that does not match a form: Cancel on the pad ends the ceremony and the old "
    "master key stays") {
    FlowDriver kiosk = ceremony_started("zh-CN");
    const FetchWorkingKeys fetch = components_typed(kiosk);
    kiosk.send(KeyPressed{Key::enter});
    // The second custodian's form differs: Cancel on the pad, which abandons it there.
    kiosk.send(KeyCeremonyProgressed{.progress = CeremonyProgress::abandoned,
                                     .end = CeremonyEnd::cancel_key});
    kiosk.send(WorkingKeysFetched{fetch.call_id, WorkingKeysOutcome::ok, ceremony_bank_keys()});
    CHECK(ceremony_commits(kiosk.all()).empty());
    CHECK(kiosk.session().screen.id == "service_ceremony_result");
    CHECK(ceremony_shows(kiosk, kiosk.text("service_ceremony_result.end_cancel_key")));
    CHECK(ceremony_shows(kiosk, kiosk.text("service_ceremony_result.title_ended")));
    // The check values the pad reported stay on the screen, to find the component that differs.
    CHECK(ceremony_shows(kiosk, "第二分量：51 B0 C9 D8 E7"));
    CHECK(ceremony_journaled(kiosk.all(), "key_ceremony ended, cancel_key"));
}

TEST_CASE(
    "A combined key the bank has no keys for is abandoned on the pad, even after both "
    "confirmations") {
    FlowDriver kiosk = ceremony_started();
    const FetchWorkingKeys fetch = components_typed(kiosk);
    kiosk.send(KeyPressed{Key::enter});
    kiosk.send(KeyPressed{Key::enter});
    const auto& effects =
        kiosk.send(WorkingKeysFetched{fetch.call_id, WorkingKeysOutcome::no_keys, {}});
    CHECK(ceremony_abandons(effects));
    CHECK(ceremony_commits(kiosk.all()).empty());
    CHECK(ceremony_shows(kiosk, kiosk.text("service_ceremony_result.end_bank_has_no_keys")));
    SECTION("the bank unreachable") {
        FlowDriver other = ceremony_started();
        const FetchWorkingKeys asked = components_typed(other);
        other.send(WorkingKeysFetched{asked.call_id, WorkingKeysOutcome::unavailable, {}});
        CHECK(ceremony_abandons(other.last()));
        CHECK(ceremony_shows(other, other.text("service_ceremony_result.end_bank_unavailable")));
    }
}

TEST_CASE(
    "One custodian absent: the pad's time-out ends it, and signing out or the switch ends it "
    "on the pad") {
    SECTION("nobody types for two minutes") {
        FlowDriver kiosk = ceremony_started();
        kiosk.send(KeyCeremonyProgressed{.progress = CeremonyProgress::abandoned,
                                         .end = CeremonyEnd::timed_out});
        CHECK(ceremony_shows(kiosk, kiosk.text("service_ceremony_result.end_timed_out")));
    }
    SECTION("the switch turned off while component 2 is awaited") {
        FlowDriver kiosk = ceremony_started();
        kiosk.send(KeyCeremonyProgressed{.progress = CeremonyProgress::component1_entered,
                                         .check_value = k_component1_value});
        kiosk.forget();
        CHECK(ceremony_abandons(kiosk.send(ServiceSwitchChanged{false})));
        CHECK(kiosk.session().state == State::welcome);
        CHECK(ceremony_journaled(kiosk.all(), "key_ceremony abandoned by the kiosk"));
        CHECK(ceremony_journaled(kiosk.all(), "signed_out 2002 ceremony_over"));
    }
    SECTION("nobody at the menu: signed out") {
        FlowDriver kiosk = ceremony_started();
        kiosk.forget();
        CHECK(ceremony_abandons(kiosk.fire(TimerId::service_idle)));
        CHECK(kiosk.session().screen.id == "service_sign_in");
    }
    SECTION("Cancel on the screen") {
        FlowDriver kiosk = ceremony_started();
        CHECK(ceremony_abandons(kiosk.send(KeyPressed{Key::cancel})));
        CHECK(ceremony_shows(kiosk, kiosk.text("service_ceremony_result.end_by_kiosk")));
    }
}

TEST_CASE("A pad that cannot start the ceremony says so, and nothing is asked of the bank") {
    FlowDriver kiosk = custodian_signed_in(EngineerRole::key_custodian);
    second_signs_in(kiosk, k_second_custodian, EngineerRole::key_custodian);
    kiosk.send(
        KeyCeremonyProgressed{.progress = CeremonyProgress::refused,
                              .problem = "pad cannot take confirmations on its keys (revision 6)"});
    CHECK(ceremony_shows(kiosk, kiosk.text("service_ceremony_result.end_pad_refused")));
    CHECK_FALSE(has_effect<FetchWorkingKeys>(kiosk.all()));
    CHECK(ceremony_journaled(
        kiosk.all(),
        "key_ceremony ended, pad_refused: pad cannot take confirmations on its keys "
        "(revision 6)"));
}

TEST_CASE("Working keys that did not load are named, and the keypad said to be out of service") {
    FlowDriver kiosk = ceremony_started();
    const FetchWorkingKeys fetch = components_typed(kiosk);
    kiosk.send(WorkingKeysFetched{fetch.call_id, WorkingKeysOutcome::ok, ceremony_bank_keys()});
    kiosk.send(KeyPressed{Key::enter});
    kiosk.send(KeyPressed{Key::enter});
    kiosk.send(KeyCeremonyCommitted{
        .committed = true,
        .master_check_value = k_master_value,
        .loaded = {{.slot = "authentication", .check_value = "AB12CD34EF", .matches = true},
                   {.slot = "pin_aes", .check_value = {}, .matches = false}},
        .problem = "the pad refused the key block for pin_aes (bad key block)"});
    CHECK(ceremony_shows(kiosk, kiosk.text("service_ceremony_result.title_incomplete")));
    CHECK(ceremony_shows(kiosk, "PIN key, AES: not loaded"));
    CHECK(ceremony_shows(kiosk, kiosk.text("service_ceremony_result.keypad_out_of_service")));
    CHECK(ceremony_journaled(kiosk.all(), "working_key_loaded pin_aes failed"));
}

TEST_CASE("The pad's ceremony news is taken only while a ceremony waits for it") {
    FlowDriver kiosk = custodian_signed_in(EngineerRole::key_custodian);
    const Session before = kiosk.session();
    kiosk.send(KeyCeremonyProgressed{.progress = CeremonyProgress::combined,
                                     .check_value = k_master_value});
    kiosk.send(KeyCeremonyCommitted{.committed = true, .master_check_value = k_master_value});
    CHECK(kiosk.session().screen.id == before.screen.id);
    CHECK_FALSE(has_effect<FetchWorkingKeys>(kiosk.all()));
}
