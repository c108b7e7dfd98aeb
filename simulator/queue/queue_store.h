#pragma once

// The queue service's SQLite state (WAL journal): the businesses seeded from the demo branch,
// tickets, assistance calls, survey answers, complaints, idempotency records and the access
// log. A database file kept between runs opens as it was left.
//
// Threading: one connection serves every HTTP worker thread. Each use takes a Transaction,
// which holds the store's mutex and an SQLite write transaction (BEGIN IMMEDIATE) until it is
// committed or destroyed; so each request's reads and writes, its idempotency record included,
// happen all together or not at all.
//
// The branch's day: the first transaction of a new branch date opens the day. Tickets left from
// earlier days end (waiting ones are cancelled, called ones are no-shows, those being served
// are done), the people already waiting at opening (waiting_at_opening) take the day's first
// numbers, and records past their retention (the retention list in the description of
// docs/api/queue.yaml) are deleted.

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simulator/queue/branch_time.h"
#include "simulator/queue/queue_error.h"
#include "simulator/queue/queue_records.h"

struct sqlite3;

namespace simulator::queue {

// Retention, the retention list in the description of docs/api/queue.yaml. Complaints are kept
// until the branch closes them and two years more; the simulator never closes one, so it keeps them
// all.
inline constexpr std::chrono::days k_ticket_retention{90};
inline constexpr std::chrono::days k_call_retention{90};
inline constexpr std::chrono::days k_survey_answer_retention{365};
inline constexpr std::chrono::days k_idempotency_retention{7};
inline constexpr std::chrono::days k_access_log_retention{90};

// Ticket numbers are the prefix and three digits, 001 to 999, then 001 again.
inline constexpr int k_maximum_ticket_number = 999;
// Complaint references carry the day's sequence in four digits.
inline constexpr int k_maximum_complaints_per_day = 9999;
// The contract's cap on a ticket's wait estimate (docs/api/queue.yaml, "Ticket").
inline constexpr int k_maximum_wait_minutes = 600;
// The kiosk id of the tickets of the people already waiting at opening: the lobby's paper
// ticket dispenser, not a kiosk.
inline constexpr std::string_view k_dispenser_id = "lobby-dispenser";

struct TicketDraft {
    std::string kiosk_id;
    std::string business_id;
    Priority priority = Priority::normal;
    std::optional<PriorityReason> priority_reason;
    Language language = Language::zh_cn;
};

// Why no ticket was issued.
enum class TicketRefusal { none, unknown_business, business_closed, queue_full };

struct TicketIssue {
    TicketRefusal refusal = TicketRefusal::none;
    Ticket ticket;  // with refusal none
};

struct CallDraft {
    std::string kiosk_id;
    std::string location;
    AssistanceReason reason = AssistanceReason::customer_request;
    Language language = Language::zh_cn;
    bool audio_mode = false;
    bool elder_mode = false;
};

// Why a staff action on a call or ticket did nothing.
enum class StaffRefusal {
    none,
    not_found,             // no such call, ticket or business (or no open call)
    already_acknowledged,  // a call can be acknowledged once
    closed,                // the call is over
    no_ticket_waiting,     // call_next_ticket on an empty queue
    not_allowed,           // a ticket state change the queue does not make
};

std::string_view to_string(StaffRefusal refusal);

struct CallChange {
    StaffRefusal refusal = StaffRefusal::none;
    AssistanceCall call;  // the call after the change, or as it stands when refused
};

struct TicketChange {
    StaffRefusal refusal = StaffRefusal::none;
    Ticket ticket;
};

struct SurveyDraft {
    std::string kiosk_id;
    std::string session_reference;
    SurveyService service = SurveyService::balance;
    Rating rating = Rating::satisfied;
    Language language = Language::zh_cn;
    std::string answered_at;
};

struct SurveyOutcome {
    bool already_answered = false;
    SurveyAnswer answer;  // the new answer, or the stored one when already answered
};

struct ComplaintDraft {
    std::string kiosk_id;
    std::string session_reference;
    ComplaintCategory category = ComplaintCategory::other;
    Language language = Language::zh_cn;
    bool contact_consent = false;
    std::string submitted_at;
};

// The first 2xx reply to a request with an Idempotency-Key, kept for k_idempotency_retention.
struct IdempotencyRecord {
    std::string scope;           // the client: "kiosk/lobby-01"; keys of two clients never meet
    std::string key;             // the Idempotency-Key header
    std::string request_digest;  // SHA-256 of method, path and the parsed JSON body
    int status = 0;
    std::string body;
    std::string location;  // the Location header, empty when none
    std::int64_t created_at_unix_ms = 0;
};

class QueueStore {
  public:
    // Opens (creating the schema if new, in WAL mode) and seeds the businesses from the demo
    // branch file when there are none.
    static std::expected<std::unique_ptr<QueueStore>, base::Error<QueueError>> open(
        const std::filesystem::path& database, const std::filesystem::path& demo_branch,
        BranchCalendar calendar);

