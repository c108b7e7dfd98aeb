// kiosk-diag usb-list: the card readers, PIN pads, receipt printers and cash dispensers on the
// USB bus, found as the kiosk's device models find them, with what each says of itself.

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "drivers/ccid/class_descriptor.h"
#include "drivers/dispenser/dispenser_client.h"
#include "drivers/epp/epp_client.h"
#include "drivers/escpos/escpos_client.h"
#include "drivers/escpos/escpos_protocol.h"
#include "drivers/usb/usb_transport.h"
#include "kiosk/devices/dispenser_service.h"
#include "kiosk/devices/pin_pad_service.h"
#include "kiosk/diag/command.h"
#include "kiosk/diag/descriptions.h"

namespace kiosk::diag {

namespace {

// How long a device may take to answer one question of usb-list: an engineer waits for the
// list, and a device that answers at all answers well within it (the drivers' own time-outs,
// 1 to 2 s, are for a kiosk that waits on a customer's card or note).
constexpr std::chrono::milliseconds k_probe_timeout{1000};

std::string four_hex_digits(std::uint16_t value) {
    char text[5] = {};
    std::snprintf(text, sizeof text, "%04X", static_cast<unsigned>(value));
    return text;
}

// Where the device is and what it is, the start of each entry.
nlohmann::ordered_json entry_for(std::string_view kind, const drivers::usb::DeviceInfo& device,
                                 const drivers::usb::InterfaceInfo& interface) {
    nlohmann::ordered_json entry;
    entry["kind"] = kind;
    entry["bus"] = device.bus;
    entry["address"] = device.address;
    entry["vendor_id"] = four_hex_digits(device.vendor_id);
    entry["product_id"] = four_hex_digits(device.product_id);
    entry["interface"] = interface.number;
    return entry;
}

// Opens exactly this device's interface, or says why not ("busy": the kiosk holds it).
std::expected<std::unique_ptr<drivers::usb::UsbTransport>, std::string> open_interface(
    const drivers::usb::UsbContext& context, const drivers::usb::DeviceInfo& device,
    const drivers::usb::InterfaceInfo& interface) {
    drivers::usb::DeviceMatch match;
    match.bus = device.bus;
    match.address = device.address;
    match.interface_class = interface.class_code;
    auto transport = drivers::usb::UsbTransport::open(context, match);
    if (!transport) {
        return std::unexpected("could not open it: " +
                               std::string(drivers::usb::to_string(transport.error())));
    }
    return std::move(*transport);
}

// A reader is described from its class descriptor alone: it is not opened, so the list does
// not disturb a kiosk that is reading a card.
void describe_reader(nlohmann::ordered_json& entry, const drivers::usb::InterfaceInfo& interface) {
    const auto descriptor = drivers::ccid::decode_class_descriptor(interface.class_descriptor);
    if (!descriptor) {
        entry["error"] = std::string(drivers::ccid::to_string(descriptor.error()));
        return;
    }
    entry["slots"] = descriptor->max_slot_index + 1;
    entry["exchange_level"] = drivers::ccid::to_string(descriptor->exchange_level());
    entry["class_descriptor"] = describe_class_descriptor(*descriptor);
}

// epp.md, GET STATUS: the pad's mode. A mode of a later revision than this list knows prints as
// its number rather than failing the list.
std::string pad_mode_name(drivers::epp::PadMode mode) {
    switch (mode) {
        case drivers::epp::PadMode::idle:
            return "idle";
        case drivers::epp::PadMode::function_keys:
            return "function_keys";
        case drivers::epp::PadMode::pin_entry:
            return "pin_entry";
        case drivers::epp::PadMode::clear_digits:
            return "clear_digits";
        case drivers::epp::PadMode::key_ceremony:
            return "key_ceremony";
        default:
            return "mode " + std::to_string(static_cast<int>(mode));
    }
}

// docs/protocols/epp.md, GET INFO and GET STATUS.
void describe_pin_pad(nlohmann::ordered_json& entry, drivers::usb::Transport& transport) {
    drivers::epp::EppOptions options;
    options.command_timeout = k_probe_timeout;
    drivers::epp::EppClient client(transport, options);
    const auto info = client.get_info();
    if (!info) {
        entry["error"] = "GET INFO failed: " + std::string(drivers::epp::to_string(info.error()));
        return;
    }
    entry["model"] = info->model;
    entry["serial"] = info->serial;
    entry["firmware"] = info->firmware;
    entry["loaded_key_slots"] = info->loaded_key_slots;
    const auto status = client.get_status();
    if (!status) {
        entry["error"] =
            "GET STATUS failed: " + std::string(drivers::epp::to_string(status.error()));
        return;
    }
    entry["mode"] = pad_mode_name(status->mode);
    entry["headphones_plugged"] = status->headphones_plugged;
    entry["tampered"] = status->tampered;
}

// docs/protocols/escpos.md: GET_DEVICE_ID and the real-time status (DLE EOT).
void describe_printer(nlohmann::ordered_json& entry, drivers::usb::Transport& transport) {
    drivers::escpos::EscposOptions options;
    options.status_timeout = k_probe_timeout;
    drivers::escpos::EscposClient client(transport, options);
    if (const auto device_id = client.device_id()) {
        entry["device_id"] = *device_id;
    }
    const auto condition = client.condition();
    if (!condition) {
        entry["error"] = "status failed: " + base::to_string(condition.error());
        return;
    }
    entry["paper"] = drivers::escpos::to_string(condition->paper);
    entry["online"] = condition->online;
    entry["cover_open"] = condition->cover_open;
}

std::string_view dispenser_state_name(drivers::dispenser::State state) {
    switch (state) {
        case drivers::dispenser::State::idle:
            return "idle";
        case drivers::dispenser::State::stacked:
            return "stacked";
        case drivers::dispenser::State::presented:
            return "presented";
        case drivers::dispenser::State::jammed:
            return "jammed";
        case drivers::dispenser::State::out_of_service:
            return "out_of_service";
    }
    return "unknown";
}

// docs/protocols/dispenser.md, GET INFO and STATUS; never a command that moves a note.
void describe_dispenser(nlohmann::ordered_json& entry, drivers::usb::Transport& transport) {
    drivers::dispenser::DispenserOptions options;
    options.command_timeout = k_probe_timeout;
    drivers::dispenser::DispenserClient client(transport, options);
    const auto info = client.get_info();
    if (!info) {
        entry["error"] =
            "GET INFO failed: " + std::string(drivers::dispenser::to_string(info.error()));
        return;
    }
    entry["serial"] = info->serial;
    entry["firmware_version"] = info->firmware_version;
    entry["cassettes"] = info->cassette_count;
    const auto status = client.get_status();
    if (!status) {
        entry["error"] =
            "STATUS failed: " + std::string(drivers::dispenser::to_string(status.error()));
        return;
    }
    entry["state"] = dispenser_state_name(status->state);
    entry["shutter_open"] = status->shutter_open;
}

enum class DeviceKind { card_reader, pin_pad, printer, cash_dispenser, other };

// The kind of an interface, by the rules of the kiosk's device models (kiosk/devices/README.md):
// a reader and a printer by their class, a dispenser by the vendor class with its subclass, a
// PIN pad by the ids the kiosk opens it by.
DeviceKind kind_of(const drivers::usb::DeviceInfo& device,
                   const drivers::usb::InterfaceInfo& interface) {
    if (interface.class_code == drivers::usb::k_interface_class_smart_card) {
        return DeviceKind::card_reader;
    }
    if (interface.class_code == drivers::escpos::k_interface_class_printer) {
        return DeviceKind::printer;
    }
    if (interface.class_code == drivers::usb::k_interface_class_vendor) {
        if (interface.subclass_code == devices::k_dispenser_interface_subclass) {
            return DeviceKind::cash_dispenser;
        }
        const devices::PinPadOptions pin_pad;
        if (pin_pad.match.matches(device, interface)) {
            return DeviceKind::pin_pad;
        }
    }
    return DeviceKind::other;
}

int list_devices(std::span<const std::string_view> /*arguments*/) {
    auto context = drivers::usb::UsbContext::create();
    nlohmann::ordered_json output;
    if (!context) {
        output["valid"] = false;
        output["error"] =
            "libusb could not start: " + std::string(drivers::usb::to_string(context.error()));
        std::puts(output.dump().c_str());
        return k_exit_unusable;
    }
    const auto devices = context->devices();
    if (!devices) {
        output["valid"] = false;
        output["error"] =
            "the bus could not be listed: " + std::string(drivers::usb::to_string(devices.error()));
        std::puts(output.dump().c_str());
        return k_exit_unusable;
    }
    auto listed = nlohmann::ordered_json::array();
    int others = 0;
    for (const drivers::usb::DeviceInfo& device : *devices) {
        bool known = false;
        for (const drivers::usb::InterfaceInfo& interface : device.interfaces) {
            const DeviceKind kind = kind_of(device, interface);
            if (kind == DeviceKind::other) {
                continue;
            }
            known = true;
            if (kind == DeviceKind::card_reader) {
                auto entry = entry_for("card_reader", device, interface);
                describe_reader(entry, interface);
                listed.push_back(std::move(entry));
                continue;
            }
            const std::string_view name = kind == DeviceKind::pin_pad   ? "pin_pad"
                                          : kind == DeviceKind::printer ? "printer"
                                                                        : "cash_dispenser";
            auto entry = entry_for(name, device, interface);
            auto transport = open_interface(*context, device, interface);
            if (!transport) {
                entry["error"] = transport.error();
            } else {
                entry["product"] = (*transport)->product();
                if (kind == DeviceKind::pin_pad) {
                    describe_pin_pad(entry, **transport);
                } else if (kind == DeviceKind::printer) {
                    describe_printer(entry, **transport);
                } else {
                    describe_dispenser(entry, **transport);
                }
            }
            listed.push_back(std::move(entry));
        }
        others += known ? 0 : 1;
    }
    output["valid"] = true;
    output["devices"] = listed;
    output["other_devices"] = others;
    std::puts(output.dump().c_str());
    return k_exit_decoded;
}

}  // namespace

const Command k_usb_list{
    .words = "usb-list",
    .arguments = "",
    .argument_count = 0,
    .summary = "list the card readers, PIN pads, printers and cash dispensers on USB",
    .run = list_devices,
};

}  // namespace kiosk::diag
