#pragma once

// Random identifiers the queue client makes: the Idempotency-Key of each request it queues
// and the session reference of a visit (docs/api/queue.yaml, "IdempotencyKey",
// "SessionReference"). Both must be unguessable and never derived from a card, a time or a
// counter, so they come from OpenSSL's cryptographically secure generator.

#include <optional>
#include <string>
#include <string_view>

namespace kiosk::net {

// A version 4 (random) UUID in its 36-character lower-case form (RFC 9562 §5.4), or none when
// the generator cannot give secure random bytes.
std::optional<std::string> random_uuid();

}  // namespace kiosk::net
