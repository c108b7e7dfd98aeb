#include "kiosk/core/device_snapshot.h"

#include <algorithm>
#include <utility>

namespace kiosk::core {

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

}  // namespace kiosk::core
