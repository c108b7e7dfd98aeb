#include "drivers/dispenser/dispenser_protocol.h"

#include <algorithm>
#include <utility>

#include "base/bytes.h"
#include "base/overloaded.h"
#include "base/uuid.h"

namespace drivers::dispenser {

namespace {

// dispenser.md §4 INFO: firmware version (2), serial number (16), cassette count (1).
constexpr std::size_t k_info_length = 2 + k_serial_length + 1;
// dispenser.md §4 STATUS: state, shutter, reference, transport, slot, reject bin count and
// capacity; the last outcome follows.
constexpr std::size_t k_status_fixed_length = 1 + 1 + TransactionReference::k_length + 2 * 4;
// dispenser.md §4.3: reference, result, notes rejected, then 2 bytes per cassette, location.
constexpr std::size_t k_outcome_fixed_length = TransactionReference::k_length + 1 + 2 + 1;
// dispenser.md §4 CASSETTES: number, currency, denomination, count, state.
constexpr std::size_t k_cassette_length = 1 + k_currency_length + 4 + 2 + 1;
// dispenser.md §4.4: cash presented carries the reference and a note count.
constexpr std::size_t k_presented_length = TransactionReference::k_length + 2;

bool is_known_command(std::uint8_t value) {
    switch (value) {
        case code::k_info:
        case code::k_status:
        case code::k_cassettes:
        case code::k_dispense:
        case code::k_present:
        case code::k_retract:
        case code::k_reject:
        case code::k_reset:
            return true;
        default:
            return false;
    }
}

bool is_known_status(std::uint8_t value) {
    return value <= static_cast<std::uint8_t>(Status::out_of_service);
}

bool is_printable(std::uint8_t character) {
    return character >= 0x20 && character < 0x7F;
}

DispenserError from_frame_error(frame::FrameError error) {
    switch (error) {
        case frame::FrameError::truncated:
            return DispenserError::truncated_frame;
        case frame::FrameError::bad_start_of_frame:
            return DispenserError::bad_start_of_frame;
        case frame::FrameError::unsupported_version:
            return DispenserError::unsupported_version;
        case frame::FrameError::payload_too_long:
            return DispenserError::payload_too_long;
        case frame::FrameError::bad_checksum:
            break;
    }
    return DispenserError::bad_checksum;
}

void put_reference(base::Bytes& bytes, const TransactionReference& reference) {
    bytes.insert(bytes.end(), reference.bytes().begin(), reference.bytes().end());
}

// The caller has checked that 16 bytes are there.
TransactionReference reference_at(std::span<const std::uint8_t> bytes, std::size_t offset) {
    return TransactionReference(bytes.subspan(offset).first<TransactionReference::k_length>());
}

// A payload that is exactly one reference, not zero: PRESENT, RETRACT, REJECT, and the events
// that name a transaction.
std::expected<TransactionReference, DispenserError> reference_payload(
    std::span<const std::uint8_t> payload, DispenserError zero_error) {
    if (payload.size() != TransactionReference::k_length) {
        return std::unexpected(DispenserError::malformed_payload);
    }
    const TransactionReference reference = reference_at(payload, 0);
    if (reference.is_zero()) {
        return std::unexpected(zero_error);
    }
    return reference;
}

// A message that is one reference and nothing else, as `Result` (a Command or an Event).
template <typename Result, typename Message>
std::expected<Result, DispenserError> reference_message(std::span<const std::uint8_t> payload,
                                                        DispenserError zero_error) {
    auto reference = reference_payload(payload, zero_error);
    if (!reference) {
        return std::unexpected(reference.error());
    }
    return Message{*reference};
}

// The notes of every cassette, 2 bytes each, from `offset` for `cassettes` cassettes.
std::vector<std::uint16_t> counts_at(std::span<const std::uint8_t> bytes, std::size_t offset,
                                     std::size_t cassettes) {
    std::vector<std::uint16_t> counts(cassettes);
    for (std::size_t index = 0; index < cassettes; ++index) {
        counts[index] = base::le16_at(bytes, offset + 2 * index);
    }
    return counts;
}

}  // namespace

std::string_view to_string(DispenserError error) {
    switch (error) {
        case DispenserError::truncated_frame:
            return "dispenser: frame cut short";
        case DispenserError::bad_start_of_frame:
            return "dispenser: frame does not start with DC";
        case DispenserError::unsupported_version:
            return "dispenser: unsupported protocol version";
        case DispenserError::payload_too_long:
            return "dispenser: payload longer than 512 bytes";
        case DispenserError::bad_checksum:
            return "dispenser: CRC mismatch";
        case DispenserError::unknown_code:
            return "dispenser: unknown message code";
        case DispenserError::malformed_payload:
            return "dispenser: malformed payload";
        case DispenserError::timeout:
            return "dispenser: no answer in time";
        case DispenserError::device_gone:
            return "dispenser: unplugged";
        case DispenserError::transport_failed:
            return "dispenser: USB transfer failed";
        case DispenserError::sequence_mismatch:
            return "dispenser: answer with the wrong sequence number";
        case DispenserError::unexpected_response:
            return "dispenser: answer to another command or transaction";
        case DispenserError::invalid_request:
            return "dispenser: invalid request";
        case DispenserError::rejected_frame:
            return "dispenser: could not read the frame";
        case DispenserError::unknown_command:
            return "dispenser: unknown command";
        case DispenserError::bad_length:
            return "dispenser: wrong payload length";
        case DispenserError::bad_parameter:
            return "dispenser: a parameter is out of range";
        case DispenserError::busy:
            return "dispenser: another cash movement is in progress";
        case DispenserError::wrong_reference:
            return "dispenser: the notes held belong to another transaction";
        case DispenserError::not_enough_notes:
            return "dispenser: not enough notes; nothing was picked";
        case DispenserError::jammed:
            return "dispenser: a note jammed";
        case DispenserError::nothing_held:
            return "dispenser: no notes held there";
        case DispenserError::shutter_fault:
            return "dispenser: the shutter did not move";
        case DispenserError::out_of_service:
            return "dispenser: out of service";
    }
    return "dispenser: unknown error";
}

// ---- Transaction reference ----

TransactionReference::TransactionReference(std::span<const std::uint8_t, k_length> bytes) {
    std::copy(bytes.begin(), bytes.end(), m_bytes.begin());
}

std::optional<TransactionReference> TransactionReference::from_text(std::string_view text) {
    const auto uuid = base::parse_uuid(text);
    if (!uuid) {
        return std::nullopt;
    }
    return TransactionReference(std::span<const std::uint8_t, k_length>(*uuid));
}

std::string TransactionReference::text() const {
    return base::uuid_text(m_bytes);
}

bool TransactionReference::is_zero() const {
    return std::ranges::all_of(m_bytes, [](std::uint8_t byte) { return byte == 0; });
}

// ---- Frames ----

base::Bytes encode_frame(const Frame& frame) {
    return frame::encode_frame(k_start_of_frame, frame);
}

std::expected<Frame, DispenserError> decode_frame(std::span<const std::uint8_t> bytes) {
    auto decoded = frame::decode_frame(k_start_of_frame, bytes);
    if (!decoded) {
        return std::unexpected(from_frame_error(decoded.error()));
    }
    return std::move(*decoded);
}

std::uint8_t sequence_for_nak(std::span<const std::uint8_t> bytes) {
    return frame::sequence_for_nak(k_start_of_frame, bytes);
}

// ---- Commands ----

std::uint8_t code_of(const Command& command) {
    return std::visit(base::Overloaded{
                          [](const GetInfo&) { return code::k_info; },
                          [](const GetStatus&) { return code::k_status; },
                          [](const GetCassettes&) { return code::k_cassettes; },
                          [](const Dispense&) { return code::k_dispense; },
                          [](const Present&) { return code::k_present; },
                          [](const Retract&) { return code::k_retract; },
                          [](const Reject&) { return code::k_reject; },
                          [](const Reset&) { return code::k_reset; },
                      },
                      command);
}

Frame encode_command(const Command& command, std::uint8_t sequence) {
    Frame frame{code_of(command), sequence, {}};
    std::visit(base::Overloaded{
                   [&](const Dispense& m) {
                       // dispenser.md §4: the reference, then a count per cassette.
                       put_reference(frame.payload, m.reference);
                       for (const std::uint16_t notes : m.notes_per_cassette) {
                           base::put_le16(frame.payload, notes);
                       }
                   },
                   [&](const Present& m) { put_reference(frame.payload, m.reference); },
                   [&](const Retract& m) { put_reference(frame.payload, m.reference); },
                   [&](const Reject& m) { put_reference(frame.payload, m.reference); },
                   [](const auto&) {},
               },
               command);
    return frame;
}

std::expected<Command, DispenserError> decode_command(const Frame& frame) {
    const base::Bytes& p = frame.payload;
    const auto empty = [&](Command command) -> std::expected<Command, DispenserError> {
        if (!p.empty()) {
            return std::unexpected(DispenserError::malformed_payload);
        }
        return command;
    };
    switch (frame.code) {
        case code::k_info:
            return empty(GetInfo{});
        case code::k_status:
            return empty(GetStatus{});
        case code::k_cassettes:
            return empty(GetCassettes{});
        case code::k_reset:
            return empty(Reset{});
        case code::k_dispense: {
            // dispenser.md §4: 16 bytes of reference, 2 bytes for each of at least one cassette.
            if (p.size() < TransactionReference::k_length + 2 ||
                (p.size() - TransactionReference::k_length) % 2 != 0) {
                return std::unexpected(DispenserError::malformed_payload);
            }
            Dispense dispense{reference_at(p, 0),
                              counts_at(p, TransactionReference::k_length,
                                        (p.size() - TransactionReference::k_length) / 2)};
            if (dispense.reference.is_zero() ||
                std::ranges::all_of(dispense.notes_per_cassette,
                                    [](std::uint16_t notes) { return notes == 0; })) {
                return std::unexpected(DispenserError::bad_parameter);
            }
            return dispense;
        }
        // dispenser.md §4: a reference of zeros names no transaction.
        case code::k_present:
            return reference_message<Command, Present>(p, DispenserError::bad_parameter);
        case code::k_retract:
            return reference_message<Command, Retract>(p, DispenserError::bad_parameter);
        case code::k_reject:
            return reference_message<Command, Reject>(p, DispenserError::bad_parameter);
        default:
            return std::unexpected(DispenserError::unknown_code);
    }
}

// ---- Responses ----

Frame encode_response(const Response& response, std::uint8_t sequence) {
    Frame frame;
    frame.code = response.command_code == code::k_nak
                     ? code::k_nak
                     : static_cast<std::uint8_t>(response.command_code | code::k_response_flag);
    frame.sequence = sequence;
    frame.payload.push_back(static_cast<std::uint8_t>(response.status));
    frame.payload.insert(frame.payload.end(), response.data.begin(), response.data.end());
    return frame;
}

std::expected<Response, DispenserError> decode_response(const Frame& frame) {
    Response response;
    const auto answered = static_cast<std::uint8_t>(frame.code & ~code::k_response_flag);
    if (frame.code == code::k_nak) {
        response.command_code = code::k_nak;
    } else if ((frame.code & code::k_response_flag) != 0 && is_known_command(answered)) {
        response.command_code = answered;
    } else {
        return std::unexpected(DispenserError::unknown_code);
    }
    // dispenser.md §3: every response starts with its status.
    if (frame.payload.empty() || !is_known_status(frame.payload[0])) {
        return std::unexpected(DispenserError::malformed_payload);
    }
    response.status = static_cast<Status>(frame.payload[0]);
    response.data.assign(frame.payload.begin() + 1, frame.payload.end());
    return response;
}

DispenserError error_from_status(Status status) {
    switch (status) {
        case Status::unknown_command:
            return DispenserError::unknown_command;
        case Status::bad_length:
            return DispenserError::bad_length;
        case Status::bad_parameter:
            return DispenserError::bad_parameter;
        case Status::busy:
            return DispenserError::busy;
        case Status::wrong_reference:
            return DispenserError::wrong_reference;
        case Status::not_enough_notes:
            return DispenserError::not_enough_notes;
        case Status::jammed:
            return DispenserError::jammed;
        case Status::nothing_held:
            return DispenserError::nothing_held;
        case Status::shutter_fault:
            return DispenserError::shutter_fault;
        case Status::out_of_service:
            return DispenserError::out_of_service;
        case Status::bad_frame:
        case Status::ok:
            break;
    }
    return DispenserError::rejected_frame;
}

base::Bytes encode_device_info(const DeviceInfo& info) {
    // dispenser.md §4 INFO: the serial number is 16 ASCII bytes, padded with spaces.
    base::Bytes data;
    base::put_le16(data, info.firmware_version);
    const std::string serial = info.serial.substr(0, k_serial_length);
    data.insert(data.end(), serial.begin(), serial.end());
    data.insert(data.end(), k_serial_length - serial.size(), ' ');
    data.push_back(info.cassette_count);
    return data;
}

std::expected<DeviceInfo, DispenserError> decode_device_info(std::span<const std::uint8_t> data) {
    if (data.size() != k_info_length ||
        !std::ranges::all_of(data.subspan(2, k_serial_length), is_printable)) {
        return std::unexpected(DispenserError::malformed_payload);
    }
    DeviceInfo info;
    info.firmware_version = base::le16_at(data, 0);
    info.serial.assign(data.begin() + 2, data.begin() + 2 + k_serial_length);
    info.serial.erase(info.serial.find_last_not_of(' ') + 1);
    info.cassette_count = data[2 + k_serial_length];
    return info;
}

base::Bytes encode_outcome(const DispenseOutcome& outcome) {
    // dispenser.md §4.3
    base::Bytes data;
    put_reference(data, outcome.reference);
    data.push_back(static_cast<std::uint8_t>(outcome.result));
    base::put_le16(data, outcome.notes_rejected);
    for (const std::uint16_t notes : outcome.notes_picked) {
        base::put_le16(data, notes);
    }
    data.push_back(static_cast<std::uint8_t>(outcome.location));
    return data;
}

std::expected<DispenseOutcome, DispenserError> decode_outcome(std::span<const std::uint8_t> data) {
    // dispenser.md §4.3: the length gives the number of cassettes, at least one.
    if (data.size() < k_outcome_fixed_length + 2 ||
        (data.size() - k_outcome_fixed_length) % 2 != 0) {
        return std::unexpected(DispenserError::malformed_payload);
    }
    constexpr std::size_t k_result = TransactionReference::k_length;
    const std::uint8_t result = data[k_result];
    const std::uint8_t location = data.back();
    if (result > static_cast<std::uint8_t>(PickResult::nothing_picked) ||
        location > static_cast<std::uint8_t>(NotesLocation::rejected)) {
        return std::unexpected(DispenserError::malformed_payload);
    }
    DispenseOutcome outcome;
    outcome.reference = reference_at(data, 0);
    outcome.result = static_cast<PickResult>(result);
    outcome.notes_rejected = base::le16_at(data, k_result + 1);
    outcome.notes_picked =
        counts_at(data, k_result + 3, (data.size() - k_outcome_fixed_length) / 2);
    outcome.location = static_cast<NotesLocation>(location);
    return outcome;
}

base::Bytes encode_status(const DispenserStatus& status) {
    // dispenser.md §4 STATUS
    base::Bytes data{static_cast<std::uint8_t>(status.state),
                     static_cast<std::uint8_t>(status.shutter_open ? 1 : 0)};
    put_reference(data, status.held_reference);
    base::put_le16(data, status.notes_in_transport);
    base::put_le16(data, status.notes_at_slot);
    base::put_le16(data, status.reject_bin_count);
    base::put_le16(data, status.reject_bin_capacity);
    const base::Bytes outcome = encode_outcome(status.last_outcome);
    data.insert(data.end(), outcome.begin(), outcome.end());
    return data;
}

std::expected<DispenserStatus, DispenserError> decode_status(std::span<const std::uint8_t> data) {
    if (data.size() < k_status_fixed_length ||
        data[0] > static_cast<std::uint8_t>(State::out_of_service) || data[1] > 1) {
        return std::unexpected(DispenserError::malformed_payload);
    }
    auto outcome = decode_outcome(data.subspan(k_status_fixed_length));
    if (!outcome) {
        return std::unexpected(outcome.error());
    }
    constexpr std::size_t k_counts = 2 + TransactionReference::k_length;
    DispenserStatus status;
    status.state = static_cast<State>(data[0]);
    status.shutter_open = data[1] == 1;
    status.held_reference = reference_at(data, 2);
    status.notes_in_transport = base::le16_at(data, k_counts);
    status.notes_at_slot = base::le16_at(data, k_counts + 2);
    status.reject_bin_count = base::le16_at(data, k_counts + 4);
    status.reject_bin_capacity = base::le16_at(data, k_counts + 6);
    status.last_outcome = std::move(*outcome);
    return status;
}

base::Bytes encode_cassettes(const std::vector<Cassette>& cassettes) {
    // dispenser.md §4 CASSETTES: per cassette, number, currency, denomination, count, state.
    base::Bytes data;
    for (const Cassette& cassette : cassettes) {
        data.push_back(cassette.number);
        std::string currency = cassette.currency.substr(0, k_currency_length);
        currency.resize(k_currency_length, ' ');
        data.insert(data.end(), currency.begin(), currency.end());
        base::put_le32(data, cassette.denomination);
        base::put_le16(data, cassette.count);
        data.push_back(static_cast<std::uint8_t>(cassette.state));
    }
    return data;
}

std::expected<std::vector<Cassette>, DispenserError> decode_cassettes(
    std::span<const std::uint8_t> data) {
    if (data.empty() || data.size() % k_cassette_length != 0) {
        return std::unexpected(DispenserError::malformed_payload);
    }
    std::vector<Cassette> cassettes;
    for (std::size_t offset = 0; offset < data.size(); offset += k_cassette_length) {
        const auto entry = data.subspan(offset, k_cassette_length);
        const auto currency = entry.subspan(1, k_currency_length);
        const std::uint8_t state = entry[k_cassette_length - 1];
        // Numbered from 1 in order; an ISO 4217 code is three capital letters.
        if (entry[0] != cassettes.size() + 1 ||
            !std::ranges::all_of(currency, [](std::uint8_t c) { return c >= 'A' && c <= 'Z'; }) ||
            state > static_cast<std::uint8_t>(CassetteState::jammed)) {
            return std::unexpected(DispenserError::malformed_payload);
        }
        cassettes.push_back(Cassette{entry[0], std::string(currency.begin(), currency.end()),
                                     base::le32_at(entry, 1 + k_currency_length),
                                     base::le16_at(entry, 5 + k_currency_length),
                                     static_cast<CassetteState>(state)});
    }
    return cassettes;
}

base::Bytes encode_note_count(std::uint16_t notes) {
    base::Bytes data;
    base::put_le16(data, notes);
    return data;
}

std::expected<std::uint16_t, DispenserError> decode_note_count(std::span<const std::uint8_t> data) {
    if (data.size() != 2) {
        return std::unexpected(DispenserError::malformed_payload);
    }
    return base::le16_at(data, 0);
}

base::Bytes encode_state(State state) {
    return base::Bytes{static_cast<std::uint8_t>(state)};
}

std::expected<State, DispenserError> decode_state(std::span<const std::uint8_t> data) {
    if (data.size() != 1 || data[0] > static_cast<std::uint8_t>(State::out_of_service)) {
        return std::unexpected(DispenserError::malformed_payload);
    }
    return static_cast<State>(data[0]);
}

// ---- Events ----

Frame encode_event(const Event& event, std::uint8_t sequence) {
    Frame frame;
    frame.sequence = sequence;
    std::visit(base::Overloaded{
                   [&](const CashPresented& e) {
                       frame.code = code::k_cash_presented;
                       put_reference(frame.payload, e.reference);
                       base::put_le16(frame.payload, e.notes);
                   },
                   [&](const CashTaken& e) {
                       frame.code = code::k_cash_taken;
                       put_reference(frame.payload, e.reference);
                   },
                   [&](const ShutterClosed&) { frame.code = code::k_shutter_closed; },
                   [&](const NotesJammed& e) {
                       frame.code = code::k_jammed;
                       put_reference(frame.payload, e.reference);
                   },
                   [&](const CassetteChanged& e) {
                       frame.code = code::k_cassette_changed;
                       frame.payload = {e.cassette, static_cast<std::uint8_t>(e.state)};
                   },
               },
               event);
    return frame;
}

std::expected<Event, DispenserError> decode_event(const Frame& frame) {
    const base::Bytes& p = frame.payload;
    // dispenser.md §4.4: an event about cash names the transaction the cash belongs to, never
    // the zero reference.
    switch (frame.code) {
        case code::k_cash_presented: {
            if (p.size() != k_presented_length) {
                return std::unexpected(DispenserError::malformed_payload);
            }
            const CashPresented presented{reference_at(p, 0),
                                          base::le16_at(p, TransactionReference::k_length)};
            if (presented.reference.is_zero() || presented.notes == 0) {
                return std::unexpected(DispenserError::malformed_payload);
            }
            return presented;
        }
        case code::k_cash_taken:
            return reference_message<Event, CashTaken>(p, DispenserError::malformed_payload);
        case code::k_shutter_closed:
            if (!p.empty()) {
                return std::unexpected(DispenserError::malformed_payload);
            }
            return ShutterClosed{};
        case code::k_jammed:
            return reference_message<Event, NotesJammed>(p, DispenserError::malformed_payload);
        case code::k_cassette_changed:
            if (p.size() != 2 || p[0] == 0 ||
                p[1] > static_cast<std::uint8_t>(CassetteState::jammed)) {
                return std::unexpected(DispenserError::malformed_payload);
            }
            return CassetteChanged{p[0], static_cast<CassetteState>(p[1])};
        default:
            return std::unexpected(DispenserError::unknown_code);
    }
}

}  // namespace drivers::dispenser
