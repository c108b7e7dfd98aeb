#include "queue_fixture.h"

#include <catch2/catch.hpp>

#include <stdlib.h>

#include "simulator/queue/problem.h"
#include "simulator/queue/queue_store.h"

namespace queue_test {

std::filesystem::path demo_branch_path() {
    return std::filesystem::path(KIOSK_SOURCE_DIR) / "simulator" / "queue" / "demo-branch.toml";
}

TemporaryDirectory::TemporaryDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kiosk-queue-XXXXXX").string();
    const char* made = mkdtemp(pattern.data());
    REQUIRE(made != nullptr);
    m_path = made;
}

TemporaryDirectory::~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
}

std::function<std::chrono::system_clock::time_point()> ManualClock::function() const {
    return [now = m_now_ms] {
        return std::chrono::system_clock::time_point{std::chrono::milliseconds{now->load()}};
    };
}

std::function<void(std::string_view)> LogLines::sink() {
    return [shared = m_shared](std::string_view line) {
        std::lock_guard lock(shared->mutex);
        shared->lines.emplace_back(line);
    };
}

std::vector<std::string> LogLines::lines() const {
    std::lock_guard lock(m_shared->mutex);
    return m_shared->lines;
}

simulator::queue::QueueServiceConfig plain_config(const std::filesystem::path& directory,
                                                  const ManualClock& clock, const LogLines& log) {
    simulator::queue::QueueServiceConfig config;
    config.database = directory / "queue.sqlite";
    config.demo_branch = demo_branch_path();
    config.trust_body_kiosk_id = true;
    config.clock = clock.function();
    config.log = LogLines(log).sink();
    return config;
}

PlainQueue::PlainQueue() : service(plain_config(directory.path(), clock, log)) {
    auto started = service.start();
    INFO((started ? std::string("started") : base::to_string(started.error())));
    REQUIRE(started.has_value());
    REQUIRE(service.port() > 0);
}

httplib::Client PlainQueue::client() const {
    httplib::Client client("127.0.0.1", service.port());
    client.set_connection_timeout(2);
    client.set_read_timeout(10);
    return client;
}

namespace {

// The simulator's files made the way create_mutual_tls_files() makes them, but with the
// authority kept for a second kiosk's certificate: the keys and tickets of two kiosks never
// meet, and a test needs both to see it.
simulator::bank::MutualTlsFiles make_files(const std::filesystem::path& directory,
                                           simulator::bank::TlsFiles& other_kiosk) {
    auto authority = simulator::bank::LoopbackAuthority::create();
    REQUIRE(authority.has_value());
    simulator::bank::MutualTlsFiles files;
    files.authority = directory / "ca.crt";
    REQUIRE(authority->write_certificate(files.authority).has_value());
    auto server = authority->issue_server_certificate(directory);
    auto kiosk = authority->issue_client_certificate(directory, "kiosk", k_kiosk_id,
                                                     simulator::bank::k_kiosk_unit);
    auto other = authority->issue_client_certificate(directory, "other-kiosk", k_other_kiosk_id,
                                                     simulator::bank::k_kiosk_unit);
    auto staff = authority->issue_client_certificate(directory, "staff",
                                                     simulator::bank::k_default_staff_device_name,
                                                     simulator::bank::k_staff_unit);
    REQUIRE(server.has_value());
    REQUIRE(kiosk.has_value());
    REQUIRE(other.has_value());
    REQUIRE(staff.has_value());
    files.server = *server;
    files.kiosk = *kiosk;
    files.staff = *staff;
    other_kiosk = *other;
    return files;
}

simulator::queue::QueueServiceConfig mutual_config(const std::filesystem::path& directory,
                                                   const simulator::bank::MutualTlsFiles& files,
                                                   const ManualClock& clock, const LogLines& log) {
    simulator::queue::QueueServiceConfig config;
    config.database = directory / "queue.sqlite";
    config.demo_branch = demo_branch_path();
    config.tls = files.server;
    config.client_authority = files.authority;
    config.clock = clock.function();
    config.log = LogLines(log).sink();
    return config;
}

}  // namespace

MutualTlsQueue::MutualTlsQueue()
    : files(make_files(directory.path(), other_kiosk)),
      service(mutual_config(directory.path(), files, clock, log)) {
    auto started = service.start();
    INFO((started ? std::string("started") : base::to_string(started.error())));
    REQUIRE(started.has_value());
}

std::unique_ptr<httplib::SSLClient> MutualTlsQueue::client_with(
    const simulator::bank::TlsFiles& identity) const {
    auto client = std::make_unique<httplib::SSLClient>(
        "127.0.0.1", service.port(), identity.certificate.string(), identity.private_key.string());
    client->set_ca_cert_path(files.authority.string().c_str());
    client->enable_server_certificate_verification(true);
    client->set_connection_timeout(2);
    client->set_read_timeout(10);
    // One handshake for a test's requests, as the kiosk's client keeps its connection, and no
    // wait for an acknowledgement between writes, as libcurl does by default.
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);
    return client;
}

std::unique_ptr<httplib::SSLClient> MutualTlsQueue::anonymous_client() const {
    auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", service.port());
    client->set_ca_cert_path(files.authority.string().c_str());
    client->enable_server_certificate_verification(true);
    client->set_connection_timeout(2);
    client->set_read_timeout(10);
    return client;
}

std::string new_key() {
    return simulator::queue::new_uuid();
}

nlohmann::json ticket_request(std::string_view business_id, std::string_view priority,
                              std::string_view reason, std::string_view kiosk_id) {
    nlohmann::json body{{"kiosk_id", kiosk_id},
                        {"business_id", business_id},
                        {"priority", priority},
                        {"language", "zh-CN"}};
    if (!reason.empty()) {
        body["priority_reason"] = reason;
    }
    return body;
}

nlohmann::json call_request(std::string_view reason, std::string_view kiosk_id) {
    return {{"kiosk_id", kiosk_id}, {"location", "lobby, machine 2"},
            {"reason", reason},     {"language", "zh-HK"},
            {"audio_mode", true},   {"elder_mode", false}};
}

nlohmann::json survey_request(std::string_view service, std::string_view rating,
                              std::string_view kiosk_id, std::string_view session_reference) {
    return {{"kiosk_id", kiosk_id}, {"session_reference", session_reference},
            {"service", service},   {"rating", rating},
            {"language", "zh-CN"},  {"answered_at", "2026-12-02T10:12:44+08:00"}};
}

nlohmann::json complaint_request(std::string_view category, std::string_view kiosk_id) {
    return {{"kiosk_id", kiosk_id},    {"session_reference", k_session_reference},
            {"category", category},    {"language", "zh-CN"},
            {"contact_consent", true}, {"submitted_at", "2026-12-02T10:13:20+08:00"}};
}

nlohmann::json body_of(const httplib::Result& result) {
    REQUIRE(result);
    const nlohmann::json document = nlohmann::json::parse(result->body, nullptr, false);
    INFO(result->body);
    REQUIRE_FALSE(document.is_discarded());
    return document;
}

std::string problem_of(const httplib::Result& result) {
    REQUIRE(result);
    CHECK(result->get_header_value("Content-Type") == simulator::queue::k_problem_content_type);
    const nlohmann::json problem = body_of(result);
    REQUIRE(problem.contains("type"));
    const std::string type = problem["type"].get<std::string>();
    const std::string base(simulator::queue::k_problem_type_base);
    REQUIRE(type.starts_with(base));
    CHECK(problem["status"] == result->status);
    CHECK(problem["instance"].get<std::string>().starts_with("urn:uuid:"));
    return type.substr(base.size());
}

}  // namespace queue_test
