#pragma once

// The simulated branch queue service: a real HTTPS server (cpp-httplib) with SQLite state,
// speaking docs/api/queue.yaml. The simulator runs it in-process next to the account service;
// the kiosk's client talks to it over mutual TLS, and tests and scenarios play the staff side
// in-process (acknowledge_call(), close_call(), call_next_ticket()) or over HTTPS with a staff
// certificate.
//
// Every request goes through the contract's checks in its order: TLS (the handshake fails
// without a client certificate from the client CA), size (413), form (400), identity (403),
// rate (429), idempotency (the stored reply, 409 or 422), then the operation. Faults set with
// set_fault() come first, so that the kiosk meets every failure a real queue system can show.
//
// Threading: cpp-httplib serves each connection on a worker thread of its own; the store
// serialises their transactions. The staff and read functions below may be called from any
// thread while the server runs, and also before start() opens the database (they then fail
// with not_running) or after stop() (the database stays open until destruction).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "simulator/bank/tls_certificate.h"
#include "simulator/queue/branch_time.h"
#include "simulator/queue/queue_error.h"
#include "simulator/queue/queue_records.h"
#include "simulator/queue/queue_store.h"
#include "simulator/queue/rate_limiter.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace simulator::queue {

// Request bodies larger than this are refused before they are parsed (the order of checks in
// the description of docs/api/queue.yaml: 413 over 4096 bytes).
inline constexpr std::size_t k_maximum_request_bytes = 4 * 1024;
// How long Fault::slow holds each request: well past the kiosk client's total time-out.
inline constexpr std::chrono::milliseconds k_default_slow_reply_delay{20'000};
// Retry-After of a 503: long enough for a restarting queue system, short enough that a
// customer who waits is still served.
inline constexpr std::chrono::seconds k_unavailable_retry_after{30};
// Retry-After of 409 request-in-progress: a request the service is working on ends soon.
inline constexpr std::chrono::seconds k_in_progress_retry_after{1};

enum class Fault {
    none,
    unavailable,  // every request answers 503 unavailable with Retry-After
    slow,         // every request is held for the slow delay (stop() releases it)
    garbage,      // every request answers its success status with a body that is not JSON
    drop,         // the connection closes after the status line, before the body
};

std::string_view to_string(Fault fault);

struct QueueServiceConfig {
    std::filesystem::path database;       // created with its schema when new
    std::filesystem::path demo_branch;    // simulator/queue/demo-branch.toml, seeds an empty one
    std::optional<bank::TlsFiles> tls{};  // serve HTTPS with these; plain HTTP when empty
    // Mutual TLS: with a CA file here (tls must be set) every client must present a
    // certificate this authority signed, or the handshake fails; the certificate's subject
    // (CN, OU) is then who the caller is (docs/api/queue.yaml, "Security").
    std::optional<std::filesystem::path> client_authority{};
    // Without a client authority no certificate says who calls. Then, and only when this is
    // set, the service believes the kiosk_id in a request's body, lets any caller read any
    // ticket or call and act as staff: a mode for tests of what lies behind the identity check,
    // never for a branch. start() refuses to run with neither a client authority nor this, and
    // with both.
    bool trust_body_kiosk_id = false;
    std::chrono::minutes utc_offset = k_branch_utc_offset;  // the branch's calendar
    // What time it is; empty: the system clock. Tests move it to cross days and minutes.
    std::function<std::chrono::system_clock::time_point()> clock{};
    // Where security events go, one line each (a kiosk_id that is not the certificate's, a
    // certificate of the wrong kind); empty: standard error.
    std::function<void(std::string_view)> log{};
};

// Which call a staff action is for: one by its id, or k_latest_open_call, the newest call still
// open (for close_call(), the newest that is open or acknowledged).
struct LatestOpenCall {};
inline constexpr LatestOpenCall k_latest_open_call{};
using CallSelector = std::variant<std::string, LatestOpenCall>;

// Why a staff action did nothing.
enum class StaffError {
    not_running,           // the database is not open: start() was never called
    not_found,             // no such call, ticket or business, or no call open
    already_acknowledged,  // someone else took the call first
    closed,                // the call is over
    no_ticket_waiting,     // nobody waits for the business
    not_allowed,           // a ticket state change the queue does not make
    invalid_request,       // a value outside the contract (a name too long, an ETA over 3600 s)
    database_failure,
};

std::string_view to_string(StaffError error);

class QueueService {
  public:
    explicit QueueService(QueueServiceConfig config);
    ~QueueService();
    QueueService(const QueueService&) = delete;
    QueueService& operator=(const QueueService&) = delete;

    // Opens the database and listens; port 0 picks a free port (see port()).
    std::expected<void, base::Error<QueueError>> start(const std::string& host = "127.0.0.1",
                                                       int port = 0);
    // Stops listening, releases held requests and joins the server thread. Idempotent.
    void stop();
    int port() const { return m_port.load(); }
    bool running() const { return m_thread.joinable(); }

    void set_fault(Fault fault) { m_fault.store(fault); }
    Fault fault() const { return m_fault.load(); }
    void set_slow_reply_delay(std::chrono::milliseconds delay);

    // The staff side, in-process: what a member of staff does on the branch's staff device.
    std::expected<AssistanceCall, StaffError> acknowledge_call(
        const CallSelector& call, const StaffMember& staff,
        std::optional<int> eta_seconds = std::nullopt);
    std::expected<AssistanceCall, StaffError> close_call(const CallSelector& call,
                                                         CallOutcome outcome = CallOutcome::helped);
    // Calls the business's next ticket (green channel first) to `counter_number`, or to the
    // business's first counter.
    std::expected<Ticket, StaffError> call_next_ticket(
        std::string_view business_id, std::optional<int> counter_number = std::nullopt);
    // called -> serving, no_show or cancelled; serving -> done; waiting -> cancelled.
    std::expected<Ticket, StaffError> set_ticket_state(std::string_view ticket_id,
                                                       TicketState state);
    std::expected<void, StaffError> set_business_open(std::string_view business_id, bool open_now);
    std::expected<void, StaffError> set_open_counters(std::string_view business_id,
                                                      int open_counters);

    // What the service holds, for tests and the simulator's control panel.
    std::expected<std::vector<Business>, QueueError> businesses();
    std::expected<std::vector<Ticket>, QueueError> tickets();
    std::expected<std::vector<AssistanceCall>, QueueError> calls();
    std::expected<std::vector<SurveyAnswer>, QueueError> survey_answers();
    std::expected<std::vector<Complaint>, QueueError> complaints();
    std::expected<std::vector<AccessLogEntry>, QueueError> access_log();
    // Requests whose Idempotency-Key is claimed and whose operation has not finished.
    std::size_t requests_in_progress() const;

  private:
    enum class Route;
    struct Caller;
    struct Client;
    struct Admission;
    struct Reply;
    struct Exchange;

    void serve(Route route, const httplib::Request& request, httplib::Response& response);
    Reply answer(Route route, const httplib::Request& request, const Caller& caller,
                 Exchange& exchange);
    Reply answer_businesses(const httplib::Request& request, const Caller& caller,
                            Exchange& exchange);
    Reply answer_create_ticket(const httplib::Request& request, const Caller& caller,
                               Exchange& exchange);
    Reply answer_ticket(const httplib::Request& request, const Caller& caller, Exchange& exchange);
    Reply answer_create_call(const httplib::Request& request, const Caller& caller,
                             Exchange& exchange);
    Reply answer_call(const httplib::Request& request, const Caller& caller, Exchange& exchange);
    Reply answer_staff_action(Route route, const httplib::Request& request, const Caller& caller,
                              Exchange& exchange);
    Reply answer_survey_answer(const httplib::Request& request, const Caller& caller,
                               Exchange& exchange);
    Reply answer_complaint(const httplib::Request& request, const Caller& caller,
                           Exchange& exchange);

    std::expected<Client, Reply> identify(const Caller& caller, bool staff_endpoint,
                                          const std::string* body_kiosk_id,
                                          const httplib::Request& request, Exchange& exchange);
    std::expected<Admission, Reply> admit(const httplib::Request& request, const Caller& caller,
                                          bool staff_endpoint, const std::string* body_kiosk_id,
                                          const nlohmann::json* parsed_body, bool key_required,
                                          Exchange& exchange);
    using Operation = std::function<Reply(QueueStore::Transaction&, std::int64_t now_unix_ms)>;
    Reply perform(const Admission& admission, Exchange& exchange, const Operation& operation);
    void release_key(const std::string& claim);
    void hold_reply();
    std::int64_t now_unix_ms() const;
    void log_security_event(const std::string& line);
    void record_access(const Exchange& exchange);

    template <typename Value>
    std::expected<Value, StaffError> staff_transaction(
        const std::function<std::expected<Value, StaffError>(QueueStore::Transaction&,
                                                             std::int64_t now_unix_ms)>& action);

    QueueServiceConfig m_config;
    BranchCalendar m_calendar;
    std::unique_ptr<QueueStore> m_store;
    std::unique_ptr<httplib::Server> m_server;
    std::thread m_thread;
    std::atomic<int> m_port{0};
    std::atomic<Fault> m_fault{Fault::none};
    RateLimiter m_rate_limiter;

    // Idempotency keys claimed by a request in progress, as "<scope> <key>".
    mutable std::mutex m_claims_mutex;
    std::set<std::string> m_claims;

    std::mutex m_hold_mutex;
    std::condition_variable m_hold_released;
    bool m_stopping = false;
    std::chrono::milliseconds m_slow_reply_delay = k_default_slow_reply_delay;
};

}  // namespace simulator::queue
