// The queue contract's mapping (kiosk/net/queue_contract.h): every reply the contract allows
// maps to the core's value, and anything outside it is bad_reply; which replies may be retried.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "kiosk/net/queue_contract.h"

using kiosk::core::QueueStatus;
using namespace kiosk::net;
using nlohmann::json;

namespace {

json text(const std::string& english) {
    return {{"zh-CN", "个人存取款"}, {"zh-HK", "個人存款及提款"}, {"en", english}};
}

json business(int rank, const std::string& id, const std::string& prefix) {
    return {{"id", id},
            {"ticket_prefix", prefix},
            {"names", text("Deposits")},
            {"materials", json::array({text("Your bank card")})},
            {"typical_duration_minutes", 8},
            {"open_counters", 3},
            {"people_waiting", 6},
            {"estimated_wait_minutes", 12},
            {"popularity_rank", rank},
            {"open_now", true}};
}

json business_list(json businesses) {
    return {{"as_of", "2026-12-02T09:40:00+08:00"}, {"businesses", std::move(businesses)}};
}

json ticket() {
    return {{"id", "3f2b8c1e-5d4a-4b6f-9e2d-7a1c0b9e8f45"},
            {"number", "A023"},
            {"business_id", "personal_deposit"},
            {"priority", "normal"},
            {"language", "zh-CN"},
            {"people_ahead", 6},
            {"estimated_wait_minutes", 12},
            {"state", "waiting"},
            {"issued_at", "2026-12-02T09:41:07+08:00"}};
}

json call(const std::string& state) {
    json value = {{"id", "5e8d2a4c-7b1f-4e9a-b3c6-0d2f4a6b8c15"},
                  {"kiosk_id", "lobby-01"},
                  {"location", "lobby, machine 2"},
                  {"reason", "customer_request"},
                  {"language", "zh-HK"},
                  {"audio_mode", true},
                  {"elder_mode", false},
                  {"state", state},
                  {"created_at", "2026-12-02T10:05:12+08:00"}};
    if (state != "open") {
        value["acknowledged_by"] = {
            {"role", "lobby_manager"}, {"display_name", "陈经理"}, {"badge_number", "0417"}};
        value["acknowledged_at"] = "2026-12-02T10:05:40+08:00";
        value["eta_seconds"] = 60;
    }
    if (state == "closed") {
        value["closed_at"] = "2026-12-02T10:09:03+08:00";
        value["outcome"] = "helped";
    }
    return value;
}

std::string problem(int status, const std::string& type) {
    return json{{"type", "https://bank.example/problems/queue/" + type},
                {"title", "A title"},
                {"status", status},
                {"detail", "For engineers."},
                {"instance", "urn:uuid:0b6f2e4a-8c1d-4e7b-9a3f-5d2c1e0b7a64"}}
        .dump();
}

}  // namespace

TEST_CASE("A business list maps to the core's businesses in the order given") {
    const auto reply = interpret_businesses_reply(
        200, business_list({business(1, "personal_deposit", "A"), business(2, "transfers", "C")})
                 .dump());
    REQUIRE(reply.status == QueueStatus::ok);
    REQUIRE(reply.value->size() == 2);
    const auto& first = reply.value->front();
    CHECK(first.id == "personal_deposit");
    CHECK(first.ticket_prefix == "A");
    CHECK(first.name.zh_hk == "個人存款及提款");
    CHECK(first.materials.at(0).en == "Your bank card");
    CHECK(first.typical_duration_minutes == 8);
    CHECK(first.open_counters == 3);
    CHECK(first.people_waiting == 6);
    CHECK(first.estimated_wait_minutes == 12);
    CHECK(first.popularity_rank == 1);
    CHECK(first.open_now);
    CHECK_FALSE(reply.retry);
}

TEST_CASE("An empty business list is a valid list") {
    const auto reply = interpret_businesses_reply(200, business_list(json::array()).dump());
    CHECK(reply.status == QueueStatus::ok);
    CHECK(reply.value->empty());
}

