// The queue service's endpoints, problems, staff side, queue order, numbering, restart and
// faults, over plain HTTP with the body's kiosk_id trusted (PlainQueue). The identity checks of
// mutual TLS are in mutual_tls_test.cpp, idempotency in idempotency_test.cpp.

#include <sqlite3.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <future>
#include <set>

#include "queue_fixture.h"
#include "simulator/queue/queue_store.h"

using namespace queue_test;
using nlohmann::json;
using simulator::queue::Fault;
using simulator::queue::k_latest_open_call;
using simulator::queue::StaffError;
using simulator::queue::StaffMember;
using simulator::queue::StaffRole;

namespace {

json issue_ticket(httplib::Client& client, const json& request) {
    auto result = post_json(client, "/v1/tickets", request);
    REQUIRE(result);
    INFO(result->body);
    REQUIRE(result->status == 201);
    return body_of(result);
}

json get_json(httplib::Client& client, const std::string& path) {
    auto result = client.Get(path);
    REQUIRE(result);
    INFO(result->body);
    REQUIRE(result->status == 200);
    return body_of(result);
}

json business_named(const json& list, std::string_view id) {
    for (const json& business : list["businesses"]) {
        if (business["id"] == id) {
            return business;
        }
    }
    FAIL("no business " << id);
    return {};
}

}  // namespace

TEST_CASE("The health endpoint answers ok") {
    PlainQueue queue;
    auto client = queue.client();
    CHECK(get_json(client, "/v1/health") == json{{"status", "ok"}});
}

TEST_CASE("The business list carries the demo branch in popularity order in three languages") {
    PlainQueue queue;
    auto client = queue.client();
    const json list = get_json(client, "/v1/businesses");
    CHECK(list["as_of"] == "2026-12-02T09:30:00+08:00");
    const json& businesses = list["businesses"];
    REQUIRE(businesses.size() == 8);
    std::set<std::string> prefixes;
    for (std::size_t index = 0; index < businesses.size(); ++index) {
        CHECK(businesses[index]["popularity_rank"] == index + 1);
        prefixes.insert(businesses[index]["ticket_prefix"].get<std::string>());
        for (const auto* language : {"zh-CN", "zh-HK", "en"}) {
            CHECK_FALSE(businesses[index]["names"][language].get<std::string>().empty());
        }
    }
    CHECK(prefixes.size() == 8);
    const json opening = business_named(list, "account_opening");
    CHECK(opening["names"]["zh-HK"] == "開戶");
    REQUIRE(opening["materials"].size() == 2);
    CHECK(opening["materials"][0]["zh-CN"] == "本人身份证");
    CHECK(opening["materials"][0]["zh-HK"] == "本人身份證");
    CHECK(opening["materials"][1]["en"] == "Your mobile phone number");
    CHECK(business_named(list, "foreign_exchange")["open_now"] == false);
}

TEST_CASE("The business list counts the people waiting at opening and estimates their wait") {
    PlainQueue queue;
    auto client = queue.client();
    const json deposits = business_named(get_json(client, "/v1/businesses"), "personal_deposit");
    CHECK(deposits["people_waiting"] == 6);
    // Six people, eight minutes each, three counters: sixteen minutes.
    CHECK(deposits["estimated_wait_minutes"] == 16);
    issue_ticket(client, ticket_request("personal_deposit"));
    const json after = business_named(get_json(client, "/v1/businesses"), "personal_deposit");
    CHECK(after["people_waiting"] == 7);
    CHECK(after["estimated_wait_minutes"] == 19);
}

TEST_CASE("A normal ticket takes the next number and counts everybody waiting ahead") {
    PlainQueue queue;
    auto client = queue.client();
    auto result = post_json(client, "/v1/tickets", ticket_request("personal_deposit"));
    REQUIRE(result);
    REQUIRE(result->status == 201);
    const json ticket = body_of(result);
    CHECK(ticket["number"] == "A007");
    CHECK(ticket["people_ahead"] == 6);
    CHECK(ticket["estimated_wait_minutes"] == 16);
    CHECK(ticket["state"] == "waiting");
    CHECK(ticket["priority"] == "normal");
    CHECK_FALSE(ticket.contains("priority_reason"));
    CHECK_FALSE(ticket.contains("counter_number"));
    CHECK(ticket["issued_at"] == "2026-12-02T09:30:00+08:00");
    CHECK(result->get_header_value("Location") == "/v1/tickets/" + ticket["id"].get<std::string>());
    CHECK_FALSE(result->has_header("Idempotent-Replayed"));
    CHECK(issue_ticket(client, ticket_request("personal_deposit"))["number"] == "A008");
}

