#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "drivers/otp/otp.h"
#include "kiosk/access/accounts.h"
#include "kiosk/access/private_file.h"
#include "kiosk/access/sign_in_desk.h"
#include "tests/kiosk/access/access_test_support.h"

using namespace kiosk::access;
using kiosk::access::testing::quick_request;
using kiosk::access::testing::read_text;
using kiosk::access::testing::TemporaryFolder;
using kiosk::access::testing::write_private;
using kiosk::core::EngineerRole;
using kiosk::core::SignInOutcome;

namespace {

constexpr std::int64_t k_step_seconds = 30;
// A time in the middle of a 30-second step, so that one step either side is a whole step away.
constexpr std::int64_t k_now = 58'826'667 * k_step_seconds + 10;
constexpr std::uint64_t k_now_step = 58'826'667;
constexpr std::int64_t k_lock_seconds = 300;

// Two engineers on RFC 6238's secret: 1234 (an engineer, 6 digits) and 5678 (an administrator,
// 8 digits), hashed at the lowest count.
struct Branch {
    TemporaryFolder folder;
    std::filesystem::path accounts = folder.path() / "engineers.toml";
    std::filesystem::path state = folder.path() / "sign-in-state.toml";

    Branch() {
        REQUIRE(add_account(accounts, quick_request("1234", "11223344")).has_value());
        auto administrator = quick_request("5678", "5566778899", EngineerRole::administrator);
        administrator.otp_digits = 8;
        REQUIRE(add_account(accounts, administrator).has_value());
    }

    SignInDesk desk() const { return SignInDesk(accounts, state, k_minimum_iterations); }
};

// The code an authenticator app shows at `step` (RFC 4226 §5.3, drivers/otp).
base::SecretText code_at(std::uint64_t step, int digits = 6) {
    return base::SecretText(drivers::otp::hotp(testing::rfc6238_secret(), step, digits).value());
}

SignInResult engineer_signs_in(SignInDesk& desk, std::int64_t unix_time,
                               std::uint64_t step = k_now_step) {
    return desk.sign_in("1234", base::SecretText("11223344"), code_at(step), unix_time);
}

SignInResult wrong_password(SignInDesk& desk, std::int64_t unix_time) {
    return desk.sign_in("1234", base::SecretText("11223345"), code_at(k_now_step), unix_time);
}

}  // namespace

TEST_CASE("The right id, password and code sign an engineer in with the account's role") {
    Branch branch;
    auto desk = branch.desk();
    const auto result = engineer_signs_in(desk, k_now);
    CHECK(result.outcome == SignInOutcome::signed_in);
    CHECK(result.reason == SignInReason::signed_in);
    CHECK(result.role == EngineerRole::engineer);
    CHECK_FALSE(result.lock_ends_at.has_value());

    const auto administrator =
        desk.sign_in("5678", base::SecretText("5566778899"), code_at(k_now_step, 8), k_now);
    CHECK(administrator.outcome == SignInOutcome::signed_in);
    CHECK(administrator.role == EngineerRole::administrator);
}

