#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "drivers/usb/usb_transport.h"

using namespace drivers::usb;

namespace {

DeviceInfo reader_device() {
    DeviceInfo device;
    device.bus = 1;
    device.address = 7;
    device.vendor_id = 0x1209;
    device.product_id = 0x0001;
    return device;
}

InterfaceInfo interface_of_class(std::uint8_t class_code) {
    InterfaceInfo interface;
    interface.class_code = class_code;
    return interface;
}

}  // namespace

TEST_CASE("An empty device match accepts any device and interface") {
    CHECK(DeviceMatch{}.matches(reader_device(), interface_of_class(0x03)));
}

TEST_CASE("A device match by interface class accepts only that class") {
    DeviceMatch match;
    match.interface_class = k_interface_class_smart_card;
    CHECK(match.matches(reader_device(), interface_of_class(0x0B)));
    CHECK_FALSE(match.matches(reader_device(), interface_of_class(0xFF)));
}

TEST_CASE("A device match requires every field that is set") {
    DeviceMatch match;
    match.vendor_id = 0x1209;
    match.product_id = 0x0002;
    CHECK_FALSE(match.matches(reader_device(), interface_of_class(0x0B)));
    match.product_id = 0x0001;
    CHECK(match.matches(reader_device(), interface_of_class(0x0B)));
    match.bus = 2;
    CHECK_FALSE(match.matches(reader_device(), interface_of_class(0x0B)));
    match.bus = 1;
    match.address = 7;
    CHECK(match.matches(reader_device(), interface_of_class(0x0B)));
}

TEST_CASE("Every USB error has its own description") {
    const UsbError all[] = {UsbError::timeout,     UsbError::no_device, UsbError::pipe,
                            UsbError::overflow,    UsbError::io,        UsbError::access,
                            UsbError::busy,        UsbError::not_found, UsbError::invalid_argument,
                            UsbError::interrupted, UsbError::no_memory, UsbError::not_supported,
                            UsbError::other};
    std::set<std::string> descriptions;
    for (UsbError error : all) {
        descriptions.emplace(to_string(error));
    }
    CHECK(descriptions.size() == std::size(all));
}

TEST_CASE("Opening a device that is not on the bus reports not found") {
    auto context = UsbContext::create();
    REQUIRE(context.has_value());
    DeviceMatch match;
    match.vendor_id = 0x1209;
    match.product_id = 0xFFFE;  // not assigned by pid.codes
    auto transport = UsbTransport::open(*context, match);
    REQUIRE_FALSE(transport.has_value());
    CHECK(transport.error() == UsbError::not_found);
}
