#pragma once

// Random identifiers the queue client makes: the Idempotency-Key of each request it queues
// and the session reference of a visit (docs/api/queue.yaml, "IdempotencyKey",
// "SessionReference"). Both must be unguessable and never derived from a card, a time or a
// counter, so they come from OpenSSL's cryptographically secure generator.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kiosk::net {

// A version 4 (random) UUID in its 36-character lower-case form (RFC 9562 §5.4), or none when
// the generator cannot give secure random bytes.
std::optional<std::string> random_uuid();

// 16 secure random bytes: the seed from which the core names this run's transactions
// (core::TransactionSeed, kiosk/core/withdrawal.h), so that no two runs of the kiosk name a
// withdrawal alike: the account service takes a reference it has seen for a retry. None when the
// generator cannot give them.
std::optional<std::array<std::uint8_t, 16>> random_transaction_seed();

}  // namespace kiosk::net
