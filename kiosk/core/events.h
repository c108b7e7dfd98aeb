#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/keys.h"
#include "base/wipe.h"
#include "kiosk/core/account_calls.h"
#include "kiosk/core/branch.h"
#include "kiosk/core/card_fault.h"
#include "kiosk/core/card_number.h"
#include "kiosk/core/cash.h"
#include "kiosk/core/device_snapshot.h"
#include "kiosk/core/dispense_test.h"
#include "kiosk/core/encrypted_pin_block.h"
#include "kiosk/core/engineer.h"
#include "kiosk/core/key_ceremony.h"
#include "kiosk/core/money.h"
#include "kiosk/core/reconciliation.h"
#include "kiosk/core/service_menu.h"
#include "kiosk/core/withdrawal.h"

namespace kiosk::core {

// Events are past-tense facts the shell feeds into the core (docs/architecture.md, "Flows are
// update functions"). None of them carries a PIN digit: the PIN pad reports counts only.

// What the chip's GENERATE AC gave for an ARQC (EMV 4.3 Book 3 §6.5.5.4), with what its issuer
// needs to recompute it (Book 2 §8.1): every field upper-case hexadecimal, as the account
// service takes them (docs/api/account.yaml, "CardAuthentication"). Not secret (a cryptogram
// proves the card, it opens nothing), but it is the card's and goes into no log, transcript or
// journal.
struct CardAuthentication {
    std::string cryptogram;                       // 9F26, 16 digits: the ARQC
    std::string cryptogram_information;           // 9F27, 2 digits
    std::string transaction_counter;              // 9F36, 4 digits: the ATC
    std::string cdol1_data;                       // what the terminal sent for CDOL1
    std::string application_interchange_profile;  // 82, 4 digits
    std::string issuer_application_data;          // 9F10
    std::string pan_sequence_number;              // 5F34, 2 digits; empty when the card has none

    friend bool operator==(const CardAuthentication&, const CardAuthentication&) = default;
};

// What the card reader read from the chip (EMV tags 5A, 5F24, 5F2D, 5F28), and its ARQC when the
// card has a CDOL1 (a card without one cannot prove itself online).
struct CardData {
    CardNumber pan;
    std::string expiry;               // YYMM
    std::string language_preference;  // ISO 639-1 codes in order of preference, e.g. "zhen"
    std::optional<CardAuthentication> authentication = std::nullopt;
    // The issuer's country (5F28, ISO 3166-1 numeric, three digits: "344" Hong Kong, "446"
    // Macau); empty when the card does not say. It tells a Chinese preference Mandarin or
    // Cantonese.
    std::string issuer_country = {};

    friend bool operator==(const CardData&, const CardData&) = default;
};

enum class TimerId {
    inactivity,          // no key for a while on an interactive screen
    inactivity_warning,  // the time left to answer "do you need more time?"
    reminder,            // "please take your card", repeated until it is taken
    goodbye,             // how long the goodbye screen stays before the welcome screen
    card_read,           // safety net when the reader never reports the read
    pin_pad_ready,       // safety net when the PIN pad never confirms it is collecting
    service_call,        // safety net when the account service never answers
    hesitation,          // no key for a while on a screen with choices: help is offered
    tour,                // the pause before the orientation tour is said again
    queue_call,          // safety net when the queue service's answer never comes
    cash_wait,           // the time to take the card and then the cash before it is taken back
    dispenser,           // safety net when the cash dispenser never answers
    service_keys,        // the time to type the service menu's key sequence
    service_idle,        // no key for a while in the service menu: the engineer is signed out
    restart,             // safety net when the restart's announcement never ends
};

std::string_view to_string(TimerId id);

enum class ServiceStatus {
    ok,
    wrong_pin,
    pin_locked,
    card_unknown,
    card_blocked,  // reported lost (a card lock): staff can unlock it
    unavailable,
    timeout,
    bad_reply,
};

std::string_view to_string(ServiceStatus status);

struct BalanceReply {
    Money balance;

