#include "simulator/queue/queue_service.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <nlohmann/json.hpp>

#include <sys/socket.h>

#include <array>
#include <iostream>

#include "simulator/bank/loopback_server.h"
#include "simulator/queue/demo_branch.h"
#include "simulator/queue/problem.h"
#include "simulator/queue/queue_messages.h"

namespace simulator::queue {

namespace {

using nlohmann::json;

constexpr std::string_view k_json_type = "application/json";
// The drop fault announces a body of this length and then closes the connection.
constexpr std::size_t k_dropped_body_length = 64;
// What the garbage fault sends: the start of a ticket, cut off.
constexpr std::string_view k_garbage_body = R"({"id":"3f2b8c1e-5d4a-4b6f-9e2d-7a1c0b9e8f45","num)";

std::string sha256_hex(std::string_view text) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
        return {};
    }
    constexpr char k_hex_digits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int index = 0; index < length; ++index) {
        hex += k_hex_digits[digest[index] >> 4];
        hex += k_hex_digits[digest[index] & 0x0F];
    }
    return hex;
}

// The request as idempotency compares it (docs/api/queue.yaml, "Idempotency"): method, path and
// the parsed body, dumped with its keys in order, so that field order and white space do not
// matter.
std::string request_digest(const httplib::Request& request, const json* body) {
    std::string text = request.method + "\n" + request.path + "\n";
    if (body != nullptr) {
        text += body->dump();
    }
    return sha256_hex(text);
}

// One field of a certificate subject as UTF-8, or empty when the subject has none.
std::string subject_field(X509_NAME* name, int nid) {
    const int index = X509_NAME_get_index_by_NID(name, nid, -1);
    if (index < 0) {
        return {};
    }
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, data);
    if (length < 0) {
        return {};
    }
    std::string text(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
    OPENSSL_free(utf8);
    return text;
}

std::string path_id(const httplib::Request& request) {
    return request.matches.size() > 1 ? std::string(request.matches[1]) : std::string{};
}

}  // namespace

// Who is on the other end of the connection, from its verified client certificate.
struct QueueService::Caller {
    bool verified = false;
    std::string common_name;
    std::string unit;
};

// Who the service takes the caller to be once the identity check has passed.
struct QueueService::Client {
    std::string scope;  // for the rate limit and idempotency keys: "kiosk/lobby-01"
    // The kiosk whose tickets and calls the caller may read; nothing when any may be read
    // (plain trust mode, which has no identity for a request without a body).
    std::optional<std::string> kiosk_id;
};

struct QueueService::Admission {
    Client client;
    std::optional<std::string> key;  // the Idempotency-Key, when the request has one
    std::string digest;
    std::string claim;  // "<scope> <key>" in m_claims while the operation runs; empty if none
};

struct QueueService::Reply {
    int status = 200;
    std::string body;
    std::string content_type{k_json_type};
    std::string location;
    std::optional<std::chrono::seconds> retry_after;
    bool replayed = false;
    std::optional<ProblemType> problem;
    std::string instance;
};

// What the access log keeps of one request, filled as it goes through the checks.
struct QueueService::Exchange {
    std::int64_t started_unix_ms = 0;
    std::chrono::steady_clock::time_point started{};
    std::string client = "-";
    std::string method;
    std::string path;
    std::string security_event;
    bool held = false;  // Fault::slow has held this request already
    std::string claim;  // the Idempotency-Key this request holds, released when it ends
    int status = 0;
    std::string problem_type;
    std::string instance;
};

enum class QueueService::Route {
    businesses,
    create_ticket,
    ticket,
    create_call,
    call,
    acknowledge_call,
    close_call,
    survey_answer,
    complaint,
    health,
};

namespace {

// A problem reply with a fresh instance id.
template <typename Reply>
Reply problem_reply(ProblemType type, std::string_view detail,
                    std::optional<std::chrono::seconds> retry_after = std::nullopt) {
    Reply reply;
    reply.instance = new_uuid();
    reply.status = status_of(type);
    reply.body = problem_json(type, detail, reply.instance).dump();
    reply.content_type = std::string(k_problem_content_type);
    reply.problem = type;
    reply.retry_after = retry_after;
    return reply;
}

template <typename Reply>
Reply json_reply(int status, const json& body, std::string location = {}) {
    Reply reply;
    reply.status = status;
    reply.body = body.dump();
    reply.location = std::move(location);
    return reply;
}

template <typename Reply>
Reply database_problem() {
    return problem_reply<Reply>(ProblemType::unavailable, "The queue database failed.",
                                k_unavailable_retry_after);
}

template <typename Reply>
Reply request_problem(const RequestFault& fault) {
    return problem_reply<Reply>(ProblemType::invalid_request, base::to_string(fault));
}

}  // namespace

std::string_view to_string(Fault fault) {
    switch (fault) {
        case Fault::none:
            return "none";
        case Fault::unavailable:
            return "unavailable";
        case Fault::slow:
            return "slow";
        case Fault::garbage:
            return "garbage";
        case Fault::drop:
            return "drop";
    }
    return "unknown";
}

std::string_view to_string(StaffError error) {
    switch (error) {
        case StaffError::not_running:
            return "not_running";
        case StaffError::not_found:
            return "not_found";
        case StaffError::already_acknowledged:
            return "already_acknowledged";
        case StaffError::closed:
            return "closed";
        case StaffError::no_ticket_waiting:
            return "no_ticket_waiting";
        case StaffError::not_allowed:
            return "not_allowed";
        case StaffError::invalid_request:
            return "invalid_request";
        case StaffError::database_failure:
            return "database_failure";
    }
    return "unknown";
}

