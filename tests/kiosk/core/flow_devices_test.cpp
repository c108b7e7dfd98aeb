// When a device or the voice is missing (docs/accessibility.md): the customer sees and hears a
// polite notice with the alternatives, choices that need the missing device are not offered,
// staff are told, and the kiosk takes the device back by itself.

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "kiosk/core/screens.h"
#include "tests/kiosk/core/flow_driver.h"

using namespace kiosk::core;
using namespace kiosk::core::testing;

namespace {

bool shows(const std::optional<ScreenModel>& screen, const std::string& words) {
    return screen && std::ranges::any_of(screen->elements, [&](const Element& element) {
               return element.text == words;
           });
}

}  // namespace

TEST_CASE(
    "Without a card reader the welcome screen says so, offers the alternatives and tells "
    "staff") {
    for (const std::string_view locale : {"zh-CN", "zh-HK", "en"}) {
        INFO(locale);
        FlowDriver kiosk;
        kiosk.send(Started{});
        kiosk.session().locale = std::string(locale);
        const auto& effects = kiosk.send(DeviceMissing{Device::card_reader});
        const auto screen = last_screen(effects);
        CHECK(shows(screen, kiosk.text("device.card_reader_missing")));
        // No "insert your card" where no card can be taken.
        CHECK_FALSE(shows(screen, kiosk.text("welcome.prompt")));
        CHECK(spoken_text(effects).find(kiosk.text("device.card_reader_missing")) !=
              std::string::npos);
        const auto staff = effects_of<NotifyStaff>(effects);
        REQUIRE(staff.size() == 1);
        CHECK(staff.front().reason == "card_reader missing");
        // It comes back: the prompt returns at once.
        const auto back = last_screen(kiosk.send(DeviceReturned{Device::card_reader}));
        CHECK(shows(back, kiosk.text("welcome.prompt")));
        CHECK_FALSE(shows(back, kiosk.text("device.card_reader_missing")));
    }
}

TEST_CASE("Without the PIN pad the welcome screen offers no choice, for no key would work") {
    for (const bool elder_mode : {false, true}) {
        for (const std::string_view locale : {"zh-CN", "zh-HK", "en"}) {
            INFO(locale << (elder_mode ? " elder" : ""));
            FlowDriver kiosk;
            kiosk.send(Started{});
            kiosk.session().locale = std::string(locale);
            kiosk.session().elder_mode = elder_mode;
            const auto& effects = kiosk.send(DeviceMissing{Device::pin_pad});
            const auto screen = last_screen(effects);
            REQUIRE(screen);
            CHECK(screen->id == "welcome");
            CHECK(shows(screen, kiosk.text("device.pin_pad_missing")));
            // Every key is on the pad: no language, setting, ticket or staff choice on a key.
            CHECK(std::ranges::none_of(screen->elements, [](const Element& element) {
                return element.role == Role::choice || element.key.has_value();
            }));
            CHECK_FALSE(screen->takes_digits);
            // Nor said: no "press" of any key.
            const std::string spoken = spoken_text(effects);
            CHECK(spoken.find(kiosk.text("device.pin_pad_missing")) != std::string::npos);
            for (const char* key : {"key.1", "key.5", "key.6", "key.7", "key.help"}) {
                INFO(key);
                CHECK(spoken.find(kiosk.text(key)) == std::string::npos);
            }
            // The pad is back: the choices are too.
            const auto back = last_screen(kiosk.send(DeviceReturned{Device::pin_pad}));
            REQUIRE(back);
            CHECK(std::ranges::count(back->elements, Role::choice, &Element::role) >= 4);
        }
    }
}

TEST_CASE("Without the PIN pad a key that reaches the welcome screen chooses nothing") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, DeviceMissing{Device::pin_pad}});
    for (const base::Key key :
         {base::Key::digit_1, base::Key::digit_2, base::Key::digit_4, base::Key::digit_5,
          base::Key::digit_6, base::Key::digit_7, base::Key::enter}) {
        INFO(base::to_string(key));
        const auto& effects = kiosk.send(KeyPressed{key});
        CHECK(kiosk.session().state == State::welcome);
        CHECK(kiosk.session().locale == "zh-CN");
        CHECK_FALSE(kiosk.session().elder_mode);
        CHECK(effects_of<CallStaff>(effects).empty());
        CHECK(effects_of<ListBusinesses>(effects).empty());
        // The customer hears again where to go instead.
        CHECK(mentions(effects, kiosk.text("device.pin_pad_missing")));
    }
}

