// The service menu's network check (kiosk/net/health_check.h): a service's /v1/health over the
// kiosk's TLS rules, timed, with the expiry of the certificate the service presented; and what
// each kind of failure is called.

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "kiosk/net/health_check.h"
#include "tests/kiosk/net/tls_test_service.h"

using namespace std::chrono_literals;
using kiosk::core::NetworkCheck;
using kiosk::core::NetworkService;
using kiosk::net::testing::ClientCertificate;
using kiosk::net::testing::test_pki;
using kiosk::net::testing::TlsTestService;

namespace {

// A TLS service whose /v1/health answers `status` with `body`.
TlsTestService health_service(int status, std::string body) {
    return TlsTestService(ClientCertificate::not_asked, "GET", "/v1/health", status,
                          std::move(body));
}

kiosk::net::HttpsEndpoint endpoint_of(std::string url) {
    kiosk::net::HttpsEndpoint endpoint;
    endpoint.base_url = std::move(url);
    endpoint.ca_file = test_pki().authority;
    endpoint.connect_timeout = 2s;
    endpoint.total_timeout = 3s;
    return endpoint;
}

std::string date_of(std::chrono::system_clock::time_point when) {
    const std::chrono::year_month_day date{std::chrono::floor<std::chrono::days>(when)};
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
    return text;
}

}  // namespace

TEST_CASE("A healthy service is timed, and its certificate's last day and days left are read") {
    const TlsTestService service = health_service(200, R"({"status":"ok"})");
    const auto now = std::chrono::system_clock::now();
    const NetworkCheck check =
        kiosk::net::check_health(NetworkService::queue, endpoint_of(service.url()), now);
    CHECK(check.service == NetworkService::queue);
    CHECK(check.configured);
    CHECK(check.healthy);
    CHECK(check.problem.empty());
    CHECK(check.round_trip_ms >= 0);
    CHECK(check.round_trip_ms < 3'000);
    // The test certificate runs for two days from when it was made (this process).
    CHECK(check.certificate_expiry == date_of(now + std::chrono::days{2}));
    CHECK(check.certificate_days_left == 2);
    CHECK(service.requests() == 1);
    // As seen from a day before its end, and from after it.
    const NetworkCheck later = kiosk::net::check_health(
        NetworkService::queue, endpoint_of(service.url()), now + std::chrono::days{1});
    CHECK(later.certificate_days_left == 1);
    const NetworkCheck after = kiosk::net::check_health(
        NetworkService::queue, endpoint_of(service.url()), now + std::chrono::days{5});
    CHECK(after.certificate_days_left == -3);
}

TEST_CASE("An unhealthy or unreachable service is named by what went wrong") {
    SECTION("503") {
        const TlsTestService service = health_service(503, R"({"error":"unavailable"})");
        const NetworkCheck check = kiosk::net::check_health(
            NetworkService::account, endpoint_of(service.url()), std::chrono::system_clock::now());
        CHECK_FALSE(check.healthy);
        CHECK(check.problem == "503");
        // The service answered: its certificate is still read.
        CHECK(check.certificate_days_left.has_value());
    }
    SECTION("200 with a body that is not the contract's") {
        const TlsTestService service = health_service(200, R"({"status":"ok","extra":1})");
        const NetworkCheck check = kiosk::net::check_health(
            NetworkService::account, endpoint_of(service.url()), std::chrono::system_clock::now());
        CHECK_FALSE(check.healthy);
        CHECK(check.problem == "bad_reply");
    }
    SECTION("nothing listening") {
        std::string url;
        {
            const TlsTestService gone = health_service(200, "{}");
            url = gone.url();
        }
        const NetworkCheck check = kiosk::net::check_health(
            NetworkService::account, endpoint_of(url), std::chrono::system_clock::now());
        CHECK_FALSE(check.healthy);
        CHECK(check.problem == "connect_failed");
        CHECK_FALSE(check.certificate_days_left.has_value());
    }
    SECTION("a certificate from an authority the kiosk does not trust") {
        const TlsTestService service = health_service(200, R"({"status":"ok"})");
        kiosk::net::HttpsEndpoint endpoint = endpoint_of(service.url());
        endpoint.ca_file = test_pki().stranger.certificate;  // not the service's authority
        const NetworkCheck check = kiosk::net::check_health(NetworkService::account, endpoint,
                                                            std::chrono::system_clock::now());
        CHECK_FALSE(check.healthy);
        CHECK(check.problem == "tls_failure");
        CHECK(service.requests() == 0);
    }
}

TEST_CASE("A certificate's expiry is read as OpenSSL words it, and nothing else is") {
    using kiosk::net::parse_certificate_time;
    const auto expected = std::chrono::sys_days{std::chrono::year{2027} / 12 / 3} + 19h + 30min;
    CHECK(parse_certificate_time("Dec  3 19:30:00 2027 GMT") == expected);
    CHECK(parse_certificate_time("Dec 03 19:30:00 2027 GMT") == expected);
    CHECK(parse_certificate_time("Feb 29 00:00:00 2028 GMT").has_value());
    CHECK_FALSE(parse_certificate_time("Feb 30 00:00:00 2027 GMT").has_value());
    CHECK_FALSE(parse_certificate_time("Dec  3 19:30:00 2027 UTC").has_value());
    CHECK_FALSE(parse_certificate_time("Dez  3 19:30:00 2027 GMT").has_value());
    CHECK_FALSE(parse_certificate_time("Dec  3 25:30:00 2027 GMT").has_value());
    CHECK_FALSE(parse_certificate_time("").has_value());
    CHECK_FALSE(parse_certificate_time("Dec  3 19:30 2027 GMT").has_value());
}