QueueService::QueueService(QueueServiceConfig config)
    : m_config(std::move(config)), m_calendar(m_config.utc_offset) {}

QueueService::~QueueService() {
    stop();
}

void QueueService::set_slow_reply_delay(std::chrono::milliseconds delay) {
    std::lock_guard lock(m_hold_mutex);
    m_slow_reply_delay = delay;
}

void QueueService::hold_reply() {
    std::unique_lock lock(m_hold_mutex);
    m_hold_released.wait_for(lock, m_slow_reply_delay, [this] { return m_stopping; });
}

std::int64_t QueueService::now_unix_ms() const {
    return to_unix_ms(m_config.clock ? m_config.clock() : std::chrono::system_clock::now());
}

void QueueService::log_security_event(const std::string& line) {
    if (m_config.log) {
        m_config.log(line);
    } else {
        std::cerr << "queue service: " << line << '\n';
    }
}

std::size_t QueueService::requests_in_progress() const {
    std::lock_guard lock(m_claims_mutex);
    return m_claims.size();
}

void QueueService::release_key(const std::string& claim) {
    if (claim.empty()) {
        return;
    }
    std::lock_guard lock(m_claims_mutex);
    m_claims.erase(claim);
}

std::expected<QueueService::Client, QueueService::Reply> QueueService::identify(
    const Caller& caller, bool staff_endpoint, const std::string* body_kiosk_id,
    const httplib::Request& request, Exchange& exchange) {
    if (!m_config.client_authority) {
        // Plain trust mode (QueueServiceConfig::trust_body_kiosk_id): the body says who calls.
        if (staff_endpoint) {
            exchange.client = "unverified/staff";
            return Client{exchange.client, std::nullopt};
        }
        if (body_kiosk_id == nullptr) {
            exchange.client = "unverified/-";
            return Client{exchange.client, std::nullopt};
        }
        exchange.client = "unverified/" + *body_kiosk_id;
        return Client{"kiosk/" + *body_kiosk_id, *body_kiosk_id};
    }
    const std::string_view wanted = staff_endpoint ? bank::k_staff_unit : bank::k_kiosk_unit;
    if (!caller.verified || caller.unit != wanted) {
        Reply reply = problem_reply<Reply>(
            ProblemType::wrong_client, staff_endpoint
                                           ? "Only a staff certificate can use a staff endpoint."
                                           : "Only a kiosk certificate can use a kiosk "
                                             "endpoint.");
        exchange.security_event = "wrong-client: certificate OU=" + caller.unit +
                                  " CN=" + caller.common_name + " on " + request.method + " " +
                                  request.path + " (urn:uuid:" + reply.instance + ")";
        log_security_event(exchange.security_event);
        return std::unexpected(std::move(reply));
    }
    if (!staff_endpoint && body_kiosk_id != nullptr && *body_kiosk_id != caller.common_name) {
        Reply reply = problem_reply<Reply>(ProblemType::kiosk_identity_mismatch,
                                           "The client certificate names another kiosk.");
        exchange.security_event = "kiosk-identity-mismatch: certificate CN=" + caller.common_name +
                                  " sent kiosk_id " + *body_kiosk_id + " on " + request.method +
                                  " " + request.path + " (urn:uuid:" + reply.instance + ")";
        log_security_event(exchange.security_event);
        return std::unexpected(std::move(reply));
    }
    const std::string scope = caller.unit + "/" + caller.common_name;
    if (staff_endpoint) {
        return Client{scope, std::nullopt};
    }
    return Client{scope, caller.common_name};
}

std::expected<QueueService::Admission, QueueService::Reply> QueueService::admit(
    const httplib::Request& request, const Caller& caller, bool staff_endpoint,
    const std::string* body_kiosk_id, const json* parsed_body, bool key_required,
    Exchange& exchange) {
    // Form: the Idempotency-Key header, when the method has one.
    std::optional<std::string> key;
    if (request.method == "POST") {
        if (request.has_header("Idempotency-Key")) {
            key = request.get_header_value("Idempotency-Key");
            if (!base::is_uuid(*key)) {
                return std::unexpected(
                    problem_reply<Reply>(ProblemType::missing_idempotency_key,
                                         "The Idempotency-Key header must hold a UUID."));
            }
        } else if (key_required) {
            return std::unexpected(problem_reply<Reply>(
                ProblemType::missing_idempotency_key,
                "Every POST from a kiosk needs an Idempotency-Key header holding a UUID."));
        }
    }
    // Identity.
    auto client = identify(caller, staff_endpoint, body_kiosk_id, request, exchange);
    if (!client) {
        return std::unexpected(std::move(client.error()));
    }
    // Rate.
    const std::int64_t now = now_unix_ms();
    if (auto wait = m_rate_limiter.admit(client->scope, now)) {
        return std::unexpected(
            problem_reply<Reply>(ProblemType::too_many_requests,
                                 "The limit is 120 requests a minute for each kiosk.", *wait));
    }
    Admission admission{std::move(*client), key, {}, {}};
    if (!key) {
        return admission;
    }
    // Idempotency: the stored reply, 409 while another request holds the key, 422 for a key
    // used with another request; otherwise the key is claimed until the operation ends.
    admission.digest = request_digest(request, parsed_body);
    const std::string claim = admission.client.scope + " " + *key;
    std::lock_guard lock(m_claims_mutex);
    if (m_claims.contains(claim)) {
        return std::unexpected(problem_reply<Reply>(ProblemType::request_in_progress,
                                                    "Retry after the time in Retry-After.",
                                                    k_in_progress_retry_after));
    }
    std::optional<IdempotencyRecord> stored;
    {
        auto transaction = m_store->begin(now);
        if (!transaction) {
            return std::unexpected(database_problem<Reply>());
        }
        auto record = m_store->idempotency_record(*transaction, admission.client.scope, *key, now);
        if (!record) {
            return std::unexpected(database_problem<Reply>());
        }
        stored = std::move(*record);
    }
    if (stored) {
        if (stored->request_digest != admission.digest) {
            return std::unexpected(problem_reply<Reply>(
                ProblemType::idempotency_key_reused,
                "The stored request with this key has a different body or path."));
        }
        Reply replay;
        replay.status = stored->status;
        replay.body = stored->body;
        replay.location = stored->location;
        replay.replayed = true;
        return std::unexpected(std::move(replay));
    }
    m_claims.insert(claim);
    admission.claim = claim;
    exchange.claim = claim;
    return admission;
}

