#include "kiosk/net/random_uuid.h"

#include <openssl/rand.h>

#include <cstdint>

#include "base/uuid.h"

namespace kiosk::net {

namespace {

// RFC 9562 §5.4: the version (4) in the high nibble of byte 6, the variant (binary 10) in the
// two high bits of byte 8.
constexpr std::size_t k_version_byte = 6;
constexpr std::uint8_t k_version_4 = 0x40;
constexpr std::size_t k_variant_byte = 8;
constexpr std::uint8_t k_variant_rfc = 0x80;
constexpr std::uint8_t k_low_nibble = 0x0f;
constexpr std::uint8_t k_low_six_bits = 0x3f;

}  // namespace

std::optional<std::string> random_uuid() {
    base::Uuid bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        return std::nullopt;
    }
    bytes[k_version_byte] =
        static_cast<std::uint8_t>((bytes[k_version_byte] & k_low_nibble) | k_version_4);
    bytes[k_variant_byte] =
        static_cast<std::uint8_t>((bytes[k_variant_byte] & k_low_six_bits) | k_variant_rfc);
    return base::uuid_text(bytes);
}

std::optional<std::array<std::uint8_t, 16>> random_transaction_seed() {
    std::array<std::uint8_t, 16> seed{};
    if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
        return std::nullopt;
    }
    return seed;
}

}  // namespace kiosk::net
