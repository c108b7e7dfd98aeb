#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "bank_fixture.h"
#include "base/bytes.h"
#include "drivers/emv/application_cryptogram.h"
#include "simulator/bank/account_service.h"
#include "simulator/bank/card_authentication.h"

using namespace bank_test;
using nlohmann::json;

namespace {

// A clone's issuer master key: any key but the demo issuer's.
constexpr std::array<std::uint8_t, 16> k_clone_master_key = {
    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x01};

// What a card computes in GENERATE AC (EMV 4.3 Book 2 §8.1, Annex A1.3, A1.4 Option A) for the
// terminal data of a balance enquiry, under keys derived from `issuer_master_key`.
drivers::emv::OnlineAuthentication card_authentication(
    std::span<const std::uint8_t> issuer_master_key, std::string_view pan,
    std::uint16_t transaction_counter) {
    drivers::emv::OnlineAuthentication authentication{
        .cryptogram = {},
        .cryptogram_information = 0x80,  // ARQC
        .transaction_counter = transaction_counter,
        // 9F02, 9F03, 9F1A, 95, 5F2A, 9A, 9C, 9F37: 29 bytes.
        .cdol1_data = *base::parse_hex("000000000000 000000000000 0156 0000000000 0156 261204 "
                                       "31 1A2B3C4D"),
        .application_interchange_profile = {0x19, 0x80},
        .issuer_application_data = {0x06, 0x01, 0x0A, 0x03, 0xA0, 0x00, 0x00},
        .pan_sequence_number = 0x01,
    };
    auto master_key = drivers::emv::derive_icc_master_key(issuer_master_key, pan,
                                                          authentication.pan_sequence_number);
    REQUIRE(master_key);
    auto session_key = drivers::emv::derive_session_key(
        *master_key, drivers::emv::cryptogram_diversification(transaction_counter));
    REQUIRE(session_key);
    auto input = drivers::emv::cryptogram_input(authentication);
    REQUIRE(input);
    auto cryptogram = drivers::emv::application_cryptogram(*session_key, *input);
    REQUIRE(cryptogram);
    authentication.cryptogram = std::move(*cryptogram);
    return authentication;
}

json authentication_json(const drivers::emv::OnlineAuthentication& authentication) {
    json object = {
        {"arqc", base::to_hex(authentication.cryptogram)},
        {"cryptogram_information",
         base::to_hex(std::array<std::uint8_t, 1>{authentication.cryptogram_information})},
        {"atc", base::to_hex(std::array<std::uint8_t, 2>{
                    static_cast<std::uint8_t>(authentication.transaction_counter >> 8),
                    static_cast<std::uint8_t>(authentication.transaction_counter)})},
        {"cdol1_data", base::to_hex(authentication.cdol1_data)},
        {"aip", base::to_hex(authentication.application_interchange_profile)},
        {"issuer_application_data", base::to_hex(authentication.issuer_application_data)},
    };
    if (authentication.pan_sequence_number) {
        object["pan_sequence_number"] =
            base::to_hex(std::array<std::uint8_t, 1>{*authentication.pan_sequence_number});
    }
    return object;
}

json sign_on_body(std::string_view pan, std::string_view pin) {
    return json::parse(balance_body(pan, pin_block_hex(pin, pan)));
}

httplib::Result sign_on(httplib::Client& client, const json& body) {
    return client.Post("/v1/sessions", body.dump(), "application/json");
}

json signed_on_with(const drivers::emv::OnlineAuthentication& authentication) {
    json body = sign_on_body(k_zhang_wei_pan, k_zhang_wei_pin);
    body["card_authentication"] = authentication_json(authentication);
    return body;
}

std::string last_audit_result(simulator::bank::AccountService& service) {
    auto entries = service.audit_entries();
    REQUIRE(entries);
    REQUIRE_FALSE(entries->empty());
    return entries->back().result;
}

}  // namespace

TEST_CASE("a genuine card's ARQC with the right PIN opens a session") {
    RunningBank bank;
    auto client = bank.client();
    auto result =
        sign_on(client, signed_on_with(card_authentication(
                            simulator::bank::k_demo_issuer_master_key, k_zhang_wei_pan, 7)));
    REQUIRE(result);
    CHECK(result->status == 200);
    CHECK(body_of(result)["result"] == "ok");
    CHECK(last_audit_result(bank.service) == "ok");
}

TEST_CASE("a clone whose keys are not the issuer's is refused as a card the bank will not serve") {
    RunningBank bank;
    auto client = bank.client();
    auto result = sign_on(
        client, signed_on_with(card_authentication(k_clone_master_key, k_zhang_wei_pan, 7)));
    REQUIRE(result);
    CHECK(result->status == 404);
    CHECK(body_of(result)["result"] == "card_unknown");
    CHECK(last_audit_result(bank.service) == "card_authentication_failed");

    // The clone learnt nothing about the PIN and used none of the real card's tries: three
    // clone attempts with wrong PINs later, the genuine card still signs on.
    for (int attempt = 0; attempt < 3; ++attempt) {
        json body = signed_on_with(card_authentication(k_clone_master_key, k_zhang_wei_pan,
                                                       static_cast<std::uint16_t>(8 + attempt)));
        body["pin_block"] = pin_block_hex("9999", k_zhang_wei_pan);
        auto refused = sign_on(client, body);
        REQUIRE(refused);
        CHECK(refused->status == 404);
    }
    auto genuine =
        sign_on(client, signed_on_with(card_authentication(
                            simulator::bank::k_demo_issuer_master_key, k_zhang_wei_pan, 20)));
    REQUIRE(genuine);
    CHECK(genuine->status == 200);
}

