// The service menu (kiosk/core/README.md, "The service menu"): how the kiosk is handed from its
// customers to a field engineer and back, the sign-in, the lock, and what each role may do.
// Every action is journaled; nothing about a customer is shown, said or journaled here.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "kiosk/core/flow_steps.h"
#include "kiosk/core/slips.h"

namespace kiosk::core::flow_steps {

namespace {

// The field being typed on the sign-in screen, as the session holds it.
std::size_t typed_length(const ServiceVisit& visit) {
    switch (visit.field) {
        case SignInField::id:
            return typed_engineer_id(visit).size();
        case SignInField::password:
            return visit.password.size();
        case SignInField::code:
            return visit.code.size();
    }
    return 0;
}

std::size_t field_maximum(SignInField field) {
    switch (field) {
        case SignInField::id:
            return k_engineer_id_digits_maximum;
        case SignInField::password:
            return k_password_digits_maximum;
        case SignInField::code:
            return k_one_time_code_digits_maximum;
    }
    return 0;
}

std::size_t field_minimum(SignInField field) {
    switch (field) {
        case SignInField::id:
            return k_engineer_id_digits_minimum;
        case SignInField::password:
            return k_password_digits_minimum;
        case SignInField::code:
            return k_one_time_code_digits_minimum;
    }
    return 0;
}

// Whether the step's screen takes digits as a number or secret typed, so that 0 is a digit there
// and not Repeat.
bool types_digits(ServiceStep step) {
    return step == ServiceStep::sign_in || step == ServiceStep::partner_sign_in ||
           step == ServiceStep::account_remove || step == ServiceStep::account_add ||
           step == ServiceStep::account_password || step == ServiceStep::account_code;
}

// The sign-in screen being typed on: the engineer's, or the key ceremony's second custodian's.
ScreenId sign_in_screen_id(const ServiceVisit& visit) {
    return visit.step == ServiceStep::partner_sign_in ? ScreenId::service_partner_sign_in
                                                      : ScreenId::service_sign_in;
}

// Whether the customer at the kiosk can be left now: the screen waits for them at their own
// pace, with nothing on its way between the kiosk and a device or a service. Anything else
// runs to such a screen, or to its end, first.
bool at_customers_pace(State state) {
    return has_inactivity_timeout(state) && state != State::returning_card &&
           state != State::goodbye;
}

}  // namespace

void Flow::handle(const ServiceSwitchChanged& event) {
    m_session.service_switch_on = event.on;
    audit("service_switch", event.on ? "on" : "off");
    if (event.on) {
        request_service(ServiceEntry::service_switch);
        return;
    }
    if (m_session.state == State::service) {
        leave_service("switch_off");
    } else if (m_session.service_wanted == ServiceEntry::service_switch) {
        m_session.service_wanted.reset();
        audit("service_request_withdrawn");
    }
}

// Asked for by the switch (or the keys, which only the welcome screen takes): at once when no
// customer is being served, else once the customer's session has ended safely.
void Flow::request_service(ServiceEntry entry) {
    if (m_session.state == State::service) {
        return;
    }
    m_session.service_wanted = entry;
    audit("service_requested", std::string(to_string(entry)));
}

// After every event, while the service menu is wanted: it takes over once the kiosk is at its
// welcome screen with nothing under way. A customer at a screen of their own pace is asked to
// take their card (or, without one, thanked) first; any other state runs on to such a screen
// or to its end, and the next event finds it there.
void Flow::hand_over_if_due() {
    if (!m_session.service_wanted || withdrawal_in_flight()) {
        return;
    }
    if (m_session.state == State::welcome) {
        enter_service(*m_session.service_wanted);
    } else if (at_customers_pace(m_session.state)) {
        // What the screen was saying offers choices that are gone: the apology is heard now.
        emit(StopSpeech{});
        cancel_pin_entry();
        if (card_in_kiosk()) {
            end_session(EndReason::kiosk_serviced);
        } else {
            say_goodbye();
        }
    }
}

void Flow::enter_service(ServiceEntry entry) {
    m_session.service_wanted.reset();
    m_session.service_keys_typed = 0;
    cancel_all_timers();
    // The goodbye or the welcome screen's speech is for customers: the engineer hears the
    // sign-in screen at once.
    emit(StopSpeech{});
    m_session.state = State::service;
    m_session.service = ServiceVisit{};
    m_session.service->entry = entry;
    // The last dispense test's outcome was for the engineer who ran it; one still under way is
    // followed on its screen.
    if (m_session.dispense_test && is_final(m_session.dispense_test->step)) {
        m_session.dispense_test.reset();
    }
    audit("service_entered", std::string(to_string(entry)));
    show(ScreenId::service_sign_in);
    start_timer(TimerId::service_idle);
}

// The engineer's visit ends: signed out, the switch turned off, or no key for too long. The
// next customer finds the welcome screen (or the out-of-service one).
void Flow::leave_service(std::string_view why) {
    leave_ceremony();
    give_back_test_card();
    leave_enrolment();
    if (m_session.service && m_session.service->role) {
        audit("signed_out", m_session.service->engineer_id + " " + std::string(why));
    }
    audit("service_left", std::string(why));
    m_session.service.reset();
    cancel_all_timers();
    // The engineer's instructions are over: customers hear their own screen at once.
    emit(StopSpeech{});
    m_session.state = State::welcome;
    enter_welcome();
}

// Each of the service entry keys typed in order on the welcome screen; any other key, or too
// long a pause, starts again. Whether the key completed the sequence.
bool Flow::track_service_keys(base::Key key) {
    if (m_session.state != State::welcome || m_session.pin_pad_missing) {
        m_session.service_keys_typed = 0;
        cancel_timer(TimerId::service_keys);
        return false;
    }
    if (key != k_service_entry_keys.at(m_session.service_keys_typed)) {
        m_session.service_keys_typed = 0;
        if (key != k_service_entry_keys.front()) {
            cancel_timer(TimerId::service_keys);
            return false;
        }
    }
    if (m_session.service_keys_typed == 0) {
        start_timer(TimerId::service_keys);
    }
    ++m_session.service_keys_typed;
    if (m_session.service_keys_typed < k_service_entry_keys.size()) {
        return false;
    }
    cancel_timer(TimerId::service_keys);
    m_session.service_keys_typed = 0;
    request_service(ServiceEntry::keys);
    return true;
}

void Flow::service_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    start_timer(TimerId::service_idle);
    // 0 is a digit where a number is typed.
    if (key == k_repeat_key && !types_digits(visit.step)) {
        accept_key();
        speak_screen_again();
        return;
    }
    // The devices' report or the faults are on their way (the shell answers at once): the
    // screen they lead to is not yet shown, so no key may lead elsewhere meanwhile.
    if (visit.pending_report || visit.pending_faults || visit.pending_counters ||
        visit.pending_accounts) {
        reject_key();
        return;
    }
    switch (visit.step) {
        case ServiceStep::sign_in:
        case ServiceStep::partner_sign_in:
            sign_in_key(key);
            return;
        case ServiceStep::checking_sign_in:
        case ServiceStep::checking_partner:
            reject_key();
            speak_screen_again();
            return;
        case ServiceStep::locked:
            if (key == k_sign_in_back_key && !m_session.service_switch_on) {
                accept_key();
                leave_service("left");
            } else {
                reject_key();
                speak_screen_again();
            }
            return;
        case ServiceStep::menu:
            service_menu_key(key);
            return;
        case ServiceStep::out_of_service_reason:
            out_of_service_reason_key(key);
            return;
        case ServiceStep::devices:
            devices_key(key);
            return;
        case ServiceStep::device:
            device_key(key);
            return;
        case ServiceStep::network:
            network_key(key);
            return;
        case ServiceStep::faults:
            faults_key(key);
            return;
        case ServiceStep::self_tests:
            self_tests_key(key);
            return;
        case ServiceStep::key_test:
            key_test_key(key);  // handle(KeyPressed) sends them there before the speech keys
            return;
        case ServiceStep::key_ceremony:
            ceremony_key(key);
            return;
        case ServiceStep::export_records:
            export_key(key);
            return;
        case ServiceStep::configuration:
            configuration_key(key);
            return;
        case ServiceStep::configuration_change:
            configuration_change_key(key);
            return;
        case ServiceStep::card_test:
            card_test_key(key);
            return;
        case ServiceStep::dispense_test:
            dispense_test_key(key);
            return;
        case ServiceStep::counters:
            counters_key(key);
            return;
        case ServiceStep::accounts:
            accounts_key(key);
            return;
        case ServiceStep::account_remove:
        case ServiceStep::account_add:
            account_id_key(key);
            return;
        case ServiceStep::account_remove_confirm:
            account_remove_confirm_key(key);
            return;
        case ServiceStep::account_role:
            account_role_key(key);
            return;
        case ServiceStep::account_password:
            account_password_key(key);
            return;
        case ServiceStep::account_enrolling:
            account_enrolling_key(key);
            return;
        case ServiceStep::account_code:
            account_code_key(key);
            return;
    }
}

