// Settling at start-up what the journal left unfinished (kiosk/core/flow_settle.cpp): before the
// welcome screen, each unfinished withdrawal is settled from the dispenser's word on where its
// notes are, so that the account is debited with exactly the cash that left the machine. The
// decision itself is reconciliation_test.cpp's; these follow it through the flow.

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "kiosk/core/screens.h"
#include "tests/kiosk/core/flow_driver.h"

using namespace kiosk::core;
using namespace kiosk::core::testing;

namespace {

const TransactionReference k_settled_transaction = "0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c5d";
const TransactionReference k_second_transaction = "4c2e1f0a-9b8d-4e7f-a6c5-b4d3e2f1a0b9";
const Money k_settled_amount{50'000, "CNY"};

UnfinishedWithdrawal unfinished_at(
    WithdrawalStep step, const TransactionReference& transaction = k_settled_transaction) {
    const bool picked = step >= WithdrawalStep::dispensed;
    return UnfinishedWithdrawal{.transaction = transaction,
                                .last_step = step,
                                .amount = k_settled_amount,
                                .fee = Money{200, "CNY"},
                                .dispensed = picked ? k_settled_amount : Money{0, "CNY"},
                                .dispensed_known = picked};
}

// What the dispenser says after the kiosk restarted: its last dispense was `transaction`'s, and
// its notes are at `location`.
DispenserReported dispenser_after_restart(NotesLocation location,
                                          const TransactionReference& transaction) {
    DispenserReported report = sample_dispenser();
    report.state = location == NotesLocation::transport ? DispenserState::stacked
                   : location == NotesLocation::slot    ? DispenserState::presented
                                                        : DispenserState::idle;
    report.last_transaction = transaction;
    report.last_result = PickResult::picked;
    report.last_location = location;
    report.last_amount = k_settled_amount;
    return report;
}

// Started with these unfinished withdrawals: the settling screen, and the dispenser asked.
void start_settling(FlowDriver& kiosk, std::vector<UnfinishedWithdrawal> unfinished) {
    const auto& started = kiosk.send(Started{{}, std::move(unfinished), std::nullopt});
    REQUIRE(kiosk.session().state == State::settling);
    CHECK(screen_ids(started) == std::vector<std::string>{"settling"});
    CHECK(has_effect<CheckDispenser>(started));
}

void answer_settling_call(FlowDriver& kiosk, MoneyStatus status) {
    REQUIRE(kiosk.session().pending_call.has_value());
    MoneyReply reply;
    reply.status = status;
    kiosk.send(MoneyReplyReceived{*kiosk.session().pending_call, std::move(reply)});
}

bool journaled(const std::vector<Effect>& effects, std::string_view event) {
    return std::ranges::any_of(effects_of<Journal>(effects),
                               [&](const Journal& entry) { return entry.event == event; });
}

}  // namespace

TEST_CASE("Without unfinished withdrawals the kiosk opens at once") {
    FlowDriver kiosk;
    const auto& started = kiosk.send(Started{});
    CHECK(kiosk.session().state == State::welcome);
    CHECK_FALSE(has_effect<CheckDispenser>(started));
}

TEST_CASE(
    "An authorisation whose answer the kiosk never heard is reversed before the welcome screen, "
    "without a customer's session") {
    FlowDriver kiosk;
    start_settling(kiosk, {unfinished_at(WithdrawalStep::authorise_requested)});
    // The dispenser never heard of it.
    const auto& settled =
        kiosk.send(dispenser_after_restart(NotesLocation::taken, k_second_transaction));
    const auto calls = effects_of<AccountCall>(settled);
    REQUIRE(calls.size() == 1);
    CHECK(calls.front().session.view().empty());
    const auto* reverse = std::get_if<ReverseWithdrawal>(&calls.front().request);
    REQUIRE(reverse);
    CHECK(reverse->transaction == k_settled_transaction);
    CHECK(reverse->reason == ReverseReason::outcome_unknown);
    CHECK(journaled_cash_steps(settled) == std::vector<std::string>{"reverse_requested"});
    CHECK_FALSE(has_effect<RejectCash>(settled));
    CHECK(kiosk.session().state == State::settling);

    answer_settling_call(kiosk, MoneyStatus::ok);
    CHECK(journaled_cash_steps(kiosk.last()) == std::vector<std::string>{"reversed"});
    CHECK(journaled(kiosk.last(), "settled"));
    CHECK(kiosk.session().state == State::welcome);
    CHECK(screen_ids(kiosk.last()).back() == "welcome");
    CHECK_FALSE(kiosk.session().withdrawal);
}

TEST_CASE("Notes left at the slot are taken back and the withdrawal reversed") {
    FlowDriver kiosk;
    start_settling(kiosk, {unfinished_at(WithdrawalStep::presented)});
    const auto& settled =
        kiosk.send(dispenser_after_restart(NotesLocation::slot, k_settled_transaction));
    REQUIRE(effects_of<RetractCash>(settled).size() == 1);
    CHECK(effects_of<RetractCash>(settled).front().transaction == k_settled_transaction);
    CHECK(journaled_cash_steps(settled) == std::vector<std::string>{"retract_ordered"});
    CHECK(effects_of<AccountCall>(settled).empty());

    kiosk.send(CashRetracted{k_settled_transaction, 5, CashFault::none});
    CHECK(journaled_cash_steps(kiosk.last()) ==
          std::vector<std::string>{"notes_secured", "reverse_requested"});
    const auto reversals = cash_requests<ReverseWithdrawal>(kiosk.last());
    REQUIRE(reversals.size() == 1);
    CHECK(reversals.front().reason == ReverseReason::cash_not_taken);
    answer_settling_call(kiosk, MoneyStatus::ok);
    CHECK(kiosk.session().state == State::welcome);
}

TEST_CASE("Notes picked but never presented go to the reject bin before the reversal") {
    FlowDriver kiosk;
    start_settling(kiosk, {unfinished_at(WithdrawalStep::confirm_requested)});
    const auto& settled =
        kiosk.send(dispenser_after_restart(NotesLocation::transport, k_settled_transaction));
    CHECK(has_effect<RejectCash>(settled));
    CHECK_FALSE(has_effect<RetractCash>(settled));
    kiosk.send(CashRejected{k_settled_transaction, 5, CashFault::none});
    REQUIRE(cash_requests<ReverseWithdrawal>(kiosk.last()).size() == 1);
    answer_settling_call(kiosk, MoneyStatus::ok);
    CHECK(kiosk.session().state == State::welcome);
}

TEST_CASE("Notes the customer took before the kiosk stopped are confirmed as picked") {
    FlowDriver kiosk;
    start_settling(kiosk, {unfinished_at(WithdrawalStep::presented)});
    const auto& settled =
        kiosk.send(dispenser_after_restart(NotesLocation::taken, k_settled_transaction));
    const auto confirms = cash_requests<ConfirmWithdrawal>(settled);
    REQUIRE(confirms.size() == 1);
    CHECK(confirms.front().transaction == k_settled_transaction);
    CHECK(confirms.front().dispensed == k_settled_amount);
    CHECK(journaled_cash_steps(settled) == std::vector<std::string>{"confirm_requested"});
    CHECK(cash_requests<ReverseWithdrawal>(settled).empty());
    answer_settling_call(kiosk, MoneyStatus::ok);
    CHECK(journaled_cash_steps(kiosk.last()) == std::vector<std::string>{"completed"});
    CHECK(kiosk.session().state == State::welcome);
}

TEST_CASE(
    "What cannot be settled is left to staff and the next start-up, and the kiosk still opens") {
    SECTION("The dispenser does not answer: the notes may be anywhere") {
        FlowDriver kiosk;
        start_settling(kiosk, {unfinished_at(WithdrawalStep::dispensed)});
        kiosk.fire(TimerId::dispenser);
        CHECK(journaled_cash_steps(kiosk.last()) == std::vector<std::string>{"held_for_engineer"});
        CHECK(has_effect<NotifyStaff>(kiosk.last()));
        CHECK_FALSE(has_effect<RejectCash>(kiosk.all()));
        CHECK(cash_requests<ReverseWithdrawal>(kiosk.all()).empty());
        CHECK(kiosk.session().state == State::welcome);
    }
    SECTION("The reversal is refused: the journal stays at reverse_requested") {
        FlowDriver kiosk;
        start_settling(kiosk, {unfinished_at(WithdrawalStep::authorised)});
        kiosk.send(dispenser_after_restart(NotesLocation::taken, k_second_transaction));
        answer_settling_call(kiosk, MoneyStatus::unavailable);
        CHECK(journaled_cash_steps(kiosk.last()).empty());
        CHECK(has_effect<NotifyStaff>(kiosk.last()));
        CHECK(kiosk.session().state == State::welcome);
    }
    SECTION("The confirmation goes unanswered: staff are told the debit may not stand") {
        FlowDriver kiosk;
        start_settling(kiosk, {unfinished_at(WithdrawalStep::presented)});
        kiosk.send(dispenser_after_restart(NotesLocation::taken, k_settled_transaction));
        kiosk.fire(TimerId::service_call);
        CHECK(journaled_cash_steps(kiosk.last()).empty());
        CHECK(has_effect<NotifyStaff>(kiosk.last()));
        CHECK(kiosk.session().state == State::welcome);
    }
    SECTION("The notes will not go to the reject bin") {
        FlowDriver kiosk;
        start_settling(kiosk, {unfinished_at(WithdrawalStep::present_ordered)});
        kiosk.send(dispenser_after_restart(NotesLocation::transport, k_settled_transaction));
        kiosk.send(CashRejected{k_settled_transaction, 0, CashFault::jammed});
        CHECK(journaled_cash_steps(kiosk.last()) == std::vector<std::string>{"held_for_engineer"});
        CHECK(cash_requests<ReverseWithdrawal>(kiosk.all()).empty());
        CHECK(kiosk.session().state == State::welcome);
    }
}

TEST_CASE("Several unfinished withdrawals are settled in turn, each from a fresh report") {
    FlowDriver kiosk;
    start_settling(kiosk,
                   {unfinished_at(WithdrawalStep::presented),
                    unfinished_at(WithdrawalStep::authorise_requested, k_second_transaction)});
    kiosk.send(dispenser_after_restart(NotesLocation::taken, k_settled_transaction));
    answer_settling_call(kiosk, MoneyStatus::ok);
    // The first is complete; the dispenser is asked again for the second.
    CHECK(kiosk.session().state == State::settling);
    CHECK(has_effect<CheckDispenser>(kiosk.last()));
    const auto& second =
        kiosk.send(dispenser_after_restart(NotesLocation::taken, k_settled_transaction));
    const auto reversals = cash_requests<ReverseWithdrawal>(second);
    REQUIRE(reversals.size() == 1);
    CHECK(reversals.front().transaction == k_second_transaction);
    answer_settling_call(kiosk, MoneyStatus::ok);
    CHECK(kiosk.session().state == State::welcome);
    CHECK(cash_requests<ConfirmWithdrawal>(kiosk.all()).size() == 1);
}

TEST_CASE("While the kiosk settles, a card is handed back and keys say what is happening") {
    FlowDriver kiosk;
    start_settling(kiosk, {unfinished_at(WithdrawalStep::presented)});
    const auto& card = kiosk.send(CardInserted{});
    CHECK(has_effect<EjectCard>(card));
    CHECK(mentions(card, kiosk.text("settling.take_card")));
    CHECK(kiosk.session().state == State::settling);
    const auto& key = kiosk.send(KeyPressed{base::Key::digit_1});
    CHECK(mentions(key, kiosk.text("settling.text")));
    CHECK(kiosk.session().state == State::settling);
    // The settling goes on as before.
    kiosk.send(dispenser_after_restart(NotesLocation::taken, k_settled_transaction));
    answer_settling_call(kiosk, MoneyStatus::ok);
    CHECK(kiosk.session().state == State::welcome);
}

TEST_CASE(
    "A journal that fails while the kiosk settles leaves the unsent confirmation to staff and "
    "settles the rest") {
    FlowDriver kiosk;
    start_settling(kiosk, {unfinished_at(WithdrawalStep::presented),
                           unfinished_at(WithdrawalStep::authorised, k_second_transaction)});
    kiosk.send(dispenser_after_restart(NotesLocation::taken, k_settled_transaction));
    REQUIRE(cash_requests<ConfirmWithdrawal>(kiosk.last()).size() == 1);
    // The shell could not write confirm_requested, so it held the confirmation back.
    const auto& failed = kiosk.send(JournalFailed{"disk full"});
    CHECK(has_effect<NotifyStaff>(failed));
    CHECK(kiosk.session().state == State::settling);
    CHECK(has_effect<CheckDispenser>(failed));
    // The second is still reversed: undoing gives no money.
    kiosk.send(dispenser_after_restart(NotesLocation::taken, k_settled_transaction));
    REQUIRE(cash_requests<ReverseWithdrawal>(kiosk.last()).size() == 1);
    answer_settling_call(kiosk, MoneyStatus::ok);
    CHECK(kiosk.session().state == State::welcome);
    CHECK(kiosk.session().journal_failed);
}