TEST_CASE("RFC 6238 Appendix B's SHA-1 code at 59 s signs in an engineer of 8-digit codes") {
    Branch branch;
    auto desk = branch.desk();
    const auto result =
        desk.sign_in("5678", base::SecretText("5566778899"), base::SecretText("94287082"), 59);
    CHECK(result.outcome == SignInOutcome::signed_in);
    const auto next = desk.sign_in("5678", base::SecretText("5566778899"),
                                   base::SecretText("07081804"), 1'111'111'109);
    CHECK(next.outcome == SignInOutcome::signed_in);
}

TEST_CASE("Each wrong factor is refused with its own reason for the journal, and no role") {
    Branch branch;
    // Each attempt on fresh state, so that no lock comes into it.
    const std::vector<std::tuple<std::string, std::string, base::SecretText, SignInReason>>
        attempts{
            {"1234", "11223345", code_at(k_now_step), SignInReason::wrong_password},
            {"1234", "1122334", code_at(k_now_step), SignInReason::wrong_password},
            {"1234", "", code_at(k_now_step), SignInReason::wrong_password},
            {"1234", "5566778899", code_at(k_now_step), SignInReason::wrong_password},
            {"1234", "11223344", code_at(k_now_step + 7), SignInReason::wrong_code},
            {"1234", "11223344", code_at(k_now_step, 8), SignInReason::wrong_code},
            {"1234", "11223344", base::SecretText(""), SignInReason::wrong_code},
            {"1234", "11223344", base::SecretText("12a456"), SignInReason::wrong_code},
            {"4321", "11223344", code_at(k_now_step), SignInReason::unknown_id},
            {"123", "11223344", code_at(k_now_step), SignInReason::unknown_id},
            {"", "11223344", code_at(k_now_step), SignInReason::unknown_id},
        };
    for (const auto& [id, password, code, reason] : attempts) {
        INFO(id << " " << to_string(reason));
        std::filesystem::remove(branch.state);
        auto desk = branch.desk();
        const auto result = desk.sign_in(id, base::SecretText(password), code, k_now);
        CHECK(result.outcome == SignInOutcome::refused);
        CHECK(result.reason == reason);
        CHECK_FALSE(result.role.has_value());
        CHECK(desk.state().failures == 1);
    }
}

TEST_CASE("The codes of the step before and after are accepted, two steps off are not") {
    Branch branch;
    for (const std::int64_t offset : {-2, 2}) {
        auto desk = branch.desk();
        const auto step =
            static_cast<std::uint64_t>(static_cast<std::int64_t>(k_now_step) + offset);
        CHECK(engineer_signs_in(desk, k_now, step).reason == SignInReason::wrong_code);
    }
    std::filesystem::remove(branch.state);
    auto desk = branch.desk();
    CHECK(engineer_signs_in(desk, k_now, k_now_step - 1).outcome == SignInOutcome::signed_in);
    CHECK(desk.state().last_used_steps.at("1234") == k_now_step - 1);
    CHECK(engineer_signs_in(desk, k_now, k_now_step + 1).outcome == SignInOutcome::signed_in);
    CHECK(desk.state().last_used_steps.at("1234") == k_now_step + 1);
}

TEST_CASE("A code used once is refused, as is any code of an earlier step, even after a restart") {
    Branch branch;
    {
        auto desk = branch.desk();
        REQUIRE(engineer_signs_in(desk, k_now).outcome == SignInOutcome::signed_in);
        const auto again = engineer_signs_in(desk, k_now + 5);
        CHECK(again.outcome == SignInOutcome::refused);
        CHECK(again.reason == SignInReason::code_reused);
    }
    auto restarted = branch.desk();
    CHECK(engineer_signs_in(restarted, k_now, k_now_step - 1).reason == SignInReason::code_reused);
    // Another engineer's use of the same step is their own (and a success resets the count).
    CHECK(restarted.sign_in("5678", base::SecretText("5566778899"), code_at(k_now_step, 8), k_now)
              .outcome == SignInOutcome::signed_in);
    CHECK(engineer_signs_in(restarted, k_now + 1).reason == SignInReason::code_reused);
    CHECK(engineer_signs_in(restarted, k_now + k_step_seconds, k_now_step + 1).outcome ==
          SignInOutcome::signed_in);
}

TEST_CASE("Three failures in a row, whatever the ids, lock every sign-in for 300 s") {
    Branch branch;
    auto desk = branch.desk();
    CHECK(wrong_password(desk, k_now).outcome == SignInOutcome::refused);
    CHECK(desk.sign_in("9999", base::SecretText("11223344"), code_at(k_now_step), k_now + 1)
              .outcome == SignInOutcome::refused);
    const auto third =
        desk.sign_in("5678", base::SecretText("5566778899"), code_at(k_now_step + 5, 8), k_now + 2);
    CHECK(third.outcome == SignInOutcome::locked);
    CHECK(third.reason == SignInReason::wrong_code);
    CHECK(third.lock_ends_at == k_now + 2 + k_lock_seconds);

    // Refused unchecked while locked, the right answer too.
    for (const std::int64_t at : {k_now + 3, k_now + 2 + k_lock_seconds - 1}) {
        const auto right = engineer_signs_in(
            desk, at, k_now_step + static_cast<std::uint64_t>((at - k_now) / k_step_seconds));
        CHECK(right.outcome == SignInOutcome::locked);
        CHECK(right.reason == SignInReason::locked);
        CHECK(right.lock_ends_at == k_now + 2 + k_lock_seconds);
        CHECK_FALSE(right.role.has_value());
    }
    const std::int64_t after = k_now + 2 + k_lock_seconds;
    const auto open = engineer_signs_in(desk, after, k_now_step + 10);
    CHECK(open.outcome == SignInOutcome::signed_in);
    CHECK(open.role == EngineerRole::engineer);
}

TEST_CASE("After a lock ends the count starts afresh, and a success resets it") {
    Branch branch;
    auto desk = branch.desk();
    for (int failure = 0; failure < 3; ++failure) {
        wrong_password(desk, k_now);
    }
    const std::int64_t after = k_now + k_lock_seconds;
    CHECK(wrong_password(desk, after).outcome == SignInOutcome::refused);
    CHECK(wrong_password(desk, after).outcome == SignInOutcome::refused);
    CHECK(engineer_signs_in(desk, after, k_now_step + 10).outcome == SignInOutcome::signed_in);
    CHECK(desk.state().failures == 0);
    CHECK(wrong_password(desk, after + 1).outcome == SignInOutcome::refused);
    CHECK(wrong_password(desk, after + 2).outcome == SignInOutcome::refused);
    CHECK(wrong_password(desk, after + 3).outcome == SignInOutcome::locked);
}

TEST_CASE("The failure count and the lock survive a restart on the same files") {
    Branch branch;
    {
        auto desk = branch.desk();
        wrong_password(desk, k_now);
        wrong_password(desk, k_now);
    }
    {
        auto restarted = branch.desk();
        CHECK(restarted.state().failures == 2);
        CHECK(wrong_password(restarted, k_now + 1).outcome == SignInOutcome::locked);
    }
    auto again = branch.desk();
    const auto locked = engineer_signs_in(again, k_now + 100);
    CHECK(locked.outcome == SignInOutcome::locked);
    CHECK(locked.lock_ends_at == k_now + 1 + k_lock_seconds);
    // The state file holds counts and steps, never what was typed.
    const std::string text = read_text(branch.state);
    CHECK(text.find("11223345") == std::string::npos);
    CHECK(text.find(std::string(code_at(k_now_step).view())) == std::string::npos);
    CHECK((std::filesystem::status(branch.state).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
}

TEST_CASE("A damaged state file is kept aside and locks sign-in for 300 s from the next attempt") {
    Branch branch;
    using std::filesystem::perms;
    const std::vector<std::string> damaged{"failures = ", "failures = 0\n", "garbage\x01\x02",
                                           "failures = 0\nlock_ends_at = 0\n[last_used_step]\n"
                                           "\"1234\" = -5\n",
                                           "failures = 3\nlock_ends_at = 0\n[last_used_step]\n"};
    for (const auto& text : damaged) {
        INFO(text);
        write_private(branch.state, text);
        auto desk = branch.desk();
        CHECK(desk.starts_locked());
        CHECK(read_text(damaged_file_of(branch.state)) == text);
        const auto first = engineer_signs_in(desk, k_now);
        CHECK(first.outcome == SignInOutcome::locked);
        CHECK(first.reason == SignInReason::locked);
        CHECK(first.lock_ends_at == k_now + k_lock_seconds);
        // The lock is written down, so a restart does not lift it.
        auto restarted = branch.desk();
        CHECK_FALSE(restarted.starts_locked());
        CHECK(engineer_signs_in(restarted, k_now + 1).outcome == SignInOutcome::locked);
        CHECK(engineer_signs_in(restarted, k_now + k_lock_seconds, k_now_step + 10).outcome ==
              SignInOutcome::signed_in);
        std::filesystem::remove(branch.state);
    }
    // A state file others could have written is as good as damaged.
    write_private(branch.state, "failures = 0\nlock_ends_at = 0\n[last_used_step]\n");
    std::filesystem::permissions(branch.state,
                                 perms::owner_read | perms::owner_write | perms::others_write);
    auto desk = branch.desk();
    CHECK(engineer_signs_in(desk, k_now).outcome == SignInOutcome::locked);
}

TEST_CASE("Without readable accounts nobody signs in, and that is no failure towards the lock") {
    Branch branch;
    std::filesystem::permissions(branch.accounts, std::filesystem::perms::group_read,
                                 std::filesystem::perm_options::add);
    auto desk = branch.desk();
    for (int attempt = 0; attempt < 4; ++attempt) {
        const auto result = engineer_signs_in(desk, k_now);
        CHECK(result.outcome == SignInOutcome::unavailable);
        CHECK(result.reason == SignInReason::accounts_unreadable);
    }
    CHECK(desk.state().failures == 0);
    std::filesystem::permissions(branch.accounts, std::filesystem::perms::group_read,
                                 std::filesystem::perm_options::remove);
    CHECK(engineer_signs_in(desk, k_now).outcome == SignInOutcome::signed_in);
}

TEST_CASE("An engineer whose account is removed cannot sign in, without a restart") {
    Branch branch;
    auto desk = branch.desk();
    REQUIRE(engineer_signs_in(desk, k_now).outcome == SignInOutcome::signed_in);
    REQUIRE(remove_account(branch.accounts, "1234").has_value());
    CHECK(engineer_signs_in(desk, k_now + k_step_seconds, k_now_step + 1).reason ==
          SignInReason::unknown_id);
}

TEST_CASE("An enrolment adds its account only with the new secret's code, which cannot sign in") {
    Branch branch;
    auto desk = branch.desk();
    auto request = quick_request("2468", "24681357", EngineerRole::key_custodian);
    const auto prepared = prepare_account(request);
    REQUIRE(prepared.has_value());
    CHECK(prepared->secret.otpauth_uri.view().starts_with("otpauth://totp/Kiosk:2468?secret="));
    const std::string before = read_text(branch.accounts);

    // A wrong code adds nothing and counts towards no lock.
    for (int attempt = 0; attempt < 4; ++attempt) {
        CHECK(desk.enrol(prepared->account, base::SecretText("000000"), k_now) ==
              kiosk::core::AccountsOutcome::wrong_code);
    }
    CHECK(read_text(branch.accounts) == before);
    CHECK(desk.state().failures == 0);

    CHECK(desk.enrol(prepared->account, code_at(k_now_step), k_now) ==
          kiosk::core::AccountsOutcome::done);
    CHECK(list_accounts(branch.accounts)->back() ==
          AccountSummary{"2468", EngineerRole::key_custodian});
    // The code that proved the app cannot sign in; the next step's can.
    CHECK(desk.sign_in("2468", base::SecretText("24681357"), code_at(k_now_step), k_now).reason ==
          SignInReason::code_reused);
    CHECK(desk.sign_in("2468", base::SecretText("24681357"), code_at(k_now_step + 1),
                       k_now + k_step_seconds)
              .outcome == SignInOutcome::signed_in);
    // The same account again is an id taken.
    CHECK(desk.enrol(prepared->account, code_at(k_now_step + 2), k_now + 2 * k_step_seconds) ==
          kiosk::core::AccountsOutcome::duplicate_id);
}

TEST_CASE("The state file round-trips what the desk keeps") {
    const SignInState state{.failures = 2,
                            .lock_ends_at = 1'764'800'300,
                            .last_used_steps = {{"1234", 58'826'667}, {"87654321", 3}}};
    CHECK(parse_state(state_text(state), "state.toml") == state);
    CHECK(parse_state(state_text(SignInState{}), "state.toml") == SignInState{});
    const auto unknown = parse_state(state_text(state) + "admin = true\n", "state.toml");
    REQUIRE_FALSE(unknown.has_value());
    CHECK(unknown.error().code == AccessError::bad_state);
}
