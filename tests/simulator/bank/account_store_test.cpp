#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <openssl/evp.h>
#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "bank_fixture.h"
#include "base/bytes.h"
#include "simulator/bank/account_store.h"
#include "simulator/bank/demo_accounts.h"
#include "simulator/bank/pin_hash.h"

using namespace bank_test;
namespace bank = simulator::bank;

namespace {

std::string file_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A read-only view of the service's database, as an auditor with the sqlite3 shell would see it.
class Database {
  public:
    explicit Database(const std::filesystem::path& path) {
        REQUIRE(sqlite3_open_v2(path.string().c_str(), &m_handle, SQLITE_OPEN_READONLY, nullptr) ==
                SQLITE_OK);
    }
    ~Database() { sqlite3_close_v2(m_handle); }
    sqlite3* handle() const { return m_handle; }

    // Every TEXT value of every column of `table`, except those named in `skip`.
    std::vector<std::string> text_values(const std::string& table,
                                         const std::set<std::string>& skip = {}) const {
        sqlite3_stmt* statement = nullptr;
        REQUIRE(sqlite3_prepare_v2(m_handle, ("SELECT * FROM " + table).c_str(), -1, &statement,
                                   nullptr) == SQLITE_OK);
        std::vector<std::string> values;
        while (sqlite3_step(statement) == SQLITE_ROW) {
            for (int column = 0; column < sqlite3_column_count(statement); ++column) {
                if (skip.contains(sqlite3_column_name(statement, column)) ||
                    sqlite3_column_type(statement, column) != SQLITE_TEXT) {
                    continue;
                }
                values.emplace_back(
                    reinterpret_cast<const char*>(sqlite3_column_text(statement, column)));
            }
        }
        sqlite3_finalize(statement);
        return values;
    }

  private:
    sqlite3* m_handle = nullptr;
};

struct StoredPin {
    base::Bytes salt;
    base::Bytes hash;
    std::int64_t iterations = 0;
    std::string masked_pan;
};

std::vector<StoredPin> stored_pins(const Database& database) {
    sqlite3_stmt* statement = nullptr;
    REQUIRE(sqlite3_prepare_v2(database.handle(),
                               "SELECT pin_salt, pin_hash, pin_iterations, masked_pan FROM cards",
                               -1, &statement, nullptr) == SQLITE_OK);
    std::vector<StoredPin> pins;
    while (sqlite3_step(statement) == SQLITE_ROW) {
        StoredPin pin;
        REQUIRE(sqlite3_column_type(statement, 0) == SQLITE_BLOB);
        REQUIRE(sqlite3_column_type(statement, 1) == SQLITE_BLOB);
        const auto* salt = static_cast<const std::uint8_t*>(sqlite3_column_blob(statement, 0));
        pin.salt.assign(salt, salt + sqlite3_column_bytes(statement, 0));
        const auto* hash = static_cast<const std::uint8_t*>(sqlite3_column_blob(statement, 1));
        pin.hash.assign(hash, hash + sqlite3_column_bytes(statement, 1));
        pin.iterations = sqlite3_column_int64(statement, 2);
        pin.masked_pan = reinterpret_cast<const char*>(sqlite3_column_text(statement, 3));
        pins.push_back(std::move(pin));
    }
    sqlite3_finalize(statement);
    return pins;
}

// PBKDF2-HMAC-SHA256 computed here, independently of the service's own code.
base::Bytes pbkdf2(std::string_view pin, const base::Bytes& salt, std::int64_t iterations) {
    base::Bytes out(32);
    REQUIRE(PKCS5_PBKDF2_HMAC(pin.data(), static_cast<int>(pin.size()), salt.data(),
                              static_cast<int>(salt.size()), static_cast<int>(iterations),
                              EVP_sha256(), static_cast<int>(out.size()), out.data()) == 1);
    return out;
}

}  // namespace

TEST_CASE("the demo card file yields an account for every card with a balance") {
    auto accounts = bank::read_demo_accounts(demo_cards_path());
    REQUIRE(accounts);
    std::set<std::string> names;
    for (const auto& account : *accounts) {
        names.insert(account.name);
    }
    CHECK(names == std::set<std::string>{"zhang-wei", "li-na", "alice", "zhou-min", "chan-mei"});
}

