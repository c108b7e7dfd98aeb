// The customer's controls from the keypad (docs/accessibility.md, "Keypad controls", "Speech that
// is not cut short", "Seeing the screen" and "Help when a customer hesitates"): who may cut
// speech, the speech keys, audio mode, the sound screen, the settings and help on hesitation.

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "kiosk/core/screens.h"
#include "tests/kiosk/core/flow_driver.h"

using namespace kiosk::core;
using namespace kiosk::core::testing;

namespace {

std::vector<Speak> speeches(const std::vector<Effect>& effects) {
    return effects_of<Speak>(effects);
}

// Welcome -> settings.
void open_settings(FlowDriver& kiosk) {
    kiosk.send_all({Started{}, KeyPressed{k_welcome_settings_key}});
    REQUIRE(kiosk.session().state == State::settings);
}

}  // namespace

TEST_CASE("EN 301 549 5.1.3.5: speech the customer caused cuts old speech, the kiosk's waits") {
    FlowDriver kiosk;
    // The kiosk starting up interrupts nobody.
    for (const Speak& speak : speeches(kiosk.send(Started{}))) {
        CHECK_FALSE(speak.interrupts);
    }
    // The customer inserts a card: what they hear now replaces the welcome.
    for (const Speak& speak : speeches(kiosk.send(CardInserted{}))) {
        CHECK(speak.interrupts);
    }
    // The card is read: the PIN prompt waits for "reading your card" to be heard.
    kiosk.send(CardRead{sample_card()});
    const auto prompt = speeches(kiosk.last());
    REQUIRE_FALSE(prompt.empty());
    for (const Speak& speak : prompt) {
        CHECK_FALSE(speak.interrupts);
    }
    kiosk.send_all({PinDigitEntered{4}, PinEntered{sample_pin_block()}});
    // The bank answers: the menu waits for "checking your PIN" to end.
    for (const Speak& speak : speeches(kiosk.reply(balance_reply(100)))) {
        CHECK_FALSE(speak.interrupts);
    }
    // A key: the customer's own.
    for (const Speak& speak : speeches(kiosk.send(KeyPressed{k_menu_balance_key}))) {
        CHECK(speak.interrupts);
    }
}

TEST_CASE("Every screen that ends with a problem is heard to its end before the first reminder") {
    struct Ending {
        std::string name;
        std::vector<Event> events;
        std::string screen;
    };
    const std::vector<Event> card = {Started{}, CardInserted{}, CardRead{sample_card()}};
    const auto with = [&card](std::vector<Event> more) {
        std::vector<Event> all = card;
        all.insert(all.end(), more.begin(), more.end());
        return all;
    };
    const std::vector<Event> pin = {PinDigitEntered{4}, PinEntered{sample_pin_block()}};
    const std::vector<Ending> endings = {
        {"PIN locked",
         with({pin[0], pin[1], ReplyReceived{1, status_reply(ServiceStatus::pin_locked, 0)}}),
         "error_pin_locked"},
        {"service unavailable",
         with({pin[0], pin[1], ReplyReceived{1, status_reply(ServiceStatus::unavailable, 0)}}),
         "error_service_unavailable"},
        {"card unreadable",
         {Started{}, CardInserted{}, CardReadFailed{"mute"}},
         "error_card_unreadable"},
        {"card not accepted",
         {Started{}, CardInserted{}, CardReadFailed{"no application", CardFault::not_accepted}},
         "error_card_not_accepted"},
    };
    for (const Ending& ending : endings) {
        INFO(ending.name);
        FlowDriver kiosk;
        for (const Event& event : ending.events) {
            kiosk.send(event);
        }
        REQUIRE(last_screen(kiosk.last())->id == ending.screen);
        // The explanation is said in full: the reminder is not even timed yet.
        CHECK_FALSE(timer_started(kiosk.last(), TimerId::reminder));
        // Only once the speaker is silent does the interval start; the reminder then waits for
        // anything still being said.
        CHECK(timer_started(kiosk.send(SpeechEnded{}), TimerId::reminder));
        const auto& reminder = kiosk.fire(TimerId::reminder);
        REQUIRE(mentions(reminder, "请取回您的卡片"));
        for (const Speak& speak : speeches(reminder)) {
            CHECK_FALSE(speak.interrupts);
        }
    }
    // The time-out ends the session without a key, too.
    FlowDriver kiosk;
    kiosk.reach_menu();
    kiosk.send_all({TimerFired{TimerId::inactivity}, TimerFired{TimerId::inactivity_warning}});
    CHECK(last_screen(kiosk.last())->id == "timed_out");
    CHECK_FALSE(timer_started(kiosk.last(), TimerId::reminder));
    for (const Speak& speak : speeches(kiosk.last())) {
        CHECK_FALSE(speak.interrupts);
    }
}

