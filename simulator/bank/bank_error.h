#pragma once

#include <string_view>

#include "base/error.h"

namespace simulator::bank {

// What can go wrong when the simulated account service starts or touches its database. Errors
// carry it as base::Error<BankError>, whose context says what was being done, for start-up
// messages; it never holds a PAN or PIN.
enum class BankError {
    database_failure,  // SQLite refused to open, create or update the database
    seed_failure,      // the demo card file is missing or is not valid TOML
    bad_seed,          // a demo card entry has a malformed PAN, PIN or balance
    bind_failure,      // the HTTP server could not listen on the requested address
    already_running,   // start() on a service that is running
    crypto_failure,    // the random generator or PBKDF2 failed
    tls_failure,       // the TLS certificate or key could not be made or loaded
};

std::string_view to_string(BankError error);

}  // namespace simulator::bank
