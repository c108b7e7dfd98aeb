#include "simulator/usb/virtual_usb_bus.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "base/bytes.h"
#include "simulator/usb/descriptor_summary.h"
#include "simulator/usb/reap_signal.h"
#include "simulator/usb/uevent.h"
#include "simulator/usb/usbdevfs_port.h"

namespace simulator::usb {
namespace {

// A device's hotplug news, sent by the bus itself (uevent.h explains why).
Uevent usb_device_uevent(const DeviceHandle& handle, std::string action) {
    return Uevent{.action = std::move(action),
                  .devpath = handle.sysfs_path.substr(std::string_view("/sys").size()),
                  .subsystem = "usb",
                  .devtype = "usb_device",
                  .devname = handle.device_node};
}

// The preload library that routes a libusb process's /dev, /sys and ioctl calls to the
// testbed (Debian package umockdev).
constexpr const char* k_preload_library = "libumockdev-preload.so.0";

constexpr std::uint8_t k_bus_number = 1;
// USB 2.0 §9.1.1.4: addresses 1..127; 1 is customarily the root hub, so devices start at 2.
constexpr std::uint8_t k_first_device_address = 2;
constexpr std::uint8_t k_last_device_address = 127;
// A root hub with this many ports; more virtual devices than this make no sense in a kiosk.
constexpr std::uint8_t k_root_hub_ports = 15;

// umockdev keeps one testbed location per process in UMOCKDEV_DIR.
std::atomic<bool> g_bus_exists{false};

}  // namespace

std::string to_string(const BusNotice& notice) {
    const char* kind = "overflow";
    switch (notice.kind) {
        case BusNoticeKind::overflow:
            kind = "overflow";
            break;
        case BusNoticeKind::unsupported_ioctl:
            kind = "unsupported ioctl";
            break;
        case BusNoticeKind::worker_stalled:
            kind = "worker stalled";
            break;
    }
    return fmt::format("device {}: {}: {}", notice.device_id, kind, notice.detail);
}

struct VirtualUsbBus::Implementation {
    struct PluggedDevice {
        DeviceHandle handle;
        std::shared_ptr<VirtualUsbDevice> device;
        std::shared_ptr<UsbdevfsPort> port;
        GObjectRef<UMockdevIoctlBase> handler;
        bool removing = false;
    };

    std::expected<BusAddress, BusError> allocate_address() const {
        BusAddress address{.bus_number = k_bus_number};
        for (std::uint8_t port = 1; port <= k_root_hub_ports; ++port) {
            if (!std::ranges::any_of(devices, [&](const auto& entry) {
                    return entry.second.handle.address.port_number == port;
                })) {
                address.port_number = port;
                break;
            }
        }
        // Like the kernel, hand out addresses round-robin so a replugged device gets a new one.
        std::uint8_t candidate = next_address;
        for (int attempt = k_first_device_address; attempt <= k_last_device_address; ++attempt) {
            if (!std::ranges::any_of(devices, [&](const auto& entry) {
                    return entry.second.handle.address.device_number == candidate;
                })) {
                address.device_number = candidate;
                break;
            }
            candidate = candidate == k_last_device_address
                            ? k_first_device_address
                            : static_cast<std::uint8_t>(candidate + 1);
        }
        if (address.port_number == 0 || address.device_number == 0) {
            return std::unexpected(BusError::bus_full);
        }
        return address;
    }

    // Detaches a retired handler from its node, if the node has one.
    void detach_retired(const std::string& device_node) {
        const auto found = retired.find(device_node);
        if (found == retired.end()) {
            return;
        }
        GError* error = nullptr;
        if (!umockdev_testbed_detach_ioctl(testbed, device_node.c_str(), &error)) {
            g_error_free(error);
        }
        retired.erase(found);
    }

