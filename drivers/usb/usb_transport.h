#pragma once

// The libusb side of the transport ring. This header deliberately does not include
// <libusb.h>: only usb_transport.cpp does, so no other file of the project depends on it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "drivers/usb/transport.h"
#include "drivers/usb/usb_error.h"

struct libusb_context;
struct libusb_device_handle;
struct libusb_transfer;

namespace drivers::usb {

enum class TransferType : std::uint8_t { control = 0, isochronous = 1, bulk = 2, interrupt = 3 };

struct EndpointInfo {
    std::uint8_t address = 0;  // bit 7 set = IN
    TransferType type = TransferType::bulk;
    std::uint16_t max_packet_size = 0;

    bool is_in() const { return (address & 0x80) != 0; }
};

struct InterfaceInfo {
    std::uint8_t number = 0;
    std::uint8_t alternate_setting = 0;
    std::uint8_t class_code = 0;  // 0x0B smart card (CCID), 0xFF vendor specific
    std::uint8_t subclass_code = 0;
    std::uint8_t protocol_code = 0;
    // The class-specific descriptor bytes that follow the interface descriptor (for CCID the
    // 54-byte class descriptor). Some early readers put it after the endpoints instead; then
    // it is taken from there.
    base::Bytes class_descriptor;
    std::vector<EndpointInfo> endpoints;
};

struct DeviceInfo {
    std::uint8_t bus = 0;
    std::uint8_t address = 0;
    std::uint16_t vendor_id = 0;
    std::uint16_t product_id = 0;
    std::uint16_t device_release = 0;  // bcdDevice
    std::uint8_t device_class = 0;
    // Interfaces (first alternate setting) of the active configuration, or of the first one
    // when the device is not configured yet.
    std::vector<InterfaceInfo> interfaces;
};

// Which device and interface to open. Every field that is set must match.
struct DeviceMatch {
    std::optional<std::uint16_t> vendor_id;
    std::optional<std::uint16_t> product_id;
    std::optional<std::uint8_t> interface_class;
    std::optional<std::uint8_t> bus;
    std::optional<std::uint8_t> address;

    bool matches(const DeviceInfo& device, const InterfaceInfo& interface) const;
};

constexpr std::uint8_t k_interface_class_smart_card = 0x0B;  // USB class code for CCID
constexpr std::uint8_t k_interface_class_vendor = 0xFF;

enum class HotplugEvent { arrived, left };

// Called on the thread that runs UsbContext::handle_events(). Keep it short: post an event.
using HotplugListener = std::function<void(HotplugEvent, const DeviceInfo&)>;

class HotplugWatch;

// Owns one libusb context. Everything opened from it must be closed before it is destroyed.
class UsbContext {
  public:
    static std::expected<UsbContext, UsbError> create();

    UsbContext(UsbContext&& other) noexcept;
    UsbContext& operator=(UsbContext&& other) noexcept;
    UsbContext(const UsbContext&) = delete;
    UsbContext& operator=(const UsbContext&) = delete;
    ~UsbContext();

    // Every device on the bus with its interfaces. Devices that cannot be described (they
    // vanished while being read) are left out.
    std::expected<std::vector<DeviceInfo>, UsbError> devices() const;

    bool has_hotplug() const;
    // Reports devices arriving and leaving until the returned watch is destroyed. Events are
    // delivered from handle_events().
    std::expected<HotplugWatch, UsbError> watch_hotplug(HotplugListener listener);
    // Runs libusb's event handling for at most `timeout` (hotplug delivery).
    std::expected<void, UsbError> handle_events(std::chrono::milliseconds timeout);

    libusb_context* native() const { return m_context; }

  private:
    explicit UsbContext(libusb_context* context) : m_context(context) {}
    libusb_context* m_context = nullptr;
};

class HotplugWatch {
  public:
    HotplugWatch(HotplugWatch&& other) noexcept;
    HotplugWatch& operator=(HotplugWatch&& other) noexcept;
    HotplugWatch(const HotplugWatch&) = delete;
    HotplugWatch& operator=(const HotplugWatch&) = delete;
    ~HotplugWatch();

