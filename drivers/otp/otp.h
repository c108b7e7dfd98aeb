#pragma once

// One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238), and the Base32 text (RFC 4648 §6)
// their shared secrets travel in. The kiosk checks a field engineer's code with them
// (kiosk/access); the simulator's engineers make their codes with them as an authenticator app
// would; `kiosk-diag totp` prints a code so the implementation can be held against RFC 6238's
// vectors.

#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace drivers::otp {

// The HMAC hash (RFC 6238 §1.2: SHA-1 as RFC 4226, or SHA-256 or SHA-512).
enum class OtpAlgorithm { sha1, sha256, sha512 };

std::string_view to_string(OtpAlgorithm algorithm);

enum class OtpError {
    bad_secret,     // empty, or longer than the HMAC accepts here (k_max_secret_length)
    bad_digits,     // not 6, 7 or 8 (RFC 4226 §5.3: a 6-digit code at least, possibly 7 or 8)
    bad_time,       // before T0, or a step that is not positive
    bad_base32,     // a character outside RFC 4648 §6's alphabet, bad padding, or stray bits
    crypto_failure  // OpenSSL's HMAC failed
};

std::string_view to_string(OtpError error);

inline constexpr std::size_t k_max_secret_length = 128;

struct TotpParameters {
    int digits = 6;
    OtpAlgorithm algorithm = OtpAlgorithm::sha1;
    std::int64_t step_seconds = 30;  // X, RFC 6238 §4.1
    std::int64_t t0 = 0;             // T0, the Unix time steps count from
};

// HOTP(K, C) as RFC 4226 §5.3: HMAC, dynamic truncation, modulo 10^digits, zero-padded.
std::expected<std::string, OtpError> hotp(std::span<const std::uint8_t> secret,
                                          std::uint64_t counter, int digits,
                                          OtpAlgorithm algorithm = OtpAlgorithm::sha1);

// The time step T = floor((unix_time - T0) / X) (RFC 6238 §4.2).
std::expected<std::uint64_t, OtpError> time_step(std::int64_t unix_time,
                                                 const TotpParameters& parameters = {});

// TOTP(K, T) = HOTP(K, T) with the parameters' hash and digits (RFC 6238 §4.2).
std::expected<std::string, OtpError> totp(std::span<const std::uint8_t> secret,
                                          std::int64_t unix_time,
                                          const TotpParameters& parameters = {});

// Base32 (RFC 4648 §6), upper case, with '=' padding on encoding; decoding takes upper or
// lower case, with or without padding, and refuses anything else.
std::string to_base32(std::span<const std::uint8_t> bytes);
std::expected<base::Bytes, OtpError> from_base32(std::string_view text);

}  // namespace drivers::otp
