#include "simulator/usb/descriptor_summary.h"

#include <algorithm>
#include <utility>

#include "base/bytes.h"

namespace simulator::usb {
namespace {

// USB 2.0 Table 9-5, descriptor types.
constexpr std::uint8_t k_type_device = 1;
constexpr std::uint8_t k_type_configuration = 2;
constexpr std::uint8_t k_type_interface = 4;
constexpr std::uint8_t k_type_endpoint = 5;

constexpr std::size_t k_interface_descriptor_length = 9;  // USB 2.0 §9.6.5
constexpr std::size_t k_endpoint_descriptor_length = 7;   // USB 2.0 §9.6.6
// USB 2.0 §5.8.3: only high-speed bulk endpoints carry 512-byte packets.
constexpr std::uint16_t k_high_speed_bulk_packet = 512;

}  // namespace

std::optional<EndpointSummary> DescriptorSummary::endpoint(std::uint8_t address) const {
    const auto found = std::ranges::find(endpoints, address, &EndpointSummary::address);
    if (found == endpoints.end()) {
        return std::nullopt;
    }
    return *found;
}

bool DescriptorSummary::has_interface(std::uint8_t number, std::uint8_t alternate_setting) const {
    return std::ranges::any_of(interfaces, [&](const InterfaceSummary& interface) {
        return interface.number == number && interface.alternate_setting == alternate_setting;
    });
}

bool DescriptorSummary::high_speed() const {
    return std::ranges::any_of(endpoints, [](const EndpointSummary& endpoint) {
        return endpoint.type == TransferType::bulk &&
               endpoint.max_packet_size >= k_high_speed_bulk_packet;
    });
}

std::expected<DescriptorSummary, BusError> summarise_descriptors(
    std::span<const std::uint8_t> descriptors) {
    const auto invalid = std::unexpected(BusError::invalid_descriptors);
    if (descriptors.size() < k_device_descriptor_length + k_configuration_header_length) {
        return invalid;
    }
    // USB 2.0 §9.6.1: the device descriptor.
    if (descriptors[0] != k_device_descriptor_length || descriptors[1] != k_type_device) {
        return invalid;
    }
    DescriptorSummary summary;
    summary.usb_release = base::le16_at(descriptors, 2);
    summary.device_class = descriptors[4];
    summary.device_subclass = descriptors[5];
    summary.device_protocol = descriptors[6];
    summary.max_packet_size_0 = descriptors[7];
    summary.vendor_id = base::le16_at(descriptors, 8);
    summary.product_id = base::le16_at(descriptors, 10);
    summary.device_release = base::le16_at(descriptors, 12);
    summary.manufacturer_index = descriptors[14];
    summary.product_index = descriptors[15];
    summary.serial_index = descriptors[16];
    if (descriptors[17] == 0) {  // bNumConfigurations
        return invalid;
    }
    // USB 2.0 §9.3.6: endpoint zero's packet size is 8, 16, 32 or 64.
    const std::uint8_t packet_0 = summary.max_packet_size_0;
    if (packet_0 != 8 && packet_0 != 16 && packet_0 != 32 && packet_0 != 64) {
        return invalid;
    }

    // USB 2.0 §9.6.3: the configuration descriptor and everything it encloses.
    const auto configuration = descriptors.subspan(k_device_descriptor_length);
    if (configuration[0] != k_configuration_header_length ||
        configuration[1] != k_type_configuration) {
        return invalid;
    }
    const std::size_t total_length = base::le16_at(configuration, 2);
    if (total_length < k_configuration_header_length || total_length > configuration.size()) {
        return invalid;
    }
    summary.interface_count = configuration[4];
    summary.configuration_value = configuration[5];
    summary.configuration_attributes = configuration[7];
    summary.max_power = configuration[8];
    if (summary.configuration_value == 0) {  // zero means "not configured" (§9.4.7)
        return invalid;
    }

    std::optional<InterfaceSummary> current_interface;
    std::size_t offset = k_configuration_header_length;
    while (offset < total_length) {
        if (total_length - offset < 2) {
            return invalid;
        }
        const std::size_t length = configuration[offset];
        const std::uint8_t type = configuration[offset + 1];
        if (length < 2 || length > total_length - offset) {
            return invalid;
        }
        const auto body = configuration.subspan(offset, length);
        if (type == k_type_interface) {
            if (length < k_interface_descriptor_length) {
                return invalid;
            }
            current_interface = InterfaceSummary{.number = body[2],
                                                 .alternate_setting = body[3],
                                                 .interface_class = body[5],
                                                 .interface_subclass = body[6],
                                                 .interface_protocol = body[7]};
            summary.interfaces.push_back(*current_interface);
        } else if (type == k_type_endpoint) {
            if (length < k_endpoint_descriptor_length || !current_interface) {
                return invalid;
            }
            const std::uint8_t address = body[2];
            if ((address & 0x0F) == 0) {  // endpoint zero has no descriptor (§9.6.6)
                return invalid;
            }
            summary.endpoints.push_back(EndpointSummary{
                .address = address,
                .type = static_cast<TransferType>(body[3] & 0x03),
                .max_packet_size = static_cast<std::uint16_t>(base::le16_at(body, 4) & 0x07FF),
                .interface_number = current_interface->number,
                .alternate_setting = current_interface->alternate_setting});
        }
        offset += length;
    }
    const auto first_alternates = std::ranges::count(summary.interfaces, std::uint8_t{0},
                                                     &InterfaceSummary::alternate_setting);
    if (std::cmp_not_equal(first_alternates, summary.interface_count)) {
        return invalid;
    }
    return summary;
}

}  // namespace simulator::usb
