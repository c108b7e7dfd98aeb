// A cash withdrawal (kiosk/core/README.md, "Cash"): the amount, the fee and total confirmed,
// then authorise at the account service, pick the notes, confirm the debit of what was picked,
// the card out first, the cash presented, and reminders until it is taken. Every step is
// journaled with the transaction's record before the action it names is started and after its
// answer, so that a start-up after a crash can settle it (kiosk/core/reconciliation.h).
//
// Whatever fails after the authorisation, the withdrawal is undone: notes picked but not given
// go to the reject bin (rejected before they are presented, retracted when not taken), and the
// account service is asked to reverse. Only a dispenser that cannot say where the notes are
// (a jam, no answer) leaves the withdrawal to staff, held_for_engineer.

#include <string>
#include <utility>

#include "kiosk/core/flow_steps.h"

namespace kiosk::core::flow_steps {

namespace {

// A refusal the customer can act on: nothing was held, another amount may do.
bool is_refusal(MoneyStatus status) {
    return status == MoneyStatus::insufficient_funds || status == MoneyStatus::over_limit ||
           status == MoneyStatus::amount_not_allowed || status == MoneyStatus::quote_expired;
}

}  // namespace

// A withdrawal whose reversal failed is left to staff and the next start-up (its journal stays
// at reverse_requested): for this session it is over.
bool Flow::withdrawal_in_flight() const {
    return m_session.withdrawal && !is_final(m_session.withdrawal->step) &&
           !m_session.withdrawal->reverse_failed;
}

bool Flow::cash_key(base::Key key) {
    switch (m_session.state) {
        case State::choose_amount:
            choose_amount_key(key);
            return true;
        case State::other_amount:
            other_amount_key(key);
            return true;
        case State::confirm_withdrawal:
            confirm_withdrawal_key(key);
            return true;
        case State::withdrawal_refused:
            if (key == k_refused_other_amount_key && !cash_out_of_service(m_session)) {
                accept_key();
                begin_withdrawal();
            } else if (key == k_refused_back_key) {
                accept_key();
                enter_interactive(State::menu);
            } else {
                reject_key();
            }
            return true;
        case State::quoting:
        case State::withdrawing:
        case State::card_before_cash:
        case State::take_cash:
        case State::securing_cash:
        case State::settling:
            // Cash is moving: every key says again what is happening and what to do.
            accept_key();
            speak_screen_again();
            return true;
        default:
            return false;
    }
}

void Flow::begin_withdrawal() {
    m_session.quote.reset();
    m_session.refusal.reset();
    m_session.amount_digits.clear();
    journal("withdrawal_started");
    enter_interactive(State::choose_amount);
}

// The dispenser went away, or the journal failed, while the customer chose: no cash is asked
// for, and the customer hears that this machine can give none now.
bool Flow::refused_out_of_service() {
    if (!cash_out_of_service(m_session)) {
        return false;
    }
    m_session.quote.reset();
    m_session.refusal = MoneyStatus::unavailable;
    enter_interactive(State::withdrawal_refused);
    return true;
}

void Flow::choose_amount_key(base::Key key) {
    const std::vector<Money> amounts = withdrawal_amounts(m_session);
    for (std::size_t index = 0; index < amounts.size(); ++index) {
        if (base::digit_key(static_cast<int>(index) + 1) == key) {
            accept_key();
            if (!refused_out_of_service()) {
                request_quote(amounts[index]);
            }
            return;
        }
    }
    if (key == k_amount_other_key) {
        accept_key();
        m_session.amount_digits.clear();
        enter_interactive(State::other_amount);
    } else if (key == k_amount_back_key) {
        accept_key();
        enter_interactive(State::menu);
    } else {
        reject_key();
    }
}

void Flow::other_amount_key(base::Key key) {
    if (const std::optional<int> digit = base::digit_value(key)) {
        if (!type_amount_digit(*digit)) {
            return;
        }
        refresh(ScreenId::other_amount);
        say_typed_field(m_session.amount_digits.size());
        note_activity();
    } else if (key == k_other_amount_clear_key) {
        accept_key();
        m_session.amount_digits.clear();
        refresh(ScreenId::other_amount);
        say_typed_field(0);
        note_activity();
    } else if (key == k_other_amount_confirm_key) {
        const Money amount = typed_amount(m_session);
        if (m_session.account &&
            can_withdraw(m_session.cassettes, m_session.account->limits, amount)) {
            accept_key();
            if (!refused_out_of_service()) {
                request_quote(amount);
            }
        } else {
            reject_key();
            speak_phrase("other_amount.not_allowed");
        }
    } else if (key == k_other_amount_back_key) {
        accept_key();
        enter_interactive(State::choose_amount);
    } else {
        reject_key();
    }
}

// No leading zero, and no more digits than any limit needs: a digit refused has the error tone.
bool Flow::type_amount_digit(int digit) {
    if ((m_session.amount_digits.empty() && digit == 0) ||
        m_session.amount_digits.size() >= policy::k_maximum_amount_digits) {
        reject_key();
        return false;
    }
    accept_key();
    m_session.amount_digits += static_cast<char>('0' + digit);
    return true;
}

// What was typed so far, said as the field is: in full on the headphones (a typed amount or
// account is the customer's own, like the PIN field's count). On the speaker an empty field is
// said, and the first character typed brings the phrase that says the field is on the screen
// and how to hear it; the others have their key's tone only, rather than that phrase again at
// every key.
void Flow::say_typed_field(std::size_t typed) {
    if (speech_channel(m_session) != Channel::headphones && typed > 1) {
        return;
    }
    say_screen_lines([](const Element& element) { return element.role == Role::input; });
}

void Flow::say_private(std::string text) {
    Utterance utterance = phrase_utterance(text, m_session.locale, speech_context());
    utterance.is_private = true;
    say({std::move(utterance)});
}

void Flow::confirm_withdrawal_key(base::Key key) {
    if (key == k_withdrawal_confirm_key && m_session.quote) {
        accept_key();
        if (!refused_out_of_service()) {
            authorise_withdrawal();
        }
    } else if (key == k_withdrawal_back_key) {
        accept_key();
        m_session.quote.reset();
        enter_interactive(State::choose_amount);
    } else if (key == k_withdrawal_aloud_key && offers_speaker(m_session)) {
        accept_key();
        choose_speaker();
    } else {
        reject_key();
    }
}

void Flow::start_account_call(AccountRequest request) {
    const std::uint64_t call_id = m_session.next_call_id++;
    m_session.pending_call = call_id;
    emit(AccountCall{call_id, std::move(request),
                     m_session.account ? m_session.account->token : base::SecretText()});
    start_timer(TimerId::service_call);
}

void Flow::request_quote(const Money& amount) {
    cancel_timer(TimerId::inactivity);
    cancel_timer(TimerId::hesitation);
    start_account_call(RequestQuote{MoneyKind::withdrawal, amount, {}});
    m_session.state = State::quoting;
    show(ScreenId::quoting);
    journal("quote_requested");
}

void Flow::journal_step(WithdrawalStep step, std::string detail) {
    Session::Withdrawal& withdrawal = *m_session.withdrawal;
    withdrawal.step = step;
    const bool moves_notes =
        step == WithdrawalStep::dispense_ordered || step == WithdrawalStep::dispensed;
    emit(Journal{std::string(k_withdrawal_event_prefix) + std::string(to_string(step)),
                 std::move(detail),
                 TransactionRecord{
                     withdrawal.transaction, std::string(to_string(step)),
                     step == WithdrawalStep::dispensed ? withdrawal.dispensed : withdrawal.amount,
                     withdrawal.fee, moves_notes ? withdrawal.notes : std::vector<int>{}}});
}

void Flow::authorise_withdrawal() {
    const Quote& quote = *m_session.quote;
    const std::optional<std::vector<int>> notes = note_mix(m_session.cassettes, quote.amount);
    if (!notes) {
        // The cassettes changed since the amount was offered.
        m_session.refusal = MoneyStatus::amount_not_allowed;
        enter_interactive(State::withdrawal_refused);
        return;
    }
    cancel_timer(TimerId::inactivity);
    cancel_timer(TimerId::hesitation);
    m_session.withdrawal = Session::Withdrawal{
        .transaction =
            transaction_reference(m_session.transaction_seed, m_session.transactions_begun++),
        .step = WithdrawalStep::authorise_requested,
        .amount = quote.amount,
        .fee = quote.fee,
        .notes = *notes,
        .dispensed = Money{0, quote.amount.currency},
    };
    m_session.state = State::withdrawing;
    show(ScreenId::withdrawing);
    journal_step(WithdrawalStep::authorise_requested);
    start_account_call(AuthoriseWithdrawal{m_session.withdrawal->transaction, quote.id});
}

void Flow::dispense_notes() {
    const Session::Withdrawal& withdrawal = *m_session.withdrawal;
    journal_step(WithdrawalStep::dispense_ordered);
    emit(Dispense{withdrawal.transaction, withdrawal.notes});
    start_timer(TimerId::dispenser);
}

void Flow::present_cash() {
    journal_step(WithdrawalStep::present_ordered);
    emit(PresentCash{m_session.withdrawal->transaction});
    start_timer(TimerId::dispenser);
}

// The notes must not be given: into the reject bin, then the withdrawal undone. Notes at the
// slot are retracted, notes still inside rejected.
void Flow::secure_cash(ReverseReason reason) {
    Session::Withdrawal& withdrawal = *m_session.withdrawal;
    withdrawal.reverse_reason = reason;
    cancel_timer(TimerId::cash_wait);
    cancel_timer(TimerId::reminder);
    m_session.state = State::securing_cash;
    show(ScreenId::securing_cash);
    if (withdrawal.step == WithdrawalStep::presented) {
        journal_step(WithdrawalStep::retract_ordered);
        emit(RetractCash{withdrawal.transaction});
    } else {
        journal_step(WithdrawalStep::reject_ordered);
        emit(RejectCash{withdrawal.transaction});
    }
    start_timer(TimerId::dispenser);
}

void Flow::reverse_withdrawal(ReverseReason reason) {
    if (m_session.state != State::securing_cash && m_session.state != State::settling) {
        m_session.state = State::securing_cash;
        show(ScreenId::securing_cash);
    }
    journal_step(WithdrawalStep::reverse_requested, std::string(to_string(reason)));
    start_account_call(ReverseWithdrawal{m_session.withdrawal->transaction, reason});
}

// The notes are where staff must count them: the withdrawal stays held at the account service
// until they do, and the customer is told staff will see to it.
void Flow::hold_for_engineer(std::string reason) {
    cancel_timer(TimerId::dispenser);
    m_session.withdrawal->reverse_failed = true;
    journal_step(WithdrawalStep::held_for_engineer, reason);
    notify_staff("withdrawal held: " + reason, AssistanceReason::device_fault);
    finish_withdrawal_undone();
}

// The withdrawal is undone (or left to staff): the card comes back if it is still here, with
// why; otherwise the customer hears what became of the cash.
void Flow::finish_withdrawal_undone() {
    if (m_session.state == State::settling) {
        m_session.withdrawal.reset();
        settle_next();
        return;
    }
    const bool retracted = m_session.withdrawal->reverse_reason == ReverseReason::cash_not_taken;
    const EndReason reason = retracted ? EndReason::cash_retracted : EndReason::cash_not_given;
    if (!m_session.withdrawal->card_taken) {
        end_session(EndReason::cash_not_given);
        return;
    }
    release_session();
    m_session.end_reason = reason;
    m_session.state = State::goodbye;
    emit(Tone{ToneKind::attention});
    show(screen_for(m_session));
    start_timer(TimerId::goodbye);
    journal("session_ended", std::string(to_string(reason)));
}

void Flow::handle(const MoneyReplyReceived& event) {
    m_session.pending_call.reset();
    cancel_timer(TimerId::service_call);
    const MoneyReply& reply = event.reply;
    journal("money_reply", std::string(to_string(reply.status)));
    if (m_session.state == State::quoting && m_session.quoting_transfer) {
        transfer_quoted(reply);
        return;
    }
    if (m_session.state == State::transferring) {
        transfer_answered(reply);
        return;
    }
    if (is_card_service_state(m_session.state)) {
        card_service_answered(reply);
        return;
    }
    if (m_session.state == State::quoting) {
        if (reply.status == MoneyStatus::ok && reply.quote &&
            reply.quote->kind == MoneyKind::withdrawal) {
            m_session.quote = reply.quote;
            enter_interactive(State::confirm_withdrawal);
        } else if (reply.status == MoneyStatus::session_refused) {
            fail_service("session ended");
        } else {
            m_session.refusal = reply.status;
            enter_interactive(State::withdrawal_refused);
        }
        return;
    }
    Session::Withdrawal& withdrawal = *m_session.withdrawal;
    switch (withdrawal.step) {
        case WithdrawalStep::authorise_requested:
            if (reply.status == MoneyStatus::ok) {
                journal_step(WithdrawalStep::authorised);
                dispense_notes();
            } else if (is_refusal(reply.status) || reply.status == MoneyStatus::unavailable) {
                // Refused before anything was held: final, nothing moved.
                journal_step(WithdrawalStep::refused, std::string(to_string(reply.status)));
                m_session.refusal = reply.status;
                m_session.withdrawal.reset();
                enter_interactive(State::withdrawal_refused);
            } else {
                // No answer, or one that cannot be trusted: whatever the service holds is
                // released (an unknown reference is recorded void, so a late authorisation is
                // refused).
                m_session.withdrawal->reverse_reason = ReverseReason::outcome_unknown;
                reverse_withdrawal(ReverseReason::outcome_unknown);
            }
            return;
        case WithdrawalStep::confirm_requested:
            if (m_session.state == State::settling) {
                settle_confirm_answered(reply);
            } else if (reply.status == MoneyStatus::ok) {
                journal_step(WithdrawalStep::confirmed);
                if (withdrawal.card_taken) {
                    present_cash();
                    return;
                }
                // The card first, so that it is never left behind with the cash in hand.
                m_session.state = State::card_before_cash;
                m_session.reminders_given = 0;
                emit(EjectCard{});
                emit(Tone{ToneKind::attention});
                show(ScreenId::card_before_cash);
                start_timer(TimerId::cash_wait);
            } else {
                secure_cash(ReverseReason::outcome_unknown);
            }
            return;
        case WithdrawalStep::reverse_requested:
            if (reply.status == MoneyStatus::ok) {
                journal_step(WithdrawalStep::reversed);
            } else {
                // The journal stays at reverse_requested: the next start-up asks again, and
                // staff know now.
                withdrawal.reverse_failed = true;
                notify_staff("withdrawal not undone: " + std::string(to_string(reply.status)));
            }
            finish_withdrawal_undone();
            return;
        default:
            return;
    }
}

void Flow::handle(const CashDispensed& event) {
    cancel_timer(TimerId::dispenser);
    if (awaits_dispense_test(DispenseTestStep::dispense_ordered, event.transaction)) {
        dispense_test_dispensed(event);
        return;
    }
    Session::Withdrawal& withdrawal = *m_session.withdrawal;
    if (event.result == PickResult::nothing_picked && event.fault != CashFault::no_answer &&
        event.fault != CashFault::jammed) {
        journal("cash_not_picked", std::string(to_string(event.fault)));
        notify_staff("cash dispenser could not pick: " + std::string(to_string(event.fault)));
        m_session.withdrawal->reverse_reason = ReverseReason::dispense_failed;
        reverse_withdrawal(ReverseReason::dispense_failed);
        return;
    }
    if (event.result != PickResult::picked || event.fault != CashFault::none ||
        event.amount != withdrawal.amount) {
        hold_for_engineer("dispense " + std::string(to_string(event.result)) + ", " +
                          std::string(to_string(event.fault)));
        return;
    }
    withdrawal.dispensed = event.amount;
    journal_step(WithdrawalStep::dispensed);
    journal_step(WithdrawalStep::confirm_requested);
    start_account_call(ConfirmWithdrawal{withdrawal.transaction, withdrawal.dispensed});
}

void Flow::handle(const CashPresented& event) {
    cancel_timer(TimerId::dispenser);
    if (event.fault != CashFault::none) {
        journal("cash_not_presented", std::string(to_string(event.fault)));
        notify_staff("cash dispenser could not present: " + std::string(to_string(event.fault)));
        secure_cash(ReverseReason::dispense_failed);
        return;
    }
    journal_step(WithdrawalStep::presented);
    m_session.state = State::take_cash;
    m_session.reminders_given = 0;
    emit(Tone{ToneKind::attention});
    show(ScreenId::take_cash);
    start_timer(TimerId::cash_wait);
}

void Flow::handle(const CashTaken&) {
    journal_step(WithdrawalStep::completed);
    m_session.withdrawal.reset();
    m_session.service_given = ServiceKind::withdrawal;
    // The card and the cash are with the customer: the session is over, and its personal data
    // goes before the survey, as after a balance.
    release_session();
    begin_survey();
}

void Flow::handle(const CashRetracted& event) {
    cancel_timer(TimerId::dispenser);
    if (event.fault != CashFault::none) {
        hold_for_engineer("retract " + std::string(to_string(event.fault)));
        return;
    }
    journal_step(WithdrawalStep::notes_secured, std::to_string(event.notes) + " notes retracted");
    reverse_withdrawal(m_session.withdrawal->reverse_reason);
}

void Flow::handle(const CashRejected& event) {
    cancel_timer(TimerId::dispenser);
    if (awaits_dispense_test(DispenseTestStep::reject_ordered, event.transaction)) {
        dispense_test_rejected(event);
        return;
    }
    if (event.fault != CashFault::none) {
        hold_for_engineer("reject " + std::string(to_string(event.fault)));
        return;
    }
    journal_step(WithdrawalStep::notes_secured, std::to_string(event.notes) + " notes rejected");
    reverse_withdrawal(m_session.withdrawal->reverse_reason);
}

void Flow::handle(const DispenserReported& event) {
    journal("dispenser_reported", std::string(to_string(event.state)));
    m_session.cassettes = event.cassettes;
    if (settling_awaits_dispenser()) {
        settle_with(event);
    }
}

// The journal cannot be written: from the record that failed on, the shell carried out nothing
// that gives money, so the withdrawal's step names an action that did not happen. The
// withdrawal is undone from there, and no cash is offered until the kiosk is restarted.
void Flow::handle(const JournalFailed& event) {
    m_session.journal_failed = true;
    notify_staff("electronic journal cannot be written: " + event.reason);
    // A dispense test's order was held back with its record: nothing was picked, and the
    // engineer is told why. Its notes already picked still go to the reject bin.
    if (m_session.dispense_test &&
        m_session.dispense_test->step == DispenseTestStep::dispense_ordered &&
        !m_session.dispense_test->settling) {
        cancel_timer(TimerId::dispenser);
        m_session.dispense_test.reset();
        if (m_session.service) {
            m_session.service->dispense_test_refusal = DispenseTestRefusal::journal_failed;
            if (m_session.state == State::service &&
                m_session.service->step == ServiceStep::dispense_test) {
                show_answer(ScreenId::service_dispense_test);
            }
        }
        return;
    }
    // A transfer's request is held back with the record before it that failed: nothing was
    // sent, so nothing moved.
    if (m_session.state == State::transferring && m_session.transfer &&
        m_session.transfer->step == TransferStep::requested && !m_session.transfer->finding) {
        cancel_call();
        cancel_timer(TimerId::service_call);
        m_session.transfer->step = TransferStep::not_done;
        finish_transfer();
        return;
    }
    if (!withdrawal_in_flight()) {
        return;
    }
    Session::Withdrawal& withdrawal = *m_session.withdrawal;
    if (m_session.state == State::settling) {
        // Settling gives no money but for the confirmation of notes a customer took; held back,
        // it is left to staff and the next start-up like one that went unanswered.
        if (withdrawal.step == WithdrawalStep::confirm_requested) {
            cancel_call();
            cancel_timer(TimerId::service_call);
            MoneyReply unsent;
            unsent.status = MoneyStatus::unavailable;
            settle_confirm_answered(unsent);
        }
        return;
    }
    switch (withdrawal.step) {
        case WithdrawalStep::authorise_requested:
            // The authorisation was never sent: nothing is held.
            cancel_call();
            cancel_timer(TimerId::service_call);
            journal_step(WithdrawalStep::refused, "journal failed");
            m_session.refusal = MoneyStatus::unavailable;
            m_session.withdrawal.reset();
            enter_interactive(State::withdrawal_refused);
            return;
        case WithdrawalStep::dispense_ordered:
            // Nothing was picked.
            cancel_timer(TimerId::dispenser);
            withdrawal.reverse_reason = ReverseReason::dispense_failed;
            reverse_withdrawal(ReverseReason::dispense_failed);
            return;
        case WithdrawalStep::confirm_requested:
        case WithdrawalStep::confirmed:
        case WithdrawalStep::present_ordered:
            // The notes are picked and not given: into the reject bin, then undone.
            cancel_call();
            cancel_timer(TimerId::service_call);
            secure_cash(ReverseReason::outcome_unknown);
            return;
        default:
            // Presented, or already being secured: nothing that gives money is left to do.
            return;
    }
}

// The card was taken at the slot while cash was on its way.
void Flow::take_card_during_withdrawal() {
    Session::Withdrawal& withdrawal = *m_session.withdrawal;
    withdrawal.card_taken = true;
    journal("card_taken");
    if (m_session.state == State::card_before_cash) {
        // The wait for the card is over: the cash's own wait starts when it is at the slot.
        cancel_timer(TimerId::cash_wait);
        cancel_timer(TimerId::reminder);
        present_cash();
    }
}

void Flow::cash_timer(TimerId id) {
    const State state = m_session.state;
    switch (id) {
        case TimerId::reminder:
            if (state == State::card_before_cash || state == State::take_cash) {
                ++m_session.reminders_given;
                emit(Tone{ToneKind::attention});
                speak_phrase(state == State::take_cash ? "take_cash.reminder"
                                                       : "card_before_cash.reminder");
                journal("cash_reminder", std::to_string(m_session.reminders_given));
            }
            return;
        case TimerId::cash_wait:
            if (state == State::card_before_cash || state == State::take_cash) {
                journal(state == State::take_cash ? "cash_not_taken" : "card_not_taken");
                secure_cash(ReverseReason::cash_not_taken);
            }
            return;
        case TimerId::dispenser:
            if (withdrawal_in_flight()) {
                hold_for_engineer("no answer from the cash dispenser");
            } else if (dispense_test_in_flight()) {
                end_dispense_test(DispenseTestStep::held_for_engineer,
                                  "no answer from the cash dispenser");
            } else if (settling_awaits_dispenser()) {
                DispenserReported silent;
                silent.fault = CashFault::no_answer;
                settle_with(silent);
            }
            return;
        case TimerId::service_call:
            if ((state == State::quoting || state == State::transferring ||
                 awaits_card_service(state) || withdrawal_in_flight()) &&
                m_session.pending_call) {
                // No answer: as though the service had said it timed out.
                const std::uint64_t call_id = m_session.pending_call.value_or(0);
                cancel_call();
                MoneyReply no_answer;
                no_answer.status = MoneyStatus::timeout;
                handle(MoneyReplyReceived{call_id, std::move(no_answer)});
            }
            return;
        default:
            return;
    }
}

}  // namespace kiosk::core::flow_steps