QueueService::Reply QueueService::perform(const Admission& admission, Exchange& exchange,
                                          const Operation& operation) {
    // Fault::slow holds a request here, with its key claimed: a retry meanwhile is 409.
    if (m_fault.load() == Fault::slow && !exchange.held) {
        exchange.held = true;
        hold_reply();
    }
    const std::int64_t now = now_unix_ms();
    auto transaction = m_store->begin(now);
    if (!transaction) {
        return database_problem<Reply>();
    }
    Reply reply = operation(*transaction, now);
    // Only a 2xx reply is kept, and only it commits: a refusal created nothing.
    if (reply.status < 200 || reply.status >= 300) {
        return reply;
    }
    if (admission.key) {
        const IdempotencyRecord record{admission.client.scope,
                                       *admission.key,
                                       admission.digest,
                                       reply.status,
                                       reply.body,
                                       reply.location,
                                       now};
        if (!m_store->save_idempotency_record(*transaction, record)) {
            return database_problem<Reply>();
        }
    }
    if (!transaction->commit()) {
        return database_problem<Reply>();
    }
    return reply;
}

QueueService::Reply QueueService::answer_businesses(const httplib::Request& request,
                                                    const Caller& caller, Exchange& exchange) {
    auto admission = admit(request, caller, false, nullptr, nullptr, false, exchange);
    if (!admission) {
        return std::move(admission.error());
    }
    return perform(
        *admission, exchange, [this](QueueStore::Transaction& transaction, std::int64_t now) {
            auto list = m_store->businesses(transaction);
            if (!list) {
                return database_problem<Reply>();
            }
            return json_reply<Reply>(200, business_list_json(*list, m_calendar.timestamp(now)));
        });
}

QueueService::Reply QueueService::answer_create_ticket(const httplib::Request& request,
                                                       const Caller& caller, Exchange& exchange) {
    auto body = parse_body(request.body);
    if (!body) {
        return request_problem<Reply>(body.error());
    }
    auto ticket_request = parse_ticket_request(*body);
    if (!ticket_request) {
        return request_problem<Reply>(ticket_request.error());
    }
    auto admission =
        admit(request, caller, false, &ticket_request->kiosk_id, &*body, true, exchange);
    if (!admission) {
        return std::move(admission.error());
    }
    const TicketDraft draft{ticket_request->kiosk_id, ticket_request->business_id,
                            ticket_request->priority, ticket_request->priority_reason,
                            ticket_request->language};
    return perform(
        *admission, exchange, [&](QueueStore::Transaction& transaction, std::int64_t now) {
            auto issue = m_store->issue_ticket(transaction, draft, now);
            if (!issue) {
                return database_problem<Reply>();
            }
            switch (issue->refusal) {
                case TicketRefusal::none:
                    break;
                case TicketRefusal::unknown_business:
                    return problem_reply<Reply>(ProblemType::unknown_business,
                                                "No business with this id today.");
                case TicketRefusal::business_closed:
                    return problem_reply<Reply>(ProblemType::business_closed,
                                                draft.business_id + " is closed now.");
                case TicketRefusal::queue_full:
                    return problem_reply<Reply>(ProblemType::business_closed,
                                                draft.business_id + " has no ticket number left.");
            }
            return json_reply<Reply>(201, ticket_json(issue->ticket, m_calendar),
                                     "/v1/tickets/" + issue->ticket.id);
        });
}

QueueService::Reply QueueService::answer_ticket(const httplib::Request& request,
                                                const Caller& caller, Exchange& exchange) {
    const std::string ticket_id = path_id(request);
    if (!base::is_uuid(ticket_id)) {
        return problem_reply<Reply>(ProblemType::invalid_request, "ticket_id must be a UUID.");
    }
    auto admission = admit(request, caller, false, nullptr, nullptr, false, exchange);
    if (!admission) {
        return std::move(admission.error());
    }
    const std::optional<std::string> reader = admission->client.kiosk_id;
    return perform(*admission, exchange, [&](QueueStore::Transaction& transaction, std::int64_t) {
        auto ticket = m_store->ticket(transaction, ticket_id);
        if (!ticket) {
            return database_problem<Reply>();
        }
        // Another kiosk's ticket does not exist for this one (docs/api/queue.yaml).
        if (!*ticket || (reader && (*ticket)->kiosk_id != *reader)) {
            return problem_reply<Reply>(ProblemType::not_found, "");
        }
        return json_reply<Reply>(200, ticket_json(**ticket, m_calendar));
    });
}