    struct State;  // the listener and the registration, at a stable address

  private:
    friend class UsbContext;
    explicit HotplugWatch(std::unique_ptr<State> state);
    void release();
    std::unique_ptr<State> m_state;
};

// One claimed interface of one device: bulk OUT, bulk IN and (when present) interrupt IN.
//
// The interrupt IN endpoint is waited on with a standing transfer: the first interrupt_in()
// submits it, and it stays submitted across waits until the device answers (a transfer cut at
// each wait's end would cost a submission and a cancellation per wait, and on a real bus could
// lose the answer that arrives between them). A wait runs libusb's event handling until that
// transfer completes, wake() is called, or the wait's time is up, so a thread that waits for
// its device sleeps in poll() and wakes for its device or for its own requests, never on a
// timer. The standing transfer is as long as the buffer of the first wait. Bulk and control
// transfers are synchronous; only one thread at a time may use a transport, except wake().
class UsbTransport final : public Transport {
  public:
    // Opens the first device whose interface matches, claims that interface (detaching a
    // kernel driver only when one is active) and finds its endpoints. UsbError::not_found when
    // nothing matches or the interface lacks a bulk IN/OUT pair.
    static std::expected<std::unique_ptr<UsbTransport>, UsbError> open(const UsbContext& context,
                                                                       const DeviceMatch& match);

    UsbTransport(const UsbTransport&) = delete;
    UsbTransport& operator=(const UsbTransport&) = delete;
    ~UsbTransport() override;

    const DeviceInfo& device() const { return m_device; }
    const InterfaceInfo& interface() const { return m_interface; }
    std::uint16_t vendor_id() const { return m_device.vendor_id; }
    std::uint16_t product_id() const { return m_device.product_id; }
    std::span<const std::uint8_t> class_descriptor() const { return m_interface.class_descriptor; }
    // The device's string descriptors, empty when it has none.
    const std::string& manufacturer() const { return m_manufacturer; }
    const std::string& product() const { return m_product; }
    const std::string& serial() const { return m_serial; }
    bool has_interrupt_in() const { return m_interrupt_in.has_value(); }

    std::expected<void, UsbError> bulk_out(std::span<const std::uint8_t> data,
                                           std::chrono::milliseconds timeout) override;
    std::expected<std::size_t, UsbError> bulk_in(std::span<std::uint8_t> buffer,
                                                 std::chrono::milliseconds timeout) override;
    std::expected<std::size_t, UsbError> interrupt_in(std::span<std::uint8_t> buffer,
                                                      std::chrono::milliseconds timeout) override;
    std::expected<base::Bytes, UsbError> control_transfer(
        const ControlRequest& request, std::span<const std::uint8_t> data, std::uint16_t in_length,
        std::chrono::milliseconds timeout) override;
    // Any thread: libusb_interrupt_event_handler() ends the event handling of the wait.
    void wake() override;

    // The standing interrupt transfer (usb_transport.cpp); public for libusb's callback.
    struct StandingTransfer;

  private:
    UsbTransport() = default;
    // Cancels the standing transfer and waits (bounded) until libusb has given it back.
    void retire_standing_transfer();

    libusb_context* m_context = nullptr;
    libusb_device_handle* m_handle = nullptr;
    std::unique_ptr<StandingTransfer> m_standing;
    std::atomic<bool> m_wake_requested{false};
    DeviceInfo m_device;
    InterfaceInfo m_interface;
    std::uint8_t m_bulk_out = 0;
    std::uint8_t m_bulk_in = 0;
    std::optional<std::uint8_t> m_interrupt_in;
    bool m_reattach_kernel_driver = false;
    std::string m_manufacturer;
    std::string m_product;
    std::string m_serial;
};

}  // namespace drivers::usb
