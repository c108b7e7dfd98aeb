#include <catch2/catch.hpp>

#include <string>

#include "kiosk/ui/line_break.h"

using kiosk::ui::break_lines;

namespace {

// A fake font: ASCII is 1 unit wide, everything else (Han characters, full-width
// punctuation) 2 units, counted per UTF-8 lead byte.
int measure(std::string_view text) {
    int width = 0;
    for (const char byte : text) {
        const auto value = static_cast<unsigned char>(byte);
        if (value < 0x80) {
            width += 1;
        } else if ((value & 0xC0U) != 0x80U) {
            width += 2;
        }
    }
    return width;
}

}  // namespace

TEST_CASE("Chinese text breaks between characters when there are no spaces") {
    const auto lines = break_lines("请插入您的银行卡", 8, measure);
    REQUIRE(lines == std::vector<std::string>{"请插入您", "的银行卡"});
}

TEST_CASE("Closing punctuation never starts a line") {
    // Four characters fit a line, but the comma after the fourth must not begin the next
    // line, so the fourth character moves down with it.
    const auto lines = break_lines("您好欢迎，请插卡", 8, measure);
    for (const auto& line : lines) {
        CHECK(line.rfind("，", 0) != 0);
    }
    REQUIRE(lines == std::vector<std::string>{"您好欢", "迎，请插", "卡"});
}

TEST_CASE("Opening punctuation stays with the word that follows it") {
    const auto lines = break_lines("请按确认键“继续”办理", 12, measure);
    for (const auto& line : lines) {
        CHECK(line.size() >= 3);
        CHECK(line.substr(line.size() - 3) != "“");
    }
}

TEST_CASE("English text breaks at spaces and drops the space at the line end") {
    const auto lines = break_lines("Please insert your card", 12, measure);
    REQUIRE(lines == std::vector<std::string>{"Please", "insert your", "card"});
}

TEST_CASE("A word wider than the line is split rather than overflowing") {
    const auto lines = break_lines("Supercalifragilistic", 8, measure);
    REQUIRE(lines.size() == 3);
    for (const auto& line : lines) {
        CHECK(measure(line) <= 8);
    }
}

TEST_CASE("An explicit newline starts a new line") {
    const auto lines = break_lines("余额\nBalance", 40, measure);
    REQUIRE(lines == std::vector<std::string>{"余额", "Balance"});
}

TEST_CASE("Numbers with separators are never split at the separator") {
    const auto lines = break_lines("Balance 12,345.67 yuan", 10, measure);
    REQUIRE(std::find(lines.begin(), lines.end(), "12,345.67") != lines.end());
}

TEST_CASE("Malformed UTF-8 still lays out without losing bytes") {
    const std::string text =
        "ab\xFF\xFE"
        "cd";
    const auto lines = break_lines(text, 100, measure);
    REQUIRE(lines.size() == 1);
    REQUIRE(lines.front() == text);
}

TEST_CASE("Each line is measured whole, so a font wider than its tokens' sum never overflows") {
    // A font whose lines are wider than the sum of their parts (spacing between every two
    // characters): a break made on token widths alone would overflow.
    const auto tracked = [](std::string_view text) {
        const int characters = measure(text);
        return characters == 0 ? 0 : 2 * characters - 1;
    };
    const auto lines = break_lines("请插入您的银行卡芯片朝上", 16, tracked);
    REQUIRE(lines.size() > 1);
    for (const auto& line : lines) {
        CHECK(tracked(line) <= 16);
    }
    std::string joined;
    for (const auto& line : lines) {
        joined += line;
    }
    CHECK(joined == "请插入您的银行卡芯片朝上");
}