    mutable std::mutex mutex;
    UMockdevTestbed* testbed = nullptr;
    BusNoticeListener notice_listener;
    std::map<std::uint32_t, PluggedDevice> devices;
    // Handlers of unplugged devices, still attached to their old nodes. A client may have
    // connected to a node's socket just before the unplug without umockdev's worker having
    // accepted it yet; detaching would reset that connection, and the preload library kills
    // a process whose ioctl socket resets. So a handler stays attached (answering ENODEV)
    // until its address comes round again.
    std::map<std::string, GObjectRef<UMockdevIoctlBase>> retired;
    std::uint32_t next_id = 1;
    std::uint8_t next_address = k_first_device_address;
};

VirtualUsbBus::VirtualUsbBus(BusNoticeListener notice_listener)
    : m_implementation(std::make_unique<Implementation>()) {
    [[maybe_unused]] const bool was_alone = !g_bus_exists.exchange(true);
    assert(was_alone && "one VirtualUsbBus per process: umockdev's UMOCKDEV_DIR is global");
    m_implementation->notice_listener = std::move(notice_listener);
    m_implementation->testbed = umockdev_testbed_new();
    gchar* root = umockdev_testbed_get_root_dir(m_implementation->testbed);
    m_root_directory = root;
    g_free(root);
}

VirtualUsbBus::~VirtualUsbBus() {
    for (const DeviceHandle& handle : devices()) {
        (void)unplug(handle);
    }
    {
        std::lock_guard lock(m_implementation->mutex);
        while (!m_implementation->retired.empty()) {
            const std::string node = m_implementation->retired.begin()->first;
            m_implementation->detach_retired(node);
        }
    }
    g_object_unref(m_implementation->testbed);
    g_bus_exists = false;
}

std::expected<DeviceHandle, BusError> VirtualUsbBus::plug(
    std::shared_ptr<VirtualUsbDevice> device) {
    assert(device && "plug() needs a device");
    // Ask the device before taking the bus lock: its functions take the device's own lock.
    base::Bytes descriptors = device->descriptors();
    auto summary = summarise_descriptors(descriptors);
    if (!summary) {
        return std::unexpected(summary.error());
    }
    DeviceStrings strings{.manufacturer = device->manufacturer(),
                          .product = device->product(),
                          .serial = device->serial()};

    std::lock_guard lock(m_implementation->mutex);
    auto& implementation = *m_implementation;
    if (std::ranges::any_of(implementation.devices,
                            [&](const auto& entry) { return entry.second.device == device; })) {
        return std::unexpected(BusError::already_plugged);
    }
    const auto address = implementation.allocate_address();
    if (!address) {
        return std::unexpected(address.error());
    }
    DeviceHandle handle{.id = implementation.next_id,
                        .address = *address,
                        .device_node = device_node(*address),
                        .sysfs_path = sysfs_path(*address)};
    implementation.detach_retired(handle.device_node);

    const std::string description = describe_for_sysfs(*address, *summary, descriptors, strings);
    auto port =
        std::make_shared<UsbdevfsPort>(device, std::move(descriptors), *summary, std::move(strings),
                                       *address, handle.id, implementation.notice_listener);
    auto handler = port->create_handler();
    device->set_in_ready_listener([weak = std::weak_ptr<UsbdevfsPort>(port)] {
        if (auto live = weak.lock()) {
            live->device_has_data();
        }
    });
    // The handler listens before the node exists: a client that opens the node as soon as
    // it appears (a hotplug listener does) must find the ioctl socket accepting. Otherwise
    // the preload library falls back to umockdev's default handler or finds the socket not
    // yet listening, and kills the client.
    GError* error = nullptr;
    if (!umockdev_testbed_attach_ioctl(implementation.testbed, handle.device_node.c_str(),
                                       handler.get(), &error)) {
        g_error_free(error);
        device->set_in_ready_listener({});
        return std::unexpected(BusError::ioctl_attach_failed);
    }
    // The node, before anything announces the device, so every client that opens it polls it:
    // a FIFO that polls ready exactly when a URB can be reaped (reap_signal.h). Should it not
    // be made, a plain file stands in, and the port holds reaps instead.
    const std::filesystem::path node = m_root_directory + handle.device_node;
    std::error_code ignored;
    std::filesystem::create_directories(node.parent_path(), ignored);
    if (auto signal = ReapSignal::create(node.string())) {
        port->attach_reap_signal(std::move(*signal));
    } else {
        std::ofstream{node};
    }
    // Creates the sysfs entry, and announces the device with a udev "add".
    if (!umockdev_testbed_add_from_string(implementation.testbed, description.c_str(), &error)) {
        g_error_free(error);
        device->set_in_ready_listener({});
        std::filesystem::remove(node, ignored);
        if (!umockdev_testbed_detach_ioctl(implementation.testbed, handle.device_node.c_str(),
                                           &error)) {
            g_error_free(error);
        }
        return std::unexpected(BusError::testbed_failed);
    }

    // umockdev announced it only where its own lookup sees the testbed; every listener hears
    // this one (a second "add" for a known device changes nothing for libusb).
    send_uevent(m_root_directory, usb_device_uevent(handle, "add"));
    ++implementation.next_id;
    implementation.next_address = address->device_number == k_last_device_address
                                      ? k_first_device_address
                                      : static_cast<std::uint8_t>(address->device_number + 1);
    implementation.devices.emplace(handle.id,
                                   Implementation::PluggedDevice{.handle = handle,
                                                                 .device = std::move(device),
                                                                 .port = std::move(port),
                                                                 .handler = std::move(handler)});
    return handle;
}

std::expected<void, BusError> VirtualUsbBus::unplug(const DeviceHandle& handle) {
    auto& implementation = *m_implementation;
    std::shared_ptr<UsbdevfsPort> port;
    std::shared_ptr<VirtualUsbDevice> device;
    {
        std::lock_guard lock(implementation.mutex);
        const auto found = implementation.devices.find(handle.id);
        if (found == implementation.devices.end() || found->second.removing) {
            return std::unexpected(BusError::unknown_device);
        }
        // Keep the address and port reserved until the device has really gone.
        found->second.removing = true;
        port = found->second.port;
        device = found->second.device;
    }
    // Outside the bus lock: failing the transfers in flight waits for umockdev's worker
    // thread, which may be inside a device callback.
    device->set_in_ready_listener({});
    port->disconnect();
    device->on_unplugged();

    std::lock_guard lock(implementation.mutex);
    const auto found = implementation.devices.find(handle.id);
    const DeviceHandle& plugged = found->second.handle;
    // Sent by the bus, which needs no sysfs entry for it (umockdev's own "remove" is built from
    // the entry and reaches listeners only from a process under its preload).
    send_uevent(m_root_directory, usb_device_uevent(plugged, "remove"));
    // Without its node the device cannot be opened again; descriptors already open keep
    // talking to the port, which answers ENODEV. umockdev removes the node DEVNAME names; the
    // bus made it, so it makes sure.
    umockdev_testbed_remove_device(implementation.testbed, plugged.sysfs_path.c_str());
    std::error_code ignored;
    std::filesystem::remove(m_root_directory + plugged.device_node, ignored);
    implementation.retired[plugged.device_node] = std::move(found->second.handler);
    implementation.devices.erase(found);
    return {};
}

void VirtualUsbBus::forget_clients() {
    std::vector<std::shared_ptr<UsbdevfsPort>> ports;
    {
        std::lock_guard lock(m_implementation->mutex);
        for (const auto& [id, plugged] : m_implementation->devices) {
            if (!plugged.removing) {
                ports.push_back(plugged.port);
            }
        }
    }
    // Outside the bus lock, as unplug() does: the worker thread may be inside a device callback.
    for (const auto& port : ports) {
        port->forget_clients();
    }
}

std::vector<EnvironmentVariable> VirtualUsbBus::environment() const {
    std::string preload = k_preload_library;
    if (const char* existing = std::getenv("LD_PRELOAD"); existing != nullptr && *existing) {
        const std::string current = existing;
        preload = current.find("libumockdev-preload") != std::string::npos
                      ? current
                      : preload + ":" + current;
    }
    return {{.name = "UMOCKDEV_DIR", .value = m_root_directory},
            {.name = "LD_PRELOAD", .value = preload}};
}

std::vector<DeviceHandle> VirtualUsbBus::devices() const {
    std::lock_guard lock(m_implementation->mutex);
    std::vector<DeviceHandle> handles;
    for (const auto& [id, plugged] : m_implementation->devices) {
        if (!plugged.removing) {
            handles.push_back(plugged.handle);
        }
    }
    return handles;
}

}  // namespace simulator::usb
