// QueueClient against a fake branch queue service on loopback that speaks mutual TLS and keeps
// the idempotency rules (fake_queue_service.h): the events and notices it posts, the requests
// it sends, its outbox across restarts, and how it follows a call for staff.

#include <sqlite3.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "base/uuid.h"
#include "kiosk/net/outbox.h"
#include "kiosk/net/queue_client.h"
#include "kiosk/net/random_uuid.h"
#include "tests/kiosk/net/fake_queue_service.h"
#include "tests/kiosk/net/queue_recorder.h"
#include "tests/kiosk/net/test_certificates.h"

using namespace std::chrono_literals;
using kiosk::core::QueueStatus;
using kiosk::net::QueueClient;
using kiosk::net::QueueClientOptions;
using kiosk::net::testing::FakeQueueService;
using kiosk::net::testing::problem_body;
using kiosk::net::testing::QueueRecorder;
using kiosk::net::testing::ScriptedReply;
using kiosk::net::testing::TemporaryFolder;
using kiosk::net::testing::Transport;
using nlohmann::json;

namespace {

// Short enough that a test of retries and follows takes well under a second each.
constexpr auto k_quick_retry = 50ms;
constexpr auto k_quick_follow = 100ms;
// How long a test watches for something that must not happen.
constexpr auto k_quiet_period = 600ms;

QueueClientOptions options_for(const std::string& url, const std::filesystem::path& outbox) {
    const auto& pki = kiosk::net::testing::test_pki();
    QueueClientOptions options;
    options.endpoint.base_url = url;
    options.endpoint.ca_file = pki.authority;
    options.endpoint.client_certificate = pki.kiosk.certificate;
    options.endpoint.client_key = pki.kiosk.key;
    options.endpoint.connect_timeout = 2s;
    options.endpoint.total_timeout = 3s;
    options.kiosk_id = "lobby-01";
    options.location = "lobby, machine 2";
    options.outbox_file = outbox;
    options.follow_interval = k_quick_follow;
    options.retry.first = k_quick_retry;
    options.retry.longest = 200ms;
    options.retry.after_tls_failure = 200ms;
    return options;
}

struct QueueClientUnderTest {
    explicit QueueClientUnderTest(QueueClientOptions options) : client(std::move(options)) {
        client.start(recorder.events(), recorder.notices());
    }
    QueueRecorder recorder;
    QueueClient client;
};

kiosk::core::TicketRequest deposit_ticket() {
    return {"personal_deposit", kiosk::core::Priority::normal, std::nullopt, "zh-CN"};
}

kiosk::core::AssistanceRequest help_request() {
    return {kiosk::core::AssistanceReason::customer_request, "zh-HK", true, false};
}

kiosk::core::Complaint waiting_complaint() {
    return {kiosk::core::ComplaintCategory::waiting_time, "en", true};
}

kiosk::core::SurveyAnswer satisfied_answer() {
    return {kiosk::core::ServiceKind::ticket, kiosk::core::Rating::satisfied, "zh-CN"};
}

ScriptedReply unavailable(std::map<std::string, std::string> headers = {}) {
    return ScriptedReply{503, problem_body(503, "unavailable"), "application/problem+json",
                         std::move(headers)};
}

// Waits until `requests()` of the service holds `count` requests to `path` and stays so for a
// quiet period: nothing more is sent.
bool settles_at(FakeQueueService& service, const std::string& path, std::size_t count) {
    if (!service.wait_for_requests(path, count, kiosk::net::testing::k_event_wait)) {
        return false;
    }
    std::this_thread::sleep_for(k_quiet_period);
    return service.requests_to(path).size() == count;
}

bool is_version_4_uuid(const std::string& text) {
    return base::is_uuid(text) && text[14] == '4' &&
           std::string_view("89ab").find(text[19]) != std::string_view::npos;
}

}  // namespace

