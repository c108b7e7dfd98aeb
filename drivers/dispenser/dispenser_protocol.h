#pragma once

// The kiosk's cash dispenser protocol, version 1 (docs/protocols/dispenser.md): commands,
// responses and events, encoded and decoded in both directions (the kiosk's driver encodes
// commands and decodes the rest; the dispenser, the simulated one included, the other way
// round). Pure functions over bytes; the frames are drivers/frame's with the start byte DC.
//
// Every command that moves cash names its transaction (a 16-byte reference), and a DISPENSE
// is carried out once per reference: the same DISPENSE again returns the stored outcome.

#include <array>
#include <chrono>
#include <compare>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "drivers/frame/frame.h"

namespace drivers::dispenser {

// dispenser.md §2: the dispenser's start of frame; the rest of the frame is drivers/frame's.
constexpr std::uint8_t k_start_of_frame = 0xDC;
constexpr std::size_t k_max_frame_length = frame::k_max_frame_length;

// dispenser.md §5.2: how long the host waits for an answer before it treats the dispenser as
// jammed; a DISPENSE of the most notes takes longer.
constexpr std::chrono::seconds k_command_timeout{10};
constexpr std::chrono::seconds k_dispense_timeout{30};

enum class DispenserError {
    // frame level (dispenser.md §2)
    truncated_frame,      // fewer bytes than header + trailer, or than the length announces
    bad_start_of_frame,   // the first byte is not DC
    unsupported_version,  // the version byte is not 01
    payload_too_long,     // the length field is above 512
    bad_checksum,         // CRC-16 mismatch
    // message level
    unknown_code,       // a code this version does not define
    malformed_payload,  // a payload of the wrong size or with values the protocol forbids
    // client level
    timeout,              // the dispenser did not answer in time
    device_gone,          // the dispenser was unplugged
    transport_failed,     // any other USB failure
    sequence_mismatch,    // no answer carried the command's sequence number
    unexpected_response,  // an answer to another command, or about another transaction
    invalid_request,      // the host's own request is not valid (caught before sending)
    // the dispenser's refusals (dispenser.md §3, status byte)
    rejected_frame,  // the dispenser could not read our frame (NAK)
    unknown_command,
    bad_length,
    bad_parameter,
    busy,              // another cash movement is in progress
    wrong_reference,   // the notes held belong to another transaction
    not_enough_notes,  // the cassettes cannot make the mix; nothing was picked
    jammed,            // a note jammed; STATUS says where the notes are
    nothing_held,      // no notes where the command needs them
    shutter_fault,     // the shutter did not open or close
    out_of_service,    // a fault that needs an engineer
};

std::string_view to_string(DispenserError error);

// ---- Transaction reference (dispenser.md, "Design rules" 1 and 2) ----

// The 16 bytes that name a withdrawal in every command that moves its cash: the bytes of the
// transaction's UUID in its own order (RFC 9562 §4), the same reference the account service
// and the journal name the withdrawal by (base/uuid.h). All zeros means "no transaction"
// (dispenser.md §4, STATUS).
class TransactionReference {
  public:
    static constexpr std::size_t k_length = 16;

    TransactionReference() = default;
    explicit TransactionReference(std::span<const std::uint8_t, k_length> bytes);

    // A UUID's text form (8-4-4-4-12 hexadecimal digits, either case); nothing for any other.
    static std::optional<TransactionReference> from_text(std::string_view text);
    // The UUID's canonical text, in lower case: how the kiosk writes a reference everywhere.
    std::string text() const;

    std::span<const std::uint8_t, k_length> bytes() const { return m_bytes; }
    bool is_zero() const;

    auto operator<=>(const TransactionReference&) const = default;

