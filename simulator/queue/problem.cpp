#include "simulator/queue/problem.h"

namespace simulator::queue {

std::string_view to_string(ProblemType type) {
    switch (type) {
        case ProblemType::invalid_request:
            return "invalid-request";
        case ProblemType::missing_idempotency_key:
            return "missing-idempotency-key";
        case ProblemType::kiosk_identity_mismatch:
            return "kiosk-identity-mismatch";
        case ProblemType::wrong_client:
            return "wrong-client";
        case ProblemType::not_found:
            return "not-found";
        case ProblemType::request_too_large:
            return "request-too-large";
        case ProblemType::request_in_progress:
            return "request-in-progress";
        case ProblemType::business_closed:
            return "business-closed";
        case ProblemType::unknown_business:
            return "unknown-business";
        case ProblemType::already_answered:
            return "already-answered";
        case ProblemType::call_already_acknowledged:
            return "call-already-acknowledged";
        case ProblemType::call_closed:
            return "call-closed";
        case ProblemType::idempotency_key_reused:
            return "idempotency-key-reused";
        case ProblemType::too_many_requests:
            return "too-many-requests";
        case ProblemType::unavailable:
            return "unavailable";
    }
    return "unavailable";
}

std::string_view title_of(ProblemType type) {
    switch (type) {
        case ProblemType::invalid_request:
            return "The request is not valid";
        case ProblemType::missing_idempotency_key:
            return "The Idempotency-Key header is missing or not a UUID";
        case ProblemType::kiosk_identity_mismatch:
            return "kiosk_id does not match the client certificate";
        case ProblemType::wrong_client:
            return "This endpoint is not for this kind of client";
        case ProblemType::not_found:
            return "Not found";
        case ProblemType::request_too_large:
            return "The request body is too large";
        case ProblemType::request_in_progress:
            return "A request with this Idempotency-Key is still being processed";
        case ProblemType::business_closed:
            return "The business is not taking tickets now";
        case ProblemType::unknown_business:
            return "The branch does not offer this business";
        case ProblemType::already_answered:
            return "This session already answered for this service";
        case ProblemType::call_already_acknowledged:
            return "The call is already acknowledged";
        case ProblemType::call_closed:
            return "The call is closed";
        case ProblemType::idempotency_key_reused:
            return "The Idempotency-Key was used for a different request";
        case ProblemType::too_many_requests:
            return "Too many requests";
        case ProblemType::unavailable:
            return "The queue service is not available";
    }
    return "The queue service is not available";
}

int status_of(ProblemType type) {
    switch (type) {
        case ProblemType::invalid_request:
        case ProblemType::missing_idempotency_key:
            return 400;
        case ProblemType::kiosk_identity_mismatch:
        case ProblemType::wrong_client:
            return 403;
        case ProblemType::not_found:
            return 404;
        case ProblemType::request_too_large:
            return 413;
        case ProblemType::request_in_progress:
        case ProblemType::business_closed:
        case ProblemType::unknown_business:
        case ProblemType::already_answered:
        case ProblemType::call_already_acknowledged:
        case ProblemType::call_closed:
            return 409;
        case ProblemType::idempotency_key_reused:
            return 422;
        case ProblemType::too_many_requests:
            return 429;
        case ProblemType::unavailable:
            return 503;
    }
    return 503;
}

std::string type_uri(ProblemType type) {
    return std::string(k_problem_type_base) + std::string(to_string(type));
}

nlohmann::json problem_json(ProblemType type, std::string_view detail,
                            std::string_view instance_id) {
    nlohmann::json body{{"type", type_uri(type)},
                        {"title", title_of(type)},
                        {"status", status_of(type)},
                        {"instance", "urn:uuid:" + std::string(instance_id)}};
    if (!detail.empty()) {
        body["detail"] = detail;
    }
    return body;
}

}  // namespace simulator::queue
