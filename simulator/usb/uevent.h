#pragma once
// Hotplug news for the testbed's listeners: a udev "add" or "remove" uevent, in the message
// format libudev's monitors read (systemd's device-monitor wire format: a "libudev" header
// followed by NUL-separated KEY=value properties), sent to every monitor socket umockdev's
// preload library made for a process of the testbed ($UMOCKDEV_DIR/eventN).
//
// umockdev sends such uevents itself, but it looks the device up with libudev in the sending
// process, which finds the testbed's sysfs only under umockdev's preload. kiosk-sim runs
// without it (docs/platform-facts.md, "libusb under umockdev"), so umockdev's own uevents are
// dropped there ("uevent_sender_send: No such device"), and a kiosk would never hear that a
// device came back. The bus sends these instead, built from what it already knows.
//
// Internal to the bus.

#include <string>

namespace simulator::usb {

struct Uevent {
    std::string action;     // "add" or "remove"
    std::string devpath;    // below /sys: "/devices/usb1/1-1"
    std::string subsystem;  // "usb"
    std::string devtype;    // "usb_device"
    std::string devname;    // "/dev/bus/usb/001/002"
};

// Sends the uevent to every listener of the testbed rooted at `root_directory`; a listener
// that has gone away is skipped. Returns how many listeners it reached.
int send_uevent(const std::string& root_directory, const Uevent& event);

// MurmurHash2 (32 bits, seed 0) of `text`, as libudev hashes the subsystem and device type
// into the header, where monitors' socket filters match them.
unsigned int udev_string_hash(const std::string& text);

}  // namespace simulator::usb
