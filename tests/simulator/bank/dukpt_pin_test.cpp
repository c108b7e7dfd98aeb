// The simulated bank's DUKPT PIN blocks (docs/api/account.yaml, "PinBlockKsn", version 1.4):
// each format 4 block comes with its KSN, the bank derives the block's key from its BDK, and a
// replayed or older KSN is answered exactly as a wrong PIN. The blocks are made as a PIN pad
// makes them: an OriginatingDevice loaded with the initial key of the demo BDK (ANSI
// X9.24-3-2017 §6.1).

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>

#include "base/bytes.h"
#include "drivers/dukpt/derivation.h"
#include "drivers/dukpt/originating_device.h"
#include "drivers/iso9564/pin_block.h"
#include "tests/simulator/bank/bank_fixture.h"

using namespace bank_test;
using nlohmann::json;

namespace {

// A pad of the demo BDK with `initial_key_id`, as the key-loading station fills it.
drivers::dukpt::OriginatingDevice demo_pad(const drivers::dukpt::InitialKeyId& initial_key_id) {
    auto initial_key =
        drivers::dukpt::derive_initial_key(simulator::bank::k_demo_dukpt_base_key, initial_key_id);
    REQUIRE(initial_key.has_value());
    auto pad = drivers::dukpt::OriginatingDevice::load_initial_key(*initial_key, initial_key_id);
    REQUIRE(pad.has_value());
    return std::move(*pad);
}

struct DukptBlock {
    std::string block_hex;
    std::string ksn_hex;
};

// The pad's next transaction: the PIN's format 4 block under its key, and the KSN.
DukptBlock next_block(drivers::dukpt::OriginatingDevice& pad, std::string_view pin,
                      std::string_view pan = k_zhang_wei_pan) {
    auto transaction = pad.next_pin_encryption_key();
    REQUIRE(transaction.has_value());
    auto block = drivers::iso9564::format4_encrypted(pin, pan, transaction->key.bytes);
    REQUIRE(block.has_value());
    return DukptBlock{base::to_hex(*block), base::to_hex(transaction->ksn)};
}

std::string dukpt_body(const DukptBlock& block, std::string_view pan = k_zhang_wei_pan) {
    json body = json::parse(balance_body(pan, block.block_hex));
    body["pin_block_format"] = "iso9564-4";
    body["pin_block_ksn"] = block.ksn_hex;
    return body.dump();
}

const drivers::dukpt::InitialKeyId k_demo_id = simulator::bank::k_demo_dukpt_initial_key_id;

}  // namespace

TEST_CASE("A DUKPT block signs the customer on under the key the BDK and its KSN give") {
    RunningBank bank;
    auto client = bank.client();
    auto pad = demo_pad(k_demo_id);
    for (int transaction = 0; transaction < 3; ++transaction) {
        auto reply = client.Post("/v1/sessions", dukpt_body(next_block(pad, k_zhang_wei_pin)),
                                 "application/json");
        REQUIRE(reply);
        CHECK(reply->status == 200);
        CHECK(body_of(reply)["balance"]["minor_units"] == 1234567);
    }
    // The same block without its KSN is taken for one under the fixed AES key: a wrong PIN.
    const DukptBlock block = next_block(pad, k_zhang_wei_pin);
    json without_ksn = json::parse(dukpt_body(block));
    without_ksn.erase("pin_block_ksn");
    auto fixed = client.Post("/v1/balance", without_ksn.dump(), "application/json");
    REQUIRE(fixed);
    CHECK(fixed->status == 401);
    CHECK(body_of(fixed) == json{{"result", "wrong_pin"}, {"tries_left", 2}});
}

