// The random identifiers the kiosk makes: request keys and session references (version 4
// UUIDs), and the seed from which the core names a run's transactions.

#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "kiosk/core/withdrawal.h"
#include "kiosk/net/random_uuid.h"

TEST_CASE("Random UUIDs are canonical version 4 and do not repeat") {
    std::set<std::string> seen;
    for (int count = 0; count < 1'000; ++count) {
        const auto uuid = kiosk::net::random_uuid();
        REQUIRE(uuid.has_value());
        REQUIRE(uuid->size() == 36);
        CHECK((*uuid)[14] == '4');
        CHECK(std::string("89ab").find((*uuid)[19]) != std::string::npos);
        CHECK(seen.insert(*uuid).second);
    }
}

TEST_CASE(
    "Each run of the kiosk names its transactions afresh: no reference repeats another run's") {
    const auto first = kiosk::net::random_transaction_seed();
    const auto second = kiosk::net::random_transaction_seed();
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(*first != *second);
    // The first withdrawal of two runs, the way the core names it.
    CHECK(kiosk::core::transaction_reference(*first, 0) !=
          kiosk::core::transaction_reference(*second, 0));
}
