// The queue client against docs/api/queue.yaml itself: Prism (`prism mock`, installed by
// scripts/install-deps into build/tools/prism) serves the contract's examples, and a small
// recording proxy between the client and Prism adds the `Prefer` header that picks an example
// and keeps every exchange. Each case checks that no reply carries `sl-violations` (Prism's mark
// of a request that broke the contract) and that each reply maps to the right core value.
//
// The client talks plain HTTP to the proxy through its test-only loopback setting
// (HttpsEndpoint::allow_plain_http_to_loopback_for_tests). Prism is started once per process
// and stopped when the process ends; it dies with the test process even if that crashes.

#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "base/uuid.h"
#include "kiosk/net/queue_client.h"
#include "tests/kiosk/net/queue_recorder.h"
#include "tests/kiosk/net/test_certificates.h"

using namespace std::chrono_literals;
using kiosk::core::QueueStatus;
using kiosk::net::testing::QueueRecorder;
using kiosk::net::testing::TemporaryFolder;
using nlohmann::json;

namespace {

// Prism takes about 2 s to read the contract and listen; a loaded machine may take longer.
constexpr auto k_prism_start_limit = 30s;
constexpr auto k_prism_stop_limit = 5s;
constexpr auto k_poll_step = 100ms;
// Faster than the contract's 3 s, which Prism does not enforce, so that a follow takes a second.
constexpr auto k_test_follow_interval = 200ms;
// How long a case watches for something that must not happen.
constexpr auto k_quiet_period = 800ms;

int free_loopback_port() {
    const int socket_handle = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(socket_handle >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    const bool found =
        ::bind(socket_handle, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(socket_handle, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    ::close(socket_handle);
    REQUIRE(found);
    return ntohs(address.sin_port);
}

// `prism mock docs/api/queue.yaml` on a free loopback port, in a process group of its own
// that is killed when this object goes, and when the test process dies.
class PrismMock {
  public:
    PrismMock() : m_port(free_loopback_port()) {
        const std::filesystem::path prism = KIOSK_PRISM;
        if (!std::filesystem::exists(prism)) {
            FAIL("Prism is not installed at " << prism << ": run scripts/install-deps");
        }
        const std::string contract = KIOSK_SOURCE_DIR "/docs/api/queue.yaml";
        const std::string port = std::to_string(m_port);
        const std::string log = (m_folder.path() / "prism.log").string();
        std::vector<std::string> arguments{prism.string(), "mock", "-h",    "127.0.0.1",
                                           "-p",           port,   contract};
        std::vector<char*> argv;
        for (auto& argument : arguments) {
            argv.push_back(argument.data());
        }
        argv.push_back(nullptr);
        const pid_t parent = ::getpid();
        m_pid = ::fork();
        REQUIRE(m_pid >= 0);
        if (m_pid == 0) {
            // Only async-signal-safe calls between fork and exec.
            ::setpgid(0, 0);
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) {
                ::_exit(1);
            }
            const int output = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (output >= 0) {
                ::dup2(output, STDOUT_FILENO);
                ::dup2(output, STDERR_FILENO);
            }
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::setpgid(m_pid, m_pid);
        httplib::Client client("127.0.0.1", m_port);
        client.set_connection_timeout(1s);
        const auto deadline = std::chrono::steady_clock::now() + k_prism_start_limit;
        while (std::chrono::steady_clock::now() < deadline) {
            if (const auto reply = client.Get("/v1/health"); reply && reply->status == 200) {
                return;
            }
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                FAIL("Prism ended before it listened; its log is in " << log);
            }
            std::this_thread::sleep_for(k_poll_step);
        }
        FAIL("Prism did not answer within 30 s; its log is in " << log);
    }
    ~PrismMock() {
        if (m_pid <= 0) {
            return;
        }
        ::kill(-m_pid, SIGTERM);
        const auto deadline = std::chrono::steady_clock::now() + k_prism_stop_limit;
        int status = 0;
        while (::waitpid(m_pid, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(-m_pid, SIGKILL);
                ::waitpid(m_pid, &status, 0);
                break;
            }
            std::this_thread::sleep_for(k_poll_step / 10);
        }
        // Whatever Prism started in its group goes with it.
        ::kill(-m_pid, SIGKILL);
    }
    PrismMock(const PrismMock&) = delete;
    PrismMock& operator=(const PrismMock&) = delete;

    int port() const { return m_port; }

  private:
    TemporaryFolder m_folder;
    int m_port;
    pid_t m_pid = -1;
};

struct Exchange {
    std::string method;
    std::string path;
    std::string idempotency_key;
    std::string prefer;
    std::string request_body;
    int status = 0;
    std::string violations;  // the sl-violations header, empty when there is none
};

// Between the client and Prism: forwards every request, adds the Prefer header a case asked
// for, and keeps each exchange.
class RecordingProxy {
  public:
    explicit RecordingProxy(int prism_port) : m_prism_port(prism_port) {
        const auto forward = [this](const httplib::Request& request, httplib::Response& response) {
            httplib::Headers headers;
            for (const char* name : {"Idempotency-Key", "Accept"}) {
                if (request.has_header(name)) {
                    headers.emplace(name, request.get_header_value(name));
                }
            }
            const std::string prefer = take_preference(request.method, request.path);
            if (!prefer.empty()) {
                headers.emplace("Prefer", prefer);
            }
            httplib::Client prism("127.0.0.1", m_prism_port);
            const auto reply = request.method == "GET"
                                   ? prism.Get(request.path, headers)
                                   : prism.Post(request.path, headers, request.body,
                                                request.get_header_value("Content-Type").c_str());
            Exchange exchange{request.method,
                              request.path,
                              request.get_header_value("Idempotency-Key"),
                              prefer,
                              request.body,
                              reply ? reply->status : 0,
                              reply ? reply->get_header_value("sl-violations") : ""};
            if (!reply) {
                response.status = 502;
            } else {
                response.status = reply->status;
                for (const auto& [name, value] : reply->headers) {
                    if (name != "Content-Length" && name != "Content-Type" &&
                        name != "Transfer-Encoding" && name != "Connection" &&
                        name != "Keep-Alive") {
                        response.set_header(name, value);
                    }
                }
                response.set_content(reply->body, reply->get_header_value("Content-Type").c_str());
            }
            std::lock_guard lock(m_mutex);
            m_exchanges.push_back(std::move(exchange));
            m_changed.notify_all();
        };
        m_server.Get(".*", forward);
        m_server.Post(".*", forward);
        m_port = m_server.bind_to_any_port("127.0.0.1");
        REQUIRE(m_port > 0);
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (!m_server.is_running() && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(1ms);
        }
    }
    ~RecordingProxy() {
        m_server.stop();
        m_thread.join();
    }
    RecordingProxy(const RecordingProxy&) = delete;
    RecordingProxy& operator=(const RecordingProxy&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }

    // The next `count` requests of `method` to paths starting with `path` get `prefer`.
    void prefer(const std::string& method, const std::string& path, const std::string& prefer,
                int count = 1) {
        std::lock_guard lock(m_mutex);
        for (int index = 0; index < count; ++index) {
            m_preferences.push_back({method, path, prefer});
        }
    }
    void forget_preferences() {
        std::lock_guard lock(m_mutex);
        m_preferences.clear();
    }

    std::size_t mark() {
        std::lock_guard lock(m_mutex);
        return m_exchanges.size();
    }
    std::vector<Exchange> since(std::size_t mark) {
        std::lock_guard lock(m_mutex);
        return {m_exchanges.begin() + static_cast<std::ptrdiff_t>(mark), m_exchanges.end()};
    }
    bool wait_for(std::size_t mark, std::size_t count) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, kiosk::net::testing::k_event_wait,
                                  [&] { return m_exchanges.size() >= mark + count; });
    }

  private:
    struct Preference {
        std::string method;
        std::string path;
        std::string prefer;
    };
    std::string take_preference(const std::string& method, const std::string& path) {
        std::lock_guard lock(m_mutex);
        for (auto found = m_preferences.begin(); found != m_preferences.end(); ++found) {
            if (found->method == method && path.starts_with(found->path)) {
                std::string prefer = found->prefer;
                m_preferences.erase(found);
                return prefer;
            }
        }
        return {};
    }

    int m_prism_port;
    httplib::Server m_server;
    int m_port = 0;
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<Preference> m_preferences;
    std::vector<Exchange> m_exchanges;
};

// One Prism and one proxy for the whole process.
struct Bench {
    PrismMock prism;
    RecordingProxy proxy{prism.port()};
};

Bench& bench() {
    static Bench k_bench;
    return k_bench;
}

// A queue client on the bench with a fresh outbox; checks at the end that nothing it sent
// broke the contract.
class ContractCase {
  public:
    ContractCase() : m_mark(bench().proxy.mark()), m_client(options()) {
        bench().proxy.forget_preferences();
        m_client.start(recorder.events(), recorder.notices());
    }
    ~ContractCase() {
        m_client.stop();
        bench().proxy.forget_preferences();
    }
    kiosk::net::QueueClient& client() { return m_client; }
    std::vector<Exchange> exchanges() { return bench().proxy.since(m_mark); }
    bool wait_for_exchanges(std::size_t count) { return bench().proxy.wait_for(m_mark, count); }

