#include "simulator/usb/usbdevfs_port.h"

#include <linux/usb/ch9.h>
#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <future>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "base/bytes.h"

namespace simulator::usb {
namespace {

// libusb polls the device node for POLLOUT to learn that a URB can be reaped. The node is a
// ReapSignal that polls ready only then; but a client that polled ready because another
// client's URB completed, or that found a regular file (the signal could not be made), would
// ask REAPURBNDELAY again at once. Holding such a request until a URB completes, or for this
// long, turns the spin into a wait. It bounds how late a libusb timeout is noticed and how
// long another thread's ioctl on the same handle waits for the preload's socket.
constexpr guint k_reap_hold_milliseconds = 10;

// How long unplug() waits for the worker thread to fail the transfers in flight. The worker
// only runs short handlers, so reaching this means umockdev's thread is stuck.
constexpr auto k_disconnect_wait = std::chrono::seconds(5);

// The kernel refuses URB buffers beyond usbfs_memory_mb (16 MiB by default).
constexpr std::size_t k_max_urb_buffer = 16u * 1024u * 1024u;

// What usbdevfs offers: one URB per transfer of any length (so libusb never splits a bulk
// transfer), zero-length packets, and reaping after a disconnect.
constexpr std::uint32_t k_capabilities =
    USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_SCATTER_GATHER | USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
    USBDEVFS_CAP_REAP_AFTER_DISCONNECT;

// USB 2.0 §9.3: the SETUP packet leads a control URB's buffer.
constexpr std::size_t k_setup_length = 8;

// The preload library forwards the request as an int; keep the 32 bits the kernel sees.
constexpr unsigned long k_request_mask = 0xFFFFFFFFul;

struct ReapTimerTarget {
    std::weak_ptr<UsbdevfsPort> port;
    UMockdevIoctlClient* client;
};

void complete(UMockdevIoctlClient* client, long result, int error) {
    umockdev_ioctl_client_complete(client, result, error);
}

void fail(UMockdevIoctlClient* client, int error) {
    complete(client, -1, error);
}

// Resolves `length` bytes the client's pointer at `offset` inside `data` points to. A null
// result means the client passed a bad pointer.
GObjectRef<UMockdevIoctlData> resolve(UMockdevIoctlData* data, std::size_t offset,
                                      std::size_t length) {
    GError* error = nullptr;
    auto resolved = GObjectRef<UMockdevIoctlData>::adopt(
        umockdev_ioctl_data_resolve(data, offset, length, &error));
    if (error != nullptr) {
        g_error_free(error);
        return {};
    }
    return resolved;
}

template <typename Plain>
Plain read_struct(UMockdevIoctlData* data) {
    Plain value{};
    std::memcpy(&value, data->data,
                std::min(sizeof value, static_cast<std::size_t>(data->data_len)));
    return value;
}

void write_int(UMockdevIoctlData* data, std::size_t offset, int value) {
    std::memcpy(data->data + offset, &value, sizeof value);
}

ControlSetup parse_setup(const std::uint8_t* bytes) {
    return ControlSetup{.request_type = bytes[0],
                        .request = bytes[1],
                        .value = base::le16_at(std::span<const std::uint8_t>(bytes, 8), 2),
                        .index = base::le16_at(std::span<const std::uint8_t>(bytes, 8), 4),
                        .length = base::le16_at(std::span<const std::uint8_t>(bytes, 8), 6)};
}

// An idle callback owning a piece of work for the worker thread.
gboolean run_posted_work(gpointer data) {
    (*static_cast<std::function<void()>*>(data))();
    return G_SOURCE_REMOVE;
}

void delete_posted_work(gpointer data) {
    delete static_cast<std::function<void()>*>(data);
}

void delete_port_reference(gpointer data, GClosure* /*closure*/) {
    delete static_cast<std::shared_ptr<UsbdevfsPort>*>(data);
}

void delete_weak_port_reference(gpointer data, GClosure* /*closure*/) {
    delete static_cast<std::weak_ptr<UsbdevfsPort>*>(data);
}

void delete_reap_timer_target(gpointer data) {
    delete static_cast<ReapTimerTarget*>(data);
}

}  // namespace

UsbdevfsPort::UsbdevfsPort(std::shared_ptr<VirtualUsbDevice> device, base::Bytes descriptors,
                           DescriptorSummary summary, DeviceStrings strings, BusAddress address,
                           std::uint32_t device_id, BusNoticeListener notice_listener)
    : m_device(std::move(device)),
      m_summary(summary),
      m_address(address),
      m_device_id(device_id),
      m_notice_listener(std::move(notice_listener)),
      m_standard_requests(std::move(descriptors), std::move(summary), std::move(strings)) {}

UsbdevfsPort::~UsbdevfsPort() {
    for (auto& state : m_clients) {
        if (state->held_reap && state->held_reap->timer != nullptr) {
            g_source_destroy(state->held_reap->timer);
            g_source_unref(state->held_reap->timer);
        }
    }
    if (m_context != nullptr) {
        g_main_context_unref(m_context);
    }
}

GObjectRef<UMockdevIoctlBase> UsbdevfsPort::create_handler() {
    auto handler = GObjectRef<UMockdevIoctlBase>::adopt(umockdev_ioctl_base_new());
    g_signal_connect_data(handler.get(), "handle-ioctl",
                          reinterpret_cast<GCallback>(&UsbdevfsPort::on_handle_ioctl),
                          new std::shared_ptr<UsbdevfsPort>(shared_from_this()),
                          &delete_port_reference, GConnectFlags{});
    g_signal_connect_data(handler.get(), "client-connected",
                          reinterpret_cast<GCallback>(&UsbdevfsPort::on_client_connected),
                          new std::shared_ptr<UsbdevfsPort>(shared_from_this()),
                          &delete_port_reference, GConnectFlags{});
    return handler;
}

gboolean UsbdevfsPort::on_handle_ioctl(UMockdevIoctlBase* handler, UMockdevIoctlClient* client,
                                       gpointer data) {
    // A copy, not the closure's own pointer: the call may end this port's last client.
    const auto port = *static_cast<std::shared_ptr<UsbdevfsPort>*>(data);
    port->remember_context();
    return port->handle_ioctl(client, handler) ? TRUE : FALSE;
}

void UsbdevfsPort::on_client_connected(UMockdevIoctlBase* handler, UMockdevIoctlClient* client,
                                       gpointer data) {
    const auto port = *static_cast<std::shared_ptr<UsbdevfsPort>*>(data);
    port->remember_context();
    port->client_state(client, handler);
}

void UsbdevfsPort::on_client_connection_changed(GObject* client, GParamSpec* /*property*/,
                                                gpointer data) {
    auto* ioctl_client = reinterpret_cast<UMockdevIoctlClient*>(client);
    if (umockdev_ioctl_client_get_connected(ioctl_client)) {
        return;
    }
    // Holding the port here keeps it alive while forgetting the client drops what may be
    // the last reference to its handler, and with it the handler's reference to the port.
    if (const auto port = static_cast<std::weak_ptr<UsbdevfsPort>*>(data)->lock()) {
        port->forget_client(ioctl_client);
    }
}

gboolean UsbdevfsPort::on_reap_hold_expired(gpointer data) {
    const auto* target = static_cast<ReapTimerTarget*>(data);
    auto port = target->port.lock();
    if (!port) {
        return G_SOURCE_REMOVE;
    }
    GSource* source = g_main_current_source();
    for (auto& state : port->m_clients) {
        if (state->client.get() != target->client || !state->held_reap ||
            state->held_reap->timer != source) {
            continue;
        }
        // Returning G_SOURCE_REMOVE destroys the source; only our reference is left to drop.
        g_source_unref(source);
        state->held_reap->timer = nullptr;
        port->release_held_reap(*state, port->m_connected ? EAGAIN : ENODEV);
        break;
    }
    return G_SOURCE_REMOVE;
}

void UsbdevfsPort::remember_context() {
    std::lock_guard lock(m_context_mutex);
    if (m_context == nullptr) {
        m_context = g_main_context_ref_thread_default();
    }
}

UsbdevfsPort::ClientState& UsbdevfsPort::client_state(UMockdevIoctlClient* client,
                                                      UMockdevIoctlBase* handler) {
    for (auto& state : m_clients) {
        if (state->client.get() == client) {
            return *state;
        }
    }
    auto state = std::make_unique<ClientState>();
    state->client = GObjectRef<UMockdevIoctlClient>::share(client);
    state->handler = GObjectRef<UMockdevIoctlBase>::share(handler);
    g_signal_connect_data(client, "notify::connected",
                          reinterpret_cast<GCallback>(&UsbdevfsPort::on_client_connection_changed),
                          new std::weak_ptr<UsbdevfsPort>(weak_from_this()),
                          &delete_weak_port_reference, GConnectFlags{});
    m_clients.push_back(std::move(state));
    return *m_clients.back();
}

void UsbdevfsPort::forget_client(UMockdevIoctlClient* client) {
    std::erase_if(m_claims, [&](const auto& claim) { return claim.second == client; });
    const auto found = std::ranges::find_if(
        m_clients, [&](const auto& state) { return state->client.get() == client; });
    if (found == m_clients.end()) {
        return;
    }
    std::unique_ptr<ClientState> gone = std::move(*found);
    m_clients.erase(found);
    update_reap_signal();
    // The process closed the node: nobody is left to answer, so a held request just goes.
    if (gone->held_reap && gone->held_reap->timer != nullptr) {
        g_source_destroy(gone->held_reap->timer);
        g_source_unref(gone->held_reap->timer);
    }
    // `gone` may hold the last reference to the handler; the caller holds this port.
}

void UsbdevfsPort::post_to_worker(std::function<void()> work) {
    GMainContext* context = nullptr;
    {
        std::lock_guard lock(m_context_mutex);
        if (m_context == nullptr) {
            return;  // no client has ever opened the device: nothing waits for the work
        }
        context = g_main_context_ref(m_context);
    }
    GSource* source = g_idle_source_new();
    g_source_set_priority(source, G_PRIORITY_DEFAULT);
    g_source_set_callback(source, &run_posted_work, new std::function<void()>(std::move(work)),
                          &delete_posted_work);
    g_source_attach(source, context);
    g_source_unref(source);
    g_main_context_unref(context);
}

void UsbdevfsPort::device_has_data() {
    if (!m_connected || m_serve_posted.exchange(true)) {
        return;
    }
    post_to_worker([weak = weak_from_this()] {
        if (auto port = weak.lock()) {
            port->m_serve_posted = false;
            port->serve_all_pending();
        }
    });
    // Without a context there was nothing to post; let the next notification try again.
    std::lock_guard lock(m_context_mutex);
    if (m_context == nullptr) {
        m_serve_posted = false;
    }
}

void UsbdevfsPort::run_on_worker(std::function<void()> work, std::string_view what) {
    GMainContext* context = nullptr;
    {
        std::lock_guard lock(m_context_mutex);
        if (m_context == nullptr) {
            return;
        }
        context = g_main_context_ref(m_context);
    }
    if (g_main_context_is_owner(context)) {
        work();
    } else {
        auto done = std::make_shared<std::promise<void>>();
        auto finished = done->get_future();
        post_to_worker([self = shared_from_this(), work = std::move(work), done] {
            work();
            done->set_value();
        });
        if (finished.wait_for(k_disconnect_wait) != std::future_status::ready) {
            report(BusNoticeKind::worker_stalled,
                   fmt::format("umockdev's worker thread did not answer the {} in time", what));
        }
    }
    g_main_context_unref(context);
}

void UsbdevfsPort::disconnect() {
    // A client that speaks to the device from now on (none has yet when no worker runs) sees
    // m_connected false.
    m_connected = false;
    run_on_worker([this] { shut_down(); }, "unplug");
}

void UsbdevfsPort::forget_clients() {
    // umockdev does not reliably tell the port that a client's connection closed: a client
    // killed with a request in hand is never noticed (umockdev stops reading its socket), and in
    // kiosk-sim's runs no `connected` change arrived for closed ones either. So whoever ended
    // the clients' process says so here. The work holds the port: forgetting a client may drop
    // the last reference to its handler.
    run_on_worker(
        [self = shared_from_this()] {
            while (!self->m_clients.empty()) {
                self->forget_client(self->m_clients.front()->client.get());
            }
        },
        "end of its clients");
}

bool UsbdevfsPort::handle_ioctl(UMockdevIoctlClient* client, UMockdevIoctlBase* handler) {
    const unsigned long request = umockdev_ioctl_client_get_request(client) & k_request_mask;
    UMockdevIoctlData* argument = umockdev_ioctl_client_get_arg(client);
    ClientState& state = client_state(client, handler);

    // These stay meaningful after an unplug: completed URBs are still handed back.
    switch (request) {
        case USBDEVFS_REAPURB:
            reap_urb(state, argument, true);
            return true;
        case USBDEVFS_REAPURBNDELAY:
            reap_urb(state, argument, false);
            return true;
        case USBDEVFS_DISCARDURB:
            discard_urb(state, argument);
            return true;
        default:
            break;
    }
    if (!m_connected) {
        fail(client, ENODEV);
        return true;
    }
    switch (request) {
        case USBDEVFS_GET_CAPABILITIES: {
            std::uint8_t bytes[sizeof k_capabilities];
            std::memcpy(bytes, &k_capabilities, sizeof k_capabilities);
            fill_argument(client, argument, bytes);
            return true;
        }
        case USBDEVFS_SUBMITURB:
            submit_urb(state, argument);
            return true;
        case USBDEVFS_CONTROL:
            control_ioctl(client, argument);
            return true;
        case USBDEVFS_CLAIMINTERFACE:
            claim_interface(client, argument, sizeof(unsigned int));
            return true;
        case USBDEVFS_DISCONNECT_CLAIM:
            // No kernel driver is ever bound to a virtual device, so this is a plain claim.
            claim_interface(client, argument, sizeof(usbdevfs_disconnect_claim));
            return true;
        case USBDEVFS_RELEASEINTERFACE:
            release_interface(client, argument);
            return true;
        case USBDEVFS_SETINTERFACE:
            set_interface(client, argument);
            return true;
        case USBDEVFS_SETCONFIGURATION:
            set_configuration(client, argument);
            return true;
        case USBDEVFS_CLEAR_HALT:
        case USBDEVFS_RESETEP:
            endpoint_ioctl(client, argument);
            return true;
        case USBDEVFS_RESET:
            // Data the device had half delivered does not survive a reset.
            m_unread.clear();
            complete(client, 0, 0);
            return true;
        case USBDEVFS_GETDRIVER:
            // ENODATA is the kernel's "no driver bound", which libusb reports as inactive.
            fail(client, ENODATA);
            return true;
        case USBDEVFS_IOCTL:
            driver_ioctl(client, argument);
            return true;
        case USBDEVFS_CONNECTINFO: {
            usbdevfs_connectinfo info{};
            info.devnum = m_address.device_number;
            info.slow = 0;
            std::uint8_t bytes[sizeof info];
            std::memcpy(bytes, &info, sizeof info);
            fill_argument(client, argument, bytes);
            return true;
        }
        case USBDEVFS_GET_SPEED:
            complete(client, m_summary.high_speed() ? USB_SPEED_HIGH : USB_SPEED_FULL, 0);
            return true;
        default:
            report(BusNoticeKind::unsupported_ioctl,
                   fmt::format("usbdevfs request {:#010x} is not emulated", request));
            fail(client, ENOTTY);
            return true;
    }
}

void UsbdevfsPort::fill_argument(UMockdevIoctlClient* client, UMockdevIoctlData* argument,
                                 std::span<const std::uint8_t> bytes) {
    auto data = resolve(argument, 0, bytes.size());
    if (!data) {
        fail(client, EFAULT);
        return;
    }
    std::memcpy(data.get()->data, bytes.data(), bytes.size());
    complete(client, 0, 0);
}

int UsbdevfsPort::check_endpoint_access(UMockdevIoctlClient* client, std::uint8_t endpoint,
                                        std::uint8_t urb_type) {
    if (urb_type == USBDEVFS_URB_TYPE_CONTROL) {
        return (endpoint & 0x7F) == 0 ? 0 : EINVAL;
    }
    const auto found = m_summary.endpoint(endpoint);
    if (!found) {
        return ENOENT;
    }
    // The kernel lets a bulk URB run on an interrupt endpoint, never the other way round.
    const bool type_fits =
        (urb_type == USBDEVFS_URB_TYPE_BULK &&
         (found->type == TransferType::bulk || found->type == TransferType::interrupt)) ||
        (urb_type == USBDEVFS_URB_TYPE_INTERRUPT && found->type == TransferType::interrupt);
    if (!type_fits) {
        return EINVAL;
    }
    // Like the kernel, using an endpoint claims its interface for this file descriptor.
    const auto [claim, inserted] = m_claims.try_emplace(found->interface_number, client);
    if (!inserted && claim->second != client) {
        return EBUSY;
    }
    return 0;
}

ControlResult UsbdevfsPort::run_control(const ControlSetup& setup,
                                        std::span<const std::uint8_t> data) {
    if (auto standard = m_standard_requests.answer(setup, data)) {
        return *standard;
    }
    return m_device->on_control(setup, data);
}

void UsbdevfsPort::submit_urb(ClientState& state, UMockdevIoctlData* argument) {
    UMockdevIoctlClient* client = state.client.get();
    auto urb_data = resolve(argument, 0, sizeof(usbdevfs_urb));
    if (!urb_data) {
        fail(client, EFAULT);
        return;
    }
    const auto request = read_struct<usbdevfs_urb>(urb_data.get());
    if (request.buffer_length < 0) {
        fail(client, EINVAL);
        return;
    }
    const auto buffer_length = static_cast<std::size_t>(request.buffer_length);
    if (buffer_length > k_max_urb_buffer) {
        fail(client, ENOMEM);
        return;
    }
    if (request.type == USBDEVFS_URB_TYPE_ISO) {
        fail(client, EINVAL);  // no simulated device has isochronous endpoints
        return;
    }
    if (request.type == USBDEVFS_URB_TYPE_CONTROL && buffer_length < k_setup_length) {
        fail(client, EINVAL);
        return;
    }
    if (const int refusal = check_endpoint_access(client, request.endpoint, request.type);
        refusal != 0) {
        fail(client, refusal);
        return;
    }

    Urb urb;
    urb.client_address = urb_data.get()->client_addr;
    urb.type = request.type;
    urb.endpoint = request.endpoint;
    urb.buffer_length = buffer_length;
    if (buffer_length > 0) {
        urb.buffer_data = resolve(urb_data.get(), offsetof(usbdevfs_urb, buffer), buffer_length);
        if (!urb.buffer_data) {
            fail(client, EFAULT);
            return;
        }
    }
    urb.urb_data = std::move(urb_data);
    std::uint8_t* buffer = urb.buffer_data ? urb.buffer_data.get()->data : nullptr;

    if (urb.type == USBDEVFS_URB_TYPE_CONTROL) {
        const ControlSetup setup = parse_setup(buffer);
        if (setup.length > buffer_length - k_setup_length) {
            fail(client, EINVAL);
            return;
        }
        const bool device_to_host = (setup.request_type & k_direction_in) != 0;
        const auto out_data =
            device_to_host ? std::span<const std::uint8_t>{}
                           : std::span<const std::uint8_t>(buffer + k_setup_length, setup.length);
        const ControlResult result = run_control(setup, out_data);
        if (!result) {
            finish_urb(urb, -result.error(), {}, k_setup_length);
        } else if (device_to_host) {
            // A device answering more than wLength would babble; the host keeps wLength.
            const auto answer =
                std::span(*result).first(std::min<std::size_t>(result->size(), setup.length));
            finish_urb(urb, 0, answer, k_setup_length);
        } else {
            finish_urb(urb, 0, {}, k_setup_length);
            write_int(urb.urb_data.get(), offsetof(usbdevfs_urb, actual_length), setup.length);
        }
        complete_urb(state, std::move(urb));
        complete(client, 0, 0);
        return;
    }

    if ((urb.endpoint & k_direction_in) == 0) {
        m_device->on_out(urb.endpoint, std::span<const std::uint8_t>(buffer, buffer_length));
        finish_urb(urb, 0, {}, 0);
        write_int(urb.urb_data.get(), offsetof(usbdevfs_urb, actual_length),
                  static_cast<int>(buffer_length));
        complete_urb(state, std::move(urb));
        complete(client, 0, 0);
        return;
    }

    state.pending.push_back(std::move(urb));
    serve_pending(state);
    complete(client, 0, 0);
}

void UsbdevfsPort::serve_pending(ClientState& state) {
    if (!m_connected) {
        return;
    }
    // Requests on one endpoint complete in order: once the device has nothing for the
    // oldest, the younger ones on that endpoint wait too.
    std::set<std::uint8_t> starved;
    for (auto next = state.pending.begin(); next != state.pending.end();) {
        const std::uint8_t endpoint = next->endpoint;
        if (starved.contains(endpoint)) {
            ++next;
            continue;
        }
        base::Bytes data;
        if (auto unread = m_unread.find(endpoint); unread != m_unread.end()) {
            data = std::move(unread->second);
            m_unread.erase(unread);
        } else if (auto offered = m_device->take_in(endpoint)) {
            data = std::move(*offered);
        } else {
            starved.insert(endpoint);
            ++next;
            continue;
        }
        Urb urb = std::move(*next);
        next = state.pending.erase(next);

        const std::size_t capacity = urb.buffer_length;
        if (data.size() <= capacity) {
            finish_urb(urb, 0, data, 0);
        } else {
            const auto summary = m_summary.endpoint(endpoint);
            const std::size_t packet = summary ? summary->max_packet_size : 0;
            const auto delivered = std::span(data).first(capacity);
            if (capacity > 0 && packet > 0 && capacity % packet == 0) {
                // USB 2.0 §5.8.3: a request of whole packets ends with its last packet; the
                // rest of the device's data waits for the next request.
                m_unread[endpoint].assign(data.begin() + static_cast<std::ptrdiff_t>(capacity),
                                          data.end());
                finish_urb(urb, 0, delivered, 0);
            } else {
                // Babble: the device sent past the end of a short buffer. The host gets what
                // fits and -EOVERFLOW; nothing lands outside the client's buffer.
                finish_urb(urb, -EOVERFLOW, delivered, 0);
                report(BusNoticeKind::overflow,
                       fmt::format("endpoint {:#04x} offered {} bytes for a {}-byte request",
                                   endpoint, data.size(), capacity));
            }
        }
        complete_urb(state, std::move(urb));
    }
}

void UsbdevfsPort::serve_all_pending() {
    for (auto& state : m_clients) {
        serve_pending(*state);
    }
}

void UsbdevfsPort::finish_urb(Urb& urb, int status, std::span<const std::uint8_t> in_data,
                              std::size_t data_offset) {
    if (!in_data.empty() && urb.buffer_data && data_offset + in_data.size() <= urb.buffer_length) {
        std::memcpy(urb.buffer_data.get()->data + data_offset, in_data.data(), in_data.size());
    }
    write_int(urb.urb_data.get(), offsetof(usbdevfs_urb, status), status);
    write_int(urb.urb_data.get(), offsetof(usbdevfs_urb, actual_length),
              static_cast<int>(in_data.size()));
}

void UsbdevfsPort::attach_reap_signal(ReapSignal signal) {
    m_reap_signal = std::move(signal);
}

void UsbdevfsPort::update_reap_signal() {
    if (!m_reap_signal) {
        return;
    }
    m_reap_signal->set_ready(std::ranges::any_of(
        m_clients, [](const auto& state) { return !state->completed.empty(); }));
}

void UsbdevfsPort::complete_urb(ClientState& state, Urb urb) {
    state.completed.push_back(std::move(urb));
    answer_held_reap(state);
    update_reap_signal();
}

void UsbdevfsPort::answer_held_reap(ClientState& state) {
    if (!state.held_reap || state.completed.empty()) {
        return;
    }
    Urb urb = std::move(state.completed.front());
    state.completed.pop_front();
    HeldReap held = std::move(*state.held_reap);
    state.held_reap.reset();
    if (held.timer != nullptr) {
        g_source_destroy(held.timer);
        g_source_unref(held.timer);
    }
    umockdev_ioctl_data_set_ptr(held.pointer.get(), 0, urb.urb_data.get());
    update_reap_signal();
    complete(state.client.get(), 0, 0);
}

void UsbdevfsPort::release_held_reap(ClientState& state, int error) {
    if (!state.held_reap) {
        return;
    }
    if (state.held_reap->timer != nullptr) {
        g_source_destroy(state.held_reap->timer);
        g_source_unref(state.held_reap->timer);
    }
    state.held_reap.reset();
    fail(state.client.get(), error);
}

void UsbdevfsPort::reap_urb(ClientState& state, UMockdevIoctlData* argument, bool wait) {
    UMockdevIoctlClient* client = state.client.get();
    if (state.held_reap) {
        fail(client, EBUSY);  // a client cannot issue two ioctls at once on one descriptor
        return;
    }
    auto pointer = resolve(argument, 0, sizeof(void*));
    if (!pointer) {
        fail(client, EFAULT);
        return;
    }
    if (!state.completed.empty()) {
        Urb urb = std::move(state.completed.front());
        state.completed.pop_front();
        umockdev_ioctl_data_set_ptr(pointer.get(), 0, urb.urb_data.get());
        // Before the answer: by the time the client polls again, the node tells the truth.
        update_reap_signal();
        complete(client, 0, 0);
        return;
    }
    if (!m_connected) {
        fail(client, ENODEV);
        return;
    }
    // The node does not poll ready, so this client sleeps in poll() after its EAGAIN: the
    // last reap of libusb's reap-until-EAGAIN loop, answered at once.
    if (!wait && m_reap_signal && !m_reap_signal->ready()) {
        fail(client, EAGAIN);
        return;
    }
    state.held_reap = HeldReap{.pointer = std::move(pointer), .timer = nullptr};
    if (!wait) {
        GSource* timer = g_timeout_source_new(k_reap_hold_milliseconds);
        g_source_set_callback(timer, &UsbdevfsPort::on_reap_hold_expired,
                              new ReapTimerTarget{weak_from_this(), client},
                              &delete_reap_timer_target);
        g_source_attach(timer, m_context);
        state.held_reap->timer = timer;
    }
}

void UsbdevfsPort::discard_urb(ClientState& state, UMockdevIoctlData* argument) {
    UMockdevIoctlClient* client = state.client.get();
    // DISCARDURB passes the URB's address itself, not a pointer to it.
    unsigned long address = 0;
    std::memcpy(&address, argument->data,
                std::min(sizeof address, static_cast<std::size_t>(argument->data_len)));
    for (auto urb = state.pending.begin(); urb != state.pending.end(); ++urb) {
        if (urb->client_address != address) {
            continue;
        }
        Urb discarded = std::move(*urb);
        state.pending.erase(urb);
        finish_urb(discarded, -ENOENT, {}, 0);
        complete_urb(state, std::move(discarded));
        complete(client, 0, 0);
        return;
    }
    // Already completed (or never submitted): the kernel says EINVAL and libusb then reaps it.
    fail(client, EINVAL);
}

void UsbdevfsPort::control_ioctl(UMockdevIoctlClient* client, UMockdevIoctlData* argument) {
    auto transfer_data = resolve(argument, 0, sizeof(usbdevfs_ctrltransfer));
    if (!transfer_data) {
        fail(client, EFAULT);
        return;
    }
    const auto transfer = read_struct<usbdevfs_ctrltransfer>(transfer_data.get());
    const ControlSetup setup{.request_type = transfer.bRequestType,
                             .request = transfer.bRequest,
                             .value = transfer.wValue,
                             .index = transfer.wIndex,
                             .length = transfer.wLength};
    GObjectRef<UMockdevIoctlData> stage;
    if (setup.length > 0) {
        stage = resolve(transfer_data.get(), offsetof(usbdevfs_ctrltransfer, data), setup.length);
        if (!stage) {
            fail(client, EFAULT);
            return;
        }
    }
    const bool device_to_host = (setup.request_type & k_direction_in) != 0;
    const auto out_data = device_to_host || !stage
                              ? std::span<const std::uint8_t>{}
                              : std::span<const std::uint8_t>(stage.get()->data, setup.length);
    const ControlResult result = run_control(setup, out_data);
    if (!result) {
        fail(client, result.error());
        return;
    }
    if (!device_to_host) {
        complete(client, setup.length, 0);
        return;
    }
    const std::size_t length = std::min<std::size_t>(result->size(), setup.length);
    if (length > 0) {
        std::memcpy(stage.get()->data, result->data(), length);
    }
    complete(client, static_cast<long>(length), 0);
}

void UsbdevfsPort::claim_interface(UMockdevIoctlClient* client, UMockdevIoctlData* argument,
                                   std::size_t size) {
    auto data = resolve(argument, 0, size);
    if (!data) {
        fail(client, EFAULT);
        return;
    }
    const auto interface = read_struct<unsigned int>(data.get());
    if (interface > 0xFF || !m_summary.has_interface(static_cast<std::uint8_t>(interface), 0)) {
        fail(client, ENOENT);
        return;
    }
    const auto [claim, inserted] = m_claims.try_emplace(interface, client);
    if (!inserted && claim->second != client) {
        fail(client, EBUSY);
        return;
    }
    complete(client, 0, 0);
}

void UsbdevfsPort::release_interface(UMockdevIoctlClient* client, UMockdevIoctlData* argument) {
    auto data = resolve(argument, 0, sizeof(unsigned int));
    if (!data) {
        fail(client, EFAULT);
        return;
    }
    const auto interface = read_struct<unsigned int>(data.get());
    const auto claim = m_claims.find(interface);
    if (claim == m_claims.end() || claim->second != client) {
        fail(client, EINVAL);
        return;
    }
    m_claims.erase(claim);
    complete(client, 0, 0);
}

void UsbdevfsPort::set_interface(UMockdevIoctlClient* client, UMockdevIoctlData* argument) {
    auto data = resolve(argument, 0, sizeof(usbdevfs_setinterface));
    if (!data) {
        fail(client, EFAULT);
        return;
    }
    const auto setting = read_struct<usbdevfs_setinterface>(data.get());
    if (setting.interface > 0xFF || setting.altsetting > 0xFF) {
        fail(client, EINVAL);
        return;
    }
    const auto [claim, inserted] = m_claims.try_emplace(setting.interface, client);
    if (!inserted && claim->second != client) {
        fail(client, EBUSY);
        return;
    }
    if (!m_standard_requests.set_interface(static_cast<std::uint8_t>(setting.interface),
                                           static_cast<std::uint8_t>(setting.altsetting))) {
        fail(client, EINVAL);
        return;
    }
    complete(client, 0, 0);
}

void UsbdevfsPort::set_configuration(UMockdevIoctlClient* client, UMockdevIoctlData* argument) {
    auto data = resolve(argument, 0, sizeof(int));
    if (!data) {
        fail(client, EFAULT);
        return;
    }
    const int value = read_struct<int>(data.get());
    if (value == m_standard_requests.configuration()) {
        complete(client, 0, 0);  // the kernel treats re-selecting the same one as a no-op
        return;
    }
    if (!m_claims.empty()) {
        fail(client, EBUSY);  // the kernel refuses while interfaces are claimed
        return;
    }
    if (!m_standard_requests.set_configuration(value)) {
        fail(client, EINVAL);
        return;
    }
    complete(client, 0, 0);
}

void UsbdevfsPort::endpoint_ioctl(UMockdevIoctlClient* client, UMockdevIoctlData* argument) {
    auto data = resolve(argument, 0, sizeof(unsigned int));
    if (!data) {
        fail(client, EFAULT);
        return;
    }
    const auto endpoint = read_struct<unsigned int>(data.get());
    if ((endpoint & 0x7F) != 0 &&
        (endpoint > 0xFF || !m_summary.endpoint(static_cast<std::uint8_t>(endpoint)))) {
        fail(client, ENOENT);
        return;
    }
    complete(client, 0, 0);
}

void UsbdevfsPort::driver_ioctl(UMockdevIoctlClient* client, UMockdevIoctlData* argument) {
    auto data = resolve(argument, 0, sizeof(usbdevfs_ioctl));
    if (!data) {
        fail(client, EFAULT);
        return;
    }
    const auto command = read_struct<usbdevfs_ioctl>(data.get());
    const auto code = static_cast<unsigned long>(static_cast<unsigned int>(command.ioctl_code));
    if (code == USBDEVFS_DISCONNECT || code == USBDEVFS_CONNECT) {
        fail(client, ENODATA);  // no kernel driver to detach or attach
        return;
    }
    report(BusNoticeKind::unsupported_ioctl,
           fmt::format("driver ioctl {:#010x} is not emulated", code));
    fail(client, ENOTTY);
}

void UsbdevfsPort::shut_down() {
    for (auto& state : m_clients) {
        while (!state->pending.empty()) {
            Urb urb = std::move(state->pending.front());
            state->pending.pop_front();
            // What the host controller reports for requests on a vanished device.
            finish_urb(urb, -ESHUTDOWN, {}, 0);
            state->completed.push_back(std::move(urb));
        }
        if (!state->completed.empty()) {
            answer_held_reap(*state);
        } else {
            release_held_reap(*state, ENODEV);
        }
    }
    m_unread.clear();
    update_reap_signal();
}

void UsbdevfsPort::report(BusNoticeKind kind, std::string detail) {
    if (m_notice_listener) {
        m_notice_listener(
            BusNotice{.device_id = m_device_id, .kind = kind, .detail = std::move(detail)});
    }
}

}  // namespace simulator::usb
