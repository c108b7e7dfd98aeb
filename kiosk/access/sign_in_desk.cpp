#include "kiosk/access/sign_in_desk.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <utility>

#include "base/text.h"
#include "kiosk/access/accounts.h"
#include "kiosk/access/private_file.h"
#include "kiosk/core/policy.h"

namespace kiosk::access {

namespace {

constexpr std::string_view k_failures_key = "failures";
constexpr std::string_view k_lock_ends_at_key = "lock_ends_at";
constexpr std::string_view k_last_used_step_key = "last_used_step";

base::Error<AccessError> state_fault(std::string_view source, const toml::source_region& region,
                                     std::string_view what) {
    return base::error(
        AccessError::bad_state,
        std::string(source) + ":" + std::to_string(region.begin.line) + ": " + std::string(what));
}

// A dummy hash of the accounts' cost: checking a password against it costs what checking it
// against a real account does. Its salt and hash are random, so no password matches it.
PasswordHash dummy_hash(int iterations) {
    PasswordHash hash{.iterations = iterations,
                      .salt = base::Bytes(k_salt_length),
                      .hash = base::Bytes(k_derived_key_length)};
    // Should the generator fail, zero bytes serve as well: the hash is never matched on purpose,
    // and verify_password refuses whatever it does not match.
    (void)RAND_bytes(hash.salt.data(), static_cast<int>(hash.salt.size()));
    (void)RAND_bytes(hash.hash.data(), static_cast<int>(hash.hash.size()));
    return hash;
}

// The step of the account's code among T-1, T and T+1 (RFC 6238 §5.2), or nothing. Each
// candidate is compared in constant time.
std::optional<std::uint64_t> matching_step(const EngineerAccount& account,
                                           const base::SecretText& code, std::int64_t unix_time) {
    if (code.size() != static_cast<std::size_t>(account.otp.digits) ||
        !base::is_digits(code.view())) {
        return std::nullopt;
    }
    const auto now = drivers::otp::time_step(unix_time, account.otp);
    if (!now) {
        return std::nullopt;
    }
    std::optional<std::uint64_t> found;
    for (const std::int64_t offset : {-1, 0, 1}) {
        if (offset < 0 && *now == 0) {
            continue;
        }
        const std::uint64_t step =
            offset < 0 ? *now - 1 : *now + static_cast<std::uint64_t>(offset);
        auto expected =
            drivers::otp::hotp(account.otp_secret, step, account.otp.digits, account.otp.algorithm);
        if (!expected) {
            continue;
        }
        if (expected->size() == code.size() &&
            CRYPTO_memcmp(expected->data(), code.view().data(), code.size()) == 0 && !found) {
            found = step;
        }
        base::wipe(*expected);
    }
    return found;
}

}  // namespace

std::string_view to_string(SignInReason reason) {
    switch (reason) {
        case SignInReason::signed_in:
            return "signed_in";
        case SignInReason::unknown_id:
            return "unknown_id";
        case SignInReason::wrong_password:
            return "wrong_password";
        case SignInReason::wrong_code:
            return "wrong_code";
        case SignInReason::code_reused:
            return "code_reused";
        case SignInReason::locked:
            return "locked";
        case SignInReason::accounts_unreadable:
            return "accounts_unreadable";
        case SignInReason::state_unwritable:
            return "state_unwritable";
    }
    return "unknown";
}

std::filesystem::path damaged_file_of(const std::filesystem::path& file) {
    return file.string() + ".damaged";
}

std::string state_text(const SignInState& state) {
    std::string text =
        "# The service menu's sign-in state (kiosk/access/README.md, \"The state file\").\n"
        "# Written by the kiosk; private to the kiosk's user.\n";
    text += std::string(k_failures_key) + " = " + std::to_string(state.failures) + "\n";
    text += std::string(k_lock_ends_at_key) + " = " + std::to_string(state.lock_ends_at) + "\n";
    text += "\n[" + std::string(k_last_used_step_key) + "]\n";
    for (const auto& [id, step] : state.last_used_steps) {
        // Ids are digits only (accounts.h), so the quoted key needs no escape.
        text += "\"" + id + "\" = " + std::to_string(step) + "\n";
    }
    return text;
}

std::expected<SignInState, base::Error<AccessError>> parse_state(std::string_view text,
                                                                 std::string_view source) {
    toml::table document;
    try {
        document = toml::parse(text, source);
    } catch (const toml::parse_error& error) {
        return std::unexpected(state_fault(source, error.source(), "not valid TOML"));
    }
    for (auto&& [key, node] : document) {
        if (key.str() != k_failures_key && key.str() != k_lock_ends_at_key &&
            key.str() != k_last_used_step_key) {
            return std::unexpected(
                state_fault(source, key.source(), "unknown key '" + std::string(key.str()) + "'"));
        }
    }
    const auto* failures = document.get_as<std::int64_t>(k_failures_key);
    const auto* lock_ends_at = document.get_as<std::int64_t>(k_lock_ends_at_key);
    const auto* steps = document.get_as<toml::table>(k_last_used_step_key);
    if (failures == nullptr || lock_ends_at == nullptr || steps == nullptr) {
        return std::unexpected(state_fault(source, document.source(),
                                           "failures, lock_ends_at or [last_used_step] missing"));
    }
    if (failures->get() < 0 || failures->get() >= core::policy::k_sign_in_failures_allowed) {
        return std::unexpected(state_fault(source, failures->source(), "failures out of range"));
    }
    if (lock_ends_at->get() < 0) {
        return std::unexpected(
            state_fault(source, lock_ends_at->source(), "lock_ends_at out of range"));
    }
    SignInState state{.failures = static_cast<int>(failures->get()),
                      .lock_ends_at = lock_ends_at->get(),
                      .last_used_steps = {}};
    for (auto&& [key, node] : *steps) {
        const auto* step = node.as_integer();
        if (!is_valid_id(key.str()) || step == nullptr || step->get() < 0) {
            return std::unexpected(
                state_fault(source, key.source(), "a last used step that is not an id's count"));
        }
        state.last_used_steps.emplace(std::string(key.str()),
                                      static_cast<std::uint64_t>(step->get()));
    }
    return state;
}

SignInDesk::SignInDesk(std::filesystem::path accounts_file, std::filesystem::path state_file,
                       int iterations)
    : m_accounts_file(std::move(accounts_file)),
      m_state_file(std::move(state_file)),
      m_dummy_hash(dummy_hash(std::clamp(iterations, k_minimum_iterations, k_maximum_iterations))) {
    std::error_code status_error;
    if (!std::filesystem::exists(std::filesystem::symlink_status(m_state_file, status_error))) {
        return;
    }
    const auto text = read_private_file(m_state_file);
    auto state =
        text ? parse_state(text->view(), m_state_file.string()) : std::unexpected(text.error());
    if (state) {
        m_state = std::move(*state);
        return;
    }
    m_state_damaged = true;
    std::error_code rename_error;
    std::filesystem::rename(m_state_file, damaged_file_of(m_state_file), rename_error);
}

SignInResult SignInDesk::sign_in(std::string_view id, const base::SecretText& password,
                                 const base::SecretText& code, std::int64_t unix_time) {
    if (m_state_damaged) {
        m_state = SignInState{.failures = 0,
                              .lock_ends_at = unix_time + core::policy::k_sign_in_lock_seconds,
                              .last_used_steps = {}};
        m_state_damaged = false;
        persist();
    }
    if (m_state.lock_ends_at > unix_time) {
        return {.outcome = core::SignInOutcome::locked,
                .reason = SignInReason::locked,
                .role = std::nullopt,
                .lock_ends_at = m_state.lock_ends_at};
    }
    if (m_state.lock_ends_at != 0) {
        m_state.lock_ends_at = 0;
        m_state.failures = 0;
    }
    const auto accounts = load_accounts(m_accounts_file);
    if (!accounts) {
        return {.outcome = core::SignInOutcome::unavailable,
                .reason = SignInReason::accounts_unreadable,
                .role = std::nullopt,
                .lock_ends_at = std::nullopt};
    }
    const auto found = std::ranges::find_if(*accounts, [&](const EngineerAccount& account) {
        return is_valid_id(id) && account.id == id;
    });
    const EngineerAccount* account = found != accounts->end() ? &*found : nullptr;
    // One PBKDF2 run whatever the id, so that its time tells nothing (see the header).
    const auto matches = verify_password(account ? account->password : m_dummy_hash, password);
    if (account == nullptr) {
        return failure(SignInReason::unknown_id, unix_time);
    }
    if (!matches || !*matches || !is_valid_password(password)) {
        return failure(SignInReason::wrong_password, unix_time);
    }
    const auto step = matching_step(*account, code, unix_time);
    if (!step) {
        return failure(SignInReason::wrong_code, unix_time);
    }
    const auto last = m_state.last_used_steps.find(account->id);
    if (last != m_state.last_used_steps.end() && *step <= last->second) {
        return failure(SignInReason::code_reused, unix_time);
    }
    m_state.failures = 0;
    m_state.last_used_steps[account->id] = *step;
    if (!persist()) {
        return {.outcome = core::SignInOutcome::unavailable,
                .reason = SignInReason::state_unwritable,
                .role = std::nullopt,
                .lock_ends_at = std::nullopt};
    }
    return {.outcome = core::SignInOutcome::signed_in,
            .reason = SignInReason::signed_in,
            .role = account->role,
            .lock_ends_at = std::nullopt};
}

core::AccountsOutcome SignInDesk::enrol(const EngineerAccount& account,
                                        const base::SecretText& code, std::int64_t unix_time) {
    const auto step = matching_step(account, code, unix_time);
    if (!step) {
        return core::AccountsOutcome::wrong_code;
    }
    if (auto added = add_prepared_account(m_accounts_file, account); !added) {
        return accounts_outcome(added.error().code);
    }
    // Should the state not be written, the step still holds in memory until the kiosk restarts.
    m_state.last_used_steps[account.id] = *step;
    persist();
    return core::AccountsOutcome::done;
}

// A failure counts towards the lock whatever its reason; the one that reaches the limit starts
// the lock and says so (outcome `locked`), with the reason of the failure itself. Should the
// state not be written, the count still holds in memory until the kiosk restarts.
SignInResult SignInDesk::failure(SignInReason reason, std::int64_t unix_time) {
    ++m_state.failures;
    SignInResult result{.outcome = core::SignInOutcome::refused,
                        .reason = reason,
                        .role = std::nullopt,
                        .lock_ends_at = std::nullopt};
    if (m_state.failures >= core::policy::k_sign_in_failures_allowed) {
        m_state.failures = 0;
        m_state.lock_ends_at = unix_time + core::policy::k_sign_in_lock_seconds;
        result.outcome = core::SignInOutcome::locked;
        result.lock_ends_at = m_state.lock_ends_at;
    }
    persist();
    return result;
}

bool SignInDesk::persist() {
    return write_private_file(m_state_file, state_text(m_state), KeepPrevious::no).has_value();
}

}  // namespace kiosk::access