    // No request of this case broke the contract, and every POST had a key of its own form.
    void check_no_violations() {
        const auto seen = exchanges();
        CHECK_FALSE(seen.empty());
        for (const auto& exchange : seen) {
            INFO(exchange.method << " " << exchange.path << " " << exchange.request_body);
            CHECK(exchange.violations.empty());
            if (exchange.method == "POST") {
                CHECK(base::is_uuid(exchange.idempotency_key));
            }
        }
    }

    QueueRecorder recorder;

  private:
    kiosk::net::QueueClientOptions options() {
        kiosk::net::QueueClientOptions options;
        options.endpoint.base_url = bench().proxy.url();
        options.endpoint.allow_plain_http_to_loopback_for_tests = true;
        options.kiosk_id = "lobby-01";
        options.location = "lobby, machine 2";
        options.outbox_file = m_folder.path() / "outbox.sqlite";
        options.follow_interval = k_test_follow_interval;
        options.retry.first = 100ms;
        return options;
    }

    TemporaryFolder m_folder;
    std::size_t m_mark;
    kiosk::net::QueueClient m_client;
};

kiosk::core::TicketRequest deposit_ticket() {
    return {"personal_deposit", kiosk::core::Priority::normal, std::nullopt, "zh-CN"};
}

template <typename Event>
Event only_event(ContractCase& under_test) {
    REQUIRE(under_test.recorder.wait_for<Event>(1));
    return under_test.recorder.all<Event>().front();
}

}  // namespace

