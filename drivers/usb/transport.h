#pragma once

// The transport ring of every USB driver: a device's endpoints as plain byte transfers.
// Protocol clients (CCID, EPP, ...) are written against this interface so that tests can hand
// them a fake that replays byte transcripts, and the simulator can hand them a virtual device.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "drivers/usb/usb_error.h"

namespace drivers::usb {

// USB 2.0 §9.3: the SETUP packet of a control transfer. Bit 7 of request_type gives the
// direction (1 = device to host).
struct ControlRequest {
    std::uint8_t request_type = 0;
    std::uint8_t request = 0;
    std::uint16_t value = 0;
    std::uint16_t index = 0;
};

constexpr std::uint8_t k_control_direction_in = 0x80;

class Transport {
  public:
    virtual ~Transport() = default;

    // Sends one transfer on the interface's bulk OUT endpoint.
    virtual std::expected<void, UsbError> bulk_out(std::span<const std::uint8_t> data,
                                                   std::chrono::milliseconds timeout) = 0;

    // Receives one transfer from the bulk IN endpoint into `buffer` and returns how many bytes
    // arrived. The caller owns the buffer, so a client reuses one buffer for every read and
    // no device can make it allocate (a device cannot send more than the buffer holds:
    // UsbError::overflow). A transfer cut short by its timeout returns the bytes that did
    // arrive, which may be the first part of a message; UsbError::timeout means none did.
    virtual std::expected<std::size_t, UsbError> bulk_in(std::span<std::uint8_t> buffer,
                                                         std::chrono::milliseconds timeout) = 0;

    // The same for the interrupt IN endpoint; UsbError::timeout when the device had nothing to
    // report in time, which is the normal case while waiting. A wait on the interrupt endpoint
    // also ends, with UsbError::interrupted, when another thread calls wake().
    virtual std::expected<std::size_t, UsbError> interrupt_in(
        std::span<std::uint8_t> buffer, std::chrono::milliseconds timeout) = 0;

    // Ends the interrupt_in() wait in progress on another thread, or the next one if none is
    // waiting, with UsbError::interrupted: how a device's thread that waits for its device to
    // speak learns at once that it has something else to do. Any thread. Transports whose
    // interrupt waits never block (a replay of recorded bytes) need not implement it.
    virtual void wake() {}

    // A control transfer on endpoint 0. For an IN request (request_type bit 7 set) `data` is
    // ignored and up to `in_length` bytes are returned; for an OUT request `data` is sent and
    // the result is empty.
    virtual std::expected<base::Bytes, UsbError> control_transfer(
        const ControlRequest& request, std::span<const std::uint8_t> data, std::uint16_t in_length,
        std::chrono::milliseconds timeout) = 0;
};

// One transfer from the bulk IN endpoint as a buffer of its own, for callers that read rarely
// (a PIN pad frame, a test): at most `max_length` bytes.
std::expected<base::Bytes, UsbError> read_bulk(Transport& transport, std::size_t max_length,
                                               std::chrono::milliseconds timeout);
std::expected<base::Bytes, UsbError> read_interrupt(Transport& transport, std::size_t max_length,
                                                    std::chrono::milliseconds timeout);

}  // namespace drivers::usb
