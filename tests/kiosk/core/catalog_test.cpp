#include <catch2/catch.hpp>

#include "kiosk/core/catalog.h"
#include "kiosk/core/lexicon.h"
#include "kiosk/core/resources.h"

using namespace kiosk::core;

namespace {

Catalog sample_catalog() {
    return Catalog("zh-CN", {{"greeting", "您好，{name}"},
                             {"tries", "还可以再试{tries}次，共{total}次"},
                             {"plain", "请稍候"}});
}

}  // namespace

TEST_CASE("A catalog returns the message for a key") {
    CHECK(sample_catalog().text("plain") == "请稍候");
    CHECK(sample_catalog().contains("plain"));
    CHECK(sample_catalog().locale() == "zh-CN");
}

TEST_CASE("A missing key gives a visible marker instead of failing") {
    CHECK(sample_catalog().text("nowhere.to.be.found") == "[missing: nowhere.to.be.found]");
    CHECK(sample_catalog().format("nowhere", {{"name", "x"}}) == "[missing: nowhere]");
    CHECK(Catalog().text("plain") == "[missing: plain]");
}

TEST_CASE("Placeholders are filled by name, in any order") {
    CHECK(sample_catalog().format("greeting", {{"name", "张先生"}}) == "您好，张先生");
    CHECK(sample_catalog().format("tries", {{"total", "三"}, {"tries", "两"}}) ==
          "还可以再试两次，共三次");
}

TEST_CASE("A placeholder without a value stays visible") {
    CHECK(sample_catalog().format("tries", {{"tries", "两"}}) == "还可以再试两次，共{total}次");
}

TEST_CASE("Braces that do not close are kept as they are") {
    const std::array<Placeholder, 1> values{Placeholder{"name", "x"}};
    CHECK(fill_placeholders("a {name} b {oops", values) == "a x b {oops");
    CHECK(fill_placeholders("{}", values) == "{}");
    CHECK(fill_placeholders("", values).empty());
}

TEST_CASE("A value containing braces is not expanded again") {
    const std::array<Placeholder, 2> values{Placeholder{"a", "{b}"}, Placeholder{"b", "no"}};
    CHECK(fill_placeholders("{a}", values) == "{b}");
}

TEST_CASE("The lexicon replaces the longest matching word first") {
    const Lexicon lexicon(std::vector<Lexicon::Entry>{
        {"行", "xing2"}, {"银行", "yin2 hang2"}, {"行长", "hang2 zhang3"}});
    CHECK(lexicon.apply("欢迎来到银行") == "欢迎来到yin2 hang2");
    CHECK(lexicon.apply("行长好") == "hang2 zhang3好");
    CHECK(lexicon.apply("步行") == "步xing2");
    CHECK(lexicon.entries().front().first.size() >= lexicon.entries().back().first.size());
}

TEST_CASE("The lexicon never rescans its own replacements") {
    const Lexicon lexicon(std::vector<Lexicon::Entry>{{"a", "ab"}, {"b", "c"}});
    CHECK(lexicon.apply("ab") == "abc");
}

TEST_CASE("The lexicon keeps text it has no word for unchanged, UTF-8 intact") {
    const Lexicon lexicon(std::vector<Lexicon::Entry>{{"银行", "yin2 hang2"}});
    CHECK(lexicon.apply("您好，欢迎光临。") == "您好，欢迎光临。");
    // A character that starts a word (银, 行) without the rest of it, and the word at the end.
    CHECK(lexicon.apply("银色的行李到银行") == "银色的行李到yin2 hang2");
    CHECK(lexicon.apply("银") == "银");
    CHECK(lexicon.apply("").empty());
    CHECK(Lexicon().apply("银行") == "银行");
}

TEST_CASE("The lexicon drops empty words and keeps the first of duplicates") {
    const Lexicon lexicon(std::vector<Lexicon::Entry>{
        {"", "nothing"}, {"重新", "chong2 xin1"}, {"重新", "zhong4 xin1"}});
    CHECK(lexicon.size() == 1);
    CHECK(lexicon.apply("重新") == "chong2 xin1");
}

TEST_CASE("Resources give an empty catalog and lexicon for an unknown locale") {
    Resources resources;
    resources.catalogs.emplace("zh-CN", sample_catalog());
    CHECK(resources.has_locale("zh-CN"));
    CHECK_FALSE(resources.has_locale("fr"));
    CHECK(resources.catalog("fr").text("plain") == "[missing: plain]");
    CHECK(resources.lexicon("fr").apply("银行") == "银行");
}