TEST_CASE("The contract's business list maps to six businesses most common first") {
    ContractCase under_test;
    under_test.client().list_businesses(1);
    const auto listed = only_event<kiosk::core::BusinessesListed>(under_test);
    CHECK(listed.status == QueueStatus::ok);
    REQUIRE(listed.businesses.size() == 6);
    CHECK(listed.businesses[0].id == "personal_deposit");
    CHECK(listed.businesses[0].name.en == "Deposits and withdrawals");
    CHECK(listed.businesses[2].materials.size() == 3);
    CHECK(listed.businesses[5].id == "foreign_exchange");
    CHECK_FALSE(listed.businesses[5].open_now);
    under_test.check_no_violations();
}

TEST_CASE("The contract's 403 429 and 503 for the business list map to unavailable") {
    for (const std::string code : {"403", "429", "503"}) {
        DYNAMIC_SECTION(code) {
            ContractCase under_test;
            bench().proxy.prefer("GET", "/v1/businesses", "code=" + code);
            under_test.client().list_businesses(2);
            const auto listed = only_event<kiosk::core::BusinessesListed>(under_test);
            CHECK(listed.status == QueueStatus::unavailable);
            CHECK(listed.businesses.empty());
            CHECK(under_test.recorder.saw_notice("businesses", code));
            under_test.check_no_violations();
        }
    }
}

TEST_CASE("A normal ticket comes back as the contract's example A023") {
    ContractCase under_test;
    under_test.client().take_ticket(3, deposit_ticket());
    const auto issued = only_event<kiosk::core::TicketIssued>(under_test);
    CHECK(issued.status == QueueStatus::ok);
    REQUIRE(issued.ticket.has_value());
    CHECK(issued.ticket->number == "A023");
    CHECK(issued.ticket->people_ahead == 6);
    under_test.check_no_violations();
}

