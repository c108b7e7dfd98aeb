// Expectations written by hand from the rules of Chinese numerals (零 for gaps, 十 vs 一十,
// grouping by 万 and 亿) and of reading amounts in 元角分.

#include <cstdint>
#include <limits>

#include <catch2/catch.hpp>

#include "kiosk/core/money.h"
#include "kiosk/core/wording.h"

using namespace kiosk::core;

namespace {

Money fen(std::int64_t amount) {
    return Money{amount, "CNY"};
}

}  // namespace

TEST_CASE("Chinese integers below ten thousand") {
    CHECK(chinese_integer(0) == "零");
    CHECK(chinese_integer(1) == "一");
    CHECK(chinese_integer(7) == "七");
    CHECK(chinese_integer(10) == "十");
    CHECK(chinese_integer(11) == "十一");
    CHECK(chinese_integer(19) == "十九");
    CHECK(chinese_integer(20) == "二十");
    CHECK(chinese_integer(99) == "九十九");
    CHECK(chinese_integer(100) == "一百");
    CHECK(chinese_integer(101) == "一百零一");
    CHECK(chinese_integer(110) == "一百一十");
    CHECK(chinese_integer(111) == "一百一十一");
    CHECK(chinese_integer(1000) == "一千");
    CHECK(chinese_integer(1001) == "一千零一");
    CHECK(chinese_integer(1002) == "一千零二");
    CHECK(chinese_integer(1010) == "一千零一十");
    CHECK(chinese_integer(1100) == "一千一百");
    CHECK(chinese_integer(2345) == "二千三百四十五");
    CHECK(chinese_integer(9999) == "九千九百九十九");
}

