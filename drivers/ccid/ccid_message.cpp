#include "drivers/ccid/ccid_message.h"

#include <type_traits>

#include "base/bytes.h"
#include "base/overloaded.h"

namespace drivers::ccid {

namespace {

// CCID 1.1 §6: bMessageType, dwLength, bSlot, bSeq, then three message-specific bytes.
base::Bytes header(MessageType type, std::size_t data_length, std::uint8_t slot,
                   std::uint8_t sequence, std::uint8_t byte7, std::uint8_t byte8,
                   std::uint8_t byte9) {
    base::Bytes bytes;
    bytes.reserve(k_header_length + data_length);
    bytes.push_back(static_cast<std::uint8_t>(type));
    base::put_le32(bytes, static_cast<std::uint32_t>(data_length));
    bytes.push_back(slot);
    bytes.push_back(sequence);
    bytes.push_back(byte7);
    bytes.push_back(byte8);
    bytes.push_back(byte9);
    return bytes;
}

base::Bytes with_data(base::Bytes bytes, const base::Bytes& data) {
    bytes.insert(bytes.end(), data.begin(), data.end());
    return bytes;
}

std::uint8_t low(std::uint16_t value) {
    return static_cast<std::uint8_t>(value & 0xFF);
}
std::uint8_t high(std::uint16_t value) {
    return static_cast<std::uint8_t>(value >> 8);
}

struct Framed {
    Header header;
    std::span<const std::uint8_t> data;
};

// Splits a bulk message into header and data, checking the announced length.
std::expected<Framed, MessageError> frame(std::span<const std::uint8_t> bytes) {
    auto header = decode_header(bytes);
    if (!header) {
        return std::unexpected(header.error());
    }
    if (header->length > k_max_data_length) {
        return std::unexpected(MessageError::data_too_long);
    }
    if (bytes.size() - k_header_length < header->length) {
        return std::unexpected(MessageError::truncated_data);
    }
    return Framed{*header, bytes.subspan(k_header_length, header->length)};
}

base::Bytes to_bytes(std::span<const std::uint8_t> data) {
    return base::Bytes(data.begin(), data.end());
}

bool is_response_type(std::uint8_t type) {
    return type == 0x80 || type == 0x81 || type == 0x82 || type == 0x83;
}

bool is_command_type(std::uint8_t type) {
    switch (type) {
        case 0x62:
        case 0x63:
        case 0x65:
        case 0x6F:
        case 0x6C:
        case 0x6D:
        case 0x61:
        case 0x6B:
        case 0x69:
        case 0x72:
            return true;
        default:
            return false;
    }
}

}  // namespace

std::string_view to_string(MessageError error) {
    switch (error) {
        case MessageError::truncated_header:
            return "ccid: message shorter than its 10-byte header";
        case MessageError::truncated_data:
            return "ccid: message shorter than its dwLength announces";
        case MessageError::data_too_long:
            return "ccid: dwLength larger than any legal message";
        case MessageError::unknown_message_type:
            return "ccid: unknown bMessageType";
        case MessageError::wrong_direction:
            return "ccid: message of the other direction";
        case MessageError::malformed_field:
            return "ccid: a header field holds a forbidden value";
        case MessageError::empty_interrupt:
            return "ccid: empty interrupt message";
    }
    return "ccid: unknown message error";
}

std::uint8_t SlotState::status_byte() const {
    return static_cast<std::uint8_t>(static_cast<std::uint8_t>(icc) |
                                     (static_cast<std::uint8_t>(command) << 6));
}

std::expected<SlotState, MessageError> decode_slot_state(std::uint8_t status, std::uint8_t error) {
    // CCID 1.1 §6.2.6 Table 6.2-3: bmICCStatus in bits 1:0, bmCommandStatus in bits 7:6,
    // the value 3 being reserved in both.
    const std::uint8_t icc = status & 0x03;
    const std::uint8_t command = static_cast<std::uint8_t>(status >> 6);
    if (icc == 3 || command == 3) {
        return std::unexpected(MessageError::malformed_field);
    }
    return SlotState{static_cast<IccStatus>(icc), static_cast<CommandStatus>(command), error};
}

std::expected<Header, MessageError> decode_header(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < k_header_length) {
        return std::unexpected(MessageError::truncated_header);
    }
    Header header;
    header.message_type = bytes[0];
    header.length = base::le32_at(bytes, 1);
    header.slot = bytes[5];
    header.sequence = bytes[6];
    return header;
}