void Flow::sign_in_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    if (const std::optional<int> digit = base::digit_value(key)) {
        if (typed_length(visit) >= field_maximum(visit.field)) {
            reject_key();
            return;
        }
        accept_key();
        const char typed = static_cast<char>('0' + *digit);
        switch (visit.field) {
            case SignInField::id:
                typed_engineer_id(visit) += typed;
                break;
            case SignInField::password:
                visit.password.append(std::string_view(&typed, 1));
                break;
            case SignInField::code:
                visit.code.append(std::string_view(&typed, 1));
                break;
        }
        refresh(sign_in_screen_id(visit));
        say_typed_field(typed_length(visit));
    } else if (key == k_sign_in_clear_key) {
        accept_key();
        clear_sign_in_field();
        refresh(sign_in_screen_id(visit));
        say_typed_field(0);
    } else if (key == k_sign_in_next_key) {
        if (typed_length(visit) < field_minimum(visit.field)) {
            reject_key();
            speak_phrase("service_sign_in.too_short");
            return;
        }
        accept_key();
        switch (visit.field) {
            case SignInField::id:
                visit.field = SignInField::password;
                show(sign_in_screen_id(visit));
                return;
            case SignInField::password:
                visit.field = SignInField::code;
                show(sign_in_screen_id(visit));
                return;
            case SignInField::code:
                check_sign_in();
                return;
        }
    } else if (key == k_sign_in_back_key) {
        accept_key();
        if (visit.field == SignInField::id && visit.step == ServiceStep::partner_sign_in) {
            // No second custodian: no ceremony; the first is still signed in.
            audit("key_ceremony", "no second custodian");
            visit.ceremony.reset();
            show_service_menu();
            return;
        }
        if (visit.field == SignInField::id) {
            if (m_session.service_switch_on) {
                // The switch keeps the kiosk closed: there is no customer screen to go back to.
                clear_sign_in_field();
                show(ScreenId::service_sign_in);
            } else {
                leave_service("left");
            }
            return;
        }
        clear_sign_in_field();
        visit.field = visit.field == SignInField::code ? SignInField::password : SignInField::id;
        clear_sign_in_field();
        show(sign_in_screen_id(visit));
    } else {
        reject_key();
    }
}