    friend bool operator==(const BalanceReply&, const BalanceReply&) = default;
};

// What the account service remembers for a card, with the customer's consent
// (docs/accessibility.md, "Elder mode remembered for the card"), and the one-time grant that
// lets this session change it without sending the card number or a PIN block again.
struct CardPreferences {
    bool elder_mode = false;
    base::SecretText grant;  // opaque, short-lived; empty when the service gave none

    friend bool operator==(const CardPreferences&, const CardPreferences&) = default;
};

// The account service's answer to a sign-on (which verifies the PIN block).
struct ServiceReply {
    ServiceStatus status = ServiceStatus::bad_reply;
    int tries_left = 0;                          // meaningful with wrong_pin
    std::optional<BalanceReply> balance;         // present with ok
    std::optional<CardPreferences> preferences;  // with ok, when the service keeps them
    std::optional<AccountSession> session;       // with ok: for the customer's further requests

    friend bool operator==(const ServiceReply&, const ServiceReply&) = default;
};

// The kiosk has started: with the seed of its transaction references (kiosk/core/withdrawal.h),
// 16 bytes from the shell's secure generator.
struct Started {
    TransactionSeed transaction_seed{};
    // The withdrawals the electronic journal left unfinished (a crash, a power cut, the kiosk
    // stopped mid-way), oldest first: settled before the welcome screen (reconciliation.h).
    std::vector<UnfinishedWithdrawal> unfinished;
    // Out of service as an engineer left it before the kiosk stopped (kept by the shell).
    std::optional<OutOfServiceReason> out_of_service;
    // The dispenser's self-tests the journal left unfinished, oldest first: settled after the
    // withdrawals (dispense_test.h).
    std::vector<UnfinishedDispenseTest> unfinished_dispense_tests{};
};
struct KeyPressed {
    base::Key key;
};
struct CardInserted {};
// A month of the calendar, as the shell's clock reads it (the core keeps none). The default,
// year 0, is a month not known.
struct CalendarMonth {
    int year = 0;   // e.g. 2026
    int month = 0;  // 1 to 12
    bool known() const { return year > 0 && month >= 1 && month <= 12; }
    friend auto operator<=>(const CalendarMonth&, const CalendarMonth&) = default;
};
struct CardRead {
    CardData card;
    // The month the card was read in, by the shell's clock (the same UTC date the card reader
    // gives the chip as the transaction date, 9A): the core keeps no clock, and decides with it
    // whether the card is past its expiry before any PIN is asked for (card_checks.h). A month
    // not known (the default) says the shell did not know the date: the card is not refused for
    // its expiry then, and the bank decides.
    CalendarMonth read_in = {};
};

struct CardReadFailed {
    std::string reason;  // technical, for the journal; no personal data
    CardFault fault = CardFault::unreadable;
};
struct CardRemoved {};
// The card's fresh ARQC for another sign-on (RenewCardAuthentication): a cryptogram is good for
// one request only (EMV 4.3 Book 2 §8.1; the bank refuses a counter it has seen). None when the
// chip gives none (no CDOL1). The card failing instead is CardReadFailed.
struct CardAuthenticationRenewed {
    std::optional<CardAuthentication> authentication;
};
// The PIN pad confirmed that it is collecting the PIN (it answered START PIN ENTRY): only now
// is the PIN prompt shown, so that no digit is typed while the pad would still report it.
struct PinEntryReady {};
struct PinDigitEntered {
    int count = 0;  // how many digits the PIN pad now holds; never the digits
};
struct PinCleared {};
struct PinEntered {
    EncryptedPinBlock block;
};
struct PinEntryCancelled {};
// A new PIN (StartPinEntry with PinPurpose::new_pin): the pad holds the first entry and collects
// the same PIN again; the digit count starts from nothing.
struct NewPinAgain {};
// The second entry of a new PIN was not the first: the pad erased both and ended the entry.
struct NewPinsDiffer {};
struct PinEntryFailed {
    std::string reason;  // technical, for the journal; no personal data
};
// A device's own code failed (its thread caught what escaped it) and the device is being
// opened again. `reason` is technical, for the journal; no personal data.
struct DeviceFailed {
    std::string device;
    std::string reason;
};
// The things whose absence changes what the kiosk can offer (docs/accessibility.md, "When a
// device or the voice is missing").
enum class Device { card_reader, pin_pad, voice, printer, dispenser };

std::string_view to_string(Device device);

// The device is gone or was never found (the voice: speech cannot be played).
struct DeviceMissing {
    Device device;
};
// The device is back and working.
struct DeviceReturned {
    Device device;
};
// The speaker has said everything it was given, or was stopped, and is silent now.
struct SpeechEnded {};
struct HeadphonesPlugged {};
struct HeadphonesUnplugged {};
struct ReplyReceived {
    std::uint64_t call_id = 0;
    ServiceReply reply;
};
struct TimerFired {
    TimerId id;
};
// The account service's answer to SavePreferences: stored, or not (the reason is journaled by
// the client; nothing personal).
struct PreferencesSaved {
    std::uint64_t call_id = 0;
    bool saved = false;
};

// The account service's answer to an AccountCall.
struct MoneyReplyReceived {
    std::uint64_t call_id = 0;
    MoneyReply reply;
};

// The branch queue service's answers (kiosk/net, QueueClient). `call_id` is the id of the
// effect that asked; each status says how the request ended (QueueStatus).
struct BusinessesListed {
    std::uint64_t call_id = 0;
    QueueStatus status = QueueStatus::bad_reply;
    std::vector<Business> businesses;  // with ok: most common first
};
struct TicketIssued {
    std::uint64_t call_id = 0;
    QueueStatus status = QueueStatus::bad_reply;
    std::optional<Ticket> ticket;  // with ok
};
// A call for staff was placed (ok, or kept to be sent when the service is back, or failed),
// and then each time the service reports it changed: acknowledged by a member of staff, closed.
struct StaffCallChanged {
    std::uint64_t call_id = 0;
    QueueStatus status = QueueStatus::bad_reply;
    std::optional<AssistanceCall> call;  // with ok
};
struct ComplaintFiled {
    std::uint64_t call_id = 0;
    QueueStatus status = QueueStatus::bad_reply;
    std::string reference;  // with ok: what the customer quotes, "C-20261202-0007"
};

// The receipt printer's paper, as its sensors report it.
enum class PaperLevel { ok, low, out };

std::string_view to_string(PaperLevel level);

struct PaperChanged {
    PaperLevel level = PaperLevel::ok;
};

// The answer to a Print effect.
struct PrintFinished {
    std::uint64_t print_id = 0;
    PrintResult result = PrintResult::failed;
};

// The cabinet's service switch (kiosk/devices/cabinet_service.h) was turned: on asks for the
// service menu, off ends an engineer's visit (kiosk/core/README.md, "The service menu").
struct ServiceSwitchChanged {
    bool on = false;
};

// kiosk/access's verdict on CheckSignIn. `role` with signed_in; `lock_seconds` with locked;
// `reason` for the journal: which check failed (unknown_id, wrong_password, wrong_code,
// code_reused, locked, accounts_unreadable), never what was typed.
struct SignInChecked {
    std::uint64_t call_id = 0;
    SignInOutcome outcome = SignInOutcome::unavailable;
    std::optional<EngineerRole> role;
    int lock_seconds = 0;
    std::string reason;
};

// kiosk/access's answer to ListAccounts, RemoveAccount, EnrolAccount or ConfirmEnrolment: how it
// went, and the accounts the file holds after it (none when it could not be read).
struct AccountsAnswered {
    std::uint64_t call_id = 0;
    AccountsOutcome outcome = AccountsOutcome::unreadable;
    std::vector<AccountSummary> accounts{};
};

// What the device models know of their devices, in answer to ReportDevices: a snapshot of each
// device the kiosk has a model for, in k_device_kinds' order.
struct DevicesReported {
    std::uint64_t call_id = 0;
    std::vector<DeviceSnapshot> devices;
};

// The answer to CheckNetwork: each service in k_network_services' order.
struct NetworkChecked {
    std::uint64_t call_id = 0;
    std::vector<NetworkCheck> services;
};

// The answer to ReportFaults: the latest faults, newest first (kiosk/store's k_latest_records
// at most), and how many records the journal holds; `readable` false when it could not be read.
struct FaultsReported {
    std::uint64_t call_id = 0;
    bool readable = true;
    std::int64_t journal_records = 0;
    std::vector<RecentFault> faults;
};

// The answer to ReportCounters: how often the journal holds each event, today and in all;
// `readable` false when it could not be read.
struct CountersReported {
    std::uint64_t call_id = 0;
    bool readable = true;
    std::vector<JournalCount> counts;
};

// What the PIN pad reported of the key ceremony (BeginKeyCeremony; docs/protocols/epp.md
// §8.2): that it started or why not, the digits typed, each KCV, or why it was abandoned.
struct KeyCeremonyProgressed {
    CeremonyProgress progress = CeremonyProgress::typing;
    int digits_typed = 0;                       // typing
    std::string check_value{};                  // component1_entered, component2_entered, combined
    CeremonyEnd end = CeremonyEnd::pad_failed;  // abandoned
    std::string problem{};  // refused: the pad's or the shell's reason, for staff
};

// The bank's answer to FetchWorkingKeys: the key blocks in the order the shell asked for them.
struct WorkingKeysFetched {
    std::uint64_t call_id = 0;
    WorkingKeysOutcome outcome = WorkingKeysOutcome::unavailable;
    std::vector<WorkingKeyBlock> keys;
};

// The pad's answer to EndKeyCeremony with commit: the new master key's KCV and each working key
// as loaded. `committed` false: the pad did not take the new key (the old one stays), `problem`
// says why.
struct KeyCeremonyCommitted {
    bool committed = false;
    std::string master_check_value{};
    std::vector<LoadedKey> loaded{};
    std::string problem{};
};

// The answer to ExportRecords.
struct RecordsExported {
    std::uint64_t call_id = 0;
    ExportResult result;
};

// The answer to ReadConfiguration: the settings in use in their names' order, or, when the file
// cannot be read (or the kiosk was started without one), why.
struct ConfigurationRead {
    std::uint64_t call_id = 0;
    std::vector<ConfigSetting> settings{};
    std::string problem{};
};

// The answer to ReviewConfiguration.
struct ConfigurationReviewed {
    std::uint64_t call_id = 0;
    ConfigReview review;
};

// The answer to InstallConfiguration.
struct ConfigurationInstalled {
    std::uint64_t call_id = 0;
    ConfigInstallOutcome outcome = ConfigInstallOutcome::failed;
    std::string problem{};
};

// The electronic journal (kiosk/store) could not be written, or not opened at start-up. From
// the record that failed on, the shell carries out none of the effects that give money
// (is_money_giving in effects.h) and says so once with this event; what secures money still
// runs. No cash is offered again until the kiosk is restarted with a journal that works.
struct JournalFailed {
    std::string reason;  // for staff: the store's error, never personal data
};

using Event =
    std::variant<Started, KeyPressed, CardInserted, CardRead, CardReadFailed, CardRemoved,
                 CardAuthenticationRenewed, PinEntryReady, PinDigitEntered, PinCleared, PinEntered,
                 PinEntryCancelled, NewPinAgain, NewPinsDiffer, PinEntryFailed, DeviceFailed,
                 DeviceMissing, DeviceReturned, SpeechEnded, HeadphonesPlugged, HeadphonesUnplugged,
                 ReplyReceived, PreferencesSaved, MoneyReplyReceived, BusinessesListed,
                 TicketIssued, StaffCallChanged, ComplaintFiled, PaperChanged, PrintFinished,
                 TimerFired, CashDispensed, CashPresented, CashTaken, CashRetracted, CashRejected,
                 DispenserReported, JournalFailed, ServiceSwitchChanged, SignInChecked,
                 AccountsAnswered, DevicesReported, NetworkChecked, FaultsReported,
                 CountersReported, KeyCeremonyProgressed, WorkingKeysFetched, KeyCeremonyCommitted,
                 RecordsExported, ConfigurationRead, ConfigurationReviewed, ConfigurationInstalled>;

// The event's kind for the transcript: "CardInserted", "KeyPressed", ...
std::string_view to_string(const Event& event);

}  // namespace kiosk::core
