// The customer flow of issue 2 (the walking skeleton), as a customer sees it.

#include <algorithm>

#include <catch2/catch.hpp>

#include "kiosk/core/screens.h"
#include "kiosk/core/speech_script.h"
#include "kiosk/core/wording.h"
#include "tests/kiosk/core/flow_driver.h"

using namespace kiosk::core;
using namespace kiosk::core::testing;

namespace {}  // namespace

TEST_CASE("Starting the kiosk shows and speaks the welcome screen in the default language") {
    FlowDriver kiosk;
    const auto& effects = kiosk.send(Started{});
    REQUIRE(effects.size() >= 2);
    const auto shown = last_screen(effects);
    REQUIRE(shown);
    CHECK(shown->id == "welcome");
    CHECK(shown->locale == "zh-CN");
    CHECK(shown->theme == "standard");
    CHECK(shown->elements.front().role == Role::title);
    CHECK(shown->elements.front().text == "您好，欢迎光临");
    CHECK(mentions(effects, "您好，欢迎光临"));
    CHECK(kiosk.session().state == State::welcome);
}

TEST_CASE(
    "The welcome screen offers each language in its own words and voice, elder mode and the "
    "settings") {
    FlowDriver kiosk;
    const auto screen = last_screen(kiosk.send(Started{}));
    REQUIRE(screen);
    std::vector<std::pair<std::string, std::string>> choices;
    for (const Element& element : screen->elements) {
        if (element.role == Role::choice) {
            choices.emplace_back(base::to_string(element.key.value()), element.text);
        }
    }
    CHECK(choices ==
          std::vector<std::pair<std::string, std::string>>{{"1", "简体中文"},
                                                           {"2", "繁體中文"},
                                                           {"3", "English"},
                                                           {"4", "长辈模式"},
                                                           {"5", "显示设置：字体大小和对比度"},
                                                           {"6", "取号排队"},
                                                           {"7", "呼叫工作人员"}});
    const auto spoken = utterances(kiosk.last());
    const auto english = std::ranges::find_if(
        spoken, [](const Utterance& utterance) { return utterance.locale == "en"; });
    REQUIRE(english != spoken.end());
    CHECK(english->text == "English: press 3.");
    const auto cantonese = std::ranges::find_if(
        spoken, [](const Utterance& utterance) { return utterance.locale == "zh-HK"; });
    REQUIRE(cantonese != spoken.end());
    CHECK(cantonese->text == "廣東話，請按二。");
}

TEST_CASE("The happy path goes from welcome through PIN and balance to goodbye and back") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, CardInserted{}});
    CHECK(kiosk.session().state == State::reading_card);
    kiosk.send(CardRead{sample_card()});
    const auto start = effects_of<StartPinEntry>(kiosk.last());
    REQUIRE(start.size() == 1);
    CHECK(start.front().pan.digits() == k_sample_pan);

    kiosk.send_all({PinDigitEntered{1}, PinDigitEntered{2}, PinDigitEntered{3}, PinDigitEntered{4},
                    PinEntered{sample_pin_block()}});
    const auto calls = effects_of<Call>(kiosk.last());
    REQUIRE(calls.size() == 1);
    CHECK(calls.front().request.pan.digits() == k_sample_pan);
    CHECK(calls.front().request.pin_block == sample_pin_block());

    kiosk.reply(balance_reply(1'234'567));
    kiosk.send(KeyPressed{base::Key::digit_1});
    CHECK(kiosk.session().state == State::balance);
    kiosk.send(KeyPressed{base::Key::digit_2});
    CHECK(has_effect<EjectCard>(kiosk.last()));
    CHECK(kiosk.session().state == State::returning_card);
    // After the service, one question; the answer goes to the queue service's outbox.
    kiosk.send(CardRemoved{});
    CHECK(kiosk.session().state == State::survey);
    const auto answers = effects_of<AnswerSurvey>(kiosk.send(KeyPressed{k_survey_satisfied_key}));
    REQUIRE(answers.size() == 1);
    CHECK(answers.front().answer == SurveyAnswer{ServiceKind::balance, Rating::satisfied, "zh-CN"});
    CHECK(kiosk.session().state == State::goodbye);
    kiosk.fire(TimerId::goodbye);
    CHECK(kiosk.session().state == State::welcome);

    CHECK(screen_ids(kiosk.all()) ==
          std::vector<std::string>{"welcome", "reading_card", "pin_entry", "verifying", "menu",
                                   "balance", "take_card", "survey", "goodbye", "welcome"});
}

