// Idempotency keys (docs/api/queue.yaml, "Idempotency"): the first reply again for the same
// request, 422 for another request, 409 while the first is in progress, only 2xx kept, keys
// scoped per kiosk, kept for seven days and across a restart.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <future>
#include <thread>

#include "queue_fixture.h"

using namespace queue_test;
using nlohmann::json;
using simulator::queue::Fault;

TEST_CASE("The same key with the same request returns the first reply again") {
    PlainQueue queue;
    auto client = queue.client();
    const std::string key = new_key();
    auto first = post_json(client, "/v1/tickets", ticket_request("card_services"), key);
    REQUIRE(first);
    REQUIRE(first->status == 201);
    const std::size_t tickets = queue.service.tickets()->size();
    // The queue moves on; the replay is the first reply as it was.
    REQUIRE(queue.service.call_next_ticket("card_services"));
    queue.clock.advance_ms(k_minute_ms);
    auto again = post_json(client, "/v1/tickets", ticket_request("card_services"), key);
    REQUIRE(again);
    CHECK(again->status == 201);
    CHECK(again->body == first->body);
    CHECK(again->get_header_value("Location") == first->get_header_value("Location"));
    CHECK(again->get_header_value("Idempotent-Replayed") == "true");
    CHECK(queue.service.tickets()->size() == tickets);
}

TEST_CASE("Field order and white space do not make another request") {
    PlainQueue queue;
    auto client = queue.client();
    const std::string key = new_key();
    const std::string compact =
        R"({"kiosk_id":"lobby-01","business_id":"transfers","priority":"normal","language":"en"})";
    const std::string reordered =
        "{ \"language\" : \"en\",\n  \"priority\": \"normal\", \"business_id\": \"transfers\","
        " \"kiosk_id\": \"lobby-01\" }";
    auto first = post_json(client, "/v1/tickets", compact, key);
    auto second = post_json(client, "/v1/tickets", reordered, key);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(second->status == 201);
    CHECK(second->has_header("Idempotent-Replayed"));
    CHECK(body_of(second)["id"] == body_of(first)["id"]);
}

TEST_CASE("The same key with another request is idempotency-key-reused and creates nothing") {
    PlainQueue queue;
    auto client = queue.client();
    const std::string key = new_key();
    const json first = body_of(post_json(client, "/v1/tickets", ticket_request("transfers"), key));
    const std::size_t tickets = queue.service.tickets()->size();
    auto other = post_json(client, "/v1/tickets", ticket_request("card_services"), key);
    REQUIRE(other);
    CHECK(other->status == 422);
    CHECK(problem_of(other) == "idempotency-key-reused");
    // The same key on another path is another request too.
    auto elsewhere = post_json(client, "/v1/complaints", complaint_request(), key);
    REQUIRE(elsewhere);
    CHECK(elsewhere->status == 422);
    CHECK(queue.service.tickets()->size() == tickets);
    CHECK(queue.service.complaints()->empty());
    // The first request's result stands.
    auto replay = post_json(client, "/v1/tickets", ticket_request("transfers"), key);
    REQUIRE(replay);
    CHECK(body_of(replay)["id"] == first["id"]);
}

TEST_CASE("A key still in progress is request-in-progress with Retry-After") {
    PlainQueue queue;
    queue.service.set_slow_reply_delay(std::chrono::milliseconds(1500));
    queue.service.set_fault(Fault::slow);
    const std::string key = new_key();
    auto first = std::async(std::launch::async, [&queue, &key] {
        auto client = queue.client();
        return post_json(client, "/v1/assistance-calls", call_request(), key);
    });
    // Bounded wait for the first request to claim its key.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (queue.service.requests_in_progress() == 0 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    REQUIRE(queue.service.requests_in_progress() == 1);
    auto client = queue.client();
    auto second = post_json(client, "/v1/assistance-calls", call_request(), key);
    REQUIRE(second);
    CHECK(second->status == 409);
    CHECK(problem_of(second) == "request-in-progress");
    CHECK(second->get_header_value("Retry-After") == "1");
    auto first_result = first.get();
    REQUIRE(first_result);
    CHECK(first_result->status == 201);
    CHECK(queue.service.requests_in_progress() == 0);
    queue.service.set_fault(Fault::none);
    auto third = post_json(client, "/v1/assistance-calls", call_request(), key);
    REQUIRE(third);
    CHECK(third->status == 201);
    CHECK(third->body == first_result->body);
    CHECK(queue.service.calls()->size() == 1);
}

TEST_CASE("A refused request leaves its key unused for a retry") {
    PlainQueue queue;
    auto client = queue.client();
    const std::string key = new_key();
    auto closed = post_json(client, "/v1/tickets", ticket_request("foreign_exchange"), key);
    REQUIRE(closed);
    CHECK(closed->status == 409);
    REQUIRE(queue.service.set_business_open("foreign_exchange", true));
    auto opened = post_json(client, "/v1/tickets", ticket_request("foreign_exchange"), key);
    REQUIRE(opened);
    CHECK(opened->status == 201);
    CHECK_FALSE(opened->has_header("Idempotent-Replayed"));
}

