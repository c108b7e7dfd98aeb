#include <catch2/catch.hpp>

#include "kiosk/speech/voices.h"

using namespace kiosk::speech;

TEST_CASE("Mandarin is spoken by cmn-latn-pinyin, not by the broken cmn or zh voices") {
    REQUIRE(voice_for_locale("zh-CN").has_value());
    CHECK(*voice_for_locale("zh-CN") == "cmn-latn-pinyin");
}

TEST_CASE("Cantonese is spoken by yue and English by en-us") {
    CHECK(voice_for_locale("zh-HK").value_or("") == "yue");
    CHECK(voice_for_locale("en").value_or("") == "en-us");
}

TEST_CASE("Locales match without regard to case") {
    CHECK(voice_for_locale("ZH-cn").value_or("") == "cmn-latn-pinyin");
    CHECK(voice_for_locale("EN").value_or("") == "en-us");
}

TEST_CASE("A locale the kiosk does not speak has no voice") {
    CHECK_FALSE(voice_for_locale("fr").has_value());
    CHECK_FALSE(voice_for_locale("zh").has_value());
    CHECK_FALSE(voice_for_locale("").has_value());
}

TEST_CASE("Rates outside eSpeak's range are clamped and an unset rate is normal") {
    CHECK(effective_rate_wpm(130) == 130);
    CHECK(effective_rate_wpm(10) == k_minimum_rate_wpm);
    CHECK(effective_rate_wpm(1000) == k_maximum_rate_wpm);
    CHECK(effective_rate_wpm(0) == k_normal_rate_wpm);
    CHECK(effective_rate_wpm(-5) == k_normal_rate_wpm);
}
