#pragma once

// PINs at rest: PBKDF2-HMAC-SHA256 with a random salt per card (NIST SP 800-132). The clear
// PIN exists only for the length of one verification and is never stored.

#include <array>
#include <cstdint>
#include <expected>
#include <string_view>

#include "simulator/bank/bank_error.h"

namespace simulator::bank {

// Kept low so that seeding and tests stay fast; a production issuer would use far more, or an
// HSM. Stored per card, so raising it later does not invalidate existing hashes.
inline constexpr std::uint32_t k_pin_hash_iterations = 20'000;
inline constexpr std::size_t k_pin_salt_size = 16;
inline constexpr std::size_t k_pin_digest_size = 32;

using PinSalt = std::array<std::uint8_t, k_pin_salt_size>;
using PinDigest = std::array<std::uint8_t, k_pin_digest_size>;

struct PinHash {
    PinSalt salt{};
    PinDigest digest{};
    std::uint32_t iterations = k_pin_hash_iterations;
};

// Hashes a PIN under a fresh random salt.
std::expected<PinHash, BankError> hash_pin(std::string_view pin);

// Hashes a PIN under a given salt and iteration count.
std::expected<PinDigest, BankError> derive_pin_digest(std::string_view pin, const PinSalt& salt,
                                                      std::uint32_t iterations);

// True when `pin` hashes to `stored`; compares in constant time.
std::expected<bool, BankError> pin_matches(std::string_view pin, const PinHash& stored);

}  // namespace simulator::bank
