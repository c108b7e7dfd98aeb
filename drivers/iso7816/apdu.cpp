#include "drivers/iso7816/apdu.h"

#include "base/bytes.h"

namespace drivers::iso7816 {

std::string_view to_string(ApduError error) {
    switch (error) {
        case ApduError::card_removed:
            return "apdu: the card was removed";
        case ApduError::card_mute:
            return "apdu: the card does not answer";
        case ApduError::reader_gone:
            return "apdu: the reader was unplugged";
        case ApduError::reader_failed:
            return "apdu: the reader failed";
        case ApduError::timeout:
            return "apdu: no answer in time";
        case ApduError::malformed_command:
            return "apdu: malformed command";
        case ApduError::malformed_response:
            return "apdu: response shorter than a status word";
        case ApduError::data_too_long:
            return "apdu: data too long for one APDU";
        case ApduError::response_chain_too_long:
            return "apdu: the card keeps asking for GET RESPONSE";
    }
    return "apdu: unknown error";
}

ApduCase CommandApdu::apdu_case() const {
    if (data.empty()) {
        return expected_length ? ApduCase::case2 : ApduCase::case1;
    }
    return expected_length ? ApduCase::case4 : ApduCase::case3;
}

std::expected<base::Bytes, ApduError> CommandApdu::encode() const {
    if (data.size() > k_max_extended_data) {
        return std::unexpected(ApduError::data_too_long);
    }
    if (expected_length && (*expected_length == 0 || *expected_length > k_max_extended_response)) {
        return std::unexpected(ApduError::malformed_command);
    }
    base::Bytes bytes{cla, ins, p1, p2};
    const bool extended = data.size() > k_max_short_data ||
                          (expected_length && *expected_length > k_max_short_response);
    // ISO/IEC 7816-4 §5.1: Ne = 256 (short) or 65536 (extended) is encoded as zeros.
    if (!extended) {
        if (!data.empty()) {
            bytes.push_back(static_cast<std::uint8_t>(data.size()));
            bytes.insert(bytes.end(), data.begin(), data.end());
        }
        if (expected_length) {
            bytes.push_back(static_cast<std::uint8_t>(*expected_length & 0xFF));
        }
        return bytes;
    }
    bytes.push_back(0x00);
    if (!data.empty()) {
        bytes.push_back(static_cast<std::uint8_t>(data.size() >> 8));
        bytes.push_back(static_cast<std::uint8_t>(data.size() & 0xFF));
        bytes.insert(bytes.end(), data.begin(), data.end());
    }
    if (expected_length) {
        const std::size_t ne = *expected_length == k_max_extended_response ? 0 : *expected_length;
        bytes.push_back(static_cast<std::uint8_t>(ne >> 8));
        bytes.push_back(static_cast<std::uint8_t>(ne & 0xFF));
    }
    return bytes;
}

std::expected<CommandApdu, ApduError> CommandApdu::parse(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < 4) {
        return std::unexpected(ApduError::malformed_command);
    }
    CommandApdu command{bytes[0], bytes[1], bytes[2], bytes[3], {}, std::nullopt};
    const auto body = bytes.subspan(4);
    if (body.empty()) {
        return command;  // case 1
    }
    if (body.size() == 1) {  // case 2 short
        command.expected_length = body[0] == 0 ? k_max_short_response : body[0];
        return command;
    }
    if (body[0] != 0) {  // short Lc
        const std::size_t nc = body[0];
        if (body.size() == 1 + nc) {
            command.data.assign(body.begin() + 1, body.end());
            return command;  // case 3 short
        }
        if (body.size() == 2 + nc) {
            command.data.assign(body.begin() + 1, body.end() - 1);
            command.expected_length = body.back() == 0 ? k_max_short_response : body.back();
            return command;  // case 4 short
        }
        return std::unexpected(ApduError::malformed_command);
    }
    // Extended form: a zero byte, then two-byte fields.
    if (body.size() < 3) {
        return std::unexpected(ApduError::malformed_command);
    }
    const std::size_t first = static_cast<std::size_t>((body[1] << 8) | body[2]);
    if (body.size() == 3) {  // case 2 extended
        command.expected_length = first == 0 ? k_max_extended_response : first;
        return command;
    }
    if (first == 0) {
        return std::unexpected(ApduError::malformed_command);
    }
    if (body.size() == 3 + first) {
        command.data.assign(body.begin() + 3, body.end());
        return command;  // case 3 extended
    }
    if (body.size() == 5 + first) {
        command.data.assign(body.begin() + 3, body.end() - 2);
        const std::size_t ne = static_cast<std::size_t>((body[body.size() - 2] << 8) | body.back());
        command.expected_length = ne == 0 ? k_max_extended_response : ne;
        return command;  // case 4 extended
    }
    return std::unexpected(ApduError::malformed_command);
}

