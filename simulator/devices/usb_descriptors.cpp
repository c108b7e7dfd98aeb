#include "simulator/devices/usb_descriptors.h"

#include "base/bytes.h"

namespace simulator::devices {

namespace {}  // namespace

base::Bytes build_descriptors(const DeviceDescription& d) {
    base::Bytes bytes;
    // USB 2.0 §9.6.1 device descriptor: USB 2.0, class defined by the interface, 64-byte
    // endpoint zero, one configuration.
    bytes = {18, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, k_full_speed_packet};
    base::put_le16(bytes, d.vendor_id);
    base::put_le16(bytes, d.product_id);
    base::put_le16(bytes, d.device_release);
    bytes.insert(bytes.end(), {0x01, 0x02, 0x03, 0x01});

    // §9.6.3 configuration descriptor, total length filled in below; bus powered.
    const std::size_t configuration_start = bytes.size();
    bytes.insert(bytes.end(), {9, 0x02, 0x00, 0x00, 0x01, 0x01, 0x00, 0x80, d.max_power_2ma});
    // §9.6.5 interface descriptor.
    bytes.insert(bytes.end(),
                 {9, 0x04, 0x00, 0x00, static_cast<std::uint8_t>(d.endpoints.size()),
                  d.interface_class, d.interface_subclass, d.interface_protocol, 0x00});
    bytes.insert(bytes.end(), d.class_descriptor.begin(), d.class_descriptor.end());
    // §9.6.6 endpoint descriptors.
    for (const EndpointDescription& endpoint : d.endpoints) {
        bytes.insert(bytes.end(), {7, 0x05, endpoint.address, endpoint.attributes});
        base::put_le16(bytes, endpoint.max_packet_size);
        bytes.push_back(endpoint.interval);
    }
    const auto total = static_cast<std::uint16_t>(bytes.size() - configuration_start);
    bytes[configuration_start + 2] = static_cast<std::uint8_t>(total & 0xFF);
    bytes[configuration_start + 3] = static_cast<std::uint8_t>(total >> 8);
    return bytes;
}

}  // namespace simulator::devices
