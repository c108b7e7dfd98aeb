#include "simulator/devices/direct_transport.h"

#include <cerrno>

namespace simulator::devices {

namespace {

constexpr std::uint8_t k_endpoint_descriptor = 0x05;

}  // namespace

DirectTransport::DirectTransport(std::shared_ptr<simulator::usb::VirtualUsbDevice> device)
    : m_device(std::move(device)), m_signal(std::make_shared<Signal>()) {
    // USB 2.0 §9.6.6: walk the descriptors by their bLength and pick the endpoints.
    const auto descriptors = m_device->descriptors();
    for (std::size_t offset = 0; offset + 1 < descriptors.size();) {
        const std::size_t length = descriptors[offset];
        if (length < 2 || offset + length > descriptors.size()) {
            break;
        }
        if (descriptors[offset + 1] == k_endpoint_descriptor && length >= 7) {
            const std::uint8_t address = descriptors[offset + 2];
            const std::uint8_t type = descriptors[offset + 3] & 0x03;
            const bool in = (address & 0x80) != 0;
            if (type == 2 && !in && m_bulk_out == 0) {
                m_bulk_out = address;
            } else if (type == 2 && in && m_bulk_in == 0) {
                m_bulk_in = address;
            } else if (type == 3 && in && m_interrupt_in == 0) {
                m_interrupt_in = address;
            }
        }
        offset += length;
    }
    m_device->set_in_ready_listener([signal = m_signal] {
        {
            std::lock_guard lock(signal->mutex);
            ++signal->generation;
        }
        signal->condition.notify_all();
    });
}

DirectTransport::~DirectTransport() {
    m_device->set_in_ready_listener({});
}

void DirectTransport::unplug() {
    {
        std::lock_guard lock(m_signal->mutex);
        m_signal->unplugged = true;
    }
    m_signal->condition.notify_all();
}

std::expected<void, drivers::usb::UsbError> DirectTransport::bulk_out(
    std::span<const std::uint8_t> data, std::chrono::milliseconds /*timeout*/) {
    {
        std::lock_guard lock(m_signal->mutex);
        if (m_signal->unplugged) {
            return std::unexpected(drivers::usb::UsbError::no_device);
        }
    }
    if (m_bulk_out == 0) {
        return std::unexpected(drivers::usb::UsbError::not_supported);
    }
    m_device->on_out(m_bulk_out, data);
    return {};
}

std::expected<std::size_t, drivers::usb::UsbError> DirectTransport::receive(
    std::uint8_t endpoint, std::span<std::uint8_t> buffer, std::chrono::milliseconds timeout,
    bool wakeable) {
    if (endpoint == 0) {
        return std::unexpected(drivers::usb::UsbError::not_supported);
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(m_signal->mutex);
    while (true) {
        if (m_signal->unplugged) {
            return std::unexpected(drivers::usb::UsbError::no_device);
        }
        const std::uint64_t seen = m_signal->generation;
        lock.unlock();
        auto data = m_device->take_in(endpoint);
        lock.lock();
        if (data) {
            if (data->size() > buffer.size()) {
                return std::unexpected(drivers::usb::UsbError::overflow);
            }
            std::ranges::copy(*data, buffer.begin());
            return data->size();
        }
        if (wakeable && m_signal->woken) {
            m_signal->woken = false;
            return std::unexpected(drivers::usb::UsbError::interrupted);
        }
        if (!m_signal->condition.wait_until(lock, deadline, [&] {
                return m_signal->generation != seen || m_signal->unplugged ||
                       (wakeable && m_signal->woken);
            })) {
            return std::unexpected(drivers::usb::UsbError::timeout);
        }
    }
}

std::expected<std::size_t, drivers::usb::UsbError> DirectTransport::bulk_in(
    std::span<std::uint8_t> buffer, std::chrono::milliseconds timeout) {
    return receive(m_bulk_in, buffer, timeout, false);
}

std::expected<std::size_t, drivers::usb::UsbError> DirectTransport::interrupt_in(
    std::span<std::uint8_t> buffer, std::chrono::milliseconds timeout) {
    return receive(m_interrupt_in, buffer, timeout, true);
}

void DirectTransport::wake() {
    {
        std::lock_guard lock(m_signal->mutex);
        m_signal->woken = true;
    }
    m_signal->condition.notify_all();
}

std::expected<base::Bytes, drivers::usb::UsbError> DirectTransport::control_transfer(
    const drivers::usb::ControlRequest& request, std::span<const std::uint8_t> data,
    std::uint16_t in_length, std::chrono::milliseconds /*timeout*/) {
    simulator::usb::ControlSetup setup;
    setup.request_type = request.request_type;
    setup.request = request.request;
    setup.value = request.value;
    setup.index = request.index;
    const bool in = (request.request_type & drivers::usb::k_control_direction_in) != 0;
    setup.length = in ? in_length : static_cast<std::uint16_t>(data.size());
    auto result = m_device->on_control(setup, in ? std::span<const std::uint8_t>{} : data);
    if (!result) {
        return std::unexpected(result.error() == EPIPE ? drivers::usb::UsbError::pipe
                                                       : drivers::usb::UsbError::io);
    }
    if (in && result->size() > in_length) {
        result->resize(in_length);
    }
    return std::move(*result);
}

}  // namespace simulator::devices
