#include "kiosk/net/queue_client.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <utility>
#include <vector>

#include "kiosk/net/random_uuid.h"

namespace kiosk::net {

namespace {

using core::QueueStatus;
using nlohmann::json;

constexpr std::string_view k_queue_service = "queue";
constexpr std::string_view k_businesses_call = "businesses";
constexpr std::string_view k_assistance_status_call = "assistance_status";
constexpr std::string_view k_outbox_call = "outbox";
constexpr std::string_view k_businesses_path = "/v1/businesses";
constexpr std::string_view k_tickets_path = "/v1/tickets";
constexpr std::string_view k_assistance_calls_path = "/v1/assistance-calls";
constexpr std::string_view k_survey_answers_path = "/v1/survey-answers";
constexpr std::string_view k_complaints_path = "/v1/complaints";
// A service that speaks problem details (RFC 9457) answers errors as
// application/problem+json; asking for it too keeps content negotiation from getting in the way.
constexpr std::string_view k_accept = "application/json, application/problem+json";
// The back-off doubles at most this many times: past it the longest wait applies anyway, and
// the shift stays far from overflow.
constexpr int k_most_doublings = 20;

std::string_view call_name(OutboxKind kind) {
    return to_string(kind);  // "ticket", "assistance", "survey", "complaint"
}

// Tickets and calls for staff are for a customer standing at the kiosk.
bool is_for_customer_present(OutboxKind kind) {
    return kind == OutboxKind::ticket || kind == OutboxKind::assistance;
}

// What the customer hears when a request ends without a whole reply, or is dropped.
QueueStatus queue_status_of(TransportFailure failure) {
    switch (failure) {
        case TransportFailure::timeout:
            return QueueStatus::timeout;
        case TransportFailure::reply_too_large:
            return QueueStatus::bad_reply;
        default:
            return QueueStatus::unavailable;
    }
}

std::string seconds_text(std::chrono::milliseconds duration) {
    constexpr auto k_one_second = std::chrono::milliseconds(1'000);
    if (duration < k_one_second) {
        return std::to_string(duration.count()) + " ms";
    }
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(duration).count()) +
           " s";
}

// How one attempt at a request ended.
struct Verdict {
    QueueStatus status = QueueStatus::bad_reply;
    bool retry = false;
    std::optional<core::Ticket> ticket;
    std::optional<core::AssistanceCall> call;
    std::string reference;
    std::string problem;
};

template <typename Value>
Verdict verdict_of(const QueueReply<Value>& reply) {
    return Verdict{reply.status, reply.retry, std::nullopt, std::nullopt, {}, reply.problem};
}

Verdict judge(OutboxKind kind, long http_status, std::string_view body) {
    switch (kind) {
        case OutboxKind::ticket: {
            auto reply = interpret_ticket_reply(http_status, body);
            Verdict verdict = verdict_of(reply);
            verdict.ticket = std::move(reply.value);
            return verdict;
        }
        case OutboxKind::assistance: {
            auto reply = interpret_assistance_reply(http_status, body);
            Verdict verdict = verdict_of(reply);
            verdict.call = std::move(reply.value);
            return verdict;
        }
        case OutboxKind::survey:
            return verdict_of(interpret_survey_reply(http_status, body));
        case OutboxKind::complaint: {
            auto reply = interpret_complaint_reply(http_status, body);
            Verdict verdict = verdict_of(reply);
            verdict.reference = reply.value.value_or("");
            return verdict;
        }
    }
    return {};
}

// The event that tells `listener` how its request ended; none for a survey answer, which
// nothing answers.
std::optional<core::Event> event_for(OutboxKind kind, std::uint64_t listener,
                                     const Verdict& verdict) {
    switch (kind) {
        case OutboxKind::ticket:
            return core::TicketIssued{listener, verdict.status, verdict.ticket};
        case OutboxKind::assistance:
            return core::StaffCallChanged{listener, verdict.status, verdict.call};
        case OutboxKind::complaint:
            return core::ComplaintFiled{listener, verdict.status, verdict.reference};
        case OutboxKind::survey:
            return std::nullopt;
    }
    return std::nullopt;
}

Verdict with_status(QueueStatus status) {
    Verdict verdict;
    verdict.status = status;
    return verdict;
}

}  // namespace

QueueClient::QueueClient(QueueClientOptions options)
    : m_options(std::move(options)), m_worker(std::string(k_queue_service)) {
    while (!m_options.endpoint.base_url.empty() && m_options.endpoint.base_url.back() == '/') {
        m_options.endpoint.base_url.pop_back();
    }
    // libcurl takes 0 for "no time-out at all": never that.
    if (m_options.endpoint.connect_timeout <= std::chrono::milliseconds::zero()) {
        m_options.endpoint.connect_timeout = k_queue_connect_timeout;
    }
    if (m_options.endpoint.total_timeout <= std::chrono::milliseconds::zero()) {
        m_options.endpoint.total_timeout = k_queue_total_timeout;
    }
    // First in the queue, so that no request is written before the outbox is open and what
    // an earlier run left is in it.
    submit_open_outbox();
}

void QueueClient::submit_open_outbox() {
    m_worker.submit(
        CallWorker::k_no_call, std::string(k_outbox_call),
        [this](CallContext&) { return open_outbox(); }, CallOutcome{});
}

QueueClient::~QueueClient() {
    stop();
}

void QueueClient::start(EventSink events, NoticeSink notices) {
    const bool restarting = m_started;
    m_started = true;
    m_worker.start(std::move(events), std::move(notices));
    if (restarting) {
        // stop() dropped everything queued: open the outbox again before anything else.
        submit_open_outbox();
    }
}

void QueueClient::stop() {
    m_worker.stop();
}

void QueueClient::list_businesses(std::uint64_t call_id) {
    m_worker.submit(
        call_id, std::string(k_businesses_call),
        [this, call_id](CallContext& context) { return list(context, call_id); },
        CallOutcome{core::BusinessesListed{call_id, QueueStatus::unavailable, {}}});
}

void QueueClient::take_ticket(std::uint64_t call_id, const core::TicketRequest& request) {
    // A request the contract does not allow is never sent: the service would refuse it (400).
    std::optional<std::string> body;
    const bool reason_fits =
        request.reason.has_value() == (request.priority == core::Priority::green_channel);
    if (is_business_id(request.business_id) && is_language(request.locale) && reason_fits) {
        json document = {{"kiosk_id", m_options.kiosk_id},
                         {"business_id", request.business_id},
                         {"priority", to_string(request.priority)},
                         {"language", request.locale}};
        if (request.reason) {
            document["priority_reason"] = to_string(*request.reason);
        }
        body = document.dump();
    }
    m_worker.submit(
        call_id, std::string(call_name(OutboxKind::ticket)),
        [this, call_id, body = std::move(body)](CallContext& context) mutable {
            return send_new(context, call_id, OutboxKind::ticket, k_tickets_path, std::move(body),
                            "the ticket request is outside the contract");
        },
        CallOutcome{core::TicketIssued{call_id, QueueStatus::unavailable, std::nullopt}});
}

void QueueClient::call_staff(std::uint64_t call_id, const core::AssistanceRequest& request) {
    std::optional<std::string> body;
    if (is_language(request.locale)) {
        body = json{{"kiosk_id", m_options.kiosk_id},      {"location", m_options.location},
                    {"reason", to_string(request.reason)}, {"language", request.locale},
                    {"audio_mode", request.audio_mode},    {"elder_mode", request.elder_mode}}
                   .dump();
    }
    m_worker.submit(
        call_id, std::string(call_name(OutboxKind::assistance)),
        [this, call_id, body = std::move(body)](CallContext& context) mutable {
            return send_new(context, call_id, OutboxKind::assistance, k_assistance_calls_path,
                            std::move(body), "the call for staff is outside the contract");
        },
        CallOutcome{core::StaffCallChanged{call_id, QueueStatus::unavailable, std::nullopt}});
}

void QueueClient::answer_survey(std::uint64_t visit, const core::SurveyAnswer& answer) {
    // Taken now: the answer may reach the service much later, from the outbox.
    const std::string answered_at = date_time(std::chrono::system_clock::now());
    const auto reference = session_reference(visit);
    std::optional<std::string> body;
    if (reference && is_language(answer.locale)) {
        body = json{{"kiosk_id", m_options.kiosk_id},
                    {"session_reference", *reference},
                    {"service", to_string(answer.service)},
                    {"rating", to_string(answer.rating)},
                    {"language", answer.locale},
                    {"answered_at", answered_at}}
                   .dump();
    }
    // Not cancellable: a survey answer is worth delivering whatever the customer does next.
    m_worker.submit(
        CallWorker::k_no_call, std::string(call_name(OutboxKind::survey)),
        [this, body = std::move(body)](CallContext& context) mutable {
            return send_new(context, CallWorker::k_no_call, OutboxKind::survey,
                            k_survey_answers_path, std::move(body),
                            "the survey answer is outside the contract");
        },
        CallOutcome{});
}

void QueueClient::file_complaint(std::uint64_t call_id, std::uint64_t visit,
                                 const core::Complaint& complaint) {
    const std::string submitted_at = date_time(std::chrono::system_clock::now());
    const auto reference = session_reference(visit);
    std::optional<std::string> body;
    if (reference && is_language(complaint.locale)) {
        body = json{{"kiosk_id", m_options.kiosk_id},
                    {"session_reference", *reference},
                    {"category", to_string(complaint.category)},
                    {"language", complaint.locale},
                    {"contact_consent", complaint.contact_consent},
                    {"submitted_at", submitted_at}}
                   .dump();
    }
    // Not cancellable (k_no_call): a complaint is delivered whatever the customer does next;
    // cancel() only stops the answer from being posted.
    m_worker.submit(
        CallWorker::k_no_call, std::string(call_name(OutboxKind::complaint)),
        [this, call_id, body = std::move(body)](CallContext& context) mutable {
            return send_new(context, call_id, OutboxKind::complaint, k_complaints_path,
                            std::move(body), "the complaint is outside the contract");
        },
        CallOutcome{core::ComplaintFiled{call_id, QueueStatus::unavailable, {}}});
}

void QueueClient::cancel(std::uint64_t call_id) {
    if (call_id == CallWorker::k_no_call) {
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_cancelled.insert(call_id);
    }
    m_worker.cancel(call_id);
    // After whatever was queued before the cancel: by then nothing of the call is running.
    m_worker.submit(
        CallWorker::k_no_call, "", [this, call_id](CallContext&) { return forget(call_id); },
        CallOutcome{});
}

std::optional<std::string> QueueClient::session_reference(std::uint64_t visit) {
    std::lock_guard lock(m_mutex);
    if (m_visit != visit) {
        // A new visit: the last one's reference is forgotten, so nothing links the two.
        auto made = random_uuid();
        if (!made) {
            m_visit.reset();
            m_visit_reference.clear();
            return std::nullopt;
        }
        m_visit = visit;
        m_visit_reference = std::move(*made);
    }
    return m_visit_reference;
}

bool QueueClient::is_cancelled(std::uint64_t call_id) {
    std::lock_guard lock(m_mutex);
    return m_cancelled.contains(call_id);
}

std::optional<core::Event> QueueClient::heard_by(std::uint64_t listener,
                                                 std::optional<core::Event> event) {
    if (listener == CallWorker::k_no_call || is_cancelled(listener)) {
        return std::nullopt;
    }
    return event;
}

CallOutcome QueueClient::open_outbox() {
    m_pending.clear();
    m_follows.clear();
    std::optional<OutboxRepair> repair;
    m_outbox = m_options.outbox_file.empty() ? Outbox::open(":memory:", repair)
                                             : Outbox::open(m_options.outbox_file, repair);
    if (repair) {
        std::string detail = repair->problem;
        if (repair->set_aside_as) {
            detail += "; set aside as " + repair->set_aside_as->string();
        }
        if (repair->in_memory) {
            detail += "; requests are kept in memory only until the kiosk stops";
        }
        m_worker.notify(ServiceNotice{std::string(k_queue_service), std::string(k_outbox_call),
                                      repair->set_aside_as ? "set_aside" : "in_memory", 0,
                                      std::move(detail)});
    } else if (!m_outbox->is_durable() && !m_options.outbox_file.empty()) {
        m_worker.notify(ServiceNotice{
            std::string(k_queue_service), std::string(k_outbox_call), "not_durable", 0,
            "WAL or synchronous=FULL was refused for " + m_options.outbox_file.string()});
    }
    auto contents = m_outbox->contents();
    if (!contents) {
        return CallOutcome{std::nullopt, "read_failed", to_string(contents.error())};
    }
    if (contents->unreadable > 0) {
        m_worker.notify(ServiceNotice{
            std::string(k_queue_service), std::string(k_outbox_call), "unreadable", 0,
            std::to_string(contents->unreadable) + " requests of an unknown kind removed"});
    }
    const auto now = std::chrono::system_clock::now();
    for (auto& entry : contents->entries) {
        const std::string key = entry.idempotency_key;
        const OutboxKind kind = entry.kind;
        m_pending[key] = Pending{std::move(entry), CallWorker::k_no_call, 0};
        // A ticket is only any use to the customer who is shown its number, and that customer's
        // session ended with the last run.
        if (kind == OutboxKind::ticket) {
            m_worker.notify(
                ServiceNotice{std::string(k_queue_service), std::string(call_name(kind)), "dropped",
                              0, "left by an earlier run: nobody can be shown its number"});
            remove_from_outbox(key);
            continue;
        }
        if (auto reason = stale_reason(m_pending[key].entry, now)) {
            m_worker.notify(ServiceNotice{std::string(k_queue_service),
                                          std::string(call_name(kind)), "dropped", 0,
                                          std::move(*reason)});
            remove_from_outbox(key);
            continue;
        }
        schedule_attempt(key, std::chrono::steady_clock::now());
    }
    return {};
}

// Writes a new request to the outbox and gives its Idempotency-Key, or how the request ends
// here, unsent: refused by the client, or no key could be made.
std::expected<std::string, CallOutcome> QueueClient::queue_request(std::uint64_t listener,
                                                                   OutboxKind kind,
                                                                   std::string path,
                                                                   std::optional<std::string> body,
                                                                   std::string_view refusal) {
    const bool settings_fit = is_kiosk_id(m_options.kiosk_id) &&
                              (kind != OutboxKind::assistance || is_location(m_options.location));
    if (!body || !settings_fit) {
        return std::unexpected(CallOutcome{
            heard_by(listener, event_for(kind, listener, with_status(QueueStatus::refused))),
            "invalid_request",
            settings_fit ? std::string(refusal) : "kiosk_id or location outside the contract"});
    }
    auto key = random_uuid();
    if (!key) {
        return std::unexpected(CallOutcome{
            heard_by(listener, event_for(kind, listener, with_status(QueueStatus::unavailable))),
            "no_random", "no secure random bytes for an Idempotency-Key"});
    }
    OutboxEntry entry{*key, kind, std::move(path), std::move(*body),
                      std::chrono::system_clock::now()};
    if (m_outbox) {
        if (auto added = m_outbox->add(entry); !added) {
            // Still sent, and kept for this run: only a restart would lose it.
            m_worker.notify(ServiceNotice{std::string(k_queue_service), std::string(k_outbox_call),
                                          "write_failed", 0, base::to_string(added.error())});
        }
    }
    m_pending[*key] = Pending{std::move(entry), listener, 0};
    return *key;
}

CallOutcome QueueClient::send_new(CallContext& context, std::uint64_t listener, OutboxKind kind,
                                  std::string_view path, std::optional<std::string> body,
                                  std::string_view refusal) {
    auto key = queue_request(listener, kind, std::string(path), std::move(body), refusal);
    if (!key) {
        return std::move(key.error());
    }
    return attempt(context, *key);
}

std::optional<std::string> QueueClient::stale_reason(
    const OutboxEntry& entry, std::chrono::system_clock::time_point now) const {
    const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - entry.created_at);
    if (age >= m_options.outbox_lifetime) {
        return "older than " + seconds_text(m_options.outbox_lifetime) +
               ": the service may have forgotten its key";
    }
    if (is_for_customer_present(entry.kind) && age >= m_options.customer_request_lifetime) {
        return "older than " + seconds_text(m_options.customer_request_lifetime) +
               ": the customer it was for has gone";
    }
    return std::nullopt;
}

