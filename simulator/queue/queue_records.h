#pragma once

// What the queue service knows: businesses, tickets, assistance calls, survey answers and
// complaints, and the closed lists of codes they are made of (docs/api/queue.yaml,
// "schemas"). Each list is an enum class whose names are the contract's own
// spellings, so that one table turns a code into its wire name and back.
//
// Nothing here is personal: the contract gives the kiosk no way to send a name, a phone, an
// identity or card number. The only names are staff members' own (StaffMember), kept with the
// call they acknowledged.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace simulator::queue {

enum class Language { zh_cn, zh_hk, en };
enum class Priority { normal, green_channel };
enum class PriorityReason { older_customer, disability, pregnancy };
enum class TicketState { waiting, called, serving, done, no_show, cancelled };
enum class AssistanceReason {
    customer_request,
    customer_hesitating,
    device_fault,
    card_retained,
    not_satisfied,
};
enum class CallState { open, acknowledged, closed };
enum class StaffRole { lobby_manager, customer_service_officer, security_guard };
enum class CallOutcome { helped, customer_left, no_action_needed };
enum class SurveyService { balance, ticket, assistance, withdrawal, transfer };
enum class Rating { satisfied, neutral, not_satisfied };
enum class ComplaintCategory { waiting_time, staff_attitude, machine_fault, fees, privacy, other };

// The wire names of each list, in the order of its enumerators.
template <typename Enum>
struct EnumNames;

template <>
struct EnumNames<Language> {
    static constexpr std::array<std::string_view, 3> k_names{"zh-CN", "zh-HK", "en"};
};
template <>
struct EnumNames<Priority> {
    static constexpr std::array<std::string_view, 2> k_names{"normal", "green_channel"};
};
template <>
struct EnumNames<PriorityReason> {
    static constexpr std::array<std::string_view, 3> k_names{"older_customer", "disability",
                                                             "pregnancy"};
};
template <>
struct EnumNames<TicketState> {
    static constexpr std::array<std::string_view, 6> k_names{"waiting", "called",  "serving",
                                                             "done",    "no_show", "cancelled"};
};
template <>
struct EnumNames<AssistanceReason> {
    static constexpr std::array<std::string_view, 5> k_names{"customer_request",
                                                             "customer_hesitating", "device_fault",
                                                             "card_retained", "not_satisfied"};
};
template <>
struct EnumNames<CallState> {
    static constexpr std::array<std::string_view, 3> k_names{"open", "acknowledged", "closed"};
};
template <>
struct EnumNames<StaffRole> {
    static constexpr std::array<std::string_view, 3> k_names{
        "lobby_manager", "customer_service_officer", "security_guard"};
};
template <>
struct EnumNames<CallOutcome> {
    static constexpr std::array<std::string_view, 3> k_names{"helped", "customer_left",
                                                             "no_action_needed"};
};
template <>
struct EnumNames<SurveyService> {
    static constexpr std::array<std::string_view, 5> k_names{"balance", "ticket", "assistance",
                                                             "withdrawal", "transfer"};
};
template <>
struct EnumNames<Rating> {
    static constexpr std::array<std::string_view, 3> k_names{"satisfied", "neutral",
                                                             "not_satisfied"};
};
template <>
struct EnumNames<ComplaintCategory> {
    static constexpr std::array<std::string_view, 6> k_names{
        "waiting_time", "staff_attitude", "machine_fault", "fees", "privacy", "other"};
};

template <typename Enum>
concept NamedEnum = requires {
    EnumNames<Enum>::k_names;
};

// The contract's name of a code: to_string(Language::zh_hk) is "zh-HK".
template <NamedEnum Enum>
std::string_view to_string(Enum value) {
    return EnumNames<Enum>::k_names[static_cast<std::size_t>(value)];
}

