// Invariants that hold in every flow: checked over all scenarios, in every language, with and
// without elder mode and headphones.

#include <algorithm>
#include <regex>

#include <catch2/catch.hpp>

#include "kiosk/core/screens.h"
#include "kiosk/core/speech_script.h"
#include "kiosk/core/wording.h"
#include "tests/kiosk/core/flow_driver.h"

using namespace kiosk::core;
using namespace kiosk::core::testing;

namespace {

struct Recorded {
    Session session;  // after the event
    std::vector<Effect> effects;
};

std::vector<Recorded> run_steps(const std::vector<Event>& events) {
    const Resources& resources = real_resources();
    Session session = new_session(resources);
    std::vector<Recorded> steps;
    for (const Event& event : events) {
        session = step_with_pad(resources, std::move(session), event,
                                [&steps](const Event&, const Step& next) {
                                    steps.push_back(Recorded{next.session, next.effects});
                                });
    }
    return steps;
}

// The welcome-screen keys that set up a variant: a language, elder mode.
struct Variant {
    std::string name;
    std::vector<Event> prefix;
};

std::vector<Variant> variants() {
    return {
        {"zh-CN", {}},
        {"zh-CN elder", {KeyPressed{base::Key::digit_4}}},
        {"zh-HK", {KeyPressed{base::Key::digit_2}}},
        {"zh-HK elder", {KeyPressed{base::Key::digit_2}, KeyPressed{base::Key::digit_4}}},
        {"en", {KeyPressed{base::Key::digit_3}}},
        {"en elder headphones",
         {KeyPressed{base::Key::digit_3}, KeyPressed{base::Key::digit_4}, HeadphonesPlugged{}}},
    };
}

// Calls `check(name, steps)` for every scenario in every variant.
template <typename Check>
void for_every_run(Check check) {
    for (const Variant& variant : variants()) {
        for (const Scenario& scenario : all_scenarios()) {
            std::vector<Event> events{Started{}};
            events.insert(events.end(), variant.prefix.begin(), variant.prefix.end());
            events.insert(events.end(), scenario.events.begin(), scenario.events.end());
            check(variant.name + " / " + scenario.name, run_steps(events));
        }
    }
}

std::vector<Effect> all_effects(const std::vector<Recorded>& steps) {
    std::vector<Effect> effects;
    for (const Recorded& recorded : steps) {
        effects.insert(effects.end(), recorded.effects.begin(), recorded.effects.end());
    }
    return effects;
}

}  // namespace

TEST_CASE("The scenarios only fire timers that are running and send events that fit") {
    for_every_run([](const std::string& name, const std::vector<Recorded>& steps) {
        INFO(name);
        for (const Journal& entry : effects_of<Journal>(all_effects(steps))) {
            CHECK(entry.event != "stale_timer");
            // Plugging headphones in twice is the one misfit the variants cause on purpose.
            if (!entry.detail.starts_with("Headphones")) {
                CHECK(entry.event != "event_ignored");
            }
        }
    });
}

TEST_CASE("Every screen change is a Show followed at once by a Speak of the same model") {
    for_every_run([](const std::string& name, const std::vector<Recorded>& steps) {
        INFO(name);
        std::string previous_id;
        for (const Recorded& recorded : steps) {
            const auto& effects = recorded.effects;
            for (std::size_t index = 0; index < effects.size(); ++index) {
                const auto* show = std::get_if<Show>(&effects[index]);
                if (show == nullptr) {
                    continue;
                }
                const bool pin_field_update = show->screen.id == "pin_entry" &&
                                              previous_id == "pin_entry" &&
                                              !has_effect<StartPinEntry>(effects);
                previous_id = show->screen.id;
                if (pin_field_update) {
                    continue;
                }
                INFO("screen " << show->screen.id);
                REQUIRE(index + 1 < effects.size());
                const auto* speak = std::get_if<Speak>(&effects[index + 1]);
                REQUIRE(speak != nullptr);
                const std::vector<Utterance> script =
                    speech_script(show->screen, speech_context(real_resources(), recorded.session));
                std::vector<Utterance> spoken = speak->utterances;
                // The screen may be introduced by a phrase or two: in audio mode the name of the
                // key that led here (docs/accessibility.md, "Keypad controls"), or what plugging
                // the headphones did. The screen itself follows in full.
                REQUIRE(spoken.size() >= script.size());
                const auto introduction = spoken.size() - script.size();
                CHECK(introduction <= 2);
                for (std::size_t phrase = 0; phrase < introduction; ++phrase) {
                    CHECK_FALSE(spoken[phrase].is_private);
                }
                spoken.erase(spoken.begin(), spoken.begin() + static_cast<long>(introduction));
                CHECK(spoken == script);
                CHECK(show->screen == recorded.session.screen);
            }
        }
    });
}

