// The shell's mapping of the core's Journal effects to the electronic journal's records, and
// the journal's guard against a card number slipping into one.

#include <catch2/catch.hpp>

#include "kiosk/app/journal_entry.h"
#include "kiosk/core/reconciliation.h"
#include "tests/kiosk/store/journal_test_support.h"

namespace {

using kiosk::store::testing::TemporaryFolder;

const kiosk::core::Journal k_dispensed{
    "cash_dispensed", "picked",
    kiosk::core::TransactionRecord{"0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c5d",
                                   std::string(to_string(kiosk::core::WithdrawalStep::dispensed)),
                                   kiosk::core::Money{50'000, "CNY"},
                                   kiosk::core::Money{200, "CNY"},
                                   {5, 0}}};

}  // namespace

TEST_CASE("A money-moving step is journaled with its transaction, step, amounts and notes") {
    const auto entry = kiosk::app::entry_of(k_dispensed);
    CHECK(entry.event == "cash_dispensed");
    CHECK(entry.transaction == "0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c5d");
    CHECK(entry.step == "dispensed");
    CHECK(entry.amount_minor_units == 50'000);
    CHECK(entry.fee_minor_units == 200);
    CHECK(entry.currency == "CNY");
    CHECK(entry.notes == std::vector<int>{5, 0});

    TemporaryFolder folder;
    auto journal = kiosk::store::Journal::open(folder.path() / "journal.sqlite");
    REQUIRE(journal.has_value());
    REQUIRE((*journal)->append(entry, 1'764'720'000'000).has_value());
    const auto records = (*journal)->records_of("0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c5d");
    REQUIRE(records.has_value());
    REQUIRE(records->size() == 1);
    CHECK(records->front().entry == entry);
}

TEST_CASE("A step of no transaction is journaled with its event and detail only") {
    const auto entry = kiosk::app::entry_of(kiosk::core::Journal{"card_inserted", "", {}});
    CHECK(entry.event == "card_inserted");
    CHECK(entry.transaction.empty());
    CHECK(entry.currency.empty());
    TemporaryFolder folder;
    auto journal = kiosk::store::Journal::open(folder.path() / "journal.sqlite");
    REQUIRE(journal.has_value());
    CHECK((*journal)->append(entry, 1'764'720'000'000).has_value());
}

TEST_CASE("A card number slipping into a journaled detail is refused, not written") {
    TemporaryFolder folder;
    auto journal = kiosk::store::Journal::open(folder.path() / "journal.sqlite");
    REQUIRE(journal.has_value());
    const auto refused = (*journal)->append(
        kiosk::app::entry_of(kiosk::core::Journal{"card_read", "pan 6228480402564890018", {}}),
        1'764'720'000'000);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == kiosk::store::JournalError::personal_data);
    CHECK((*journal)->tail().sequence == 0);
}
