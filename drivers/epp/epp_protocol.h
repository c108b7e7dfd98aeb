#pragma once

// The kiosk's encrypting PIN pad protocol, version 1 revision 6 (docs/protocols/epp.md): frames,
// commands, responses and events, encoded and decoded in both directions. Pure functions over
// bytes; the secured frames of revision 5 (epp.md §8.5) are drivers/epp/epp_security.h's.
//
// The protocol is built so that the PIN cannot leave the pad: no message carries a PIN digit.
// During PIN entry the pad reports only how many digits are entered; the PIN itself leaves
// only inside an ISO 9564 block (format 4 under AES-128, or format 0 under TDES) enciphered
// under the pad's working key. A new PIN is typed twice and the pad compares the two entries
// itself (epp.md §4.8). Keys are never carried in the clear: the master key is typed on the pad
// in two components, working keys travel wrapped under it, and every key is named only by its
// key check value (epp.md §8). The third PIN key mode, AES DUKPT (epp.md §8.7, ANSI X9.24-3-2017),
// enciphers each format 4 block under a key of its own and sends the block's KSN after it; its
// slot is named by its initial key ID.

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "base/keys.h"
#include "base/wipe.h"
#include "drivers/frame/frame.h"

namespace drivers::epp {

// epp.md §2: the pad's start of frame; the rest of the frame is drivers/frame's.
constexpr std::uint8_t k_start_of_frame = 0xEB;
constexpr std::size_t k_max_frame_length = frame::k_max_frame_length;
// epp.md §4: ISO 9564 format 0 uses the rightmost 12 PAN digits without the check digit.
constexpr std::size_t k_account_field_digits = 12;
constexpr std::size_t k_pin_block_length = 8;
// epp.md §4.4, revision 5: format 4 blocks are one AES block, and carry the whole PAN.
constexpr std::size_t k_format4_block_length = 16;
constexpr std::size_t k_min_format4_pan_digits = 12;
constexpr std::size_t k_max_format4_pan_digits = 19;
// epp.md §8: key lengths, check values, challenges and proofs.
constexpr std::size_t k_key_length = 16;
constexpr std::size_t k_key_check_value_length = 5;
constexpr std::size_t k_tdes_check_value_length = 3;
constexpr std::size_t k_key_block_length = 32;
constexpr std::size_t k_challenge_length = 16;
constexpr std::size_t k_proof_length = 16;
// epp.md §8.2: a component is 16 bytes typed as 32 hex digits.
constexpr std::size_t k_component_hex_digits = 32;
// epp.md §8.7: the DUKPT initial key's block wraps 32 bytes (header, key, initial key ID) into
// 40; its initial key ID is 8 bytes and a KSN 12 (ANSI X9.24-3-2017 §6.1).
constexpr std::size_t k_dukpt_key_block_length = 40;
constexpr std::size_t k_initial_key_id_length = 8;
constexpr std::size_t k_ksn_length = 12;

enum class EppError {
    // frame level (epp.md §2)
    truncated_frame,      // fewer bytes than header + trailer, or than the length announces
    bad_start_of_frame,   // first byte is not EB
    unsupported_version,  // version byte is not 01
    payload_too_long,     // length field above 512
    bad_checksum,         // CRC-16 mismatch
    // message level
    unknown_code,       // a code this version does not define
    malformed_payload,  // payload of the wrong size or with forbidden values
    // client level
    timeout,              // the pad did not answer in time
    device_gone,          // the pad was unplugged
    transport_failed,     // any other USB failure
    sequence_mismatch,    // no answer carried the command's sequence number
    unexpected_response,  // an answer to another command
    invalid_request,      // the host's own request is not valid (caught before sending)
    // the pad's refusals (epp.md §3, status byte)
    rejected_frame,  // the pad could not read our frame (NAK)
    unknown_command,
    bad_length,
    bad_parameter,
    busy,            // a PIN entry is in progress
    no_key,          // the key slot holds no key
    not_collecting,  // no PIN entry to cancel
    no_pin_block,    // no finished PIN entry to fetch a block from
    tampered,        // the pad detected tampering and erased its keys
    // revision 5 (epp.md §8)
    bad_mac,                // the pad refused our frame's MAC or counter (NAK 0x0A)
    not_authenticated,      // the pad wants a session first (0x0B)
    authentication_failed,  // the pad refused our proof (0x0C)
    bad_key_block,          // the pad refused a key block (0x0D)
    no_ceremony,            // no key ceremony with a combined key to confirm (0x0E)
    // the host's checks of the pad (epp.md §8.4, §8.5)
    pad_not_authentic,  // the pad's proof of the authentication key is wrong
    frame_refused,      // a response without a valid MAC and counter in a session, or with them
                        // outside one
    crypto_failure,     // the cipher library refused an operation
    // epp.md §8.7 (DUKPT)
    keys_exhausted,  // the pad's DUKPT counter is used up (0x0F)
    bad_ksn,  // a DUKPT block without its 12-byte KSN, with a KSN of another length, with one
              // where none belongs, or with a transaction counter no pad uses
};

std::string_view to_string(EppError error);

// ---- Frames (epp.md §2) ----

using Frame = frame::Frame;

base::Bytes encode_frame(const Frame& frame);
// Bytes after the CRC are ignored; a frame cut short is an error.
std::expected<Frame, EppError> decode_frame(std::span<const std::uint8_t> bytes);

// ---- Codes (epp.md §3, §5) ----

namespace code {
constexpr std::uint8_t k_get_info = 0x01;
constexpr std::uint8_t k_get_status = 0x02;
constexpr std::uint8_t k_set_key_mode = 0x03;
constexpr std::uint8_t k_start_pin_entry = 0x04;
constexpr std::uint8_t k_cancel_pin_entry = 0x05;
constexpr std::uint8_t k_get_pin_block = 0x06;
constexpr std::uint8_t k_beep = 0x07;
constexpr std::uint8_t k_start_new_pin_entry = 0x08;   // revision 4, epp.md §4.8
constexpr std::uint8_t k_get_key_status = 0x09;        // revision 5, epp.md §8.1
constexpr std::uint8_t k_begin_key_ceremony = 0x0A;    // §8.2
constexpr std::uint8_t k_confirm_key_ceremony = 0x0B;  // §8.2
constexpr std::uint8_t k_load_key = 0x0C;              // §8.3
constexpr std::uint8_t k_authenticate = 0x0D;          // §8.4
constexpr std::uint8_t k_authenticate_finish = 0x0E;   // §8.4
constexpr std::uint8_t k_response_flag = 0x80;         // response code = command code | 80
constexpr std::uint8_t k_nak = 0xFF;                   // the pad could not read a frame
constexpr std::uint8_t k_key_pressed = 0x41;
constexpr std::uint8_t k_pin_digit_entered = 0x42;
constexpr std::uint8_t k_pin_cleared = 0x43;
constexpr std::uint8_t k_pin_entry_done = 0x44;
constexpr std::uint8_t k_pin_entry_ended = 0x45;
constexpr std::uint8_t k_pin_too_short = 0x46;
constexpr std::uint8_t k_pin_full = 0x47;
constexpr std::uint8_t k_headphones = 0x48;
constexpr std::uint8_t k_tamper = 0x49;
constexpr std::uint8_t k_clear_digits_ended = 0x4A;
constexpr std::uint8_t k_new_pin_again = 0x4B;  // revision 4, epp.md §4.8
constexpr std::uint8_t k_key_ceremony = 0x4C;   // revision 5, epp.md §8.2
}  // namespace code

// epp.md §3.1: first payload byte of every response.
enum class Status : std::uint8_t {
    ok = 0x00,
    unknown_command = 0x01,
    bad_length = 0x02,
    bad_parameter = 0x03,
    busy = 0x04,
    no_key = 0x05,
    not_collecting = 0x06,
    no_pin_block = 0x07,
    tampered = 0x08,
    bad_frame = 0x09,
    // revision 5 (epp.md §3.1, §8)
    bad_mac = 0x0A,
    not_authenticated = 0x0B,
    authentication_failed = 0x0C,
    bad_key_block = 0x0D,
    no_ceremony = 0x0E,
    // epp.md §8.7: the DUKPT slot's transaction counter is used up; a new initial key is needed
    keys_exhausted = 0x0F,
};

// ---- Keys (epp.md §5.1) ----

// A key travels as one byte: the ASCII digit for 0-9, and 0D Enter, 08 Clear, 1B Cancel,
// 3F Help (epp.md §5.1). Its name is base::Key's.
std::uint8_t key_code(base::Key key);
// The key a code stands for; nothing for a code no key has.
std::optional<base::Key> key_from_code(std::uint8_t value);

// ---- Commands (epp.md §4) ----

// epp.md §4.3: what the pad reports of key presses outside a PIN entry. Digits are reported
// only in clear_digits mode, which the host asks for with a stated purpose and which the pad
// ends by itself after a count of digits or a time (prompt control).
enum class KeyMode : std::uint8_t { disabled = 0, function_keys = 1, clear_digits = 2 };
// epp.md §4.3: why the host asks for digits in the clear.
enum class DigitPurpose : std::uint8_t { menu_choice = 1, amount = 2 };
// epp.md §4.4: format 0 under TDES; format 4 under AES-128 (revision 5).
enum class BlockFormat : std::uint8_t { iso9564_format0 = 0, iso9564_format4 = 4 };
enum class Tone : std::uint8_t { click = 1, attention = 2, error = 3 };
// What a PIN entry collects: a PIN once (START PIN ENTRY, epp.md §4.4), or a new PIN twice,
// the pad comparing the two entries itself (START NEW PIN ENTRY, §4.8). On the wire it is the
// command code, not a field: both commands carry the same payload.
enum class PinEntryKind { pin, new_pin };

struct GetInfo {
    bool operator==(const GetInfo&) const = default;
};
struct GetStatus {
    bool operator==(const GetStatus&) const = default;
};
struct SetKeyMode {
    KeyMode mode = KeyMode::disabled;
    // clear_digits only (epp.md §4.3): the purpose, how many digits at most, for how long.
    DigitPurpose purpose = DigitPurpose::menu_choice;
    std::uint8_t digit_count = 1;
    std::uint16_t seconds = 60;
    bool operator==(const SetKeyMode&) const = default;
};
struct StartPinEntry {
    std::uint8_t key_slot = 0;
    BlockFormat format = BlockFormat::iso9564_format0;
    std::uint8_t min_digits = 4;
    std::uint8_t max_digits = 6;
    std::uint16_t timeout_seconds = 30;
    base::SecretText account_field;         // 12 ASCII digits of the PAN (epp.md §4.4)
    PinEntryKind kind = PinEntryKind::pin;  // the command code: 04 or 08
    bool operator==(const StartPinEntry&) const = default;
};
struct CancelPinEntry {
    bool operator==(const CancelPinEntry&) const = default;
};
struct GetPinBlock {
    bool operator==(const GetPinBlock&) const = default;
};
struct Beep {
    Tone tone = Tone::click;
    std::uint16_t duration_ms = 100;
    bool operator==(const Beep&) const = default;
};

// ---- Revision 5: keys and authentication (epp.md §8) ----

// epp.md §8.1: the pad's key slots.
enum class KeySlot : std::uint8_t {
    pin_tdes = 0x00,        // PIN key for format 0
    pin_aes = 0x01,         // PIN key for format 4
    pin_dukpt = 0x02,       // DUKPT initial key for format 4 (epp.md §8.7)
    authentication = 0x10,  // the pad's own authentication key
    master = 0x80,          // the key-encryption key, made only by the key ceremony
};
// epp.md §8.1: what a slot holds.
enum class KeyAlgorithm : std::uint8_t { none = 0, tdes = 1, aes128 = 2, aes128_dukpt = 3 };
// The algorithm each slot takes (epp.md §8.1, table).
KeyAlgorithm algorithm_of(KeySlot slot);
std::optional<KeySlot> key_slot_from(std::uint8_t value);
// The slot's name as the kiosk, the simulator and docs/api/account.yaml ("KeySlot") write it:
// "pin_tdes", "pin_aes", "pin_dukpt", "authentication", "master".
std::string_view to_string(KeySlot slot);
std::optional<KeySlot> key_slot_named(std::string_view name);
// The slot whose fixed PIN key makes blocks of `format` (epp.md §4.4); a format 4 block under
// DUKPT comes from KeySlot::pin_dukpt instead (§8.7).
KeySlot pin_key_slot(BlockFormat format);

using KeyCheckValue = std::array<std::uint8_t, k_key_check_value_length>;
using Challenge = std::array<std::uint8_t, k_challenge_length>;
using Proof = std::array<std::uint8_t, k_proof_length>;
using KeyBlock = std::array<std::uint8_t, k_key_block_length>;
using DukptKeyBlock = std::array<std::uint8_t, k_dukpt_key_block_length>;
// ANSI X9.24-3-2017 §6.1: a 4-byte BDK ID and a 4-byte derivation ID; with the 32-bit
// transaction counter after it (most significant byte first), the KSN.
using InitialKeyId = std::array<std::uint8_t, k_initial_key_id_length>;
using Ksn = std::array<std::uint8_t, k_ksn_length>;

struct GetKeyStatus {
    bool operator==(const GetKeyStatus&) const = default;
};
struct BeginKeyCeremony {
    // Revision 6 (epp.md §8.2): enter is reported after the combined key, so that the
    // custodians confirm on the pad's keys. Without it the command is revision 5's.
    bool confirm_on_keys = false;
    bool operator==(const BeginKeyCeremony&) const = default;
};
struct ConfirmKeyCeremony {
    bool commit = false;  // false abandons the ceremony
    bool operator==(const ConfirmKeyCeremony&) const = default;
};
struct LoadKey {
    KeySlot slot = KeySlot::pin_aes;
    KeyBlock block{};  // RFC 3394 wrap under the master key (epp.md §8.3)
    // The slot pin_dukpt's 40-byte block instead (epp.md §8.7); unused for the other slots.
    DukptKeyBlock dukpt_block{};
    bool operator==(const LoadKey&) const = default;
};
struct Authenticate {
    Challenge host_challenge{};
    bool operator==(const Authenticate&) const = default;
};
struct AuthenticateFinish {
    Proof host_proof{};
    bool operator==(const AuthenticateFinish&) const = default;
};

using Command = std::variant<GetInfo, GetStatus, SetKeyMode, StartPinEntry, CancelPinEntry,
                             GetPinBlock, Beep, GetKeyStatus, BeginKeyCeremony, ConfirmKeyCeremony,
                             LoadKey, Authenticate, AuthenticateFinish>;

// Limits the pad enforces and the client checks before sending (epp.md §4.4, §4.7; §4.8 takes
// those of §4.4).
constexpr std::uint8_t k_min_pin_digits = 4;
constexpr std::uint8_t k_max_pin_digits = 12;
constexpr std::uint16_t k_min_pin_timeout_seconds = 1;
constexpr std::uint16_t k_max_pin_timeout_seconds = 300;
constexpr std::uint16_t k_max_beep_ms = 2000;
// epp.md §4.3: a clear-digit window reports at most this many digits (an account number) and
// lasts at most this long.
constexpr std::uint8_t k_max_clear_digits = 19;
constexpr std::uint16_t k_max_clear_digit_seconds = 300;

std::uint8_t code_of(const Command& command);
Frame encode_command(const Command& command, std::uint8_t sequence);
// Decodes a command frame's payload (for the pad). unknown_code, malformed_payload.
std::expected<Command, EppError> decode_command(const Frame& frame);

// ---- Responses (epp.md §3.1, §4) ----

struct DeviceInfo {
    std::string model;
    std::string serial;
    std::string firmware;
    std::uint8_t loaded_key_slots = 0;  // bit n set = key slot n holds a working key
    bool operator==(const DeviceInfo&) const = default;
};

enum class PadMode : std::uint8_t {
    idle = 0,
    function_keys = 1,
    pin_entry = 2,
    clear_digits = 3,
    key_ceremony = 4,  // revision 5, epp.md §8.2
};

struct PadStatus {
    PadMode mode = PadMode::idle;
    std::uint8_t digits_entered = 0;
    bool headphones_plugged = false;
    bool tampered = false;
    bool operator==(const PadStatus&) const = default;
};

struct PinBlockReply {
    std::uint8_t key_slot = 0;
    BlockFormat format = BlockFormat::iso9564_format0;
    // Format 0's block (the name kept from revision 4); all zero for format 4.
    std::array<std::uint8_t, k_pin_block_length> block{};
    // Format 4's block (epp.md §4.4, revision 5); all zero for format 0.
    std::array<std::uint8_t, k_format4_block_length> format4_block{};
    // epp.md §8.7: the KSN of a block from the DUKPT slot, whose key the bank derives from it;
    // nothing for a block under a fixed key.
    std::optional<Ksn> ksn;
    // The block of its format: 8 or 16 bytes.
    std::span<const std::uint8_t> bytes() const;
    bool operator==(const PinBlockReply&) const = default;
};

// epp.md §8.1: one slot as GET KEY STATUS reports it.
struct KeySlotStatus {
    KeySlot slot = KeySlot::pin_tdes;
    KeyAlgorithm algorithm = KeyAlgorithm::none;
    KeyCheckValue check_value{};  // TDES: 3 bytes then two zero bytes
    bool operator==(const KeySlotStatus&) const = default;
};
// epp.md §8.7: the DUKPT slot as GET KEY STATUS reports it when it holds an initial key: its
// initial key ID (a KCV of keys used once would name nothing) and the counter of the next
// transaction, 0 once the pad has used its last (ANSI X9.24-3-2017 §6.1).
struct DukptSlotStatus {
    InitialKeyId initial_key_id{};
    std::uint32_t next_counter = 0;
    bool operator==(const DukptSlotStatus&) const = default;
};
struct KeyStatus {
    std::array<KeySlotStatus, 4> slots{};  // in the order of epp.md §8.1's table
    // A fifth entry, only while the DUKPT slot holds an initial key (epp.md §8.7).
    std::optional<DukptSlotStatus> dukpt;
    std::uint8_t failed_authentications = 0;
    std::uint16_t refused_frames = 0;
    // The slot's entry; a slot the pad does not list reads as empty.
    KeySlotStatus slot(KeySlot slot) const;
    bool operator==(const KeyStatus&) const = default;
};

// epp.md §8.4: AUTHENTICATE's answer.
struct PadChallenge {
    Challenge pad_challenge{};
    Proof pad_proof{};
    bool operator==(const PadChallenge&) const = default;
};

struct Response {
    std::uint8_t command_code = 0;  // the command answered; code::nak for a NAK
    Status status = Status::ok;
    base::Bytes data;  // payload after the status byte
    bool operator==(const Response&) const = default;
};

Frame encode_response(const Response& response, std::uint8_t sequence);
std::expected<Response, EppError> decode_response(const Frame& frame);
// The pad's refusal as the client's error.
EppError error_from_status(Status status);

base::Bytes encode_device_info(const DeviceInfo& info);
std::expected<DeviceInfo, EppError> decode_device_info(std::span<const std::uint8_t> data);
base::Bytes encode_pad_status(const PadStatus& status);
std::expected<PadStatus, EppError> decode_pad_status(std::span<const std::uint8_t> data);
base::Bytes encode_pin_block_reply(const PinBlockReply& block);
std::expected<PinBlockReply, EppError> decode_pin_block_reply(std::span<const std::uint8_t> data);
base::Bytes encode_key_status(const KeyStatus& status);
std::expected<KeyStatus, EppError> decode_key_status(std::span<const std::uint8_t> data);
base::Bytes encode_pad_challenge(const PadChallenge& challenge);
std::expected<PadChallenge, EppError> decode_pad_challenge(std::span<const std::uint8_t> data);
// The 5-byte KCV after the status byte (CONFIRM KEY CEREMONY, LOAD KEY; for the DUKPT slot, the
// initial key's, epp.md §8.7).
std::expected<KeyCheckValue, EppError> decode_key_check_value(std::span<const std::uint8_t> data);

// ---- Events (epp.md §5), on the interrupt endpoint ----

enum class EndReason : std::uint8_t {
    cancelled_by_customer = 1,
    timed_out = 2,
    cancelled_by_host = 3,
    failed = 4,           // the pad could not build the block, or was tampered with during entry
    new_pins_differ = 5,  // epp.md §4.8: the second entry of a new PIN was not the first
};

struct KeyPressed {
    base::Key key = base::Key::enter;
    bool operator==(const KeyPressed&) const = default;
};
struct PinDigitEntered {
    std::uint8_t digits_entered = 0;
    bool operator==(const PinDigitEntered&) const = default;
};
struct PinCleared {
    bool operator==(const PinCleared&) const = default;
};
struct PinEntryDone {
    PinBlockReply pin_block;
    bool operator==(const PinEntryDone&) const = default;
};
struct PinEntryEnded {
    EndReason reason = EndReason::cancelled_by_customer;
    bool operator==(const PinEntryEnded&) const = default;
};
struct PinTooShort {
    std::uint8_t min_digits = 0;
    bool operator==(const PinTooShort&) const = default;
};
struct PinFull {
    std::uint8_t max_digits = 0;
    bool operator==(const PinFull&) const = default;
};
struct HeadphonesChanged {
    bool plugged = false;
    bool operator==(const HeadphonesChanged&) const = default;
};
struct TamperDetected {
    std::uint8_t reason = 0;
    bool operator==(const TamperDetected&) const = default;
};
// epp.md §5: the pad closed a clear-digit window by itself and reports function keys only.
enum class ClearDigitsEnd : std::uint8_t { count_reached = 1, time_over = 2 };
struct ClearDigitsEnded {
    ClearDigitsEnd reason = ClearDigitsEnd::count_reached;
    bool operator==(const ClearDigitsEnded&) const = default;
};

// epp.md §4.8: the pad holds the first entry of a new PIN and collects it again, from zero digits.
struct NewPinAgain {
    bool operator==(const NewPinAgain&) const = default;
};

// epp.md §8.2: the key ceremony's progress; never a digit, only counts and check values.
enum class CeremonyStage : std::uint8_t {
    typing = 0,
    component1_entered = 1,
    component2_entered = 2,
    combined = 3,
    abandoned = 4,
};
enum class CeremonyAbandon : std::uint8_t {
    cancel_key = 1,
    timed_out = 2,
    by_host = 3,
    zero_key = 4,
};
struct KeyCeremonyProgress {
    CeremonyStage stage = CeremonyStage::typing;
    std::uint8_t digits_typed = 0;                         // typing
    KeyCheckValue check_value{};                           // component and combined stages
    CeremonyAbandon reason = CeremonyAbandon::cancel_key;  // abandoned
    bool operator==(const KeyCeremonyProgress&) const = default;
};

using Event = std::variant<KeyPressed, PinDigitEntered, PinCleared, PinEntryDone, PinEntryEnded,
                           PinTooShort, PinFull, HeadphonesChanged, TamperDetected,
                           ClearDigitsEnded, NewPinAgain, KeyCeremonyProgress>;

Frame encode_event(const Event& event, std::uint8_t sequence);
std::expected<Event, EppError> decode_event(const Frame& frame);

// ---- Helpers ----

// ISO 9564-1 §9.4.2 (format 0): the 12 rightmost PAN digits excluding the check digit,
// zero-padded on the left for short PANs. invalid_request for a PAN that is not 8..19 digits.
std::expected<base::SecretText, EppError> account_field_from_pan(std::string_view pan);

}  // namespace drivers::epp
