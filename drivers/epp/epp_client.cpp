#include "drivers/epp/epp_client.h"

#include "base/bytes.h"
#include "base/text.h"

namespace drivers::epp {

namespace {

// Events are short (epp.md §5); one interrupt transfer carries one event frame.
constexpr std::size_t k_event_buffer_length = 64;

EppError from_usb(usb::UsbError error) {
    switch (error) {
        case usb::UsbError::timeout:
            return EppError::timeout;
        case usb::UsbError::no_device:
            return EppError::device_gone;
        default:
            return EppError::transport_failed;
    }
}

}  // namespace

EppClient::EppClient(usb::Transport& transport, EppOptions options)
    : m_transport(transport), m_options(options) {}

std::expected<Response, EppError> EppClient::exchange(const Command& command) {
    std::lock_guard lock(m_command_mutex);
    const std::uint8_t sequence = m_sequence++;
    Frame outgoing = encode_command(command, sequence);
    base::Bytes request = encode_frame(outgoing);
    const auto sent = m_transport.bulk_out(request, m_options.command_timeout);
    // A start-PIN-entry frame carries twelve digits of the card number: both buffers are
    // base::Bytes, wiped when this call returns.
    if (!sent) {
        return std::unexpected(from_usb(sent.error()));
    }
    int stale = 0;
    while (true) {
        auto received = usb::read_bulk(m_transport, k_max_frame_length, m_options.command_timeout);
        if (!received) {
            if (received.error() == usb::UsbError::timeout && stale > 0) {
                return std::unexpected(EppError::sequence_mismatch);
            }
            return std::unexpected(from_usb(received.error()));
        }
        auto frame = decode_frame(*received);
        if (!frame) {
            return std::unexpected(frame.error());
        }
        if (frame->sequence != sequence) {
            if (++stale > m_options.max_stale_responses) {
                return std::unexpected(EppError::sequence_mismatch);
            }
            continue;
        }
        auto response = decode_response(*frame);
        if (!response) {
            return std::unexpected(response.error());
        }
        if (response->command_code == code::k_nak) {
            // epp.md §2: a NAK says why: an unreadable frame or a code the pad does not know.
            return std::unexpected(response->status == Status::unknown_command
                                       ? EppError::unknown_command
                                       : EppError::rejected_frame);
        }
        if (response->command_code != code_of(command)) {
            return std::unexpected(EppError::unexpected_response);
        }
        if (response->status != Status::ok) {
            return std::unexpected(error_from_status(response->status));
        }
        return std::move(*response);
    }
}

std::expected<DeviceInfo, EppError> EppClient::get_info() {
    auto response = exchange(GetInfo{});
    if (!response) {
        return std::unexpected(response.error());
    }
    return decode_device_info(response->data);
}

std::expected<PadStatus, EppError> EppClient::get_status() {
    auto response = exchange(GetStatus{});
    if (!response) {
        return std::unexpected(response.error());
    }
    return decode_pad_status(response->data);
}

std::expected<void, EppError> EppClient::set_key_mode(KeyMode mode) {
    if (mode == KeyMode::clear_digits) {
        // Digits in the clear are asked for only with a purpose and limits.
        return std::unexpected(EppError::invalid_request);
    }
    auto response = exchange(SetKeyMode{.mode = mode});
    if (!response) {
        return std::unexpected(response.error());
    }
    return {};
}

std::expected<void, EppError> EppClient::offer_clear_digits(DigitPurpose purpose,
                                                            std::uint8_t count,
                                                            std::chrono::seconds time) {
    if (count == 0 || count > k_max_clear_digits || time.count() < 1 ||
        time.count() > k_max_clear_digit_seconds) {
        return std::unexpected(EppError::invalid_request);
    }
    auto response = exchange(SetKeyMode{.mode = KeyMode::clear_digits,
                                        .purpose = purpose,
                                        .digit_count = count,
                                        .seconds = static_cast<std::uint16_t>(time.count())});
    if (!response) {
        return std::unexpected(response.error());
    }
    return {};
}

std::expected<void, EppError> EppClient::start_pin_entry(const PinEntryRequest& request) {
    const auto seconds = request.timeout.count();
    const bool digits_only = request.account_field.size() == k_account_field_digits &&
                             base::is_digits(request.account_field.view());
    if (!digits_only || request.min_digits < k_min_pin_digits ||
        request.max_digits > k_max_pin_digits || request.min_digits > request.max_digits ||
        seconds < k_min_pin_timeout_seconds || seconds > k_max_pin_timeout_seconds) {
        return std::unexpected(EppError::invalid_request);
    }
    StartPinEntry command;
    command.key_slot = request.key_slot;
    command.min_digits = request.min_digits;
    command.max_digits = request.max_digits;
    command.timeout_seconds = static_cast<std::uint16_t>(seconds);
    command.account_field = request.account_field;
    command.kind = request.kind;
    auto response = exchange(command);
    if (!response) {
        return std::unexpected(response.error());
    }
    return {};
}

std::expected<void, EppError> EppClient::cancel_pin_entry() {
    auto response = exchange(CancelPinEntry{});
    if (!response) {
        return std::unexpected(response.error());
    }
    return {};
}

std::expected<PinBlockReply, EppError> EppClient::get_pin_block() {
    auto response = exchange(GetPinBlock{});
    if (!response) {
        return std::unexpected(response.error());
    }
    return decode_pin_block_reply(response->data);
}

std::expected<void, EppError> EppClient::beep(Tone tone, std::chrono::milliseconds duration) {
    if (duration.count() < 0 || duration.count() > k_max_beep_ms) {
        return std::unexpected(EppError::invalid_request);
    }
    auto response = exchange(Beep{tone, static_cast<std::uint16_t>(duration.count())});
    if (!response) {
        return std::unexpected(response.error());
    }
    return {};
}

std::expected<std::optional<Event>, EppError> EppClient::wait_for_event(
    std::chrono::milliseconds timeout) {
    auto received = usb::read_interrupt(m_transport, k_event_buffer_length, timeout);
    if (!received) {
        // Silence, or the transport's wake(): the caller has something else to do.
        if (received.error() == usb::UsbError::timeout ||
            received.error() == usb::UsbError::interrupted) {
            return std::optional<Event>{};
        }
        return std::unexpected(from_usb(received.error()));
    }
    auto frame = decode_frame(*received);
    if (!frame) {
        return std::unexpected(frame.error());
    }
    auto event = decode_event(*frame);
    if (!event) {
        return std::unexpected(event.error());
    }
    // epp.md §5: the pad numbers its events; a gap means events were lost on the way.
    if (m_last_event_sequence) {
        const auto expected = static_cast<std::uint8_t>(*m_last_event_sequence + 1);
        if (frame->sequence != expected) {
            m_events_lost += static_cast<std::uint8_t>(frame->sequence - expected);
        }
    }
    m_last_event_sequence = frame->sequence;
    return std::optional<Event>{std::move(*event)};
}

}  // namespace drivers::epp