TEST_CASE("A ticket is read back with its present place in the queue") {
    PlainQueue queue;
    auto client = queue.client();
    const json ticket = issue_ticket(client, ticket_request("card_services"));
    const std::string path = "/v1/tickets/" + ticket["id"].get<std::string>();
    CHECK(get_json(client, path)["people_ahead"] == 2);
    REQUIRE(queue.service.call_next_ticket("card_services"));
    const json now = get_json(client, path);
    CHECK(now["people_ahead"] == 1);
    CHECK(now["estimated_wait_minutes"] == 15);
    CHECK(now["number"] == ticket["number"]);
}

TEST_CASE("A green channel ticket goes ahead of every normal ticket of its business only") {
    PlainQueue queue;
    auto client = queue.client();
    const json normal = issue_ticket(client, ticket_request("transfers"));
    CHECK(normal["people_ahead"] == 3);
    const json first_green =
        issue_ticket(client, ticket_request("transfers", "green_channel", "older_customer"));
    CHECK(first_green["people_ahead"] == 0);
    CHECK(first_green["estimated_wait_minutes"] == 0);
    CHECK(first_green["priority_reason"] == "older_customer");
    const json second_green =
        issue_ticket(client, ticket_request("transfers", "green_channel", "disability"));
    CHECK(second_green["people_ahead"] == 1);
    // The green channel of another business changes nothing here.
    issue_ticket(client, ticket_request("card_services", "green_channel", "pregnancy"));
    const json normal_now = get_json(client, "/v1/tickets/" + normal["id"].get<std::string>());
    CHECK(normal_now["people_ahead"] == 5);
    // Twelve minutes each at two counters.
    CHECK(normal_now["estimated_wait_minutes"] == 30);
    // The number does not reveal the priority.
    CHECK(first_green["number"].get<std::string>().starts_with("C"));
}

TEST_CASE("Calling the next ticket takes the green channel first and names the counter") {
    PlainQueue queue;
    auto client = queue.client();
    const json green =
        issue_ticket(client, ticket_request("personal_deposit", "green_channel", "pregnancy"));
    auto called = queue.service.call_next_ticket("personal_deposit", 3);
    REQUIRE(called.has_value());
    CHECK(called->id == green["id"]);
    const json now = get_json(client, "/v1/tickets/" + green["id"].get<std::string>());
    CHECK(now["state"] == "called");
    CHECK(now.value("counter_number", 0) == 3);
    CHECK(now["people_ahead"] == 0);
    // Then the people waiting at opening, in the order they came.
    auto next = queue.service.call_next_ticket("personal_deposit");
    REQUIRE(next.has_value());
    CHECK(next->number == "A001");
    CHECK(next->counter_number == 1);
    CHECK(queue.service.call_next_ticket("wealth_advice").error() == StaffError::no_ticket_waiting);
    CHECK(queue.service.call_next_ticket("no_such_business").error() == StaffError::not_found);
}

TEST_CASE("A ticket goes from called to serving to done and no further") {
    PlainQueue queue;
    auto called = queue.service.call_next_ticket("card_services");
    REQUIRE(called.has_value());
    CHECK(queue.service.set_ticket_state(called->id, simulator::queue::TicketState::done).error() ==
          StaffError::not_allowed);
    auto serving =
        queue.service.set_ticket_state(called->id, simulator::queue::TicketState::serving);
    REQUIRE(serving.has_value());
    CHECK(serving->state == simulator::queue::TicketState::serving);
    auto done = queue.service.set_ticket_state(called->id, simulator::queue::TicketState::done);
    REQUIRE(done.has_value());
    CHECK(done->state == simulator::queue::TicketState::done);
    CHECK(queue.service.set_ticket_state(called->id, simulator::queue::TicketState::cancelled)
              .error() == StaffError::not_allowed);
}