TEST_CASE("The businesses come back in rank order with their names and materials") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    QueueClientUnderTest under_test(options_for(service.url(), folder.path() / "outbox.sqlite"));
    under_test.client.list_businesses(7);
    REQUIRE(under_test.recorder.wait_for<kiosk::core::BusinessesListed>(1));
    const auto listed = under_test.recorder.all<kiosk::core::BusinessesListed>().front();
    CHECK(listed.call_id == 7);
    CHECK(listed.status == QueueStatus::ok);
    REQUIRE(listed.businesses.size() == 2);
    CHECK(listed.businesses[0].id == "personal_deposit");
    CHECK(listed.businesses[0].name.in("zh-HK") == "個人存款及提款");
    REQUIRE(listed.businesses[0].materials.size() == 1);
    CHECK(listed.businesses[0].materials[0].en == "Your bank card or passbook");
    CHECK(listed.businesses[0].estimated_wait_minutes == 12);
    CHECK_FALSE(listed.businesses[1].open_now);
    REQUIRE(under_test.recorder.wait_for_notice("businesses", "200"));
}

TEST_CASE("A ticket comes back with the number the service gave and one idempotency key") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    QueueClientUnderTest under_test(options_for(service.url(), folder.path() / "outbox.sqlite"));
    under_test.client.take_ticket(3, deposit_ticket());
    REQUIRE(under_test.recorder.wait_for<kiosk::core::TicketIssued>(1));
    const auto issued = under_test.recorder.all<kiosk::core::TicketIssued>().front();
    CHECK(issued.call_id == 3);
    CHECK(issued.status == QueueStatus::ok);
    REQUIRE(issued.ticket.has_value());
    CHECK(issued.ticket->number == "A001");
    CHECK(issued.ticket->people_ahead == 3);
    const auto sent = service.requests_to("/v1/tickets");
    REQUIRE(sent.size() == 1);
    CHECK(is_version_4_uuid(sent[0].idempotency_key));
    CHECK(json::parse(sent[0].body) == json{{"kiosk_id", "lobby-01"},
                                            {"business_id", "personal_deposit"},
                                            {"priority", "normal"},
                                            {"language", "zh-CN"}});
}

TEST_CASE("A green channel ticket carries the reason the customer stated") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    QueueClientUnderTest under_test(options_for(service.url(), folder.path() / "outbox.sqlite"));
    under_test.client.take_ticket(4, {"personal_deposit", kiosk::core::Priority::green_channel,
                                      kiosk::core::PriorityReason::older_customer, "zh-HK"});
    REQUIRE(under_test.recorder.wait_for<kiosk::core::TicketIssued>(1));
    CHECK(under_test.recorder.all<kiosk::core::TicketIssued>().front().ticket->priority ==
          kiosk::core::Priority::green_channel);
    const auto body = json::parse(service.requests_to("/v1/tickets").at(0).body);
    CHECK(body["priority"] == "green_channel");
    CHECK(body["priority_reason"] == "older_customer");
}

TEST_CASE("A ticket request outside the contract is refused without a request") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    QueueClientUnderTest under_test(options_for(service.url(), folder.path() / "outbox.sqlite"));
    // The green channel needs the customer's stated reason, and a business id has a pattern.
    under_test.client.take_ticket(
        5, {"personal_deposit", kiosk::core::Priority::green_channel, std::nullopt, "en"});
    under_test.client.take_ticket(
        6, {"Personal Deposit", kiosk::core::Priority::normal, std::nullopt, "en"});
    REQUIRE(under_test.recorder.wait_for<kiosk::core::TicketIssued>(2));
    for (const auto& issued : under_test.recorder.all<kiosk::core::TicketIssued>()) {
        CHECK(issued.status == QueueStatus::refused);
    }
    CHECK(under_test.recorder.saw_notice("ticket", "invalid_request"));
    CHECK(service.requests_to("/v1/tickets").empty());
}

TEST_CASE("A closed business refuses the ticket and the request is not sent again") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    QueueClientUnderTest under_test(options_for(service.url(), folder.path() / "outbox.sqlite"));
    under_test.client.take_ticket(
        8, {"foreign_exchange", kiosk::core::Priority::normal, std::nullopt, "en"});
    REQUIRE(under_test.recorder.wait_for<kiosk::core::TicketIssued>(1));
    const auto issued = under_test.recorder.all<kiosk::core::TicketIssued>().front();
    CHECK(issued.status == QueueStatus::refused);
    CHECK_FALSE(issued.ticket.has_value());
    CHECK(settles_at(service, "/v1/tickets", 1));
    const auto notices = under_test.recorder.notices_seen();
    CHECK(std::ranges::any_of(notices, [](const auto& notice) {
        return notice.call == "ticket" && notice.status == "409" &&
               notice.detail == "refused: business-closed";
    }));
}

