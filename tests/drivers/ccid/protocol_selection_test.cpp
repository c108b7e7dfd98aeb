#include <catch2/catch.hpp>

#include <vector>

#include "base/bytes.h"
#include "drivers/ccid/protocol_selection.h"
#include "drivers/iso7816/atr.h"
#include "tests/support/replay_transport.h"

using namespace drivers::ccid;
using drivers::iso7816::parse_atr;
using tests::drivers::hex;

namespace {

// T=1 only, TA1 96 (Fi 512, Di 32), IFSC FE, BWI 4 CWI 5.
const auto k_t1_card = hex("3B 90 96 81 31 FE 45 0D");
// T=0 only, TA1 96, no TCK (ISO/IEC 7816-3 §8.2.5).
const auto k_t0_card = hex("3B 10 96");
// T=0 first, then T=1.
const auto k_t0_t1_card = hex("3B 90 96 80 01 87");
// Specific mode (TA2 01): T=1 at TA1's factors, without PPS.
const auto k_specific_card = hex("3B 90 96 11 01 16");
// No TA1: default factors.
const auto k_default_speed_card = hex("3B 80 81 31 FE 45 8B");

// A 4 MHz reader as most are, at the given level, up to 344 086 bit/s.
ClassDescriptor reader(std::uint32_t level, std::uint32_t extra_features = 0) {
    ClassDescriptor d;
    d.ccid_release = 0x0110;
    d.supports_t0 = true;
    d.supports_t1 = true;
    d.default_clock_khz = 4000;
    d.max_clock_khz = 4000;
    d.data_rate_bps = 10752;
    d.max_data_rate_bps = 344086;
    d.max_ifsd = 254;
    d.features = level | feature::k_automatic_parameters_from_atr | extra_features;
    d.max_message_length = 271;
    return d;
}

ProtocolChoice choose(const base::Bytes& atr_bytes, const ClassDescriptor& d,
                      std::vector<std::uint32_t> rates = {}) {
    auto atr = parse_atr(atr_bytes);
    REQUIRE(atr.has_value());
    auto choice = choose_protocol(*atr, d, rates);
    REQUIRE(choice.has_value());
    return *choice;
}

}  // namespace

TEST_CASE("A reader that negotiates by itself is left to it") {
    const auto choice = choose(
        k_t1_card, reader(feature::k_short_apdu_level, feature::k_automatic_parameter_negotiation));
    CHECK(choice.negotiation == Negotiation::by_reader);
    CHECK(choice.protocol == 1);
    CHECK_FALSE(choice.needs_pps);
}

TEST_CASE("A TPDU-level reader without automatic PPS leaves the PPS exchange to the host") {
    const auto choice = choose(k_t1_card, reader(feature::k_tpdu_level));
    CHECK(choice.negotiation == Negotiation::pps_by_host);
    CHECK(choice.protocol == 1);
    CHECK(choice.fi_di == 0x96);
    CHECK(choice.needs_pps);
}

TEST_CASE("A reader with automatic PPS is told the parameters and runs PPS itself") {
    const auto choice = choose(k_t1_card, reader(feature::k_tpdu_level, feature::k_automatic_pps));
    CHECK(choice.negotiation == Negotiation::set_parameters);
    CHECK(choice.fi_di == 0x96);
    CHECK(choice.needs_pps);
}

