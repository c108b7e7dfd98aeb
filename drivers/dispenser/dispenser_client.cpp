#include "drivers/dispenser/dispenser_client.h"

#include <algorithm>
#include <utility>

#include "base/bytes.h"

namespace drivers::dispenser {

namespace {

// Events are short (dispenser.md §4.4); one interrupt transfer carries one event frame.
constexpr std::size_t k_event_buffer_length = 64;

DispenserError from_usb(usb::UsbError error) {
    switch (error) {
        case usb::UsbError::timeout:
            return DispenserError::timeout;
        case usb::UsbError::no_device:
            return DispenserError::device_gone;
        default:
            return DispenserError::transport_failed;
    }
}

// dispenser.md §5.1: failures after which the host cannot know whether the dispenser carried
// out the order, and sends it again. A refusal, or a dispenser that is gone, is an answer.
bool is_lost_answer(DispenserError error) {
    switch (error) {
        case DispenserError::timeout:
        case DispenserError::sequence_mismatch:
        case DispenserError::transport_failed:
        case DispenserError::rejected_frame:
        case DispenserError::truncated_frame:
        case DispenserError::bad_start_of_frame:
        case DispenserError::unsupported_version:
        case DispenserError::payload_too_long:
        case DispenserError::bad_checksum:
            return true;
        default:
            return false;
    }
}

template <typename T>
std::expected<T, DispenserError> decoded(
    std::expected<Response, DispenserError> response,
    std::expected<T, DispenserError> (*decode)(std::span<const std::uint8_t>)) {
    if (!response) {
        return std::unexpected(response.error());
    }
    return decode(response->data);
}

}  // namespace

DispenserClient::DispenserClient(usb::Transport& transport, DispenserOptions options)
    : m_transport(transport), m_options(options) {}

std::expected<Response, DispenserError> DispenserClient::exchange(
    const Command& command, std::chrono::milliseconds timeout) {
    std::lock_guard lock(m_command_mutex);
    const std::uint8_t sequence = m_sequence++;
    const auto sent = m_transport.bulk_out(encode_frame(encode_command(command, sequence)),
                                           m_options.command_timeout);
    if (!sent) {
        return std::unexpected(from_usb(sent.error()));
    }
    int stale = 0;
    while (true) {
        auto received = usb::read_bulk(m_transport, k_max_frame_length, timeout);
        if (!received) {
            if (received.error() == usb::UsbError::timeout && stale > 0) {
                return std::unexpected(DispenserError::sequence_mismatch);
            }
            return std::unexpected(from_usb(received.error()));
        }
        auto frame = decode_frame(*received);
        if (!frame) {
            return std::unexpected(frame.error());
        }
        // dispenser.md §2 (epp.md §2): a late answer to an earlier command is dropped.
        if (frame->sequence != sequence) {
            if (++stale > m_options.max_stale_responses) {
                return std::unexpected(DispenserError::sequence_mismatch);
            }
            continue;
        }
        auto response = decode_response(*frame);
        if (!response) {
            return std::unexpected(response.error());
        }
        if (response->command_code == code::k_nak) {
            // A NAK says why: an unreadable frame or a code the dispenser does not know.
            return std::unexpected(response->status == Status::unknown_command
                                       ? DispenserError::unknown_command
                                       : DispenserError::rejected_frame);
        }
        if (response->command_code != code_of(command)) {
            return std::unexpected(DispenserError::unexpected_response);
        }
        return std::move(*response);
    }
}

std::expected<Response, DispenserError> DispenserClient::command_ok(const Command& command) {
    auto response = exchange(command, m_options.command_timeout);
    if (response && response->status != Status::ok) {
        return std::unexpected(error_from_status(response->status));
    }
    return response;
}

std::expected<DeviceInfo, DispenserError> DispenserClient::get_info() {
    return decoded(command_ok(GetInfo{}), decode_device_info);
}

std::expected<DispenserStatus, DispenserError> DispenserClient::get_status() {
    return decoded(command_ok(GetStatus{}), decode_status);
}

std::expected<std::vector<Cassette>, DispenserError> DispenserClient::get_cassettes() {
    return decoded(command_ok(GetCassettes{}), decode_cassettes);
}

std::expected<DispenseOutcome, DispenserError> DispenserClient::dispense(
    const TransactionReference& reference, std::span<const std::uint16_t> notes_per_cassette) {
    if (reference.is_zero() ||
        std::ranges::all_of(notes_per_cassette, [](std::uint16_t notes) { return notes == 0; })) {
        return std::unexpected(DispenserError::invalid_request);
    }
    const Dispense command{reference, {notes_per_cassette.begin(), notes_per_cassette.end()}};
    auto outcome = dispense_once(command);
    for (int attempt = 1;
         attempt < m_options.dispense_attempts && !outcome && is_lost_answer(outcome.error());
         ++attempt) {
        outcome = dispense_once(command);
    }
    return outcome;
}

std::expected<DispenseOutcome, DispenserError> DispenserClient::dispense_once(
    const Dispense& command) {
    auto response = exchange(command, m_options.dispense_timeout);
    if (!response) {
        return std::unexpected(response.error());
    }
    // dispenser.md §4.3: a jam while picking still reports what was picked; a dispenser that
    // was jammed before refuses with no outcome.
    const bool outcome_follows = response->status == Status::ok ||
                                 (response->status == Status::jammed && !response->data.empty());
    if (!outcome_follows) {
        return std::unexpected(error_from_status(response->status));
    }
    auto outcome = decode_outcome(response->data);
    if (!outcome) {
        return std::unexpected(outcome.error());
    }
    if (outcome->reference != command.reference ||
        outcome->notes_picked.size() != command.notes_per_cassette.size()) {
        return std::unexpected(DispenserError::unexpected_response);
    }
    return outcome;
}

std::expected<std::uint16_t, DispenserError> DispenserClient::present(
    const TransactionReference& reference) {
    return decoded(command_ok(Present{reference}), decode_note_count);
}

std::expected<std::uint16_t, DispenserError> DispenserClient::retract(
    const TransactionReference& reference) {
    return decoded(command_ok(Retract{reference}), decode_note_count);
}

std::expected<std::uint16_t, DispenserError> DispenserClient::reject(
    const TransactionReference& reference) {
    return decoded(command_ok(Reject{reference}), decode_note_count);
}

std::expected<State, DispenserError> DispenserClient::reset() {
    return decoded(command_ok(Reset{}), decode_state);
}

std::expected<std::optional<Event>, DispenserError> DispenserClient::wait_for_event(
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
    // dispenser.md §2 (epp.md §2): the dispenser numbers its events; a gap means lost events.
    if (m_last_event_sequence) {
        const auto expected = static_cast<std::uint8_t>(*m_last_event_sequence + 1);
        if (frame->sequence != expected) {
            m_events_lost += static_cast<std::uint8_t>(frame->sequence - expected);
        }
    }
    m_last_event_sequence = frame->sequence;
    return std::optional<Event>{std::move(*event)};
}

}  // namespace drivers::dispenser
