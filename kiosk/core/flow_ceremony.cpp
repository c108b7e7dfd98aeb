// The key ceremony (kiosk/core/README.md, "The key ceremony"): dual control of the PIN pad's
// master key. A key custodian starts it from the menu; a second, different key custodian signs
// in; each types one component on the pad (docs/protocols/epp.md §8.2), which reports only
// counts and key check values; the kiosk shows and says each KCV for comparison with the forms,
// asks the bank for the working keys under the combined key, and has the pad commit it only once
// both custodians have confirmed on the pad's keys and the bank's keys are here. Every step is
// journaled with the custodians' numbers and the KCVs, which are printed on the forms and are no
// secret; no key or component ever reaches the kiosk.

#include <algorithm>
#include <string>
#include <string_view>

#include "kiosk/core/flow_steps.h"

namespace kiosk::core::flow_steps {

// A key custodian asked for the ceremony: a second custodian signs in first, the first staying
// signed in beside them.
void Flow::begin_partner_sign_in() {
    ServiceVisit& visit = *m_session.service;
    visit.ceremony = KeyCeremony{};
    visit.refused = false;
    visit.partner_not_custodian = false;
    visit.field = SignInField::id;
    visit.step = ServiceStep::partner_sign_in;
    audit("key_ceremony", "second custodian asked by " + visit.engineer_id);
    show(ScreenId::service_partner_sign_in);
}

// kiosk/access's verdict on the second custodian (a lock is handled as any sign-in's). Only
// another key custodian may be the second: an engineer, an administrator or the first custodian
// again is refused, and the sign-in screen says so.
void Flow::partner_checked(const SignInChecked& event) {
    ServiceVisit& visit = *m_session.service;
    KeyCeremony& ceremony = *visit.ceremony;
    const bool signed_in = event.outcome == SignInOutcome::signed_in;
    if (!signed_in || event.role != EngineerRole::key_custodian ||
        ceremony.partner_id == visit.engineer_id) {
        audit("sign_in_refused",
              ceremony.partner_id + " " + (signed_in ? "not_second_custodian" : event.reason));
        ceremony.partner_id.clear();
        visit.partner_not_custodian = signed_in;
        visit.refused = !signed_in;
        visit.field = SignInField::id;
        visit.step = ServiceStep::partner_sign_in;
        emit(Tone{ToneKind::error});
        show(ScreenId::service_partner_sign_in);
        return;
    }
    visit.refused = false;
    visit.partner_not_custodian = false;
    audit("signed_in", ceremony.partner_id + " key_custodian second");
    audit("key_ceremony", "begun by " + visit.engineer_id + " and " + ceremony.partner_id);
    visit.step = ServiceStep::key_ceremony;
    ceremony.step = CeremonyStep::starting;
    emit(BeginKeyCeremony{});
    // The pad answers at once; its start is what is said (say_component_turn).
    emit(StopSpeech{});
    refresh(ScreenId::service_ceremony);
    start_timer(TimerId::service_idle);
}

void Flow::handle(const KeyCeremonyProgressed& event) {
    KeyCeremony& ceremony = *m_session.service->ceremony;
    // The custodians are at the pad: its reports are activity.
    start_timer(TimerId::service_idle);
    switch (event.progress) {
        case CeremonyProgress::started:
            ceremony.step = CeremonyStep::component1;
            ceremony.digits_typed = 0;
            refresh(ScreenId::service_ceremony);
            say_component_turn(true);
            return;
        case CeremonyProgress::refused:
            end_ceremony(CeremonyEnd::pad_refused, event.problem);
            return;
        case CeremonyProgress::typing: {
            // A tone for each digit and the count on the screen, so that the custodian's
            // typing is not talked over.
            const int before = ceremony.digits_typed;
            ceremony.digits_typed = std::clamp(event.digits_typed, 0, k_component_digits);
            refresh(ScreenId::service_ceremony);
            if (ceremony.digits_typed > before) {
                accept_key();
            }
            // Clear is said; a full count is not: Enter follows at once, and the instruction
            // said it ("Enter when done").
            if (ceremony.digits_typed == 0 && before > 0) {
                speak_phrase("service_ceremony.cleared");
            }
            return;
        }
        case CeremonyProgress::component1_entered:
            ceremony.component1_check_value = event.check_value;
            ceremony.step = CeremonyStep::component2;
            ceremony.digits_typed = 0;
            audit("key_ceremony", "component 1 entered, kcv " + event.check_value);
            refresh(ScreenId::service_ceremony);
            say_component_turn(false);
            return;
        case CeremonyProgress::component2_entered:
            // The combined key follows at once (epp.md §8.2): its screen shows both.
            ceremony.component2_check_value = event.check_value;
            audit("key_ceremony", "component 2 entered, kcv " + event.check_value);
            return;
        case CeremonyProgress::combined:
            ceremony.combined_check_value = event.check_value;
            ceremony.step = CeremonyStep::confirming;
            ceremony.confirmations = 0;
            audit("key_ceremony", "combined, kcv " + event.check_value);
            // Asked at once, so that the custodians confirm while the bank answers; nothing is
            // committed without its keys.
            ceremony.pending_keys = m_session.next_call_id++;
            emit(FetchWorkingKeys{*ceremony.pending_keys, event.check_value});
            show(ScreenId::service_ceremony_check);
            return;
        case CeremonyProgress::abandoned:
            end_ceremony(event.end, {});
            return;
    }
}

void Flow::handle(const WorkingKeysFetched& event) {
    KeyCeremony& ceremony = *m_session.service->ceremony;
    ceremony.pending_keys.reset();
    ceremony.keys_outcome = event.outcome;
    audit("working_keys", std::string(to_string(event.outcome)));
    if (event.outcome != WorkingKeysOutcome::ok) {
        // A master key the bank has no keys for would leave the pad with none: abandoned, and
        // the old master key stays.
        emit(EndKeyCeremony{});
        end_ceremony(event.outcome == WorkingKeysOutcome::no_keys ? CeremonyEnd::bank_has_no_keys
                                                                  : CeremonyEnd::bank_unavailable,
                     {});
        return;
    }
    ceremony.keys = event.keys;
    if (ceremony.confirmations == k_custodians) {
        commit_ceremony();
    } else {
        refresh(ScreenId::service_ceremony_check);
    }
}

void Flow::handle(const KeyCeremonyCommitted& event) {
    ServiceVisit& visit = *m_session.service;
    KeyCeremony& ceremony = *visit.ceremony;
    if (!event.committed) {
        end_ceremony(CeremonyEnd::pad_failed, event.problem);
        return;
    }
    ceremony.master_check_value = event.master_check_value;
    ceremony.loaded = event.loaded;
    audit("key_ceremony", "committed, master key kcv " + event.master_check_value);
    for (const LoadedKey& key : event.loaded) {
        audit("working_key_loaded",
              key.slot + (key.matches ? " kcv " + key.check_value : " failed"));
    }
    const bool every_key = event.loaded.size() == ceremony.keys.size() &&
                           std::ranges::all_of(event.loaded, &LoadedKey::matches);
    ceremony.step = CeremonyStep::done;
    if (!every_key) {
        ceremony.end = CeremonyEnd::keys_not_loaded;
        ceremony.problem = event.problem;
        audit("key_ceremony", "keys not loaded: " + event.problem);
        emit(Tone{ToneKind::error});
    }
    show(ScreenId::service_ceremony_result);
}

// Whose component is typed now: the first time with the title and how hexadecimal is typed on
// a digit keypad, the second with component 1's check value. The count of digits is on the
// screen only, so that the custodian's typing is not talked over.
void Flow::say_component_turn(bool first) {
    const std::string how = m_resources.catalog(m_session.locale).text("service_ceremony.how");
    say_screen_lines([&](const Element& element) {
        return element.role != Role::input &&
               (first || (element.role != Role::title && element.text != how));
    });
}

void Flow::ceremony_key(base::Key key) {
    KeyCeremony& ceremony = *m_session.service->ceremony;
    // While the pad holds the ceremony, Cancel from the screen or the keyboard ends it there too
    // (Cancel on the pad ends it in the pad, which reports it).
    if (key == k_ceremony_abandon_key && ceremony_on_pad(ceremony)) {
        accept_key();
        abandon_ceremony_on_pad();
        end_ceremony(CeremonyEnd::by_kiosk, {});
        return;
    }
    switch (ceremony.step) {
        case CeremonyStep::starting:
        case CeremonyStep::component1:
        case CeremonyStep::component2:
            // The pad holds its keys while a component is typed: nothing else means anything.
            reject_key();
            return;
        case CeremonyStep::confirming:
            if (key != k_ceremony_confirm_key || ceremony.confirmations >= k_custodians) {
                reject_key();
                return;
            }
            accept_key();
            ++ceremony.confirmations;
            audit("key_ceremony",
                  "confirmed by " + (ceremony.confirmations == 1 ? m_session.service->engineer_id
                                                                 : ceremony.partner_id));
            refresh(ScreenId::service_ceremony_check);
            if (ceremony.confirmations == k_custodians && ceremony.keys_outcome) {
                commit_ceremony();
            } else {
                // Whose confirmation is awaited now, or that the bank's keys are (a notice).
                say_screen_lines(
                    [](const Element& element) { return element.role == Role::notice; });
            }
            return;
        case CeremonyStep::committing:
            reject_key();  // the pad is committing and loading: it answers soon
            return;
        case CeremonyStep::done:
        case CeremonyStep::ended:
            if (key == k_ceremony_confirm_key || key == k_ceremony_abandon_key) {
                accept_key();
                audit("signed_out", ceremony.partner_id + " ceremony_over");
                m_session.service->ceremony.reset();
                show_service_menu();
            } else {
                reject_key();
            }
            return;
    }
}

// Both custodians confirmed and the bank's keys are here: the pad commits and loads them.
void Flow::commit_ceremony() {
    KeyCeremony& ceremony = *m_session.service->ceremony;
    ceremony.step = CeremonyStep::committing;
    audit("key_ceremony", "committing");
    emit(EndKeyCeremony{.commit = true, .keys = ceremony.keys});
    // The pad answers within a second: its result is what is said next.
    refresh(ScreenId::service_ceremony_check);
}

void Flow::end_ceremony(CeremonyEnd end, const std::string& problem) {
    KeyCeremony& ceremony = *m_session.service->ceremony;
    // What the comparison screen was saying asks for confirmations that can no longer be given:
    // why it ended is heard now.
    if (ceremony.step == CeremonyStep::confirming) {
        emit(StopSpeech{});
    }
    ceremony.step = CeremonyStep::ended;
    ceremony.end = end;
    ceremony.problem = problem;
    ceremony.pending_keys.reset();
    audit("key_ceremony",
          "ended, " + std::string(to_string(end)) + (problem.empty() ? "" : ": " + problem));
    emit(Tone{ToneKind::error});
    show(ScreenId::service_ceremony_result);
}

// Cancel on the screen while the pad collects components or waits for the confirmations, or
// the menu left: the pad abandons the ceremony, and the old master key stays.
void Flow::abandon_ceremony_on_pad() {
    const ServiceVisit& visit = *m_session.service;
    if (visit.ceremony && visit.step == ServiceStep::key_ceremony &&
        ceremony_on_pad(*visit.ceremony)) {
        emit(EndKeyCeremony{});
        audit("key_ceremony", "abandoned by the kiosk");
    }
}

// The first custodian signs out, or the menu is left, with a ceremony on: it ends on the pad,
// and the second custodian, signed in for it, is signed out too.
void Flow::leave_ceremony() {
    if (!m_session.service || !m_session.service->ceremony) {
        return;
    }
    abandon_ceremony_on_pad();
    if (m_session.service->step == ServiceStep::key_ceremony) {
        audit("signed_out", m_session.service->ceremony->partner_id + " ceremony_over");
    }
    m_session.service->ceremony.reset();
}

}  // namespace kiosk::core::flow_steps
