#include "drivers/usb/usb_error.h"

namespace drivers::usb {

std::string_view to_string(UsbError error) {
    switch (error) {
        case UsbError::timeout:
            return "usb: transfer timed out";
        case UsbError::no_device:
            return "usb: device is gone (unplugged)";
        case UsbError::pipe:
            return "usb: endpoint stalled or request refused";
        case UsbError::overflow:
            return "usb: device sent more data than requested";
        case UsbError::io:
            return "usb: input/output error";
        case UsbError::access:
            return "usb: access to the device denied";
        case UsbError::busy:
            return "usb: interface busy (claimed elsewhere)";
        case UsbError::not_found:
            return "usb: no matching device or interface";
        case UsbError::invalid_argument:
            return "usb: invalid argument";
        case UsbError::interrupted:
            return "usb: transfer interrupted";
        case UsbError::no_memory:
            return "usb: out of memory";
        case UsbError::not_supported:
            return "usb: operation not supported";
        case UsbError::other:
            return "usb: unexpected error";
    }
    return "usb: unknown error";
}

}  // namespace drivers::usb
