#pragma once

#include <string_view>

namespace drivers::usb {

// What can go wrong on the wire, as far as a protocol client needs to tell apart. Every libusb
// error code maps to exactly one of these (see usb_transport.cpp).
enum class UsbError {
    timeout,           // the device did not complete the transfer in time
    no_device,         // the device was unplugged (or reset and re-enumerated)
    pipe,              // the endpoint stalled, or the device refused a control request
    overflow,          // the device sent more than the host asked for
    io,                // a transfer failed on the bus
    access,            // the operating system refused access to the device
    busy,              // another driver or process holds the interface
    not_found,         // no device or interface matched the request
    invalid_argument,  // the request itself was malformed (a programming mistake upstream)
    interrupted,       // the transfer was cancelled
    no_memory,         // the host ran out of memory
    not_supported,     // the platform or device cannot do this
    other,             // anything libusb reports that fits none of the above
};

std::string_view to_string(UsbError error);

}  // namespace drivers::usb
