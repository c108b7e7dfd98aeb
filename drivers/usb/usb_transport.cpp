#include "drivers/usb/usb_transport.h"

#include <libusb.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "base/bytes.h"
#include "base/wipe.h"

namespace drivers::usb {

namespace {

// Largest string descriptor we read (USB 2.0 §9.6.7 allows 126 UTF-16 characters).
constexpr int k_string_buffer_length = 256;
constexpr std::uint8_t k_descriptor_type_interface = 0x04;

UsbError to_usb_error(int code) {
    switch (code) {
        case LIBUSB_ERROR_TIMEOUT:
            return UsbError::timeout;
        case LIBUSB_ERROR_NO_DEVICE:
            return UsbError::no_device;
        case LIBUSB_ERROR_PIPE:
            return UsbError::pipe;
        case LIBUSB_ERROR_OVERFLOW:
            return UsbError::overflow;
        case LIBUSB_ERROR_IO:
            return UsbError::io;
        case LIBUSB_ERROR_ACCESS:
            return UsbError::access;
        case LIBUSB_ERROR_BUSY:
            return UsbError::busy;
        case LIBUSB_ERROR_NOT_FOUND:
            return UsbError::not_found;
        case LIBUSB_ERROR_INVALID_PARAM:
            return UsbError::invalid_argument;
        case LIBUSB_ERROR_INTERRUPTED:
            return UsbError::interrupted;
        case LIBUSB_ERROR_NO_MEM:
            return UsbError::no_memory;
        case LIBUSB_ERROR_NOT_SUPPORTED:
            return UsbError::not_supported;
        default:
            return UsbError::other;
    }
}

// libusb reads a timeout of 0 as "wait forever". A caller asking for no wait at all must not
// hang the device thread, so the shortest wait libusb can express is used instead.
unsigned int to_libusb_timeout(std::chrono::milliseconds timeout) {
    const auto count = timeout.count();
    if (count <= 0) {
        return 1;
    }
    if (count > std::numeric_limits<unsigned int>::max()) {
        return std::numeric_limits<unsigned int>::max();
    }
    return static_cast<unsigned int>(count);
}

timeval to_timeval(std::chrono::milliseconds duration) {
    const auto microseconds =
        std::chrono::duration_cast<std::chrono::microseconds>(duration).count();
    timeval tv{};
    if (microseconds > 0) {
        tv.tv_sec = static_cast<time_t>(microseconds / 1'000'000);
        tv.tv_usec = static_cast<suseconds_t>(microseconds % 1'000'000);
    }
    return tv;
}

int to_libusb_length(std::size_t length) {
    return static_cast<int>(std::min<std::size_t>(length, std::numeric_limits<int>::max()));
}

// What an IN transfer delivered. A transfer that timed out after part of the data came keeps
// that part: the caller may be reading a message that spans more than one transfer, and
// dropping bytes would cut it in two.
std::expected<std::size_t, UsbError> received(int result, int transferred) {
    if (result == LIBUSB_SUCCESS || (result == LIBUSB_ERROR_TIMEOUT && transferred > 0)) {
        return static_cast<std::size_t>(transferred);
    }
    return std::unexpected(to_usb_error(result));
}

InterfaceInfo describe_interface(const libusb_interface_descriptor& descriptor) {
    InterfaceInfo info;
    info.number = descriptor.bInterfaceNumber;
    info.alternate_setting = descriptor.bAlternateSetting;
    info.class_code = descriptor.bInterfaceClass;
    info.subclass_code = descriptor.bInterfaceSubClass;
    info.protocol_code = descriptor.bInterfaceProtocol;
    if (descriptor.extra != nullptr && descriptor.extra_length > 0) {
        info.class_descriptor.assign(descriptor.extra, descriptor.extra + descriptor.extra_length);
    }
    for (int index = 0; index < descriptor.bNumEndpoints; ++index) {
        const libusb_endpoint_descriptor& endpoint = descriptor.endpoint[index];
        EndpointInfo endpoint_info;
        endpoint_info.address = endpoint.bEndpointAddress;
        endpoint_info.type = static_cast<TransferType>(endpoint.bmAttributes & 0x03);
        endpoint_info.max_packet_size = endpoint.wMaxPacketSize;
        info.endpoints.push_back(endpoint_info);
        // Quirk of some early CCID readers (the open-source CCID driver meets it too): the
        // class descriptor follows the last endpoint instead of the interface descriptor.
        if (info.class_descriptor.empty() && index + 1 == descriptor.bNumEndpoints &&
            endpoint.extra != nullptr && endpoint.extra_length > 0) {
            info.class_descriptor.assign(endpoint.extra, endpoint.extra + endpoint.extra_length);
        }
    }
    // A class descriptor is itself a descriptor: keep it only when it is not some other
    // standard descriptor that happened to land in the extra bytes.
    if (info.class_descriptor.size() >= 2 &&
        info.class_descriptor[1] == k_descriptor_type_interface) {
        info.class_descriptor.clear();
    }
    return info;
}

std::optional<DeviceInfo> describe_device(libusb_device* device) {
    libusb_device_descriptor descriptor{};
    if (libusb_get_device_descriptor(device, &descriptor) != LIBUSB_SUCCESS) {
        return std::nullopt;
    }
    DeviceInfo info;
    info.bus = libusb_get_bus_number(device);
    info.address = libusb_get_device_address(device);
    info.vendor_id = descriptor.idVendor;
    info.product_id = descriptor.idProduct;
    info.device_release = descriptor.bcdDevice;
    info.device_class = descriptor.bDeviceClass;

    libusb_config_descriptor* config = nullptr;
    if (libusb_get_active_config_descriptor(device, &config) != LIBUSB_SUCCESS) {
        config = nullptr;
        if (descriptor.bNumConfigurations == 0 ||
            libusb_get_config_descriptor(device, 0, &config) != LIBUSB_SUCCESS) {
            config = nullptr;
        }
    }
    if (config != nullptr) {
        for (int index = 0; index < config->bNumInterfaces; ++index) {
            const libusb_interface& interface = config->interface[index];
            if (interface.num_altsetting > 0) {
                info.interfaces.push_back(describe_interface(interface.altsetting[0]));
            }
        }
        libusb_free_config_descriptor(config);
    }
    return info;
}

std::string read_string(libusb_device_handle* handle, std::uint8_t index) {
    if (index == 0) {
        return {};
    }
    unsigned char buffer[k_string_buffer_length] = {};
    const int length =
        libusb_get_string_descriptor_ascii(handle, index, buffer, k_string_buffer_length);
    if (length <= 0) {
        return {};
    }
    return std::string(reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(length));
}

}  // namespace

bool DeviceMatch::matches(const DeviceInfo& device, const InterfaceInfo& interface) const {
    if (vendor_id && *vendor_id != device.vendor_id) {
        return false;
    }
    if (product_id && *product_id != device.product_id) {
        return false;
    }
    if (bus && *bus != device.bus) {
        return false;
    }
    if (address && *address != device.address) {
        return false;
    }
    if (interface_class && *interface_class != interface.class_code) {
        return false;
    }
    return true;
}

// ---- UsbContext ----

std::expected<UsbContext, UsbError> UsbContext::create() {
    libusb_context* context = nullptr;
    const int result = libusb_init(&context);
    if (result != LIBUSB_SUCCESS) {
        return std::unexpected(to_usb_error(result));
    }
    return UsbContext(context);
}

UsbContext::UsbContext(UsbContext&& other) noexcept
    : m_context(std::exchange(other.m_context, nullptr)) {}

UsbContext& UsbContext::operator=(UsbContext&& other) noexcept {
    if (this != &other) {
        if (m_context != nullptr) {
            libusb_exit(m_context);
        }
        m_context = std::exchange(other.m_context, nullptr);
    }
    return *this;
}

UsbContext::~UsbContext() {
    if (m_context != nullptr) {
        libusb_exit(m_context);
    }
}

std::expected<std::vector<DeviceInfo>, UsbError> UsbContext::devices() const {
    libusb_device** list = nullptr;
    const ssize_t count = libusb_get_device_list(m_context, &list);
    if (count < 0) {
        return std::unexpected(to_usb_error(static_cast<int>(count)));
    }
    std::vector<DeviceInfo> result;
    for (ssize_t index = 0; index < count; ++index) {
        if (auto info = describe_device(list[index])) {
            result.push_back(std::move(*info));
        }
    }
    libusb_free_device_list(list, 1);
    return result;
}

bool UsbContext::has_hotplug() const {
    return libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) != 0;
}

