#include "simulator/usb/sysfs_description.h"

#include <fmt/format.h>

#include "base/bytes.h"

namespace simulator::usb {
namespace {

// The usb_device character devices have major 189 (Documentation/admin-guide/devices.txt);
// the kernel numbers minors (bus - 1) * 128 + (address - 1).
constexpr int k_usb_device_major = 189;
constexpr int k_minors_per_bus = 128;

// umockdev's "A:" lines escape backslash and newline; other control characters have no place
// in a product string, so they become spaces.
std::string attribute_text(std::string_view text) {
    std::string escaped;
    for (const char character : text) {
        if (character == '\\') {
            escaped += "\\\\";
        } else if (static_cast<unsigned char>(character) < 0x20 || character == 0x7F) {
            escaped += ' ';
        } else {
            escaped += character;
        }
    }
    return escaped;
}

// The sysfs "speed" attribute is in Mbit/s.
const char* speed(const DescriptorSummary& summary) {
    return summary.high_speed() ? "480" : "12";
}

}  // namespace

std::string sysfs_path(const BusAddress& address) {
    return fmt::format("/sys/devices/usb{}/{}-{}", address.bus_number, address.bus_number,
                       address.port_number);
}

std::string device_node(const BusAddress& address) {
    return fmt::format("/dev/bus/usb/{:03}/{:03}", address.bus_number, address.device_number);
}

std::string describe_for_sysfs(const BusAddress& address, const DescriptorSummary& summary,
                               std::span<const std::uint8_t> descriptors,
                               const DeviceStrings& strings) {
    const int minor = (address.bus_number - 1) * k_minors_per_bus + (address.device_number - 1);
    const std::string node = device_node(address);
    std::string text;
    // "P:" is relative to /sys. There is no "N:" line: the bus makes the node itself, a FIFO
    // that polls like a usbdevfs node (reap_signal.h); umockdev still links its device numbers
    // from MAJOR and MINOR, and removes the node named by DEVNAME with the device.
    text += fmt::format("P: {}\n", sysfs_path(address).substr(4));
    text += fmt::format("E: DEVNAME={}\n", node);
    text += "E: DEVTYPE=usb_device\n";
    text += "E: DRIVER=usb\n";
    text += "E: SUBSYSTEM=usb\n";
    text += fmt::format("E: PRODUCT={:x}/{:x}/{:x}\n", summary.vendor_id, summary.product_id,
                        summary.device_release);
    text += fmt::format("E: TYPE={}/{}/{}\n", summary.device_class, summary.device_subclass,
                        summary.device_protocol);
    text += fmt::format("E: BUSNUM={:03}\n", address.bus_number);
    text += fmt::format("E: DEVNUM={:03}\n", address.device_number);
    text += fmt::format("E: MAJOR={}\n", k_usb_device_major);
    text += fmt::format("E: MINOR={}\n", minor);
    text += fmt::format("A: busnum={}\n", address.bus_number);
    text += fmt::format("A: devnum={}\n", address.device_number);
    text += fmt::format("A: dev={}:{}\n", k_usb_device_major, minor);
    text += fmt::format("A: idVendor={:04x}\n", summary.vendor_id);
    text += fmt::format("A: idProduct={:04x}\n", summary.product_id);
    text += fmt::format("A: bcdDevice={:04x}\n", summary.device_release);
    text += fmt::format("A: bDeviceClass={:02x}\n", summary.device_class);
    text += fmt::format("A: bDeviceSubClass={:02x}\n", summary.device_subclass);
    text += fmt::format("A: bDeviceProtocol={:02x}\n", summary.device_protocol);
    text += fmt::format("A: bMaxPacketSize0={}\n", summary.max_packet_size_0);
    text += "A: bNumConfigurations=1\n";
    text += fmt::format("A: bConfigurationValue={}\n", summary.configuration_value);
    text += fmt::format("A: bNumInterfaces={:2}\n", summary.interface_count);
    text += fmt::format("A: bmAttributes={:02x}\n", summary.configuration_attributes);
    text += fmt::format("A: bMaxPower={}mA\n", summary.max_power * 2);
    text += fmt::format("A: version={:2x}.{:02x}\n", summary.usb_release >> 8,
                        summary.usb_release & 0xFF);
    text += fmt::format("A: speed={}\n", speed(summary));
    text += "A: maxchild=0\n";
    text += fmt::format("A: devpath={}\n", address.port_number);
    if (summary.manufacturer_index != 0) {
        text += fmt::format("A: manufacturer={}\n", attribute_text(strings.manufacturer));
    }
    if (summary.product_index != 0) {
        text += fmt::format("A: product={}\n", attribute_text(strings.product));
    }
    if (summary.serial_index != 0) {
        text += fmt::format("A: serial={}\n", attribute_text(strings.serial));
    }
    text += fmt::format("H: descriptors={}\n", base::to_hex(descriptors));
    return text;
}

}  // namespace simulator::usb
