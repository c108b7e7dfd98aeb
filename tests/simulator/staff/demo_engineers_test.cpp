#include <toml++/toml.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "drivers/otp/otp.h"
#include "simulator/staff/demo_engineers.h"

using simulator::staff::DemoEngineers;
using simulator::staff::StaffError;

namespace {

const std::filesystem::path k_demo_file =
    std::filesystem::path(KIOSK_SOURCE_DIR) / "simulator/staff/demo-engineers.toml";

// A well-formed hash text of kiosk/access (16 bytes of salt, 32 of hash, in padded Base64).
constexpr std::string_view k_hash =
    "pbkdf2-sha256$600000$AAECAwQFBgcICQoLDA0ODw==$ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
// RFC 6238 Appendix B's seeds in Base32 (RFC 4648 §6): "1234567890" repeated to 20, 32 and 64
// bytes for SHA-1, SHA-256 and SHA-512.
constexpr std::string_view k_rfc_seed_sha1 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
constexpr std::string_view k_rfc_seed_sha256 =
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA====";
constexpr std::string_view k_rfc_seed_sha512 =
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3T"
    "QOJQGEZDGNA=";

// One [[engineer]] table; `replace` swaps one line (by its key) for another, or drops it.
std::string engineer(std::string id = "1001", std::string key = {}, std::string line = {}) {
    const std::vector<std::pair<std::string, std::string>> lines = {
        {"id", "id = \"" + id + "\""},
        {"role", "role = \"engineer\""},
        {"password", "password = \"48203716\""},
        {"password_hash", "password_hash = \"" + std::string(k_hash) + "\""},
        {"otp_secret", "otp_secret = \"" + std::string(k_rfc_seed_sha1) + "\""},
        {"otp_algorithm", "otp_algorithm = \"sha1\""},
        {"otp_digits", "otp_digits = 8"},
    };
    std::string text = "[[engineer]]\n";
    for (const auto& [name, text_line] : lines) {
        if (name == key) {
            if (!line.empty()) {
                text += line + "\n";
            }
        } else {
            text += text_line + "\n";
        }
    }
    return text;
}

StaffError refusal(const std::string& text) {
    auto parsed = DemoEngineers::parse(text, "staff.toml");
    REQUIRE_FALSE(parsed.has_value());
    return parsed.error().code;
}

struct TemporaryFolder {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() /
        ("staff-test-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    TemporaryFolder() { std::filesystem::create_directories(path); }
    ~TemporaryFolder() { std::filesystem::remove_all(path); }
};

std::string read_text(const std::filesystem::path& file) {
    std::ifstream stream(file, std::ios::binary);
    std::ostringstream text;
    text << stream.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE(
    "The branch's demo engineers are an engineer, two key custodians (dual control) and an "
    "administrator") {
    auto engineers = DemoEngineers::load(k_demo_file);
    REQUIRE(engineers.has_value());
    std::set<std::string> roles;
    for (const auto& one : engineers->engineers()) {
        roles.insert(one.role);
        CHECK(one.password.size() >= 8);
        CHECK(one.password.size() <= 16);
        // Made by kiosk-diag engineer add: kiosk/access's default count.
        CHECK(one.password_hash.starts_with("pbkdf2-sha256$600000$"));
    }
    CHECK(roles == std::set<std::string>{"engineer", "key_custodian", "administrator"});
    REQUIRE(engineers->find("1001") != nullptr);
    CHECK(engineers->find("1001")->role == "engineer");
    REQUIRE(engineers->find("2001") != nullptr);
    CHECK(engineers->find("2001")->role == "key_custodian");
    REQUIRE(engineers->find("2002") != nullptr);
    CHECK(engineers->find("2002")->role == "key_custodian");
    REQUIRE(engineers->find("3001") != nullptr);
    CHECK(engineers->find("3001")->role == "administrator");
    CHECK(engineers->find("9999") == nullptr);
}

TEST_CASE("A code is the one RFC 6238 Appendix B gives for its time, hash and digits") {
    const std::string file =
        engineer("1001") +
        engineer("1002", "otp_secret", "otp_secret = \"" + std::string(k_rfc_seed_sha256) + "\"") +
        engineer("1003", "otp_secret", "otp_secret = \"" + std::string(k_rfc_seed_sha512) + "\"");
    std::string text = file;
    // The second and third engineers use SHA-256 and SHA-512.
    const auto second = text.find("otp_algorithm = \"sha1\"", text.find("1002"));
    text.replace(second, 22, "otp_algorithm = \"sha256\"");
    const auto third = text.find("otp_algorithm = \"sha1\"", text.find("1003"));
    text.replace(third, 22, "otp_algorithm = \"sha512\"");
    auto engineers = DemoEngineers::parse(text, "staff.toml");
    REQUIRE(engineers.has_value());
    const auto code = [&](std::string_view id, std::int64_t time) {
        auto made = engineers->one_time_code(id, time);
        REQUIRE(made.has_value());
        return std::string(made->view());
    };
    CHECK(code("1001", 59) == "94287082");
    CHECK(code("1002", 59) == "46119246");
    CHECK(code("1003", 59) == "90693936");
    CHECK(code("1001", 1111111109) == "07081804");
    CHECK(code("1002", 1111111109) == "68084774");
    CHECK(code("1003", 1111111109) == "25091201");
    CHECK(code("1001", 20000000000) == "65353130");
    // The same step, the same code: 30-second steps from 0 (RFC 6238 §4.1).
    CHECK(code("1001", 1111111080) == code("1001", 1111111109));
    CHECK(code("1001", 1111111110) != code("1001", 1111111109));
}

TEST_CASE("A demo engineer's code is what drivers/otp makes of their secret, six digits") {
    auto engineers = DemoEngineers::load(k_demo_file);
    REQUIRE(engineers.has_value());
    for (const auto& one : engineers->engineers()) {
        auto secret = drivers::otp::from_base32(one.otp_secret);
        REQUIRE(secret.has_value());
        for (const std::int64_t time : {59L, 1'764'806'400L, 1'764'806'431L}) {
            auto made = engineers->one_time_code(one.id, time);
            REQUIRE(made.has_value());
            auto expected = drivers::otp::totp(
                *secret, time, {.digits = one.otp_digits, .algorithm = one.otp_algorithm});
            REQUIRE(expected.has_value());
            CHECK(made->view() == *expected);
            CHECK(made->size() == 6);
        }
    }
}

TEST_CASE("An unknown engineer has neither a code nor a password") {
    auto engineers = DemoEngineers::parse(engineer("1001"), "staff.toml");
    REQUIRE(engineers.has_value());
    auto code = engineers->one_time_code("1002", 59);
    REQUIRE_FALSE(code.has_value());
    CHECK(code.error().code == StaffError::unknown_engineer);
    auto password = engineers->password("1002");
    REQUIRE_FALSE(password.has_value());
    CHECK(password.error().code == StaffError::unknown_engineer);
    auto known = engineers->password("1001");
    REQUIRE(known.has_value());
    CHECK(known->view() == "48203716");
}

TEST_CASE("A scanned set-up slip gives the app the account's codes; any other QR code none") {
    auto engineers = DemoEngineers::parse(engineer("1001"), "staff.toml");
    REQUIRE(engineers.has_value());
    // RFC 6238 Appendix B's SHA-1 secret, "12345678901234567890", in Base32 without padding.
    const std::string uri =
        "otpauth://totp/Kiosk:5005?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        "&issuer=Kiosk&algorithm=SHA1&digits=8&period=30";
    CHECK_FALSE(engineers->add_scanned("TICKET A023 1", "5005"));
    CHECK_FALSE(engineers->add_scanned(uri, "5006"));
    CHECK_FALSE(engineers->add_scanned("otpauth://totp/Kiosk:5005?secret=not-base32", "5005"));
    REQUIRE(engineers->add_scanned(uri, "5005"));
    // RFC 6238 Appendix B: T = 59 s, SHA-1, 8 digits.
    const auto code = engineers->one_time_code("5005", 59);
    REQUIRE(code.has_value());
    CHECK(code->view() == "94287082");
    CHECK_FALSE(engineers->add_scanned(uri, "5005"));
}

TEST_CASE("A code for a time before 1970 is refused, not made") {
    auto engineers = DemoEngineers::parse(engineer("1001"), "staff.toml");
    REQUIRE(engineers.has_value());
    auto code = engineers->one_time_code("1001", -1);
    REQUIRE_FALSE(code.has_value());
    CHECK(code.error().code == StaffError::code_failed);
}

TEST_CASE("Every fault of the demo engineers' file is refused by name, naming its line") {
    CHECK(refusal("[[engineer]\nid = 1") == StaffError::bad_toml);
    CHECK(refusal("") == StaffError::no_engineers);
    CHECK(refusal("engineer = []\n") == StaffError::no_engineers);
    CHECK(refusal("title = \"x\"\n" + engineer()) == StaffError::unknown_key);
    CHECK(refusal(engineer("1001", "role", "role = \"engineer\"\nbadge = \"7\"")) ==
          StaffError::unknown_key);
    CHECK(refusal("engineer = \"1001\"\n") == StaffError::missing_field);
    CHECK(refusal(engineer("1001", "role")) == StaffError::missing_field);
    CHECK(refusal(engineer("1001", "otp_digits", "otp_digits = \"6\"")) ==
          StaffError::missing_field);
    CHECK(refusal(engineer("1001", "id", "id = 1001")) == StaffError::missing_field);
    CHECK(refusal(engineer("123")) == StaffError::bad_id);
    CHECK(refusal(engineer("123456789")) == StaffError::bad_id);
    CHECK(refusal(engineer("10a1")) == StaffError::bad_id);
    CHECK(refusal(engineer("1001") + engineer("1001")) == StaffError::duplicate_id);
    CHECK(refusal(engineer("1001", "role", "role = \"janitor\"")) == StaffError::bad_role);
    CHECK(refusal(engineer("1001", "password", "password = \"1234567\"")) ==
          StaffError::bad_password);
    CHECK(refusal(engineer("1001", "password", "password = \"12345678901234567\"")) ==
          StaffError::bad_password);
    CHECK(refusal(engineer("1001", "password", "password = \"1234abcd\"")) ==
          StaffError::bad_password);
    CHECK(refusal(engineer("1001", "password_hash", "password_hash = \"48203716\"")) ==
          StaffError::bad_password_hash);
    CHECK(refusal(engineer("1001", "password_hash",
                           "password_hash = \"pbkdf2-sha1$600000$AAECAwQFBgcICQoLDA0ODw==$"
                           "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\"")) ==
          StaffError::bad_password_hash);
    CHECK(refusal(engineer("1001", "password_hash",
                           "password_hash = \"pbkdf2-sha256$0600000$AAECAwQFBgcICQoLDA0ODw==$"
                           "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\"")) ==
          StaffError::bad_password_hash);
    CHECK(refusal(engineer("1001", "password_hash",
                           "password_hash = \"pbkdf2-sha256$600000$AAECAwQFBgcICQoLDA0ODw==\"")) ==
          StaffError::bad_password_hash);
    CHECK(refusal(engineer("1001", "password_hash",
                           "password_hash = \"pbkdf2-sha256$600000$AAECAwQFBgcICQoLDA0O!w==$"
                           "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\"")) ==
          StaffError::bad_password_hash);
    CHECK(refusal(engineer("1001", "otp_secret", "otp_secret = \"GEZDGNBV1\"")) ==
          StaffError::bad_otp_secret);
    // Ten bytes: fewer than RFC 4226 §4 R6's 128 bits.
    CHECK(refusal(engineer("1001", "otp_secret", "otp_secret = \"GEZDGNBVGY3TQOJQ\"")) ==
          StaffError::bad_otp_secret);
    CHECK(refusal(engineer("1001", "otp_algorithm", "otp_algorithm = \"md5\"")) ==
          StaffError::bad_otp_algorithm);
    CHECK(refusal(engineer("1001", "otp_digits", "otp_digits = 7")) == StaffError::bad_otp_digits);
}

TEST_CASE("A refusal names the line and the engineer, never the password or its hash") {
    auto parsed = DemoEngineers::parse(
        engineer("1001") + engineer("1002", "password_hash", "password_hash = \"48203716x\""),
        "staff.toml");
    REQUIRE_FALSE(parsed.has_value());
    const std::string message = base::to_string(parsed.error());
    CHECK(message.find("staff.toml:13") != std::string::npos);
    CHECK(message.find("1002") != std::string::npos);
    CHECK(message.find("48203716") == std::string::npos);
    auto password =
        DemoEngineers::parse(engineer("1001", "password", "password = \"4820371\""), "staff.toml");
    REQUIRE_FALSE(password.has_value());
    CHECK(base::to_string(password.error()).find("4820371") == std::string::npos);
    auto toml = DemoEngineers::parse("[[engineer]]\npassword = 48203716x\n", "staff.toml");
    REQUIRE_FALSE(toml.has_value());
    CHECK(toml.error().code == StaffError::bad_toml);
    CHECK(base::to_string(toml.error()).find("48203716") == std::string::npos);
}

TEST_CASE("A missing demo engineers' file is refused by name") {
    TemporaryFolder folder;
    auto loaded = DemoEngineers::load(folder.path / "none.toml");
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error().code == StaffError::file_unreadable);
}

TEST_CASE("The kiosk's accounts file holds each engineer's hash, secret and code form, privately") {
    auto engineers = DemoEngineers::load(k_demo_file);
    REQUIRE(engineers.has_value());
    TemporaryFolder folder;
    const auto file = folder.path / "engineers.toml";
    // A file left world-readable by someone else is replaced by a private one.
    std::ofstream(file) << "old\n";
    std::filesystem::permissions(file, std::filesystem::perms::all);
    REQUIRE(engineers->write_accounts_file(file).has_value());
    CHECK(std::filesystem::status(file).permissions() ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    CHECK_FALSE(std::filesystem::exists(folder.path / "engineers.toml.new"));

    const std::string text = read_text(file);
    toml::table document = toml::parse(text);
    CHECK(document.size() == 1);
    const toml::array* tables = document["engineer"].as_array();
    REQUIRE(tables != nullptr);
    REQUIRE(tables->size() == engineers->engineers().size());
    for (std::size_t index = 0; index < tables->size(); ++index) {
        const toml::table& table = *tables->get(index)->as_table();
        const auto& one = engineers->engineers()[index];
        // Only the keys kiosk/access reads (kiosk/access/README.md, "The accounts file").
        std::set<std::string> keys;
        for (auto&& [key, node] : table) {
            keys.insert(std::string(key.str()));
        }
        CHECK(keys == std::set<std::string>{"id", "role", "password", "otp_secret", "otp_algorithm",
                                            "otp_digits"});
        CHECK(table["id"].value_or(std::string()) == one.id);
        CHECK(table["role"].value_or(std::string()) == one.role);
        // The hash text, copied: never the password, never hashed again.
        CHECK(table["password"].value_or(std::string()) == one.password_hash);
        CHECK(table["otp_secret"].value_or(std::string()) == one.otp_secret);
        CHECK(table["otp_algorithm"].value_or(std::string()) == "sha1");
        CHECK(table["otp_digits"].value_or(std::int64_t{0}) == one.otp_digits);
        CHECK(text.find("\"" + std::string(one.password.view()) + "\"") == std::string::npos);
    }
}

TEST_CASE("An accounts file that cannot be written is refused by name") {
    auto engineers = DemoEngineers::parse(engineer("1001"), "staff.toml");
    REQUIRE(engineers.has_value());
    TemporaryFolder folder;
    auto written = engineers->write_accounts_file(folder.path / "no-such-folder" / "e.toml");
    REQUIRE_FALSE(written.has_value());
    CHECK(written.error().code == StaffError::write_failed);
}
