#pragma once

#include <string_view>

#include "base/error.h"

namespace simulator::queue {

// What can go wrong when the simulated queue service starts or touches its database. Errors
// that need context carry it as base::Error<QueueError> (a path, a line of the demo branch
// file); the context never holds anything a customer gave.
enum class QueueError {
    database_failure,      // SQLite refused to open, create, read or update the database
    seed_failure,          // the demo branch file is missing or is not valid TOML
    bad_seed,              // a business in the demo branch file is incomplete or out of range
    bind_failure,          // the HTTP server could not listen on the requested address
    already_running,       // start() on a service that is running
    tls_failure,           // a certificate, key or client CA file could not be loaded
    unsafe_configuration,  // no way to know who calls: neither a client CA nor plain trust
    not_running,           // the database is not open yet (start() was never called)
};

std::string_view to_string(QueueError error);

}  // namespace simulator::queue