void Flow::clear_sign_in_field() {
    ServiceVisit& visit = *m_session.service;
    switch (visit.field) {
        case SignInField::id:
            typed_engineer_id(visit).clear();
            return;
        case SignInField::password:
            visit.password.clear();
            return;
        case SignInField::code:
            visit.code.clear();
            return;
    }
}

void Flow::check_sign_in() {
    ServiceVisit& visit = *m_session.service;
    const std::uint64_t call_id = m_session.next_call_id++;
    visit.pending_check = call_id;
    // What was typed goes to kiosk/access and is wiped here: the session keeps only the id.
    emit(CheckSignIn{call_id, typed_engineer_id(visit), std::move(visit.password),
                     std::move(visit.code)});
    visit.password.clear();
    visit.code.clear();
    visit.step = visit.step == ServiceStep::partner_sign_in ? ServiceStep::checking_partner
                                                            : ServiceStep::checking_sign_in;
    show(ScreenId::service_checking);
}

void Flow::handle(const SignInChecked& event) {
    ServiceVisit& visit = *m_session.service;
    visit.pending_check.reset();
    if (visit.step == ServiceStep::checking_partner && event.outcome != SignInOutcome::locked) {
        partner_checked(event);
        return;
    }
    switch (event.outcome) {
        case SignInOutcome::signed_in:
            visit.role = event.role.value_or(EngineerRole::engineer);
            visit.refused = false;
            visit.step = ServiceStep::menu;
            audit("signed_in", visit.engineer_id + " " + std::string(to_string(*visit.role)));
            show(ScreenId::service_menu);
            start_timer(TimerId::service_idle);  // the menu's longer time
            return;
        case SignInOutcome::locked:
            // A second custodian's failures lock the menu as anyone's do: the first custodian
            // is signed out with it.
            if (visit.step == ServiceStep::checking_partner) {
                audit("sign_in_refused", visit.ceremony->partner_id + " " + event.reason);
                audit("signed_out", visit.engineer_id + " locked");
                visit.ceremony.reset();
                visit.role.reset();
            } else {
                audit("sign_in_refused", visit.engineer_id + " " + event.reason);
            }
            audit("service_locked", std::to_string(event.lock_seconds) + " s");
            visit.step = ServiceStep::locked;
            visit.lock_seconds = event.lock_seconds;
            visit.engineer_id.clear();
            visit.field = SignInField::id;
            emit(Tone{ToneKind::error});
            show(ScreenId::service_locked);
            return;
        case SignInOutcome::refused:
        case SignInOutcome::unavailable:
            audit("sign_in_refused", visit.engineer_id + " " + event.reason);
            visit.step = ServiceStep::sign_in;
            visit.field = SignInField::id;
            visit.engineer_id.clear();
            visit.refused = true;
            emit(Tone{ToneKind::error});
            show(ScreenId::service_sign_in);
            return;
    }
}

