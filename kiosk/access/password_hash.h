#pragma once

// An engineer's password is kept only as a slow salted hash: PBKDF2-HMAC-SHA256 (RFC 8018
// §5.2), a random 16-byte salt per password, a 32-byte derived key, and the iteration count
// stored with each hash so that it can be raised for new passwords without locking anybody
// out. Checking costs one PBKDF2 run at the stored count (about 1 s at the default on the
// development machine; kiosk_access_bench measures it, kiosk/access/README.md, "Passwords"), so
// it runs off the event loop's thread.
//
// The text form, one line, is
//
//     pbkdf2-sha256$ITERATIONS$SALT$HASH
//
// with ITERATIONS in decimal (no sign, no leading zero) and SALT and HASH in Base64 with
// padding (RFC 4648 §4): 24 and 44 characters.

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"
#include "base/wipe.h"
#include "kiosk/access/access_error.h"

namespace kiosk::access {

// OWASP's Password Storage Cheat Sheet (2023) recommends 600,000 iterations of
// PBKDF2-HMAC-SHA256.
inline constexpr int k_default_iterations = 600'000;
// NIST SP 800-132 §5.2: at least 1,000 iterations; tests hash at this count to run fast.
inline constexpr int k_minimum_iterations = 1'000;
// A count beyond this would hold the sign-in for minutes: such a hash is refused as damaged.
inline constexpr int k_maximum_iterations = 20'000'000;
// NIST SP 800-132 §5.1: a salt of at least 128 bits, from an approved random generator.
inline constexpr std::size_t k_salt_length = 16;
// SHA-256's output: a longer key would only cost the defender more (RFC 8018 §5.2 computes it
// block by block).
inline constexpr std::size_t k_derived_key_length = 32;
inline constexpr std::string_view k_password_hash_scheme = "pbkdf2-sha256";

struct PasswordHash {
    int iterations = k_default_iterations;
    base::Bytes salt;  // k_salt_length bytes
    base::Bytes hash;  // k_derived_key_length bytes
};

// A new hash of `password` with a fresh random salt (OpenSSL RAND_bytes). `iterations` outside
// k_minimum_iterations..k_maximum_iterations is bad_password_hash.
std::expected<PasswordHash, base::Error<AccessError>> hash_password(
    const base::SecretText& password, int iterations = k_default_iterations);

// Whether `password` is the one `hash` was made from. The comparison takes the same time
// wherever the two hashes differ (CRYPTO_memcmp). Only crypto_failure is an error.
std::expected<bool, base::Error<AccessError>> verify_password(const PasswordHash& hash,
                                                              const base::SecretText& password);

std::string to_text(const PasswordHash& hash);
// Refuses (bad_password_hash, with what is wrong but never the text) another scheme, a count out
// of range or not in decimal, Base64 that is not strict RFC 4648 §4, a salt or hash of another
// length, or a missing or extra field.
std::expected<PasswordHash, base::Error<AccessError>> parse_password_hash(std::string_view text);

// Base64 (RFC 4648 §4, with padding), as the hash text uses it.
std::string to_base64(std::span<const std::uint8_t> bytes);
// Strict: the standard alphabet, padding to a multiple of four characters, no whitespace, and
// no bits set in the padding's place (RFC 4648 §3.5).
std::expected<base::Bytes, base::Error<AccessError>> from_base64(std::string_view text);

}  // namespace kiosk::access