  private:
    std::array<std::uint8_t, k_length> m_bytes{};
};

// ---- Frames (dispenser.md §2) ----

using Frame = frame::Frame;

base::Bytes encode_frame(const Frame& frame);
// Bytes after the CRC are ignored; a frame cut short is an error.
std::expected<Frame, DispenserError> decode_frame(std::span<const std::uint8_t> bytes);
// dispenser.md §2 (epp.md §2): the sequence number for the NAK of a frame that could not be read.
std::uint8_t sequence_for_nak(std::span<const std::uint8_t> bytes);

// ---- Codes (dispenser.md §4, §4.4) ----

namespace code {
constexpr std::uint8_t k_info = 0x01;
constexpr std::uint8_t k_status = 0x02;
constexpr std::uint8_t k_cassettes = 0x03;
constexpr std::uint8_t k_dispense = 0x10;
constexpr std::uint8_t k_present = 0x11;
constexpr std::uint8_t k_retract = 0x12;
constexpr std::uint8_t k_reject = 0x13;
constexpr std::uint8_t k_reset = 0x20;
constexpr std::uint8_t k_response_flag = 0x80;  // response code = command code | 80
constexpr std::uint8_t k_nak = 0xFF;            // the dispenser could not read a frame
constexpr std::uint8_t k_cash_presented = 0x40;
constexpr std::uint8_t k_cash_taken = 0x41;
constexpr std::uint8_t k_shutter_closed = 0x42;
constexpr std::uint8_t k_jammed = 0x43;
constexpr std::uint8_t k_cassette_changed = 0x44;
}  // namespace code

// dispenser.md §3: the first payload byte of every response.
enum class Status : std::uint8_t {
    ok = 0x00,
    unknown_command = 0x01,
    bad_length = 0x02,
    bad_parameter = 0x03,
    busy = 0x04,
    wrong_reference = 0x05,
    not_enough_notes = 0x06,
    jammed = 0x07,
    nothing_held = 0x08,
    bad_frame = 0x09,
    shutter_fault = 0x0A,
    out_of_service = 0x0B,
};

// ---- Commands (dispenser.md §4) ----

struct GetInfo {
    bool operator==(const GetInfo&) const = default;
};
struct GetStatus {
    bool operator==(const GetStatus&) const = default;
};
struct GetCassettes {
    bool operator==(const GetCassettes&) const = default;
};
// dispenser.md §4: the reference, then a note count per cassette, in cassette order.
struct Dispense {
    TransactionReference reference;
    std::vector<std::uint16_t> notes_per_cassette;
    bool operator==(const Dispense&) const = default;
};
struct Present {
    TransactionReference reference;
    bool operator==(const Present&) const = default;
};
struct Retract {
    TransactionReference reference;
    bool operator==(const Retract&) const = default;
};
struct Reject {
    TransactionReference reference;
    bool operator==(const Reject&) const = default;
};
struct Reset {
    bool operator==(const Reset&) const = default;
};

using Command =
    std::variant<GetInfo, GetStatus, GetCassettes, Dispense, Present, Retract, Reject, Reset>;

std::uint8_t code_of(const Command& command);
Frame encode_command(const Command& command, std::uint8_t sequence);
// Decodes a command frame (for the dispenser): unknown_code for a code that is no command,
// malformed_payload for a payload of the wrong size (the dispenser answers bad length), and
// bad_parameter for a zero reference or a DISPENSE of no notes (dispenser.md §4).
std::expected<Command, DispenserError> decode_command(const Frame& frame);

// ---- Responses (dispenser.md §3, §4) ----

struct Response {
    std::uint8_t command_code = 0;  // the command answered; code::k_nak for a NAK
    Status status = Status::ok;
    base::Bytes data;  // the payload after the status byte
    bool operator==(const Response&) const = default;
};

Frame encode_response(const Response& response, std::uint8_t sequence);
std::expected<Response, DispenserError> decode_response(const Frame& frame);
// The dispenser's refusal as the client's error.
DispenserError error_from_status(Status status);

// dispenser.md §4, INFO.
constexpr std::size_t k_serial_length = 16;
struct DeviceInfo {
    std::uint16_t firmware_version = 0;
    std::string serial;  // printable ASCII, at most 16 characters, without the padding
    std::uint8_t cassette_count = 0;
    bool operator==(const DeviceInfo&) const = default;
};

// dispenser.md §4.1: where the notes of the current reference are.
enum class State : std::uint8_t {
    idle = 0x00,
    stacked = 0x01,
    presented = 0x02,
    jammed = 0x03,
    out_of_service = 0x04,
};

// dispenser.md §4.3, result.
enum class PickResult : std::uint8_t { picked_in_full = 0, picked_in_part = 1, nothing_picked = 2 };
// dispenser.md §4.3, where the notes of the dispense are now.
enum class NotesLocation : std::uint8_t {
    transport = 0,
    slot = 1,
    taken = 2,
    retracted = 3,
    rejected = 4,
};

// dispenser.md §4.3. Before the first dispense the dispenser reports a zero reference, nothing
// picked and zero counts.
struct DispenseOutcome {
    TransactionReference reference;
    PickResult result = PickResult::nothing_picked;
    std::uint16_t notes_rejected = 0;  // double or worn notes sent to the reject bin while picking
    std::vector<std::uint16_t> notes_picked;  // per cassette, in cassette order
    NotesLocation location = NotesLocation::transport;
    bool operator==(const DispenseOutcome&) const = default;
};

// dispenser.md §4, STATUS.
struct DispenserStatus {
    State state = State::idle;
    bool shutter_open = false;
    TransactionReference held_reference;  // zero when no notes are held
    std::uint16_t notes_in_transport = 0;
    std::uint16_t notes_at_slot = 0;
    std::uint16_t reject_bin_count = 0;
    std::uint16_t reject_bin_capacity = 0;
    DispenseOutcome last_outcome;
    bool operator==(const DispenserStatus&) const = default;
};

// dispenser.md §4, CASSETTES.
enum class CassetteState : std::uint8_t { ok = 0, low = 1, empty = 2, missing = 3, jammed = 4 };
constexpr std::size_t k_currency_length = 3;  // ISO 4217 alphabetic code
struct Cassette {
    std::uint8_t number = 1;  // from 1, in order
    std::string currency = "CNY";
    std::uint32_t denomination = 0;  // minor units (fen for CNY)
    std::uint16_t count = 0;
    CassetteState state = CassetteState::ok;
    bool operator==(const Cassette&) const = default;
};

base::Bytes encode_device_info(const DeviceInfo& info);
std::expected<DeviceInfo, DispenserError> decode_device_info(std::span<const std::uint8_t> data);
base::Bytes encode_outcome(const DispenseOutcome& outcome);
std::expected<DispenseOutcome, DispenserError> decode_outcome(std::span<const std::uint8_t> data);
base::Bytes encode_status(const DispenserStatus& status);
std::expected<DispenserStatus, DispenserError> decode_status(std::span<const std::uint8_t> data);
base::Bytes encode_cassettes(const std::vector<Cassette>& cassettes);
std::expected<std::vector<Cassette>, DispenserError> decode_cassettes(
    std::span<const std::uint8_t> data);
// PRESENT, RETRACT and REJECT answer with a note count (dispenser.md §4).
base::Bytes encode_note_count(std::uint16_t notes);
std::expected<std::uint16_t, DispenserError> decode_note_count(std::span<const std::uint8_t> data);
// RESET answers with the state after the reset (dispenser.md §4).
base::Bytes encode_state(State state);
std::expected<State, DispenserError> decode_state(std::span<const std::uint8_t> data);

// ---- Events (dispenser.md §4.4), on the interrupt endpoint ----

struct CashPresented {
    TransactionReference reference;
    std::uint16_t notes = 0;
    bool operator==(const CashPresented&) const = default;
};
// The customer took the notes: the dispense is over (dispenser.md §4.1).
struct CashTaken {
    TransactionReference reference;
    bool operator==(const CashTaken&) const = default;
};
struct ShutterClosed {
    bool operator==(const ShutterClosed&) const = default;
};
struct NotesJammed {
    TransactionReference reference;
    bool operator==(const NotesJammed&) const = default;
};
struct CassetteChanged {
    std::uint8_t cassette = 1;
    CassetteState state = CassetteState::ok;
    bool operator==(const CassetteChanged&) const = default;
};

using Event = std::variant<CashPresented, CashTaken, ShutterClosed, NotesJammed, CassetteChanged>;

Frame encode_event(const Event& event, std::uint8_t sequence);
std::expected<Event, DispenserError> decode_event(const Frame& frame);

}  // namespace drivers::dispenser
