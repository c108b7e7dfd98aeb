#pragma once

// The CCID class descriptor (CCID Rev 1.1 §5.1, Table 5.1-1): 54 bytes after the interface
// descriptor that say what the reader can do, and in particular who runs the smart-card
// protocol (dwFeatures, exchange level).

#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"

namespace drivers::ccid {

constexpr std::size_t k_class_descriptor_length = 54;
constexpr std::uint8_t k_class_descriptor_type = 0x21;
// Readers built before CCID 1.0 was final announce the same layout with type 0xFF.
constexpr std::uint8_t k_class_descriptor_type_legacy = 0xFF;

// CCID 1.1 §5.1 dwFeatures bits 16..18: the level at which the reader exchanges data.
enum class ExchangeLevel { character, tpdu, short_apdu, extended_apdu };

std::string_view to_string(ExchangeLevel level);

namespace feature {
constexpr std::uint32_t k_automatic_parameters_from_atr = 0x00000002;
constexpr std::uint32_t k_automatic_activation = 0x00000004;
constexpr std::uint32_t k_automatic_voltage = 0x00000008;
constexpr std::uint32_t k_automatic_clock = 0x00000010;
constexpr std::uint32_t k_automatic_baud_rate = 0x00000020;
constexpr std::uint32_t k_automatic_parameter_negotiation = 0x00000040;
constexpr std::uint32_t k_automatic_pps = 0x00000080;
constexpr std::uint32_t k_exchange_level_mask = 0x00070000;
constexpr std::uint32_t k_tpdu_level = 0x00010000;
constexpr std::uint32_t k_short_apdu_level = 0x00020000;
constexpr std::uint32_t k_extended_apdu_level = 0x00040000;
}  // namespace feature

struct LcdLayout {
    std::uint8_t lines = 0;
    std::uint8_t characters = 0;
};

struct ClassDescriptor {
    std::uint16_t ccid_release = 0;   // bcdCCID, e.g. 0x0110
    std::uint8_t max_slot_index = 0;  // bMaxSlotIndex
    bool supports_5_0_volts = false;  // bVoltageSupport bit 0
    bool supports_3_0_volts = false;  // bit 1
    bool supports_1_8_volts = false;  // bit 2
    bool supports_t0 = false;         // dwProtocols bit 0
    bool supports_t1 = false;         // dwProtocols bit 1
    std::uint32_t default_clock_khz = 0;
    std::uint32_t max_clock_khz = 0;
    std::uint8_t clock_count = 0;  // bNumClockSupported
    std::uint32_t data_rate_bps = 0;
    std::uint32_t max_data_rate_bps = 0;
    std::uint8_t data_rate_count = 0;  // bNumDataRatesSupported
    std::uint32_t max_ifsd = 0;
    std::uint32_t synch_protocols = 0;
    std::uint32_t mechanical = 0;
    std::uint32_t features = 0;
    std::uint32_t max_message_length = 0;  // dwMaxCCIDMessageLength, header included
    std::uint8_t class_get_response = 0;
    std::uint8_t class_envelope = 0;
    LcdLayout lcd_layout;
    bool pin_verification = false;  // bPINSupport bit 0
    bool pin_modification = false;  // bPINSupport bit 1
    std::uint8_t max_busy_slots = 0;

    ExchangeLevel exchange_level() const;
    // "1.10" for bcdCCID 0x0110.
    std::string ccid_version() const;
};

enum class DescriptorError {
    too_short,   // fewer than 54 bytes (or bLength says fewer)
    wrong_type,  // bDescriptorType is neither 0x21 nor the pre-1.0 0xFF
};

std::string_view to_string(DescriptorError error);

// Decodes the class descriptor from the start of `bytes` (the interface's extra bytes).
std::expected<ClassDescriptor, DescriptorError> decode_class_descriptor(
    std::span<const std::uint8_t> bytes);

// Encodes a descriptor back into its 54 bytes (the simulated reader announces itself so).
base::Bytes encode_class_descriptor(const ClassDescriptor& descriptor);

}  // namespace drivers::ccid