// The code with this contract name, or nothing when the list has no such name.
template <NamedEnum Enum>
std::optional<Enum> enum_named(std::string_view name) {
    const auto& names = EnumNames<Enum>::k_names;
    for (std::size_t index = 0; index < names.size(); ++index) {
        if (names[index] == name) {
            return static_cast<Enum>(index);
        }
    }
    return std::nullopt;
}

// One text in each of the kiosk's languages (docs/api/queue.yaml, "LocalizedText").
struct LocalizedText {
    std::string zh_cn;  // simplified Chinese, for Mandarin
    std::string zh_hk;  // traditional Chinese, for Cantonese
    std::string en;
};

struct Business {
    std::string id;
    std::string ticket_prefix;  // one capital letter
    LocalizedText names;
    std::vector<LocalizedText> materials;
    int typical_duration_minutes = 0;
    int open_counters = 0;
    int first_counter = 0;  // the number of the business's first counter, where it calls
    int popularity_rank = 0;
    bool open_now = false;
    int waiting_at_opening = 0;  // people already waiting when the branch opens each day
    // Computed from the queue when read.
    int people_waiting = 0;
    int estimated_wait_minutes = 0;
};

struct Ticket {
    std::string id;
    std::string number;  // prefix and three digits: A023
    std::string business_id;
    Priority priority = Priority::normal;
    std::optional<PriorityReason> priority_reason;
    Language language = Language::zh_cn;
    std::string kiosk_id;
    TicketState state = TicketState::waiting;
    std::optional<int> counter_number;  // while called or serving
    std::int64_t issued_at_unix_ms = 0;
    // Computed from the queue when read; 0 once called.
    int people_ahead = 0;
    int estimated_wait_minutes = 0;
};

// Who takes a call. An empty display name or badge number is one the member of staff chose not
// to give.
struct StaffMember {
    StaffRole role = StaffRole::lobby_manager;
    std::string display_name{};
    std::string badge_number{};

    friend bool operator==(const StaffMember&, const StaffMember&) = default;
};

struct AssistanceCall {
    std::string id;
    std::string kiosk_id;
    std::string location;
    AssistanceReason reason = AssistanceReason::customer_request;
    Language language = Language::zh_cn;
    bool audio_mode = false;
    bool elder_mode = false;
    CallState state = CallState::open;
    std::int64_t created_at_unix_ms = 0;
    std::optional<StaffMember> acknowledged_by;
    std::optional<std::int64_t> acknowledged_at_unix_ms;
    std::optional<int> eta_seconds;
    std::optional<std::int64_t> closed_at_unix_ms;
    std::optional<CallOutcome> outcome;
};

struct SurveyAnswer {
    std::string id;
    std::string kiosk_id;
    std::string session_reference;
    SurveyService service = SurveyService::balance;
    Rating rating = Rating::satisfied;
    Language language = Language::zh_cn;
    std::string answered_at;  // the kiosk's clock, as it sent it
    std::int64_t received_at_unix_ms = 0;
};

struct Complaint {
    std::string reference;  // C-YYYYMMDD-NNNN
    std::string kiosk_id;
    std::string session_reference;
    ComplaintCategory category = ComplaintCategory::other;
    Language language = Language::zh_cn;
    bool contact_consent = false;
    std::string submitted_at;  // the kiosk's clock, as it sent it
    std::int64_t received_at_unix_ms = 0;
};

// One line of the access log (the retention list in the description of docs/api/queue.yaml): never
// a request or reply body.
struct AccessLogEntry {
    std::int64_t at_unix_ms = 0;
    std::string client;  // "kiosk/lobby-01", "staff/<device>", or "unverified/<kiosk_id>"
    std::string method;
    std::string path;
    int status = 0;
    std::string problem_type;  // empty for a 2xx reply
    std::string instance;      // the problem's urn:uuid, empty for a 2xx reply
    std::int64_t duration_ms = 0;
    std::string security_event;  // empty unless the request was a security event
};

}  // namespace simulator::queue
