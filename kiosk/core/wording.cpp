#include "kiosk/core/wording.h"

#include <algorithm>
#include <array>

namespace kiosk::core {

namespace {

constexpr std::array<std::string_view, 10> k_chinese_digit_names{"零", "一", "二", "三", "四",
                                                                 "五", "六", "七", "八", "九"};

constexpr std::uint64_t k_ten_thousand = 10'000;
constexpr std::uint64_t k_hundred_million = 100'000'000;

std::string_view wan(ChineseScript script) {
    return script == ChineseScript::simplified ? "万" : "萬";
}

std::string_view yi(ChineseScript script) {
    return script == ChineseScript::simplified ? "亿" : "億";
}

std::string_view minus(ChineseScript script) {
    return script == ChineseScript::simplified ? "负" : "負";
}

// 1..9999. `leading` says whether this group starts the whole number, where 10..19 are read
// 十, 十一 ... rather than 一十, 一十一.
std::string group_below_ten_thousand(std::uint64_t value, bool leading) {
    constexpr std::array<std::string_view, 4> k_place_names{"千", "百", "十", ""};
    const std::array<std::uint64_t, 4> digits{value / 1000 % 10, value / 100 % 10, value / 10 % 10,
                                              value % 10};
    std::string result;
    bool started = false;
    bool pending_zero = false;
    for (std::size_t place = 0; place < digits.size(); ++place) {
        const std::uint64_t digit = digits[place];
        if (digit == 0) {
            pending_zero = started;
            continue;
        }
        if (pending_zero) {
            result += k_chinese_digit_names[0];
            pending_zero = false;
        }
        const bool is_tens = place == 2;
        if (!(is_tens && digit == 1 && !started && leading)) {
            result += k_chinese_digit_names[digit];
        }
        result += k_place_names[place];
        started = true;
    }
    return result;
}

// 1 and above, split recursively at 亿 then 万; a 零 marks a gap below the split.
std::string positive_integer(std::uint64_t value, bool leading, ChineseScript script) {
    for (const auto& [unit, name] :
         {std::pair{k_hundred_million, yi(script)}, std::pair{k_ten_thousand, wan(script)}}) {
        if (value >= unit) {
            const std::uint64_t high = value / unit;
            const std::uint64_t low = value % unit;
            std::string result = positive_integer(high, leading, script);
            result += name;
            if (low != 0) {
                if (low < unit / 10) {
                    result += k_chinese_digit_names[0];
                }
                result += positive_integer(low, false, script);
            }
            return result;
        }
    }
    return group_below_ten_thousand(value, leading);
}

std::uint64_t magnitude_of(std::int64_t value) {
    // Unsigned negation keeps the most negative value well defined.
    return value < 0 ? 0U - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
}

// The one table of currency names, for the screen and for speech alike: an amount is shown
// and spoken with the same currency in every locale.
struct CurrencyNames {
    std::string_view code;  // ISO 4217
    std::string_view simplified;
    std::string_view traditional;
    std::string_view english_shown;
    std::string_view english_major_one;
    std::string_view english_major_many;
    std::string_view english_minor_one;
    std::string_view english_minor_many;
};

constexpr std::array<CurrencyNames, 4> k_currencies{{
    {"CNY", "元", "元", "yuan", "yuan", "yuan", "fen", "fen"},
    {"HKD", "港元", "港元", "HK dollars", "Hong Kong dollar", "Hong Kong dollars", "cent", "cents"},
    {"USD", "美元", "美元", "US dollars", "US dollar", "US dollars", "cent", "cents"},
    {"EUR", "欧元", "歐元", "euros", "euro", "euros", "cent", "cents"},
}};

const CurrencyNames& currency_names(std::string_view code) {
    for (const CurrencyNames& names : k_currencies) {
        if (names.code == code) {
            return names;
        }
    }
    // Callers check is_known_currency() first; the home currency is the safe fallback.
    return k_currencies.front();
}

std::string_view chinese_unit(const CurrencyNames& names, ChineseScript script) {
    return script == ChineseScript::simplified ? names.simplified : names.traditional;
}

std::string grouped_number(std::uint64_t value) {
    const std::string digits = std::to_string(value);
    std::string grouped;
    for (std::size_t index = 0; index < digits.size(); ++index) {
        if (index > 0 && (digits.size() - index) % 3 == 0) {
            grouped += ',';
        }
        grouped += digits[index];
    }
    return grouped;
}

}  // namespace

std::string chinese_integer(std::uint64_t value, ChineseScript script) {
    if (value == 0) {
        return std::string(k_chinese_digit_names[0]);
    }
    return positive_integer(value, true, script);
}

std::string chinese_count(std::uint64_t value, ChineseScript script) {
    if (value == 2) {
        return script == ChineseScript::simplified ? "两" : "兩";
    }
    return chinese_integer(value, script);
}

std::string chinese_digits(std::string_view digits) {
    std::string result;
    for (const char character : digits) {
        if (character >= '0' && character <= '9') {
            result += k_chinese_digit_names[static_cast<std::size_t>(character - '0')];
        }
    }
    return result;
}

std::string chinese_amount(const Money& money, ChineseScript script) {
    const std::string_view unit = chinese_unit(currency_names(money.currency), script);
    const std::uint64_t magnitude = magnitude_of(money.minor_units);
    const std::uint64_t major = magnitude / 100;
    const std::uint64_t tenths = magnitude / 10 % 10;
    const std::uint64_t hundredths = magnitude % 10;

    std::string result = money.minor_units < 0 ? std::string(minus(script)) : std::string();
    if (major == 0 && tenths == 0 && hundredths == 0) {
        result += k_chinese_digit_names[0];
        result += unit;
        result += "整";
        return result;
    }
    if (major != 0) {
        result += chinese_integer(major, script);
        result += unit;
        if (tenths == 0 && hundredths == 0) {
            result += "整";
            return result;
        }
    }
    if (tenths != 0) {
        result += k_chinese_digit_names[tenths];
        result += "角";
    } else if (major != 0) {
        // 一千零二元零五分: the missing 角 is read as 零.
        result += k_chinese_digit_names[0];
    }
    if (hundredths != 0) {
        result += k_chinese_digit_names[hundredths];
        result += "分";
    }
    return result;
}

std::string english_amount(const Money& money) {
    const CurrencyNames& names = currency_names(money.currency);
    const std::uint64_t magnitude = magnitude_of(money.minor_units);
    const std::uint64_t major = magnitude / 100;
    const std::uint64_t minor = magnitude % 100;

    std::string result = money.minor_units < 0 ? "minus " : "";
    if (major != 0 || minor == 0) {
        result += grouped_number(major);
        result += ' ';
        result += major == 1 ? names.english_major_one : names.english_major_many;
    }
    if (minor != 0) {
        if (major != 0) {
            result += " and ";
        }
        result += std::to_string(minor);
        result += ' ';
        result += minor == 1 ? names.english_minor_one : names.english_minor_many;
    }
    return result;
}

std::string english_digits(std::string_view digits) {
    std::string result;
    for (const char character : digits) {
        if (character >= '0' && character <= '9') {
            if (!result.empty()) {
                result += ' ';
            }
            result += character;
        }
    }
    return result;
}

bool is_chinese_locale(std::string_view locale) {
    return locale == "zh" || locale.starts_with("zh-");
}

ChineseScript chinese_script(std::string_view locale) {
    if (locale == "zh-HK" || locale == "zh-TW" || locale == "zh-MO") {
        return ChineseScript::traditional;
    }
    return ChineseScript::simplified;
}

std::string word_amount(const Money& money, std::string_view locale) {
    if (is_chinese_locale(locale)) {
        return chinese_amount(money, chinese_script(locale));
    }
    return english_amount(money);
}

bool is_known_currency(std::string_view code) {
    return std::ranges::any_of(k_currencies,
                               [code](const CurrencyNames& names) { return names.code == code; });
}

std::string shown_currency(std::string_view code, std::string_view locale) {
    const CurrencyNames& names = currency_names(code);
    if (is_chinese_locale(locale)) {
        return std::string(chinese_unit(names, chinese_script(locale)));
    }
    return std::string(names.english_shown);
}

std::string word_digits(std::string_view digits, std::string_view locale) {
    if (is_chinese_locale(locale)) {
        return chinese_digits(digits);
    }
    return english_digits(digits);
}

std::string word_code(std::string_view code, std::string_view locale) {
    const bool chinese = is_chinese_locale(locale);
    const std::string_view pause = chinese ? "，" : ", ";
    std::string worded;
    std::string digits;
    const auto flush_digits = [&] {
        if (!digits.empty()) {
            worded += word_digits(digits, locale);
            digits.clear();
        }
    };
    char previous = '-';
    for (const char character : code) {
        const bool digit = character >= '0' && character <= '9';
        const bool letter =
            (character >= 'A' && character <= 'Z') || (character >= 'a' && character <= 'z');
        if (!digit && !letter) {
            flush_digits();
            previous = '-';
            continue;
        }
        // A pause between the groups: letters and digits, and the parts between dashes.
        const bool previous_digit = previous >= '0' && previous <= '9';
        if (!worded.empty() || !digits.empty()) {
            if (previous == '-' || previous_digit != digit) {
                flush_digits();
                worded += pause;
            } else if (letter) {
                worded += ' ';
            }
        }
        if (digit) {
            digits += character;
        } else {
            worded += static_cast<char>(character >= 'a' ? character - 'a' + 'A' : character);
        }
        previous = character;
    }
    flush_digits();
    return worded;
}

std::string word_check_value(std::string_view check_value, std::string_view locale) {
    const std::string_view pause = is_chinese_locale(locale) ? "，" : ", ";
    constexpr std::size_t k_pair = 2;
    std::string worded;
    for (std::size_t index = 0; index < check_value.size(); ++index) {
        if (index > 0) {
            worded += index % k_pair == 0 ? pause : " ";
        }
        const char character = check_value[index];
        if (character >= '0' && character <= '9') {
            worded += word_digits(check_value.substr(index, 1), locale);
        } else {
            worded += static_cast<char>(character >= 'a' ? character - 'a' + 'A' : character);
        }
    }
    return worded;
}

std::string word_count(std::uint64_t value, std::string_view locale) {
    if (is_chinese_locale(locale)) {
        return chinese_count(value, chinese_script(locale));
    }
    return grouped_number(value);
}

}  // namespace kiosk::core
