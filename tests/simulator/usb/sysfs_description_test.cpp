#include "simulator/usb/sysfs_description.h"

#include <catch2/catch.hpp>

#include "tests/simulator/usb/loopback_device.h"

using namespace simulator::usb;
using Catch::Matchers::Contains;

namespace {

std::string loopback_description(const DeviceStrings& strings) {
    const auto descriptors = test::loopback_descriptors();
    const auto summary = summarise_descriptors(descriptors);
    REQUIRE(summary);
    return describe_for_sysfs(BusAddress{.bus_number = 1, .device_number = 7, .port_number = 3},
                              *summary, descriptors, strings);
}

}  // namespace

TEST_CASE("the sysfs description carries what libusb and libudev read") {
    const std::string text = loopback_description({"Maker", "Thing", "S1"});
    CHECK_THAT(text, Contains("P: /devices/usb1/1-3\n"));
    // The node is the bus's own (a FIFO), not one umockdev makes from an "N:" line.
    CHECK_THAT(text, !Contains("N: "));
    CHECK_THAT(text, Contains("E: DEVNAME=/dev/bus/usb/001/007\n"));
    CHECK_THAT(text, Contains("E: DEVNAME=/dev/bus/usb/001/007\n"));
    CHECK_THAT(text, Contains("E: DEVTYPE=usb_device\n"));
    CHECK_THAT(text, Contains("E: SUBSYSTEM=usb\n"));
    CHECK_THAT(text, Contains("A: busnum=1\n"));
    CHECK_THAT(text, Contains("A: devnum=7\n"));
    CHECK_THAT(text, Contains("A: idVendor=1209\n"));
    CHECK_THAT(text, Contains("A: idProduct=0001\n"));
    CHECK_THAT(text, Contains("A: product=Thing\n"));
    CHECK_THAT(text, Contains("A: bConfigurationValue=1\n"));
    CHECK_THAT(text, Contains("H: descriptors=12010002000000400912010034120102030109022700"));
}

TEST_CASE("the device node and sysfs path follow the kernel's naming") {
    const BusAddress address{.bus_number = 1, .device_number = 12, .port_number = 4};
    CHECK(device_node(address) == "/dev/bus/usb/001/012");
    CHECK(sysfs_path(address) == "/sys/devices/usb1/1-4");
}

TEST_CASE("a newline in a product string cannot inject a line into the description") {
    const std::string text = loopback_description({"Maker", "Evil\nA: idVendor=dead", "S\\1"});
    CHECK_THAT(text, Contains("A: product=Evil A: idVendor=dead\n"));
    CHECK_THAT(text, Contains("A: serial=S\\\\1\n"));
    CHECK_THAT(text, !Contains("\nA: idVendor=dead"));
}
