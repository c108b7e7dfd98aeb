// The service menu (kiosk/core/README.md, "The service menu"): how an engineer reaches it (the
// cabinet's switch, the key sequence), never during a customer's session; the sign-in, whose
// password and code go nowhere but to kiosk/access; the lock; what each role may do; out of
// service as customers meet it; and the way back.

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

void press(FlowDriver& kiosk, std::initializer_list<Key> keys) {
    for (const Key key : keys) {
        kiosk.send(KeyPressed{key});
    }
}

void type_digits(FlowDriver& kiosk, std::string_view digits) {
    for (const char digit : digits) {
        kiosk.send(KeyPressed{*base::digit_key(digit - '0')});
    }
}

void type_entry_keys(FlowDriver& kiosk) {
    for (const Key key : k_service_entry_keys) {
        kiosk.send(KeyPressed{key});
    }
}

std::string current_screen_id(const FlowDriver& kiosk) {
    return kiosk.session().screen.id;
}

std::vector<std::string> service_journal(const std::vector<Effect>& effects) {
    std::vector<std::string> events;
    for (const Journal& record : effects_of<Journal>(effects)) {
        events.push_back(record.event + (record.detail.empty() ? "" : " " + record.detail));
    }
    return events;
}

bool journal_holds(const std::vector<Effect>& effects, std::string_view line) {
    const std::vector<std::string> events = service_journal(effects);
    return std::ranges::find(events, std::string(line)) != events.end();
}

bool screen_shows(const ScreenModel& screen, const std::string& words) {
    return std::ranges::any_of(screen.elements,
                               [&](const Element& element) { return element.text == words; });
}

// From the welcome screen with the keys, an engineer types id, password and code; the check is
// asked for. Returns the CheckSignIn.
CheckSignIn type_sign_in(FlowDriver& kiosk, std::string_view id, std::string_view password,
                         std::string_view code) {
    type_digits(kiosk, id);
    kiosk.send(KeyPressed{Key::enter});
    type_digits(kiosk, password);
    kiosk.send(KeyPressed{Key::enter});
    type_digits(kiosk, code);
    const auto checks = effects_of<CheckSignIn>(kiosk.send(KeyPressed{Key::enter}));
    REQUIRE(checks.size() == 1);
    return checks.front();
}

void sign_in(FlowDriver& kiosk, EngineerRole role, std::string_view id = "1001") {
    const CheckSignIn check = type_sign_in(kiosk, id, "20261204", "287082");
    kiosk.send(SignInChecked{check.call_id, SignInOutcome::signed_in, role, 0, "ok"});
    REQUIRE(kiosk.session().state == State::service);
    REQUIRE(kiosk.session().service->step == ServiceStep::menu);
}

FlowDriver started_kiosk() {
    FlowDriver kiosk;
    kiosk.send(Started{});
    kiosk.session().locale = "en";
    return kiosk;
}

}  // namespace

TEST_CASE("The service key sequence on the welcome screen opens the sign-in screen") {
    FlowDriver kiosk = started_kiosk();
    kiosk.forget();
    type_entry_keys(kiosk);
    CHECK(kiosk.session().state == State::service);
    CHECK(current_screen_id(kiosk) == "service_sign_in");
    CHECK(journal_holds(kiosk.all(), "service_entered keys"));
    // A customer who came upon it hears that it is for staff, and Cancel takes them back.
    CHECK(mentions(kiosk.all(), kiosk.text("service_sign_in.staff_only")));
    kiosk.send(KeyPressed{Key::cancel});
    CHECK(kiosk.session().state == State::welcome);
    CHECK(current_screen_id(kiosk) == "welcome");
}

