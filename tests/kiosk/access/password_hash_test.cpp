#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "base/bytes.h"
#include "kiosk/access/password_hash.h"

using namespace kiosk::access;

namespace {

base::Bytes bytes_of(std::string_view text) {
    return base::Bytes(text.begin(), text.end());
}

}  // namespace

TEST_CASE("A hashed password matches itself through its text form, and another password does not") {
    const base::SecretText password("20261204");
    const auto hash = hash_password(password, k_minimum_iterations);
    REQUIRE(hash.has_value());
    const std::string text = to_text(*hash);
    CHECK(text.starts_with("pbkdf2-sha256$1000$"));
    CHECK(text.find("20261204") == std::string::npos);
    const auto parsed = parse_password_hash(text);
    REQUIRE(parsed.has_value());
    CHECK(parsed->iterations == k_minimum_iterations);
    CHECK(parsed->salt == hash->salt);
    CHECK(parsed->hash == hash->hash);
    CHECK(verify_password(*parsed, password) == true);
    CHECK(verify_password(*parsed, base::SecretText("20261205")) == false);
    CHECK(verify_password(*parsed, base::SecretText("2026120")) == false);
    CHECK(verify_password(*parsed, base::SecretText("")) == false);
}

TEST_CASE("Each hash of one password has its own random salt, so two accounts' hashes differ") {
    const base::SecretText password("11112222");
    const auto first = hash_password(password, k_minimum_iterations);
    const auto second = hash_password(password, k_minimum_iterations);
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(first->salt.size() == k_salt_length);
    CHECK(first->hash.size() == k_derived_key_length);
    CHECK(first->salt != second->salt);
    CHECK(first->hash != second->hash);
}

TEST_CASE("The hash is PBKDF2-HMAC-SHA256 as RFC 7914 §11's test vector gives it") {
    // RFC 7914 §11: PBKDF2-HMAC-SHA-256 (P="Password", S="NaCl", c=80000); the first 32 bytes
    // of its 64-byte output, which is all a 32-byte derived key is (RFC 8018 §5.2, block 1).
    const PasswordHash vector{
        .iterations = 80'000,
        .salt = bytes_of("NaCl"),
        .hash = base::parse_hex("4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56")
                    .value()};
    CHECK(verify_password(vector, base::SecretText("Password")) == true);
    CHECK(verify_password(vector, base::SecretText("password")) == false);
}

TEST_CASE("A new hash at the default count records 600,000 iterations and matches its password") {
    const base::SecretText password("9876543210123456");
    const auto hash = hash_password(password);
    REQUIRE(hash.has_value());
    CHECK(hash->iterations == 600'000);
    const auto parsed = parse_password_hash(to_text(*hash));
    REQUIRE(parsed.has_value());
    CHECK(verify_password(*parsed, password) == true);
    CHECK(verify_password(*parsed, base::SecretText("9876543210123457")) == false);
}

TEST_CASE("Hash texts that are not pbkdf2-sha256$ITERATIONS$SALT$HASH are refused by name") {
    const std::string salt = "AAECAwQFBgcICQoLDA0ODw==";                      // 16 bytes
    const std::string hash = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";  // 32 bytes
    REQUIRE(parse_password_hash("pbkdf2-sha256$1000$" + salt + "$" + hash).has_value());
    const std::vector<std::string> bad{
        "",
        "pbkdf2-sha256",
        "pbkdf2-sha256$1000$" + salt,
        "pbkdf2-sha256$1000$" + salt + "$" + hash + "$",
        "pbkdf2-sha1$1000$" + salt + "$" + hash,
        "PBKDF2-SHA256$1000$" + salt + "$" + hash,
        "pbkdf2-sha256$$" + salt + "$" + hash,
        "pbkdf2-sha256$999$" + salt + "$" + hash,
        "pbkdf2-sha256$01000$" + salt + "$" + hash,
        "pbkdf2-sha256$-1000$" + salt + "$" + hash,
        "pbkdf2-sha256$+1000$" + salt + "$" + hash,
        "pbkdf2-sha256$1000x$" + salt + "$" + hash,
        "pbkdf2-sha256$20000001$" + salt + "$" + hash,
        "pbkdf2-sha256$99999999999999999999$" + salt + "$" + hash,
        "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0O$" + hash,           // 15-byte salt
        "pbkdf2-sha256$1000$" + salt + "$AAECAwQFBgcICQoLDA0ODw==",  // 16-byte hash
        "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$" + hash,         // no padding
        "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODx==$" + hash,       // bits under the padding
        "pbkdf2-sha256$1000$AAECAwQF BgcICQoLDA0ODw=$" + hash,       // a space
        "pbkdf2-sha256$1000$AAECAwQF-gcICQoLDA0ODw==$" + hash,       // base64url's alphabet
        "pbkdf2-sha256$1000$AAEC=wQFBgcICQoLDA0ODw==$" + hash,       // padding inside
        "pbkdf2-sha256$1000$" + salt + "$" + hash + "\n",
    };
    for (const auto& text : bad) {
        INFO(text);
        const auto parsed = parse_password_hash(text);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error().code == AccessError::bad_password_hash);
        CHECK_FALSE(parsed.error().context.empty());
    }
}

TEST_CASE("Base64 round-trips every length and is refused when not strict RFC 4648 §4") {
    // RFC 4648 §10's vectors.
    CHECK(to_base64(bytes_of("")) == "");
    CHECK(to_base64(bytes_of("f")) == "Zg==");
    CHECK(to_base64(bytes_of("fo")) == "Zm8=");
    CHECK(to_base64(bytes_of("foo")) == "Zm9v");
    CHECK(to_base64(bytes_of("foob")) == "Zm9vYg==");
    CHECK(to_base64(bytes_of("fooba")) == "Zm9vYmE=");
    CHECK(to_base64(bytes_of("foobar")) == "Zm9vYmFy");
    for (const std::string text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
        CHECK(from_base64(to_base64(bytes_of(text))) == bytes_of(text));
    }
    for (const std::string text : {"Zg=", "Zg", "Zh==", "Z===", "====", "Zm9v\n", "Zm9v===="}) {
        INFO(text);
        CHECK_FALSE(from_base64(text).has_value());
    }
}

TEST_CASE("A new hash refuses an iteration count outside the allowed range") {
    CHECK_FALSE(hash_password(base::SecretText("12345678"), 999).has_value());
    CHECK_FALSE(hash_password(base::SecretText("12345678"), 0).has_value());
    CHECK_FALSE(hash_password(base::SecretText("12345678"), k_maximum_iterations + 1).has_value());
}