TEST_CASE("The balance screen shows the amount and the masked card number as private elements") {
    FlowDriver kiosk;
    kiosk.reach_balance();
    const auto screen = last_screen(kiosk.last());
    REQUIRE(screen);
    CHECK(screen->id == "balance");
    const auto amount = std::ranges::find_if(
        screen->elements, [](const Element& element) { return element.role == Role::amount; });
    REQUIRE(amount != screen->elements.end());
    CHECK(amount->text == "12,345.67 元");  // the currency of the reply (CNY)
    CHECK(amount->speech == "您的余额是一万二千三百四十五元六角七分。");
    CHECK(amount->is_private);
    const auto card = std::ranges::find_if(screen->elements, [](const Element& element) {
        return element.text.find("****") != std::string::npos;
    });
    REQUIRE(card != screen->elements.end());
    CHECK(card->text == "卡号 **** **** **** 0018");
    CHECK(card->speech == "卡号尾号零零一八。");
    CHECK(card->is_private);
}

TEST_CASE(
    "A balance in Hong Kong dollars is shown and said in Hong Kong dollars in each language") {
    struct Expected {
        std::string card_language;
        std::string shown;
        std::string said;
    };
    for (const Expected& expected : {
             Expected{"zh", "12,345.67 港元", "一万二千三百四十五港元六角七分"},
             Expected{"en", "12,345.67 HK dollars", "12,345 Hong Kong dollars and 67 cents"},
         }) {
        FlowDriver kiosk;
        kiosk.reach_pin_entry(expected.card_language);
        kiosk.send_all({PinDigitEntered{4}, PinEntered{sample_pin_block()}});
        kiosk.reply(ServiceReply{ServiceStatus::ok, 3, BalanceReply{Money{1'234'567, "HKD"}},
                                 std::nullopt, std::nullopt});
        kiosk.send(KeyPressed{k_menu_balance_key});
        const auto screen = last_screen(kiosk.last());
        REQUIRE(screen);
        const auto amount = std::ranges::find_if(
            screen->elements, [](const Element& element) { return element.role == Role::amount; });
        REQUIRE(amount != screen->elements.end());
        CHECK(amount->text == expected.shown);
        CHECK(amount->speech.find(expected.said) != std::string::npos);
    }
}

TEST_CASE("A balance in a currency the kiosk cannot name is not shown as yuan") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send_all({PinDigitEntered{4}, PinEntered{sample_pin_block()}});
    kiosk.reply(ServiceReply{ServiceStatus::ok, 3, BalanceReply{Money{1'234'567, "XAU"}},
                             std::nullopt, std::nullopt});
    kiosk.send(KeyPressed{k_menu_balance_key});
    const auto screen = last_screen(kiosk.last());
    REQUIRE(screen);
    CHECK(std::ranges::none_of(
        screen->elements, [](const Element& element) { return element.role == Role::amount; }));
    const std::string unavailable = kiosk.resources().catalog("zh-CN").text("balance.unavailable");
    CHECK(std::ranges::any_of(screen->elements,
                              [&](const Element& element) { return element.text == unavailable; }));
}

TEST_CASE("Without headphones the balance is not spoken and the customer hears how to hear it") {
    FlowDriver kiosk;
    kiosk.reach_balance();
    const std::string speech = spoken_text(kiosk.last());
    CHECK(speech.find("一万二千三百四十五") == std::string::npos);
    CHECK(speech.find("零零一八") == std::string::npos);
    const std::string hint = kiosk.resources().catalog("zh-CN").text("speech.private_on_screen");
    const auto count =
        std::ranges::count_if(utterances(kiosk.last()),
                              [&](const Utterance& utterance) { return utterance.text == hint; });
    CHECK(count == 1);
}

TEST_CASE(
    "EN 301 549 5.1.3.9: the balance is read on the speaker only after the customer chooses it") {
    FlowDriver kiosk;
    kiosk.reach_balance();
    // The choice is offered on screen and in speech, with a warning that others can hear.
    const auto offered = last_screen(kiosk.last());
    REQUIRE(offered);
    const auto choice = std::ranges::find_if(offered->elements, [](const Element& element) {
        return element.key == k_balance_aloud_key;
    });
    REQUIRE(choice != offered->elements.end());
    const Catalog& catalog = kiosk.resources().catalog("zh-CN");
    CHECK(choice->text == catalog.text("balance.aloud"));
    CHECK(spoken_text(kiosk.last()).find(catalog.text("balance.aloud_speech")) !=
          std::string::npos);

    const auto& effects = kiosk.send(KeyPressed{k_balance_aloud_key});
    CHECK(kiosk.session().speaker_chosen);
    CHECK(kiosk.session().state == State::balance);
    const auto spoken = utterances(effects);
    const auto amount = std::ranges::find_if(spoken, [](const Utterance& utterance) {
        return utterance.text.find("一万二千三百四十五") != std::string::npos;
    });
    REQUIRE(amount != spoken.end());
    CHECK(amount->is_private);
    CHECK(amount->speaker_chosen);
    CHECK(amount->channel == Channel::speaker);
    CHECK(spoken_text(effects).find("零零一八") != std::string::npos);
    // Chosen, the choice is gone from the screen.
    const auto chosen = last_screen(kiosk.last());
    REQUIRE(chosen);
    CHECK(std::ranges::none_of(chosen->elements, [](const Element& element) {
        return element.key == k_balance_aloud_key;
    }));

    // The choice is this customer's: the next one is asked again.
    kiosk.send_all(
        {KeyPressed{k_balance_take_card_key}, CardRemoved{}, KeyPressed{k_survey_neutral_key}});
    kiosk.fire(TimerId::goodbye);
    REQUIRE(kiosk.session().state == State::welcome);
    CHECK_FALSE(kiosk.session().speaker_chosen);
}

