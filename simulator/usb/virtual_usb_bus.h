#pragma once
// The virtual USB bus: presents VirtualUsbDevice objects to libusb through a umockdev testbed,
// so the kiosk's unchanged libusb code enumerates, opens, claims and talks to them as if they
// were plugged into a real root hub.
//
// The bus builds each device's sysfs entry (attributes, uevent properties, the raw
// descriptors), attaches a usbdevfs ioctl handler to its /dev/bus/usb/BBB/DDD node, and
// sends the udev "add" and "remove" uevents that libusb's hotplug callbacks listen for.
// umockdev answers ioctls on its own worker thread; the bus needs no main loop.
//
// A libusb program sees the devices when it runs with environment() applied: in a child
// process (kiosk-sim starting the kiosk), or in this very process when it was started under
// the umockdev preload (LD_PRELOAD=libumockdev-preload.so.0, as the tests are).
//
// One bus per process at a time: umockdev keeps its testbed location in the process's
// environment (UMOCKDEV_DIR). Destroy the bus only after every client has closed its devices
// (libusb_exit, or the child has exited): a client still talking to a vanished testbed is
// killed by the preload library.

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "simulator/usb/bus_error.h"
#include "simulator/usb/sysfs_description.h"
#include "simulator/usb/virtual_usb_device.h"

namespace simulator::usb {

struct DeviceHandle {
    std::uint32_t id = 0;  // unique for the bus's lifetime; never reused
    BusAddress address;
    std::string device_node;  // "/dev/bus/usb/001/002"
    std::string sysfs_path;   // "/sys/devices/usb1/1-1"
};

enum class BusNoticeKind {
    // A device returned more IN data than the host's buffer holds at a length that is not a
    // whole number of packets: the host got -EOVERFLOW (babble) and the surplus was dropped.
    overflow,
    // A client issued a usbdevfs ioctl the bus does not emulate; it got ENOTTY.
    unsupported_ioctl,
    // umockdev's worker thread did not take the unplug in time; the device was removed anyway.
    worker_stalled,
};

// Something about the traffic that a simulator operator or a test wants to know.
struct BusNotice {
    std::uint32_t device_id = 0;
    BusNoticeKind kind = BusNoticeKind::overflow;
    std::string detail;
};

std::string to_string(const BusNotice& notice);

// Called on umockdev's worker thread; keep it short and never call back into the bus.
using BusNoticeListener = std::function<void(const BusNotice&)>;

struct EnvironmentVariable {
    std::string name;
    std::string value;
};

class UsbdevfsPort;

class VirtualUsbBus {
  public:
    // Creates the testbed (and sets UMOCKDEV_DIR in this process's environment).
    explicit VirtualUsbBus(BusNoticeListener notice_listener = {});
    ~VirtualUsbBus();
    VirtualUsbBus(const VirtualUsbBus&) = delete;
    VirtualUsbBus& operator=(const VirtualUsbBus&) = delete;

    // Plugs the device into the next free root hub port with the next free address and
    // announces it with a udev "add" uevent. Thread-safe.
    std::expected<DeviceHandle, BusError> plug(std::shared_ptr<VirtualUsbDevice> device);

    // Pulls the device out: transfers in flight complete with -ESHUTDOWN (libusb reports
    // LIBUSB_TRANSFER_NO_DEVICE), further requests on open handles fail with ENODEV, a udev
    // "remove" uevent fires and the sysfs entry and device node disappear, and the device is
    // told it lost its power (VirtualUsbDevice::on_unplugged). When this returns, the bus makes
    // no further calls into the device, which may be plugged in again.
    // Thread-safe; do not call it while holding a lock the device takes in its callbacks.
    std::expected<void, BusError> unplug(const DeviceHandle& handle);

    // Every process that had a device of this bus open has ended without closing it (the
    // caller killed it and reaped it): each plugged device forgets those clients, as the kernel
    // forgets the files of an ended process. Their claims are released and their transfers in
    // flight dropped, so that the next process can claim the interfaces and the device's data
    // reaches it instead of a dead request. Thread-safe; waits for umockdev's worker thread.
    void forget_clients();

    // The variables a child process needs to see this bus: UMOCKDEV_DIR and LD_PRELOAD (with
    // the umockdev preload library ahead of whatever this process already preloads).
    std::vector<EnvironmentVariable> environment() const;

    // The testbed's root directory (the value of UMOCKDEV_DIR).
    const std::string& root_directory() const { return m_root_directory; }

    std::vector<DeviceHandle> devices() const;

  private:
    struct Implementation;
    std::unique_ptr<Implementation> m_implementation;
    std::string m_root_directory;
};

}  // namespace simulator::usb