base::Bytes ResponseApdu::encode() const {
    base::Bytes bytes = data;
    bytes.push_back(sw1);
    bytes.push_back(sw2);
    return bytes;
}

std::expected<ResponseApdu, ApduError> ResponseApdu::parse(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < 2) {
        return std::unexpected(ApduError::malformed_response);
    }
    ResponseApdu response;
    response.data.assign(bytes.begin(), bytes.end() - 2);
    response.sw1 = bytes[bytes.size() - 2];
    response.sw2 = bytes.back();
    return response;
}

ResponseApdu ResponseApdu::status(std::uint16_t status_word) {
    return ResponseApdu{{},
                        static_cast<std::uint8_t>(status_word >> 8),
                        static_cast<std::uint8_t>(status_word & 0xFF)};
}

std::string_view describe_status_word(std::uint16_t sw) {
    switch (sw) {
        case 0x9000:
            return "success";
        case 0x6281:
            return "part of returned data may be corrupted";
        case 0x6282:
            return "end of file or record reached";
        case 0x6283:
            return "selected file or application blocked";
        case 0x6300:
            return "verification failed";
        case 0x6400:
            return "execution error, memory unchanged";
        case 0x6581:
            return "memory failure";
        case 0x6700:
            return "wrong length";
        case 0x6881:
            return "logical channel not supported";
        case 0x6882:
            return "secure messaging not supported";
        case 0x6982:
            return "security status not satisfied";
        case 0x6983:
            return "authentication method blocked";
        case 0x6984:
            return "reference data not usable";
        case 0x6985:
            return "conditions of use not satisfied";
        case 0x6986:
            return "command not allowed";
        case 0x6A80:
            return "incorrect data field";
        case 0x6A81:
            return "function not supported (card blocked)";
        case 0x6A82:
            return "file or application not found";
        case 0x6A83:
            return "record not found";
        case 0x6A84:
            return "not enough memory";
        case 0x6A86:
            return "incorrect parameters P1-P2";
        case 0x6A88:
            return "referenced data not found";
        case 0x6B00:
            return "wrong parameters P1-P2";
        case 0x6D00:
            return "instruction not supported";
        case 0x6E00:
            return "class not supported";
        case 0x6F00:
            return "no precise diagnosis";
        default:
            break;
    }
    switch (sw >> 8) {
        case 0x61:
            return "more response data available (GET RESPONSE)";
        case 0x6C:
            return "wrong Le, exact length in SW2";
        case 0x63:
            if ((sw & 0xF0) == 0xC0) {
                return "verification failed, retries left in SW2";
            }
            return "warning, memory changed";
        case 0x62:
            return "warning, memory unchanged";
        case 0x64:
        case 0x65:
            return "execution error";
        case 0x67:
            return "wrong length";
        case 0x68:
            return "function in CLA not supported";
        case 0x69:
            return "command not allowed";
        case 0x6A:
            return "wrong parameters";
        default:
            return "unknown status";
    }
}

}  // namespace drivers::iso7816
