#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "drivers/ccid/class_descriptor.h"
#include "tests/support/replay_transport.h"

using namespace drivers::ccid;
using tests::drivers::hex;

namespace {

std::vector<std::string> voltages_of(const ClassDescriptor& d) {
    std::vector<std::string> voltages;
    if (d.supports_5_0_volts) {
        voltages.emplace_back("5.0V");
    }
    if (d.supports_3_0_volts) {
        voltages.emplace_back("3.0V");
    }
    if (d.supports_1_8_volts) {
        voltages.emplace_back("1.8V");
    }
    return voltages;
}

std::vector<std::string> protocols_of(const ClassDescriptor& d) {
    std::vector<std::string> protocols;
    if (d.supports_t0) {
        protocols.emplace_back("T=0");
    }
    if (d.supports_t1) {
        protocols.emplace_back("T=1");
    }
    return protocols;
}

std::vector<std::string> pin_support_of(const ClassDescriptor& d) {
    std::vector<std::string> support;
    if (d.pin_verification) {
        support.emplace_back("verify");
    }
    if (d.pin_modification) {
        support.emplace_back("modify");
    }
    return support;
}

}  // namespace

TEST_CASE("Every reader descriptor of the field corpus decodes to its expected values") {
    std::ifstream corpus(KIOSK_SOURCE_DIR "/tests/data/ccid-readers.jsonl");
    REQUIRE(corpus.is_open());
    std::string line;
    int readers = 0;
    int mismatches = 0;
    while (std::getline(corpus, line)) {
        if (line.empty()) {
            continue;
        }
        const auto entry = nlohmann::json::parse(line);
        const auto& expect = entry.at("expect");
        ++readers;
        auto decoded = decode_class_descriptor(hex(entry.at("descriptor").get<std::string>()));
        INFO("reader " << entry.at("reader").get<std::string>());
        REQUIRE(decoded.has_value());
        const ClassDescriptor& d = *decoded;
        nlohmann::json actual = {
            {"ccid_version", d.ccid_version()},
            {"max_slot_index", d.max_slot_index},
            {"voltages", voltages_of(d)},
            {"protocols", protocols_of(d)},
            {"default_clock_khz", d.default_clock_khz},
            {"max_clock_khz", d.max_clock_khz},
            {"data_rate_bps", d.data_rate_bps},
            {"max_data_rate_bps", d.max_data_rate_bps},
            {"max_ifsd", d.max_ifsd},
            {"features", d.features},
            {"exchange_level", std::string(to_string(d.exchange_level()))},
            {"max_message_length", d.max_message_length},
            {"lcd_layout",
             {{"lines", d.lcd_layout.lines}, {"characters", d.lcd_layout.characters}}},
            {"pin_support", pin_support_of(d)},
            {"max_busy_slots", d.max_busy_slots},
        };
        if (actual != expect) {
            ++mismatches;
            // Show the first few differences in full; the count tells the rest.
            if (mismatches <= 5) {
                UNSCOPED_INFO("expected " << expect.dump() << "\n  actual " << actual.dump());
            }
        }
    }
    CHECK(readers == 686);
    CHECK(mismatches == 0);
}

TEST_CASE("A descriptor re-encodes to the same 54 bytes") {
    const base::Bytes original =
        hex("36210001000703000000A00F0000A00F000000002A000090D0030000F70000000000000000000000"
            "300001000F010000000000000001");
    auto decoded = decode_class_descriptor(original);
    REQUIRE(decoded.has_value());
    CHECK(encode_class_descriptor(*decoded) == original);
}

TEST_CASE("A short or foreign class descriptor is rejected") {
    base::Bytes bytes(54, 0);
    bytes[0] = 54;
    bytes[1] = 0x21;
    CHECK(decode_class_descriptor(bytes).has_value());
    CHECK(decode_class_descriptor(std::span(bytes).first(53)).error() ==
          DescriptorError::too_short);
    bytes[1] = 0x24;
    CHECK(decode_class_descriptor(bytes).error() == DescriptorError::wrong_type);
    bytes[1] = 0xFF;  // pre-1.0 readers
    CHECK(decode_class_descriptor(bytes).has_value());
    bytes[0] = 9;
    CHECK(decode_class_descriptor(bytes).error() == DescriptorError::too_short);
}

TEST_CASE("The exchange level follows dwFeatures bits 16 to 18") {
    ClassDescriptor d;
    d.features = 0x000100BA;
    CHECK(d.exchange_level() == ExchangeLevel::tpdu);
    d.features = 0x000200BA;
    CHECK(d.exchange_level() == ExchangeLevel::short_apdu);
    d.features = 0x000400BA;
    CHECK(d.exchange_level() == ExchangeLevel::extended_apdu);
    d.features = 0x000000BA;
    CHECK(d.exchange_level() == ExchangeLevel::character);
}