TEST_CASE("The time-out screen does not blame the customer") {
    FlowDriver kiosk;
    const std::string words = kiosk.resources().catalog("zh-CN").text("timed_out.text");
    CHECK(words.find("您很久没有操作") == std::string::npos);
    CHECK(words.find("自动结束") != std::string::npos);
}

TEST_CASE("ADA 707.5.1: star repeats the last sentence, star again the whole screen") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    const auto& once = kiosk.send(KeyPressed{k_repeat_sentence_key});
    CHECK(has_effect<StopSpeech>(once));
    CHECK(has_effect<RepeatSpeech>(once));
    CHECK_FALSE(has_effect<Speak>(once));
    const auto& twice = kiosk.send(KeyPressed{k_repeat_sentence_key});
    CHECK_FALSE(has_effect<RepeatSpeech>(twice));
    CHECK(mentions(twice, "查询余额，请按一。"));
    CHECK(kiosk.session().state == State::menu);
    // Also during PIN entry, where no digit may be said: star repeats what was said.
    FlowDriver entering;
    entering.reach_pin_entry();
    CHECK(has_effect<RepeatSpeech>(entering.send(KeyPressed{k_repeat_sentence_key})));
    CHECK(entering.session().state == State::pin_entry);
}

TEST_CASE("EN 301 549 5.1.3.4: hash pauses the speech and hash again carries on") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    const auto& paused = kiosk.send(KeyPressed{k_pause_key});
    CHECK(has_effect<PauseSpeech>(paused));
    // Pausing is the one key that does not stop the speech.
    CHECK_FALSE(has_effect<StopSpeech>(paused));
    CHECK(has_effect<ResumeSpeech>(kiosk.send(KeyPressed{k_pause_key})));
    kiosk.send(KeyPressed{k_pause_key});
    // Any other key stops paused speech for good: nothing is left paused.
    CHECK(has_effect<StopSpeech>(kiosk.send(KeyPressed{base::Key::digit_9})));
    CHECK_FALSE(kiosk.session().speech_paused);
}

TEST_CASE("EN 301 549 5.2: the Audio key starts audio mode without sight, with the tour") {
    FlowDriver kiosk;
    kiosk.send(Started{});
    const auto& effects = kiosk.send(KeyPressed{k_audio_key});
    CHECK(in_audio_mode(kiosk.session()));
    CHECK(kiosk.session().state == State::welcome);
    CHECK(mentions(effects, kiosk.text("audio.key_on")));
    CHECK(mentions(effects, kiosk.text("audio.orientation")));
    // No headphones: speech stays on the speaker, and private data is still not spoken there.
    CHECK(speech_channel(kiosk.session()) == Channel::speaker);
    // Audio mode doubles the time-outs (docs/accessibility.md, "Time").
    CHECK(timer_milliseconds(TimerId::inactivity, kiosk.resources(), kiosk.session()) ==
          2 * kiosk.resources().policy.inactivity_timeout_ms);
}

