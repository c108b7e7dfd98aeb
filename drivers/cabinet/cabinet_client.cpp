#include "drivers/cabinet/cabinet_client.h"

#include <utility>

#include "base/bytes.h"

namespace drivers::cabinet {

namespace {

// Events are short (cabinet.md §5); one interrupt transfer carries one event frame, within
// the endpoint's 64-byte packet (§1).
constexpr std::size_t k_cabinet_event_buffer_length = 64;

CabinetError cabinet_error_of(usb::UsbError error) {
    switch (error) {
        case usb::UsbError::timeout:
            return CabinetError::timeout;
        case usb::UsbError::no_device:
            return CabinetError::device_gone;
        default:
            return CabinetError::transport_failed;
    }
}

}  // namespace

CabinetClient::CabinetClient(usb::Transport& transport, CabinetOptions options)
    : m_transport(transport), m_options(options) {}

std::expected<Response, CabinetError> CabinetClient::command_ok(const Command& command) {
    std::lock_guard lock(m_command_mutex);
    const std::uint8_t sequence = m_sequence++;
    const auto sent = m_transport.bulk_out(encode_frame(encode_command(command, sequence)),
                                           m_options.command_timeout);
    if (!sent) {
        return std::unexpected(cabinet_error_of(sent.error()));
    }
    int stale = 0;
    while (true) {
        auto received = usb::read_bulk(m_transport, k_max_frame_length, m_options.command_timeout);
        if (!received) {
            if (received.error() == usb::UsbError::timeout && stale > 0) {
                return std::unexpected(CabinetError::sequence_mismatch);
            }
            return std::unexpected(cabinet_error_of(received.error()));
        }
        auto frame = decode_frame(*received);
        if (!frame) {
            return std::unexpected(frame.error());
        }
        // cabinet.md §2.1: a late answer to an earlier command is dropped.
        if (frame->sequence != sequence) {
            if (++stale > m_options.max_stale_responses) {
                return std::unexpected(CabinetError::sequence_mismatch);
            }
            continue;
        }
        auto response = decode_response(*frame);
        if (!response) {
            return std::unexpected(response.error());
        }
        // cabinet.md §2.2: a NAK says why, an unreadable frame or a code the board does not know.
        if (response->command_code == code::k_nak) {
            return std::unexpected(response->status == Status::unknown_command
                                       ? CabinetError::unknown_command
                                       : CabinetError::rejected_frame);
        }
        if (response->command_code != code_of(command)) {
            return std::unexpected(CabinetError::unexpected_response);
        }
        if (response->status != Status::ok) {
            return std::unexpected(error_from_status(response->status));
        }
        return std::move(*response);
    }
}

std::expected<DeviceInfo, CabinetError> CabinetClient::get_info() {
    auto response = command_ok(GetInfo{});
    if (!response) {
        return std::unexpected(response.error());
    }
    return decode_device_info(response->data);
}

std::expected<CabinetStatus, CabinetError> CabinetClient::get_status() {
    auto response = command_ok(GetStatus{});
    if (!response) {
        return std::unexpected(response.error());
    }
    return decode_status(response->data);
}

std::expected<std::optional<Event>, CabinetError> CabinetClient::wait_for_event(
    std::chrono::milliseconds timeout) {
    auto received = usb::read_interrupt(m_transport, k_cabinet_event_buffer_length, timeout);
    if (!received) {
        // Silence, or the transport's wake(): the caller has something else to do.
        if (received.error() == usb::UsbError::timeout ||
            received.error() == usb::UsbError::interrupted) {
            return std::optional<Event>{};
        }
        return std::unexpected(cabinet_error_of(received.error()));
    }
    auto frame = decode_frame(*received);
    if (!frame) {
        return std::unexpected(frame.error());
    }
    auto event = decode_event(*frame);
    if (!event) {
        return std::unexpected(event.error());
    }
    // cabinet.md §2.1: the board numbers its events; a gap means lost events.
    if (m_last_event_sequence) {
        const auto expected = static_cast<std::uint8_t>(*m_last_event_sequence + 1);
        if (frame->sequence != expected) {
            m_events_lost += static_cast<std::uint8_t>(frame->sequence - expected);
        }
    }
    m_last_event_sequence = frame->sequence;
    return std::optional<Event>{std::move(*event)};
}

}  // namespace drivers::cabinet
