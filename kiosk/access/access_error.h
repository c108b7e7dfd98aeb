#pragma once

// What can go wrong with the field engineers' accounts and their sign-in state (kiosk/access).
// Errors that name a file carry it, and a line where there is one, as a base::Error<AccessError>
// context; a context never holds a password, a code, a hash or a secret (docs/style.md,
// "Errors").

#include <string_view>

namespace kiosk::access {

enum class AccessError {
    file_unreadable,     // missing, not a regular file, or cannot be opened or read
    file_not_private,    // group or others may read or write it
    file_too_large,      // larger than any accounts or state file the kiosk writes
    write_failed,        // the temporary file, the previous copy or the rename failed
    bad_toml,            // not TOML
    unknown_key,         // a key the format does not have
    missing_field,       // a field the format requires is absent or of the wrong type
    bad_id,              // not 4 to 8 digits
    duplicate_id,        // two accounts with one id
    unknown_id,          // no account has this id
    last_administrator,  // removing it would leave no administrator to manage the accounts
    bad_role,            // not engineer, key_custodian or administrator
    bad_password,        // a new password that is not 8 to 16 digits
    bad_password_hash,   // not the text password_hash.h describes
    bad_otp_secret,      // not Base32, or shorter or longer than the limits
    bad_otp_algorithm,   // not sha1, sha256 or sha512
    bad_otp_digits,      // not 6 or 8
    bad_state,           // the sign-in state file is not what the desk writes
    crypto_failure       // OpenSSL's PBKDF2 or random generator failed
};

std::string_view to_string(AccessError error);

}  // namespace kiosk::access
