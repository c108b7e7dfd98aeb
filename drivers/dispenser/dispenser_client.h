#pragma once

// The host side of the cash dispenser protocol (docs/protocols/dispenser.md) over a Transport:
// the kiosk's driver. One command at a time on the bulk endpoints; events are read from the
// interrupt endpoint, possibly on another thread.
//
// A DISPENSE whose response cannot be read (silence, a damaged frame, a NAK) is sent again, the
// same order with the same reference: the dispenser carries out an order once and answers the
// repeat with the stored outcome (dispenser.md §5.1), so a lost answer never pays out twice.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "drivers/dispenser/dispenser_protocol.h"
#include "drivers/usb/transport.h"

namespace drivers::dispenser {

struct DispenserOptions {
    std::chrono::milliseconds command_timeout = k_command_timeout;
    std::chrono::milliseconds dispense_timeout = k_dispense_timeout;
    // Answers with an older sequence number (late answers to a command that timed out) that
    // are skipped before giving up.
    int max_stale_responses = 4;
    // How many times one DISPENSE is sent when its response cannot be read. Three sends at
    // 30 s each bound the wait at a minute and a half before the host asks STATUS (§5.2).
    int dispense_attempts = 3;
};

class DispenserClient {
  public:
    explicit DispenserClient(usb::Transport& transport, DispenserOptions options = {});

    std::expected<DeviceInfo, DispenserError> get_info();
    std::expected<DispenserStatus, DispenserError> get_status();
    std::expected<std::vector<Cassette>, DispenserError> get_cassettes();
    // Picks the notes, a count per cassette in cassette order, for the transaction `reference`
    // (dispenser.md §4, §4.3). A jam while picking is an outcome, not an error: its result says
    // picked in part and its counts say what was picked. Sent again after a lost response
    // (dispenser.md §5.1); invalid_request, before anything is sent, for a zero reference or
    // no notes at all.
    std::expected<DispenseOutcome, DispenserError> dispense(
        const TransactionReference& reference, std::span<const std::uint16_t> notes_per_cassette);
    // Each returns the dispenser's own count of the notes it moved (dispenser.md §4).
    std::expected<std::uint16_t, DispenserError> present(const TransactionReference& reference);
    std::expected<std::uint16_t, DispenserError> retract(const TransactionReference& reference);
    std::expected<std::uint16_t, DispenserError> reject(const TransactionReference& reference);
    // The state after the reset (dispenser.md §4.1).
    std::expected<State, DispenserError> reset();

    // Waits up to `timeout` for one event. Nothing within the time is an empty result, and so
    // is a wait that another thread ends early with the transport's wake().
    std::expected<std::optional<Event>, DispenserError> wait_for_event(
        std::chrono::milliseconds timeout);
    // Events the dispenser numbered but that never arrived (gaps in the sequence numbers).
    unsigned events_lost() const { return m_events_lost.load(); }

  private:
    // One command and its answer, whatever its status; NAKs and answers to other commands are
    // errors.
    std::expected<Response, DispenserError> exchange(const Command& command,
                                                     std::chrono::milliseconds timeout);
    // One command whose answer must be ok.
    std::expected<Response, DispenserError> command_ok(const Command& command);
    std::expected<DispenseOutcome, DispenserError> dispense_once(const Dispense& command);

    usb::Transport& m_transport;
    DispenserOptions m_options;
    std::mutex m_command_mutex;
    std::uint8_t m_sequence = 0;
    std::optional<std::uint8_t> m_last_event_sequence;  // touched by the event reader only
    std::atomic<unsigned> m_events_lost{0};
};

}  // namespace drivers::dispenser
