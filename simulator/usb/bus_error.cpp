#include "simulator/usb/bus_error.h"

namespace simulator::usb {

std::string_view to_string(BusError error) {
    switch (error) {
        case BusError::testbed_failed:
            return "the umockdev testbed refused the request";
        case BusError::invalid_descriptors:
            return "the device's descriptors are malformed";
        case BusError::bus_full:
            return "no free device address or port on the virtual bus";
        case BusError::unknown_device:
            return "no such device is plugged in";
        case BusError::already_plugged:
            return "the device is already plugged in";
        case BusError::ioctl_attach_failed:
            return "umockdev refused to attach the usbdevfs handler";
    }
    return "unknown bus error";
}

}  // namespace simulator::usb
