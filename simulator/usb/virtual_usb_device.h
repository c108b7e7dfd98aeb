#pragma once
// The interface between a simulated USB device's behaviour (a CCID reader, a PIN pad, ...)
// and the virtual USB bus that presents it to libusb through umockdev.
//
// The bus answers the standard requests (GET_DESCRIPTOR, SET_CONFIGURATION, ...) from
// descriptors(); everything on the device's own endpoints goes to the device. The bus calls
// these functions from its own worker thread while other threads (the scenario runner, the
// control panel) change the device's state, so implementations guard their state themselves.

#include <cerrno>
#include <cstdint>
#include <expected>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"

namespace simulator::usb {

// USB 2.0 §9.3: the eight-byte SETUP packet of a control transfer.
struct ControlSetup {
    std::uint8_t request_type = 0;
    std::uint8_t request = 0;
    std::uint16_t value = 0;
    std::uint16_t index = 0;
    std::uint16_t length = 0;
};

class VirtualUsbDevice {
  public:
    virtual ~VirtualUsbDevice() = default;

    // The device descriptor followed by the whole configuration descriptor (interfaces,
    // class-specific descriptors, endpoints), as a real device returns them.
    virtual base::Bytes descriptors() const = 0;
    virtual std::string manufacturer() const = 0;
    virtual std::string product() const = 0;
    virtual std::string serial() const = 0;

    // The host completed a bulk or interrupt OUT transfer to `endpoint` (address, e.g. 0x02).
    virtual void on_out(std::uint8_t endpoint, std::span<const std::uint8_t> data) = 0;

    // The host waits for data on IN endpoint `endpoint` (address, e.g. 0x81). Returns the next
    // transfer the device has queued for it, or nothing yet: the bus then keeps the host's
    // request pending and asks again after the device calls notify_in_ready().
    virtual std::optional<base::Bytes> take_in(std::uint8_t endpoint) = 0;

    // A control transfer on endpoint 0 that is not a standard request. Returns the data stage
    // for an IN request (empty for OUT), or an errno value (EPIPE = stall).
    virtual std::expected<base::Bytes, int> on_control(const ControlSetup& /*setup*/,
                                                       std::span<const std::uint8_t> /*data*/) {
        return std::unexpected(EPIPE);
    }

    // The bus pulled the device out (VirtualUsbBus::unplug), after failing the host's
    // transfers in flight: like a real device, it loses its power and whatever it held for the
    // host. Called without the bus's lock; the bus makes no other call into the device until
    // it is plugged in again.
    virtual void on_unplugged() {}

    // The bus installs a callback here when the device is plugged in.
    void set_in_ready_listener(std::function<void()> listener) {
        std::lock_guard lock(m_listener_mutex);
        m_in_ready_listener = std::move(listener);
    }

  protected:
    // Tells the bus that take_in() may now return data for a pending request. Call it
    // without holding the device's own lock.
    void notify_in_ready() {
        std::function<void()> listener;
        {
            std::lock_guard lock(m_listener_mutex);
            listener = m_in_ready_listener;
        }
        if (listener) {
            listener();
        }
    }

  private:
    std::mutex m_listener_mutex;
    std::function<void()> m_in_ready_listener;
};

}  // namespace simulator::usb
