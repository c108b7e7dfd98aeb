// libFuzzer harness: the cabinet sensors board protocol (drivers/cabinet/cabinet_protocol.h,
// docs/protocols/cabinet.md). The first byte picks what is decoded from the rest:
//   0  a command frame's code, sequence and payload, as the board reads it (§4);
//   1  a response, as the kiosk reads the board's answer (§3), and its data as the reply to its
//      command (GET INFO §4.1, GET STATUS §4.2);
//   2  an event from the interrupt endpoint (§5);
//   3  whole frame bytes through decode_frame, the CRC-16 made right by the harness (§2), then
//      all three of the above.
// Properties: whatever decodes encodes again and decodes back to itself; a status or an event
// holds only the values §4.2 and §5 define (the kiosk acts on the switch's position, so a
// value that is neither run nor service must never get through); the data of a reply is
// shorter than the payload it came in; a decoded model or serial is 1 to 16 printable
// characters.

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <variant>

#include "base/bytes.h"
#include "drivers/cabinet/cabinet_protocol.h"
#include "tests/fuzz/frame_fixup.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace cabinet = drivers::cabinet;
using tests::fuzz::require;

cabinet::Frame cabinet_frame_from(tests::fuzz::FuzzInput& input) {
    cabinet::Frame frame;
    frame.code = input.take_byte();
    frame.sequence = input.take_byte();
    const auto payload = input.rest();
    frame.payload.assign(payload.begin(), payload.end());
    return frame;
}

bool is_position(cabinet::SwitchPosition position) {
    return position == cabinet::SwitchPosition::run || position == cabinet::SwitchPosition::service;
}

bool is_door_state(cabinet::DoorState state) {
    return state == cabinet::DoorState::closed || state == cabinet::DoorState::open;
}

bool is_printable_field(const std::string& text, std::size_t length) {
    if (text.empty() || text.size() > length || text.back() == ' ') {
        return false;
    }
    for (const char character : text) {
        if (character < 0x20 || character > 0x7E) {
            return false;
        }
    }
    return true;
}

void check_cabinet_reply_data(const cabinet::Response& response) {
    const auto data = std::span<const std::uint8_t>(response.data);
    if (response.command_code == cabinet::code::k_info) {
        const auto info = cabinet::decode_device_info(data);
        if (info) {
            require(is_printable_field(info->model, cabinet::k_model_length));
            require(is_printable_field(info->serial, cabinet::k_serial_length));
            require(cabinet::decode_device_info(cabinet::encode_device_info(*info)) == info);
        }
    } else if (response.command_code == cabinet::code::k_status) {
        const auto status = cabinet::decode_status(data);
        if (status) {
            require(is_position(status->service_switch));
            require(is_door_state(status->cabinet_door) && is_door_state(status->safe_door));
            require(cabinet::encode_status(*status) == response.data);
        }
    }
}

void check_cabinet_command(const cabinet::Frame& frame) {
    const auto command = cabinet::decode_command(frame);
    if (!command) {
        require(!cabinet::to_string(command.error()).empty());
        return;
    }
    require(cabinet::code_of(*command) == frame.code);
    // cabinet.md §4: no command has a payload.
    require(frame.payload.empty());
    require(cabinet::encode_command(*command, frame.sequence) == frame);
}

void check_cabinet_response(const cabinet::Frame& frame) {
    const auto response = cabinet::decode_response(frame);
    if (!response) {
        return;
    }
    require(response->data.size() < frame.payload.size());
    require(cabinet::decode_response(cabinet::encode_response(*response, frame.sequence)) ==
            response);
    if (response->status != cabinet::Status::ok) {
        static_cast<void>(cabinet::error_from_status(response->status));
    }
    check_cabinet_reply_data(*response);
}

void check_cabinet_event(const cabinet::Frame& frame) {
    const auto event = cabinet::decode_event(frame);
    if (!event) {
        return;
    }
    if (const auto* turned = std::get_if<cabinet::SwitchChanged>(&*event)) {
        require(is_position(turned->position));
    } else if (const auto* door = std::get_if<cabinet::DoorChanged>(&*event)) {
        require(door->door == cabinet::Door::cabinet || door->door == cabinet::Door::safe);
        require(is_door_state(door->state));
    }
    require(cabinet::encode_event(*event, frame.sequence) == frame);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tests::fuzz::FuzzInput input(data, size);
    const std::uint8_t selector = input.take_byte();
    switch (selector % 4) {
        case 0:
            check_cabinet_command(cabinet_frame_from(input));
            break;
        case 1:
            check_cabinet_response(cabinet_frame_from(input));
            break;
        case 2:
            check_cabinet_event(cabinet_frame_from(input));
            break;
        default: {
            base::Bytes bytes(input.rest().begin(), input.rest().end());
            tests::fuzz::write_frame_crc(bytes);
            const std::uint8_t nak_sequence = cabinet::sequence_for_nak(bytes);
            if (const auto frame = cabinet::decode_frame(bytes)) {
                require(nak_sequence == frame->sequence);
                require(cabinet::encode_frame(*frame).size() <= bytes.size());
                check_cabinet_command(*frame);
                check_cabinet_response(*frame);
                check_cabinet_event(*frame);
            }
            break;
        }
    }
    return 0;
}