struct HotplugWatch::State {
    HotplugListener listener;
    libusb_context* context = nullptr;
    libusb_hotplug_callback_handle handle = 0;
    bool registered = false;
};

namespace {

// A C callback: nothing may propagate out of it (house style 3).
int LIBUSB_CALL on_hotplug(libusb_context* /*context*/, libusb_device* device,
                           libusb_hotplug_event event, void* user_data) {
    auto* state = static_cast<HotplugWatch::State*>(user_data);
    try {
        DeviceInfo info;
        if (auto described = describe_device(device)) {
            info = std::move(*described);
        } else {
            info.bus = libusb_get_bus_number(device);
            info.address = libusb_get_device_address(device);
        }
        const HotplugEvent kind = event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED
                                      ? HotplugEvent::arrived
                                      : HotplugEvent::left;
        if (state->listener) {
            state->listener(kind, info);
        }
    } catch (...) {
        // A listener that throws loses this one event; libusb must not see the exception.
    }
    return 0;  // stay registered
}

}  // namespace

std::expected<HotplugWatch, UsbError> UsbContext::watch_hotplug(HotplugListener listener) {
    if (!has_hotplug()) {
        return std::unexpected(UsbError::not_supported);
    }
    auto state = std::make_unique<HotplugWatch::State>();
    state->listener = std::move(listener);
    state->context = m_context;
    const int result = libusb_hotplug_register_callback(
        m_context,
        static_cast<libusb_hotplug_event>(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
                                          LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT),
        LIBUSB_HOTPLUG_NO_FLAGS, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
        LIBUSB_HOTPLUG_MATCH_ANY, on_hotplug, state.get(), &state->handle);
    if (result != LIBUSB_SUCCESS) {
        return std::unexpected(to_usb_error(result));
    }
    state->registered = true;
    return HotplugWatch(std::move(state));
}