TEST_CASE(
    "Orientation: the tour says where the keypad, card, cash and receipt slots are by the "
    "clock, and repeats until the card is inserted") {
    for (const std::string_view locale : {"zh-CN", "zh-HK", "en"}) {
        INFO(locale);
        const std::string tour = FlowDriver().resources().catalog(locale).text("audio.orientation");
        for (const std::string_view place :
             locale == "en"      ? std::vector<std::string_view>{"keypad", "card slot", "cash slot",
                                                                 "receipt slot", "Help", "o'clock"}
             : locale == "zh-CN" ? std::vector<std::string_view>{"键盘", "插卡口", "出钞口",
                                                                 "凭条口", "帮助键", "点钟"}
                                 : std::vector<std::string_view>{"鍵盤", "插卡口", "出鈔口",
                                                                 "收據口", "求助鍵", "點鐘"}) {
            CHECK(tour.find(place) != std::string::npos);
        }
    }
    FlowDriver kiosk;
    kiosk.send_all({Started{}, HeadphonesPlugged{}});
    // The tour starts again an interval after the speech has ended.
    CHECK(timer_started(kiosk.send(SpeechEnded{}), TimerId::tour));
    const auto& again = kiosk.fire(TimerId::tour);
    CHECK(mentions(again, kiosk.text("audio.orientation")));
    for (const Speak& speak : speeches(again)) {
        CHECK_FALSE(speak.interrupts);
    }
    kiosk.send(SpeechEnded{});
    // The card ends it.
    kiosk.send(CardInserted{});
    CHECK(timer_cancelled(kiosk.last(), TimerId::tour));
}

TEST_CASE("In audio mode each key says its name before what it does") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, HeadphonesPlugged{}});
    const auto said = utterances(kiosk.send(KeyPressed{base::Key::digit_3}));
    REQUIRE(said.size() > 1);
    CHECK(said.front().text == "三。");
    FlowDriver sighted;
    sighted.send(Started{});
    const auto plain = utterances(sighted.send(KeyPressed{base::Key::digit_3}));
    REQUIRE_FALSE(plain.empty());
    CHECK(plain.front().text != "三。");
    // A key that only beeps still says its name.
    FlowDriver rejected;
    rejected.send_all({Started{}, HeadphonesPlugged{}});
    const auto beep = utterances(rejected.send(KeyPressed{base::Key::digit_9}));
    REQUIRE(beep.size() == 1);
    CHECK(beep.front().text == "九。");
}

TEST_CASE(
    "EN 301 549 5.1.3.11-13: the sound screen steps the volume, unseen, and the next "
    "customer starts from the default") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, KeyPressed{k_audio_key}});
    kiosk.send(KeyPressed{k_audio_key});
    REQUIRE(kiosk.session().state == State::sound);
    const auto& louder = kiosk.send(KeyPressed{k_sound_louder_key});
    const auto volume = effects_of<SetVolume>(louder);
    REQUIRE(volume.size() == 1);
    CHECK(volume.front().step == policy::k_default_volume_step + 1);
    CHECK(mentions(louder, "音量四级，一共五级。"));
    // The level is heard, never shown.
    const auto screen = last_screen(kiosk.all());
    REQUIRE(screen);
    for (const Element& element : screen->elements) {
        CHECK(element.text.find("四") == std::string::npos);
    }
    kiosk.send(KeyPressed{k_sound_louder_key});
    CHECK(mentions(kiosk.send(KeyPressed{k_sound_louder_key}), kiosk.text("sound.loudest")));
    CHECK(kiosk.session().volume_step == policy::k_maximum_volume_step);
    // Back to the welcome screen, then a card and the session ends: the next customer hears the
    // default volume.
    kiosk.send_all({KeyPressed{k_sound_back_key}, CardInserted{}, CardRemoved{}});
    const auto& next = kiosk.fire(TimerId::goodbye);
    const auto reset = effects_of<SetVolume>(next);
    REQUIRE(reset.size() == 1);
    CHECK(reset.front().step == policy::k_default_volume_step);
}

TEST_CASE("The speech rate is set from the sound screen and slower by default in elder mode") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, KeyPressed{k_audio_key}, KeyPressed{k_audio_key}});
    const int normal = kiosk.resources().policy.standard_rate_wpm;
    const auto slower = utterances(kiosk.send(KeyPressed{k_sound_rate_key}));
    REQUIRE_FALSE(slower.empty());
    CHECK(slower.back().rate_wpm == normal - policy::k_rate_step_wpm);
    const auto faster = utterances(kiosk.send(KeyPressed{k_sound_rate_key}));
    CHECK(faster.back().rate_wpm == normal + policy::k_rate_step_wpm);
    const auto back = utterances(kiosk.send(KeyPressed{k_sound_rate_key}));
    CHECK(back.back().rate_wpm == normal);
}

