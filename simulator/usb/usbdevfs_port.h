#pragma once
// One plugged-in device as the Linux usbdevfs driver presents it to user space: the ioctls
// libusb issues on /dev/bus/usb/BBB/DDD, answered from a VirtualUsbDevice. Internal to the
// bus; the only file besides the bus that includes umockdev.
//
// Threading: umockdev calls the handler on its worker thread. All state below (clients, URBs,
// claims, device calls) is touched on that thread only. Other threads reach it through
// device_has_data() and disconnect(), which post work to the worker's main context.

#include <umockdev.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "simulator/usb/descriptor_summary.h"
#include "simulator/usb/reap_signal.h"
#include "simulator/usb/standard_requests.h"
#include "simulator/usb/sysfs_description.h"
#include "simulator/usb/virtual_usb_bus.h"
#include "simulator/usb/virtual_usb_device.h"

namespace simulator::usb {

// Owns one GObject reference.
template <typename Object>
class GObjectRef {
  public:
    GObjectRef() = default;
    // Takes over a reference the caller owns (a "transfer full" return value).
    static GObjectRef adopt(Object* object) {
        GObjectRef reference;
        reference.m_object = object;
        return reference;
    }
    // Adds a reference of its own.
    static GObjectRef share(Object* object) {
        if (object != nullptr) {
            g_object_ref(object);
        }
        return adopt(object);
    }
    GObjectRef(const GObjectRef& other) : m_object(other.m_object) {
        if (m_object != nullptr) {
            g_object_ref(m_object);
        }
    }
    GObjectRef(GObjectRef&& other) noexcept : m_object(std::exchange(other.m_object, nullptr)) {}
    GObjectRef& operator=(GObjectRef other) noexcept {
        std::swap(m_object, other.m_object);
        return *this;
    }
    ~GObjectRef() {
        if (m_object != nullptr) {
            g_object_unref(m_object);
        }
    }
    Object* get() const { return m_object; }
    explicit operator bool() const { return m_object != nullptr; }

  private:
    Object* m_object = nullptr;
};

class UsbdevfsPort : public std::enable_shared_from_this<UsbdevfsPort> {
  public:
    UsbdevfsPort(std::shared_ptr<VirtualUsbDevice> device, base::Bytes descriptors,
                 DescriptorSummary summary, DeviceStrings strings, BusAddress address,
                 std::uint32_t device_id, BusNoticeListener notice_listener);
    ~UsbdevfsPort();
    UsbdevfsPort(const UsbdevfsPort&) = delete;
    UsbdevfsPort& operator=(const UsbdevfsPort&) = delete;

    // A new umockdev ioctl handler answering for this port. The handler keeps the port alive
    // for as long as any client keeps the device node open, even after an unplug.
    GObjectRef<UMockdevIoctlBase> create_handler();

    // Any thread: the device has IN data for a waiting request.
    void device_has_data();

    // Any thread: the device was pulled out. Waits until the worker thread has failed the
    // transfers in flight; afterwards the port never calls the device again.
    void disconnect();

    // Any thread: every client has gone, its process ended without closing the node. Forgets
    // each as the kernel forgets the files of an ended process (its claims released, its URBs
    // and a held reap dropped); waits for the worker thread, as disconnect() does.
    void forget_clients();

    // The FIFO at the device node that tells pollers when a URB can be reaped. Given before the
    // node is announced, so every client's poll() follows it; without one (it could not be
    // made), clients find a regular file and the port holds their reaps instead.
    void attach_reap_signal(ReapSignal signal);

  private:
    // One submitted URB, with its memory resolved in the client's address space.
    struct Urb {
        GObjectRef<UMockdevIoctlData> urb_data;
        GObjectRef<UMockdevIoctlData> buffer_data;  // empty for a zero-length buffer
        unsigned long client_address = 0;
        std::uint8_t type = 0;
        std::uint8_t endpoint = 0;
        std::size_t buffer_length = 0;
    };

    // A REAPURB(NDELAY) the port answers later: when a URB completes, when the hold time
    // runs out (NDELAY only), or when the device is unplugged.
    struct HeldReap {
        GObjectRef<UMockdevIoctlData> pointer;  // the client's `void*` that receives the URB
        GSource* timer = nullptr;
    };

