#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "drivers/otp/otp.h"
#include "kiosk/access/accounts.h"
#include "kiosk/access/private_file.h"
#include "kiosk/core/print_document.h"
#include "tests/kiosk/access/access_test_support.h"

using namespace kiosk::access;
using kiosk::access::testing::EngineerTable;
using kiosk::access::testing::quick_request;
using kiosk::access::testing::read_text;
using kiosk::access::testing::TemporaryFolder;
using kiosk::access::testing::write_private;
using kiosk::core::EngineerRole;

namespace {

constexpr auto k_owner_only =
    std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;

// A valid hash text at the lowest count (its password is of no interest here).
std::string some_hash_text() {
    return to_text(hash_password(base::SecretText("12345678"), k_minimum_iterations).value());
}

}  // namespace

TEST_CASE("Accounts added to a new file are listed with id and role only, in a private file") {
    TemporaryFolder folder;
    const auto file = folder.path() / "engineers.toml";
    REQUIRE(add_account(file, quick_request("1234", "11223344")).has_value());
    REQUIRE(add_account(file,
                        quick_request("87654321", "5566778899001122", EngineerRole::administrator))
                .has_value());
    REQUIRE(add_account(file, quick_request("5050", "99990000", EngineerRole::key_custodian))
                .has_value());

    const auto listed = list_accounts(file);
    REQUIRE(listed.has_value());
    CHECK(*listed == std::vector<AccountSummary>{{"1234", EngineerRole::engineer},
                                                 {"87654321", EngineerRole::administrator},
                                                 {"5050", EngineerRole::key_custodian}});
    CHECK((std::filesystem::status(file).permissions() & std::filesystem::perms::all) ==
          k_owner_only);
    const std::string text = read_text(file);
    CHECK(text.find("11223344") == std::string::npos);
    CHECK(text.find("5566778899001122") == std::string::npos);
    CHECK(text.find("pbkdf2-sha256$1000$") != std::string::npos);

    const auto loaded = load_accounts(file);
    REQUIRE(loaded.has_value());
    REQUIRE(loaded->size() == 3);
    CHECK(verify_password((*loaded)[1].password, base::SecretText("5566778899001122")) == true);
    CHECK((*loaded)[0].otp_secret == testing::rfc6238_secret());
    CHECK((*loaded)[0].otp.digits == 6);
    CHECK((*loaded)[0].otp.algorithm == drivers::otp::OtpAlgorithm::sha1);
}

TEST_CASE("A new account's secret is given once, as Base32 and as an otpauth URI for the app") {
    TemporaryFolder folder;
    const auto file = folder.path() / "engineers.toml";
    const auto given = add_account(file, quick_request("1234", "11223344"));
    REQUIRE(given.has_value());
    CHECK(given->account == AccountSummary{"1234", EngineerRole::engineer});
    CHECK(given->otp_secret_base32.view() == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    CHECK(given->otpauth_uri.view() ==
          "otpauth://totp/Kiosk:1234?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Kiosk"
          "&algorithm=SHA1&digits=6&period=30");

    auto random_request = quick_request("2345", "11223344");
    random_request.otp_secret.reset();
    random_request.otp_digits = 8;
    random_request.otp_algorithm = drivers::otp::OtpAlgorithm::sha256;
    const auto first = add_account(file, random_request);
    random_request.id = "3456";
    const auto second = add_account(file, random_request);
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    // 20 random bytes are 32 Base32 characters with no padding.
    CHECK(first->otp_secret_base32.size() == 32);
    CHECK(first->otp_secret_base32 != second->otp_secret_base32);
    CHECK(first->otpauth_uri.view().ends_with("&algorithm=SHA256&digits=8&period=30"));
    const auto loaded = load_accounts(file);
    REQUIRE(loaded.has_value());
    CHECK((*loaded)[1].otp_secret ==
          drivers::otp::from_base32(first->otp_secret_base32.view()).value());
    CHECK((*loaded)[1].otp.digits == 8);
}

TEST_CASE("Adding refuses a taken id, a bad id or password, bad digits and a short secret") {
    TemporaryFolder folder;
    const auto file = folder.path() / "engineers.toml";
    REQUIRE(add_account(file, quick_request("1234", "11223344")).has_value());
    const std::string before = read_text(file);

    const auto code_of = [&](const NewAccountRequest& request) {
        const auto added = add_account(file, request);
        REQUIRE_FALSE(added.has_value());
        return added.error().code;
    };
    CHECK(code_of(quick_request("1234", "55667788")) == AccessError::duplicate_id);
    for (const std::string id : {"", "123", "123456789", "12a4", " 1234", "１２３４"}) {
        INFO(id);
        CHECK(code_of(quick_request(id, "55667788")) == AccessError::bad_id);
    }
    for (const std::string password : {"", "1234567", "12345678901234567", "1234567a"}) {
        INFO(password);
        CHECK(code_of(quick_request("2345", password)) == AccessError::bad_password);
    }
    auto request = quick_request("2345", "55667788");
    request.otp_digits = 7;
    CHECK(code_of(request) == AccessError::bad_otp_digits);
    request = quick_request("2345", "55667788");
    request.otp_secret = base::Bytes(15, 0x42);
    CHECK(code_of(request) == AccessError::bad_otp_secret);
    request.otp_secret = base::Bytes(drivers::otp::k_max_secret_length + 1, 0x42);
    CHECK(code_of(request) == AccessError::bad_otp_secret);
    CHECK(read_text(file) == before);
}

TEST_CASE("Removing an account leaves the others and keeps the file it replaced as .previous") {
    TemporaryFolder folder;
    const auto file = folder.path() / "engineers.toml";
    REQUIRE(add_account(file, quick_request("1234", "11223344")).has_value());
    REQUIRE(add_account(file, quick_request("2345", "11223344")).has_value());
    const std::string before = read_text(file);

    REQUIRE(remove_account(file, "1234").has_value());
    CHECK(list_accounts(file) == std::vector<AccountSummary>{{"2345", EngineerRole::engineer}});
    CHECK(read_text(previous_file_of(file)) == before);
    CHECK((std::filesystem::status(previous_file_of(file)).permissions() &
           std::filesystem::perms::all) == k_owner_only);
    CHECK_FALSE(std::filesystem::exists(new_file_of(file)));

    const auto again = remove_account(file, "1234");
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().code == AccessError::unknown_id);
    REQUIRE(remove_account(file, "2345").has_value());
    CHECK(list_accounts(file) == std::vector<AccountSummary>{});
}

