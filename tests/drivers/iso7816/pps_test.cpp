#include <catch2/catch.hpp>

#include "base/bytes.h"
#include "drivers/iso7816/pps.h"
#include "tests/support/replay_transport.h"

using namespace drivers::iso7816;
using tests::drivers::hex;

TEST_CASE(
    "Fi and Di decode as ISO/IEC 7816-3 Tables 7 and 8 give them, reserved codes as nothing") {
    CHECK(clock_rate_conversion(0x11) == 372);
    CHECK(clock_rate_conversion(0x96) == 512);
    CHECK(clock_rate_conversion(0xD3) == 2048);
    CHECK_FALSE(clock_rate_conversion(0x71).has_value());
    CHECK_FALSE(clock_rate_conversion(0xF1).has_value());
    CHECK(baud_rate_adjustment(0x96) == 32);
    CHECK(baud_rate_adjustment(0x18) == 12);
    CHECK(baud_rate_adjustment(0x19) == 20);
    CHECK_FALSE(baud_rate_adjustment(0x10).has_value());
    CHECK_FALSE(baud_rate_adjustment(0x1A).has_value());
    CHECK(max_clock_khz(0x96) == 5000);
    CHECK(max_clock_khz(0x11) == 5000);
}

TEST_CASE("The speed at a clock is clock times Di over Fi") {
    // 4 MHz: 372/1 is the 10752 bit/s every reader announces as dwDataRate.
    CHECK(bits_per_second(0x11, 4000) == 10752);
    CHECK(bits_per_second(0x96, 4000) == 250000);
    CHECK(bits_per_second(0x13, 4000) == 43010);
    CHECK_FALSE(bits_per_second(0x70, 4000).has_value());
}

TEST_CASE("A PPS request carries PPSS, PPS0, PPS1 and a check byte that zeroes the whole") {
    // ISO/IEC 7816-3 §9.2: T=1 at Fi/Di 96: FF 11 96 and PCK = FF ^ 11 ^ 96 = 78.
    CHECK(PpsRequest{1, 0x96}.encode() == hex("FF 11 96 78"));
    CHECK(PpsRequest{0, 0x18}.encode() == hex("FF 10 18 F7"));
    // Only the protocol: PPS1 left out.
    CHECK(PpsRequest{1, std::nullopt}.encode() == hex("FF 01 FE"));
}

TEST_CASE("A PPS response is accepted only as §9.3 allows") {
    const PpsRequest request{1, 0x96};
    SECTION("the echo: the asked factors") {
        CHECK(check_pps_response(request, hex("FF 11 96 78")) == 0x96);
    }
    SECTION("PPS1 left out: the card keeps the default factors") {
        CHECK(check_pps_response(request, hex("FF 01 FE")) == k_default_fi_di);
    }
    SECTION("other factors than asked") {
        CHECK(check_pps_response(request, hex("FF 11 95 7B")).error() ==
              PpsError::parameters_refused);
    }
    SECTION("another protocol") {
        CHECK(check_pps_response(request, hex("FF 10 96 79")).error() == PpsError::wrong_protocol);
    }
    SECTION("PPS2 that was not asked for") {
        CHECK(check_pps_response(request, hex("FF 31 96 00 58")).error() ==
              PpsError::parameters_refused);
    }
    SECTION("a wrong check byte, a wrong PPSS, a cut answer") {
        CHECK(check_pps_response(request, hex("FF 11 96 79")).error() == PpsError::malformed);
        CHECK(check_pps_response(request, hex("FE 11 96 79")).error() == PpsError::malformed);
        CHECK(check_pps_response(request, hex("FF 11 96")).error() == PpsError::malformed);
        CHECK(check_pps_response(request, hex("")).error() == PpsError::malformed);
    }
}