TEST_CASE("A green channel ticket comes back as the contract's example B007") {
    ContractCase under_test;
    bench().proxy.prefer("POST", "/v1/tickets", "example=green_channel");
    under_test.client().take_ticket(4, {"card_services", kiosk::core::Priority::green_channel,
                                        kiosk::core::PriorityReason::older_customer, "zh-HK"});
    const auto issued = only_event<kiosk::core::TicketIssued>(under_test);
    CHECK(issued.status == QueueStatus::ok);
    CHECK(issued.ticket->number == "B007");
    CHECK(issued.ticket->priority == kiosk::core::Priority::green_channel);
    under_test.check_no_violations();
}

TEST_CASE("The contract's closed and unknown business examples refuse the ticket") {
    for (const std::string example : {"business_closed", "unknown_business"}) {
        DYNAMIC_SECTION(example) {
            ContractCase under_test;
            bench().proxy.prefer("POST", "/v1/tickets", "code=409, example=" + example);
            under_test.client().take_ticket(5, deposit_ticket());
            const auto issued = only_event<kiosk::core::TicketIssued>(under_test);
            CHECK(issued.status == QueueStatus::refused);
            CHECK_FALSE(issued.ticket.has_value());
            std::this_thread::sleep_for(k_quiet_period);
            CHECK(under_test.exchanges().size() == 1);
            under_test.check_no_violations();
        }
    }
}

TEST_CASE("The contract's 400 413 and 422 refuse a ticket and its 403 makes it unavailable") {
    const std::vector<std::pair<std::string, QueueStatus>> cases{
        {"code=400, example=invalid_request", QueueStatus::refused},
        {"code=400, example=missing_idempotency_key", QueueStatus::refused},
        {"code=413", QueueStatus::refused},
        {"code=422", QueueStatus::refused},
        {"code=403, example=kiosk_identity_mismatch", QueueStatus::unavailable},
    };
    for (const auto& [prefer, heard] : cases) {
        DYNAMIC_SECTION(prefer) {
            ContractCase under_test;
            bench().proxy.prefer("POST", "/v1/tickets", prefer);
            under_test.client().take_ticket(6, deposit_ticket());
            const auto issued = only_event<kiosk::core::TicketIssued>(under_test);
            CHECK(issued.status == heard);
            std::this_thread::sleep_for(k_quiet_period);
            CHECK(under_test.exchanges().size() == 1);
            under_test.check_no_violations();
        }
    }
}

TEST_CASE("A ticket in progress elsewhere is kept and issued on the retry with the same key") {
    ContractCase under_test;
    bench().proxy.prefer("POST", "/v1/tickets", "code=409, example=request_in_progress");
    under_test.client().take_ticket(7, deposit_ticket());
    REQUIRE(under_test.recorder.wait_for<kiosk::core::TicketIssued>(2));
    const auto issued = under_test.recorder.all<kiosk::core::TicketIssued>();
    CHECK(issued[0].status == QueueStatus::kept);
    CHECK(issued[1].status == QueueStatus::ok);
    CHECK(issued[1].ticket->number == "A023");
    const auto seen = under_test.exchanges();
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].idempotency_key == seen[1].idempotency_key);
    CHECK(seen[0].request_body == seen[1].request_body);
    under_test.check_no_violations();
}

TEST_CASE("The contract's 429 and 503 keep a ticket to be sent again") {
    for (const std::string code : {"429", "503"}) {
        DYNAMIC_SECTION(code) {
            ContractCase under_test;
            bench().proxy.prefer("POST", "/v1/tickets", "code=" + code);
            under_test.client().take_ticket(8, deposit_ticket());
            const auto issued = only_event<kiosk::core::TicketIssued>(under_test);
            CHECK(issued.status == QueueStatus::kept);
            under_test.check_no_violations();
        }
    }
}