TEST_CASE("In audio mode the screen can be blanked, and it comes back for the next customer") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, HeadphonesPlugged{}, KeyPressed{k_audio_key}});
    const auto blank = effects_of<BlankScreen>(kiosk.send(KeyPressed{k_sound_screen_key}));
    REQUIRE(blank.size() == 1);
    CHECK(blank.front().blanked);
    kiosk.send_all({KeyPressed{k_sound_back_key}, CardInserted{}, CardRemoved{}});
    const auto shown = effects_of<BlankScreen>(kiosk.fire(TimerId::goodbye));
    REQUIRE(shown.size() == 1);
    CHECK_FALSE(shown.front().blanked);
}

TEST_CASE("The sound screen waits during PIN entry and the Audio key says so") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, KeyPressed{k_audio_key}});
    kiosk.send_all({CardInserted{}, CardRead{sample_card()}});
    REQUIRE(kiosk.session().state == State::pin_entry);
    const auto& effects = kiosk.send(KeyPressed{k_audio_key});
    CHECK(kiosk.session().state == State::pin_entry);
    CHECK(mentions(effects, kiosk.text("audio.sound_after_pin")));
}

TEST_CASE("Settings: three text sizes, high contrast and elder mode, from the welcome screen") {
    FlowDriver kiosk;
    open_settings(kiosk);
    CHECK(last_screen(kiosk.last())->takes_digits);
    kiosk.send(KeyPressed{k_settings_text_size_key});
    CHECK(kiosk.session().text_size == TextSize::large);
    CHECK(last_screen(kiosk.last())->text_size == TextSize::large);
    CHECK(mentions(kiosk.last(), "字体：大。"));
    kiosk.send(KeyPressed{k_settings_text_size_key});
    CHECK(last_screen(kiosk.last())->text_size == TextSize::largest);
    kiosk.send(KeyPressed{k_settings_contrast_key});
    CHECK(last_screen(kiosk.last())->high_contrast);
    CHECK(mentions(kiosk.last(), kiosk.text("settings.contrast_on_done")));
    kiosk.send(KeyPressed{k_settings_elder_mode_key});
    CHECK(kiosk.session().elder_mode);
    CHECK(last_screen(kiosk.last())->theme == k_elder_theme);
    // Enter: back to the welcome screen in the chosen look.
    const auto welcome = last_screen(kiosk.send(KeyPressed{k_settings_done_key}));
    REQUIRE(welcome);
    CHECK(welcome->id == "welcome");
    CHECK(welcome->text_size == TextSize::largest);
    CHECK(welcome->high_contrast);
    // The look lasts the session and is the next customer's own choice again.
    kiosk.send_all({CardInserted{}, CardRemoved{}});
    kiosk.fire(TimerId::goodbye);
    const auto next = last_screen(kiosk.last());
    REQUIRE(next);
    CHECK(next->text_size == TextSize::normal);
    CHECK_FALSE(next->high_contrast);
    CHECK(next->theme == k_standard_theme);
}

TEST_CASE(
    "MIIT: the elder welcome screen keeps to four choices and leaves elder mode in the "
    "settings") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, KeyPressed{k_welcome_elder_mode_key}});
    const auto screen = last_screen(kiosk.last());
    REQUIRE(screen);
    const auto choices = std::ranges::count_if(
        screen->elements, [](const Element& element) { return element.role == Role::choice; });
    CHECK(choices == policy::k_elder_maximum_choices);
    // Key 4 no longer toggles it off by surprise.
    kiosk.send(KeyPressed{k_welcome_elder_mode_key});
    CHECK(kiosk.session().elder_mode);
    kiosk.send_all({KeyPressed{k_welcome_settings_key}, KeyPressed{k_settings_elder_mode_key}});
    CHECK_FALSE(kiosk.session().elder_mode);
}

TEST_CASE("Nobody answering the settings brings the welcome screen back") {
    FlowDriver kiosk;
    open_settings(kiosk);
    kiosk.fire(TimerId::inactivity);
    CHECK(kiosk.session().state == State::welcome);
    CHECK(std::ranges::find(kiosk.session().running_timers, TimerId::inactivity) ==
          kiosk.session().running_timers.end());
}