TEST_CASE("The speed is the card's fastest that the reader takes") {
    SECTION("a slower reader: Di 12 with the card's Fi 512 is 93 750 bit/s") {
        auto slow = reader(feature::k_tpdu_level);
        slow.max_data_rate_bps = 115200;
        CHECK(choose(k_t1_card, slow).fi_di == 0x98);
    }
    SECTION("the reader's list of rates: 250 000 bit/s is on it") {
        CHECK(choose(k_t1_card, reader(feature::k_tpdu_level), {10753, 125000, 250000}).fi_di ==
              0x96);
    }
    SECTION("the reader's list of rates: only 125 000 bit/s (Di 16) among the card's") {
        CHECK(choose(k_t1_card, reader(feature::k_tpdu_level), {10753, 125000}).fi_di == 0x95);
    }
    SECTION("a card clocked above its Fi's limit is not driven faster") {
        auto fast_clock = reader(feature::k_tpdu_level);
        fast_clock.default_clock_khz = 6000;  // Fi 512 allows 5 MHz at most
        const auto choice = choose(k_t1_card, fast_clock);
        CHECK(choice.fi_di == drivers::iso7816::k_default_fi_di);
        CHECK_FALSE(choice.needs_pps);
    }
    SECTION("no TA1: the default speed, no PPS needed") {
        const auto choice = choose(k_default_speed_card, reader(feature::k_tpdu_level));
        CHECK(choice.fi_di == drivers::iso7816::k_default_fi_di);
        CHECK_FALSE(choice.needs_pps);
        CHECK(choice.negotiation == Negotiation::set_parameters);
    }
}

TEST_CASE("The protocol is the card's first offered that the reader speaks") {
    CHECK(choose(k_t0_t1_card, reader(feature::k_tpdu_level)).protocol == 0);
    auto t1_only = reader(feature::k_tpdu_level);
    t1_only.supports_t0 = false;
    const auto choice = choose(k_t0_t1_card, t1_only);
    CHECK(choice.protocol == 1);
    // Leaving the first offered protocol takes a PPS even at the default speed.
    CHECK(choice.needs_pps);

    auto t0_only = reader(feature::k_tpdu_level);
    t0_only.supports_t1 = false;
    auto atr = parse_atr(k_t1_card);
    REQUIRE(atr.has_value());
    CHECK(choose_protocol(*atr, t0_only).error() == SelectionError::no_common_protocol);
}

TEST_CASE("A card in specific mode is driven as it says, without PPS") {
    const auto choice = choose(k_specific_card, reader(feature::k_tpdu_level));
    CHECK(choice.protocol == 1);
    CHECK(choice.fi_di == 0x96);
    CHECK_FALSE(choice.needs_pps);
    CHECK(choice.negotiation == Negotiation::set_parameters);

    auto slow = reader(feature::k_tpdu_level);
    slow.max_data_rate_bps = 115200;
    auto atr = parse_atr(k_specific_card);
    REQUIRE(atr.has_value());
    CHECK(choose_protocol(*atr, slow).error() == SelectionError::speed_not_supported);
}

TEST_CASE("An APDU-level reader that neither negotiates nor runs PPS keeps the defaults") {
    const auto choice = choose(k_t1_card, reader(feature::k_short_apdu_level));
    CHECK(choice.fi_di == drivers::iso7816::k_default_fi_di);
    CHECK_FALSE(choice.needs_pps);
    CHECK(choice.negotiation == Negotiation::set_parameters);
}

TEST_CASE("SetParameters carries the ATR's protocol parameters (CCID 1.1 Tables 6.1-6, 6.1-7)") {
    SECTION("T=1: Fi/Di, T=1 with LRC, no extra guard time, TB3, no clock stop, IFSC, NAD") {
        auto atr = parse_atr(k_t1_card);
        REQUIRE(atr.has_value());
        const auto choice = choose(k_t1_card, reader(feature::k_tpdu_level));
        CHECK(protocol_data(*atr, choice) == hex("96 10 00 45 00 FE 00"));
    }
    SECTION("T=0: Fi/Di, direct convention, no extra guard time, WI 10, no clock stop") {
        auto atr = parse_atr(k_t0_card);
        REQUIRE(atr.has_value());
        const auto choice = choose(k_t0_card, reader(feature::k_tpdu_level));
        CHECK(protocol_data(*atr, choice) == hex("96 00 00 0A 00"));
    }
    SECTION("T=1 defaults when the ATR has no T=1 bytes: IFSC 32, BWI 4 CWI 13") {
        auto atr = parse_atr(k_t0_t1_card);
        REQUIRE(atr.has_value());
        ProtocolChoice choice;
        choice.protocol = 1;
        CHECK(protocol_data(*atr, choice) == hex("11 10 00 4D 00 20 00"));
    }
}
