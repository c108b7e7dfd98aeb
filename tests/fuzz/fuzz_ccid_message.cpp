// libFuzzer harness: CCID bulk and interrupt messages (drivers/ccid/ccid_message.h, CCID Rev
// 1.1 §6.1, §6.2, §6.3). The first byte picks the decoder: 0 a command (host to reader, as the
// simulated reader reads it), 1 a response (reader to host, as the kiosk's driver reads it),
// 2 an interrupt message, 3 the bare header.
// Properties: a decoded message, encoded again, decodes to the same message; its encoding is
// never longer than the bytes it was read from (§6: the header and dwLength data bytes, any
// padding after them ignored); a header's dwLength is what the bytes say.

#include <cstddef>
#include <cstdint>
#include <variant>

#include "base/bytes.h"
#include "drivers/ccid/ccid_message.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace ccid = drivers::ccid;
using tests::fuzz::require;

template <typename Message, typename Decode>
void check_round_trip(const Message& message, std::size_t input_length, Decode decode) {
    const base::Bytes encoded = ccid::encode(message);
    require(encoded.size() <= input_length);
    const auto again = decode(encoded);
    require(again.has_value());
    require(*again == message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tests::fuzz::FuzzInput input(data, size);
    const std::uint8_t selector = input.take_byte();
    const auto bytes = input.rest();
    switch (selector % 4) {
        case 0:
            if (const auto command = ccid::decode_command(bytes)) {
                check_round_trip(*command, bytes.size(), ccid::decode_command);
                require(ccid::sequence_of(*command) == bytes[6]);
            } else {
                require(!ccid::to_string(command.error()).empty());
            }
            break;
        case 1:
            if (const auto response = ccid::decode_response(bytes)) {
                check_round_trip(*response, bytes.size(), ccid::decode_response);
                require(ccid::slot_of(*response) == bytes[5]);
                require(ccid::sequence_of(*response) == bytes[6]);
                // bStatus bits 5:2 are RFU (§6.2.6): only the others are read.
                require(ccid::state_of(*response).status_byte() == (bytes[7] & 0xC3));
            } else {
                require(!ccid::to_string(response.error()).empty());
            }
            break;
        case 2:
            if (const auto message = ccid::decode_interrupt(bytes)) {
                check_round_trip(*message, bytes.size(), ccid::decode_interrupt);
            } else {
                require(!ccid::to_string(message.error()).empty());
            }
            break;
        default:
            if (const auto header = ccid::decode_header(bytes)) {
                require(bytes.size() >= ccid::k_header_length);
                require(header->message_type == bytes[0]);
                require(header->length == base::le32_at(bytes, 1));
                require(header->slot == bytes[5]);
                require(header->sequence == bytes[6]);
            }
            break;
    }
    return 0;
}
