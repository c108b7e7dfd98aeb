#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kiosk/core/money.h"

namespace kiosk::core {

// Number wording for speech. eSpeak NG's Chinese voices misread Arabic numerals
// (docs/platform-facts.md: 12345 becomes 十二千三百四十五), so the kiosk words every number itself
// before synthesis.

// Simplified characters for Mandarin (万, 亿, 负), traditional for Cantonese (萬, 億, 負).
enum class ChineseScript { simplified, traditional };

// 12345 -> 一万二千三百四十五; 10 -> 十 at the start of a number, 一十 inside one (一百一十);
// one 零 for each run of missing places (1002 -> 一千零二, 100010000 -> 一亿零一万).
std::string chinese_integer(std::uint64_t value, ChineseScript script = ChineseScript::simplified);

// A count of things: as chinese_integer, except that a lone 2 is 两 (再试两次, not 再试二次).
std::string chinese_count(std::uint64_t value, ChineseScript script = ChineseScript::simplified);

// Digit by digit, for card digits, ticket numbers and years: "0018" -> 零零一八. Characters
// that are not digits (spaces, dashes) are left out.
std::string chinese_digits(std::string_view digits);

// 12345.67 CNY -> 一万二千三百四十五元六角七分; 100000.00 -> 十万元整; 1002.05 -> 一千零二元零五分;
// 123 HKD -> 一百二十三港元整.
std::string chinese_amount(const Money& money, ChineseScript script = ChineseScript::simplified);

// 12345.67 CNY -> "12,345 yuan and 67 fen", 1.01 HKD -> "1 Hong Kong dollar and 1 cent":
// eSpeak's English voices read grouped numerals well.
std::string english_amount(const Money& money);

// "0018" -> "0 0 1 8", so that eSpeak reads digit by digit instead of "eighteen".
std::string english_digits(std::string_view digits);

// The script a Chinese locale is written in ("zh-HK", "zh-TW", "zh-MO": traditional).
ChineseScript chinese_script(std::string_view locale);
bool is_chinese_locale(std::string_view locale);

// The locale-dispatching forms used by the screens: Chinese wording for "zh-*" locales,
// English wording otherwise.
std::string word_amount(const Money& money, std::string_view locale);
// The currencies the kiosk can show and say (CNY, HKD, USD, EUR); the amount of any other is not
// shown, since it could not be said.
bool is_known_currency(std::string_view code);
// The currency's name after an amount on the screen: 元, 港元, "HK dollars".
std::string shown_currency(std::string_view code, std::string_view locale);
std::string word_digits(std::string_view digits, std::string_view locale);
std::string word_count(std::uint64_t value, std::string_view locale);
// A code of letters and digits (a ticket number, a reference, a key check value, a serial
// number), letters as letters and digits one by one, with a pause between the groups: "A023" ->
// "A，零二三" / "A, 0 2 3"; "C-20261202-0007" -> "C，二零二六一二零二，零零零七"; "VCCID-0001" ->
// "V C C I D，零零零一". eSpeak NG's Mandarin voice says a Latin capital standing alone by its
// letter name (ei, bi), but reads a run of them as an English word: letters are spaced.
std::string word_code(std::string_view code, std::string_view locale);
// A key check value as two people compare it with a form: every character on its own, in pairs
// with a pause between them, as the screen groups it: "4E86A0" -> "四 E，八 六，A 零" /
// "4 E, 8 6, A 0".
std::string word_check_value(std::string_view check_value, std::string_view locale);

}  // namespace kiosk::core
