#pragma once

// The PIN pad protocol's cryptography, revision 5 (docs/protocols/epp.md §8): key check values,
// the RFC 3394 key blocks that carry working keys under the master key, the proofs and session
// key of mutual authentication, and the counter and MAC of every frame in a session. Both ends
// use it: the kiosk's EppClient and the simulated pad.
//
// Keys live in SecretKey, which wipes itself. Nothing here logs or prints a key, a challenge or
// a MAC. A SecureChannel may be used from two threads (the command thread and the event
// reader): it locks its own state.

#include <array>
#include <cstdint>
#include <expected>
#include <mutex>
#include <optional>
#include <span>

#include "base/wipe.h"
#include "drivers/epp/epp_protocol.h"

namespace drivers::epp {

// epp.md §8.5: the counter and the MAC after the message of a secured frame.
constexpr std::size_t k_counter_length = 4;
constexpr std::size_t k_mac_length = 8;
constexpr std::size_t k_secured_trailer_length = k_counter_length + k_mac_length;

// A 16-byte key (AES-128 or 2-key TDES), wiped when it goes.
struct SecretKey {
    std::array<std::uint8_t, k_key_length> bytes{};

    SecretKey() = default;
    explicit SecretKey(std::span<const std::uint8_t, k_key_length> key);
    SecretKey(const SecretKey& other) = default;
    SecretKey& operator=(const SecretKey& other) = default;
    ~SecretKey() { base::wipe(std::span(bytes)); }
    bool operator==(const SecretKey&) const = default;
};

// A key's check value as GET KEY STATUS reports it (epp.md §8.1): TDES, the first 3 bytes of
// E(K, 0^8) followed by two zero bytes; AES, the first 5 bytes of AES-CMAC(K, 0^16) (ANSI
// X9.24-1:2017). crypto_failure when the cipher library fails; bad_key_block for a TDES key
// whose halves are equal.
std::expected<KeyCheckValue, EppError> key_check_value(KeyAlgorithm algorithm,
                                                       const SecretKey& key);

// AES-CMAC (NIST SP 800-38B, RFC 4493) under an AES-128 key, the whole 16 bytes.
std::expected<std::array<std::uint8_t, 16>, EppError> aes_cmac(const SecretKey& key,
                                                               std::span<const std::uint8_t> data);

// Bytes from the system's cryptographic random generator (OpenSSL RAND_bytes).
std::expected<Challenge, EppError> random_challenge();

// epp.md §8.3: the key block for `slot`: RFC 3394 AES key wrap under the master key of the
// header K5, slot, algorithm, length, and the key. What a bank's key-loading station makes; the
// pad only unwraps.
std::expected<KeyBlock, EppError> wrap_key(const SecretKey& master, KeySlot slot,
                                           const SecretKey& key);
// The key inside a block for `slot`; bad_key_block when the wrap's integrity check fails, the
// header is not the slot's, or a TDES key's halves are equal.
std::expected<SecretKey, EppError> unwrap_key(const SecretKey& master, KeySlot slot,
                                              const KeyBlock& block);

// epp.md §8.7: the DUKPT slot's key block: RFC 3394 wrap under the master key of the header
// (slot 02, algorithm 3), the 16-byte initial key and its 8-byte initial key ID.
struct DukptInitialKey {
    SecretKey key;
    InitialKeyId initial_key_id{};
};
std::expected<DukptKeyBlock, EppError> wrap_dukpt_key(const SecretKey& master,
                                                      const DukptInitialKey& initial_key);
// bad_key_block when the wrap's integrity check fails or the header is not the DUKPT slot's.
std::expected<DukptInitialKey, EppError> unwrap_dukpt_key(const SecretKey& master,
                                                          const DukptKeyBlock& block);

// epp.md §8.4: the pad's proof, the host's proof and the session key.
std::expected<Proof, EppError> pad_proof(const SecretKey& authentication_key,
                                         const Challenge& host_challenge,
                                         const Challenge& pad_challenge);
std::expected<Proof, EppError> host_proof(const SecretKey& authentication_key,
                                          const Challenge& host_challenge,
                                          const Challenge& pad_challenge);
std::expected<SecretKey, EppError> session_key(const SecretKey& authentication_key,
                                               const Challenge& host_challenge,
                                               const Challenge& pad_challenge);
// Compares in constant time, so that a wrong proof does not tell how much of it was right.
bool same_proof(std::span<const std::uint8_t> left, std::span<const std::uint8_t> right);

// epp.md §8.5: which way a frame goes; part of its MAC.
enum class Channel : std::uint8_t { command = 1, response = 2, event = 3 };

// One end of a session: while open, it adds a counter and a MAC to each frame sent and checks
// and removes them from each frame received; while closed, frames pass unchanged.
class SecureChannel {
  public:
    void open(const SecretKey& session_key);
    void close();
    bool is_open() const;

    // Appends the channel's next counter and the MAC to `frame`'s payload (epp.md §8.5).
    std::expected<void, EppError> seal(Frame& frame, Channel channel);
    // Checks the counter (above the last taken on `channel`) and the MAC, and removes both;
    // frame_refused, and the frame unchanged, when either fails.
    std::expected<void, EppError> unseal(Frame& frame, Channel channel);

  private:
    std::expected<std::array<std::uint8_t, 16>, EppError> mac_of(const Frame& frame,
                                                                 std::size_t message_length,
                                                                 Channel channel) const;

    mutable std::mutex m_mutex;
    bool m_open = false;
    SecretKey m_key;
    std::array<std::uint32_t, 4> m_next_sent{};
    std::array<std::optional<std::uint32_t>, 4> m_last_received{};
};

}  // namespace drivers::epp
