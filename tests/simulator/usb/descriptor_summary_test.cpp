#include "simulator/usb/descriptor_summary.h"
#include "base/bytes.h"

#include <catch2/catch.hpp>

#include "tests/simulator/usb/loopback_device.h"

using namespace simulator::usb;
using simulator::usb::test::loopback_descriptors;

TEST_CASE("the summary of valid descriptors names the device and maps endpoints to interfaces") {
    const auto summary = summarise_descriptors(loopback_descriptors());
    REQUIRE(summary);
    CHECK(summary->vendor_id == 0x1209);
    CHECK(summary->product_id == 0x0001);
    CHECK(summary->device_release == 0x1234);
    CHECK(summary->manufacturer_index == 1);
    CHECK(summary->serial_index == 3);
    CHECK(summary->configuration_value == 1);
    CHECK(summary->interface_count == 1);
    REQUIRE(summary->endpoints.size() == 3);
    const auto interrupt = summary->endpoint(0x83);
    REQUIRE(interrupt);
    CHECK(interrupt->type == TransferType::interrupt);
    CHECK(interrupt->max_packet_size == 8);
    CHECK(interrupt->interface_number == 0);
    CHECK_FALSE(summary->endpoint(0x84));
    CHECK(summary->has_interface(0, 0));
    CHECK_FALSE(summary->has_interface(1, 0));
    CHECK_FALSE(summary->high_speed());
}

TEST_CASE("descriptors cut short anywhere are rejected") {
    const auto whole = loopback_descriptors();
    for (std::size_t length = 0; length < whole.size(); ++length) {
        const base::Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(length));
        INFO("length " << length);
        CHECK(summarise_descriptors(cut).error() == BusError::invalid_descriptors);
    }
}

TEST_CASE("a configuration whose total length runs past the data is rejected") {
    auto descriptors = loopback_descriptors();
    descriptors[18 + 2] = 200;  // wTotalLength
    CHECK(summarise_descriptors(descriptors).error() == BusError::invalid_descriptors);
}

TEST_CASE("a zero-length sub-descriptor is rejected instead of looping forever") {
    auto descriptors = loopback_descriptors();
    descriptors[18 + 9] = 0;  // the interface descriptor's bLength
    CHECK(summarise_descriptors(descriptors).error() == BusError::invalid_descriptors);
}

TEST_CASE("an endpoint outside any interface is rejected") {
    auto descriptors = loopback_descriptors();
    descriptors[18 + 10] = 0x24;  // the interface descriptor becomes a class-specific one
    CHECK(summarise_descriptors(descriptors).error() == BusError::invalid_descriptors);
}

TEST_CASE("an endpoint zero packet size that USB does not allow is rejected") {
    auto descriptors = loopback_descriptors();
    descriptors[7] = 63;
    CHECK(summarise_descriptors(descriptors).error() == BusError::invalid_descriptors);
}

TEST_CASE("a device descriptor of the wrong type is rejected") {
    auto descriptors = loopback_descriptors();
    descriptors[1] = 2;
    CHECK(summarise_descriptors(descriptors).error() == BusError::invalid_descriptors);
}

TEST_CASE("512-byte bulk packets make the device high speed") {
    auto descriptors = loopback_descriptors();
    descriptors[18 + 9 + 9 + 4] = 0x00;  // bulk OUT wMaxPacketSize = 512
    descriptors[18 + 9 + 9 + 5] = 0x02;
    const auto summary = summarise_descriptors(descriptors);
    REQUIRE(summary);
    CHECK(summary->high_speed());
}
