// Card preferences at the simulated account service (docs/api/account.yaml, "Card
// preferences"): the grant of a balance reply, PUT /v1/preferences, and the stored flag.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <set>

#include "bank_fixture.h"

using namespace bank_test;
using nlohmann::json;
using simulator::bank::Fault;

namespace {

// The preferences of an ok balance reply for a correct PIN.
template <typename HttpClient>
json preferences_of(HttpClient& client, std::string_view pan, std::string_view pin) {
    auto result = post_balance(client, pan, pin);
    REQUIRE(result);
    REQUIRE(result->status == 200);
    const json reply = body_of(result);
    REQUIRE(reply.contains("preferences"));
    return reply["preferences"];
}

template <typename HttpClient>
std::string grant_for(HttpClient& client, std::string_view pan, std::string_view pin) {
    return preferences_of(client, pan, pin)["grant"].template get<std::string>();
}

template <typename HttpClient>
bool elder_mode_of(HttpClient& client, std::string_view pan, std::string_view pin) {
    return preferences_of(client, pan, pin)["elder_mode"].template get<bool>();
}

// A grant of the right form that the service never issued.
constexpr std::string_view k_forged_grant =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

}  // namespace

TEST_CASE("a correct PIN returns the card's preferences with a fresh 64-hex-digit grant") {
    RunningBank bank;
    auto client = bank.client();
    const json first = preferences_of(client, k_zhang_wei_pan, k_zhang_wei_pin);
    CHECK(first.size() == 2);
    CHECK(first["elder_mode"] == false);
    REQUIRE(first["grant"].is_string());
    const std::string grant = first["grant"];
    CHECK(grant.size() == 64);
    CHECK(grant.find_first_not_of("0123456789abcdef") == std::string::npos);
    // Every correct PIN gets a grant of its own.
    CHECK(grant_for(client, k_zhang_wei_pan, k_zhang_wei_pin) != grant);
}

TEST_CASE("a wrong PIN, a locked card and an unknown card get no preferences and no grant") {
    RunningBank bank;
    auto client = bank.client();
    auto wrong = post_balance(client, k_zhang_wei_pan, "9999");
    REQUIRE(wrong);
    CHECK(wrong->status == 401);
    CHECK_FALSE(body_of(wrong).contains("preferences"));
    REQUIRE(post_balance(client, k_zhang_wei_pan, "9999"));
    auto locked = post_balance(client, k_zhang_wei_pan, "9999");
    REQUIRE(locked);
    CHECK(locked->status == 423);
    CHECK_FALSE(body_of(locked).contains("preferences"));
    auto locked_correct = post_balance(client, k_zhang_wei_pan, k_zhang_wei_pin);
    REQUIRE(locked_correct);
    CHECK(locked_correct->status == 423);
    CHECK(body_of(locked_correct) == json{{"result", "pin_locked"}});
    auto unknown = post_balance(client, k_stranger_pan, "0000");
    REQUIRE(unknown);
    CHECK(body_of(unknown) == json{{"result", "card_unknown"}});
}

TEST_CASE("a grant stores elder mode, which comes back in the card's next balance reply") {
    RunningBank bank;
    auto client = bank.client();
    const std::string grant = grant_for(client, k_zhang_wei_pan, k_zhang_wei_pin);
    auto saved = put_preferences(client, grant, true);
    REQUIRE(saved);
    CHECK(saved->status == 200);
    CHECK(body_of(saved) == json{{"result", "ok"}});
    CHECK(elder_mode_of(client, k_zhang_wei_pan, k_zhang_wei_pin));
    CHECK(elder_mode_of(client, k_zhang_wei_pan, k_zhang_wei_pin));
}

TEST_CASE("a grant changes the preferences once: used again it is refused and changes nothing") {
    RunningBank bank;
    auto client = bank.client();
    const std::string grant = grant_for(client, k_zhang_wei_pan, k_zhang_wei_pin);
    REQUIRE(put_preferences(client, grant, true)->status == 200);
    auto again = put_preferences(client, grant, false);
    REQUIRE(again);
    CHECK(again->status == 403);
    CHECK(body_of(again) == json{{"result", "grant_refused"}});
    CHECK(elder_mode_of(client, k_zhang_wei_pan, k_zhang_wei_pin));
}