void QueueClient::remove_from_outbox(const std::string& key) {
    m_pending.erase(key);
    if (m_outbox) {
        if (auto removed = m_outbox->remove(key); !removed) {
            // Sent again after a restart with the same key, the service answers as before.
            m_worker.notify(ServiceNotice{std::string(k_queue_service), std::string(k_outbox_call),
                                          "write_failed", 0, base::to_string(removed.error())});
        }
    }
}

CallOutcome QueueClient::drop(const std::string& key, std::string reason) {
    const auto found = m_pending.find(key);
    if (found == m_pending.end()) {
        return {};
    }
    const OutboxKind kind = found->second.entry.kind;
    const std::uint64_t listener = found->second.listener;
    remove_from_outbox(key);
    return CallOutcome{
        heard_by(listener, event_for(kind, listener, with_status(QueueStatus::unavailable))),
        "dropped", std::move(reason)};
}

void QueueClient::schedule_attempt(const std::string& key,
                                   std::chrono::steady_clock::time_point due) {
    const auto found = m_pending.find(key);
    if (found == m_pending.end()) {
        return;
    }
    const Pending& pending = found->second;
    // A ticket or call for staff is cancelled with its call; the others are delivered anyway.
    const std::uint64_t tag =
        is_for_customer_present(pending.entry.kind) ? pending.listener : CallWorker::k_no_call;
    std::optional<core::Event> on_fault =
        event_for(pending.entry.kind, pending.listener, with_status(QueueStatus::unavailable));
    m_worker.schedule(
        due, tag, std::string(call_name(pending.entry.kind)),
        [this, key](CallContext& context) { return attempt(context, key); },
        CallOutcome{pending.listener == CallWorker::k_no_call ? std::nullopt : on_fault});
}

