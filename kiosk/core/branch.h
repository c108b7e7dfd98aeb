#pragma once

// The branch as the flow knows it: the businesses a customer can queue for, queue tickets,
// calls for a member of staff, the satisfaction question and complaints. These are the
// branch queue service's ideas (docs/api/queue.yaml) as plain values; kiosk/net maps the
// service's replies to them, and the flow never sees HTTP or JSON.
//
// Nothing here is personal data: the contract carries none (a business, a ticket number, a
// reason chosen from a list, a rating, a complaint category).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosk::core {

// The same words in each of the kiosk's languages, as the service sends them.
struct LocalizedText {
    std::string zh_cn;
    std::string zh_hk;
    std::string en;

    // The text for "zh-CN", "zh-HK" or "en"; English for any other locale.
    const std::string& in(std::string_view locale) const;

    friend bool operator==(const LocalizedText&, const LocalizedText&) = default;
};

// A service the branch offers at its counters (业务): what to bring, how long it takes, how
// many people are waiting.
struct Business {
    std::string id;
    std::string ticket_prefix;  // one letter
    LocalizedText name;
    std::vector<LocalizedText> materials;  // what to bring, in the order to say them
    int typical_duration_minutes = 0;
    int open_counters = 0;
    int people_waiting = 0;
    int estimated_wait_minutes = 0;
    int popularity_rank = 0;  // 1 for the most common
    bool open_now = false;

    friend bool operator==(const Business&, const Business&) = default;
};

enum class Priority { normal, green_channel };

std::string_view to_string(Priority priority);

// Why the customer asked for the green channel (绿色通道), as they said it on the keypad. The
// green channel is offered, never assumed.
enum class PriorityReason { older_customer, disability, pregnancy };

std::string_view to_string(PriorityReason reason);

struct Ticket {
    std::string id;      // the service's id for it
    std::string number;  // what the branch calls out: "A023"
    std::string business_id;
    Priority priority = Priority::normal;
    int people_ahead = 0;
    int estimated_wait_minutes = 0;

    friend bool operator==(const Ticket&, const Ticket&) = default;
};

// What the customer asks for when the kiosk takes a ticket.
struct TicketRequest {
    std::string business_id;
    Priority priority = Priority::normal;
    std::optional<PriorityReason> reason;  // with green_channel only
    std::string locale;

    friend bool operator==(const TicketRequest&, const TicketRequest&) = default;
};

// Why the kiosk calls a member of staff (docs/api/queue.yaml, "AssistanceReason").
enum class AssistanceReason {
    customer_request,     // the Help key, or the choice to call staff
    customer_hesitating,  // the customer accepted the offer of help after hesitating
    device_fault,         // a device or the voice failed
    card_retained,        // the card was not taken, or the reader kept it
    not_satisfied,        // a dissatisfied survey answer, and the customer wants staff now
};

std::string_view to_string(AssistanceReason reason);

struct AssistanceRequest {
    AssistanceReason reason = AssistanceReason::customer_request;
    std::string locale;
    bool audio_mode = false;
    bool elder_mode = false;

    friend bool operator==(const AssistanceRequest&, const AssistanceRequest&) = default;
};

enum class StaffRole { lobby_manager, customer_service_officer, security_guard };

std::string_view to_string(StaffRole role);

// Who is coming, as the member of staff chose to be named (a surname and title, a badge).
struct StaffMember {
    StaffRole role = StaffRole::lobby_manager;
    std::string display_name;  // may be empty
    std::string badge_number;  // may be empty

    friend bool operator==(const StaffMember&, const StaffMember&) = default;
};

enum class CallState { open, acknowledged, closed };

std::string_view to_string(CallState state);

// A call for staff as the service last reported it.
struct AssistanceCall {
    std::string id;
    CallState state = CallState::open;
    std::optional<StaffMember> acknowledged_by;
    std::optional<int> eta_seconds;  // the member of staff's own estimate, when given

    friend bool operator==(const AssistanceCall&, const AssistanceCall&) = default;
};

// What the customer did before the satisfaction question.
enum class ServiceKind { balance, ticket, assistance, withdrawal, transfer };

std::string_view to_string(ServiceKind kind);

enum class Rating { satisfied, neutral, not_satisfied };

std::string_view to_string(Rating rating);

struct SurveyAnswer {
    ServiceKind service = ServiceKind::ticket;
    Rating rating = Rating::satisfied;
    std::string locale;

    friend bool operator==(const SurveyAnswer&, const SurveyAnswer&) = default;
};

// What a complaint is about, chosen on the keypad: nothing is typed.
enum class ComplaintCategory { waiting_time, staff_attitude, machine_fault, fees, privacy, other };

std::string_view to_string(ComplaintCategory category);

struct Complaint {
    ComplaintCategory category = ComplaintCategory::other;
    std::string locale;
    // The customer agreed that a member of staff may come and talk to them about it now.
    bool contact_consent = false;

    friend bool operator==(const Complaint&, const Complaint&) = default;
};

// How a request to the queue service ended, as the flow needs to know it.
enum class QueueStatus {
    ok,           // done: the reply is here
    kept,         // not delivered yet, kept in the outbox and sent when the service is back
    refused,      // the service will not do it as asked (a business closed, a call closed)
    unavailable,  // down, unreachable, or a TLS failure
    timeout,
    bad_reply,
};

std::string_view to_string(QueueStatus status);

}  // namespace kiosk::core