TEST_CASE("A prepared account is in no file until it is added, and its id is checked then") {
    TemporaryFolder folder;
    const auto file = folder.path() / "engineers.toml";
    REQUIRE(add_account(file, quick_request("1234", "11223344")).has_value());
    const std::string before = read_text(file);
    auto request = quick_request("2345", "22334455", EngineerRole::administrator);
    request.otp_secret.reset();
    const auto prepared = prepare_account(request);
    REQUIRE(prepared.has_value());
    CHECK(prepared->account.otp_secret.size() == k_new_otp_secret_length);
    CHECK(prepared->secret.account == AccountSummary{"2345", EngineerRole::administrator});
    CHECK(prepared->secret.otp_secret_base32.view() ==
          drivers::otp::to_base32(prepared->account.otp_secret));
    CHECK(read_text(file) == before);

    REQUIRE(add_prepared_account(file, prepared->account).has_value());
    CHECK(list_accounts(file) ==
          std::vector<AccountSummary>{{"1234", EngineerRole::engineer},
                                      {"2345", EngineerRole::administrator}});
    const auto again = add_prepared_account(file, prepared->account);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().code == AccessError::duplicate_id);
    CHECK(accounts_outcome(again.error().code) == kiosk::core::AccountsOutcome::duplicate_id);
    // The longest staff number's URI with a new secret fits one slip's QR code.
    auto longest = quick_request("12345678", "22334455");
    longest.otp_secret.reset();
    const auto uri = prepare_account(longest)->secret.otpauth_uri;
    CHECK(uri.size() <= kiosk::core::k_maximum_qr_bytes);
    // A bad request is refused before any hash is made.
    CHECK(prepare_account(quick_request("12", "22334455")).error().code == AccessError::bad_id);
}

TEST_CASE("The last administrator's account is never removed; one of two may be") {
    TemporaryFolder folder;
    const auto file = folder.path() / "engineers.toml";
    REQUIRE(add_account(file, quick_request("1234", "11223344", EngineerRole::administrator))
                .has_value());
    REQUIRE(add_account(file, quick_request("2345", "11223344", EngineerRole::administrator))
                .has_value());
    REQUIRE(add_account(file, quick_request("3456", "11223344")).has_value());

    REQUIRE(remove_account(file, "1234").has_value());
    const std::string before = read_text(file);
    const auto last = remove_account(file, "2345");
    REQUIRE_FALSE(last.has_value());
    CHECK(last.error().code == AccessError::last_administrator);
    CHECK(read_text(file) == before);
    REQUIRE(remove_account(file, "3456").has_value());
    CHECK(list_accounts(file) ==
          std::vector<AccountSummary>{{"2345", EngineerRole::administrator}});
}

TEST_CASE("Saving replaces a half-written copy left by a crash, and a failed save keeps the file") {
    TemporaryFolder folder;
    const auto file = folder.path() / "engineers.toml";
    REQUIRE(add_account(file, quick_request("1234", "11223344")).has_value());
    // A crash between writing NAME.new and renaming it leaves NAME whole and NAME.new behind.
    write_private(new_file_of(file), "[[engineer]]\nid = \"99");
    CHECK(list_accounts(file)->size() == 1);
    REQUIRE(add_account(file, quick_request("2345", "11223344")).has_value());
    CHECK(list_accounts(file)->size() == 2);
    CHECK_FALSE(std::filesystem::exists(new_file_of(file)));

    const auto nowhere = folder.path() / "missing-folder" / "engineers.toml";
    const auto failed = add_account(nowhere, quick_request("1234", "11223344"));
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().code == AccessError::write_failed);
}

