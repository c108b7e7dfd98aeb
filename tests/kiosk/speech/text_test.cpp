#include <catch2/catch.hpp>

#include <string>

#include "base/bytes.h"
#include "kiosk/speech/text.h"

using kiosk::speech::clean_for_synthesis;

TEST_CASE("Valid UTF-8 text reaches the synthesiser unchanged") {
    const std::string text = "您好，欢迎光临. Please insert your card.\n歡迎光臨";
    CHECK(clean_for_synthesis(text) == text);
}

TEST_CASE("base::Bytes that are not UTF-8 become spaces") {
    CHECK(clean_for_synthesis("abc\xff\xfe"
                              "def") == "abc  def");
    CHECK(clean_for_synthesis("\x80start") == " start");
}

TEST_CASE("A multi-byte character cut off at the end becomes spaces") {
    // 您 is E6 82 A8; only its first two bytes are present.
    CHECK(clean_for_synthesis("ok \xe6\x82") == "ok   ");
}

TEST_CASE("Overlong encodings and surrogates are rejected") {
    CHECK(clean_for_synthesis("a\xc0\xafz") == "a  z");            // overlong '/'
    CHECK(clean_for_synthesis("a\xe0\x80\xafz") == "a   z");       // overlong '/'
    CHECK(clean_for_synthesis("a\xed\xa0\x80z") == "a   z");       // U+D800
    CHECK(clean_for_synthesis("a\xf4\x90\x80\x80z") == "a    z");  // above U+10FFFF
}

TEST_CASE("Control characters and embedded NULs become spaces, tab and newline stay") {
    const std::string text{
        "a\0b\x07"
        "c\td\ne\x7f"
        "f\xc2\x85g",
        14};
    CHECK(clean_for_synthesis(text) == "a b c\td\ne f g");
}
