#pragma once

// A TLS service on loopback for the kiosk/net tests, with the test authority's service
// certificate (test_certificates.h, valid for two days from when it was made): it answers one
// method and path with a fixed status and JSON body, counts the requests, and may require a
// client certificate from the test authority (mutual TLS). It listens from construction to
// destruction, started as the simulated services are (simulator/bank/loopback_server.h).

#include <httplib.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>

#include "simulator/bank/loopback_server.h"
#include "tests/kiosk/net/test_certificates.h"

namespace kiosk::net::testing {

enum class ClientCertificate { not_asked, required };

class TlsTestService {
  public:
    TlsTestService(ClientCertificate client, const std::string& method, const std::string& path,
                   int status, std::string body)
        : m_server(test_pki().service.certificate.c_str(), test_pki().service.key.c_str(),
                   client == ClientCertificate::required ? test_pki().authority.c_str() : nullptr) {
        const auto answer = [this, status, body = std::move(body)](const httplib::Request&,
                                                                   httplib::Response& response) {
            ++m_requests;
            response.status = status;
            response.set_content(body, "application/json");
        };
        if (method == "POST") {
            m_server.Post(path, answer);
        } else {
            m_server.Get(path, answer);
        }
        const auto port = simulator::bank::listen_in_background(m_server, "127.0.0.1", 0, m_thread);
        REQUIRE(port.has_value());
        m_port = *port;
    }
    ~TlsTestService() {
        m_server.stop();
        m_thread.join();
    }
    TlsTestService(const TlsTestService&) = delete;
    TlsTestService& operator=(const TlsTestService&) = delete;

    std::string url() const { return "https://127.0.0.1:" + std::to_string(m_port); }
    int requests() const { return m_requests; }

  private:
    httplib::SSLServer m_server;
    int m_port = 0;
    std::atomic<int> m_requests{0};
    std::thread m_thread;
};

}  // namespace kiosk::net::testing
