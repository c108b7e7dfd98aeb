// The arithmetic of a cash withdrawal (kiosk/core/withdrawal.h): references that never repeat
// and that the account service, dispenser and journal accept; notes that make exactly the
// amount; only amounts the cassettes and today's limits allow.

#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "base/uuid.h"
#include "kiosk/core/withdrawal.h"

using namespace kiosk::core;

namespace {

Money yuan(std::int64_t units) {
    return Money{units * 100, "CNY"};
}

// 100-yuan notes in cassette 1, 50-yuan notes in cassette 2.
std::vector<Cassette> cassettes(int hundreds = 2'000, int fifties = 1'000) {
    return {Cassette{1, yuan(100), hundreds, CassetteState::ok},
            Cassette{2, yuan(50), fifties, CassetteState::ok}};
}

// simulator/bank's limits: 3,000 a withdrawal, 20,000 a day.
Limits limits(std::int64_t left_today = 20'000) {
    return Limits{yuan(3'000), yuan(left_today), yuan(50'000)};
}

}  // namespace

TEST_CASE("Transaction references are canonical version 4 UUIDs that never repeat in a run") {
    TransactionSeed seed{};
    for (std::size_t index = 0; index < seed.size(); ++index) {
        seed[index] = static_cast<std::uint8_t>(index * 37 + 11);
    }
    std::set<std::string> references;
    for (std::uint64_t count = 0; count < 1'000; ++count) {
        const TransactionReference reference = transaction_reference(seed, count);
        INFO(reference);
        CHECK(base::is_canonical_uuid(reference));
        CHECK(reference[14] == '4');                                          // version
        CHECK(std::string("89ab").find(reference[19]) != std::string::npos);  // variant 10
        references.insert(reference);
    }
    CHECK(references.size() == 1'000);
    // Another start-up's seed gives other references for the same counts.
    TransactionSeed other = seed;
    other[0] = static_cast<std::uint8_t>(other[0] ^ 0xFFU);
    CHECK(transaction_reference(other, 0) != transaction_reference(seed, 0));
    // And the same seed and count always the same one: a retry names the same withdrawal.
    CHECK(transaction_reference(seed, 7) == transaction_reference(seed, 7));
}

TEST_CASE("The notes make exactly the amount, largest first, from cassettes that can give") {
    CHECK(note_mix(cassettes(), yuan(500)) == std::vector<int>{5, 0});
    CHECK(note_mix(cassettes(), yuan(650)) == std::vector<int>{6, 1});
    // Too few hundreds: fifties make up the rest.
    CHECK(note_mix(cassettes(2, 1'000), yuan(500)) == std::vector<int>{2, 6});
    // Nothing makes 30 yuan, or more than the cassettes hold.
    CHECK_FALSE(note_mix(cassettes(), yuan(30)).has_value());
    CHECK_FALSE(note_mix(cassettes(1, 1), yuan(200)).has_value());
    CHECK_FALSE(note_mix(cassettes(), yuan(0)).has_value());
    // A jammed or empty cassette gives nothing; notes of another currency do not count.
    std::vector<Cassette> jammed = cassettes();
    jammed[0].state = CassetteState::jammed;
    CHECK(note_mix(jammed, yuan(500)) == std::vector<int>{0, 10});
    CHECK_FALSE(note_mix(cassettes(), Money{50'000, "HKD"}).has_value());
    // A cassette that is low still gives.
    std::vector<Cassette> low = cassettes();
    low[0].state = CassetteState::low;
    CHECK(note_mix(low, yuan(100)) == std::vector<int>{1, 0});
}

TEST_CASE("Only amounts within the limits and the cassettes are offered, and no more than asked") {
    const std::vector<int> presets{100, 200, 500, 1'000};
    CHECK(offered_amounts(cassettes(), limits(), "CNY", presets, 4) ==
          std::vector<Money>{yuan(100), yuan(200), yuan(500), yuan(1'000)});
    // Elder mode offers two.
    CHECK(offered_amounts(cassettes(), limits(), "CNY", presets, 2) ==
          std::vector<Money>{yuan(100), yuan(200)});
    // 300 yuan left today: 100 and 200 only.
    CHECK(offered_amounts(cassettes(), limits(300), "CNY", presets, 4) ==
          std::vector<Money>{yuan(100), yuan(200)});
    // Three 100-yuan notes and no fifties: 100 and 200 only.
    CHECK(offered_amounts(cassettes(3, 0), limits(), "CNY", presets, 4) ==
          std::vector<Money>{yuan(100), yuan(200)});
    CHECK(can_withdraw(cassettes(), limits(), yuan(3'000)));
    CHECK_FALSE(can_withdraw(cassettes(), limits(), yuan(3'100)));  // above one withdrawal's
    CHECK_FALSE(can_withdraw(cassettes(), limits(), yuan(-100)));
    CHECK(smallest_note(cassettes(), "CNY") == yuan(50));
    CHECK(smallest_note(cassettes(0, 0), "CNY") == std::nullopt);
}
