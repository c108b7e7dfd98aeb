#include "simulator/bank/loopback_server.h"

#include <httplib.h>

#include <chrono>

namespace simulator::bank {

namespace {

// Far longer than an accept loop takes to start on a loaded machine (milliseconds).
constexpr std::chrono::seconds k_server_ready_timeout{5};

}  // namespace

std::expected<int, std::string> listen_in_background(httplib::Server& server,
                                                     const std::string& host, int port,
                                                     std::thread& thread) {
    const int bound =
        port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
    if (bound <= 0) {
        return std::unexpected(host + ":" + std::to_string(port));
    }
    thread = std::thread([&server] { server.listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + k_server_ready_timeout;
    while (!server.is_running() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!server.is_running()) {
        server.stop();
        thread.join();
        return std::unexpected(std::string("server did not start"));
    }
    return bound;
}

}  // namespace simulator::bank
