#include "kiosk/devices/device_snapshot.h"

#include <algorithm>
#include <array>
#include <utility>

#include "base/bytes.h"

namespace kiosk::devices {

std::string_view to_string(DeviceKind kind) {
    switch (kind) {
        case DeviceKind::card_reader:
            return "card_reader";
        case DeviceKind::pin_pad:
            return "pin_pad";
        case DeviceKind::printer:
            return "printer";
        case DeviceKind::dispenser:
            return "dispenser";
        case DeviceKind::cabinet:
            return "cabinet";
    }
    return "unknown";
}

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

std::string_view to_string(FactName name) {
    switch (name) {
        case FactName::usb_id:
            return "usb_id";
        case FactName::manufacturer:
            return "manufacturer";
        case FactName::usb_release:
            return "usb_release";
        case FactName::ccid_version:
            return "ccid_version";
        case FactName::exchange_level:
            return "exchange_level";
        case FactName::protocols:
            return "protocols";
        case FactName::voltages:
            return "voltages";
        case FactName::default_clock_khz:
            return "default_clock_khz";
        case FactName::max_clock_khz:
            return "max_clock_khz";
        case FactName::data_rate_bps:
            return "data_rate_bps";
        case FactName::max_data_rate_bps:
            return "max_data_rate_bps";
        case FactName::data_rates:
            return "data_rates";
        case FactName::max_ifsd:
            return "max_ifsd";
        case FactName::max_message_length:
            return "max_message_length";
        case FactName::pin_support:
            return "pin_support";
        case FactName::lcd_layout:
            return "lcd_layout";
        case FactName::slots:
            return "slots";
        case FactName::card_slot:
            return "card_slot";
        case FactName::reader_quirks:
            return "reader_quirks";
        case FactName::interrupt_endpoint:
            return "interrupt_endpoint";
        case FactName::card_present:
            return "card_present";
        case FactName::pad_revision:
            return "pad_revision";
        case FactName::secure_channel:
            return "secure_channel";
        case FactName::key_slot_pin_tdes:
            return "key_slot_pin_tdes";
        case FactName::key_slot_pin_aes:
            return "key_slot_pin_aes";
        case FactName::key_slot_pin_dukpt:
            return "key_slot_pin_dukpt";
        case FactName::dukpt_counter:
            return "dukpt_counter";
        case FactName::key_slot_authentication:
            return "key_slot_authentication";
        case FactName::key_slot_master:
            return "key_slot_master";
        case FactName::failed_authentications:
            return "failed_authentications";
        case FactName::refused_frames:
            return "refused_frames";
        case FactName::tampered:
            return "tampered";
        case FactName::headphones:
            return "headphones";
        case FactName::paper:
            return "paper";
        case FactName::cover:
            return "cover";
        case FactName::online:
            return "online";
        case FactName::cassette_count:
            return "cassette_count";
        case FactName::cassette:
            return "cassette";
        case FactName::reject_bin:
            return "reject_bin";
        case FactName::shutter:
            return "shutter";
        case FactName::dispenser_state:
            return "dispenser_state";
        case FactName::service_switch:
            return "service_switch";
        case FactName::cabinet_door:
            return "cabinet_door";
        case FactName::safe_door:
            return "safe_door";
    }
    return "unknown";
}

std::optional<std::string> DeviceSnapshot::fact(FactName name) const {
    const auto found =
        std::ranges::find_if(facts, [&](const DeviceFact& known) { return known.name == name; });
    if (found == facts.end()) {
        return std::nullopt;
    }
    return found->value;
}

std::vector<std::string> DeviceSnapshot::facts_named(FactName name) const {
    std::vector<std::string> values;
    for (const DeviceFact& known : facts) {
        if (known.name == name) {
            values.push_back(known.value);
        }
    }
    return values;
}

void DeviceSnapshot::add(FactName name, std::string value) {
    facts.push_back(DeviceFact{name, std::move(value)});
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
