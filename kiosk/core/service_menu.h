#pragma once

// The field engineer's service menu as plain values (kiosk/core/README.md, "The service menu"):
// how an engineer came, where in the menu they are, what they typed, and what the kiosk's
// customers are told while it is out of service.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/keys.h"
#include "base/wipe.h"
#include "kiosk/core/card_fault.h"
#include "kiosk/core/configuration_change.h"
#include "kiosk/core/device_snapshot.h"
#include "kiosk/core/dispense_test.h"
#include "kiosk/core/engineer.h"
#include "kiosk/core/key_ceremony.h"
#include "kiosk/core/print_document.h"
#include "kiosk/core/screen.h"

namespace kiosk::core {

// How the service menu was asked for.
enum class ServiceEntry {
    service_switch,  // the cabinet's service switch (inside the locked cabinet)
    keys,            // the key sequence on the PIN pad (k_service_entry_keys)
};

std::string_view to_string(ServiceEntry entry);

// Where in the service menu the engineer is.
enum class ServiceStep {
    sign_in,                 // typing id, password and one-time code
    checking_sign_in,        // kiosk/access checks them (CheckSignIn)
    locked,                  // too many failures: nobody signs in until the lock ends
    menu,                    // signed in: what the role may do
    out_of_service_reason,   // which reason the customers will see
    devices,                 // every device: whether the kiosk uses it
    device,                  // one device's identity and facts, a page at a time
    network,                 // each service's answer, its time and its certificate's expiry
    faults,                  // the latest faults staff were told of, with what to do
    self_tests,              // the tests an engineer runs, with their last results
    key_test,                // every PIN pad key pressed once, each named as it arrives
    partner_sign_in,         // the key ceremony's second custodian types id, password and code
    checking_partner,        // kiosk/access checks the second custodian's sign-in
    key_ceremony,            // the ceremony itself (KeyCeremony::step says how far)
    export_records,          // the journal and the log written to the USB stick
    configuration,           // the settings of the configuration in use, a page at a time
    configuration_change,    // a new configuration on the USB stick: what it changes, installed
    card_test,               // the card reader's test: a test card read and given back
    dispense_test,           // the dispenser's test: a note from each cassette to the reject bin
    counters,                // how often the journal holds what was done and what went wrong
    accounts,                // the engineers' accounts, a page at a time (an administrator's)
    account_remove,          // the staff number of the account to remove, typed
    account_remove_confirm,  // that account named, removed on Enter
    account_add,             // the staff number of a new account, typed
    account_role,            // what the new account may do
    account_password,        // the new engineer types a password, twice
    account_enrolling,       // kiosk/access makes the account ready, and its set-up slip prints
    account_code             // the new engineer types the code their app shows from the slip
};

std::string_view to_string(ServiceStep step);

// The fields of the sign-in screen, typed in this order on the PIN pad's digits.
enum class SignInField { id, password, code };

// Why the kiosk is out of service, in words its customers hear (catalog section
// "out_of_service"). Chosen by an engineer; kept across restarts by the shell.
enum class OutOfServiceReason { maintenance, cash, device_fault, network };

inline constexpr std::array k_out_of_service_reasons{
    OutOfServiceReason::maintenance, OutOfServiceReason::cash, OutOfServiceReason::device_fault,
    OutOfServiceReason::network};

std::string_view to_string(OutOfServiceReason reason);
std::optional<OutOfServiceReason> out_of_service_reason_named(std::string_view name);

// The lengths the sign-in fields take (kiosk/access checks the same): ids of 4 to 8 digits,
// passwords of 8 to 16, one-time codes of 6 or 8 (RFC 6238 §4, RFC 4226 §5.3).
inline constexpr std::size_t k_engineer_id_digits_minimum = 4;
inline constexpr std::size_t k_engineer_id_digits_maximum = 8;
inline constexpr std::size_t k_password_digits_minimum = 8;
inline constexpr std::size_t k_password_digits_maximum = 16;
inline constexpr std::size_t k_one_time_code_digits_minimum = 6;
inline constexpr std::size_t k_one_time_code_digits_maximum = 8;

// The key sequence that asks for the service menu on the welcome screen: function keys only
// (the pad reports no digit there), alternating so that no bounce or held key makes it, seven
// long, and within policy::k_service_keys_window_ms of its first key. A customer who somehow
// types it meets a sign-in screen that says it is for staff and goes back on Cancel.
inline constexpr std::array k_service_entry_keys{
    base::Key::cancel, base::Key::clear, base::Key::cancel, base::Key::clear,
    base::Key::cancel, base::Key::clear, base::Key::enter};

// The service screens' keys.
inline constexpr base::Key k_sign_in_next_key = base::Key::enter;  // the field typed: the next
inline constexpr base::Key k_sign_in_clear_key = base::Key::clear;
inline constexpr base::Key k_sign_in_back_key = base::Key::cancel;
inline constexpr base::Key k_service_out_of_service_key = base::Key::digit_1;
inline constexpr base::Key k_service_sign_out_key = base::Key::cancel;
inline constexpr base::Key k_reason_back_key = base::Key::cancel;
inline constexpr base::Key k_service_devices_key = base::Key::digit_2;
inline constexpr base::Key k_service_self_tests_key = base::Key::digit_3;
inline constexpr base::Key k_service_network_key = base::Key::digit_4;
inline constexpr base::Key k_service_faults_key = base::Key::digit_5;
inline constexpr base::Key k_service_counters_key = base::Key::digit_6;
// On the counters' screen: the next page; Cancel goes back to the menu (and 6 there counts
// again).
inline constexpr base::Key k_counters_more_key = base::Key::digit_9;
inline constexpr base::Key k_counters_back_key = base::Key::cancel;
// On the faults' screen: the next page; Cancel goes back to the menu (and 5 there reads them
// again).
inline constexpr base::Key k_faults_more_key = base::Key::digit_9;
inline constexpr base::Key k_faults_back_key = base::Key::cancel;
// On the network check's screen: check again; Cancel goes back to the menu.
inline constexpr base::Key k_network_again_key = base::Key::enter;
inline constexpr base::Key k_network_back_key = base::Key::cancel;
// On the self-tests' screen; Cancel goes back to the menu.
inline constexpr base::Key k_test_slip_key = base::Key::digit_1;
inline constexpr base::Key k_key_test_key = base::Key::digit_2;
inline constexpr base::Key k_tone_test_key = base::Key::digit_3;
inline constexpr base::Key k_card_test_key = base::Key::digit_4;
inline constexpr base::Key k_dispense_test_key = base::Key::digit_5;
// On the card test's screen: Cancel goes back to the self-tests (a card in the reader is given
// back first).
inline constexpr base::Key k_card_test_back_key = base::Key::cancel;
inline constexpr base::Key k_self_tests_back_key = base::Key::cancel;
// On the dispense test's screen, once its notes are secured (or it could not start): Enter
// tests again, Cancel goes back to the self-tests. While the notes move, no key leads away.
inline constexpr base::Key k_dispense_test_again_key = base::Key::enter;
inline constexpr base::Key k_dispense_test_back_key = base::Key::cancel;
// The key test takes every key as a key to test: Cancel twice in a row ends it.
inline constexpr base::Key k_key_test_end_key = base::Key::cancel;
// On the devices' screens: read again, back, and a device's next page of facts.
inline constexpr base::Key k_devices_again_key = base::Key::enter;
inline constexpr base::Key k_devices_back_key = base::Key::cancel;
inline constexpr base::Key k_device_more_key = base::Key::digit_9;
// A key custodian's menu: the key ceremony. In the ceremony each custodian confirms the KCVs
// with Enter on the PIN pad (docs/protocols/epp.md §8.2, revision 6); Cancel on the pad abandons
// it there, and Cancel anywhere else has the kiosk abandon it. Once it is over, Enter or Cancel
// goes back to the menu.
inline constexpr base::Key k_service_key_ceremony_key = base::Key::digit_1;
inline constexpr base::Key k_ceremony_confirm_key = base::Key::enter;
inline constexpr base::Key k_ceremony_abandon_key = base::Key::cancel;
// An administrator's menu: the records' export; on its screen Enter exports again once the
// last one is done, and Cancel goes back.
inline constexpr base::Key k_service_export_key = base::Key::digit_1;
inline constexpr base::Key k_export_again_key = base::Key::enter;
inline constexpr base::Key k_export_back_key = base::Key::cancel;
// An administrator's menu: the configuration. Its screen shows the settings in use a page at a
// time (9: the next page), and 1 reviews the new file on the USB stick. The review's screen
// installs it on Enter, and the kiosk restarts with it; where there is nothing to install, Enter
// reviews the stick again. Cancel goes back a screen.
inline constexpr base::Key k_service_configuration_key = base::Key::digit_2;
inline constexpr base::Key k_configuration_more_key = base::Key::digit_9;
inline constexpr base::Key k_configuration_change_key = base::Key::digit_1;
inline constexpr base::Key k_configuration_back_key = base::Key::cancel;
inline constexpr base::Key k_configuration_install_key = base::Key::enter;

// An administrator's menu: the engineers' accounts. Their screen lists them a page at a time
// (9: the next page); 2 removes one, by its staff number typed on the next screen (Enter: next,
// Clear: start again) and confirmed with Enter on the one after. Cancel goes back a screen.
inline constexpr base::Key k_service_accounts_key = base::Key::digit_3;
inline constexpr base::Key k_accounts_remove_key = base::Key::digit_2;
inline constexpr base::Key k_accounts_more_key = base::Key::digit_9;
inline constexpr base::Key k_accounts_back_key = base::Key::cancel;
inline constexpr base::Key k_account_id_next_key = base::Key::enter;
inline constexpr base::Key k_account_id_clear_key = base::Key::clear;
inline constexpr base::Key k_account_remove_key = base::Key::enter;
// 1 adds an account (the enrolment): its staff number typed as a removal's is, then its role
// (1, 2, 3: k_engineer_roles' order); then the new engineer types a password twice and, once the
// set-up slip is printed, the code their app shows, each ended with Enter (Clear: start the
// field again). Cancel goes back a screen; on the code's screen it stops the enrolment, and the
// account is not added.
inline constexpr base::Key k_accounts_add_key = base::Key::digit_1;
inline constexpr std::array k_engineer_roles{EngineerRole::engineer, EngineerRole::key_custodian,
                                             EngineerRole::administrator};

// The bank's services the network check asks (CheckNetwork): the account service and the
// branch queue service.
enum class NetworkService { account, queue };

inline constexpr std::array k_network_services{NetworkService::account, NetworkService::queue};

std::string_view to_string(NetworkService service);

// How one service answered the network check: its /v1/health, on a connection of its own.
struct NetworkCheck {
    NetworkService service = NetworkService::account;
    bool configured = true;  // the queue service is optional ([queue] url)
    bool healthy = false;    // it answered 200 {"status": "ok"}
    // When not healthy: the HTTP status ("503") or what failed ("timeout", "tls_failure",
    // "bad_reply"), as the service clients' notices name them.
    std::string problem;
    int round_trip_ms = 0;  // with an answer: the request's whole time, handshake included
    // The service certificate's last day ("2027-12-03", UTC) and the whole days left until
    // then (0 on its last day, negative once past), when it was read.
    std::string certificate_expiry;
    std::optional<int> certificate_days_left;

