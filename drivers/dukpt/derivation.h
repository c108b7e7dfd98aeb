#pragma once

// AES DUKPT (ANSI X9.24-3-2017): the keys of each transaction, derived as the receiving side (the
// bank's host security module) derives them from the base derivation key (BDK) and the key serial
// number (KSN) a PIN pad sends with its PIN block. The PIN pad's own side, which keeps only the
// keys of future transactions, is OriginatingDevice (drivers/dukpt/originating_device.h).
//
// AES-128 throughout: a 16-byte BDK derives a 16-byte initial key, whose transaction keys derive
// 16-byte working keys (X9.24-3-2017 §6.2.2 allows AES-192, AES-256 and TDEA working keys too;
// this simulator's pads and bank use AES-128 only). Pure apart from OpenSSL's AES; any thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string_view>

namespace drivers::dukpt {

enum class DukptError {
    bad_key,         // a BDK or initial key that is not 16 bytes (AES-128)
    bad_counter,     // a transaction counter of 0, or with more than 16 one bits (§6.1)
    exhausted,       // the originating device has used its last transaction counter
    crypto_failure,  // the cipher library refused an operation
};

std::string_view to_string(DukptError error);

// §6.1, §6.3.3: the KSN is the 8-byte initial key ID (a 4-byte BDK ID and a 4-byte derivation
// ID) followed by the 32-bit transaction counter, most significant byte first.
inline constexpr std::size_t k_key_length = 16;
inline constexpr std::size_t k_initial_key_id_length = 8;
inline constexpr std::size_t k_ksn_length = 12;
// §6.1: no transaction counter has more than 16 one bits, so that no transaction's key lies
// more than 16 derivations from the initial key.
inline constexpr int k_most_counter_bits = 16;

using InitialKeyId = std::array<std::uint8_t, k_initial_key_id_length>;
using Ksn = std::array<std::uint8_t, k_ksn_length>;

// An AES-128 key that wipes its bytes when it goes (docs/style.md, "Secrets").
struct AesKey {
    std::array<std::uint8_t, k_key_length> bytes{};

    AesKey() = default;
    explicit AesKey(std::span<const std::uint8_t, k_key_length> key);
    AesKey(const AesKey& other) = default;
    AesKey& operator=(const AesKey& other) = default;
    ~AesKey();

    friend bool operator==(const AesKey& left, const AesKey& right) = default;
};

// §6.3.2, Tables 2 and 3: the key usage indicator of a working key's derivation data.
enum class KeyUsage : std::uint16_t {
    key_encryption_key = 0x0002,
    pin_encryption = 0x1000,
    mac_generation = 0x2000,
    mac_verification = 0x2001,
    mac_both_ways = 0x2002,
    data_encryption = 0x3000,
    data_decryption = 0x3001,
    data_both_ways = 0x3002,
};

Ksn make_ksn(const InitialKeyId& initial_key_id, std::uint32_t counter);
InitialKeyId initial_key_id_of(const Ksn& ksn);
std::uint32_t counter_of(const Ksn& ksn);

// Whether an originating device can ever use `counter` (§6.1): not 0, at most 16 one bits.
bool is_usable_counter(std::uint32_t counter);

// §6.3.3 with usage 0x8001: the initial key a device is loaded with, from the BDK and the
// device's initial key ID.
std::expected<AesKey, DukptError> derive_initial_key(std::span<const std::uint8_t> base_key,
                                                     const InitialKeyId& initial_key_id);

// §6.1, §6.4: the transaction's derivation key, reached from the initial key by one derivation
// (usage 0x8000) for each one bit of the counter, most significant first. bad_counter for a
// counter no device uses. (The supplement of test vectors calls this the transaction key.)
std::expected<AesKey, DukptError> derive_transaction_key(const AesKey& initial_key, const Ksn& ksn);

// §6.3.3: a working key of `usage` (AES-128) from the transaction's derivation key.
std::expected<AesKey, DukptError> derive_working_key(const AesKey& transaction_key, const Ksn& ksn,
                                                     KeyUsage usage);

// The host's whole derivation of a transaction's PIN encryption key (usage 0x1000, AES-128):
// BDK and KSN give initial key, transaction key and working key in turn.
std::expected<AesKey, DukptError> derive_pin_encryption_key(std::span<const std::uint8_t> base_key,
                                                            const Ksn& ksn);

// One key derivation of §6.3.1 and §6.3.3: AES-128-ECB(key, derivation data) for usage
// `usage_indicator` with the last 8 bytes of the derivation data given. Shared with
// OriginatingDevice; callers outside drivers/dukpt use the functions above.
std::expected<AesKey, DukptError> derive_key(const AesKey& key, std::uint16_t usage_indicator,
                                             std::span<const std::uint8_t, 8> key_serial_data);

// The last 8 bytes of a transaction's derivation data: the derivation ID (the last 4 bytes of
// the initial key ID) and the counter (§6.3.3).
std::array<std::uint8_t, 8> counter_data(const InitialKeyId& initial_key_id, std::uint32_t counter);

// §6.3.2, Table 2: the usage indicator of an intermediate derivation key.
inline constexpr std::uint16_t k_key_derivation_usage = 0x8000;

}  // namespace drivers::dukpt