TEST_CASE("Chinese integers group by 万 and 亿 with one 零 per gap") {
    CHECK(chinese_integer(10'000) == "一万");
    CHECK(chinese_integer(10'001) == "一万零一");
    CHECK(chinese_integer(10'010) == "一万零一十");
    CHECK(chinese_integer(10'050) == "一万零五十");
    CHECK(chinese_integer(10'500) == "一万零五百");
    CHECK(chinese_integer(12'345) == "一万二千三百四十五");
    CHECK(chinese_integer(100'000) == "十万");
    CHECK(chinese_integer(100'015) == "十万零一十五");
    CHECK(chinese_integer(150'000) == "十五万");
    CHECK(chinese_integer(1'000'000) == "一百万");
    CHECK(chinese_integer(1'002'000) == "一百万二千");
    CHECK(chinese_integer(1'020'000) == "一百零二万");
    CHECK(chinese_integer(10'000'000) == "一千万");
    CHECK(chinese_integer(100'000'000) == "一亿");
    CHECK(chinese_integer(100'010'000) == "一亿零一万");
    CHECK(chinese_integer(101'000'000) == "一亿零一百万");
    CHECK(chinese_integer(110'000'000) == "一亿一千万");
    CHECK(chinese_integer(123'456'789) == "一亿二千三百四十五万六千七百八十九");
    CHECK(chinese_integer(1'000'000'000'000) == "一万亿");
    CHECK(chinese_integer(10'000'000'000'000'000) == "一亿亿");
}

TEST_CASE("Chinese integers in traditional script use 萬 and 億") {
    CHECK(chinese_integer(12'345, ChineseScript::traditional) == "一萬二千三百四十五");
    CHECK(chinese_integer(100'010'000, ChineseScript::traditional) == "一億零一萬");
}

TEST_CASE("The largest integer is worded without overflow") {
    const std::string words = chinese_integer(std::numeric_limits<std::uint64_t>::max());
    // 18446744073709551615: 1844亿 6744万0737 of 亿, then 0955万1615.
    CHECK(words == "一千八百四十四亿六千七百四十四万零七百三十七亿零九百五十五万一千六百一十五");
}

TEST_CASE("A count of two is 两, other counts are plain numerals") {
    CHECK(chinese_count(2) == "两");
    CHECK(chinese_count(2, ChineseScript::traditional) == "兩");
    CHECK(chinese_count(1) == "一");
    CHECK(chinese_count(12) == "十二");
    CHECK(chinese_count(20) == "二十");
}

TEST_CASE("Chinese amounts in 元角分") {
    CHECK(chinese_amount(fen(1'234'567)) == "一万二千三百四十五元六角七分");
    CHECK(chinese_amount(fen(10'000'000)) == "十万元整");
    CHECK(chinese_amount(fen(100'205)) == "一千零二元零五分");
    CHECK(chinese_amount(fen(100'250)) == "一千零二元五角");
    CHECK(chinese_amount(fen(100)) == "一元整");
    CHECK(chinese_amount(fen(1'000)) == "十元整");
    CHECK(chinese_amount(fen(1'050)) == "十元五角");
    CHECK(chinese_amount(fen(50)) == "五角");
    CHECK(chinese_amount(fen(5)) == "五分");
    CHECK(chinese_amount(fen(55)) == "五角五分");
    CHECK(chinese_amount(fen(0)) == "零元整");
    CHECK(chinese_amount(fen(25'000'000)) == "二十五万元整");
    CHECK(chinese_amount(fen(-1'050)) == "负十元五角");
}

TEST_CASE("Chinese amounts in Hong Kong dollars and in traditional script") {
    CHECK(chinese_amount(fen(1'234'567), ChineseScript::traditional) ==
          "一萬二千三百四十五元六角七分");
    CHECK(chinese_amount(Money{12'300, "HKD"}, ChineseScript::traditional) == "一百二十三港元整");
    CHECK(chinese_amount(fen(-5), ChineseScript::traditional) == "負五分");
}

TEST_CASE("The most negative amount is worded without overflow") {
    const std::string words = chinese_amount(fen(std::numeric_limits<std::int64_t>::min()));
    // -92233720368547758.08
    CHECK(words == "负九亿二千二百三十三万七千二百零三亿六千八百五十四万七千七百五十八元零八分");
}

TEST_CASE("Digits are read one by one with 零 for zero") {
    CHECK(chinese_digits("0018") == "零零一八");
    CHECK(chinese_digits("2024") == "二零二四");
    CHECK(chinese_digits("A-023") == "零二三");
    CHECK(chinese_digits("").empty());
}

TEST_CASE("English amounts use grouped numerals eSpeak reads well") {
    CHECK(english_amount(fen(1'234'567)) == "12,345 yuan and 67 fen");
    CHECK(english_amount(fen(10'000'000)) == "100,000 yuan");
    CHECK(english_amount(fen(100'205)) == "1,002 yuan and 5 fen");
    CHECK(english_amount(fen(5)) == "5 fen");
    CHECK(english_amount(fen(0)) == "0 yuan");
    CHECK(english_amount(fen(-100)) == "minus 1 yuan");
    CHECK(english_amount(Money{150, "HKD"}) == "1 Hong Kong dollar and 50 cents");
}

TEST_CASE("English digits are spaced so they are read one by one") {
    CHECK(english_digits("0018") == "0 0 1 8");
    CHECK(english_digits("7").size() == 1);
}

TEST_CASE("The locale picks the wording") {
    CHECK(word_amount(fen(1'234'567), "zh-CN") == "一万二千三百四十五元六角七分");
    CHECK(word_amount(fen(1'234'567), "zh-HK") == "一萬二千三百四十五元六角七分");
    CHECK(word_amount(fen(1'234'567), "en") == "12,345 yuan and 67 fen");
    CHECK(word_digits("0018", "zh-HK") == "零零一八");
    CHECK(word_digits("0018", "en") == "0 0 1 8");
    CHECK(word_count(2, "zh-CN") == "两");
    CHECK(word_count(2, "zh-HK") == "兩");
    CHECK(word_count(1500, "en") == "1,500");
    CHECK(is_chinese_locale("zh-CN"));
    CHECK_FALSE(is_chinese_locale("en"));
    CHECK(chinese_script("zh-HK") == ChineseScript::traditional);
    CHECK(chinese_script("zh-CN") == ChineseScript::simplified);
}

TEST_CASE("Amounts are formatted for the screen with grouping and two decimals") {
    CHECK(format_amount(fen(1'234'567)) == "12,345.67");
    CHECK(format_amount(fen(5)) == "0.05");
    CHECK(format_amount(fen(0)) == "0.00");
    CHECK(format_amount(fen(100'000'000)) == "1,000,000.00");
    CHECK(format_amount(fen(-123'456)) == "-1,234.56");
    CHECK(format_amount(fen(std::numeric_limits<std::int64_t>::min())) ==
          "-92,233,720,368,547,758.08");
}

TEST_CASE("Cash amounts in whole notes are shown without decimals, any other exactly") {
    CHECK(format_cash_amount(fen(100'000)) == "1,000");
    CHECK(format_cash_amount(fen(5'000)) == "50");
    CHECK(format_cash_amount(fen(250'250)) == "2,502.50");
    CHECK(format_cash_amount(fen(0)) == "0");
}

TEST_CASE("An amount is shown and said with the same currency in every locale") {
    for (const std::string_view locale : {"zh-CN", "zh-HK", "en"}) {
        INFO(locale);
        for (const std::string_view code : {"CNY", "HKD", "USD", "EUR"}) {
            INFO(code);
            CHECK(is_known_currency(code));
            const std::string shown = shown_currency(code, locale);
            const std::string said = word_amount(Money{12'300, std::string(code)}, locale);
            if (is_chinese_locale(locale)) {
                // The unit on the screen is the unit spoken: 一百二十三港元整 under 123.00 港元.
                CHECK(said.find(shown) != std::string::npos);
            }
        }
    }
    CHECK(shown_currency("HKD", "zh-HK") == "港元");
    CHECK(shown_currency("HKD", "en") == "HK dollars");
    CHECK(word_amount(Money{12'300, "HKD"}, "en") == "123 Hong Kong dollars");
    CHECK(shown_currency("EUR", "zh-CN") == "欧元");
    CHECK(shown_currency("EUR", "zh-HK") == "歐元");
    CHECK_FALSE(is_known_currency("XAU"));
    CHECK_FALSE(is_known_currency(""));
}