void Flow::service_menu_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    if (key == k_service_out_of_service_key && visit.role && may_set_out_of_service(*visit.role)) {
        accept_key();
        if (m_session.out_of_service) {
            audit("out_of_service", "off");
            m_session.out_of_service.reset();
            emit(SetOutOfService{std::nullopt});
            show(ScreenId::service_menu);
        } else {
            visit.step = ServiceStep::out_of_service_reason;
            show(ScreenId::service_reason);
        }
    } else if (key == k_service_devices_key && visit.role && may_run_diagnostics(*visit.role)) {
        accept_key();
        ask_devices();
    } else if (key == k_service_faults_key && visit.role && may_run_diagnostics(*visit.role)) {
        accept_key();
        ask_faults();
    } else if (key == k_service_counters_key && visit.role && may_run_diagnostics(*visit.role)) {
        accept_key();
        ask_counters();
    } else if (key == k_service_network_key && visit.role && may_run_diagnostics(*visit.role)) {
        accept_key();
        visit.step = ServiceStep::network;
        check_network();
    } else if (key == k_service_self_tests_key && visit.role && may_run_diagnostics(*visit.role)) {
        accept_key();
        visit.step = ServiceStep::self_tests;
        show(ScreenId::service_tests);
    } else if (key == k_service_key_ceremony_key && visit.role && may_load_keys(*visit.role)) {
        accept_key();
        begin_partner_sign_in();
    } else if (key == k_service_export_key && visit.role && may_export_records(*visit.role)) {
        accept_key();
        visit.step = ServiceStep::export_records;
        export_records();
    } else if (key == k_service_configuration_key && visit.role &&
               may_change_configuration(*visit.role)) {
        accept_key();
        read_configuration();
    } else if (key == k_service_accounts_key && visit.role && may_manage_accounts(*visit.role)) {
        accept_key();
        ask_accounts();
    } else if (key == k_service_sign_out_key) {
        accept_key();
        sign_out("signed_out");
    } else {
        reject_key();
    }
}

void Flow::out_of_service_reason_key(base::Key key) {
    const std::optional<int> digit = base::digit_value(key);
    if (digit && *digit >= 1 &&
        static_cast<std::size_t>(*digit) <= k_out_of_service_reasons.size()) {
        accept_key();
        const OutOfServiceReason reason =
            k_out_of_service_reasons.at(static_cast<std::size_t>(*digit - 1));
        m_session.out_of_service = reason;
        audit("out_of_service", "on " + std::string(to_string(reason)));
        emit(SetOutOfService{reason});
        show_service_menu();
    } else if (key == k_reason_back_key) {
        accept_key();
        show_service_menu();
    } else {
        reject_key();
    }
}