base::Bytes encode(const Command& command) {
    return std::visit(
        base::Overloaded{
            [](const PowerOn& m) {
                return header(MessageType::power_on, 0, m.slot, m.sequence,
                              static_cast<std::uint8_t>(m.power), 0, 0);
            },
            [](const PowerOff& m) {
                return header(MessageType::power_off, 0, m.slot, m.sequence, 0, 0, 0);
            },
            [](const GetSlotStatus& m) {
                return header(MessageType::get_slot_status, 0, m.slot, m.sequence, 0, 0, 0);
            },
            [](const XfrBlock& m) {
                return with_data(header(MessageType::xfr_block, m.data.size(), m.slot, m.sequence,
                                        m.block_waiting_integer, low(m.level_parameter),
                                        high(m.level_parameter)),
                                 m.data);
            },
            [](const GetParameters& m) {
                return header(MessageType::get_parameters, 0, m.slot, m.sequence, 0, 0, 0);
            },
            [](const ResetParameters& m) {
                return header(MessageType::reset_parameters, 0, m.slot, m.sequence, 0, 0, 0);
            },
            [](const SetParameters& m) {
                return with_data(header(MessageType::set_parameters, m.protocol_data.size(), m.slot,
                                        m.sequence, m.protocol, 0, 0),
                                 m.protocol_data);
            },
            [](const Escape& m) {
                return with_data(
                    header(MessageType::escape, m.data.size(), m.slot, m.sequence, 0, 0, 0),
                    m.data);
            },
            [](const Secure& m) {
                return with_data(header(MessageType::secure, m.data.size(), m.slot, m.sequence,
                                        m.block_waiting_integer, low(m.level_parameter),
                                        high(m.level_parameter)),
                                 m.data);
            },
            [](const Abort& m) {
                return header(MessageType::abort, 0, m.slot, m.sequence, 0, 0, 0);
            },
        },
        command);
}

base::Bytes encode(const Response& response) {
    return std::visit(
        base::Overloaded{
            [](const DataBlock& m) {
                return with_data(header(MessageType::data_block, m.data.size(), m.slot, m.sequence,
                                        m.state.status_byte(), m.state.error, m.chain_parameter),
                                 m.data);
            },
            [](const SlotStatus& m) {
                return header(MessageType::slot_status, 0, m.slot, m.sequence,
                              m.state.status_byte(), m.state.error,
                              static_cast<std::uint8_t>(m.clock));
            },
            [](const Parameters& m) {
                return with_data(
                    header(MessageType::parameters, m.protocol_data.size(), m.slot, m.sequence,
                           m.state.status_byte(), m.state.error, m.protocol),
                    m.protocol_data);
            },
            [](const EscapeResponse& m) {
                return with_data(header(MessageType::escape_response, m.data.size(), m.slot,
                                        m.sequence, m.state.status_byte(), m.state.error, 0),
                                 m.data);
            },
        },
        response);
}

base::Bytes encode(const InterruptMessage& message) {
    return std::visit(
        base::Overloaded{
            [](const NotifySlotChange& m) {
                // CCID 1.1 §6.3.1: bit 2n = slot n present, bit 2n+1 = slot n changed.
                const std::size_t byte_count = m.slots.empty() ? 1 : (m.slots.size() + 3) / 4;
                base::Bytes bytes(1 + byte_count, 0);
                bytes[0] = static_cast<std::uint8_t>(MessageType::notify_slot_change);
                for (std::size_t slot = 0; slot < m.slots.size(); ++slot) {
                    const auto bits = static_cast<unsigned>((m.slots[slot].present ? 1 : 0) |
                                                            (m.slots[slot].changed ? 2 : 0));
                    bytes[1 + slot / 4] =
                        static_cast<std::uint8_t>(bytes[1 + slot / 4] | (bits << ((slot % 4) * 2)));
                }
                return bytes;
            },
            [](const HardwareError& m) {
                return base::Bytes{static_cast<std::uint8_t>(MessageType::hardware_error), m.slot,
                                   m.sequence, m.error_code};
            },
        },
        message);
}

