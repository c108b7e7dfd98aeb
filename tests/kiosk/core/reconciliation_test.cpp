// Settling an unfinished withdrawal at start-up (kiosk/core/reconciliation.h): from the last
// step the journal holds and where the dispenser says the notes are, one decision, such that
// the account ends up debited with exactly the cash that left the machine.

#include <catch2/catch.hpp>

#include <vector>

#include "kiosk/core/reconciliation.h"

using namespace kiosk::core;

namespace {

const TransactionReference k_transaction = "0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c5d";
const TransactionReference k_earlier = "4c2e1f0a-9b8d-4e7f-a6c5-b4d3e2f1a0b9";
const Money k_five_hundred{50'000, "CNY"};

UnfinishedWithdrawal at(WithdrawalStep step) {
    return UnfinishedWithdrawal{.transaction = k_transaction,
                                .last_step = step,
                                .amount = k_five_hundred,
                                .fee = Money{0, "CNY"},
                                .dispensed = k_five_hundred,
                                .dispensed_known = step >= WithdrawalStep::dispensed};
}

// The dispenser's report after it dispensed `transaction` and the notes went to `location`.
DispenserReported notes(NotesLocation location,
                        const TransactionReference& transaction = k_transaction,
                        PickResult result = PickResult::picked) {
    DispenserReported report;
    report.state = location == NotesLocation::transport ? DispenserState::stacked
                   : location == NotesLocation::slot    ? DispenserState::presented
                                                        : DispenserState::idle;
    report.last_transaction = transaction;
    report.last_result = result;
    report.last_location = location;
    report.last_amount = k_five_hundred;
    report.fault = CashFault::none;
    return report;
}

std::vector<WithdrawalStep> every_step() {
    std::vector<WithdrawalStep> steps;
    for (int value = 0; to_string(static_cast<WithdrawalStep>(value)) != "unknown"; ++value) {
        steps.push_back(static_cast<WithdrawalStep>(value));
    }
    return steps;
}

}  // namespace

TEST_CASE("A withdrawal whose outcome at the account service is unknown is reversed") {
    const Settlement settlement =
        settle(at(WithdrawalStep::authorise_requested), notes(NotesLocation::taken, k_earlier));
    CHECK(settlement.action == SettlementAction::reverse);
    CHECK(settlement.reason == ReverseReason::outcome_unknown);
}

TEST_CASE("An authorised withdrawal the dispenser never heard of is reversed") {
    CHECK(settle(at(WithdrawalStep::authorised), notes(NotesLocation::taken, k_earlier)).action ==
          SettlementAction::reverse);
    const Settlement settlement =
        settle(at(WithdrawalStep::dispense_ordered), notes(NotesLocation::taken, k_earlier));
    CHECK(settlement.action == SettlementAction::reverse);
    CHECK(settlement.reason == ReverseReason::dispense_failed);
}

TEST_CASE("Notes picked but never presented are rejected and the withdrawal reversed") {
    for (const WithdrawalStep step : {WithdrawalStep::dispense_ordered, WithdrawalStep::dispensed,
                                      WithdrawalStep::confirm_requested, WithdrawalStep::confirmed,
                                      WithdrawalStep::present_ordered}) {
        INFO(to_string(step));
        CHECK(settle(at(step), notes(NotesLocation::transport)).action ==
              SettlementAction::reject_and_reverse);
    }
}

TEST_CASE("Notes waiting at the slot after a restart are taken back and the withdrawal reversed") {
    const Settlement settlement = settle(at(WithdrawalStep::presented), notes(NotesLocation::slot));
    CHECK(settlement.action == SettlementAction::retract_and_reverse);
    CHECK(settlement.reason == ReverseReason::cash_not_taken);
}

TEST_CASE("Notes the customer took are confirmed for what was picked") {
    UnfinishedWithdrawal withdrawal = at(WithdrawalStep::presented);
    withdrawal.dispensed = Money{30'000, "CNY"};  // a jam picked 300 of 500 yuan, and was given
    const Settlement settlement = settle(withdrawal, notes(NotesLocation::taken));
    CHECK(settlement.action == SettlementAction::confirm);
    CHECK(settlement.confirm_amount == Money{30'000, "CNY"});
    // A customer who takes the notes as the retract begins has them: the debit stands.
    CHECK(settle(at(WithdrawalStep::retract_ordered), notes(NotesLocation::taken)).action ==
          SettlementAction::confirm);
}

TEST_CASE("Without the dispenser's word on the notes the withdrawal waits for an engineer") {
    DispenserReported silent;
    silent.fault = CashFault::no_answer;
    CHECK(settle(at(WithdrawalStep::presented), silent).action ==
          SettlementAction::hold_for_engineer);
    DispenserReported jammed = notes(NotesLocation::transport);
    jammed.state = DispenserState::jammed;
    CHECK(settle(at(WithdrawalStep::dispensed), jammed).action ==
          SettlementAction::hold_for_engineer);
    // A dispenser that no longer knows a transaction it picked for was replaced or reset.
    CHECK(settle(at(WithdrawalStep::confirmed), notes(NotesLocation::taken, k_earlier)).action ==
          SettlementAction::hold_for_engineer);
    // But a silent dispenser cannot have moved notes it was never told about.
    CHECK(settle(at(WithdrawalStep::authorised), silent).action == SettlementAction::reverse);
}

TEST_CASE("A final withdrawal needs nothing more") {
    for (const WithdrawalStep step :
         {WithdrawalStep::refused, WithdrawalStep::completed, WithdrawalStep::reversed,
          WithdrawalStep::held_for_engineer}) {
        INFO(to_string(step));
        CHECK(is_final(step));
        CHECK(settle(at(step), notes(NotesLocation::slot)).action == SettlementAction::nothing);
    }
}

TEST_CASE("Whatever step and wherever the notes, the debit after settling is the cash given") {
    // The customer has cash only when the notes were taken; a settlement that the kiosk can
    // carry out must leave the account debited by exactly that.
    for (const WithdrawalStep step : every_step()) {
        if (is_final(step)) {
            continue;
        }
        for (const NotesLocation location :
             {NotesLocation::transport, NotesLocation::slot, NotesLocation::taken,
              NotesLocation::retracted, NotesLocation::rejected}) {
            for (const TransactionReference& last : {k_transaction, k_earlier}) {
                INFO(to_string(step) << " " << to_string(location) << " " << last);
                const DispenserReported report = notes(location, last);
                const Settlement settlement = settle(at(step), report);
                if (settlement.action == SettlementAction::hold_for_engineer) {
                    continue;  // not settled by the kiosk: staff count the notes
                }
                const bool cash_given = last == k_transaction && location == NotesLocation::taken &&
                                        step >= WithdrawalStep::dispense_ordered;
                const std::int64_t debited = settlement.action == SettlementAction::confirm
                                                 ? settlement.confirm_amount.minor_units
                                                 : 0;
                CHECK(debited == (cash_given ? k_five_hundred.minor_units : 0));
            }
        }
    }
}
