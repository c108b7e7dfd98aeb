#pragma once

// The host side of CCID over a Transport: one slot of one reader. Each command is sent with
// the next bSeq and only a response with the same bSeq and slot is accepted (CCID 1.1 §6);
// time extension requests are honoured (§6.2.6); anything a device gets wrong ends in a
// CcidError, never in a crash or an endless wait.

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "drivers/ccid/ccid_message.h"
#include "drivers/ccid/class_descriptor.h"
#include "drivers/usb/transport.h"

namespace drivers::ccid {

enum class CcidError {
    timeout,                       // the reader did not answer in time
    reader_gone,                   // the reader was unplugged
    transport_failed,              // any other USB failure
    malformed_response,            // the reader's answer is not a valid CCID message
    unexpected_response,           // a valid message of the wrong kind for the command sent
    sequence_mismatch,             // no answer carried the bSeq of the command
    slot_mismatch,                 // the answer is about another slot
    time_extension_limit,          // the reader kept asking for more time
    apdu_too_long,                 // the command does not fit the reader's message size
    card_absent,                   // no card in the slot
    card_mute,                     // the card does not answer (CCID bError FE)
    card_communication,            // parity error or overrun talking to the card
    bad_atr,                       // the reader rejected the card's answer to reset
    protocol_not_supported,        // the card's protocol is not one the reader speaks
    command_not_supported,         // the reader does not know this command
    hardware_error,                // the reader reports a hardware fault
    aborted,                       // the command was aborted
    slot_busy,                     // the slot is busy with another command
    pin_cancelled,                 // PIN entry cancelled on a reader's keypad
    pin_timeout,                   // PIN entry timed out on a reader's keypad
    command_failed,                // any other failure the reader reports
    exchange_level_not_supported,  // a character-level reader: the host would time each byte
    no_common_protocol,            // the card offers no protocol the reader speaks
    pps_failed,                    // the card refused the protocol or speed asked for
    card_protocol_failed,          // T=1 with the card failed beyond recovery (resynch failed)
    // CCID 1.1 §6.1.4 and §6.2.1: what a reader gets wrong about chaining.
    unexpected_chain,      // a chained answer from a reader whose level does not chain
    chain_out_of_order,    // a piece that does not follow the one before (a continue without
                           // a begin, a command piece not asked for, an unknown value)
    chain_piece_empty,     // a piece of a chained response without data
    chain_piece_too_long,  // a piece longer than the reader's dwMaxCCIDMessageLength
    chain_too_long,        // a chained response beyond the longest extended response
};

std::string_view to_string(CcidError error);

// The reader's verdict on a failed command, as a CcidError (CCID 1.1 §6.2.6).
CcidError error_from_state(const SlotState& state);

// Every bError value by its name in CCID 1.1 Table 6.2-2 ("ICC_MUTE"), or the field it
// refuses ("bad value at offset 7 of the command") for 1..127, for the engineer's log.
std::string slot_error_name(std::uint8_t error);

struct CcidOptions {
    std::uint8_t slot = 0;
    // How long one answer may take before the reader asks for more time.
    std::chrono::milliseconds command_timeout{3000};
    // How many time extensions one command may take (a lying reader could ask forever).
    int max_time_extensions = 60;
    // However the reader asks for time, one command ends within this: a customer at the
    // kiosk waits no longer, and the reader's thread stays stoppable.
    std::chrono::milliseconds max_command_duration{30'000};
    // How many answers with a stale bSeq are skipped before giving up (a late answer to a
    // command that timed out arrives before the current one).
    int max_stale_responses = 4;
    // dwMaxCCIDMessageLength: header plus data, from the class descriptor, always between
    // k_min_message_length (k_min_chained_message_length at the extended APDU level) and
    // k_max_message_length. At the extended level it sizes the pieces of a chain.
    std::size_t max_message_length = k_max_message_length;
    // The reader's interface number, which class-specific control requests (ABORT,
    // GET_DATA_RATES) carry in wIndex (CCID 1.1 §5.3).
    std::uint8_t interface_number = 0;
    // After a command ends without its answer (a time-out, an interrupt), how long the ABORT
    // that puts reader and host back in step may take (CCID 1.1 §5.3.1).
    std::chrono::milliseconds abort_timeout{1000};

    // The reader's own figures, clamped to what CCID allows: a reader cannot make the host
    // reserve more than k_max_message_length for its answers.
    static CcidOptions for_reader(const ClassDescriptor& descriptor, std::uint8_t slot = 0);
};

// What the reader said about the slot.
struct SlotReport {
    IccStatus icc = IccStatus::absent;
    ClockStatus clock = ClockStatus::stopped;
};

class CcidClient {
  public:
    // Asked between reads while a command waits for its answer; true ends the command at once
    // with CcidError::aborted (a card read past its deadline, an eject, a stop).
    using Interrupt = std::function<bool()>;

