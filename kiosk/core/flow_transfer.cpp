// A transfer to another account (kiosk/core/README.md, "Transfer"): the payee's account number
// typed and read back, the amount, a quote with the fee checked against balance and limits, the
// warning against the "safe account" fraud, the payee, amount, fee and total confirmed with a
// key of its own, then the account service moves the money. Every step is journaled with the
// transaction's record; an answer that was lost is asked for by the transaction's reference
// (FindTransfer), never guessed.

#include <string>
#include <utility>

#include "kiosk/core/flow_steps.h"
#include "kiosk/core/wording.h"

namespace kiosk::core::flow_steps {

namespace {

// How often the service is asked what became of a transfer whose answer was lost.
constexpr int k_transfer_finds = 2;

}  // namespace

bool Flow::transfer_key(base::Key key) {
    switch (m_session.state) {
        case State::payee_account:
            payee_key(key);
            return true;
        case State::transfer_amount:
            transfer_amount_key(key);
            return true;
        case State::transfer_warning:
            if (key == k_warning_continue_key) {
                accept_key();
                journal("transfer_warning_heeded");
                enter_interactive(State::confirm_transfer);
            } else if (key == k_warning_stop_key) {
                accept_key();
                journal("transfer_stopped_at_warning");
                leave_transfer();
            } else {
                reject_key();
            }
            return true;
        case State::confirm_transfer:
            confirm_transfer_key(key);
            return true;
        case State::transfer_refused:
            // Again only while a transfer can be sent at all: not with today's limit spent.
            if (key == k_transfer_again_key && offers_transfer(m_session)) {
                accept_key();
                begin_transfer();
            } else if (key == k_transfer_refused_back_key) {
                accept_key();
                leave_transfer();
            } else {
                reject_key();
            }
            return true;
        case State::transfer_finished:
            if (key == k_finished_menu_key) {
                accept_key();
                leave_transfer();
            } else if (key == k_finished_take_card_key) {
                accept_key();
                m_session.transfer.reset();
                end_session(EndReason::finished);
            } else {
                reject_key();
            }
            return true;
        case State::transferring:
            // Money is moving: every key says again what is happening.
            accept_key();
            speak_screen_again();
            return true;
        default:
            return false;
    }
}

void Flow::begin_transfer() {
    forget_transfer();
    journal("transfer_started");
    enter_interactive(State::payee_account);
}

// Back to the menu: what was typed is forgotten.
void Flow::leave_transfer() {
    forget_transfer();
    enter_interactive(State::menu);
}

void Flow::forget_transfer() {
    m_session.quote.reset();
    m_session.refusal.reset();
    m_session.transfer.reset();
    m_session.payee_digits.clear();
    m_session.amount_digits.clear();
    m_session.quoting_transfer = false;
}

void Flow::payee_key(base::Key key) {
    if (const std::optional<int> digit = base::digit_value(key)) {
        if ((m_session.payee_digits.empty() && *digit == 0) ||
            m_session.payee_digits.size() >= k_maximum_payee_digits) {
            reject_key();
            return;
        }
        accept_key();
        m_session.payee_digits.push_back(static_cast<char>('0' + *digit));
        refresh(ScreenId::payee_account);
        // Each digit is said as it is typed, on the headphones: the whole number is read back on
        // the next screen.
        if (speech_channel(m_session) == Channel::headphones) {
            say_private(
                word_digits(std::string(1, static_cast<char>('0' + *digit)), m_session.locale));
        } else {
            say_typed_field(m_session.payee_digits.size());
        }
        note_activity();
    } else if (key == k_typing_clear_key) {
        accept_key();
        m_session.payee_digits.clear();
        refresh(ScreenId::payee_account);
        say_typed_field(0);
        note_activity();
    } else if (key == k_typing_confirm_key) {
        if (m_session.payee_digits.size() >= k_minimum_payee_digits) {
            accept_key();
            m_session.amount_digits.clear();
            enter_interactive(State::transfer_amount);
        } else {
            reject_key();
            speak_phrase("payee_account.too_short");
        }
    } else if (key == k_typing_back_key) {
        accept_key();
        leave_transfer();
    } else {
        reject_key();
    }
}

void Flow::transfer_amount_key(base::Key key) {
    if (const std::optional<int> digit = base::digit_value(key)) {
        if (!type_amount_digit(*digit)) {
            return;
        }
        refresh(ScreenId::transfer_amount);
        say_typed_field(m_session.amount_digits.size());
        note_activity();
    } else if (key == k_typing_clear_key) {
        accept_key();
        m_session.amount_digits.clear();
        refresh(ScreenId::transfer_amount);
        say_typed_field(0);
        note_activity();
    } else if (key == k_typing_confirm_key) {
        if (m_session.amount_digits.empty() || !m_session.account) {
            reject_key();
            speak_phrase("transfer_amount.none");
            return;
        }
        accept_key();
        cancel_timer(TimerId::inactivity);
        cancel_timer(TimerId::hesitation);
        m_session.quoting_transfer = true;
        start_account_call(
            RequestQuote{MoneyKind::transfer, typed_amount(m_session), m_session.payee_digits});
        m_session.state = State::quoting;
        show(ScreenId::quoting);
        journal("quote_requested", "transfer");
    } else if (key == k_typing_back_key) {
        accept_key();
        enter_interactive(State::payee_account);
    } else {
        reject_key();
    }
}

void Flow::confirm_transfer_key(base::Key key) {
    if (key == k_transfer_confirm_key && m_session.quote) {
        accept_key();
        if (m_session.journal_failed) {
            // The journal failed while the customer chose: no money moves without its record.
            m_session.quote.reset();
            m_session.refusal = MoneyStatus::unavailable;
            enter_interactive(State::transfer_refused);
            return;
        }
        send_transfer();
    } else if (key == k_transfer_back_key) {
        accept_key();
        m_session.quote.reset();
        enter_interactive(State::transfer_amount);
    } else if (key == k_transfer_aloud_key && offers_speaker(m_session)) {
        accept_key();
        choose_speaker();
    } else {
        reject_key();
    }
}

void Flow::journal_transfer(TransferStep step, std::string detail) {
    Session::Transfer& transfer = *m_session.transfer;
    transfer.step = step;
    emit(Journal{std::string(k_transfer_event_prefix) + std::string(to_string(step)),
                 std::move(detail),
                 TransactionRecord{transfer.transaction,
                                   std::string(to_string(step)),
                                   transfer.amount,
                                   transfer.fee,
                                   {}}});
}

void Flow::send_transfer() {
    const Quote& quote = *m_session.quote;
    cancel_timer(TimerId::inactivity);
    cancel_timer(TimerId::hesitation);
    m_session.transfer = Session::Transfer{
        .transaction =
            transaction_reference(m_session.transaction_seed, m_session.transactions_begun++),
        .step = TransferStep::requested,
        .amount = quote.amount,
        .fee = quote.fee,
        .payee_masked = quote.payee_masked,
        .finding = false,
        .finds_left = k_transfer_finds,
    };
    // The payee's number has done its work: only the masked form stays.
    m_session.payee_digits.clear();
    m_session.state = State::transferring;
    show(ScreenId::transferring);
    journal_transfer(TransferStep::requested);
    start_account_call(ExecuteTransfer{m_session.transfer->transaction, quote.id});
}

void Flow::transfer_quoted(const MoneyReply& reply) {
    m_session.quoting_transfer = false;
    if (reply.status == MoneyStatus::ok && reply.quote &&
        reply.quote->kind == MoneyKind::transfer) {
        m_session.quote = reply.quote;
        enter_interactive(State::transfer_warning);
    } else if (reply.status == MoneyStatus::session_refused) {
        fail_service("session ended");
    } else {
        remember_limit_left(reply);
        m_session.refusal = reply.status;
        enter_interactive(State::transfer_refused);
    }
}

// An over_limit answer may say how much is left today: the refusal names what is last known.
void Flow::remember_limit_left(const MoneyReply& reply) {
    if (reply.status == MoneyStatus::over_limit && reply.limit_left && m_session.account) {
        m_session.account->limits.transfer_left_today = *reply.limit_left;
    }
}

void Flow::transfer_answered(const MoneyReply& reply) {
    Session::Transfer& transfer = *m_session.transfer;
    if (reply.status == MoneyStatus::ok) {
        journal_transfer(TransferStep::done);
        finish_transfer();
    } else if (transfer.finding && reply.status == MoneyStatus::unknown_transaction) {
        // The service holds no transfer by this reference: it never arrived, nothing moved.
        journal_transfer(TransferStep::not_done);
        finish_transfer();
    } else if (!transfer.finding &&
               (is_transfer_refusal(reply.status) || reply.status == MoneyStatus::unavailable)) {
        // Refused, or never reached (the request did not get there): nothing moved.
        journal_transfer(TransferStep::refused, std::string(to_string(reply.status)));
        remember_limit_left(reply);
        m_session.refusal = reply.status;
        m_session.transfer.reset();
        enter_interactive(State::transfer_refused);
    } else if (reply.status == MoneyStatus::session_refused && !transfer.finding) {
        journal_transfer(TransferStep::refused, std::string(to_string(reply.status)));
        m_session.transfer.reset();
        fail_service("session ended");
    } else if (transfer.finds_left > 0) {
        // No answer, or one that cannot be trusted: ask what the service holds.
        --transfer.finds_left;
        transfer.finding = true;
        journal_transfer(TransferStep::find_requested, std::string(to_string(reply.status)));
        start_account_call(FindTransfer{transfer.transaction});
    } else {
        journal_transfer(TransferStep::outcome_unknown, std::string(to_string(reply.status)));
        notify_staff("transfer outcome unknown: " + std::string(to_string(reply.status)),
                     AssistanceReason::device_fault);
        finish_transfer();
    }
}

void Flow::finish_transfer() {
    m_session.quote.reset();
    if (m_session.transfer && m_session.transfer->step == TransferStep::done) {
        m_session.service_given = ServiceKind::transfer;
    }
    emit(Tone{ToneKind::attention});
    enter_interactive(State::transfer_finished);
}

}  // namespace kiosk::core::flow_steps
