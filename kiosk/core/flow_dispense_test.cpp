// The cash dispenser's self-test (kiosk/core/dispense_test.h): one note from each cassette that
// can give one is picked under a transaction reference of the test's own and moved straight to
// the reject bin, never presented. Each step is journaled with its notes before the action it
// names and after its answer, as a withdrawal's are, so that the branch's cash count can account
// for the notes and a start-up after a crash can settle the test (flow_settle.cpp). The test is
// the session's, not the visit's: an engineer who leaves meanwhile leaves it to finish, and no
// customer is offered cash until its notes are secured.

#include <numeric>
#include <string>

#include "kiosk/core/flow_steps.h"

namespace kiosk::core::flow_steps {

namespace {

int notes_in(const std::vector<int>& notes) {
    return std::accumulate(notes.begin(), notes.end(), 0);
}

}  // namespace

bool Flow::dispense_test_in_flight() const {
    return m_session.dispense_test && !is_final(m_session.dispense_test->step);
}

bool Flow::awaits_dispense_test(DispenseTestStep step,
                                const TransactionReference& transaction) const {
    return m_session.dispense_test && m_session.dispense_test->step == step &&
           m_session.dispense_test->transaction == transaction;
}

std::optional<DispenseTestRefusal> Flow::dispense_test_refusal() const {
    if (m_session.dispenser_missing) {
        return DispenseTestRefusal::no_dispenser;
    }
    if (m_session.journal_failed) {
        return DispenseTestRefusal::journal_failed;
    }
    if (!dispense_test_notes(m_session.cassettes)) {
        return DispenseTestRefusal::no_notes;
    }
    return std::nullopt;
}

// On the test's screen: again once it is over, back; nothing while its notes move.
void Flow::dispense_test_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    if (dispense_test_in_flight()) {
        reject_key();
        speak_screen_again();
    } else if (key == k_dispense_test_again_key) {
        accept_key();
        start_dispense_test();
        show(ScreenId::service_dispense_test);
    } else if (key == k_dispense_test_back_key) {
        accept_key();
        visit.step = ServiceStep::self_tests;
        show(ScreenId::service_tests);
    } else {
        reject_key();
    }
}

// The notes are ordered, or the engineer is told why they are not. A test still under way (an
// engineer before this one left it) is followed, not started again.
void Flow::start_dispense_test() {
    ServiceVisit& visit = *m_session.service;
    if (dispense_test_in_flight()) {
        return;
    }
    visit.dispense_test_refusal = dispense_test_refusal();
    if (visit.dispense_test_refusal) {
        m_session.dispense_test.reset();
        audit("dispense_test", "refused: " + std::string(to_string(*visit.dispense_test_refusal)));
        return;
    }
    const std::vector<int> notes = *dispense_test_notes(m_session.cassettes);
    const Money amount = notes_worth(m_session.cassettes, notes);
    m_session.dispense_test = DispenseTest{
        .transaction =
            transaction_reference(m_session.transaction_seed, m_session.transactions_begun++),
        .step = DispenseTestStep::dispense_ordered,
        .notes = notes,
        .amount = amount,
        .picked = std::vector<int>(notes.size(), 0),
        .picked_amount = Money{0, amount.currency},
    };
    journal_dispense_test(DispenseTestStep::dispense_ordered, "by " + visit.engineer_id);
    emit(Dispense{m_session.dispense_test->transaction, notes});
    start_timer(TimerId::dispenser);
}

void Flow::journal_dispense_test(DispenseTestStep step, std::string detail) {
    DispenseTest& test = *m_session.dispense_test;
    test.step = step;
    const bool picked = step == DispenseTestStep::dispensed;
    const bool moves_notes = step == DispenseTestStep::dispense_ordered || picked;
    emit(Journal{
        std::string(k_dispense_test_event_prefix) + std::string(to_string(step)), std::move(detail),
        TransactionRecord{test.transaction, std::string(to_string(step)),
                          picked ? test.picked_amount : test.amount, Money{0, test.amount.currency},
                          moves_notes ? (picked ? test.picked : test.notes) : std::vector<int>{}},
        true});
}

