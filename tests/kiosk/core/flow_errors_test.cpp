// Every failure is explained politely, shown and spoken, with the next step, and the card is
// returned (docs/service-standards.md, first-contact responsibility).

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "kiosk/core/screens.h"
#include "tests/kiosk/core/flow_driver.h"

using namespace kiosk::core;
using namespace kiosk::core::testing;

namespace {

bool shows(const std::vector<Effect>& effects, std::string_view fragment) {
    const auto screen = last_screen(effects);
    return screen && std::ranges::any_of(screen->elements, [&](const Element& element) {
               return element.text.find(fragment) != std::string::npos;
           });
}

// The card is returned with an explanation; reminders start only once it has been heard.
void check_card_returned(const FlowDriver& kiosk, std::string_view screen_id) {
    const auto& effects = kiosk.last();
    CHECK(has_effect<EjectCard>(effects));
    CHECK(kiosk.session().state == State::returning_card);
    const auto screen = last_screen(effects);
    REQUIRE(screen);
    CHECK(screen->id == screen_id);
    CHECK_FALSE(timer_started(effects, TimerId::reminder));
    CHECK_FALSE(kiosk.session().card.has_value());
    CHECK(shows(effects, "请取回您的卡片"));
    CHECK(mentions(effects, "请取回您的卡片"));
}

}  // namespace

TEST_CASE("A wrong PIN explains the tries left and offers to enter it again") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send(PinEntered{sample_pin_block()});
    const auto& effects = kiosk.reply(status_reply(ServiceStatus::wrong_pin, 2));
    CHECK(kiosk.session().state == State::wrong_pin);
    CHECK_FALSE(has_effect<EjectCard>(effects));
    CHECK(last_screen(effects)->id == "wrong_pin");
    CHECK(shows(effects, "您还可以再试2次。"));
    CHECK(mentions(effects, "您还可以再试两次。"));
    // 重新 goes through the lexicon: eSpeak would read 重 as zhong4.
    CHECK(mentions(effects, "重新输入密码，请按一。"));
    CHECK(timer_started(effects, TimerId::inactivity));
}

TEST_CASE("After a wrong PIN a second try can succeed") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send(PinEntered{sample_pin_block()});
    kiosk.reply(status_reply(ServiceStatus::wrong_pin, 2));
    const auto& retry = kiosk.send(KeyPressed{base::Key::digit_1});
    CHECK(has_effect<StartPinEntry>(retry));
    CHECK(kiosk.session().state == State::pin_entry);
    const auto screen = last_screen(retry);
    REQUIRE(screen);
    CHECK(std::ranges::any_of(screen->elements, [](const Element& element) {
        return element.role == Role::status && element.speech == "您还可以再试两次。";
    }));
    kiosk.send_all({PinDigitEntered{4}, PinEntered{sample_pin_block()}});
    const auto calls = effects_of<Call>(kiosk.last());
    REQUIRE(calls.size() == 1);
    CHECK(calls.front().call_id == 2);
    kiosk.reply(balance_reply(100));
    CHECK(kiosk.session().state == State::menu);
    CHECK_FALSE(kiosk.session().pin_tries_left.has_value());
}

TEST_CASE("Cancel after a wrong PIN returns the card") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send(PinEntered{sample_pin_block()});
    kiosk.reply(status_reply(ServiceStatus::wrong_pin, 1));
    kiosk.send(KeyPressed{base::Key::cancel});
    check_card_returned(kiosk, "cancelled");
}

TEST_CASE("A wrong PIN with no tries left is treated as a locked PIN") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send(PinEntered{sample_pin_block()});
    kiosk.reply(status_reply(ServiceStatus::wrong_pin, 0));
    check_card_returned(kiosk, "error_pin_locked");
}