TEST_CASE("A business list outside the contract is bad_reply") {
    const auto with = [](auto change) {
        json list = business_list({business(1, "personal_deposit", "A")});
        change(list);
        return interpret_businesses_reply(200, list.dump()).status;
    };
    const auto businesses_of = [](json& list) -> json& { return list["businesses"]; };
    CHECK(with([](json& list) { list["extra"] = 1; }) == QueueStatus::bad_reply);
    CHECK(with([](json& list) { list.erase("as_of"); }) == QueueStatus::bad_reply);
    CHECK(with([](json& list) { list["as_of"] = "yesterday"; }) == QueueStatus::bad_reply);
    CHECK(with([&](json& list) { businesses_of(list)[0]["colour"] = "red"; }) ==
          QueueStatus::bad_reply);
    CHECK(with([&](json& list) { businesses_of(list)[0].erase("open_now"); }) ==
          QueueStatus::bad_reply);
    CHECK(with([&](json& list) { businesses_of(list)[0]["id"] = "Personal"; }) ==
          QueueStatus::bad_reply);
    CHECK(with([&](json& list) { businesses_of(list)[0]["ticket_prefix"] = "AB"; }) ==
          QueueStatus::bad_reply);
    CHECK(with([&](json& list) { businesses_of(list)[0]["people_waiting"] = 1000; }) ==
          QueueStatus::bad_reply);
    CHECK(with([&](json& list) { businesses_of(list)[0]["open_counters"] = -1; }) ==
          QueueStatus::bad_reply);
    CHECK(with([&](json& list) { businesses_of(list)[0]["estimated_wait_minutes"] = 12.5; }) ==
          QueueStatus::bad_reply);
    CHECK(with([&](json& list) { businesses_of(list)[0]["typical_duration_minutes"] = 0; }) ==
          QueueStatus::bad_reply);
    CHECK(with([&](json& list) { businesses_of(list)[0]["open_now"] = "yes"; }) ==
          QueueStatus::bad_reply);
    CHECK(with([&](json& list) { businesses_of(list)[0]["names"].erase("zh-HK"); }) ==
          QueueStatus::bad_reply);
    CHECK(with([&](json& list) { businesses_of(list)[0]["names"]["en"] = ""; }) ==
          QueueStatus::bad_reply);
    CHECK(with([&](json& list) { businesses_of(list)[0]["popularity_rank"] = 51; }) ==
          QueueStatus::bad_reply);
    CHECK(with([&](json& list) { businesses_of(list).push_back(business(1, "transfers", "C")); }) ==
          QueueStatus::bad_reply);
    CHECK(with([&](json& list) {
              businesses_of(list).push_back(business(2, "personal_deposit", "C"));
          }) == QueueStatus::bad_reply);
}

TEST_CASE("The number of businesses and materials is bounded as the contract bounds it") {
    json fifty = json::array();
    for (int rank = 1; rank <= 50; ++rank) {
        const std::string prefix(1, static_cast<char>('A' + (rank - 1) % 26));
        fifty.push_back(business(rank, "business_" + std::to_string(rank), prefix));
    }
    CHECK(interpret_businesses_reply(200, business_list(fifty).dump()).status == QueueStatus::ok);
    json fifty_one = fifty;
    fifty_one.push_back(business(51 - 1 + 1, "business_51", "Z"));
    fifty_one.back()["popularity_rank"] = 50;
    // Ranks stop at 50, so the 51st repeats one; the count is checked first in any case.
    CHECK(interpret_businesses_reply(200, business_list(fifty_one).dump()).status ==
          QueueStatus::bad_reply);

    json ten_materials = business(1, "personal_deposit", "A");
    ten_materials["materials"] = json::array();
    for (int index = 0; index < 10; ++index) {
        ten_materials["materials"].push_back(text("Item"));
    }
    CHECK(interpret_businesses_reply(200, business_list({ten_materials}).dump()).status ==
          QueueStatus::ok);
    ten_materials["materials"].push_back(text("One too many"));
    CHECK(interpret_businesses_reply(200, business_list({ten_materials}).dump()).status ==
          QueueStatus::bad_reply);
}

TEST_CASE("Text lengths are counted in characters not bytes") {
    // 80 Chinese characters are 240 bytes of UTF-8 and still within the contract's 80.
    std::string eighty;
    for (int index = 0; index < 80; ++index) {
        eighty += "存";
    }
    json item = business(1, "personal_deposit", "A");
    item["names"]["zh-CN"] = eighty;
    CHECK(interpret_businesses_reply(200, business_list({item}).dump()).status == QueueStatus::ok);
    item["names"]["zh-CN"] = eighty + "款";
    CHECK(interpret_businesses_reply(200, business_list({item}).dump()).status ==
          QueueStatus::bad_reply);
    CHECK(character_count("存款") == 2U);
    CHECK_FALSE(character_count("\xe5\xad").has_value());
    CHECK_FALSE(character_count("\xed\xa0\x80").has_value());  // a UTF-16 surrogate
    CHECK_FALSE(character_count("\xc0\xaf").has_value());      // an overlong slash
}

