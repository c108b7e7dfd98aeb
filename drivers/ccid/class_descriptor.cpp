#include "drivers/ccid/class_descriptor.h"

#include <cstdio>

#include "base/bytes.h"

namespace drivers::ccid {

namespace {}  // namespace

std::string_view to_string(ExchangeLevel level) {
    switch (level) {
        case ExchangeLevel::character:
            return "character";
        case ExchangeLevel::tpdu:
            return "tpdu";
        case ExchangeLevel::short_apdu:
            return "short_apdu";
        case ExchangeLevel::extended_apdu:
            return "extended_apdu";
    }
    return "unknown";
}

std::string_view to_string(DescriptorError error) {
    switch (error) {
        case DescriptorError::too_short:
            return "ccid: class descriptor shorter than 54 bytes";
        case DescriptorError::wrong_type:
            return "ccid: not a CCID class descriptor (bDescriptorType)";
    }
    return "ccid: unknown descriptor error";
}

ExchangeLevel ClassDescriptor::exchange_level() const {
    // CCID 1.1 §5.1 dwFeatures: the three level bits are exclusive; none set means the host
    // drives the card character by character. Should a reader set more than one, the
    // highest level it claims is the one the open-source driver (and this one) trusts.
    const std::uint32_t level = features & feature::k_exchange_level_mask;
    if ((level & feature::k_extended_apdu_level) != 0) {
        return ExchangeLevel::extended_apdu;
    }
    if ((level & feature::k_short_apdu_level) != 0) {
        return ExchangeLevel::short_apdu;
    }
    if ((level & feature::k_tpdu_level) != 0) {
        return ExchangeLevel::tpdu;
    }
    return ExchangeLevel::character;
}

std::string ClassDescriptor::ccid_version() const {
    // bcdCCID is binary-coded decimal: the major part without leading zero, the minor part
    // always two digits (0x0110 -> "1.10", 0x1001 -> "10.01").
    char text[8] = {};
    std::snprintf(text, sizeof text, "%x.%02x", static_cast<unsigned>(ccid_release >> 8),
                  static_cast<unsigned>(ccid_release & 0xFF));
    return text;
}

std::expected<ClassDescriptor, DescriptorError> decode_class_descriptor(
    std::span<const std::uint8_t> bytes) {
    if (bytes.size() < k_class_descriptor_length || bytes[0] < k_class_descriptor_length) {
        return std::unexpected(DescriptorError::too_short);
    }
    if (bytes[1] != k_class_descriptor_type && bytes[1] != k_class_descriptor_type_legacy) {
        return std::unexpected(DescriptorError::wrong_type);
    }
    // CCID 1.1 §5.1 Table 5.1-1, offsets as in the table.
    ClassDescriptor d;
    d.ccid_release = base::le16_at(bytes, 2);
    d.max_slot_index = bytes[4];
    d.supports_5_0_volts = (bytes[5] & 0x01) != 0;
    d.supports_3_0_volts = (bytes[5] & 0x02) != 0;
    d.supports_1_8_volts = (bytes[5] & 0x04) != 0;
    const std::uint32_t protocols = base::le32_at(bytes, 6);
    d.supports_t0 = (protocols & 0x01) != 0;
    d.supports_t1 = (protocols & 0x02) != 0;
    d.default_clock_khz = base::le32_at(bytes, 10);
    d.max_clock_khz = base::le32_at(bytes, 14);
    d.clock_count = bytes[18];
    d.data_rate_bps = base::le32_at(bytes, 19);
    d.max_data_rate_bps = base::le32_at(bytes, 23);
    d.data_rate_count = bytes[27];
    d.max_ifsd = base::le32_at(bytes, 28);
    d.synch_protocols = base::le32_at(bytes, 32);
    d.mechanical = base::le32_at(bytes, 36);
    d.features = base::le32_at(bytes, 40);
    d.max_message_length = base::le32_at(bytes, 44);
    d.class_get_response = bytes[48];
    d.class_envelope = bytes[49];
    // wLcdLayout: XX (lines) in the high byte, YY (characters per line) in the low byte.
    d.lcd_layout.characters = bytes[50];
    d.lcd_layout.lines = bytes[51];
    d.pin_verification = (bytes[52] & 0x01) != 0;
    d.pin_modification = (bytes[52] & 0x02) != 0;
    d.max_busy_slots = bytes[53];
    return d;
}

base::Bytes encode_class_descriptor(const ClassDescriptor& d) {
    base::Bytes bytes;
    bytes.reserve(k_class_descriptor_length);
    bytes.push_back(static_cast<std::uint8_t>(k_class_descriptor_length));
    bytes.push_back(k_class_descriptor_type);
    base::put_le16(bytes, d.ccid_release);
    bytes.push_back(d.max_slot_index);
    bytes.push_back(static_cast<std::uint8_t>((d.supports_5_0_volts ? 0x01 : 0) |
                                              (d.supports_3_0_volts ? 0x02 : 0) |
                                              (d.supports_1_8_volts ? 0x04 : 0)));
    base::put_le32(bytes, (d.supports_t0 ? 0x01U : 0U) | (d.supports_t1 ? 0x02U : 0U));
    base::put_le32(bytes, d.default_clock_khz);
    base::put_le32(bytes, d.max_clock_khz);
    bytes.push_back(d.clock_count);
    base::put_le32(bytes, d.data_rate_bps);
    base::put_le32(bytes, d.max_data_rate_bps);
    bytes.push_back(d.data_rate_count);
    base::put_le32(bytes, d.max_ifsd);
    base::put_le32(bytes, d.synch_protocols);
    base::put_le32(bytes, d.mechanical);
    base::put_le32(bytes, d.features);
    base::put_le32(bytes, d.max_message_length);
    bytes.push_back(d.class_get_response);
    bytes.push_back(d.class_envelope);
    bytes.push_back(d.lcd_layout.characters);
    bytes.push_back(d.lcd_layout.lines);
    bytes.push_back(static_cast<std::uint8_t>((d.pin_verification ? 0x01 : 0) |
                                              (d.pin_modification ? 0x02 : 0)));
    bytes.push_back(d.max_busy_slots);
    return bytes;
}

}  // namespace drivers::ccid
