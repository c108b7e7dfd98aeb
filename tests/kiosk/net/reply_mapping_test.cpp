// interpret_sign_on_reply, interpret_preferences_reply and interpret_working_keys_reply: the HTTP
// reply -> core mapping of the contract.

#include <catch2/catch.hpp>

#include "kiosk/net/account_client.h"

using kiosk::core::ServiceStatus;
using kiosk::net::interpret_preferences_reply;
using kiosk::net::interpret_sign_on_reply;

TEST_CASE("a 200 ok reply maps to the balance in minor units") {
    const auto reply = interpret_sign_on_reply(
        200,
        R"({"result":"ok","balance":{"minor_units":1234567,"currency":"CNY"},"masked_pan":"**** **** **** 0018"})");
    CHECK(reply.status == ServiceStatus::ok);
    REQUIRE(reply.balance.has_value());
    CHECK(reply.balance->balance.minor_units == 1234567);
    CHECK(reply.balance->balance.currency == "CNY");
}

TEST_CASE("a zero balance is a valid balance") {
    const auto reply = interpret_sign_on_reply(
        200, R"({"result":"ok","balance":{"minor_units":0,"currency":"HKD"}})");
    CHECK(reply.status == ServiceStatus::ok);
    CHECK(reply.balance->balance.currency == "HKD");
}

TEST_CASE("401, 423 and 404 map to wrong_pin, pin_locked and card_unknown") {
    const auto wrong = interpret_sign_on_reply(401, R"({"result":"wrong_pin","tries_left":1})");
    CHECK(wrong.status == ServiceStatus::wrong_pin);
    CHECK(wrong.tries_left == 1);
    CHECK(interpret_sign_on_reply(423, R"({"result":"pin_locked"})").status ==
          ServiceStatus::pin_locked);
    CHECK(interpret_sign_on_reply(404, R"({"result":"card_unknown"})").status ==
          ServiceStatus::card_unknown);
}

TEST_CASE("any 5xx maps to unavailable whatever its body") {
    CHECK(interpret_sign_on_reply(503, R"({"result":"unavailable"})").status ==
          ServiceStatus::unavailable);
    CHECK(interpret_sign_on_reply(503, "").status == ServiceStatus::unavailable);
    CHECK(interpret_sign_on_reply(502, "<html>").status == ServiceStatus::unavailable);
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
        const auto reply = interpret_sign_on_reply(status, body);
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
    const auto reply = interpret_sign_on_reply(
        200, ok_reply_with(R"({"elder_mode":true,"grant":")" + std::string(k_grant) + R"("})"));
    CHECK(reply.status == ServiceStatus::ok);
    REQUIRE(reply.balance.has_value());
    CHECK(reply.balance->balance.minor_units == 100);
    REQUIRE(reply.preferences.has_value());
    CHECK(reply.preferences->elder_mode);
    CHECK(reply.preferences->grant.view() == k_grant);
    const auto off = interpret_sign_on_reply(
        200, ok_reply_with(R"({"grant":"abcdefghijklmnop","elder_mode":false})"));
    REQUIRE(off.preferences.has_value());
    CHECK_FALSE(off.preferences->elder_mode);
    CHECK(off.preferences->grant.view() == "abcdefghijklmnop");
}

TEST_CASE("an ok reply without preferences has none: the service keeps no preferences") {
    const auto reply = interpret_sign_on_reply(
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
        const auto reply = interpret_sign_on_reply(200, ok_reply_with(preferences));
        CHECK(reply.status == ServiceStatus::bad_reply);
        CHECK_FALSE(reply.balance.has_value());
        CHECK_FALSE(reply.preferences.has_value());
    }
}

