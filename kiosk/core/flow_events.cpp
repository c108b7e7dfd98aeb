// Which events fit which state, and the handlers of every event but a key: the card reader's,
// the PIN pad's, a device's fault, the headphone jack's, the account service's and the timers'.
// kiosk/core/README.md, "States and events" tabulates where each leads.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "base/overloaded.h"
#include "kiosk/core/card_checks.h"
#include "kiosk/core/flow_steps.h"

namespace kiosk::core::flow_steps {

namespace {

// What the customer is told about a card that cannot be used, by why.
EndReason end_reason_for_card(CardFault fault) {
    switch (fault) {
        case CardFault::unreadable:
            return EndReason::card_unreadable;
        case CardFault::not_accepted:
            return EndReason::card_not_accepted;
        case CardFault::expired:
            return EndReason::card_expired;
        case CardFault::blocked:
            return EndReason::chip_blocked;
    }
    return EndReason::card_unreadable;
}

}  // namespace

// Each event kind is listed, none by default, so that a new kind cannot be added without
// saying where it fits.
bool Flow::fits(const Event& event) const {
    const State state = m_session.state;
    return std::visit(
        base::Overloaded{
            // A fresh start, a key (each screen gives every key a meaning) and a device's
            // fault mean something everywhere.
            [](const Started&) { return true; },
            [](const KeyPressed&) { return true; },
            [](const DeviceFailed&) { return true; },
            // A card while cash is on its way (the customer took theirs early and put one back)
            // starts nothing: the withdrawal runs to its end first.
            [this](const CardInserted&) {
                return !card_in_kiosk() &&
                       (m_session.state == State::settling || !withdrawal_in_flight());
            },
            [this](const CardRemoved&) { return card_in_kiosk(); },
            [this, state](const CardRead&) {
                return state == State::reading_card || card_test_at(CardTestStage::reading);
            },
            // A card that fails while it renews its cryptogram fails the sign-on waiting for it.
            [this, state](const CardReadFailed&) {
                return state == State::reading_card || card_test_at(CardTestStage::reading) ||
                       (state == State::verifying && m_session.pin_block_waiting.has_value());
            },
            [this, state](const CardAuthenticationRenewed&) {
                return state == State::verifying && m_session.pin_block_waiting.has_value();
            },
            [this](const PinEntryReady&) {
                return pin_pad_collecting_in(
                    {State::waiting_for_pin_pad, State::new_pin_requested});
            },
            [this](const PinDigitEntered&) {
                return pin_pad_collecting_in(
                    {State::pin_entry, State::new_pin_entry, State::new_pin_again});
            },
            [this](const PinCleared&) {
                return pin_pad_collecting_in(
                    {State::pin_entry, State::new_pin_entry, State::new_pin_again});
            },
            // A new PIN's block comes only after the same PIN twice.
            [this](const PinEntered&) {
                return pin_pad_collecting_in({State::pin_entry, State::new_pin_again});
            },
            [this](const NewPinAgain&) { return pin_pad_collecting_in({State::new_pin_entry}); },
            [this](const NewPinsDiffer&) { return pin_pad_collecting_in({State::new_pin_again}); },
            // The refusal, failure or cancellation of an entry the pad has not confirmed yet
            // can still come. Once the entry is over this is also the pad's answer to our own
            // CancelPinEntry, which needs nothing more.
            [this](const PinEntryCancelled&) {
                return pin_pad_collecting_in({State::waiting_for_pin_pad, State::pin_entry,
                                              State::new_pin_requested, State::new_pin_entry,
                                              State::new_pin_again});
            },
            [this](const PinEntryFailed&) {
                return pin_pad_collecting_in({State::waiting_for_pin_pad, State::pin_entry,
                                              State::new_pin_requested, State::new_pin_entry,
                                              State::new_pin_again});
            },
            // News of a device fits when it changes what the flow knows.
            [this](const DeviceMissing& missing) { return !is_missing(m_session, missing.device); },
            [this](const DeviceReturned& back) { return is_missing(m_session, back.device); },
            [](const SpeechEnded&) { return true; },
            [this](const JournalFailed&) { return !m_session.journal_failed; },
            // The service menu (flow_service.cpp): the switch when it moved; kiosk/access's
            // verdict on the sign-in the menu waits for; the devices' report and the network
            // check it asked for.
            [this](const ServiceSwitchChanged& changed) {
                return changed.on != m_session.service_switch_on;
            },
            [this, state](const SignInChecked& checked) {
                return state == State::service && m_session.service &&
                       m_session.service->pending_check == checked.call_id;
            },
            [this, state](const DevicesReported& reported) {
                return state == State::service && m_session.service &&
                       m_session.service->pending_report == reported.call_id;
            },
            [this, state](const NetworkChecked& checked) {
                return state == State::service && m_session.service &&
                       m_session.service->pending_network == checked.call_id;
            },
            [this, state](const FaultsReported& reported) {
                return state == State::service && m_session.service &&
                       m_session.service->pending_faults == reported.call_id;
            },
            [this, state](const AccountsAnswered& answered) {
                return state == State::service && m_session.service &&
                       m_session.service->pending_accounts == answered.call_id;
            },
            [this, state](const CountersReported& reported) {
                return state == State::service && m_session.service &&
                       m_session.service->pending_counters == reported.call_id;
            },
            // The key ceremony's news fits while the ceremony waits for it: the pad's reports
            // while the pad has it, the bank's keys it asked for, the commit it sent.
            [this, state](const KeyCeremonyProgressed&) {
                return state == State::service && m_session.service &&
                       m_session.service->step == ServiceStep::key_ceremony &&
                       m_session.service->ceremony && ceremony_on_pad(*m_session.service->ceremony);
            },
            [this, state](const WorkingKeysFetched& fetched) {
                return state == State::service && m_session.service &&
                       m_session.service->ceremony &&
                       m_session.service->ceremony->pending_keys == fetched.call_id;
            },
            [this, state](const RecordsExported& exported) {
                return state == State::service && m_session.service &&
                       m_session.service->pending_export == exported.call_id;
            },
            [this, state](const ConfigurationRead& read) {
                return state == State::service && m_session.service &&
                       m_session.service->pending_configuration == read.call_id;
            },
            [this, state](const ConfigurationReviewed& reviewed) {
                return state == State::service && m_session.service &&
                       m_session.service->pending_review == reviewed.call_id;
            },
            // An installation's answer fits whatever happened meanwhile: a file installed means
            // a restart is due.
            [this](const ConfigurationInstalled& installed) {
                return m_session.pending_install == installed.call_id;
            },
            [this, state](const KeyCeremonyCommitted&) {
                return state == State::service && m_session.service &&
                       m_session.service->ceremony &&
                       m_session.service->ceremony->step == CeremonyStep::committing;
            },
            [this](const HeadphonesPlugged&) { return !m_session.headphones; },
            [this](const HeadphonesUnplugged&) { return m_session.headphones; },
            [this, state](const ReplyReceived& reply) {
                return state == State::verifying && m_session.pending_call == reply.call_id;
            },
            [this](const PreferencesSaved& saved) {
                return m_session.pending_save == saved.call_id;
            },
            // The account service's answer about money fits the screen that waits for it.
            [this, state](const MoneyReplyReceived& reply) {
                return (state == State::quoting || state == State::withdrawing ||
                        state == State::securing_cash || state == State::settling ||
                        state == State::transferring || awaits_card_service(state)) &&
                       m_session.pending_call == reply.call_id;
            },
            // The dispenser's answer fits the step of the withdrawal that asked for it.
            [this](const CashDispensed& cash) {
                return awaits_cash(WithdrawalStep::dispense_ordered, cash.transaction) ||
                       awaits_dispense_test(DispenseTestStep::dispense_ordered, cash.transaction);
            },
            [this](const CashPresented& cash) {
                return awaits_cash(WithdrawalStep::present_ordered, cash.transaction);
            },
            [this](const CashTaken& cash) {
                return awaits_cash(WithdrawalStep::presented, cash.transaction);
            },
            [this](const CashRetracted& cash) {
                return awaits_cash(WithdrawalStep::retract_ordered, cash.transaction);
            },
            [this](const CashRejected& cash) {
                return awaits_cash(WithdrawalStep::reject_ordered, cash.transaction) ||
                       awaits_dispense_test(DispenseTestStep::reject_ordered, cash.transaction);
            },
            // What the dispenser holds is news anywhere: it decides the amounts offered.
            [](const DispenserReported&) { return true; },
            // The queue service's answers fit the screen that waits for them; news of the
            // visit's call for staff fits anywhere until the visit ends.
            [this, state](const BusinessesListed& listed) {
                return state == State::fetching_businesses &&
                       m_session.pending_queue_call == listed.call_id;
            },
            [this, state](const TicketIssued& issued) {
                return state == State::issuing_ticket &&
                       m_session.pending_queue_call == issued.call_id;
            },
            [this](const StaffCallChanged& changed) {
                return m_session.staff_call == changed.call_id;
            },
            [this, state](const ComplaintFiled& filed) {
                return state == State::filing_complaint &&
                       m_session.pending_queue_call == filed.call_id;
            },
            [this](const PaperChanged& changed) { return m_session.paper != changed.level; },
            // The ticket's slip, an engineer's test slip, or a new engineer's set-up slip.
            [this, state](const PrintFinished& finished) {
                return (state == State::issuing_ticket &&
                        m_session.pending_print == finished.print_id) ||
                       (state == State::service && m_session.service &&
                        (m_session.service->pending_slip == finished.print_id ||
                         (m_session.service->enrolment &&
                          m_session.service->enrolment->pending_print == finished.print_id)));
            },
            [this](const TimerFired& fired) { return timer_running(fired.id); },
        },
        event);
}

namespace {

// Whether a card is in the kiosk in this state. The branch's screens need none. A withdrawal's
// screens hold it until the cash is at the slot, for the card comes out first (and earlier
// when the customer takes it: Flow::card_in_kiosk).
bool holds_card(State state) {
    if (is_cash_state(state)) {
        return state != State::take_cash;
    }
    if (is_transfer_state(state) || is_card_service_state(state)) {
        return true;
    }
    switch (state) {
        case State::welcome:
        case State::settings:
        case State::goodbye:
            return false;
        case State::sound:
        case State::staff_called:
        case State::timeout_warning:
            // Decided by the screen they interrupted (Flow::card_in_kiosk).
            return true;
        case State::reading_card:
        case State::waiting_for_pin_pad:
        case State::pin_entry:
        case State::verifying:
        case State::remember_elder_mode:
        case State::menu:
        case State::balance:
        case State::wrong_pin:
        case State::returning_card:
            return true;
        default:
            // The branch's states: none needs a card.
            return false;
    }
}

}  // namespace

// From the card's insertion until it is taken, also while it waits ejected. The staff screen,
// the sound screen and the time-out warning hold a card when the screen they interrupted does.
bool Flow::card_in_kiosk() const {
    const State state = m_session.state;
    if (state == State::service) {
        return card_test_at(CardTestStage::reading) || card_test_at(CardTestStage::take);
    }
    if (state == State::sound || state == State::staff_called || state == State::timeout_warning) {
        return holds_card(m_session.resume_state);
    }
    if (m_session.withdrawal && m_session.withdrawal->card_taken) {
        return false;
    }
    return holds_card(state);
}

// The withdrawal under way is at `step`, and the dispenser's answer names it.
bool Flow::awaits_cash(WithdrawalStep step, const TransactionReference& transaction) const {
    return m_session.withdrawal && m_session.withdrawal->step == step &&
           m_session.withdrawal->transaction == transaction;
}

// The PIN pad was asked to collect, the entry has not ended, and the session is in one of these
// states.
bool Flow::pin_pad_collecting_in(std::initializer_list<State> states) const {
    return m_session.pin_entry_active && std::ranges::find(states, m_session.state) != states.end();
}

void Flow::handle(const Started& event) {
    m_session = new_session(m_resources, m_session);
    m_session.transaction_seed = event.transaction_seed;
    // A fresh start knows nothing of the jack: the shell reports headphones found at start-up.
    m_session.headphones = false;
    m_session.out_of_service = event.out_of_service;
    journal("kiosk_started");
    if (event.out_of_service) {
        audit("out_of_service", "on " + std::string(to_string(*event.out_of_service)));
    }
    if (!event.unfinished.empty() || !event.unfinished_dispense_tests.empty()) {
        begin_settling(event.unfinished, event.unfinished_dispense_tests);
        return;
    }
    show(ScreenId::welcome);
}

void Flow::handle(const CardInserted&) {
    const State state = m_session.state;
    if (card_test_at(CardTestStage::insert) && m_session.service->step == ServiceStep::card_test) {
        card_test_inserted();
        return;
    }
    if (state == State::service || (state == State::welcome && m_session.out_of_service)) {
        refuse_card_for_service();
        return;
    }
    if (state == State::settling) {
        // Not open yet: the card goes straight back, with why.
        emit(EjectCard{});
        speak_phrase("settling.take_card");
        journal("card_refused", "settling");
        return;
    }
    const bool interrupted = state == State::sound || state == State::staff_called;
    if (state == State::goodbye) {
        // The next customer is already here: start afresh without waiting for the timer.
        cancel_all_timers();
        begin_new_session();
    } else if (is_branch_state(state) || (interrupted && is_branch_state(m_session.resume_state))) {
        // A card in the middle of the branch's screens: the customer has moved on to their
        // account. What the branch waited for is called off; the visit's call for staff stays.
        if (m_session.pending_queue_call) {
            emit(CancelCall{*m_session.pending_queue_call});
            m_session.pending_queue_call.reset();
        }
        m_session.pending_print.reset();
        cancel_all_timers();
        m_session.resume_state = State::welcome;
    }
    begin_reading_card();
}

void Flow::handle(const CardRead& event) {
    cancel_timer(TimerId::card_read);
    if (m_session.state == State::service) {
        // The test card: only whether it could be used is kept, nothing it holds.
        const std::optional<CardFault> fault = card_fault(event.card, event.read_in);
        card_test_done(fault, event.card.authentication.has_value(),
                       fault ? to_string(*fault) : "read");
        return;
    }
    m_session.card = event.card;
    journal("card_read");
    // The card's own language first, so that a card that cannot be used is explained in it too.
    if (!m_session.locale_chosen) {
        if (const auto locale = locale_for_card(event.card, m_resources);
            locale && *locale != m_session.locale) {
            m_session.locale = *locale;
            journal("locale_from_card", *locale);
        }
    }
    // Decided before the PIN pad is asked for anything: no PIN is typed for a card that cannot
    // be used. The journal names the fault, never the card or its dates.
    if (const std::optional<CardFault> fault = card_fault(event.card, event.read_in)) {
        journal("card_refused", std::string(to_string(*fault)));
        end_session(end_reason_for_card(*fault));
        return;
    }
    begin_pin_entry();
}

void Flow::handle(const CardReadFailed& event) {
    if (m_session.state == State::service) {
        cancel_timer(TimerId::card_read);
        card_test_done(event.fault, false, event.reason);
        return;
    }
    journal("card_read_failed", event.reason);
    end_session(end_reason_for_card(event.fault));
}

void Flow::handle(const CardRemoved&) {
    if (m_session.state == State::service) {
        card_test_removed();
        return;
    }
    if (withdrawal_in_flight()) {
        // Cash is on its way: the withdrawal runs to its end, the cash after the card.
        take_card_during_withdrawal();
        return;
    }
    if (m_session.state == State::returning_card) {
        journal("card_taken");
        // After a service, one question (docs/service-standards.md, "Feedback and complaints
        // (满意度调研 / 投诉处理)").
        if (m_session.end_reason == EndReason::finished && m_session.service_given) {
            cancel_all_timers();
            begin_survey();
            return;
        }
    } else {
        // Pulled out mid-session: cancel everything and close the session.
        journal("card_removed", std::string(to_string(m_session.state)));
        m_session.end_reason = EndReason::card_removed;
    }
    say_goodbye();
}

void Flow::handle(const PinEntryReady&) {
    cancel_timer(TimerId::pin_pad_ready);
    const bool new_pin = m_session.state == State::new_pin_requested;
    m_session.state = new_pin ? State::new_pin_entry : State::pin_entry;
    show(screen_for(m_session));
    start_timer(TimerId::inactivity);
    journal(new_pin ? "new_pin_entry_started" : "pin_entry_started");
}

void Flow::handle(const PinDigitEntered& event) {
    m_session.pin_digit_count = std::clamp(event.count, 0, policy::k_maximum_pin_digits);
    emit(StopSpeech{});
    refresh(screen_for(m_session));
    emit(Tone{ToneKind::digit});
    start_timer(TimerId::inactivity);
}

void Flow::handle(const PinCleared&) {
    m_session.pin_digit_count = 0;
    emit(StopSpeech{});
    refresh(screen_for(m_session));
    emit(Tone{ToneKind::key});
    speak_phrase(m_session.state == State::pin_entry ? "pin_entry.cleared" : "new_pin.cleared");
    start_timer(TimerId::inactivity);
}

void Flow::handle(const PinEntered& event) {
    if (m_session.state == State::new_pin_again) {
        change_pin(event.block);
        return;
    }
    m_session.pin_entry_active = false;
    cancel_timer(TimerId::inactivity);
    if (!m_session.card) {
        end_session(EndReason::card_unreadable);
        return;
    }
    m_session.state = State::verifying;
    show(ScreenId::verifying);
    start_timer(TimerId::service_call);
    // A cryptogram is good for one sign-on: after a wrong PIN the card makes a new one first. A
    // card that gives none has none to renew.
    if (m_session.card_authentication_used && m_session.card->authentication) {
        m_session.pin_block_waiting = event.block;
        emit(RenewCardAuthentication{});
        journal("card_authentication_renewing");
        return;
    }
    sign_on(event.block);
}

void Flow::handle(const CardAuthenticationRenewed& event) {
    m_session.card->authentication = event.authentication;
    const EncryptedPinBlock block = std::move(*m_session.pin_block_waiting);
    m_session.pin_block_waiting.reset();
    sign_on(block);
}

void Flow::sign_on(const EncryptedPinBlock& block) {
    const std::uint64_t call_id = m_session.next_call_id++;
    m_session.pending_call = call_id;
    m_session.card_authentication_used = true;
    emit(Call{call_id, BalanceRequest{m_session.card->pan, block, m_session.card->authentication}});
    journal("balance_requested", "call " + std::to_string(call_id));
}

void Flow::handle(const PinEntryCancelled&) {
    // The pad ended the entry itself: there is nothing to cancel on it.
    m_session.pin_entry_active = false;
    if (collects_new_pin(m_session.state)) {
        // Cancel on the pad, or its time-out: the PIN stays as it was.
        cancel_timer(TimerId::pin_pad_ready);
        journal("pin_change_not_wanted");
        enter_interactive(State::more_services);
        return;
    }
    end_session(EndReason::cancelled);
}

void Flow::handle(const PinEntryFailed& event) {
    m_session.pin_entry_active = false;
    fail_pin_pad(event.reason);
}

void Flow::handle(const DeviceFailed& event) {
    // The device opens itself again; what follows from it (a card seen anew, a pad back in
    // function-key mode) arrives as its own events. Staff hear of the fault at once
    // (docs/service-standards.md, "Emergencies and system faults").
    journal("device_fault", event.device + ": " + event.reason);
    notify_staff(event.device + " fault");
}

void Flow::handle(const DeviceMissing& event) {
    lose_device(event.device);
}

void Flow::handle(const DeviceReturned& event) {
    regain_device(event.device);
}

void Flow::handle(const SpeechEnded&) {
    after_speech();
}

void Flow::handle(const HeadphonesPlugged&) {
    m_session.headphones = true;
    journal("audio_mode", "on");
    emit(StopSpeech{});
    refresh_channel_choices();
    // The screen again, now privately and in full; on the welcome screen first the tour of
    // the kiosk (docs/accessibility.md, "Orientation").
    if (m_session.state == State::welcome) {
        speak_screen_again({"audio.on", "audio.orientation"});
    } else {
        speak_screen_again({"audio.on"});
    }
    restart_inactivity_if_running();
}

void Flow::handle(const HeadphonesUnplugged&) {
    m_session.headphones = false;
    m_session.speaker_chosen = false;
    journal("audio_mode", m_session.audio_key_mode ? "key" : "off");
    if (!in_audio_mode(m_session) && m_session.screen_blanked) {
        // The screen curtain belongs to audio mode.
        m_session.screen_blanked = false;
        emit(BlankScreen{false});
    }
    // Whatever was being said privately must not continue on the speaker.
    emit(StopSpeech{});
    refresh_channel_choices();
    speak_screen_again({"audio.off"});
    restart_inactivity_if_running();
}

void Flow::handle(const ReplyReceived& event) {
    m_session.pending_call.reset();
    cancel_timer(TimerId::service_call);
    const ServiceReply& reply = event.reply;
    journal("sign_on_reply", std::string(to_string(reply.status)));
    switch (reply.status) {
        case ServiceStatus::ok:
            if (reply.balance) {
                m_session.balance = reply.balance->balance;
                m_session.account = reply.session;
                m_session.pin_tries_left.reset();
                after_verification(reply.preferences);
                return;
            }
            // "ok" without a balance is a broken reply.
            fail_service("reply without a balance");
            return;
        case ServiceStatus::wrong_pin:
            if (reply.tries_left <= 0) {
                end_session(EndReason::pin_locked);
                return;
            }
            m_session.pin_tries_left = reply.tries_left;
            enter_interactive(State::wrong_pin);
            return;
        case ServiceStatus::pin_locked:
            end_session(EndReason::pin_locked);
            return;
        case ServiceStatus::card_unknown:
            end_session(EndReason::card_unknown);
            return;
        case ServiceStatus::card_blocked:
            end_session(EndReason::card_blocked);
            return;
        case ServiceStatus::unavailable:
        case ServiceStatus::timeout:
        case ServiceStatus::bad_reply:
            fail_service(to_string(reply.status));
            return;
    }
}

void Flow::handle(const PreferencesSaved& event) {
    m_session.pending_save.reset();
    journal("preferences_saved", event.saved ? "ok" : "failed");
    // Said after whatever is being said: the customer has moved on to the menu.
    if (!event.saved) {
        speak_phrase("remember_elder_mode.failed");
    } else {
        speak_phrase(m_session.saving_elder_mode ? "remember_elder_mode.saved"
                                                 : "remember_elder_mode.forgotten");
    }
}

// A timer that fires where it no longer matters (the inactivity time-out still running when a
// wrong PIN is tried again, before the pad confirms) runs out without effect.
void Flow::handle(const TimerFired& event) {
    std::erase(m_session.running_timers, event.id);
    const State state = m_session.state;
    switch (event.id) {
        case TimerId::inactivity:
            if (state == State::settings) {
                // Nobody answered the settings: the welcome screen again.
                m_session.state = State::welcome;
                show(ScreenId::welcome);
            } else if (state == State::sound) {
                // Nobody answered the sound screen: back to where it was opened.
                resume();
            } else if (has_inactivity_timeout(state)) {
                warn_of_timeout();
            }
            return;
        case TimerId::hesitation:
            if (offers_help_on_hesitation()) {
                offer_help();
            }
            return;
        case TimerId::tour:
            if (state == State::welcome && in_audio_mode(m_session)) {
                speak_phrase("audio.orientation");
            }
            return;
        case TimerId::inactivity_warning:
            if (state == State::timeout_warning && card_in_kiosk()) {
                end_session(EndReason::timed_out);
            } else if (state == State::timeout_warning) {
                // Nothing to give back: the visit ends with thanks.
                journal("session_ended", std::string(to_string(EndReason::timed_out)));
                say_goodbye();
            }
            return;
        case TimerId::queue_call:
            if (state == State::issuing_ticket && m_session.pending_print) {
                // The printer never answered: the ticket is shown without its slip.
                show_ticket(PrintResult::failed);
            } else if (m_session.pending_queue_call &&
                       (state == State::fetching_businesses || state == State::issuing_ticket ||
                        state == State::filing_complaint)) {
                // A ticket or list not delivered by now is no use to this customer: the client
                // drops it (QueueClient::cancel). A complaint is still delivered.
                emit(CancelCall{*m_session.pending_queue_call});
                if (state == State::filing_complaint) {
                    end_queue_call();
                    m_session.complaint_status = QueueStatus::timeout;
                    enter_interactive(State::complaint_filed);
                } else {
                    fail_queue(QueueStatus::timeout);
                }
            }
            return;
        case TimerId::cash_wait:
        case TimerId::dispenser:
            cash_timer(event.id);
            return;
        case TimerId::service_keys:
        case TimerId::service_idle:
            service_timer(event.id);
            return;
        case TimerId::restart:
            if (m_session.restarting) {
                restart_kiosk();
            }
            return;
        case TimerId::reminder:
            if (state == State::card_before_cash || state == State::take_cash) {
                cash_timer(event.id);
            } else if (state == State::returning_card) {
                ++m_session.reminders_given;
                emit(Tone{ToneKind::attention});
                // The next one comes an interval after this one has been said (SpeechEnded).
                speak_phrase("take_card.reminder");
                journal("card_reminder", std::to_string(m_session.reminders_given));
                if (m_session.reminders_given == m_resources.policy.reminders_before_staff) {
                    notify_staff("card left in the reader", AssistanceReason::card_retained);
                }
            }
            return;
        case TimerId::goodbye:
            if (state == State::goodbye) {
                journal("session_reset");
                enter_welcome();
            }
            return;
        case TimerId::pin_pad_ready:
            if (state == State::waiting_for_pin_pad || state == State::new_pin_requested) {
                fail_pin_pad("the PIN pad did not confirm PIN entry");
            }
            return;
        case TimerId::card_read:
            if (state == State::reading_card) {
                journal("card_read_failed", "no answer from the reader");
                end_session(EndReason::card_unreadable);
            } else if (card_test_at(CardTestStage::reading)) {
                card_test_done(CardFault::unreadable, false, "no answer from the reader");
            }
            return;
        case TimerId::service_call:
            if (state == State::verifying && m_session.pin_block_waiting) {
                journal("card_read_failed", "no fresh cryptogram from the card");
                end_session(EndReason::card_unreadable);
            } else if (state == State::verifying) {
                fail_service("did not answer");
            } else {
                cash_timer(event.id);
            }
            return;
    }
}

}  // namespace kiosk::core::flow_steps
