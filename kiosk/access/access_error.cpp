#include "kiosk/access/access_error.h"

namespace kiosk::access {

std::string_view to_string(AccessError error) {
    switch (error) {
        case AccessError::file_unreadable:
            return "the file cannot be read";
        case AccessError::file_not_private:
            return "the file may be read or written by group or others";
        case AccessError::file_too_large:
            return "the file is too large";
        case AccessError::write_failed:
            return "the file could not be written";
        case AccessError::bad_toml:
            return "the file is not valid TOML";
        case AccessError::unknown_key:
            return "unknown key";
        case AccessError::missing_field:
            return "a required field is missing or of the wrong type";
        case AccessError::bad_id:
            return "an engineer's id must be 4 to 8 digits";
        case AccessError::duplicate_id:
            return "two accounts have the same id";
        case AccessError::unknown_id:
            return "no account has this id";
        case AccessError::last_administrator:
            return "the last administrator's account cannot be removed";
        case AccessError::bad_role:
            return "the role must be engineer, key_custodian or administrator";
        case AccessError::bad_password:
            return "a password must be 8 to 16 digits";
        case AccessError::bad_password_hash:
            return "the password hash is not pbkdf2-sha256$ITERATIONS$SALT$HASH";
        case AccessError::bad_otp_secret:
            return "the one-time password secret is not valid Base32 of 16 to 128 bytes";
        case AccessError::bad_otp_algorithm:
            return "the one-time password algorithm must be sha1, sha256 or sha512";
        case AccessError::bad_otp_digits:
            return "a one-time code must have 6 or 8 digits";
        case AccessError::bad_state:
            return "the sign-in state file is damaged";
        case AccessError::crypto_failure:
            return "OpenSSL failed";
    }
    return "unknown access error";
}

}  // namespace kiosk::access