// Back to the menu from one of its screens.
void Flow::show_service_menu() {
    m_session.service->step = ServiceStep::menu;
    show(ScreenId::service_menu);
}

// What the devices' models know, asked for the devices' screens: the screen follows the answer.
void Flow::ask_devices() {
    ServiceVisit& visit = *m_session.service;
    visit.pending_report = m_session.next_call_id++;
    emit(ReportDevices{*visit.pending_report});
}

void Flow::handle(const DevicesReported& event) {
    ServiceVisit& visit = *m_session.service;
    visit.pending_report.reset();
    visit.devices = event.devices;
    std::string working;
    for (const DeviceSnapshot& device : visit.devices) {
        working += (working.empty() ? "" : " ") + std::string(to_string(device.device)) + "=" +
                   (device.connected         ? "working"
                    : device.refusal.empty() ? "missing"
                                             : "refused");
    }
    audit("devices_read", working);
    if (visit.step == ServiceStep::device && visit.device_shown < visit.devices.size()) {
        // Read again on a device's page: the same device, the same page when it still has one.
        visit.device_page = std::min(
            visit.device_page,
            device_pages(visit.devices[visit.device_shown],
                         device_lines_per_page(m_session.text_size, m_session.elder_mode)) -
                1);
        show(ScreenId::service_device);
        return;
    }
    visit.step = ServiceStep::devices;
    show(ScreenId::service_devices);
}

void Flow::devices_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    const std::optional<int> digit = base::digit_value(key);
    if (digit && *digit >= 1 && static_cast<std::size_t>(*digit) <= visit.devices.size()) {
        accept_key();
        visit.device_shown = static_cast<std::size_t>(*digit - 1);
        visit.device_page = 0;
        visit.step = ServiceStep::device;
        audit("device_shown", std::string(to_string(visit.devices[visit.device_shown].device)));
        show(ScreenId::service_device);
    } else if (key == k_devices_again_key) {
        accept_key();
        ask_devices();
    } else if (key == k_devices_back_key) {
        accept_key();
        visit.devices.clear();
        show_service_menu();
    } else {
        reject_key();
    }
}

void Flow::device_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    const std::size_t pages =
        device_pages(visit.devices.at(visit.device_shown),
                     device_lines_per_page(m_session.text_size, m_session.elder_mode));
    if (key == k_device_more_key && pages > 1) {
        accept_key();
        visit.device_page = (visit.device_page + 1) % pages;
        show(ScreenId::service_device);
    } else if (key == k_devices_again_key) {
        accept_key();
        ask_devices();
    } else if (key == k_devices_back_key) {
        accept_key();
        visit.step = ServiceStep::devices;
        show(ScreenId::service_devices);
    } else {
        reject_key();
    }
}

// The latest faults, read back from the electronic journal: the screen follows the answer.
void Flow::ask_faults() {
    ServiceVisit& visit = *m_session.service;
    visit.pending_faults = m_session.next_call_id++;
    emit(ReportFaults{*visit.pending_faults});
}

void Flow::handle(const FaultsReported& event) {
    ServiceVisit& visit = *m_session.service;
    visit.pending_faults.reset();
    visit.faults = event.faults;
    visit.faults_readable = event.readable;
    visit.journal_records = event.journal_records;
    visit.faults_page = 0;
    visit.step = ServiceStep::faults;
    audit("faults_read", event.readable ? std::to_string(event.faults.size()) : "unreadable");
    show(ScreenId::service_faults);
}

void Flow::faults_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    const std::size_t pages =
        faults_pages(visit.faults.size(), m_session.text_size, m_session.elder_mode);
    if (key == k_faults_more_key && pages > 1) {
        accept_key();
        visit.faults_page = (visit.faults_page + 1) % pages;
        show(ScreenId::service_faults);
    } else if (key == k_faults_back_key) {
        accept_key();
        visit.faults.clear();
        show_service_menu();
    } else {
        reject_key();
    }
}