std::expected<void, UsbError> UsbContext::handle_events(std::chrono::milliseconds timeout) {
    timeval tv = to_timeval(timeout);
    const int result = libusb_handle_events_timeout_completed(m_context, &tv, nullptr);
    if (result != LIBUSB_SUCCESS && result != LIBUSB_ERROR_INTERRUPTED) {
        return std::unexpected(to_usb_error(result));
    }
    return {};
}

// ---- HotplugWatch ----

HotplugWatch::HotplugWatch(std::unique_ptr<State> state) : m_state(std::move(state)) {}

HotplugWatch::HotplugWatch(HotplugWatch&& other) noexcept = default;

HotplugWatch& HotplugWatch::operator=(HotplugWatch&& other) noexcept {
    if (this != &other) {
        release();
        m_state = std::move(other.m_state);
    }
    return *this;
}

HotplugWatch::~HotplugWatch() {
    release();
}

void HotplugWatch::release() {
    if (m_state && m_state->registered) {
        libusb_hotplug_deregister_callback(m_state->context, m_state->handle);
        m_state->registered = false;
    }
    m_state.reset();
}

// ---- UsbTransport ----

struct UsbTransport::StandingTransfer {
    libusb_transfer* transfer = nullptr;
    // What the device sends lands here; wiped after each hand-over (base::Bytes wipes it
    // when freed as well), since an interrupt message may one day carry more than a slot bit.
    base::Bytes buffer;
    // Set by the callback when libusb hands the transfer back: libusb's `completed` flag for
    // libusb_handle_events_timeout_completed(), so it is an int.
    int completed = 0;
    bool in_flight = false;
};