TEST_CASE("A retry after a 503 sends the same idempotency key and body") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    service.script("/v1/tickets", unavailable());
    QueueClientUnderTest under_test(options_for(service.url(), folder.path() / "outbox.sqlite"));
    under_test.client.take_ticket(9, deposit_ticket());
    REQUIRE(under_test.recorder.wait_for<kiosk::core::TicketIssued>(2));
    const auto issued = under_test.recorder.all<kiosk::core::TicketIssued>();
    CHECK(issued[0].status == QueueStatus::kept);
    CHECK(issued[1].status == QueueStatus::ok);
    CHECK(issued[1].ticket->number == "A001");
    const auto sent = service.requests_to("/v1/tickets");
    REQUIRE(sent.size() == 2);
    CHECK(sent[0].idempotency_key == sent[1].idempotency_key);
    CHECK(sent[0].body == sent[1].body);
    CHECK(service.created_with(sent[0].idempotency_key) == 1);
}

TEST_CASE(
    "A reply lost to a time-out is fetched again with the same key and nothing is made twice") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    // The service issues the ticket, but its reply comes after the client has given up.
    ScriptedReply late{201, "{}", "application/json"};
    late.delay = 1500ms;
    late.acted = true;
    service.script("/v1/tickets", late);
    auto options = options_for(service.url(), folder.path() / "outbox.sqlite");
    options.endpoint.total_timeout = 500ms;
    QueueClientUnderTest under_test(std::move(options));
    under_test.client.take_ticket(10, deposit_ticket());
    REQUIRE(under_test.recorder.wait_for<kiosk::core::TicketIssued>(2));
    const auto issued = under_test.recorder.all<kiosk::core::TicketIssued>();
    CHECK(issued[0].status == QueueStatus::kept);
    CHECK(issued[1].status == QueueStatus::ok);
    CHECK(issued[1].ticket->number == "A001");
    CHECK(under_test.recorder.saw_notice("ticket", "timeout"));
    const auto sent = service.requests_to("/v1/tickets");
    REQUIRE(sent.size() == 2);
    CHECK(sent[0].idempotency_key == sent[1].idempotency_key);
    CHECK(service.created_with(sent[0].idempotency_key) == 1);
}

TEST_CASE("Retry-After is waited for before the next attempt") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    service.script("/v1/complaints", unavailable({{"Retry-After", "1"}}));
    QueueClientUnderTest under_test(options_for(service.url(), folder.path() / "outbox.sqlite"));
    under_test.client.file_complaint(11, 1, waiting_complaint());
    REQUIRE(service.wait_for_requests("/v1/complaints", 2, kiosk::net::testing::k_event_wait));
    const auto sent = service.requests_to("/v1/complaints");
    // The back-off alone would have tried again after 50 ms.
    CHECK(sent[1].received - sent[0].received >= 1s);
    CHECK(sent[0].idempotency_key == sent[1].idempotency_key);
}

TEST_CASE("A request in progress elsewhere is retried after its Retry-After") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    service.script("/v1/survey-answers", ScriptedReply{409,
                                                       problem_body(409, "request-in-progress"),
                                                       "application/problem+json",
                                                       {{"Retry-After", "1"}}});
    QueueClientUnderTest under_test(options_for(service.url(), folder.path() / "outbox.sqlite"));
    under_test.client.answer_survey(1, satisfied_answer());
    REQUIRE(under_test.recorder.wait_for_notice("survey", "201"));
    const auto sent = service.requests_to("/v1/survey-answers");
    REQUIRE(sent.size() == 2);
    CHECK(sent[1].received - sent[0].received >= 1s);
    CHECK(service.created_with(sent[0].idempotency_key) == 1);
    CHECK(settles_at(service, "/v1/survey-answers", 2));
}

