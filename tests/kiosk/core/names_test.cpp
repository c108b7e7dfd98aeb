#include <catch2/catch.hpp>

#include "kiosk/core/effects.h"
#include "kiosk/core/events.h"
#include "kiosk/core/screen.h"
#include "kiosk/core/screens.h"
#include "kiosk/core/session.h"

using namespace kiosk::core;

TEST_CASE("Events are named for the transcript") {
    CHECK(to_string(Event{CardInserted{}}) == "CardInserted");
    CHECK(to_string(Event{CardAuthenticationRenewed{}}) == "CardAuthenticationRenewed");
    CHECK(to_string(Event{KeyPressed{base::Key::enter}}) == "KeyPressed");
    CHECK(to_string(Event{TimerFired{TimerId::reminder}}) == "TimerFired");
    CHECK(to_string(Event{HeadphonesUnplugged{}}) == "HeadphonesUnplugged");
}

TEST_CASE("Effects, roles, channels, tones, timers and states have names") {
    CHECK(to_string(Effect{EjectCard{}}) == "EjectCard");
    CHECK(to_string(Effect{RenewCardAuthentication{}}) == "RenewCardAuthentication");
    CHECK(to_string(Effect{Journal{"a", "b"}}) == "Journal");
    CHECK(to_string(Role::amount) == "amount");
    CHECK(to_string(Channel::headphones) == "headphones");
    CHECK(to_string(ToneKind::digit) == "digit");
    CHECK(to_string(TimerId::inactivity_warning) == "inactivity_warning");
    CHECK(to_string(ServiceStatus::wrong_pin) == "wrong_pin");
    CHECK(to_string(State::returning_card) == "returning_card");
    CHECK(to_string(EndReason::pin_locked) == "pin_locked");
}

TEST_CASE("Screen ids are distinct") {
    std::vector<std::string_view> names;
    for (const ScreenId id : k_all_screen_ids) {
        names.push_back(to_string(id));
    }
    std::ranges::sort(names);
    CHECK(std::ranges::adjacent_find(names) == names.end());
    CHECK(names.size() == k_all_screen_ids.size());
}