TEST_CASE("amounts are parsed into minor units exactly") {
    CHECK(bank::parse_amount("12345.67") == 1234567);
    CHECK(bank::parse_amount("1002.05") == 100205);
    CHECK(bank::parse_amount("250000.00") == 25000000);
    CHECK(bank::parse_amount("7") == 700);
    CHECK(bank::parse_amount("7.5") == 750);
    CHECK(bank::parse_amount("0.01") == 1);
}

TEST_CASE("malformed amounts are refused") {
    for (std::string_view text :
         {"", ".", "1.234", "-5.00", "1,000.00", "12a", "1.2.3", "1234567890123.00", " 5"}) {
        INFO(text);
        CHECK_FALSE(bank::parse_amount(text).has_value());
    }
}

TEST_CASE("a demo card file that is not TOML is a seed failure") {
    TemporaryDirectory directory;
    const auto path = directory.path() / "broken.toml";
    std::ofstream(path) << "[[card]\nname = \"x\"\n";
    auto accounts = bank::read_demo_accounts(path);
    REQUIRE_FALSE(accounts);
    CHECK(accounts.error().code == bank::BankError::seed_failure);
}

TEST_CASE("a demo card with a malformed PAN is a bad seed, not a silent skip") {
    TemporaryDirectory directory;
    const auto path = directory.path() / "bad.toml";
    std::ofstream(path) << "[[card]]\nname = \"x\"\npan = \"12AB\"\npin = \"1234\"\n"
                           "balance = \"1.00\"\n";
    auto accounts = bank::read_demo_accounts(path);
    REQUIRE_FALSE(accounts);
    CHECK(accounts.error().code == bank::BankError::bad_seed);
}

TEST_CASE("a PIN hash matches its PIN and no other") {
    auto hash = bank::hash_pin("1234");
    REQUIRE(hash);
    CHECK(bank::pin_matches("1234", *hash) == true);
    CHECK(bank::pin_matches("1235", *hash) == false);
    CHECK(bank::pin_matches("12345", *hash) == false);
}

TEST_CASE("the same PIN hashed twice gets different salts and digests") {
    auto first = bank::hash_pin("1234");
    auto second = bank::hash_pin("1234");
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->salt != second->salt);
    CHECK(first->digest != second->digest);
}

TEST_CASE("masked PANs show only the last four digits") {
    CHECK(bank::mask_pan("6228480402564890018") == "**** **** **** 0018");
    CHECK(bank::mask_pan("123456789012") == "**** **** **** 9012");
}

TEST_CASE("the database stores each PIN only as a salted PBKDF2 hash") {
    TemporaryDirectory directory;
    {
        auto store = bank::AccountStore::open(directory.path() / "bank.sqlite", demo_cards_path());
        REQUIRE(store);
    }
    Database database(directory.path() / "bank.sqlite");
    const auto pins = stored_pins(database);
    REQUIRE(pins.size() == 5);
    std::set<base::Bytes> salts;
    const std::map<std::string, std::string_view> pin_by_mask = {
        {"**** **** **** 0018", k_zhang_wei_pin},
        {"**** **** **** 0122", k_li_na_pin},
        {"**** **** **** 2223", k_alice_pin},
        {"**** **** **** 6391", k_zhou_min_pin},
        {"**** **** **** 2091", k_chan_mei_pin}};
    for (const StoredPin& stored : pins) {
        INFO(stored.masked_pan);
        CHECK(stored.salt.size() == bank::k_pin_salt_size);
        CHECK(stored.hash.size() == bank::k_pin_digest_size);
        CHECK(stored.iterations == bank::k_pin_hash_iterations);
        REQUIRE(pin_by_mask.contains(stored.masked_pan));
        CHECK(pbkdf2(pin_by_mask.at(stored.masked_pan), stored.salt, stored.iterations) ==
              stored.hash);
        salts.insert(stored.salt);
    }
    CHECK(salts.size() == pins.size());
}

