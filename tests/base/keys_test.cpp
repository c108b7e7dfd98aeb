#include "base/keys.h"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using base::Key;

TEST_CASE("every key has one name, and every name reads back as its key") {
    std::set<std::string_view> names;
    for (const auto& [key, name] : base::k_key_names) {
        CHECK(base::to_string(key) == name);
        CHECK(base::parse_key(name) == key);
        names.insert(name);
    }
    CHECK(names.size() == base::k_key_names.size());
    CHECK(base::to_string(Key::enter) == "enter");
    CHECK(base::to_string(Key::digit_7) == "7");
}

TEST_CASE("a name that is no key is refused") {
    CHECK_FALSE(base::parse_key("Enter").has_value());
    CHECK_FALSE(base::parse_key("10").has_value());
    CHECK_FALSE(base::parse_key("").has_value());
}

TEST_CASE("digit keys stand for their digits and the function keys for none") {
    for (int digit = 0; digit <= 9; ++digit) {
        const auto key = base::digit_key(digit);
        REQUIRE(key.has_value());
        CHECK(base::is_digit(*key));
        CHECK(base::digit_value(*key) == digit);
        CHECK(base::to_string(*key) == std::string(1, static_cast<char>('0' + digit)));
    }
    for (const Key key : {Key::enter, Key::clear, Key::cancel, Key::help}) {
        CHECK_FALSE(base::is_digit(key));
        CHECK_FALSE(base::digit_value(key).has_value());
    }
    CHECK_FALSE(base::digit_key(10).has_value());
    CHECK_FALSE(base::digit_key(-1).has_value());
}

TEST_CASE("The developer keyboard's characters map onto the keypad, and nothing else does") {
    CHECK(base::key_for_character(U'0') == base::Key::digit_0);
    CHECK(base::key_for_character(U'9') == base::Key::digit_9);
    CHECK(base::key_for_character(U'\r') == base::Key::enter);
    CHECK(base::key_for_character(U'\b') == base::Key::clear);
    CHECK(base::key_for_character(U'\x1b') == base::Key::cancel);
    CHECK(base::key_for_character(U'?') == base::Key::help);
    CHECK(base::key_for_character(U'*') == base::Key::star);
    CHECK(base::key_for_character(U'#') == base::Key::hash);
    CHECK(base::key_for_character(U'a') == base::Key::audio);
    // The control panel's own keys are no keypad keys: R, H, U, C, P, S, and the branch's Q, T,
    // L, O, W, X, K.
    for (const char32_t own :
         {U'r', U'h', U'u', U'c', U'p', U's', U'q', U't', U'l', U'o', U'w', U'x', U'k', U' '}) {
        CHECK_FALSE(base::key_for_character(own).has_value());
    }
}