TEST_CASE(
    "EN 301 549 5.1.3.9: nothing private is spoken on the speaker unless the customer chose it") {
    const std::string balance_zh = chinese_amount(Money{1'234'567, "CNY"});
    const std::string balance_hk =
        chinese_amount(Money{1'234'567, "CNY"}, ChineseScript::traditional);
    const std::string balance_en = english_amount(Money{1'234'567, "CNY"});
    int private_heard_on_headphones = 0;
    int private_heard_by_choice = 0;
    for_every_run([&](const std::string& name, const std::vector<Recorded>& steps) {
        INFO(name);
        bool chosen = false;
        for (const Effect& effect : all_effects(steps)) {
            if (const auto* entry = std::get_if<Journal>(&effect)) {
                chosen = chosen || entry->event == "speaker_chosen";
            }
            const auto* speak = std::get_if<Speak>(&effect);
            if (speak == nullptr) {
                continue;
            }
            for (const Utterance& utterance : speak->utterances) {
                if (utterance.channel == Channel::headphones) {
                    private_heard_on_headphones += utterance.is_private ? 1 : 0;
                    continue;
                }
                INFO(utterance.text);
                if (utterance.speaker_chosen) {
                    // Only after the customer pressed for it, and only the personal part.
                    CHECK(chosen);
                    CHECK(utterance.is_private);
                    ++private_heard_by_choice;
                    continue;
                }
                CHECK_FALSE(utterance.is_private);
                CHECK(utterance.text.find(balance_zh) == std::string::npos);
                CHECK(utterance.text.find(balance_hk) == std::string::npos);
                CHECK(utterance.text.find(balance_en) == std::string::npos);
                CHECK(utterance.text.find("零零一八") == std::string::npos);
                CHECK(utterance.text.find("0 0 1 8") == std::string::npos);
            }
        }
    });
    // The scenarios do reach private speech, on the headphones and by choice on the speaker.
    CHECK(private_heard_on_headphones > 0);
    CHECK(private_heard_by_choice > 0);
}

TEST_CASE("The PIN block and the full card number never appear in shown, spoken or logged text") {
    const std::vector<std::string> secrets{
        std::string(k_sample_pan),    chinese_digits(k_sample_pan),
        english_digits(k_sample_pan), std::string(k_sample_pin_block_hex),
        "c967c8198151a458",           std::string(k_sample_pan.substr(0, 12))};
    for_every_run([&](const std::string& name, const std::vector<Recorded>& steps) {
        INFO(name);
        for (const Effect& effect : all_effects(steps)) {
            for (const std::string& text : texts_of(effect)) {
                for (const std::string& secret : secrets) {
                    INFO(to_string(effect) << ": " << text);
                    CHECK(text.find(secret) == std::string::npos);
                }
            }
        }
    });
}

TEST_CASE("No Chinese utterance holds Arabic digits or Latin letters apart from lexicon pinyin") {
    // eSpeak's Chinese voices misread digits and switch to English for Latin words
    // (docs/platform-facts.md); the only Latin text allowed is the lexicon's tone-numbered pinyin
    // and a lone capital letter, as a ticket number or a reference has ("A，零二三"), which both
    // voices say by its letter's name (`espeak-ng -v cmn-latn-pinyin -x A` gives 'ei51, B p'i51;
    // `-v yue` gives the English letter names).
    const Resources& resources = real_resources();
    const std::regex latin_or_digit("[0-9]|[A-Za-z]{2,}|[a-z]");
    int checked = 0;
    for_every_run([&](const std::string& name, const std::vector<Recorded>& steps) {
        INFO(name);
        for (const Utterance& utterance : utterances(all_effects(steps))) {
            if (!is_chinese_locale(utterance.locale)) {
                continue;
            }
            CHECK(utterance.text.find("zhang3") == std::string::npos);
            std::string text = utterance.phonetic;
            for (const auto& [word, pinyin] : resources.lexicon(utterance.locale).entries()) {
                for (std::size_t at = text.find(pinyin); at != std::string::npos;
                     at = text.find(pinyin)) {
                    text.erase(at, pinyin.size());
                }
            }
            INFO(utterance.locale << ": " << utterance.text);
            CHECK_FALSE(std::regex_search(text, latin_or_digit));
            ++checked;
        }
    });
    CHECK(checked > 100);
}

