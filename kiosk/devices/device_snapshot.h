#pragma once
// Where each device model keeps what it knows of its device for the field engineer's service
// menu (the values: kiosk/core/device_snapshot.h), and the texts of the facts it reports.
//
// A snapshot holds only what the model's own thread already read from the device, at connect
// and as it runs; asking for one never talks to the device.
//
// Threading: a model's thread publishes a whole snapshot into its SnapshotCell; any thread
// copies it out. The copy is taken under a mutex held only for the copy.

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/usb/usb_transport.h"
#include "kiosk/core/device_snapshot.h"
#include "kiosk/core/events.h"

namespace kiosk::devices {

// The snapshot's values are the core's (kiosk/core/device_snapshot.h): the flow shows them.
using core::DeviceFact;
using core::DeviceKind;
using core::DeviceSnapshot;
using core::FactName;

// The core's name for the device; nothing for the cabinet board.
std::optional<core::Device> core_device_of(DeviceKind kind);

// "1209:0001", as lsusb shows a USB id.
std::string usb_id_text(std::uint16_t vendor_id, std::uint16_t product_id);
// USB 2.0 §9.6.1: bcdDevice in binary-coded decimal, 0x0110 as "1.10".
std::string bcd_release_text(std::uint16_t release);
// A two-byte firmware version, high byte major and low byte minor (cabinet.md §4.1: 0x0100 is
// "1.0").
std::string version_text(std::uint16_t version);
// Upper-case hexadecimal, as key check values are written on key forms.
std::string hex_text(std::span<const std::uint8_t> bytes);
std::string_view yes_no(bool value);

// The USB identity of an open device: model from iProduct, serial from iSerialNumber, and
// the facts usb_id, manufacturer and usb_release.
void add_usb_identity(DeviceSnapshot& snapshot, const drivers::usb::UsbTransport& transport);

// Where a model keeps its snapshot: written by its thread, copied out by any.
class SnapshotCell {
  public:
    explicit SnapshotCell(DeviceKind kind);

    DeviceSnapshot get() const;
    // Publishes `snapshot` whole; its device is set to the cell's.
    void set(DeviceSnapshot snapshot);
    // Not connected, nothing known: the device is missing.
    void clear();

  private:
    const DeviceKind m_kind;
    mutable std::mutex m_mutex;
    DeviceSnapshot m_snapshot;
};

}  // namespace kiosk::devices
