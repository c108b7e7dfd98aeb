// WCAG 2.2.1 (timing adjustable) as docs/accessibility.md words it: warned on screen and in speech,
// one key to extend, at least 20 s to answer, at least ten times; elder and audio modes double.

#include <algorithm>

#include <catch2/catch.hpp>

#include "kiosk/core/screens.h"
#include "tests/kiosk/core/flow_driver.h"

using namespace kiosk::core;
using namespace kiosk::core::testing;

namespace {

bool offers_more_time(const std::vector<Effect>& effects) {
    const auto screen = last_screen(effects);
    return screen && std::ranges::any_of(screen->elements, [](const Element& element) {
               return element.role == Role::choice && element.key == base::Key::enter;
           });
}

}  // namespace

TEST_CASE("The policy gives at least 20 seconds to answer and at least ten extensions") {
    CHECK(policy::k_inactivity_warning_ms >= 20'000);
    CHECK(policy::k_maximum_timeout_extensions >= 10);
    CHECK(policy::k_slow_mode_timeout_factor >= 2);
    CHECK(policy::k_elder_rate_wpm < policy::k_standard_rate_wpm);
    CHECK(policy::k_elder_rate_wpm >= 80);  // eSpeak NG's slowest rate
}

TEST_CASE("Interactive screens start the inactivity time-out") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    CHECK(timer_started(kiosk.last(), TimerId::inactivity) == policy::k_inactivity_timeout_ms);
    kiosk.send_all({PinDigitEntered{4}, PinEntered{sample_pin_block()}});
    CHECK(timer_cancelled(kiosk.last(), TimerId::inactivity));
    kiosk.reply(balance_reply(100));
    CHECK(timer_started(kiosk.last(), TimerId::inactivity) == policy::k_inactivity_timeout_ms);
    kiosk.send(KeyPressed{base::Key::digit_1});
    CHECK(timer_started(kiosk.last(), TimerId::inactivity) == policy::k_inactivity_timeout_ms);
}

TEST_CASE("Inactivity on the menu warns on screen and in speech and Enter gives more time") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    const auto& warning = kiosk.fire(TimerId::inactivity);
    CHECK(kiosk.session().state == State::timeout_warning);
    const auto screen = last_screen(warning);
    REQUIRE(screen);
    CHECK(screen->id == "timeout_warning");
    CHECK(offers_more_time(warning));
    const std::string speech = spoken_text(warning);
    CHECK(speech.find("需要更多时间，请按确认键。") != std::string::npos);
    CHECK(speech.find("二十秒") != std::string::npos);
    CHECK(timer_started(warning, TimerId::inactivity_warning) == policy::k_inactivity_warning_ms);
    const auto tones = effects_of<Tone>(warning);
    REQUIRE(tones.size() == 1);
    CHECK(tones.front().kind == ToneKind::attention);

    const auto& extended = kiosk.send(KeyPressed{k_timeout_extend_key});
    CHECK(kiosk.session().state == State::menu);
    CHECK(kiosk.session().timeout_extensions_used == 1);
    CHECK(timer_cancelled(extended, TimerId::inactivity_warning));
    CHECK(timer_started(extended, TimerId::inactivity) == policy::k_inactivity_timeout_ms);
    CHECK(last_screen(extended)->id == "menu");
}

TEST_CASE("Other keys on the time-out warning do not count as asking for more time") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    kiosk.fire(TimerId::inactivity);
    kiosk.send(KeyPressed{base::Key::digit_1});
    CHECK(kiosk.session().state == State::timeout_warning);
    CHECK(kiosk.session().timeout_extensions_used == 0);
}

TEST_CASE("No answer to the time-out warning ends the session and returns the card") {
    FlowDriver kiosk;
    kiosk.reach_balance();
    kiosk.fire(TimerId::inactivity);
    const auto& ended = kiosk.fire(TimerId::inactivity_warning);
    CHECK(has_effect<EjectCard>(ended));
    CHECK(last_screen(ended)->id == "timed_out");
    CHECK(kiosk.session().state == State::returning_card);
    CHECK_FALSE(kiosk.session().balance.has_value());
}

