#pragma once

// The PIN pad's side of AES DUKPT (ANSI X9.24-3-2017 §6.1, the transaction-originating SCD): loaded
// once with its initial key, it keeps 32 intermediate derivation key registers, hands out each
// transaction's working key with its KSN, and forgets every key once it has been used, so that a
// pad captured after a transaction holds nothing from which that transaction's keys, or any
// earlier one's, could be derived. The bank derives the same keys from the BDK and the KSN
// (drivers/dukpt/derivation.h).
//
// Not thread-safe: one owner (the pad's firmware, or the simulated pad) calls it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <tuple>

#include "drivers/dukpt/derivation.h"

namespace drivers::dukpt {

class OriginatingDevice {
  public:
    // "Load Initial Key" (§6.1): register i takes the derivation key of counter 2^i, and the
    // initial key itself is not kept. The first transaction has counter 1.
    static std::expected<OriginatingDevice, DukptError> load_initial_key(
        const AesKey& initial_key, const InitialKeyId& initial_key_id);

    struct Transaction {
        Ksn ksn{};
        AesKey key;
    };

    // What a pad keeps across a power cycle, in its secure memory: the initial key ID, the next
    // counter and the registers (empty where a key has been used or was never derived).
    struct State {
        InitialKeyId initial_key_id{};
        std::uint64_t counter = 1;
        std::array<std::optional<AesKey>, 32> registers{};
    };

    // A pad resumed from its saved state. bad_counter for a counter of 0 or beyond 2^32 (2^32
    // itself is a used-up pad, whose every request is exhausted).
    static std::expected<OriginatingDevice, DukptError> restore(const State& state);
    State saved_state() const;

    // The next transaction's working key of `usage` and the KSN that goes with it; the
    // derivation key it came from is erased, and the registers below it refilled, before this
    // returns. Counters with more than 16 one bits are skipped (§6.1). exhausted once the
    // counter has passed its last value.
    std::expected<Transaction, DukptError> next_transaction(KeyUsage usage);

    // The same for usage 0x1000, the AES-128 PIN encryption key.
    std::expected<Transaction, DukptError> next_pin_encryption_key() {
        return next_transaction(KeyUsage::pin_encryption);
    }

    // The counter the next transaction will use (before any skip), and how many registers hold a
    // key.
    std::uint64_t next_counter() const { return m_counter; }
    // The initial key ID every KSN of this device starts with (§6.1): how a host names the
    // device's key without a check value.
    const InitialKeyId& initial_key_id() const { return m_initial_key_id; }
    // Whether every counter has been used: next_transaction() can only answer exhausted.
    bool is_exhausted() const;
    std::size_t keys_held() const;

    // Whether any register holds `key`: how a test shows that a used key is gone.
    bool holds(const AesKey& key) const;

  private:
    static constexpr std::size_t k_registers = std::tuple_size_v<decltype(State::registers)>;

    explicit OriginatingDevice(const InitialKeyId& initial_key_id)
        : m_initial_key_id(initial_key_id) {}

    // Fills the registers below `index` with the keys of `m_counter` plus each lower bit,
    // derived from the key in register `index` ("Update Derivation Keys", §6.1).
    std::expected<void, DukptError> fill_registers_below(std::size_t index);

    InitialKeyId m_initial_key_id{};
    std::array<std::optional<AesKey>, k_registers> m_registers{};
    // 64 bits so that passing the last 32-bit counter is seen, not wrapped to 0.
    std::uint64_t m_counter = 1;
};

}  // namespace drivers::dukpt
