#pragma once

// A drivers::usb::Transport wired straight to a simulated device in the same process, without
// libusb or umockdev: protocol clients and device models can then be tested, and run in the
// desktop simulator's own tests, against the very devices kiosk-sim plugs into its bus.

#include <condition_variable>
#include <memory>
#include <mutex>

#include "drivers/usb/transport.h"
#include "simulator/usb/virtual_usb_device.h"

namespace simulator::devices {

class DirectTransport final : public drivers::usb::Transport {
  public:
    // Finds the first bulk OUT, bulk IN and interrupt IN endpoints in the device's
    // descriptors, and installs itself as the device's in-ready listener.
    explicit DirectTransport(std::shared_ptr<simulator::usb::VirtualUsbDevice> device);
    ~DirectTransport() override;
    DirectTransport(const DirectTransport&) = delete;
    DirectTransport& operator=(const DirectTransport&) = delete;

    // From now on every transfer fails with UsbError::no_device, as after an unplug.
    void unplug();

    std::expected<void, drivers::usb::UsbError> bulk_out(
        std::span<const std::uint8_t> data, std::chrono::milliseconds timeout) override;
    std::expected<std::size_t, drivers::usb::UsbError> bulk_in(
        std::span<std::uint8_t> buffer, std::chrono::milliseconds timeout) override;
    std::expected<std::size_t, drivers::usb::UsbError> interrupt_in(
        std::span<std::uint8_t> buffer, std::chrono::milliseconds timeout) override;
    std::expected<base::Bytes, drivers::usb::UsbError> control_transfer(
        const drivers::usb::ControlRequest& request, std::span<const std::uint8_t> data,
        std::uint16_t in_length, std::chrono::milliseconds timeout) override;
    // Ends the interrupt_in() wait in progress, or the next one, with UsbError::interrupted.
    void wake() override;

  private:
    // `wakeable`: wake() ends this wait (the interrupt endpoint's).
    std::expected<std::size_t, drivers::usb::UsbError> receive(std::uint8_t endpoint,
                                                               std::span<std::uint8_t> buffer,
                                                               std::chrono::milliseconds timeout,
                                                               bool wakeable);

    struct Signal {
        std::mutex mutex;
        std::condition_variable condition;
        std::uint64_t generation = 0;
        bool unplugged = false;
        bool woken = false;
    };

    std::shared_ptr<simulator::usb::VirtualUsbDevice> m_device;
    std::shared_ptr<Signal> m_signal;
    std::uint8_t m_bulk_out = 0;
    std::uint8_t m_bulk_in = 0;
    std::uint8_t m_interrupt_in = 0;
};

}  // namespace simulator::devices