TEST_CASE(
    "The service key sequence cannot be hit by accident: an extra key, a pause or a "
    "repeated key starts it again") {
    SECTION("another key in between") {
        FlowDriver kiosk = started_kiosk();
        press(kiosk, {Key::cancel, Key::clear, Key::cancel, Key::help, Key::clear, Key::cancel,
                      Key::clear, Key::enter});
        CHECK(kiosk.session().state != State::service);
    }
    SECTION("too long a pause") {
        FlowDriver kiosk = started_kiosk();
        press(kiosk, {Key::cancel, Key::clear, Key::cancel});
        kiosk.fire(TimerId::service_keys);
        press(kiosk, {Key::clear, Key::cancel, Key::clear, Key::enter});
        CHECK(kiosk.session().state == State::welcome);
        // Typed again, whole and in time, it works.
        type_entry_keys(kiosk);
        CHECK(kiosk.session().state == State::service);
    }
    SECTION("a key pressed twice") {
        FlowDriver kiosk = started_kiosk();
        press(kiosk, {Key::cancel, Key::clear, Key::clear, Key::cancel, Key::clear, Key::cancel,
                      Key::clear, Key::enter});
        // The second Clear began nothing: what followed was the sequence's first five keys and
        // a wrong seventh.
        CHECK(kiosk.session().state == State::welcome);
        kiosk.send(KeyPressed{Key::enter});
        CHECK(kiosk.session().state == State::welcome);
    }
    SECTION("not on another screen") {
        FlowDriver kiosk = started_kiosk();
        kiosk.reach_menu();
        type_entry_keys(kiosk);
        CHECK(kiosk.session().state != State::service);
    }
}

TEST_CASE(
    "The password and the one-time code reach kiosk/access and nothing else: no screen, "
    "speech or journal holds them") {
    FlowDriver kiosk = started_kiosk();
    type_entry_keys(kiosk);
    kiosk.forget();
    const CheckSignIn check = type_sign_in(kiosk, "1001", "73519046", "287082");
    CHECK(check.engineer_id == "1001");
    CHECK(check.password.view() == "73519046");
    CHECK(check.code.view() == "287082");
    for (const Effect& effect : kiosk.all()) {
        if (std::holds_alternative<CheckSignIn>(effect)) {
            continue;
        }
        for (const std::string& text : texts_of(effect)) {
            INFO(text);
            CHECK(text.find("73519046") == std::string::npos);
            CHECK(text.find("287082") == std::string::npos);
        }
    }
    // The session keeps neither once the check is asked for.
    CHECK(kiosk.session().service->password.empty());
    CHECK(kiosk.session().service->code.empty());
    // The fields showed dots in groups of four, said as a count.
    const auto screens = screens_shown(kiosk.all());
    CHECK(std::ranges::any_of(
        screens, [&](const ScreenModel& screen) { return screen_shows(screen, "●●●● ●●●●"); }));
    CHECK(current_screen_id(kiosk) == "service_checking");
}

TEST_CASE("A sign-in field too short is refused with the reason, and nothing is checked") {
    FlowDriver kiosk = started_kiosk();
    type_entry_keys(kiosk);
    type_digits(kiosk, "123");
    const auto& effects = kiosk.send(KeyPressed{Key::enter});
    CHECK(mentions(effects, kiosk.text("service_sign_in.too_short")));
    CHECK(kiosk.session().service->field == SignInField::id);
    kiosk.send(KeyPressed{Key::digit_4});
    kiosk.send(KeyPressed{Key::enter});
    CHECK(kiosk.session().service->field == SignInField::password);
    type_digits(kiosk, "1234567");
    kiosk.send(KeyPressed{Key::enter});
    CHECK(kiosk.session().service->field == SignInField::password);
    CHECK_FALSE(has_effect<CheckSignIn>(kiosk.all()));
}

TEST_CASE("A refused sign-in says so without saying which part was wrong, and starts again") {
    FlowDriver kiosk = started_kiosk();
    type_entry_keys(kiosk);
    const CheckSignIn check = type_sign_in(kiosk, "1001", "73519046", "000000");
    const auto& effects = kiosk.send(
        SignInChecked{check.call_id, SignInOutcome::refused, std::nullopt, 0, "wrong_code"});
    CHECK(current_screen_id(kiosk) == "service_sign_in");
    CHECK(screen_shows(kiosk.session().screen, kiosk.text("service_sign_in.refused")));
    CHECK(kiosk.session().service->field == SignInField::id);
    CHECK(kiosk.session().service->engineer_id.empty());
    // The journal knows which check failed; the screen does not.
    CHECK(journal_holds(effects, "sign_in_refused 1001 wrong_code"));
    CHECK_FALSE(mentions(effects, "wrong_code"));
}