TEST_CASE("A complaint the service cannot take now is kept and delivered later") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    service.script("/v1/complaints", unavailable());
    QueueClientUnderTest under_test(options_for(service.url(), folder.path() / "outbox.sqlite"));
    under_test.client.file_complaint(12, 1, waiting_complaint());
    REQUIRE(under_test.recorder.wait_for<kiosk::core::ComplaintFiled>(1));
    const auto filed = under_test.recorder.all<kiosk::core::ComplaintFiled>().front();
    CHECK(filed.status == QueueStatus::kept);
    CHECK(filed.reference.empty());
    REQUIRE(under_test.recorder.wait_for_notice("complaint", "201"));
    // The customer heard "kept" once; the later delivery is only journaled.
    std::this_thread::sleep_for(k_quiet_period);
    CHECK(under_test.recorder.all<kiosk::core::ComplaintFiled>().size() == 1);
}

TEST_CASE("A complaint delivered at once comes back with its reference") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    QueueClientUnderTest under_test(options_for(service.url(), folder.path() / "outbox.sqlite"));
    under_test.client.file_complaint(13, 1, waiting_complaint());
    REQUIRE(under_test.recorder.wait_for<kiosk::core::ComplaintFiled>(1));
    const auto filed = under_test.recorder.all<kiosk::core::ComplaintFiled>().front();
    CHECK(filed.status == QueueStatus::ok);
    CHECK(filed.reference == "C-20261202-0001");
    const auto body = json::parse(service.requests_to("/v1/complaints").at(0).body);
    CHECK(body["category"] == "waiting_time");
    CHECK(body["contact_consent"] == true);
    CHECK(kiosk::net::is_date_time(body["submitted_at"].get<std::string>()));
}

TEST_CASE("Requests refused for good are not sent again") {
    struct Refusal {
        int status;
        const char* type;
        QueueStatus heard;
    };
    const std::vector<Refusal> refusals{
        {400, "invalid-request", QueueStatus::refused},
        {403, "kiosk-identity-mismatch", QueueStatus::unavailable},
        {413, "request-too-large", QueueStatus::refused},
        {422, "idempotency-key-reused", QueueStatus::refused},
    };
    for (const auto& refusal : refusals) {
        DYNAMIC_SECTION(refusal.status) {
            TemporaryFolder folder;
            FakeQueueService service(Transport::mutual_tls);
            service.script(
                "/v1/complaints",
                ScriptedReply{refusal.status, problem_body(refusal.status, refusal.type)});
            QueueClientUnderTest under_test(
                options_for(service.url(), folder.path() / "outbox.sqlite"));
            under_test.client.file_complaint(14, 1, waiting_complaint());
            REQUIRE(under_test.recorder.wait_for<kiosk::core::ComplaintFiled>(1));
            CHECK(under_test.recorder.all<kiosk::core::ComplaintFiled>().front().status ==
                  refusal.heard);
            CHECK(settles_at(service, "/v1/complaints", 1));
        }
    }
}

TEST_CASE("The outbox survives a restart and delivers each request once") {
    TemporaryFolder folder;
    const auto outbox = folder.path() / "outbox.sqlite";
    FakeQueueService service(Transport::mutual_tls);
    // The first run: the service is down, with a long Retry-After, so nothing is delivered
    // before the kiosk stops.
    for (int attempt = 0; attempt < 3; ++attempt) {
        service.script("/v1/", unavailable({{"Retry-After", "3600"}}));
    }
    {
        QueueClientUnderTest first(options_for(service.url(), outbox));
        first.client.answer_survey(1, satisfied_answer());
        first.client.file_complaint(20, 1, waiting_complaint());
        first.client.call_staff(21, help_request());
        REQUIRE(service.wait_for_requests("/v1/", 3, kiosk::net::testing::k_event_wait));
        REQUIRE(first.recorder.wait_for<kiosk::core::StaffCallChanged>(1));
    }
    const auto first_keys = service.requests();
    REQUIRE(first_keys.size() == 3);

    // The second run delivers what the first left, with the same keys.
    {
        QueueClientUnderTest second(options_for(service.url(), outbox));
        REQUIRE(service.wait_for_requests("/v1/", 6, kiosk::net::testing::k_event_wait));
        std::this_thread::sleep_for(k_quiet_period);
        // Nobody from the first run is listening any more.
        CHECK(second.recorder.event_count() == 0);
    }
    for (const auto& request : first_keys) {
        CHECK(service.created_with(request.idempotency_key) == 1);
    }
    std::set<std::string> keys;
    for (const auto& request : service.requests()) {
        keys.insert(request.idempotency_key);
    }
    CHECK(keys.size() == 3);

    // A third run finds nothing left to send.
    {
        QueueClientUnderTest third(options_for(service.url(), outbox));
        std::this_thread::sleep_for(k_quiet_period);
    }
    CHECK(service.requests().size() == 6);
}

