// interpret_balance_reply: the HTTP reply -> core::ServiceReply mapping of the contract.

#include <catch2/catch.hpp>

#include "kiosk/net/account_client.h"

using kiosk::core::ServiceStatus;
using kiosk::net::interpret_balance_reply;

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
