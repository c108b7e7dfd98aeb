#include "drivers/dukpt/originating_device.h"

#include <algorithm>
#include <bit>

namespace drivers::dukpt {

namespace {

// One past the last 32-bit transaction counter: the device is used up when it gets there.
constexpr std::uint64_t k_counter_limit = std::uint64_t{1} << 32;

}  // namespace

std::expected<OriginatingDevice, DukptError> OriginatingDevice::load_initial_key(
    const AesKey& initial_key, const InitialKeyId& initial_key_id) {
    OriginatingDevice device(initial_key_id);
    for (std::size_t index = 0; index < k_registers; ++index) {
        const auto counter = static_cast<std::uint32_t>(std::uint32_t{1} << index);
        auto key =
            derive_key(initial_key, k_key_derivation_usage, counter_data(initial_key_id, counter));
        if (!key) {
            return std::unexpected(key.error());
        }
        device.m_registers[index] = *key;
    }
    return device;
}

std::expected<OriginatingDevice, DukptError> OriginatingDevice::restore(const State& state) {
    if (state.counter == 0 || state.counter > k_counter_limit) {
        return std::unexpected(DukptError::bad_counter);
    }
    OriginatingDevice device(state.initial_key_id);
    device.m_counter = state.counter;
    device.m_registers = state.registers;
    return device;
}

OriginatingDevice::State OriginatingDevice::saved_state() const {
    return State{
        .initial_key_id = m_initial_key_id, .counter = m_counter, .registers = m_registers};
}

std::expected<void, DukptError> OriginatingDevice::fill_registers_below(std::size_t index) {
    const AesKey& base = *m_registers[index];
    for (std::size_t lower = index; lower-- > 0;) {
        const auto counter = static_cast<std::uint32_t>(m_counter | (std::uint64_t{1} << lower));
        auto key =
            derive_key(base, k_key_derivation_usage, counter_data(m_initial_key_id, counter));
        if (!key) {
            return std::unexpected(key.error());
        }
        m_registers[lower] = *key;
    }
    return {};
}

std::expected<OriginatingDevice::Transaction, DukptError> OriginatingDevice::next_transaction(
    KeyUsage usage) {
    // The register of the counter's lowest one bit holds the counter's derivation key. A counter
    // whose register is empty was passed over (it lies below a counter with 16 one bits), so the
    // device moves on to the next counter that has one.
    std::size_t index = 0;
    while (true) {
        if (m_counter >= k_counter_limit) {
            return std::unexpected(DukptError::exhausted);
        }
        index = static_cast<std::size_t>(std::countr_zero(m_counter));
        if (m_registers[index]) {
            break;
        }
        m_counter += std::uint64_t{1} << index;
    }
    const auto counter = static_cast<std::uint32_t>(m_counter);
    Transaction transaction;
    transaction.ksn = make_ksn(m_initial_key_id, counter);
    auto key = derive_key(*m_registers[index], static_cast<std::uint16_t>(usage),
                          counter_data(m_initial_key_id, counter));
    if (!key) {
        return std::unexpected(key.error());
    }
    transaction.key = *key;
    // §6.1: the keys below are derived only while a counter's children stay within 16 one
    // bits; at 16 the device skips every counter beneath this one.
    if (std::popcount(counter) < k_most_counter_bits) {
        if (auto filled = fill_registers_below(index); !filled) {
            return std::unexpected(filled.error());
        }
        m_registers[index].reset();
        m_counter += 1;
    } else {
        m_registers[index].reset();
        m_counter += std::uint64_t{1} << index;
    }
    return transaction;
}

bool OriginatingDevice::is_exhausted() const {
    // The last counter a device uses, 0xFFFF0000, has 16 one bits: after it the counter jumps
    // to the limit, so below the limit a usable counter always remains.
    return m_counter >= k_counter_limit;
}

std::size_t OriginatingDevice::keys_held() const {
    return static_cast<std::size_t>(
        std::ranges::count_if(m_registers, [](const auto& key) { return key.has_value(); }));
}

bool OriginatingDevice::holds(const AesKey& key) const {
    return std::ranges::any_of(m_registers,
                               [&key](const auto& held) { return held && *held == key; });
}

}  // namespace drivers::dukpt
