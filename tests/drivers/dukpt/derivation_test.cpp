// The bank's side of AES DUKPT against the published test vectors of ANSI X9.24-3-2017
// (tests/drivers/dukpt/dukpt_vectors.h names the source).

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>

#include "base/bytes.h"
#include "drivers/dukpt/derivation.h"
#include "tests/drivers/dukpt/dukpt_vectors.h"

namespace dukpt = drivers::dukpt;
using dukpt_vectors::k_base_key;
using dukpt_vectors::k_initial_key_id;

TEST_CASE("the initial key derived from the BDK and initial key ID is the published one") {
    auto initial_key = dukpt::derive_initial_key(k_base_key, k_initial_key_id);
    REQUIRE(initial_key.has_value());
    CHECK(base::to_hex(initial_key->bytes) == dukpt_vectors::k_initial_key);
}

TEST_CASE("a KSN is the initial key ID and the counter, most significant byte first") {
    const auto ksn = dukpt::make_ksn(k_initial_key_id, 0x0001FFFE);
    CHECK(base::to_hex(ksn) == "12345678901234560001FFFE");
    CHECK(dukpt::counter_of(ksn) == 0x0001FFFE);
    CHECK(dukpt::initial_key_id_of(ksn) == k_initial_key_id);
}

TEST_CASE("every published transaction key is derived from the initial key and its KSN") {
    const auto initial_key = dukpt_vectors::key(dukpt_vectors::k_initial_key);
    for (const auto& vector : dukpt_vectors::k_transaction_keys) {
        INFO(vector.counter);
        auto key = dukpt::derive_transaction_key(initial_key,
                                                 dukpt::make_ksn(k_initial_key_id, vector.counter));
        REQUIRE(key.has_value());
        CHECK(base::to_hex(key->bytes) == vector.key);
    }
}

TEST_CASE("every published working key is derived from its transaction key and usage") {
    const auto initial_key = dukpt_vectors::key(dukpt_vectors::k_initial_key);
    for (const auto& vector : dukpt_vectors::k_working_keys) {
        INFO(vector.counter << " usage " << static_cast<int>(vector.usage));
        const auto ksn = dukpt::make_ksn(k_initial_key_id, vector.counter);
        auto transaction_key = dukpt::derive_transaction_key(initial_key, ksn);
        REQUIRE(transaction_key.has_value());
        auto key = dukpt::derive_working_key(*transaction_key, ksn, vector.usage);
        REQUIRE(key.has_value());
        CHECK(base::to_hex(key->bytes) == vector.key);
    }
}

TEST_CASE("the bank derives a transaction's PIN encryption key from the BDK and the KSN alone") {
    auto first = dukpt::derive_pin_encryption_key(k_base_key, dukpt::make_ksn(k_initial_key_id, 1));
    REQUIRE(first.has_value());
    CHECK(base::to_hex(first->bytes) == "AF8CB133A78F8DC2D1359F18527593FB");
    auto eighth =
        dukpt::derive_pin_encryption_key(k_base_key, dukpt::make_ksn(k_initial_key_id, 8));
    REQUIRE(eighth.has_value());
    CHECK(base::to_hex(eighth->bytes) == "4D9DF3FBEE3448FC3E676D04320A90F5");
}

TEST_CASE("another initial key ID under the same BDK gives other keys") {
    auto initial_key =
        dukpt::derive_initial_key(k_base_key, dukpt_vectors::hex_array<8>("1234567890123457"));
    REQUIRE(initial_key.has_value());
    CHECK(base::to_hex(initial_key->bytes) != dukpt_vectors::k_initial_key);
    auto pin_key = dukpt::derive_pin_encryption_key(
        k_base_key, dukpt::make_ksn(dukpt_vectors::hex_array<8>("1234567890123457"), 1));
    REQUIRE(pin_key.has_value());
    CHECK(base::to_hex(pin_key->bytes) != "AF8CB133A78F8DC2D1359F18527593FB");
}

TEST_CASE("counters no device uses are refused: 0 and more than 16 one bits") {
    const auto initial_key = dukpt_vectors::key(dukpt_vectors::k_initial_key);
    for (const std::uint32_t counter : {0x00000000U, 0x0001FFFFU, 0xFFFFFFFFU, 0xFFFF8000U}) {
        INFO(counter);
        CHECK_FALSE(dukpt::is_usable_counter(counter));
        const auto ksn = dukpt::make_ksn(k_initial_key_id, counter);
        auto key = dukpt::derive_transaction_key(initial_key, ksn);
        REQUIRE_FALSE(key.has_value());
        CHECK(key.error() == dukpt::DukptError::bad_counter);
        auto pin_key = dukpt::derive_pin_encryption_key(k_base_key, ksn);
        REQUIRE_FALSE(pin_key.has_value());
        CHECK(pin_key.error() == dukpt::DukptError::bad_counter);
    }
    CHECK(dukpt::is_usable_counter(0xFFFF0000U));
    CHECK(dukpt::is_usable_counter(1));
}

TEST_CASE("a BDK that is not 16 bytes is refused") {
    for (const std::size_t length : {0U, 8U, 15U, 17U, 24U, 32U}) {
        INFO(length);
        const base::Bytes base_key(length, 0x5A);
        auto initial_key = dukpt::derive_initial_key(base_key, k_initial_key_id);
        REQUIRE_FALSE(initial_key.has_value());
        CHECK(initial_key.error() == dukpt::DukptError::bad_key);
    }
}

TEST_CASE("every DUKPT error has a distinct name") {
    CHECK(dukpt::to_string(dukpt::DukptError::bad_key) == "bad_key");
    CHECK(dukpt::to_string(dukpt::DukptError::bad_counter) == "bad_counter");
    CHECK(dukpt::to_string(dukpt::DukptError::exhausted) == "exhausted");
    CHECK(dukpt::to_string(dukpt::DukptError::crypto_failure) == "crypto_failure");
}