TEST_CASE("A ticket left by an earlier run is dropped since nobody can be shown its number") {
    TemporaryFolder folder;
    const auto outbox = folder.path() / "outbox.sqlite";
    FakeQueueService service(Transport::mutual_tls);
    service.script("/v1/tickets", unavailable({{"Retry-After", "3600"}}));
    {
        QueueClientUnderTest first(options_for(service.url(), outbox));
        first.client.take_ticket(30, deposit_ticket());
        REQUIRE(first.recorder.wait_for<kiosk::core::TicketIssued>(1));
    }
    QueueClientUnderTest second(options_for(service.url(), outbox));
    REQUIRE(second.recorder.wait_for_notice("ticket", "dropped"));
    CHECK(settles_at(service, "/v1/tickets", 1));
}

TEST_CASE("A ticket still undelivered after two minutes is dropped and the customer told") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    for (int attempt = 0; attempt < 50; ++attempt) {
        service.script("/v1/tickets", unavailable());
    }
    auto options = options_for(service.url(), folder.path() / "outbox.sqlite");
    // Two minutes, shortened for the test.
    options.customer_request_lifetime = 400ms;
    QueueClientUnderTest under_test(std::move(options));
    under_test.client.take_ticket(31, deposit_ticket());
    REQUIRE(under_test.recorder.wait_for<kiosk::core::TicketIssued>(2));
    const auto issued = under_test.recorder.all<kiosk::core::TicketIssued>();
    CHECK(issued[0].status == QueueStatus::kept);
    CHECK(issued[1].status == QueueStatus::unavailable);
    CHECK(under_test.recorder.saw_notice("ticket", "dropped"));
    const std::size_t sent = service.requests_to("/v1/tickets").size();
    CHECK(sent >= 2);
    CHECK(settles_at(service, "/v1/tickets", sent));
}

TEST_CASE("A call for staff older than two minutes in the outbox is dropped not sent") {
    TemporaryFolder folder;
    const auto outbox_file = folder.path() / "outbox.sqlite";
    {
        std::optional<kiosk::net::OutboxRepair> repair;
        auto outbox = kiosk::net::Outbox::open(outbox_file, repair);
        REQUIRE(outbox
                    .add({*kiosk::net::random_uuid(), kiosk::net::OutboxKind::assistance,
                          "/v1/assistance-calls", "{}",
                          std::chrono::system_clock::now() - std::chrono::minutes(3)})
                    .has_value());
        REQUIRE(outbox
                    .add({*kiosk::net::random_uuid(), kiosk::net::OutboxKind::survey,
                          "/v1/survey-answers", "{}",
                          std::chrono::system_clock::now() - std::chrono::hours(24 * 7)})
                    .has_value());
    }
    FakeQueueService service(Transport::mutual_tls);
    QueueClientUnderTest under_test(options_for(service.url(), outbox_file));
    REQUIRE(under_test.recorder.wait_for_notice("assistance", "dropped"));
    REQUIRE(under_test.recorder.wait_for_notice("survey", "dropped"));
    std::this_thread::sleep_for(k_quiet_period);
    CHECK(service.requests().empty());
}