namespace {

// How long a transport being closed waits for libusb to give back its cancelled standing
// transfer. Cancelling takes one round of event handling; reaching this means the device or
// the platform is stuck, and the transfer is then left to libusb rather than freed under it.
constexpr std::chrono::milliseconds k_cancel_wait{1000};
constexpr std::chrono::milliseconds k_cancel_round{100};

// A C callback (docs/style.md, "Errors"): it only records that the transfer is back.
void LIBUSB_CALL on_standing_transfer_done(libusb_transfer* transfer) noexcept {
    auto* standing = static_cast<UsbTransport::StandingTransfer*>(transfer->user_data);
    standing->in_flight = false;
    standing->completed = 1;
}

UsbError from_transfer_status(libusb_transfer_status status) {
    switch (status) {
        case LIBUSB_TRANSFER_TIMED_OUT:
            return UsbError::timeout;
        case LIBUSB_TRANSFER_CANCELLED:
            return UsbError::interrupted;
        case LIBUSB_TRANSFER_STALL:
            return UsbError::pipe;
        case LIBUSB_TRANSFER_NO_DEVICE:
            return UsbError::no_device;
        case LIBUSB_TRANSFER_OVERFLOW:
            return UsbError::overflow;
        case LIBUSB_TRANSFER_ERROR:
        case LIBUSB_TRANSFER_COMPLETED:
            break;
    }
    return UsbError::io;
}

}  // namespace

std::expected<std::unique_ptr<UsbTransport>, UsbError> UsbTransport::open(
    const UsbContext& context, const DeviceMatch& match) {
    libusb_device** list = nullptr;
    const ssize_t count = libusb_get_device_list(context.native(), &list);
    if (count < 0) {
        return std::unexpected(to_usb_error(static_cast<int>(count)));
    }
    UsbError last_error = UsbError::not_found;
    std::unique_ptr<UsbTransport> transport;
    for (ssize_t index = 0; index < count && !transport; ++index) {
        auto info = describe_device(list[index]);
        if (!info) {
            continue;
        }
        for (const InterfaceInfo& interface : info->interfaces) {
            if (!match.matches(*info, interface)) {
                continue;
            }
            std::optional<std::uint8_t> bulk_out;
            std::optional<std::uint8_t> bulk_in;
            std::optional<std::uint8_t> interrupt_in;
            for (const EndpointInfo& endpoint : interface.endpoints) {
                if (endpoint.type == TransferType::bulk && endpoint.is_in() && !bulk_in) {
                    bulk_in = endpoint.address;
                } else if (endpoint.type == TransferType::bulk && !endpoint.is_in() && !bulk_out) {
                    bulk_out = endpoint.address;
                } else if (endpoint.type == TransferType::interrupt && endpoint.is_in() &&
                           !interrupt_in) {
                    interrupt_in = endpoint.address;
                }
            }
            if (!bulk_in || !bulk_out) {
                continue;
            }
            libusb_device_handle* handle = nullptr;
            int result = libusb_open(list[index], &handle);
            if (result != LIBUSB_SUCCESS) {
                last_error = to_usb_error(result);
                break;
            }
            // Detach only a driver that is really bound: libusb's automatic detaching makes
            // the claim fail under umockdev (docs/platform-facts.md), and it is not needed
            // otherwise.
            bool reattach = false;
            if (libusb_kernel_driver_active(handle, interface.number) == 1) {
                if (libusb_detach_kernel_driver(handle, interface.number) == LIBUSB_SUCCESS) {
                    reattach = true;
                }
            }
            result = libusb_claim_interface(handle, interface.number);
            if (result != LIBUSB_SUCCESS) {
                last_error = to_usb_error(result);
                if (reattach) {
                    libusb_attach_kernel_driver(handle, interface.number);
                }
                libusb_close(handle);
                break;
            }
            transport.reset(new UsbTransport());
            transport->m_context = context.native();
            transport->m_handle = handle;
            transport->m_device = *info;
            transport->m_interface = interface;
            transport->m_bulk_out = *bulk_out;
            transport->m_bulk_in = *bulk_in;
            transport->m_interrupt_in = interrupt_in;
            transport->m_reattach_kernel_driver = reattach;
            libusb_device_descriptor descriptor{};
            if (libusb_get_device_descriptor(list[index], &descriptor) == LIBUSB_SUCCESS) {
                transport->m_manufacturer = read_string(handle, descriptor.iManufacturer);
                transport->m_product = read_string(handle, descriptor.iProduct);
                transport->m_serial = read_string(handle, descriptor.iSerialNumber);
            }
            break;
        }
    }
    libusb_free_device_list(list, 1);
    if (!transport) {
        return std::unexpected(last_error);
    }
    return transport;
}

