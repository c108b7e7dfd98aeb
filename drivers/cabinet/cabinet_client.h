#pragma once

// The host side of the cabinet sensors board protocol (docs/protocols/cabinet.md) over a
// Transport: the kiosk's driver. One command at a time on the bulk endpoints; events are read
// from the interrupt endpoint, possibly on another thread.
//
// No command changes anything on the board (cabinet.md, "Design rules" 1), so the client never
// needs to know whether a lost command was carried out: its caller may simply ask again.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <mutex>
#include <optional>

#include "drivers/cabinet/cabinet_protocol.h"
#include "drivers/usb/transport.h"

namespace drivers::cabinet {

struct CabinetOptions {
    std::chrono::milliseconds command_timeout = k_command_timeout;
    // Answers with an older sequence number (late answers to a command that timed out) that
    // are skipped before giving up (cabinet.md §2.1).
    int max_stale_responses = 4;
};

class CabinetClient {
  public:
    explicit CabinetClient(usb::Transport& transport, CabinetOptions options = {});

    // cabinet.md §4.1 and §4.2. A refusal, a NAK, a damaged or malformed answer is a named
    // CabinetError; nothing a board sends is taken on trust.
    std::expected<DeviceInfo, CabinetError> get_info();
    std::expected<CabinetStatus, CabinetError> get_status();

    // Waits up to `timeout` for one event (cabinet.md §5). Nothing within the time is an empty
    // result, and so is a wait that another thread ends early with the transport's wake().
    std::expected<std::optional<Event>, CabinetError> wait_for_event(
        std::chrono::milliseconds timeout);
    // Events the board numbered but that never arrived (gaps in the sequence numbers, §2.1):
    // when it grows, the caller asks GET STATUS again (§5.2).
    unsigned events_lost() const { return m_events_lost.load(); }

  private:
    // One command and its answer, which must be ok; NAKs, refusals and answers to other
    // commands are errors.
    std::expected<Response, CabinetError> command_ok(const Command& command);

    usb::Transport& m_transport;
    CabinetOptions m_options;
    std::mutex m_command_mutex;
    std::uint8_t m_sequence = 0;
    std::optional<std::uint8_t> m_last_event_sequence;  // touched by the event reader only
    std::atomic<unsigned> m_events_lost{0};
};

}  // namespace drivers::cabinet
