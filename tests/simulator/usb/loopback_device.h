#pragma once
// A small VirtualUsbDevice for the bus tests: what the host writes to bulk OUT 0x02 comes back
// on bulk IN 0x81, and the test raises events on interrupt IN 0x83. It also answers one vendor
// control request and can be told to stay silent or to lie about lengths.

#include <cerrno>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "simulator/usb/virtual_usb_device.h"

namespace simulator::usb::test {

inline constexpr std::uint16_t k_loopback_vendor = 0x1209;   // pid.codes
inline constexpr std::uint16_t k_loopback_product = 0x0001;  // pid.codes test PID
inline constexpr std::uint8_t k_bulk_out = 0x02;
inline constexpr std::uint8_t k_bulk_in = 0x81;
inline constexpr std::uint8_t k_interrupt_in = 0x83;
inline constexpr std::uint16_t k_bulk_packet = 64;
inline constexpr std::uint8_t k_vendor_read = 0x01;   // IN: returns the last vendor write
inline constexpr std::uint8_t k_vendor_write = 0x02;  // OUT: stores its data stage

// Device descriptor + configuration with one vendor-class interface and three endpoints.
inline base::Bytes loopback_descriptors() {
    return {
        // USB 2.0 §9.6.1 device descriptor
        18,
        1,
        0x00,
        0x02,
        0x00,
        0x00,
        0x00,
        64,
        k_loopback_vendor & 0xFF,
        k_loopback_vendor >> 8,
        k_loopback_product & 0xFF,
        k_loopback_product >> 8,
        0x34,
        0x12,
        1,
        2,
        3,
        1,
        // §9.6.3 configuration: 9 + 9 + 3 * 7 = 39 bytes, one interface, value 1, bus powered
        9,
        2,
        39,
        0,
        1,
        1,
        0,
        0x80,
        50,
        // §9.6.5 interface 0, vendor class, three endpoints
        9,
        4,
        0,
        0,
        3,
        0xFF,
        0x00,
        0x00,
        0,
        // §9.6.6 endpoints
        7,
        5,
        k_bulk_out,
        0x02,
        k_bulk_packet,
        0,
        0,
        7,
        5,
        k_bulk_in,
        0x02,
        k_bulk_packet,
        0,
        0,
        7,
        5,
        k_interrupt_in,
        0x03,
        8,
        0,
        10,
    };
}

class LoopbackDevice : public VirtualUsbDevice {
  public:
    base::Bytes descriptors() const override { return loopback_descriptors(); }
    std::string manufacturer() const override { return "Kiosk Test Works"; }
    std::string product() const override { return "Loopback 银行"; }
    std::string serial() const override { return "LB-0001"; }

    void on_out(std::uint8_t endpoint, std::span<const std::uint8_t> data) override {
        {
            std::lock_guard lock(m_mutex);
            m_out_count += 1;
            if (endpoint != k_bulk_out || !m_echo) {
                return;
            }
            m_queues[k_bulk_in].emplace_back(data.begin(), data.end());
        }
        notify_in_ready();
    }

    std::optional<base::Bytes> take_in(std::uint8_t endpoint) override {
        std::lock_guard lock(m_mutex);
        auto& queue = m_queues[endpoint];
        if (queue.empty()) {
            return std::nullopt;
        }
        auto next = std::move(queue.front());
        queue.pop_front();
        return next;
    }

    std::expected<base::Bytes, int> on_control(const ControlSetup& setup,
                                               std::span<const std::uint8_t> data) override {
        std::lock_guard lock(m_mutex);
        const bool vendor = (setup.request_type & 0x60) == 0x40;
        if (vendor && setup.request == k_vendor_write && (setup.request_type & 0x80) == 0) {
            m_vendor_data.assign(data.begin(), data.end());
            return base::Bytes{};
        }
        if (vendor && setup.request == k_vendor_read && (setup.request_type & 0x80) != 0) {
            return m_vendor_data;
        }
        return std::unexpected(EPIPE);
    }

    // Queues one IN transfer, as if the device produced it now. Any thread.
    void produce(std::uint8_t endpoint, base::Bytes data) {
        {
            std::lock_guard lock(m_mutex);
            m_queues[endpoint].push_back(std::move(data));
        }
        notify_in_ready();
    }

    void set_echo(bool echo) {
        std::lock_guard lock(m_mutex);
        m_echo = echo;
    }

    int out_count() const {
        std::lock_guard lock(m_mutex);
        return m_out_count;
    }

    // A real device loses its power when unplugged: what it queued for the host is gone.
    void on_unplugged() override {
        std::lock_guard lock(m_mutex);
        m_queues.clear();
        ++m_unplugs;
    }
    int unplugs() const {
        std::lock_guard lock(m_mutex);
        return m_unplugs;
    }

  private:
    mutable std::mutex m_mutex;
    std::map<std::uint8_t, std::deque<base::Bytes>> m_queues;
    base::Bytes m_vendor_data;
    bool m_echo = true;
    int m_out_count = 0;
    int m_unplugs = 0;
};

}  // namespace simulator::usb::test
