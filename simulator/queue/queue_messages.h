#pragma once

// The wire format of docs/api/queue.yaml: the request bodies the service accepts, checked
// field by field against the contract's schemas (additionalProperties false, patterns, ranges),
// and the JSON of every reply it sends.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/uuid.h"
#include "simulator/queue/branch_time.h"
#include "simulator/queue/queue_records.h"

namespace simulator::queue {

// Limits from docs/api/queue.yaml, "schemas".
inline constexpr std::size_t k_maximum_kiosk_id_length = 32;        // KioskId
inline constexpr std::size_t k_maximum_business_id_length = 32;     // BusinessId
inline constexpr std::size_t k_maximum_location_length = 64;        // AssistanceCallRequest
inline constexpr std::size_t k_maximum_display_name_length = 32;    // StaffMember
inline constexpr std::size_t k_maximum_badge_number_length = 16;    // StaffMember
inline constexpr std::size_t k_maximum_localized_text_length = 80;  // LocalizedText
inline constexpr int k_maximum_eta_seconds = 3600;                  // AcknowledgementRequest

// What is wrong with a request's body. The context names the field, never its value, so that
// the 400 reply's detail echoes nothing the kiosk sent.
enum class RequestError {
    not_json,          // the body does not parse as JSON
    not_object,        // the body is JSON but not an object
    unexpected_field,  // a field the contract does not define
    missing_field,     // a required field is absent
    wrong_type,        // a field has the wrong JSON type
    bad_value,         // a field's value is out of its range, list or pattern
    bad_combination,   // priority_reason without green_channel, or green_channel without it
};

std::string_view to_string(RequestError error);

// Text checks of the contract's patterns.
std::size_t utf8_length(std::string_view text);    // code points, as JSON Schema's maxLength counts
bool is_session_reference(std::string_view text);  // SessionReference: a lowercase UUID v4
bool is_kiosk_id(std::string_view text);           // ^[A-Za-z0-9._-]{1,32}$
bool is_business_id(std::string_view text);        // ^[a-z][a-z0-9_]{0,31}$
bool is_badge_number(std::string_view text);       // ^[A-Za-z0-9-]{1,16}$

struct TicketRequest {
    std::string kiosk_id;
    std::string business_id;
    Priority priority = Priority::normal;
    std::optional<PriorityReason> priority_reason;
    Language language = Language::zh_cn;
};

struct CallRequest {
    std::string kiosk_id;
    std::string location;
    AssistanceReason reason = AssistanceReason::customer_request;
    Language language = Language::zh_cn;
    bool audio_mode = false;
    bool elder_mode = false;
};

struct AcknowledgementRequest {
    StaffMember staff;
    std::optional<int> eta_seconds;
};

struct ClosureRequest {
    CallOutcome outcome = CallOutcome::helped;
};

struct SurveyAnswerRequest {
    std::string kiosk_id;
    std::string session_reference;
    SurveyService service = SurveyService::balance;
    Rating rating = Rating::satisfied;
    Language language = Language::zh_cn;
    std::string answered_at;
};

struct ComplaintRequest {
    std::string kiosk_id;
    std::string session_reference;
    ComplaintCategory category = ComplaintCategory::other;
    Language language = Language::zh_cn;
    bool contact_consent = false;  // false when absent
    std::string submitted_at;
};

using RequestFault = base::Error<RequestError>;

// Parses a body into JSON: not_json or not_object when it is not a JSON object.
std::expected<nlohmann::json, RequestFault> parse_body(std::string_view body);

std::expected<TicketRequest, RequestFault> parse_ticket_request(const nlohmann::json& body);
std::expected<CallRequest, RequestFault> parse_call_request(const nlohmann::json& body);
std::expected<AcknowledgementRequest, RequestFault> parse_acknowledgement_request(
    const nlohmann::json& body);
std::expected<ClosureRequest, RequestFault> parse_closure_request(const nlohmann::json& body);
std::expected<SurveyAnswerRequest, RequestFault> parse_survey_answer_request(
    const nlohmann::json& body);
std::expected<ComplaintRequest, RequestFault> parse_complaint_request(const nlohmann::json& body);

// Reply bodies (docs/api/queue.yaml, "BusinessList", "Ticket", "AssistanceCall", ...).
nlohmann::json business_list_json(const std::vector<Business>& businesses, std::string as_of);
nlohmann::json ticket_json(const Ticket& ticket, const BranchCalendar& calendar);
nlohmann::json call_json(const AssistanceCall& call, const BranchCalendar& calendar);
nlohmann::json survey_receipt_json(const SurveyAnswer& answer, const BranchCalendar& calendar);
nlohmann::json complaint_receipt_json(const Complaint& complaint, const BranchCalendar& calendar);

}  // namespace simulator::queue
