// interpret_balance_reply and interpret_preferences_reply: the HTTP reply -> core mapping of the
// contract.

#include <catch2/catch.hpp>

#include "kiosk/net/account_client.h"

using kiosk::core::ServiceStatus;
using kiosk::net::interpret_balance_reply;
using kiosk::net::interpret_preferences_reply;

TEST_CASE("a 200 ok reply maps to the balance in minor units") {
    const auto reply = interpret_balance_reply(
        200,
        R"({"result":"ok","balance":{"minor_units":1234567,"currency":"CNY"},"masked_pan":"**** **** **** 0018"})");
    CHECK(reply.status == ServiceStatus::ok);
    REQUIRE(reply.balance.has_value());
    CHECK(reply.balance->balance.minor_units == 1234567);
    CHECK(reply.balance->balance.currency == "CNY");
}

TEST_CASE("a zero balance is a valid balance") {
    const auto reply = interpret_balance_reply(
        200, R"({"result":"ok","balance":{"minor_units":0,"currency":"HKD"}})");
    CHECK(reply.status == ServiceStatus::ok);
    CHECK(reply.balance->balance.currency == "HKD");
}

TEST_CASE("401, 423 and 404 map to wrong_pin, pin_locked and card_unknown") {
    const auto wrong = interpret_balance_reply(401, R"({"result":"wrong_pin","tries_left":1})");
    CHECK(wrong.status == ServiceStatus::wrong_pin);
    CHECK(wrong.tries_left == 1);
    CHECK(interpret_balance_reply(423, R"({"result":"pin_locked"})").status ==
          ServiceStatus::pin_locked);
    CHECK(interpret_balance_reply(404, R"({"result":"card_unknown"})").status ==
          ServiceStatus::card_unknown);
}

TEST_CASE("any 5xx maps to unavailable whatever its body") {
    CHECK(interpret_balance_reply(503, R"({"result":"unavailable"})").status ==
          ServiceStatus::unavailable);
    CHECK(interpret_balance_reply(503, "").status == ServiceStatus::unavailable);
    CHECK(interpret_balance_reply(502, "<html>").status == ServiceStatus::unavailable);
}

TEST_CASE("replies that break the contract map to bad_reply") {
    const std::vector<std::pair<long, std::string>> broken = {
        {200, ""},
        {200, "not json"},
        {200, "[]"},
        {200, R"({"result":"ok"})"},
        {200, R"({"result":"ok","balance":null})"},
        {200, R"({"result":"ok","balance":{"currency":"CNY"}})"},
        {200, R"({"result":"ok","balance":{"minor_units":100}})"},
        {200, R"({"result":"ok","balance":{"minor_units":-5,"currency":"CNY"}})"},
        {200, R"({"result":"ok","balance":{"minor_units":12.5,"currency":"CNY"}})"},
        {200, R"({"result":"ok","balance":{"minor_units":"100","currency":"CNY"}})"},
        {200, R"({"result":"ok","balance":{"minor_units":18446744073709551615,"currency":"CNY"}})"},
        {200, R"({"result":"ok","balance":{"minor_units":10000000000001,"currency":"CNY"}})"},
        {200, R"({"result":"ok","balance":{"minor_units":1e30,"currency":"CNY"}})"},
        {200, R"({"result":"ok","balance":{"minor_units":100,"currency":"cny"}})"},
        {200, R"({"result":"ok","balance":{"minor_units":100,"currency":"YUAN"}})"},
        {200, R"({"result":"ok","balance":{"minor_units":100,"currency":7}})"},
        {200, R"({"result":"wrong_pin","tries_left":2})"},
        {200, R"({"result":"ok","balance":{"minor_units":100,"currency":"CNY"})"},
        {401, R"({"result":"wrong_pin"})"},
        {401, R"({"result":"wrong_pin","tries_left":-1})"},
        {401, R"({"result":"wrong_pin","tries_left":1000})"},
        {401, R"({"result":"wrong_pin","tries_left":"2"})"},
        {401, R"({"result":"wrong_pin","tries_left":1.5})"},
        {401, R"({"result":"unauthorised"})"},
        {404, R"({"result":"not_found"})"},
        {404, "<html>Not Found</html>"},
        {423, R"({"result":"locked"})"},
        {400, R"({"result":"bad_request","detail":"pan"})"},
        {413, R"({"result":"bad_request"})"},
        {302, ""},
        {0, ""},
    };
    for (const auto& [status, body] : broken) {
        INFO(status << " " << body);
        const auto reply = interpret_balance_reply(status, body);
        CHECK(reply.status == ServiceStatus::bad_reply);
        CHECK_FALSE(reply.balance.has_value());
    }
}