TEST_CASE("A reply larger than the limit is bad_reply") {
    const std::string huge = R"({"as_of":"2026-12-02T09:40:00Z","businesses":[],"pad":")" +
                             std::string(k_maximum_queue_reply_bytes, 'x') + R"("})";
    CHECK(interpret_businesses_reply(200, huge).status == QueueStatus::bad_reply);
}

TEST_CASE("The businesses call maps 403 429 and 5xx to unavailable and only 429 and 5xx retry") {
    const auto forbidden = interpret_businesses_reply(403, problem(403, "wrong-client"));
    CHECK(forbidden.status == QueueStatus::unavailable);
    CHECK_FALSE(forbidden.retry);
    CHECK(forbidden.problem == "wrong-client");
    const auto busy = interpret_businesses_reply(429, problem(429, "too-many-requests"));
    CHECK(busy.status == QueueStatus::unavailable);
    CHECK(busy.retry);
    const auto down = interpret_businesses_reply(503, problem(503, "unavailable"));
    CHECK(down.status == QueueStatus::unavailable);
    CHECK(down.retry);
    // A gateway's 502 with an HTML page is still "the service is down".
    const auto gateway = interpret_businesses_reply(502, "<html>Bad Gateway</html>");
    CHECK(gateway.status == QueueStatus::unavailable);
    CHECK(gateway.retry);
    // A status or problem the operation does not declare is outside the contract.
    CHECK(interpret_businesses_reply(404, problem(404, "not-found")).status ==
          QueueStatus::bad_reply);
    CHECK(interpret_businesses_reply(403, problem(403, "kiosk-identity-mismatch")).status ==
          QueueStatus::bad_reply);
    CHECK(interpret_businesses_reply(201, business_list(json::array()).dump()).status ==
          QueueStatus::bad_reply);
}

TEST_CASE("A problem body outside RFC 9457 as the contract writes it is bad_reply") {
    const auto status_of = [](json body) {
        return interpret_ticket_reply(409, body.dump()).status;
    };
    json good = json::parse(problem(409, "business-closed"));
    CHECK(status_of(good) == QueueStatus::refused);
    json other_status = good;
    other_status["status"] = 400;
    CHECK(status_of(other_status) == QueueStatus::bad_reply);
    json other_host = good;
    other_host["type"] = "https://example.org/problems/queue/business-closed";
    CHECK(status_of(other_host) == QueueStatus::bad_reply);
    json extension = good;
    extension["retry_in"] = 5;
    CHECK(status_of(extension) == QueueStatus::bad_reply);
    json no_title = good;
    no_title.erase("title");
    CHECK(status_of(no_title) == QueueStatus::bad_reply);
    json bad_instance = good;
    bad_instance["instance"] = "urn:uuid:nope";
    CHECK(status_of(bad_instance) == QueueStatus::bad_reply);
    CHECK(interpret_ticket_reply(409, "not json").status == QueueStatus::bad_reply);
}

TEST_CASE("A ticket maps to the core's ticket") {
    const auto reply = interpret_ticket_reply(201, ticket().dump());
    REQUIRE(reply.status == QueueStatus::ok);
    CHECK(reply.value->id == "3f2b8c1e-5d4a-4b6f-9e2d-7a1c0b9e8f45");
    CHECK(reply.value->number == "A023");
    CHECK(reply.value->business_id == "personal_deposit");
    CHECK(reply.value->priority == kiosk::core::Priority::normal);
    CHECK(reply.value->people_ahead == 6);
    CHECK(reply.value->estimated_wait_minutes == 12);
    json green = ticket();
    green["priority"] = "green_channel";
    green["priority_reason"] = "older_customer";
    CHECK(interpret_ticket_reply(201, green.dump()).value->priority ==
          kiosk::core::Priority::green_channel);
}