TEST_CASE("Without the PIN pad the welcome screen says the keypad is out and offers no Help key") {
    FlowDriver kiosk;
    kiosk.send(Started{});
    const auto screen = last_screen(kiosk.send(DeviceMissing{Device::pin_pad}));
    CHECK(shows(screen, kiosk.text("device.pin_pad_missing")));
    CHECK_FALSE(shows(screen, kiosk.text("welcome.prompt")));
    // The Help key is on the pad.
    CHECK_FALSE(shows(screen, kiosk.text("welcome.help")));
    CHECK(has_effect<NotifyStaff>(kiosk.last()));
    // The same news twice changes nothing.
    CHECK(kiosk.send(DeviceMissing{Device::pin_pad}).size() == 1);
}

TEST_CASE(
    "A card put in while the PIN pad is out of service comes back at once, staff not told again") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, DeviceMissing{Device::pin_pad}, CardInserted{}});
    const auto& effects = kiosk.send(CardRead{sample_card()});
    CHECK_FALSE(has_effect<StartPinEntry>(effects));
    CHECK(has_effect<EjectCard>(effects));
    CHECK_FALSE(has_effect<NotifyStaff>(effects));
    CHECK(kiosk.session().end_reason == EndReason::pin_pad_failed);
    CHECK(last_screen(effects)->id == "error_pin_pad");
}

TEST_CASE("The PIN pad lost during a session returns the card with an apology") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    const auto& effects = kiosk.send(DeviceMissing{Device::pin_pad});
    CHECK(kiosk.session().state == State::returning_card);
    CHECK(last_screen(effects)->id == "error_pin_pad");
    CHECK(has_effect<EjectCard>(effects));
    CHECK(has_effect<NotifyStaff>(effects));
}

TEST_CASE("The card reader lost with a card inside says where the card is and who brings it") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    const auto& effects = kiosk.send(DeviceMissing{Device::card_reader});
    CHECK(last_screen(effects)->id == "error_card_reader");
    CHECK(kiosk.session().state == State::goodbye);
    CHECK_FALSE(kiosk.session().card.has_value());
    CHECK(has_effect<NotifyStaff>(effects));
    // Then the welcome screen, telling the next customer no card can be taken.
    const auto next = last_screen(kiosk.fire(TimerId::goodbye));
    CHECK(shows(next, kiosk.text("device.card_reader_missing")));
}

TEST_CASE("Without a voice every screen says so, and it is said again when the voice is back") {
    FlowDriver kiosk;
    kiosk.send(Started{});
    const auto& lost = kiosk.send(DeviceMissing{Device::voice});
    CHECK(shows(last_screen(lost), kiosk.text("device.voice_missing")));
    CHECK(has_effect<NotifyStaff>(lost));
    kiosk.send_all({CardInserted{}, CardRead{sample_card()}});
    CHECK(shows(last_screen(kiosk.last()), kiosk.text("device.voice_missing")));
    const auto& back = kiosk.send(DeviceReturned{Device::voice});
    CHECK_FALSE(shows(last_screen(back), kiosk.text("device.voice_missing")));
    CHECK(has_effect<Speak>(back));
}

TEST_CASE("A missing device is a fact about the kiosk, carried to the next customer") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, DeviceMissing{Device::pin_pad}, CardInserted{}, CardRemoved{}});
    kiosk.fire(TimerId::goodbye);
    CHECK(kiosk.session().pin_pad_missing);
    CHECK(shows(last_screen(kiosk.last()), kiosk.text("device.pin_pad_missing")));
}

TEST_CASE("A card with no application the kiosk accepts is told so, not to wipe the chip") {
    for (const std::string_view locale : {"zh-CN", "zh-HK", "en"}) {
        INFO(locale);
        FlowDriver kiosk;
        kiosk.send(Started{});
        kiosk.session().locale = std::string(locale);
        kiosk.send_all(
            {CardInserted{}, CardReadFailed{"no accepted application", CardFault::not_accepted}});
        const auto screen = last_screen(kiosk.last());
        REQUIRE(screen);
        CHECK(screen->id == "error_card_not_accepted");
        CHECK(shows(screen, kiosk.text("error_card_not_accepted.next")));
        CHECK_FALSE(shows(screen, kiosk.text("error_card_unreadable.next")));
        CHECK(has_effect<EjectCard>(kiosk.last()));
    }
}
