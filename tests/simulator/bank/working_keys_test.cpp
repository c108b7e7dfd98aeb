// The bank's key management (docs/api/account.yaml, "PIN pad working keys"): after a key
// ceremony the kiosk asks for its working keys under the new master key, named by its check
// value; the bank wraps them for the pad (docs/protocols/epp.md §8.3) only under a master key it
// issued, and each block unwraps, in a pad that holds that key, to the bank's key and no other.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bank_fixture.h"
#include "base/bytes.h"
#include "drivers/epp/epp_security.h"
#include "simulator/bank/account_service.h"

using namespace bank_test;
using drivers::epp::KeySlot;
using drivers::epp::SecretKey;
using nlohmann::json;

namespace {

constexpr std::array<std::uint8_t, 16> k_issued_master = {
    0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE, 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF};
constexpr std::array<std::uint8_t, 16> k_pad_authentication_key = {
    0x0A, 0x0B, 0x0C, 0x0D, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x10, 0x11, 0x12};

std::string master_value(const std::array<std::uint8_t, 16>& key) {
    return base::to_hex(
        *drivers::epp::key_check_value(drivers::epp::KeyAlgorithm::aes128, SecretKey(key)));
}

struct KeyBank {
    TemporaryDirectory directory;
    simulator::bank::AccountService service;

    KeyBank() : service(configured(directory.path())) { REQUIRE(service.start().has_value()); }

    static simulator::bank::AccountServiceConfig configured(const std::filesystem::path& path) {
        simulator::bank::AccountServiceConfig config = config_in(path);
        config.pad_master_keys = {k_issued_master};
        config.pad_authentication_key = k_pad_authentication_key;
        return config;
    }

    httplib::Result ask(const json& body) {
        httplib::Client client("127.0.0.1", service.port());
        return client.Post("/v1/working-keys", body.dump(), "application/json");
    }
};

}  // namespace

TEST_CASE(
    "The bank wraps each working key asked for under the master key it issued, and each block "
    "unwraps to the bank's key with the check value it states") {
    KeyBank bank;
    const auto result = bank.ask({{"terminal_id", "lobby-01"},
                                  {"master_key_kcv", master_value(k_issued_master)},
                                  {"slots", {"authentication", "pin_tdes", "pin_aes"}}});
    REQUIRE(result);
    REQUIRE(result->status == 200);
    const json reply = body_of(result);
    REQUIRE(reply["keys"].size() == 3);
    const std::array<std::pair<KeySlot, std::array<std::uint8_t, 16>>, 3> expected{{
        {KeySlot::authentication, k_pad_authentication_key},
        {KeySlot::pin_tdes, simulator::bank::k_demo_pin_key},
        {KeySlot::pin_aes, simulator::bank::k_demo_pin_aes_key},
    }};
    for (std::size_t index = 0; index < expected.size(); ++index) {
        const auto& [slot, key] = expected[index];
        const json& entry = reply["keys"][index];
        CHECK(entry["slot"] == std::string(to_string(slot)));
        const auto bytes = base::parse_hex(entry["key_block"].get<std::string>());
        REQUIRE(bytes);
        drivers::epp::KeyBlock block{};
        REQUIRE(bytes->size() == block.size());
        std::ranges::copy(*bytes, block.begin());
        const auto unwrapped = drivers::epp::unwrap_key(SecretKey(k_issued_master), slot, block);
        REQUIRE(unwrapped);
        CHECK(unwrapped->bytes == key);
        CHECK(entry["kcv"] == base::to_hex(*drivers::epp::key_check_value(
                                  drivers::epp::algorithm_of(slot), SecretKey(key))));
        // A block is bound to its slot: it does not load as another.
        const KeySlot other = slot == KeySlot::pin_aes ? KeySlot::authentication : KeySlot::pin_aes;
        CHECK_FALSE(drivers::epp::unwrap_key(SecretKey(k_issued_master), other, block));
    }
    // Nothing in the reply is a key in the clear.
    CHECK(result->body.find(base::to_hex(k_pad_authentication_key)) == std::string::npos);
}

TEST_CASE("A master key the bank never issued gets no keys: 404 no_keys") {
    KeyBank bank;
    std::array<std::uint8_t, 16> typo = k_issued_master;
    typo[15] ^= 0x01;
    const auto result = bank.ask({{"terminal_id", "lobby-01"},
                                  {"master_key_kcv", master_value(typo)},
                                  {"slots", {"pin_aes"}}});
    REQUIRE(result);
    CHECK(result->status == 404);
    CHECK(body_of(result) == json{{"result", "no_keys"}});
}

TEST_CASE("A bank that holds no authentication key gives none, and says so") {
    TemporaryDirectory directory;
    simulator::bank::AccountServiceConfig config = config_in(directory.path());
    config.pad_master_keys = {k_issued_master};
    simulator::bank::AccountService service(config);
    REQUIRE(service.start().has_value());
    httplib::Client client("127.0.0.1", service.port());
    const auto result = client.Post("/v1/working-keys",
                                    json{{"terminal_id", "lobby-01"},
                                         {"master_key_kcv", master_value(k_issued_master)},
                                         {"slots", {"authentication"}}}
                                        .dump(),
                                    "application/json");
    REQUIRE(result);
    CHECK(result->status == 404);
}

TEST_CASE("Asking for the master key, DUKPT, a slot twice or no slot is a bad request") {
    KeyBank bank;
    for (const json& slots :
         {json::array({"master"}), json::array({"pin_dukpt"}), json::array({"pin_aes", "pin_aes"}),
          json::array(), json::array({"pin_aes", "pin_tdes", "authentication", "pin_aes"})}) {
        INFO(slots.dump());
        const auto result = bank.ask({{"terminal_id", "lobby-01"},
                                      {"master_key_kcv", master_value(k_issued_master)},
                                      {"slots", slots}});
        REQUIRE(result);
        CHECK(result->status == 400);
    }
    // A check value in lower case, or of the wrong length, too.
    for (const std::string_view value : {"0a1b2c3d4e", "0A1B2C"}) {
        const auto result = bank.ask(
            {{"terminal_id", "lobby-01"}, {"master_key_kcv", value}, {"slots", {"pin_aes"}}});
        REQUIRE(result);
        CHECK(result->status == 400);
    }
}