UsbTransport::~UsbTransport() {
    retire_standing_transfer();
    if (m_handle != nullptr) {
        libusb_release_interface(m_handle, m_interface.number);
        if (m_reattach_kernel_driver) {
            libusb_attach_kernel_driver(m_handle, m_interface.number);
        }
        libusb_close(m_handle);
    }
}

std::expected<void, UsbError> UsbTransport::bulk_out(std::span<const std::uint8_t> data,
                                                     std::chrono::milliseconds timeout) {
    // libusb's API takes a non-const buffer for both directions; an OUT transfer only reads it.
    auto* buffer = const_cast<unsigned char*>(data.data());
    int transferred = 0;
    const int result =
        libusb_bulk_transfer(m_handle, m_bulk_out, buffer, to_libusb_length(data.size()),
                             &transferred, to_libusb_timeout(timeout));
    if (result != LIBUSB_SUCCESS) {
        return std::unexpected(to_usb_error(result));
    }
    if (static_cast<std::size_t>(transferred) != data.size()) {
        return std::unexpected(UsbError::io);
    }
    return {};
}

std::expected<std::size_t, UsbError> UsbTransport::bulk_in(std::span<std::uint8_t> buffer,
                                                           std::chrono::milliseconds timeout) {
    int transferred = 0;
    const int result =
        libusb_bulk_transfer(m_handle, m_bulk_in, buffer.data(), to_libusb_length(buffer.size()),
                             &transferred, to_libusb_timeout(timeout));
    return received(result, transferred);
}