// The counters, counted in the electronic journal: the screen follows the answer.
void Flow::ask_counters() {
    ServiceVisit& visit = *m_session.service;
    visit.pending_counters = m_session.next_call_id++;
    emit(ReportCounters{*visit.pending_counters});
}

void Flow::handle(const CountersReported& event) {
    ServiceVisit& visit = *m_session.service;
    visit.pending_counters.reset();
    visit.counters = event.readable ? counter_lines(event.counts) : std::vector<CounterLine>{};
    visit.counters_readable = event.readable;
    visit.counters_page = 0;
    visit.step = ServiceStep::counters;
    audit("counters_read", event.readable ? std::to_string(visit.counters.size()) : "unreadable");
    show(ScreenId::service_counters);
}

void Flow::counters_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    const std::size_t pages = pages_of(
        visit.counters.size(), counters_per_page(m_session.text_size, m_session.elder_mode));
    if (key == k_counters_more_key && pages > 1) {
        accept_key();
        visit.counters_page = (visit.counters_page + 1) % pages;
        show(ScreenId::service_counters);
    } else if (key == k_counters_back_key) {
        accept_key();
        visit.counters.clear();
        show_service_menu();
    } else {
        reject_key();
    }
}

// The network check: each service's health, how long it took and its certificate's expiry.
// The screen says it is checking until the answer comes (within the services' time-outs).
void Flow::check_network() {
    ServiceVisit& visit = *m_session.service;
    visit.pending_network = m_session.next_call_id++;
    visit.network.clear();
    emit(CheckNetwork{*visit.pending_network});
    show(ScreenId::service_network);
}

void Flow::handle(const NetworkChecked& event) {
    ServiceVisit& visit = *m_session.service;
    visit.pending_network.reset();
    visit.network = event.services;
    std::string summary;
    for (const NetworkCheck& check : visit.network) {
        summary += summary.empty() ? "" : "; ";
        summary += std::string(to_string(check.service)) + " ";
        if (!check.configured) {
            summary += "not configured";
            continue;
        }
        summary +=
            check.healthy ? "ok " + std::to_string(check.round_trip_ms) + " ms" : check.problem;
        if (check.certificate_days_left) {
            summary += ", certificate " + std::to_string(*check.certificate_days_left) + " days";
        }
    }
    audit("network_checked", summary);
    if (visit.step == ServiceStep::network) {
        show(ScreenId::service_network);
    }
}

void Flow::network_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    if (key == k_network_again_key && !visit.pending_network) {
        accept_key();
        check_network();
    } else if (key == k_network_back_key) {
        // A check still under way is let go: its answer fits nothing now.
        accept_key();
        visit.pending_network.reset();
        show_service_menu();
    } else {
        reject_key();
    }
}

// The records' export: the journal and the log onto the USB stick, off the event loop's thread.
// The screen says it is writing until the answer comes.
void Flow::export_records() {
    ServiceVisit& visit = *m_session.service;
    visit.pending_export = m_session.next_call_id++;
    visit.export_result.reset();
    audit("records_export", "started");
    emit(ExportRecords{*visit.pending_export});
    show(ScreenId::service_export);
}

void Flow::handle(const RecordsExported& event) {
    ServiceVisit& visit = *m_session.service;
    visit.pending_export.reset();
    visit.export_result = event.result;
    const ExportResult& result = event.result;
    audit("records_export", result.outcome == ExportOutcome::exported
                                ? std::to_string(result.records) + " records, chain " +
                                      (result.chain_intact ? "intact" : "broken") + ", " +
                                      std::to_string(result.redactions) + " redacted"
                                : std::string(to_string(result.outcome)) +
                                      (result.problem.empty() ? "" : ": " + result.problem));
    if (result.outcome != ExportOutcome::exported) {
        emit(Tone{ToneKind::error});
    }
    show_answer(ScreenId::service_export);
}

void Flow::export_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    if (key == k_export_again_key && !visit.pending_export) {
        accept_key();
        export_records();
    } else if (key == k_export_back_key) {
        // An export under way finishes on its own; its answer fits nothing now.
        accept_key();
        visit.pending_export.reset();
        show_service_menu();
    } else {
        reject_key();
    }
}