TEST_CASE("A corrupt outbox is set aside and an empty one takes its place") {
    TemporaryFolder folder;
    const auto outbox = folder.path() / "outbox.sqlite";
    const std::string garbage(8192, 'x');
    std::ofstream(outbox) << garbage;
    FakeQueueService service(Transport::mutual_tls);
    QueueClientUnderTest under_test(options_for(service.url(), outbox));
    REQUIRE(under_test.recorder.wait_for_notice("outbox", "set_aside"));
    under_test.client.answer_survey(1, satisfied_answer());
    REQUIRE(under_test.recorder.wait_for_notice("survey", "201"));
    std::vector<std::filesystem::path> aside;
    for (const auto& entry : std::filesystem::directory_iterator(folder.path())) {
        if (entry.path().filename().string().starts_with("outbox.sqlite.unusable-")) {
            aside.push_back(entry.path());
        }
    }
    REQUIRE(aside.size() == 1);
    std::ifstream kept(aside[0]);
    const std::string contents{std::istreambuf_iterator<char>(kept),
                               std::istreambuf_iterator<char>()};
    CHECK(contents == garbage);
    const auto notices = under_test.recorder.notices_seen();
    const auto notice =
        std::ranges::find_if(notices, [](const auto& seen) { return seen.call == "outbox"; });
    REQUIRE(notice != notices.end());
    CHECK(notice->detail.find(aside[0].filename().string()) != std::string::npos);
}

TEST_CASE("A call for staff is followed until staff close it") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    QueueClientUnderTest under_test(options_for(service.url(), folder.path() / "outbox.sqlite"));
    under_test.client.call_staff(40, help_request());
    REQUIRE(under_test.recorder.wait_for<kiosk::core::StaffCallChanged>(1));
    const auto placed = under_test.recorder.all<kiosk::core::StaffCallChanged>().front();
    CHECK(placed.call_id == 40);
    CHECK(placed.status == QueueStatus::ok);
    REQUIRE(placed.call.has_value());
    CHECK(placed.call->state == kiosk::core::CallState::open);
    const auto body = json::parse(service.requests_to("/v1/assistance-calls").at(0).body);
    CHECK(body == json{{"kiosk_id", "lobby-01"},
                       {"location", "lobby, machine 2"},
                       {"reason", "customer_request"},
                       {"language", "zh-HK"},
                       {"audio_mode", true},
                       {"elder_mode", false}});

    // Several polls of an unchanged call post nothing.
    const std::string path = "/v1/assistance-calls/" + placed.call->id;
    REQUIRE(service.wait_for_requests(path, 3, kiosk::net::testing::k_event_wait));
    CHECK(under_test.recorder.all<kiosk::core::StaffCallChanged>().size() == 1);

    service.acknowledge(placed.call->id, 60);
    REQUIRE(under_test.recorder.wait_for<kiosk::core::StaffCallChanged>(2));
    const auto acknowledged = under_test.recorder.all<kiosk::core::StaffCallChanged>()[1];
    CHECK(acknowledged.call->state == kiosk::core::CallState::acknowledged);
    REQUIRE(acknowledged.call->acknowledged_by.has_value());
    CHECK(acknowledged.call->acknowledged_by->role == kiosk::core::StaffRole::lobby_manager);
    CHECK(acknowledged.call->acknowledged_by->display_name == "陈经理");
    CHECK(acknowledged.call->eta_seconds == 60);

    service.close(placed.call->id);
    REQUIRE(under_test.recorder.wait_for<kiosk::core::StaffCallChanged>(3));
    CHECK(under_test.recorder.all<kiosk::core::StaffCallChanged>()[2].call->state ==
          kiosk::core::CallState::closed);
    // Closed: no more polls.
    const std::size_t polls = service.requests_to(path).size();
    CHECK(settles_at(service, path, polls));
}

TEST_CASE("A changed estimate of the time to come is posted as a change") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    QueueClientUnderTest under_test(options_for(service.url(), folder.path() / "outbox.sqlite"));
    under_test.client.call_staff(41, help_request());
    REQUIRE(under_test.recorder.wait_for<kiosk::core::StaffCallChanged>(1));
    const auto id = under_test.recorder.all<kiosk::core::StaffCallChanged>()[0].call->id;
    service.acknowledge(id, 60);
    REQUIRE(under_test.recorder.wait_for<kiosk::core::StaffCallChanged>(2));
    service.acknowledge(id, 30);
    REQUIRE(under_test.recorder.wait_for<kiosk::core::StaffCallChanged>(3));
    CHECK(under_test.recorder.all<kiosk::core::StaffCallChanged>()[2].call->eta_seconds == 30);
}

