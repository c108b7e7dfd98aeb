#pragma once

// The kiosk's client for the branch queue service (docs/api/queue.yaml): the businesses and
// their waits, queue tickets, calls for a member of staff (followed until they are closed),
// survey answers and complaints. One worker thread (CallWorker) owns libcurl and the outbox
// and carries out the calls one at a time; the answers come back as the core's events
// (BusinessesListed, TicketIssued, StaffCallChanged, ComplaintFiled) and every call is
// reported as a ServiceNotice (service "queue") for the transcript.
//
// Every POST goes through the outbox (outbox.h) with an Idempotency-Key made when it is
// queued: it is retried with the same key after a network failure, a time-out, 409
// request-in-progress, 429 or 503, and removed once delivered or refused for good. How each
// request ends for the customer is in kiosk/net/README.md, "The queue client".
//
// Nothing personal is sent or logged: the contract carries none ("Privacy"). A visit's session
// reference is random and forgotten at the next visit.
//
// Threading: every public function may be called from any thread and returns at once. Both
// sinks are called from the worker thread.

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "kiosk/core/branch.h"
#include "kiosk/core/events.h"
#include "kiosk/net/call_worker.h"
#include "kiosk/net/https_exchange.h"
#include "kiosk/net/outbox.h"
#include "kiosk/net/queue_contract.h"

