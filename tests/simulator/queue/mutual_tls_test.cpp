// Mutual TLS on the queue service (docs/api/queue.yaml, "Security"): the handshake needs a
// client certificate of the client authority; the certificate's subject says who calls.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "queue_fixture.h"

using namespace queue_test;
using nlohmann::json;
using simulator::queue::k_latest_open_call;

TEST_CASE("A client without a certificate gets no HTTP reply") {
    MutualTlsQueue queue;
    auto client = queue.anonymous_client();
    auto result = client->Get("/v1/health");
    CHECK_FALSE(result);
    CHECK(result.error() != httplib::Error::Success);
    CHECK(queue.service.access_log()->empty());
}

TEST_CASE("A certificate of another authority is refused in the handshake") {
    MutualTlsQueue queue;
    TemporaryDirectory rival_directory;
    auto rival = simulator::bank::create_mutual_tls_files(rival_directory.path(), k_kiosk_id);
    REQUIRE(rival.has_value());
    // Same name, same unit, another authority.
    auto client = queue.client_with(rival->kiosk);
    auto result = post_json(*client, "/v1/tickets", ticket_request("card_services"));
    CHECK_FALSE(result);
    CHECK(queue.service.tickets()->size() == 17);
    CHECK(queue.service.access_log()->empty());
}

TEST_CASE("The kiosk's own certificate is served") {
    MutualTlsQueue queue;
    auto client = queue.kiosk_client();
    auto health = client->Get("/v1/health");
    REQUIRE(health);
    CHECK(health->status == 200);
    auto result = post_json(*client, "/v1/tickets", ticket_request("card_services"));
    REQUIRE(result);
    CHECK(result->status == 201);
    const auto log = queue.service.access_log();
    REQUIRE(log.has_value());
    REQUIRE(log->size() == 2);
    CHECK(log->back().client == "kiosk/lobby-01");
}

TEST_CASE("A kiosk_id that is not the certificate's is refused and logged as a security event") {
    MutualTlsQueue queue;
    auto client = queue.kiosk_client();
    auto result = post_json(*client, "/v1/tickets",
                            ticket_request("card_services", "normal", "", k_other_kiosk_id));
    REQUIRE(result);
    CHECK(result->status == 403);
    CHECK(problem_of(result) == "kiosk-identity-mismatch");
    CHECK(queue.service.tickets()->size() == 17);
    const auto lines = queue.log.lines();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].starts_with("kiosk-identity-mismatch"));
    CHECK(lines[0].find("CN=lobby-01") != std::string::npos);
    CHECK(lines[0].find(body_of(result)["instance"].get<std::string>()) != std::string::npos);
    const auto log = queue.service.access_log();
    REQUIRE(log.has_value());
    REQUIRE(log->size() == 1);
    CHECK(log->front().security_event == lines[0]);
    CHECK(log->front().problem_type == "kiosk-identity-mismatch");
    // Each kiosk request with a body is checked the same way.
    CHECK(post_json(*client, "/v1/assistance-calls",
                    call_request("customer_request", k_other_kiosk_id))
              ->status == 403);
    CHECK(post_json(*client, "/v1/survey-answers",
                    survey_request("balance", "satisfied", k_other_kiosk_id))
              ->status == 403);
    CHECK(
        post_json(*client, "/v1/complaints", complaint_request("fees", k_other_kiosk_id))->status ==
        403);
    CHECK(queue.service.calls()->empty());
    CHECK(queue.service.survey_answers()->empty());
    CHECK(queue.service.complaints()->empty());
}

TEST_CASE("The identity check comes after the form check and before the rate limit") {
    MutualTlsQueue queue;
    auto client = queue.kiosk_client();
    json malformed = ticket_request("card_services", "normal", "", k_other_kiosk_id);
    malformed["priority"] = "urgent";
    auto form = post_json(*client, "/v1/tickets", malformed);
    REQUIRE(form);
    CHECK(form->status == 400);
    CHECK(queue.log.lines().empty());
}

TEST_CASE("A staff certificate on a kiosk endpoint is wrong-client") {
    MutualTlsQueue queue;
    auto client = queue.staff_client();
    auto list = client->Get("/v1/businesses");
    REQUIRE(list);
    CHECK(list->status == 403);
    CHECK(problem_of(list) == "wrong-client");
    auto ticket = post_json(*client, "/v1/tickets", ticket_request("card_services"));
    REQUIRE(ticket);
    CHECK(ticket->status == 403);
    CHECK(problem_of(ticket) == "wrong-client");
    CHECK(queue.service.tickets()->size() == 17);
    // Health answers any certificate of the authority.
    CHECK(client->Get("/v1/health")->status == 200);
}

TEST_CASE("A kiosk certificate on a staff endpoint is wrong-client") {
    MutualTlsQueue queue;
    auto kiosk = queue.kiosk_client();
    const json call = body_of(post_json(*kiosk, "/v1/assistance-calls", call_request()));
    auto result = post_json(
        *kiosk, "/v1/assistance-calls/" + call["id"].get<std::string>() + "/acknowledgement",
        json{{"role", "lobby_manager"}});
    REQUIRE(result);
    CHECK(result->status == 403);
    CHECK(problem_of(result) == "wrong-client");
    CHECK(queue.service.calls()->front().state == simulator::queue::CallState::open);
}