TEST_CASE(
    "Locked after failures: the lock is shown with its time, journaled, and nothing is "
    "typed until it ends") {
    FlowDriver kiosk = started_kiosk();
    type_entry_keys(kiosk);
    const CheckSignIn check = type_sign_in(kiosk, "1001", "73519046", "000000");
    const auto& effects = kiosk.send(
        SignInChecked{check.call_id, SignInOutcome::locked, std::nullopt, 300, "wrong_code"});
    CHECK(current_screen_id(kiosk) == "service_locked");
    CHECK(journal_holds(effects, "service_locked 300 s"));
    CHECK(mentions(effects, "5 minutes"));
    kiosk.send(KeyPressed{Key::digit_1});
    CHECK(kiosk.session().service->step == ServiceStep::locked);
    // Cancel takes the customers' screen back (no switch holds the kiosk).
    kiosk.send(KeyPressed{Key::cancel});
    CHECK(kiosk.session().state == State::welcome);
}

TEST_CASE("An engineer takes the kiosk out of service with a reason, and customers meet it") {
    FlowDriver kiosk = started_kiosk();
    type_entry_keys(kiosk);
    sign_in(kiosk, EngineerRole::engineer);
    CHECK(screen_shows(kiosk.session().screen, kiosk.text("service_menu.take_out_of_service")));
    kiosk.send(KeyPressed{k_service_out_of_service_key});
    CHECK(current_screen_id(kiosk) == "service_reason");
    kiosk.forget();
    kiosk.send(KeyPressed{Key::digit_2});  // being refilled with cash
    const auto set = effects_of<SetOutOfService>(kiosk.all());
    REQUIRE(set.size() == 1);
    CHECK(set.front().reason == OutOfServiceReason::cash);
    CHECK(journal_holds(kiosk.all(), "out_of_service on cash"));
    CHECK(screen_shows(kiosk.session().screen, kiosk.text("service_menu.back_in_service")));
    // Signed out, the customers' screen says why and where to go.
    kiosk.forget();
    kiosk.send(KeyPressed{k_service_sign_out_key});
    CHECK(journal_holds(kiosk.all(), "signed_out 1001 signed_out"));
    CHECK(kiosk.session().state == State::welcome);
    CHECK(current_screen_id(kiosk) == "out_of_service");
    CHECK(mentions(kiosk.all(), kiosk.text("out_of_service_reason.cash")));
    CHECK(mentions(kiosk.all(), kiosk.text("out_of_service.next")));
    CHECK_FALSE(kiosk.session().screen.takes_digits);
    // A card goes straight back, with why; no session begins.
    kiosk.forget();
    kiosk.send(CardInserted{});
    CHECK(has_effect<EjectCard>(kiosk.all()));
    CHECK(mentions(kiosk.all(), kiosk.text("out_of_service.take_card")));
    CHECK(kiosk.session().state == State::welcome);
    // Digits choose nothing; Help still brings a person.
    kiosk.send(KeyPressed{Key::digit_6});
    CHECK(kiosk.session().state == State::welcome);
    kiosk.send(KeyPressed{Key::help});
    CHECK(has_effect<CallStaff>(kiosk.all()));
}

TEST_CASE("Back in service, the welcome screen returns") {
    FlowDriver kiosk;
    kiosk.send(Started{{}, {}, OutOfServiceReason::network});
    kiosk.session().locale = "en";
    CHECK(kiosk.session().screen.id == "out_of_service");
    type_entry_keys(kiosk);
    sign_in(kiosk, EngineerRole::engineer);
    kiosk.forget();
    kiosk.send(KeyPressed{k_service_out_of_service_key});
    const auto set = effects_of<SetOutOfService>(kiosk.all());
    REQUIRE(set.size() == 1);
    CHECK_FALSE(set.front().reason.has_value());
    CHECK(journal_holds(kiosk.all(), "out_of_service off"));
    kiosk.send(KeyPressed{k_service_sign_out_key});
    CHECK(current_screen_id(kiosk) == "welcome");
}

