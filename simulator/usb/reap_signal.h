#pragma once
// The device node as libusb polls it. libusb waits for a usbdevfs node to poll writable
// (POLLOUT) before it reaps a completed URB; a kernel node does so exactly when a URB has
// completed. umockdev's nodes are regular files, which always poll ready, so an idle libusb
// would ask again and again (docs/platform-facts.md, "libusb under umockdev"). A ReapSignal is
// a FIFO put where the node belongs: it holds one full pipe buffer, so it polls not writable,
// and the port empties it when a URB can be reaped and fills it again once none can. A libusb
// thread waiting for its device then sleeps in poll(), as on real hardware.
//
// Internal to the bus: created by VirtualUsbBus::plug(), driven by UsbdevfsPort on umockdev's
// worker thread.

#include <expected>
#include <string>

#include "simulator/usb/bus_error.h"

namespace simulator::usb {

class ReapSignal {
  public:
    // Makes a FIFO at `path` (whose folder exists and where nothing is yet), opens it and
    // fills it: not ready. Errors: testbed_failed.
    static std::expected<ReapSignal, BusError> create(const std::string& path);

    ReapSignal(ReapSignal&& other) noexcept;
    ReapSignal& operator=(ReapSignal&& other) noexcept;
    ReapSignal(const ReapSignal&) = delete;
    ReapSignal& operator=(const ReapSignal&) = delete;
    ~ReapSignal();

    // Ready: a client polling the node sees POLLOUT (a URB can be reaped).
    void set_ready(bool ready);
    bool ready() const { return m_ready; }

  private:
    explicit ReapSignal(int descriptor) : m_descriptor(descriptor) {}
    int m_descriptor = -1;
    bool m_ready = true;  // an empty pipe, until create() fills it
};

}  // namespace simulator::usb