CallOutcome QueueClient::attempt(CallContext& context, const std::string& key) {
    const auto found = m_pending.find(key);
    if (found == m_pending.end()) {
        return {};  // delivered, refused or dropped meanwhile
    }
    const auto now = std::chrono::system_clock::now();
    if (auto reason = stale_reason(found->second.entry, now)) {
        return drop(key, std::move(*reason));
    }
    const OutboxEntry entry = found->second.entry;
    ReplyBuffer reply(k_maximum_queue_reply_bytes, ReplyBuffer::Secrecy::plain);
    const HttpsReply done = context.channel().exchange(
        m_options.endpoint,
        HttpsRequest{.method = Method::post,
                     .path = entry.path,
                     .body = entry.body,
                     .accept = k_accept,
                     .headers = {"Idempotency-Key: " + entry.idempotency_key}},
        reply, context.abandoned_check());
    if (done.abandoned()) {
        // Stopped or cancelled: it stays in the outbox (a cancel's forget() drops a ticket or a
        // call for staff).
        return CallOutcome{std::nullopt, done.status()};
    }
    // The request may have gone while this ran (forget() runs on this thread, so not here,
    // but a reference stays valid only until the next change of the map).
    Pending& pending = m_pending.at(key);
    pending.attempts += 1;

    Verdict verdict;
    if (done.http_status) {
        verdict = judge(entry.kind, *done.http_status, reply.body());
    } else {
        verdict = with_status(queue_status_of(done.failure));
        // A reply too large to read was still a reply: sending again brings the same one.
        verdict.retry = done.failure != TransportFailure::reply_too_large;
    }
    std::string status = done.status();
    const std::uint64_t listener = pending.listener;

    if (verdict.retry) {
        auto wait = m_options.retry.first *
                    (std::int64_t{1} << std::min(pending.attempts - 1, k_most_doublings));
        wait = std::min(wait, m_options.retry.longest);
        const bool needs_a_person =
            !done.http_status && (done.failure == TransportFailure::tls_failure ||
                                  done.failure == TransportFailure::insecure_configuration ||
                                  done.failure == TransportFailure::bad_url);
        if (needs_a_person) {
            wait = std::max(wait, m_options.retry.after_tls_failure);
        }
        if (done.retry_after) {
            wait = std::max(
                wait, std::chrono::duration_cast<std::chrono::milliseconds>(*done.retry_after));
        }
        // A ticket or call for staff is dropped the moment it is too old, not at the next try.
        auto due = std::chrono::steady_clock::now() + wait;
        if (is_for_customer_present(entry.kind)) {
            const auto left =
                m_options.customer_request_lifetime -
                std::chrono::duration_cast<std::chrono::milliseconds>(now - entry.created_at);
            due = std::min(due, std::chrono::steady_clock::now() +
                                    std::max(left, std::chrono::milliseconds::zero()));
        }
        std::optional<core::Event> event;
        if (pending.attempts == 1 && listener != CallWorker::k_no_call) {
            // The customer hears it once: not delivered yet, kept to be sent.
            event =
                heard_by(listener, event_for(entry.kind, listener, with_status(QueueStatus::kept)));
            if (!is_for_customer_present(entry.kind)) {
                // A complaint is answered once; its delivery later is only journaled.
                pending.listener = CallWorker::k_no_call;
            }
        }
        schedule_attempt(key, due);
        std::string detail = "kept: next attempt in " + seconds_text(wait);
        if (!verdict.problem.empty()) {
            detail = verdict.problem + "; " + detail;
        }
        return CallOutcome{std::move(event), std::move(status), std::move(detail)};
    }

    // Delivered, or refused for good: either way it leaves the outbox.
    remove_from_outbox(key);
    std::string detail = verdict.status == QueueStatus::ok ? "delivered"
                         : verdict.status == QueueStatus::bad_reply
                             ? "removed: the reply is outside the contract"
                             : "refused";
    if (!verdict.problem.empty()) {
        detail += ": " + verdict.problem;
    }
    if (done.idempotent_replayed) {
        detail += " (replayed)";
    }
    std::optional<core::Event> event = heard_by(listener, event_for(entry.kind, listener, verdict));
    if (entry.kind == OutboxKind::assistance && verdict.status == QueueStatus::ok && verdict.call &&
        verdict.call->state != core::CallState::closed && listener != CallWorker::k_no_call &&
        !is_cancelled(listener)) {
        m_follows[listener] = Follow{*verdict.call, {}};
        schedule_poll(listener, std::chrono::steady_clock::now() + m_options.follow_interval);
    }
    return CallOutcome{std::move(event), std::move(status), std::move(detail)};
}

