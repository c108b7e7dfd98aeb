#pragma once

// The field engineers of the service menu, as plain values (kiosk/core/README.md, "The service
// menu"). Who they are and how they prove it is kept and checked by kiosk/access; the flow only
// learns the outcome.

#include <cstdint>
#include <string>
#include <string_view>

namespace kiosk::core {

// What an engineer's account may do (docs/service-standards.md, "Staff access"):
// an engineer runs diagnostics and takes the kiosk out of service; a key custodian loads keys;
// an administrator changes configuration and accounts.
enum class EngineerRole { engineer, key_custodian, administrator };

std::string_view to_string(EngineerRole role);

// How a sign-in ended. `refused` never says which of id, password or code was wrong.
enum class SignInOutcome {
    signed_in,
    refused,     // a wrong id, password or one-time code, or a code used before
    locked,      // too many failures: nobody signs in until the lock ends
    unavailable  // the accounts could not be read: nobody can sign in
};

std::string_view to_string(SignInOutcome outcome);

}  // namespace kiosk::core
