#include "drivers/usb/transport.h"

namespace drivers::usb {

namespace {

template <typename Read>
std::expected<base::Bytes, UsbError> read_into_own_buffer(std::size_t max_length, Read read) {
    base::Bytes buffer(max_length);
    auto received = read(std::span<std::uint8_t>(buffer));
    if (!received) {
        return std::unexpected(received.error());
    }
    buffer.resize(*received);
    return buffer;
}

}  // namespace

std::expected<base::Bytes, UsbError> read_bulk(Transport& transport, std::size_t max_length,
                                               std::chrono::milliseconds timeout) {
    return read_into_own_buffer(max_length, [&](std::span<std::uint8_t> buffer) {
        return transport.bulk_in(buffer, timeout);
    });
}

std::expected<base::Bytes, UsbError> read_interrupt(Transport& transport, std::size_t max_length,
                                                    std::chrono::milliseconds timeout) {
    return read_into_own_buffer(max_length, [&](std::span<std::uint8_t> buffer) {
        return transport.interrupt_in(buffer, timeout);
    });
}

}  // namespace drivers::usb