TEST_CASE("More time can be asked for ten times and then the last warning ends the session") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    for (int extension = 1; extension <= policy::k_maximum_timeout_extensions; ++extension) {
        INFO("extension " << extension);
        REQUIRE(offers_more_time(kiosk.fire(TimerId::inactivity)));
        kiosk.send(KeyPressed{base::Key::enter});
        REQUIRE(kiosk.session().state == State::menu);
    }
    const auto& last_warning = kiosk.fire(TimerId::inactivity);
    CHECK(kiosk.session().state == State::timeout_warning);
    CHECK_FALSE(offers_more_time(last_warning));
    CHECK(spoken_text(last_warning).find("即将结束") != std::string::npos);
    kiosk.send(KeyPressed{base::Key::enter});
    CHECK(kiosk.session().state == State::timeout_warning);
    kiosk.fire(TimerId::inactivity_warning);
    CHECK(last_screen(kiosk.last())->id == "timed_out");
}

TEST_CASE("A time-out during PIN entry cancels the entry and Enter starts it again") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send(PinDigitEntered{2});
    const auto& warning = kiosk.fire(TimerId::inactivity);
    CHECK(has_effect<CancelPinEntry>(warning));
    kiosk.send(PinEntryCancelled{});  // the PIN pad's confirmation changes nothing
    CHECK(kiosk.session().state == State::timeout_warning);
    const auto& resumed = kiosk.send(KeyPressed{base::Key::enter});
    CHECK(has_effect<StartPinEntry>(resumed));
    CHECK(kiosk.session().state == State::pin_entry);
}

TEST_CASE("A PIN digit counts as activity and restarts the inactivity time-out") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    CHECK(timer_started(kiosk.send(PinDigitEntered{1}), TimerId::inactivity));
}

TEST_CASE("Elder mode doubles the time-outs") {
    FlowDriver kiosk;
    kiosk.send_all(
        {Started{}, KeyPressed{k_welcome_elder_mode_key}, CardInserted{}, CardRead{sample_card()}});
    CHECK(timer_started(kiosk.last(), TimerId::inactivity) == 2 * policy::k_inactivity_timeout_ms);
    const auto& warning = kiosk.fire(TimerId::inactivity);
    CHECK(timer_started(warning, TimerId::inactivity_warning) ==
          2 * policy::k_inactivity_warning_ms);
    CHECK(spoken_text(warning).find("四十秒") != std::string::npos);
}

TEST_CASE("Audio mode doubles the time-outs, also when the headphones come mid-screen") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    const auto& plugged = kiosk.send(HeadphonesPlugged{});
    CHECK(timer_started(plugged, TimerId::inactivity) == 2 * policy::k_inactivity_timeout_ms);
    const auto& unplugged = kiosk.send(HeadphonesUnplugged{});
    CHECK(timer_started(unplugged, TimerId::inactivity) == policy::k_inactivity_timeout_ms);
}

TEST_CASE("Elder and audio modes together do not compound the time-outs") {
    Resources resources = real_resources();
    Session session = new_session(resources);
    session.elder_mode = true;
    session.headphones = true;
    CHECK(timer_milliseconds(TimerId::inactivity, resources, session) ==
          policy::k_slow_mode_timeout_factor * policy::k_inactivity_timeout_ms);
    CHECK(timer_milliseconds(TimerId::reminder, resources, session) ==
          policy::k_card_reminder_interval_ms);
}

TEST_CASE("Durations come from the policy in the resources") {
    Resources resources = real_resources();
    resources.policy.inactivity_timeout_ms = 12'345;
    FlowDriver kiosk(resources);
    kiosk.reach_menu();
    CHECK(timer_started(kiosk.last(), TimerId::inactivity) == 12'345);
}