std::expected<std::size_t, UsbError> UsbTransport::interrupt_in(std::span<std::uint8_t> buffer,
                                                                std::chrono::milliseconds timeout) {
    if (!m_interrupt_in) {
        return std::unexpected(UsbError::not_supported);
    }
    if (!m_standing) {
        auto standing = std::make_unique<StandingTransfer>();
        standing->transfer = libusb_alloc_transfer(0);
        if (standing->transfer == nullptr) {
            return std::unexpected(UsbError::no_memory);
        }
        standing->buffer.resize(std::max<std::size_t>(buffer.size(), 1));
        m_standing = std::move(standing);
    }
    StandingTransfer& standing = *m_standing;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool handled_once = false;
    while (true) {
        if (standing.completed != 0) {
            // What the device sent, or why the transfer ended; the next wait submits anew.
            standing.completed = 0;
            const libusb_transfer& done = *standing.transfer;
            if (done.status != LIBUSB_TRANSFER_COMPLETED) {
                return std::unexpected(from_transfer_status(done.status));
            }
            const auto length = static_cast<std::size_t>(std::max(done.actual_length, 0));
            const std::size_t copied = std::min(length, buffer.size());
            std::copy_n(standing.buffer.begin(), copied, buffer.begin());
            base::wipe(std::span<std::uint8_t>(standing.buffer));
            if (length > buffer.size()) {
                return std::unexpected(UsbError::overflow);
            }
            return length;
        }
        if (!standing.in_flight) {
            // No timeout: the transfer stands until the device speaks or it is cancelled;
            // each wait's own bound is the event handling's below.
            libusb_fill_interrupt_transfer(
                standing.transfer, m_handle, *m_interrupt_in, standing.buffer.data(),
                to_libusb_length(standing.buffer.size()), &on_standing_transfer_done, &standing, 0);
            const int submitted = libusb_submit_transfer(standing.transfer);
            if (submitted != LIBUSB_SUCCESS) {
                return std::unexpected(to_usb_error(submitted));
            }
            standing.in_flight = true;
        }
        if (m_wake_requested.exchange(false)) {
            return std::unexpected(UsbError::interrupted);
        }
        // Rounded up: a wait never ends before its time, so a caller waiting for a moment
        // does not find it still ahead and wait again for nothing.
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= std::chrono::milliseconds::zero() && handled_once) {
            return std::unexpected(UsbError::timeout);
        }
        // Returns when the transfer completes, wake() interrupts it, any other event is
        // handled, or the time is up; the loop then looks at which it was.
        timeval tv = to_timeval(std::max(left, std::chrono::milliseconds::zero()));
        const int handled =
            libusb_handle_events_timeout_completed(m_context, &tv, &standing.completed);
        handled_once = true;
        if (handled != LIBUSB_SUCCESS && handled != LIBUSB_ERROR_INTERRUPTED) {
            return std::unexpected(to_usb_error(handled));
        }
    }
}

void UsbTransport::wake() {
    m_wake_requested = true;
    libusb_interrupt_event_handler(m_context);
}

void UsbTransport::retire_standing_transfer() {
    if (!m_standing) {
        return;
    }
    StandingTransfer& standing = *m_standing;
    if (standing.in_flight) {
        (void)libusb_cancel_transfer(standing.transfer);
        const auto deadline = std::chrono::steady_clock::now() + k_cancel_wait;
        while (standing.in_flight && std::chrono::steady_clock::now() < deadline) {
            timeval tv = to_timeval(k_cancel_round);
            (void)libusb_handle_events_timeout_completed(m_context, &tv, &standing.completed);
        }
    }
    if (standing.in_flight) {
        // libusb still holds it: freeing it now would let libusb write into freed memory.
        // Leaking one transfer of a stuck device is the lesser harm.
        (void)m_standing.release();
        return;
    }
    libusb_free_transfer(standing.transfer);
    m_standing.reset();
}

std::expected<base::Bytes, UsbError> UsbTransport::control_transfer(
    const ControlRequest& request, std::span<const std::uint8_t> data, std::uint16_t in_length,
    std::chrono::milliseconds timeout) {
    const bool is_in = (request.request_type & k_control_direction_in) != 0;
    base::Bytes buffer;
    if (is_in) {
        buffer.resize(in_length);
    } else {
        if (data.size() > std::numeric_limits<std::uint16_t>::max()) {
            return std::unexpected(UsbError::invalid_argument);
        }
        buffer.assign(data.begin(), data.end());
    }
    const int result = libusb_control_transfer(
        m_handle, request.request_type, request.request, request.value, request.index,
        buffer.data(), static_cast<std::uint16_t>(buffer.size()), to_libusb_timeout(timeout));
    if (result < 0) {
        return std::unexpected(to_usb_error(result));
    }
    if (!is_in) {
        return base::Bytes{};
    }
    buffer.resize(static_cast<std::size_t>(result));
    return buffer;
}

}  // namespace drivers::usb
