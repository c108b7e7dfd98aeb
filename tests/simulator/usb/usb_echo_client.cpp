// A plain libusb program for the cross-process test: run with the bus's environment, it sends
// its argument to the loopback device and prints what comes back. No project code inside, so
// it sees the bus exactly as the kiosk process does.

#include <libusb.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "base/command_line.h"
#include "tests/simulator/usb/loopback_device.h"

namespace {

constexpr const char* k_usage =
    "usage: usb_echo_client MESSAGE\n"
    "A test helper (tests/simulator/usb): run with a virtual USB bus's environment (umockdev),\n"
    "it sends MESSAGE to the loopback device and prints \"echo: \" and what came back to\n"
    "stdout. Exits 0 on an echo, 2 on wrong arguments, 3 to 6 when libusb, the device or a\n"
    "transfer fails.\n"
    "  -h, --help    this text\n";

}  // namespace

int main(int argument_count, char** arguments) {
    using namespace simulator::usb::test;
    // The arguments are read before libusb starts, so --help touches no device.
    if (base::asks_for_help(argument_count, arguments)) {
        std::fputs(k_usage, stdout);
        return 0;
    }
    if (argument_count != 2 || base::unknown_option(argument_count, arguments)) {
        std::fputs(k_usage, stderr);
        return 2;
    }
    libusb_context* context = nullptr;
    if (libusb_init(&context) != LIBUSB_SUCCESS) {
        return 3;
    }
    libusb_device_handle* handle =
        libusb_open_device_with_vid_pid(context, k_loopback_vendor, k_loopback_product);
    if (handle == nullptr || libusb_claim_interface(handle, 0) != LIBUSB_SUCCESS) {
        std::fprintf(stderr, "usb_echo_client: no loopback device\n");
        return 4;
    }
    std::array<unsigned char, 256> buffer{};
    const std::size_t length = std::strlen(arguments[1]);
    if (length > buffer.size()) {
        return 2;
    }
    std::memcpy(buffer.data(), arguments[1], length);
    int transferred = 0;
    if (libusb_bulk_transfer(handle, k_bulk_out, buffer.data(), static_cast<int>(length),
                             &transferred, 2000) != LIBUSB_SUCCESS) {
        return 5;
    }
    buffer.fill(0);
    if (libusb_bulk_transfer(handle, k_bulk_in, buffer.data(), static_cast<int>(buffer.size()),
                             &transferred, 2000) != LIBUSB_SUCCESS) {
        return 6;
    }
    std::printf("echo: %.*s\n", transferred, reinterpret_cast<const char*>(buffer.data()));
    libusb_release_interface(handle, 0);
    libusb_close(handle);
    libusb_exit(context);
    return 0;
}