    ~QueueStore();
    QueueStore(const QueueStore&) = delete;
    QueueStore& operator=(const QueueStore&) = delete;

    class Transaction {
      public:
        Transaction(Transaction&& other) noexcept;
        Transaction& operator=(Transaction&&) = delete;
        Transaction(const Transaction&) = delete;
        Transaction& operator=(const Transaction&) = delete;
        ~Transaction();  // rolls back unless committed

        std::expected<void, QueueError> commit();

      private:
        friend class QueueStore;
        explicit Transaction(QueueStore& store, std::unique_lock<std::mutex> lock);
        QueueStore* m_store = nullptr;
        std::unique_lock<std::mutex> m_lock;
        bool m_open = false;
    };

    // Starts a write transaction at `now_unix_ms`, first opening the branch's day if it is a
    // new one (in its own transaction, committed before this one starts).
    std::expected<Transaction, QueueError> begin(std::int64_t now_unix_ms);

    // Businesses in popularity order, with the people waiting and the wait for a normal ticket
    // taken now.
    std::expected<std::vector<Business>, QueueError> businesses(Transaction& transaction);
    std::expected<TicketIssue, QueueError> issue_ticket(Transaction& transaction,
                                                        const TicketDraft& draft,
                                                        std::int64_t now_unix_ms);
    // A ticket with its present place and wait; nothing when unknown.
    std::expected<std::optional<Ticket>, QueueError> ticket(Transaction& transaction,
                                                            std::string_view ticket_id);
    std::expected<std::vector<Ticket>, QueueError> tickets(Transaction& transaction);

    std::expected<AssistanceCall, QueueError> create_call(Transaction& transaction,
                                                          const CallDraft& draft,
                                                          std::int64_t now_unix_ms);
    std::expected<std::optional<AssistanceCall>, QueueError> call(Transaction& transaction,
                                                                  std::string_view call_id);
    std::expected<std::vector<AssistanceCall>, QueueError> calls(Transaction& transaction);
    // The id of the newest call that is open, or, with `acknowledged_too`, open or acknowledged.
    std::expected<std::optional<std::string>, QueueError> latest_call(Transaction& transaction,
                                                                      bool acknowledged_too);
    std::expected<CallChange, QueueError> acknowledge_call(Transaction& transaction,
                                                           std::string_view call_id,
                                                           const StaffMember& staff,
                                                           std::optional<int> eta_seconds,
                                                           std::int64_t now_unix_ms);
    std::expected<CallChange, QueueError> close_call(Transaction& transaction,
                                                     std::string_view call_id, CallOutcome outcome,
                                                     std::int64_t now_unix_ms);

