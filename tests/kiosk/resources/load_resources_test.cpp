#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "kiosk/resources/load_resources.h"

using namespace kiosk;
using resources::ResourceError;

namespace {

const std::filesystem::path k_real_locales = std::filesystem::path(KIOSK_SOURCE_DIR) / "locales";

// A scratch locales directory under the build tree, emptied for each test.
class ScratchLocales {
  public:
    explicit ScratchLocales(std::string_view name)
        : m_root(std::filesystem::path(KIOSK_BINARY_DIR) / "tests" / "resources" / "scratch" /
                 std::string(name)) {
        std::filesystem::remove_all(m_root);
        std::filesystem::create_directories(m_root);
    }
    ~ScratchLocales() {
        std::error_code ignored;
        std::filesystem::remove_all(m_root, ignored);
    }
    ScratchLocales(const ScratchLocales&) = delete;
    ScratchLocales& operator=(const ScratchLocales&) = delete;

    void write(const std::string& relative, std::string_view contents) const {
        const auto path = m_root / relative;
        std::filesystem::create_directories(path.parent_path());
        std::ofstream stream(path, std::ios::binary);
        stream << contents;
    }
    const std::filesystem::path& root() const { return m_root; }

  private:
    std::filesystem::path m_root;
};

std::set<std::string> placeholders(const std::string& text) {
    static const std::regex k_placeholder(R"(\{([a-z_]+)\})");
    std::set<std::string> names;
    for (auto match = std::sregex_iterator(text.begin(), text.end(), k_placeholder);
         match != std::sregex_iterator(); ++match) {
        names.insert((*match)[1].str());
    }
    return names;
}

}  // namespace

TEST_CASE("The real locales load with every offered language and the Mandarin lexicon") {
    const auto loaded = resources::load_resources(k_real_locales);
    INFO((loaded ? std::string() : base::to_string(loaded.error())));
    REQUIRE(loaded.has_value());
    for (const std::string_view locale : core::policy::k_offered_locales) {
        INFO(locale);
        CHECK(loaded->has_locale(locale));
        CHECK(loaded->catalog(locale).size() > 50);
        CHECK(loaded->catalog(locale).locale() == locale);
    }
    CHECK(loaded->catalog("zh-CN").text("welcome.title") == "您好，欢迎光临");
    CHECK(loaded->catalog("en").text("key.enter") == "Enter");
    CHECK(loaded->lexicon("zh-CN").size() >= 6);
}

TEST_CASE("Every locale catalog has the same message keys as the default locale") {
    const auto loaded = resources::load_resources(k_real_locales);
    REQUIRE(loaded.has_value());
    const auto& reference = loaded->catalog(loaded->default_locale).messages();
    for (const auto& [locale, catalog] : loaded->catalogs) {
        for (const auto& [key, text] : reference) {
            INFO(locale << " lacks " << key);
            CHECK(catalog.contains(key));
        }
        for (const auto& [key, text] : catalog.messages()) {
            INFO(locale << " has an extra key " << key);
            CHECK(reference.contains(key));
        }
    }
}

TEST_CASE("Every translation uses the same placeholders as the default locale") {
    const auto loaded = resources::load_resources(k_real_locales);
    REQUIRE(loaded.has_value());
    const auto& reference = loaded->catalog(loaded->default_locale);
    for (const auto& [locale, catalog] : loaded->catalogs) {
        for (const auto& [key, text] : catalog.messages()) {
            INFO(locale << " " << key << ": " << text);
            CHECK(placeholders(text) == placeholders(reference.text(key)));
        }
    }
}

TEST_CASE("The Mandarin lexicon spells the polyphones eSpeak misreads") {
    const auto loaded = resources::load_resources(k_real_locales);
    REQUIRE(loaded.has_value());
    const core::Lexicon& lexicon = loaded->lexicon("zh-CN");
    CHECK(lexicon.apply("银行") == "yin2 hang2");
    CHECK(lexicon.apply("还款") == "huan2 kuan3");
    CHECK(lexicon.apply("重新") == "chong2 xin1");
    CHECK(lexicon.apply("行长") == "hang2 zhang3");
    CHECK(lexicon.apply("了解") == "liao3 jie3");
    CHECK(lexicon.apply("调整") == "tiao2 zheng3");
    CHECK(lexicon.apply("长辈") == "zhang3 bei4");
}