TEST_CASE("no text in the database holds a demo PIN or a clear PAN") {
    RunningBank bank;
    auto client = bank.client();
    REQUIRE(post_balance(client, k_zhang_wei_pan, k_zhang_wei_pin));
    REQUIRE(post_balance(client, k_li_na_pan, "1357"));
    REQUIRE(post_balance(client, k_stranger_pan, "0000"));
    bank.service.stop();

    const auto path = bank.directory.path() / "bank.sqlite";
    Database database(path);
    // pan_digest is 64 hex digits and could hold any 4-digit run by chance; it is checked for
    // its form instead.
    for (const std::string table :
         {"cards", "accounts", "audit", "card_preferences", "preference_grants"}) {
        for (const std::string& value :
             database.text_values(table, {"pan_digest", "grant_digest"})) {
            INFO(table << ": " << value);
            for (std::string_view pin : {k_zhang_wei_pin, k_li_na_pin, k_alice_pin}) {
                CHECK(value.find(pin) == std::string::npos);
            }
        }
    }
    for (const std::string& digest : database.text_values("cards")) {
        if (digest.size() == 64) {
            CHECK(digest.find_first_not_of("0123456789abcdef") == std::string::npos);
        }
    }
    // Nineteen-digit PANs cannot occur in the file's bytes by chance.
    const std::string bytes = file_bytes(path);
    REQUIRE_FALSE(bytes.empty());
    for (std::string_view pan : {k_zhang_wei_pan, k_li_na_pan, k_alice_pan, k_stranger_pan}) {
        CHECK(bytes.find(pan) == std::string::npos);
    }
}

TEST_CASE("the audit table holds masked PANs only") {
    RunningBank bank;
    auto client = bank.client();
    REQUIRE(post_balance(client, k_zhang_wei_pan, k_zhang_wei_pin));
    REQUIRE(post_balance(client, k_stranger_pan, "0000"));
    bank.service.stop();
    Database database(bank.directory.path() / "bank.sqlite");
    const auto values = database.text_values("audit");
    REQUIRE_FALSE(values.empty());
    bool saw_mask = false;
    for (const std::string& value : values) {
        CHECK(value.find(k_zhang_wei_pan) == std::string::npos);
        CHECK(value.find(k_stranger_pan) == std::string::npos);
        saw_mask = saw_mask || value == "**** **** **** 0018";
    }
    CHECK(saw_mask);
}

namespace {

// The try counter of one card, read as an auditor would.
std::int64_t wrong_pin_count(const std::filesystem::path& path, std::string_view masked_pan) {
    Database database(path);
    sqlite3_stmt* statement = nullptr;
    REQUIRE(sqlite3_prepare_v2(database.handle(),
                               "SELECT wrong_pin_count FROM cards WHERE masked_pan = ?", -1,
                               &statement, nullptr) == SQLITE_OK);
    sqlite3_bind_text(statement, 1, masked_pan.data(), static_cast<int>(masked_pan.size()),
                      SQLITE_TRANSIENT);
    REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
    const std::int64_t count = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return count;
}

bank::GrantTerms terms_at(std::int64_t now_unix_ms, std::string terminal = "lobby-01") {
    return bank::GrantTerms{std::move(terminal), now_unix_ms, std::chrono::milliseconds(100)};
}

}  // namespace

