#include "drivers/iso7816/apdu_channel.h"

#include <optional>

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

// ISO/IEC 7816-4 §5.6: SW1 = 62 (memory unchanged) and 63 (memory changed) are warnings.
bool is_warning_status(std::uint8_t sw1) {
    return sw1 == 0x62 || sw1 == 0x63;
}

// ISO/IEC 7816-4 (GET RESPONSE): in the interindustry class, on the command's logical
// channel (CLA bits 2-1).
CommandApdu get_response_for(const CommandApdu& command, std::size_t length) {
    return CommandApdu{
        static_cast<std::uint8_t>(command.cla & 0x03U), k_ins_get_response, 0x00, 0x00, {}, length};
}

}  // namespace

std::expected<ResponseApdu, ApduError> transmit_complete(ApduChannel& channel,
                                                         const CommandApdu& command) {
    CommandApdu last = command;  // what the card answered last, to repeat on 6Cxx
    auto response = channel.transmit(last);
    if (!response) {
        return response;
    }
    base::Bytes joined;
    std::optional<ResponseApdu> warning;
    if (command.apdu_case() == ApduCase::case4 && response->data.empty() &&
        is_warning_status(response->sw1)) {
        // EMV 4.3 Book 1 §9.3.1 and Annex A (case 4 with a warning): a T=0 card that ends a
        // case 4 command with 62xx or 63xx and no data may still have data; the terminal asks
        // for it with GET RESPONSE, Le = 00, and the warning stays the command's status.
        warning = *response;
        last = get_response_for(command, k_max_short_response);
        response = channel.transmit(last);
        if (!response) {
            return response;
        }
    }
    for (int round = 0; round < k_max_completion_rounds; ++round) {
        if (response->sw1 == 0x6C) {
            // ISO/IEC 7816-4 §5.3.4, EMV 4.3 Book 1 §9.3.1 (case 2) and Annex A (case 2 with
            // 61 and 6C): wrong Le; the command the card answered, be it the original or a
            // GET RESPONSE, is repeated with the length the card names.
            last.expected_length = length_from_sw2(response->sw2);
            response = channel.transmit(last);
        } else if (response->sw1 == 0x61) {
            joined.insert(joined.end(), response->data.begin(), response->data.end());
            if (joined.size() > k_max_extended_response) {
                return std::unexpected(ApduError::response_chain_too_long);
            }
            last = get_response_for(command, length_from_sw2(response->sw2));
            response = channel.transmit(last);
        } else {
            if (!joined.empty()) {
                joined.insert(joined.end(), response->data.begin(), response->data.end());
                response->data = std::move(joined);
            }
            if (warning) {
                // The data fetched after the warning, with the warning's status; when GET
                // RESPONSE finds nothing, the warning alone.
                if (response->is_success() || !response->data.empty()) {
                    response->sw1 = warning->sw1;
                    response->sw2 = warning->sw2;
                    return response;
                }
                return *warning;
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