QueueService::Reply QueueService::answer_create_call(const httplib::Request& request,
                                                     const Caller& caller, Exchange& exchange) {
    auto body = parse_body(request.body);
    if (!body) {
        return request_problem<Reply>(body.error());
    }
    auto call_request = parse_call_request(*body);
    if (!call_request) {
        return request_problem<Reply>(call_request.error());
    }
    auto admission = admit(request, caller, false, &call_request->kiosk_id, &*body, true, exchange);
    if (!admission) {
        return std::move(admission.error());
    }
    const CallDraft draft{call_request->kiosk_id,   call_request->location,
                          call_request->reason,     call_request->language,
                          call_request->audio_mode, call_request->elder_mode};
    return perform(*admission, exchange,
                   [&](QueueStore::Transaction& transaction, std::int64_t now) {
                       auto call = m_store->create_call(transaction, draft, now);
                       if (!call) {
                           return database_problem<Reply>();
                       }
                       return json_reply<Reply>(201, call_json(*call, m_calendar),
                                                "/v1/assistance-calls/" + call->id);
                   });
}

QueueService::Reply QueueService::answer_call(const httplib::Request& request, const Caller& caller,
                                              Exchange& exchange) {
    const std::string call_id = path_id(request);
    if (!base::is_uuid(call_id)) {
        return problem_reply<Reply>(ProblemType::invalid_request, "call_id must be a UUID.");
    }
    auto admission = admit(request, caller, false, nullptr, nullptr, false, exchange);
    if (!admission) {
        return std::move(admission.error());
    }
    const std::optional<std::string> reader = admission->client.kiosk_id;
    return perform(*admission, exchange, [&](QueueStore::Transaction& transaction, std::int64_t) {
        auto call = m_store->call(transaction, call_id);
        if (!call) {
            return database_problem<Reply>();
        }
        if (!*call || (reader && (*call)->kiosk_id != *reader)) {
            return problem_reply<Reply>(ProblemType::not_found, "");
        }
        return json_reply<Reply>(200, call_json(**call, m_calendar));
    });
}

QueueService::Reply QueueService::answer_staff_action(Route route, const httplib::Request& request,
                                                      const Caller& caller, Exchange& exchange) {
    const std::string call_id = path_id(request);
    if (!base::is_uuid(call_id)) {
        return problem_reply<Reply>(ProblemType::invalid_request, "call_id must be a UUID.");
    }
    auto body = parse_body(request.body);
    if (!body) {
        return request_problem<Reply>(body.error());
    }
    const bool acknowledging = route == Route::acknowledge_call;
    std::optional<AcknowledgementRequest> acknowledgement;
    std::optional<ClosureRequest> closure;
    if (acknowledging) {
        auto parsed = parse_acknowledgement_request(*body);
        if (!parsed) {
            return request_problem<Reply>(parsed.error());
        }
        acknowledgement = std::move(*parsed);
    } else {
        auto parsed = parse_closure_request(*body);
        if (!parsed) {
            return request_problem<Reply>(parsed.error());
        }
        closure = *parsed;
    }
    // Idempotency-Key is optional for staff devices.
    auto admission = admit(request, caller, true, nullptr, &*body, false, exchange);
    if (!admission) {
        return std::move(admission.error());
    }
    return perform(
        *admission, exchange, [&](QueueStore::Transaction& transaction, std::int64_t now) {
            auto change =
                acknowledging
                    ? m_store->acknowledge_call(transaction, call_id, acknowledgement->staff,
                                                acknowledgement->eta_seconds, now)
                    : m_store->close_call(transaction, call_id, closure->outcome, now);
            if (!change) {
                return database_problem<Reply>();
            }
            switch (change->refusal) {
                case StaffRefusal::none:
                    return json_reply<Reply>(200, call_json(change->call, m_calendar));
                case StaffRefusal::already_acknowledged:
                    return problem_reply<Reply>(
                        ProblemType::call_already_acknowledged,
                        "A " +
                            std::string(change->call.acknowledged_by
                                            ? to_string(change->call.acknowledged_by->role)
                                            : std::string_view("member of staff")) +
                            " acknowledged this call at " +
                            m_calendar.timestamp(change->call.acknowledged_at_unix_ms.value_or(0)) +
                            ".");
                case StaffRefusal::closed:
                    return problem_reply<Reply>(
                        ProblemType::call_closed,
                        "This call was closed at " +
                            m_calendar.timestamp(change->call.closed_at_unix_ms.value_or(0)) + ".");
                case StaffRefusal::not_found:
                case StaffRefusal::no_ticket_waiting:
                case StaffRefusal::not_allowed:
                    break;
            }
            return problem_reply<Reply>(ProblemType::not_found, "");
        });
}