TEST_CASE("a later grant turns elder mode off again") {
    RunningBank bank;
    auto client = bank.client();
    REQUIRE(put_preferences(client, grant_for(client, k_li_na_pan, k_li_na_pin), true)->status ==
            200);
    REQUIRE(elder_mode_of(client, k_li_na_pan, k_li_na_pin));
    REQUIRE(put_preferences(client, grant_for(client, k_li_na_pan, k_li_na_pin), false)->status ==
            200);
    CHECK_FALSE(elder_mode_of(client, k_li_na_pan, k_li_na_pin));
}

TEST_CASE("a grant the service never issued is refused") {
    RunningBank bank;
    auto client = bank.client();
    // A real grant exists, so the refusal is not merely an empty table.
    const std::string real = grant_for(client, k_zhang_wei_pan, k_zhang_wei_pin);
    auto forged = put_preferences(client, k_forged_grant, true);
    REQUIRE(forged);
    CHECK(forged->status == 403);
    CHECK(body_of(forged) == json{{"result", "grant_refused"}});
    // One character changed is another grant.
    std::string altered = real;
    altered[0] = altered[0] == 'a' ? 'b' : 'a';
    auto near = put_preferences(client, altered, true);
    REQUIRE(near);
    CHECK(near->status == 403);
    CHECK_FALSE(elder_mode_of(client, k_zhang_wei_pan, k_zhang_wei_pin));
}

TEST_CASE("an expired grant is refused") {
    TemporaryDirectory directory;
    auto config = config_in(directory.path());
    config.grant_lifetime = std::chrono::milliseconds(0);
    simulator::bank::AccountService service(config);
    REQUIRE(service.start());
    httplib::Client client("127.0.0.1", service.port());
    const std::string grant = grant_for(client, k_zhang_wei_pan, k_zhang_wei_pin);
    auto expired = put_preferences(client, grant, true);
    REQUIRE(expired);
    CHECK(expired->status == 403);
    CHECK(body_of(expired) == json{{"result", "grant_refused"}});
    CHECK_FALSE(elder_mode_of(client, k_zhang_wei_pan, k_zhang_wei_pin));
    auto audit = service.audit_entries();
    REQUIRE(audit);
    REQUIRE(audit->size() == 3);
    CHECK((*audit)[1].result == "grant_expired");
}

TEST_CASE("a grant changes only the card it was issued for") {
    RunningBank bank;
    auto client = bank.client();
    const std::string zhang_wei_grant = grant_for(client, k_zhang_wei_pan, k_zhang_wei_pin);
    const std::string li_na_grant = grant_for(client, k_li_na_pan, k_li_na_pin);
    REQUIRE(put_preferences(client, zhang_wei_grant, true)->status == 200);
    CHECK(elder_mode_of(client, k_zhang_wei_pan, k_zhang_wei_pin));
    CHECK_FALSE(elder_mode_of(client, k_li_na_pan, k_li_na_pin));
    CHECK_FALSE(elder_mode_of(client, k_alice_pan, k_alice_pin));
    // Li Na's own grant is still hers to use, and touches only her card.
    REQUIRE(put_preferences(client, li_na_grant, true)->status == 200);
    CHECK(elder_mode_of(client, k_li_na_pan, k_li_na_pin));
    CHECK_FALSE(elder_mode_of(client, k_alice_pan, k_alice_pin));
}

TEST_CASE("a grant presented by another terminal is refused and stays its terminal's") {
    RunningBank bank;
    auto client = bank.client();
    const std::string grant = grant_for(client, k_zhang_wei_pan, k_zhang_wei_pin);
    auto elsewhere = put_preferences(client, grant, true, "lobby-02");
    REQUIRE(elsewhere);
    CHECK(elsewhere->status == 403);
    CHECK_FALSE(elder_mode_of(client, k_zhang_wei_pan, k_zhang_wei_pin));
    CHECK(put_preferences(client, grant, true, "lobby-01")->status == 200);
}