    friend bool operator==(const NetworkCheck&, const NetworkCheck&) = default;
};

// A certificate that runs out within this many days is shown as a warning: there is time to
// have it renewed before the kiosk can no longer reach the service.
inline constexpr int k_certificate_warning_days = 30;

// How the export of the records came out (ExportRecords; kiosk/app/record_export.h).
enum class ExportOutcome {
    exported,  // the journal, the log and their manifest are on the stick
    no_stick,  // nothing is mounted where the stick goes
    failed     // the journal could not be read or the stick written (`problem` says which)
};

std::string_view to_string(ExportOutcome outcome);

struct ExportResult {
    ExportOutcome outcome = ExportOutcome::failed;
    std::int64_t records = 0;    // exported: the journal's records
    bool chain_intact = false;   // exported: the journal's hash chain checked out
    std::size_t redactions = 0;  // exported: digit runs blanked in the journal and the log
    std::string problem{};       // failed: what, in the export's words (no path, no data)

    friend bool operator==(const ExportResult&, const ExportResult&) = default;
};

// A fault staff were told of (Flow::notify_staff, journaled `staff_notified` in the electronic
// journal), as the shell reads it back for the service menu: when, and the reason as journaled.
struct RecentFault {
    // When, in the kiosk's local time.
    int month = 1;
    int day = 1;
    int hour = 0;
    int minute = 0;
    std::string reason;

