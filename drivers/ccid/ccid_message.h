#pragma once

// CCID messages (USB Device Class: Smart Card CCID, Rev 1.1, §6), encoded and decoded in both
// directions: host to reader for the kiosk's driver, reader to host for the simulated reader.
// Pure functions over bytes; no transport here.

#include <cstdint>
#include <expected>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "base/bytes.h"

namespace drivers::ccid {

// CCID 1.1 §6: every bulk message starts with this 10-byte header, multi-byte fields
// little-endian.
constexpr std::size_t k_header_length = 10;
// CCID 1.1 §6.1: dwLength of the largest extended APDU plus its status word. Anything longer
// announced by a device is a lie, not a message.
constexpr std::uint32_t k_max_data_length = 65538;
// The longest message a host ever needs to read: a header and the longest data. A reader's
// dwMaxCCIDMessageLength (§5.1) above this is clamped to it, so no reader can make the host
// reserve more.
constexpr std::size_t k_max_message_length = k_header_length + k_max_data_length;
// §5.1: dwMaxCCIDMessageLength is at least a header and a short APDU of 256 data bytes plus
// 5 header bytes; a reader announcing less is wrong about itself.
constexpr std::size_t k_min_message_length = k_header_length + 5 + 256;
// At the extended APDU level a reader may announce less, since it chains what does not fit
// (CCID 1.1 §6.1.4, §6.2.1); but the answer to a power-on is never chained, so a message must
// hold the longest answer to reset, TS and 32 characters (ISO/IEC 7816-3:2006 §8.2.1).
constexpr std::size_t k_min_chained_message_length = k_header_length + 33;
// ISO/IEC 7816-4:2013 §5.1: the longest extended command APDU, a 4-byte header, a 3-byte Lc,
// 65535 data bytes and a 2-byte Le, which a reader at the extended level takes in pieces.
constexpr std::size_t k_max_extended_command_length = 4 + 3 + 65535 + 2;

// CCID 1.1 §6.1.4, PC_to_RDR_XfrBlock at the extended APDU level: wLevelParameter says where
// abData stands in a command APDU sent in pieces, or asks for the next piece of a response.
namespace level_parameter {
constexpr std::uint16_t k_whole = 0x0000;          // the command APDU begins and ends here
constexpr std::uint16_t k_begins = 0x0001;         // it begins here and continues in the next
constexpr std::uint16_t k_ends = 0x0002;           // it continues here and ends
constexpr std::uint16_t k_continues = 0x0003;      // it continues here and another piece follows
constexpr std::uint16_t k_next_response = 0x0010;  // empty: send the response's next piece
}  // namespace level_parameter

// CCID 1.1 §6.2.1, RDR_to_PC_DataBlock at the extended APDU level: bChainParameter says where
// abData stands in a response APDU returned in pieces, or asks for the command's next piece.
namespace chain_parameter {
constexpr std::uint8_t k_whole = 0x00;         // the response APDU begins and ends here
constexpr std::uint8_t k_begins = 0x01;        // it begins here and continues in the next
constexpr std::uint8_t k_ends = 0x02;          // it continues here and ends
constexpr std::uint8_t k_continues = 0x03;     // it continues here and another piece follows
constexpr std::uint8_t k_next_command = 0x10;  // empty: send the command's next piece
}  // namespace chain_parameter

enum class MessageType : std::uint8_t {
    // Bulk OUT, host to reader (CCID 1.1 §6.1)
    power_on = 0x62,
    power_off = 0x63,
    get_slot_status = 0x65,
    xfr_block = 0x6F,
    get_parameters = 0x6C,
    reset_parameters = 0x6D,
    set_parameters = 0x61,
    escape = 0x6B,
    secure = 0x69,
    abort = 0x72,
    // Bulk IN, reader to host (CCID 1.1 §6.2)
    data_block = 0x80,
    slot_status = 0x81,
    parameters = 0x82,
    escape_response = 0x83,
    // Interrupt IN (CCID 1.1 §6.3)
    notify_slot_change = 0x50,
    hardware_error = 0x51,
};

enum class MessageError {
    truncated_header,      // fewer than 10 bytes
    truncated_data,        // dwLength announces more bytes than arrived
    data_too_long,         // dwLength beyond any legal message
    unknown_message_type,  // bMessageType is not one this layer knows
    wrong_direction,       // a reader message where a host message belongs, or back
    malformed_field,       // a fixed field holds a value the spec forbids
    empty_interrupt,       // an interrupt transfer without any byte
};

std::string_view to_string(MessageError error);

// ---- bStatus and bError (CCID 1.1 §6.2.6, Table 6.2-3 and 6.2-2) ----

enum class IccStatus : std::uint8_t { active = 0, present_inactive = 1, absent = 2 };
enum class CommandStatus : std::uint8_t { ok = 0, failed = 1, time_extension = 2 };

// Slot error register values (CCID 1.1 Table 6.2-2). Values 1..127 name the offset of the
// offending field in the command; 0 is "command not supported".
namespace slot_error {
constexpr std::uint8_t k_command_not_supported = 0x00;
constexpr std::uint8_t k_bad_length = 0x01;  // offset of dwLength
constexpr std::uint8_t k_bad_slot = 0x05;    // offset of bSlot
constexpr std::uint8_t k_cmd_aborted = 0xFF;
constexpr std::uint8_t k_icc_mute = 0xFE;
constexpr std::uint8_t k_xfr_parity_error = 0xFD;
constexpr std::uint8_t k_xfr_overrun = 0xFC;
constexpr std::uint8_t k_hw_error = 0xFB;
constexpr std::uint8_t k_bad_atr_ts = 0xF8;
constexpr std::uint8_t k_bad_atr_tck = 0xF7;
constexpr std::uint8_t k_icc_protocol_not_supported = 0xF6;
constexpr std::uint8_t k_icc_class_not_supported = 0xF5;
constexpr std::uint8_t k_procedure_byte_conflict = 0xF4;
constexpr std::uint8_t k_deactivated_protocol = 0xF3;
constexpr std::uint8_t k_busy_with_auto_sequence = 0xF2;
constexpr std::uint8_t k_pin_timeout = 0xF0;
constexpr std::uint8_t k_pin_cancelled = 0xEF;
constexpr std::uint8_t k_cmd_slot_busy = 0xE0;
}  // namespace slot_error

struct SlotState {
    IccStatus icc = IccStatus::active;
    CommandStatus command = CommandStatus::ok;
    // bError: meaningful when command is failed; the time-extension multiplier when it is
    // time_extension.
    std::uint8_t error = 0;