TEST_CASE("A missing locales directory is a clear error") {
    const auto loaded = resources::load_resources(k_real_locales / "no-such-folder");
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error().code == ResourceError::directory_missing);
    CHECK(base::to_string(loaded.error()).find("no-such-folder") != std::string::npos);
}

TEST_CASE("An empty locales directory is a clear error") {
    const ScratchLocales scratch("empty");
    const auto loaded = resources::load_resources(scratch.root());
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error().code == ResourceError::no_locales);
}

TEST_CASE("A locale folder without its catalog is a clear error") {
    const ScratchLocales scratch("no-catalog");
    scratch.write("zh-CN/messages.toml", "a = \"b\"\n");
    scratch.write("en/lexicon.toml", "");
    const auto loaded = resources::load_resources(scratch.root());
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error().code == ResourceError::catalog_missing);
    CHECK(base::to_string(loaded.error()).find("en/messages.toml") != std::string::npos);
}

TEST_CASE("Without a catalog for the default locale the load fails") {
    const ScratchLocales scratch("no-default");
    scratch.write("en/messages.toml", "a = \"b\"\n");
    const auto loaded = resources::load_resources(scratch.root());
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error().code == ResourceError::default_locale_missing);
    CHECK(base::to_string(loaded.error()).find("zh-CN") != std::string::npos);
}

TEST_CASE("A catalog with a syntax error names the file, line and column") {
    const ScratchLocales scratch("syntax");
    scratch.write("zh-CN/messages.toml", "[welcome]\ntitle = \"您好\"\nprompt = \"unterminated\n");
    const auto loaded = resources::load_resources(scratch.root());
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error().code == ResourceError::syntax);
    CHECK(base::to_string(loaded.error()).find("zh-CN/messages.toml") != std::string::npos);
    CHECK(base::to_string(loaded.error()).find("line 3") != std::string::npos);
}

TEST_CASE("A catalog that is not valid UTF-8 is refused") {
    const ScratchLocales scratch("utf8");
    scratch.write("zh-CN/messages.toml", "a = \"\xff\xfe\"\n");
    const auto loaded = resources::load_resources(scratch.root());
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error().code == ResourceError::syntax);
}

TEST_CASE("A catalog value that is not text names the key") {
    const ScratchLocales scratch("not-text");
    scratch.write("zh-CN/messages.toml", "[menu]\ntitle = \"菜单\"\ncount = 3\n");
    const auto loaded = resources::load_resources(scratch.root());
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error().code == ResourceError::not_text);
    CHECK(base::to_string(loaded.error()).find("menu.count") != std::string::npos);
}

TEST_CASE("An empty catalog is refused") {
    const auto parsed = resources::parse_catalog("# nothing here\n", "zh-CN", "memory");
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().code == ResourceError::empty);
}

TEST_CASE("Nested tables in a catalog become dotted keys") {
    const auto parsed = resources::parse_catalog(
        "top = \"a\"\n[welcome]\ntitle = \"b\"\n[welcome.deep]\nx = \"c\"\n", "en", "memory");
    REQUIRE(parsed.has_value());
    CHECK(parsed->text("top") == "a");
    CHECK(parsed->text("welcome.title") == "b");
    CHECK(parsed->text("welcome.deep.x") == "c");
    CHECK(parsed->size() == 3);
}

TEST_CASE("A lexicon entry that is not text is refused with its word") {
    const auto parsed =
        resources::parse_lexicon("\"银行\" = \"yin2 hang2\"\n[nested]\na = \"b\"\n", "memory");
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().code == ResourceError::not_text);
    CHECK(base::to_string(parsed.error()).find("nested") != std::string::npos);
}

TEST_CASE("A broken lexicon fails the whole load") {
    const ScratchLocales scratch("bad-lexicon");
    scratch.write("zh-CN/messages.toml", "a = \"b\"\n");
    scratch.write("zh-CN/lexicon.toml", "\"银行\" = \n");
    const auto loaded = resources::load_resources(scratch.root());
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error().code == ResourceError::syntax);
    CHECK(base::to_string(loaded.error()).find("lexicon.toml") != std::string::npos);
}

TEST_CASE("A lexicon is optional") {
    const ScratchLocales scratch("no-lexicon");
    scratch.write("zh-CN/messages.toml", "a = \"b\"\n");
    const auto loaded = resources::load_resources(scratch.root());
    REQUIRE(loaded.has_value());
    CHECK(loaded->lexicon("zh-CN").size() == 0);
}
