// libFuzzer harness: the PIN pad protocol (drivers/epp/epp_protocol.h, docs/protocols/epp.md).
// The first byte picks what is decoded from the rest:
//   0  a command frame's code, sequence and payload, as the pad reads it (epp.md §4);
//   1  a response, as the kiosk reads the pad's answer (§3.1, §4), and its data as the reply
//      to its command (GET INFO, GET STATUS, GET PIN BLOCK, and revision 5's GET KEY STATUS,
//      AUTHENTICATE, CONFIRM KEY CEREMONY and LOAD KEY, §8);
//   2  an event from the interrupt endpoint (§5);
//   3  whole frame bytes through decode_frame, the CRC-16 made right by the harness (§2),
//      then all three of the above.
// Properties: whatever decodes encodes again and decodes back to itself; the data of a reply
// is no longer than the payload it came in; no decoded event or reply holds a PIN digit count
// above the protocol's maximum (§4.4).

#include <cstddef>
#include <cstdint>
#include <variant>

#include "base/bytes.h"
#include "drivers/epp/epp_protocol.h"
#include "tests/fuzz/frame_fixup.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace epp = drivers::epp;
using tests::fuzz::require;

epp::Frame frame_from(tests::fuzz::FuzzInput& input) {
    epp::Frame frame;
    frame.code = input.take_byte();
    frame.sequence = input.take_byte();
    const auto payload = input.rest();
    frame.payload.assign(payload.begin(), payload.end());
    return frame;
}

void check_reply_data(const epp::Response& response) {
    switch (response.command_code) {
        case epp::code::k_get_info:
            if (const auto info = epp::decode_device_info(response.data)) {
                require(epp::decode_device_info(epp::encode_device_info(*info)) == *info);
            }
            break;
        case epp::code::k_get_status:
            if (const auto status = epp::decode_pad_status(response.data)) {
                require(epp::decode_pad_status(epp::encode_pad_status(*status)) == *status);
            }
            break;
        case epp::code::k_get_pin_block:
            if (const auto block = epp::decode_pin_block_reply(response.data)) {
                require(epp::decode_pin_block_reply(epp::encode_pin_block_reply(*block)) == *block);
            }
            break;
        case epp::code::k_get_key_status:
            if (const auto status = epp::decode_key_status(response.data)) {
                require(epp::decode_key_status(epp::encode_key_status(*status)) == *status);
            }
            break;
        case epp::code::k_authenticate:
            if (const auto challenge = epp::decode_pad_challenge(response.data)) {
                require(epp::decode_pad_challenge(epp::encode_pad_challenge(*challenge)) ==
                        *challenge);
            }
            break;
        case epp::code::k_confirm_key_ceremony:
        case epp::code::k_load_key:
            if (const auto check_value = epp::decode_key_check_value(response.data)) {
                require(response.data.size() >= check_value->size());
            }
            break;
        default:
            break;
    }
}

void check_command(const epp::Frame& frame) {
    const auto command = epp::decode_command(frame);
    if (!command) {
        require(!epp::to_string(command.error()).empty());
        return;
    }
    require(epp::code_of(*command) == frame.code);
    const epp::Frame encoded = epp::encode_command(*command, frame.sequence);
    require(encoded.code == frame.code);
    require(encoded.payload.size() <= frame.payload.size());
    require(epp::decode_command(encoded) == command);
}

void check_response(const epp::Frame& frame) {
    const auto response = epp::decode_response(frame);
    if (!response) {
        return;
    }
    require(response->data.size() < frame.payload.size());
    require(epp::decode_response(epp::encode_response(*response, frame.sequence)) == response);
    static_cast<void>(epp::error_from_status(response->status));
    check_reply_data(*response);
}

void check_event(const epp::Frame& frame) {
    const auto event = epp::decode_event(frame);
    if (!event) {
        return;
    }
    if (const auto* digit = std::get_if<epp::PinDigitEntered>(&*event)) {
        require(digit->digits_entered <= epp::k_max_pin_digits);
    }
    require(epp::decode_event(epp::encode_event(*event, frame.sequence)) == event);
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
            if (const auto frame = epp::decode_frame(bytes)) {
                require(epp::encode_frame(*frame).size() <= bytes.size());
                check_command(*frame);
                check_response(*frame);
                check_event(*frame);
            }
            break;
        }
    }
    return 0;
}
