#include "simulator/queue/queue_messages.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>

namespace simulator::queue {

namespace {

using nlohmann::json;

// Positions of the hyphens in a UUID's text form (RFC 9562 §4): 8-4-4-4-12.
// In a version 4 UUID the version digit is the 15th character and the variant digit the 20th.
constexpr std::size_t k_uuid_version_position = 14;
constexpr std::size_t k_uuid_variant_position = 19;

bool is_letter_or_digit(char character) {
    return (character >= '0' && character <= '9') || (character >= 'A' && character <= 'Z') ||
           (character >= 'a' && character <= 'z');
}

// Reads the fields of one request object in the contract's order; the first fault is kept and
// later reads do nothing, so that a parser reads straight through and asks once at the end.
class FieldReader {
  public:
    explicit FieldReader(const json& body) : m_body(body) {}

    // Every field of the body must be one of `allowed` (additionalProperties: false).
    void only(std::initializer_list<std::string_view> allowed) {
        for (const auto& [name, value] : m_body.items()) {
            if (std::ranges::find(allowed, std::string_view(name)) == allowed.end()) {
                fail(RequestError::unexpected_field, name);
                return;
            }
        }
    }

    std::optional<std::string> optional_text(std::string_view name,
                                             bool (*valid)(std::string_view)) {
        const json* value = find(name);
        if (value == nullptr) {
            return std::nullopt;
        }
        if (!value->is_string()) {
            fail(RequestError::wrong_type, name);
            return std::nullopt;
        }
        const auto& text = value->get_ref<const std::string&>();
        if (!valid(text)) {
            fail(RequestError::bad_value, name);
            return std::nullopt;
        }
        return text;
    }

    std::string text(std::string_view name, bool (*valid)(std::string_view)) {
        if (!present(name)) {
            return {};
        }
        return optional_text(name, valid).value_or(std::string{});
    }

    template <NamedEnum Enum>
    std::optional<Enum> optional_code(std::string_view name) {
        const json* value = find(name);
        if (value == nullptr) {
            return std::nullopt;
        }
        if (!value->is_string()) {
            fail(RequestError::wrong_type, name);
            return std::nullopt;
        }
        const auto code = enum_named<Enum>(value->get_ref<const std::string&>());
        if (!code) {
            fail(RequestError::bad_value, name);
        }
        return code;
    }

    template <NamedEnum Enum>
    Enum code(std::string_view name) {
        if (!present(name)) {
            return Enum{};
        }
        return optional_code<Enum>(name).value_or(Enum{});
    }

    std::optional<bool> optional_flag(std::string_view name) {
        const json* value = find(name);
        if (value == nullptr) {
            return std::nullopt;
        }
        if (!value->is_boolean()) {
            fail(RequestError::wrong_type, name);
            return std::nullopt;
        }
        return value->get<bool>();
    }

    bool flag(std::string_view name) {
        if (!present(name)) {
            return false;
        }
        return optional_flag(name).value_or(false);
    }

    std::optional<int> optional_integer(std::string_view name, int minimum, int maximum) {
        const json* value = find(name);
        if (value == nullptr) {
            return std::nullopt;
        }
        if (!value->is_number_integer()) {
            fail(RequestError::wrong_type, name);
            return std::nullopt;
        }
        // Unsigned numbers beyond int64 are out of any range here.
        if (value->is_number_unsigned() &&
            value->get<std::uint64_t>() > static_cast<std::uint64_t>(maximum)) {
            fail(RequestError::bad_value, name);
            return std::nullopt;
        }
        const auto number = value->get<std::int64_t>();
        if (number < minimum || number > maximum) {
            fail(RequestError::bad_value, name);
            return std::nullopt;
        }
        return static_cast<int>(number);
    }

    void fail(RequestError error, std::string_view name) {
        if (!m_fault) {
            m_fault = base::error(error, std::string(name));
        }
    }

    const std::optional<RequestFault>& fault() const { return m_fault; }

  private:
    // The field, or nothing when it is absent or an earlier field already failed.
    const json* find(std::string_view name) const {
        if (m_fault) {
            return nullptr;
        }
        const auto found = m_body.find(name);
        return found == m_body.end() ? nullptr : &*found;
    }

    bool present(std::string_view name) {
        if (m_fault) {
            return false;
        }
        if (!m_body.contains(name)) {
            fail(RequestError::missing_field, name);
            return false;
        }
        return true;
    }

