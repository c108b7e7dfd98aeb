#include "drivers/iso7816/apdu_channel.h"

#include "base/bytes.h"

namespace drivers::iso7816 {

namespace {

// A genuine card needs at most 256 GET RESPONSE rounds for the longest extended response;
// a card that asks for more is broken.
constexpr int k_max_completion_rounds = 256;
constexpr std::uint8_t k_ins_get_response = 0xC0;

std::size_t length_from_sw2(std::uint8_t sw2) {
    return sw2 == 0 ? 256 : sw2;
}

}  // namespace

std::expected<ResponseApdu, ApduError> transmit_complete(ApduChannel& channel,
                                                         const CommandApdu& command) {
    auto response = channel.transmit(command);
    if (!response) {
        return response;
    }
    base::Bytes joined;
    for (int round = 0; round < k_max_completion_rounds; ++round) {
        if (response->sw1 == 0x6C) {
            // Wrong Le: repeat the same command with the length the card names.
            CommandApdu repeated = command;
            repeated.expected_length = length_from_sw2(response->sw2);
            response = channel.transmit(repeated);
        } else if (response->sw1 == 0x61) {
            joined.insert(joined.end(), response->data.begin(), response->data.end());
            if (joined.size() > k_max_extended_response) {
                return std::unexpected(ApduError::response_chain_too_long);
            }
            const CommandApdu get_response{static_cast<std::uint8_t>(command.cla & 0x03U),
                                           k_ins_get_response,
                                           0x00,
                                           0x00,
                                           {},
                                           length_from_sw2(response->sw2)};
            response = channel.transmit(get_response);
        } else {
            if (!joined.empty()) {
                joined.insert(joined.end(), response->data.begin(), response->data.end());
                response->data = std::move(joined);
            }
            return response;
        }
        if (!response) {
            return response;
        }
    }
    return std::unexpected(ApduError::response_chain_too_long);
}

std::expected<base::Bytes, ApduError> to_t0_tpdu(const CommandApdu& command) {
    if (command.data.size() > k_max_short_data ||
        (command.expected_length && *command.expected_length > k_max_short_response)) {
        return std::unexpected(ApduError::data_too_long);
    }
    base::Bytes tpdu{command.cla, command.ins, command.p1, command.p2};
    switch (command.apdu_case()) {
        case ApduCase::case1:
            tpdu.push_back(0x00);  // §12.1.2: P3 = 00, no data either way
            break;
        case ApduCase::case2:
            tpdu.push_back(static_cast<std::uint8_t>(*command.expected_length & 0xFF));
            break;
        case ApduCase::case3:
        case ApduCase::case4:
            tpdu.push_back(static_cast<std::uint8_t>(command.data.size()));
            tpdu.insert(tpdu.end(), command.data.begin(), command.data.end());
            break;
    }
    return tpdu;
}

}  // namespace drivers::iso7816