TEST_CASE("With headphones in the balance screen does not offer the speaker") {
    FlowDriver kiosk;
    kiosk.reach_balance();
    // Plugged in on the balance screen: the choice leaves the screen at once.
    kiosk.send(HeadphonesPlugged{});
    const auto screen = last_screen(kiosk.last());
    REQUIRE(screen);
    CHECK(std::ranges::none_of(screen->elements, [](const Element& element) {
        return element.key == k_balance_aloud_key;
    }));
    // Key 3 does nothing there.
    kiosk.send(KeyPressed{k_balance_aloud_key});
    CHECK_FALSE(kiosk.session().speaker_chosen);
}

TEST_CASE("Unplugging the headphones takes back the choice to hear personal details aloud") {
    FlowDriver kiosk;
    kiosk.reach_balance();
    kiosk.send_all({KeyPressed{k_balance_aloud_key}, HeadphonesPlugged{}});
    const auto& effects = kiosk.send(HeadphonesUnplugged{});
    CHECK_FALSE(kiosk.session().speaker_chosen);
    CHECK(spoken_text(effects).find("一万二千三百四十五") == std::string::npos);
}

TEST_CASE("Session data is wiped and language and elder mode reset when the session ends") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, KeyPressed{base::Key::digit_3}, KeyPressed{base::Key::digit_4}});
    CHECK(kiosk.session().locale == "en");
    CHECK(kiosk.session().elder_mode);
    kiosk.send_all({CardInserted{}, CardRead{sample_card()}, PinDigitEntered{4},
                    PinEntered{sample_pin_block()}});
    kiosk.reply(balance_reply(500));
    kiosk.send_all({KeyPressed{base::Key::digit_2}});
    CHECK_FALSE(kiosk.session().card.has_value());
    CHECK_FALSE(kiosk.session().balance.has_value());
    kiosk.send(CardRemoved{});
    kiosk.fire(TimerId::goodbye);
    const Session& session = kiosk.session();
    CHECK(session.state == State::welcome);
    CHECK(session.locale == "zh-CN");
    CHECK_FALSE(session.locale_chosen);
    CHECK_FALSE(session.elder_mode);
    CHECK_FALSE(session.card.has_value());
    CHECK_FALSE(session.balance.has_value());
    CHECK(session.running_timers.empty());
    const auto screen = last_screen(kiosk.last());
    REQUIRE(screen);
    CHECK(screen->id == "welcome");
    CHECK(screen->theme == "standard");
}

TEST_CASE("A PIN digit adds a dot and a tone but no speech") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    const auto& effects = kiosk.send(PinDigitEntered{3});
    CHECK_FALSE(has_effect<Speak>(effects));
    const auto tones = effects_of<Tone>(effects);
    REQUIRE(tones.size() == 1);
    CHECK(tones.front().kind == ToneKind::digit);
    const auto screen = last_screen(effects);
    REQUIRE(screen);
    const auto input = std::ranges::find_if(
        screen->elements, [](const Element& element) { return element.role == Role::input; });
    REQUIRE(input != screen->elements.end());
    CHECK(input->text == "● ● ●");
    CHECK(input->speech == "已输入三位。");
}

TEST_CASE("Clearing the PIN empties the field and says so") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send(PinDigitEntered{2});
    const auto& effects = kiosk.send(PinCleared{});
    CHECK(kiosk.session().pin_digit_count == 0);
    const auto screen = last_screen(effects);
    REQUIRE(screen);
    CHECK(std::ranges::none_of(screen->elements, [](const Element& element) {
        return element.role == Role::input && !element.text.empty();
    }));
    CHECK(mentions(effects, "已清除"));
}

TEST_CASE("The card's language preference switches the locale") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry("enzh");
    CHECK(kiosk.session().locale == "en");
    const auto screen = last_screen(kiosk.last());
    REQUIRE(screen);
    CHECK(screen->locale == "en");
    CHECK(screen->elements.front().text == "Please enter your PIN");
}

