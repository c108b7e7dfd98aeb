#include "tests/kiosk/net/fake_queue_service.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <stdexcept>

#include "base/uuid.h"
#include "kiosk/net/random_uuid.h"
#include "tests/kiosk/net/test_certificates.h"

namespace kiosk::net::testing {

namespace {

using nlohmann::json;

constexpr auto k_start_limit = std::chrono::seconds(5);
constexpr std::string_view k_problem_prefix = "https://bank.example/problems/queue/";

std::string fake_id(int number) {
    std::array<char, 40> text{};
    std::snprintf(text.data(), text.size(), "00000000-0000-4000-8000-%012d", number);
    return text.data();
}

json businesses() {
    const auto text = [](const char* zh_cn, const char* zh_hk, const char* en) {
        return json{{"zh-CN", zh_cn}, {"zh-HK", zh_hk}, {"en", en}};
    };
    return json{
        {"as_of", "2026-12-02T09:40:00+08:00"},
        {"businesses",
         json::array(
             {json{{"id", "personal_deposit"},
                   {"ticket_prefix", "A"},
                   {"names", text("个人存取款", "個人存款及提款", "Deposits and withdrawals")},
                   {"materials", json::array({text("本人银行卡或存折", "本人銀行卡或存摺",
                                                   "Your bank card or passbook")})},
                   {"typical_duration_minutes", 8},
                   {"open_counters", 3},
                   {"people_waiting", 6},
                   {"estimated_wait_minutes", 12},
                   {"popularity_rank", 1},
                   {"open_now", true}},
              json{{"id", "foreign_exchange"},
                   {"ticket_prefix", "F"},
                   {"names", text("外币兑换", "外幣兌換", "Foreign currency exchange")},
                   {"materials", json::array()},
                   {"typical_duration_minutes", 10},
                   {"open_counters", 0},
                   {"people_waiting", 0},
                   {"estimated_wait_minutes", 0},
                   {"popularity_rank", 2},
                   {"open_now", false}}})}};
}

}  // namespace

std::string problem_body(int status, const std::string& type) {
    return json{{"type", std::string(k_problem_prefix) + type},
                {"title", "A problem the test chose"},
                {"status", status},
                {"instance", "urn:uuid:" + fake_id(status)}}
        .dump();
}

FakeQueueService::FakeQueueService(Transport transport) : m_secure(transport != Transport::plain) {
    const TestPki& pki = test_pki();
    if (transport == Transport::plain) {
        m_server = std::make_unique<httplib::Server>();
    } else {
        m_server = std::make_unique<httplib::SSLServer>(
            pki.service.certificate.c_str(), pki.service.key.c_str(),
            transport == Transport::mutual_tls ? pki.authority.c_str() : nullptr);
    }
    const auto record = [this](const httplib::Request& request) {
        std::lock_guard lock(m_mutex);
        m_requests.push_back(RecordedRequest{request.method, request.path,
                                             request.get_header_value("Idempotency-Key"),
                                             request.body, std::chrono::steady_clock::now()});
        m_changed.notify_all();
    };
    // The first scripted reply for this path, if any: taken from the script.
    const auto scripted = [this](const std::string& path) -> std::optional<ScriptedReply> {
        std::lock_guard lock(m_mutex);
        for (auto entry = m_script.begin(); entry != m_script.end(); ++entry) {
            if (path.starts_with(entry->first)) {
                ScriptedReply reply = std::move(entry->second);
                m_script.erase(entry);
                return reply;
            }
        }
        return std::nullopt;
    };
    const auto answer_scripted = [](const ScriptedReply& reply, httplib::Response& response) {
        std::this_thread::sleep_for(reply.delay);
        response.status = reply.status;
        for (const auto& [name, value] : reply.headers) {
            response.set_header(name, value);
        }
        response.set_content(reply.body, reply.content_type.c_str());
    };

    m_server->Get("/v1/health", [=](const httplib::Request& request, httplib::Response& response) {
        record(request);
        response.status = 200;
        response.set_content(R"({"status":"ok"})", "application/json");
    });
    m_server->Get("/v1/businesses",
                  [=](const httplib::Request& request, httplib::Response& response) {
                      record(request);
                      if (auto reply = scripted(request.path)) {
                          answer_scripted(*reply, response);
                          return;
                      }
                      response.status = 200;
                      response.set_content(businesses().dump(), "application/json");
                  });
    m_server->Get(R"(/v1/assistance-calls/([0-9a-f-]+))", [=, this](const httplib::Request& request,
                                                                    httplib::Response& response) {
        record(request);
        if (auto reply = scripted(request.path)) {
            answer_scripted(*reply, response);
            return;
        }
        const std::string id = request.matches[1];
        std::lock_guard lock(m_mutex);
        if (!m_call_states.contains(id)) {
            response.status = 404;
            response.set_content(problem_body(404, "not-found"), "application/problem+json");
            return;
        }
        response.status = 200;
        response.set_content(call_document(id), "application/json");
    });
    m_server->Post(".*", [=, this](const httplib::Request& request, httplib::Response& response) {
        record(request);
        const std::string key = request.get_header_value("Idempotency-Key");
        auto reply = scripted(request.path);
        if (reply && !reply->acted) {
            answer_scripted(*reply, response);
            return;
        }
        int status = 0;
        bool replayed = false;
        std::string body;
        {
            std::lock_guard lock(m_mutex);
            body = handle_post(request.path, key, request.body, status, replayed);
        }
        if (reply) {
            answer_scripted(*reply, response);
            return;
        }
        response.status = status;
        response.set_content(body, status < 300 ? "application/json" : "application/problem+json");
        if (replayed) {
            response.set_header("Idempotent-Replayed", "true");
        }
    });

    m_port = m_server->bind_to_any_port("127.0.0.1");
    if (m_port <= 0) {
        throw std::runtime_error("fake queue service: cannot bind");
    }
    m_thread = std::thread([this] { m_server->listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + k_start_limit;
    while (!m_server->is_running() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

FakeQueueService::~FakeQueueService() {
    m_server->stop();
    m_thread.join();
}

std::string FakeQueueService::url() const {
    return (m_secure ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(m_port);
}

void FakeQueueService::script(const std::string& path, ScriptedReply reply) {
    std::lock_guard lock(m_mutex);
    m_script.emplace_back(path, std::move(reply));
}

std::vector<RecordedRequest> FakeQueueService::requests() {
    std::lock_guard lock(m_mutex);
    return m_requests;
}

std::vector<RecordedRequest> FakeQueueService::requests_to(const std::string& path) {
    std::lock_guard lock(m_mutex);
    std::vector<RecordedRequest> found;
    for (const auto& request : m_requests) {
        if (request.path.starts_with(path)) {
            found.push_back(request);
        }
    }
    return found;
}

bool FakeQueueService::wait_for_requests(const std::string& path, std::size_t count,
                                         std::chrono::milliseconds limit) {
    std::unique_lock lock(m_mutex);
    return m_changed.wait_for(lock, limit, [&] {
        return static_cast<std::size_t>(std::count_if(m_requests.begin(), m_requests.end(),
                                                      [&path](const RecordedRequest& request) {
                                                          return request.path.starts_with(path);
                                                      })) >= count;
    });
}

int FakeQueueService::created_with(const std::string& key) {
    std::lock_guard lock(m_mutex);
    const auto found = m_created.find(key);
    return found == m_created.end() ? 0 : found->second;
}

void FakeQueueService::acknowledge(const std::string& call_id, int eta_seconds) {
    std::lock_guard lock(m_mutex);
    m_call_states[call_id] = "acknowledged";
    m_call_eta[call_id] = eta_seconds;
}

void FakeQueueService::close(const std::string& call_id) {
    std::lock_guard lock(m_mutex);
    m_call_states[call_id] = "closed";
}

std::vector<std::string> FakeQueueService::call_ids() {
    std::lock_guard lock(m_mutex);
    std::vector<std::string> ids;
    for (const auto& [id, state] : m_call_states) {
        ids.push_back(id);
    }
    return ids;
}

std::string FakeQueueService::call_document(const std::string& call_id) {
    const std::string& state = m_call_states.at(call_id);
    json call = {{"id", call_id},
                 {"kiosk_id", "lobby-01"},
                 {"location", "lobby, machine 2"},
                 {"reason", "customer_request"},
                 {"language", "zh-HK"},
                 {"audio_mode", true},
                 {"elder_mode", false},
                 {"state", state},
                 {"created_at", "2026-12-02T10:05:12+08:00"}};
    if (state != "open") {
        call["acknowledged_by"] = {{"role", "lobby_manager"}, {"display_name", "陈经理"}};
        call["acknowledged_at"] = "2026-12-02T10:05:40+08:00";
        call["eta_seconds"] = m_call_eta[call_id];
    }
    if (state == "closed") {
        call["closed_at"] = "2026-12-02T10:09:03+08:00";
        call["outcome"] = "helped";
    }
    return call.dump();
}

// The operation itself, under the lock: docs/api/queue.yaml's order of checks, then the
// idempotency rules, then the operation.
std::string FakeQueueService::handle_post(const std::string& path, const std::string& key,
                                          const std::string& body, int& status, bool& replayed) {
    if (!base::is_uuid(key)) {
        status = 400;
        return problem_body(400, "missing-idempotency-key");
    }
    const json request = json::parse(body, nullptr, false);
    if (request.is_discarded() || !request.is_object()) {
        status = 400;
        return problem_body(400, "invalid-request");
    }
    if (const auto stored = m_keys.find(key); stored != m_keys.end()) {
        if (json::parse(stored->second.request_body) != request) {
            status = 422;
            return problem_body(422, "idempotency-key-reused");
        }
        status = stored->second.status;
        replayed = true;
        return stored->second.reply_body;
    }
    json reply;
    if (path == "/v1/tickets") {
        const std::string business = request.value("business_id", "");
        if (business != "personal_deposit" && business != "foreign_exchange") {
            status = 409;
            return problem_body(409, "unknown-business");
        }
        if (business == "foreign_exchange") {
            status = 409;
            return problem_body(409, "business-closed");
        }
        std::array<char, 8> number{};
        std::snprintf(number.data(), number.size(), "A%03d", m_next_ticket);
        reply = {{"id", fake_id(m_next_ticket++)},
                 {"number", number.data()},
                 {"business_id", business},
                 {"priority", request.value("priority", "normal")},
                 {"language", request.value("language", "en")},
                 {"people_ahead", 3},
                 {"estimated_wait_minutes", 6},
                 {"state", "waiting"},
                 {"issued_at", "2026-12-02T09:41:07+08:00"}};
        if (request.contains("priority_reason")) {
            reply["priority_reason"] = request["priority_reason"];
        }
    } else if (path == "/v1/assistance-calls") {
        const std::string id = fake_id(1000 + m_next_call++);
        m_call_states[id] = "open";
        reply = json::parse(call_document(id));
    } else if (path == "/v1/survey-answers") {
        reply = {{"id", fake_id(2000 + static_cast<int>(m_keys.size()))},
                 {"received_at", "2026-12-02T10:12:45+08:00"}};
    } else if (path == "/v1/complaints") {
        std::array<char, 24> reference{};
        std::snprintf(reference.data(), reference.size(), "C-20261202-%04d", m_next_complaint++);
        reply = {{"reference", reference.data()}, {"received_at", "2026-12-02T10:13:21+08:00"}};
    } else {
        status = 404;
        return problem_body(404, "not-found");
    }
    status = 201;
    m_keys[key] = Stored{body, status, reply.dump()};
    m_created[key] += 1;
    return reply.dump();
}

}  // namespace kiosk::net::testing
