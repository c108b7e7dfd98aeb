#pragma once
// What each device model knows of its device, as plain values, for the field engineer's
// service menu (kiosk/core/README.md, "The service menu"): which device, whether the kiosk
// uses it, why it refuses it, its model, firmware and serial as the device reports them, and an
// ordered list of facts, each a closed name (FactName, whose to_string() is the stable key the
// catalogs word, section "device_fact") and the text of its value. kiosk/devices fills them
// (kiosk/devices/device_snapshot.h); the shell hands them to the flow in DevicesReported.
//
// Nothing of a customer's is ever in one: no card number, PIN, PIN block, key, amount or name.
// A key check value is (it is what an engineer compares with the key forms, and names a key
// without revealing it).

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosk::core {

// The five devices that have a model in kiosk/devices. The cabinet board is not a core::Device (the
// core hears only its switch).
enum class DeviceKind { card_reader, pin_pad, printer, dispenser, cabinet };

// In the order the service menu lists them.
inline constexpr std::array k_device_kinds{DeviceKind::card_reader, DeviceKind::pin_pad,
                                           DeviceKind::printer, DeviceKind::dispenser,
                                           DeviceKind::cabinet};

// "card_reader", "pin_pad", "printer", "dispenser", "cabinet".
std::string_view to_string(DeviceKind kind);

// One enumerator per fact a model reports. to_string() gives each a stable snake_case key.
enum class FactName {
    // Every USB device (USB 2.0 §9.6.1, device descriptor; §9.6.7, string descriptors).
    usb_id,        // idVendor:idProduct, as lsusb shows them: "1209:0001"
    manufacturer,  // iManufacturer's string
    usb_release,   // bcdDevice: "1.00"

    // The card reader: its CCID class descriptor (CCID Rev 1.1 §5.1, Table 5.1-1) as the
    // kiosk drives it (corrected by the reader's quirks), and what the model asked of it.
    ccid_version,        // bcdCCID: "1.10"
    exchange_level,      // dwFeatures bits 16..18: "character", "tpdu", "short_apdu", ...
    protocols,           // dwProtocols: "T=0 T=1"
    voltages,            // bVoltageSupport: "5.0V 3.0V 1.8V"
    default_clock_khz,   // dwDefaultClock
    max_clock_khz,       // dwMaximumClock
    data_rate_bps,       // dwDataRate
    max_data_rate_bps,   // dwMaxDataRate
    data_rates,          // GET_DATA_RATES' answer (§5.3.3), "none listed" when it lists none
    max_ifsd,            // dwMaxIFSD
    max_message_length,  // dwMaxCCIDMessageLength
    pin_support,         // bPINSupport: "verify modify", "none"
    lcd_layout,          // wLcdLayout: "2x16", "none"
    slots,               // bMaxSlotIndex + 1
    card_slot,           // the slot customers use
    reader_quirks,       // the quirks applied (drivers/ccid/reader_quirks.h), by model name
    interrupt_endpoint,  // "yes" or "no": slot changes by interrupt, or by polling
    card_present,        // "yes" or "no"

    // The PIN pad (docs/protocols/epp.md).
    pad_revision,             // "5" when it answers GET KEY STATUS (§8.1), "4" when it does not
    secure_channel,           // "on" or "off": frames secured after AUTHENTICATE (§8.4, §8.5)
    key_slot_pin_tdes,        // slot 0x00 (§8.1): "tdes kcv 08D7B4" or "empty"
    key_slot_pin_aes,         // slot 0x01: "aes128 kcv 7AD386C376" or "empty"
    key_slot_pin_dukpt,       // slot 0x02 (§8.7): "initial key id 1234567890123456" or "empty"
    dukpt_counter,            // slot 0x02: the counter of the next transaction (0: used up)
    key_slot_authentication,  // slot 0x10
    key_slot_master,          // slot 0x80
    failed_authentications,   // §8.1 counters since power-up
    refused_frames,
    tampered,    // GET STATUS (§4.2): "yes" or "no"
    headphones,  // "plugged" or "unplugged"

    // The receipt printer (docs/protocols/escpos.md): DLE EOT 4, 1 and 2.
    paper,   // "ok", "low", "out"
    cover,   // "open" or "closed"
    online,  // "yes" or "no"

    // The cash dispenser (docs/protocols/dispenser.md §4).
    cassette_count,   // INFO: the cassettes the dispenser has
    cassette,         // one fact per cassette, in order: "1: CNY 100 x 480, ok"
    reject_bin,       // STATUS: "3 of 200"
    shutter,          // STATUS: "open" or "closed"
    dispenser_state,  // STATUS: where the notes of the current reference are

    // The cabinet sensors board (docs/protocols/cabinet.md §4.2, §5).
    service_switch,  // "run" or "service"
    cabinet_door,    // "open" or "closed"
    safe_door,       // "open" or "closed"
};

std::string_view to_string(FactName name);

// Every fact, in the order of the enumeration (the catalogs word each).
inline constexpr std::array k_fact_names{
    FactName::usb_id,
    FactName::manufacturer,
    FactName::usb_release,
    FactName::ccid_version,
    FactName::exchange_level,
    FactName::protocols,
    FactName::voltages,
    FactName::default_clock_khz,
    FactName::max_clock_khz,
    FactName::data_rate_bps,
    FactName::max_data_rate_bps,
    FactName::data_rates,
    FactName::max_ifsd,
    FactName::max_message_length,
    FactName::pin_support,
    FactName::lcd_layout,
    FactName::slots,
    FactName::card_slot,
    FactName::reader_quirks,
    FactName::interrupt_endpoint,
    FactName::card_present,
    FactName::pad_revision,
    FactName::secure_channel,
    FactName::key_slot_pin_tdes,
    FactName::key_slot_pin_aes,
    FactName::key_slot_pin_dukpt,
    FactName::dukpt_counter,
    FactName::key_slot_authentication,
    FactName::key_slot_master,
    FactName::failed_authentications,
    FactName::refused_frames,
    FactName::tampered,
    FactName::headphones,
    FactName::paper,
    FactName::cover,
    FactName::online,
    FactName::cassette_count,
    FactName::cassette,
    FactName::reject_bin,
    FactName::shutter,
    FactName::dispenser_state,
    FactName::service_switch,
    FactName::cabinet_door,
    FactName::safe_door,
};

struct DeviceFact {
    FactName name = FactName::usb_id;
    std::string value;

    friend bool operator==(const DeviceFact&, const DeviceFact&) = default;
};

struct DeviceSnapshot {
    DeviceKind device = DeviceKind::card_reader;
    // The kiosk uses the device now: found, answering and accepted.
    bool connected = false;
    // Why the kiosk refuses a device it found (a PIN pad whose keys differ from the
    // configuration, a reader not on the approved list); empty otherwise.
    std::string refusal;
    // As the device reports them (its protocol's INFO, else its USB strings); empty when it
    // does not.
    std::string model;
    std::string firmware;
    std::string serial;
    std::vector<DeviceFact> facts;

    // The value of the first fact named `name`; nothing when there is none.
    std::optional<std::string> fact(FactName name) const;
    // The values of every fact named `name`, in order (the dispenser's cassettes).
    std::vector<std::string> facts_named(FactName name) const;
    void add(FactName name, std::string value);

    friend bool operator==(const DeviceSnapshot&, const DeviceSnapshot&) = default;
};

}  // namespace kiosk::core
