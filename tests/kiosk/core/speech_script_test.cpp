#include <catch2/catch.hpp>

#include "kiosk/core/speech_script.h"

using namespace kiosk::core;

namespace {

Resources sample_resources() {
    Resources resources;
    resources.catalogs.emplace(
        "zh-CN", Catalog("zh-CN", {{"speech.choice", "{label}，请按{key}。"},
                                   {"speech.private_on_screen", "个人信息已显示在屏幕上。"},
                                   {"key.1", "一"},
                                   {"key.enter", "确认键"}}));
    resources.catalogs.emplace(
        "en", Catalog("en", {{"speech.choice", "{label}: press {key}."}, {"key.3", "3"}}));
    resources.lexicons.emplace("zh-CN",
                               Lexicon(std::vector<Lexicon::Entry>{{"银行", "yin2 hang2"}}));
    return resources;
}

Element element(Role role, std::string text, std::string speech = {}) {
    Element result;
    result.role = role;
    result.text = std::move(text);
    result.speech = std::move(speech);
    return result;
}

ScreenModel sample_screen() {
    ScreenModel screen;
    screen.id = "sample";
    screen.locale = "zh-CN";
    screen.theme = "standard";
    screen.elements.push_back(element(Role::title, "欢迎来到银行"));
    Element amount = element(Role::amount, "12,345.67 元", "余额一万二千三百四十五元六角七分");
    amount.is_private = true;
    screen.elements.push_back(amount);
    Element card = element(Role::text, "卡号 **** 0018", "尾号零零一八");
    card.is_private = true;
    screen.elements.push_back(card);
    Element choice = element(Role::choice, "查询余额");
    choice.key = base::Key::digit_1;
    screen.elements.push_back(choice);
    Element english = element(Role::choice, "English");
    english.key = base::Key::digit_3;
    english.locale = "en";
    screen.elements.push_back(english);
    screen.elements.push_back(element(Role::notice, ""));
    return screen;
}

std::vector<std::string> texts(const std::vector<Utterance>& utterances) {
    std::vector<std::string> result;
    for (const Utterance& utterance : utterances) {
        result.push_back(utterance.text);
    }
    return result;
}

}  // namespace

TEST_CASE("The speech script reads the elements in screen order, choices with their keys") {
    const Resources resources = sample_resources();
    const auto spoken =
        speech_script(sample_screen(), SpeechContext{resources, Channel::headphones, false});
    CHECK(texts(spoken) ==
          std::vector<std::string>{"欢迎来到银行", "余额一万二千三百四十五元六角七分",
                                   "尾号零零一八", "查询余额，请按一。", "English: press 3."});
    // The synthesiser is given the same words with the lexicon's readings.
    CHECK(spoken.front().phonetic == "欢迎来到yin2 hang2");
    CHECK(spoken.back().phonetic == "English: press 3.");
}

TEST_CASE("On the speaker private elements are replaced once by the on-screen phrase") {
    const Resources resources = sample_resources();
    const auto spoken =
        speech_script(sample_screen(), SpeechContext{resources, Channel::speaker, false});
    CHECK(texts(spoken) == std::vector<std::string>{"欢迎来到银行", "个人信息已显示在屏幕上。",
                                                    "查询余额，请按一。", "English: press 3."});
    for (const Utterance& utterance : spoken) {
        CHECK_FALSE(utterance.is_private);
        CHECK(utterance.channel == Channel::speaker);
    }
}

TEST_CASE("On the headphones private elements are spoken and marked private") {
    const Resources resources = sample_resources();
    const auto spoken =
        speech_script(sample_screen(), SpeechContext{resources, Channel::headphones, false});
    REQUIRE(spoken.size() == 5);
    CHECK_FALSE(spoken[0].is_private);
    CHECK(spoken[1].is_private);
    CHECK(spoken[2].is_private);
    for (const Utterance& utterance : spoken) {
        CHECK(utterance.channel == Channel::headphones);
    }
}

TEST_CASE(
    "EN 301 549 5.1.3.9: on the speaker private elements are read when the customer chose it") {
    const Resources resources = sample_resources();
    SpeechContext context{resources, Channel::speaker, false};
    context.speaker_chosen = true;
    const auto spoken = speech_script(sample_screen(), context);
    REQUIRE(spoken.size() == 5);
    CHECK(spoken[1].text == "余额一万二千三百四十五元六角七分");
    for (const Utterance& utterance : spoken) {
        CHECK(utterance.channel == Channel::speaker);
        // Only the personal details carry the choice; the speaker refuses them without it.
        CHECK(utterance.speaker_chosen == utterance.is_private);
    }
    CHECK(spoken[1].is_private);
    CHECK(spoken[2].is_private);
}

TEST_CASE("An element in another language is spoken in that language with its own phrasing") {
    const Resources resources = sample_resources();
    const auto spoken =
        speech_script(sample_screen(), SpeechContext{resources, Channel::speaker, false});
    CHECK(spoken.back().locale == "en");
    CHECK(spoken.front().locale == "zh-CN");
}

TEST_CASE("Elder mode speaks slower") {
    const Resources resources = sample_resources();
    const auto standard =
        speech_script(sample_screen(), SpeechContext{resources, Channel::speaker, false});
    const auto elder =
        speech_script(sample_screen(), SpeechContext{resources, Channel::speaker, true});
    CHECK(standard.front().rate_wpm == resources.policy.standard_rate_wpm);
    CHECK(elder.front().rate_wpm == resources.policy.elder_rate_wpm);
    CHECK(elder.front().rate_wpm < standard.front().rate_wpm);
}

TEST_CASE("A choice whose key has no catalog word shows the missing marker in speech") {
    Resources resources = sample_resources();
    ScreenModel screen;
    screen.locale = "zh-CN";
    Element choice = element(Role::choice, "帮助");
    choice.key = base::Key::help;
    screen.elements.push_back(choice);
    const auto spoken = speech_script(screen, SpeechContext{resources, Channel::speaker, false});
    REQUIRE(spoken.size() == 1);
    CHECK(spoken.front().text == "帮助，请按[missing: key.help]。");
}

TEST_CASE("A single phrase keeps its words and goes through the same lexicon, rate and channel") {
    const Resources resources = sample_resources();
    const Utterance utterance = phrase_utterance(
        "请取回银行卡", "zh-CN", SpeechContext{resources, Channel::headphones, true});
    CHECK(utterance.text == "请取回银行卡");
    CHECK(utterance.phonetic == "请取回yin2 hang2卡");
    CHECK(utterance.channel == Channel::headphones);
    CHECK(utterance.rate_wpm == resources.policy.elder_rate_wpm);
    CHECK_FALSE(utterance.is_private);
}
