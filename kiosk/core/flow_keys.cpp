// Key handling. The keys that mean the same on many screens are decided once, in this order:
// help, the repeat key, Cancel; then each screen's own keys (screens.h holds the key map the
// screens show).

#include <cstdint>
#include <optional>
#include <string>

#include "kiosk/core/wording.h"

#include "kiosk/core/flow_steps.h"

namespace kiosk::core::flow_steps {

namespace {

// The screens where the repeat key says the screen again; on the others every key already has a
// meaning (any key leaves the staff screen), or digits are not reported at all around PIN
// entry (docs/protocols/epp.md §4.3).
bool repeats_on_zero(State state) {
    // The branch's screens that wait for an answer at the customer's pace; its waits are
    // answered like the card's (every key says the screen again).
    if (is_branch_state(state)) {
        return has_inactivity_timeout(state);
    }
    switch (state) {
        case State::welcome:
        case State::settings:
        case State::sound:
        case State::remember_elder_mode:
        case State::menu:
        case State::balance:
        case State::wrong_pin:
        case State::timeout_warning:
        case State::returning_card:
        case State::goodbye:
        case State::choose_amount:
        case State::confirm_withdrawal:
        case State::withdrawal_refused:
        case State::transfer_warning:
        case State::confirm_transfer:
        case State::transfer_refused:
        case State::transfer_finished:
        case State::more_services:
        case State::statement:
        case State::confirm_card_lock:
        case State::card_lock_failed:
        case State::pin_not_changed:
        case State::pin_change_finished:
            return true;
        case State::other_amount:
        case State::payee_account:
        case State::transfer_amount:
            // Zero is a digit of the amount or the account.
            return false;
        case State::reading_card:
        case State::waiting_for_pin_pad:
        case State::pin_entry:
        case State::verifying:
        case State::staff_called:
        default:  // the branch's states are decided above
            return false;
    }
}

// What Cancel ends the session as. Before the balance is shown the customer gave up; once they
// have it, or are asked whether they need more time, they are done and are thanked. On the
// welcome screen there is nothing to cancel, any key leaves the staff screen, and once the card
// is on its way out every key repeats what to do.
std::optional<EndReason> cancel_reason(State state) {
    switch (state) {
        case State::reading_card:
        case State::waiting_for_pin_pad:
        case State::pin_entry:
        case State::verifying:
        case State::wrong_pin:
            return EndReason::cancelled;
        case State::remember_elder_mode:
        case State::menu:
        case State::balance:
        case State::statement:
        case State::timeout_warning:
            return EndReason::finished;
        case State::welcome:
        case State::settings:
        case State::sound:
        case State::staff_called:
        case State::returning_card:
        case State::goodbye:
            return std::nullopt;
        default:
            // The branch's screens need no card: their keys say where Cancel goes.
            return std::nullopt;
    }
}

// Where the Audio key opens the sound screen in audio mode: the screens a customer answers at
// leisure. Around PIN entry it waits; where the session is ending the screen is said again.
bool opens_sound_screen(State state) {
    return state == State::welcome || state == State::settings || state == State::menu ||
           state == State::balance || state == State::wrong_pin || state == State::choose_amount ||
           state == State::confirm_withdrawal || state == State::withdrawal_refused ||
           (is_transfer_state(state) && state != State::transferring) ||
           (is_card_service_state(state) && has_inactivity_timeout(state) &&
            !collects_new_pin(state)) ||
           (is_branch_state(state) && has_inactivity_timeout(state));
}

bool around_pin_entry(State state) {
    return state == State::reading_card || state == State::waiting_for_pin_pad ||
           state == State::pin_entry || state == State::verifying || collects_new_pin(state);
}

TextSize next_text_size(TextSize size) {
    switch (size) {
        case TextSize::normal:
            return TextSize::large;
        case TextSize::large:
            return TextSize::largest;
        case TextSize::largest:
            return TextSize::normal;
    }
    return TextSize::normal;
}

// The rate steps in the order the sound screen's key goes through them: normal, slower,
// faster, normal again.
int next_rate_step(int step) {
    switch (step) {
        case 0:
            return -1;
        case -1:
            return 1;
        default:
            return 0;
    }
}

// The wrong PIN screen offers its way out on the Cancel key, which cancel_reason() handles.
static_assert(k_wrong_pin_cancel_key == base::Key::cancel);

}  // namespace

void Flow::handle(const KeyPressed& event) {
    const base::Key key = event.key;
    if (m_session.state == State::service) {
        // The engineer's keys: the speech keys as everywhere, then the menu's own. No customer
        // is present, no help is offered and no staff are called from here. The key test takes
        // every key as the key it tests.
        emit(StopSpeech{});
        if (m_session.service && m_session.service->step == ServiceStep::key_test) {
            key_test_key(key);
            return;
        }
        if (key == k_repeat_sentence_key) {
            emit(RepeatSpeech{});
            return;
        }
        service_key(key);
        return;
    }
    if (track_service_keys(key)) {
        return;
    }
    m_session.customer_present = true;
    cancel_timer(TimerId::hesitation);
    const std::optional<base::Key> previous_key = m_session.last_key;
    m_session.last_key = key;
    if (key == k_pause_key) {
        // Hash holds the speech and lets it carry on: the one key that does not stop it.
        emit(m_session.speech_paused ? Effect{ResumeSpeech{}} : Effect{PauseSpeech{}});
        m_session.speech_paused = !m_session.speech_paused;
        note_activity();
        return;
    }
    // Any other key stops current speech (EN 301 549 5.1.3.4); what follows may speak anew.
    emit(StopSpeech{});
    m_session.speech_paused = false;
    if (key == k_repeat_sentence_key) {
        // Star: the last sentence again; star straight after: the whole screen.
        if (previous_key == k_repeat_sentence_key) {
            speak_screen_again();
        } else {
            emit(RepeatSpeech{});
        }
        note_activity();
        return;
    }
    announce_key(key);
    if (key == k_audio_key) {
        if (!in_audio_mode(m_session)) {
            start_audio_mode();
        } else if (opens_sound_screen(m_session.state)) {
            open_sound_screen();
        } else if (around_pin_entry(m_session.state)) {
            speak_phrase("audio.sound_after_pin");
            note_activity();
        } else {
            speak_screen_again();
        }
        return;
    }
    if (key == base::Key::help) {
        help_key();
        return;
    }
    if (key == k_repeat_key && repeats_on_zero(m_session.state)) {
        accept_key();
        speak_screen_again();
        note_activity();
        return;
    }
    if (key == base::Key::cancel) {
        if (const std::optional<EndReason> reason = cancel_reason(m_session.state)) {
            accept_key();
            end_session(*reason);
            return;
        }
    }
    switch (m_session.state) {
        case State::welcome:
            welcome_key(key);
            return;
        case State::settings:
            settings_key(key);
            return;
        case State::remember_elder_mode:
            remember_key(key);
            return;
        case State::sound:
            sound_key(key);
            return;
        case State::reading_card:
        case State::waiting_for_pin_pad:
        case State::verifying:
            // The customer waits for a device or the service: they hear again what is happening.
            reject_key();
            speak_screen_again();
            return;
        case State::pin_entry:
            // The PIN pad holds the keys during entry; a key that reaches the kiosk anyway means
            // nothing here beyond help and Cancel, which still end the entry.
            reject_key();
            return;
        case State::menu:
            menu_key(key);
            return;
        case State::balance:
            balance_key(key);
            return;
        case State::wrong_pin:
            wrong_pin_key(key);
            return;
        case State::staff_called:
            accept_key();
            journal("staff_screen_left");
            resume();
            return;
        case State::timeout_warning:
            timeout_warning_key(key);
            return;
        case State::returning_card:
            // Any key repeats what to do.
            accept_key();
            speak_screen_again();
            return;
        case State::goodbye:
            accept_key();
            return;
        default:
            if (!cash_key(key) && !transfer_key(key) && !card_service_key(key)) {
                branch_key(key);
            }
            return;
    }
}

void Flow::accept_key() {
    emit(Tone{ToneKind::key});
    m_session.idle_keys = 0;
}

void Flow::reject_key() {
    emit(Tone{ToneKind::error});
    // A wrong key is still activity: the customer is there.
    note_activity();
    // Keys that do nothing, again and again: the customer may be lost (docs/accessibility.md,
    // "Help when a customer hesitates").
    ++m_session.idle_keys;
    if (m_session.idle_keys >= policy::k_keys_before_help && offers_help_on_hesitation()) {
        offer_help();
    }
}

void Flow::help_key() {
    accept_key();
    switch (m_session.state) {
        case State::welcome:
        case State::settings:
        case State::sound:
        case State::pin_entry:
        case State::remember_elder_mode:
        case State::menu:
        case State::balance:
        case State::wrong_pin:
        case State::timeout_warning:
            call_staff_screen();
            return;
        case State::staff_called:
            // After a call that failed, Help tries again; otherwise it repeats the news.
            if (m_session.staff_call) {
                speak_screen_again();
            } else {
                call_staff_screen();
            }
            return;
        case State::reading_card:
        case State::waiting_for_pin_pad:
        case State::verifying:
        case State::returning_card:
        case State::goodbye:
        case State::fetching_businesses:
        case State::issuing_ticket:
        case State::filing_complaint:
        case State::quoting:
        case State::withdrawing:
        case State::card_before_cash:
        case State::take_cash:
        case State::securing_cash:
        case State::settling:
        case State::transferring:
        case State::fetching_statement:
        case State::locking_card:
        case State::changing_pin:
        case State::new_pin_requested:
            // A screen that is waiting for a device or a service stays; the customer hears
            // that a member of staff is being called, and then what the service said of it.
            place_staff_call(AssistanceReason::customer_request);
            speak_phrase("calling_staff.title");
            return;
        default:
            call_staff_screen();
            return;
    }
}

void Flow::welcome_key(base::Key key) {
    // Out of service the screen offers nothing but Help (screens_service.cpp).
    if (m_session.pin_pad_missing || m_session.out_of_service) {
        // The welcome screen offers no choice without the keypad (screens.cpp): a key that
        // reaches the kiosk anyway (a touch beside the notice, a service keyboard) chooses
        // nothing the screen did not offer, and the customer hears again where to go.
        reject_key();
        speak_screen_again();
        return;
    }
    if (key == k_welcome_languages_key && m_session.elder_mode) {
        accept_key();
        open_languages();
    } else if (key == k_welcome_ticket_key) {
        accept_key();
        start_ticket();
    } else if (key == k_welcome_call_staff_key) {
        accept_key();
        call_staff_screen();
    } else if (const auto locale = welcome_locale_for_key(key, m_resources)) {
        accept_key();
        choose_locale(*locale);
    } else if (key == k_welcome_elder_mode_key && !m_session.elder_mode) {
        accept_key();
        m_session.elder_mode = true;
        journal("elder_mode", "on");
        show(ScreenId::welcome);
    } else if (key == k_welcome_settings_key) {
        accept_key();
        open_settings();
    } else {
        reject_key();
    }
}

void Flow::settings_key(base::Key key) {
    if (key == k_settings_text_size_key) {
        accept_key();
        m_session.text_size = next_text_size(m_session.text_size);
        journal("text_size", std::string(to_string(m_session.text_size)));
        refresh(ScreenId::settings);
        speak_text(m_session.screen.elements.at(1).text);
    } else if (key == k_settings_contrast_key) {
        accept_key();
        m_session.high_contrast = !m_session.high_contrast;
        journal("high_contrast", m_session.high_contrast ? "on" : "off");
        refresh(ScreenId::settings);
        speak_phrase(m_session.high_contrast ? "settings.contrast_on_done"
                                             : "settings.contrast_off_done");
    } else if (key == k_settings_elder_mode_key) {
        accept_key();
        m_session.elder_mode = !m_session.elder_mode;
        journal("elder_mode", m_session.elder_mode ? "on" : "off");
        refresh(ScreenId::settings);
        speak_phrase(m_session.elder_mode ? "welcome.elder_mode_status"
                                          : "settings.elder_off_done");
    } else if (key == k_settings_done_key || key == base::Key::cancel) {
        accept_key();
        cancel_timer(TimerId::inactivity);
        m_session.state = State::welcome;
        show(ScreenId::welcome);
    } else {
        reject_key();
    }
}

void Flow::save_elder_mode(bool elder_mode) {
    const std::uint64_t call_id = m_session.next_call_id++;
    m_session.pending_save = call_id;
    m_session.saving_elder_mode = elder_mode;
    emit(SavePreferences{call_id, m_session.preferences_grant, elder_mode});
    // The grant is spent.
    m_session.preferences_grant.clear();
    journal("preferences_requested",
            "call " + std::to_string(call_id) +
                (elder_mode ? ", remember elder mode" : ", forget elder mode"));
}

void Flow::remember_key(base::Key key) {
    if (key == k_remember_yes_key && !m_session.preferences_grant.empty()) {
        accept_key();
        save_elder_mode(true);
        enter_interactive(State::menu);
    } else if (key == k_remember_no_key) {
        accept_key();
        enter_interactive(State::menu);
    } else {
        reject_key();
    }
}

void Flow::sound_key(base::Key key) {
    const Catalog& catalog = m_resources.catalog(m_session.locale);
    if (key == k_sound_louder_key || key == k_sound_quieter_key) {
        accept_key();
        const int step = m_session.volume_step + (key == k_sound_louder_key ? 1 : -1);
        if (step > policy::k_maximum_volume_step) {
            speak_phrase("sound.loudest");
        } else if (step < policy::k_minimum_volume_step) {
            speak_phrase("sound.quietest");
        } else {
            m_session.volume_step = step;
            emit(SetVolume{step});
            journal("volume", std::to_string(step));
            // Heard at the new volume, never shown.
            speak_text(catalog.format(
                "sound.volume_now",
                {{"step", word_count(static_cast<std::uint64_t>(step), m_session.locale)},
                 {"steps", word_count(policy::k_maximum_volume_step, m_session.locale)}}));
        }
    } else if (key == k_sound_rate_key) {
        accept_key();
        m_session.rate_step = next_rate_step(m_session.rate_step);
        journal("speech_rate", std::to_string(m_session.rate_step));
        speak_phrase(m_session.rate_step < 0   ? "sound.rate_slower"
                     : m_session.rate_step > 0 ? "sound.rate_faster"
                                               : "sound.rate_normal");
    } else if (key == k_sound_screen_key) {
        accept_key();
        m_session.screen_blanked = !m_session.screen_blanked;
        emit(BlankScreen{m_session.screen_blanked});
        journal("screen_blanked", m_session.screen_blanked ? "on" : "off");
        refresh(ScreenId::sound);
        speak_phrase(m_session.screen_blanked ? "sound.screen_off_done" : "sound.screen_on_done");
    } else if (key == k_sound_back_key || key == base::Key::cancel) {
        accept_key();
        resume();
    } else {
        reject_key();
    }
}

void Flow::menu_key(base::Key key) {
    if (key == k_menu_balance_key) {
        accept_key();
        enter_interactive(State::balance);
        m_session.service_given = ServiceKind::balance;
        journal("balance_shown");
    } else if (key == k_menu_withdraw_key && offers_withdrawal(m_session)) {
        accept_key();
        begin_withdrawal();
    } else if (key == k_menu_transfer_key && offers_transfer(m_session)) {
        accept_key();
        begin_transfer();
    } else if (key == k_menu_take_card_key) {
        accept_key();
        end_session(EndReason::finished);
    } else if (key == k_menu_call_staff_key) {
        accept_key();
        call_staff_screen();
    } else if (key == k_menu_more_key) {
        accept_key();
        enter_interactive(State::more_services);
    } else if (key == k_menu_forget_elder_mode_key && offers_forget_elder_mode(m_session) &&
               forget_elder_mode_on_menu(m_session)) {
        // Elder mode stays on for this visit; only the card's remembered choice goes.
        accept_key();
        save_elder_mode(false);
        m_session.elder_mode_remembered = false;
        refresh(ScreenId::menu);
    } else {
        reject_key();
    }
}

void Flow::balance_key(base::Key key) {
    if (key == k_balance_back_key) {
        accept_key();
        enter_interactive(State::menu);
    } else if (key == k_balance_take_card_key) {
        accept_key();
        end_session(EndReason::finished);
    } else if (key == k_balance_aloud_key && offers_speaker(m_session)) {
        accept_key();
        choose_speaker();
    } else {
        reject_key();
    }
}

void Flow::wrong_pin_key(base::Key key) {
    if (key == k_wrong_pin_retry_key) {
        accept_key();
        begin_pin_entry();
    } else {
        reject_key();
    }
}

void Flow::timeout_warning_key(base::Key key) {
    if (key == k_timeout_extend_key && can_extend_time(m_resources, m_session)) {
        accept_key();
        extend_time();
    } else {
        reject_key();
    }
}

}  // namespace kiosk::core::flow_steps
