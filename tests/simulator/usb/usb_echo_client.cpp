// A plain libusb program for the cross-process tests: run with the bus's environment, it sends
// its argument to the loopback device and prints what comes back, or with --hold claims the
// device, leaves a read waiting and stays until it is killed, as a crashing kiosk would. No
// project code inside, so it sees the bus exactly as the kiosk process does.

#include <libusb.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "base/command_line.h"
#include "tests/simulator/usb/loopback_device.h"

namespace {

constexpr const char* k_usage =
    "usage: usb_echo_client MESSAGE\n"
    "       usb_echo_client --hold\n"
    "A test helper (tests/simulator/usb): run with a virtual USB bus's environment (umockdev),\n"
    "it sends MESSAGE to the loopback device and prints \"echo: \" and what came back to\n"
    "stdout. With --hold it claims the loopback device, submits a bulk IN transfer, prints\n"
    "\"holding\" and waits until it is killed. Exits 0 on an echo, 2 on wrong arguments, 3 to 6\n"
    "when libusb, the device or a transfer fails.\n"
    "  --hold        claim the device and keep a read waiting until killed\n"
    "  -h, --help    this text\n";

constexpr std::string_view k_hold_option = "--hold";

void LIBUSB_CALL ignore_transfer(libusb_transfer*) {}

// Claims the device and leaves a read in flight, then waits to be killed: what a kiosk that
// crashes while it talks to a device leaves behind on the bus.
int hold(libusb_device_handle* handle) {
    static std::array<unsigned char, 64> buffer{};
    libusb_transfer* transfer = libusb_alloc_transfer(0);
    if (transfer == nullptr) {
        return 3;
    }
    libusb_fill_bulk_transfer(transfer, handle, simulator::usb::test::k_bulk_in, buffer.data(),
                              static_cast<int>(buffer.size()), ignore_transfer, nullptr, 0);
    if (libusb_submit_transfer(transfer) != LIBUSB_SUCCESS) {
        return 6;
    }
    std::puts("holding");
    std::fflush(stdout);
    while (true) {
        ::pause();
    }
}

}  // namespace

int main(int argument_count, char** arguments) {
    using namespace simulator::usb::test;
    // The arguments are read before libusb starts, so --help touches no device.
    if (base::asks_for_help(argument_count, arguments)) {
        std::fputs(k_usage, stdout);
        return 0;
    }
    if (argument_count != 2 || base::unknown_option(argument_count, arguments, {k_hold_option})) {
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
    if (arguments[1] == k_hold_option) {
        return hold(handle);
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
