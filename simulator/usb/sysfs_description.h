#pragma once
// The sysfs and udev view of a plugged-in device, written in umockdev's device description
// format (the one umockdev-record produces), so libusb and libudev enumerate the device like
// one the kernel found: same attributes, same uevent properties, the raw descriptors file.

#include <cstdint>
#include <span>
#include <string>

#include "simulator/usb/descriptor_summary.h"
#include "simulator/usb/standard_requests.h"

namespace simulator::usb {

struct BusAddress {
    std::uint8_t bus_number = 1;
    std::uint8_t device_number = 0;  // 1..127, the address (USB 2.0 §9.1.1.4)
    std::uint8_t port_number = 0;    // the root hub port, names the sysfs directory
};

// "/sys/devices/usb1/1-3" for bus 1 port 3.
std::string sysfs_path(const BusAddress& address);
// "/dev/bus/usb/001/007" for bus 1 device 7.
std::string device_node(const BusAddress& address);

// The umockdev description ("P:", "E:", "A:", "H:" lines) of the device. It names the device
// node (DEVNAME) but does not make it ("N:"): VirtualUsbBus makes the node itself.
std::string describe_for_sysfs(const BusAddress& address, const DescriptorSummary& summary,
                               std::span<const std::uint8_t> descriptors,
                               const DeviceStrings& strings);

}  // namespace simulator::usb
