#include "simulator/usb/standard_requests.h"

#include <algorithm>
#include <cerrno>

#include "base/bytes.h"

namespace simulator::usb {
namespace {

// USB 2.0 §9.3.1, bmRequestType.
constexpr std::uint8_t k_type_mask = 0x60;
constexpr std::uint8_t k_type_standard = 0x00;
constexpr std::uint8_t k_recipient_mask = 0x1F;
constexpr std::uint8_t k_recipient_device = 0;
constexpr std::uint8_t k_recipient_interface = 1;
constexpr std::uint8_t k_recipient_endpoint = 2;

// USB 2.0 Table 9-4, standard request codes.
constexpr std::uint8_t k_get_status = 0;
constexpr std::uint8_t k_clear_feature = 1;
constexpr std::uint8_t k_set_feature = 3;
constexpr std::uint8_t k_set_address = 5;
constexpr std::uint8_t k_get_descriptor = 6;
constexpr std::uint8_t k_set_descriptor = 7;
constexpr std::uint8_t k_get_configuration = 8;
constexpr std::uint8_t k_set_configuration = 9;
constexpr std::uint8_t k_get_interface = 10;
constexpr std::uint8_t k_set_interface = 11;
constexpr std::uint8_t k_synch_frame = 12;

// USB 2.0 Table 9-5, descriptor types.
constexpr std::uint8_t k_descriptor_device = 1;
constexpr std::uint8_t k_descriptor_configuration = 2;
constexpr std::uint8_t k_descriptor_string = 3;

// USB 2.0 §9.6.3, bmAttributes: self-powered.
constexpr std::uint8_t k_self_powered = 0x40;
// USB language identifier for English (United States), the one language the bus offers.
constexpr std::uint16_t k_language_english_us = 0x0409;
constexpr std::size_t k_max_descriptor_length = 255;
constexpr char32_t k_replacement_character = 0xFFFD;

const ControlResult k_stall = std::unexpected(EPIPE);

// Decodes UTF-8 leniently: every malformed sequence becomes one U+FFFD.
std::u32string decode_utf8(std::string_view text) {
    std::u32string decoded;
    std::size_t index = 0;
    while (index < text.size()) {
        const auto lead = static_cast<unsigned char>(text[index]);
        std::size_t continuation_count = 0;
        char32_t code_point = 0;
        char32_t minimum = 0;
        if (lead < 0x80) {
            code_point = lead;
        } else if ((lead & 0xE0) == 0xC0) {
            continuation_count = 1;
            code_point = lead & 0x1Fu;
            minimum = 0x80;
        } else if ((lead & 0xF0) == 0xE0) {
            continuation_count = 2;
            code_point = lead & 0x0Fu;
            minimum = 0x800;
        } else if ((lead & 0xF8) == 0xF0) {
            continuation_count = 3;
            code_point = lead & 0x07u;
            minimum = 0x10000;
        } else {
            decoded.push_back(k_replacement_character);
            ++index;
            continue;
        }
        bool valid = true;
        for (std::size_t offset = 1; valid && offset <= continuation_count; ++offset) {
            if (index + offset >= text.size()) {
                valid = false;
                break;
            }
            const auto next = static_cast<unsigned char>(text[index + offset]);
            if ((next & 0xC0) != 0x80) {
                valid = false;
                break;
            }
            code_point = (code_point << 6) | (next & 0x3Fu);
        }
        if (!valid || code_point < minimum || code_point > 0x10FFFF ||
            (code_point >= 0xD800 && code_point <= 0xDFFF)) {
            decoded.push_back(k_replacement_character);
            ++index;
            continue;
        }
        decoded.push_back(code_point);
        index += continuation_count + 1;
    }
    return decoded;
}

ControlResult truncated(base::Bytes data, std::uint16_t length) {
    if (data.size() > length) {
        data.resize(length);
    }
    return data;
}

}  // namespace

base::Bytes encode_string_descriptor(std::string_view text) {
    base::Bytes descriptor{0, k_descriptor_string};
    auto append_unit = [&](char32_t unit) {
        descriptor.push_back(static_cast<std::uint8_t>(unit & 0xFF));
        descriptor.push_back(static_cast<std::uint8_t>((unit >> 8) & 0xFF));
    };
    for (const char32_t code_point : decode_utf8(text)) {
        const std::size_t needed = code_point > 0xFFFF ? 4 : 2;
        if (descriptor.size() + needed > k_max_descriptor_length) {
            break;
        }
        if (code_point > 0xFFFF) {
            const char32_t offset = code_point - 0x10000;
            append_unit(0xD800 + (offset >> 10));
            append_unit(0xDC00 + (offset & 0x3FF));
        } else {
            append_unit(code_point);
        }
    }
    descriptor[0] = static_cast<std::uint8_t>(descriptor.size());
    return descriptor;
}

StandardRequests::StandardRequests(base::Bytes descriptors, DescriptorSummary summary,
                                   DeviceStrings strings)
    : m_descriptors(std::move(descriptors)),
      m_summary(std::move(summary)),
      m_strings(std::move(strings)),
      // The kernel configures a device as soon as it is enumerated.
      m_configuration(m_summary.configuration_value) {}

std::expected<void, int> StandardRequests::set_configuration(int value) {
    // usbdevfs passes -1 for "unconfigured" as well as 0 (USB 2.0 §9.4.7).
    if (value == 0 || value == -1) {
        m_configuration = 0;
        m_alternate_settings.clear();
        return {};
    }
    if (value != m_summary.configuration_value) {
        return std::unexpected(EINVAL);
    }
    m_configuration = m_summary.configuration_value;
    m_alternate_settings.clear();
    return {};
}

std::expected<void, int> StandardRequests::set_interface(std::uint8_t interface,
                                                         std::uint8_t alternate_setting) {
    if (!m_summary.has_interface(interface, alternate_setting)) {
        return std::unexpected(EINVAL);
    }
    m_alternate_settings[interface] = alternate_setting;
    return {};
}

ControlResult StandardRequests::get_descriptor(const ControlSetup& setup, bool& forward) const {
    const auto type = static_cast<std::uint8_t>(setup.value >> 8);
    const auto index = static_cast<std::uint8_t>(setup.value & 0xFF);
    switch (type) {
        case k_descriptor_device:
            return truncated(
                {m_descriptors.begin(), m_descriptors.begin() + k_device_descriptor_length},
                setup.length);
        case k_descriptor_configuration: {
            if (index != 0) {  // the device has exactly one configuration
                return k_stall;
            }
            const auto configuration = std::span(m_descriptors).subspan(k_device_descriptor_length);
            const std::size_t total = static_cast<std::size_t>(configuration[2]) |
                                      (static_cast<std::size_t>(configuration[3]) << 8);
            return truncated(
                {configuration.begin(), configuration.begin() + static_cast<std::ptrdiff_t>(total)},
                setup.length);
        }
        case k_descriptor_string: {
            if (index == 0) {  // USB 2.0 §9.6.7: the supported languages
                return truncated({4, k_descriptor_string, k_language_english_us & 0xFF,
                                  k_language_english_us >> 8},
                                 setup.length);
            }
            if (index == m_summary.manufacturer_index) {
                return truncated(encode_string_descriptor(m_strings.manufacturer), setup.length);
            }
            if (index == m_summary.product_index) {
                return truncated(encode_string_descriptor(m_strings.product), setup.length);
            }
            if (index == m_summary.serial_index) {
                return truncated(encode_string_descriptor(m_strings.serial), setup.length);
            }
            forward = true;  // interface or configuration strings belong to the device
            return k_stall;
        }
        default:
            forward = true;
            return k_stall;
    }
}

std::optional<ControlResult> StandardRequests::answer(const ControlSetup& setup,
                                                      std::span<const std::uint8_t> /*data*/) {
    if ((setup.request_type & k_type_mask) != k_type_standard) {
        return std::nullopt;
    }
    const bool device_to_host = (setup.request_type & k_direction_in) != 0;
    const std::uint8_t recipient = setup.request_type & k_recipient_mask;
    const auto index_low = static_cast<std::uint8_t>(setup.index & 0xFF);

    switch (setup.request) {
        case k_get_status: {
            if (!device_to_host) {
                return k_stall;
            }
            base::Bytes status{0, 0};
            if (recipient == k_recipient_device &&
                (m_summary.configuration_attributes & k_self_powered) != 0) {
                status[0] = 1;
            } else if (recipient == k_recipient_endpoint && (index_low & 0x0F) != 0 &&
                       !m_summary.endpoint(index_low)) {
                return k_stall;
            }
            return truncated(std::move(status), setup.length);
        }
        case k_clear_feature:
        case k_set_feature:
            if (recipient == k_recipient_endpoint && (index_low & 0x0F) != 0 &&
                !m_summary.endpoint(index_low)) {
                return k_stall;
            }
            return ControlResult{};
        case k_get_descriptor: {
            if (!device_to_host) {
                return k_stall;
            }
            if (recipient != k_recipient_device) {
                return std::nullopt;  // e.g. a HID report descriptor: the device's business
            }
            bool forward = false;
            auto result = get_descriptor(setup, forward);
            if (forward) {
                return std::nullopt;
            }
            return result;
        }
        case k_get_configuration:
            if (!device_to_host) {
                return k_stall;
            }
            return truncated({m_configuration}, setup.length);
        case k_set_configuration:
            if (device_to_host || !set_configuration(setup.value & 0xFF)) {
                return k_stall;
            }
            return ControlResult{};
        case k_get_interface: {
            if (!device_to_host || recipient != k_recipient_interface ||
                !m_summary.has_interface(index_low, 0)) {
                return k_stall;
            }
            const auto found = m_alternate_settings.find(index_low);
            const std::uint8_t alternate = found == m_alternate_settings.end() ? 0 : found->second;
            return truncated({alternate}, setup.length);
        }
        case k_set_interface:
            if (device_to_host || recipient != k_recipient_interface ||
                !set_interface(index_low, static_cast<std::uint8_t>(setup.value & 0xFF))) {
                return k_stall;
            }
            return ControlResult{};
        case k_set_address:     // the host controller's job, never a client's
        case k_set_descriptor:  // optional, and no simulated device supports it
        case k_synch_frame:     // isochronous only
            return k_stall;
        default:
            return std::nullopt;
    }
}

}  // namespace simulator::usb
