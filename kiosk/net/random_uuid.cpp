#include "kiosk/net/random_uuid.h"

#include <openssl/rand.h>

#include <array>
#include <cstdint>

namespace kiosk::net {

namespace {

constexpr std::size_t k_uuid_bytes = 16;
constexpr std::size_t k_uuid_text_length = 36;
// RFC 9562 §5.4: the version (4) in the high nibble of byte 6, the variant (binary 10) in the
// two high bits of byte 8.
constexpr std::size_t k_version_byte = 6;
constexpr std::uint8_t k_version_4 = 0x40;
constexpr std::size_t k_variant_byte = 8;
constexpr std::uint8_t k_variant_rfc = 0x80;
constexpr std::uint8_t k_low_nibble = 0x0f;
constexpr std::uint8_t k_low_six_bits = 0x3f;
// Where the text form has its hyphens.
constexpr std::array<std::size_t, 4> k_hyphens{8, 13, 18, 23};

bool is_hexadecimal(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

std::optional<std::string> random_uuid() {
    std::array<unsigned char, k_uuid_bytes> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        return std::nullopt;
    }
    bytes[k_version_byte] =
        static_cast<unsigned char>((bytes[k_version_byte] & k_low_nibble) | k_version_4);
    bytes[k_variant_byte] =
        static_cast<unsigned char>((bytes[k_variant_byte] & k_low_six_bits) | k_variant_rfc);
    constexpr std::string_view k_digits = "0123456789abcdef";
    constexpr unsigned k_nibble_bits = 4;
    std::string text;
    text.reserve(k_uuid_text_length);
    for (std::size_t index = 0; index < bytes.size(); ++index) {
        if (text.size() == k_hyphens[0] || text.size() == k_hyphens[1] ||
            text.size() == k_hyphens[2] || text.size() == k_hyphens[3]) {
            text.push_back('-');
        }
        text.push_back(k_digits[bytes[index] >> k_nibble_bits]);
        text.push_back(k_digits[bytes[index] & k_low_nibble]);
    }
    return text;
}

bool is_uuid(std::string_view text) {
    if (text.size() != k_uuid_text_length) {
        return false;
    }
    for (std::size_t index = 0; index < text.size(); ++index) {
        const bool hyphen_here = index == k_hyphens[0] || index == k_hyphens[1] ||
                                 index == k_hyphens[2] || index == k_hyphens[3];
        if (hyphen_here ? text[index] != '-' : !is_hexadecimal(text[index])) {
            return false;
        }
    }
    return true;
}

}  // namespace kiosk::net
