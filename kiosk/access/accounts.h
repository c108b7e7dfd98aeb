#pragma once

// The field engineers' accounts (issue 10; docs/service-standards.md, "Staff access": each
// engineer has an account of their own, removed when they leave): the accounts file, its
// checks, and adding, removing and listing accounts. kiosk-diag's `engineer` commands provision
// them; the sign-in desk (sign_in_desk.h) reads them.
//
// The file is TOML, one [[engineer]] table per account, private to the kiosk's user:
//
//     [[engineer]]
//     id = "1234"                          # 4 to 8 digits, typed on the PIN pad
//     role = "engineer"                    # engineer | key_custodian | administrator
//     password = "pbkdf2-sha256$600000$SALT$HASH"   # password_hash.h
//     otp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # Base32 (RFC 4648 §6), 16 to 128 bytes
//     otp_algorithm = "sha1"               # sha1 | sha256 | sha512 (RFC 6238 §1.2)
//     otp_digits = 6                       # 6 | 8
//
// Every field is required and no other key is allowed. Not thread-safe: one thread (or one
// kiosk-diag process) uses these functions at a time.

#include <cstddef>
#include <expected>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "base/wipe.h"
#include "drivers/otp/otp.h"
#include "kiosk/access/access_error.h"
#include "kiosk/access/password_hash.h"
#include "kiosk/core/engineer.h"

namespace kiosk::access {

// What the engineer types on the PIN pad, digits only: an id of 4 to 8 digits, a password of 8
// to 16 (10^8 passwords at the least, against 3 tries in 5 minutes) and a code of 6 or 8
// digits (RFC 4226 §5.3; RFC 6238 §4 leaves the number to the deployment).
inline constexpr std::size_t k_min_id_length = 4;
inline constexpr std::size_t k_max_id_length = 8;
inline constexpr std::size_t k_min_password_length = 8;
inline constexpr std::size_t k_max_password_length = 16;
inline constexpr int k_short_code_digits = 6;
inline constexpr int k_long_code_digits = 8;
// RFC 4226 §4 R6: a shared secret of at least 128 bits; 160 bits recommended, which a new
// account gets.
inline constexpr std::size_t k_min_otp_secret_length = 16;
inline constexpr std::size_t k_new_otp_secret_length = 20;
// The issuer an authenticator app shows beside the account (Google Authenticator's Key Uri
// Format, "Issuer").
inline constexpr std::string_view k_otp_issuer = "Kiosk";

struct EngineerAccount {
    std::string id;
    core::EngineerRole role = core::EngineerRole::engineer;
    PasswordHash password;
    base::Bytes otp_secret;
    // digits and algorithm from the file; the step is RFC 6238 §5.2's 30 s from T0 = 0.
    drivers::otp::TotpParameters otp;
};

// What `list_accounts` gives: nothing secret.
using core::AccountSummary;

struct NewAccountRequest {
    std::string id;
    core::EngineerRole role = core::EngineerRole::engineer;
    base::SecretText password;
    int iterations = k_default_iterations;
    // A given secret (the simulator's demo engineers); otherwise k_new_otp_secret_length random
    // bytes.
    std::optional<base::Bytes> otp_secret;
    int otp_digits = k_short_code_digits;
    drivers::otp::OtpAlgorithm otp_algorithm = drivers::otp::OtpAlgorithm::sha1;
};

// What the new engineer's authenticator app needs, given once.
struct NewAccount {
    AccountSummary account;
    base::SecretText otp_secret_base32;  // RFC 4648 §6, with padding as drivers/otp writes it
    base::SecretText otpauth_uri;        // otpauth://totp/ISSUER:ID?secret=...&issuer=...
};

bool is_valid_id(std::string_view id);
bool is_valid_password(const base::SecretText& password);
std::optional<core::EngineerRole> parse_role(std::string_view text);
std::optional<drivers::otp::OtpAlgorithm> parse_otp_algorithm(std::string_view text);

// The accounts in `text`, checked field by field. `source` names the file in errors, which
// read "SOURCE:LINE: what" and never quote a value.
std::expected<std::vector<EngineerAccount>, base::Error<AccessError>> parse_accounts(
    std::string_view text, std::string_view source);
// The TOML text of `accounts`, which parse_accounts reads back.
base::SecretText accounts_text(const std::vector<EngineerAccount>& accounts);

// read_private_file and parse_accounts.
std::expected<std::vector<EngineerAccount>, base::Error<AccessError>> load_accounts(
    const std::filesystem::path& file);
// write_private_file, keeping the file it replaces as NAME.previous.
std::expected<void, base::Error<AccessError>> save_accounts(
    const std::filesystem::path& file, const std::vector<EngineerAccount>& accounts);

// A new account made ready but not yet in any file: the account with its hash and secret, and
// what its engineer's authenticator app needs (the service menu's enrolment keeps it until the
// engineer's first code proves the app has it).
struct PreparedAccount {
    EngineerAccount account;
    NewAccount secret;
};

// Checks the request and makes the account: a bad id, password, secret or digits are refused; the
// password is hashed (one PBKDF2 run) and a secret made unless given.
std::expected<PreparedAccount, base::Error<AccessError>> prepare_account(
    const NewAccountRequest& request);
// Adds a prepared account to `file` (made if it does not exist); an id already taken is refused
// (duplicate_id).
std::expected<void, base::Error<AccessError>> add_prepared_account(
    const std::filesystem::path& file, const EngineerAccount& account);
// prepare_account, then add_prepared_account.
std::expected<NewAccount, base::Error<AccessError>> add_account(const std::filesystem::path& file,
                                                                const NewAccountRequest& request);
// Removes the account with `id` (unknown_id if there is none). The last administrator's account
// stays (last_administrator): without one, nobody could manage the accounts from the service
// menu.
std::expected<void, base::Error<AccessError>> remove_account(const std::filesystem::path& file,
                                                             std::string_view id);
std::expected<std::vector<AccountSummary>, base::Error<AccessError>> list_accounts(
    const std::filesystem::path& file);

// How an error of the functions above reads to the service menu: a rule of the accounts (an id
// already taken or gone, the last administrator), a file that could not be written (or a secret
// not made), or one that cannot be read or is damaged.
core::AccountsOutcome accounts_outcome(AccessError error);

// Google Authenticator's Key Uri Format for a TOTP account: the label ISSUER:ID, the secret in
// Base32 without padding (as that format asks), issuer, algorithm, digits and period.
base::SecretText otpauth_uri(std::string_view id, std::span<const std::uint8_t> secret,
                             const drivers::otp::TotpParameters& parameters);

}  // namespace kiosk::access
