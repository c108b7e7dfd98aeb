#include "simulator/bank/pin_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <limits>

namespace simulator::bank {

std::expected<PinDigest, BankError> derive_pin_digest(std::string_view pin, const PinSalt& salt,
                                                      std::uint32_t iterations) {
    if (iterations == 0 ||
        iterations > static_cast<std::uint32_t>(std::numeric_limits<int>::max())) {
        return std::unexpected(BankError::crypto_failure);
    }
    PinDigest digest{};
    if (PKCS5_PBKDF2_HMAC(pin.data(), static_cast<int>(pin.size()), salt.data(),
                          static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                          static_cast<int>(digest.size()), digest.data()) != 1) {
        return std::unexpected(BankError::crypto_failure);
    }
    return digest;
}

std::expected<PinHash, BankError> hash_pin(std::string_view pin) {
    PinHash hash;
    if (RAND_bytes(hash.salt.data(), static_cast<int>(hash.salt.size())) != 1) {
        return std::unexpected(BankError::crypto_failure);
    }
    auto digest = derive_pin_digest(pin, hash.salt, hash.iterations);
    if (!digest) {
        return std::unexpected(digest.error());
    }
    hash.digest = *digest;
    return hash;
}

std::expected<bool, BankError> pin_matches(std::string_view pin, const PinHash& stored) {
    auto digest = derive_pin_digest(pin, stored.salt, stored.iterations);
    if (!digest) {
        return std::unexpected(digest.error());
    }
    return CRYPTO_memcmp(digest->data(), stored.digest.data(), digest->size()) == 0;
}

}  // namespace simulator::bank