namespace {

constexpr std::string_view k_grant =
    "3f6c0a9e1d2b47c58e90f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6";

std::string ok_reply_with(std::string_view preferences) {
    return R"({"result":"ok","balance":{"minor_units":100,"currency":"CNY"},"preferences":)" +
           std::string(preferences) + "}";
}

}  // namespace

TEST_CASE("an ok reply's preferences map to the stored flag and the grant") {
    const auto reply = interpret_balance_reply(
        200, ok_reply_with(R"({"elder_mode":true,"grant":")" + std::string(k_grant) + R"("})"));
    CHECK(reply.status == ServiceStatus::ok);
    REQUIRE(reply.balance.has_value());
    CHECK(reply.balance->balance.minor_units == 100);
    REQUIRE(reply.preferences.has_value());
    CHECK(reply.preferences->elder_mode);
    CHECK(reply.preferences->grant.view() == k_grant);
    const auto off = interpret_balance_reply(
        200, ok_reply_with(R"({"grant":"abcdefghijklmnop","elder_mode":false})"));
    REQUIRE(off.preferences.has_value());
    CHECK_FALSE(off.preferences->elder_mode);
    CHECK(off.preferences->grant.view() == "abcdefghijklmnop");
}

TEST_CASE("an ok reply without preferences has none: the service keeps no preferences") {
    const auto reply = interpret_balance_reply(
        200, R"({"result":"ok","balance":{"minor_units":100,"currency":"CNY"}})");
    CHECK(reply.status == ServiceStatus::ok);
    CHECK(reply.balance.has_value());
    CHECK_FALSE(reply.preferences.has_value());
}

TEST_CASE("an ok reply with malformed preferences is bad_reply as a whole") {
    const std::string grant(k_grant);
    const std::vector<std::string> broken = {
        "null",
        "true",
        "[]",
        R"("elder")",
        "{}",
        R"({"elder_mode":true})",
        R"({"grant":")" + grant + R"("})",
        R"({"elder_mode":"true","grant":")" + grant + R"("})",
        R"({"elder_mode":1,"grant":")" + grant + R"("})",
        R"({"elder_mode":null,"grant":")" + grant + R"("})",
        R"({"elder_mode":true,"grant":null})",
        R"({"elder_mode":true,"grant":12345678901234567890})",
        R"({"elder_mode":true,"grant":""})",
        R"({"elder_mode":true,"grant":"abcdefghijklmno"})",  // 15 characters
        R"({"elder_mode":true,"grant":")" + std::string(129, 'a') + R"("})",
        R"({"elder_mode":true,"grant":"abcdefgh ijklmnop"})",
        R"({"elder_mode":true,"grant":"abcdefgh\"ijklmnop"})",
        R"({"elder_mode":true,"grant":"abcdefgh/ijklmnop"})",
        R"({"elder_mode":true,"grant":"abcdefghijklmnop\u0000"})",
        R"({"elder_mode":true,"grant":["abcdefghijklmnop"]})",
    };
    for (const std::string& preferences : broken) {
        INFO(preferences);
        const auto reply = interpret_balance_reply(200, ok_reply_with(preferences));
        CHECK(reply.status == ServiceStatus::bad_reply);
        CHECK_FALSE(reply.balance.has_value());
        CHECK_FALSE(reply.preferences.has_value());
    }
}

TEST_CASE("preferences on a reply that is not ok are ignored, never believed") {
    const auto wrong = interpret_balance_reply(
        401, R"({"result":"wrong_pin","tries_left":2,"preferences":{"elder_mode":true,"grant":")" +
                 std::string(k_grant) + R"("}})");
    CHECK(wrong.status == ServiceStatus::wrong_pin);
    CHECK_FALSE(wrong.preferences.has_value());
}

TEST_CASE("a preferences reply is saved only as 200 with result ok") {
    CHECK(interpret_preferences_reply(200, R"({"result":"ok"})"));
    CHECK(interpret_preferences_reply(200, R"({"result":"ok","note":"added later"})"));
    const std::vector<std::pair<long, std::string>> not_saved = {
        {403, R"({"result":"grant_refused"})"},
        {400, R"({"result":"bad_request","detail":"grant"})"},
        {413, R"({"result":"bad_request"})"},
        {503, R"({"result":"unavailable"})"},
        {500, R"({"result":"ok"})"},
        {403, R"({"result":"ok"})"},
        {201, R"({"result":"ok"})"},
        {200, R"({"result":"grant_refused"})"},
        {200, R"({"result":"OK"})"},
        {200, R"({"result":true})"},
        {200, R"({})"},
        {200, R"([])"},
        {200, ""},
        {200, "ok"},
        {200, R"({"result":"ok")"},
        {0, ""},
    };
    for (const auto& [status, body] : not_saved) {
        INFO(status << " " << body);
        CHECK_FALSE(interpret_preferences_reply(status, body));
    }
}