TEST_CASE("Cancelling a followed call stops the polls and posts nothing more") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    QueueClientUnderTest under_test(options_for(service.url(), folder.path() / "outbox.sqlite"));
    under_test.client.call_staff(42, help_request());
    REQUIRE(under_test.recorder.wait_for<kiosk::core::StaffCallChanged>(1));
    const auto id = under_test.recorder.all<kiosk::core::StaffCallChanged>()[0].call->id;
    const std::string path = "/v1/assistance-calls/" + id;
    REQUIRE(service.wait_for_requests(path, 1, kiosk::net::testing::k_event_wait));
    under_test.client.cancel(42);
    service.acknowledge(id, 60);
    std::this_thread::sleep_for(k_quiet_period);
    const std::size_t polls = service.requests_to(path).size();
    CHECK(settles_at(service, path, polls));
    CHECK(under_test.recorder.all<kiosk::core::StaffCallChanged>().size() == 1);
}

TEST_CASE("A cancelled ticket that was kept is dropped from the outbox") {
    TemporaryFolder folder;
    const auto outbox = folder.path() / "outbox.sqlite";
    FakeQueueService service(Transport::mutual_tls);
    service.script("/v1/tickets", unavailable({{"Retry-After", "1"}}));
    {
        QueueClientUnderTest under_test(options_for(service.url(), outbox));
        under_test.client.take_ticket(43, deposit_ticket());
        REQUIRE(under_test.recorder.wait_for<kiosk::core::TicketIssued>(1));
        under_test.client.cancel(43);
        REQUIRE(under_test.recorder.wait_for_notice("ticket", "dropped"));
        CHECK(settles_at(service, "/v1/tickets", 1));
        CHECK(under_test.recorder.all<kiosk::core::TicketIssued>().size() == 1);
    }
    std::optional<kiosk::net::OutboxRepair> repair;
    auto reopened = kiosk::net::Outbox::open(outbox, repair);
    CHECK(reopened.contents()->entries.empty());
}

TEST_CASE("A complaint kept when its call is cancelled is still delivered") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    service.script("/v1/complaints", unavailable());
    QueueClientUnderTest under_test(options_for(service.url(), folder.path() / "outbox.sqlite"));
    under_test.client.file_complaint(44, 1, waiting_complaint());
    under_test.client.cancel(44);
    REQUIRE(under_test.recorder.wait_for_notice("complaint", "201"));
    const auto sent = service.requests_to("/v1/complaints");
    REQUIRE(sent.size() == 2);
    CHECK(service.created_with(sent[0].idempotency_key) == 1);
    std::this_thread::sleep_for(k_quiet_period);
    CHECK(under_test.recorder.all<kiosk::core::ComplaintFiled>().empty());
}

TEST_CASE("The session reference stays the same for a visit and changes with the next") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    QueueClientUnderTest under_test(options_for(service.url(), folder.path() / "outbox.sqlite"));
    under_test.client.answer_survey(100, satisfied_answer());
    under_test.client.file_complaint(50, 100, waiting_complaint());
    under_test.client.answer_survey(101, satisfied_answer());
    under_test.client.file_complaint(51, 100, waiting_complaint());
    REQUIRE(service.wait_for_requests("/v1/", 4, kiosk::net::testing::k_event_wait));
    const auto sent = service.requests();
    std::vector<std::string> references;
    std::set<std::string> keys;
    for (const auto& request : sent) {
        references.push_back(json::parse(request.body)["session_reference"].get<std::string>());
        keys.insert(request.idempotency_key);
        CHECK(is_version_4_uuid(references.back()));
    }
    CHECK(references[0] == references[1]);
    CHECK(references[1] != references[2]);
    // Visit 100 was forgotten when visit 101 came: coming back to it makes a new reference.
    CHECK(references[3] != references[0]);
    CHECK(references[3] != references[2]);
    CHECK(keys.size() == 4);
}

