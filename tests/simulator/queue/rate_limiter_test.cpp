#include <catch2/catch.hpp>

#include "simulator/queue/rate_limiter.h"

using simulator::queue::RateLimiter;

TEST_CASE("The rate limiter admits the limit and refuses the next with the wait") {
    RateLimiter limiter(3, std::chrono::milliseconds(60'000));
    CHECK_FALSE(limiter.admit("kiosk/a", 1'000));
    CHECK_FALSE(limiter.admit("kiosk/a", 21'000));
    CHECK_FALSE(limiter.admit("kiosk/a", 41'000));
    const auto refused = limiter.admit("kiosk/a", 50'000);
    REQUIRE(refused.has_value());
    // The request at 1 s leaves the window at 61 s: 11 s from 50 s.
    CHECK(*refused == std::chrono::seconds(11));
}

TEST_CASE("The rate limiter counts each client on its own") {
    RateLimiter limiter(1, std::chrono::milliseconds(60'000));
    CHECK_FALSE(limiter.admit("kiosk/a", 0));
    CHECK(limiter.admit("kiosk/a", 10));
    CHECK_FALSE(limiter.admit("kiosk/b", 10));
}

TEST_CASE("A window is a sliding minute not a calendar minute") {
    RateLimiter limiter(2, std::chrono::milliseconds(60'000));
    CHECK_FALSE(limiter.admit("kiosk/a", 59'000));
    CHECK_FALSE(limiter.admit("kiosk/a", 60'500));
    // A calendar minute would have started afresh at 60 s.
    CHECK(limiter.admit("kiosk/a", 61'000));
    CHECK_FALSE(limiter.admit("kiosk/a", 119'001));
}

TEST_CASE("A refused request is not counted") {
    RateLimiter limiter(1, std::chrono::milliseconds(1'000));
    CHECK_FALSE(limiter.admit("kiosk/a", 0));
    CHECK(limiter.admit("kiosk/a", 500));
    CHECK(limiter.admit("kiosk/a", 900));
    CHECK_FALSE(limiter.admit("kiosk/a", 1'001));
}