TEST_CASE("Every utterance is in the locale of its screen or of the language it offers") {
    for_every_run([](const std::string& name, const std::vector<Recorded>& steps) {
        INFO(name);
        for (const Recorded& recorded : steps) {
            for (const Utterance& utterance : utterances(recorded.effects)) {
                INFO(utterance.text);
                const bool offered =
                    std::ranges::find(policy::k_offered_locales, utterance.locale) !=
                    policy::k_offered_locales.end();
                CHECK(offered);
                if (recorded.session.screen.id != "welcome") {
                    CHECK(utterance.locale == recorded.session.locale);
                }
            }
        }
    });
}

TEST_CASE("No screen in any locale shows or speaks a missing-message marker") {
    const Resources& resources = real_resources();
    const std::string marker = missing_marker("");
    const std::string marker_start = marker.substr(0, marker.size() - 1);
    for_every_run([&](const std::string& name, const std::vector<Recorded>& steps) {
        INFO(name);
        for (const Effect& effect : all_effects(steps)) {
            for (const std::string& text : texts_of(effect)) {
                INFO(text);
                CHECK(text.find(marker_start) == std::string::npos);
            }
        }
    });
    // Every screen, also ones the scenarios reach only in some states, in every locale.
    for (const auto& [locale, catalog] : resources.catalogs) {
        for (const bool elder : {false, true}) {
            Session session = new_session(resources);
            session.locale = locale;
            session.elder_mode = elder;
            session.card = sample_card();
            session.balance = Money{1'234'567, "CNY"};
            session.pin_tries_left = 2;
            session.pin_digit_count = 3;
            for (const EndReason reason : {EndReason::none, EndReason::card_removed}) {
                session.end_reason = reason;
                for (const ScreenId id : k_all_screen_ids) {
                    const ScreenModel screen = build_screen(id, resources, session);
                    for (const Channel channel : {Channel::speaker, Channel::headphones}) {
                        for (const Utterance& utterance :
                             speech_script(screen, SpeechContext{resources, channel, elder})) {
                            INFO(locale << " " << screen.id << ": " << utterance.text);
                            CHECK(utterance.text.find(marker_start) == std::string::npos);
                        }
                    }
                    for (const Element& element : screen.elements) {
                        INFO(locale << " " << screen.id << ": " << element.text);
                        CHECK(element.text.find(marker_start) == std::string::npos);
                        CHECK_FALSE((element.text.empty() && element.role != Role::input));
                    }
                }
            }
        }
    }
}

TEST_CASE("Elder mode screens offer at most four choices") {
    for_every_run([](const std::string& name, const std::vector<Recorded>& steps) {
        INFO(name);
        for (const ScreenModel& screen : screens_shown(all_effects(steps))) {
            if (screen.theme != "elder") {
                continue;
            }
            INFO(screen.id);
            // A list's "more" (9) turns the page rather than choosing: the four most common
            // come first (docs/service-standards.md, "Guidance before service (业务引导 /
            // 资料准备)").
            const auto choices = std::ranges::count_if(screen.elements, [](const Element& element) {
                return element.role == Role::choice && element.key != k_list_more_key;
            });
            CHECK(choices <= policy::k_elder_maximum_choices);
        }
    });
}

TEST_CASE("Every choice on every screen is selected by a key and spoken with it") {
    for_every_run([](const std::string& name, const std::vector<Recorded>& steps) {
        INFO(name);
        for (const ScreenModel& screen : screens_shown(all_effects(steps))) {
            for (const Element& element : screen.elements) {
                if (element.role == Role::choice) {
                    INFO(screen.id << ": " << element.text);
                    CHECK(element.key.has_value());
                }
            }
        }
    });
}

TEST_CASE("Every scenario ends with the card out of the kiosk and no personal data kept") {
    for_every_run([](const std::string& name, const std::vector<Recorded>& steps) {
        INFO(name);
        REQUIRE_FALSE(steps.empty());
        const Session& last = steps.back().session;
        CHECK((last.state == State::welcome || last.state == State::goodbye));
        CHECK_FALSE(last.card.has_value());
        CHECK_FALSE(last.balance.has_value());
        CHECK_FALSE(last.pin_entry_active);
        CHECK_FALSE(last.pending_call.has_value());
    });
}