TEST_CASE("A request refused with 503 is processed afresh when the service is back") {
    PlainQueue queue;
    auto client = queue.client();
    const std::string key = new_key();
    queue.service.set_fault(Fault::unavailable);
    REQUIRE(post_json(client, "/v1/complaints", complaint_request(), key)->status == 503);
    queue.service.set_fault(Fault::none);
    auto back = post_json(client, "/v1/complaints", complaint_request(), key);
    REQUIRE(back);
    CHECK(back->status == 201);
    CHECK(body_of(back)["reference"] == "C-20261202-0001");
}

TEST_CASE("Two kiosks never share a key") {
    PlainQueue queue;
    auto client = queue.client();
    const std::string key = new_key();
    auto mine = post_json(client, "/v1/tickets", ticket_request("transfers"), key);
    auto theirs = post_json(client, "/v1/tickets",
                            ticket_request("card_services", "normal", "", k_other_kiosk_id), key);
    REQUIRE(mine);
    REQUIRE(theirs);
    CHECK(mine->status == 201);
    CHECK(theirs->status == 201);
    CHECK_FALSE(theirs->has_header("Idempotent-Replayed"));
    CHECK(body_of(theirs)["business_id"] == "card_services");
}

TEST_CASE("A complaint sent again with its key keeps its reference") {
    PlainQueue queue;
    auto client = queue.client();
    const std::string key = new_key();
    const json first = body_of(post_json(client, "/v1/complaints", complaint_request(), key));
    queue.clock.advance_ms(3 * k_minute_ms);
    const json again = body_of(post_json(client, "/v1/complaints", complaint_request(), key));
    CHECK(again == first);
    CHECK(queue.service.complaints()->size() == 1);
    CHECK(body_of(post_json(client, "/v1/complaints", complaint_request()))["reference"] ==
          "C-20261202-0002");
}

TEST_CASE("A key is kept across a restart of the service") {
    TemporaryDirectory directory;
    ManualClock clock;
    LogLines log;
    const std::string key = new_key();
    std::string first_body;
    {
        simulator::queue::QueueService service(plain_config(directory.path(), clock, log));
        REQUIRE(service.start());
        httplib::Client client("127.0.0.1", service.port());
        auto first = post_json(client, "/v1/survey-answers", survey_request(), key);
        REQUIRE(first);
        REQUIRE(first->status == 201);
        first_body = first->body;
    }
    simulator::queue::QueueService service(plain_config(directory.path(), clock, log));
    REQUIRE(service.start());
    httplib::Client client("127.0.0.1", service.port());
    auto again = post_json(client, "/v1/survey-answers", survey_request(), key);
    REQUIRE(again);
    CHECK(again->status == 201);
    CHECK(again->body == first_body);
    CHECK(again->get_header_value("Idempotent-Replayed") == "true");
}

TEST_CASE("A key is forgotten after seven days") {
    PlainQueue queue;
    auto client = queue.client();
    const std::string key = new_key();
    REQUIRE(post_json(client, "/v1/tickets", ticket_request("transfers"), key)->status == 201);
    queue.clock.advance_ms(6 * k_day_ms);
    CHECK(post_json(client, "/v1/tickets", ticket_request("card_services"), key)->status == 422);
    queue.clock.advance_ms(k_day_ms + k_minute_ms);
    auto later = post_json(client, "/v1/tickets", ticket_request("card_services"), key);
    REQUIRE(later);
    CHECK(later->status == 201);
    CHECK_FALSE(later->has_header("Idempotent-Replayed"));
}

TEST_CASE("A staff acknowledgement sent again with its key replays instead of refusing") {
    PlainQueue queue;
    auto client = queue.client();
    const json call = body_of(post_json(client, "/v1/assistance-calls", call_request()));
    const std::string path =
        "/v1/assistance-calls/" + call["id"].get<std::string>() + "/acknowledgement";
    const json acknowledgement{{"role", "lobby_manager"}, {"eta_seconds", 90}};
    const std::string key = new_key();
    auto first = post_json(client, path, acknowledgement, key);
    REQUIRE(first);
    CHECK(first->status == 200);
    auto again = post_json(client, path, acknowledgement, key);
    REQUIRE(again);
    CHECK(again->status == 200);
    CHECK(again->body == first->body);
    CHECK(again->get_header_value("Idempotent-Replayed") == "true");
    auto without_key = post_json(client, path, acknowledgement, "-");
    REQUIRE(without_key);
    CHECK(without_key->status == 409);
    CHECK(problem_of(without_key) == "call-already-acknowledged");
}
