#pragma once

// The host side of a USB receipt printer that speaks ESC/POS (docs/protocols/escpos.md), over a
// Transport: a prepared job goes out in bulk OUT transfers, real-time status requests (DLE EOT
// n) come back as one byte each on bulk IN. One thread at a time.
//
// The client only carries bytes and reads the printer's state. What to do about a printer
// that is out of paper or off-line is the caller's choice (docs/protocols/escpos.md, "What the
// kiosk does with each status").

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>

#include "drivers/escpos/escpos_protocol.h"
#include "drivers/usb/transport.h"

namespace drivers::escpos {

// A printer's receive buffer is commonly 4 KiB: a transfer no larger than that is taken as soon
// as the printer has room for it, so the write time-out measures the printer, not the job.
constexpr std::size_t k_job_chunk_length = 4096;
// A printer takes a chunk within the time it needs to print a few lines; five seconds covers a
// slow printer printing a QR code, and a printer that takes nothing for that long is stuck.
constexpr std::chrono::milliseconds k_write_timeout{5000};
// DLE EOT n is answered at once, even in the middle of a job (ESC/POS "DLE EOT n"): a second is
// long enough for any printer that is there.
constexpr std::chrono::milliseconds k_status_timeout{1000};
// How long to listen for a late answer to a request that timed out before asking again.
constexpr std::chrono::milliseconds k_late_reply_wait{20};
// Full-speed bulk packets are 64 bytes; a status read takes a whole packet so that a printer
// that sends more than the byte asked for cannot overflow the read.
constexpr std::size_t k_status_buffer_length = 64;

struct EscposOptions {
    std::size_t chunk_length = k_job_chunk_length;
    std::chrono::milliseconds write_timeout = k_write_timeout;
    std::chrono::milliseconds status_timeout = k_status_timeout;
};

// The printer's state as the kiosk needs it, from DLE EOT 4 (paper), DLE EOT 1 (on-line) and,
// when it is off-line, DLE EOT 2 (why).
struct PrinterCondition {
    PaperState paper = PaperState::ok;
    bool online = true;
    bool cover_open = false;

    // A slip sent now would be printed: on-line with paper, even if little.
    bool can_print() const { return online && !cover_open && paper != PaperState::out; }
    friend bool operator==(const PrinterCondition&, const PrinterCondition&) = default;
};

class EscposClient {
  public:
    explicit EscposClient(usb::Transport& transport, EscposOptions options = {});

    // Sends a prepared job (the encoder's bytes) in bulk OUT transfers of at most
    // `chunk_length` bytes. A job the printer stops taking part way ends with `timeout`, whose
    // context says how much it took.
    std::expected<void, Error> print(std::span<const std::uint8_t> job);

    // Asks the paper sensors (DLE EOT 4) and the printer status (DLE EOT 1), and, when the
    // printer is off-line, the cause (DLE EOT 2).
    std::expected<PrinterCondition, Error> condition();

    // One real-time status request and its reply byte (checked for the fixed bits).
    std::expected<std::uint8_t, Error> request_status(StatusKind kind);

    // USB Printer Class 1.1, GET_DEVICE_ID: the IEEE 1284 device id ("MFG:...;MDL:...;
    // CMD:ESC/POS;"), without its two length bytes.
    std::expected<std::string, Error> device_id();

  private:
    // Reads and drops what a printer sends late for a request that timed out, so that it is
    // not taken for the answer to the next one.
    void drop_late_replies();

    usb::Transport& m_transport;
    EscposOptions m_options;
    bool m_reply_may_be_late = false;
};

}  // namespace drivers::escpos
