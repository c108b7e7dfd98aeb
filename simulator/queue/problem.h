#pragma once

// The service's errors as RFC 9457 problem details (docs/api/queue.yaml, "Problem"): one closed
// list of problem types, each with its fixed title and HTTP status. The kiosk decides by
// status and type; the title and detail are English for engineers.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace simulator::queue {

inline constexpr std::string_view k_problem_content_type = "application/problem+json";
inline constexpr std::string_view k_problem_type_base = "https://bank.example/problems/queue/";

enum class ProblemType {
    invalid_request,            // 400
    missing_idempotency_key,    // 400
    kiosk_identity_mismatch,    // 403
    wrong_client,               // 403
    not_found,                  // 404
    request_too_large,          // 413
    request_in_progress,        // 409
    business_closed,            // 409
    unknown_business,           // 409
    already_answered,           // 409
    call_already_acknowledged,  // 409
    call_closed,                // 409
    idempotency_key_reused,     // 422
    too_many_requests,          // 429
    unavailable,                // 503
};

// The type's name, the last part of its URI: "invalid-request".
std::string_view to_string(ProblemType type);
// The same short English summary for every occurrence of the type.
std::string_view title_of(ProblemType type);
int status_of(ProblemType type);
// "https://bank.example/problems/queue/invalid-request"
std::string type_uri(ProblemType type);

// The problem body. `detail` may be empty (then it is left out); `instance_id` is the UUID the
// service logged this occurrence under, sent as urn:uuid:<id>.
nlohmann::json problem_json(ProblemType type, std::string_view detail,
                            std::string_view instance_id);

}  // namespace simulator::queue
