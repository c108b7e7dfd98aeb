#pragma once

// Builders for the standard USB descriptors of the simulated devices (USB 2.0 §9.6).

#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.h"

namespace simulator::devices {

// pid.codes (vendor 0x1209) reserves product ids 0x0001-0x0010 for testing; the simulated
// devices use the first ones.
constexpr std::uint16_t k_test_vendor_id = 0x1209;
constexpr std::uint16_t k_ccid_reader_product_id = 0x0001;
constexpr std::uint16_t k_pin_pad_product_id = 0x0002;
constexpr std::uint16_t k_printer_product_id = 0x0003;
constexpr std::uint16_t k_dispenser_product_id = 0x0004;
constexpr std::uint16_t k_cabinet_product_id = 0x0005;  // docs/protocols/cabinet.md §1

constexpr std::uint8_t k_full_speed_packet = 64;

struct EndpointDescription {
    std::uint8_t address = 0;
    std::uint8_t attributes = 0x02;  // 2 bulk, 3 interrupt
    std::uint16_t max_packet_size = k_full_speed_packet;
    std::uint8_t interval = 0;
};

struct DeviceDescription {
    std::uint16_t vendor_id = k_test_vendor_id;
    std::uint16_t product_id = 0;
    std::uint16_t device_release = 0x0100;
    std::uint8_t interface_class = 0;
    std::uint8_t interface_subclass = 0;
    std::uint8_t interface_protocol = 0;
    base::Bytes class_descriptor;  // placed right after the interface descriptor
    std::vector<EndpointDescription> endpoints;
    std::uint8_t max_power_2ma = 50;  // 100 mA
};

// The device descriptor (18 bytes) followed by the whole configuration: configuration,
// interface, class descriptor, endpoints. String indices: 1 manufacturer, 2 product, 3 serial.
base::Bytes build_descriptors(const DeviceDescription& description);

}  // namespace simulator::devices
