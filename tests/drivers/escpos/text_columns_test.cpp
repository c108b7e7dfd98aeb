// Text laid out as a receipt printer lays it out (drivers/escpos/text_columns.h): UTF-8 read
// character by character, Chinese two columns wide, lines wrapped to the paper.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "drivers/escpos/escpos_protocol.h"
#include "drivers/escpos/text_columns.h"

using namespace drivers::escpos;

namespace {

std::vector<std::string> wrapped(std::string_view text, int columns) {
    auto lines = wrap_to_columns(text, columns);
    REQUIRE(lines.has_value());
    return *lines;
}

int columns_of(std::string_view text) {
    auto columns = display_columns(text);
    REQUIRE(columns.has_value());
    return *columns;
}

}  // namespace

TEST_CASE("Chinese characters and fullwidth forms take two columns and Latin letters one") {
    CHECK(columns_of("A023") == 4);
    CHECK(columns_of("排队号") == 6);
    CHECK(columns_of("号A") == 3);
    CHECK(columns_of("，。（）") == 8);  // fullwidth punctuation
    CHECK(columns_of("é·-") == 3);       // Latin-1 and the middle dot are narrow
    CHECK(columns_of("한글") == 4);
    CHECK(columns_of("𠀀") == 2);  // CJK Extension B, four bytes of UTF-8
    CHECK(columns_of("") == 0);
}

TEST_CASE("Invalid UTF-8 has no width and cannot be wrapped") {
    CHECK_FALSE(display_columns("\xE6\x8E").has_value());          // cut short
    CHECK_FALSE(display_columns("\xC0\xAF").has_value());          // overlong
    CHECK_FALSE(display_columns("\xED\xA0\x80").has_value());      // a surrogate
    CHECK_FALSE(display_columns("\xF4\x90\x80\x80").has_value());  // above U+10FFFF
    CHECK_FALSE(display_columns("\x80").has_value());              // a lone continuation byte
    CHECK_FALSE(wrap_to_columns("A\xE6", 10).has_value());
    CHECK_FALSE(wrap_to_columns("A", 0).has_value());
}

TEST_CASE("English wraps between words and drops the space at the break") {
    CHECK(wrapped("Please have your ID card ready", 12) ==
          std::vector<std::string>{"Please have", "your ID card", "ready"});
    CHECK(wrapped("Personal banking", 48) == std::vector<std::string>{"Personal banking"});
}

TEST_CASE("A word longer than a line breaks after the last letter that fits") {
    CHECK(wrapped("https://q.example.cn/t/A023", 12) ==
          std::vector<std::string>{"https://q.ex", "ample.cn/t/A", "023"});
}

TEST_CASE("Chinese wraps between any two characters and never inside one") {
    const auto lines = wrapped("请携带本人有效身份证件和银行卡", 12);
    CHECK(lines == std::vector<std::string>{"请携带本人有", "效身份证件和", "银行卡"});
    for (const auto& line : lines) {
        CHECK(display_columns(line).has_value());  // whole characters only
    }
}

TEST_CASE("A wide character that does not fit in the last column moves to the next line") {
    CHECK(wrapped("A排队号", 4) == std::vector<std::string>{"A排", "队号"});
    CHECK(wrapped("AB排", 3) == std::vector<std::string>{"AB", "排"});
}

TEST_CASE("Closing punctuation stays on the line of the character before it") {
    // Without the rule the comma would start the second line: "身份证", "，银行", "卡".
    CHECK(wrapped("身份证，银行卡", 6) == std::vector<std::string>{"身份", "证，银", "行卡"});
}

TEST_CASE("Mixed Chinese and English wraps at the line's columns") {
    const auto lines = wrapped("前面还有 5 人等候 · 5 people ahead of you", 24);
    CHECK(lines == std::vector<std::string>{"前面还有 5 人等候 · 5", "people ahead of you"});
    for (const auto& line : lines) {
        CHECK(columns_of(line) <= 24);
    }
}

TEST_CASE("Every wrapped line fits and the lines hold every character of the text") {
    const std::string text =
        "1. 本人有效身份证件（居民身份证、护照或港澳居民来往内地通行证）Your valid ID card or "
        "passport 2. 银行卡或存折 Your bank card or passbook";
    for (const int columns : {12, 16, 24, 48}) {
        const auto lines = wrapped(text, columns);
        std::string joined;
        for (const auto& line : lines) {
            CHECK(columns_of(line) <= columns);
            joined += line;
        }
        std::string without_spaces;
        for (const char character : text) {
            if (character != ' ') {
                without_spaces += character;
            }
        }
        std::erase(joined, ' ');
        CHECK(joined == without_spaces);
    }
}

TEST_CASE("A huge ticket number fits on one line of twelve columns") {
    CHECK(wrapped("A023", columns_per_line(k_huge_size)) == std::vector<std::string>{"A023"});
    CHECK(wrapped("个人业务 Personal", columns_per_line(k_huge_size)) ==
          std::vector<std::string>{"个人业务", "Personal"});
}

TEST_CASE("Empty text is one empty line and leading spaces are kept") {
    CHECK(wrapped("", 10) == std::vector<std::string>{""});
    CHECK(wrapped("  indented", 20) == std::vector<std::string>{"  indented"});
}

TEST_CASE("Wrapped text is written as lines each ending with LF") {
    base::Bytes job;
    REQUIRE(wrapped_text(job, "排队号 A023", CharacterSize{4, 4}));
    // 12 columns: "排队号" (6) and "A023" (4) with a space make 11.
    auto decoder = StreamDecoder{};
    std::vector<Command> commands;
    base::Bytes with_encoding;
    select_encoding(with_encoding, CharacterEncoding::utf8);
    with_encoding.insert(with_encoding.end(), job.begin(), job.end());
    REQUIRE(decoder.feed(with_encoding, commands));
    CHECK(commands == std::vector<Command>{SelectEncoding{CharacterEncoding::utf8},
                                           Text{"排队号 A023"}, LineFeed{}});

    base::Bytes narrow;
    REQUIRE(wrapped_text(narrow, "Please have your ID card ready", CharacterSize{4, 4}));
    CHECK(std::string(narrow.begin(), narrow.end()) == "Please have\nyour ID card\nready\n");
}
