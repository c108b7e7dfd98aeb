// Drives the simulated queue service over mutual TLS through every documented reply of every
// operation and prints each exchange as one JSON line, for check_contract.py to hold against
// docs/api/queue.yaml. Exits non-zero if the service cannot be started.

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <iostream>
#include <string>
#include <thread>

#include "base/command_line.h"
#include "simulator/bank/tls_certificate.h"
#include "simulator/queue/queue_service.h"
#include "simulator/queue/queue_store.h"

namespace {

using nlohmann::json;
using simulator::queue::Fault;

constexpr const char* k_usage =
    "usage: queue_contract_probe\n"
    "A test helper (tests/simulator/queue): starts the simulated queue service with mutual TLS\n"
    "in a temporary folder, drives it with a kiosk's and a staff device's certificates through\n"
    "every documented reply of every operation, and prints each exchange as one JSON line to\n"
    "stdout, for check_contract.py to hold against docs/api/queue.yaml. Takes no arguments.\n"
    "Exits 0, or 2 when the service cannot start.\n"
    "  -h, --help    this text\n";

// 2026-12-02 09:30:00 at the branch; the probe moves its clock past each rate-limit window.
constexpr std::int64_t k_start_unix_ms = 1'796'175'000'000;
constexpr std::int64_t k_past_rate_window_ms = 61'000;
constexpr int k_requests_per_minute = 120;
constexpr std::chrono::milliseconds k_slow_delay{400};
constexpr const char* k_kiosk_id = "probe-01";
constexpr const char* k_session_reference = "5b1e7c3a-9f2d-4e8b-a6c1-0d4f7e2b9a13";

std::atomic<std::int64_t> g_now_ms{k_start_unix_ms};

struct Probe {
    simulator::queue::QueueService& service;
    httplib::SSLClient& kiosk;
    httplib::SSLClient& staff;
};

std::string new_key() {
    return simulator::queue::new_uuid();
}

void print_exchange(const std::string& method, const std::string& path, const std::string& url,
                    const std::string& request, bool valid_request, const httplib::Result& result) {
    json line = {{"kind", "exchange"}, {"method", method},   {"path", path},
                 {"url", url},         {"request", request}, {"valid_request", valid_request}};
    json headers = json::object();
    if (result) {
        line["status"] = result->status;
        line["reply"] = result->body;
        for (const char* name :
             {"Content-Type", "Location", "Retry-After", "Idempotent-Replayed"}) {
            if (result->has_header(name)) {
                headers[name] = result->get_header_value(name);
            }
        }
    } else {
        line["status"] = 0;
        line["reply"] = "";
    }
    line["headers"] = headers;
    std::cout << line.dump() << '\n';
}

httplib::Result post(httplib::SSLClient& client, const std::string& path,
                     const std::string& template_path, const std::string& body, bool valid,
                     const std::string& key) {
    httplib::Headers headers;
    if (!key.empty()) {
        headers.emplace("Idempotency-Key", key);
    }
    auto result = client.Post(path, headers, body, "application/json");
    print_exchange("post", template_path, path, body, valid, result);
    return result;
}

httplib::Result get(httplib::SSLClient& client, const std::string& path,
                    const std::string& template_path) {
    auto result = client.Get(path);
    print_exchange("get", template_path, path, "", true, result);
    return result;
}

json ticket_body(const std::string& business, const std::string& kiosk = k_kiosk_id) {
    return {{"kiosk_id", kiosk},
            {"business_id", business},
            {"priority", "green_channel"},
            {"priority_reason", "older_customer"},
            {"language", "zh-HK"}};
}

json call_body(const std::string& kiosk = k_kiosk_id) {
    return {{"kiosk_id", kiosk},        {"location", "lobby, machine 2"},
            {"reason", "device_fault"}, {"language", "en"},
            {"audio_mode", false},      {"elder_mode", true}};
}

json survey_body(const std::string& session, const std::string& kiosk = k_kiosk_id) {
    return {{"kiosk_id", kiosk},   {"session_reference", session},
            {"service", "ticket"}, {"rating", "not_satisfied"},
            {"language", "zh-CN"}, {"answered_at", "2026-12-02T10:12:44+08:00"}};
}

json complaint_body(const std::string& kiosk = k_kiosk_id) {
    return {{"kiosk_id", kiosk},           {"session_reference", k_session_reference},
            {"category", "machine_fault"}, {"language", "zh-HK"},
            {"contact_consent", false},    {"submitted_at", "2026-12-02T10:13:20Z"}};
}

std::string id_of(const httplib::Result& result) {
    if (!result) {
        return {};
    }
    const json body = json::parse(result->body, nullptr, false);
    return body.is_object() && body.contains("id") ? body["id"].get<std::string>() : std::string{};
}

void next_window() {
    g_now_ms.fetch_add(k_past_rate_window_ms);
}

// One request held by the slow fault with `key`, and a second with the same key meanwhile:
// the second is 409 request-in-progress.
void in_progress(Probe& probe, httplib::SSLClient& client, const std::string& path,
                 const std::string& template_path, const std::string& body,
                 const std::function<std::unique_ptr<httplib::SSLClient>()>& make_client) {
    const std::string key = new_key();
    probe.service.set_fault(Fault::slow);
    auto first = std::async(std::launch::async, [&] {
        auto own = make_client();
        httplib::Headers headers{{"Idempotency-Key", key}};
        return own->Post(path, headers, body, "application/json");
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (probe.service.requests_in_progress() == 0 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    post(client, path, template_path, body, true, key);
    auto first_result = first.get();
    print_exchange("post", template_path, path, body, true, first_result);
    probe.service.set_fault(Fault::none);
}

void run(Probe& probe, const std::function<std::unique_ptr<httplib::SSLClient>()>& make_kiosk,
         const std::function<std::unique_ptr<httplib::SSLClient>()>& make_staff) {
    auto& kiosk = probe.kiosk;
    auto& staff = probe.staff;
    const std::string too_large(simulator::queue::k_maximum_request_bytes + 1, ' ');

    get(kiosk, "/v1/health", "/v1/health");
    get(staff, "/v1/health", "/v1/health");
    get(kiosk, "/v1/businesses", "/v1/businesses");
    get(staff, "/v1/businesses", "/v1/businesses");  // 403

    // Tickets.
    const std::string tickets = "/v1/tickets";
    const std::string key = new_key();
    const auto ticket = post(kiosk, tickets, tickets, ticket_body("card_services").dump(), true,
                             key);                                                  // 201
    post(kiosk, tickets, tickets, ticket_body("card_services").dump(), true, key);  // replay
    post(kiosk, tickets, tickets, ticket_body("transfers").dump(), true, key);      // 422
    post(kiosk, tickets, tickets, ticket_body("foreign_exchange").dump(), true, new_key());  // 409
    post(kiosk, tickets, tickets, ticket_body("safe_deposit").dump(), true, new_key());      // 409
    post(kiosk, tickets, tickets, R"({"kiosk_id":"probe-01"})", false, new_key());           // 400
    post(kiosk, tickets, tickets, ticket_body("card_services").dump(), true, "");            // 400
    post(kiosk, tickets, tickets, ticket_body("card_services", "probe-02").dump(), true,
         new_key());                                                                      // 403
    post(staff, tickets, tickets, ticket_body("card_services").dump(), true, new_key());  // 403
    post(kiosk, tickets, tickets, too_large, false, new_key());                           // 413
    in_progress(probe, kiosk, tickets, tickets, ticket_body("personal_deposit").dump(),
                make_kiosk);  // 409
    const std::string ticket_template = "/v1/tickets/{ticket_id}";
    get(kiosk, "/v1/tickets/" + id_of(ticket), ticket_template);  // 200
    get(kiosk, "/v1/tickets/" + new_key(), ticket_template);      // 404
    get(kiosk, "/v1/tickets/A023", ticket_template);              // 400
    get(staff, "/v1/tickets/" + id_of(ticket), ticket_template);  // 403
    (void)probe.service.call_next_ticket("card_services");
    (void)probe.service.call_next_ticket("card_services");
    (void)probe.service.call_next_ticket("card_services");
    get(kiosk, "/v1/tickets/" + id_of(ticket), ticket_template);  // 200, called
    next_window();

    // Assistance calls and the staff side.
    const std::string calls = "/v1/assistance-calls";
    const std::string call_key = new_key();
    const auto call = post(kiosk, calls, calls, call_body().dump(), true, call_key);  // 201
    post(kiosk, calls, calls, call_body().dump(), true, call_key);                    // replay
    post(kiosk, calls, calls, ticket_body("card_services").dump(), false, call_key);  // 400
    post(kiosk, calls, calls, complaint_body().dump(), false, call_key);              // 400
    json other_location = call_body();
    other_location["location"] = "lobby, machine 3";
    post(kiosk, calls, calls, other_location.dump(), true, call_key);          // 422
    post(kiosk, calls, calls, call_body().dump(), true, "not-a-uuid");         // 400
    post(kiosk, calls, calls, call_body("probe-02").dump(), true, new_key());  // 403
    post(staff, calls, calls, call_body().dump(), true, new_key());            // 403
    post(kiosk, calls, calls, too_large, false, new_key());                    // 413
    in_progress(probe, kiosk, calls, calls, call_body().dump(), make_kiosk);   // 409
    const std::string call_template = "/v1/assistance-calls/{call_id}";
    const std::string call_path = "/v1/assistance-calls/" + id_of(call);
    get(kiosk, call_path, call_template);                            // 200 open
    get(kiosk, "/v1/assistance-calls/" + new_key(), call_template);  // 404
    get(kiosk, "/v1/assistance-calls/x", call_template);             // 400
    get(staff, call_path, call_template);                            // 403
    next_window();

    const std::string acknowledge_template = call_template + "/acknowledgement";
    const std::string close_template = call_template + "/closure";
    const std::string acknowledge = call_path + "/acknowledgement";
    const std::string close = call_path + "/closure";
    const json acknowledgement{{"role", "lobby_manager"},
                               {"display_name", "陈经理"},
                               {"badge_number", "0417"},
                               {"eta_seconds", 60}};
    const std::string acknowledge_key = new_key();
    post(staff, acknowledge, acknowledge_template, R"({"role":"manager"})", false, "");  // 400
    post(staff, acknowledge, acknowledge_template, acknowledgement.dump(), true, "x");   // 400
    post(kiosk, acknowledge, acknowledge_template, acknowledgement.dump(), true, "");    // 403
    post(staff, "/v1/assistance-calls/" + new_key() + "/acknowledgement", acknowledge_template,
         acknowledgement.dump(), true, "");                                // 404
    post(staff, acknowledge, acknowledge_template, too_large, false, "");  // 413
    in_progress(probe, staff, acknowledge, acknowledge_template, acknowledgement.dump(),
                make_staff);  // 409
    post(staff, acknowledge, acknowledge_template, acknowledgement.dump(), true,
         acknowledge_key);                 // 409
    get(kiosk, call_path, call_template);  // 200 acknowledged
    post(staff, acknowledge, acknowledge_template, R"({"role":"security_guard"})", true,
         acknowledge_key);                                                             // 409
    post(staff, close, close_template, R"({"outcome":"helped"})", true, "");           // 200
    post(staff, close, close_template, R"({"outcome":"helped"})", true, "");           // 409
    post(staff, acknowledge, acknowledge_template, acknowledgement.dump(), true, "");  // 409
    get(kiosk, call_path, call_template);                                              // 200 closed
    post(staff, close, close_template, R"({"outcome":"left"})", false, "");            // 400
    post(staff, close, close_template, R"({"outcome":"helped"})", true, "x");          // 400
    post(kiosk, close, close_template, R"({"outcome":"helped"})", true, "");           // 403
    post(staff, "/v1/assistance-calls/" + new_key() + "/closure", close_template,
         R"({"outcome":"helped"})", true, "");                 // 404
    post(staff, close, close_template, too_large, false, "");  // 413
    // More calls: a closure in progress, and keys kept with 2xx replies, replayed and reused
    // on another call.
    const auto second = post(kiosk, calls, calls, call_body().dump(), true, new_key());
    const std::string second_close = "/v1/assistance-calls/" + id_of(second) + "/closure";
    const std::string close_key = new_key();
    in_progress(probe, staff, second_close, close_template, R"({"outcome":"no_action_needed"})",
                make_staff);  // 409
    post(staff, second_close, close_template, R"({"outcome":"customer_left"})", true,
         close_key);  // 409
    const auto third = post(kiosk, calls, calls, call_body().dump(), true, new_key());
    const std::string third_base = "/v1/assistance-calls/" + id_of(third);
    const std::string third_key = new_key();
    post(staff, third_base + "/acknowledgement", acknowledge_template, acknowledgement.dump(), true,
         third_key);  // 200
    post(staff, third_base + "/acknowledgement", acknowledge_template, acknowledgement.dump(), true,
         third_key);  // 200 replay
    post(staff, acknowledge, acknowledge_template, acknowledgement.dump(), true,
         third_key);  // 422
    const std::string third_close_key = new_key();
    post(staff, third_base + "/closure", close_template, R"({"outcome":"helped"})", true,
         third_close_key);  // 200
    post(staff, third_base + "/closure", close_template, R"({"outcome":"helped"})", true,
         third_close_key);  // 200 replay
    post(staff, close, close_template, R"({"outcome":"helped"})", true, third_close_key);  // 422
    next_window();

    // Survey answers and complaints.
    const std::string answers = "/v1/survey-answers";
    const std::string answer_key = new_key();
    post(kiosk, answers, answers, survey_body(k_session_reference).dump(), true, answer_key);
    post(kiosk, answers, answers, survey_body(k_session_reference).dump(), true, answer_key);
    post(kiosk, answers, answers, survey_body(k_session_reference).dump(), true, new_key());
    post(kiosk, answers, answers, survey_body(new_key()).dump(), true, answer_key);     // 422
    post(kiosk, answers, answers, survey_body("not-a-uuid").dump(), false, new_key());  // 400
    post(kiosk, answers, answers, survey_body(new_key()).dump(), true, "");             // 400
    post(kiosk, answers, answers, survey_body(new_key(), "probe-02").dump(), true, new_key());
    post(staff, answers, answers, survey_body(new_key()).dump(), true, new_key());  // 403
    post(kiosk, answers, answers, too_large, false, new_key());                     // 413
    in_progress(probe, kiosk, answers, answers, survey_body(new_key()).dump(), make_kiosk);

    const std::string complaints = "/v1/complaints";
    const std::string complaint_key = new_key();
    post(kiosk, complaints, complaints, complaint_body().dump(), true, complaint_key);  // 201
    post(kiosk, complaints, complaints, complaint_body().dump(), true, complaint_key);  // replay
    json other_category = complaint_body();
    other_category["category"] = "fees";
    post(kiosk, complaints, complaints, other_category.dump(), true, complaint_key);  // 422
    json with_name = complaint_body();
    with_name["name"] = "ZHANG WEI";
    post(kiosk, complaints, complaints, with_name.dump(), false, new_key());  // 400
    post(kiosk, complaints, complaints, complaint_body().dump(), true, "");   // 400
    post(kiosk, complaints, complaints, complaint_body("probe-02").dump(), true, new_key());
    post(staff, complaints, complaints, complaint_body().dump(), true, new_key());  // 403
    post(kiosk, complaints, complaints, too_large, false, new_key());               // 413
    in_progress(probe, kiosk, complaints, complaints, complaint_body().dump(), make_kiosk);
    next_window();

    // Rate: the kiosk's budget spent, every kiosk operation is 429; then the staff device's.
    // Spent on connections of their own: a kept-alive connection left idle past the server's
    // keep-alive time-out is closed under the client, which would then lose its next request.
    auto spender = make_kiosk();
    spender->set_keep_alive(true);
    for (int request = 0; request < k_requests_per_minute; ++request) {
        (void)spender->Get("/v1/businesses");
    }
    spender.reset();
    get(kiosk, "/v1/businesses", "/v1/businesses");
    post(kiosk, tickets, tickets, ticket_body("card_services").dump(), true, new_key());
    get(kiosk, "/v1/tickets/" + id_of(ticket), ticket_template);
    post(kiosk, calls, calls, call_body().dump(), true, new_key());
    get(kiosk, call_path, call_template);
    post(kiosk, answers, answers, survey_body(new_key()).dump(), true, new_key());
    post(kiosk, complaints, complaints, complaint_body().dump(), true, new_key());
    auto staff_spender = make_staff();
    staff_spender->set_keep_alive(true);
    for (int request = 0; request < k_requests_per_minute; ++request) {
        (void)staff_spender->Post(close, R"({"outcome":"helped"})", "application/json");
    }
    staff_spender.reset();
    post(staff, acknowledge, acknowledge_template, acknowledgement.dump(), true, "");
    post(staff, close, close_template, R"({"outcome":"helped"})", true, "");
    next_window();

    // Unavailable: every operation is 503.
    probe.service.set_fault(Fault::unavailable);
    get(kiosk, "/v1/health", "/v1/health");
    get(kiosk, "/v1/businesses", "/v1/businesses");
    post(kiosk, tickets, tickets, ticket_body("card_services").dump(), true, new_key());
    get(kiosk, "/v1/tickets/" + id_of(ticket), ticket_template);
    post(kiosk, calls, calls, call_body().dump(), true, new_key());
    get(kiosk, call_path, call_template);
    post(staff, acknowledge, acknowledge_template, acknowledgement.dump(), true, "");
    post(staff, close, close_template, R"({"outcome":"helped"})", true, "");
    post(kiosk, answers, answers, survey_body(new_key()).dump(), true, new_key());
    post(kiosk, complaints, complaints, complaint_body().dump(), true, new_key());
    probe.service.set_fault(Fault::none);
}

}  // namespace

int main(int argc, char** argv) {
    if (base::asks_for_help(argc, argv)) {
        std::cout << k_usage;
        return 0;
    }
    if (argc > 1) {
        std::cerr << "queue_contract_probe: unknown option " << argv[1] << '\n' << k_usage;
        return 2;
    }
    std::string pattern =
        (std::filesystem::temp_directory_path() / "kiosk-queue-probe-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        return 2;
    }
    const std::filesystem::path directory = pattern;
    int status = 0;
    {
        auto files = simulator::bank::create_mutual_tls_files(directory, k_kiosk_id);
        if (!files) {
            std::cerr << base::to_string(files.error()) << '\n';
            std::filesystem::remove_all(directory);
            return 2;
        }
        simulator::queue::QueueServiceConfig config;
        config.database = directory / "queue.sqlite";
        config.demo_branch =
            std::filesystem::path(KIOSK_SOURCE_DIR) / "simulator/queue/demo-branch.toml";
        config.tls = files->server;
        config.client_authority = files->authority;
        config.clock = [] {
            return std::chrono::system_clock::time_point{
                std::chrono::milliseconds{g_now_ms.load()}};
        };
        config.log = [](std::string_view) {};
        simulator::queue::QueueService service(config);
        service.set_slow_reply_delay(k_slow_delay);
        if (auto started = service.start(); !started) {
            std::cerr << base::to_string(started.error()) << '\n';
            status = 2;
        } else {
            const auto make_client = [&](const simulator::bank::TlsFiles& identity) {
                auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", service.port(),
                                                                   identity.certificate.string(),
                                                                   identity.private_key.string());
                client->set_ca_cert_path(files->authority.string().c_str());
                client->enable_server_certificate_verification(true);
                client->set_read_timeout(10);
                // As libcurl does by default: no wait for an acknowledgement between writes.
                client->set_tcp_nodelay(true);
                return client;
            };
            auto kiosk = make_client(files->kiosk);
            auto staff = make_client(files->staff);
            Probe probe{service, *kiosk, *staff};
            run(
                probe, [&] { return make_client(files->kiosk); },
                [&] { return make_client(files->staff); });
        }
    }
    std::filesystem::remove_all(directory);
    return status;
}