    // Staff at a counter: the first waiting ticket of the business (green channel first, then
    // by issue) is called to `counter_number`, or to the business's first counter.
    std::expected<TicketChange, QueueError> call_next_ticket(Transaction& transaction,
                                                             std::string_view business_id,
                                                             std::optional<int> counter_number,
                                                             std::int64_t now_unix_ms);
    // called -> serving, no_show or cancelled; serving -> done; waiting -> cancelled.
    std::expected<TicketChange, QueueError> set_ticket_state(Transaction& transaction,
                                                             std::string_view ticket_id,
                                                             TicketState state,
                                                             std::int64_t now_unix_ms);
    std::expected<StaffRefusal, QueueError> set_business_open(Transaction& transaction,
                                                              std::string_view business_id,
                                                              bool open_now);
    std::expected<StaffRefusal, QueueError> set_open_counters(Transaction& transaction,
                                                              std::string_view business_id,
                                                              int open_counters);

    std::expected<SurveyOutcome, QueueError> add_survey_answer(Transaction& transaction,
                                                               const SurveyDraft& draft,
                                                               std::int64_t now_unix_ms);
    std::expected<std::vector<SurveyAnswer>, QueueError> survey_answers(Transaction& transaction);

    // Nothing when the day's references have run out.
    std::expected<std::optional<Complaint>, QueueError> add_complaint(Transaction& transaction,
                                                                      const ComplaintDraft& draft,
                                                                      std::int64_t now_unix_ms);
    std::expected<std::vector<Complaint>, QueueError> complaints(Transaction& transaction);

    // The record of `key` for `scope`, unless it is older than k_idempotency_retention.
    std::expected<std::optional<IdempotencyRecord>, QueueError> idempotency_record(
        Transaction& transaction, std::string_view scope, std::string_view key,
        std::int64_t now_unix_ms);
    std::expected<void, QueueError> save_idempotency_record(Transaction& transaction,
                                                            const IdempotencyRecord& record);

    std::expected<void, QueueError> record_access(Transaction& transaction,
                                                  const AccessLogEntry& entry);
    std::expected<std::vector<AccessLogEntry>, QueueError> access_log(Transaction& transaction);

  private:
    QueueStore(sqlite3* database, BranchCalendar calendar);
    std::expected<void, base::Error<QueueError>> create_schema();
    std::expected<void, base::Error<QueueError>> seed_if_empty(
        const std::filesystem::path& demo_branch);
    std::expected<void, QueueError> open_day(int day, std::int64_t now_unix_ms);
    std::expected<void, QueueError> execute(const char* sql);
    std::expected<std::optional<Business>, QueueError> business(std::string_view business_id);
    std::expected<std::vector<LocalizedText>, QueueError> materials_of(
        std::string_view business_id);
    std::expected<int, QueueError> waiting_count(std::string_view business_id);
    std::expected<void, QueueError> fill_place(Ticket& ticket);
    std::expected<std::optional<Ticket>, QueueError> ticket_where(const char* condition,
                                                                  std::string_view value);
    std::expected<std::optional<AssistanceCall>, QueueError> call_by_id(std::string_view call_id);
    std::expected<Ticket, QueueError> insert_ticket(const TicketDraft& draft, int day,
                                                    std::int64_t now_unix_ms);

    std::mutex m_mutex;  // one connection, used from every HTTP worker thread
    sqlite3* m_database = nullptr;
    BranchCalendar m_calendar;
    int m_open_day = 0;  // the branch day last opened, YYYYMMDD
};

// A fresh random (version 4) UUID in its text form, from OpenSSL's generator; empty when the
// generator fails.
std::string new_uuid();

// The estimated wait, in whole minutes rounded up, for `people_ahead` tickets served at
// `open_counters` counters taking `typical_duration_minutes` each; a business with no counter
// open yet is estimated as if one were. Capped at k_maximum_wait_minutes.
int estimated_wait_minutes(int people_ahead, int typical_duration_minutes, int open_counters);

}  // namespace simulator::queue
