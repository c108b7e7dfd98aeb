#include "kiosk/net/queue_contract.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <set>
#include <span>

#include "base/uuid.h"
#include "kiosk/net/random_uuid.h"

namespace kiosk::net {

namespace {

using core::QueueStatus;
using nlohmann::json;

// docs/api/queue.yaml, "Business".
constexpr int k_longest_typical_duration_minutes = 240;
constexpr int k_most_open_counters = 99;
constexpr int k_most_people_waiting = 999;
constexpr int k_longest_wait_minutes = 600;
constexpr int k_lowest_popularity_rank = 50;
// docs/api/queue.yaml, "Ticket".
constexpr int k_most_people_ahead = 999;
constexpr int k_highest_counter_number = 99;
// docs/api/queue.yaml, "AssistanceCall" and "StaffMember".
constexpr int k_longest_eta_seconds = 3'600;
constexpr std::size_t k_longest_badge_number = 16;
// docs/api/queue.yaml, "Problem".
constexpr std::size_t k_maximum_problem_title_characters = 120;
constexpr std::size_t k_maximum_problem_detail_characters = 500;
constexpr long k_lowest_problem_status = 400;
constexpr long k_highest_problem_status = 599;
constexpr std::string_view k_problem_type_prefix = "https://bank.example/problems/queue/";
constexpr std::string_view k_problem_instance_prefix = "urn:uuid:";
constexpr std::size_t k_uuid_length = 36;
// docs/api/queue.yaml, "KioskId" and "BusinessId".
constexpr std::size_t k_longest_kiosk_id = 32;
constexpr std::size_t k_longest_business_id = 32;

constexpr long k_ok = 200;
constexpr long k_created = 201;
constexpr long k_too_many_requests = 429;

constexpr std::array k_priorities{core::Priority::normal, core::Priority::green_channel};
constexpr std::array k_priority_reasons{core::PriorityReason::older_customer,
                                        core::PriorityReason::disability,
                                        core::PriorityReason::pregnancy};
constexpr std::array k_assistance_reasons{
    core::AssistanceReason::customer_request, core::AssistanceReason::customer_hesitating,
    core::AssistanceReason::device_fault, core::AssistanceReason::card_retained,
    core::AssistanceReason::not_satisfied};
constexpr std::array k_staff_roles{core::StaffRole::lobby_manager,
                                   core::StaffRole::customer_service_officer,
                                   core::StaffRole::security_guard};
constexpr std::array k_call_states{core::CallState::open, core::CallState::acknowledged,
                                   core::CallState::closed};
// docs/api/queue.yaml, "TicketState" and "CallOutcome": values the core does not keep.
constexpr std::array<std::string_view, 6> k_ticket_states{"waiting", "called",  "serving",
                                                          "done",    "no_show", "cancelled"};
constexpr std::array<std::string_view, 3> k_call_outcomes{"helped", "customer_left",
                                                          "no_action_needed"};
constexpr std::array<std::string_view, 3> k_languages{"zh-CN", "zh-HK", "en"};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_upper(char c) {
    return c >= 'A' && c <= 'Z';
}

bool is_lower(char c) {
    return c >= 'a' && c <= 'z';
}

// The value of `name` in `object`, or null when it is absent.
const json* field(const json& object, std::string_view name) {
    const auto found = object.find(std::string(name));
    return found == object.end() ? nullptr : &*found;
}

// Whether every member of `object` is one of `names`: the contract's objects allow no others
// (additionalProperties: false).
bool has_only(const json& object, std::initializer_list<std::string_view> names) {
    return std::ranges::all_of(object.items(), [names](const auto& member) {
        return std::ranges::find(names, std::string_view(member.key())) != names.end();
    });
}

std::optional<std::string> text(const json* value, std::size_t least, std::size_t most) {
    if (value == nullptr || !value->is_string()) {
        return std::nullopt;
    }
    const auto& content = value->get_ref<const std::string&>();
    const auto characters = character_count(content);
    if (!characters || *characters < least || *characters > most) {
        return std::nullopt;
    }
    return content;
}

// A JSON integer within [least, most]; never a float such as 3.0 or a string.
std::optional<int> whole_number(const json* value, int least, int most) {
    if (value == nullptr || !value->is_number_integer()) {
        return std::nullopt;
    }
    if (value->is_number_unsigned()) {
        const auto number = value->get<std::uint64_t>();
        if (most < 0 || number > static_cast<std::uint64_t>(most) ||
            (least > 0 && number < static_cast<std::uint64_t>(least))) {
            return std::nullopt;
        }
        return static_cast<int>(number);
    }
    const auto number = value->get<std::int64_t>();
    if (number < least || number > most) {
        return std::nullopt;
    }
    return static_cast<int>(number);
}

std::optional<bool> flag(const json* value) {
    if (value == nullptr || !value->is_boolean()) {
        return std::nullopt;
    }
    return value->get<bool>();
}

template <typename Enum, std::size_t Count>
std::optional<Enum> named(const json* value, const std::array<Enum, Count>& values) {
    if (value == nullptr || !value->is_string()) {
        return std::nullopt;
    }
    const auto& content = value->get_ref<const std::string&>();
    for (const Enum candidate : values) {
        if (to_string(candidate) == content) {
            return candidate;
        }
    }
    return std::nullopt;
}

template <std::size_t Count>
bool is_one_of(const json* value, const std::array<std::string_view, Count>& values) {
    return value != nullptr && value->is_string() &&
           std::ranges::find(values, value->get_ref<const std::string&>()) != values.end();
}

bool is_date_time_value(const json* value) {
    return value != nullptr && value->is_string() &&
           is_date_time(value->get_ref<const std::string&>());
}

bool is_uuid_value(const json* value) {
    return value != nullptr && value->is_string() &&
           base::is_uuid(value->get_ref<const std::string&>());
}

// docs/api/queue.yaml, "LocalizedText".
std::optional<core::LocalizedText> localized_text(const json* value) {
    if (value == nullptr || !value->is_object() || !has_only(*value, {"zh-CN", "zh-HK", "en"})) {
        return std::nullopt;
    }
    auto zh_cn = text(field(*value, "zh-CN"), 1, k_maximum_localized_text_characters);
    auto zh_hk = text(field(*value, "zh-HK"), 1, k_maximum_localized_text_characters);
    auto en = text(field(*value, "en"), 1, k_maximum_localized_text_characters);
    if (!zh_cn || !zh_hk || !en) {
        return std::nullopt;
    }
    return core::LocalizedText{std::move(*zh_cn), std::move(*zh_hk), std::move(*en)};
}

// docs/api/queue.yaml, "Business".
std::optional<core::Business> business(const json& value) {
    if (!value.is_object() ||
        !has_only(value, {"id", "ticket_prefix", "names", "materials", "typical_duration_minutes",
                          "open_counters", "people_waiting", "estimated_wait_minutes",
                          "popularity_rank", "open_now"})) {
        return std::nullopt;
    }
    const json* id = field(value, "id");
    const json* prefix = field(value, "ticket_prefix");
    const json* materials = field(value, "materials");
    auto name = localized_text(field(value, "names"));
    const auto duration = whole_number(field(value, "typical_duration_minutes"), 1,
                                       k_longest_typical_duration_minutes);
    const auto counters = whole_number(field(value, "open_counters"), 0, k_most_open_counters);
    const auto waiting = whole_number(field(value, "people_waiting"), 0, k_most_people_waiting);
    const auto wait =
        whole_number(field(value, "estimated_wait_minutes"), 0, k_longest_wait_minutes);
    const auto rank = whole_number(field(value, "popularity_rank"), 1, k_lowest_popularity_rank);
    const auto open = flag(field(value, "open_now"));
    if (id == nullptr || !id->is_string() || !is_business_id(id->get_ref<const std::string&>()) ||
        prefix == nullptr || !prefix->is_string() ||
        prefix->get_ref<const std::string&>().size() != 1 ||
        !is_upper(prefix->get_ref<const std::string&>().front()) || !name || !duration ||
        !counters || !waiting || !wait || !rank || !open || materials == nullptr ||
        !materials->is_array() || materials->size() > k_maximum_materials) {
        return std::nullopt;
    }
    core::Business result;
    for (const auto& material : *materials) {
        auto item = localized_text(&material);
        if (!item) {
            return std::nullopt;
        }
        result.materials.push_back(std::move(*item));
    }
    result.id = id->get<std::string>();
    result.ticket_prefix = prefix->get<std::string>();
    result.name = std::move(*name);
    result.typical_duration_minutes = *duration;
    result.open_counters = *counters;
    result.people_waiting = *waiting;
    result.estimated_wait_minutes = *wait;
    result.popularity_rank = *rank;
    result.open_now = *open;
    return result;
}

// docs/api/queue.yaml, "BusinessList". Ranks are unique and come in order, most common first,
// and ids are unique. Ticket prefixes are not checked for uniqueness: the contract allows 50
// businesses but has only 26 letters, and the kiosk never looks a business up by its prefix.
std::optional<std::vector<core::Business>> business_list(const json& document) {
    const json* list = field(document, "businesses");
    if (!has_only(document, {"as_of", "businesses"}) ||
        !is_date_time_value(field(document, "as_of")) || list == nullptr || !list->is_array() ||
        list->size() > k_maximum_businesses) {
        return std::nullopt;
    }
    std::vector<core::Business> businesses;
    std::set<std::string> ids;
    for (const auto& value : *list) {
        auto item = business(value);
        if (!item || !ids.insert(item->id).second ||
            (!businesses.empty() && item->popularity_rank <= businesses.back().popularity_rank)) {
            return std::nullopt;
        }
        businesses.push_back(std::move(*item));
    }
    return businesses;
}

// docs/api/queue.yaml, "Ticket". `priority_reason` goes with the green channel only, and a
// counter only with a ticket that has been called.
std::optional<core::Ticket> ticket(const json& document) {
    if (!has_only(document, {"id", "number", "business_id", "priority", "priority_reason",
                             "language", "people_ahead", "estimated_wait_minutes", "state",
                             "counter_number", "issued_at"})) {
        return std::nullopt;
    }
    const json* id = field(document, "id");
    const json* number = field(document, "number");
    const json* business_id = field(document, "business_id");
    const json* reason = field(document, "priority_reason");
    const json* state = field(document, "state");
    const json* counter = field(document, "counter_number");
    const auto priority = named(field(document, "priority"), k_priorities);
    const auto ahead = whole_number(field(document, "people_ahead"), 0, k_most_people_ahead);
    const auto wait =
        whole_number(field(document, "estimated_wait_minutes"), 0, k_longest_wait_minutes);
    const bool number_ok = number != nullptr && number->is_string() && [&number] {
        const auto& digits = number->get_ref<const std::string&>();
        return digits.size() == 4 && is_upper(digits[0]) &&
               std::all_of(digits.begin() + 1, digits.end(), is_digit);
    }();
    const bool reason_ok = reason == nullptr ? priority != core::Priority::green_channel
                                             : priority == core::Priority::green_channel &&
                                                   named(reason, k_priority_reasons).has_value();
    const bool called = state != nullptr && state->is_string() &&
                        (state->get_ref<const std::string&>() == "called" ||
                         state->get_ref<const std::string&>() == "serving");
    const bool counter_ok =
        counter == nullptr ||
        (called && whole_number(counter, 1, k_highest_counter_number).has_value());
    if (!is_uuid_value(id) || !number_ok || business_id == nullptr || !business_id->is_string() ||
        !is_business_id(business_id->get_ref<const std::string&>()) || !priority || !reason_ok ||
        !is_one_of(field(document, "language"), k_languages) || !ahead || !wait ||
        !is_one_of(state, k_ticket_states) || !counter_ok ||
        !is_date_time_value(field(document, "issued_at"))) {
        return std::nullopt;
    }
    return core::Ticket{id->get<std::string>(),
                        number->get<std::string>(),
                        business_id->get<std::string>(),
                        *priority,
                        *ahead,
                        *wait};
}

bool is_badge_number(std::string_view badge) {
    return !badge.empty() && badge.size() <= k_longest_badge_number &&
           std::ranges::all_of(
               badge, [](char c) { return is_digit(c) || is_upper(c) || is_lower(c) || c == '-'; });
}

// docs/api/queue.yaml, "StaffMember".
std::optional<core::StaffMember> staff_member(const json* value) {
    if (value == nullptr || !value->is_object() ||
        !has_only(*value, {"role", "display_name", "badge_number"})) {
        return std::nullopt;
    }
    const auto role = named(field(*value, "role"), k_staff_roles);
    const json* name = field(*value, "display_name");
    const json* badge = field(*value, "badge_number");
    const auto name_text = name == nullptr ? std::optional<std::string>("")
                                           : text(name, 1, k_maximum_display_name_characters);
    const bool badge_ok =
        badge == nullptr ||
        (badge->is_string() && is_badge_number(badge->get_ref<const std::string&>()));
    if (!role || !name_text || !badge_ok) {
        return std::nullopt;
    }
    return core::StaffMember{*role, *name_text, badge == nullptr ? "" : badge->get<std::string>()};
}

// docs/api/queue.yaml, "AssistanceCall": the acknowledgement's fields appear once it is
// acknowledged (and stay when it is closed), the closing fields once it is closed.
std::optional<core::AssistanceCall> assistance_call(const json& document) {
    if (!has_only(document, {"id", "kiosk_id", "location", "reason", "language", "audio_mode",
                             "elder_mode", "state", "created_at", "acknowledged_by",
                             "acknowledged_at", "eta_seconds", "closed_at", "outcome"})) {
        return std::nullopt;
    }
    const json* id = field(document, "id");
    const json* kiosk_id = field(document, "kiosk_id");
    const json* acknowledged_by = field(document, "acknowledged_by");
    const json* acknowledged_at = field(document, "acknowledged_at");
    const json* eta = field(document, "eta_seconds");
    const json* closed_at = field(document, "closed_at");
    const json* outcome = field(document, "outcome");
    const auto state = named(field(document, "state"), k_call_states);
    const auto location = text(field(document, "location"), 1, k_maximum_location_characters);
    if (!is_uuid_value(id) || kiosk_id == nullptr || !kiosk_id->is_string() ||
        !is_kiosk_id(kiosk_id->get_ref<const std::string&>()) || !location ||
        !named(field(document, "reason"), k_assistance_reasons) ||
        !is_one_of(field(document, "language"), k_languages) ||
        !flag(field(document, "audio_mode")) || !flag(field(document, "elder_mode")) || !state ||
        !is_date_time_value(field(document, "created_at"))) {
        return std::nullopt;
    }
    core::AssistanceCall call{id->get<std::string>(), *state, std::nullopt, std::nullopt};
    const bool acknowledged = acknowledged_by != nullptr || acknowledged_at != nullptr;
    if (acknowledged) {
        call.acknowledged_by = staff_member(acknowledged_by);
        if (!call.acknowledged_by || !is_date_time_value(acknowledged_at)) {
            return std::nullopt;
        }
    }
    if (eta != nullptr) {
        call.eta_seconds = whole_number(eta, 0, k_longest_eta_seconds);
        if (!call.eta_seconds || !acknowledged) {
            return std::nullopt;
        }
    }
    const bool closed = closed_at != nullptr || outcome != nullptr;
    if (closed && (!is_date_time_value(closed_at) || !is_one_of(outcome, k_call_outcomes))) {
        return std::nullopt;
    }
    const bool consistent = (*state == core::CallState::open && !acknowledged && !closed) ||
                            (*state == core::CallState::acknowledged && acknowledged && !closed) ||
                            (*state == core::CallState::closed && closed);
    if (!consistent) {
        return std::nullopt;
    }
    return call;
}

// docs/api/queue.yaml, "SurveyAnswerReceipt".
bool survey_receipt(const json& document) {
    return has_only(document, {"id", "received_at"}) && is_uuid_value(field(document, "id")) &&
           is_date_time_value(field(document, "received_at"));
}

// docs/api/queue.yaml, "ComplaintReceipt": ^C-[0-9]{8}-[0-9]{4}$.
std::optional<std::string> complaint_reference(const json& document) {
    const json* reference = field(document, "reference");
    if (!has_only(document, {"reference", "received_at"}) || reference == nullptr ||
        !reference->is_string() || !is_date_time_value(field(document, "received_at"))) {
        return std::nullopt;
    }
    const auto& value = reference->get_ref<const std::string&>();
    constexpr std::size_t k_reference_length = 15;
    constexpr std::size_t k_second_hyphen = 10;
    for (std::size_t index = 0; index < value.size(); ++index) {
        const bool ok = index == 0                               ? value[index] == 'C'
                        : index == 1 || index == k_second_hyphen ? value[index] == '-'
                                                                 : is_digit(value[index]);
        if (!ok) {
            return std::nullopt;
        }
    }
    if (value.size() != k_reference_length) {
        return std::nullopt;
    }
    return value;
}

// The problem type's name of a problem details body (docs/api/queue.yaml, "Problem") whose
// `status` is the reply's, or nothing when the body is not one.
std::optional<std::string> problem_name(long http_status, const json& document) {
    if (!document.is_object() ||
        !has_only(document, {"type", "title", "status", "detail", "instance"})) {
        return std::nullopt;
    }
    const json* type = field(document, "type");
    const json* status = field(document, "status");
    const json* detail = field(document, "detail");
    const json* instance = field(document, "instance");
    if (type == nullptr || !type->is_string() ||
        !text(field(document, "title"), 1, k_maximum_problem_title_characters) ||
        status == nullptr || !status->is_number_integer() ||
        http_status < k_lowest_problem_status || http_status > k_highest_problem_status ||
        whole_number(status, static_cast<int>(http_status), static_cast<int>(http_status)) !=
            static_cast<int>(http_status) ||
        (detail != nullptr && !text(detail, 0, k_maximum_problem_detail_characters))) {
        return std::nullopt;
    }
    if (instance != nullptr) {
        if (!instance->is_string()) {
            return std::nullopt;
        }
        const auto& urn = instance->get_ref<const std::string&>();
        const std::string_view rest =
            std::string_view(urn).substr(std::min(urn.size(), k_problem_instance_prefix.size()));
        if (!urn.starts_with(k_problem_instance_prefix) || rest.size() != k_uuid_length ||
            !std::ranges::all_of(rest, [](char c) {
                return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '-';
            })) {
            return std::nullopt;
        }
    }
    const auto& uri = type->get_ref<const std::string&>();
    if (!uri.starts_with(k_problem_type_prefix) || uri.size() == k_problem_type_prefix.size()) {
        return std::nullopt;
    }
    std::string name = uri.substr(k_problem_type_prefix.size());
    if (!std::ranges::all_of(name, [](char c) { return is_lower(c) || c == '-'; })) {
        return std::nullopt;
    }
    return name;
}

// One problem an operation declares, and what it means.
struct ProblemRule {
    long http_status;
    std::string_view type;
    QueueStatus status;
    bool retry;
};

// The problems every kiosk POST declares (docs/api/queue.yaml, "BadRequest", "Forbidden",
// "RequestTooLarge", "IdempotencyKeyReused", "TooManyRequests", "Unavailable", and 409
// request-in-progress). 403 is a configuration fault the customer cannot help: the service is
// not available to this kiosk.
constexpr std::array k_post_problems{
    ProblemRule{400, "invalid-request", QueueStatus::refused, false},
    ProblemRule{400, "missing-idempotency-key", QueueStatus::refused, false},
    ProblemRule{403, "kiosk-identity-mismatch", QueueStatus::unavailable, false},
    ProblemRule{403, "wrong-client", QueueStatus::unavailable, false},
    ProblemRule{409, "request-in-progress", QueueStatus::unavailable, true},
    ProblemRule{413, "request-too-large", QueueStatus::refused, false},
    ProblemRule{422, "idempotency-key-reused", QueueStatus::refused, false},
    ProblemRule{429, "too-many-requests", QueueStatus::unavailable, true},
    ProblemRule{503, "unavailable", QueueStatus::unavailable, true},
};
constexpr std::array k_ticket_problems{
    ProblemRule{409, "business-closed", QueueStatus::refused, false},
    ProblemRule{409, "unknown-business", QueueStatus::refused, false},
};
constexpr std::array k_survey_problems{
    ProblemRule{409, "already-answered", QueueStatus::ok, false},
};
constexpr std::array k_businesses_problems{
    ProblemRule{403, "wrong-client", QueueStatus::unavailable, false},
    ProblemRule{429, "too-many-requests", QueueStatus::unavailable, true},
    ProblemRule{503, "unavailable", QueueStatus::unavailable, true},
};
constexpr std::array k_call_status_problems{
    ProblemRule{400, "invalid-request", QueueStatus::refused, false},
    ProblemRule{403, "wrong-client", QueueStatus::unavailable, false},
    ProblemRule{404, "not-found", QueueStatus::refused, false},
    ProblemRule{429, "too-many-requests", QueueStatus::unavailable, true},
    ProblemRule{503, "unavailable", QueueStatus::unavailable, true},
};

json parsed(std::string_view body) {
    if (body.size() > k_maximum_queue_reply_bytes) {
        return json(json::value_t::discarded);
    }
    return json::parse(body, nullptr, false);
}

// Maps a reply of `expected` status through `read`, and any other through the operation's
// problems. 5xx is "the service is down" whatever the body says; 429 and 5xx may be retried
// whatever the body says, since the status alone says nothing was done.
template <typename Value, typename Read>
QueueReply<Value> interpret(long http_status, std::string_view body, long expected, Read read,
                            std::initializer_list<std::span<const ProblemRule>> problems) {
    QueueReply<Value> reply;
    const bool server_failure = http_status >= 500 && http_status <= 599;
    reply.retry = server_failure || http_status == k_too_many_requests;
    const json document = parsed(body);
    if (http_status == expected) {
        if (document.is_object()) {
            reply.value = read(document);
        }
        reply.status = reply.value ? QueueStatus::ok : QueueStatus::bad_reply;
        return reply;
    }
    const auto name = problem_name(http_status, document);
    if (name) {
        reply.problem = *name;
    }
    if (server_failure) {
        reply.status = QueueStatus::unavailable;
        return reply;
    }
    for (const auto& list : problems) {
        for (const auto& rule : list) {
            if (name && rule.http_status == http_status && rule.type == *name) {
                reply.status = rule.status;
                reply.retry = rule.retry;
                return reply;
            }
        }
    }
    reply.status = QueueStatus::bad_reply;
    return reply;
}

}  // namespace

bool is_kiosk_id(std::string_view text) {
    return !text.empty() && text.size() <= k_longest_kiosk_id &&
           std::ranges::all_of(text, [](char c) {
               return is_digit(c) || is_upper(c) || is_lower(c) || c == '.' || c == '_' || c == '-';
           });
}

bool is_location(std::string_view text) {
    const auto characters = character_count(text);
    // C0 controls and DEL; C1 controls are two bytes in UTF-8 (U+0080 to U+009F).
    constexpr unsigned char k_first_printable = 0x20;
    constexpr unsigned char k_delete = 0x7f;
    constexpr unsigned char k_c1_lead = 0xc2;
    constexpr unsigned char k_c1_last = 0x9f;
    for (std::size_t index = 0; index < text.size(); ++index) {
        const auto byte = static_cast<unsigned char>(text[index]);
        const bool c1 = byte == k_c1_lead && index + 1 < text.size() &&
                        static_cast<unsigned char>(text[index + 1]) <= k_c1_last;
        if (byte < k_first_printable || byte == k_delete || c1) {
            return false;
        }
    }
    return characters && *characters >= 1 && *characters <= k_maximum_location_characters;
}

bool is_business_id(std::string_view text) {
    return !text.empty() && text.size() <= k_longest_business_id && is_lower(text.front()) &&
           std::ranges::all_of(text, [](char c) { return is_lower(c) || is_digit(c) || c == '_'; });
}

bool is_language(std::string_view text) {
    return std::ranges::find(k_languages, text) != k_languages.end();
}

bool is_date_time(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS, then an optional fraction, then Z or +HH:MM / -HH:MM.
    constexpr std::size_t k_seconds_end = 19;
    constexpr int k_last_month = 12;
    constexpr int k_last_day = 31;
    constexpr int k_last_hour = 23;
    constexpr int k_last_minute = 59;
    constexpr int k_last_second = 60;  // a leap second
    if (text.size() < k_seconds_end + 1) {
        return false;
    }
    const auto number = [text](std::size_t at, std::size_t digits) -> std::optional<int> {
        int value = 0;
        for (std::size_t index = at; index < at + digits; ++index) {
            if (index >= text.size() || !is_digit(text[index])) {
                return std::nullopt;
            }
            value = value * 10 + (text[index] - '0');
        }
        return value;
    };
    const auto month = number(5, 2);
    const auto day = number(8, 2);
    const auto hour = number(11, 2);
    const auto minute = number(14, 2);
    const auto second = number(17, 2);
    if (!number(0, 4) || text[4] != '-' || !month || *month < 1 || *month > k_last_month ||
        text[7] != '-' || !day || *day < 1 || *day > k_last_day ||
        (text[10] != 'T' && text[10] != 't') || !hour || *hour > k_last_hour || text[13] != ':' ||
        !minute || *minute > k_last_minute || text[16] != ':' || !second ||
        *second > k_last_second) {
        return false;
    }
    std::size_t at = k_seconds_end;
    if (text[at] == '.') {
        ++at;
        const std::size_t digits_start = at;
        while (at < text.size() && is_digit(text[at])) {
            ++at;
        }
        if (at == digits_start) {
            return false;
        }
    }
    const std::string_view zone = text.substr(at);
    if (zone == "Z" || zone == "z") {
        return true;
    }
    constexpr std::size_t k_offset_length = 6;
    if (zone.size() != k_offset_length || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') {
        return false;
    }
    const auto offset_hours = number(at + 1, 2);
    const auto offset_minutes = number(at + 4, 2);
    return offset_hours && *offset_hours <= k_last_hour && offset_minutes &&
           *offset_minutes <= k_last_minute;
}

std::optional<std::size_t> character_count(std::string_view text) {
    // RFC 3629: the lead byte says how many continuation bytes (10xxxxxx) follow.
    constexpr unsigned char k_continuation_mask = 0xc0;
    constexpr unsigned char k_continuation = 0x80;
    constexpr unsigned char k_two_byte_lead = 0xc2;  // 0xc0 and 0xc1 would be overlong
    constexpr unsigned char k_three_byte_lead = 0xe0;
    constexpr unsigned char k_four_byte_lead = 0xf0;
    constexpr unsigned char k_beyond_unicode = 0xf5;
    constexpr unsigned char k_three_byte_shortest = 0xa0;
    constexpr unsigned char k_surrogate_lead = 0xed;
    constexpr unsigned char k_surrogate_second = 0xa0;
    constexpr unsigned char k_four_byte_shortest = 0x90;
    constexpr unsigned char k_last_lead = 0xf4;
    constexpr unsigned char k_beyond_last_second = 0x90;
    std::size_t characters = 0;
    std::size_t index = 0;
    while (index < text.size()) {
        const auto lead = static_cast<unsigned char>(text[index]);
        std::size_t following = 0;
        if (lead < k_continuation) {
            following = 0;
        } else if (lead >= k_two_byte_lead && lead < k_three_byte_lead) {
            following = 1;
        } else if (lead >= k_three_byte_lead && lead < k_four_byte_lead) {
            following = 2;
        } else if (lead >= k_four_byte_lead && lead < k_beyond_unicode) {
            following = 3;
        } else {
            return std::nullopt;
        }
        if (index + following >= text.size()) {
            return std::nullopt;  // the text ends inside a character
        }
        // The second byte's range rules out overlong forms, UTF-16 surrogates and code points
        // past U+10FFFF.
        const auto second = following > 0 ? static_cast<unsigned char>(text[index + 1]) : 0;
        if ((lead == k_three_byte_lead && second < k_three_byte_shortest) ||
            (lead == k_surrogate_lead && second >= k_surrogate_second) ||
            (lead == k_four_byte_lead && second < k_four_byte_shortest) ||
            (lead == k_last_lead && second >= k_beyond_last_second)) {
            return std::nullopt;
        }
        for (std::size_t next = 1; next <= following; ++next) {
            if ((static_cast<unsigned char>(text[index + next]) & k_continuation_mask) !=
                k_continuation) {
                return std::nullopt;
            }
        }
        index += following + 1;
        ++characters;
    }
    return characters;
}

std::string date_time(std::chrono::system_clock::time_point time) {
    const auto days = std::chrono::floor<std::chrono::days>(time);
    const std::chrono::year_month_day date(days);
    const std::chrono::hh_mm_ss clock(std::chrono::floor<std::chrono::seconds>(time - days));
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), "%04d-%02u-%02uT%02d:%02d:%02dZ",
                  static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
                  static_cast<int>(clock.minutes().count()),
                  static_cast<int>(clock.seconds().count()));
    return text.data();
}