TEST_CASE("A ticket outside the contract is bad_reply") {
    const auto with = [](auto change) {
        json value = ticket();
        change(value);
        return interpret_ticket_reply(201, value.dump()).status;
    };
    CHECK(with([](json& value) { value["number"] = "A23"; }) == QueueStatus::bad_reply);
    CHECK(with([](json& value) { value["number"] = "a023"; }) == QueueStatus::bad_reply);
    CHECK(with([](json& value) { value["id"] = "ticket-1"; }) == QueueStatus::bad_reply);
    CHECK(with([](json& value) { value["state"] = "lost"; }) == QueueStatus::bad_reply);
    CHECK(with([](json& value) { value["language"] = "fr"; }) == QueueStatus::bad_reply);
    CHECK(with([](json& value) { value["people_ahead"] = 1000; }) == QueueStatus::bad_reply);
    CHECK(with([](json& value) { value["priority_reason"] = "older_customer"; }) ==
          QueueStatus::bad_reply);
    CHECK(with([](json& value) { value["counter_number"] = 3; }) == QueueStatus::bad_reply);
    CHECK(with([](json& value) {
              value["state"] = "called";
              value["counter_number"] = 3;
          }) == QueueStatus::ok);
    CHECK(with([](json& value) { value.erase("issued_at"); }) == QueueStatus::bad_reply);
    // The 201 is the contract's status for a new ticket; 200 is not.
    CHECK(interpret_ticket_reply(200, ticket().dump()).status == QueueStatus::bad_reply);
}

TEST_CASE("A ticket refused by the service maps to refused and is not retried") {
    for (const auto& [status, type] :
         std::vector<std::pair<int, std::string>>{{409, "business-closed"},
                                                  {409, "unknown-business"},
                                                  {400, "invalid-request"},
                                                  {400, "missing-idempotency-key"},
                                                  {413, "request-too-large"},
                                                  {422, "idempotency-key-reused"}}) {
        INFO(status << " " << type);
        const auto reply = interpret_ticket_reply(status, problem(status, type));
        CHECK(reply.status == QueueStatus::refused);
        CHECK_FALSE(reply.retry);
        CHECK(reply.problem == type);
    }
    const auto forbidden = interpret_ticket_reply(403, problem(403, "kiosk-identity-mismatch"));
    CHECK(forbidden.status == QueueStatus::unavailable);
    CHECK_FALSE(forbidden.retry);
}

TEST_CASE("A request in progress a 429 and a 503 may be retried") {
    for (const auto& [status, type] : std::vector<std::pair<int, std::string>>{
             {409, "request-in-progress"}, {429, "too-many-requests"}, {503, "unavailable"}}) {
        INFO(status << " " << type);
        CHECK(interpret_ticket_reply(status, problem(status, type)).retry);
        CHECK(interpret_assistance_reply(status, problem(status, type)).retry);
        CHECK(interpret_survey_reply(status, problem(status, type)).retry);
        CHECK(interpret_complaint_reply(status, problem(status, type)).retry);
    }
    // A problem of a ticket is not one of a call for staff.
    CHECK(interpret_assistance_reply(409, problem(409, "business-closed")).status ==
          QueueStatus::bad_reply);
}

TEST_CASE("A call for staff maps to the core's call in each of its states") {
    const auto open = interpret_assistance_reply(201, call("open").dump());
    REQUIRE(open.status == QueueStatus::ok);
    CHECK(open.value->id == "5e8d2a4c-7b1f-4e9a-b3c6-0d2f4a6b8c15");
    CHECK(open.value->state == kiosk::core::CallState::open);
    CHECK_FALSE(open.value->acknowledged_by.has_value());
    const auto acknowledged = interpret_assistance_status_reply(200, call("acknowledged").dump());
    REQUIRE(acknowledged.status == QueueStatus::ok);
    CHECK(acknowledged.value->state == kiosk::core::CallState::acknowledged);
    CHECK(acknowledged.value->acknowledged_by ==
          kiosk::core::StaffMember{kiosk::core::StaffRole::lobby_manager, "陈经理", "0417"});
    CHECK(acknowledged.value->eta_seconds == 60);
    const auto closed = interpret_assistance_status_reply(200, call("closed").dump());
    CHECK(closed.value->state == kiosk::core::CallState::closed);
    json closed_unanswered = call("open");
    closed_unanswered["state"] = "closed";
    closed_unanswered["closed_at"] = "2026-12-02T10:09:03Z";
    closed_unanswered["outcome"] = "customer_left";
    CHECK(interpret_assistance_status_reply(200, closed_unanswered.dump()).status ==
          QueueStatus::ok);
}

