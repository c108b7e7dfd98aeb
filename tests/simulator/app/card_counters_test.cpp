// The demo cards' transaction counters kept between runs that keep the bank's database.

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "simulator/app/card_counters.h"

using namespace simulator::app;

namespace {

struct CountersFolder {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() /
        ("card-counters-test-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    CountersFolder() { std::filesystem::create_directories(path); }
    ~CountersFolder() { std::filesystem::remove_all(path); }
};

void write_text(const std::filesystem::path& file, const std::string& text) {
    std::ofstream(file, std::ios::trunc) << text;
}

}  // namespace

TEST_CASE("A run without a counters file starts every card at its own first counter") {
    CountersFolder folder;
    const auto counters = read_card_counters(folder.path / "card-counters.json");
    REQUIRE(counters);
    CHECK(counters->empty());
}

TEST_CASE("Counters written are read back exactly, and replace the file whole") {
    CountersFolder folder;
    const auto file = folder.path / "card-counters.json";
    REQUIRE(write_card_counters(file, {{"zhang-wei", 7}, {"li-na", 65535}}));
    REQUIRE(write_card_counters(file, {{"zhang-wei", 9}}));
    const auto counters = read_card_counters(file);
    REQUIRE(counters);
    CHECK(*counters == CardCounters{{"zhang-wei", 9}});
    // Nothing is left beside it.
    CHECK_FALSE(std::filesystem::exists(folder.path / "card-counters.json.new"));
}

TEST_CASE("A counters file that cannot be trusted stops the run with what is wrong with it") {
    CountersFolder folder;
    const auto file = folder.path / "card-counters.json";
    const auto refused = [&](const std::string& text, const std::string& why) {
        write_text(file, text);
        const auto counters = read_card_counters(file);
        INFO(text);
        REQUIRE_FALSE(counters);
        CHECK(counters.error().find(why) != std::string::npos);
        CHECK(counters.error().find(file.string()) == 0);
    };
    refused("", "not one JSON object");
    refused("{\"zhang-wei\": 7", "not one JSON object");
    refused("[7, 8]", "not one JSON object");
    refused("{\"zhang-wei\": -1}", "the counter of zhang-wei");
    refused("{\"zhang-wei\": 65536}", "the counter of zhang-wei");
    refused("{\"zhang-wei\": \"7\"}", "the counter of zhang-wei");
    refused("{\"zhang-wei\": 7.5}", "the counter of zhang-wei");
}

TEST_CASE("Counters that cannot be written are reported") {
    CountersFolder folder;
    const auto written =
        write_card_counters(folder.path / "missing" / "card-counters.json", {{"alice", 3}});
    REQUIRE_FALSE(written);
    CHECK(written.error().find("cannot be written") != std::string::npos);
}