TEST_CASE("A language chosen on the welcome screen wins over the card's preference") {
    FlowDriver kiosk;
    kiosk.send_all(
        {Started{}, KeyPressed{base::Key::digit_2}, CardInserted{}, CardRead{sample_card("enzh")}});
    CHECK(kiosk.session().locale == "zh-HK");
    const auto screen = last_screen(kiosk.last());
    REQUIRE(screen);
    CHECK(screen->elements.front().text == "請輸入私人密碼");
}

TEST_CASE("Choosing a language on the welcome screen shows and speaks it in that language") {
    FlowDriver kiosk;
    kiosk.send(Started{});
    const auto& effects = kiosk.send(KeyPressed{base::Key::digit_3});
    const auto screen = last_screen(effects);
    REQUIRE(screen);
    CHECK(screen->locale == "en");
    CHECK(screen->elements.front().text == "Welcome");
    const auto spoken = utterances(effects);
    REQUIRE_FALSE(spoken.empty());
    CHECK(spoken.front().text == "Welcome");
    CHECK(spoken.front().locale == "en");
}

TEST_CASE("The menu offers balance, a transfer, more services, take card and call staff") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    const auto screen = last_screen(kiosk.last());
    REQUIRE(screen);
    std::vector<std::string> keys;
    for (const Element& element : screen->elements) {
        if (element.role == Role::choice) {
            keys.push_back(std::string(base::to_string(element.key.value())) + " " + element.text);
        }
    }
    CHECK(keys == std::vector<std::string>{"1 查询余额", "6 转账", "7 更多服务：明细、改密码、挂失",
                                           "2 退卡", "3 呼叫大堂经理"});
    CHECK(mentions(kiosk.last(), "查询余额，请按一。"));
}

TEST_CASE("Going back from the balance returns to the menu") {
    FlowDriver kiosk;
    kiosk.reach_balance();
    kiosk.send(KeyPressed{base::Key::digit_1});
    CHECK(kiosk.session().state == State::menu);
    CHECK(last_screen(kiosk.last())->id == "menu");
}

TEST_CASE("A key that selects nothing gives an error tone and changes nothing") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    const auto& effects = kiosk.send(KeyPressed{base::Key::digit_8});
    CHECK(kiosk.session().state == State::menu);
    CHECK_FALSE(has_effect<Show>(effects));
    const auto tones = effects_of<Tone>(effects);
    REQUIRE(tones.size() == 1);
    CHECK(tones.front().kind == ToneKind::error);
}

TEST_CASE("Any key press stops the current speech first") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    for (const base::Key key : {base::Key::digit_7, base::Key::digit_1, base::Key::help}) {
        const auto& effects = kiosk.send(KeyPressed{key});
        REQUIRE_FALSE(effects.empty());
        CHECK(std::holds_alternative<StopSpeech>(effects.front()));
    }
}

TEST_CASE("The take-card reminder repeats an interval after each time it was heard") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    kiosk.send(KeyPressed{base::Key::digit_2});
    // The screen is said first: no reminder is even timed until it has been heard.
    REQUIRE_FALSE(timer_started(kiosk.last(), TimerId::reminder));
    for (int reminder = 1; reminder <= 3; ++reminder) {
        CHECK(timer_started(kiosk.send(SpeechEnded{}), TimerId::reminder) ==
              kiosk.resources().policy.card_reminder_interval_ms);
        const auto& effects = kiosk.fire(TimerId::reminder);
        CHECK(mentions(effects, "请取回您的卡片"));
        // Kiosk speech: it waits for anything still being said.
        for (const Speak& speak : effects_of<Speak>(effects)) {
            CHECK_FALSE(speak.interrupts);
        }
        CHECK_FALSE(timer_started(effects, TimerId::reminder));
        CHECK(kiosk.session().reminders_given == reminder);
    }
    const auto& removed = kiosk.send(CardRemoved{});
    CHECK(kiosk.session().state == State::goodbye);
    CHECK(last_screen(removed)->id == "goodbye");
    CHECK(timer_started(removed, TimerId::goodbye));
    CHECK(std::ranges::find(kiosk.session().running_timers, TimerId::reminder) ==
          kiosk.session().running_timers.end());
}

TEST_CASE("A card left in the reader is reported to staff after several reminders") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    kiosk.send(KeyPressed{base::Key::digit_2});
    const int before_staff = kiosk.resources().policy.reminders_before_staff;
    const auto remind = [&kiosk]() -> const std::vector<Effect>& {
        kiosk.send(SpeechEnded{});
        return kiosk.fire(TimerId::reminder);
    };
    for (int reminder = 1; reminder < before_staff; ++reminder) {
        CHECK_FALSE(has_effect<NotifyStaff>(remind()));
    }
    CHECK(has_effect<NotifyStaff>(remind()));
    CHECK_FALSE(has_effect<NotifyStaff>(remind()));
    CHECK(kiosk.session().state == State::returning_card);
}

