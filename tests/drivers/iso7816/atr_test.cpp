#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <random>
#include <string>

#include "base/bytes.h"
#include "drivers/iso7816/atr.h"
#include "tests/support/replay_transport.h"

using namespace drivers::iso7816;
using tests::drivers::hex;

TEST_CASE("A T=0 answer to reset without check byte parses") {
    // TS, T0 = 0x6F: TB1 and TC1 follow, 15 historical bytes.
    auto atr = parse_atr(hex("3B 6F 00 00 80 31 E0 6B 04 31 05 02 AF 55 55 55 55 55 55"));
    REQUIRE(atr.has_value());
    CHECK(atr->convention == Convention::direct);
    CHECK(atr->protocols() == base::Bytes{0});
    CHECK(atr->historical_bytes.size() == 15);
    CHECK_FALSE(atr->tck.has_value());
    CHECK(atr->fi_di() == 0x11);
}

TEST_CASE("A T=1 answer to reset reports its protocols and IFSC and check byte") {
    // TA1 = 96, TD1 -> TD2 announces T=1 with TA3 (IFSC 0xFE), TB3; then TCK.
    auto atr = parse_atr(hex("3B DB 96 00 80 B1 FE 45 1F 83 00 31 C0 64 1A 18 01 00 0F 90 00 52"));
    REQUIRE(atr.has_value());
    CHECK(atr->fi_di() == 0x96);
    CHECK(atr->protocols() == base::Bytes{0, 1});
    CHECK(atr->t1_information_field_size() == 0xFE);
    REQUIRE(atr->tck.has_value());
    CHECK(*atr->tck == 0x52);
    CHECK(atr->groups.size() == 4);  // TD3 announces global bytes (T=15) with TA4
}

TEST_CASE("An inverse convention TS is recognised") {
    auto atr = parse_atr(hex("3F 65 25 00 2C 09 69 90 00"));
    REQUIRE(atr.has_value());
    CHECK(atr->convention == Convention::inverse);
    CHECK(atr->extra_guard_time() == 0x00);
}

TEST_CASE("A wrong check byte is rejected") {
    auto atr = parse_atr(hex("3B DB 96 00 80 B1 FE 45 1F 83 00 31 C0 64 1A 18 01 00 0F 90 00 53"));
    REQUIRE_FALSE(atr.has_value());
    CHECK(atr.error() == AtrError::wrong_tck);
}

TEST_CASE("A missing check byte is rejected when T=1 is offered") {
    CHECK(parse_atr(hex("3B 80 01")).error() == AtrError::missing_tck);
    CHECK(parse_atr(hex("3B 80 01 81")).has_value());
}

TEST_CASE("A check byte after an answer to reset that offers only T=0 is named as such") {
    // ISO/IEC 7816-3 §8.2.5: TCK is absent when only T=0 is offered. 02^14^50 = 46 checks.
    CHECK(parse_atr(hex("3B 02 14 50 46")).error() == AtrError::unexpected_tck);
    // A byte that does not check is a byte too many.
    CHECK(parse_atr(hex("3B 02 14 50 11")).error() == AtrError::trailing_bytes);
    // Two bytes are never a TCK, even when they check.
    CHECK(parse_atr(hex("3B 02 14 50 46 00")).error() == AtrError::trailing_bytes);
    // T=0 with T=15 global bytes asks for TCK (§8.2.5): 80^80^1F^07 = 18.
    CHECK(parse_atr(hex("3B 80 80 1F 07 18")).has_value());
    CHECK(parse_atr(hex("3B 80 80 1F 07")).error() == AtrError::missing_tck);
}

TEST_CASE("Truncated answers to reset are rejected at the part that is missing") {
    CHECK(parse_atr(base::Bytes{}).error() == AtrError::empty);
    CHECK(parse_atr(hex("3B")).error() == AtrError::truncated_format);
    CHECK(parse_atr(hex("3B F0 11")).error() == AtrError::truncated_interface_bytes);
    CHECK(parse_atr(hex("3B 04 41 42")).error() == AtrError::truncated_historical_bytes);
}

TEST_CASE("A foreign first byte and trailing bytes are rejected") {
    CHECK(parse_atr(hex("3C 00")).error() == AtrError::invalid_ts);
    CHECK(parse_atr(hex("3B 00 3B 28 00")).error() == AtrError::trailing_bytes);
    CHECK(parse_atr(base::Bytes(34, 0x3B)).error() == AtrError::too_long);
}

TEST_CASE("Every ATR of the field corpus parses or gives a named error") {
    std::ifstream corpus(KIOSK_SOURCE_DIR "/tests/data/atr-corpus.txt");
    REQUIRE(corpus.is_open());
    std::string line;
    int total = 0;
    int parsed = 0;
    std::map<AtrError, int> rejected;
    while (std::getline(corpus, line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            continue;
        }
        ++total;
        const base::Bytes bytes = hex(line);
        auto atr = parse_atr(bytes);
        if (atr) {
            ++parsed;
            // A parsed ATR accounts for every byte it was given.
            std::size_t accounted = 2 + atr->historical_bytes.size() + (atr->tck ? 1U : 0U);
            for (const auto& group : atr->groups) {
                accounted += (group.ta ? 1U : 0U) + (group.tb ? 1U : 0U) + (group.tc ? 1U : 0U) +
                             (group.td ? 1U : 0U);
            }
            CHECK(accounted == bytes.size());
        } else {
            ++rejected[atr.error()];
            CHECK_FALSE(to_string(atr.error()).empty());
        }
    }
    int rejected_total = 0;
    std::string summary;
    for (const auto& [error, count] : rejected) {
        rejected_total += count;
        summary += std::string(to_string(error)) + ": " + std::to_string(count) + "; ";
    }
    WARN("ATR corpus: " << total << " ATRs, " << parsed << " parsed, " << rejected_total
                        << " rejected (" << summary << ")");
    CHECK(total == 4832);
    CHECK(parsed + rejected_total == total);
    // The corpus is mostly well-formed: a parser rejecting most of it would be the broken one.
    CHECK(parsed > total * 9 / 10);
}

TEST_CASE("Random and mutated answers to reset never crash the parser") {
    std::mt19937 generator(7816);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(0, 36);
    int parsed = 0;
    for (int round = 0; round < 30000; ++round) {
        base::Bytes input(static_cast<std::size_t>(length(generator)));
        for (auto& value : input) {
            value = static_cast<std::uint8_t>(byte(generator));
        }
        if (!input.empty()) {
            input[0] = round % 2 == 0 ? 0x3B : 0x3F;
        }
        if (auto atr = parse_atr(input)) {
            ++parsed;
            CHECK_FALSE(atr->protocols().empty());
        }
    }
    CHECK(parsed > 0);
}