QueueService::Reply QueueService::answer_survey_answer(const httplib::Request& request,
                                                       const Caller& caller, Exchange& exchange) {
    auto body = parse_body(request.body);
    if (!body) {
        return request_problem<Reply>(body.error());
    }
    auto answer = parse_survey_answer_request(*body);
    if (!answer) {
        return request_problem<Reply>(answer.error());
    }
    auto admission = admit(request, caller, false, &answer->kiosk_id, &*body, true, exchange);
    if (!admission) {
        return std::move(admission.error());
    }
    const SurveyDraft draft{answer->kiosk_id, answer->session_reference, answer->service,
                            answer->rating,   answer->language,          answer->answered_at};
    return perform(
        *admission, exchange, [&](QueueStore::Transaction& transaction, std::int64_t now) {
            auto outcome = m_store->add_survey_answer(transaction, draft, now);
            if (!outcome) {
                return database_problem<Reply>();
            }
            if (outcome->already_answered) {
                return problem_reply<Reply>(
                    ProblemType::already_answered,
                    "An answer for service " + std::string(to_string(draft.service)) +
                        " in this session was stored at " +
                        m_calendar.timestamp(outcome->answer.received_at_unix_ms) + ".");
            }
            return json_reply<Reply>(201, survey_receipt_json(outcome->answer, m_calendar));
        });
}

QueueService::Reply QueueService::answer_complaint(const httplib::Request& request,
                                                   const Caller& caller, Exchange& exchange) {
    auto body = parse_body(request.body);
    if (!body) {
        return request_problem<Reply>(body.error());
    }
    auto complaint = parse_complaint_request(*body);
    if (!complaint) {
        return request_problem<Reply>(complaint.error());
    }
    auto admission = admit(request, caller, false, &complaint->kiosk_id, &*body, true, exchange);
    if (!admission) {
        return std::move(admission.error());
    }
    const ComplaintDraft draft{complaint->kiosk_id,        complaint->session_reference,
                               complaint->category,        complaint->language,
                               complaint->contact_consent, complaint->submitted_at};
    return perform(*admission, exchange,
                   [&](QueueStore::Transaction& transaction, std::int64_t now) {
                       auto stored = m_store->add_complaint(transaction, draft, now);
                       if (!stored) {
                           return database_problem<Reply>();
                       }
                       if (!*stored) {
                           return problem_reply<Reply>(ProblemType::unavailable,
                                                       "Today's complaint references have run out.",
                                                       k_unavailable_retry_after);
                       }
                       return json_reply<Reply>(201, complaint_receipt_json(**stored, m_calendar));
                   });
}

QueueService::Reply QueueService::answer(Route route, const httplib::Request& request,
                                         const Caller& caller, Exchange& exchange) {
    switch (route) {
        case Route::health:
            // Any certificate of the client authority may ask; not counted in the rate limit.
            return json_reply<Reply>(200, json{{"status", "ok"}});
        case Route::businesses:
            return answer_businesses(request, caller, exchange);
        case Route::create_ticket:
            return answer_create_ticket(request, caller, exchange);
        case Route::ticket:
            return answer_ticket(request, caller, exchange);
        case Route::create_call:
            return answer_create_call(request, caller, exchange);
        case Route::call:
            return answer_call(request, caller, exchange);
        case Route::acknowledge_call:
        case Route::close_call:
            return answer_staff_action(route, request, caller, exchange);
        case Route::survey_answer:
            return answer_survey_answer(request, caller, exchange);
        case Route::complaint:
            return answer_complaint(request, caller, exchange);
    }
    return problem_reply<Reply>(ProblemType::not_found, "");
}

