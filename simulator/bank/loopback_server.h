#pragma once

// Starting a simulated service's cpp-httplib server on loopback, shared by the account service
// and the queue service (simulator/queue).

#include <expected>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace simulator::bank {

// Binds `server` to host:port (port 0: any free port), starts its accept loop on `thread` and
// waits, bounded, until the loop runs: cpp-httplib's stop() does nothing before that, so a stop()
// straight after a start would leave the thread listening for ever. Returns the port, or what
// failed (the address, or that the loop never started; the thread is joined then).
std::expected<int, std::string> listen_in_background(httplib::Server& server,
                                                     const std::string& host, int port,
                                                     std::thread& thread);

}  // namespace simulator::bank
