#include "kiosk/access/password_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <vector>

namespace kiosk::access {

namespace {

constexpr std::string_view k_base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char k_base64_padding = '=';
constexpr int k_not_base64 = -1;

int base64_value_of(char character) {
    const auto position = k_base64_alphabet.find(character);
    return position == std::string_view::npos ? k_not_base64 : static_cast<int>(position);
}

base::Error<AccessError> bad_hash(std::string_view what) {
    return base::error(AccessError::bad_password_hash, std::string(what));
}

// PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) of `password` under `salt`.
std::expected<base::Bytes, base::Error<AccessError>> derive_key(const base::SecretText& password,
                                                                std::span<const std::uint8_t> salt,
                                                                int iterations) {
    base::Bytes key(k_derived_key_length);
    const std::string_view text = password.view();
    if (PKCS5_PBKDF2_HMAC(text.data(), static_cast<int>(text.size()), salt.data(),
                          static_cast<int>(salt.size()), iterations, EVP_sha256(),
                          static_cast<int>(key.size()), key.data()) != 1) {
        return std::unexpected(base::error(AccessError::crypto_failure, "PKCS5_PBKDF2_HMAC"));
    }
    return key;
}

bool iterations_in_range(int iterations) {
    return iterations >= k_minimum_iterations && iterations <= k_maximum_iterations;
}

}  // namespace

std::string to_base64(std::span<const std::uint8_t> bytes) {
    std::string text;
    text.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t index = 0; index < bytes.size(); index += 3) {
        const std::size_t count = std::min<std::size_t>(3, bytes.size() - index);
        std::uint32_t group = std::uint32_t{bytes[index]} << 16;
        if (count > 1) {
            group |= std::uint32_t{bytes[index + 1]} << 8;
        }
        if (count > 2) {
            group |= bytes[index + 2];
        }
        for (std::size_t sextet = 0; sextet < 4; ++sextet) {
            if (sextet <= count) {
                text.push_back(k_base64_alphabet[(group >> (18 - 6 * sextet)) & 0x3F]);
            } else {
                text.push_back(k_base64_padding);
            }
        }
    }
    return text;
}

std::expected<base::Bytes, base::Error<AccessError>> from_base64(std::string_view text) {
    if (text.size() % 4 != 0) {
        return std::unexpected(bad_hash("Base64 of a length that is not a multiple of 4"));
    }
    base::Bytes bytes;
    bytes.reserve(text.size() / 4 * 3);
    for (std::size_t index = 0; index < text.size(); index += 4) {
        const std::string_view quantum = text.substr(index, 4);
        const bool last = index + 4 == text.size();
        // RFC 4648 §4: padding only at the very end, one or two characters of it.
        std::size_t padding = 0;
        if (last && quantum[3] == k_base64_padding) {
            padding = quantum[2] == k_base64_padding ? 2 : 1;
        }
        std::uint32_t group = 0;
        for (std::size_t position = 0; position < 4; ++position) {
            int value = 0;
            if (position < 4 - padding) {
                value = base64_value_of(quantum[position]);
                if (value == k_not_base64) {
                    return std::unexpected(bad_hash("a character outside Base64's alphabet"));
                }
            }
            group = (group << 6) | static_cast<std::uint32_t>(value);
        }
        // RFC 4648 §3.5: the bits under the padding are zero in canonical Base64.
        const std::uint32_t unused_mask = padding == 2 ? 0xFFFFu : (padding == 1 ? 0xFFu : 0u);
        if ((group & unused_mask) != 0) {
            return std::unexpected(bad_hash("Base64 with bits set under its padding"));
        }
        bytes.push_back(static_cast<std::uint8_t>(group >> 16));
        if (padding < 2) {
            bytes.push_back(static_cast<std::uint8_t>(group >> 8));
        }
        if (padding < 1) {
            bytes.push_back(static_cast<std::uint8_t>(group));
        }
    }
    return bytes;
}

std::expected<PasswordHash, base::Error<AccessError>> hash_password(
    const base::SecretText& password, int iterations) {
    if (!iterations_in_range(iterations)) {
        return std::unexpected(bad_hash("an iteration count out of range"));
    }
    PasswordHash result{.iterations = iterations, .salt = base::Bytes(k_salt_length), .hash = {}};
    if (RAND_bytes(result.salt.data(), static_cast<int>(result.salt.size())) != 1) {
        return std::unexpected(base::error(AccessError::crypto_failure, "RAND_bytes"));
    }
    auto key = derive_key(password, result.salt, iterations);
    if (!key) {
        return std::unexpected(key.error());
    }
    result.hash = std::move(*key);
    return result;
}

std::expected<bool, base::Error<AccessError>> verify_password(const PasswordHash& hash,
                                                              const base::SecretText& password) {
    auto key = derive_key(password, hash.salt, hash.iterations);
    if (!key) {
        return std::unexpected(key.error());
    }
    return key->size() == hash.hash.size() &&
           CRYPTO_memcmp(key->data(), hash.hash.data(), key->size()) == 0;
}

std::string to_text(const PasswordHash& hash) {
    return std::string(k_password_hash_scheme) + "$" + std::to_string(hash.iterations) + "$" +
           to_base64(hash.salt) + "$" + to_base64(hash.hash);
}

std::expected<PasswordHash, base::Error<AccessError>> parse_password_hash(std::string_view text) {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    while (true) {
        const auto end = text.find('$', start);
        fields.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 1;
    }
    if (fields.size() != 4) {
        return std::unexpected(bad_hash("not four fields separated by $"));
    }
    if (fields[0] != k_password_hash_scheme) {
        return std::unexpected(bad_hash("a scheme other than pbkdf2-sha256"));
    }
    const std::string_view count = fields[1];
    int iterations = 0;
    const auto [end, problem] =
        std::from_chars(count.data(), count.data() + count.size(), iterations);
    if (count.empty() || count.front() == '0' || count.front() == '-' || problem != std::errc{} ||
        end != count.data() + count.size() || !iterations_in_range(iterations)) {
        return std::unexpected(bad_hash("an iteration count that is not a decimal number from " +
                                        std::to_string(k_minimum_iterations) + " to " +
                                        std::to_string(k_maximum_iterations)));
    }
    auto salt = from_base64(fields[2]);
    if (!salt) {
        return std::unexpected(bad_hash("the salt: " + salt.error().context));
    }
    if (salt->size() != k_salt_length) {
        return std::unexpected(bad_hash("a salt that is not 16 bytes"));
    }
    auto hash = from_base64(fields[3]);
    if (!hash) {
        return std::unexpected(bad_hash("the hash: " + hash.error().context));
    }
    if (hash->size() != k_derived_key_length) {
        return std::unexpected(bad_hash("a hash that is not 32 bytes"));
    }
    return PasswordHash{
        .iterations = iterations, .salt = std::move(*salt), .hash = std::move(*hash)};
}

}  // namespace kiosk::access
