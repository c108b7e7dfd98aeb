#include "kiosk/core/withdrawal.h"

#include <algorithm>
#include <cstddef>
#include <numeric>

#include "base/uuid.h"

namespace kiosk::core {

namespace {

// Both currencies the kiosk serves (CNY, HKD) count 100 minor units to the unit.
constexpr std::int64_t k_minor_per_unit = 100;

bool gives_notes(const Cassette& cassette, const std::string& currency) {
    return (cassette.state == CassetteState::ok || cassette.state == CassetteState::low) &&
           cassette.count > 0 && cassette.denomination.currency == currency &&
           cassette.denomination.minor_units > 0;
}

}  // namespace

TransactionReference transaction_reference(const TransactionSeed& seed, std::uint64_t count) {
    base::Uuid bytes = seed;
    for (std::size_t index = 0; index < 8; ++index) {
        const auto shift = static_cast<unsigned>(8 * (7 - index));
        bytes[8 + index] = static_cast<std::uint8_t>(bytes[8 + index] ^ ((count >> shift) & 0xFFU));
    }
    // RFC 9562 §5.4: version 4 in the high nibble of byte 6, variant 10 in the top bits of byte 8.
    bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0FU) | 0x40U);
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3FU) | 0x80U);
    return base::uuid_text(bytes);
}

std::optional<std::vector<int>> note_mix(const std::vector<Cassette>& cassettes,
                                         const Money& amount) {
    if (amount.minor_units <= 0) {
        return std::nullopt;
    }
    // Largest notes first: the cassettes by denomination, highest first.
    std::vector<std::size_t> order(cassettes.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::ranges::stable_sort(order, [&cassettes](std::size_t left, std::size_t right) {
        return cassettes[left].denomination.minor_units > cassettes[right].denomination.minor_units;
    });
    std::vector<int> notes(cassettes.size(), 0);
    std::int64_t left = amount.minor_units;
    for (const std::size_t index : order) {
        const Cassette& cassette = cassettes[index];
        if (!gives_notes(cassette, amount.currency)) {
            continue;
        }
        const std::int64_t wanted = left / cassette.denomination.minor_units;
        const auto taken = static_cast<int>(std::min<std::int64_t>(wanted, cassette.count));
        notes[index] = taken;
        left -= taken * cassette.denomination.minor_units;
    }
    if (left != 0) {
        return std::nullopt;
    }
    return notes;
}

bool can_withdraw(const std::vector<Cassette>& cassettes, const Limits& limits,
                  const Money& amount) {
    const auto within = [&amount](const Money& limit) {
        return limit.currency != amount.currency || amount.minor_units <= limit.minor_units;
    };
    return amount.minor_units > 0 && within(limits.withdrawal_per_transaction) &&
           within(limits.withdrawal_left_today) && note_mix(cassettes, amount).has_value();
}

std::vector<Money> offered_amounts(const std::vector<Cassette>& cassettes, const Limits& limits,
                                   const std::string& currency, const std::vector<int>& presets,
                                   std::size_t most) {
    std::vector<Money> offered;
    for (const int units : presets) {
        const Money amount{units * k_minor_per_unit, currency};
        if (offered.size() < most && can_withdraw(cassettes, limits, amount)) {
            offered.push_back(amount);
        }
    }
    return offered;
}

std::optional<Money> smallest_note(const std::vector<Cassette>& cassettes,
                                   const std::string& currency) {
    std::optional<Money> smallest;
    for (const Cassette& cassette : cassettes) {
        if (gives_notes(cassette, currency) &&
            (!smallest || cassette.denomination.minor_units < smallest->minor_units)) {
            smallest = cassette.denomination;
        }
    }
    return smallest;
}

}  // namespace kiosk::core