    const json& m_body;
    std::optional<RequestFault> m_fault;
};

bool is_location(std::string_view text) {
    const std::size_t length = utf8_length(text);
    return length >= 1 && length <= k_maximum_location_length;
}

bool is_display_name(std::string_view text) {
    const std::size_t length = utf8_length(text);
    return length >= 1 && length <= k_maximum_display_name_length;
}

bool is_rfc3339(std::string_view text) {
    return is_date_time(text);
}

json localized_json(const LocalizedText& text) {
    return json{{"zh-CN", text.zh_cn}, {"zh-HK", text.zh_hk}, {"en", text.en}};
}

}  // namespace

std::string_view to_string(RequestError error) {
    switch (error) {
        case RequestError::not_json:
            return "the body is not valid JSON";
        case RequestError::not_object:
            return "the body must be a JSON object";
        case RequestError::unexpected_field:
            return "a field the contract does not define";
        case RequestError::missing_field:
            return "a required field is missing";
        case RequestError::wrong_type:
            return "a field has the wrong type";
        case RequestError::bad_value:
            return "a field's value is out of its range, list or pattern";
        case RequestError::bad_combination:
            return "priority_reason goes with green_channel and only with it";
    }
    return "the request is not valid";
}

std::size_t utf8_length(std::string_view text) {
    // Every code point has exactly one byte that is not a continuation byte (10xxxxxx).
    constexpr unsigned char k_continuation_mask = 0xC0;
    constexpr unsigned char k_continuation_bits = 0x80;
    return static_cast<std::size_t>(std::ranges::count_if(text, [](char character) {
        return (static_cast<unsigned char>(character) & k_continuation_mask) != k_continuation_bits;
    }));
}

bool is_session_reference(std::string_view text) {
    if (!base::is_canonical_uuid(text)) {
        return false;
    }
    const char variant = text[k_uuid_variant_position];
    return text[k_uuid_version_position] == '4' &&
           (variant == '8' || variant == '9' || variant == 'a' || variant == 'b');
}

bool is_kiosk_id(std::string_view text) {
    return !text.empty() && text.size() <= k_maximum_kiosk_id_length &&
           std::ranges::all_of(text, [](char c) {
               return is_letter_or_digit(c) || c == '.' || c == '_' || c == '-';
           });
}

bool is_business_id(std::string_view text) {
    return !text.empty() && text.size() <= k_maximum_business_id_length && text[0] >= 'a' &&
           text[0] <= 'z' && std::ranges::all_of(text, [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
           });
}

bool is_badge_number(std::string_view text) {
    return !text.empty() && text.size() <= k_maximum_badge_number_length &&
           std::ranges::all_of(text, [](char c) { return is_letter_or_digit(c) || c == '-'; });
}

std::expected<json, RequestFault> parse_body(std::string_view body) {
    json document = json::parse(body, nullptr, false);
    if (document.is_discarded()) {
        return std::unexpected(base::error(RequestError::not_json));
    }
    if (!document.is_object()) {
        return std::unexpected(base::error(RequestError::not_object));
    }
    return document;
}

std::expected<TicketRequest, RequestFault> parse_ticket_request(const json& body) {
    FieldReader reader(body);
    reader.only({"kiosk_id", "business_id", "priority", "priority_reason", "language"});
    TicketRequest request;
    request.kiosk_id = reader.text("kiosk_id", is_kiosk_id);
    request.business_id = reader.text("business_id", is_business_id);
    request.priority = reader.code<Priority>("priority");
    request.priority_reason = reader.optional_code<PriorityReason>("priority_reason");
    request.language = reader.code<Language>("language");
    if (!reader.fault() &&
        (request.priority == Priority::green_channel) != request.priority_reason.has_value()) {
        reader.fail(RequestError::bad_combination, "priority_reason");
    }
    if (reader.fault()) {
        return std::unexpected(*reader.fault());
    }
    return request;
}

std::expected<CallRequest, RequestFault> parse_call_request(const json& body) {
    FieldReader reader(body);
    reader.only({"kiosk_id", "location", "reason", "language", "audio_mode", "elder_mode"});
    CallRequest request;
    request.kiosk_id = reader.text("kiosk_id", is_kiosk_id);
    request.location = reader.text("location", is_location);
    request.reason = reader.code<AssistanceReason>("reason");
    request.language = reader.code<Language>("language");
    request.audio_mode = reader.flag("audio_mode");
    request.elder_mode = reader.flag("elder_mode");
    if (reader.fault()) {
        return std::unexpected(*reader.fault());
    }
    return request;
}

std::expected<AcknowledgementRequest, RequestFault> parse_acknowledgement_request(
    const json& body) {
    FieldReader reader(body);
    reader.only({"role", "display_name", "badge_number", "eta_seconds"});
    AcknowledgementRequest request;
    request.staff.role = reader.code<StaffRole>("role");
    request.staff.display_name =
        reader.optional_text("display_name", is_display_name).value_or(std::string{});
    request.staff.badge_number =
        reader.optional_text("badge_number", is_badge_number).value_or(std::string{});
    request.eta_seconds = reader.optional_integer("eta_seconds", 0, k_maximum_eta_seconds);
    if (reader.fault()) {
        return std::unexpected(*reader.fault());
    }
    return request;
}

std::expected<ClosureRequest, RequestFault> parse_closure_request(const json& body) {
    FieldReader reader(body);
    reader.only({"outcome"});
    ClosureRequest request;
    request.outcome = reader.code<CallOutcome>("outcome");
    if (reader.fault()) {
        return std::unexpected(*reader.fault());
    }
    return request;
}

std::expected<SurveyAnswerRequest, RequestFault> parse_survey_answer_request(const json& body) {
    FieldReader reader(body);
    reader.only({"kiosk_id", "session_reference", "service", "rating", "language", "answered_at"});
    SurveyAnswerRequest request;
    request.kiosk_id = reader.text("kiosk_id", is_kiosk_id);
    request.session_reference = reader.text("session_reference", is_session_reference);
    request.service = reader.code<SurveyService>("service");
    request.rating = reader.code<Rating>("rating");
    request.language = reader.code<Language>("language");
    request.answered_at = reader.text("answered_at", is_rfc3339);
    if (reader.fault()) {
        return std::unexpected(*reader.fault());
    }
    return request;
}

std::expected<ComplaintRequest, RequestFault> parse_complaint_request(const json& body) {
    FieldReader reader(body);
    reader.only({"kiosk_id", "session_reference", "category", "language", "contact_consent",
                 "submitted_at"});
    ComplaintRequest request;
    request.kiosk_id = reader.text("kiosk_id", is_kiosk_id);
    request.session_reference = reader.text("session_reference", is_session_reference);
    request.category = reader.code<ComplaintCategory>("category");
    request.language = reader.code<Language>("language");
    request.contact_consent = reader.optional_flag("contact_consent").value_or(false);
    request.submitted_at = reader.text("submitted_at", is_rfc3339);
    if (reader.fault()) {
        return std::unexpected(*reader.fault());
    }
    return request;
}

json business_list_json(const std::vector<Business>& businesses, std::string as_of) {
    json list = json::array();
    for (const Business& business : businesses) {
        json materials = json::array();
        for (const LocalizedText& material : business.materials) {
            materials.push_back(localized_json(material));
        }
        list.push_back(json{{"id", business.id},
                            {"ticket_prefix", business.ticket_prefix},
                            {"names", localized_json(business.names)},
                            {"materials", std::move(materials)},
                            {"typical_duration_minutes", business.typical_duration_minutes},
                            {"open_counters", business.open_counters},
                            {"people_waiting", business.people_waiting},
                            {"estimated_wait_minutes", business.estimated_wait_minutes},
                            {"popularity_rank", business.popularity_rank},
                            {"open_now", business.open_now}});
    }
    return json{{"as_of", std::move(as_of)}, {"businesses", std::move(list)}};
}

json ticket_json(const Ticket& ticket, const BranchCalendar& calendar) {
    json reply{{"id", ticket.id},
               {"number", ticket.number},
               {"business_id", ticket.business_id},
               {"priority", to_string(ticket.priority)},
               {"language", to_string(ticket.language)},
               {"people_ahead", ticket.people_ahead},
               {"estimated_wait_minutes", ticket.estimated_wait_minutes},
               {"state", to_string(ticket.state)},
               {"issued_at", calendar.timestamp(ticket.issued_at_unix_ms)}};
    if (ticket.priority_reason) {
        reply["priority_reason"] = to_string(*ticket.priority_reason);
    }
    if (ticket.counter_number &&
        (ticket.state == TicketState::called || ticket.state == TicketState::serving)) {
        reply["counter_number"] = *ticket.counter_number;
    }
    return reply;
}

json call_json(const AssistanceCall& call, const BranchCalendar& calendar) {
    json reply{{"id", call.id},
               {"kiosk_id", call.kiosk_id},
               {"location", call.location},
               {"reason", to_string(call.reason)},
               {"language", to_string(call.language)},
               {"audio_mode", call.audio_mode},
               {"elder_mode", call.elder_mode},
               {"state", to_string(call.state)},
               {"created_at", calendar.timestamp(call.created_at_unix_ms)}};
    if (call.acknowledged_by) {
        json staff{{"role", to_string(call.acknowledged_by->role)}};
        if (!call.acknowledged_by->display_name.empty()) {
            staff["display_name"] = call.acknowledged_by->display_name;
        }
        if (!call.acknowledged_by->badge_number.empty()) {
            staff["badge_number"] = call.acknowledged_by->badge_number;
        }
        reply["acknowledged_by"] = std::move(staff);
    }
    if (call.acknowledged_at_unix_ms) {
        reply["acknowledged_at"] = calendar.timestamp(*call.acknowledged_at_unix_ms);
    }
    if (call.eta_seconds) {
        reply["eta_seconds"] = *call.eta_seconds;
    }
    if (call.closed_at_unix_ms) {
        reply["closed_at"] = calendar.timestamp(*call.closed_at_unix_ms);
    }
    if (call.outcome) {
        reply["outcome"] = to_string(*call.outcome);
    }
    return reply;
}

json survey_receipt_json(const SurveyAnswer& answer, const BranchCalendar& calendar) {
    return json{{"id", answer.id}, {"received_at", calendar.timestamp(answer.received_at_unix_ms)}};
}

json complaint_receipt_json(const Complaint& complaint, const BranchCalendar& calendar) {
    return json{{"reference", complaint.reference},
                {"received_at", calendar.timestamp(complaint.received_at_unix_ms)}};
}

}  // namespace simulator::queue
