// The PIN pad's side of AES DUKPT: the keys it hands out are the ones the bank derives from the
// BDK and the KSN (tests/drivers/dukpt/dukpt_vectors.h names the published vectors), it skips the
// counters X9.24-3-2017 §6.1 forbids, and it forgets every key it has used.

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>

#include "base/bytes.h"
#include "drivers/dukpt/derivation.h"
#include "drivers/dukpt/originating_device.h"
#include "tests/drivers/dukpt/dukpt_vectors.h"

namespace dukpt = drivers::dukpt;
using dukpt_vectors::k_initial_key_id;

namespace {

dukpt::OriginatingDevice loaded_device() {
    auto device = dukpt::OriginatingDevice::load_initial_key(
        dukpt_vectors::key(dukpt_vectors::k_initial_key), k_initial_key_id);
    REQUIRE(device.has_value());
    return std::move(*device);
}

// The bank's view of a counter's derivation key.
dukpt::AesKey host_transaction_key(std::uint32_t counter) {
    auto key = dukpt::derive_transaction_key(dukpt_vectors::key(dukpt_vectors::k_initial_key),
                                             dukpt::make_ksn(k_initial_key_id, counter));
    REQUIRE(key.has_value());
    return *key;
}

}  // namespace

TEST_CASE("a loaded pad hands out the published PIN keys of its first transactions in order") {
    auto device = loaded_device();
    CHECK(device.keys_held() == 32);
    auto first = device.next_pin_encryption_key();
    REQUIRE(first.has_value());
    CHECK(base::to_hex(first->ksn) == "123456789012345600000001");
    CHECK(base::to_hex(first->key.bytes) == "AF8CB133A78F8DC2D1359F18527593FB");
    auto second = device.next_pin_encryption_key();
    REQUIRE(second.has_value());
    CHECK(base::to_hex(second->ksn) == "123456789012345600000002");
    CHECK(base::to_hex(second->key.bytes) == "D30BDC73EC9714B000BEC66BDB7B6D09");
    for (std::uint32_t counter = 3; counter <= 8; ++counter) {
        auto next = device.next_pin_encryption_key();
        REQUIRE(next.has_value());
        CHECK(dukpt::counter_of(next->ksn) == counter);
        if (counter == 8) {
            CHECK(base::to_hex(next->key.bytes) == "4D9DF3FBEE3448FC3E676D04320A90F5");
        }
    }
}

TEST_CASE("for 3000 transactions the pad's keys are the keys the bank derives from the BDK") {
    auto device = loaded_device();
    for (std::uint32_t counter = 1; counter <= 3000; ++counter) {
        auto transaction = device.next_pin_encryption_key();
        REQUIRE(transaction.has_value());
        REQUIRE(dukpt::counter_of(transaction->ksn) == counter);
        auto bank_key =
            dukpt::derive_pin_encryption_key(dukpt_vectors::k_base_key, transaction->ksn);
        REQUIRE(bank_key.has_value());
        INFO(counter);
        REQUIRE(transaction->key == *bank_key);
    }
}

TEST_CASE("the pad forgets each transaction's derivation key as soon as it has used it") {
    auto device = loaded_device();
    for (std::uint32_t counter = 1; counter <= 300; ++counter) {
        const auto derivation_key = host_transaction_key(counter);
        INFO(counter);
        REQUIRE(device.holds(derivation_key));
        REQUIRE(device.next_transaction(dukpt::KeyUsage::mac_generation).has_value());
        REQUIRE_FALSE(device.holds(derivation_key));
        // Never more than one key per register, and never the initial key.
        REQUIRE(device.keys_held() <= 32);
        REQUIRE_FALSE(device.holds(dukpt_vectors::key(dukpt_vectors::k_initial_key)));
    }
}

TEST_CASE("the pad skips the counter with 17 one bits and reaches the published keys after it") {
    // 131,070 transactions: the pad works through every counter up to 0x1FFFE; the time it took
    // is printed, not asserted (docs/style.md, "Tests").
    auto device = loaded_device();
    const auto started = std::chrono::steady_clock::now();
    std::uint32_t last = 0;
    std::size_t transactions = 0;
    while (last < 0x0001FFFE) {
        auto transaction = device.next_pin_encryption_key();
        REQUIRE(transaction.has_value());
        last = dukpt::counter_of(transaction->ksn);
        ++transactions;
    }
    const auto seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("dukpt: %zu pad transactions in %.2f s\n", transactions, seconds);
    CHECK(transactions == 0x0001FFFE);
    for (const std::uint32_t expected : {0x00020000U, 0x00020001U}) {
        auto transaction = device.next_pin_encryption_key();
        REQUIRE(transaction.has_value());
        CHECK(dukpt::counter_of(transaction->ksn) == expected);
        const auto* vector = std::ranges::find_if(
            dukpt_vectors::k_transaction_keys,
            [expected](const auto& known) { return known.counter == expected; });
        REQUIRE(vector != std::end(dukpt_vectors::k_transaction_keys));
        auto published_pin_key = dukpt::derive_working_key(
            dukpt_vectors::key(vector->key), transaction->ksn, dukpt::KeyUsage::pin_encryption);
        REQUIRE(published_pin_key.has_value());
        CHECK(transaction->key == *published_pin_key);
    }
}