    friend bool operator==(const RecentFault&, const RecentFault&) = default;
};

// What an engineer can do about a fault, by its reason (catalog section "fault_advice"): a
// closed set, so that every reason the flow gives has advice (tests/kiosk/core checks them).
enum class FaultAdvice {
    printer_paper,  // load a roll
    device,         // a device missing or failing: its cable, power, the device itself
    pin_pad,        // the PIN pad failed in use
    card_left,      // a card was not taken: it is in the reader or its retain bin
    service,        // a bank service down or answering badly: the network check
    dispenser,      // the dispenser could not pick or present: the transport and cassettes
    money,          // a withdrawal or transfer to settle with the bank: its journal records
    journal,        // the electronic journal cannot be written: the disk, then a restart
    other
};

std::string_view to_string(FaultAdvice advice);
FaultAdvice fault_advice(std::string_view reason);

// How often the electronic journal holds one event (ReportCounters, CountersReported): today
// (since the kiosk's local midnight) and in all. Staff notices (`staff_notified`) are counted
// by their reason too.
struct JournalCount {
    std::string event;
    std::string reason{};  // staff_notified: the reason as journaled; empty for any other
    std::int64_t today = 0;
    std::int64_t in_all = 0;

    friend bool operator==(const JournalCount&, const JournalCount&) = default;
};

// The service menu's counters, in the order the screen shows them, each the count of one event
// of the journal: what customers were given (withdrawals, transfers), what had to be undone or
// left to staff, the dispense tests, the faults staff were told of (then each kind of fault
// there was, by its advice), and the service menu's sign-ins.
enum class CounterName {
    withdrawals_completed,  // withdrawal_completed: the customer took the notes
    withdrawals_reversed,   // withdrawal_reversed: undone at the bank, no cash given
    withdrawals_held,       // withdrawal_held_for_engineer: the notes for staff to count
    transfers_done,         // transfer_done
    transfers_unknown,      // transfer_outcome_unknown: staff find out
    dispense_tests,         // dispense_test_notes_secured: a dispense test run to its end
    faults,                 // staff_notified: every fault staff were told of
    signed_in,              // signed_in
    sign_in_refused,        // sign_in_refused
    service_locked,         // service_locked: three refusals in a row
};

std::string_view to_string(CounterName name);

struct CounterLine {
    CounterName name = CounterName::faults;
    std::optional<FaultAdvice> advice;  // a line of the faults of one kind
    std::int64_t today = 0;
    std::int64_t in_all = 0;