QueueReply<std::vector<core::Business>> interpret_businesses_reply(long http_status,
                                                                   std::string_view body) {
    return interpret<std::vector<core::Business>>(http_status, body, k_ok, business_list,
                                                  {k_businesses_problems});
}

QueueReply<core::Ticket> interpret_ticket_reply(long http_status, std::string_view body) {
    return interpret<core::Ticket>(http_status, body, k_created, ticket,
                                   {k_post_problems, k_ticket_problems});
}

QueueReply<core::AssistanceCall> interpret_assistance_reply(long http_status,
                                                            std::string_view body) {
    return interpret<core::AssistanceCall>(http_status, body, k_created, assistance_call,
                                           {k_post_problems});
}

QueueReply<core::AssistanceCall> interpret_assistance_status_reply(long http_status,
                                                                   std::string_view body) {
    return interpret<core::AssistanceCall>(http_status, body, k_ok, assistance_call,
                                           {k_call_status_problems});
}

QueueReply<SurveyReceipt> interpret_survey_reply(long http_status, std::string_view body) {
    auto reply = interpret<SurveyReceipt>(
        http_status, body, k_created,
        [](const json& document) {
            return survey_receipt(document) ? std::optional<SurveyReceipt>(SurveyReceipt{})
                                            : std::nullopt;
        },
        {k_post_problems, k_survey_problems});
    // This session answered for this service before: the answer is where it belongs.
    if (reply.status == QueueStatus::ok && !reply.value) {
        reply.value = SurveyReceipt{};
    }
    return reply;
}

QueueReply<std::string> interpret_complaint_reply(long http_status, std::string_view body) {
    return interpret<std::string>(http_status, body, k_created, complaint_reference,
                                  {k_post_problems});
}

}  // namespace kiosk::net
