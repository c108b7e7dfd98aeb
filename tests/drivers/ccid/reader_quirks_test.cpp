#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "base/bytes.h"
#include "drivers/ccid/class_descriptor.h"
#include "drivers/ccid/reader_quirks.h"
#include "tests/support/replay_transport.h"

using namespace drivers::ccid;
using tests::drivers::hex;

namespace {

// The first descriptor of the corpus (tests/data/ccid-readers.jsonl) with these USB ids.
ClassDescriptor corpus_descriptor(std::uint16_t vendor_id, std::uint16_t product_id) {
    std::ifstream corpus(KIOSK_SOURCE_DIR "/tests/data/ccid-readers.jsonl");
    REQUIRE(corpus);
    std::string line;
    while (std::getline(corpus, line)) {
        const auto reader = nlohmann::json::parse(line);
        if (std::stoul(reader["vid"].get<std::string>(), nullptr, 16) == vendor_id &&
            std::stoul(reader["pid"].get<std::string>(), nullptr, 16) == product_id) {
            auto descriptor = decode_class_descriptor(hex(reader["descriptor"].get<std::string>()));
            REQUIRE(descriptor.has_value());
            return *descriptor;
        }
    }
    FAIL("no reader " << vendor_id << ":" << product_id << " in the corpus");
    return {};
}

}  // namespace

TEST_CASE("Every quirk is about a reader of the corpus and corrects what it announces") {
    for (const ReaderQuirks& quirks : known_reader_quirks()) {
        INFO(quirks.model);
        const ClassDescriptor announced = corpus_descriptor(quirks.vendor_id, quirks.product_id);
        const ClassDescriptor corrected = apply_quirks(announced, quirks);
        CHECK_FALSE(quirks.reason.empty());
        if (quirks.exchange_level) {
            CHECK(announced.exchange_level() != *quirks.exchange_level);
            CHECK(corrected.exchange_level() == *quirks.exchange_level);
        }
        if (quirks.max_message_length) {
            CHECK(announced.max_message_length != *quirks.max_message_length);
            CHECK(corrected.max_message_length == *quirks.max_message_length);
        }
        // Nothing else changes.
        CHECK(corrected.features % feature::k_tpdu_level ==
              announced.features % feature::k_tpdu_level);
        CHECK(corrected.max_slot_index == announced.max_slot_index);
    }
}

TEST_CASE("The CardMan 3121 announces short APDU level and is driven at TPDU level") {
    const auto* quirks = find_reader_quirks(0x076B, 0x3021);
    REQUIRE(quirks != nullptr);
    const ClassDescriptor corrected = apply_quirks(corpus_descriptor(0x076B, 0x3021), *quirks);
    CHECK(corrected.exchange_level() == ExchangeLevel::tpdu);
}

TEST_CASE("The SCR331-DI's short message length is raised to what a full short APDU needs") {
    const auto* quirks = find_reader_quirks(0x04E6, 0x5111);
    REQUIRE(quirks != nullptr);
    CHECK(corpus_descriptor(0x04E6, 0x5111).max_message_length == 263);
    CHECK(apply_quirks(corpus_descriptor(0x04E6, 0x5111), *quirks).max_message_length == 271);
}

TEST_CASE("A reader that says the truth has no quirks") {
    CHECK(find_reader_quirks(0x072F, 0x90CC) == nullptr);
    CHECK(find_reader_quirks(0x1209, 0x0001) == nullptr);
}
