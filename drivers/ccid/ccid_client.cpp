#include "drivers/ccid/ccid_client.h"

#include <algorithm>
#include <array>
#include <string>

#include "base/bytes.h"

namespace drivers::ccid {

namespace {

// CCID 1.1 §6.3: the longest interrupt message of a reader with up to 32 slots is 9 bytes;
// more room costs nothing.
constexpr std::size_t k_interrupt_buffer_length = 64;

// While a command waits for its answer, the interrupt is asked at least this often: it bounds
// how long an eject, a stop or a card read's deadline waits for a slow reader.
constexpr std::chrono::milliseconds k_interrupt_check_interval{100};

// CCID 1.1 §5.3: class-specific requests to the interface.
constexpr std::uint8_t k_request_type_class_interface_out = 0x21;
constexpr std::uint8_t k_request_type_class_interface_in = 0xA1;
constexpr std::uint8_t k_request_abort = 0x01;
constexpr std::uint8_t k_request_get_data_rates = 0x03;

CcidError from_usb(usb::UsbError error) {
    switch (error) {
        case usb::UsbError::timeout:
            return CcidError::timeout;
        case usb::UsbError::no_device:
            return CcidError::reader_gone;
        default:
            return CcidError::transport_failed;
    }
}

MessageType expected_response_type(const Command& command) {
    // CCID 1.1 §6.1, Table 6.1-1: which response answers which command.
    return std::visit(
        [](const auto& message) {
            using T = std::decay_t<decltype(message)>;
            if constexpr (std::is_same_v<T, PowerOn> || std::is_same_v<T, XfrBlock> ||
                          std::is_same_v<T, Secure>) {
                return MessageType::data_block;
            } else if constexpr (std::is_same_v<T, GetParameters> ||
                                 std::is_same_v<T, ResetParameters> ||
                                 std::is_same_v<T, SetParameters>) {
                return MessageType::parameters;
            } else if constexpr (std::is_same_v<T, Escape>) {
                return MessageType::escape_response;
            } else {
                return MessageType::slot_status;
            }
        },
        command);
}

MessageType type_of(const Response& response) {
    switch (response.index()) {
        case 0:
            return MessageType::data_block;
        case 1:
            return MessageType::slot_status;
        case 2:
            return MessageType::parameters;
        default:
            return MessageType::escape_response;
    }
}

std::uint8_t slot_of(const Command& command) {
    return std::visit([](const auto& message) { return message.slot; }, command);
}

}  // namespace

std::string_view to_string(CcidError error) {
    switch (error) {
        case CcidError::timeout:
            return "ccid: the reader did not answer in time";
        case CcidError::reader_gone:
            return "ccid: the reader was unplugged";
        case CcidError::transport_failed:
            return "ccid: USB transfer failed";
        case CcidError::malformed_response:
            return "ccid: the reader's answer is not a valid CCID message";
        case CcidError::unexpected_response:
            return "ccid: the reader answered with the wrong message type";
        case CcidError::sequence_mismatch:
            return "ccid: the reader's answer carries the wrong sequence number";
        case CcidError::slot_mismatch:
            return "ccid: the reader's answer is about another slot";
        case CcidError::time_extension_limit:
            return "ccid: the reader asked for more time too often";
        case CcidError::apdu_too_long:
            return "ccid: the command is longer than the reader accepts";
        case CcidError::card_absent:
            return "ccid: no card in the slot";
        case CcidError::card_mute:
            return "ccid: the card does not answer";
        case CcidError::card_communication:
            return "ccid: transmission error between reader and card";
        case CcidError::bad_atr:
            return "ccid: the card's answer to reset is invalid";
        case CcidError::protocol_not_supported:
            return "ccid: the card's protocol is not supported";
        case CcidError::command_not_supported:
            return "ccid: the reader does not support the command";
        case CcidError::hardware_error:
            return "ccid: the reader reports a hardware error";
        case CcidError::aborted:
            return "ccid: the command was aborted";
        case CcidError::slot_busy:
            return "ccid: the slot is busy";
        case CcidError::pin_cancelled:
            return "ccid: PIN entry cancelled";
        case CcidError::pin_timeout:
            return "ccid: PIN entry timed out";
        case CcidError::command_failed:
            return "ccid: the reader reports that the command failed";
        case CcidError::exchange_level_not_supported:
            return "ccid: the reader works at character level, which this driver does not drive";
        case CcidError::no_common_protocol:
            return "ccid: the card offers no protocol the reader speaks";
        case CcidError::pps_failed:
            return "ccid: the card refused the protocol and speed asked for";
        case CcidError::card_protocol_failed:
            return "ccid: the card's transmission protocol failed beyond recovery";
        case CcidError::unexpected_chain:
            return "ccid: the reader chained an answer at a level that does not chain";
        case CcidError::chain_out_of_order:
            return "ccid: the reader's chain does not follow the pieces before";
        case CcidError::chain_piece_empty:
            return "ccid: a piece of the reader's chained answer carries no data";
        case CcidError::chain_piece_too_long:
            return "ccid: a piece of the reader's chained answer is longer than its messages";
        case CcidError::chain_too_long:
            return "ccid: the reader's chained answer is longer than any response APDU";
    }
    return "ccid: unknown error";
}

CcidError error_from_state(const SlotState& state) {
    // CCID 1.1 §6.2.6 Table 6.2-2. An absent card explains any failure best.
    if (state.icc == IccStatus::absent) {
        return CcidError::card_absent;
    }
    switch (state.error) {
        case slot_error::k_icc_mute:
            return CcidError::card_mute;
        case slot_error::k_cmd_aborted:
            return CcidError::aborted;
        case slot_error::k_xfr_parity_error:
        case slot_error::k_xfr_overrun:
            return CcidError::card_communication;
        case slot_error::k_hw_error:
            return CcidError::hardware_error;
        case slot_error::k_bad_atr_ts:
        case slot_error::k_bad_atr_tck:
            return CcidError::bad_atr;
        case slot_error::k_icc_protocol_not_supported:
        case slot_error::k_icc_class_not_supported:
            return CcidError::protocol_not_supported;
        case slot_error::k_pin_timeout:
            return CcidError::pin_timeout;
        case slot_error::k_pin_cancelled:
            return CcidError::pin_cancelled;
        case slot_error::k_cmd_slot_busy:
        case slot_error::k_busy_with_auto_sequence:
            return CcidError::slot_busy;
        case slot_error::k_command_not_supported:
            return CcidError::command_not_supported;
        default:
            return CcidError::command_failed;
    }
}

std::string slot_error_name(std::uint8_t error) {
    // CCID 1.1 §6.2.6 Table 6.2-2.
    switch (error) {
        case slot_error::k_command_not_supported:
            return "CMD_NOT_SUPPORTED";
        case slot_error::k_cmd_aborted:
            return "CMD_ABORTED";
        case slot_error::k_icc_mute:
            return "ICC_MUTE";
        case slot_error::k_xfr_parity_error:
            return "XFR_PARITY_ERROR";
        case slot_error::k_xfr_overrun:
            return "XFR_OVERRUN";
        case slot_error::k_hw_error:
            return "HW_ERROR";
        case slot_error::k_bad_atr_ts:
            return "BAD_ATR_TS";
        case slot_error::k_bad_atr_tck:
            return "BAD_ATR_TCK";
        case slot_error::k_icc_protocol_not_supported:
            return "ICC_PROTOCOL_NOT_SUPPORTED";
        case slot_error::k_icc_class_not_supported:
            return "ICC_CLASS_NOT_SUPPORTED";
        case slot_error::k_procedure_byte_conflict:
            return "PROCEDURE_BYTE_CONFLICT";
        case slot_error::k_deactivated_protocol:
            return "DEACTIVATED_PROTOCOL";
        case slot_error::k_busy_with_auto_sequence:
            return "BUSY_WITH_AUTO_SEQUENCE";
        case slot_error::k_pin_timeout:
            return "PIN_TIMEOUT";
        case slot_error::k_pin_cancelled:
            return "PIN_CANCELLED";
        case slot_error::k_cmd_slot_busy:
            return "CMD_SLOT_BUSY";
        default:
            break;
    }
    if (error >= 1 && error <= 127) {
        // The offset of the field the reader refuses, counted from bMessageType.
        return "bad value at offset " + std::to_string(error) + " of the command";
    }
    // 0x81..0xC0 are the vendor's own, the rest reserved (Table 6.2-2).
    const std::string code = base::to_hex(std::array<std::uint8_t, 1>{error});
    return (error >= 0x81 && error <= 0xC0 ? "vendor error 0x" : "reserved error 0x") + code;
}

CcidOptions CcidOptions::for_reader(const ClassDescriptor& descriptor, std::uint8_t slot) {
    CcidOptions options;
    options.slot = slot;
    // A reader announcing less than a header plus a short APDU is wrong about itself; the
    // open-source CCID driver meets such readers and keeps the minimum that works. One
    // announcing more than the longest CCID message is wrong too (up to 4 GiB fits the field).
    // At the extended APDU level the reader chains what does not fit (CCID 1.1 §6.1.4), so a
    // small message length is what it says: the pieces are cut to it.
    const std::size_t least = descriptor.exchange_level() == ExchangeLevel::extended_apdu
                                  ? k_min_chained_message_length
                                  : k_min_message_length;
    options.max_message_length =
        std::clamp<std::size_t>(descriptor.max_message_length, least, k_max_message_length);
    return options;
}

CcidClient::CcidClient(usb::Transport& transport, CcidOptions options)
    : m_transport(transport),
      m_options(options),
      m_read_buffer(
          std::clamp(options.max_message_length, k_min_message_length, k_max_message_length)) {}

std::uint8_t CcidClient::next_sequence() {
    return m_sequence++;
}

std::expected<Response, CcidError> CcidClient::receive(Clock::time_point until,
                                                       bool interruptible) {
    // One bulk transfer normally carries one whole message, but a transfer cut short by its
    // timeout hands over only the first part; the rest comes with the next transfer. So bytes
    // are gathered until the header's dwLength is complete.
    const std::span<std::uint8_t> buffer(m_read_buffer);
    std::size_t filled = 0;
    // The answer is decoded into its own Response; this buffer is cleared whatever happens.
    struct WipeOnExit {
        std::span<std::uint8_t> bytes;
        const std::size_t& filled;
        ~WipeOnExit() { base::wipe(bytes.first(filled)); }
    } wipe_on_exit{buffer, filled};
    // The first read is made however late it is: an answer already waiting is taken.
    bool read_once = false;
    while (true) {
        if (interruptible && m_interrupt && m_interrupt()) {
            return std::unexpected(CcidError::aborted);
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
        if (left <= std::chrono::milliseconds::zero() && read_once) {
            return std::unexpected(filled > 0 ? CcidError::malformed_response : CcidError::timeout);
        }
        read_once = true;
        const auto wait =
            std::clamp(left, std::chrono::milliseconds(1), k_interrupt_check_interval);
        auto received = m_transport.bulk_in(buffer.subspan(filled), wait);
        if (!received) {
            if (received.error() == usb::UsbError::timeout) {
                continue;  // ask the interrupt again, then wait on
            }
            return std::unexpected(from_usb(received.error()));
        }
        filled += *received;
        const std::span<const std::uint8_t> message = buffer.first(filled);
        if (filled >= k_header_length) {
            const std::size_t announced = base::le32_at(message, 1);
            if (announced > k_max_data_length || k_header_length + announced > buffer.size()) {
                return std::unexpected(CcidError::malformed_response);
            }
            if (filled < k_header_length + announced) {
                continue;
            }
        } else if (*received > 0) {
            continue;
        }
        auto response = decode_response(message);
        if (!response) {
            return std::unexpected(CcidError::malformed_response);
        }
        return std::move(*response);
    }
}

std::expected<Response, CcidError> CcidClient::exchange(const Command& command) {
    return exchange(command, Clock::now() + m_options.max_command_duration);
}

std::expected<Response, CcidError> CcidClient::exchange(const Command& command,
                                                        Clock::time_point deadline) {
    m_last_slot_error.reset();
    const base::Bytes request = encode(command);
    if (request.size() > m_options.max_message_length) {
        return std::unexpected(CcidError::apdu_too_long);
    }
    if (auto sent = m_transport.bulk_out(request, m_options.command_timeout); !sent) {
        return std::unexpected(from_usb(sent.error()));
    }
    const std::uint8_t sequence = sequence_of(command);
    const std::uint8_t slot = slot_of(command);
    auto timeout = m_options.command_timeout;
    int time_extensions = 0;
    int stale_responses = 0;
    while (true) {
        auto response = receive(std::min(deadline, Clock::now() + timeout), true);
        if (!response) {
            const CcidError error = response.error();
            if (error == CcidError::timeout || error == CcidError::aborted ||
                error == CcidError::time_extension_limit) {
                // The reader may still be working on the command: stop it, so that its late
                // answer cannot be taken for the next command's.
                abort_command(slot, sequence);
            }
            // Only stale answers came: the device is out of step, which is worth naming.
            if (error == CcidError::timeout && stale_responses > 0) {
                return std::unexpected(CcidError::sequence_mismatch);
            }
            return std::unexpected(error);
        }
        if (sequence_of(*response) != sequence) {
            if (++stale_responses > m_options.max_stale_responses) {
                return std::unexpected(CcidError::sequence_mismatch);
            }
            continue;
        }
        if (slot_of(*response) != slot) {
            return std::unexpected(CcidError::slot_mismatch);
        }
        const SlotState& state = state_of(*response);
        if (state.command == CommandStatus::time_extension) {
            // CCID 1.1 §6.2.6: bStatus 0x80 asks the host to wait again, bError being the
            // multiplier of the waiting time.
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (++time_extensions > m_options.max_time_extensions ||
                left <= std::chrono::milliseconds::zero()) {
                abort_command(slot, sequence);
                return std::unexpected(CcidError::time_extension_limit);
            }
            timeout = std::min(left, m_options.command_timeout * std::max<int>(1, state.error));
            continue;
        }
        if (type_of(*response) != expected_response_type(command)) {
            return std::unexpected(CcidError::unexpected_response);
        }
        if (state.command == CommandStatus::failed) {
            m_last_slot_error = state.error;
            return std::unexpected(error_from_state(state));
        }
        return std::move(*response);
    }
}

void CcidClient::abort_command(std::uint8_t slot, std::uint8_t sequence) {
    // CCID 1.1 §5.3.1: the control request first, then the bulk message with the same bSlot
    // and bSeq; the reader ends the aborted command (CMD_ABORTED) and answers the Abort with
    // a SlotStatus. A reader that stalls the request cannot abort; what it sends late is
    // skipped by its stale bSeq anyway.
    const usb::ControlRequest request{
        .request_type = k_request_type_class_interface_out,
        .request = k_request_abort,
        .value = static_cast<std::uint16_t>((sequence << 8) | slot),
        .index = m_options.interface_number,
    };
    if (!m_transport.control_transfer(request, {}, 0, m_options.abort_timeout)) {
        return;
    }
    if (!m_transport.bulk_out(encode(Command{Abort{slot, sequence}}), m_options.abort_timeout)) {
        return;
    }
    const auto until = Clock::now() + m_options.abort_timeout;
    while (Clock::now() < until) {
        auto response = receive(until, false);
        if (!response) {
            return;
        }
        if (sequence_of(*response) == sequence && std::holds_alternative<SlotStatus>(*response)) {
            return;
        }
    }
}

std::expected<base::Bytes, CcidError> CcidClient::power_on(PowerSelect power) {
    std::lock_guard lock(m_command_mutex);
    auto response = exchange(PowerOn{m_options.slot, next_sequence(), power});
    if (!response) {
        return std::unexpected(response.error());
    }
    base::Bytes atr = std::get<DataBlock>(*response).data;
    if (atr.empty()) {
        // A successful power-on without an answer to reset is a mute card in disguise.
        return std::unexpected(CcidError::card_mute);
    }
    return atr;
}

std::expected<SlotReport, CcidError> CcidClient::power_off() {
    std::lock_guard lock(m_command_mutex);
    auto response = exchange(PowerOff{m_options.slot, next_sequence()});
    if (!response) {
        return std::unexpected(response.error());
    }
    const auto& status = std::get<SlotStatus>(*response);
    return SlotReport{status.state.icc, status.clock};
}

std::expected<SlotReport, CcidError> CcidClient::slot_status() {
    std::lock_guard lock(m_command_mutex);
    auto response = exchange(GetSlotStatus{m_options.slot, next_sequence()});
    if (!response) {
        return std::unexpected(response.error());
    }
    const auto& status = std::get<SlotStatus>(*response);
    return SlotReport{status.state.icc, status.clock};
}

std::expected<base::Bytes, CcidError> CcidClient::transmit(std::span<const std::uint8_t> data,
                                                           std::uint8_t block_waiting_integer) {
    if (data.size() + k_header_length > m_options.max_message_length) {
        return std::unexpected(CcidError::apdu_too_long);
    }
    std::lock_guard lock(m_command_mutex);
    XfrBlock command;
    command.slot = m_options.slot;
    command.sequence = next_sequence();
    command.block_waiting_integer = block_waiting_integer;
    command.data.assign(data.begin(), data.end());
    auto response = exchange(command);
    if (!response) {
        return std::unexpected(response.error());
    }
    auto& block = std::get<DataBlock>(*response);
    if (block.chain_parameter != chain_parameter::k_whole) {
        // CCID 1.1 §6.2.1: only the extended APDU level chains; a part is not the answer.
        return std::unexpected(CcidError::unexpected_chain);
    }
    return std::move(block.data);
}

std::expected<DataBlock, CcidError> CcidClient::exchange_piece(std::span<const std::uint8_t> data,
                                                               std::uint16_t level_parameter,
                                                               Clock::time_point deadline) {
    XfrBlock command;
    command.slot = m_options.slot;
    command.sequence = next_sequence();
    command.level_parameter = level_parameter;
    command.data.assign(data.begin(), data.end());
    auto response = exchange(command, deadline);
    if (!response) {
        return std::unexpected(response.error());
    }
    auto& block = std::get<DataBlock>(*response);
    // CCID 1.1 §5.1: the reader announced the longest message it sends; one longer is a
    // reader out of step with itself, whatever the host's buffer could hold.
    if (k_header_length + block.data.size() > m_options.max_message_length) {
        return std::unexpected(CcidError::chain_piece_too_long);
    }
    return std::move(block);
}

std::expected<base::Bytes, CcidError> CcidClient::transmit_extended(
    std::span<const std::uint8_t> data) {
    if (data.empty() || data.size() > k_max_extended_command_length) {
        return std::unexpected(CcidError::apdu_too_long);
    }
    std::lock_guard lock(m_command_mutex);
    // However many pieces, the chain is one command to its caller (CcidOptions).
    const auto deadline = Clock::now() + m_options.max_command_duration;
    const std::size_t piece_length = m_options.max_message_length - k_header_length;

    // CCID 1.1 §6.1.4: the command APDU in pieces of at most dwMaxCCIDMessageLength - 10.
    std::size_t sent = 0;
    std::expected<DataBlock, CcidError> answer = std::unexpected(CcidError::chain_out_of_order);
    while (true) {
        const std::size_t length = std::min(piece_length, data.size() - sent);
        const bool first = sent == 0;
        const bool last = sent + length == data.size();
        const std::uint16_t level = first && last ? level_parameter::k_whole
                                    : first       ? level_parameter::k_begins
                                    : last        ? level_parameter::k_ends
                                                  : level_parameter::k_continues;
        answer = exchange_piece(data.subspan(sent, length), level, deadline);
        if (!answer) {
            return std::unexpected(answer.error());
        }
        sent += length;
        if (last) {
            break;
        }
        // §6.2.1: each piece but the last is acknowledged by an empty DataBlock asking for the
        // next; anything else means the reader did not take the piece as part of a chain.
        if (answer->chain_parameter != chain_parameter::k_next_command || !answer->data.empty()) {
            return std::unexpected(CcidError::chain_out_of_order);
        }
    }

    // CCID 1.1 §6.2.1: the response APDU, whole or in pieces.
    switch (answer->chain_parameter) {
        case chain_parameter::k_whole:
            return std::move(answer->data);
        case chain_parameter::k_begins:
            break;
        default:  // a continue or an end without a begin, a request for a piece not coming
            return std::unexpected(CcidError::chain_out_of_order);
    }
    base::Bytes response;
    while (true) {
        if (answer->data.empty()) {
            return std::unexpected(CcidError::chain_piece_empty);
        }
        if (response.size() + answer->data.size() > k_max_data_length) {
            return std::unexpected(CcidError::chain_too_long);
        }
        response.insert(response.end(), answer->data.begin(), answer->data.end());
        if (answer->chain_parameter == chain_parameter::k_ends) {
            return response;
        }
        answer = exchange_piece({}, level_parameter::k_next_response, deadline);
        if (!answer) {
            return std::unexpected(answer.error());
        }
        if (answer->chain_parameter != chain_parameter::k_continues &&
            answer->chain_parameter != chain_parameter::k_ends) {
            return std::unexpected(CcidError::chain_out_of_order);
        }
    }
}

std::expected<Parameters, CcidError> CcidClient::set_parameters(
    std::uint8_t protocol, std::span<const std::uint8_t> data) {
    std::lock_guard lock(m_command_mutex);
    SetParameters command;
    command.slot = m_options.slot;
    command.sequence = next_sequence();
    command.protocol = protocol;
    command.protocol_data.assign(data.begin(), data.end());
    auto response = exchange(command);
    if (!response) {
        return std::unexpected(response.error());
    }
    return std::move(std::get<Parameters>(*response));
}

std::expected<std::vector<std::uint32_t>, CcidError> CcidClient::data_rates(std::uint8_t count) {
    const usb::ControlRequest request{
        .request_type = k_request_type_class_interface_in,
        .request = k_request_get_data_rates,
        .value = 0,
        .index = m_options.interface_number,
    };
    auto answer = m_transport.control_transfer(request, {}, static_cast<std::uint16_t>(count * 4),
                                               m_options.command_timeout);
    if (!answer) {
        return std::unexpected(answer.error() == usb::UsbError::pipe
                                   ? CcidError::command_not_supported
                                   : from_usb(answer.error()));
    }
    // Four bytes each, little-endian; a short answer gives the whole rates it holds.
    std::vector<std::uint32_t> rates;
    for (std::size_t offset = 0; offset + 4 <= answer->size(); offset += 4) {
        rates.push_back(base::le32_at(*answer, offset));
    }
    return rates;
}

std::expected<std::optional<InterruptMessage>, CcidError> CcidClient::wait_for_interrupt(
    std::chrono::milliseconds timeout) {
    std::array<std::uint8_t, k_interrupt_buffer_length> buffer{};
    auto received = m_transport.interrupt_in(buffer, timeout);
    if (!received) {
        // Silence, or the transport's wake(): the caller has something else to do.
        if (received.error() == usb::UsbError::timeout ||
            received.error() == usb::UsbError::interrupted) {
            return std::optional<InterruptMessage>{};
        }
        return std::unexpected(from_usb(received.error()));
    }
    auto message = decode_interrupt(std::span<const std::uint8_t>(buffer).first(*received));
    if (!message) {
        return std::unexpected(CcidError::malformed_response);
    }
    return std::optional<InterruptMessage>{std::move(*message)};
}

}  // namespace drivers::ccid