TEST_CASE("Each role is offered only what it may do") {
    for (const EngineerRole role :
         {EngineerRole::engineer, EngineerRole::key_custodian, EngineerRole::administrator}) {
        INFO(to_string(role));
        FlowDriver kiosk = started_kiosk();
        type_entry_keys(kiosk);
        sign_in(kiosk, role);
        // The menu names the engineer by number and role, and no one else.
        CHECK(screen_shows(kiosk.session().screen,
                           "Signed in: staff number 1001, " +
                               kiosk.text("engineer_role." + std::string(to_string(role)))));
        const bool offered =
            screen_shows(kiosk.session().screen, kiosk.text("service_menu.take_out_of_service"));
        CHECK(offered == (role == EngineerRole::engineer));
        kiosk.forget();
        kiosk.send(KeyPressed{k_service_out_of_service_key});
        CHECK(has_effect<SetOutOfService>(kiosk.all()) == false);
        CHECK((kiosk.session().service->step == ServiceStep::out_of_service_reason) ==
              (role == EngineerRole::engineer));
    }
}

TEST_CASE(
    "The service switch during a customer's session waits for a safe moment, returns the "
    "card with an apology, then opens the sign-in screen") {
    SECTION("at the menu: the card comes back at once") {
        FlowDriver kiosk = started_kiosk();
        kiosk.reach_menu();
        kiosk.forget();
        kiosk.send(ServiceSwitchChanged{true});
        CHECK(journal_holds(kiosk.all(), "service_requested service_switch"));
        CHECK(kiosk.session().state == State::returning_card);
        CHECK(kiosk.session().end_reason == EndReason::kiosk_serviced);
        CHECK(has_effect<EjectCard>(kiosk.all()));
        CHECK(current_screen_id(kiosk) == "closing_for_service");
        // The customer's data is gone before the engineer comes.
        CHECK_FALSE(kiosk.session().card.has_value());
        kiosk.send(CardRemoved{});
        kiosk.fire(TimerId::goodbye);
        CHECK(kiosk.session().state == State::service);
        CHECK(kiosk.session().service->entry == ServiceEntry::service_switch);
        CHECK(current_screen_id(kiosk) == "service_sign_in");
        CHECK(screen_shows(kiosk.session().screen, kiosk.text("service_sign_in.closed")));
    }
    SECTION("while the PIN is checked: the answer comes first") {
        FlowDriver kiosk = started_kiosk();
        kiosk.reach_pin_entry();
        kiosk.send_all({PinDigitEntered{1}, PinDigitEntered{2}, PinDigitEntered{3},
                        PinDigitEntered{4}, PinEntered{sample_pin_block()}});
        REQUIRE(kiosk.session().state == State::verifying);
        kiosk.send(ServiceSwitchChanged{true});
        CHECK(kiosk.session().state == State::verifying);
        kiosk.reply(balance_reply(1'234'567));
        CHECK(kiosk.session().state == State::returning_card);
        CHECK(kiosk.session().end_reason == EndReason::kiosk_serviced);
    }
    SECTION("turned off again before the customer was done: nothing changes for them") {
        FlowDriver kiosk = started_kiosk();
        kiosk.reach_pin_entry();
        kiosk.send(PinDigitEntered{1});
        kiosk.session().state = State::verifying;  // as if the PIN were being checked
        kiosk.send(ServiceSwitchChanged{true});
        kiosk.send(ServiceSwitchChanged{false});
        CHECK_FALSE(kiosk.session().service_wanted.has_value());
        CHECK(journal_holds(kiosk.all(), "service_request_withdrawn"));
    }
}