    std::uint8_t status_byte() const;
    bool operator==(const SlotState&) const = default;
};

// CCID 1.1 §6.2.6: bits 1:0 ICC status (3 is RFU), bits 7:6 command status (3 is RFU).
std::expected<SlotState, MessageError> decode_slot_state(std::uint8_t status, std::uint8_t error);

// ---- Host to reader (CCID 1.1 §6.1) ----

enum class PowerSelect : std::uint8_t {
    automatic = 0,
    volts_5_0 = 1,
    volts_3_0 = 2,
    volts_1_8 = 3
};

struct PowerOn {  // §6.1.1 PC_to_RDR_IccPowerOn
    std::uint8_t slot = 0;
    std::uint8_t sequence = 0;
    PowerSelect power = PowerSelect::automatic;
    bool operator==(const PowerOn&) const = default;
};
struct PowerOff {  // §6.1.2 PC_to_RDR_IccPowerOff
    std::uint8_t slot = 0;
    std::uint8_t sequence = 0;
    bool operator==(const PowerOff&) const = default;
};
struct GetSlotStatus {  // §6.1.3 PC_to_RDR_GetSlotStatus
    std::uint8_t slot = 0;
    std::uint8_t sequence = 0;
    bool operator==(const GetSlotStatus&) const = default;
};
struct XfrBlock {  // §6.1.4 PC_to_RDR_XfrBlock
    std::uint8_t slot = 0;
    std::uint8_t sequence = 0;
    std::uint8_t block_waiting_integer = 0;  // bBWI
    std::uint16_t level_parameter = 0;       // wLevelParameter (extended APDU chaining)
    base::Bytes data;
    bool operator==(const XfrBlock&) const = default;
};
struct GetParameters {  // §6.1.5 PC_to_RDR_GetParameters
    std::uint8_t slot = 0;
    std::uint8_t sequence = 0;
    bool operator==(const GetParameters&) const = default;
};
struct ResetParameters {  // §6.1.6 PC_to_RDR_ResetParameters
    std::uint8_t slot = 0;
    std::uint8_t sequence = 0;
    bool operator==(const ResetParameters&) const = default;
};
struct SetParameters {  // §6.1.7 PC_to_RDR_SetParameters
    std::uint8_t slot = 0;
    std::uint8_t sequence = 0;
    std::uint8_t protocol = 0;  // bProtocolNum: 0 = T=0, 1 = T=1
    base::Bytes protocol_data;  // abProtocolDataStructure
    bool operator==(const SetParameters&) const = default;
};
struct Escape {  // §6.1.8 PC_to_RDR_Escape
    std::uint8_t slot = 0;
    std::uint8_t sequence = 0;
    base::Bytes data;
    bool operator==(const Escape&) const = default;
};
struct Secure {  // §6.1.11 PC_to_RDR_Secure (PIN verification / modification)
    std::uint8_t slot = 0;
    std::uint8_t sequence = 0;
    std::uint8_t block_waiting_integer = 0;
    std::uint16_t level_parameter = 0;
    base::Bytes data;
    bool operator==(const Secure&) const = default;
};
struct Abort {  // §6.1.13 PC_to_RDR_Abort
    std::uint8_t slot = 0;
    std::uint8_t sequence = 0;
    bool operator==(const Abort&) const = default;
};

using Command = std::variant<PowerOn, PowerOff, GetSlotStatus, XfrBlock, GetParameters,
                             ResetParameters, SetParameters, Escape, Secure, Abort>;

// ---- Reader to host (CCID 1.1 §6.2) ----

struct DataBlock {  // §6.2.1 RDR_to_PC_DataBlock
    std::uint8_t slot = 0;
    std::uint8_t sequence = 0;
    SlotState state;
    std::uint8_t chain_parameter = 0;  // bChainParameter
    base::Bytes data;
    bool operator==(const DataBlock&) const = default;
};
enum class ClockStatus : std::uint8_t {
    running = 0,
    stopped_low = 1,
    stopped_high = 2,
    stopped = 3
};
struct SlotStatus {  // §6.2.2 RDR_to_PC_SlotStatus
    std::uint8_t slot = 0;
    std::uint8_t sequence = 0;
    SlotState state;
    ClockStatus clock = ClockStatus::running;
    bool operator==(const SlotStatus&) const = default;
};
struct Parameters {  // §6.2.3 RDR_to_PC_Parameters
    std::uint8_t slot = 0;
    std::uint8_t sequence = 0;
    SlotState state;
    std::uint8_t protocol = 0;
    base::Bytes protocol_data;
    bool operator==(const Parameters&) const = default;
};
struct EscapeResponse {  // §6.2.4 RDR_to_PC_Escape
    std::uint8_t slot = 0;
    std::uint8_t sequence = 0;
    SlotState state;
    base::Bytes data;
    bool operator==(const EscapeResponse&) const = default;
};

using Response = std::variant<DataBlock, SlotStatus, Parameters, EscapeResponse>;

// ---- Interrupt IN (CCID 1.1 §6.3) ----

struct SlotChange {
    bool present = false;
    bool changed = false;
    bool operator==(const SlotChange&) const = default;
};
struct NotifySlotChange {           // §6.3.1 RDR_to_PC_NotifySlotChange: two bits per slot
    std::vector<SlotChange> slots;  // index = slot number
    bool operator==(const NotifySlotChange&) const = default;
};
struct HardwareError {  // §6.3.2 RDR_to_PC_HardwareError
    std::uint8_t slot = 0;
    std::uint8_t sequence = 0;
    std::uint8_t error_code = 0;  // bHardwareErrorCode: 0x01 = overcurrent
    bool operator==(const HardwareError&) const = default;
};

using InterruptMessage = std::variant<NotifySlotChange, HardwareError>;

// ---- The header, for callers that must answer a message they cannot decode ----

struct Header {
    std::uint8_t message_type = 0;
    std::uint32_t length = 0;  // dwLength
    std::uint8_t slot = 0;
    std::uint8_t sequence = 0;
};

// Reads the 10-byte header without checking the message type or the data length.
std::expected<Header, MessageError> decode_header(std::span<const std::uint8_t> bytes);

base::Bytes encode(const Command& command);
base::Bytes encode(const Response& response);
base::Bytes encode(const InterruptMessage& message);

// A bulk transfer may carry bytes after the message (some readers pad); they are ignored.
// Fewer bytes than dwLength announces is an error.
std::expected<Command, MessageError> decode_command(std::span<const std::uint8_t> bytes);
std::expected<Response, MessageError> decode_response(std::span<const std::uint8_t> bytes);
std::expected<InterruptMessage, MessageError> decode_interrupt(std::span<const std::uint8_t> bytes);

// The sequence number and slot of any command or response.
std::uint8_t sequence_of(const Command& command);
std::uint8_t sequence_of(const Response& response);
std::uint8_t slot_of(const Response& response);
const SlotState& state_of(const Response& response);

}  // namespace drivers::ccid
