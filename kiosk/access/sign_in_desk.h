#pragma once

// The service menu's sign-in desk: it decides whether an engineer's id, password and one-time
// code sign them in (issue 10; docs/service-standards.md, "Staff access"). The core's flow
// only learns the outcome (kiosk/core/engineer.h) and journals the reason.
//
// - The password is checked with one PBKDF2 run (password_hash.h) even when the id is unknown
//   or badly formed, against a dummy hash of the same cost, so that the time a refusal takes
//   does not tell whether the id exists.
// - The code is TOTP (RFC 6238): the codes of the time steps T-1, T and T+1 are accepted, for
//   a clock a little off and a code typed as it changed (RFC 6238 §5.2 and §6), and never a
//   step at or before the last one the account signed in with (§5.2: a verifier must not
//   accept the second attempt of an OTP after a successful validation).
// - core::policy::k_sign_in_failures_allowed failures in a row, whatever the ids, lock every
//   sign-in for core::policy::k_sign_in_lock_seconds; while locked, even a right answer is
//   refused as `locked` without being checked. A success resets the count.
// - The failure count, the lock's end and each account's last used step live in a state file
//   (TOML, written whole and renamed, private_file.h), so that restarting the kiosk neither
//   lifts a lock nor lets a code be used twice.
//
// The accounts file is read again at each sign-in, so an account removed with kiosk-diag can no
// longer sign in, without a restart. The clock is a parameter; nothing here reads one.
//
// Threading: sign_in blocks for one PBKDF2 run (about 1 s at the default count on the
// development machine; kiosk_access_bench measures it): call it from a worker thread, never the
// event loop's. One thread uses a
// desk; one desk uses a pair of files.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/wipe.h"
#include "kiosk/access/access_error.h"
#include "kiosk/access/accounts.h"
#include "kiosk/access/password_hash.h"
#include "kiosk/core/engineer.h"

namespace kiosk::access {

// Why a sign-in ended as it did, for the journal. It never holds the password or the code.
enum class SignInReason {
    signed_in,
    unknown_id,           // no account has the id (or it is not 4 to 8 digits)
    wrong_password,       // (or not 8 to 16 digits)
    wrong_code,           // not the code of T-1, T or T+1 (or not the account's digit count)
    code_reused,          // the code of a step at or before the account's last used one
    locked,               // refused unchecked: the lock is on
    accounts_unreadable,  // the accounts file cannot be read or is damaged
    state_unwritable      // signed in, but the used step could not be kept: refused
};

std::string_view to_string(SignInReason reason);

struct SignInResult {
    core::SignInOutcome outcome = core::SignInOutcome::refused;
    SignInReason reason = SignInReason::wrong_password;
    std::optional<core::EngineerRole> role;    // when signed in
    std::optional<std::int64_t> lock_ends_at;  // Unix time, when locked
};

// What the state file holds.
struct SignInState {
    int failures = 0;               // in a row, since the last success or lock
    std::int64_t lock_ends_at = 0;  // Unix time; 0: no lock
    std::map<std::string, std::uint64_t, std::less<>> last_used_steps;  // by engineer id

    friend bool operator==(const SignInState&, const SignInState&) = default;
};

std::string state_text(const SignInState& state);
// Refuses (bad_state) anything state_text would not write.
std::expected<SignInState, base::Error<AccessError>> parse_state(std::string_view text,
                                                                 std::string_view source);

class SignInDesk {
  public:
    // Reads the state file. A missing one is a fresh start. A damaged one (or one that others
    // may read or write) is moved aside to NAME.damaged and the desk starts locked: the lock that
    // file may have held is lost, and so are the steps each account last used. Locking for
    // k_sign_in_lock_seconds from the next sign-in outlasts any lock it could have held, and by
    // then every step it could have recorded is more than one step in the past, outside the
    // window a code is accepted in, so no code can be used twice.
    // `iterations` is the cost of the dummy hash an unknown id is checked against; give the
    // accounts' own count (tests use a low one).
    SignInDesk(std::filesystem::path accounts_file, std::filesystem::path state_file,
               int iterations = k_default_iterations);

    SignInResult sign_in(std::string_view id, const base::SecretText& password,
                         const base::SecretText& code, std::int64_t unix_time);

    // The service menu's enrolment of a prepared account (accounts.h): whether `code` is the
    // account's code of T-1, T or T+1, proving that the new engineer's authenticator app holds
    // its secret. If it is, the account is added to the accounts file and the code's step kept as
    // used, so that the same code cannot sign in. A wrong code (`wrong_code`) counts towards no
    // lock: an administrator is signed in, and the secret is only as old as the slip.
    core::AccountsOutcome enrol(const EngineerAccount& account, const base::SecretText& code,
                                std::int64_t unix_time);

    const SignInState& state() const { return m_state; }
    // Whether the state file was found damaged and the lock it causes has not begun yet.
    bool starts_locked() const { return m_state_damaged; }

  private:
    SignInResult failure(SignInReason reason, std::int64_t unix_time);
    bool persist();

    std::filesystem::path m_accounts_file;
    std::filesystem::path m_state_file;
    PasswordHash m_dummy_hash;
    SignInState m_state;
    bool m_state_damaged = false;
};

// NAME.damaged, where a damaged state file is kept for a person to look at.
std::filesystem::path damaged_file_of(const std::filesystem::path& file);

}  // namespace kiosk::access
