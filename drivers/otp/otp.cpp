// One-time passwords (RFC 4226, RFC 6238) and Base32 (RFC 4648 §6). See otp.h.

#include "drivers/otp/otp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstddef>
#include <optional>
#include <string>

#include "base/wipe.h"

namespace drivers::otp {

namespace {

// RFC 4226 §5.3: at least 6 digits; 8 is the most the 31-bit truncated value fills.
constexpr int k_min_digits = 6;
constexpr int k_max_digits = 8;

// RFC 4226 §5.1: the counter C is an 8-byte value, high-order byte first.
constexpr std::size_t k_counter_length = 8;
// RFC 4226 §5.4: truncation reads 4 bytes at an offset of at most 15, so from the 19 first bytes
// of the HMAC; SHA-1's 20 is the shortest of the three.
constexpr unsigned int k_min_mac_length = 20;

// RFC 4648 §6, Table 3: the Base32 alphabet, value 0 to 31 in order.
constexpr std::string_view k_base32_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr char k_base32_padding = '=';
// RFC 4648 §6: 40-bit groups, 5 bytes in 8 characters of 5 bits each.
constexpr std::size_t k_base32_group_bytes = 5;
constexpr std::size_t k_base32_group_characters = 8;
constexpr unsigned k_base32_bits_per_character = 5;

const EVP_MD* otp_digest_of(OtpAlgorithm algorithm) {
    switch (algorithm) {
        case OtpAlgorithm::sha1:
            return EVP_sha1();
        case OtpAlgorithm::sha256:
            return EVP_sha256();
        case OtpAlgorithm::sha512:
            return EVP_sha512();
    }
    return nullptr;
}

// 10^digits for 6 to 8 digits.
std::uint32_t otp_modulus_of(int digits) {
    std::uint32_t modulus = 1;
    for (int index = 0; index < digits; ++index) {
        modulus *= 10;
    }
    return modulus;
}

// The value of one Base32 character (RFC 4648 §6, Table 3; lower case taken as upper case), or
// nothing for any other character.
std::optional<std::uint8_t> base32_value_of(char character) {
    if (character >= 'A' && character <= 'Z') {
        return static_cast<std::uint8_t>(character - 'A');
    }
    if (character >= 'a' && character <= 'z') {
        return static_cast<std::uint8_t>(character - 'a');
    }
    if (character >= '2' && character <= '7') {
        return static_cast<std::uint8_t>(character - '2' + 26);
    }
    return std::nullopt;
}

// Whether a final group of `characters` data characters is one RFC 4648 §6 allows: 2, 4, 5, 7
// or 8 characters carry 1, 2, 3, 4 or 5 bytes; 1, 3 and 6 carry no whole byte.
bool is_base32_group_length(std::size_t characters) {
    return characters == 0 || characters == 2 || characters == 4 || characters == 5 ||
           characters == 7;
}

}  // namespace

std::string_view to_string(OtpAlgorithm algorithm) {
    switch (algorithm) {
        case OtpAlgorithm::sha1:
            return "sha1";
        case OtpAlgorithm::sha256:
            return "sha256";
        case OtpAlgorithm::sha512:
            return "sha512";
    }
    return "unknown algorithm";
}

std::string_view to_string(OtpError error) {
    switch (error) {
        case OtpError::bad_secret:
            return "the shared secret is empty or too long";
        case OtpError::bad_digits:
            return "a one-time password has 6, 7 or 8 digits";
        case OtpError::bad_time:
            return "the time is before T0, or the time step is not positive";
        case OtpError::bad_base32:
            return "the text is not Base32 (RFC 4648 §6)";
        case OtpError::crypto_failure:
            return "the HMAC could not be computed";
    }
    return "unknown one-time password error";
}

std::expected<std::string, OtpError> hotp(std::span<const std::uint8_t> secret,
                                          std::uint64_t counter, int digits,
                                          OtpAlgorithm algorithm) {
    if (secret.empty() || secret.size() > k_max_secret_length) {
        return std::unexpected(OtpError::bad_secret);
    }
    if (digits < k_min_digits || digits > k_max_digits) {
        return std::unexpected(OtpError::bad_digits);
    }
    const EVP_MD* digest = otp_digest_of(algorithm);
    if (digest == nullptr) {
        return std::unexpected(OtpError::crypto_failure);
    }
    // RFC 4226 §5.1: C, 8 bytes, high-order byte first.
    std::array<std::uint8_t, k_counter_length> message{};
    for (std::size_t index = 0; index < k_counter_length; ++index) {
        message[k_counter_length - 1 - index] = static_cast<std::uint8_t>(counter >> (8 * index));
    }
    // RFC 4226 §5.3 step 1: HS = HMAC(K, C); RFC 6238 §1.2 allows SHA-256 and SHA-512 for it.
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> mac{};
    unsigned int mac_length = 0;
    const bool computed = HMAC(digest, secret.data(), static_cast<int>(secret.size()),
                               message.data(), message.size(), mac.data(), &mac_length) != nullptr;
    base::wipe(std::span(message));
    if (!computed || mac_length < k_min_mac_length || mac_length > mac.size()) {
        base::wipe(std::span(mac));
        return std::unexpected(OtpError::crypto_failure);
    }
    // RFC 4226 §5.4, dynamic truncation: the low 4 bits of the last byte give the offset
    // (at most 15, so offset + 3 is within a 20-byte HMAC-SHA-1 and the longer ones too); the
    // 4 bytes there, high-order bit cleared, are a 31-bit number.
    const std::size_t offset = mac[mac_length - 1] & 0x0Fu;
    std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7Fu) << 24) |
                           (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                           (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                           static_cast<std::uint32_t>(mac[offset + 3]);
    base::wipe(std::span(mac));
    // RFC 4226 §5.3 step 3: the value modulo 10^Digit, with leading zeros kept.
    std::uint32_t value = binary % otp_modulus_of(digits);
    base::wipe(&binary, sizeof binary);
    std::string code(static_cast<std::size_t>(digits), '0');
    for (std::size_t index = code.size(); index > 0 && value > 0; --index) {
        code[index - 1] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return code;
}

std::expected<std::uint64_t, OtpError> time_step(std::int64_t unix_time,
                                                 const TotpParameters& parameters) {
    // RFC 6238 §4.1: X is a number of seconds; §4.2: T counts steps from T0, so a time before
    // T0 has no step.
    if (parameters.step_seconds <= 0 || unix_time < parameters.t0) {
        return std::unexpected(OtpError::bad_time);
    }
    // unix_time - T0 is not negative but may not fit an int64 (T0 far below zero): computed
    // modulo 2^64 it is exact, since it is below 2^64.
    const std::uint64_t elapsed =
        static_cast<std::uint64_t>(unix_time) - static_cast<std::uint64_t>(parameters.t0);
    return elapsed / static_cast<std::uint64_t>(parameters.step_seconds);
}

std::expected<std::string, OtpError> totp(std::span<const std::uint8_t> secret,
                                          std::int64_t unix_time,
                                          const TotpParameters& parameters) {
    // The secret and digits are checked before the time, so that a caller learns of a bad
    // account before a bad clock.
    if (secret.empty() || secret.size() > k_max_secret_length) {
        return std::unexpected(OtpError::bad_secret);
    }
    if (parameters.digits < k_min_digits || parameters.digits > k_max_digits) {
        return std::unexpected(OtpError::bad_digits);
    }
    const auto step = time_step(unix_time, parameters);
    if (!step) {
        return std::unexpected(step.error());
    }
    // RFC 6238 §4.2: TOTP = HOTP(K, T).
    return hotp(secret, *step, parameters.digits, parameters.algorithm);
}

std::string to_base32(std::span<const std::uint8_t> bytes) {
    std::string text;
    text.reserve((bytes.size() + k_base32_group_bytes - 1) / k_base32_group_bytes *
                 k_base32_group_characters);
    // RFC 4648 §6: the bits are read high-order first, 5 at a time; the last character's
    // missing bits are zero (§3.5).
    std::uint32_t buffer = 0;
    unsigned buffered_bits = 0;
    for (const std::uint8_t byte : bytes) {
        buffer = (buffer << 8) | byte;
        buffered_bits += 8;
        while (buffered_bits >= k_base32_bits_per_character) {
            buffered_bits -= k_base32_bits_per_character;
            text.push_back(k_base32_alphabet[(buffer >> buffered_bits) & 0x1Fu]);
        }
        buffer &= (1u << buffered_bits) - 1;
    }
    if (buffered_bits > 0) {
        text.push_back(
            k_base32_alphabet[(buffer << (k_base32_bits_per_character - buffered_bits)) & 0x1Fu]);
    }
    base::wipe(&buffer, sizeof buffer);
    // RFC 4648 §6: the final group is padded with '=' to 8 characters.
    while (text.size() % k_base32_group_characters != 0) {
        text.push_back(k_base32_padding);
    }
    return text;
}

std::expected<base::Bytes, OtpError> from_base32(std::string_view text) {
    // Padding, when present, completes the last group to 8 characters (RFC 4648 §6); without
    // it, the text is that group's data characters alone (§3.2 lets a specification leave the
    // padding out, as authenticator apps do).
    const std::size_t padding_start = text.find(k_base32_padding);
    const std::string_view data = text.substr(0, padding_start);
    const std::size_t group_characters = data.size() % k_base32_group_characters;
    if (!is_base32_group_length(group_characters)) {
        return std::unexpected(OtpError::bad_base32);
    }
    if (padding_start != std::string_view::npos) {
        const std::string_view padding = text.substr(padding_start);
        if (group_characters == 0 ||
            padding.size() != k_base32_group_characters - group_characters ||
            padding.find_first_not_of(k_base32_padding) != std::string_view::npos) {
            return std::unexpected(OtpError::bad_base32);
        }
    }
    base::Bytes bytes;
    bytes.reserve(data.size() * k_base32_bits_per_character / 8);
    std::uint32_t buffer = 0;
    unsigned buffered_bits = 0;
    for (const char character : data) {
        const auto value = base32_value_of(character);
        if (!value) {
            base::wipe(&buffer, sizeof buffer);
            return std::unexpected(OtpError::bad_base32);
        }
        buffer = (buffer << k_base32_bits_per_character) | *value;
        buffered_bits += k_base32_bits_per_character;
        if (buffered_bits >= 8) {
            buffered_bits -= 8;
            bytes.push_back(static_cast<std::uint8_t>(buffer >> buffered_bits));
            buffer &= (1u << buffered_bits) - 1;
        }
    }
    // RFC 4648 §3.5: the bits of the last character beyond the last whole byte are zero in a
    // canonical encoding; other bits would make two texts of one secret, so they are refused.
    const bool stray_bits = buffer != 0;
    base::wipe(&buffer, sizeof buffer);
    if (stray_bits) {
        return std::unexpected(OtpError::bad_base32);
    }
    return bytes;
}

}  // namespace drivers::otp
