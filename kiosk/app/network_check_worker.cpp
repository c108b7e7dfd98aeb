#include "kiosk/app/network_check_worker.h"

#include <utility>

#include "kiosk/net/health_check.h"

namespace kiosk::app {

namespace {

net::HttpsEndpoint with_check_timeouts(net::HttpsEndpoint endpoint) {
    endpoint.connect_timeout = k_network_check_connect_timeout;
    endpoint.total_timeout = k_network_check_timeout;
    return endpoint;
}

}  // namespace

NetworkCheckWorker::NetworkCheckWorker(net::HttpsEndpoint account, net::HttpsEndpoint queue,
                                       Post post)
    : m_account(with_check_timeouts(std::move(account))),
      m_queue(with_check_timeouts(std::move(queue))),
      m_post(std::move(post)),
      m_worker([this](core::CheckNetwork& request) { check_now(request); }) {}

void NetworkCheckWorker::check_now(const core::CheckNetwork& request) const {
    core::NetworkChecked checked{.call_id = request.call_id, .services = {}};
    for (const core::NetworkService service : core::k_network_services) {
        const net::HttpsEndpoint& endpoint =
            service == core::NetworkService::account ? m_account : m_queue;
        if (endpoint.base_url.empty()) {
            core::NetworkCheck absent;
            absent.service = service;
            absent.configured = false;
            checked.services.push_back(absent);
            continue;
        }
        checked.services.push_back(
            net::check_health(service, endpoint, std::chrono::system_clock::now()));
    }
    m_post(std::move(checked));
}

}  // namespace kiosk::app
