#pragma once

// The service menu's network checks, off the event loop's thread (docs/architecture.md,
// "Threads": nothing blocks the loop). Each CheckNetwork asks the account service and, when one
// is configured, the branch queue service for their health on connections of their own
// (kiosk/net/health_check.h), one after the other, each within k_network_check_timeout, and
// the answers come back to the loop as one core::NetworkChecked.

#include <chrono>
#include <functional>

#include "kiosk/app/worker_thread.h"
#include "kiosk/core/effects.h"
#include "kiosk/core/events.h"
#include "kiosk/net/https_exchange.h"

namespace kiosk::app {

// How long one service's check may take, connection and handshake included, and its connect.
inline constexpr std::chrono::milliseconds k_network_check_timeout{5'000};
inline constexpr std::chrono::milliseconds k_network_check_connect_timeout{3'000};

class NetworkCheckWorker {
  public:
    using Post = std::function<void(core::Event)>;

    // The endpoints as the service clients reach them (their time-outs are the check's own);
    // `queue` with an empty base URL: no queue service is configured.
    NetworkCheckWorker(net::HttpsEndpoint account, net::HttpsEndpoint queue, Post post);

    void check(core::CheckNetwork request) { m_worker.push(request); }

  private:
    void check_now(const core::CheckNetwork& request) const;  // on the worker

    net::HttpsEndpoint m_account;
    net::HttpsEndpoint m_queue;
    Post m_post;
    WorkerThread<core::CheckNetwork> m_worker;  // last: it stops before the rest goes
};

}  // namespace kiosk::app
