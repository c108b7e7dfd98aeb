#pragma once

// The cabinet sensors board protocol, version 1 (docs/protocols/cabinet.md): the service switch
// and the cabinet and safe doors, as commands, responses and events encoded and decoded in both
// directions (the kiosk's driver encodes commands and decodes the rest; the board, the
// simulated one included, the other way round). Pure functions over bytes; the frames are
// drivers/frame's with the start byte CB.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "base/bytes.h"
#include "drivers/frame/frame.h"

namespace drivers::cabinet {

// cabinet.md §2: the board's start of frame; the rest of the frame is drivers/frame's.
constexpr std::uint8_t k_start_of_frame = 0xCB;
constexpr std::size_t k_max_frame_length = frame::k_max_frame_length;

// cabinet.md §5.2: a board that has not answered a command within 2 s is treated as gone for
// that command. A board of sensors answers from what it holds, at once.
constexpr std::chrono::seconds k_command_timeout{2};

enum class CabinetError {
    // frame level (cabinet.md §2)
    truncated_frame,      // fewer bytes than header + trailer, or than the length announces
    bad_start_of_frame,   // the first byte is not CB
    unsupported_version,  // the version byte is not 01
    payload_too_long,     // the length field is above 512
    bad_checksum,         // CRC-16 mismatch
    // message level
    unknown_code,       // a code this version does not define
    malformed_payload,  // a payload of the wrong size or with values the protocol forbids
    // client level
    timeout,              // the board did not answer in time
    device_gone,          // the board was unplugged
    transport_failed,     // any other USB failure
    sequence_mismatch,    // no answer carried the command's sequence number
    unexpected_response,  // an answer to another command
    // the board's refusals (cabinet.md §3, status byte)
    rejected_frame,   // the board could not read our frame (NAK, bad frame)
    unknown_command,  // the board does not know the command (NAK, unknown command)
    bad_length,       // the board found the command's payload of the wrong size
};

std::string_view to_string(CabinetError error);

// ---- Frames (cabinet.md §2) ----

using Frame = frame::Frame;

base::Bytes encode_frame(const Frame& frame);
// Bytes after the CRC are ignored; a frame cut short is an error.
std::expected<Frame, CabinetError> decode_frame(std::span<const std::uint8_t> bytes);
// cabinet.md §2.2: the sequence number for the NAK of a frame that could not be read.
std::uint8_t sequence_for_nak(std::span<const std::uint8_t> bytes);

// ---- Codes (cabinet.md §4, §5) ----

namespace code {
constexpr std::uint8_t k_info = 0x01;
constexpr std::uint8_t k_status = 0x02;
constexpr std::uint8_t k_response_flag = 0x80;  // response code = command code | 80
constexpr std::uint8_t k_nak = 0xFF;            // the board could not read a frame
constexpr std::uint8_t k_switch_changed = 0x40;
constexpr std::uint8_t k_door_changed = 0x41;
}  // namespace code

// cabinet.md §3: the first payload byte of every response.
enum class Status : std::uint8_t {
    ok = 0x00,
    unknown_command = 0x01,
    bad_length = 0x02,
    bad_frame = 0x09,
};

// ---- Commands (cabinet.md §4) ----

struct GetInfo {
    bool operator==(const GetInfo&) const = default;
};
struct GetStatus {
    bool operator==(const GetStatus&) const = default;
};

using Command = std::variant<GetInfo, GetStatus>;

std::uint8_t code_of(const Command& command);
Frame encode_command(const Command& command, std::uint8_t sequence);
// Decodes a command frame (for the board): unknown_code for a code that is no command, and
// malformed_payload for a payload of the wrong size (the board answers bad length, §2.2).
std::expected<Command, CabinetError> decode_command(const Frame& frame);

// ---- Responses (cabinet.md §3, §4) ----

struct Response {
    std::uint8_t command_code = 0;  // the command answered; code::k_nak for a NAK
    Status status = Status::ok;
    base::Bytes data;  // the payload after the status byte
    bool operator==(const Response&) const = default;
};

Frame encode_response(const Response& response, std::uint8_t sequence);
// unknown_code for a code that answers no command of this version; malformed_payload for a
// response without a status, or with a status §3 does not define.
std::expected<Response, CabinetError> decode_response(const Frame& frame);
// The board's refusal as the client's error (for any status but ok).
CabinetError error_from_status(Status status);

// cabinet.md §4.1, GET INFO.
constexpr std::size_t k_model_length = 16;
constexpr std::size_t k_serial_length = 16;
constexpr std::size_t k_info_length = 2 + k_model_length + k_serial_length;
struct DeviceInfo {
    std::uint16_t firmware_version = 0;
    std::string model;   // printable ASCII, 1 to 16 characters, without the padding
    std::string serial;  // printable ASCII, 1 to 16 characters, without the padding
    bool operator==(const DeviceInfo&) const = default;
};

// cabinet.md §4.2: the service switch's positions.
enum class SwitchPosition : std::uint8_t { run = 0x00, service = 0x01 };
// cabinet.md §5: the doors, as DOOR CHANGED names them.
enum class Door : std::uint8_t { cabinet = 0x01, safe = 0x02 };
// cabinet.md §4.2: a door's contact.
enum class DoorState : std::uint8_t { closed = 0x00, open = 0x01 };

std::string_view to_string(SwitchPosition position);
std::string_view to_string(Door door);
std::string_view to_string(DoorState state);

// cabinet.md §4.2, GET STATUS.
constexpr std::size_t k_status_length = 3;
struct CabinetStatus {
    SwitchPosition service_switch = SwitchPosition::run;
    DoorState cabinet_door = DoorState::closed;
    DoorState safe_door = DoorState::closed;
    bool operator==(const CabinetStatus&) const = default;

    DoorState door(Door which) const { return which == Door::safe ? safe_door : cabinet_door; }
};

// Encoding pads the model and serial with spaces and cuts them at 16 characters; decoding
// refuses anything but printable ASCII, and a field of spaces only (cabinet.md §4.1).
base::Bytes encode_device_info(const DeviceInfo& info);
std::expected<DeviceInfo, CabinetError> decode_device_info(std::span<const std::uint8_t> data);
base::Bytes encode_status(const CabinetStatus& status);
std::expected<CabinetStatus, CabinetError> decode_status(std::span<const std::uint8_t> data);

// ---- Events (cabinet.md §5), on the interrupt endpoint ----

// The switch's position now, not a toggle (cabinet.md, "Design rules" 2).
struct SwitchChanged {
    SwitchPosition position = SwitchPosition::run;
    bool operator==(const SwitchChanged&) const = default;
};
struct DoorChanged {
    Door door = Door::cabinet;
    DoorState state = DoorState::closed;
    bool operator==(const DoorChanged&) const = default;
};

using Event = std::variant<SwitchChanged, DoorChanged>;

Frame encode_event(const Event& event, std::uint8_t sequence);
// unknown_code for a code that is no event; malformed_payload for a payload of the wrong size
// or a value §5 does not define.
std::expected<Event, CabinetError> decode_event(const Frame& frame);

}  // namespace drivers::cabinet
