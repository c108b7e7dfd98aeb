#include "kiosk/devices/device_snapshot.h"

#include <array>
#include <utility>

#include "base/bytes.h"

namespace kiosk::devices {

std::optional<core::Device> core_device_of(DeviceKind kind) {
    switch (kind) {
        case DeviceKind::card_reader:
            return core::Device::card_reader;
        case DeviceKind::pin_pad:
            return core::Device::pin_pad;
        case DeviceKind::printer:
            return core::Device::printer;
        case DeviceKind::dispenser:
            return core::Device::dispenser;
        case DeviceKind::cabinet:
            return std::nullopt;
    }
    return std::nullopt;
}

std::string usb_id_text(std::uint16_t vendor_id, std::uint16_t product_id) {
    const auto word = [](std::uint16_t value) {
        return base::to_hex(std::array<std::uint8_t, 2>{static_cast<std::uint8_t>(value >> 8),
                                                        static_cast<std::uint8_t>(value)});
    };
    return word(vendor_id) + ":" + word(product_id);
}

std::string bcd_release_text(std::uint16_t release) {
    // USB 2.0 §9.6.1: bcdDevice is JJ.MN, each nibble a decimal digit.
    const auto digit = [&](int shift) {
        return static_cast<char>('0' + ((release >> shift) & 0x0F));
    };
    std::string text;
    if ((release >> 12) != 0) {
        text.push_back(digit(12));
    }
    text.push_back(digit(8));
    text.push_back('.');
    text.push_back(digit(4));
    text.push_back(digit(0));
    return text;
}

std::string version_text(std::uint16_t version) {
    return std::to_string(version >> 8) + "." + std::to_string(version & 0xFF);
}

std::string hex_text(std::span<const std::uint8_t> bytes) {
    return base::to_hex(bytes);
}

std::string_view yes_no(bool value) {
    return value ? "yes" : "no";
}

void add_usb_identity(DeviceSnapshot& snapshot, const drivers::usb::UsbTransport& transport) {
    snapshot.model = transport.product();
    snapshot.serial = transport.serial();
    snapshot.add(FactName::usb_id, usb_id_text(transport.vendor_id(), transport.product_id()));
    if (!transport.manufacturer().empty()) {
        snapshot.add(FactName::manufacturer, transport.manufacturer());
    }
    snapshot.add(FactName::usb_release, bcd_release_text(transport.device().device_release));
}

SnapshotCell::SnapshotCell(DeviceKind kind) : m_kind(kind) {
    m_snapshot.device = kind;
}

DeviceSnapshot SnapshotCell::get() const {
    std::lock_guard lock(m_mutex);
    return m_snapshot;
}

void SnapshotCell::set(DeviceSnapshot snapshot) {
    snapshot.device = m_kind;
    std::lock_guard lock(m_mutex);
    m_snapshot = std::move(snapshot);
}

void SnapshotCell::clear() {
    DeviceSnapshot missing;
    missing.device = m_kind;
    std::lock_guard lock(m_mutex);
    m_snapshot = std::move(missing);
}

}  // namespace kiosk::devices
