#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "kiosk/core/branch.h"
#include "kiosk/core/card_number.h"
#include "kiosk/core/encrypted_pin_block.h"
#include "kiosk/core/events.h"
#include "kiosk/core/print_document.h"
#include "kiosk/core/screen.h"

namespace kiosk::core {

// Effects are commands as plain data; the shell carries them out in the order given and feeds
// results back as events (docs/architecture.md, "Flows are update functions").

enum class Channel { speaker, headphones };

std::string_view to_string(Channel channel);

struct Utterance {
    std::string text;      // the words as the catalog says them, numbers worded: the transcript
    std::string phonetic;  // what the synthesiser is given: `text` through the locale's lexicon
    std::string locale;    // "zh-CN", "zh-HK", "en": picks the voice
    Channel channel = Channel::speaker;
    int rate_wpm = 175;
    // Personal data: only ever on the headphone channel, unless the customer chose to hear it
    // on the speaker (EN 301 549 5.1.3.9; Session::speaker_chosen).
    bool is_private = false;
    bool speaker_chosen = false;

    friend bool operator==(const Utterance&, const Utterance&) = default;
};

enum class ToneKind { key, digit, error, attention };

std::string_view to_string(ToneKind kind);

// What the account service needs to verify the PIN and return the balance, and the card's ARQC
// with which the bank checks that the chip is genuine (docs/api/account.yaml,
// "card_authentication").
struct BalanceRequest {
    CardNumber pan;
    EncryptedPinBlock pin_block;
    std::optional<CardAuthentication> card_authentication = std::nullopt;
};

// Replace the screen with this one.
struct Show {
    ScreenModel screen;
};
// Say these. Only the customer interrupts (docs/accessibility.md, "Speech"): speech the
// customer caused (a key, the card taken, headphones plugged) stops what is being said and is
// said instead (new speech replaces old: EN 301 549 5.1.3.5); speech the kiosk caused (a
// reminder, a reply arriving, a timer) waits until everything said before it has been heard.
struct Speak {
    std::vector<Utterance> utterances;
    bool interrupts = false;  // the customer caused it
};
struct StopSpeech {};
// Say again the latest utterance the customer heard, or began to hear, in full.
struct RepeatSpeech {};
// Hold the speech where it is, and carry on from there (EN 301 549 5.1.3.4).
struct PauseSpeech {};
struct ResumeSpeech {};
// The customer's volume step (policy.h: k_minimum_volume_step..k_maximum_volume_step).
struct SetVolume {
    int step = 0;
};
// Audio mode's screen curtain: the screen shows nothing while blanked.
struct BlankScreen {
    bool blanked = false;
};
struct Tone {
    ToneKind kind;
};
// What a PIN entry is for: the PIN that signs the customer on, or a new PIN, which the pad
// collects twice and compares itself (NewPinAgain, NewPinsDiffer) before it makes the block.
enum class PinPurpose { sign_on, new_pin };

std::string_view to_string(PinPurpose purpose);

// Put the PIN pad into secure entry; it reports PinDigitEntered / PinCleared / PinEntered /
// PinEntryCancelled / PinEntryFailed, and for a new PIN NewPinAgain / NewPinsDiffer between the
// two entries. The PAN is for the format 0 PIN block.
struct StartPinEntry {
    CardNumber pan;
    PinPurpose purpose = PinPurpose::sign_on;
};
struct CancelPinEntry {};
struct EjectCard {};
// Ask the card for a fresh ARQC (a new transaction: EMV 4.3 Book 3 §10.8); answered by
// CardAuthenticationRenewed, or CardReadFailed when the card fails.
struct RenewCardAuthentication {};
struct Call {
    std::uint64_t call_id = 0;
    BalanceRequest request;
};
struct CancelCall {
    std::uint64_t call_id = 0;
};
// A request of the signed-on customer to the account service (kiosk/core/account_calls.h),
// answered by MoneyReplyReceived{call_id}. `session` is the sign-on's token; requests that
// settle a withdrawal (confirm, reverse, find) are bound to the terminal and need none.
struct AccountCall {
    std::uint64_t call_id = 0;
    AccountRequest request;
    base::SecretText session;
};
// Ask the account service to remember elder mode for the card of this session, with the grant
// of its balance reply; answered by PreferencesSaved.
struct SavePreferences {
    std::uint64_t call_id = 0;
    base::SecretText grant;
    bool elder_mode = false;
};
// Starting a timer that is already running restarts it with the new duration.
struct StartTimer {
    TimerId id;
    int milliseconds = 0;
};
struct CancelTimer {
    TimerId id;
};
// Requests to the branch queue service (kiosk/net, QueueClient), answered by the events of the
// same call id. `visit` counts the kiosk's customers: the client links a survey answer and a
// complaint of the same visit with a random reference it makes for that visit and forgets at
// the next (docs/api/queue.yaml, "SessionReference").
struct ListBusinesses {
    std::uint64_t call_id = 0;
};
struct TakeTicket {
    std::uint64_t call_id = 0;
    TicketRequest request;
};
// Calls a member of staff; answered by StaffCallChanged when the call is placed (or kept), and
// again whenever the service reports it acknowledged or closed, until CancelCall.
struct CallStaff {
    std::uint64_t call_id = 0;
    AssistanceRequest request;
};
// Kept in the outbox until delivered; nothing answers it.
struct AnswerSurvey {
    std::uint64_t visit = 0;
    SurveyAnswer answer;
};
struct FileComplaint {
    std::uint64_t call_id = 0;
    std::uint64_t visit = 0;
    Complaint complaint;
};
// Print this slip on the receipt printer; answered by PrintFinished.
struct Print {
    std::uint64_t print_id = 0;
    PrintDocument document;
};
// Tell the lobby staff of a fault they must see to (a device gone, a card left in the reader):
// the shell places it as an assistance call of its own, which the flow never follows. A
// customer who asks for a person is CallStaff's. `reason` names the situation, never the
// customer.
struct NotifyStaff {
    std::string reason;
    AssistanceReason kind = AssistanceReason::device_fault;
};
// The money a journaled step moves or names: its transaction, the step (a WithdrawalStep's
// name for a withdrawal), the amount and fee, and the notes per cassette when the step moves
// notes. Never a card or payee number: the reference is what ties the step to the account
// service's records.
struct TransactionRecord {
    TransactionReference transaction;
    std::string step;
    Money amount;
    Money fee;
    std::vector<int> notes;