TEST_CASE("Removing the card during PIN entry cancels the entry and says goodbye") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send(PinDigitEntered{2});
    const auto& effects = kiosk.send(CardRemoved{});
    CHECK(has_effect<CancelPinEntry>(effects));
    CHECK(timer_cancelled(effects, TimerId::inactivity));
    CHECK_FALSE(has_effect<EjectCard>(effects));
    CHECK(kiosk.session().state == State::goodbye);
    CHECK_FALSE(kiosk.session().card.has_value());
    const auto screen = last_screen(effects);
    REQUIRE(screen);
    CHECK(screen->id == "goodbye");
    CHECK(mentions(effects, "您的卡片已经取出"));
}

TEST_CASE("Removing the card while the PIN is being verified cancels the call") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send(PinEntered{sample_pin_block()});
    const std::uint64_t call = kiosk.session().pending_call.value();
    const auto& effects = kiosk.send(CardRemoved{});
    const auto cancels = effects_of<CancelCall>(effects);
    REQUIRE(cancels.size() == 1);
    CHECK(cancels.front().call_id == call);
    CHECK(timer_cancelled(effects, TimerId::service_call));
    CHECK(kiosk.session().state == State::goodbye);
    // The late reply is then ignored.
    const auto& late = kiosk.send(ReplyReceived{call, balance_reply(100)});
    CHECK_FALSE(has_effect<Show>(late));
    CHECK_FALSE(kiosk.session().balance.has_value());
}

TEST_CASE("A new card on the goodbye screen starts a new session at once") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    kiosk.send_all({KeyPressed{base::Key::digit_2}, CardRemoved{}});
    const auto& effects = kiosk.send(CardInserted{});
    CHECK(timer_cancelled(effects, TimerId::goodbye));
    CHECK(kiosk.session().state == State::reading_card);
    CHECK(last_screen(effects)->id == "reading_card");
}

TEST_CASE("Plugging in headphones repeats the screen privately, balance included") {
    FlowDriver kiosk;
    kiosk.reach_balance();
    const auto& effects = kiosk.send(HeadphonesPlugged{});
    CHECK(kiosk.session().headphones);
    REQUIRE_FALSE(effects.empty());
    CHECK(has_effect<StopSpeech>(effects));
    const auto spoken = utterances(effects);
    REQUIRE_FALSE(spoken.empty());
    CHECK(std::ranges::all_of(spoken, [](const Utterance& utterance) {
        return utterance.channel == Channel::headphones;
    }));
    const auto amount = std::ranges::find_if(spoken, [](const Utterance& utterance) {
        return utterance.text.find("一万二千三百四十五元六角七分") != std::string::npos;
    });
    REQUIRE(amount != spoken.end());
    CHECK(amount->is_private);
    CHECK(amount->channel == Channel::headphones);
    CHECK(spoken_text(effects).find("零零一八") != std::string::npos);
}

TEST_CASE("Unplugging the headphones stops speech and keeps the balance off the speaker") {
    FlowDriver kiosk;
    kiosk.reach_balance();
    kiosk.send(HeadphonesPlugged{});
    const auto& effects = kiosk.send(HeadphonesUnplugged{});
    CHECK_FALSE(kiosk.session().headphones);
    REQUIRE_FALSE(effects.empty());
    CHECK(std::ranges::find_if(effects, [](const Effect& effect) {
              return std::holds_alternative<StopSpeech>(effect);
          }) < std::ranges::find_if(effects, [](const Effect& effect) {
              return std::holds_alternative<Speak>(effect);
          }));
    const auto spoken = utterances(effects);
    CHECK(std::ranges::all_of(spoken, [](const Utterance& utterance) {
        return utterance.channel == Channel::speaker && !utterance.is_private;
    }));
    CHECK(spoken_text(effects).find("一万二千三百四十五") == std::string::npos);
}

TEST_CASE("Headphones plugged in on the welcome screen start the orientation tour") {
    FlowDriver kiosk;
    kiosk.send(Started{});
    const auto& effects = kiosk.send(HeadphonesPlugged{});
    const std::string tour = kiosk.resources().catalog("zh-CN").text("audio.orientation");
    const auto spoken = utterances(effects);
    REQUIRE(spoken.size() > 2);
    CHECK(spoken[1].text.find("键盘在屏幕正下方") != std::string::npos);
    CHECK(spoken_text(effects).find("您好，欢迎光临") != std::string::npos);
    CHECK_FALSE(tour.empty());
}

