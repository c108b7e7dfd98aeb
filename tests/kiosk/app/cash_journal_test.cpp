// The shell's electronic journal: each money-moving step written before the effect after it,
// what a crash left unfinished read back at start-up, and no cash once a record is missing.

#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "kiosk/app/cash_journal.h"
#include "kiosk/app/journal_entry.h"
#include "tests/kiosk/store/journal_test_support.h"

namespace {

namespace core = kiosk::core;
namespace store = kiosk::store;
namespace store_testing = kiosk::store::testing;
using kiosk::app::CashJournal;

constexpr std::int64_t k_cash_journal_test_time = 1'764'720'000'000;

// A withdrawal's step as the core journals it (Flow::journal_step): the event is the prefix and
// the step's name, the amount what was authorised (for dispensed: what was picked).
core::Journal withdrawal_step(int transaction, core::WithdrawalStep step,
                              std::int64_t amount_minor_units, std::int64_t fee_minor_units = 500,
                              std::vector<int> notes = {}) {
    const std::string name(core::to_string(step));
    return core::Journal{
        std::string(core::k_withdrawal_event_prefix) + name, "",
        core::TransactionRecord{store_testing::transaction_reference(transaction), name,
                                core::Money{amount_minor_units, "HKD"},
                                core::Money{fee_minor_units, "HKD"}, std::move(notes)}};
}

// Appends the records to the journal in `file`, as an earlier run of the kiosk left them.
void write_records(const std::filesystem::path& file,
                   const std::vector<store::JournalEntry>& entries) {
    auto journal = store::Journal::open(file);
    REQUIRE(journal.has_value());
    for (const store::JournalEntry& entry : entries) {
        REQUIRE((*journal)->append(entry, k_cash_journal_test_time).has_value());
    }
}

void write_steps(const std::filesystem::path& file, const std::vector<core::Journal>& steps) {
    std::vector<store::JournalEntry> entries;
    for (const core::Journal& step : steps) {
        entries.push_back(kiosk::app::entry_of(step));
    }
    write_records(file, entries);
}

core::Effect account_call(core::AccountRequest request) {
    return core::AccountCall{7, std::move(request), base::SecretText("session-token")};
}

const std::string k_reference = store_testing::transaction_reference(1);

// Every effect that gives money or commits a debit (core::is_money_giving).
std::vector<core::Effect> money_giving_effects() {
    return {account_call(core::AuthoriseWithdrawal{k_reference, "quote-1"}),
            account_call(core::ConfirmWithdrawal{k_reference, core::Money{50'000, "HKD"}}),
            core::Dispense{k_reference, {5, 0}}, core::PresentCash{k_reference}};
}

// Effects that must run whatever became of the journal: securing money, the screen, the voice,
// staff, and the journal's own records (the transcript keeps them).
std::vector<core::Effect> other_effects() {
    return {
        core::RejectCash{k_reference},
        core::RetractCash{k_reference},
        account_call(core::ReverseWithdrawal{k_reference, core::ReverseReason::outcome_unknown}),
        account_call(core::FindWithdrawal{k_reference}),
        core::CheckDispenser{},
        core::Show{},
        core::Speak{},
        core::StartTimer{core::TimerId::dispenser, 60'000},
        core::NotifyStaff{"cash dispenser jammed", core::AssistanceReason::device_fault},
        core::Journal{"card_inserted", "", std::nullopt},
        withdrawal_step(1, core::WithdrawalStep::reverse_requested, 50'000)};
}

// Admits `effects` in turn; counts the JournalFailed events taken after each.
struct Admitted {
    std::vector<bool> carried_out;
    std::vector<core::JournalFailed> failures;
};

Admitted admit_all(CashJournal& journal, const std::vector<core::Effect>& effects) {
    Admitted admitted;
    for (const core::Effect& effect : effects) {
        admitted.carried_out.push_back(journal.admit(effect));
        if (auto failed = journal.take_failure()) {
            admitted.failures.push_back(std::move(*failed));
        }
    }
    return admitted;
}

// Whether the journal refuses every money-giving effect and lets every other one through.
void check_gives_no_cash(CashJournal& journal) {
    const Admitted money = admit_all(journal, money_giving_effects());
    CHECK(money.carried_out == std::vector<bool>(money_giving_effects().size(), false));
    const Admitted others = admit_all(journal, other_effects());
    CHECK(others.carried_out == std::vector<bool>(other_effects().size(), true));
    CHECK(money.failures.empty());
    CHECK(others.failures.empty());
}

std::int64_t records_in(const std::filesystem::path& file) {
    return store::verify_journal(file).records;
}

}  // namespace

TEST_CASE("Each step with a transaction is on the disk, in order, before the next effect runs") {
    store_testing::TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    const std::vector<core::Journal> steps{
        withdrawal_step(1, core::WithdrawalStep::authorise_requested, 50'000),
        withdrawal_step(1, core::WithdrawalStep::authorised, 50'000),
        withdrawal_step(1, core::WithdrawalStep::dispense_ordered, 50'000, 500, {5, 0}),
        withdrawal_step(1, core::WithdrawalStep::dispensed, 50'000, 500, {5, 0}),
    };
    const std::vector<core::Effect> effects{
        core::Journal{"card_inserted", "", std::nullopt},
        steps[0],
        account_call(core::AuthoriseWithdrawal{k_reference, "quote-1"}),
        steps[1],
        steps[2],
        core::Dispense{k_reference, {5, 0}},
        core::Journal{"cash_reminder", "1", std::nullopt},
        steps[3],
        core::Show{},
    };
    // How many records the file holds once each effect is admitted: a step is written by the
    // time the next effect may run; a Journal without a transaction is the transcript's only.
    const std::vector<std::int64_t> expected_records{0, 1, 1, 2, 3, 3, 3, 4, 4};

    const auto before = std::chrono::system_clock::now();
    {
        auto journal = CashJournal::open(file);
        REQUIRE_FALSE(journal.failed());
        for (std::size_t index = 0; index < effects.size(); ++index) {
            INFO("effect " << index);
            CHECK(journal.admit(effects[index]));
            CHECK(records_in(file) == expected_records[index]);
        }
        CHECK_FALSE(journal.take_failure().has_value());
    }
    const auto after = std::chrono::system_clock::now();

    auto written = store::Journal::open(file);
    REQUIRE(written.has_value());
    const auto records = (*written)->records();
    REQUIRE(records.has_value());
    REQUIRE(records->size() == steps.size());
    const auto unix_ms = [](std::chrono::system_clock::time_point at) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
    };
    for (std::size_t index = 0; index < steps.size(); ++index) {
        INFO("record " << index);
        CHECK((*records)[index].entry == kiosk::app::entry_of(steps[index]));
        CHECK((*records)[index].at_unix_ms >= unix_ms(before));
        CHECK((*records)[index].at_unix_ms <= unix_ms(after));
    }
    CHECK((*records)[3].entry.step == "dispensed");
    CHECK((*records)[3].entry.notes == std::vector<int>{5, 0});
}

TEST_CASE(
    "The service menu's steps are kept in the journal as an audit trail; and a journal "
    "holding them still finds what a withdrawal left unfinished") {
    store_testing::TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    {
        auto journal = CashJournal::open(file);
        REQUIRE_FALSE(journal.failed());
        CHECK(journal.admit(core::Journal{"signed_in", "1001 engineer", std::nullopt, true}));
        CHECK(records_in(file) == 1);
        CHECK(journal.admit(core::Journal{"key_tone", "", std::nullopt, false}));
        CHECK(records_in(file) == 1);
        CHECK(journal.admit(withdrawal_step(1, core::WithdrawalStep::authorised, 50'000)));
        CHECK(journal.admit(core::Journal{"out_of_service", "on cash", std::nullopt, true}));
        CHECK(records_in(file) == 3);
    }
    auto written = store::Journal::open(file);
    REQUIRE(written.has_value());
    const auto records = (*written)->records();
    REQUIRE(records.has_value());
    REQUIRE(records->size() == 3);
    CHECK((*records)[0].entry.event == "signed_in");
    CHECK((*records)[0].entry.detail == "1001 engineer");
    CHECK((*records)[0].entry.transaction.empty());
    CHECK((*records)[2].entry.event == "out_of_service");
    // The audit records belong to no withdrawal: the one authorised is still found unfinished.
    auto journal = CashJournal::open(file);
    const kiosk::app::UnfinishedReading reading = journal.read_unfinished();
    CHECK(reading.unreadable.empty());
    REQUIRE(reading.unfinished.size() == 1);
    CHECK(reading.unfinished.front().last_step == core::WithdrawalStep::authorised);
}

TEST_CASE("The withdrawals left unfinished are read back oldest first with what was picked") {
    store_testing::TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    using Step = core::WithdrawalStep;
    write_steps(file,
                {
                    // 1: picked less than authorised, stopped while the debit was being confirmed.
                    withdrawal_step(1, Step::authorise_requested, 50'000),
                    // 2: begun after 1, its last record written before 1's.
                    withdrawal_step(2, Step::authorise_requested, 20'000, 0),
                    withdrawal_step(1, Step::authorised, 50'000),
                    withdrawal_step(1, Step::dispense_ordered, 50'000, 500, {5, 0}),
                    withdrawal_step(1, Step::dispensed, 30'000, 500, {3, 0}),
                    withdrawal_step(1, Step::confirm_requested, 50'000),
                    // 3 to 6 ended: completed, reversed, refused, left to staff.
                    withdrawal_step(3, Step::authorise_requested, 10'000),
                    withdrawal_step(3, Step::completed, 10'000),
                    withdrawal_step(4, Step::dispensed, 10'000),
                    withdrawal_step(4, Step::reversed, 10'000),
                    withdrawal_step(5, Step::authorise_requested, 10'000),
                    withdrawal_step(5, Step::refused, 10'000),
                    withdrawal_step(6, Step::presented, 10'000),
                    withdrawal_step(6, Step::held_for_engineer, 10'000),
                    // 7: stopped just after the notes were picked: its last record carries the
                    // picked amount, its earlier ones the authorised.
                    withdrawal_step(7, Step::authorise_requested, 40'000, 300),
                    withdrawal_step(7, Step::dispensed, 20'000, 300, {2, 0}),
                });
    // A record of another kind of transaction is not a withdrawal's.
    write_records(file, {store::JournalEntry{.event = "transfer_requested",
                                             .detail = "",
                                             .transaction = store_testing::transaction_reference(8),
                                             .step = "requested",
                                             .amount_minor_units = 10'000,
                                             .fee_minor_units = 0,
                                             .currency = "HKD",
                                             .notes = {}}});

    auto journal = CashJournal::open(file);
    const kiosk::app::UnfinishedReading reading = journal.read_unfinished();

    const std::vector<core::UnfinishedWithdrawal> expected{
        {.transaction = store_testing::transaction_reference(1),
         .last_step = Step::confirm_requested,
         .amount = core::Money{50'000, "HKD"},
         .fee = core::Money{500, "HKD"},
         .dispensed = core::Money{30'000, "HKD"},
         .dispensed_known = true},
        {.transaction = store_testing::transaction_reference(2),
         .last_step = Step::authorise_requested,
         .amount = core::Money{20'000, "HKD"},
         .fee = core::Money{0, "HKD"},
         .dispensed = core::Money{0, "HKD"},
         .dispensed_known = false},
        {.transaction = store_testing::transaction_reference(7),
         .last_step = Step::dispensed,
         .amount = core::Money{40'000, "HKD"},
         .fee = core::Money{300, "HKD"},
         .dispensed = core::Money{20'000, "HKD"},
         .dispensed_known = true},
    };
    CHECK(reading.unfinished == expected);
    CHECK(reading.unreadable.empty());
    CHECK_FALSE(journal.failed());
    CHECK_FALSE(journal.take_failure().has_value());
}

TEST_CASE("A withdrawal record the core cannot have written is left for staff, not dropped") {
    store_testing::TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    using Step = core::WithdrawalStep;
    store::JournalEntry unknown_step =
        kiosk::app::entry_of(withdrawal_step(1, Step::authorised, 10'000));
    unknown_step.event = "withdrawal_teleported";
    unknown_step.step = "teleported";
    store::JournalEntry mismatched =
        kiosk::app::entry_of(withdrawal_step(2, Step::authorised, 10'000));
    mismatched.event = "withdrawal_completed";
    store::JournalEntry no_currency =
        kiosk::app::entry_of(withdrawal_step(3, Step::authorise_requested, 10'000));
    no_currency.currency.clear();
    write_records(file,
                  {
                      kiosk::app::entry_of(withdrawal_step(1, Step::authorise_requested, 10'000)),
                      unknown_step,                                                        // 2
                      mismatched,                                                          // 3
                      no_currency,                                                         // 4
                      kiosk::app::entry_of(withdrawal_step(3, Step::authorised, 10'000)),  // 5
                      kiosk::app::entry_of(withdrawal_step(4, Step::authorised, 20'000)),  // 6
                  });

    auto journal = CashJournal::open(file);
    const kiosk::app::UnfinishedReading reading = journal.read_unfinished();

    // Transaction 3's last record is well formed; its first is not, so its amount is unknown.
    REQUIRE(reading.unreadable.size() == 3);
    CHECK(reading.unreadable[0].sequence == 2);
    CHECK_THAT(reading.unreadable[0].problem, Catch::Contains("teleported"));
    CHECK(reading.unreadable[1].sequence == 3);
    CHECK_THAT(reading.unreadable[1].problem, Catch::Contains("does not match"));
    CHECK(reading.unreadable[2].sequence == 4);
    CHECK_THAT(reading.unreadable[2].problem, Catch::Contains("currency"));
    REQUIRE(reading.unfinished.size() == 1);
    CHECK(reading.unfinished[0].transaction == store_testing::transaction_reference(4));
    // The journal itself works: cash goes on for the next customers.
    CHECK_FALSE(journal.failed());
    CHECK(admit_all(journal, money_giving_effects()).carried_out ==
          std::vector<bool>(money_giving_effects().size(), true));
}

TEST_CASE("Once a record cannot be written, no effect gives money, and JournalFailed comes once") {
    store_testing::TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    auto journal = CashJournal::open(file);
    REQUIRE_FALSE(journal.failed());
    REQUIRE(admit_all(journal, money_giving_effects()).carried_out ==
            std::vector<bool>(money_giving_effects().size(), true));
    REQUIRE(journal.admit(withdrawal_step(1, core::WithdrawalStep::authorise_requested, 50'000)));
    REQUIRE(records_in(file) == 1);

    core::Journal failing = withdrawal_step(1, core::WithdrawalStep::authorised, 50'000);
    store::JournalError expected = store::JournalError::write_failed;
    SECTION("another connection took the record's place in the chain") {
        auto other = store::Journal::open(file);
        REQUIRE(other.has_value());
        REQUIRE((*other)->append(kiosk::app::entry_of(failing), k_cash_journal_test_time));
    }
    SECTION("the store refuses the record: a card number in its detail") {
        failing.detail = "card 4111 1111 1111 1111";
        expected = store::JournalError::personal_data;
    }
    const std::int64_t records_before = records_in(file);

    // The record that fails is the transcript's still; what follows it is held back.
    const Admitted at_failure = admit_all(journal, {failing});
    CHECK(at_failure.carried_out == std::vector<bool>{true});
    REQUIRE(at_failure.failures.size() == 1);
    CHECK(journal.failed());
    const std::string& reason = at_failure.failures.front().reason;
    CHECK_THAT(reason, Catch::StartsWith(std::string(store::to_string(expected))));
    CHECK(reason.find("4111") == std::string::npos);

    check_gives_no_cash(journal);
    CHECK_FALSE(journal.take_failure().has_value());
    // No record is attempted after the one that failed.
    CHECK(records_in(file) == records_before);
}

TEST_CASE("A journal that cannot be opened gives no cash from the start, and says so once") {
    store_testing::TemporaryFolder folder;
    std::filesystem::path file = folder.path() / "journal.sqlite";
    store::JournalError expected = store::JournalError::open_failed;
    SECTION("a folder") {
        std::filesystem::create_directory(file);
    }
    SECTION("a folder that does not exist") {
        file = folder.path() / "missing" / "journal.sqlite";
    }
    SECTION("another program's database") {
        store_testing::write_other_programs_database(file);
        expected = store::JournalError::not_a_journal;
    }
    SECTION("a file that is no database") {
        std::ofstream(file) << "not a journal at all, just some text that is long enough";
        expected = store::JournalError::not_a_journal;
    }

    auto journal = CashJournal::open(file);
    CHECK(journal.failed());
    const kiosk::app::UnfinishedReading reading = journal.read_unfinished();
    CHECK(reading.unfinished.empty());
    CHECK(reading.unreadable.empty());
    const auto failed = journal.take_failure();
    REQUIRE(failed.has_value());
    CHECK_THAT(failed->reason, Catch::StartsWith(std::string(store::to_string(expected))));
    CHECK_FALSE(journal.take_failure().has_value());

    check_gives_no_cash(journal);
    CHECK_FALSE(journal.take_failure().has_value());
}

namespace {

// A dispense test's step as the core journals it (Flow::journal_dispense_test): the event is
// the prefix and the step's name, the amount what the notes asked for are worth, no fee.
core::Journal dispense_test_step(int transaction, core::DispenseTestStep step,
                                 std::int64_t amount_minor_units, std::vector<int> notes = {}) {
    const std::string name(core::to_string(step));
    return core::Journal{std::string(core::k_dispense_test_event_prefix) + name, "",
                         core::TransactionRecord{store_testing::transaction_reference(transaction),
                                                 name, core::Money{amount_minor_units, "CNY"},
                                                 core::Money{0, "CNY"}, std::move(notes)},
                         true};
}

}  // namespace

TEST_CASE(
    "The dispense tests a crash left unfinished are read back apart from the withdrawals, "
    "oldest first, with what their notes are worth") {
    store_testing::TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    using Test = core::DispenseTestStep;
    using Step = core::WithdrawalStep;
    write_steps(file, {
                          // Finished: secured, nothing picked, or already left to staff.
                          dispense_test_step(1, Test::dispense_ordered, 15'000, {1, 1}),
                          dispense_test_step(1, Test::dispensed, 15'000, {1, 1}),
                          dispense_test_step(1, Test::reject_ordered, 15'000),
                          dispense_test_step(1, Test::notes_secured, 15'000),
                          dispense_test_step(2, Test::dispense_ordered, 15'000, {1, 1}),
                          dispense_test_step(2, Test::not_picked, 15'000),
                          dispense_test_step(3, Test::dispense_ordered, 10'000, {1, 0}),
                          dispense_test_step(3, Test::held_for_engineer, 10'000),
                          // Unfinished: picked and on its way to the bin; a withdrawal after
                          // it; an order with no answer.
                          dispense_test_step(4, Test::dispense_ordered, 15'000, {1, 1}),
                          dispense_test_step(4, Test::dispensed, 15'000, {1, 1}),
                          dispense_test_step(4, Test::reject_ordered, 15'000),
                          withdrawal_step(5, Step::authorise_requested, 50'000),
                          dispense_test_step(6, Test::dispense_ordered, 5'000, {0, 1}),
                      });

    auto journal = CashJournal::open(file);
    const kiosk::app::UnfinishedReading reading = journal.read_unfinished();

    const std::vector<core::UnfinishedDispenseTest> expected{
        {store_testing::transaction_reference(4), Test::reject_ordered, core::Money{15'000, "CNY"}},
        {store_testing::transaction_reference(6), Test::dispense_ordered,
         core::Money{5'000, "CNY"}},
    };
    CHECK(reading.unfinished_dispense_tests == expected);
    REQUIRE(reading.unfinished.size() == 1);
    CHECK(reading.unfinished[0].transaction == store_testing::transaction_reference(5));
    CHECK(reading.unreadable.empty());
}

TEST_CASE("A dispense test record the core cannot have written is left for staff, not dropped") {
    store_testing::TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    store::JournalEntry unknown_step = kiosk::app::entry_of(
        dispense_test_step(1, core::DispenseTestStep::dispensed, 15'000, {1, 1}));
    unknown_step.event = "dispense_test_presented";
    unknown_step.step = "presented";
    write_records(file, {kiosk::app::entry_of(dispense_test_step(
                             1, core::DispenseTestStep::dispense_ordered, 15'000, {1, 1})),
                         unknown_step});

    auto journal = CashJournal::open(file);
    const kiosk::app::UnfinishedReading reading = journal.read_unfinished();

    REQUIRE(reading.unreadable.size() == 1);
    CHECK(reading.unreadable[0].sequence == 2);
    CHECK_THAT(reading.unreadable[0].problem,
               Catch::Contains("a dispense test step this kiosk does not know") &&
                   Catch::Contains("presented"));
    CHECK(reading.unfinished_dispense_tests.empty());
}

TEST_CASE("The counters count the journal's records today, since local midnight, and in all") {
    store_testing::TemporaryFolder folder;
    const auto file = folder.path() / "journal.sqlite";
    // Noon today and noon yesterday, by this machine's local time.
    const std::time_t now = std::time(nullptr);
    std::tm noon{};
    localtime_r(&now, &noon);
    noon.tm_hour = 12;
    noon.tm_min = 0;
    noon.tm_sec = 0;
    noon.tm_isdst = -1;
    const std::int64_t today_noon = static_cast<std::int64_t>(std::mktime(&noon)) * 1'000;
    noon.tm_mday -= 1;
    noon.tm_isdst = -1;
    const std::int64_t yesterday_noon = static_cast<std::int64_t>(std::mktime(&noon)) * 1'000;
    auto written = store::Journal::open(file);
    REQUIRE(written.has_value());
    for (const auto& [event, detail, at] :
         std::vector<std::tuple<std::string, std::string, std::int64_t>>{
             {"staff_notified", "receipt printer paper out", yesterday_noon},
             {"staff_notified", "receipt printer paper out", today_noon},
             {"staff_notified", "card left in the reader", today_noon},
             {"signed_in", "1001", yesterday_noon}}) {
        store::JournalEntry entry;
        entry.event = event;
        entry.detail = detail;
        REQUIRE((*written)->append(entry, at).has_value());
    }
    written->reset();

    auto journal = CashJournal::open(file);
    const core::CountersReported report = journal.counters(9, today_noon + 60'000);
    CHECK(report.call_id == 9);
    CHECK(report.readable);
    const std::vector<core::JournalCount> expected{
        {"signed_in", "", 0, 1},
        {"staff_notified", "card left in the reader", 1, 1},
        {"staff_notified", "receipt printer paper out", 1, 2},
    };
    CHECK(report.counts == expected);

    // A journal that could not be opened counts nothing, and says so.
    auto missing = CashJournal::open(folder.path() / "no folder" / "journal.sqlite");
    CHECK_FALSE(missing.counters(10, today_noon).readable);
}
