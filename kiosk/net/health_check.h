#pragma once

// The service menu's network check of one service (kiosk/core/README.md, "The service menu"):
// GET /v1/health (docs/api/account.yaml and docs/api/queue.yaml, getHealth) on a connection of
// its own, with the transport rules of every call (https_exchange.h), so that its time includes
// the TLS handshake a customer's first call meets, and the service certificate's expiry is
// read from that handshake.
//
// Threading: blocks for up to the endpoint's total time-out; run it off the event loop.

#include <chrono>

#include "kiosk/core/service_menu.h"
#include "kiosk/net/https_exchange.h"

namespace kiosk::net {

// The reply /v1/health may send: `{"status": "ok"}` and nothing else of any size.
inline constexpr std::size_t k_maximum_health_reply_bytes = 1024;

// How `service` at `endpoint` answers now; `now` counts the certificate's days left.
core::NetworkCheck check_health(core::NetworkService service, const HttpsEndpoint& endpoint,
                                std::chrono::system_clock::time_point now);

}  // namespace kiosk::net