TEST_CASE("a pad's working keys differ by usage for the same transaction counter") {
    auto for_pin = loaded_device();
    auto for_data = loaded_device();
    auto pin_key = for_pin.next_pin_encryption_key();
    auto data_key = for_data.next_transaction(dukpt::KeyUsage::data_encryption);
    REQUIRE(pin_key.has_value());
    REQUIRE(data_key.has_value());
    CHECK(pin_key->ksn == data_key->ksn);
    CHECK(base::to_hex(data_key->key.bytes) == "A35C412EFD41FDB98B69797C02DCD08F");
    CHECK_FALSE(pin_key->key == data_key->key);
}

TEST_CASE("a pad restored from its saved state goes on with the same KSNs and keys") {
    auto original = loaded_device();
    for (int transaction = 0; transaction < 100; ++transaction) {
        REQUIRE(original.next_pin_encryption_key().has_value());
    }
    auto restored = dukpt::OriginatingDevice::restore(original.saved_state());
    REQUIRE(restored.has_value());
    CHECK(restored->next_counter() == 101);
    for (int transaction = 0; transaction < 50; ++transaction) {
        auto expected = original.next_pin_encryption_key();
        auto resumed = restored->next_pin_encryption_key();
        REQUIRE(expected.has_value());
        REQUIRE(resumed.has_value());
        CHECK(resumed->ksn == expected->ksn);
        CHECK(resumed->key == expected->key);
    }
}

TEST_CASE("a pad at its last four counters uses the published keys, then is used up") {
    // At counter 0xFFFE2000 a pad holds only registers 13 to 16: the derivation keys of its last
    // four counters, which the supplement publishes; every other register has been used.
    dukpt::OriginatingDevice::State state;
    state.initial_key_id = k_initial_key_id;
    state.counter = 0xFFFE2000;
    const std::uint32_t last_counters[] = {0xFFFE2000, 0xFFFE4000, 0xFFFE8000, 0xFFFF0000};
    for (std::size_t index = 0; index < 4; ++index) {
        const auto* vector = std::ranges::find_if(
            dukpt_vectors::k_transaction_keys,
            [&](const auto& known) { return known.counter == last_counters[index]; });
        REQUIRE(vector != std::end(dukpt_vectors::k_transaction_keys));
        state.registers[13 + index] = dukpt_vectors::key(vector->key);
    }
    auto device = dukpt::OriginatingDevice::restore(state);
    REQUIRE(device.has_value());
    CHECK(device->initial_key_id() == k_initial_key_id);
    for (const std::uint32_t counter : last_counters) {
        INFO(counter);
        CHECK_FALSE(device->is_exhausted());
        auto transaction = device->next_pin_encryption_key();
        REQUIRE(transaction.has_value());
        CHECK(dukpt::counter_of(transaction->ksn) == counter);
        auto bank_key =
            dukpt::derive_pin_encryption_key(dukpt_vectors::k_base_key, transaction->ksn);
        REQUIRE(bank_key.has_value());
        CHECK(transaction->key == *bank_key);
    }
    CHECK(device->keys_held() == 0);
    CHECK(device->is_exhausted());
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto used_up = device->next_pin_encryption_key();
        REQUIRE_FALSE(used_up.has_value());
        CHECK(used_up.error() == dukpt::DukptError::exhausted);
    }
}

TEST_CASE("a saved state with a counter of 0 or beyond 2^32 is refused") {
    dukpt::OriginatingDevice::State state;
    state.initial_key_id = k_initial_key_id;
    for (const std::uint64_t counter : {std::uint64_t{0}, (std::uint64_t{1} << 32) + 1}) {
        state.counter = counter;
        auto device = dukpt::OriginatingDevice::restore(state);
        REQUIRE_FALSE(device.has_value());
        CHECK(device.error() == dukpt::DukptError::bad_counter);
    }
}
