#include "kiosk/net/health_check.h"

#include <nlohmann/json.hpp>

#include <string>

namespace kiosk::net {

namespace {

// Whether the body is exactly the contract's healthy answer.
bool says_ok(std::string_view body) {
    const nlohmann::json reply = nlohmann::json::parse(body, nullptr, false);
    return reply.is_object() && reply.size() == 1 && reply.contains("status") &&
           reply["status"] == "ok";
}

// "2027-12-03".
std::string iso_date(const std::chrono::year_month_day& date) {
    const auto padded = [](unsigned value) {
        return (value < 10 ? "0" : "") + std::to_string(value);
    };
    return std::to_string(static_cast<int>(date.year())) + "-" +
           padded(static_cast<unsigned>(date.month())) + "-" +
           padded(static_cast<unsigned>(date.day()));
}

}  // namespace

core::NetworkCheck check_health(core::NetworkService service, const HttpsEndpoint& endpoint,
                                std::chrono::system_clock::time_point now) {
    core::NetworkCheck check;
    check.service = service;
    HttpsChannel channel;
    ReplyBuffer body(k_maximum_health_reply_bytes, ReplyBuffer::Secrecy::plain);
    HttpsRequest request;
    request.path = "/v1/health";
    request.read_certificate = true;
    const HttpsReply reply = channel.exchange(endpoint, request, body, [] { return false; });
    if (!reply.http_status) {
        check.problem = std::string(to_string(reply.failure));
        return check;
    }
    check.round_trip_ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(reply.elapsed).count());
    check.healthy = *reply.http_status == 200 && says_ok(body.body());
    if (!check.healthy) {
        check.problem = *reply.http_status == 200 ? "bad_reply" : reply.status();
    }
    if (reply.certificate_expires) {
        const auto last_day = std::chrono::floor<std::chrono::days>(*reply.certificate_expires);
        const std::chrono::year_month_day date{last_day};
        check.certificate_expiry = iso_date(date);
        check.certificate_days_left =
            static_cast<int>((last_day - std::chrono::floor<std::chrono::days>(now)).count());
    }
    return check;
}

}  // namespace kiosk::net