    friend bool operator==(const TransactionRecord&, const TransactionRecord&) = default;
};
// A traceable step for the service record and the electronic journal (kiosk/store): `detail`
// never holds personal data. A money-moving step carries its transaction record, and the shell
// writes it to the journal before it carries out the effects that follow it. A step of the
// audit trail (`audit`: what the service menu does and who did it, docs/service-standards.md,
// "Staff access") is written there too, so that it outlives the transcript; other steps go to
// the transcript only.
struct Journal {
    std::string event;
    std::string detail;
    std::optional<TransactionRecord> transaction = std::nullopt;
    bool audit = false;  // the audit trail: the service menu's steps, every notice to staff
};

// Ask kiosk/access whether this engineer may sign in; answered by SignInChecked. The password
// and code are wiped when the effect is; the shell checks them off the event loop's thread.
struct CheckSignIn {
    std::uint64_t call_id = 0;
    std::string engineer_id;
    base::SecretText password;
    base::SecretText code;
};
// The administrator's accounts, kept by kiosk/access and changed on the sign-in checks' thread:
// list them, or remove one (never the last administrator's). Each is answered by
// AccountsAnswered with the accounts as the file then holds them.
struct ListAccounts {
    std::uint64_t call_id = 0;
};
struct RemoveAccount {
    std::uint64_t call_id = 0;
    std::string engineer_id;
};
// An administrator adds an account (the service menu's enrolment). EnrolAccount: kiosk/access
// checks the staff number is free, hashes the new engineer's password and makes the secret of
// their one-time codes, which it keeps and never hands the flow; answered by AccountsAnswered
// (done: ready; or why not). The shell puts the secret in the enrolment slip's
// PrintEnrolmentSecret blocks. ConfirmEnrolment: the code the new engineer's app shows; the
// right one adds the account to the file (AccountsAnswered with the accounts after it, or
// wrong_code). DiscardEnrolment: the account made ready is forgotten, unadded. The password and
// code are wiped when the effect is.
struct EnrolAccount {
    std::uint64_t call_id = 0;
    std::string engineer_id;
    EngineerRole role = EngineerRole::engineer;
    base::SecretText password;
};
struct ConfirmEnrolment {
    std::uint64_t call_id = 0;
    base::SecretText code;
};
struct DiscardEnrolment {};
// Take the kiosk out of service with the reason its customers see, or put it back (nothing):
// the shell keeps it across restarts.
struct SetOutOfService {
    std::optional<OutOfServiceReason> reason;
};
// Ask what the device models know of their devices, for the service menu; answered by
// DevicesReported. No device is asked: the shell copies what each model last published.
struct ReportDevices {
    std::uint64_t call_id = 0;
};
// Ask each of the bank's services for its health, timed, with its certificate's expiry, for the
// service menu; answered by NetworkChecked (within the services' time-outs).
struct CheckNetwork {
    std::uint64_t call_id = 0;
};
// Read the latest faults staff were told of back from the electronic journal, for the service
// menu; answered at once by FaultsReported.
struct ReportFaults {
    std::uint64_t call_id = 0;
};
// Count what the electronic journal holds, for the service menu's counters; answered at once by
// CountersReported.
struct ReportCounters {
    std::uint64_t call_id = 0;
};

// Start the key ceremony on the PIN pad with the custodians' confirmations on its keys
// (docs/protocols/epp.md §8.2, revision 6); answered by KeyCeremonyProgressed, started or
// refused, then by the pad's reports.
struct BeginKeyCeremony {};
// Ask the bank for the working keys wrapped under the master key with this KCV (account.yaml,
// "PIN pad working keys"), for the slots the kiosk's configuration uses; answered by
// WorkingKeysFetched.
struct FetchWorkingKeys {
    std::uint64_t call_id = 0;
    std::string master_check_value;
};
// End the key ceremony: commit the combined key and load `keys` under it, answered by
// KeyCeremonyCommitted; or abandon it (the old master key stays), answered by nothing more.
struct EndKeyCeremony {
    bool commit = false;
    std::vector<WorkingKeyBlock> keys;
};

// Write the electronic journal and the kiosk's log, redacted, with their manifest, to the USB
// stick (kiosk/app/record_export.h); answered by RecordsExported.
struct ExportRecords {
    std::uint64_t call_id = 0;
};

// Read the settings of the configuration file in use; answered by ConfigurationRead.
struct ReadConfiguration {
    std::uint64_t call_id = 0;
};
// Review the new configuration on the USB stick (k_stick_config_name) against the one in use;
// answered by ConfigurationReviewed.
struct ReviewConfiguration {
    std::uint64_t call_id = 0;
};
// Install the stick's file in place of the one in use, keeping the replaced file, if it still
// makes exactly the `reviewed` changes; answered by ConfigurationInstalled.
struct InstallConfiguration {
    std::uint64_t call_id = 0;
    std::vector<SettingChange> reviewed;
};
// End the kiosk and have its supervisor start it again (kiosk/app/config_update.h,
// k_restart_exit_status), so that it runs with the configuration just installed.
struct RestartKiosk {};

using Effect = std::variant<
    Show, Speak, StopSpeech, RepeatSpeech, PauseSpeech, ResumeSpeech, SetVolume, BlankScreen, Tone,
    StartPinEntry, CancelPinEntry, EjectCard, RenewCardAuthentication, Call, CancelCall,
    AccountCall, SavePreferences, ListBusinesses, TakeTicket, CallStaff, AnswerSurvey,
    FileComplaint, Print, StartTimer, CancelTimer, NotifyStaff, Journal, Dispense, PresentCash,
    RetractCash, RejectCash, CheckDispenser, CheckSignIn, ListAccounts, RemoveAccount, EnrolAccount,
    ConfirmEnrolment, DiscardEnrolment, SetOutOfService, ReportDevices, CheckNetwork, ReportFaults,
    ReportCounters, BeginKeyCeremony, FetchWorkingKeys, EndKeyCeremony, ExportRecords,
    ReadConfiguration, ReviewConfiguration, InstallConfiguration, RestartKiosk>;

// The effect's kind: "Show", "Speak", ...
std::string_view to_string(const Effect& effect);

// Whether the effect gives money or commits a debit: authorising or confirming a withdrawal,
// picking notes, presenting them, sending a transfer. The shell carries none of these out without
// the journal record before it (JournalFailed); what secures money (retract, reject, reverse)
// always runs.
bool is_money_giving(const Effect& effect);

}  // namespace kiosk::core
