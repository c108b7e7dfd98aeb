// The shared HTTPS machinery (kiosk/net/https_exchange.h): Retry-After as the queue contract
// writes it, and the test-only plain transport that only a loopback mock may have.

#include <catch2/catch.hpp>

#include "kiosk/net/https_exchange.h"
#include "kiosk/net/queue_client.h"
#include "tests/kiosk/net/fake_queue_service.h"
#include "tests/kiosk/net/queue_recorder.h"
#include "tests/kiosk/net/test_certificates.h"

using namespace std::chrono_literals;
using kiosk::net::is_plain_loopback_url;
using kiosk::net::parse_retry_after;

namespace {

// How a businesses call ends against a plain HTTP service: the notice's status.
std::string plain_call(const std::string& url, bool allow_plain) {
    kiosk::net::testing::TemporaryFolder folder;
    kiosk::net::testing::QueueRecorder recorder;
    kiosk::net::QueueClientOptions options;
    options.endpoint.base_url = url;
    options.endpoint.allow_plain_http_to_loopback_for_tests = allow_plain;
    options.kiosk_id = "lobby-01";
    options.location = "lobby";
    options.outbox_file = folder.path() / "outbox.sqlite";
    kiosk::net::QueueClient client(std::move(options));
    client.start(recorder.events(), recorder.notices());
    client.list_businesses(1);
    REQUIRE(recorder.wait_for_notice("businesses", ""));
    for (const auto& notice : recorder.notices_seen()) {
        if (notice.call == "businesses") {
            return notice.status;
        }
    }
    return {};
}

}  // namespace

TEST_CASE("Retry-After is read as whole seconds and bounded by the contract") {
    CHECK(parse_retry_after("30") == 30s);
    CHECK(parse_retry_after(" 1 ") == 1s);
    CHECK(parse_retry_after("0") == 0s);
    CHECK(parse_retry_after("3600") == 3600s);
    CHECK(parse_retry_after("86400") == kiosk::net::k_longest_retry_after);
    CHECK(parse_retry_after("99999999999999999999") == kiosk::net::k_longest_retry_after);
    CHECK_FALSE(parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT").has_value());
    CHECK_FALSE(parse_retry_after("-5").has_value());
    CHECK_FALSE(parse_retry_after("1.5").has_value());
    CHECK_FALSE(parse_retry_after("").has_value());
}

TEST_CASE("Only an http URL of a loopback host counts as a plain loopback URL") {
    CHECK(is_plain_loopback_url("http://127.0.0.1:4010"));
    CHECK(is_plain_loopback_url("http://localhost:4010"));
    CHECK(is_plain_loopback_url("http://[::1]:4010"));
    CHECK(is_plain_loopback_url("http://127.0.0.1"));
    CHECK_FALSE(is_plain_loopback_url("https://127.0.0.1:4010"));
    CHECK_FALSE(is_plain_loopback_url("http://127.0.0.1.example.com:4010"));
    CHECK_FALSE(is_plain_loopback_url("http://127.0.0.1@bank.example:4010"));
    CHECK_FALSE(is_plain_loopback_url("http://localhost:4010/../"));
    CHECK_FALSE(is_plain_loopback_url("http://10.0.0.1:4010"));
    CHECK_FALSE(is_plain_loopback_url("http://127.0.0.1:"));
}

TEST_CASE("Plain HTTP is used only with the test-only setting and only to loopback") {
    kiosk::net::testing::FakeQueueService service(kiosk::net::testing::Transport::plain);
    CHECK(plain_call(service.url(), false) == "insecure_configuration");
    CHECK(service.requests().empty());
    CHECK(plain_call(service.url(), true) == "200");
    CHECK(service.requests().size() == 1);
    // The same service by a name that is not loopback's: refused before anything is sent.
    CHECK(plain_call("http://127.0.0.1.nip.invalid:" + std::to_string(service.port()), true) ==
          "insecure_configuration");
}