void QueueService::serve(Route route, const httplib::Request& request,
                         httplib::Response& response) {
    Exchange exchange;
    exchange.started = std::chrono::steady_clock::now();
    exchange.started_unix_ms = now_unix_ms();
    exchange.method = request.method;
    exchange.path = request.path;

    Caller caller;
    if (request.ssl != nullptr) {
        // The handshake verified the chain (SSL_VERIFY_PEER): read who it says the caller is.
        X509* certificate = SSL_get0_peer_certificate(request.ssl);
        if (certificate != nullptr && SSL_get_verify_result(request.ssl) == X509_V_OK) {
            X509_NAME* subject = X509_get_subject_name(certificate);
            caller.verified = true;
            caller.common_name = subject_field(subject, NID_commonName);
            caller.unit = subject_field(subject, NID_organizationalUnitName);
        }
    }
    // Refined by the identity check; without a client authority nobody is known until then.
    exchange.client = m_config.client_authority ? caller.unit + "/" + caller.common_name
                                                : std::string("unverified/-");

    Reply reply;
    const Fault fault = m_fault.load();
    switch (fault) {
        case Fault::unavailable:
            reply = problem_reply<Reply>(ProblemType::unavailable,
                                         "The branch queue system is restarting.",
                                         k_unavailable_retry_after);
            break;
        case Fault::garbage:
            reply.status = request.method == "POST" ? 201 : 200;
            reply.body = std::string(k_garbage_body);
            break;
        case Fault::drop:
            // The provider refuses to write, so cpp-httplib closes the socket right after the
            // status line and headers: the client sees the link break mid-reply.
            response.status = 200;
            response.set_content_provider(
                k_dropped_body_length, std::string(k_json_type),
                [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
            exchange.status = response.status;
            record_access(exchange);
            return;
        case Fault::none:
        case Fault::slow:
            reply = answer(route, request, caller, exchange);
            break;
    }
    if (m_fault.load() == Fault::slow && !exchange.held) {
        exchange.held = true;
        hold_reply();
    }
    release_key(exchange.claim);

    response.status = reply.status;
    response.set_content(reply.body, reply.content_type);
    if (!reply.location.empty()) {
        response.set_header("Location", reply.location);
    }
    if (reply.retry_after) {
        response.set_header("Retry-After", std::to_string(reply.retry_after->count()));
    }
    if (reply.replayed) {
        response.set_header("Idempotent-Replayed", "true");
    }
    exchange.status = reply.status;
    if (reply.problem) {
        exchange.problem_type = std::string(to_string(*reply.problem));
        exchange.instance = "urn:uuid:" + reply.instance;
    }
    record_access(exchange);
}

void QueueService::record_access(const Exchange& exchange) {
    AccessLogEntry entry;
    entry.at_unix_ms = exchange.started_unix_ms;
    entry.client = exchange.client;
    entry.method = exchange.method;
    entry.path = exchange.path;
    entry.status = exchange.status;
    entry.problem_type = exchange.problem_type;
    entry.instance = exchange.instance;
    entry.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - exchange.started)
                            .count();
    entry.security_event = exchange.security_event;
    if (!m_store) {
        return;
    }
    // A log line that cannot be written does not change the reply already made.
    if (auto transaction = m_store->begin(now_unix_ms())) {
        if (m_store->record_access(*transaction, entry)) {
            (void)transaction->commit();
        }
    }
}

std::expected<void, base::Error<QueueError>> QueueService::start(const std::string& host,
                                                                 int port) {
    if (m_thread.joinable()) {
        return std::unexpected(base::error(QueueError::already_running));
    }
    if (m_config.client_authority && !m_config.tls) {
        return std::unexpected(base::error(QueueError::unsafe_configuration,
                                           "a client authority needs a TLS certificate"));
    }
    if (m_config.client_authority && m_config.trust_body_kiosk_id) {
        return std::unexpected(base::error(
            QueueError::unsafe_configuration,
            "trust_body_kiosk_id is for plain mode: the client certificate says who calls"));
    }
    if (!m_config.client_authority && !m_config.trust_body_kiosk_id) {
        return std::unexpected(base::error(
            QueueError::unsafe_configuration,
            "no client authority: set one, or trust_body_kiosk_id for a test without TLS"));
    }
    if (m_config.client_authority) {
        if (auto readable = bank::check_certificate_file(*m_config.client_authority); !readable) {
            return std::unexpected(
                base::error(QueueError::tls_failure, base::to_string(readable.error())));
        }
    }
    if (!m_store) {
        auto store = QueueStore::open(m_config.database, m_config.demo_branch, m_calendar);
        if (!store) {
            return std::unexpected(store.error());
        }
        m_store = std::move(*store);
    }
    {
        std::lock_guard lock(m_hold_mutex);
        m_stopping = false;
    }
    if (m_config.tls) {
        // With a CA file cpp-httplib sets SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT:
        // a client without a certificate from that authority fails the handshake.
        auto server = std::make_unique<httplib::SSLServer>(
            m_config.tls->certificate.c_str(), m_config.tls->private_key.c_str(),
            m_config.client_authority ? m_config.client_authority->c_str() : nullptr);
        if (!server->is_valid()) {
            return std::unexpected(base::error(QueueError::tls_failure,
                                               "cannot load " + m_config.tls->certificate.string() +
                                                   " and " + m_config.tls->private_key.string()));
        }
        SSL_CTX* context = server->ssl_context();
        // docs/api/queue.yaml, "Security": TLS 1.2 or later.
        if (SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) != 1) {
            return std::unexpected(base::error(QueueError::tls_failure, "cannot require TLS 1.2"));
        }
        if (m_config.client_authority) {
            constexpr int k_required = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
            if ((SSL_CTX_get_verify_mode(context) & k_required) != k_required) {
                return std::unexpected(base::error(QueueError::tls_failure,
                                                   "cpp-httplib did not require client "
                                                   "certificates"));
            }
            // Name the authority in the certificate request, so that a client holding several
            // certificates picks the right one.
            if (STACK_OF(X509_NAME)* names =
                    SSL_load_client_CA_file(m_config.client_authority->c_str())) {
                SSL_CTX_set_client_CA_list(context, names);
            }
        }
        m_server = std::move(server);
    } else {
        m_server = std::make_unique<httplib::Server>();
    }
    m_server->set_payload_max_length(k_maximum_request_bytes);
    // cpp-httplib writes a reply's status line, headers and body as separate TLS records; with
    // Nagle's algorithm the later ones wait for the client's delayed acknowledgement (about
    // 40 ms on Linux) on every reply.
    m_server->set_tcp_nodelay(true);
    // cpp-httplib's default also sets SO_REUSEPORT, which would let a second service bind the
    // same port and silently take half the traffic. Address reuse alone is what restarts need.
    m_server->set_socket_options([](socket_t socket) {
        const int enable = 1;
        ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &enable, sizeof(enable));
    });

    const auto route = [this](Route which) {
        return [this, which](const httplib::Request& request, httplib::Response& response) {
            serve(which, request, response);
        };
    };
    m_server->Get("/v1/health", route(Route::health));
    m_server->Get("/v1/businesses", route(Route::businesses));
    m_server->Post("/v1/tickets", route(Route::create_ticket));
    m_server->Get(R"(/v1/tickets/([^/]+))", route(Route::ticket));
    m_server->Post("/v1/assistance-calls", route(Route::create_call));
    m_server->Get(R"(/v1/assistance-calls/([^/]+))", route(Route::call));
    m_server->Post(R"(/v1/assistance-calls/([^/]+)/acknowledgement)",
                   route(Route::acknowledge_call));
    m_server->Post(R"(/v1/assistance-calls/([^/]+)/closure)", route(Route::close_call));
    m_server->Post("/v1/survey-answers", route(Route::survey_answer));
    m_server->Post("/v1/complaints", route(Route::complaint));

    // cpp-httplib's own refusals (unknown path, oversized body, broken HTTP) become problems
    // too, so that a client always finds a type to decide by. Replies the routes made already
    // have a body and pass untouched.
    m_server->set_error_handler(
        [this](const httplib::Request& request, httplib::Response& response) {
            if (!response.body.empty()) {
                return;
            }
            ProblemType type = ProblemType::invalid_request;
            if (response.status == 404) {
                type = ProblemType::not_found;
            } else if (response.status == 413) {
                type = ProblemType::request_too_large;
            } else if (response.status >= 500) {
                type = ProblemType::unavailable;
            }
            const std::string detail =
                type == ProblemType::request_too_large ? "The limit is 4096 bytes." : "";
            Reply reply = problem_reply<Reply>(type, detail,
                                               type == ProblemType::unavailable
                                                   ? std::optional(k_unavailable_retry_after)
                                                   : std::nullopt);
            response.status = reply.status;
            response.set_content(reply.body, reply.content_type);
            if (reply.retry_after) {
                response.set_header("Retry-After", std::to_string(reply.retry_after->count()));
            }
            Exchange exchange;
            exchange.started = std::chrono::steady_clock::now();
            exchange.started_unix_ms = now_unix_ms();
            exchange.method = request.method;
            exchange.path = request.path;
            exchange.status = reply.status;
            exchange.problem_type = std::string(to_string(type));
            exchange.instance = "urn:uuid:" + reply.instance;
            record_access(exchange);
        });
    m_server->set_exception_handler(
        [](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
            Reply reply = database_problem<Reply>();
            response.status = reply.status;
            response.set_content(reply.body, reply.content_type);
            response.set_header("Retry-After", std::to_string(k_unavailable_retry_after.count()));
        });

    const std::expected<int, std::string> listening =
        bank::listen_in_background(*m_server, host, port, m_thread);
    if (!listening) {
        m_server.reset();
        return std::unexpected(base::error(QueueError::bind_failure, listening.error()));
    }
    m_port.store(*listening);
    return {};
}