TEST_CASE("malformed preferences requests answer 400 and leave the grant unused") {
    RunningBank bank;
    auto client = bank.client();
    const std::string grant = grant_for(client, k_zhang_wei_pan, k_zhang_wei_pin);
    auto request = [&](json changes) {
        json body = json::parse(preferences_body(grant, true));
        for (auto& [key, value] : changes.items()) {
            if (value.is_null()) {
                body.erase(key);
            } else {
                body[key] = value;
            }
        }
        return body.dump();
    };
    const std::vector<std::pair<std::string, std::string>> bodies = {
        {"", "body is not valid JSON"},
        {"[]", "body must be a JSON object"},
        {request({{"pan", std::string(k_zhang_wei_pan)}}), "unexpected field in body"},
        {request({{"grant", nullptr}}), "grant must be 16 to 128 characters of A-Z a-z 0-9 _ -"},
        {request({{"grant", 12345}}), "grant must be 16 to 128 characters of A-Z a-z 0-9 _ -"},
        {request({{"grant", grant.substr(0, 15)}}),
         "grant must be 16 to 128 characters of A-Z a-z 0-9 _ -"},
        {request({{"grant", std::string(129, 'a')}}),
         "grant must be 16 to 128 characters of A-Z a-z 0-9 _ -"},
        {request({{"grant", grant + " "}}),
         "grant must be 16 to 128 characters of A-Z a-z 0-9 _ -"},
        {request({{"elder_mode", nullptr}}), "elder_mode must be true or false"},
        {request({{"elder_mode", 1}}), "elder_mode must be true or false"},
        {request({{"elder_mode", "true"}}), "elder_mode must be true or false"},
        {request({{"terminal_id", nullptr}}),
         "terminal_id must be 1 to 32 characters of A-Z a-z 0-9 . _ -"},
        {request({{"terminal_id", "lobby 01"}}),
         "terminal_id must be 1 to 32 characters of A-Z a-z 0-9 . _ -"},
    };
    for (const auto& [body, detail] : bodies) {
        INFO(body.substr(0, 80));
        auto result = client.Put("/v1/preferences", body, "application/json");
        REQUIRE(result);
        CHECK(result->status == 400);
        CHECK(body_of(result) == json{{"result", "bad_request"}, {"detail", detail}});
        // The detail never echoes the grant.
        CHECK(result->body.find(grant) == std::string::npos);
    }
    CHECK(put_preferences(client, grant, true)->status == 200);
}

TEST_CASE("a preferences body over the size limit is refused with a JSON bad_request") {
    RunningBank bank;
    auto client = bank.client();
    const std::string huge(simulator::bank::k_maximum_request_bytes + 1, ' ');
    auto result = client.Put("/v1/preferences", huge, "application/json");
    REQUIRE(result);
    CHECK(result->status == 413);
    CHECK(body_of(result)["result"] == "bad_request");
}

TEST_CASE(
    "a preferences request while the service is unavailable stores nothing and spends no grant") {
    RunningBank bank;
    auto client = bank.client();
    const std::string grant = grant_for(client, k_zhang_wei_pan, k_zhang_wei_pin);
    bank.service.set_fault(Fault::unavailable);
    auto refused = put_preferences(client, grant, true);
    REQUIRE(refused);
    CHECK(refused->status == 503);
    CHECK(body_of(refused) == json{{"result", "unavailable"}});
    bank.service.set_fault(Fault::none);
    CHECK_FALSE(elder_mode_of(client, k_zhang_wei_pan, k_zhang_wei_pin));
    CHECK(put_preferences(client, grant, true)->status == 200);
}

