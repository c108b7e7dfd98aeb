#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/keys.h"
#include "kiosk/core/dispense_test.h"
#include "kiosk/core/effects.h"
#include "kiosk/core/events.h"
#include "kiosk/core/money.h"
#include "kiosk/core/reconciliation.h"
#include "kiosk/core/resources.h"
#include "kiosk/core/screen.h"
#include "kiosk/core/speech_script.h"
#include "kiosk/core/transfer.h"
#include "kiosk/core/withdrawal.h"

namespace kiosk::core {

enum class State {
    welcome,              // waiting for a card; language and elder mode can be chosen
    reading_card,         // the reader is reading the chip
    waiting_for_pin_pad,  // the PIN pad was asked to collect the PIN and has not confirmed yet
    pin_entry,            // the PIN pad is collecting the PIN
    verifying,            // the account service is checking the PIN block
    settings,             // from the welcome screen: text size, contrast, elder mode
    sound,                // audio mode's sound screen: volume, speech rate, blank screen
    remember_elder_mode,  // after the PIN: may the bank remember elder mode for this card?
    menu,                 // 1 balance, 2 take card, 3 call staff
    balance,              // the balance is on screen
    wrong_pin,            // the PIN was wrong; 1 tries again
    staff_called,         // the lobby manager is coming; any key returns
    timeout_warning,      // "do you need more time?"
    returning_card,       // the card is ejected; reminders until it is taken
    goodbye,              // thank you; then the welcome screen again
    // The branch (kiosk/core/README.md, "The branch"): no card is needed for any of these.
    choose_language,      // elder mode's welcome keeps the languages one key away
    fetching_businesses,  // the queue service was asked for the businesses
    choose_business,      // which business the customer queues for, a page at a time
    business_guidance,    // what to bring, how long it takes, how many wait: before the ticket
    green_channel,        // the priority queue is offered, with the reasons it is for
    issuing_ticket,       // the queue service issues the ticket, then the printer prints it
    ticket,               // the number, people ahead and wait, shown and spoken
    queue_unavailable,    // no ticket now: why, and what to do instead
    survey,               // one question after a service: satisfied, neutral, not satisfied
    not_satisfied,        // a member of staff now, or a complaint
    complaint_category,   // what the complaint is about, a page at a time
    complaint_consent,    // the purpose stated, and whether staff may come and talk
    filing_complaint,     // the queue service takes the complaint
    complaint_filed,      // its reference, or that it will be sent when the service is back
    // Cash (kiosk/core/README.md, "Cash"): a withdrawal, from the menu.
    choose_amount,       // the amounts offered, another amount, back
    other_amount,        // the customer types an amount on the keypad
    quoting,             // the account service states the fee and checks funds and limits
    confirm_withdrawal,  // amount, fee and total shown and said; Enter confirms
    withdrawal_refused,  // why the amount cannot be had (funds, limit, service); another or back
    withdrawing,         // authorised, the notes picked, the debit confirmed
    card_before_cash,    // the card is out first; the cash comes when it is taken
    take_cash,           // the notes wait at the slot; reminders until they are taken
    securing_cash,       // the notes go to the reject bin and the withdrawal is undone
    // A transfer (kiosk/core/README.md, "Transfer"), from the menu; its fee is quoted in
    // `quoting` as a withdrawal's is.
    payee_account,      // the customer types the payee's account number on the keypad
    transfer_amount,    // and the amount
    transfer_warning,   // the warning against the "safe account" fraud; 1 goes on
    confirm_transfer,   // payee, amount, fee and total shown and said; Enter sends
    transfer_refused,   // why it cannot be sent (funds, limit, payee, service); again or back
    transferring,       // the account service moves the money (or is asked what became of it)
    transfer_finished,  // sent, not sent, or not known: said plainly; menu or card
    // Card services (kiosk/core/README.md, "Card services"), from the menu's "more services".
    more_services,        // statement, PIN change, card lock (and forgetting elder mode); back
    fetching_statement,   // the account service is asked for the latest entries
    statement,            // the entries, newest first, or that they cannot be had now
    confirm_card_lock,    // what a lock does and how it is undone; Enter locks
    locking_card,         // the account service locks the card
    card_lock_failed,     // the card could not be locked: staff are told
    new_pin_requested,    // the PIN pad was asked to collect a new PIN, twice
    new_pin_entry,        // the pad collects the new PIN
    new_pin_again,        // and the same PIN again; the pad compares them itself
    changing_pin,         // the account service replaces the PIN
    pin_not_changed,      // the two differed, the PIN was too easy, or the service could not
    pin_change_finished,  // changed, or not known whether: said plainly; menu or card
    // Before the first customer: the withdrawals the journal left unfinished are settled
    // (kiosk/core/reconciliation.h), then the welcome screen.
    settling,
    // An engineer has the kiosk (kiosk/core/README.md, "The service menu"): where in the menu
    // is Session::service's. No customer is served meanwhile.
    service,
};

std::string_view to_string(State state);

// Why the card is being returned; it picks the screen that explains it.
enum class EndReason {
    none,
    finished,             // the customer chose to take the card
    cancelled,            // the customer pressed Cancel
    pin_locked,           // no PIN tries left
    card_unreadable,      // the reader or the chip failed
    card_unknown,         // the account service does not know the card
    card_blocked,         // the card was reported lost (a card lock); staff can unlock it
    service_unavailable,  // the account service is down, slow or answered nonsense
    pin_pad_failed,       // the PIN pad reported a failure, or went away
    card_not_accepted,    // the chip holds no application this kiosk accepts
    card_expired,         // read well, past its expiry month: the customer needs a new card
    chip_blocked,         // the issuer blocked the chip or its applications (6A81, 6283)
    card_reader_failed,   // the reader went away with the card inside
    timed_out,            // no answer to the inactivity warning
    card_removed,         // the card was pulled out mid-session
    cash_not_given,       // the withdrawal could not be completed: nothing was charged
    cash_retracted,       // the cash was not taken in time: taken back, nothing charged
    card_locked,          // the customer locked the card (a card lock): it comes back locked
    kiosk_serviced,       // an engineer turned the service switch: the kiosk closes for service
};

std::string_view to_string(EndReason reason);

// Everything the flow remembers between events. Personal data (card, balance) lives here only
// while a card is in the kiosk and is wiped when the session ends.
// What became of a PIN change (kiosk/core/README.md, "Card services").
enum class PinChangeOutcome {
    changed,         // the new PIN is in force
    entries_differ,  // the second entry was not the first (the pad compared them)
    not_allowed,     // too easy to guess, or the PIN the card has now
    unavailable,     // the service could not be reached or refused to: nothing changed
    unknown,         // no answer: whether the PIN changed is not known
};

std::string_view to_string(PinChangeOutcome outcome);

struct Session {
    State state = State::welcome;
    std::string locale = std::string(policy::k_default_locale);
    bool locale_chosen = false;  // chosen on the welcome screen: the card's preference is ignored
    bool elder_mode = false;
    bool high_contrast = false;
    TextSize text_size = TextSize::normal;
    bool headphones = false;      // plugged in: speech on the private channel, audio mode on
    bool audio_key_mode = false;  // audio mode started with the Audio key
    // The customer's sound (docs/accessibility.md, "Keypad controls"): back to the defaults
    // for the next customer.
    int volume_step = policy::k_default_volume_step;
    int rate_step = 0;  // -1 slower, 0 the mode's rate, +1 faster
    bool screen_blanked = false;
    bool speech_paused = false;
    // The customer chose to hear personal details on the speaker (EN 301 549 5.1.3.9): for
    // this customer only, and until headphones are unplugged.
    bool speaker_chosen = false;
    std::optional<base::Key> last_key;  // for star pressed twice
    // Someone has pressed a key or inserted a card since the welcome screen came back.
    bool customer_present = false;
    // Help when a customer hesitates (docs/accessibility.md, "Help when a customer hesitates"):
    // keys in a row that did nothing on this screen, and whether help was offered on it.
    int idle_keys = 0;
    bool help_offered = false;
    // Facts about the kiosk, carried over to the next customer.
    bool card_reader_missing = false;
    bool pin_pad_missing = false;
    bool voice_missing = false;
    bool printer_missing = false;
    bool dispenser_missing = false;  // no cash can be given: withdrawals are not offered
    bool journal_failed = false;     // the electronic journal cannot be written: no cash either
    // The withdrawals still to settle at start-up, in order; the one being settled is in
    // `withdrawal`.
    std::vector<UnfinishedWithdrawal> unfinished;
    // And the dispenser's self-tests the journal left unfinished, settled after them; the one
    // being settled is in `dispense_test`.
    std::vector<UnfinishedDispenseTest> unfinished_dispense_tests;
    std::optional<CardData> card;
    std::optional<Money> balance;
    // The account service's grant to change this card's remembered preferences once
    // (docs/accessibility.md, "Elder mode remembered for the card"); personal, wiped with the
    // card.
    base::SecretText preferences_grant;
    // Elder mode came from the card's remembered preference: the menu offers to forget it.
    bool elder_mode_remembered = false;
    std::optional<std::uint64_t> pending_save;  // the SavePreferences call awaiting its answer
    bool saving_elder_mode = false;             // and what it asks to remember
    int pin_digit_count = 0;
    std::optional<int> pin_tries_left;  // known after a wrong PIN
    bool pin_entry_active = false;      // the PIN pad is collecting
    std::uint64_t next_call_id = 1;     // kept across sessions so a late reply never matches
    std::optional<std::uint64_t> pending_call;
    // The card's cryptogram went with a sign-on: another sign-on (after a wrong PIN) asks the
    // card for a fresh one, and its PIN block waits here until it comes.
    bool card_authentication_used = false;
    std::optional<EncryptedPinBlock> pin_block_waiting;
    int timeout_extensions_used = 0;
    State resume_state = State::welcome;  // where staff_called and timeout_warning go back to
    EndReason end_reason = EndReason::none;
    int reminders_given = 0;
    // --- the branch (kiosk/core/README.md, "The branch") ---------------------------------------
    // Counts the kiosk's customers: a survey answer and a complaint of the same visit are linked
    // by the queue client through it, never through anything personal.
    std::uint64_t visit = 1;
    PaperLevel paper = PaperLevel::ok;  // a fact about the kiosk, carried over
    std::vector<Business> businesses;   // open ones, most common first
    int list_page = 0;                  // of the businesses or complaint categories shown
    std::optional<Business> business;   // chosen
    std::optional<PriorityReason> priority_reason;    // the green channel, with its reason
    std::optional<std::uint64_t> pending_queue_call;  // a list, ticket or complaint asked for
    std::optional<Ticket> ticket;
    std::optional<std::uint64_t> pending_print;
    std::optional<PrintResult> print_result;  // of the ticket's slip
    bool queue_refused = false;  // queue_unavailable: the business is closed, not the service
    // The call for staff of this visit, followed until it is closed or the visit ends; and what
    // the service last said of it (nothing yet while it is being placed).
    std::optional<std::uint64_t> staff_call;
    std::optional<QueueStatus> staff_call_status;
    std::optional<AssistanceCall> staff_call_news;
    // What the customer was given this visit, for the question after it: a ticket, a balance.
    std::optional<ServiceKind> service_given;
    std::optional<ComplaintCategory> complaint_category;
    std::optional<QueueStatus> complaint_status;
    std::string complaint_reference;
    // --- cash (kiosk/core/README.md, "Cash") ----------------------------------------------------
    // The account service's session from the sign-on: personal, wiped with the card, except
    // that a withdrawal being undone keeps it until the service has answered.
    std::optional<AccountSession> account;
    // The dispenser's cassettes as last reported; and where the next transaction reference
    // comes from (kiosk/core/withdrawal.h). Facts about the kiosk, carried over.
    std::vector<Cassette> cassettes;
    TransactionSeed transaction_seed{};
    std::uint64_t transactions_begun = 0;
    std::string amount_digits;           // another amount (or a transfer's), as typed so far
    std::optional<Quote> quote;          // the amount, fee and total the customer confirms
    std::optional<MoneyStatus> refusal;  // why the last request for cash was refused
    // The withdrawal under way, from its authorisation until it is settled.
    struct Withdrawal {
        TransactionReference transaction;
        WithdrawalStep step = WithdrawalStep::authorise_requested;
        Money amount;
        Money fee;
        std::vector<int> notes;   // the mix asked for
        Money dispensed;          // what the dispenser picked
        bool card_taken = false;  // at the slot, while the cash was on its way
        // Why the notes are being secured and the withdrawal undone.
        ReverseReason reverse_reason = ReverseReason::outcome_unknown;
        bool reverse_failed = false;  // the undo awaits staff and the next start-up
    };
    std::optional<Withdrawal> withdrawal;
    // The dispenser's self-test under way, or the last one (kiosk/core/dispense_test.h): a fact
    // about the kiosk, carried over, for it outlives an engineer who leaves before its notes
    // are secured, and no cash is given until they are.
    std::optional<DispenseTest> dispense_test;
    // --- transfer (kiosk/core/README.md, "Transfer") --------------------------------------------
    // The payee's account number as typed: another customer's, so wiped, and shown and said
    // only privately.
    base::SecretText payee_digits;
    // The quote asked for is a transfer's, not a withdrawal's.
    bool quoting_transfer = false;
    // The transfer sent, from its request until the customer has heard what became of it.
    struct Transfer {
        TransactionReference transaction;
        TransferStep step = TransferStep::requested;
        Money amount;
        Money fee;
        std::string payee_masked;  // "**** 3445", from the quote
        bool finding = false;      // the answer was lost: the service is asked what it holds
        int finds_left = 0;
    };
    std::optional<Transfer> transfer;
    // --- card services (kiosk/core/README.md, "Card services") ----------------------------------
    // The latest entries of the account, newest first: personal, wiped with the card. Empty
    // with `statement_unavailable` when the service could not give them.
    std::vector<StatementEntry> statement;
    bool statement_unavailable = false;
    // What the customer quotes to staff to have a locked card unlocked: the account service's,
    // about no one; shown after the session until the next customer.
    std::string card_lock_reference;
    std::optional<PinChangeOutcome> pin_change;
    // --- the service menu (kiosk/core/README.md, "The service menu") ---------------------------
    // Facts about the kiosk, carried over: the cabinet's switch; a call for the service menu
    // that waits for the customer's session to end; out of service, and why.
    bool service_switch_on = false;
    std::optional<ServiceEntry> service_wanted;
    std::optional<OutOfServiceReason> out_of_service;
    // A new configuration being installed (InstallConfiguration), and once it is, the controlled
    // restart under way: facts about the kiosk, carried over, so that an engineer who leaves
    // meanwhile does not leave the kiosk running on a file it no longer has.
    std::optional<std::uint64_t> pending_install;
    bool restarting = false;
    // The service entry keys typed so far on the welcome screen (k_service_entry_keys).
    std::size_t service_keys_typed = 0;
    // The engineer's visit, while the state is `service`.
    std::optional<ServiceVisit> service;
    std::vector<TimerId> running_timers;
    ScreenModel screen;  // the screen last shown, for speaking it again
};

// A fresh session on the welcome screen in the default locale. The headphone jack and the call
// counter are facts about the kiosk, not the customer, so they carry over.
Session new_session(const Resources& resources, const Session& previous);
Session new_session(const Resources& resources);

// Whether an inactivity time-out runs in this state (PIN entry, menu, balance, wrong PIN).
bool has_inactivity_timeout(State state);

// How long a timer runs in this session: elder and audio modes lengthen the inactivity
// time-outs (docs/accessibility.md, "Time").
int timer_milliseconds(TimerId id, const Resources& resources, const Session& session);

// Whether the customer may still ask for more time.
bool can_extend_time(const Resources& resources, const Session& session);

Channel speech_channel(const Session& session);

// How this session's speech is read: its channel, mode, rate and choices.
SpeechContext speech_context(const Resources& resources, const Session& session);

// Whether the menu offers to forget the card's remembered elder mode: it was remembered, and
// the account service's grant to change it is still unspent.
bool offers_forget_elder_mode(const Session& session);

// Whether the menu itself offers to forget it: in elder mode, with four services before it
// (MIIT's four choices), "more services" offers it instead.
bool forget_elder_mode_on_menu(const Session& session);

// Whether the customer may choose to hear personal details on the speaker: speech is on the
// speaker and they have not chosen it yet (EN 301 549 5.1.3.9).
bool offers_speaker(const Session& session);
// Whether this kiosk can give no cash now, whoever asks: the dispenser is gone, the journal
// cannot be written, or an engineer's dispense test has notes on their way to the reject bin.
bool cash_out_of_service(const Session& session);

// Audio mode: headphones plugged in or the Audio key pressed.
bool in_audio_mode(const Session& session);

// Whether a ticket's slip can be printed: the printer is there and has paper.
bool can_print(const Session& session);

// Whether the state belongs to the branch's screens, which need no card.
bool is_branch_state(State state);
// Whether the state is one of a withdrawal's screens, from the amount to the cash taken or
// secured (kiosk/core/README.md, "Cash").
bool is_cash_state(State state);
// Whether the state is one of a transfer's screens, from the payee to what became of it.
bool is_transfer_state(State state);

// Whether the device is missing in this session's knowledge.
bool is_missing(const Session& session, Device device);
// Whether a card can be taken: the reader and the PIN pad are both there.
bool can_take_cards(const Session& session);

// Whether the menu offers cash: the customer is signed on, the dispenser is there and can make
// at least one amount within today's limits.
bool offers_withdrawal(const Session& session);
// The amounts the amount screen offers, in this session's mode.
std::vector<Money> withdrawal_amounts(const Session& session);
// The currency of the customer's account.
std::string account_currency(const Session& session);
// The other amount typed so far (amount_digits), in whole units of the account's currency.
Money typed_amount(const Session& session);
// Whether the state is one of the card services' screens, from "more services" to their end.
bool is_card_service_state(State state);
// Whether the state waits for the PIN pad to collect a new PIN, or collects it.
bool collects_new_pin(State state);
// Whether the state waits for the account service's answer to a card service: the statement,
// the card lock, the PIN change.
bool awaits_card_service(State state);

// Whether the menu offers a transfer: the customer is signed on, today's transfer limit is not
// spent, and the electronic journal can be written (no money moves without its record).
bool offers_transfer(const Session& session);

}  // namespace kiosk::core