TEST_CASE("A locked PIN is explained with directions to the counter and the card is returned") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send(PinEntered{sample_pin_block()});
    kiosk.reply(status_reply(ServiceStatus::pin_locked));
    check_card_returned(kiosk, "error_pin_locked");
    CHECK(mentions(kiosk.last(), "柜台"));
    CHECK(mentions(kiosk.last(), "抱歉"));
}

TEST_CASE("An unreadable card is explained, with what to try, and returned") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, CardInserted{}});
    kiosk.send(CardReadFailed{"card mute"});
    check_card_returned(kiosk, "error_card_unreadable");
    CHECK(mentions(kiosk.last(), "芯片"));
    CHECK(mentions(kiosk.last(), "插反"));
    CHECK(mentions(kiosk.last(), "柜台"));
    CHECK(timer_cancelled(kiosk.last(), TimerId::card_read));
    const auto journal = effects_of<Journal>(kiosk.last());
    CHECK(std::ranges::any_of(journal, [](const Journal& entry) {
        return entry.event == "card_read_failed" && entry.detail == "card mute";
    }));
}

TEST_CASE("A reader that never reports the read is treated as an unreadable card") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, CardInserted{}});
    REQUIRE(timer_started(kiosk.last(), TimerId::card_read) == policy::k_card_read_timeout_ms);
    kiosk.fire(TimerId::card_read);
    check_card_returned(kiosk, "error_card_unreadable");
}

TEST_CASE("An account service that is down gets an apology, staff are told, the card returned") {
    for (const ServiceStatus status :
         {ServiceStatus::unavailable, ServiceStatus::timeout, ServiceStatus::bad_reply}) {
        INFO(to_string(status));
        FlowDriver kiosk;
        kiosk.reach_pin_entry();
        kiosk.send(PinEntered{sample_pin_block()});
        kiosk.reply(status_reply(status));
        check_card_returned(kiosk, "error_service_unavailable");
        CHECK(has_effect<NotifyStaff>(kiosk.last()));
        CHECK(mentions(kiosk.last(), "非常抱歉"));
        CHECK(mentions(kiosk.last(), "其他自助设备"));
        CHECK(mentions(kiosk.last(), "帮助键"));
        CHECK(mentions(kiosk.last(), "您的账户没有任何变动"));
    }
}

TEST_CASE("An ok reply without a balance is treated as a broken reply") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send(PinEntered{sample_pin_block()});
    kiosk.reply(status_reply(ServiceStatus::ok));
    check_card_returned(kiosk, "error_service_unavailable");
}

TEST_CASE("A service call that never returns is cancelled and explained") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send(PinEntered{sample_pin_block()});
    const std::uint64_t call = kiosk.session().pending_call.value();
    kiosk.fire(TimerId::service_call);
    check_card_returned(kiosk, "error_service_unavailable");
    const auto cancels = effects_of<CancelCall>(kiosk.last());
    REQUIRE(cancels.size() == 1);
    CHECK(cancels.front().call_id == call);
}

TEST_CASE("A card the account service does not know is sent to the counter") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send(PinEntered{sample_pin_block()});
    kiosk.reply(status_reply(ServiceStatus::card_unknown));
    check_card_returned(kiosk, "error_card_unknown");
    CHECK(mentions(kiosk.last(), "柜台"));
}

TEST_CASE("A PIN pad failure is explained, reported to staff, and the card returned") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send(PinEntryFailed{"tamper switch"});
    check_card_returned(kiosk, "error_pin_pad");
    CHECK(has_effect<NotifyStaff>(kiosk.last()));
    CHECK_FALSE(has_effect<CancelPinEntry>(kiosk.last()));
}

TEST_CASE("Cancel on the PIN pad ends the session and returns the card") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send(PinEntryCancelled{});
    check_card_returned(kiosk, "cancelled");
    CHECK_FALSE(has_effect<CancelPinEntry>(kiosk.last()));
}

TEST_CASE("Cancel while the card is being read returns it") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, CardInserted{}, KeyPressed{base::Key::cancel}});
    check_card_returned(kiosk, "cancelled");
}

