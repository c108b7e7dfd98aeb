#pragma once

// The field engineers of the service menu, as plain values (kiosk/core/README.md, "The service
// menu"). Who they are and how they prove it is kept and checked by kiosk/access; the flow only
// learns the outcome.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

// An engineer's account as the administrator's accounts screen shows it: nothing secret.
struct AccountSummary {
    std::string id;
    EngineerRole role = EngineerRole::engineer;

    friend bool operator==(const AccountSummary&, const AccountSummary&) = default;
};

// How kiosk/access answered a change to the accounts (AccountsAnswered).
enum class AccountsOutcome {
    done,                // listed, removed or added as asked
    unreadable,          // the accounts file cannot be read or is damaged: nothing changed
    unwritable,          // it could not be written: nothing changed
    unknown_id,          // no account has the id
    duplicate_id,        // an account has the id already
    last_administrator,  // the one administrator's account is never removed
    wrong_code           // the new engineer's code is not their new secret's
};

std::string_view to_string(AccountsOutcome outcome);

// How many administrators `accounts` holds.
std::size_t administrators(const std::vector<AccountSummary>& accounts);

}  // namespace kiosk::core
