#include "drivers/cabinet/cabinet_protocol.h"

#include <algorithm>
#include <utility>

#include "base/bytes.h"
#include "base/overloaded.h"

namespace drivers::cabinet {

namespace {

bool is_known_cabinet_command(std::uint8_t value) {
    return value == code::k_info || value == code::k_status;
}

// cabinet.md §3: the four statuses a board gives; any other is a malformed response.
bool is_known_cabinet_status(std::uint8_t value) {
    switch (static_cast<Status>(value)) {
        case Status::ok:
        case Status::unknown_command:
        case Status::bad_length:
        case Status::bad_frame:
            return true;
    }
    return false;
}

bool is_printable_ascii(std::uint8_t character) {
    return character >= 0x20 && character < 0x7F;
}

// cabinet.md §4.2: one byte, 00 or 01.
bool is_switch_position(std::uint8_t value) {
    return value <= static_cast<std::uint8_t>(SwitchPosition::service);
}
bool is_door_state(std::uint8_t value) {
    return value <= static_cast<std::uint8_t>(DoorState::open);
}
// cabinet.md §5, DOOR CHANGED: 01 the cabinet door, 02 the safe door.
bool is_door(std::uint8_t value) {
    return value == static_cast<std::uint8_t>(Door::cabinet) ||
           value == static_cast<std::uint8_t>(Door::safe);
}

CabinetError cabinet_error_of(frame::FrameError error) {
    switch (error) {
        case frame::FrameError::truncated:
            return CabinetError::truncated_frame;
        case frame::FrameError::bad_start_of_frame:
            return CabinetError::bad_start_of_frame;
        case frame::FrameError::unsupported_version:
            return CabinetError::unsupported_version;
        case frame::FrameError::payload_too_long:
            return CabinetError::payload_too_long;
        case frame::FrameError::bad_checksum:
            break;
    }
    return CabinetError::bad_checksum;
}

// cabinet.md §4.1: a text field of `length` ASCII bytes, padded with spaces.
void put_padded(base::Bytes& bytes, const std::string& text, std::size_t length) {
    const std::string cut = text.substr(0, length);
    bytes.insert(bytes.end(), cut.begin(), cut.end());
    bytes.insert(bytes.end(), length - cut.size(), ' ');
}

// The text of a padded field without its padding; nothing for a field that holds anything but
// printable ASCII, or only spaces (cabinet.md §4.1).
std::expected<std::string, CabinetError> padded_text(std::span<const std::uint8_t> field) {
    if (!std::ranges::all_of(field, is_printable_ascii)) {
        return std::unexpected(CabinetError::malformed_payload);
    }
    std::string text(field.begin(), field.end());
    const auto last = text.find_last_not_of(' ');
    if (last == std::string::npos) {
        return std::unexpected(CabinetError::malformed_payload);
    }
    text.erase(last + 1);
    return text;
}

}  // namespace

std::string_view to_string(CabinetError error) {
    switch (error) {
        case CabinetError::truncated_frame:
            return "cabinet: frame cut short";
        case CabinetError::bad_start_of_frame:
            return "cabinet: frame does not start with CB";
        case CabinetError::unsupported_version:
            return "cabinet: unsupported protocol version";
        case CabinetError::payload_too_long:
            return "cabinet: payload longer than 512 bytes";
        case CabinetError::bad_checksum:
            return "cabinet: CRC mismatch";
        case CabinetError::unknown_code:
            return "cabinet: unknown message code";
        case CabinetError::malformed_payload:
            return "cabinet: malformed payload";
        case CabinetError::timeout:
            return "cabinet: no answer in time";
        case CabinetError::device_gone:
            return "cabinet: unplugged";
        case CabinetError::transport_failed:
            return "cabinet: USB transfer failed";
        case CabinetError::sequence_mismatch:
            return "cabinet: answer with the wrong sequence number";
        case CabinetError::unexpected_response:
            return "cabinet: answer to another command";
        case CabinetError::rejected_frame:
            return "cabinet: could not read the frame";
        case CabinetError::unknown_command:
            return "cabinet: unknown command";
        case CabinetError::bad_length:
            return "cabinet: wrong payload length";
    }
    return "cabinet: unknown error";
}

std::string_view to_string(SwitchPosition position) {
    switch (position) {
        case SwitchPosition::run:
            return "run";
        case SwitchPosition::service:
            return "service";
    }
    return "unknown";
}

std::string_view to_string(Door door) {
    switch (door) {
        case Door::cabinet:
            return "cabinet door";
        case Door::safe:
            return "safe door";
    }
    return "unknown door";
}

std::string_view to_string(DoorState state) {
    switch (state) {
        case DoorState::closed:
            return "closed";
        case DoorState::open:
            return "open";
    }
    return "unknown";
}

// ---- Frames ----

base::Bytes encode_frame(const Frame& frame) {
    return frame::encode_frame(k_start_of_frame, frame);
}

std::expected<Frame, CabinetError> decode_frame(std::span<const std::uint8_t> bytes) {
    auto decoded = frame::decode_frame(k_start_of_frame, bytes);
    if (!decoded) {
        return std::unexpected(cabinet_error_of(decoded.error()));
    }
    return std::move(*decoded);
}

std::uint8_t sequence_for_nak(std::span<const std::uint8_t> bytes) {
    return frame::sequence_for_nak(k_start_of_frame, bytes);
}

// ---- Commands ----

std::uint8_t code_of(const Command& command) {
    return std::visit(base::Overloaded{
                          [](const GetInfo&) { return code::k_info; },
                          [](const GetStatus&) { return code::k_status; },
                      },
                      command);
}

Frame encode_command(const Command& command, std::uint8_t sequence) {
    // cabinet.md §4: no command carries a payload.
    return Frame{code_of(command), sequence, {}};
}

std::expected<Command, CabinetError> decode_command(const Frame& frame) {
    if (!is_known_cabinet_command(frame.code)) {
        return std::unexpected(CabinetError::unknown_code);
    }
    // cabinet.md §4: GET INFO and GET STATUS have no payload; one that has is bad length.
    if (!frame.payload.empty()) {
        return std::unexpected(CabinetError::malformed_payload);
    }
    if (frame.code == code::k_info) {
        return GetInfo{};
    }
    return GetStatus{};
}

// ---- Responses ----

Frame encode_response(const Response& response, std::uint8_t sequence) {
    Frame frame;
    frame.code = response.command_code == code::k_nak
                     ? code::k_nak
                     : static_cast<std::uint8_t>(response.command_code | code::k_response_flag);
    frame.sequence = sequence;
    frame.payload.push_back(static_cast<std::uint8_t>(response.status));
    frame.payload.insert(frame.payload.end(), response.data.begin(), response.data.end());
    return frame;
}

std::expected<Response, CabinetError> decode_response(const Frame& frame) {
    Response response;
    const auto answered = static_cast<std::uint8_t>(frame.code & ~code::k_response_flag);
    if (frame.code == code::k_nak) {
        response.command_code = code::k_nak;
    } else if ((frame.code & code::k_response_flag) != 0 && is_known_cabinet_command(answered)) {
        response.command_code = answered;
    } else {
        return std::unexpected(CabinetError::unknown_code);
    }
    // cabinet.md §3: every response starts with its status.
    if (frame.payload.empty() || !is_known_cabinet_status(frame.payload[0])) {
        return std::unexpected(CabinetError::malformed_payload);
    }
    response.status = static_cast<Status>(frame.payload[0]);
    response.data.assign(frame.payload.begin() + 1, frame.payload.end());
    return response;
}

CabinetError error_from_status(Status status) {
    switch (status) {
        case Status::unknown_command:
            return CabinetError::unknown_command;
        case Status::bad_length:
            return CabinetError::bad_length;
        case Status::bad_frame:
        case Status::ok:
            break;
    }
    return CabinetError::rejected_frame;
}

base::Bytes encode_device_info(const DeviceInfo& info) {
    // cabinet.md §4.1: firmware version, model, serial number.
    base::Bytes data;
    base::put_le16(data, info.firmware_version);
    put_padded(data, info.model, k_model_length);
    put_padded(data, info.serial, k_serial_length);
    return data;
}

std::expected<DeviceInfo, CabinetError> decode_device_info(std::span<const std::uint8_t> data) {
    if (data.size() != k_info_length) {
        return std::unexpected(CabinetError::malformed_payload);
    }
    auto model = padded_text(data.subspan(2, k_model_length));
    auto serial = padded_text(data.subspan(2 + k_model_length, k_serial_length));
    if (!model || !serial) {
        return std::unexpected(CabinetError::malformed_payload);
    }
    return DeviceInfo{base::le16_at(data, 0), std::move(*model), std::move(*serial)};
}

base::Bytes encode_status(const CabinetStatus& status) {
    // cabinet.md §4.2: switch, cabinet door, safe door.
    return base::Bytes{static_cast<std::uint8_t>(status.service_switch),
                       static_cast<std::uint8_t>(status.cabinet_door),
                       static_cast<std::uint8_t>(status.safe_door)};
}

std::expected<CabinetStatus, CabinetError> decode_status(std::span<const std::uint8_t> data) {
    // cabinet.md §4.2: a contact that reads neither way is no status at all.
    if (data.size() != k_status_length || !is_switch_position(data[0]) || !is_door_state(data[1]) ||
        !is_door_state(data[2])) {
        return std::unexpected(CabinetError::malformed_payload);
    }
    return CabinetStatus{static_cast<SwitchPosition>(data[0]), static_cast<DoorState>(data[1]),
                         static_cast<DoorState>(data[2])};
}

// ---- Events ----

Frame encode_event(const Event& event, std::uint8_t sequence) {
    Frame frame;
    frame.sequence = sequence;
    std::visit(base::Overloaded{
                   [&](const SwitchChanged& e) {
                       // cabinet.md §5: the position now.
                       frame.code = code::k_switch_changed;
                       frame.payload = {static_cast<std::uint8_t>(e.position)};
                   },
                   [&](const DoorChanged& e) {
                       // cabinet.md §5: the door, then its state now.
                       frame.code = code::k_door_changed;
                       frame.payload = {static_cast<std::uint8_t>(e.door),
                                        static_cast<std::uint8_t>(e.state)};
                   },
               },
               event);
    return frame;
}

std::expected<Event, CabinetError> decode_event(const Frame& frame) {
    const base::Bytes& p = frame.payload;
    switch (frame.code) {
        case code::k_switch_changed:
            if (p.size() != 1 || !is_switch_position(p[0])) {
                return std::unexpected(CabinetError::malformed_payload);
            }
            return SwitchChanged{static_cast<SwitchPosition>(p[0])};
        case code::k_door_changed:
            if (p.size() != 2 || !is_door(p[0]) || !is_door_state(p[1])) {
                return std::unexpected(CabinetError::malformed_payload);
            }
            return DoorChanged{static_cast<Door>(p[0]), static_cast<DoorState>(p[1])};
        default:
            return std::unexpected(CabinetError::unknown_code);
    }
}

}  // namespace drivers::cabinet