TEST_CASE("Taking the card from the menu says thank you and reminds to take it") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    kiosk.send(KeyPressed{k_menu_take_card_key});
    CHECK(has_effect<EjectCard>(kiosk.last()));
    CHECK(last_screen(kiosk.last())->id == "take_card");
    CHECK(mentions(kiosk.last(), "请取回您的卡片"));
}

TEST_CASE("A reply to a call that is no longer pending is ignored") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send(PinEntered{sample_pin_block()});
    const std::uint64_t call = kiosk.session().pending_call.value();
    const auto& effects = kiosk.send(ReplyReceived{call + 1, balance_reply(100)});
    CHECK_FALSE(has_effect<Show>(effects));
    CHECK(kiosk.session().state == State::verifying);
    CHECK(kiosk.session().pending_call == call);
}

TEST_CASE("A timer that was cancelled is ignored when it fires anyway") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    kiosk.send(KeyPressed{base::Key::help});  // cancels the inactivity timer
    const auto& effects = kiosk.send(TimerFired{TimerId::inactivity});
    CHECK_FALSE(has_effect<Show>(effects));
    CHECK(kiosk.session().state == State::staff_called);
}

TEST_CASE("The journal records each step without personal data") {
    FlowDriver kiosk;
    kiosk.reach_balance();
    kiosk.send(KeyPressed{base::Key::digit_2});
    std::vector<std::string> events;
    for (const Journal& entry : effects_of<Journal>(kiosk.all())) {
        events.push_back(entry.event);
    }
    for (const std::string_view expected :
         {"kiosk_started", "card_inserted", "card_read", "pin_entry_started", "balance_requested",
          "sign_on_reply", "balance_shown", "session_ended"}) {
        INFO(expected);
        CHECK(std::ranges::find(events, expected) != events.end());
    }
}

namespace {

// The sample card expires in December 2029.
constexpr CalendarMonth k_after_expiry{2030, 1};
constexpr CalendarMonth k_expiry_month{2029, 12};

// Nothing the flow journaled, showed or said holds the card's number or its expiry.
void check_no_card_details(const std::vector<Effect>& effects) {
    for (const Effect& effect : effects) {
        for (const std::string& text : texts_of(effect)) {
            CHECK(text.find(k_sample_pan) == std::string::npos);
            CHECK(text.find("2912") == std::string::npos);
        }
    }
}

// A screen and its speech: the title, what happened and what to do, each said in full.
void check_explained(const FlowDriver& kiosk, std::string_view screen_id) {
    const std::string section(screen_id);
    for (const char* part : {".title", ".text", ".next"}) {
        const std::string words = kiosk.text(section + part);
        INFO(section + part);
        REQUIRE_FALSE(words.empty());
        CHECK(shows(kiosk.last(), words));
        CHECK(mentions(kiosk.last(), words));
    }
}

}  // namespace

TEST_CASE("An expired card is explained and returned before any PIN is asked for") {
    for (const std::string_view preference : {"zh", "en"}) {
        INFO(preference);
        FlowDriver kiosk;
        kiosk.send_all({Started{}, CardInserted{}});
        kiosk.send(CardRead{sample_card(std::string(preference)), k_after_expiry});
        CHECK_FALSE(has_effect<StartPinEntry>(kiosk.all()));
        CHECK_FALSE(kiosk.session().pin_entry_active);
        CHECK(has_effect<EjectCard>(kiosk.last()));
        CHECK(kiosk.session().state == State::returning_card);
        CHECK(kiosk.session().end_reason == EndReason::card_expired);
        CHECK_FALSE(kiosk.session().card.has_value());
        CHECK(last_screen(kiosk.last())->id == "error_card_expired");
        check_explained(kiosk, "error_card_expired");
        CHECK(mentions(kiosk.last(), kiosk.text("take_card.notice")));
        // Said in the card's language.
        CHECK(last_screen(kiosk.last())->locale == (preference == "en" ? "en" : "zh-CN"));
        const auto journal = effects_of<Journal>(kiosk.last());
        CHECK(std::ranges::any_of(journal, [](const Journal& entry) {
            return entry.event == "card_refused" && entry.detail == "expired";
        }));
        check_no_card_details(kiosk.all());
    }
}