// The self-tests: a test slip, the PIN pad's keys, a tone on the speaker or headphones. Each result
// stays on the screen until the engineer signs out, and is journaled.
void Flow::self_tests_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    if (key == k_test_slip_key) {
        accept_key();
        print_test_slip();
        refresh(ScreenId::service_tests);
        speak_phrase(visit.pending_slip
                         ? "service_tests.slip_printing"
                         : "service_tests.slip_" + std::string(to_string(*visit.slip_result)));
    } else if (key == k_key_test_key) {
        accept_key();
        visit.step = ServiceStep::key_test;
        visit.key_test_run = true;
        visit.keys_tested.clear();
        visit.last_key_tested.reset();
        audit("key_test", "started");
        show(ScreenId::service_key_test);
    } else if (key == k_tone_test_key) {
        // The tone alone: what the engineer listens for is not to be talked over. It plays on
        // the headphones while they are plugged into the pad, else on the speaker.
        emit(Tone{ToneKind::attention});
        audit("tone_test", m_session.headphones ? "headphones" : "speaker");
    } else if (key == k_card_test_key) {
        accept_key();
        visit.step = ServiceStep::card_test;
        if (!visit.card_test) {
            visit.card_test.emplace();
        }
        audit("card_test", "started");
        show(ScreenId::service_card_test);
    } else if (key == k_dispense_test_key) {
        accept_key();
        visit.step = ServiceStep::dispense_test;
        start_dispense_test();
        show(ScreenId::service_dispense_test);
    } else if (key == k_self_tests_back_key) {
        accept_key();
        show_service_menu();
    } else {
        reject_key();
    }
}

// A slip of every size and alignment and a QR code, naming the engineer by number: what it
// prints shows the paper, the head and the cutter at work. Without a printer, or without
// paper, it is not sent.
void Flow::print_test_slip() {
    ServiceVisit& visit = *m_session.service;
    if (visit.pending_slip) {
        return;  // one at a time: its result is on its way
    }
    if (!can_print(m_session)) {
        visit.slip_result =
            m_session.printer_missing ? PrintResult::failed : PrintResult::paper_out;
        audit("test_slip", std::string(to_string(*visit.slip_result)));
        return;
    }
    visit.pending_slip = m_session.next_call_id++;
    visit.slip_result.reset();
    audit("test_slip", "printing");
    emit(Print{*visit.pending_slip, test_slip(m_resources, visit.engineer_id, m_session.locale)});
}

void Flow::test_slip_printed(const PrintFinished& event) {
    ServiceVisit& visit = *m_session.service;
    visit.pending_slip.reset();
    visit.slip_result = event.result;
    audit("test_slip", std::string(to_string(event.result)));
    if (event.result == PrintResult::paper_out) {
        m_session.paper = PaperLevel::out;
    }
    if (visit.step == ServiceStep::self_tests) {
        refresh(ScreenId::service_tests);
        speak_phrase("service_tests.slip_" + std::string(to_string(event.result)));
    }
}

// Every key is taken and named as it arrives; Cancel twice in a row ends the test. The pad is
// not collecting a PIN: it reports each key as a function key (docs/protocols/epp.md §4.3).
void Flow::key_test_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    start_timer(TimerId::service_idle);
    const bool ends = key == k_key_test_end_key && visit.last_key_tested == k_key_test_end_key;
    if (std::ranges::find(visit.keys_tested, key) == visit.keys_tested.end()) {
        visit.keys_tested.push_back(key);
    }
    visit.last_key_tested = key;
    if (ends) {
        std::string missing;
        for (const base::Key untested : keys_not_tested(visit)) {
            missing += (missing.empty() ? "" : " ") + std::string(base::to_string(untested));
        }
        audit("key_test", missing.empty() ? "every key" : "not pressed: " + missing);
        visit.step = ServiceStep::self_tests;
        show(ScreenId::service_tests);
        return;
    }
    accept_key();
    refresh(ScreenId::service_key_test);
    speak_phrase("key." + std::string(base::to_string(key)));
}