void QueueService::stop() {
    {
        std::lock_guard lock(m_hold_mutex);
        m_stopping = true;
    }
    m_hold_released.notify_all();
    if (m_server) {
        m_server->stop();
    }
    if (m_thread.joinable()) {
        m_thread.join();
    }
    m_server.reset();
    m_port.store(0);
}

namespace {

StaffError staff_error_of(StaffRefusal refusal) {
    switch (refusal) {
        case StaffRefusal::not_found:
            return StaffError::not_found;
        case StaffRefusal::already_acknowledged:
            return StaffError::already_acknowledged;
        case StaffRefusal::closed:
            return StaffError::closed;
        case StaffRefusal::no_ticket_waiting:
            return StaffError::no_ticket_waiting;
        case StaffRefusal::not_allowed:
        case StaffRefusal::none:
            break;
    }
    return StaffError::not_allowed;
}

// Whether a member of staff given in-process fits the contract's StaffMember.
bool is_valid_staff(const StaffMember& staff, std::optional<int> eta_seconds) {
    const std::size_t name_length = utf8_length(staff.display_name);
    return name_length <= k_maximum_display_name_length &&
           (staff.badge_number.empty() || is_badge_number(staff.badge_number)) &&
           (!eta_seconds || (*eta_seconds >= 0 && *eta_seconds <= k_maximum_eta_seconds));
}

}  // namespace

template <typename Value>
std::expected<Value, StaffError> QueueService::staff_transaction(
    const std::function<std::expected<Value, StaffError>(QueueStore::Transaction&, std::int64_t)>&
        action) {
    if (!m_store) {
        return std::unexpected(StaffError::not_running);
    }
    const std::int64_t now = now_unix_ms();
    auto transaction = m_store->begin(now);
    if (!transaction) {
        return std::unexpected(StaffError::database_failure);
    }
    auto result = action(*transaction, now);
    if (!result) {
        return result;
    }
    if (!transaction->commit()) {
        return std::unexpected(StaffError::database_failure);
    }
    return result;
}

std::expected<AssistanceCall, StaffError> QueueService::acknowledge_call(
    const CallSelector& call, const StaffMember& staff, std::optional<int> eta_seconds) {
    if (!is_valid_staff(staff, eta_seconds)) {
        return std::unexpected(StaffError::invalid_request);
    }
    return staff_transaction<AssistanceCall>(
        [&](QueueStore::Transaction& transaction,
            std::int64_t now) -> std::expected<AssistanceCall, StaffError> {
            std::string call_id;
            if (const auto* id = std::get_if<std::string>(&call)) {
                call_id = *id;
            } else {
                auto latest = m_store->latest_call(transaction, false);
                if (!latest) {
                    return std::unexpected(StaffError::database_failure);
                }
                if (!*latest) {
                    return std::unexpected(StaffError::not_found);
                }
                call_id = **latest;
            }
            auto change = m_store->acknowledge_call(transaction, call_id, staff, eta_seconds, now);
            if (!change) {
                return std::unexpected(StaffError::database_failure);
            }
            if (change->refusal != StaffRefusal::none) {
                return std::unexpected(staff_error_of(change->refusal));
            }
            return change->call;
        });
}

