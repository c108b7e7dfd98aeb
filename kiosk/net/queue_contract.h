#pragma once

// The branch queue service's contract (docs/api/queue.yaml) as the kiosk holds to it: the
// limits of its fields, the checks of what the kiosk sends, and how each HTTP reply maps to
// the core's values (kiosk/core/branch.h). The mapping is strict: a reply that is not exactly
// what the contract allows (a missing, unknown or mistyped field, a value out of its range or
// pattern, a problem type the operation does not declare) is bad_reply.
//
// Pure functions: no I/O, no clock, no threads.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/branch.h"

namespace kiosk::net {

// The largest reply the kiosk reads: the longest business list the contract allows (50
// businesses of 11 texts, each in three languages of up to 80 characters, at most 4 bytes each
// in UTF-8: about 530 kB) with room for its keys. Anything larger is not the service.
inline constexpr std::size_t k_maximum_queue_reply_bytes = 1024 * 1024;
// docs/api/queue.yaml, "BusinessList" and "Business".
inline constexpr std::size_t k_maximum_businesses = 50;
inline constexpr std::size_t k_maximum_materials = 10;
// docs/api/queue.yaml, "LocalizedText": 1 to 80 characters in each language.
inline constexpr std::size_t k_maximum_localized_text_characters = 80;
// docs/api/queue.yaml, "AssistanceCallRequest": where staff find the kiosk, 1 to 64 characters.
inline constexpr std::size_t k_maximum_location_characters = 64;
// docs/api/queue.yaml, "StaffMember": display_name, 1 to 32 characters.
inline constexpr std::size_t k_maximum_display_name_characters = 32;

// docs/api/queue.yaml, "KioskId": ^[A-Za-z0-9._-]{1,32}$, as the account service's terminal_id.
bool is_kiosk_id(std::string_view text);
// docs/api/queue.yaml, "AssistanceCallRequest" `location`: 1 to 64 characters of valid UTF-8,
// none of them a control character (it is shown to staff as one line).
bool is_location(std::string_view text);
// docs/api/queue.yaml, "BusinessId": ^[a-z][a-z0-9_]{0,31}$.
bool is_business_id(std::string_view text);
// docs/api/queue.yaml, "Language": zh-CN, zh-HK or en.
bool is_language(std::string_view text);
// An RFC 3339 date-time (JSON Schema "format: date-time"), e.g. 2026-12-02T09:41:07+08:00.
bool is_date_time(std::string_view text);
// The number of characters (Unicode code points) of valid UTF-8 text; none when it is not
// valid UTF-8. JSON Schema's minLength and maxLength count characters, not bytes.
std::optional<std::size_t> character_count(std::string_view text);

// "2026-12-02T02:13:20Z": a time as the contract's date-time, in UTC.
std::string date_time(std::chrono::system_clock::time_point time);

// One reply mapped: what the core hears, and whether the same request may succeed later.
template <typename Value>
struct QueueReply {
    core::QueueStatus status = core::QueueStatus::bad_reply;
    std::optional<Value> value{};  // with ok
    // Sending the same request again later may succeed: 409 request-in-progress, 429, 5xx
    // (docs/api/queue.yaml, "Idempotency"). Never for 400, 403, 404, 413 or 422.
    bool retry = false;
    // The problem type's name ("business-closed") of a problem details reply, for the notice.
    std::string problem{};
};

// A survey answer's receipt carries nothing the core needs.
struct SurveyReceipt {};

// GET /v1/businesses: 200 with the list; 403, 429, 5xx unavailable.
QueueReply<std::vector<core::Business>> interpret_businesses_reply(long http_status,
                                                                   std::string_view body);
// POST /v1/tickets: 201 with the ticket; 409 business-closed or unknown-business refused;
// 400, 413, 422 refused; 403 unavailable; 409 request-in-progress, 429, 5xx to retry.
QueueReply<core::Ticket> interpret_ticket_reply(long http_status, std::string_view body);
// POST /v1/assistance-calls: 201 with the call; otherwise as for a ticket, without the 409s
// of a business.
QueueReply<core::AssistanceCall> interpret_assistance_reply(long http_status,
                                                            std::string_view body);
// GET /v1/assistance-calls/{call_id}: 200 with the call; 404 refused (the service does not
// know it); 400 refused; 403, 429, 5xx unavailable.
QueueReply<core::AssistanceCall> interpret_assistance_status_reply(long http_status,
                                                                   std::string_view body);
// POST /v1/survey-answers: 201, and 409 already-answered, are ok (delivered).
QueueReply<SurveyReceipt> interpret_survey_reply(long http_status, std::string_view body);
// POST /v1/complaints: 201 with the reference the customer quotes.
QueueReply<std::string> interpret_complaint_reply(long http_status, std::string_view body);

}  // namespace kiosk::net