std::expected<Command, MessageError> decode_command(std::span<const std::uint8_t> bytes) {
    auto framed = frame(bytes);
    if (!framed) {
        return std::unexpected(framed.error());
    }
    const Header& h = framed->header;
    const std::uint8_t byte7 = bytes[7];
    const std::uint16_t word8 = base::le16_at(bytes, 8);
    if (is_response_type(h.message_type)) {
        return std::unexpected(MessageError::wrong_direction);
    }
    if (!is_command_type(h.message_type)) {
        return std::unexpected(MessageError::unknown_message_type);
    }
    const auto type = static_cast<MessageType>(h.message_type);
    // Messages without a data field must announce none (CCID 1.1 §6.1.1-§6.1.6, §6.1.13).
    const bool carries_data = type == MessageType::xfr_block ||
                              type == MessageType::set_parameters || type == MessageType::escape ||
                              type == MessageType::secure;
    if (!carries_data && h.length != 0) {
        return std::unexpected(MessageError::malformed_field);
    }
    switch (type) {
        case MessageType::power_on:
            if (byte7 > 3) {
                return std::unexpected(MessageError::malformed_field);
            }
            return PowerOn{h.slot, h.sequence, static_cast<PowerSelect>(byte7)};
        case MessageType::power_off:
            return PowerOff{h.slot, h.sequence};
        case MessageType::get_slot_status:
            return GetSlotStatus{h.slot, h.sequence};
        case MessageType::xfr_block:
            return XfrBlock{h.slot, h.sequence, byte7, word8, to_bytes(framed->data)};
        case MessageType::get_parameters:
            return GetParameters{h.slot, h.sequence};
        case MessageType::reset_parameters:
            return ResetParameters{h.slot, h.sequence};
        case MessageType::set_parameters:
            return SetParameters{h.slot, h.sequence, byte7, to_bytes(framed->data)};
        case MessageType::escape:
            return Escape{h.slot, h.sequence, to_bytes(framed->data)};
        case MessageType::secure:
            return Secure{h.slot, h.sequence, byte7, word8, to_bytes(framed->data)};
        case MessageType::abort:
            return Abort{h.slot, h.sequence};
        default:
            return std::unexpected(MessageError::unknown_message_type);
    }
}

std::expected<Response, MessageError> decode_response(std::span<const std::uint8_t> bytes) {
    auto framed = frame(bytes);
    if (!framed) {
        return std::unexpected(framed.error());
    }
    const Header& h = framed->header;
    if (is_command_type(h.message_type)) {
        return std::unexpected(MessageError::wrong_direction);
    }
    if (!is_response_type(h.message_type)) {
        return std::unexpected(MessageError::unknown_message_type);
    }
    auto state = decode_slot_state(bytes[7], bytes[8]);
    if (!state) {
        return std::unexpected(state.error());
    }
    const std::uint8_t byte9 = bytes[9];
    switch (static_cast<MessageType>(h.message_type)) {
        case MessageType::data_block:
            return DataBlock{h.slot, h.sequence, *state, byte9, to_bytes(framed->data)};
        case MessageType::slot_status:
            // CCID 1.1 §6.2.2: no data, and bClockStatus 0..3.
            if (h.length != 0 || byte9 > 3) {
                return std::unexpected(MessageError::malformed_field);
            }
            return SlotStatus{h.slot, h.sequence, *state, static_cast<ClockStatus>(byte9)};
        case MessageType::parameters:
            return Parameters{h.slot, h.sequence, *state, byte9, to_bytes(framed->data)};
        case MessageType::escape_response:
            return EscapeResponse{h.slot, h.sequence, *state, to_bytes(framed->data)};
        default:
            return std::unexpected(MessageError::unknown_message_type);
    }
}

std::expected<InterruptMessage, MessageError> decode_interrupt(
    std::span<const std::uint8_t> bytes) {
    if (bytes.empty()) {
        return std::unexpected(MessageError::empty_interrupt);
    }
    switch (bytes[0]) {
        case static_cast<std::uint8_t>(MessageType::notify_slot_change): {
            // CCID 1.1 §6.3.1: at least one bmSlotICCState byte.
            if (bytes.size() < 2) {
                return std::unexpected(MessageError::truncated_data);
            }
            NotifySlotChange message;
            for (std::size_t index = 1; index < bytes.size(); ++index) {
                for (int pair = 0; pair < 4; ++pair) {
                    const auto bits = static_cast<unsigned>(bytes[index] >> (pair * 2)) & 0x03U;
                    message.slots.push_back(SlotChange{(bits & 1U) != 0, (bits & 2U) != 0});
                }
            }
            return message;
        }
        case static_cast<std::uint8_t>(MessageType::hardware_error):
            // CCID 1.1 §6.3.2: bMessageType, bSlot, bSeq, bHardwareErrorCode.
            if (bytes.size() < 4) {
                return std::unexpected(MessageError::truncated_data);
            }
            return HardwareError{bytes[1], bytes[2], bytes[3]};
        default:
            if (is_command_type(bytes[0]) || is_response_type(bytes[0])) {
                return std::unexpected(MessageError::wrong_direction);
            }
            return std::unexpected(MessageError::unknown_message_type);
    }
}

std::uint8_t sequence_of(const Command& command) {
    return std::visit([](const auto& message) { return message.sequence; }, command);
}

std::uint8_t sequence_of(const Response& response) {
    return std::visit([](const auto& message) { return message.sequence; }, response);
}

std::uint8_t slot_of(const Response& response) {
    return std::visit([](const auto& message) { return message.slot; }, response);
}

const SlotState& state_of(const Response& response) {
    return std::visit([](const auto& message) -> const SlotState& { return message.state; },
                      response);
}

}  // namespace drivers::ccid