TEST_CASE("A replayed or older DUKPT block is answered exactly as a wrong PIN and uses a try") {
    RunningBank bank;
    auto client = bank.client();
    auto pad = demo_pad(k_demo_id);
    const DukptBlock first = next_block(pad, k_zhang_wei_pin);
    const DukptBlock second = next_block(pad, k_zhang_wei_pin);  // kept back, sent late
    const DukptBlock third = next_block(pad, k_zhang_wei_pin);
    auto ok = client.Post("/v1/balance", dukpt_body(first), "application/json");
    REQUIRE(ok);
    CHECK(ok->status == 200);

    // The same block again: someone who recorded it cannot sign on with it.
    auto replay = client.Post("/v1/balance", dukpt_body(first), "application/json");
    REQUIRE(replay);
    CHECK(replay->status == 401);
    CHECK(body_of(replay) == json{{"result", "wrong_pin"}, {"tries_left", 2}});
    // A fresh block with a wrong PIN gets the same reply, one try further on.
    auto wrong =
        client.Post("/v1/balance", dukpt_body(next_block(pad, "9999")), "application/json");
    REQUIRE(wrong);
    CHECK(wrong->status == 401);
    CHECK(body_of(wrong) == json{{"result", "wrong_pin"}, {"tries_left", 1}});

    // The second and third blocks are older than the wrong one just accepted: the second is
    // refused as a third wrong PIN, which locks the card (as three wrong PINs do).
    auto older = client.Post("/v1/balance", dukpt_body(second), "application/json");
    REQUIRE(older);
    CHECK(older->status == 423);
    CHECK(body_of(older) == json{{"result", "pin_locked"}});
    auto locked = client.Post("/v1/balance", dukpt_body(third), "application/json");
    REQUIRE(locked);
    CHECK(locked->status == 423);
}

TEST_CASE("Each pad's counter is its own: another initial key ID starts from 1") {
    RunningBank bank;
    auto client = bank.client();
    auto pad = demo_pad(k_demo_id);
    for (int transaction = 0; transaction < 3; ++transaction) {
        (void)next_block(pad, k_zhang_wei_pin);
    }
    auto late = client.Post("/v1/balance", dukpt_body(next_block(pad, k_zhang_wei_pin)),
                            "application/json");
    REQUIRE(late);
    CHECK(late->status == 200);  // counter 4 first: counters may skip, never go back
    drivers::dukpt::InitialKeyId other_id = k_demo_id;
    other_id[7] ^= 0x01;
    auto other_pad = demo_pad(other_id);
    auto other = client.Post("/v1/balance", dukpt_body(next_block(other_pad, k_zhang_wei_pin)),
                             "application/json");
    REQUIRE(other);
    CHECK(other->status == 200);
}

TEST_CASE(
    "A KSN beside a format 0 block or not 24 hex digits is a bad request, and an unusable "
    "counter a wrong PIN") {
    RunningBank bank;
    auto client = bank.client();
    auto pad = demo_pad(k_demo_id);
    const DukptBlock block = next_block(pad, k_zhang_wei_pin);
    for (const std::string& ksn :
         {std::string("12345678901234560000000"), std::string("1234567890123456000000010"),
          std::string("12345678901234560000000G")}) {
        json body = json::parse(dukpt_body(block));
        body["pin_block_ksn"] = ksn;
        auto reply = client.Post("/v1/balance", body.dump(), "application/json");
        REQUIRE(reply);
        CHECK(reply->status == 400);
        CHECK(body_of(reply)["detail"] ==
              "pin_block_ksn must be 24 hexadecimal digits, beside a format 4 block");
    }
    json format0 =
        json::parse(balance_body(k_zhang_wei_pan, pin_block_hex(k_zhang_wei_pin, k_zhang_wei_pan)));
    format0["pin_block_ksn"] = block.ksn_hex;
    auto mixed = client.Post("/v1/balance", format0.dump(), "application/json");
    REQUIRE(mixed);
    CHECK(mixed->status == 400);

    // Counter 0 and 0x1FFFF (17 one bits) are never a pad's: no block deciphers under them.
    for (const std::string& ksn :
         {std::string("123456789012345600000000"), std::string("12345678901234560001FFFF")}) {
        json body = json::parse(dukpt_body(block));
        body["pin_block_ksn"] = ksn;
        auto reply = client.Post("/v1/balance", body.dump(), "application/json");
        REQUIRE(reply);
        CHECK(reply->status == 401);
        CHECK(body_of(reply)["result"] == "wrong_pin");
    }
    // The right block still works afterwards: refusing those recorded no counter.
    auto right = client.Post("/v1/balance", dukpt_body(block), "application/json");
    REQUIRE(right);
    CHECK(right->status == 200);
}