TEST_CASE("a database made before card preferences opens, keeps its cards and gains them") {
    TemporaryDirectory directory;
    const auto path = directory.path() / "bank.sqlite";
    {
        auto store = bank::AccountStore::open(path, demo_cards_path());
        REQUIRE(store);
        auto wrong = (*store)->verify_pin_and_read_balance(k_li_na_pan, "1357", terms_at(1'000));
        REQUIRE(wrong);
        REQUIRE(wrong->verdict == bank::PinVerdict::wrong_pin);
    }
    // What a file written by the service before preferences looks like: no such tables.
    {
        sqlite3* handle = nullptr;
        REQUIRE(sqlite3_open_v2(path.string().c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr) ==
                SQLITE_OK);
        REQUIRE(sqlite3_exec(handle, "DROP TABLE card_preferences; DROP TABLE preference_grants;",
                             nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close_v2(handle);
    }
    auto store = bank::AccountStore::open(path, demo_cards_path());
    REQUIRE(store);
    CHECK(wrong_pin_count(path, "**** **** **** 0122") == 1);
    auto check = (*store)->verify_pin_and_read_balance(k_li_na_pan, k_li_na_pin, terms_at(2'000));
    REQUIRE(check);
    REQUIRE(check->verdict == bank::PinVerdict::ok);
    CHECK(check->balance_minor_units == 100205);
    CHECK_FALSE(check->elder_mode);
    auto saved = (*store)->save_preferences(check->grant, "lobby-01", true, 2'001);
    REQUIRE(saved);
    CHECK(saved->verdict == bank::GrantVerdict::saved);
    auto after = (*store)->verify_pin_and_read_balance(k_li_na_pan, k_li_na_pin, terms_at(2'002));
    REQUIRE(after);
    CHECK(after->elder_mode);
}

TEST_CASE("a grant lasts exactly its lifetime") {
    TemporaryDirectory directory;
    auto store = bank::AccountStore::open(directory.path() / "bank.sqlite", demo_cards_path());
    REQUIRE(store);
    auto issue = [&](std::int64_t now) {
        auto check =
            (*store)->verify_pin_and_read_balance(k_zhang_wei_pan, k_zhang_wei_pin, terms_at(now));
        REQUIRE(check);
        REQUIRE(check->verdict == bank::PinVerdict::ok);
        return check->grant;
    };
    const std::string last_moment = issue(10'000);
    const std::string too_late = issue(10'000);
    auto in_time = (*store)->save_preferences(last_moment, "lobby-01", true, 10'099);
    REQUIRE(in_time);
    CHECK(in_time->verdict == bank::GrantVerdict::saved);
    auto expired = (*store)->save_preferences(too_late, "lobby-01", false, 10'100);
    REQUIRE(expired);
    CHECK(expired->verdict == bank::GrantVerdict::expired);
    CHECK(expired->masked_pan == "**** **** **** 0018");
    // The next correct PIN purges expired grants: the old one is then simply unknown.
    const std::string fresh = issue(20'000);
    auto purged = (*store)->save_preferences(too_late, "lobby-01", false, 20'001);
    REQUIRE(purged);
    CHECK(purged->verdict == bank::GrantVerdict::unknown);
    CHECK(purged->masked_pan.empty());
    CHECK_FALSE(fresh.empty());
}

TEST_CASE("a wrong PIN yields no grant") {
    TemporaryDirectory directory;
    auto store = bank::AccountStore::open(directory.path() / "bank.sqlite", demo_cards_path());
    REQUIRE(store);
    auto wrong = (*store)->verify_pin_and_read_balance(k_zhang_wei_pan, "9999", terms_at(1'000));
    REQUIRE(wrong);
    CHECK(wrong->verdict == bank::PinVerdict::wrong_pin);
    CHECK(wrong->grant.empty());
    Database database(directory.path() / "bank.sqlite");
    CHECK(database.text_values("preference_grants").empty());
}

TEST_CASE("the database keeps grants only as digests and remembers nothing but the flag") {
    RunningBank bank;
    auto client = bank.client();
    auto reply = post_balance(client, k_zhang_wei_pan, k_zhang_wei_pin);
    REQUIRE(reply);
    const auto document = nlohmann::json::parse(reply->body);
    const std::string grant = document["preferences"]["grant"];
    const std::string unused = nlohmann::json::parse(
        post_balance(client, k_li_na_pan, k_li_na_pin)->body)["preferences"]["grant"];
    REQUIRE(put_preferences(client, grant, true)->status == 200);
    bank.service.stop();

    const auto path = bank.directory.path() / "bank.sqlite";
    const std::string bytes = file_bytes(path);
    CHECK(bytes.find(grant) == std::string::npos);
    CHECK(bytes.find(unused) == std::string::npos);
    Database database(path);
    for (const std::string& digest : database.text_values("preference_grants", {"terminal_id"})) {
        CHECK(digest.size() == 64);
        CHECK(digest != grant);
        CHECK(digest != unused);
    }
    // One row, two columns: the card's row id and the flag.
    sqlite3_stmt* statement = nullptr;
    REQUIRE(sqlite3_prepare_v2(database.handle(), "SELECT * FROM card_preferences", -1, &statement,
                               nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
    CHECK(sqlite3_column_count(statement) == 2);
    CHECK(sqlite3_column_type(statement, 0) == SQLITE_INTEGER);
    CHECK(sqlite3_column_int64(statement, 1) == 1);
    CHECK(sqlite3_step(statement) == SQLITE_DONE);
    sqlite3_finalize(statement);
}
