// Settling at start-up (kiosk/core/reconciliation.h): the withdrawals the journal left
// unfinished are settled one at a time, before the first customer is welcomed, so that what
// each account was debited equals the cash that left the machine. For each, the dispenser is
// asked where the notes of its last dispense are, settle() decides, and the flow carries the
// decision out with the same steps a withdrawal uses in a session: notes to the reject bin,
// then a reversal, or a confirmation of the notes a customer took. The account service takes
// confirm and reverse without a customer's session (docs/api/account.yaml): they are bound to
// the terminal that authorised. Whatever cannot be settled is left to staff, who are told, and
// to the next start-up (its journal stays unfinished). An engineer's dispense test that a crash
// interrupted is settled after the withdrawals in the same way, with no account service: its
// notes go to the reject bin, or to staff (flow_dispense_test.cpp).

#include <string>
#include <utility>

#include "kiosk/core/flow_steps.h"

namespace kiosk::core::flow_steps {

void Flow::begin_settling(std::vector<UnfinishedWithdrawal> unfinished,
                          std::vector<UnfinishedDispenseTest> tests) {
    m_session.unfinished = std::move(unfinished);
    m_session.unfinished_dispense_tests = std::move(tests);
    m_session.state = State::settling;
    show(ScreenId::settling);
    std::string counts = std::to_string(m_session.unfinished.size()) + " unfinished";
    if (!m_session.unfinished_dispense_tests.empty()) {
        counts += ", " + std::to_string(m_session.unfinished_dispense_tests.size()) +
                  " dispense tests unfinished";
    }
    journal("settling", counts);
    settle_next();
}

// Between two withdrawals (or tests): the next is settled from the dispenser's next report.
bool Flow::settling_awaits_dispenser() const {
    return m_session.state == State::settling && !m_session.withdrawal &&
           !dispense_test_in_flight() &&
           (!m_session.unfinished.empty() || !m_session.unfinished_dispense_tests.empty());
}

// The next withdrawal is settled from a fresh report, since settling the one before may have
// moved notes; when none is left, the kiosk opens.
void Flow::settle_next() {
    if (m_session.unfinished.empty() && m_session.unfinished_dispense_tests.empty()) {
        journal("settled");
        enter_welcome();
        return;
    }
    emit(CheckDispenser{});
    start_timer(TimerId::dispenser);
}

void Flow::settle_with(const DispenserReported& report) {
    cancel_timer(TimerId::dispenser);
    if (m_session.unfinished.empty()) {
        settle_dispense_test_with(report);
        return;
    }
    const UnfinishedWithdrawal unfinished = m_session.unfinished.front();
    m_session.unfinished.erase(m_session.unfinished.begin());
    const Settlement settlement = settle(unfinished, report);
    m_session.withdrawal = Session::Withdrawal{
        .transaction = unfinished.transaction,
        .step = unfinished.last_step,
        .amount = unfinished.amount,
        .fee = unfinished.fee,
        .notes = {},
        .dispensed = unfinished.dispensed_known ? unfinished.dispensed
                                                : Money{0, unfinished.amount.currency},
        // Nobody is at the kiosk: there is no card to give back first.
        .card_taken = true,
        .reverse_reason = settlement.reason,
    };
    journal("settlement", std::string(to_string(settlement.action)));
    const TransactionReference& transaction = unfinished.transaction;
    switch (settlement.action) {
        case SettlementAction::nothing:
            m_session.withdrawal.reset();
            settle_next();
            return;
        case SettlementAction::reverse:
            reverse_withdrawal(settlement.reason);
            return;
        case SettlementAction::reject_and_reverse:
            journal_step(WithdrawalStep::reject_ordered);
            emit(RejectCash{transaction});
            start_timer(TimerId::dispenser);
            return;
        case SettlementAction::retract_and_reverse:
            journal_step(WithdrawalStep::retract_ordered);
            emit(RetractCash{transaction});
            start_timer(TimerId::dispenser);
            return;
        case SettlementAction::confirm:
            m_session.withdrawal->dispensed = settlement.confirm_amount;
            journal_step(WithdrawalStep::confirm_requested);
            start_account_call(ConfirmWithdrawal{transaction, settlement.confirm_amount});
            return;
        case SettlementAction::hold_for_engineer:
            hold_for_engineer(report.fault == CashFault::none
                                  ? "notes not where the journal left them"
                                  : "dispenser " + std::string(to_string(report.fault)));
            return;
    }
}

// The customer took the notes before the kiosk stopped: once the debit stands, the withdrawal
// is complete. Without that answer the journal stays at confirm_requested, for staff and the
// next start-up.
void Flow::settle_confirm_answered(const MoneyReply& reply) {
    if (reply.status == MoneyStatus::ok) {
        journal_step(WithdrawalStep::completed);
    } else {
        notify_staff("withdrawal not confirmed: " + std::string(to_string(reply.status)));
    }
    m_session.withdrawal.reset();
    settle_next();
}

}  // namespace kiosk::core::flow_steps
