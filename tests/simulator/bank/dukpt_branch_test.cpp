// The branch's PIN path in DUKPT mode, pad to bank, as kiosk-sim would wire it
// (docs/protocols/epp.md §8.7, docs/api/account.yaml 1.4): a blank virtual pad provisioned with
// the demo master key, authentication key and the initial key of the bank's demo BDK; the kiosk's
// EppClient authenticates it and collects PINs; each block goes with its KSN to the real
// simulated bank, which signs the customer on, refuses a wrong PIN and a replayed block alike.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "base/bytes.h"
#include "drivers/dukpt/derivation.h"
#include "drivers/epp/epp_client.h"
#include "simulator/devices/direct_transport.h"
#include "simulator/devices/virtual_epp.h"
#include "tests/simulator/bank/bank_fixture.h"

using namespace bank_test;
using nlohmann::json;

namespace {

constexpr auto k_branch_wait = std::chrono::milliseconds(500);

// What kiosk-sim would give the pad: the demo components and authentication key, and the
// initial key the bank's demo BDK gives the demo initial key ID.
simulator::devices::EppProvisioning branch_dukpt_keys() {
    simulator::devices::EppProvisioning keys;
    keys.component1 = drivers::epp::SecretKey(simulator::devices::k_demo_master_component1);
    keys.component2 = drivers::epp::SecretKey(simulator::devices::k_demo_master_component2);
    keys.authentication_key =
        drivers::epp::SecretKey(simulator::devices::k_demo_authentication_key);
    auto initial_key = drivers::dukpt::derive_initial_key(
        simulator::bank::k_demo_dukpt_base_key, simulator::bank::k_demo_dukpt_initial_key_id);
    REQUIRE(initial_key.has_value());
    keys.dukpt_initial_key = drivers::epp::DukptInitialKey{
        .key = drivers::epp::SecretKey(initial_key->bytes),
        .initial_key_id = simulator::bank::k_demo_dukpt_initial_key_id};
    return keys;
}

struct BranchPad {
    std::shared_ptr<simulator::devices::VirtualEpp> pad =
        std::make_shared<simulator::devices::VirtualEpp>(
            simulator::devices::VirtualEpp::Identity{});
    std::unique_ptr<simulator::devices::DirectTransport> transport;
    std::unique_ptr<drivers::epp::EppClient> client;

    BranchPad() {
        REQUIRE(simulator::devices::provision_epp(pad, branch_dukpt_keys()).has_value());
        transport = std::make_unique<simulator::devices::DirectTransport>(pad);
        client = std::make_unique<drivers::epp::EppClient>(
            *transport, drivers::epp::EppOptions{k_branch_wait, 4});
        // epp.md §8.6: authenticated, and the DUKPT slot's initial key ID is the configured one.
        REQUIRE(client
                    ->authenticate(
                        drivers::epp::SecretKey(simulator::devices::k_demo_authentication_key))
                    .has_value());
        auto status = client->get_key_status();
        REQUIRE(status.has_value());
        REQUIRE(status->dukpt.has_value());
        CHECK(status->dukpt->initial_key_id == simulator::bank::k_demo_dukpt_initial_key_id);
    }

    // The customer types `pin` for the card: the block the pad hands over.
    drivers::epp::PinBlockReply enter(std::string_view pin, std::string_view pan) {
        drivers::epp::PinEntryRequest request;
        request.account_field = std::string(pan);
        request.format = drivers::epp::BlockFormat::iso9564_format4;
        request.key_slot = static_cast<std::uint8_t>(drivers::epp::KeySlot::pin_dukpt);
        REQUIRE(client->start_pin_entry(request).has_value());
        for (const char digit : pin) {
            pad->press(*base::digit_key(digit - '0'));
        }
        pad->press(base::Key::enter);
        while (true) {
            auto event = client->wait_for_event(k_branch_wait);
            REQUIRE(event.has_value());
            REQUIRE(event->has_value());
            if (const auto* done = std::get_if<drivers::epp::PinEntryDone>(&**event)) {
                return done->pin_block;
            }
        }
    }
};

// The kiosk's sign-on body for the pad's block (docs/api/account.yaml, "BalanceRequest").
std::string dukpt_sign_on_body(const drivers::epp::PinBlockReply& block, std::string_view pan) {
    json body = json::parse(balance_body(pan, base::to_hex(block.bytes())));
    body["pin_block_format"] = "iso9564-4";
    REQUIRE(block.ksn.has_value());
    body["pin_block_ksn"] = base::to_hex(*block.ksn);
    return body.dump();
}

}  // namespace

TEST_CASE("In DUKPT mode a PIN typed on the pad signs the customer on at the bank, once") {
    RunningBank bank;
    auto http = bank.client();
    BranchPad branch;

    const auto right = branch.enter(k_zhang_wei_pin, k_zhang_wei_pan);
    auto signed_on =
        http.Post("/v1/sessions", dukpt_sign_on_body(right, k_zhang_wei_pan), "application/json");
    REQUIRE(signed_on);
    CHECK(signed_on->status == 200);
    CHECK(body_of(signed_on)["balance"]["minor_units"] == 1234567);
    CHECK(body_of(signed_on)["masked_pan"] == "**** **** **** 0018");

    // A wrong PIN on the next block, then the first block replayed: the same reply, two tries.
    const auto wrong = branch.enter("9999", k_zhang_wei_pan);
    auto refused =
        http.Post("/v1/sessions", dukpt_sign_on_body(wrong, k_zhang_wei_pan), "application/json");
    REQUIRE(refused);
    CHECK(refused->status == 401);
    CHECK(body_of(refused) == json{{"result", "wrong_pin"}, {"tries_left", 2}});
    auto replayed =
        http.Post("/v1/sessions", dukpt_sign_on_body(right, k_zhang_wei_pan), "application/json");
    REQUIRE(replayed);
    CHECK(replayed->status == 401);
    CHECK(body_of(replayed) == json{{"result", "wrong_pin"}, {"tries_left", 1}});

    // The pad's next block with the right PIN signs on again and resets the count.
    auto again = http.Post(
        "/v1/sessions",
        dukpt_sign_on_body(branch.enter(k_zhang_wei_pin, k_zhang_wei_pan), k_zhang_wei_pan),
        "application/json");
    REQUIRE(again);
    CHECK(again->status == 200);
    CHECK(branch.client->get_key_status()->dukpt->next_counter == 4);
}
