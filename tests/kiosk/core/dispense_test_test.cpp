// The cash dispenser's self-test (kiosk/core/dispense_test.h, flow_dispense_test.cpp): one note
// from each cassette, picked and moved to the reject bin under a reference of its own, every
// step journaled with its notes; refused with a reason where it cannot run; held for staff
// where the notes cannot be accounted for; and, after a crash, settled at start-up before the
// first customer.

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "kiosk/core/dispense_test.h"
#include "kiosk/core/screens.h"
#include "kiosk/core/service_menu.h"
#include "tests/kiosk/core/flow_driver.h"

using namespace kiosk::core;
using namespace kiosk::core::testing;

namespace {

using base::Key;

const TransactionReference k_interrupted_test = "7d1c2b3a-4e5f-4a6b-9c8d-7e6f5a4b3c2d";

// An engineer signed in with the key sequence, the dispenser's report in hand, at the
// self-tests.
FlowDriver dispense_engineer_at_tests(DispenserReported dispenser = sample_dispenser()) {
    FlowDriver kiosk;
    kiosk.send(Started{});
    kiosk.session().locale = "en";
    kiosk.send(dispenser);
    for (const Key key : k_service_entry_keys) {
        kiosk.send(KeyPressed{key});
    }
    for (const std::string_view field : {"1001", "20261204", "287082"}) {
        for (const char digit : field) {
            kiosk.send(KeyPressed{*base::digit_key(digit - '0')});
        }
        kiosk.send(KeyPressed{Key::enter});
    }
    const auto checks = effects_of<CheckSignIn>(kiosk.all());
    REQUIRE(checks.size() == 1);
    kiosk.send(SignInChecked{checks.front().call_id, SignInOutcome::signed_in,
                             EngineerRole::engineer, 0, "ok"});
    kiosk.send(KeyPressed{k_service_self_tests_key});
    REQUIRE(kiosk.session().screen.id == "service_tests");
    kiosk.forget();
    return kiosk;
}

// Starts the test with its key: the one order the dispenser is given.
Dispense dispense_test_ordered(FlowDriver& kiosk) {
    const auto orders = effects_of<Dispense>(kiosk.send(KeyPressed{k_dispense_test_key}));
    REQUIRE(orders.size() == 1);
    return orders.front();
}

bool dispense_screen_shows(const FlowDriver& kiosk, const std::string& line) {
    return std::ranges::any_of(kiosk.session().screen.elements,
                               [&](const Element& element) { return element.text == line; });
}

// The test's records in the journal, in order: each step's name, amount and notes.
std::vector<TransactionRecord> dispense_records(const std::vector<Effect>& effects) {
    std::vector<TransactionRecord> records;
    for (const Journal& entry : effects_of<Journal>(effects)) {
        if (entry.transaction && entry.event.starts_with(k_dispense_test_event_prefix)) {
            CHECK(entry.event ==
                  std::string(k_dispense_test_event_prefix) + entry.transaction->step);
            records.push_back(*entry.transaction);
        }
    }
    return records;
}

std::vector<std::string> dispense_steps(const std::vector<Effect>& effects) {
    std::vector<std::string> steps;
    for (const TransactionRecord& record : dispense_records(effects)) {
        steps.push_back(record.step);
    }
    return steps;
}

CashDispensed dispense_picked(const Dispense& order, const std::vector<Cassette>& cassettes) {
    return CashDispensed{order.transaction, PickResult::picked, order.notes,
                         notes_worth(cassettes, order.notes), CashFault::none};
}

// Settling at start-up: what the dispenser reports of an interrupted test's notes.
DispenserReported dispense_after_crash(DispenserState state, NotesLocation location,
                                       PickResult result = PickResult::picked) {
    DispenserReported report = sample_dispenser();
    report.state = state;
    report.last_transaction = k_interrupted_test;
    report.last_result = result;
    report.last_location = location;
    report.last_amount = Money{15'000, "CNY"};
    return report;
}

UnfinishedDispenseTest interrupted_test(DispenseTestStep step) {
    return UnfinishedDispenseTest{k_interrupted_test, step, Money{15'000, "CNY"}};
}

}  // namespace

TEST_CASE("A dispense test asks one note of each cassette that can give one, of one currency") {
    const std::vector<Cassette> cassettes{
        Cassette{1, Money{10'000, "CNY"}, 2'000, CassetteState::ok},
        Cassette{2, Money{5'000, "CNY"}, 0, CassetteState::empty},
        Cassette{3, Money{2'000, "CNY"}, 40, CassetteState::low},
        Cassette{4, Money{10'000, "HKD"}, 500, CassetteState::ok},
        Cassette{5, Money{1'000, "CNY"}, 300, CassetteState::missing},
    };
    const auto notes = dispense_test_notes(cassettes);
    REQUIRE(notes.has_value());
    CHECK(*notes == std::vector<int>{1, 0, 1, 0, 0});
    CHECK(notes_worth(cassettes, *notes) == Money{12'000, "CNY"});
    CHECK_FALSE(dispense_test_notes({Cassette{1, Money{10'000, "CNY"}, 0, CassetteState::empty},
                                     Cassette{2, Money{5'000, "CNY"}, 9, CassetteState::jammed}})
                    .has_value());
    CHECK_FALSE(dispense_test_notes({}).has_value());
}

TEST_CASE("A dispense test's steps are named as the journal writes them, three of them final") {
    for (int value = 0; value <= static_cast<int>(DispenseTestStep::held_for_engineer); ++value) {
        const auto step = static_cast<DispenseTestStep>(value);
        CHECK(dispense_test_step_named(to_string(step)) == step);
    }
    CHECK_FALSE(dispense_test_step_named("completed").has_value());
    CHECK(is_final(DispenseTestStep::not_picked));
    CHECK(is_final(DispenseTestStep::notes_secured));
    CHECK(is_final(DispenseTestStep::held_for_engineer));
    CHECK_FALSE(is_final(DispenseTestStep::dispense_ordered));
    CHECK_FALSE(is_final(DispenseTestStep::dispensed));
    CHECK_FALSE(is_final(DispenseTestStep::reject_ordered));
}

TEST_CASE("An interrupted dispense test is settled from where the dispenser says its notes are") {
    using enum DispenseTestStep;
    const auto settled = [](DispenseTestStep step, const DispenserReported& report) {
        return settle(interrupted_test(step), report);
    };
    // Still in the transport: to the reject bin.
    const DispenserReported stacked =
        dispense_after_crash(DispenserState::stacked, NotesLocation::transport);
    CHECK(settled(dispense_ordered, stacked) == reject_ordered);
    CHECK(settled(dispensed, stacked) == reject_ordered);
    CHECK(settled(reject_ordered, stacked) == reject_ordered);
    // In the bin already: nothing more.
    const DispenserReported rejected =
        dispense_after_crash(DispenserState::idle, NotesLocation::rejected);
    CHECK(settled(reject_ordered, rejected) == notes_secured);
    CHECK(settled(dispensed, rejected) == notes_secured);
    // The order never reached the dispenser, or it picked nothing.
    DispenserReported earlier = rejected;
    earlier.last_transaction = "11111111-2222-4333-8444-555555555555";
    CHECK(settled(dispense_ordered, earlier) == not_picked);
    CHECK(settled(dispense_ordered,
                  dispense_after_crash(DispenserState::idle, NotesLocation::transport,
                                       PickResult::nothing_picked)) == not_picked);
    // A later step the dispenser does not know, a jam, no answer, or notes that left the
    // machine (a test never presents them): staff count them.
    CHECK(settled(reject_ordered, earlier) == held_for_engineer);
    CHECK(settled(dispensed, dispense_after_crash(DispenserState::jammed,
                                                  NotesLocation::transport)) == held_for_engineer);
    DispenserReported silent;
    silent.fault = CashFault::no_answer;
    CHECK(settled(dispense_ordered, silent) == held_for_engineer);
    CHECK(settled(dispensed, dispense_after_crash(DispenserState::presented,
                                                  NotesLocation::slot)) == held_for_engineer);
    CHECK(settled(dispensed, dispense_after_crash(DispenserState::idle, NotesLocation::taken)) ==
          held_for_engineer);
    // A final step stays as it is.
    CHECK(settled(notes_secured, stacked) == notes_secured);
}

TEST_CASE(
    "An engineer's dispense test picks a note from each cassette, rejects them, journals every "
    "step with its notes, and says the dispenser works") {
    FlowDriver kiosk = dispense_engineer_at_tests();
    CHECK(dispense_screen_shows(kiosk, kiosk.text("service_tests.dispense_test")));
    const Dispense order = dispense_test_ordered(kiosk);
    CHECK(order.notes == std::vector<int>{1, 1});
    CHECK(kiosk.session().screen.id == "service_dispense_test");
    CHECK(dispense_screen_shows(kiosk, kiosk.text("service_dispense_test.picking")));
    // No customer is offered cash while the notes move.
    CHECK(cash_out_of_service(kiosk.session()));
    // No way back while the notes move.
    kiosk.send(KeyPressed{k_dispense_test_back_key});
    CHECK(kiosk.session().screen.id == "service_dispense_test");

    const auto rejects =
        effects_of<RejectCash>(kiosk.send(dispense_picked(order, sample_dispenser().cassettes)));
    REQUIRE(rejects.size() == 1);
    CHECK(rejects.front().transaction == order.transaction);
    CHECK(dispense_screen_shows(kiosk, kiosk.text("service_dispense_test.rejecting")));
    const auto& secured = kiosk.send(CashRejected{order.transaction, 2, CashFault::none});
    CHECK(has_effect<CheckDispenser>(secured));
    CHECK_FALSE(has_effect<NotifyStaff>(secured));
    CHECK(dispense_screen_shows(kiosk,
                                "The dispenser works. Notes picked, one from each cassette, "
                                "and moved to the reject bin: 2."));
    CHECK(dispense_screen_shows(
        kiosk, "The electronic journal records them for the cash count: 150.00 yuan."));
    CHECK(mentions(secured, "records them for the cash count: 150 yuan."));
    CHECK_FALSE(cash_out_of_service(kiosk.session()));

    const std::vector<TransactionRecord> records = dispense_records(kiosk.all());
    REQUIRE(records.size() == 4);
    CHECK(dispense_steps(kiosk.all()) == std::vector<std::string>{"dispense_ordered", "dispensed",
                                                                  "reject_ordered",
                                                                  "notes_secured"});
    for (const TransactionRecord& record : records) {
        CHECK(record.transaction == order.transaction);
        CHECK(record.amount == Money{15'000, "CNY"});
        CHECK(record.fee == Money{0, "CNY"});
    }
    CHECK(records[0].notes == std::vector<int>{1, 1});
    CHECK(records[1].notes == std::vector<int>{1, 1});
    CHECK(records[3].notes.empty());
    // Again: a fresh reference; back to the self-tests once it is over.
    const auto again = effects_of<Dispense>(kiosk.send(KeyPressed{k_dispense_test_again_key}));
    REQUIRE(again.size() == 1);
    CHECK(again.front().transaction != order.transaction);
    kiosk.send(dispense_picked(again.front(), sample_dispenser().cassettes));
    kiosk.send(CashRejected{again.front().transaction, 2, CashFault::none});
    kiosk.send(KeyPressed{k_dispense_test_back_key});
    CHECK(kiosk.session().screen.id == "service_tests");
}

TEST_CASE("A dispense test that cannot run says why and moves nothing") {
    SECTION("no dispenser") {
        FlowDriver kiosk = dispense_engineer_at_tests();
        kiosk.session().dispenser_missing = true;
        CHECK_FALSE(has_effect<Dispense>(kiosk.send(KeyPressed{k_dispense_test_key})));
        CHECK(
            dispense_screen_shows(kiosk, kiosk.text("service_dispense_test.refused_no_dispenser")));
        CHECK(std::ranges::any_of(effects_of<Journal>(kiosk.all()), [](const Journal& entry) {
            return entry.event == "dispense_test" && entry.detail == "refused: no_dispenser" &&
                   entry.audit;
        }));
    }
    SECTION("empty cassettes") {
        DispenserReported empty = sample_dispenser();
        for (Cassette& cassette : empty.cassettes) {
            cassette.count = 0;
            cassette.state = CassetteState::empty;
        }
        FlowDriver kiosk = dispense_engineer_at_tests(empty);
        CHECK_FALSE(has_effect<Dispense>(kiosk.send(KeyPressed{k_dispense_test_key})));
        CHECK(dispense_screen_shows(kiosk, kiosk.text("service_dispense_test.refused_no_notes")));
    }
    SECTION("a journal that cannot be written") {
        FlowDriver kiosk = dispense_engineer_at_tests();
        kiosk.send(KeyPressed{k_dispense_test_key});
        // The shell held the order back with its record.
        kiosk.send(JournalFailed{"disk full"});
        CHECK(dispense_screen_shows(kiosk,
                                    kiosk.text("service_dispense_test.refused_journal_failed")));
        CHECK_FALSE(kiosk.session().dispense_test.has_value());
        CHECK_FALSE(has_effect<Dispense>(kiosk.send(KeyPressed{k_dispense_test_again_key})));
    }
    SECTION("the dispenser picks nothing") {
        FlowDriver kiosk = dispense_engineer_at_tests();
        const Dispense order = dispense_test_ordered(kiosk);
        const auto& refused = kiosk.send(CashDispensed{order.transaction,
                                                       PickResult::nothing_picked,
                                                       {0, 0},
                                                       Money{0, "CNY"},
                                                       CashFault::out_of_service});
        CHECK_FALSE(has_effect<RejectCash>(refused));
        CHECK(dispense_screen_shows(kiosk,
                                    kiosk.text("service_dispense_test.not_picked_out_of_service")));
        CHECK(dispense_steps(kiosk.all()) ==
              std::vector<std::string>{"dispense_ordered", "not_picked"});
    }
}

TEST_CASE("Dispense test notes that jam, or a dispenser that never answers, are left to staff") {
    SECTION("a jam while picking") {
        FlowDriver kiosk = dispense_engineer_at_tests();
        const Dispense order = dispense_test_ordered(kiosk);
        const auto& jammed = kiosk.send(CashDispensed{order.transaction,
                                                      PickResult::picked_in_part,
                                                      {1, 0},
                                                      Money{10'000, "CNY"},
                                                      CashFault::jammed});
        CHECK_FALSE(has_effect<RejectCash>(jammed));
        const auto staff = effects_of<NotifyStaff>(jammed);
        REQUIRE(staff.size() == 1);
        CHECK(staff.front().reason == "dispense test held: dispense picked_in_part, jammed");
        CHECK(dispense_screen_shows(kiosk, kiosk.text("service_dispense_test.held")));
        CHECK(dispense_steps(kiosk.all()).back() == "held_for_engineer");
    }
    SECTION("no answer to the reject") {
        FlowDriver kiosk = dispense_engineer_at_tests();
        const Dispense order = dispense_test_ordered(kiosk);
        kiosk.send(dispense_picked(order, sample_dispenser().cassettes));
        const auto& silent = kiosk.fire(TimerId::dispenser);
        CHECK(has_effect<NotifyStaff>(silent));
        CHECK(dispense_screen_shows(kiosk, kiosk.text("service_dispense_test.held")));
        // Its answer, arriving late, changes nothing.
        kiosk.send(CashRejected{order.transaction, 2, CashFault::none});
        CHECK(dispense_steps(kiosk.all()).back() == "held_for_engineer");
    }
    SECTION("fewer notes in the bin than were picked") {
        FlowDriver kiosk = dispense_engineer_at_tests();
        const Dispense order = dispense_test_ordered(kiosk);
        kiosk.send(dispense_picked(order, sample_dispenser().cassettes));
        CHECK(has_effect<NotifyStaff>(
            kiosk.send(CashRejected{order.transaction, 1, CashFault::none})));
        CHECK(dispense_steps(kiosk.all()).back() == "held_for_engineer");
    }
}

TEST_CASE(
    "An engineer who leaves mid-test leaves it to finish: no cash is offered until its notes "
    "are in the reject bin") {
    FlowDriver kiosk = dispense_engineer_at_tests();
    const Dispense order = dispense_test_ordered(kiosk);
    kiosk.fire(TimerId::service_idle);
    CHECK(kiosk.session().state == State::welcome);
    CHECK(cash_out_of_service(kiosk.session()));
    CHECK(has_effect<RejectCash>(kiosk.send(dispense_picked(order, sample_dispenser().cassettes))));
    kiosk.send(CashRejected{order.transaction, 2, CashFault::none});
    CHECK(dispense_steps(kiosk.all()).back() == "notes_secured");
    CHECK_FALSE(cash_out_of_service(kiosk.session()));
    CHECK(kiosk.session().state == State::welcome);
}

TEST_CASE(
    "At start-up a dispense test the journal left unfinished is settled after the withdrawals: "
    "notes still inside go to the reject bin") {
    FlowDriver kiosk;
    const auto& started =
        kiosk.send(Started{{}, {}, std::nullopt, {interrupted_test(DispenseTestStep::dispensed)}});
    REQUIRE(kiosk.session().state == State::settling);
    CHECK(has_effect<CheckDispenser>(started));
    const auto rejects = effects_of<RejectCash>(
        kiosk.send(dispense_after_crash(DispenserState::stacked, NotesLocation::transport)));
    REQUIRE(rejects.size() == 1);
    CHECK(rejects.front().transaction == k_interrupted_test);
    CHECK(cash_out_of_service(kiosk.session()));
    const auto& secured = kiosk.send(CashRejected{k_interrupted_test, 2, CashFault::none});
    CHECK(kiosk.session().state == State::welcome);
    CHECK_FALSE(cash_out_of_service(kiosk.session()));
    CHECK_FALSE(has_effect<NotifyStaff>(secured));
    CHECK(dispense_steps(kiosk.all()) ==
          std::vector<std::string>{"reject_ordered", "notes_secured"});

    SECTION("and a test whose notes are missing is left to staff, and the kiosk opens") {
        FlowDriver lost;
        lost.send(Started{{}, {}, std::nullopt, {interrupted_test(DispenseTestStep::dispensed)}});
        const auto& held =
            lost.send(dispense_after_crash(DispenserState::idle, NotesLocation::taken));
        CHECK(has_effect<NotifyStaff>(held));
        CHECK(dispense_steps(lost.all()) == std::vector<std::string>{"held_for_engineer"});
        CHECK(lost.session().state == State::welcome);
    }
    SECTION("and one with a withdrawal before it waits its turn") {
        FlowDriver both;
        both.send(
            Started{{},
                    {UnfinishedWithdrawal{.transaction = "0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c5d",
                                          .last_step = WithdrawalStep::authorised,
                                          .amount = Money{50'000, "CNY"},
                                          .fee = Money{0, "CNY"},
                                          .dispensed = Money{0, "CNY"},
                                          .dispensed_known = false}},
                    std::nullopt,
                    {interrupted_test(DispenseTestStep::dispense_ordered)}});
        // The withdrawal first: nothing was dispensed, so it is reversed.
        both.send(sample_dispenser());
        CHECK(both.session().withdrawal.has_value());
        CHECK(dispense_steps(both.all()).empty());
    }
}