TEST_CASE("preferences on a reply that is not ok are ignored, never believed") {
    const auto wrong = interpret_sign_on_reply(
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

// ---- interpret_money_reply ----

namespace {

using kiosk::core::MoneyStatus;
using kiosk::net::interpret_money_reply;

const kiosk::core::AccountRequest k_quote =
    kiosk::core::RequestQuote{kiosk::core::MoneyKind::withdrawal, {50'000, "CNY"}, {}};
const kiosk::core::AccountRequest k_authorise =
    kiosk::core::AuthoriseWithdrawal{"0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c5d", "q-0123456789"};
const kiosk::core::AccountRequest k_confirm =
    kiosk::core::ConfirmWithdrawal{"0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c5d", {50'000, "CNY"}};

constexpr const char* k_withdrawal_body =
    R"({"result":"ok","withdrawal":{"transaction":"0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c5d",)"
    R"("state":"authorised","amount":{"minor_units":50000,"currency":"CNY"},)"
    R"("fee":{"minor_units":0,"currency":"CNY"},"dispensed":{"minor_units":0,"currency":"CNY"}}})";

}  // namespace

TEST_CASE("an ok quote carries its amount, fee and total, which must add up") {
    const auto reply = interpret_money_reply(
        k_quote, 200,
        R"({"result":"ok","quote":{"id":"q-1234567890","kind":"withdrawal",)"
        R"("amount":{"minor_units":50000,"currency":"CNY"},"fee":{"minor_units":200,"currency":"CNY"},)"
        R"("total":{"minor_units":50200,"currency":"CNY"},"expires_in_s":300}})");
    REQUIRE(reply.status == MoneyStatus::ok);
    CHECK(reply.quote->fee == kiosk::core::Money{200, "CNY"});
    CHECK(
        interpret_money_reply(
            k_quote, 200,
            R"({"result":"ok","quote":{"id":"q-1234567890","kind":"withdrawal",)"
            R"("amount":{"minor_units":50000,"currency":"CNY"},"fee":{"minor_units":200,"currency":"CNY"},)"
            R"("total":{"minor_units":50000,"currency":"CNY"},"expires_in_s":300}})")
            .status == MoneyStatus::bad_reply);
    // A quote of the other kind than asked for is not believed either.
    CHECK(
        interpret_money_reply(
            k_quote, 200,
            R"({"result":"ok","quote":{"id":"q-1234567890","kind":"transfer",)"
            R"("amount":{"minor_units":50000,"currency":"CNY"},"fee":{"minor_units":0,"currency":"CNY"},)"
            R"("total":{"minor_units":50000,"currency":"CNY"},"expires_in_s":300,"payee_masked":"**** 1234"}})")
            .status == MoneyStatus::bad_reply);
}

TEST_CASE("a withdrawal reply maps to its record, created or repeated alike") {
    for (const long status : {200L, 201L}) {
        const auto reply = interpret_money_reply(k_authorise, status, k_withdrawal_body);
        REQUIRE(reply.status == MoneyStatus::ok);
        CHECK(reply.withdrawal->state == kiosk::core::WithdrawalState::authorised);
    }
    // The withdrawal is what a quote's reply lacks, and the other way round.
    CHECK(interpret_money_reply(k_quote, 200, k_withdrawal_body).status == MoneyStatus::bad_reply);
}

TEST_CASE("each refusal maps only from the requests the contract gives it to") {
    CHECK(interpret_money_reply(k_quote, 422, R"({"result":"insufficient_funds"})").status ==
          MoneyStatus::insufficient_funds);
    const auto over = interpret_money_reply(
        k_quote, 422,
        R"({"result":"over_limit","limit_left":{"minor_units":150000,"currency":"CNY"}})");
    CHECK(over.status == MoneyStatus::over_limit);
    CHECK(over.limit_left == kiosk::core::Money{150'000, "CNY"});
    CHECK(interpret_money_reply(k_quote, 422, R"({"result":"pin_not_allowed"})").status ==
          MoneyStatus::bad_reply);
    CHECK(interpret_money_reply(k_authorise, 410, R"({"result":"quote_expired"})").status ==
          MoneyStatus::quote_expired);
    CHECK(interpret_money_reply(k_quote, 410, R"({"result":"quote_expired"})").status ==
          MoneyStatus::bad_reply);
    CHECK(interpret_money_reply(k_authorise, 401, R"({"result":"session_refused"})").status ==
          MoneyStatus::session_refused);
    // Confirming needs no session, so "session refused" to it is not the contract.
    CHECK(interpret_money_reply(k_confirm, 401, R"({"result":"session_refused"})").status ==
          MoneyStatus::bad_reply);
    CHECK(interpret_money_reply(k_confirm, 404, R"({"result":"unknown_transaction"})").status ==
          MoneyStatus::unknown_transaction);
    CHECK(interpret_money_reply(k_authorise, 404, R"({"result":"unknown_transaction"})").status ==
          MoneyStatus::bad_reply);
    const auto conflict = interpret_money_reply(
        k_authorise, 409,
        std::string(R"({"result":"conflict",)") + std::string(k_withdrawal_body).substr(15));
    CHECK(conflict.status == MoneyStatus::conflict);
    CHECK(conflict.withdrawal.has_value());
    CHECK(interpret_money_reply(k_confirm, 503, "").status == MoneyStatus::unavailable);
    CHECK(interpret_money_reply(k_confirm, 200, "{").status == MoneyStatus::bad_reply);
}

TEST_CASE("a withdrawal that claims to have dispensed more than its amount is not believed") {
    const std::string body =
        R"({"result":"ok","withdrawal":{"transaction":"0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c5d",)"
        R"("state":"confirmed","amount":{"minor_units":50000,"currency":"CNY"},)"
        R"("fee":{"minor_units":0,"currency":"CNY"},"dispensed":{"minor_units":60000,"currency":"CNY"}}})";
    CHECK(interpret_money_reply(k_confirm, 200, body).status == MoneyStatus::bad_reply);
}

TEST_CASE("a sign-on's session must come with well-formed limits") {
    const std::string balance = R"("result":"ok","balance":{"minor_units":100,"currency":"CNY"})";
    const std::string limits =
        R"("limits":{"withdrawal_per_transaction":{"minor_units":300000,"currency":"CNY"},)"
        R"("withdrawal_left_today":{"minor_units":2000000,"currency":"CNY"},)"
        R"("transfer_left_today":{"minor_units":5000000,"currency":"CNY"}})";
    const std::string token = std::string(R"("session":")") + std::string(64, 'a') + "\"";
    const auto ok =
        kiosk::net::interpret_sign_on_reply(200, "{" + balance + "," + token + "," + limits + "}");
    REQUIRE(ok.status == ServiceStatus::ok);
    CHECK(ok.session->token.view() == std::string(64, 'a'));
    CHECK(kiosk::net::interpret_sign_on_reply(200, "{" + balance + "," + token + "}").status ==
          ServiceStatus::bad_reply);
    CHECK(kiosk::net::interpret_sign_on_reply(
              200, "{" + balance + R"(,"session":"short",)" + limits + "}")
              .status == ServiceStatus::bad_reply);
    CHECK(kiosk::net::interpret_sign_on_reply(200, "{" + balance + "}").session == std::nullopt);
    CHECK(kiosk::net::interpret_sign_on_reply(403, R"({"result":"card_blocked"})").status ==
          ServiceStatus::card_blocked);
}

TEST_CASE(
    "A working keys reply is ok only with one well-formed key per slot asked, in order; 404 "
    "no_keys says the bank has none; anything else is unavailable") {
    using kiosk::core::WorkingKeysOutcome;
    using kiosk::net::interpret_working_keys_reply;
    const std::vector<std::string> slots = {"authentication", "pin_aes"};
    const std::string block(64, 'A');
    const auto key = [&](std::string_view slot, std::string_view kcv = "0A1B2C3D4E") {
        return R"({"slot":")" + std::string(slot) + R"(","key_block":")" + block + R"(","kcv":")" +
               std::string(kcv) + R"("})";
    };
    const std::string good =
        R"({"result":"ok","keys":[)" + key("authentication") + "," + key("pin_aes") + "]}";
    const auto fetched = interpret_working_keys_reply(200, good, slots);
    CHECK(fetched.outcome == WorkingKeysOutcome::ok);
    REQUIRE(fetched.keys.size() == 2);
    CHECK(fetched.keys[1].slot == "pin_aes");
    CHECK(fetched.keys[1].key_block == block);
    CHECK(fetched.keys[1].check_value == "0A1B2C3D4E");
    CHECK(interpret_working_keys_reply(404, R"({"result":"no_keys"})", slots).outcome ==
          WorkingKeysOutcome::no_keys);
    for (const std::string& broken :
         {R"({"result":"ok","keys":[)" + key("pin_aes") + "," + key("authentication") + "]}",
          R"({"result":"ok","keys":[)" + key("authentication") + "]}",
          R"({"result":"ok","keys":[)" + key("authentication") + "," +
              key("pin_aes", "0a1b2c3d4e") + "]}",
          R"({"result":"ok","keys":[)" + key("authentication") + "," + key("pin_aes") +
              R"(],"extra":1})",
          std::string(R"({"result":"ok","keys":)"), std::string(R"({"result":"no_keys"})")}) {
        INFO(broken);
        CHECK(interpret_working_keys_reply(200, broken, slots).outcome ==
              WorkingKeysOutcome::unavailable);
    }
    CHECK(interpret_working_keys_reply(503, R"({"result":"unavailable"})", slots).outcome ==
          WorkingKeysOutcome::unavailable);
}