    // One open file descriptor on the device node (a libusb device handle).
    struct ClientState {
        GObjectRef<UMockdevIoctlClient> client;
        // While a client is connected its handler, and through the handler's signal closures
        // this port, must live: umockdev keeps no reference of its own to a client in the
        // middle of a request, and an unplug drops the bus's references at any moment.
        GObjectRef<UMockdevIoctlBase> handler;
        std::deque<Urb> pending;    // IN transfers waiting for device data, oldest first
        std::deque<Urb> completed;  // ready to be reaped, in completion order
        std::optional<HeldReap> held_reap;
    };

    static gboolean on_handle_ioctl(UMockdevIoctlBase* handler, UMockdevIoctlClient* client,
                                    gpointer data);
    static void on_client_connected(UMockdevIoctlBase* handler, UMockdevIoctlClient* client,
                                    gpointer data);
    static void on_client_connection_changed(GObject* client, GParamSpec* property, gpointer data);
    static gboolean on_reap_hold_expired(gpointer data);

    void remember_context();
    ClientState& client_state(UMockdevIoctlClient* client, UMockdevIoctlBase* handler);
    void forget_client(UMockdevIoctlClient* client);
    void post_to_worker(std::function<void()> work);
    // Runs `work` on the worker thread (at once when called there) and waits for it; a worker
    // that does not get to it in time is reported, naming `what` it was asked to do. Nothing
    // runs when no client has ever spoken to the device: there is then no worker to ask.
    void run_on_worker(std::function<void()> work, std::string_view what);

    bool handle_ioctl(UMockdevIoctlClient* client, UMockdevIoctlBase* handler);
    void submit_urb(ClientState& state, UMockdevIoctlData* argument);
    void discard_urb(ClientState& state, UMockdevIoctlData* argument);
    void reap_urb(ClientState& state, UMockdevIoctlData* argument, bool wait);
    void control_ioctl(UMockdevIoctlClient* client, UMockdevIoctlData* argument);
    void claim_interface(UMockdevIoctlClient* client, UMockdevIoctlData* argument,
                         std::size_t size);
    void release_interface(UMockdevIoctlClient* client, UMockdevIoctlData* argument);
    void set_interface(UMockdevIoctlClient* client, UMockdevIoctlData* argument);
    void set_configuration(UMockdevIoctlClient* client, UMockdevIoctlData* argument);
    void endpoint_ioctl(UMockdevIoctlClient* client, UMockdevIoctlData* argument);
    void driver_ioctl(UMockdevIoctlClient* client, UMockdevIoctlData* argument);
    void fill_argument(UMockdevIoctlClient* client, UMockdevIoctlData* argument,
                       std::span<const std::uint8_t> bytes);

    // errno for a transfer on `endpoint` by `client`, claiming its interface on the way as
    // the kernel does; 0 when the transfer may go ahead.
    int check_endpoint_access(UMockdevIoctlClient* client, std::uint8_t endpoint,
                              std::uint8_t urb_type);
    ControlResult run_control(const ControlSetup& setup, std::span<const std::uint8_t> data);

    void serve_pending(ClientState& state);
    void serve_all_pending();
    void finish_urb(Urb& urb, int status, std::span<const std::uint8_t> in_data,
                    std::size_t data_offset);
    void complete_urb(ClientState& state, Urb urb);
    void answer_held_reap(ClientState& state);
    void release_held_reap(ClientState& state, int error);
    // Makes the node poll ready exactly while some client has a URB to reap.
    void update_reap_signal();
    void shut_down();
    void report(BusNoticeKind kind, std::string detail);

    std::shared_ptr<VirtualUsbDevice> m_device;
    DescriptorSummary m_summary;
    BusAddress m_address;
    std::uint32_t m_device_id;
    BusNoticeListener m_notice_listener;

    std::atomic<bool> m_connected{true};
    std::atomic<bool> m_serve_posted{false};
    std::mutex m_context_mutex;
    GMainContext* m_context = nullptr;  // umockdev's worker context, known from the first call

    // Worker thread only.
    StandardRequests m_standard_requests;
    std::vector<std::unique_ptr<ClientState>> m_clients;
    std::map<unsigned int, UMockdevIoctlClient*> m_claims;  // interface -> client
    std::map<std::uint8_t, base::Bytes> m_unread;           // IN data left for next URB
    std::optional<ReapSignal> m_reap_signal;                // set before any client exists
};

}  // namespace simulator::usb
