#pragma once
// The simulated branch's field engineers (issue 10): who may sign in to the kiosk's service
// menu, with what password and which authenticator. The simulator reads them from
// simulator/staff/demo-engineers.toml, writes the kiosk's accounts file from them (only what
// kiosk/access reads: the password's hash text, never the password), and plays each engineer
// at the PIN pad: the password they know, and the one-time code their authenticator app shows
// (RFC 6238, drivers/otp).
//
// A loaded DemoEngineers is read-only; it may be read from several threads at once.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "base/wipe.h"
#include "drivers/otp/otp.h"

namespace simulator::staff {

// kiosk/access/README.md, "The accounts file": an id is 4 to 8 digits, a password 8 to 16 (an
// engineer types both on the PIN pad), a one-time password secret 16 to 128 bytes (RFC 4226 §4
// R6: 128 bits at least), a code 6 or 8 digits.
inline constexpr std::size_t k_shortest_id = 4;
inline constexpr std::size_t k_longest_id = 8;
inline constexpr std::size_t k_shortest_password = 8;
inline constexpr std::size_t k_longest_password = 16;
inline constexpr std::size_t k_shortest_secret = 16;
inline constexpr std::size_t k_longest_secret = 128;
// A demo file is a few lines per engineer; anything larger is not one.
inline constexpr std::uintmax_t k_largest_file = 1024 * 1024;

// What can be wrong with the demo engineers' file or a request about an engineer. Errors carry
// it as base::Error<StaffError>, whose context names the file, the line and the engineer's id
// (never a password, hash or secret).
enum class StaffError {
    file_unreadable,    // missing, unreadable, or larger than k_largest_file
    bad_toml,           // not TOML
    unknown_key,        // a key a demo engineer does not have
    missing_field,      // a required key missing, or a value of the wrong type
    bad_id,             // not 4 to 8 digits
    duplicate_id,       // two engineers with one id
    bad_role,           // not engineer, key_custodian or administrator
    bad_password,       // not 8 to 16 digits
    bad_password_hash,  // not a pbkdf2-sha256$ITERATIONS$SALT$HASH text
    bad_otp_secret,     // not Base32 (RFC 4648 §6), or not 16 to 128 bytes
    bad_otp_algorithm,  // not sha1, sha256 or sha512
    bad_otp_digits,     // not 6 or 8
    no_engineers,       // a file without a single engineer
    unknown_engineer,   // no demo engineer has this id
    write_failed,       // the kiosk's accounts file could not be written
    code_failed,        // drivers/otp could not make the code (a time before 1970, say)
};

std::string_view to_string(StaffError error);

// One demo engineer as the data file holds them.
struct DemoEngineer {
    std::string id;
    std::string role;  // engineer, key_custodian or administrator (kiosk/access)
    base::SecretText password;
    // The password's hash text as `kiosk-diag engineer add` made it once
    // (pbkdf2-sha256$ITERATIONS$SALT$HASH; kiosk/access/README.md, "Passwords"). Copied into
    // the kiosk's accounts file as it is: hashing again would cost a second an engineer.
    std::string password_hash;
    std::string otp_secret;  // Base32, as the file and the accounts file hold it
    drivers::otp::OtpAlgorithm otp_algorithm = drivers::otp::OtpAlgorithm::sha1;
    int otp_digits = 6;
};

class DemoEngineers {
  public:
    // Reads the demo engineers' file. Errors: file_unreadable, and those of parse().
    static std::expected<DemoEngineers, base::Error<StaffError>> load(
        const std::filesystem::path& file);
    // `source` names the text in errors ("demo-engineers.toml"). Errors: bad_toml (the line
    // and column only: toml++'s description may quote the text), unknown_key, missing_field,
    // bad_id, duplicate_id, bad_role, bad_password, bad_password_hash, bad_otp_secret,
    // bad_otp_algorithm, bad_otp_digits, no_engineers; each names the line and the engineer.
    static std::expected<DemoEngineers, base::Error<StaffError>> parse(std::string_view text,
                                                                       std::string_view source);

    const std::vector<DemoEngineer>& engineers() const { return m_engineers; }
    // Null when no engineer has this id.
    const DemoEngineer* find(std::string_view id) const;

    // The kiosk's accounts file (kiosk/access/README.md, "The accounts file"): one [[engineer]]
    // table per demo engineer with id, role, password (the hash text), otp_secret,
    // otp_algorithm and otp_digits, and nothing else.
    std::string accounts_text() const;
    // Writes accounts_text() to `file` as only its owner may read and write it (mode 0600, as
    // kiosk/access demands): FILE.new is made private before a byte is written and renamed over
    // FILE. Errors: write_failed, naming the file.
    std::expected<void, base::Error<StaffError>> write_accounts_file(
        const std::filesystem::path& file) const;

    // The code the engineer's authenticator app shows at `unix_time` (RFC 6238 §4.2, with the
    // engineer's hash and digits, 30 s steps from 0). Errors: unknown_engineer, code_failed.
    std::expected<base::SecretText, base::Error<StaffError>> one_time_code(
        std::string_view engineer_id, std::int64_t unix_time) const;
    // The password the engineer knows. Errors: unknown_engineer.
    std::expected<base::SecretText, base::Error<StaffError>> password(
        std::string_view engineer_id) const;

    // A new engineer's authenticator app takes the account of an otpauth://totp/ URI (Google
    // Authenticator's Key Uri Format: label ISSUER:ID, secret, algorithm, digits) for staff number
    // `engineer_id`, so that one_time_code() gives the codes it shows. The engineer has no
    // password here: they typed it themselves. False when the URI is not a TOTP account of that
    // staff number with a valid secret; an engineer already known keeps their account.
    bool add_scanned(std::string_view uri, std::string_view engineer_id);

  private:
    std::vector<DemoEngineer> m_engineers;
};

}  // namespace simulator::staff