TEST_CASE("Audio mode carries over to the next customer while the headphones stay plugged in") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, HeadphonesPlugged{}});
    kiosk.reach_menu();  // sends Started again, as a restarted shell would
    CHECK_FALSE(kiosk.session().headphones);
    kiosk.send(HeadphonesPlugged{});
    kiosk.send_all({KeyPressed{base::Key::digit_2}, CardRemoved{}});
    kiosk.fire(TimerId::goodbye);
    CHECK(kiosk.session().headphones);
    CHECK(utterances(kiosk.last()).front().channel == Channel::headphones);
}

TEST_CASE("Elder mode slows the speech and uses the elder theme") {
    FlowDriver kiosk;
    kiosk.send(Started{});
    const int standard_rate = utterances(kiosk.last()).front().rate_wpm;
    const auto& effects = kiosk.send(KeyPressed{k_welcome_elder_mode_key});
    CHECK(kiosk.session().elder_mode);
    CHECK(last_screen(effects)->theme == "elder");
    const auto spoken = utterances(effects);
    REQUIRE_FALSE(spoken.empty());
    CHECK(standard_rate == policy::k_standard_rate_wpm);
    CHECK(spoken.front().rate_wpm == policy::k_elder_rate_wpm);
    CHECK(spoken.front().rate_wpm < standard_rate);
    // 长辈 goes through the lexicon: eSpeak would read 长 as chang2.
    CHECK(mentions(effects, "长辈模式已开启"));
}

TEST_CASE(
    "The help key on the menu calls staff and keeps the session safe until a key is pressed") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    const auto& effects = kiosk.send(KeyPressed{base::Key::help});
    const auto calls = effects_of<CallStaff>(effects);
    REQUIRE(calls.size() == 1);
    CHECK(calls.front().request.reason == AssistanceReason::customer_request);
    CHECK(timer_cancelled(effects, TimerId::inactivity));
    CHECK(kiosk.session().state == State::staff_called);
    CHECK(kiosk.session().running_timers.empty());
    // Nothing is promised before the queue service has the call.
    CHECK(last_screen(effects)->id == "calling_staff");
    CHECK(mentions(effects, "正在呼叫工作人员"));
    CHECK(mentions(effects, "您的卡片在机器里，很安全。"));
    CHECK_FALSE(has_effect<EjectCard>(effects));
    const std::uint64_t call = calls.front().call_id;
    CHECK(last_screen(kiosk.send(StaffCallChanged{call, QueueStatus::ok, sample_staff_call(false)}))
              ->id == "staff_called");
    CHECK(mentions(kiosk.last(), "工作人员马上过来"));
    CHECK(last_screen(kiosk.send(StaffCallChanged{call, QueueStatus::ok, sample_staff_call(true)}))
              ->id == "staff_on_the_way");
    CHECK(mentions(kiosk.last(), "陈经理（大堂经理）正在过来找您。"));
    CHECK(mentions(kiosk.last(), "大约两分钟到。"));
    // A second press of Help places no second call.
    CHECK_FALSE(has_effect<CallStaff>(kiosk.send(KeyPressed{base::Key::help})));

    const auto& back = kiosk.send(KeyPressed{base::Key::digit_8});
    CHECK(kiosk.session().state == State::menu);
    CHECK(last_screen(back)->id == "menu");
    CHECK(timer_started(back, TimerId::inactivity));
}

TEST_CASE("Calling staff from the menu with key 3 shows the polite message") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    const auto& effects = kiosk.send(KeyPressed{k_menu_call_staff_key});
    CHECK(has_effect<CallStaff>(effects));
    CHECK(last_screen(effects)->id == "calling_staff");
}

TEST_CASE("The help key during PIN entry pauses the entry and starts it afresh on return") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send(PinDigitEntered{3});
    const auto& effects = kiosk.send(KeyPressed{base::Key::help});
    CHECK(has_effect<CancelPinEntry>(effects));
    CHECK_FALSE(kiosk.session().pin_entry_active);
    // The PIN pad confirms the cancel; that must not end the session.
    kiosk.send(PinEntryCancelled{});
    CHECK(kiosk.session().state == State::staff_called);
    const auto& back = kiosk.send(KeyPressed{base::Key::enter});
    CHECK(has_effect<StartPinEntry>(back));
    CHECK(kiosk.session().state == State::pin_entry);
    CHECK(kiosk.session().pin_digit_count == 0);
}

TEST_CASE("The help key while the service is checking keeps the screen and says help is coming") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send(PinEntered{sample_pin_block()});
    const auto& effects = kiosk.send(KeyPressed{base::Key::help});
    CHECK(has_effect<CallStaff>(effects));
    CHECK_FALSE(has_effect<Show>(effects));
    CHECK(mentions(effects, "正在呼叫工作人员"));
    CHECK(kiosk.session().state == State::verifying);
    kiosk.reply(balance_reply(100));
    CHECK(kiosk.session().state == State::menu);
}

