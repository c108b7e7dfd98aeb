#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "drivers/otp/otp.h"
#include "kiosk/access/accounts.h"
#include "kiosk/access/sign_in_desk.h"
#include "tests/kiosk/diag/diag_program.h"

using kiosk::diag::testing::diag;
using kiosk::diag::testing::diag_with_input;
using kiosk::store::testing::TemporaryFolder;

namespace {

// RFC 6238 Appendix B's SHA-1 secret, "12345678901234567890", in hexadecimal and Base32.
constexpr const char* k_secret_hex = "3132333435363738393031323334353637383930";
constexpr const char* k_secret_base32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

std::string quoted(const std::filesystem::path& path) {
    return "'" + path.string() + "'";
}

nlohmann::json json_of(const kiosk::diag::testing::Run& run) {
    INFO(run.output);
    REQUIRE(nlohmann::json::accept(run.output));
    return nlohmann::json::parse(run.output);
}

}  // namespace

TEST_CASE("engineer add takes the password on stdin and gives the new secret once, to sign in") {
    TemporaryFolder folder;
    const auto accounts = folder.path() / "engineers.toml";
    const auto run =
        diag_with_input("engineer add --accounts " + quoted(accounts) +
                            " --id 1234 --role key_custodian --secret-hex " + k_secret_hex,
                        "20261204\n");
    REQUIRE(run.status == 0);
    const auto added = json_of(run);
    CHECK(added ==
          nlohmann::json{
              {"id", "1234"},
              {"role", "key_custodian"},
              {"otp_secret", k_secret_base32},
              {"otpauth_uri", std::string("otpauth://totp/Kiosk:1234?secret=") + k_secret_base32 +
                                  "&issuer=Kiosk&algorithm=SHA1&digits=6&period=30"}});
    CHECK((std::filesystem::status(accounts).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));

    // The account signs in at the desk with that password and the secret's code.
    kiosk::access::SignInDesk desk(accounts, folder.path() / "state.toml");
    const std::int64_t now = 1'764'800'000;
    const auto secret = drivers::otp::from_base32(k_secret_base32).value();
    const auto code = drivers::otp::totp(secret, now).value();
    const auto result =
        desk.sign_in("1234", base::SecretText("20261204"), base::SecretText(code), now);
    CHECK(result.outcome == kiosk::core::SignInOutcome::signed_in);
    CHECK(result.role == kiosk::core::EngineerRole::key_custodian);
}

TEST_CASE("engineer add without a secret makes a random one, different for each engineer") {
    TemporaryFolder folder;
    const auto accounts = folder.path() / "engineers.toml";
    const auto first = diag_with_input(
        "engineer add --role engineer --id 1111 --accounts " + quoted(accounts), "11112222");
    const auto second = diag_with_input(
        "engineer add --accounts " + quoted(accounts) + " --id 2222 --role administrator",
        "33334444\n");
    REQUIRE(first.status == 0);
    REQUIRE(second.status == 0);
    const std::string first_secret = json_of(first)["otp_secret"];
    const std::string second_secret = json_of(second)["otp_secret"];
    // 20 random bytes (RFC 4226 §4 R6's recommended 160 bits) are 32 Base32 characters.
    CHECK(first_secret.size() == 32);
    CHECK(drivers::otp::from_base32(first_secret).has_value());
    CHECK(first_secret != second_secret);
    const auto listed = diag("engineer list --accounts " + quoted(accounts));
    REQUIRE(listed.status == 0);
    CHECK(json_of(listed) == nlohmann::json::parse(R"({"engineers":[
        {"id":"1111","role":"engineer"},{"id":"2222","role":"administrator"}]})"));
    CHECK(listed.output.find(first_secret) == std::string::npos);
    CHECK(listed.output.find("pbkdf2") == std::string::npos);
}

TEST_CASE("engineer add refuses unusable arguments and passwords with exit 2, adding nothing") {
    TemporaryFolder folder;
    const auto accounts = folder.path() / "engineers.toml";
    const std::string base = "engineer add --accounts " + quoted(accounts);
    const std::string good = base + " --id 1234 --role engineer";
    for (const auto& [arguments, input] : std::vector<std::pair<std::string, std::string>>{
             {good, ""},
             {good, "\n"},
             {good, "1234567\n"},
             {good, "12345678901234567\n"},
             {good, "1234abcd\n"},
             {good + " --password 12345678", "12345678\n"},
             {good + " --id 2345", "12345678\n"},
             {good + " --secret-hex", "12345678\n"},
             {good + " --secret-hex 3G", "12345678\n"},
             {good + " --secret-hex 31323334", "12345678\n"},
             {good + " extra", "12345678\n"},
             {base + " --id 123 --role engineer", "12345678\n"},
             {base + " --id 1234 --role root", "12345678\n"},
             {base + " --id 1234", "12345678\n"},
             {"engineer add --id 1234 --role engineer", "12345678\n"},
         }) {
        INFO(arguments << " < " << input);
        const auto run = diag_with_input(arguments, input);
        CHECK(run.status == 2);
        CHECK(run.output.find("otp_secret") == std::string::npos);
    }
    CHECK_FALSE(std::filesystem::exists(accounts));

    REQUIRE(diag_with_input(good, "12345678\n").status == 0);
    const auto again = diag_with_input(good, "87654321\n");
    CHECK(again.status == 2);
    const auto refusal = json_of(again);
    CHECK(refusal["valid"] == false);
    CHECK(refusal["error"].get<std::string>().find("same id") != std::string::npos);
}

TEST_CASE("engineer remove takes an engineer's account away, and list then leaves it out") {
    TemporaryFolder folder;
    const auto accounts = folder.path() / "engineers.toml";
    REQUIRE(diag_with_input("engineer add --accounts " + quoted(accounts) +
                                " --id 1234 --role engineer --secret-hex " + k_secret_hex,
                            "12345678\n")
                .status == 0);
    const auto removed = diag("engineer remove --accounts " + quoted(accounts) + " --id 1234");
    REQUIRE(removed.status == 0);
    CHECK(json_of(removed) == nlohmann::json{{"removed", "1234"}});
    CHECK(json_of(diag("engineer list --accounts " + quoted(accounts))) ==
          nlohmann::json::parse(R"({"engineers":[]})"));
    CHECK(std::filesystem::exists(accounts.string() + ".previous"));

    const auto unknown = diag("engineer remove --accounts " + quoted(accounts) + " --id 1234");
    CHECK(unknown.status == 2);
    CHECK(json_of(unknown)["valid"] == false);
    CHECK(diag("engineer remove --accounts " + quoted(accounts) + " --id x").status == 2);
    CHECK(diag("engineer remove --accounts " + quoted(accounts)).status == 2);
}

TEST_CASE("engineer list refuses a missing accounts file, and one others may read") {
    TemporaryFolder folder;
    const auto accounts = folder.path() / "engineers.toml";
    const auto missing = diag("engineer list --accounts " + quoted(accounts));
    CHECK(missing.status == 2);
    CHECK(json_of(missing)["valid"] == false);

    std::ofstream(accounts) << "";
    std::filesystem::permissions(accounts,
                                 std::filesystem::perms::owner_read |
                                     std::filesystem::perms::owner_write |
                                     std::filesystem::perms::others_read,
                                 std::filesystem::perm_options::replace);
    const auto shared = diag("engineer list --accounts " + quoted(accounts));
    CHECK(shared.status == 2);
    CHECK(json_of(shared)["error"].get<std::string>().find("chmod 600") != std::string::npos);
    CHECK(diag("engineer list --accounts " + quoted(accounts) + " --id 1234").status == 2);
}