TEST_CASE("An accounts file that group or others may read or write is refused, as is none") {
    TemporaryFolder folder;
    const auto file = folder.path() / "engineers.toml";
    REQUIRE(add_account(file, quick_request("1234", "11223344")).has_value());
    using std::filesystem::perms;
    for (const perms extra :
         {perms::group_read, perms::group_write, perms::others_read, perms::others_write}) {
        std::filesystem::permissions(file, k_owner_only | extra,
                                     std::filesystem::perm_options::replace);
        const auto loaded = load_accounts(file);
        REQUIRE_FALSE(loaded.has_value());
        CHECK(loaded.error().code == AccessError::file_not_private);
        CHECK(loaded.error().context.find("chmod 600") != std::string::npos);
        // Nor is it extended by an add.
        const auto added = add_account(file, quick_request("2345", "11223344"));
        REQUIRE_FALSE(added.has_value());
        CHECK(added.error().code == AccessError::file_not_private);
    }
    std::filesystem::permissions(file, k_owner_only, std::filesystem::perm_options::replace);
    CHECK(load_accounts(file).has_value());

    const auto missing = load_accounts(folder.path() / "none.toml");
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().code == AccessError::file_unreadable);
    const auto folder_itself = load_accounts(folder.path());
    REQUIRE_FALSE(folder_itself.has_value());
    CHECK(folder_itself.error().code == AccessError::file_unreadable);

    write_private(file, std::string(k_max_private_file_size + 1, '#'));
    const auto large = load_accounts(file);
    REQUIRE_FALSE(large.has_value());
    CHECK(large.error().code == AccessError::file_too_large);
}

TEST_CASE("Each fault in an accounts file is refused by name with its line, never its value") {
    const std::string hash = some_hash_text();
    const EngineerTable base_table{.password = "\"" + hash + "\""};
    const auto with = [&](auto change) {
        EngineerTable table = base_table;
        change(table);
        return table.text();
    };
    const std::string good = base_table.text();
    REQUIRE(parse_accounts(good, "engineers.toml").has_value());
    REQUIRE(parse_accounts("", "engineers.toml")->empty());

    // The text, the error and the line it names.
    const std::vector<std::tuple<std::string, AccessError, int>> faults{
        {"[[engineer]\n", AccessError::bad_toml, 1},
        {good + "id = \"1235\"\n", AccessError::bad_toml, 8},
        {"title = \"x\"\n" + good, AccessError::unknown_key, 1},
        {good + "shell = \"/bin/sh\"\n", AccessError::unknown_key, 8},
        {"engineer = 5\n", AccessError::missing_field, 1},
        {"[engineer]\nid = \"1234\"\n", AccessError::missing_field, 1},
        {"\n[[engineer]]\nid = \"1234\"\nrole = \"engineer\"\n", AccessError::missing_field, 2},
        {with([](auto& t) { t.id = "1234"; }), AccessError::missing_field, 2},
        {with([](auto& t) { t.id = "\"123\""; }), AccessError::bad_id, 2},
        {with([](auto& t) { t.id = "\"12a45\""; }), AccessError::bad_id, 2},
        {good + "\n" + good, AccessError::duplicate_id, 10},
        {with([](auto& t) { t.role = "\"root\""; }), AccessError::bad_role, 3},
        {with([](auto& t) { t.password = "\"pbkdf2-sha256$1000$AAAA$AAAA\""; }),
         AccessError::bad_password_hash, 4},
        {with([](auto& t) { t.otp_secret = "\"GEZDGNBVGY3TQOJQ\""; }), AccessError::bad_otp_secret,
         5},
        {with([](auto& t) { t.otp_secret = "\"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1\""; }),
         AccessError::bad_otp_secret, 5},
        {with([](auto& t) { t.otp_algorithm = "\"md5\""; }), AccessError::bad_otp_algorithm, 6},
        {with([](auto& t) { t.otp_digits = "7"; }), AccessError::bad_otp_digits, 7},
        {with([](auto& t) { t.otp_digits = "\"6\""; }), AccessError::missing_field, 7},
    };
    for (const auto& [text, code, line] : faults) {
        INFO(text);
        const auto parsed = parse_accounts(text, "engineers.toml");
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error().code == code);
        CHECK(parsed.error().context.starts_with("engineers.toml:" + std::to_string(line) + ":"));
        CHECK(parsed.error().context.find(hash) == std::string::npos);
        CHECK(parsed.error().context.find("GEZDGNBV") == std::string::npos);
    }
}