TEST_CASE("Events that make no sense in the current state change nothing but the journal") {
    FlowDriver kiosk;
    kiosk.send(Started{});
    const Session before = kiosk.session();
    for (const Event& event :
         std::vector<Event>{PinEntered{sample_pin_block()}, PinDigitEntered{3}, CardRemoved{},
                            CardRead{sample_card()}, ReplyReceived{7, balance_reply(1)},
                            TimerFired{TimerId::reminder}, PinEntryFailed{"x"}}) {
        const auto& effects = kiosk.send(event);
        INFO(to_string(event));
        CHECK(std::ranges::all_of(
            effects, [](const Effect& effect) { return std::holds_alternative<Journal>(effect); }));
        CHECK(kiosk.session().state == State::welcome);
        CHECK_FALSE(kiosk.session().card.has_value());
    }
    CHECK(kiosk.session().locale == before.locale);
}

TEST_CASE("base::Key 0 says the current screen again and counts as activity") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    const auto menu_speech = utterances(kiosk.last());
    const auto& effects = kiosk.send(KeyPressed{k_repeat_key});
    CHECK(kiosk.session().state == State::menu);
    CHECK_FALSE(has_effect<Show>(effects));
    CHECK(utterances(effects) == menu_speech);
    CHECK(timer_started(effects, TimerId::inactivity));
}

TEST_CASE("base::Key 0 is not a repeat during PIN entry or on the staff screen") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    CHECK_FALSE(has_effect<Speak>(kiosk.send(KeyPressed{k_repeat_key})));
    kiosk.send(KeyPressed{base::Key::help});
    kiosk.send(KeyPressed{k_repeat_key});
    CHECK(kiosk.session().state == State::pin_entry);
}

// Prompt control (docs/protocols/epp.md §4.3): a PIN typed before the pad collects it would be
// reported as menu keys in the clear, so the prompt waits for the pad's confirmation.
TEST_CASE("The PIN prompt appears only once the PIN pad confirms it is collecting") {
    FlowDriver kiosk;
    kiosk.set_pad_confirms(false);
    kiosk.send_all({Started{}, CardInserted{}});
    const auto& asked = kiosk.send(CardRead{sample_card()});
    CHECK(has_effect<StartPinEntry>(asked));
    CHECK_FALSE(has_effect<Show>(asked));
    CHECK(kiosk.session().state == State::waiting_for_pin_pad);
    CHECK(kiosk.session().screen.id == "reading_card");
    CHECK_FALSE(kiosk.session().screen.takes_digits);

    const auto& ready = kiosk.send(PinEntryReady{});
    const auto screen = last_screen(ready);
    REQUIRE(screen);
    CHECK(screen->id == "pin_entry");
    CHECK(has_effect<Speak>(ready));
    CHECK(kiosk.session().state == State::pin_entry);
}

TEST_CASE("A PIN pad that never confirms PIN entry is reported and the card returned") {
    FlowDriver kiosk;
    kiosk.set_pad_confirms(false);
    kiosk.send_all({Started{}, CardInserted{}, CardRead{sample_card()}});
    const auto& effects = kiosk.fire(TimerId::pin_pad_ready);
    const auto screen = last_screen(effects);
    REQUIRE(screen);
    CHECK(screen->id == "error_pin_pad");
    CHECK(has_effect<EjectCard>(effects));
    CHECK(has_effect<NotifyStaff>(effects));
    // A confirmation that comes after all is ignored: the prompt never appears late.
    CHECK_FALSE(has_effect<Show>(kiosk.send(PinEntryReady{})));
}

TEST_CASE("Cancel while the PIN pad gets ready ends the session and the entry") {
    FlowDriver kiosk;
    kiosk.set_pad_confirms(false);
    kiosk.send_all({Started{}, CardInserted{}, CardRead{sample_card()}});
    const auto& effects = kiosk.send(KeyPressed{base::Key::cancel});
    CHECK(has_effect<CancelPinEntry>(effects));
    CHECK(has_effect<EjectCard>(effects));
    CHECK(kiosk.session().state == State::returning_card);
}

TEST_CASE("No screen around PIN entry takes digits, and the menus do") {
    FlowDriver kiosk;
    const auto welcome = last_screen(kiosk.send(Started{}));
    REQUIRE(welcome);
    CHECK(welcome->takes_digits);
    const auto reading = last_screen(kiosk.send(CardInserted{}));
    REQUIRE(reading);
    CHECK_FALSE(reading->takes_digits);
    const auto prompt = last_screen(kiosk.send(CardRead{sample_card()}));
    REQUIRE(prompt);
    CHECK(prompt->id == "pin_entry");
    CHECK_FALSE(prompt->takes_digits);
    kiosk.send_all(
        {PinDigitEntered{1}, PinDigitEntered{2}, PinDigitEntered{3}, PinDigitEntered{4}});
    const auto verifying = last_screen(kiosk.send(PinEntered{sample_pin_block()}));
    REQUIRE(verifying);
    CHECK_FALSE(verifying->takes_digits);
    const auto menu = last_screen(kiosk.reply(balance_reply(100)));
    REQUIRE(menu);
    CHECK(menu->id == "menu");
    CHECK(menu->takes_digits);
}

