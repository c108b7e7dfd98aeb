#include "kiosk/core/branch.h"

namespace kiosk::core {

const std::string& LocalizedText::in(std::string_view locale) const {
    if (locale == "zh-CN") {
        return zh_cn;
    }
    if (locale == "zh-HK") {
        return zh_hk;
    }
    return en;
}

std::string_view to_string(Priority priority) {
    switch (priority) {
        case Priority::normal:
            return "normal";
        case Priority::green_channel:
            return "green_channel";
    }
    return "unknown";
}

std::string_view to_string(PriorityReason reason) {
    switch (reason) {
        case PriorityReason::older_customer:
            return "older_customer";
        case PriorityReason::disability:
            return "disability";
        case PriorityReason::pregnancy:
            return "pregnancy";
    }
    return "unknown";
}

std::string_view to_string(AssistanceReason reason) {
    switch (reason) {
        case AssistanceReason::customer_request:
            return "customer_request";
        case AssistanceReason::customer_hesitating:
            return "customer_hesitating";
        case AssistanceReason::device_fault:
            return "device_fault";
        case AssistanceReason::card_retained:
            return "card_retained";
        case AssistanceReason::not_satisfied:
            return "not_satisfied";
    }
    return "unknown";
}

std::string_view to_string(StaffRole role) {
    switch (role) {
        case StaffRole::lobby_manager:
            return "lobby_manager";
        case StaffRole::customer_service_officer:
            return "customer_service_officer";
        case StaffRole::security_guard:
            return "security_guard";
    }
    return "unknown";
}

std::string_view to_string(CallState state) {
    switch (state) {
        case CallState::open:
            return "open";
        case CallState::acknowledged:
            return "acknowledged";
        case CallState::closed:
            return "closed";
    }
    return "unknown";
}

std::string_view to_string(ServiceKind kind) {
    switch (kind) {
        case ServiceKind::balance:
            return "balance";
        case ServiceKind::ticket:
            return "ticket";
        case ServiceKind::assistance:
            return "assistance";
        case ServiceKind::withdrawal:
            return "withdrawal";
        case ServiceKind::transfer:
            return "transfer";
    }
    return "unknown";
}

std::string_view to_string(Rating rating) {
    switch (rating) {
        case Rating::satisfied:
            return "satisfied";
        case Rating::neutral:
            return "neutral";
        case Rating::not_satisfied:
            return "not_satisfied";
    }
    return "unknown";
}

std::string_view to_string(ComplaintCategory category) {
    switch (category) {
        case ComplaintCategory::waiting_time:
            return "waiting_time";
        case ComplaintCategory::staff_attitude:
            return "staff_attitude";
        case ComplaintCategory::machine_fault:
            return "machine_fault";
        case ComplaintCategory::fees:
            return "fees";
        case ComplaintCategory::privacy:
            return "privacy";
        case ComplaintCategory::other:
            return "other";
    }
    return "unknown";
}

std::string_view to_string(QueueStatus status) {
    switch (status) {
        case QueueStatus::ok:
            return "ok";
        case QueueStatus::kept:
            return "kept";
        case QueueStatus::refused:
            return "refused";
        case QueueStatus::unavailable:
            return "unavailable";
        case QueueStatus::timeout:
            return "timeout";
        case QueueStatus::bad_reply:
            return "bad_reply";
    }
    return "unknown";
}

}  // namespace kiosk::core