std::expected<AssistanceCall, StaffError> QueueService::close_call(const CallSelector& call,
                                                                   CallOutcome outcome) {
    return staff_transaction<AssistanceCall>(
        [&](QueueStore::Transaction& transaction,
            std::int64_t now) -> std::expected<AssistanceCall, StaffError> {
            std::string call_id;
            if (const auto* id = std::get_if<std::string>(&call)) {
                call_id = *id;
            } else {
                auto latest = m_store->latest_call(transaction, true);
                if (!latest) {
                    return std::unexpected(StaffError::database_failure);
                }
                if (!*latest) {
                    return std::unexpected(StaffError::not_found);
                }
                call_id = **latest;
            }
            auto change = m_store->close_call(transaction, call_id, outcome, now);
            if (!change) {
                return std::unexpected(StaffError::database_failure);
            }
            if (change->refusal != StaffRefusal::none) {
                return std::unexpected(staff_error_of(change->refusal));
            }
            return change->call;
        });
}

std::expected<Ticket, StaffError> QueueService::call_next_ticket(
    std::string_view business_id, std::optional<int> counter_number) {
    if (counter_number && (*counter_number < 1 || *counter_number > k_maximum_counter_number)) {
        return std::unexpected(StaffError::invalid_request);
    }
    return staff_transaction<Ticket>([&](QueueStore::Transaction& transaction,
                                         std::int64_t now) -> std::expected<Ticket, StaffError> {
        auto change = m_store->call_next_ticket(transaction, business_id, counter_number, now);
        if (!change) {
            return std::unexpected(StaffError::database_failure);
        }
        if (change->refusal != StaffRefusal::none) {
            return std::unexpected(staff_error_of(change->refusal));
        }
        return change->ticket;
    });
}

std::expected<Ticket, StaffError> QueueService::set_ticket_state(std::string_view ticket_id,
                                                                 TicketState state) {
    return staff_transaction<Ticket>([&](QueueStore::Transaction& transaction,
                                         std::int64_t now) -> std::expected<Ticket, StaffError> {
        auto change = m_store->set_ticket_state(transaction, ticket_id, state, now);
        if (!change) {
            return std::unexpected(StaffError::database_failure);
        }
        if (change->refusal != StaffRefusal::none) {
            return std::unexpected(staff_error_of(change->refusal));
        }
        return change->ticket;
    });
}

std::expected<void, StaffError> QueueService::set_business_open(std::string_view business_id,
                                                                bool open_now) {
    auto changed = staff_transaction<bool>(
        [&](QueueStore::Transaction& transaction, std::int64_t) -> std::expected<bool, StaffError> {
            auto refusal = m_store->set_business_open(transaction, business_id, open_now);
            if (!refusal) {
                return std::unexpected(StaffError::database_failure);
            }
            if (*refusal != StaffRefusal::none) {
                return std::unexpected(staff_error_of(*refusal));
            }
            return true;
        });
    if (!changed) {
        return std::unexpected(changed.error());
    }
    return {};
}

std::expected<void, StaffError> QueueService::set_open_counters(std::string_view business_id,
                                                                int open_counters) {
    auto changed = staff_transaction<bool>(
        [&](QueueStore::Transaction& transaction, std::int64_t) -> std::expected<bool, StaffError> {
            auto refusal = m_store->set_open_counters(transaction, business_id, open_counters);
            if (!refusal) {
                return std::unexpected(StaffError::database_failure);
            }
            if (*refusal != StaffRefusal::none) {
                return std::unexpected(staff_error_of(*refusal));
            }
            return true;
        });
    if (!changed) {
        return std::unexpected(changed.error());
    }
    return {};
}

namespace {

// Runs one read of the store in a transaction of its own.
template <typename Value, typename Read>
std::expected<Value, QueueError> read_store(QueueStore* store, std::int64_t now, Read read) {
    if (store == nullptr) {
        return std::unexpected(QueueError::not_running);
    }
    auto transaction = store->begin(now);
    if (!transaction) {
        return std::unexpected(transaction.error());
    }
    return read(*transaction);
}

}  // namespace

std::expected<std::vector<Business>, QueueError> QueueService::businesses() {
    return read_store<std::vector<Business>>(
        m_store.get(), now_unix_ms(),
        [this](QueueStore::Transaction& transaction) { return m_store->businesses(transaction); });
}

std::expected<std::vector<Ticket>, QueueError> QueueService::tickets() {
    return read_store<std::vector<Ticket>>(
        m_store.get(), now_unix_ms(),
        [this](QueueStore::Transaction& transaction) { return m_store->tickets(transaction); });
}

std::expected<std::vector<AssistanceCall>, QueueError> QueueService::calls() {
    return read_store<std::vector<AssistanceCall>>(
        m_store.get(), now_unix_ms(),
        [this](QueueStore::Transaction& transaction) { return m_store->calls(transaction); });
}

std::expected<std::vector<SurveyAnswer>, QueueError> QueueService::survey_answers() {
    return read_store<std::vector<SurveyAnswer>>(m_store.get(), now_unix_ms(),
                                                 [this](QueueStore::Transaction& transaction) {
                                                     return m_store->survey_answers(transaction);
                                                 });
}

std::expected<std::vector<Complaint>, QueueError> QueueService::complaints() {
    return read_store<std::vector<Complaint>>(
        m_store.get(), now_unix_ms(),
        [this](QueueStore::Transaction& transaction) { return m_store->complaints(transaction); });
}

std::expected<std::vector<AccessLogEntry>, QueueError> QueueService::access_log() {
    return read_store<std::vector<AccessLogEntry>>(
        m_store.get(), now_unix_ms(),
        [this](QueueStore::Transaction& transaction) { return m_store->access_log(transaction); });
}

}  // namespace simulator::queue