TEST_CASE("A ticket for a closed business is business-closed and creates nothing") {
    PlainQueue queue;
    auto client = queue.client();
    const auto before = queue.service.tickets();
    REQUIRE(before.has_value());
    auto result = post_json(client, "/v1/tickets", ticket_request("foreign_exchange"));
    REQUIRE(result);
    CHECK(result->status == 409);
    CHECK(problem_of(result) == "business-closed");
    CHECK(queue.service.tickets()->size() == before->size());
    REQUIRE(queue.service.set_business_open("foreign_exchange", true));
    auto opened = post_json(client, "/v1/tickets", ticket_request("foreign_exchange"));
    REQUIRE(opened);
    CHECK(opened->status == 201);
    CHECK(body_of(opened)["number"] == "F001");
}

TEST_CASE("A ticket for a business the branch does not offer is unknown-business") {
    PlainQueue queue;
    auto client = queue.client();
    auto result = post_json(client, "/v1/tickets", ticket_request("safe_deposit_boxes"));
    REQUIRE(result);
    CHECK(result->status == 409);
    CHECK(problem_of(result) == "unknown-business");
}

TEST_CASE("Ticket numbers start again each day after the people waiting at opening") {
    PlainQueue queue;
    auto client = queue.client();
    CHECK(issue_ticket(client, ticket_request("wealth_advice"))["number"] == "E001");
    CHECK(issue_ticket(client, ticket_request("wealth_advice"))["number"] == "E002");
    const json yesterday = issue_ticket(client, ticket_request("personal_deposit"));
    CHECK(yesterday["number"] == "A007");
    queue.clock.advance_ms(k_day_ms);
    CHECK(issue_ticket(client, ticket_request("wealth_advice"))["number"] == "E001");
    const json today = issue_ticket(client, ticket_request("personal_deposit"));
    CHECK(today["number"] == "A007");
    CHECK(today["people_ahead"] == 6);
    CHECK(today["issued_at"] == "2026-12-03T09:30:00+08:00");
    // Yesterday's ticket did not wait overnight.
    CHECK(get_json(client, "/v1/tickets/" + yesterday["id"].get<std::string>())["state"] ==
          "cancelled");
}

TEST_CASE("The day turns at midnight at the branch not at midnight UTC") {
    PlainQueue queue;
    auto client = queue.client();
    CHECK(issue_ticket(client, ticket_request("wealth_advice"))["number"] == "E001");
    // 23:59 at the branch is still the same day ...
    queue.clock.advance_ms(14 * 60 * k_minute_ms + 29 * k_minute_ms);
    CHECK(issue_ticket(client, ticket_request("wealth_advice"))["number"] == "E002");
    // ... and 00:01 is the next, although UTC is still on the 2nd.
    queue.clock.advance_ms(2 * k_minute_ms);
    const json next = issue_ticket(client, ticket_request("wealth_advice"));
    CHECK(next["number"] == "E001");
    CHECK(next["issued_at"] == "2026-12-03T00:01:00+08:00");
}