    friend bool operator==(const CounterLine&, const CounterLine&) = default;
};

// The counters' lines from the journal's counts: every counter, at zero when the journal holds
// none, and after the faults, one line for each kind of fault it holds (fault_advice() of the
// reasons), in FaultAdvice's order.
std::vector<CounterLine> counter_lines(const std::vector<JournalCount>& counts);

// The card reader's self-test (ServiceStep::card_test): the engineer's test card is read as a
// customer's card is, checked as one is (card_checks.h), and given back. Only the outcome is
// kept: nothing the card holds reaches a screen, speech or the journal.
enum class CardTestStage {
    insert,   // waiting for the test card
    reading,  // the reader has it (CardInserted), its read awaited
    take,     // read and ejected: waiting for the card to be taken
};

std::string_view to_string(CardTestStage stage);

struct CardTest {
    CardTestStage stage = CardTestStage::insert;
    bool done = false;               // a card was read (or failed) this visit
    std::optional<CardFault> fault;  // done: why it could not be used, if it could not
    bool cryptogram = false;         // done, no fault: the chip gave an ARQC for the bank

    friend bool operator==(const CardTest&, const CardTest&) = default;
};

// An administrator adding an account, from its role to the new engineer's first code. The staff
// number is ServiceVisit::account_id. The account's secret stays with kiosk/access: the flow
// asks for the slip that carries it and for the code that proves the app has it.
struct Enrolment {
    EngineerRole role = EngineerRole::engineer;
    base::SecretText password;                   // the new engineer's, typed first
    base::SecretText password_again;             // and again, to be sure of it
    bool again = false;                          // the password is being typed again
    bool passwords_differ = false;               // the last two typed were not the same
    std::optional<std::uint64_t> pending_print;  // the set-up slip, printing
    std::optional<PrintResult> slip_result;      // how it came out
    base::SecretText code;                       // typed from the app
    int wrong_codes = 0;
};

// Which change to the accounts ServiceVisit::account_outcome tells of.
enum class AccountChange { removal, enrolment };

// An engineer's visit, from the sign-in screen until they sign out or turn the switch off.
struct ServiceVisit {
    ServiceEntry entry = ServiceEntry::keys;
    ServiceStep step = ServiceStep::sign_in;
    SignInField field = SignInField::id;
    std::string engineer_id;  // as typed; once signed in, the engineer's
    base::SecretText password;
    base::SecretText code;
    std::optional<std::uint64_t> pending_check;
    std::optional<EngineerRole> role;  // signed in
    bool refused = false;              // the last sign-in was refused: the screen says so
    int lock_seconds = 0;              // locked: how long the lock still runs
    // The devices (ReportDevices): the report awaited, the last one, and on ServiceStep::device
    // the device shown (an index into `devices`) and its page of facts.
    std::optional<std::uint64_t> pending_report;
    std::vector<DeviceSnapshot> devices;
    std::size_t device_shown = 0;
    std::size_t device_page = 0;
    // The self-tests: the test slip being printed and how the last one came out; the keys the
    // key test has seen, in the order first pressed, and the last key it took.
    std::optional<std::uint64_t> pending_slip;
    std::optional<PrintResult> slip_result;
    bool key_test_run = false;
    std::vector<base::Key> keys_tested;
    std::optional<base::Key> last_key_tested;
    // The network check awaited, and the last one's answers.
    std::optional<std::uint64_t> pending_network;
    std::vector<NetworkCheck> network;
    // The recent faults awaited, the last answer (newest first), whether the journal could be
    // read and how many records it holds, and the page shown.
    std::optional<std::uint64_t> pending_faults;
    std::vector<RecentFault> faults;
    bool faults_readable = true;
    std::int64_t journal_records = 0;
    std::size_t faults_page = 0;
    // A key custodian's key ceremony, from the second custodian's sign-in to its result. While
    // the second custodian signs in, the id typed is theirs (KeyCeremony::partner_id).
    std::optional<KeyCeremony> ceremony;
    bool partner_not_custodian = false;  // the last second sign-in was not another custodian
    // The records' export awaited, and how the last one came out.
    std::optional<std::uint64_t> pending_export;
    std::optional<ExportResult> export_result;
    // The configuration: the settings in use awaited and the last answer (nothing readable:
    // `configuration_problem` says why), with the page shown; the stick's file's review awaited
    // and the last one, with its page; how the last installation failed (the one awaited is the
    // session's: it outlives the visit).
    std::optional<std::uint64_t> pending_configuration;
    std::vector<ConfigSetting> configuration;
    std::string configuration_problem;
    std::size_t configuration_page = 0;
    std::optional<std::uint64_t> pending_review;
    std::optional<ConfigReview> review;
    std::size_t review_page = 0;
    std::optional<ConfigInstallOutcome> install_failure;
    std::string install_problem;
    // The card reader's test, once asked for.
    std::optional<CardTest> card_test;
    // The counters awaited, the last answer's lines (nothing readable: the journal could not be
    // read), and the page shown.
    std::optional<std::uint64_t> pending_counters;
    std::vector<CounterLine> counters;
    bool counters_readable = true;
    std::size_t counters_page = 0;
    // The engineers' accounts (an administrator's): the answer awaited, the accounts as last
    // read (`accounts_readable` false when they could not be), the page shown, the staff number
    // typed for a removal or an enrolment, how the last of them went (`account_change`,
    // `account_outcome`, of the account `account_changed`) or why the number typed cannot be
    // removed (`own_account`, `account_outcome` unknown_id) or added (duplicate_id); and an
    // enrolment under way.
    std::optional<std::uint64_t> pending_accounts;
    std::vector<AccountSummary> accounts;
    bool accounts_readable = true;
    std::size_t accounts_page = 0;
    std::string account_id;
    std::string account_changed;
    AccountChange account_change = AccountChange::removal;
    std::optional<AccountsOutcome> account_outcome;
    bool own_account = false;
    std::optional<Enrolment> enrolment;
    // Why the last dispense test asked for did not start (the test itself is the session's:
    // Session::dispense_test).
    std::optional<DispenseTestRefusal> dispense_test_refusal;
};

// What the service menu offers a role (docs/service-standards.md, "Staff access"): an engineer
// takes the kiosk out of service and back and runs the diagnostics (devices, self-tests, the
// network check, recent faults); a key custodian leads a key ceremony, with a second custodian
// who signs in for it; an administrator exports the records (the journal and the log) and views
// and changes the configuration and the engineers' accounts.
bool may_set_out_of_service(EngineerRole role);
bool may_run_diagnostics(EngineerRole role);
bool may_load_keys(EngineerRole role);
bool may_export_records(EngineerRole role);
bool may_change_configuration(EngineerRole role);
bool may_manage_accounts(EngineerRole role);

// The id being typed on a sign-in screen: the second custodian's during their sign-in, else the
// engineer's.
std::string& typed_engineer_id(ServiceVisit& visit);
const std::string& typed_engineer_id(const ServiceVisit& visit);

// The keys the key test has not seen, in base::k_key_names' order.
std::vector<base::Key> keys_not_tested(const ServiceVisit& visit);

// A device's lines on its screen, in order: its model, firmware and serial (those it reports),
// then each fact. `label` is the catalog key of what the line names (device_fact section).
struct DeviceLine {
    std::string label;
    std::string value;
};
std::vector<DeviceLine> device_lines(const DeviceSnapshot& snapshot);
// How many of a device's lines a page shows in this look: as many as fit under the title, a
// notice of two lines and the choices (tests/kiosk/ui/screen_pixels_test.cpp checks that they
// fit), so that a long list is also heard in parts an engineer can take in.
std::size_t device_lines_per_page(TextSize size, bool elder_mode);
// How many faults a page shows in this look (each with its time, reason and advice), and how
// many pages `faults` of them take (at least one).
std::size_t faults_per_page(TextSize size, bool elder_mode);
std::size_t faults_pages(std::size_t faults, TextSize size, bool elder_mode);
// How many of the configuration's settings a page shows in this look, and how many of a new
// file's changes (each with its old and new value, so longer): as many as fit with their longest
// values (tests/kiosk/ui/screen_pixels_test.cpp checks that they fit).
std::size_t settings_per_page(TextSize size, bool elder_mode);
std::size_t changes_per_page(TextSize size, bool elder_mode);
// How many counters a page shows in this look: a counter's line is as long as a device's.
std::size_t counters_per_page(TextSize size, bool elder_mode);
// How many accounts a page shows in this look: an account's line is shorter than a device's.
std::size_t accounts_per_page(TextSize size, bool elder_mode);
// How many pages `lines` take at `per_page` a page (at least one).
std::size_t pages_of(std::size_t lines, std::size_t per_page);
// How many pages its lines take (at least one).
std::size_t device_pages(const DeviceSnapshot& snapshot, std::size_t lines_per_page);

}  // namespace kiosk::core