TEST_CASE("remembered elder mode survives a restart of the service") {
    TemporaryDirectory directory;
    {
        simulator::bank::AccountService service(config_in(directory.path()));
        REQUIRE(service.start());
        httplib::Client client("127.0.0.1", service.port());
        REQUIRE(
            put_preferences(client, grant_for(client, k_alice_pan, k_alice_pin), true)->status ==
            200);
    }
    simulator::bank::AccountService service(config_in(directory.path()));
    REQUIRE(service.start());
    httplib::Client client("127.0.0.1", service.port());
    CHECK(elder_mode_of(client, k_alice_pan, k_alice_pin));
}

TEST_CASE("preferences requests are audited with the card's masked PAN and no grant or flag") {
    RunningBank bank;
    auto client = bank.client();
    const std::string grant = grant_for(client, k_zhang_wei_pan, k_zhang_wei_pin);
    REQUIRE(put_preferences(client, grant, true)->status == 200);
    REQUIRE(put_preferences(client, grant, true)->status == 403);
    REQUIRE(put_preferences(client, k_forged_grant, true)->status == 403);
    const std::string other = grant_for(client, k_li_na_pan, k_li_na_pin);
    REQUIRE(put_preferences(client, other, false, "lobby-02")->status == 403);
    REQUIRE(client.Put("/v1/preferences", "{}", "application/json")->status == 400);
    auto entries = bank.service.audit_entries();
    REQUIRE(entries);
    REQUIRE(entries->size() == 7);
    const auto& saved = (*entries)[1];
    CHECK(saved.call == "preferences");
    CHECK(saved.terminal_id == "lobby-01");
    CHECK(saved.masked_pan == "**** **** **** 0018");
    CHECK(saved.result == "ok");
    CHECK(saved.http_status == 200);
    CHECK((*entries)[2].result == "grant_used");
    CHECK((*entries)[2].masked_pan == "**** **** **** 0018");
    CHECK((*entries)[3].result == "grant_unknown");
    CHECK((*entries)[3].masked_pan.empty());
    CHECK((*entries)[5].result == "grant_other_terminal");
    CHECK((*entries)[5].terminal_id == "lobby-02");
    CHECK((*entries)[5].masked_pan == "**** **** **** 0122");
    CHECK((*entries)[6].result == "bad_request");
    std::set<std::string> texts;
    for (const auto& entry : *entries) {
        texts.insert({entry.terminal_id, entry.call, entry.masked_pan, entry.result});
    }
    for (const std::string& text : texts) {
        INFO(text);
        CHECK(text.find(grant) == std::string::npos);
        CHECK(text.find(other) == std::string::npos);
        CHECK(text.find("elder") == std::string::npos);
        CHECK(text.find("true") == std::string::npos);
    }
}

TEST_CASE("random bytes and mutated preferences bodies never crash the service") {
    RunningBank bank;
    auto client = bank.client();
    const std::string valid = preferences_body(k_forged_grant, true);
    std::uint32_t state = 20260517;  // a fixed seed, so a failure can be replayed
    auto next = [&state] {
        state = state * 1664525u + 1013904223u;
        return state >> 8;
    };
    for (int round = 0; round < 200; ++round) {
        std::string body = valid;
        const std::uint32_t mutations = 1 + next() % 8;
        for (std::uint32_t index = 0; index < mutations && !body.empty(); ++index) {
            const std::size_t at = next() % body.size();
            switch (next() % 3) {
                case 0:
                    body[at] = static_cast<char>(next() % 256);
                    break;
                case 1:
                    body.erase(at, 1 + next() % 4);
                    break;
                default:
                    body.insert(at, 1, static_cast<char>(next() % 256));
                    break;
            }
        }
        auto result = client.Put("/v1/preferences", body, "application/json");
        INFO(round);
        REQUIRE(result);
        CHECK((result->status == 400 || result->status == 403));
        CHECK_FALSE(json::parse(result->body, nullptr, false).is_discarded());
    }
    CHECK_FALSE(elder_mode_of(client, k_zhang_wei_pan, k_zhang_wei_pin));
}