TEST_CASE("A staff device acknowledges and closes a call over mutual TLS") {
    MutualTlsQueue queue;
    auto kiosk = queue.kiosk_client();
    auto staff = queue.staff_client();
    const json call = body_of(post_json(*kiosk, "/v1/assistance-calls", call_request()));
    const std::string base = "/v1/assistance-calls/" + call["id"].get<std::string>();
    auto acknowledged =
        post_json(*staff, base + "/acknowledgement",
                  json{{"role", "lobby_manager"}, {"display_name", "陈经理"}, {"eta_seconds", 60}});
    REQUIRE(acknowledged);
    CHECK(acknowledged->status == 200);
    const json seen = body_of(kiosk->Get(base));
    CHECK(seen["state"] == "acknowledged");
    CHECK(seen["acknowledged_by"]["display_name"] == "陈经理");
    // The kiosk cannot read its call with a staff certificate's eyes, nor the staff device
    // through the kiosk endpoint.
    CHECK(staff->Get(base)->status == 403);
    auto closed = post_json(*staff, base + "/closure", json{{"outcome", "helped"}}, "-");
    REQUIRE(closed);
    CHECK(closed->status == 200);
    CHECK(body_of(kiosk->Get(base))["state"] == "closed");
}

TEST_CASE("A kiosk cannot read another kiosk's ticket or call") {
    MutualTlsQueue queue;
    auto mine = queue.kiosk_client();
    auto theirs = queue.client_with(queue.other_kiosk);
    const json ticket = body_of(post_json(*mine, "/v1/tickets", ticket_request("transfers")));
    const json call = body_of(post_json(*mine, "/v1/assistance-calls", call_request()));
    const std::string ticket_path = "/v1/tickets/" + ticket["id"].get<std::string>();
    const std::string call_path = "/v1/assistance-calls/" + call["id"].get<std::string>();
    CHECK(mine->Get(ticket_path)->status == 200);
    auto other_ticket = theirs->Get(ticket_path);
    REQUIRE(other_ticket);
    CHECK(other_ticket->status == 404);
    CHECK(problem_of(other_ticket) == "not-found");
    CHECK(theirs->Get(call_path)->status == 404);
    // The other kiosk's own requests are its own.
    CHECK(post_json(*theirs, "/v1/tickets",
                    ticket_request("transfers", "normal", "", k_other_kiosk_id))
              ->status == 201);
}

TEST_CASE("Idempotency keys are scoped to the kiosk of the certificate") {
    MutualTlsQueue queue;
    auto mine = queue.kiosk_client();
    auto theirs = queue.client_with(queue.other_kiosk);
    const std::string key = new_key();
    auto first = post_json(*mine, "/v1/complaints", complaint_request(), key);
    auto second =
        post_json(*theirs, "/v1/complaints", complaint_request("fees", k_other_kiosk_id), key);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->status == 201);
    CHECK(second->status == 201);
    CHECK(body_of(second)["reference"] == "C-20261202-0002");
}

TEST_CASE("The rate limit counts each certificate on its own") {
    MutualTlsQueue queue;
    auto mine = queue.kiosk_client();
    auto theirs = queue.client_with(queue.other_kiosk);
    for (int request = 0; request < 120; ++request) {
        auto result = mine->Get("/v1/businesses");
        REQUIRE(result);
        REQUIRE(result->status == 200);
    }
    auto refused = mine->Get("/v1/businesses");
    REQUIRE(refused);
    CHECK(refused->status == 429);
    CHECK(theirs->Get("/v1/businesses")->status == 200);
}

TEST_CASE("The in-process staff side acts on calls made over mutual TLS") {
    MutualTlsQueue queue;
    auto kiosk = queue.kiosk_client();
    const json call = body_of(post_json(*kiosk, "/v1/assistance-calls", call_request()));
    REQUIRE(queue.service.acknowledge_call(
        k_latest_open_call,
        simulator::queue::StaffMember{simulator::queue::StaffRole::customer_service_officer, "",
                                      "C-12"}));
    const json seen = body_of(kiosk->Get("/v1/assistance-calls/" + call["id"].get<std::string>()));
    CHECK(seen["acknowledged_by"] ==
          json{{"role", "customer_service_officer"}, {"badge_number", "C-12"}});
}

TEST_CASE("start refuses an unreadable client authority and a client authority without TLS") {
    TemporaryDirectory directory;
    ManualClock clock;
    LogLines log;
    auto files = simulator::bank::create_mutual_tls_files(directory.path(), k_kiosk_id);
    REQUIRE(files.has_value());
    auto config = plain_config(directory.path(), clock, log);
    config.trust_body_kiosk_id = false;
    config.tls = files->server;
    config.client_authority = directory.path() / "missing.crt";
    {
        simulator::queue::QueueService service(config);
        auto started = service.start();
        REQUIRE_FALSE(started);
        CHECK(started.error().code == simulator::queue::QueueError::tls_failure);
    }
    config.client_authority = files->authority;
    config.tls.reset();
    {
        simulator::queue::QueueService service(config);
        auto started = service.start();
        REQUIRE_FALSE(started);
        CHECK(started.error().code == simulator::queue::QueueError::unsafe_configuration);
    }
    config.tls = files->server;
    config.trust_body_kiosk_id = true;
    {
        simulator::queue::QueueService service(config);
        auto started = service.start();
        REQUIRE_FALSE(started);
        CHECK(started.error().code == simulator::queue::QueueError::unsafe_configuration);
    }
}