// Picked in full: straight to the reject bin. Picked in part, jammed or silent: where the notes
// are is for staff to find. Nothing picked for a plain reason (no notes, out of service, busy):
// the test is over, and the screen says why.
void Flow::dispense_test_dispensed(const CashDispensed& event) {
    DispenseTest& test = *m_session.dispense_test;
    test.picked = event.notes;
    test.picked_amount = event.amount;
    test.fault = event.fault;
    if (event.result == PickResult::nothing_picked && event.fault != CashFault::no_answer &&
        event.fault != CashFault::jammed) {
        end_dispense_test(DispenseTestStep::not_picked, std::string(to_string(event.fault)));
        return;
    }
    if (event.result != PickResult::picked || event.fault != CashFault::none ||
        event.notes != test.notes) {
        end_dispense_test(DispenseTestStep::held_for_engineer,
                          "dispense " + std::string(to_string(event.result)) + ", " +
                              std::string(to_string(event.fault)));
        return;
    }
    journal_dispense_test(DispenseTestStep::dispensed);
    journal_dispense_test(DispenseTestStep::reject_ordered);
    emit(RejectCash{test.transaction});
    start_timer(TimerId::dispenser);
    if (m_session.state == State::service && m_session.service &&
        m_session.service->step == ServiceStep::dispense_test) {
        refresh(ScreenId::service_dispense_test);
    }
}

// In the reject bin, every note the test picked; anything less is for staff to count.
void Flow::dispense_test_rejected(const CashRejected& event) {
    DispenseTest& test = *m_session.dispense_test;
    test.rejected = event.notes;
    if (event.fault != CashFault::none) {
        test.fault = event.fault;
        end_dispense_test(DispenseTestStep::held_for_engineer,
                          "reject " + std::string(to_string(event.fault)));
        return;
    }
    const int picked = notes_in(test.picked);
    if (!test.settling && event.notes != picked) {
        end_dispense_test(
            DispenseTestStep::held_for_engineer,
            std::to_string(event.notes) + " of " + std::to_string(picked) + " notes rejected");
        return;
    }
    end_dispense_test(DispenseTestStep::notes_secured,
                      std::to_string(event.notes) + " notes rejected");
}

// The test's last step is journaled; notes that cannot be accounted for are staff's. The
// dispenser is asked for its cassettes again (they hold fewer notes now), and the engineer hears
// the outcome; a test settled at start-up makes way for the next.
void Flow::end_dispense_test(DispenseTestStep step, std::string detail) {
    cancel_timer(TimerId::dispenser);
    journal_dispense_test(step, detail);
    if (step == DispenseTestStep::held_for_engineer) {
        notify_staff("dispense test held: " + detail, AssistanceReason::device_fault);
    }
    if (m_session.dispense_test->settling) {
        settle_next();
        return;
    }
    emit(CheckDispenser{});
    if (m_session.state == State::service && m_session.service &&
        m_session.service->step == ServiceStep::dispense_test) {
        show_answer(ScreenId::service_dispense_test);
    }
}

void Flow::settle_dispense_test_with(const DispenserReported& report) {
    const UnfinishedDispenseTest unfinished = m_session.unfinished_dispense_tests.front();
    m_session.unfinished_dispense_tests.erase(m_session.unfinished_dispense_tests.begin());
    const DispenseTestStep next = settle(unfinished, report);
    m_session.dispense_test = DispenseTest{
        .transaction = unfinished.transaction,
        .step = unfinished.last_step,
        .notes = {},
        .amount = unfinished.amount,
        .picked = {},
        .picked_amount = Money{0, unfinished.amount.currency},
        .settling = true,
    };
    journal("settlement", "dispense test " + std::string(to_string(next)));
    if (next == DispenseTestStep::reject_ordered) {
        journal_dispense_test(DispenseTestStep::reject_ordered);
        emit(RejectCash{unfinished.transaction});
        start_timer(TimerId::dispenser);
        return;
    }
    if (report.fault != CashFault::none) {
        end_dispense_test(next, "dispenser " + std::string(to_string(report.fault)));
    } else {
        end_dispense_test(next, next == DispenseTestStep::held_for_engineer
                                    ? "notes not where the journal left them"
                                    : "settled at start-up");
    }
}

}  // namespace kiosk::core::flow_steps