TEST_CASE(
    "With the switch on the sign-in screen stays; turned off, the customers have the kiosk "
    "again") {
    FlowDriver kiosk = started_kiosk();
    kiosk.send(ServiceSwitchChanged{true});
    REQUIRE(kiosk.session().state == State::service);
    // No way back to the customers while the switch holds the kiosk.
    CHECK_FALSE(std::ranges::any_of(kiosk.session().screen.elements, [](const Element& element) {
        return element.key == Key::cancel;
    }));
    kiosk.send(KeyPressed{Key::cancel});
    CHECK(kiosk.session().state == State::service);
    sign_in(kiosk, EngineerRole::engineer);
    // Signing out with the switch on leaves the sign-in screen for the next engineer.
    kiosk.send(KeyPressed{k_service_sign_out_key});
    CHECK(kiosk.session().state == State::service);
    CHECK(current_screen_id(kiosk) == "service_sign_in");
    kiosk.forget();
    kiosk.send(ServiceSwitchChanged{false});
    CHECK(kiosk.session().state == State::welcome);
    CHECK(journal_holds(kiosk.all(), "service_left switch_off"));
}

TEST_CASE("An engineer who walks away is signed out") {
    FlowDriver kiosk = started_kiosk();
    type_entry_keys(kiosk);
    sign_in(kiosk, EngineerRole::engineer);
    const auto started = timer_started(kiosk.all(), TimerId::service_idle);
    REQUIRE(started);
    CHECK(*started == policy::k_service_menu_idle_ms);
    kiosk.forget();
    kiosk.fire(TimerId::service_idle);
    CHECK(journal_holds(kiosk.all(), "signed_out 1001 timed_out"));
    CHECK(kiosk.session().state == State::welcome);
}

TEST_CASE("A card pushed in while an engineer has the kiosk goes straight back") {
    FlowDriver kiosk = started_kiosk();
    kiosk.send(ServiceSwitchChanged{true});
    kiosk.forget();
    kiosk.send(CardInserted{});
    CHECK(has_effect<EjectCard>(kiosk.all()));
    CHECK(journal_holds(kiosk.all(), "card_refused service"));
    CHECK(kiosk.session().state == State::service);
}

TEST_CASE("Every step of an engineer's visit is kept in the audit trail, not only the transcript") {
    FlowDriver kiosk = started_kiosk();
    kiosk.forget();
    kiosk.send(ServiceSwitchChanged{true});
    const CheckSignIn refused = type_sign_in(kiosk, "1001", "73519046", "000000");
    kiosk.send(
        SignInChecked{refused.call_id, SignInOutcome::refused, std::nullopt, 0, "wrong_code"});
    sign_in(kiosk, EngineerRole::engineer);
    kiosk.send(KeyPressed{k_service_out_of_service_key});
    kiosk.send(KeyPressed{Key::digit_1});
    kiosk.send(KeyPressed{k_service_sign_out_key});
    kiosk.send(ServiceSwitchChanged{false});
    std::vector<std::string> kept;
    for (const Journal& record : effects_of<Journal>(kiosk.all())) {
        if (record.audit) {
            kept.push_back(record.event);
        }
    }
    CHECK(kept == std::vector<std::string>{"service_switch", "service_requested", "service_entered",
                                           "sign_in_refused", "signed_in", "out_of_service",
                                           "signed_out", "service_switch", "service_left"});
}

TEST_CASE(
    "When the kiosk changes hands, what was being said gives way at once: the customer "
    "hears the apology, the engineer the sign-in, customers their screen again") {
    const auto stops_before_show = [](const std::vector<Effect>& effects, std::string_view id) {
        bool stopped = false;
        for (const Effect& effect : effects) {
            if (std::holds_alternative<StopSpeech>(effect)) {
                stopped = true;
            } else if (const auto* show = std::get_if<Show>(&effect);
                       show != nullptr && show->screen.id == id) {
                return stopped;
            }
        }
        return false;
    };
    FlowDriver kiosk = started_kiosk();
    kiosk.reach_menu();
    CHECK(stops_before_show(kiosk.send(ServiceSwitchChanged{true}), "closing_for_service"));
    kiosk.send(CardRemoved{});
    CHECK(stops_before_show(kiosk.fire(TimerId::goodbye), "service_sign_in"));
    CHECK(stops_before_show(kiosk.send(ServiceSwitchChanged{false}), "welcome"));
}
