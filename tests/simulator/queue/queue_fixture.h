#pragma once

// A running queue service on a free loopback port over a fresh temporary database seeded from
// the project's demo branch, on a clock the test moves; and helpers to talk to it as a kiosk
// or a staff device would. PlainQueue trusts the body's kiosk_id (plain HTTP); MutualTlsQueue
// serves HTTPS and requires client certificates of a throwaway authority.

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "simulator/bank/tls_certificate.h"
#include "simulator/queue/queue_service.h"

namespace queue_test {

inline constexpr std::string_view k_kiosk_id = "lobby-01";
inline constexpr std::string_view k_other_kiosk_id = "lobby-02";
inline constexpr std::string_view k_session_reference = "5b1e7c3a-9f2d-4e8b-a6c1-0d4f7e2b9a13";
// 2026-12-02 09:30:00 at the branch (UTC+8): a Wednesday morning.
inline constexpr std::int64_t k_start_unix_ms = 1'796'175'000'000;
inline constexpr std::int64_t k_day_ms = 24 * 60 * 60 * 1000;
inline constexpr std::int64_t k_minute_ms = 60 * 1000;

std::filesystem::path demo_branch_path();

class TemporaryDirectory {
  public:
    TemporaryDirectory();
    ~TemporaryDirectory();
    TemporaryDirectory(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
    const std::filesystem::path& path() const { return m_path; }

  private:
    std::filesystem::path m_path;
};

// A clock shared by the test and the service, moved only by the test.
class ManualClock {
  public:
    ManualClock() : m_now_ms(std::make_shared<std::atomic<std::int64_t>>(k_start_unix_ms)) {}
    void advance_ms(std::int64_t milliseconds) { m_now_ms->fetch_add(milliseconds); }
    std::int64_t now_ms() const { return m_now_ms->load(); }
    std::function<std::chrono::system_clock::time_point()> function() const;

  private:
    std::shared_ptr<std::atomic<std::int64_t>> m_now_ms;
};

// Security lines the service logs, collected.
class LogLines {
  public:
    std::function<void(std::string_view)> sink();
    std::vector<std::string> lines() const;

  private:
    struct Shared {
        mutable std::mutex mutex;
        std::vector<std::string> lines;
    };
    std::shared_ptr<Shared> m_shared = std::make_shared<Shared>();
};

// The config of a plain (no TLS) service in `directory` on `clock`.
simulator::queue::QueueServiceConfig plain_config(const std::filesystem::path& directory,
                                                  const ManualClock& clock, const LogLines& log);

struct PlainQueue {
    PlainQueue();
    TemporaryDirectory directory;
    ManualClock clock;
    LogLines log;
    simulator::queue::QueueService service;
    httplib::Client client() const;
};

struct MutualTlsQueue {
    MutualTlsQueue();
    TemporaryDirectory directory;
    ManualClock clock;
    LogLines log;
    simulator::bank::TlsFiles other_kiosk;  // lobby-02, same authority (before files: they fill it)
    simulator::bank::MutualTlsFiles files;
    simulator::queue::QueueService service;
    std::unique_ptr<httplib::SSLClient> client_with(
        const simulator::bank::TlsFiles& identity) const;
    std::unique_ptr<httplib::SSLClient> kiosk_client() const { return client_with(files.kiosk); }
    std::unique_ptr<httplib::SSLClient> staff_client() const { return client_with(files.staff); }
    std::unique_ptr<httplib::SSLClient> anonymous_client() const;
};

std::string new_key();

nlohmann::json ticket_request(std::string_view business_id, std::string_view priority = "normal",
                              std::string_view reason = "", std::string_view kiosk_id = k_kiosk_id);
nlohmann::json call_request(std::string_view reason = "customer_request",
                            std::string_view kiosk_id = k_kiosk_id);
nlohmann::json survey_request(std::string_view service = "balance",
                              std::string_view rating = "satisfied",
                              std::string_view kiosk_id = k_kiosk_id,
                              std::string_view session_reference = k_session_reference);
nlohmann::json complaint_request(std::string_view category = "waiting_time",
                                 std::string_view kiosk_id = k_kiosk_id);

// POSTs `body` as JSON with an Idempotency-Key (a fresh one when `key` is empty, none when it
// is "-"). Works with httplib::Client and httplib::SSLClient alike.
template <typename HttpClient>
httplib::Result post_json(HttpClient& client, const std::string& path, const std::string& body,
                          std::string key = {}) {
    httplib::Headers headers;
    if (key.empty()) {
        key = new_key();
    }
    if (key != "-") {
        headers.emplace("Idempotency-Key", key);
    }
    return client.Post(path, headers, body, "application/json");
}

template <typename HttpClient>
httplib::Result post_json(HttpClient& client, const std::string& path, const nlohmann::json& body,
                          std::string key = {}) {
    return post_json(client, path, body.dump(), std::move(key));
}

// The reply body as JSON; fails the test when there is no reply or it is not JSON.
nlohmann::json body_of(const httplib::Result& result);

// The problem type's name ("business-closed") of a problem reply; fails the test when the reply
// is not application/problem+json with a type of this service.
std::string problem_of(const httplib::Result& result);

}  // namespace queue_test