TEST_CASE("A call for staff is followed through the contract's examples until it is closed") {
    ContractCase under_test;
    under_test.client().call_staff(
        9, {kiosk::core::AssistanceReason::customer_request, "zh-HK", true, false});
    const auto placed = only_event<kiosk::core::StaffCallChanged>(under_test);
    CHECK(placed.status == QueueStatus::ok);
    REQUIRE(placed.call.has_value());
    CHECK(placed.call->state == kiosk::core::CallState::open);
    // The first poll gets the "open" example: unchanged, nothing posted.
    REQUIRE(under_test.wait_for_exchanges(2));
    CHECK(under_test.recorder.all<kiosk::core::StaffCallChanged>().size() == 1);

    bench().proxy.prefer("GET", "/v1/assistance-calls/", "example=acknowledged");
    REQUIRE(under_test.recorder.wait_for<kiosk::core::StaffCallChanged>(2));
    const auto acknowledged = under_test.recorder.all<kiosk::core::StaffCallChanged>()[1];
    CHECK(acknowledged.call->state == kiosk::core::CallState::acknowledged);
    CHECK(acknowledged.call->acknowledged_by ==
          kiosk::core::StaffMember{kiosk::core::StaffRole::lobby_manager, "陈经理", "0417"});
    CHECK(acknowledged.call->eta_seconds == 60);

    bench().proxy.prefer("GET", "/v1/assistance-calls/", "example=closed", 1000);
    REQUIRE(under_test.recorder.wait_for<kiosk::core::StaffCallChanged>(3));
    CHECK(under_test.recorder.all<kiosk::core::StaffCallChanged>()[2].call->state ==
          kiosk::core::CallState::closed);
    const std::size_t polls = under_test.exchanges().size();
    std::this_thread::sleep_for(k_quiet_period);
    CHECK(under_test.exchanges().size() == polls);
    under_test.check_no_violations();
}

TEST_CASE("The contract's not-found example ends the follow of a call") {
    ContractCase under_test;
    bench().proxy.prefer("GET", "/v1/assistance-calls/", "code=404");
    under_test.client().call_staff(
        10, {kiosk::core::AssistanceReason::card_retained, "en", false, false});
    REQUIRE(under_test.recorder.wait_for<kiosk::core::StaffCallChanged>(2));
    const auto gone = under_test.recorder.all<kiosk::core::StaffCallChanged>()[1];
    CHECK(gone.status == QueueStatus::refused);
    CHECK_FALSE(gone.call.has_value());
    const std::size_t seen = under_test.exchanges().size();
    std::this_thread::sleep_for(k_quiet_period);
    CHECK(under_test.exchanges().size() == seen);
    under_test.check_no_violations();
}

TEST_CASE("A survey answer is delivered and an answer already given counts as delivered") {
    ContractCase under_test;
    under_test.client().answer_survey(
        1, {kiosk::core::ServiceKind::balance, kiosk::core::Rating::satisfied, "zh-CN"});
    REQUIRE(under_test.recorder.wait_for_notice("survey", "201"));
    bench().proxy.prefer("POST", "/v1/survey-answers", "code=409, example=already_answered");
    under_test.client().answer_survey(
        1, {kiosk::core::ServiceKind::ticket, kiosk::core::Rating::not_satisfied, "zh-CN"});
    REQUIRE(under_test.recorder.wait_for_notice("survey", "409"));
    const auto notices = under_test.recorder.notices_seen();
    CHECK(std::ranges::any_of(notices, [](const auto& notice) {
        return notice.status == "409" && notice.detail == "delivered: already-answered";
    }));
    std::this_thread::sleep_for(k_quiet_period);
    CHECK(under_test.exchanges().size() == 2);
    const auto seen = under_test.exchanges();
    CHECK(json::parse(seen[0].request_body)["session_reference"] ==
          json::parse(seen[1].request_body)["session_reference"]);
    under_test.check_no_violations();
}

TEST_CASE("A complaint comes back with the contract's example reference") {
    ContractCase under_test;
    under_test.client().file_complaint(
        11, 2, {kiosk::core::ComplaintCategory::waiting_time, "zh-CN", true});
    const auto filed = only_event<kiosk::core::ComplaintFiled>(under_test);
    CHECK(filed.status == QueueStatus::ok);
    CHECK(filed.reference == "C-20261202-0042");
    under_test.check_no_violations();
}

TEST_CASE("A complaint the contract's 503 turns away is kept without a reference") {
    ContractCase under_test;
    bench().proxy.prefer("POST", "/v1/complaints", "code=503");
    under_test.client().file_complaint(12, 3,
                                       {kiosk::core::ComplaintCategory::privacy, "en", false});
    const auto filed = only_event<kiosk::core::ComplaintFiled>(under_test);
    CHECK(filed.status == QueueStatus::kept);
    CHECK(filed.reference.empty());
    under_test.check_no_violations();
}