TEST_CASE("Help is offered when a customer hesitates on a choice screen") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    // The menu has been said; nothing is pressed for a while.
    CHECK(timer_started(kiosk.send(SpeechEnded{}), TimerId::hesitation) ==
          kiosk.resources().policy.hesitation_ms);
    const auto& offer = kiosk.fire(TimerId::hesitation);
    CHECK(mentions(offer, kiosk.text("hesitation.offer")));
    for (const Speak& speak : speeches(offer)) {
        CHECK_FALSE(speak.interrupts);
    }
    CHECK(kiosk.session().state == State::menu);
    // Once a screen.
    CHECK_FALSE(timer_started(kiosk.send(SpeechEnded{}), TimerId::hesitation));
}

TEST_CASE("Help is offered when keys that do nothing are pressed again and again") {
    FlowDriver kiosk;
    kiosk.reach_menu();
    for (int press = 1; press < policy::k_keys_before_help; ++press) {
        CHECK_FALSE(
            mentions(kiosk.send(KeyPressed{base::Key::digit_8}), kiosk.text("hesitation.offer")));
    }
    CHECK(mentions(kiosk.send(KeyPressed{base::Key::digit_8}), kiosk.text("hesitation.offer")));
    // A key that does something starts the count again.
    kiosk.send(KeyPressed{k_menu_balance_key});
    CHECK_FALSE(
        mentions(kiosk.send(KeyPressed{base::Key::digit_8}), kiosk.text("hesitation.offer")));
}

TEST_CASE("Nobody is offered help at an empty kiosk") {
    FlowDriver kiosk;
    kiosk.send(Started{});
    CHECK_FALSE(timer_started(kiosk.send(SpeechEnded{}), TimerId::hesitation));
}

namespace {

ServiceReply reply_with_preferences(bool elder_mode, std::string grant) {
    ServiceReply reply = balance_reply(1'234'567);
    reply.preferences = CardPreferences{elder_mode, base::SecretText(grant)};
    return reply;
}

// Welcome in elder mode -> card -> PIN -> the reply.
void reach_reply_in_elder_mode(FlowDriver& kiosk, const ServiceReply& reply) {
    kiosk.send_all({Started{}, KeyPressed{k_welcome_elder_mode_key}, CardInserted{},
                    CardRead{sample_card()}, PinDigitEntered{4}, PinEntered{sample_pin_block()}});
    kiosk.reply(reply);
}

}  // namespace

TEST_CASE(
    "Elder mode is remembered for the card only when the customer agrees, with the purpose "
    "stated first") {
    FlowDriver kiosk;
    reach_reply_in_elder_mode(kiosk, reply_with_preferences(false, "grant-1"));
    const auto asked = last_screen(kiosk.last());
    REQUIRE(asked);
    CHECK(asked->id == "remember_elder_mode");
    // The purpose comes before the question's choices, on the screen and in speech.
    const std::string purpose = kiosk.text("remember_elder_mode.purpose");
    CHECK(asked->elements.at(1).text == purpose);
    CHECK(mentions(kiosk.last(), purpose));
    const auto& yes = kiosk.send(KeyPressed{k_remember_yes_key});
    const auto saves = effects_of<SavePreferences>(yes);
    REQUIRE(saves.size() == 1);
    CHECK(saves.front().elder_mode);
    CHECK(saves.front().grant.view() == "grant-1");
    CHECK(kiosk.session().state == State::menu);
    // The grant is spent, and the answer is said after whatever is being said.
    CHECK(kiosk.session().preferences_grant.empty());
    const auto& saved = kiosk.send(PreferencesSaved{saves.front().call_id, true});
    CHECK(mentions(saved, kiosk.text("remember_elder_mode.saved")));
    for (const Speak& speak : speeches(saved)) {
        CHECK_FALSE(speak.interrupts);
    }
}