TEST_CASE("a clone that carries only the PAN is refused when card authentication is required") {
    TemporaryDirectory directory;
    auto config = config_in(directory.path());
    config.require_card_authentication = true;
    simulator::bank::AccountService service(config);
    REQUIRE(service.start());
    httplib::Client client("127.0.0.1", service.port());
    auto result = sign_on(client, sign_on_body(k_zhang_wei_pan, k_zhang_wei_pin));
    REQUIRE(result);
    CHECK(result->status == 404);
    CHECK(body_of(result)["result"] == "card_unknown");
    CHECK(last_audit_result(service) == "card_authentication_missing");
    // The balance call is the same check.
    auto balance = post_balance(client, k_zhang_wei_pan, k_zhang_wei_pin);
    REQUIRE(balance);
    CHECK(balance->status == 404);
}

TEST_CASE("an ARQC replayed with a counter the bank has already accepted is refused") {
    RunningBank bank;
    auto client = bank.client();
    const auto first =
        card_authentication(simulator::bank::k_demo_issuer_master_key, k_zhang_wei_pan, 41);
    auto accepted = sign_on(client, signed_on_with(first));
    REQUIRE(accepted);
    CHECK(accepted->status == 200);

    auto replayed = sign_on(client, signed_on_with(first));
    REQUIRE(replayed);
    CHECK(replayed->status == 404);
    CHECK(last_audit_result(bank.service) == "transaction_counter_replayed");

    // An older genuine cryptogram (a lower counter) is refused too; a newer one is accepted.
    auto older =
        sign_on(client, signed_on_with(card_authentication(
                            simulator::bank::k_demo_issuer_master_key, k_zhang_wei_pan, 40)));
    REQUIRE(older);
    CHECK(older->status == 404);
    auto newer =
        sign_on(client, signed_on_with(card_authentication(
                            simulator::bank::k_demo_issuer_master_key, k_zhang_wei_pan, 42)));
    REQUIRE(newer);
    CHECK(newer->status == 200);
}

TEST_CASE("the last accepted counter survives a restart of the service") {
    TemporaryDirectory directory;
    const auto authentication =
        card_authentication(simulator::bank::k_demo_issuer_master_key, k_zhang_wei_pan, 300);
    {
        simulator::bank::AccountService service(config_in(directory.path()));
        REQUIRE(service.start());
        httplib::Client client("127.0.0.1", service.port());
        auto result = sign_on(client, signed_on_with(authentication));
        REQUIRE(result);
        CHECK(result->status == 200);
    }
    simulator::bank::AccountService service(config_in(directory.path()));
    REQUIRE(service.start());
    httplib::Client client("127.0.0.1", service.port());
    auto result = sign_on(client, signed_on_with(authentication));
    REQUIRE(result);
    CHECK(result->status == 404);
}

TEST_CASE("an ARQC whose CDOL1 data was changed by one byte is refused") {
    RunningBank bank;
    auto client = bank.client();
    auto authentication =
        card_authentication(simulator::bank::k_demo_issuer_master_key, k_zhang_wei_pan, 9);
    // The amount authorised, 9F02, raised after the card computed its cryptogram.
    authentication.cdol1_data[5] = 0x01;
    auto result = sign_on(client, signed_on_with(authentication));
    REQUIRE(result);
    CHECK(result->status == 404);
    CHECK(last_audit_result(bank.service) == "card_authentication_failed");
}

TEST_CASE("a genuine cryptogram that is not an ARQC is refused") {
    RunningBank bank;
    auto client = bank.client();
    auto authentication =
        card_authentication(simulator::bank::k_demo_issuer_master_key, k_zhang_wei_pan, 9);
    authentication.cryptogram_information = 0x00;  // an AAC: the card declined offline
    auto result = sign_on(client, signed_on_with(authentication));
    REQUIRE(result);
    CHECK(result->status == 404);
}

TEST_CASE("a malformed card_authentication is a bad request naming the field, not a refusal") {
    RunningBank bank;
    auto client = bank.client();
    const json genuine = authentication_json(
        card_authentication(simulator::bank::k_demo_issuer_master_key, k_zhang_wei_pan, 5));
    const auto bad_request = [&](json authentication) {
        json body = sign_on_body(k_zhang_wei_pan, k_zhang_wei_pin);
        body["card_authentication"] = std::move(authentication);
        auto result = sign_on(client, body);
        REQUIRE(result);
        CHECK(result->status == 400);
        const json reply = body_of(result);
        CHECK(reply["result"] == "bad_request");
        CHECK(reply["detail"].get<std::string>().find("card_authentication") != std::string::npos);
    };
    json lower_case = genuine;
    lower_case["arqc"] = "0123456789abcdef";
    bad_request(lower_case);
    json short_arqc = genuine;
    short_arqc["arqc"] = "0123456789ABCD";
    bad_request(short_arqc);
    json missing = genuine;
    missing.erase("atc");
    bad_request(missing);
    json extra = genuine;
    extra["track2"] = "00";
    bad_request(extra);
    json odd_cdol = genuine;
    odd_cdol["cdol1_data"] = "123";
    bad_request(odd_cdol);
    json number = genuine;
    number["aip"] = 1980;
    bad_request(number);
    bad_request(json::array({"00"}));
    json huge_issuer_data = genuine;
    huge_issuer_data["issuer_application_data"] = std::string(66, 'A');
    bad_request(huge_issuer_data);
}
