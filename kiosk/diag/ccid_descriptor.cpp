// kiosk-diag ccid-descriptor HEX: a reader's CCID class descriptor (CCID Rev 1.1 §5.1,
// Table 5.1-1) as the kiosk's driver decodes it.

#include <nlohmann/json.hpp>

#include <string>

#include "drivers/ccid/class_descriptor.h"
#include "kiosk/diag/command.h"
#include "kiosk/diag/descriptions.h"
#include "kiosk/diag/hex_decoder.h"

namespace kiosk::diag {

namespace {

using drivers::ccid::ClassDescriptor;
using drivers::ccid::DescriptorError;

// Why a descriptor cannot be decoded, as a sentence that names the field at fault.
std::string descriptor_error_sentence(DescriptorError error, std::span<const std::uint8_t> bytes) {
    switch (error) {
        case DescriptorError::too_short: {
            const std::string length_field =
                bytes.empty() ? std::string() : " and its bLength says " + std::to_string(bytes[0]);
            return "The descriptor is " + std::to_string(bytes.size()) + " bytes long" +
                   length_field + "; a CCID class descriptor has " +
                   std::to_string(drivers::ccid::k_class_descriptor_length) +
                   " (CCID Rev 1.1 §5.1, Table 5.1-1).";
        }
        case DescriptorError::wrong_type:
            return "Its bDescriptorType is " + base::to_hex(bytes.subspan(1, 1)) +
                   ", not 21 (CCID) or FF (readers made before CCID 1.0): this is not a CCID "
                   "class descriptor.";
    }
    return std::string(drivers::ccid::to_string(error));
}

nlohmann::ordered_json describe_descriptor(std::span<const std::uint8_t> bytes) {
    const auto decoded = drivers::ccid::decode_class_descriptor(bytes);
    if (!decoded) {
        nlohmann::ordered_json output;
        output["valid"] = false;
        output["error"] = descriptor_error_sentence(decoded.error(), bytes);
        return output;
    }
    return describe_class_descriptor(*decoded);
}

int decode_descriptor(std::span<const std::string_view> arguments) {
    return run_hex_decoder("ccid-descriptor", arguments[0], describe_descriptor);
}

}  // namespace

nlohmann::ordered_json describe_class_descriptor(const drivers::ccid::ClassDescriptor& descriptor) {
    nlohmann::ordered_json output;
    // The keys and their order are the contract of kiosk/diag/README.md: nothing more.
    auto voltages = nlohmann::ordered_json::array();
    if (descriptor.supports_5_0_volts) {
        voltages.push_back("5.0V");
    }
    if (descriptor.supports_3_0_volts) {
        voltages.push_back("3.0V");
    }
    if (descriptor.supports_1_8_volts) {
        voltages.push_back("1.8V");
    }
    auto protocols = nlohmann::ordered_json::array();
    if (descriptor.supports_t0) {
        protocols.push_back("T=0");
    }
    if (descriptor.supports_t1) {
        protocols.push_back("T=1");
    }
    auto pin_support = nlohmann::ordered_json::array();
    if (descriptor.pin_verification) {
        pin_support.push_back("verify");
    }
    if (descriptor.pin_modification) {
        pin_support.push_back("modify");
    }
    output["ccid_version"] = descriptor.ccid_version();
    output["max_slot_index"] = descriptor.max_slot_index;
    output["voltages"] = voltages;
    output["protocols"] = protocols;
    output["default_clock_khz"] = descriptor.default_clock_khz;
    output["max_clock_khz"] = descriptor.max_clock_khz;
    output["data_rate_bps"] = descriptor.data_rate_bps;
    output["max_data_rate_bps"] = descriptor.max_data_rate_bps;
    output["max_ifsd"] = descriptor.max_ifsd;
    output["features"] = descriptor.features;
    output["exchange_level"] = drivers::ccid::to_string(descriptor.exchange_level());
    output["max_message_length"] = descriptor.max_message_length;
    output["lcd_layout"] = {{"lines", descriptor.lcd_layout.lines},
                            {"characters", descriptor.lcd_layout.characters}};
    output["pin_support"] = pin_support;
    output["max_busy_slots"] = descriptor.max_busy_slots;
    return output;
}

const Command k_ccid_descriptor{
    .words = "ccid-descriptor",
    .arguments = "HEX|-",
    .argument_count = 1,
    .summary = "decode a reader's CCID class descriptor",
    .run = decode_descriptor,
};

}  // namespace kiosk::diag
