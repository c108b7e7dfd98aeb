// libFuzzer harness: the cash dispenser protocol (drivers/dispenser/dispenser_protocol.h,
// docs/protocols/dispenser.md). The first byte picks what is decoded from the rest:
//   0  a command frame's code, sequence and payload, as the dispenser reads it (§4);
//   1  a response, as the kiosk reads the dispenser's answer (§3, §4), and its data as the
//      reply to its command (INFO, STATUS, CASSETTES, DISPENSE, the note counts, RESET);
//   2  an event from the interrupt endpoint (§4.4);
//   3  whole frame bytes through decode_frame, the CRC-16 made right by the harness (§2),
//      then all three of the above.
// Properties: whatever decodes encodes again and decodes back to itself (a DISPENSE is
// carried out once per reference, so a reference must survive the round trip unchanged); the
// data of a reply is shorter than the payload it came in; a command that moves cash never
// names the zero reference (dispenser.md §4).

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "drivers/dispenser/dispenser_protocol.h"
#include "tests/fuzz/frame_fixup.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace dispenser = drivers::dispenser;
using tests::fuzz::require;

dispenser::Frame frame_from(tests::fuzz::FuzzInput& input) {
    dispenser::Frame frame;
    frame.code = input.take_byte();
    frame.sequence = input.take_byte();
    const auto payload = input.rest();
    frame.payload.assign(payload.begin(), payload.end());
    return frame;
}

template <typename Value, typename Encode, typename Decode>
void check_data(std::span<const std::uint8_t> data, Encode encode, Decode decode) {
    const std::expected<Value, dispenser::DispenserError> value = decode(data);
    if (value) {
        require(decode(encode(*value)) == value);
    }
}

void check_reply_data(const dispenser::Response& response) {
    namespace code = dispenser::code;
    const auto data = std::span<const std::uint8_t>(response.data);
    switch (response.command_code) {
        case code::k_info:
            check_data<dispenser::DeviceInfo>(data, dispenser::encode_device_info,
                                              dispenser::decode_device_info);
            break;
        case code::k_status:
            check_data<dispenser::DispenserStatus>(data, dispenser::encode_status,
                                                   dispenser::decode_status);
            break;
        case code::k_cassettes:
            check_data<std::vector<dispenser::Cassette>>(data, dispenser::encode_cassettes,
                                                         dispenser::decode_cassettes);
            break;
        case code::k_dispense:
            check_data<dispenser::DispenseOutcome>(data, dispenser::encode_outcome,
                                                   dispenser::decode_outcome);
            break;
        case code::k_present:
        case code::k_retract:
        case code::k_reject:
            check_data<std::uint16_t>(data, dispenser::encode_note_count,
                                      dispenser::decode_note_count);
            break;
        case code::k_reset:
            check_data<dispenser::State>(data, dispenser::encode_state, dispenser::decode_state);
            break;
        default:
            break;
    }
}

void check_command(const dispenser::Frame& frame) {
    const auto command = dispenser::decode_command(frame);
    if (!command) {
        require(!dispenser::to_string(command.error()).empty());
        return;
    }
    require(dispenser::code_of(*command) == frame.code);
    if (const auto* dispense = std::get_if<dispenser::Dispense>(&*command)) {
        require(!dispense->reference.is_zero());
    }
    const dispenser::Frame encoded = dispenser::encode_command(*command, frame.sequence);
    require(encoded.code == frame.code);
    require(encoded.payload.size() <= frame.payload.size());
    require(dispenser::decode_command(encoded) == command);
}

void check_response(const dispenser::Frame& frame) {
    const auto response = dispenser::decode_response(frame);
    if (!response) {
        return;
    }
    require(response->data.size() < frame.payload.size());
    require(dispenser::decode_response(dispenser::encode_response(*response, frame.sequence)) ==
            response);
    static_cast<void>(dispenser::error_from_status(response->status));
    check_reply_data(*response);
}

void check_event(const dispenser::Frame& frame) {
    const auto event = dispenser::decode_event(frame);
    if (!event) {
        return;
    }
    require(dispenser::decode_event(dispenser::encode_event(*event, frame.sequence)) == event);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tests::fuzz::FuzzInput input(data, size);
    const std::uint8_t selector = input.take_byte();
    switch (selector % 4) {
        case 0:
            check_command(frame_from(input));
            break;
        case 1:
            check_response(frame_from(input));
            break;
        case 2:
            check_event(frame_from(input));
            break;
        default: {
            base::Bytes bytes(input.rest().begin(), input.rest().end());
            tests::fuzz::write_frame_crc(bytes);
            const std::uint8_t nak_sequence = dispenser::sequence_for_nak(bytes);
            if (const auto frame = dispenser::decode_frame(bytes)) {
                require(nak_sequence == frame->sequence);
                require(dispenser::encode_frame(*frame).size() <= bytes.size());
                check_command(*frame);
                check_response(*frame);
                check_event(*frame);
            }
            break;
        }
    }
    return 0;
}