// The engineer signs out: with the switch still on the sign-in screen comes back for the next
// engineer; without it the customers have the kiosk again.
void Flow::sign_out(std::string_view why) {
    if (!m_session.service_switch_on) {
        leave_service(why);
        return;
    }
    leave_ceremony();
    give_back_test_card();
    leave_enrolment();
    ServiceVisit& visit = *m_session.service;
    audit("signed_out", visit.engineer_id + " " + std::string(why));
    const ServiceEntry entry = visit.entry;
    m_session.service = ServiceVisit{};
    m_session.service->entry = entry;
    show(ScreenId::service_sign_in);
    start_timer(TimerId::service_idle);
}

void Flow::service_timer(TimerId id) {
    if (id == TimerId::service_keys) {
        m_session.service_keys_typed = 0;
        return;
    }
    // service_idle: nobody at the menu. A locked sign-in runs its lock out on the screen.
    const ServiceVisit& visit = *m_session.service;
    if (visit.step == ServiceStep::checking_sign_in) {
        start_timer(TimerId::service_idle);  // kiosk/access always answers; wait for it
        return;
    }
    if (visit.role) {
        sign_out("timed_out");
    } else if (m_session.service_switch_on) {
        m_session.service = ServiceVisit{};
        m_session.service->entry = visit.entry;
        show(ScreenId::service_sign_in);
        start_timer(TimerId::service_idle);
    } else {
        leave_service("timed_out");
    }
}

// A card pushed into the slot while an engineer has the kiosk, or while it is out of service:
// it goes straight back, with why.
// The card reader's test: the engineer inserts a test card, the reader reads it as it reads a
// customer's (the shell reads every card inserted), and the flow keeps only whether it could be
// used and whether the chip gave a cryptogram, then gives it back. The card number and dates
// are not kept, shown, said or journaled.
bool Flow::card_test_at(CardTestStage stage) const {
    return m_session.state == State::service && m_session.service && m_session.service->card_test &&
           m_session.service->card_test->stage == stage;
}

void Flow::card_test_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    // While the card is read the test runs to its answer (within the read's safety net).
    if (key == k_card_test_back_key && visit.card_test->stage != CardTestStage::reading) {
        accept_key();
        visit.step = ServiceStep::self_tests;
        show(ScreenId::service_tests);
    } else {
        reject_key();
        speak_screen_again();
    }
}

void Flow::card_test_inserted() {
    m_session.service->card_test->stage = CardTestStage::reading;
    start_timer(TimerId::card_read);
    show(ScreenId::service_card_test);
}

void Flow::card_test_done(std::optional<CardFault> fault, bool cryptogram,
                          std::string_view detail) {
    CardTest& test = *m_session.service->card_test;
    test.stage = CardTestStage::take;
    test.done = true;
    test.fault = fault;
    test.cryptogram = !fault && cryptogram;
    audit("card_test", std::string(detail) + (fault             ? ""
                                              : test.cryptogram ? ", cryptogram"
                                                                : ", no cryptogram"));
    if (fault) {
        emit(Tone{ToneKind::error});
    }
    emit(EjectCard{});
    if (m_session.service->step == ServiceStep::card_test) {
        show_answer(ScreenId::service_card_test);
    }
}

// The engineer leaves while the test card is being read: it is given back, its read let go.
void Flow::give_back_test_card() {
    if (card_test_at(CardTestStage::reading)) {
        cancel_timer(TimerId::card_read);
        emit(EjectCard{});
        audit("card_test", "given back unread");
    }
}

void Flow::card_test_removed() {
    CardTest& test = *m_session.service->card_test;
    test.stage = CardTestStage::insert;
    audit("card_test", "card taken");
    if (m_session.service->step == ServiceStep::card_test) {
        // The result was said; only what to do next is new.
        refresh(ScreenId::service_card_test);
        speak_phrase("service_card_test.again");
    }
}

void Flow::refuse_card_for_service() {
    emit(EjectCard{});
    speak_phrase("out_of_service.take_card");
    journal("card_refused", m_session.state == State::service ? "service" : "out_of_service");
}

}  // namespace kiosk::core::flow_steps