void QueueClient::schedule_poll(std::uint64_t listener, std::chrono::steady_clock::time_point due) {
    m_worker.schedule(
        due, listener, std::string(k_assistance_status_call),
        [this, listener](CallContext& context) { return poll(context, listener); }, CallOutcome{});
}

CallOutcome QueueClient::poll(CallContext& context, std::uint64_t listener) {
    const auto found = m_follows.find(listener);
    if (found == m_follows.end()) {
        return {};
    }
    const std::string path = std::string(k_assistance_calls_path) + "/" + found->second.last.id;
    ReplyBuffer reply(k_maximum_queue_reply_bytes, ReplyBuffer::Secrecy::plain);
    const HttpsReply done = context.channel().exchange(
        m_options.endpoint, HttpsRequest{.method = Method::get, .path = path, .accept = k_accept},
        reply, context.abandoned_check());
    if (done.abandoned()) {
        return CallOutcome{std::nullopt, done.status()};
    }
    Follow& follow = m_follows.at(listener);
    std::string status = done.status();
    std::string detail;
    std::optional<core::Event> event;
    bool go_on = true;
    if (done.http_status) {
        auto mapped = interpret_assistance_status_reply(*done.http_status, reply.body());
        detail = mapped.problem;
        if (mapped.status == QueueStatus::ok && mapped.value->id != follow.last.id) {
            mapped.status = QueueStatus::bad_reply;
            detail = "another call's id";
        }
        if (mapped.status == QueueStatus::ok) {
            if (*mapped.value != follow.last) {
                follow.last = *mapped.value;
                event = heard_by(listener,
                                 core::StaffCallChanged{listener, QueueStatus::ok, follow.last});
            }
            go_on = follow.last.state != core::CallState::closed;
        } else if (mapped.status == QueueStatus::refused) {
            // The service does not know the call (any more): there is nothing left to follow.
            event = heard_by(listener,
                             core::StaffCallChanged{listener, QueueStatus::refused, std::nullopt});
            go_on = false;
        }
    }
    // Only a change is worth a line in the transcript: a poll every 3 seconds is not.
    const std::string seen = status + " " + detail;
    const bool report = seen != follow.last_status || !go_on;
    follow.last_status = seen;
    if (!go_on) {
        m_follows.erase(listener);
    } else {
        auto wait = m_options.follow_interval;
        if (done.retry_after) {
            wait = std::max(
                wait, std::chrono::duration_cast<std::chrono::milliseconds>(*done.retry_after));
        }
        schedule_poll(listener, std::chrono::steady_clock::now() + wait);
    }
    return CallOutcome{std::move(event), report ? std::move(status) : std::string{},
                       std::move(detail)};
}

