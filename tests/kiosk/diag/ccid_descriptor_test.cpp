// kiosk-diag ccid-descriptor: every reader of the field corpus through the built program, and
// the descriptors it cannot decode.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "tests/kiosk/diag/diag_program.h"

using kiosk::diag::testing::decoded;
using kiosk::diag::testing::decoded_lines;
using kiosk::diag::testing::diag_with_input;

namespace {

// The keys of a decoded descriptor, in the order of the contract (kiosk/diag/README.md).
const std::vector<std::string> k_descriptor_keys{
    "ccid_version",   "max_slot_index",     "voltages",          "protocols",   "default_clock_khz",
    "max_clock_khz",  "data_rate_bps",      "max_data_rate_bps", "max_ifsd",    "features",
    "exchange_level", "max_message_length", "lcd_layout",        "pin_support", "max_busy_slots"};

// A descriptor of the corpus (ACR122U) to alter.
constexpr std::string_view k_acr122u =
    "36210001000703000000A00F0000A00F000000002A000090D0030000F70000000000000000000000300001000F"
    "010000000000000001";

}  // namespace

TEST_CASE(
    "kiosk-diag ccid-descriptor prints exactly the expected object for every reader of the "
    "field corpus") {
    std::ifstream corpus(KIOSK_SOURCE_DIR "/tests/data/ccid-readers.jsonl");
    REQUIRE(corpus.is_open());
    std::vector<nlohmann::json> entries;
    std::string input;
    std::string line;
    while (std::getline(corpus, line)) {
        if (line.empty()) {
            continue;
        }
        entries.push_back(nlohmann::json::parse(line));
        input += entries.back().at("descriptor").get<std::string>() + "\n";
    }
    REQUIRE(entries.size() == 686);
    // One run for the whole corpus, one line in and one object out per reader.
    const auto outputs = decoded_lines("ccid-descriptor", input);
    REQUIRE(outputs.size() == entries.size());
    int mismatches = 0;
    for (std::size_t index = 0; index < entries.size(); ++index) {
        INFO("reader " << entries[index].at("reader").get<std::string>());
        const auto& expect = entries[index].at("expect");
        CHECK(outputs[index] == expect);
        mismatches += outputs[index] == expect ? 0 : 1;
    }
    CHECK(mismatches == 0);
}

TEST_CASE(
    "kiosk-diag ccid-descriptor prints the keys of its contract in their order and no "
    "other") {
    // ordered_json keeps the order in which the program wrote the keys.
    const auto run = kiosk::diag::testing::diag("ccid-descriptor " + std::string(k_acr122u));
    REQUIRE(run.status == 0);
    const auto output = nlohmann::ordered_json::parse(run.output);
    std::vector<std::string> keys;
    for (const auto& [key, value] : output.items()) {
        keys.push_back(key);
    }
    CHECK(keys == k_descriptor_keys);
    CHECK(output.at("lcd_layout") == nlohmann::ordered_json{{"lines", 0}, {"characters", 0}});
}

TEST_CASE(
    "kiosk-diag ccid-descriptor decodes a PIN pad reader's LCD, PIN support and CCID "
    "1.10") {
    std::string descriptor(k_acr122u);
    descriptor.replace(4, 4, "1001");    // bcdCCID 0x0110
    descriptor.replace(100, 4, "1002");  // wLcdLayout: 2 lines of 16 characters
    descriptor.replace(104, 2, "03");    // bPINSupport: verify and modify
    descriptor.replace(8, 2, "01");      // bMaxSlotIndex 1: two slots
    const auto output = decoded("ccid-descriptor", descriptor);
    CHECK(output.at("ccid_version") == "1.10");
    CHECK(output.at("max_slot_index") == 1);
    CHECK(output.at("lcd_layout") == nlohmann::json{{"lines", 2}, {"characters", 16}});
    CHECK(output.at("pin_support") == nlohmann::json{"verify", "modify"});
}

TEST_CASE("kiosk-diag ccid-descriptor reports a descriptor it cannot decode as invalid, exit 0") {
    SECTION("shorter than 54 bytes") {
        const auto output = decoded("ccid-descriptor", std::string(k_acr122u.substr(0, 106)));
        CHECK(output.at("valid") == false);
        CHECK(output.at("error").get<std::string>().find("53 bytes long") != std::string::npos);
        CHECK(output.size() == 2);
    }
    SECTION("bLength below 54") {
        std::string descriptor(k_acr122u);
        descriptor.replace(0, 2, "35");
        const auto output = decoded("ccid-descriptor", descriptor);
        CHECK(output.at("valid") == false);
        CHECK(output.at("error").get<std::string>().find("bLength says 53") != std::string::npos);
    }
    SECTION("another descriptor type") {
        std::string descriptor(k_acr122u);
        descriptor.replace(2, 2, "24");
        const auto output = decoded("ccid-descriptor", descriptor);
        CHECK(output.at("valid") == false);
        CHECK(output.at("error").get<std::string>().find("bDescriptorType is 24") !=
              std::string::npos);
    }
    SECTION("the pre-1.0 type FF is a CCID descriptor") {
        std::string descriptor(k_acr122u);
        descriptor.replace(2, 2, "FF");
        const auto output = decoded("ccid-descriptor", descriptor);
        CHECK_FALSE(output.contains("valid"));
        CHECK(output.at("exchange_level") == "tpdu");
    }
}

TEST_CASE("kiosk-diag ccid-descriptor - stops at the first line that is not hexadecimal, exit 2") {
    const auto run =
        diag_with_input("ccid-descriptor -", std::string(k_acr122u) + "\n\n" + "36 21 0X\n" +
                                                 std::string(k_acr122u) + "\n");
    CHECK(run.status == 2);
    // The first line was decoded, the blank one skipped, and nothing after the bad line.
    CHECK(std::count(run.output.begin(), run.output.end(), '\n') == 1);
}