namespace kiosk::net {

// As for the account service: long enough for a branch's VPN to set up a TLS connection, short
// enough that a customer waiting for a ticket is told something before they give up.
inline constexpr std::chrono::milliseconds k_queue_connect_timeout{3'000};
inline constexpr std::chrono::milliseconds k_queue_total_timeout{8'000};
// docs/api/queue.yaml, POST /v1/assistance-calls: the kiosk reads a call every 3 seconds
// (never more often than every 2) until it is closed.
inline constexpr std::chrono::milliseconds k_follow_interval{3'000};
// Retries of a request in the outbox: the first soon, for a connection that dropped once, then
// twice as long each time up to five minutes, so that a service that is down for hours gets a
// handful of requests an hour from each kiosk, far below its rate limit.
inline constexpr std::chrono::milliseconds k_first_retry{2'000};
inline constexpr std::chrono::milliseconds k_longest_retry{300'000};
// A failed TLS handshake is a certificate fault that needs a person (docs/api/queue.yaml,
// "Idempotency"): retried slowly.
inline constexpr std::chrono::milliseconds k_retry_after_tls_failure{60'000};
// docs/api/queue.yaml, "Idempotency": a ticket or a call for staff only helps a customer who
// is still there, so one more than 2 minutes old is dropped, not sent; any request older than
// 6 days is dropped, because the service may forget its key after 7.
inline constexpr std::chrono::milliseconds k_customer_request_lifetime = std::chrono::minutes(2);
inline constexpr std::chrono::milliseconds k_outbox_lifetime = std::chrono::days(6);

struct RetryBackoff {
    std::chrono::milliseconds first = k_first_retry;
    std::chrono::milliseconds longest = k_longest_retry;
    std::chrono::milliseconds after_tls_failure = k_retry_after_tls_failure;
};

struct QueueClientOptions {
    // The service, its certificate authority and the kiosk's client certificate and key
    // (mutual TLS: docs/api/queue.yaml, "Security").
    HttpsEndpoint endpoint{.connect_timeout = k_queue_connect_timeout,
                           .total_timeout = k_queue_total_timeout};
    std::string kiosk_id{};               // the certificate's Common Name; sent as kiosk_id
    std::string location{};               // where staff find the kiosk: 1 to 64 characters
    std::filesystem::path outbox_file{};  // empty: the outbox lives in memory (tests only)
    std::chrono::milliseconds follow_interval = k_follow_interval;
    RetryBackoff retry{};
    std::chrono::milliseconds customer_request_lifetime = k_customer_request_lifetime;
    std::chrono::milliseconds outbox_lifetime = k_outbox_lifetime;
};

class QueueClient {
  public:
    explicit QueueClient(QueueClientOptions options);
    // Stops: abandons the call in flight; what is in the outbox stays there for the next start.
    ~QueueClient();
    QueueClient(const QueueClient&) = delete;
    QueueClient& operator=(const QueueClient&) = delete;

    // Starts the worker: it opens the outbox first (setting aside a file it cannot use) and
    // sends again what an earlier run left there. Calls made before start() wait for it.
    void start(EventSink events, NoticeSink notices);

    // GET /v1/businesses; answered by BusinessesListed{call_id, ...}.
    void list_businesses(std::uint64_t call_id);

    // POST /v1/tickets; answered by TicketIssued{call_id, ...}: ok with the ticket, refused
    // (the business is closed or unknown, or the request is not the contract's), unavailable,
    // bad_reply, or kept (not delivered yet: a second TicketIssued follows, ok when it is
    // delivered within 2 minutes, unavailable when it is dropped).
    void take_ticket(std::uint64_t call_id, const core::TicketRequest& request);

    // POST /v1/assistance-calls; answered by StaffCallChanged{call_id, ...} as a ticket is
    // (kept, then ok or unavailable). Once placed and not closed, the call is read every
    // follow interval and StaffCallChanged is posted again whenever its state or who
    // acknowledged it changes, until it is closed or cancel(call_id).
    void call_staff(std::uint64_t call_id, const core::AssistanceRequest& request);

    // POST /v1/survey-answers with the visit's session reference. Nothing answers it: it is
    // delivered when the service can take it, for up to 6 days.
    void answer_survey(std::uint64_t visit, const core::SurveyAnswer& answer);

    // POST /v1/complaints with the visit's session reference; answered by
    // ComplaintFiled{call_id, ...}: ok with the reference to quote, refused, or kept (no
    // reference; delivered later, for up to 6 days, and nothing more is posted).
    void file_complaint(std::uint64_t call_id, std::uint64_t visit,
                        const core::Complaint& complaint);

    // Nothing more is posted for `call_id`: a queued call is dropped, a running one abandoned,
    // a call for staff no longer followed, and a ticket or call for staff not yet delivered is
    // dropped from the outbox (the customer it was for has gone). A survey answer or a
    // complaint is still delivered.
    void cancel(std::uint64_t call_id);

    // Abandons the running call and joins the worker promptly. Idempotent.
    void stop();

  private:
    // A request in the outbox as the worker knows it.
    struct Pending {
        OutboxEntry entry;
        std::uint64_t listener = CallWorker::k_no_call;  // who hears how it ends
        int attempts = 0;
    };
    // A call for staff being followed.
    struct Follow {
        core::AssistanceCall last;
        std::string last_status;  // of the last poll, so that only changes make a notice
    };

    void submit_open_outbox();

    // Work run on the worker thread.
    CallOutcome open_outbox();
    std::expected<std::string, CallOutcome> queue_request(std::uint64_t listener, OutboxKind kind,
                                                          std::string path,
                                                          std::optional<std::string> body,
                                                          std::string_view refusal);
    CallOutcome send_new(CallContext& context, std::uint64_t listener, OutboxKind kind,
                         std::string_view path, std::optional<std::string> body,
                         std::string_view refusal);
    CallOutcome attempt(CallContext& context, const std::string& key);
    CallOutcome drop(const std::string& key, std::string reason);
    CallOutcome poll(CallContext& context, std::uint64_t listener);
    CallOutcome list(CallContext& context, std::uint64_t call_id);
    CallOutcome forget(std::uint64_t call_id);
    void schedule_attempt(const std::string& key, std::chrono::steady_clock::time_point due);
    void schedule_poll(std::uint64_t listener, std::chrono::steady_clock::time_point due);
    void remove_from_outbox(const std::string& key);
    std::optional<std::string> stale_reason(const OutboxEntry& entry,
                                            std::chrono::system_clock::time_point now) const;
    // The event, unless nobody listens for it or its call was cancelled.
    std::optional<core::Event> heard_by(std::uint64_t listener, std::optional<core::Event> event);

    // Callers' threads.
    std::optional<std::string> session_reference(std::uint64_t visit);
    bool is_cancelled(std::uint64_t call_id);

    QueueClientOptions m_options;
    bool m_started = false;  // the caller's thread's

    std::mutex m_mutex;
    std::set<std::uint64_t> m_cancelled;  // until the worker has forgotten them
    std::optional<std::uint64_t> m_visit;
    std::string m_visit_reference;

    // The worker thread's.
    std::optional<Outbox> m_outbox;
    std::map<std::string, Pending> m_pending;   // by Idempotency-Key
    std::map<std::uint64_t, Follow> m_follows;  // by the core's call id

    CallWorker m_worker;  // last: stopped and joined before the state above goes
};

}  // namespace kiosk::net