TEST_CASE("The Mandarin words for an expired card send the customer to the counter for a new one") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, CardInserted{}});
    kiosk.send(CardRead{sample_card(), k_after_expiry});
    CHECK(mentions(kiosk.last(), "有效期"));
    CHECK(mentions(kiosk.last(), "柜台"));
    CHECK(mentions(kiosk.last(), "新卡"));
    CHECK(mentions(kiosk.last(), "抱歉"));
    // Not the advice for a dirty chip: wiping an expired card changes nothing.
    CHECK_FALSE(mentions(kiosk.last(), "擦"));
}

TEST_CASE("A card in its expiry month is still used: the PIN is asked for") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, CardInserted{}});
    kiosk.send(CardRead{sample_card(), k_expiry_month});
    CHECK(has_effect<StartPinEntry>(kiosk.all()));
    CHECK(kiosk.session().state == State::pin_entry);
}

TEST_CASE("An expired card from Hong Kong is explained in Cantonese") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, CardInserted{}});
    CardData card = sample_card("zh");
    card.issuer_country = "344";
    kiosk.send(CardRead{card, k_after_expiry});
    REQUIRE(last_screen(kiosk.last()));
    CHECK(last_screen(kiosk.last())->locale == "zh-HK");
    CHECK(kiosk.session().locale == "zh-HK");
    check_explained(kiosk, "error_card_expired");
    CHECK(mentions(kiosk.last(), "櫃位"));
}

TEST_CASE("A blocked card, or one whose applications are all blocked, is explained and returned") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, CardInserted{}});
    kiosk.send(CardReadFailed{"emv: the card is blocked", CardFault::blocked});
    check_card_returned(kiosk, "error_chip_blocked");
    CHECK(kiosk.session().end_reason == EndReason::chip_blocked);
    check_explained(kiosk, "error_chip_blocked");
    CHECK(mentions(kiosk.last(), "柜台"));
    CHECK(mentions(kiosk.last(), "新卡"));
    // Neither the dirty chip's advice nor the lost card's: this card needs the bank.
    CHECK_FALSE(mentions(kiosk.last(), "擦"));
    CHECK_FALSE(mentions(kiosk.last(), "挂失"));
    CHECK_FALSE(has_effect<StartPinEntry>(kiosk.all()));
    const auto journal = effects_of<Journal>(kiosk.last());
    CHECK(std::ranges::any_of(journal, [](const Journal& entry) {
        return entry.event == "card_read_failed" && entry.detail == "emv: the card is blocked";
    }));
    CHECK(std::ranges::any_of(effects_of<Tone>(kiosk.last()),
                              [](const Tone& tone) { return tone.kind == ToneKind::error; }));
}

TEST_CASE("An expired or blocked card's screen is heard to its end before the first reminder") {
    for (const bool expired : {true, false}) {
        INFO(expired);
        FlowDriver kiosk;
        kiosk.send_all({Started{}, CardInserted{}});
        if (expired) {
            kiosk.send(CardRead{sample_card(), k_after_expiry});
        } else {
            kiosk.send(CardReadFailed{"probe", CardFault::blocked});
        }
        CHECK_FALSE(timer_started(kiosk.last(), TimerId::reminder));
        CHECK(timer_started(kiosk.send(SpeechEnded{}), TimerId::reminder));
        // Taken: goodbye, as for any card returned.
        kiosk.send(CardRemoved{});
        CHECK(kiosk.session().state == State::goodbye);
    }
}
