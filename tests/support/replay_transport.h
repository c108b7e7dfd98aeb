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

#include "base/bytes.h"
#include "drivers/usb/transport.h"

namespace tests::drivers {

using ::drivers::usb::UsbError;

class ReplayTransport : public ::drivers::usb::Transport {
  public:
    // The host must send exactly these bytes next on bulk OUT.
    void expect_out(base::Bytes bytes) {
        std::lock_guard lock(m_mutex);
        m_bulk.push_back(Step{Direction::out, std::move(bytes)});
    }
    // The device answers with these bytes on bulk IN.
    void reply_in(base::Bytes bytes) {
        std::lock_guard lock(m_mutex);
        m_bulk.push_back(Step{Direction::in, std::move(bytes)});
    }
    // The next bulk IN read fails with this error.
    void fail_in(UsbError error) {
        std::lock_guard lock(m_mutex);
        m_bulk.push_back(Step{Direction::in, error});
    }
    // The device reports these bytes on interrupt IN.
    void reply_interrupt(base::Bytes bytes) {
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
    std::vector<base::Bytes> sent() const {
        std::lock_guard lock(m_mutex);
        return m_sent;
    }
    // Every buffer the host offered for a bulk IN read, in order.
    struct ReadBuffer {
        const std::uint8_t* data = nullptr;
        std::size_t size = 0;
    };
    std::vector<ReadBuffer> read_buffers() const {
        std::lock_guard lock(m_mutex);
        return m_read_buffers;
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
        const auto& expected = std::get<base::Bytes>(step.payload);
        if (!std::equal(expected.begin(), expected.end(), data.begin(), data.end())) {
            m_mismatches.push_back("bulk OUT differs from the transcript");
            return std::unexpected(UsbError::io);
        }
        return {};
    }

    std::expected<std::size_t, UsbError> bulk_in(std::span<std::uint8_t> buffer,
                                                 std::chrono::milliseconds /*timeout*/) override {
        std::lock_guard lock(m_mutex);
        m_read_buffers.push_back(ReadBuffer{buffer.data(), buffer.size()});
        if (m_bulk.empty() || m_bulk.front().direction != Direction::in) {
            return std::unexpected(UsbError::timeout);
        }
        const Step step = std::move(m_bulk.front());
        m_bulk.pop_front();
        if (const auto* error = std::get_if<UsbError>(&step.payload)) {
            return std::unexpected(*error);
        }
        return deliver(std::get<base::Bytes>(step.payload), buffer);
    }

    std::expected<std::size_t, UsbError> interrupt_in(
        std::span<std::uint8_t> buffer, std::chrono::milliseconds /*timeout*/) override {
        std::lock_guard lock(m_mutex);
        if (m_interrupt.empty()) {
            return std::unexpected(UsbError::timeout);
        }
        const base::Bytes bytes = std::move(m_interrupt.front());
        m_interrupt.pop_front();
        return deliver(bytes, buffer);
    }

    std::expected<base::Bytes, UsbError> control_transfer(const ::drivers::usb::ControlRequest&,
                                                          std::span<const std::uint8_t>,
                                                          std::uint16_t,
                                                          std::chrono::milliseconds) override {
        return std::unexpected(UsbError::pipe);
    }

  private:
    // A device cannot send more than the host asked for: the rest is an overflow.
    static std::expected<std::size_t, UsbError> deliver(const base::Bytes& bytes,
                                                        std::span<std::uint8_t> buffer) {
        if (bytes.size() > buffer.size()) {
            return std::unexpected(UsbError::overflow);
        }
        std::copy(bytes.begin(), bytes.end(), buffer.begin());
        return bytes.size();
    }

    enum class Direction { out, in };
    struct Step {
        Direction direction;
        std::variant<base::Bytes, UsbError> payload;
    };
    mutable std::mutex m_mutex;
    std::deque<Step> m_bulk;
    std::deque<base::Bytes> m_interrupt;
    std::vector<std::string> m_mismatches;
    std::vector<base::Bytes> m_sent;
    std::vector<ReadBuffer> m_read_buffers;
};

// "62 00 0A" -> bytes; spaces optional. For test transcripts only.
inline base::Bytes hex(std::string_view text) {
    return base::parse_hex(text).value();
}
}  // namespace tests::drivers
