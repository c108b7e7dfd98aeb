#pragma once
// The ways the virtual USB bus can refuse a request from the simulator.

#include <string_view>

namespace simulator::usb {

enum class BusError {
    // The umockdev testbed could not be created or refused a device description.
    testbed_failed,
    // The device's descriptors() are not a valid device + configuration descriptor set.
    invalid_descriptors,
    // All 127 device addresses (USB 2.0 §9.1.1.4) or all ports are in use.
    bus_full,
    // The handle names no device that is plugged in on this bus.
    unknown_device,
    // The same device object is already plugged in.
    already_plugged,
    // umockdev refused to attach the usbdevfs ioctl handler to the device node.
    ioctl_attach_failed,
};

std::string_view to_string(BusError error);

}  // namespace simulator::usb