TEST_CASE("A call whose fields do not fit its state is bad_reply") {
    json open_with_staff = call("acknowledged");
    open_with_staff["state"] = "open";
    CHECK(interpret_assistance_status_reply(200, open_with_staff.dump()).status ==
          QueueStatus::bad_reply);
    json acknowledged_by_nobody = call("open");
    acknowledged_by_nobody["state"] = "acknowledged";
    CHECK(interpret_assistance_status_reply(200, acknowledged_by_nobody.dump()).status ==
          QueueStatus::bad_reply);
    json closed_without_outcome = call("closed");
    closed_without_outcome.erase("outcome");
    CHECK(interpret_assistance_status_reply(200, closed_without_outcome.dump()).status ==
          QueueStatus::bad_reply);
    json long_name = call("acknowledged");
    long_name["acknowledged_by"]["display_name"] = std::string(33, 'x');
    CHECK(interpret_assistance_status_reply(200, long_name.dump()).status ==
          QueueStatus::bad_reply);
    json bad_badge = call("acknowledged");
    bad_badge["acknowledged_by"]["badge_number"] = "04 17";
    CHECK(interpret_assistance_status_reply(200, bad_badge.dump()).status ==
          QueueStatus::bad_reply);
    json late_staff = call("acknowledged");
    late_staff["eta_seconds"] = 3601;
    CHECK(interpret_assistance_status_reply(200, late_staff.dump()).status ==
          QueueStatus::bad_reply);
    json bad_role = call("acknowledged");
    bad_role["acknowledged_by"]["role"] = "manager";
    CHECK(interpret_assistance_status_reply(200, bad_role.dump()).status == QueueStatus::bad_reply);
}

TEST_CASE("A call the service does not know is refused and not polled for again") {
    const auto gone = interpret_assistance_status_reply(404, problem(404, "not-found"));
    CHECK(gone.status == QueueStatus::refused);
    CHECK_FALSE(gone.retry);
}

TEST_CASE("A survey answer is delivered by a receipt or by an earlier answer of the session") {
    const auto stored = interpret_survey_reply(
        201,
        R"({"id":"1c3e5a7b-9d2f-4a6c-8e0b-2d4f6a8c0e31","received_at":"2026-12-02T10:12:45+08:00"})");
    CHECK(stored.status == QueueStatus::ok);
    const auto answered = interpret_survey_reply(409, problem(409, "already-answered"));
    CHECK(answered.status == QueueStatus::ok);
    CHECK_FALSE(answered.retry);
    CHECK(
        interpret_survey_reply(201, R"({"id":"x","received_at":"2026-12-02T10:12:45Z"})").status ==
        QueueStatus::bad_reply);
}

TEST_CASE("A complaint comes back with the reference the customer quotes") {
    const auto filed = interpret_complaint_reply(
        201, R"({"reference":"C-20261202-0042","received_at":"2026-12-02T10:13:21+08:00"})");
    REQUIRE(filed.status == QueueStatus::ok);
    CHECK(filed.value == "C-20261202-0042");
    for (const char* reference : {"C-2026120-0042", "C-20261202-042", "D-20261202-0042",
                                  "C-20261202-00420", "C_20261202-0042"}) {
        INFO(reference);
        const json body = {{"reference", reference}, {"received_at", "2026-12-02T10:13:21Z"}};
        CHECK(interpret_complaint_reply(201, body.dump()).status == QueueStatus::bad_reply);
    }
}

TEST_CASE("Dates kiosk ids business ids and locations are checked as the contract writes them") {
    CHECK(is_date_time("2026-12-02T09:41:07+08:00"));
    CHECK(is_date_time("2026-12-02T01:41:07.125Z"));
    CHECK_FALSE(is_date_time("2026-12-02 09:41:07+08:00"));
    CHECK_FALSE(is_date_time("2026-13-02T09:41:07Z"));
    CHECK_FALSE(is_date_time("2026-12-02T09:41:07"));
    CHECK_FALSE(is_date_time("2026-12-02T09:41:07+0800"));
    CHECK(is_kiosk_id("lobby-01"));
    CHECK(is_kiosk_id("BRANCH-0001-K1"));
    CHECK_FALSE(is_kiosk_id(""));
    CHECK_FALSE(is_kiosk_id("lobby 01"));
    CHECK_FALSE(is_kiosk_id(std::string(33, 'k')));
    CHECK(is_business_id("personal_deposit"));
    CHECK_FALSE(is_business_id("1st"));
    CHECK(is_location("大堂 2号机"));
    CHECK(is_location(std::string(64, 'x')));
    CHECK_FALSE(is_location(std::string(65, 'x')));
    CHECK_FALSE(is_location(""));
    CHECK_FALSE(is_location("lobby\nmachine 2"));
    CHECK(date_time(std::chrono::sys_days(std::chrono::year(2026) / 12 / 2) +
                    std::chrono::hours(2) + std::chrono::minutes(13) + std::chrono::seconds(20)) ==
          "2026-12-02T02:13:20Z");
}