TEST_CASE("Saying no stores nothing, and a customer not in elder mode is not asked") {
    FlowDriver declined;
    reach_reply_in_elder_mode(declined, reply_with_preferences(false, "grant-1"));
    CHECK_FALSE(has_effect<SavePreferences>(declined.send(KeyPressed{k_remember_no_key})));
    CHECK(declined.session().state == State::menu);

    FlowDriver standard;
    standard.reach_pin_entry();
    standard.send_all({PinDigitEntered{4}, PinEntered{sample_pin_block()}});
    standard.reply(reply_with_preferences(false, "grant-1"));
    CHECK(standard.session().state == State::menu);
    CHECK_FALSE(standard.session().elder_mode);
}

TEST_CASE("A card whose elder mode is remembered turns it on after the PIN, and says so") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send_all({PinDigitEntered{4}, PinEntered{sample_pin_block()}});
    kiosk.reply(reply_with_preferences(true, "grant-1"));
    CHECK(kiosk.session().elder_mode);
    CHECK(kiosk.session().state == State::menu);
    CHECK(last_screen(kiosk.last())->theme == k_elder_theme);
    CHECK(mentions(kiosk.last(), kiosk.text("remember_elder_mode.applied")));
    // Slower speech follows at once.
    CHECK(utterances(kiosk.last()).back().rate_wpm == kiosk.resources().policy.elder_rate_wpm);
}

TEST_CASE("A remembered elder mode can be forgotten from the menu, and stays on for this visit") {
    FlowDriver kiosk;
    kiosk.reach_pin_entry();
    kiosk.send_all({PinDigitEntered{4}, PinEntered{sample_pin_block()}});
    kiosk.reply(reply_with_preferences(true, "grant-1"));
    const auto menu = last_screen(kiosk.last());
    REQUIRE(menu);
    const auto offered = std::ranges::find_if(menu->elements, [](const Element& element) {
        return element.key == k_menu_forget_elder_mode_key;
    });
    REQUIRE(offered != menu->elements.end());
    CHECK(offered->text == kiosk.text("menu.forget_elder_mode"));
    // Elder mode keeps to four choices.
    CHECK(std::ranges::count_if(menu->elements, [](const Element& element) {
              return element.role == Role::choice;
          }) <= 4);

    const auto& forget = kiosk.send(KeyPressed{k_menu_forget_elder_mode_key});
    const auto saves = effects_of<SavePreferences>(forget);
    REQUIRE(saves.size() == 1);
    CHECK_FALSE(saves.front().elder_mode);
    CHECK(saves.front().grant.view() == "grant-1");
    CHECK(kiosk.session().preferences_grant.empty());
    CHECK(kiosk.session().elder_mode);
    CHECK(kiosk.session().state == State::menu);
    // Asked once: the choice leaves the menu.
    const auto after = last_screen(forget);
    REQUIRE(after);
    CHECK(std::ranges::none_of(after->elements, [](const Element& element) {
        return element.key == k_menu_forget_elder_mode_key;
    }));
    const auto& done = kiosk.send(PreferencesSaved{saves.front().call_id, true});
    CHECK(mentions(done, kiosk.text("remember_elder_mode.forgotten")));
    // Key 4 does nothing more.
    CHECK_FALSE(has_effect<SavePreferences>(kiosk.send(KeyPressed{k_menu_forget_elder_mode_key})));
}

TEST_CASE("Without a remembered elder mode the menu does not offer to forget it") {
    FlowDriver kiosk;
    reach_reply_in_elder_mode(kiosk, reply_with_preferences(false, "grant-1"));
    kiosk.send(KeyPressed{k_remember_no_key});
    const auto menu = last_screen(kiosk.last());
    REQUIRE(menu);
    CHECK(std::ranges::none_of(menu->elements, [](const Element& element) {
        return element.key == k_menu_forget_elder_mode_key;
    }));
    CHECK_FALSE(has_effect<SavePreferences>(kiosk.send(KeyPressed{k_menu_forget_elder_mode_key})));
}

TEST_CASE("The preferences grant is personal data: it leaves with the card") {
    FlowDriver kiosk;
    reach_reply_in_elder_mode(kiosk, reply_with_preferences(false, "grant-1"));
    kiosk.send(KeyPressed{k_remember_no_key});
    CHECK_FALSE(kiosk.session().preferences_grant.empty());
    kiosk.send(KeyPressed{k_menu_take_card_key});
    CHECK(kiosk.session().preferences_grant.empty());
}
