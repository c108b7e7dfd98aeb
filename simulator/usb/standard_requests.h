#pragma once
// The part of endpoint zero that the bus answers for every device: the standard requests of
// USB 2.0 §9.4 (descriptors, configuration, interface settings, status, features). Requests
// that are not standard, and standard requests the bus cannot answer from the descriptors
// (an interface's class descriptor, a string the device description does not name), go to
// the device. Pure: no umockdev, no threads.

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "simulator/usb/descriptor_summary.h"
#include "simulator/usb/virtual_usb_device.h"

namespace simulator::usb {

// USB 2.0 §9.3.1: bmRequestType's direction bit, set for device to host.
inline constexpr std::uint8_t k_direction_in = 0x80;

// The data stage of a control transfer, or an errno value (EPIPE = stall).
using ControlResult = std::expected<base::Bytes, int>;

struct DeviceStrings {
    std::string manufacturer;
    std::string product;
    std::string serial;
};

// USB 2.0 §9.6.7: a string descriptor holding `text` (UTF-8) as UTF-16LE, cut at the 255-byte
// limit without splitting a surrogate pair. Malformed UTF-8 becomes U+FFFD.
base::Bytes encode_string_descriptor(std::string_view text);

class StandardRequests {
  public:
    StandardRequests(base::Bytes descriptors, DescriptorSummary summary, DeviceStrings strings);

    // The answer to a standard request, or nothing when the device must answer it.
    std::optional<ControlResult> answer(const ControlSetup& setup,
                                        std::span<const std::uint8_t> data);

    // USB 2.0 §9.4.7 and §9.4.10, also reached through the usbdevfs ioctls.
    std::expected<void, int> set_configuration(int value);
    std::expected<void, int> set_interface(std::uint8_t interface, std::uint8_t alternate_setting);
    std::uint8_t configuration() const { return m_configuration; }

  private:
    ControlResult get_descriptor(const ControlSetup& setup, bool& forward) const;

    base::Bytes m_descriptors;
    DescriptorSummary m_summary;
    DeviceStrings m_strings;
    std::uint8_t m_configuration;
    std::map<std::uint8_t, std::uint8_t> m_alternate_settings;
};

}  // namespace simulator::usb
