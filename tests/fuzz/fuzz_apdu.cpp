// libFuzzer harness: command and response APDUs (drivers/iso7816/apdu.h, ISO/IEC 7816-4:2013
// §5.1). The first byte picks the parser: even a command APDU (as the simulated card reads
// it), odd a response APDU (as the kiosk reads a card's answer).
// Properties: a parsed APDU carries no more data than it was given; a parsed command encodes
// again (short form when it fits, §5.1) and parses back to itself; a response encodes back to
// exactly its bytes.

#include <cstddef>
#include <cstdint>

#include "drivers/iso7816/apdu.h"
#include "tests/fuzz/fuzz_input.h"

using tests::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace iso7816 = drivers::iso7816;
    tests::fuzz::FuzzInput input(data, size);
    const std::uint8_t selector = input.take_byte();
    const auto bytes = input.rest();
    if (selector % 2 == 0) {
        const auto command = iso7816::CommandApdu::parse(bytes);
        if (!command) {
            require(!iso7816::to_string(command.error()).empty());
            return 0;
        }
        require(command->data.size() + 4 <= bytes.size());
        require(command->data.size() <= iso7816::k_max_extended_data);
        if (command->expected_length) {
            require(*command->expected_length >= 1);
            require(*command->expected_length <= iso7816::k_max_extended_response);
        }
        const auto encoded = command->encode();
        require(encoded.has_value());
        require(encoded->size() <= bytes.size());
        const auto again = iso7816::CommandApdu::parse(*encoded);
        require(again.has_value());
        require(*again == *command);
        require(again->apdu_case() == command->apdu_case());
    } else {
        const auto response = iso7816::ResponseApdu::parse(bytes);
        if (!response) {
            require(bytes.size() < 2);
            return 0;
        }
        require(response->encode() == base::Bytes(bytes.begin(), bytes.end()));
        require(!iso7816::describe_status_word(response->status_word()).empty());
    }
    return 0;
}