TEST_CASE("An assistance call is open at once and shows who is coming once acknowledged") {
    PlainQueue queue;
    auto client = queue.client();
    auto result = post_json(client, "/v1/assistance-calls", call_request());
    REQUIRE(result);
    REQUIRE(result->status == 201);
    const json call = body_of(result);
    CHECK(call["state"] == "open");
    CHECK(call["kiosk_id"] == k_kiosk_id);
    CHECK(call["audio_mode"] == true);
    CHECK(call["language"] == "zh-HK");
    CHECK_FALSE(call.contains("acknowledged_by"));
    const std::string path = "/v1/assistance-calls/" + call["id"].get<std::string>();
    CHECK(result->get_header_value("Location") == path);
    CHECK(get_json(client, path)["state"] == "open");

    queue.clock.advance_ms(28'000);
    auto acknowledged = queue.service.acknowledge_call(
        k_latest_open_call, StaffMember{StaffRole::lobby_manager, "陈经理", "0417"}, 60);
    REQUIRE(acknowledged.has_value());
    CHECK(acknowledged->id == call["id"]);
    const json now = get_json(client, path);
    CHECK(now["state"] == "acknowledged");
    CHECK(now["acknowledged_by"] ==
          json{{"role", "lobby_manager"}, {"display_name", "陈经理"}, {"badge_number", "0417"}});
    CHECK(now["acknowledged_at"] == "2026-12-02T09:30:28+08:00");
    CHECK(now["eta_seconds"] == 60);
}

TEST_CASE("The latest open call is the newest one nobody has taken") {
    PlainQueue queue;
    auto client = queue.client();
    const json first = body_of(post_json(client, "/v1/assistance-calls", call_request()));
    const json second =
        body_of(post_json(client, "/v1/assistance-calls", call_request("device_fault")));
    auto taken = queue.service.acknowledge_call(k_latest_open_call,
                                                StaffMember{StaffRole::security_guard, "", ""});
    REQUIRE(taken.has_value());
    CHECK(taken->id == second["id"]);
    auto next = queue.service.acknowledge_call(k_latest_open_call,
                                               StaffMember{StaffRole::customer_service_officer});
    REQUIRE(next.has_value());
    CHECK(next->id == first["id"]);
    CHECK(queue.service.acknowledge_call(k_latest_open_call, StaffMember{}).error() ==
          StaffError::not_found);
    // A name or badge the member of staff did not give is left out.
    const json call = get_json(client, "/v1/assistance-calls/" + second["id"].get<std::string>());
    CHECK(call["acknowledged_by"] == json{{"role", "security_guard"}});
    CHECK_FALSE(call.contains("eta_seconds"));
}

TEST_CASE("A second acknowledgement of a call is call-already-acknowledged") {
    PlainQueue queue;
    auto client = queue.client();
    const json call = body_of(post_json(client, "/v1/assistance-calls", call_request()));
    const std::string path =
        "/v1/assistance-calls/" + call["id"].get<std::string>() + "/acknowledgement";
    auto first = client.Post(path, R"({"role":"customer_service_officer","eta_seconds":30})",
                             "application/json");
    REQUIRE(first);
    CHECK(first->status == 200);
    CHECK(body_of(first)["state"] == "acknowledged");
    auto second = client.Post(path, R"({"role":"lobby_manager"})", "application/json");
    REQUIRE(second);
    CHECK(second->status == 409);
    CHECK(problem_of(second) == "call-already-acknowledged");
    // The first member of staff is still the one coming.
    CHECK(queue.service.calls()->front().acknowledged_by->role ==
          StaffRole::customer_service_officer);
    CHECK(
        queue.service
            .acknowledge_call(call["id"].get<std::string>(), StaffMember{StaffRole::lobby_manager})
            .error() == StaffError::already_acknowledged);
}

TEST_CASE("A closed call refuses acknowledgement and closure with call-closed") {
    PlainQueue queue;
    auto client = queue.client();
    const json call = body_of(post_json(client, "/v1/assistance-calls", call_request()));
    const std::string base = "/v1/assistance-calls/" + call["id"].get<std::string>();
    auto closed =
        client.Post(base + "/closure", R"({"outcome":"customer_left"})", "application/json");
    REQUIRE(closed);
    CHECK(closed->status == 200);
    const json body = body_of(closed);
    CHECK(body["state"] == "closed");
    CHECK(body["outcome"] == "customer_left");
    CHECK_FALSE(body.contains("acknowledged_by"));
    auto again = client.Post(base + "/closure", R"({"outcome":"helped"})", "application/json");
    REQUIRE(again);
    CHECK(again->status == 409);
    CHECK(problem_of(again) == "call-closed");
    auto late =
        client.Post(base + "/acknowledgement", R"({"role":"lobby_manager"})", "application/json");
    REQUIRE(late);
    CHECK(late->status == 409);
    CHECK(problem_of(late) == "call-closed");
}

TEST_CASE("Staff close an acknowledged call and the kiosk sees the outcome") {
    PlainQueue queue;
    auto client = queue.client();
    const json call = body_of(post_json(client, "/v1/assistance-calls", call_request()));
    REQUIRE(queue.service.acknowledge_call(k_latest_open_call,
                                           StaffMember{StaffRole::lobby_manager, "陈经理", ""}));
    queue.clock.advance_ms(4 * k_minute_ms);
    auto closed = queue.service.close_call(k_latest_open_call);
    REQUIRE(closed.has_value());
    const json now = get_json(client, "/v1/assistance-calls/" + call["id"].get<std::string>());
    CHECK(now["state"] == "closed");
    CHECK(now["outcome"] == "helped");
    CHECK(now["closed_at"] == "2026-12-02T09:34:00+08:00");
    CHECK(now["acknowledged_by"]["display_name"] == "陈经理");
    CHECK(queue.service.close_call(k_latest_open_call).error() == StaffError::not_found);
}

TEST_CASE("A staff action on an unknown call is not-found") {
    PlainQueue queue;
    auto client = queue.client();
    auto result = client.Post("/v1/assistance-calls/" + new_key() + "/acknowledgement",
                              R"({"role":"lobby_manager"})", "application/json");
    REQUIRE(result);
    CHECK(result->status == 404);
    CHECK(problem_of(result) == "not-found");
    auto read = client.Get("/v1/tickets/" + new_key());
    REQUIRE(read);
    CHECK(read->status == 404);
    CHECK(problem_of(read) == "not-found");
}

TEST_CASE("In-process staff outside the contract are refused") {
    PlainQueue queue;
    auto client = queue.client();
    REQUIRE(post_json(client, "/v1/assistance-calls", call_request())->status == 201);
    CHECK(queue.service
              .acknowledge_call(k_latest_open_call, StaffMember{StaffRole::lobby_manager}, 3601)
              .error() == StaffError::invalid_request);
    CHECK(queue.service
              .acknowledge_call(k_latest_open_call,
                                StaffMember{StaffRole::lobby_manager, "", "no spaces"})
              .error() == StaffError::invalid_request);
    CHECK(queue.service.calls()->front().state == simulator::queue::CallState::open);
}

TEST_CASE("A survey answer is stored once for each service of a session") {
    PlainQueue queue;
    auto client = queue.client();
    auto first = post_json(client, "/v1/survey-answers", survey_request("balance", "neutral"));
    REQUIRE(first);
    CHECK(first->status == 201);
    const json receipt = body_of(first);
    CHECK(receipt["received_at"] == "2026-12-02T09:30:00+08:00");
    CHECK(receipt["id"].get<std::string>().size() == 36);
    auto again = post_json(client, "/v1/survey-answers", survey_request("balance", "satisfied"));
    REQUIRE(again);
    CHECK(again->status == 409);
    CHECK(problem_of(again) == "already-answered");
    auto other = post_json(client, "/v1/survey-answers", survey_request("ticket", "satisfied"));
    REQUIRE(other);
    CHECK(other->status == 201);
    const auto answers = queue.service.survey_answers();
    REQUIRE(answers.has_value());
    REQUIRE(answers->size() == 2);
    CHECK(answers->front().rating == simulator::queue::Rating::neutral);
    CHECK(answers->front().answered_at == "2026-12-02T10:12:44+08:00");
}

TEST_CASE("Complaint references carry the branch's date and the day's sequence") {
    PlainQueue queue;
    auto client = queue.client();
    const json first = body_of(post_json(client, "/v1/complaints", complaint_request()));
    CHECK(first["reference"] == "C-20261202-0001");
    const json second = body_of(post_json(client, "/v1/complaints", complaint_request("fees")));
    CHECK(second["reference"] == "C-20261202-0002");
    queue.clock.advance_ms(k_day_ms);
    const json next_day = body_of(post_json(client, "/v1/complaints", complaint_request()));
    CHECK(next_day["reference"] == "C-20261203-0001");
    const auto stored = queue.service.complaints();
    REQUIRE(stored.has_value());
    REQUIRE(stored->size() == 3);
    CHECK(stored->at(0).contact_consent);
    CHECK(stored->at(1).category == simulator::queue::ComplaintCategory::fees);
}

TEST_CASE("A complaint without contact_consent is stored as no consent") {
    PlainQueue queue;
    auto client = queue.client();
    json request = complaint_request("privacy");
    request.erase("contact_consent");
    auto result = post_json(client, "/v1/complaints", request);
    REQUIRE(result);
    CHECK(result->status == 201);
    CHECK_FALSE(queue.service.complaints()->front().contact_consent);
}

TEST_CASE("A malformed body is invalid-request and names the field but not its value") {
    PlainQueue queue;
    auto client = queue.client();
    struct Case {
        std::string body;
        std::string field;
    };
    const std::vector<Case> cases{
        {"not json", ""},
        {"[1,2]", ""},
        {ticket_request("card_services").dump().replace(1, 0, R"("name":"ZHANG WEI",)"), "name"},
        {json{{"kiosk_id", "lobby-01"}, {"business_id", "card_services"}, {"language", "en"}}
             .dump(),
         "priority"},
        {ticket_request("card_services", "green_channel").dump(), "priority_reason"},
        {ticket_request("card_services", "normal", "older_customer").dump(), "priority_reason"},
        {ticket_request("card_services", "urgent").dump(), "priority"},
        {ticket_request("Card Services").dump(), "business_id"},
        {ticket_request("card_services", "normal", "", "lobby 01").dump(), "kiosk_id"},
        {json{{"kiosk_id", 17},
              {"business_id", "card_services"},
              {"priority", "normal"},
              {"language", "en"}}
             .dump(),
         "kiosk_id"},
    };
    for (const Case& item : cases) {
        INFO(item.body);
        auto result = post_json(client, "/v1/tickets", item.body);
        REQUIRE(result);
        CHECK(result->status == 400);
        CHECK(problem_of(result) == "invalid-request");
        const std::string detail = body_of(result)["detail"].get<std::string>();
        CHECK(detail.find(item.field) != std::string::npos);
        CHECK(detail.find("ZHANG") == std::string::npos);
    }
    CHECK(queue.service.tickets()->size() == 17);  // only the people waiting at opening
}

TEST_CASE("Each request body is checked against its schema") {
    PlainQueue queue;
    auto client = queue.client();
    json long_location = call_request();
    long_location["location"] = std::string(65, 'x');
    json unicode_location = call_request();
    // 64 characters in 192 bytes: the limit counts characters, as JSON Schema does.
    std::string sixty_four;
    for (int character = 0; character < 64; ++character) {
        sixty_four += "大";
    }
    unicode_location["location"] = sixty_four;
    json bad_reference = survey_request();
    bad_reference["session_reference"] = "5B1E7C3A-9F2D-4E8B-A6C1-0D4F7E2B9A13";
    json bad_time = complaint_request();
    bad_time["submitted_at"] = "2026-13-02T10:13:20+08:00";
    json bad_flag = call_request();
    bad_flag["elder_mode"] = "yes";
    CHECK(post_json(client, "/v1/assistance-calls", long_location)->status == 400);
    CHECK(post_json(client, "/v1/assistance-calls", unicode_location)->status == 201);
    CHECK(post_json(client, "/v1/survey-answers", bad_reference)->status == 400);
    CHECK(post_json(client, "/v1/complaints", bad_time)->status == 400);
    CHECK(post_json(client, "/v1/assistance-calls", bad_flag)->status == 400);
    const std::string call_id = queue.service.calls()->front().id;
    auto eta = client.Post("/v1/assistance-calls/" + call_id + "/acknowledgement",
                           R"({"role":"lobby_manager","eta_seconds":3601})", "application/json");
    REQUIRE(eta);
    CHECK(eta->status == 400);
    auto fraction =
        client.Post("/v1/assistance-calls/" + call_id + "/acknowledgement",
                    R"({"role":"lobby_manager","eta_seconds":1.5})", "application/json");
    REQUIRE(fraction);
    CHECK(fraction->status == 400);
    auto closure = client.Post("/v1/assistance-calls/" + call_id + "/closure",
                               R"({"outcome":"vanished"})", "application/json");
    REQUIRE(closure);
    CHECK(closure->status == 400);
    auto path = client.Get("/v1/tickets/not-a-uuid");
    REQUIRE(path);
    CHECK(path->status == 400);
    CHECK(problem_of(path) == "invalid-request");
}

TEST_CASE("A POST without a UUID Idempotency-Key is missing-idempotency-key") {
    PlainQueue queue;
    auto client = queue.client();
    auto missing = post_json(client, "/v1/tickets", ticket_request("card_services"), "-");
    REQUIRE(missing);
    CHECK(missing->status == 400);
    CHECK(problem_of(missing) == "missing-idempotency-key");
    auto malformed =
        post_json(client, "/v1/complaints", complaint_request(), "\"7c9e6679-7425-40de-944b\"");
    REQUIRE(malformed);
    CHECK(malformed->status == 400);
    CHECK(problem_of(malformed) == "missing-idempotency-key");
    // Staff devices may leave it out.
    const json call = body_of(post_json(client, "/v1/assistance-calls", call_request()));
    auto staff = client.Post("/v1/assistance-calls/" + call["id"].get<std::string>() + "/closure",
                             R"({"outcome":"no_action_needed"})", "application/json");
    REQUIRE(staff);
    CHECK(staff->status == 200);
    CHECK(queue.service.complaints()->empty());
}

TEST_CASE("A body over 4096 bytes is request-too-large") {
    PlainQueue queue;
    auto client = queue.client();
    json request = call_request();
    request["location"] = std::string(4100, 'x');
    auto result = post_json(client, "/v1/assistance-calls", request);
    REQUIRE(result);
    CHECK(result->status == 413);
    CHECK(problem_of(result) == "request-too-large");
    CHECK(queue.service.calls()->empty());
}

TEST_CASE("An unknown path is a not-found problem") {
    PlainQueue queue;
    auto client = queue.client();
    auto result = client.Get("/v1/queue-status");
    REQUIRE(result);
    CHECK(result->status == 404);
    CHECK(problem_of(result) == "not-found");
}

TEST_CASE("The 121st request of a kiosk within a minute is too-many-requests") {
    PlainQueue queue;
    auto client = queue.client();
    for (int request = 0; request < 120; ++request) {
        auto result = post_json(client, "/v1/survey-answers",
                                survey_request("balance", "satisfied", k_kiosk_id, new_key()));
        REQUIRE(result);
        REQUIRE(result->status == 201);
    }
    // Health checks are not counted and still answer.
    CHECK(client.Get("/v1/health")->status == 200);
    auto refused = post_json(client, "/v1/tickets", ticket_request("card_services"));
    REQUIRE(refused);
    CHECK(refused->status == 429);
    CHECK(problem_of(refused) == "too-many-requests");
    const int retry_after = std::stoi(refused->get_header_value("Retry-After"));
    CHECK(retry_after >= 1);
    CHECK(retry_after <= 60);
    // Another kiosk has its own budget.
    CHECK(post_json(client, "/v1/tickets",
                    ticket_request("card_services", "normal", "", k_other_kiosk_id))
              ->status == 201);
    queue.clock.advance_ms(retry_after * 1000);
    CHECK(post_json(client, "/v1/tickets", ticket_request("card_services"))->status == 201);
}

TEST_CASE("The unavailable fault is a 503 with Retry-After that stores nothing") {
    PlainQueue queue;
    auto client = queue.client();
    queue.service.set_fault(Fault::unavailable);
    for (const auto& path : {"/v1/tickets", "/v1/complaints"}) {
        const json body = std::string_view(path) == "/v1/tickets" ? ticket_request("card_services")
                                                                  : complaint_request();
        auto result = post_json(client, path, body);
        REQUIRE(result);
        CHECK(result->status == 503);
        CHECK(problem_of(result) == "unavailable");
        CHECK(result->get_header_value("Retry-After") == "30");
    }
    CHECK(client.Get("/v1/health")->status == 503);
    CHECK(queue.service.complaints()->empty());
    queue.service.set_fault(Fault::none);
    CHECK(client.Get("/v1/health")->status == 200);
}

TEST_CASE("The garbage fault answers the success status with a body that is not JSON") {
    PlainQueue queue;
    auto client = queue.client();
    queue.service.set_fault(Fault::garbage);
    auto result = post_json(client, "/v1/tickets", ticket_request("card_services"));
    REQUIRE(result);
    CHECK(result->status == 201);
    CHECK(json::parse(result->body, nullptr, false).is_discarded());
    auto read = client.Get("/v1/businesses");
    REQUIRE(read);
    CHECK(read->status == 200);
    CHECK(json::parse(read->body, nullptr, false).is_discarded());
}

TEST_CASE("The drop fault breaks the connection before the body") {
    PlainQueue queue;
    auto client = queue.client();
    queue.service.set_fault(Fault::drop);
    auto result = post_json(client, "/v1/assistance-calls", call_request());
    CHECK_FALSE(result);
    CHECK(queue.service.calls()->empty());
}

TEST_CASE("The slow fault holds a request until the delay has passed or the service stops") {
    PlainQueue queue;
    auto client = queue.client();
    queue.service.set_slow_reply_delay(std::chrono::milliseconds(300));
    queue.service.set_fault(Fault::slow);
    const auto started = std::chrono::steady_clock::now();
    auto result = client.Get("/v1/health");
    REQUIRE(result);
    CHECK(result->status == 200);
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(300));

    queue.service.set_slow_reply_delay(std::chrono::minutes(5));
    auto held = std::async(std::launch::async, [&queue] {
        auto other = queue.client();
        return other.Get("/v1/health");
    });
    CHECK(held.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout);
    queue.service.stop();
    REQUIRE(held.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
}

TEST_CASE("Tickets calls answers and complaints survive a restart of the service") {
    TemporaryDirectory directory;
    ManualClock clock;
    LogLines log;
    std::string ticket_id;
    {
        simulator::queue::QueueService service(plain_config(directory.path(), clock, log));
        REQUIRE(service.start());
        httplib::Client client("127.0.0.1", service.port());
        ticket_id =
            issue_ticket(client, ticket_request("personal_deposit"))["id"].get<std::string>();
        REQUIRE(post_json(client, "/v1/assistance-calls", call_request())->status == 201);
        REQUIRE(post_json(client, "/v1/survey-answers", survey_request())->status == 201);
        REQUIRE(post_json(client, "/v1/complaints", complaint_request())->status == 201);
    }
    clock.advance_ms(k_minute_ms);
    simulator::queue::QueueService service(plain_config(directory.path(), clock, log));
    REQUIRE(service.start());
    httplib::Client client("127.0.0.1", service.port());
    const json ticket = get_json(client, "/v1/tickets/" + ticket_id);
    CHECK(ticket["number"] == "A007");
    CHECK(ticket["people_ahead"] == 6);
    // Numbering goes on; the people waiting at opening are not seeded again.
    CHECK(issue_ticket(client, ticket_request("personal_deposit"))["number"] == "A008");
    CHECK(service.calls()->size() == 1);
    CHECK(service.survey_answers()->size() == 1);
    CHECK(body_of(post_json(client, "/v1/complaints", complaint_request()))["reference"] ==
          "C-20261202-0002");
    CHECK(post_json(client, "/v1/survey-answers", survey_request())->status == 409);
}

TEST_CASE("The database is kept in WAL journal mode") {
    PlainQueue queue;
    sqlite3* database = nullptr;
    REQUIRE(sqlite3_open_v2((queue.directory.path() / "queue.sqlite").c_str(), &database,
                            SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    REQUIRE(sqlite3_prepare_v2(database, "PRAGMA journal_mode", -1, &statement, nullptr) ==
            SQLITE_OK);
    REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
    const std::string mode = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    sqlite3_close_v2(database);
    CHECK(mode == "wal");
}

TEST_CASE("The access log names each request's client and problem but keeps no body") {
    PlainQueue queue;
    auto client = queue.client();
    REQUIRE(post_json(client, "/v1/complaints", complaint_request())->status == 201);
    REQUIRE(post_json(client, "/v1/tickets", ticket_request("foreign_exchange"))->status == 409);
    const auto log = queue.service.access_log();
    REQUIRE(log.has_value());
    REQUIRE(log->size() == 2);
    CHECK(log->at(0).client == "unverified/lobby-01");
    CHECK(log->at(0).method == "POST");
    CHECK(log->at(0).path == "/v1/complaints");
    CHECK(log->at(0).status == 201);
    CHECK(log->at(0).problem_type.empty());
    CHECK(log->at(1).status == 409);
    CHECK(log->at(1).problem_type == "business-closed");
    CHECK(log->at(1).instance.starts_with("urn:uuid:"));
    for (const auto& entry : *log) {
        CHECK(entry.client.find(k_session_reference) == std::string::npos);
        CHECK(entry.path.find("waiting_time") == std::string::npos);
    }
}

TEST_CASE("start refuses to run without a way to know who calls") {
    TemporaryDirectory directory;
    ManualClock clock;
    LogLines log;
    auto config = plain_config(directory.path(), clock, log);
    config.trust_body_kiosk_id = false;
    simulator::queue::QueueService service(config);
    auto started = service.start();
    REQUIRE_FALSE(started);
    CHECK(started.error().code == simulator::queue::QueueError::unsafe_configuration);
    CHECK_FALSE(service.running());
}

TEST_CASE("Staff functions before start report that the service is not running") {
    TemporaryDirectory directory;
    ManualClock clock;
    LogLines log;
    simulator::queue::QueueService service(plain_config(directory.path(), clock, log));
    CHECK(service.close_call(k_latest_open_call).error() == StaffError::not_running);
    CHECK(service.tickets().error() == simulator::queue::QueueError::not_running);
}
