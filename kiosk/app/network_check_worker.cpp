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
      m_thread([this] { run(); }) {}

NetworkCheckWorker::~NetworkCheckWorker() {
    {
        const std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void NetworkCheckWorker::check(core::CheckNetwork request) {
    {
        const std::lock_guard lock(m_mutex);
        m_requests.push_back(request);
    }
    m_wake.notify_all();
}

void NetworkCheckWorker::run() {
    while (true) {
        core::CheckNetwork request;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stop || !m_requests.empty(); });
            if (m_stop) {
                return;
            }
            request = m_requests.front();
            m_requests.pop_front();
        }
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
}

}  // namespace kiosk::app
