#pragma once

// A fake transport that replays a byte transcript: the test lists what the host must send and
// what the device answers, in order. A host that sends something else gets UsbError::io and
// the mismatch is recorded; a host that reads when the device has nothing queued gets
// UsbError::timeout, as from a silent device.

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "drivers/usb/transport.h"

namespace tests::drivers {

using ::drivers::usb::Bytes;
using ::drivers::usb::UsbError;

class ReplayTransport : public ::drivers::usb::Transport {
  public:
    // The host must send exactly these bytes next on bulk OUT.
    void expect_out(Bytes bytes) {
        std::lock_guard lock(m_mutex);
        m_bulk.push_back(Step{Direction::out, std::move(bytes)});
    }
    // The device answers with these bytes on bulk IN.
    void reply_in(Bytes bytes) {
        std::lock_guard lock(m_mutex);
        m_bulk.push_back(Step{Direction::in, std::move(bytes)});
    }
    // The next bulk IN read fails with this error.
    void fail_in(UsbError error) {
        std::lock_guard lock(m_mutex);
        m_bulk.push_back(Step{Direction::in, error});
    }
    // The device reports these bytes on interrupt IN.
    void reply_interrupt(Bytes bytes) {
        std::lock_guard lock(m_mutex);
        m_interrupt.push_back(std::move(bytes));
    }

    bool finished() const {
        std::lock_guard lock(m_mutex);
        return m_bulk.empty() && m_interrupt.empty();
    }
    std::vector<std::string> mismatches() const {
        std::lock_guard lock(m_mutex);
        return m_mismatches;
    }
    // Everything the host sent, in order.
    std::vector<Bytes> sent() const {
        std::lock_guard lock(m_mutex);
        return m_sent;
    }

    std::expected<void, UsbError> bulk_out(std::span<const std::uint8_t> data,
                                           std::chrono::milliseconds /*timeout*/) override {
        std::lock_guard lock(m_mutex);
        m_sent.emplace_back(data.begin(), data.end());
        if (m_bulk.empty() || m_bulk.front().direction != Direction::out) {
            m_mismatches.push_back("unexpected bulk OUT of " + std::to_string(data.size()) +
                                   " bytes");
            return std::unexpected(UsbError::io);
        }
        const Step step = std::move(m_bulk.front());
        m_bulk.pop_front();
        const auto& expected = std::get<Bytes>(step.payload);
        if (!std::equal(expected.begin(), expected.end(), data.begin(), data.end())) {
            m_mismatches.push_back("bulk OUT differs from the transcript");
            return std::unexpected(UsbError::io);
        }
        return {};
    }

    std::expected<Bytes, UsbError> bulk_in(std::size_t max_length,
                                           std::chrono::milliseconds /*timeout*/) override {
        std::lock_guard lock(m_mutex);
        if (m_bulk.empty() || m_bulk.front().direction != Direction::in) {
            return std::unexpected(UsbError::timeout);
        }
        const Step step = std::move(m_bulk.front());
        m_bulk.pop_front();
        if (const auto* error = std::get_if<UsbError>(&step.payload)) {
            return std::unexpected(*error);
        }
        const auto& bytes = std::get<Bytes>(step.payload);
        if (bytes.size() > max_length) {
            return std::unexpected(UsbError::overflow);
        }
        return bytes;
    }

    std::expected<Bytes, UsbError> interrupt_in(std::size_t max_length,
                                                std::chrono::milliseconds /*timeout*/) override {
        std::lock_guard lock(m_mutex);
        if (m_interrupt.empty()) {
            return std::unexpected(UsbError::timeout);
        }
        Bytes bytes = std::move(m_interrupt.front());
        m_interrupt.pop_front();
        if (bytes.size() > max_length) {
            return std::unexpected(UsbError::overflow);
        }
        return bytes;
    }

    std::expected<Bytes, UsbError> control_transfer(const ::drivers::usb::ControlRequest&,
                                                    std::span<const std::uint8_t>, std::uint16_t,
                                                    std::chrono::milliseconds) override {
        return std::unexpected(UsbError::pipe);
    }

  private:
    enum class Direction { out, in };
    struct Step {
        Direction direction;
        std::variant<Bytes, UsbError> payload;
    };
    mutable std::mutex m_mutex;
    std::deque<Step> m_bulk;
    std::deque<Bytes> m_interrupt;
    std::vector<std::string> m_mismatches;
    std::vector<Bytes> m_sent;
};

// "62 00 0A" -> bytes; spaces optional. For test transcripts only.
inline Bytes hex(std::string_view text) {
    Bytes bytes;
    int high = -1;
    for (char character : text) {
        int value = -1;
        if (character >= '0' && character <= '9') {
            value = character - '0';
        } else if (character >= 'A' && character <= 'F') {
            value = character - 'A' + 10;
        } else if (character >= 'a' && character <= 'f') {
            value = character - 'a' + 10;
        } else {
            continue;
        }
        if (high < 0) {
            high = value;
        } else {
            bytes.push_back(static_cast<std::uint8_t>(high * 16 + value));
            high = -1;
        }
    }
    return bytes;
}

}  // namespace tests::drivers