CallOutcome QueueClient::list(CallContext& context, std::uint64_t call_id) {
    ReplyBuffer reply(k_maximum_queue_reply_bytes, ReplyBuffer::Secrecy::plain);
    const HttpsReply done = context.channel().exchange(
        m_options.endpoint,
        HttpsRequest{.method = Method::get, .path = k_businesses_path, .accept = k_accept}, reply,
        context.abandoned_check());
    if (done.abandoned()) {
        return CallOutcome{std::nullopt, done.status()};
    }
    if (!done.http_status) {
        return CallOutcome{
            heard_by(call_id, core::BusinessesListed{call_id, queue_status_of(done.failure), {}}),
            done.status()};
    }
    auto mapped = interpret_businesses_reply(*done.http_status, reply.body());
    return CallOutcome{
        heard_by(call_id,
                 core::BusinessesListed{
                     call_id, mapped.status,
                     std::move(mapped.value).value_or(std::vector<core::Business>{})}),
        done.status(), mapped.problem};
}

CallOutcome QueueClient::forget(std::uint64_t call_id) {
    m_follows.erase(call_id);
    std::vector<std::string> dropped;
    for (auto& [key, pending] : m_pending) {
        if (pending.listener != call_id) {
            continue;
        }
        if (is_for_customer_present(pending.entry.kind)) {
            dropped.push_back(key);
        } else {
            pending.listener = CallWorker::k_no_call;
        }
    }
    for (const auto& key : dropped) {
        const OutboxKind kind = m_pending.at(key).entry.kind;
        remove_from_outbox(key);
        m_worker.notify(ServiceNotice{std::string(k_queue_service), std::string(call_name(kind)),
                                      "dropped", 0,
                                      "cancelled before it was delivered: the customer has gone"});
    }
    std::lock_guard lock(m_mutex);
    m_cancelled.erase(call_id);
    return {};
}

}  // namespace kiosk::net
