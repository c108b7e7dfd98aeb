// The store below the service: numbering past 999, the day's opening, retention.

#include <catch2/catch.hpp>

#include "queue_fixture.h"
#include "simulator/queue/queue_store.h"

using namespace queue_test;
using simulator::queue::QueueStore;
using simulator::queue::TicketDraft;
using simulator::queue::TicketRefusal;

namespace {

std::unique_ptr<QueueStore> open_store(const TemporaryDirectory& directory) {
    auto store = QueueStore::open(directory.path() / "queue.sqlite", demo_branch_path(),
                                  simulator::queue::BranchCalendar{});
    REQUIRE(store.has_value());
    return std::move(*store);
}

simulator::queue::TicketIssue issue(QueueStore& store, std::int64_t now) {
    auto transaction = store.begin(now);
    REQUIRE(transaction.has_value());
    auto issued = store.issue_ticket(
        *transaction,
        TicketDraft{"lobby-01", "wealth_advice", simulator::queue::Priority::normal, std::nullopt,
                    simulator::queue::Language::en},
        now);
    REQUIRE(issued.has_value());
    REQUIRE(transaction->commit().has_value());
    return *issued;
}

}  // namespace

TEST_CASE("After 999 ticket numbers start at 001 again passing over numbers still waiting") {
    TemporaryDirectory directory;
    auto store = open_store(directory);
    for (int number = 1; number <= 999; ++number) {
        REQUIRE(issue(*store, k_start_unix_ms).refusal == TicketRefusal::none);
    }
    {
        auto transaction = store->begin(k_start_unix_ms);
        REQUIRE(transaction.has_value());
        for (int called = 0; called < 2; ++called) {
            auto change = store->call_next_ticket(*transaction, "wealth_advice", std::nullopt,
                                                  k_start_unix_ms);
            REQUIRE(change.has_value());
            REQUIRE(change->refusal == simulator::queue::StaffRefusal::none);
        }
        REQUIRE(transaction->commit().has_value());
    }
    // E001 and E002 were called: their numbers are free again; E003 to E999 still wait.
    CHECK(issue(*store, k_start_unix_ms).ticket.number == "E001");
    CHECK(issue(*store, k_start_unix_ms).ticket.number == "E002");
    CHECK(issue(*store, k_start_unix_ms).refusal == TicketRefusal::queue_full);
}

TEST_CASE("Opening a day ends yesterday's tickets and purges records past their retention") {
    TemporaryDirectory directory;
    auto store = open_store(directory);
    const auto first = issue(*store, k_start_unix_ms).ticket;
    {
        auto transaction = store->begin(k_start_unix_ms);
        REQUIRE(transaction.has_value());
        REQUIRE(store
                    ->save_idempotency_record(*transaction, {"kiosk/lobby-01", "key", "digest", 201,
                                                             "{}", "", k_start_unix_ms})
                    .has_value());
        REQUIRE(transaction->commit().has_value());
    }
    const std::int64_t next_day = k_start_unix_ms + k_day_ms;
    {
        auto transaction = store->begin(next_day);
        REQUIRE(transaction.has_value());
        auto ticket = store->ticket(*transaction, first.id);
        REQUIRE(ticket.has_value());
        REQUIRE(ticket->has_value());
        CHECK((*ticket)->state == simulator::queue::TicketState::cancelled);
        CHECK(store->idempotency_record(*transaction, "kiosk/lobby-01", "key", next_day)
                  ->has_value());
    }
    const std::int64_t eight_days = k_start_unix_ms + 8 * k_day_ms;
    const std::int64_t ninety_one_days = k_start_unix_ms + 91 * k_day_ms;
    {
        auto transaction = store->begin(eight_days);
        REQUIRE(transaction.has_value());
        CHECK_FALSE(store->idempotency_record(*transaction, "kiosk/lobby-01", "key", eight_days)
                        ->has_value());
        CHECK(store->ticket(*transaction, first.id)->has_value());
    }
    auto transaction = store->begin(ninety_one_days);
    REQUIRE(transaction.has_value());
    CHECK_FALSE(store->ticket(*transaction, first.id)->has_value());
}

TEST_CASE("The wait is rounded up and a business with no counter open is estimated as one") {
    CHECK(simulator::queue::estimated_wait_minutes(0, 8, 3) == 0);
    CHECK(simulator::queue::estimated_wait_minutes(1, 8, 3) == 3);
    CHECK(simulator::queue::estimated_wait_minutes(2, 10, 0) == 20);
    CHECK(simulator::queue::estimated_wait_minutes(999, 240, 1) == 600);
}

TEST_CASE("A fresh UUID is version 4 in lowercase text") {
    const std::string uuid = simulator::queue::new_uuid();
    REQUIRE(uuid.size() == 36);
    CHECK(uuid[14] == '4');
    CHECK(std::string("89ab").find(uuid[19]) != std::string::npos);
    CHECK(uuid != simulator::queue::new_uuid());
}