TEST_CASE("The card's ARQC read from the chip goes with the sign-on, and into no journal line") {
    FlowDriver kiosk;
    const CardData card = sample_card_with_arqc();
    kiosk.send_all({Started{}, CardInserted{}, CardRead{card}, PinDigitEntered{1},
                    PinDigitEntered{2}, PinDigitEntered{3}, PinDigitEntered{4},
                    PinEntered{sample_pin_block()}});
    const auto calls = effects_of<Call>(kiosk.last());
    REQUIRE(calls.size() == 1);
    CHECK(calls.front().request.card_authentication == card.authentication);
    for (const auto& line : effects_of<Journal>(kiosk.all())) {
        CHECK(line.detail.find("8E2A41C07D3F9B15") == std::string::npos);
    }
}

TEST_CASE("After a wrong PIN the card makes a fresh ARQC before the PIN goes to the bank again") {
    FlowDriver kiosk;
    const CardData card = sample_card_with_arqc();
    const CardData renewed = sample_card_with_arqc("002B", "17C0E3A95D2B4F68");
    kiosk.send_all({Started{}, CardInserted{}, CardRead{card}, PinDigitEntered{4},
                    PinEntered{sample_pin_block()}});
    kiosk.reply(status_reply(ServiceStatus::wrong_pin, 2));
    kiosk.send(KeyPressed{base::Key::digit_1});
    kiosk.send(PinDigitEntered{4});
    const auto& typed = kiosk.send(PinEntered{sample_pin_block()});
    // The bank would refuse the first cryptogram again (its counter is used up): nothing is
    // sent until the card has answered, and the customer sees the check under way.
    CHECK(has_effect<RenewCardAuthentication>(typed));
    CHECK(effects_of<Call>(typed).empty());
    CHECK(kiosk.session().state == State::verifying);
    CHECK(last_screen(typed)->id == "verifying");

    const auto& sent = kiosk.send(CardAuthenticationRenewed{renewed.authentication});
    const auto calls = effects_of<Call>(sent);
    REQUIRE(calls.size() == 1);
    CHECK(calls.front().request.card_authentication == renewed.authentication);
    CHECK(calls.front().request.pin_block == sample_pin_block());
    kiosk.reply(balance_reply(100));
    CHECK(kiosk.session().state == State::menu);
}

TEST_CASE("A card that fails to renew its ARQC is returned as unreadable, the PIN never sent") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, CardInserted{}, CardRead{sample_card_with_arqc()},
                    PinDigitEntered{4}, PinEntered{sample_pin_block()}});
    kiosk.reply(status_reply(ServiceStatus::wrong_pin, 2));
    kiosk.send_all(
        {KeyPressed{base::Key::digit_1}, PinDigitEntered{4}, PinEntered{sample_pin_block()}});
    const auto& effects = kiosk.send(CardReadFailed{"card not responding"});
    CHECK(effects_of<Call>(effects).empty());
    CHECK(has_effect<EjectCard>(effects));
    CHECK(kiosk.session().end_reason == EndReason::card_unreadable);
    CHECK_FALSE(kiosk.session().pin_block_waiting.has_value());
}

TEST_CASE("A card that never answers with a fresh ARQC is returned when the call's time is up") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, CardInserted{}, CardRead{sample_card_with_arqc()},
                    PinDigitEntered{4}, PinEntered{sample_pin_block()}});
    kiosk.reply(status_reply(ServiceStatus::wrong_pin, 2));
    kiosk.send_all(
        {KeyPressed{base::Key::digit_1}, PinDigitEntered{4}, PinEntered{sample_pin_block()}});
    const auto& effects = kiosk.fire(TimerId::service_call);
    CHECK(effects_of<Call>(effects).empty());
    CHECK(kiosk.session().end_reason == EndReason::card_unreadable);
}

TEST_CASE("A card without an ARQC signs on without one: the bank decides") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, CardInserted{}, CardRead{sample_card()}, PinDigitEntered{1},
                    PinDigitEntered{2}, PinDigitEntered{3}, PinDigitEntered{4},
                    PinEntered{sample_pin_block()}});
    const auto calls = effects_of<Call>(kiosk.last());
    REQUIRE(calls.size() == 1);
    CHECK_FALSE(calls.front().request.card_authentication.has_value());
}