TEST_CASE("Nothing listening leaves the businesses unavailable and a complaint kept") {
    TemporaryFolder folder;
    std::string url;
    {
        FakeQueueService gone(Transport::mutual_tls);
        url = gone.url();
    }
    QueueClientUnderTest under_test(options_for(url, folder.path() / "outbox.sqlite"));
    under_test.client.list_businesses(60);
    under_test.client.file_complaint(61, 1, waiting_complaint());
    REQUIRE(under_test.recorder.wait_for<kiosk::core::BusinessesListed>(1));
    REQUIRE(under_test.recorder.wait_for<kiosk::core::ComplaintFiled>(1));
    CHECK(under_test.recorder.all<kiosk::core::BusinessesListed>()[0].status ==
          QueueStatus::unavailable);
    CHECK(under_test.recorder.all<kiosk::core::ComplaintFiled>()[0].status == QueueStatus::kept);
    CHECK(under_test.recorder.saw_notice("businesses", "connect_failed"));
}

TEST_CASE("A businesses reply slower than the total time-out maps to timeout") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    ScriptedReply slow{200, "{}", "application/json"};
    slow.delay = 1500ms;
    service.script("/v1/businesses", slow);
    auto options = options_for(service.url(), folder.path() / "outbox.sqlite");
    options.endpoint.total_timeout = 500ms;
    QueueClientUnderTest under_test(std::move(options));
    under_test.client.list_businesses(62);
    REQUIRE(under_test.recorder.wait_for<kiosk::core::BusinessesListed>(1));
    CHECK(under_test.recorder.all<kiosk::core::BusinessesListed>()[0].status ==
          QueueStatus::timeout);
}

TEST_CASE("A cancelled businesses call in flight posts nothing") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    ScriptedReply slow{200, "{}", "application/json"};
    slow.delay = 1500ms;
    service.script("/v1/businesses", slow);
    QueueClientUnderTest under_test(options_for(service.url(), folder.path() / "outbox.sqlite"));
    under_test.client.list_businesses(63);
    REQUIRE(service.wait_for_requests("/v1/businesses", 1, kiosk::net::testing::k_event_wait));
    const auto started = std::chrono::steady_clock::now();
    under_test.client.cancel(63);
    REQUIRE(under_test.recorder.wait_for_notice("businesses", "cancelled"));
    CHECK(std::chrono::steady_clock::now() - started < 1s);
    CHECK(under_test.recorder.all<kiosk::core::BusinessesListed>().empty());
}

TEST_CASE("Stopping with a request in flight returns promptly and keeps the request") {
    TemporaryFolder folder;
    const auto outbox = folder.path() / "outbox.sqlite";
    FakeQueueService service(Transport::mutual_tls);
    ScriptedReply slow = unavailable();
    slow.delay = 2s;
    service.script("/v1/survey-answers", slow);
    {
        QueueClientUnderTest under_test(options_for(service.url(), outbox));
        under_test.client.answer_survey(1, satisfied_answer());
        REQUIRE(
            service.wait_for_requests("/v1/survey-answers", 1, kiosk::net::testing::k_event_wait));
        const auto started = std::chrono::steady_clock::now();
        under_test.client.stop();
        CHECK(std::chrono::steady_clock::now() - started < 1s);
    }
    std::optional<kiosk::net::OutboxRepair> repair;
    auto reopened = kiosk::net::Outbox::open(outbox, repair);
    CHECK(reopened.contents()->entries.size() == 1);
}

TEST_CASE("A queue client with no certificate authority sends nothing") {
    TemporaryFolder folder;
    FakeQueueService service(Transport::mutual_tls);
    auto options = options_for(service.url(), folder.path() / "outbox.sqlite");
    options.endpoint.ca_file.clear();
    QueueClientUnderTest under_test(std::move(options));
    under_test.client.list_businesses(70);
    REQUIRE(under_test.recorder.wait_for<kiosk::core::BusinessesListed>(1));
    CHECK(under_test.recorder.all<kiosk::core::BusinessesListed>()[0].status ==
          QueueStatus::unavailable);
    CHECK(under_test.recorder.saw_notice("businesses", "insecure_configuration"));
    CHECK(service.requests().empty());
}
