#pragma once

// The arithmetic of a cash withdrawal, pure: the transaction reference of the next withdrawal,
// the notes that make an amount, and the amounts to offer. The withdrawal flow that uses them
// is being built (issue 8).

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "kiosk/core/account_calls.h"
#include "kiosk/core/cash.h"
#include "kiosk/core/money.h"

namespace kiosk::core {

// 16 random bytes from the shell's secure generator, to be given once at start-up. The core
// makes no randomness: each withdrawal's reference is the seed with the count of withdrawals
// begun since start-up mixed into its last bytes, so references never repeat within a run, and
// a new seed each start keeps them apart across runs.
using TransactionSeed = std::array<std::uint8_t, 16>;

// The reference of withdrawal number `count` (from 0): a UUID of version 4 and variant 10, in
// lower case (base/uuid.h), as the account service, the dispenser and the journal expect.
TransactionReference transaction_reference(const TransactionSeed& seed, std::uint64_t count);

// The notes per cassette (in the cassettes' order) that make `amount`, largest notes first,
// from cassettes that can give notes (ok or low) of the amount's currency; nothing when they
// cannot make it exactly.
std::optional<std::vector<int>> note_mix(const std::vector<Cassette>& cassettes,
                                         const Money& amount);

// The preset amounts to offer, in order: those of `presets` (whole units of the currency) that
// the cassettes can make and that are within the limits; at most `most` of them.
std::vector<Money> offered_amounts(const std::vector<Cassette>& cassettes, const Limits& limits,
                                   const std::string& currency, const std::vector<int>& presets,
                                   std::size_t most);

// The smallest note the cassettes can give in `currency`: an amount typed in must be a multiple
// of it. Nothing when no cassette can give notes of it.
std::optional<Money> smallest_note(const std::vector<Cassette>& cassettes,
                                   const std::string& currency);

// Whether `amount` may be asked for: above zero, within the limits and makeable from the
// cassettes.
bool can_withdraw(const std::vector<Cassette>& cassettes, const Limits& limits,
                  const Money& amount);

}  // namespace kiosk::core
