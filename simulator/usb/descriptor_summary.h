#pragma once
// What the bus needs to know about a device, read from the raw descriptors it presents:
// identity for sysfs, string indices for GET_DESCRIPTOR, and which endpoint belongs to which
// interface with which transfer type, so usbdevfs requests can be checked like the kernel does.

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <vector>

#include "simulator/usb/bus_error.h"

namespace simulator::usb {

// USB 2.0 §9.6.6, bmAttributes bits 1..0.
enum class TransferType : std::uint8_t { control = 0, isochronous = 1, bulk = 2, interrupt = 3 };

struct EndpointSummary {
    std::uint8_t address = 0;  // bit 7 set for IN
    TransferType type = TransferType::bulk;
    std::uint16_t max_packet_size = 0;
    std::uint8_t interface_number = 0;
    std::uint8_t alternate_setting = 0;
};

struct InterfaceSummary {
    std::uint8_t number = 0;
    std::uint8_t alternate_setting = 0;
    std::uint8_t interface_class = 0;
    std::uint8_t interface_subclass = 0;
    std::uint8_t interface_protocol = 0;
};

struct DescriptorSummary {
    std::uint16_t usb_release = 0;  // bcdUSB
    std::uint8_t device_class = 0;
    std::uint8_t device_subclass = 0;
    std::uint8_t device_protocol = 0;
    std::uint8_t max_packet_size_0 = 0;
    std::uint16_t vendor_id = 0;
    std::uint16_t product_id = 0;
    std::uint16_t device_release = 0;  // bcdDevice
    std::uint8_t manufacturer_index = 0;
    std::uint8_t product_index = 0;
    std::uint8_t serial_index = 0;
    std::uint8_t configuration_value = 0;
    std::uint8_t interface_count = 0;
    std::uint8_t configuration_attributes = 0;
    std::uint8_t max_power = 0;  // in 2 mA units
    std::vector<InterfaceSummary> interfaces;
    std::vector<EndpointSummary> endpoints;

    // The endpoint with this address in any alternate setting, if the device has one.
    std::optional<EndpointSummary> endpoint(std::uint8_t address) const;
    bool has_interface(std::uint8_t number, std::uint8_t alternate_setting) const;
    // A device with 512-byte bulk packets is presented as high speed, any other as full speed.
    bool high_speed() const;
};

inline constexpr std::size_t k_device_descriptor_length = 18;    // USB 2.0 §9.6.1
inline constexpr std::size_t k_configuration_header_length = 9;  // USB 2.0 §9.6.3

// Reads the device descriptor followed by one complete configuration descriptor. Rejects
// anything a host would choke on: wrong lengths or types, a wTotalLength that runs past the
// data, sub-descriptors shorter than two bytes or overlapping the end.
std::expected<DescriptorSummary, BusError> summarise_descriptors(
    std::span<const std::uint8_t> descriptors);

}  // namespace simulator::usb
