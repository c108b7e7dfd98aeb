// The PIN pad's DUKPT mode end to end (docs/protocols/epp.md §8.7): a blank simulated pad given
// an initial key by the key ceremony and LOAD KEY, then used through the kiosk's client as the
// kiosk uses it; each block is deciphered as the bank deciphers it, from the BDK and the KSN
// alone (ANSI X9.24-3-2017).

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <set>
#include <string>

#include "base/bytes.h"
#include "drivers/dukpt/derivation.h"
#include "drivers/epp/epp_client.h"
#include "drivers/epp/epp_security.h"
#include "drivers/iso9564/pin_block.h"
#include "simulator/devices/direct_transport.h"
#include "simulator/devices/virtual_epp.h"
#include "tests/drivers/dukpt/dukpt_vectors.h"
#include "tests/support/replay_transport.h"

using namespace drivers::epp;
using simulator::devices::DirectTransport;
using simulator::devices::EppProvisioning;
using simulator::devices::VirtualEpp;
using tests::drivers::hex;

namespace {

constexpr auto k_dukpt_wait = std::chrono::milliseconds(500);
const std::string k_dukpt_pan = "6228480402564890018";

SecretKey dukpt_session_key(std::string_view text) {
    const base::Bytes bytes = hex(text);
    return SecretKey(std::span<const std::uint8_t, k_key_length>(bytes.data(), k_key_length));
}

// The bank's side: the initial key its BDK gives the pad's initial key ID.
DukptInitialKey bank_initial_key() {
    auto key = drivers::dukpt::derive_initial_key(dukpt_vectors::k_base_key,
                                                  dukpt_vectors::k_initial_key_id);
    REQUIRE(key.has_value());
    return DukptInitialKey{.key = SecretKey(key->bytes),
                           .initial_key_id = dukpt_vectors::k_initial_key_id};
}

EppProvisioning dukpt_keys() {
    EppProvisioning keys;
    keys.component1 = dukpt_session_key("0F1E2D3C4B5A69788796A5B4C3D2E1F0");
    keys.component2 = dukpt_session_key("1122334455667788990011223344AABB");
    keys.dukpt_initial_key = bank_initial_key();
    return keys;
}

struct DukptBench {
    std::shared_ptr<VirtualEpp> pad = std::make_shared<VirtualEpp>(VirtualEpp::Identity{});
    std::unique_ptr<DirectTransport> transport;
    std::unique_ptr<EppClient> client;

    explicit DukptBench(bool provision = true) {
        if (provision) {
            auto status = simulator::devices::provision_epp(pad, dukpt_keys());
            REQUIRE(status.has_value());
        }
        transport = std::make_unique<DirectTransport>(pad);
        client = std::make_unique<EppClient>(*transport, EppOptions{k_dukpt_wait, 4});
    }

    Event next() {
        auto event = client->wait_for_event(k_dukpt_wait);
        REQUIRE(event.has_value());
        REQUIRE(event->has_value());
        return **event;
    }

    static PinEntryRequest dukpt_request() {
        PinEntryRequest request;
        request.account_field = k_dukpt_pan;
        request.format = BlockFormat::iso9564_format4;
        request.key_slot = static_cast<std::uint8_t>(KeySlot::pin_dukpt);
        return request;
    }

    // One PIN entry from start to PIN ENTRY DONE; the block the pad sent.
    PinBlockReply enter_pin(std::string_view pin) {
        REQUIRE(client->start_pin_entry(dukpt_request()).has_value());
        for (const char digit : pin) {
            pad->press(*base::digit_key(digit - '0'));
        }
        pad->press(base::Key::enter);
        while (true) {
            const Event event = next();
            if (const auto* done = std::get_if<PinEntryDone>(&event)) {
                return done->pin_block;
            }
            REQUIRE(std::holds_alternative<PinDigitEntered>(event));
        }
    }
};

// What the bank does with a block and its KSN: the PIN, or nothing.
std::optional<std::string> bank_deciphers(const PinBlockReply& block) {
    if (!block.ksn) {
        return std::nullopt;
    }
    auto key = drivers::dukpt::derive_pin_encryption_key(dukpt_vectors::k_base_key, *block.ksn);
    REQUIRE(key.has_value());
    auto pin = drivers::iso9564::format4_decrypt_pin(block.format4_block, k_dukpt_pan, key->bytes);
    if (!pin) {
        return std::nullopt;
    }
    return std::string(*pin);
}

}  // namespace

TEST_CASE("A pad given a DUKPT initial key names the slot by its initial key ID, never a key") {
    DukptBench bench;
    auto status = bench.client->get_key_status();
    REQUIRE(status.has_value());
    REQUIRE(status->dukpt.has_value());
    CHECK(status->dukpt->initial_key_id == dukpt_vectors::k_initial_key_id);
    CHECK(status->dukpt->next_counter == 1);
    CHECK(status->slot(KeySlot::pin_dukpt).algorithm == KeyAlgorithm::aes128_dukpt);
    // No fixed PIN key was loaded: those slots stay empty.
    CHECK(status->slot(KeySlot::pin_aes).algorithm == KeyAlgorithm::none);
    auto info = bench.client->get_info();
    REQUIRE(info.has_value());
    CHECK(info->loaded_key_slots == 0x04);  // epp.md §4.1: bit 2, slot 0x02
    // The pad keeps the registers, not the initial key.
    auto state = bench.pad->dukpt_state();
    REQUIRE(state.has_value());
    const DukptInitialKey initial = bank_initial_key();
    CHECK(std::ranges::none_of(state->registers, [&](const auto& held) {
        return held && held->bytes == initial.key.bytes;
    }));
}