    explicit CcidClient(usb::Transport& transport, CcidOptions options = {});

    // Every later command asks `interrupt` while it waits. An empty one never interrupts.
    void set_interrupt(Interrupt interrupt) { m_interrupt = std::move(interrupt); }

    // PC_to_RDR_IccPowerOn (CCID 1.1 §6.1.1): returns the card's answer to reset.
    std::expected<base::Bytes, CcidError> power_on(PowerSelect power = PowerSelect::automatic);
    // PC_to_RDR_IccPowerOff (§6.1.2).
    std::expected<SlotReport, CcidError> power_off();
    // PC_to_RDR_GetSlotStatus (§6.1.3).
    std::expected<SlotReport, CcidError> slot_status();
    // PC_to_RDR_XfrBlock (§6.1.4): sends a command APDU (short APDU level), a TPDU or a T=1
    // block (TPDU level) in one message and returns what the reader delivers. These levels do
    // not chain: a DataBlock with a bChainParameter other than 0 is unexpected_chain (§6.2.1),
    // never a part taken for the whole. `block_waiting_integer` (bBWI)
    // multiplies the reader's block waiting time, for a T=1 card that asked for more time.
    std::expected<base::Bytes, CcidError> transmit(std::span<const std::uint8_t> data,
                                                   std::uint8_t block_waiting_integer = 0);
    // PC_to_RDR_XfrBlock at the extended APDU level (§6.1.4, §6.2.1): a command APDU longer
    // than a message holds goes in pieces (wLevelParameter 1, 3, ..., 2), each answered by an
    // empty DataBlock with bChainParameter 0x10 but the last; a response the reader returns in
    // pieces (bChainParameter 1, 3, ..., 2) is gathered, each next piece asked for with an
    // empty XfrBlock whose wLevelParameter is 0x10. Each piece is one command: its own bSeq,
    // time extensions and abort; the whole chain ends within max_command_duration. A chain
    // the reader breaks is a chain_* error, never a part taken for the whole.
    std::expected<base::Bytes, CcidError> transmit_extended(std::span<const std::uint8_t> data);
    // PC_to_RDR_SetParameters (§6.1.7): the protocol (0 or 1) and abProtocolDataStructure;
    // returns the parameters the reader now uses.
    std::expected<Parameters, CcidError> set_parameters(std::uint8_t protocol,
                                                        std::span<const std::uint8_t> data);
    // GET_DATA_RATES (§5.3.3): the data rates the reader supports, `count` of them
    // (bNumDataRatesSupported), in bits per second.
    std::expected<std::vector<std::uint32_t>, CcidError> data_rates(std::uint8_t count);
    // The bError of the last command, if the reader failed it (CCID 1.1 Table 6.2-2).
    std::optional<std::uint8_t> last_slot_error() const { return m_last_slot_error; }

    // Waits up to `timeout` for a message on the interrupt endpoint (§6.3). Nothing within
    // the time is not an error: the result is then empty, as it is when another thread ends
    // the wait early with the transport's wake(). May run on another thread than the
    // commands.
    std::expected<std::optional<InterruptMessage>, CcidError> wait_for_interrupt(
        std::chrono::milliseconds timeout);

    const CcidOptions& options() const { return m_options; }

  private:
    using Clock = std::chrono::steady_clock;

    std::expected<Response, CcidError> exchange(const Command& command);
    // As above, but ended at `deadline` (a chain's pieces share one).
    std::expected<Response, CcidError> exchange(const Command& command, Clock::time_point deadline);
    // One piece of an extended-level chain: an XfrBlock with this wLevelParameter, whose
    // DataBlock is checked against the reader's message length.
    std::expected<DataBlock, CcidError> exchange_piece(std::span<const std::uint8_t> data,
                                                       std::uint16_t level_parameter,
                                                       Clock::time_point deadline);
    std::expected<Response, CcidError> receive(Clock::time_point until, bool interruptible);
    // CCID 1.1 §5.3.1: the ABORT control request and PC_to_RDR_Abort with the sequence of a
    // command whose answer never came, then the reader's answers drained until the Abort's.
    void abort_command(std::uint8_t slot, std::uint8_t sequence);
    std::uint8_t next_sequence();

    usb::Transport& m_transport;
    CcidOptions m_options;
    Interrupt m_interrupt;
    std::mutex m_command_mutex;  // one command in flight at a time
    std::uint8_t m_sequence = 0;
    std::optional<std::uint8_t> m_last_slot_error;
    // Every answer is read into this one buffer, reserved once at the reader's clamped message
    // length and wiped after each answer is decoded (it carries the card's records).
    base::Bytes m_read_buffer;
};

}  // namespace drivers::ccid