TEST_CASE("Each DUKPT PIN block is under a key of its own that the bank derives from its KSN") {
    DukptBench bench;
    std::set<std::string> blocks;
    for (std::uint32_t transaction = 1; transaction <= 3; ++transaction) {
        const PinBlockReply block = bench.enter_pin("4321");
        CHECK(block.key_slot == static_cast<std::uint8_t>(KeySlot::pin_dukpt));
        REQUIRE(block.ksn.has_value());
        CHECK(drivers::dukpt::initial_key_id_of(*block.ksn) == dukpt_vectors::k_initial_key_id);
        CHECK(drivers::dukpt::counter_of(*block.ksn) == transaction);
        CHECK(bank_deciphers(block) == "4321");
        blocks.insert(base::to_hex(block.format4_block));
        // The block of this transaction does not decipher under the next one's key.
        PinBlockReply shifted = block;
        (*shifted.ksn)[11] = static_cast<std::uint8_t>(transaction + 1);
        CHECK(bank_deciphers(shifted) != std::optional<std::string>("4321"));
    }
    CHECK(blocks.size() == 3);
    // GET PIN BLOCK hands out the last block once, with its KSN.
    auto again = bench.client->get_pin_block();
    REQUIRE(again.has_value());
    REQUIRE(again->ksn.has_value());
    CHECK(drivers::dukpt::counter_of(*again->ksn) == 3);
    CHECK(bench.client->get_key_status()->dukpt->next_counter == 4);
}

TEST_CASE("The DUKPT counter carries on across an unplug and into a pad restored from its state") {
    DukptBench bench;
    (void)bench.enter_pin("1234");
    (void)bench.enter_pin("1234");
    bench.pad->on_unplugged();
    const PinBlockReply third = bench.enter_pin("1234");
    REQUIRE(third.ksn.has_value());
    CHECK(drivers::dukpt::counter_of(*third.ksn) == 3);

    // The secure memory moved into another pad: the next block is the fourth, never a used key.
    auto state = bench.pad->dukpt_state();
    REQUIRE(state.has_value());
    DukptBench other(false);
    REQUIRE(other.pad->restore_dukpt(*state));
    const PinBlockReply fourth = other.enter_pin("1234");
    REQUIRE(fourth.ksn.has_value());
    CHECK(drivers::dukpt::counter_of(*fourth.ksn) == 4);
    CHECK(bank_deciphers(fourth) == "1234");
    // A state no device could have is refused and changes nothing.
    auto broken = *state;
    broken.counter = 0;
    CHECK_FALSE(other.pad->restore_dukpt(broken));
    CHECK(other.client->get_key_status()->dukpt->next_counter == 5);
}

TEST_CASE("A pad that has used its last DUKPT counter refuses PIN entry as keys exhausted") {
    // X9.24-3-2017 supplement: the register of the last counter, 0xFFFF0000 (register 16).
    drivers::dukpt::OriginatingDevice::State state;
    state.initial_key_id = dukpt_vectors::k_initial_key_id;
    state.counter = 0xFFFF0000;
    state.registers[16] = dukpt_vectors::key("F6BA59389BD14A9855BE9727E7C52E3C");
    DukptBench bench(false);
    REQUIRE(bench.pad->restore_dukpt(state));
    const PinBlockReply last = bench.enter_pin("987654");
    REQUIRE(last.ksn.has_value());
    CHECK(drivers::dukpt::counter_of(*last.ksn) == 0xFFFF0000);
    CHECK(bank_deciphers(last) == "987654");

    auto status = bench.client->get_key_status();
    REQUIRE(status.has_value());
    REQUIRE(status->dukpt.has_value());
    CHECK(status->dukpt->next_counter == 0);  // used up
    auto refused = bench.client->start_pin_entry(DukptBench::dukpt_request());
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error() == EppError::keys_exhausted);
    CHECK(to_string(refused.error()) == "epp: the PIN pad's DUKPT keys are used up");
}

TEST_CASE("A DUKPT block under another master key is refused and tamper erases the registers") {
    DukptBench bench;
    const EppProvisioning keys = dukpt_keys();
    // The block a key-loading station made for another pad's master key.
    auto foreign =
        wrap_dukpt_key(dukpt_session_key("00112233445566778899AABBCCDDEEFF"), bank_initial_key());
    REQUIRE(foreign.has_value());
    auto loaded = bench.client->load_dukpt_key(*foreign);
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error() == EppError::bad_key_block);
    CHECK(bench.client->get_key_status()->dukpt->next_counter == 1);  // the slot kept its keys

    // A fixed key's 32-byte block cannot be loaded into the DUKPT slot at all: the client
    // refuses to send it (the pad would answer bad length, tests/drivers/epp/
    // dukpt_messages_test.cpp).
    SecretKey master = keys.component1;
    for (std::size_t index = 0; index < k_key_length; ++index) {
        master.bytes[index] ^= keys.component2.bytes[index];
    }
    auto fixed = wrap_key(master, KeySlot::pin_aes, bank_initial_key().key);
    REQUIRE(fixed.has_value());
    CHECK(bench.client->load_key(KeySlot::pin_dukpt, *fixed).error() == EppError::invalid_request);

    bench.pad->tamper();
    (void)bench.client->wait_for_event(k_dukpt_wait);
    CHECK_FALSE(bench.pad->dukpt_state().has_value());
    CHECK_FALSE(bench.client->get_key_status()->dukpt.has_value());
}
