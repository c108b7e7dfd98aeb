#pragma once

// The inside of step() (flow.h), private to the files that make it up: flow.cpp,
// flow_blocks.cpp, flow_transitions.cpp, flow_keys.cpp and flow_events.cpp include it, nothing
// else does (kiosk/core/README.md names what each file holds). A Flow does one event's worth of
// work: it changes the session and collects the effects for the shell, in order.

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/keys.h"
#include "kiosk/core/effects.h"
#include "kiosk/core/events.h"
#include "kiosk/core/flow.h"
#include "kiosk/core/resources.h"
#include "kiosk/core/screens.h"
#include "kiosk/core/session.h"
#include "kiosk/core/speech_script.h"

namespace kiosk::core::flow_steps {

class Flow {
  public:
    // `customer_caused`: the event is something the customer did, so its speech may cut what
    // is being said.
    Flow(const Resources& resources, Session session, bool customer_caused);

    Step finish() &&;

    // --- events (flow_events.cpp; KeyPressed in flow_keys.cpp) -------------------------------
    // Whether the event means something in the current state. step() hands an event that fits
    // to its handler and one that does not to ignore(), so no handler checks it again.
    bool fits(const Event& event) const;
    // An event that does not fit changes nothing but the journal: event_ignored, or stale_reply
    // and stale_timer for the late answers of a call or a timer (docs/architecture.md, "Flows
    // are update functions").
    void ignore(const Event& event);

    void handle(const Started& event);
    void handle(const KeyPressed& event);
    void handle(const CardInserted& event);
    void handle(const CardRead& event);
    void handle(const CardReadFailed& event);
    void handle(const CardRemoved& event);
    void handle(const CardAuthenticationRenewed& event);
    void handle(const PinEntryReady& event);
    void handle(const PinDigitEntered& event);
    void handle(const PinCleared& event);
    void handle(const PinEntered& event);
    void handle(const PinEntryCancelled& event);
    void handle(const NewPinAgain& event);
    void handle(const NewPinsDiffer& event);
    void handle(const PinEntryFailed& event);
    void handle(const DeviceFailed& event);
    void handle(const DeviceMissing& event);
    void handle(const DeviceReturned& event);
    void handle(const SpeechEnded& event);
    void handle(const HeadphonesPlugged& event);
    void handle(const HeadphonesUnplugged& event);
    void handle(const ReplyReceived& event);
    void handle(const PreferencesSaved& event);
    void handle(const MoneyReplyReceived& event);
    void handle(const CashDispensed& event);
    void handle(const CashPresented& event);
    void handle(const CashTaken& event);
    void handle(const CashRetracted& event);
    void handle(const CashRejected& event);
    void handle(const DispenserReported& event);
    void handle(const JournalFailed& event);
    void handle(const ServiceSwitchChanged& event);
    void handle(const SignInChecked& event);
    void handle(const AccountsAnswered& event);
    void handle(const DevicesReported& event);
    void handle(const NetworkChecked& event);
    void handle(const FaultsReported& event);
    void handle(const CountersReported& event);
    void handle(const KeyCeremonyProgressed& event);
    void handle(const WorkingKeysFetched& event);
    void handle(const KeyCeremonyCommitted& event);
    void handle(const RecordsExported& event);
    void handle(const ConfigurationRead& event);
    void handle(const ConfigurationReviewed& event);
    void handle(const ConfigurationInstalled& event);
    // The branch queue service's answers and the printer's news (flow_branch.cpp).
    void handle(const BusinessesListed& event);
    void handle(const TicketIssued& event);
    void handle(const StaffCallChanged& event);
    void handle(const ComplaintFiled& event);
    void handle(const PaperChanged& event);
    void handle(const PrintFinished& event);
    void handle(const TimerFired& event);

  private:
    // --- what events fit (flow_events.cpp) ---------------------------------------------------
    bool card_in_kiosk() const;
    bool pin_pad_collecting_in(std::initializer_list<State> states) const;
    bool awaits_cash(WithdrawalStep step, const TransactionReference& transaction) const;

    // --- building blocks (flow_blocks.cpp) ---------------------------------------------------
    void emit(Effect effect);
    void journal(std::string_view event, std::string detail = {});
    // A step of the audit trail: journaled, and kept in the electronic journal (effects.h).
    void audit(std::string_view event, std::string detail = {});
    SpeechContext speech_context() const;
    // Shows a screen and speaks the same model.
    void show(ScreenId id);
    void show_answer(ScreenId id);
    // Shows the screen again without speaking it (the PIN field's dots).
    void refresh(ScreenId id);
    // Redraws the screen when its choices depend on the speech channel, which just changed.
    void refresh_channel_choices();
    // The customer chose to hear the private details on the speaker: the screen again, aloud.
    void choose_speaker();
    // Speaks the current screen again, after the given catalog phrases.
    void speak_screen_again(std::initializer_list<std::string_view> phrase_keys = {});
    void speak_phrase(std::string_view key);
    // Says the lines of the screen shown that `said` keeps, as the screen says them.
    void say_screen_lines(const std::function<bool(const Element&)>& said);
    void speak_text(std::string text);
    // Every Speak goes out here: after the key's own name in audio mode, and interrupting only
    // when the customer caused it.
    void say(std::vector<Utterance> utterances);
    // In audio mode a key says its name before what it does (docs/accessibility.md, "Keypad
    // controls").
    void announce_key(base::Key key);
    // A new screen: help may be offered on it again.
    void note_new_screen(const std::string& previous_id);
    bool timer_running(TimerId id) const;
    void start_timer(TimerId id);
    void cancel_timer(TimerId id);
    void cancel_all_timers();
    // The customer did something: the inactivity time-out starts again where one runs.
    void note_activity();
    // A new timing (audio mode on or off) applies to an inactivity time-out already running.
    void restart_inactivity_if_running();
    void cancel_pin_entry();
    void cancel_call();
    void notify_staff(std::string reason, AssistanceReason kind = AssistanceReason::device_fault);
    // Places this visit's call for staff, unless one is open or kept already.
    void place_staff_call(AssistanceReason reason);
    // Stops following the visit's call for staff: the visit is over.
    void forget_staff_call();
    void wipe_customer_data();
    void release_session();
    // A fresh session for the next customer; the sound and screen the last one changed go back
    // to their defaults.
    void begin_new_session();
    // The speech has ended: repeated speech (reminders, the tour) and help on hesitation start
    // their intervals now.
    void after_speech();
    bool offers_help_on_hesitation() const;
    void offer_help();

    // --- the service menu (flow_service.cpp) -------------------------------------------------
  public:
    // After every event: the service menu takes over when it is wanted and the customer is done.
    void hand_over_if_due();

  private:
    void request_service(ServiceEntry entry);
    void enter_service(ServiceEntry entry);
    void leave_service(std::string_view why);
    bool track_service_keys(base::Key key);
    void service_key(base::Key key);
    void sign_in_key(base::Key key);
    void clear_sign_in_field();
    void check_sign_in();
    void service_menu_key(base::Key key);
    void out_of_service_reason_key(base::Key key);
    void show_service_menu();
    void ask_devices();
    void devices_key(base::Key key);
    void device_key(base::Key key);
    void ask_faults();
    void faults_key(base::Key key);
    void ask_counters();
    void counters_key(base::Key key);
    void check_network();
    void network_key(base::Key key);
    void export_records();
    void export_key(base::Key key);
    void self_tests_key(base::Key key);
    void print_test_slip();
    void test_slip_printed(const PrintFinished& event);
    void key_test_key(base::Key key);
    void sign_out(std::string_view why);
    // The key ceremony (flow_ceremony.cpp).
    void begin_partner_sign_in();
    void partner_checked(const SignInChecked& event);
    void ceremony_key(base::Key key);
    void say_component_turn(bool first);
    void commit_ceremony();
    void end_ceremony(CeremonyEnd end, const std::string& problem);
    void abandon_ceremony_on_pad();
    void leave_ceremony();
    // The engineers' accounts (flow_accounts.cpp).
    void ask_accounts();
    void accounts_key(base::Key key);
    void show_accounts(const AccountsAnswered& event);
    void account_id_key(base::Key key);
    void account_remove_confirm_key(base::Key key);
    void account_role_key(base::Key key);
    bool type_secret_key(base::SecretText& field, base::Key key, std::size_t maximum,
                         ScreenId screen);
    void account_password_key(base::Key key);
    void enrol_account();
    void enrolment_answered(const AccountsAnswered& event);
    void print_enrolment_slip();
    void enrolment_slip_printed(const PrintFinished& event);
    void account_enrolling_key(base::Key key);
    void account_code_key(base::Key key);
    void leave_enrolment();
    // The configuration (flow_configuration.cpp).
    void read_configuration();
    void configuration_key(base::Key key);
    void review_configuration();
    void configuration_change_key(base::Key key);
    void restart_kiosk();
    void service_timer(TimerId id);
    void refuse_card_for_service();
    // The card reader's test (flow_service.cpp).
    bool card_test_at(CardTestStage stage) const;
    void card_test_key(base::Key key);
    void card_test_inserted();
    void card_test_done(std::optional<CardFault> fault, bool cryptogram, std::string_view detail);
    void card_test_removed();
    void give_back_test_card();
    // The dispenser's test (flow_dispense_test.cpp): a note from each cassette, picked and
    // moved to the reject bin, each step journaled as a withdrawal's is; and, at start-up, a
    // test the journal left unfinished settled after the withdrawals.
    void dispense_test_key(base::Key key);
    void start_dispense_test();
    std::optional<DispenseTestRefusal> dispense_test_refusal() const;
    bool dispense_test_in_flight() const;
    bool awaits_dispense_test(DispenseTestStep step, const TransactionReference& transaction) const;
    void journal_dispense_test(DispenseTestStep step, std::string detail = {});
    void dispense_test_dispensed(const CashDispensed& event);
    void dispense_test_rejected(const CashRejected& event);
    void end_dispense_test(DispenseTestStep step, std::string detail);
    void settle_dispense_test_with(const DispenserReported& report);

    // --- transitions (flow_transitions.cpp) --------------------------------------------------
    void enter_welcome();
    void begin_reading_card();
    void begin_pin_entry();
    void enter_interactive(State state);
    void resume();
    void call_staff_screen(AssistanceReason reason = AssistanceReason::customer_request);
    void warn_of_timeout();
    void extend_time();
    void end_session(EndReason reason);
    void fail_pin_pad(std::string reason);
    void fail_service(std::string_view what);
    // Sends the sign-on with the card's cryptogram, which it uses up.
    void sign_on(const EncryptedPinBlock& block);
    void say_goodbye();
    void choose_locale(const std::string& locale);
    // The PIN is verified: the card's remembered elder mode applies, or the customer who chose
    // it is asked whether it should be remembered; then the menu.
    void after_verification(const std::optional<CardPreferences>& preferences);
    void start_audio_mode();
    void open_sound_screen();
    void open_settings();
    void lose_device(Device device);
    void regain_device(Device device);

    // --- keys (flow_keys.cpp) ----------------------------------------------------------------
    void accept_key();
    void reject_key();
    void help_key();
    void welcome_key(base::Key key);
    void menu_key(base::Key key);
    void balance_key(base::Key key);
    void wrong_pin_key(base::Key key);
    void timeout_warning_key(base::Key key);
    void settings_key(base::Key key);
    void remember_key(base::Key key);
    // Asks the account service to remember (or forget) elder mode for the card, spending the
    // grant of its balance reply.
    void save_elder_mode(bool elder_mode);
    void sound_key(base::Key key);

    // --- the branch (flow_branch.cpp) ----------------------------------------------------------
    // Keys on the branch's screens; false when the state is not one of them.
    bool branch_key(base::Key key);
    void choose_language_key(base::Key key);
    void choose_business_key(base::Key key);
    void guidance_key(base::Key key);
    void green_channel_key(base::Key key);
    void survey_key(base::Key key);
    void not_satisfied_key(base::Key key);
    void complaint_category_key(base::Key key);
    void complaint_consent_key(base::Key key);
    void start_ticket();
    void open_languages();
    void request_ticket(Priority priority, std::optional<PriorityReason> reason);
    void show_ticket(std::optional<PrintResult> printed);
    void fail_queue(QueueStatus status);
    void begin_survey();
    void answer_survey(Rating rating);
    void file_complaint(bool contact_consent);
    // Back to the welcome screen, in the same visit: the customer may do something else.
    void leave_to_welcome();
    void next_list_page(ScreenId id);
    void start_queue_call(std::uint64_t call_id);
    void end_queue_call();
    // News of the visit's call for staff: shown on the staff screen, said elsewhere.
    void hear_staff_news();

    // --- cash (flow_cash.cpp) ----------------------------------------------------------------
    // Keys on the cash screens; false when the state is not one of them.
    bool cash_key(base::Key key);
    // Between the authorisation and its settling: the withdrawal must run to its end.
    bool withdrawal_in_flight() const;
    bool refused_out_of_service();
    void begin_withdrawal();
    void choose_amount_key(base::Key key);
    void other_amount_key(base::Key key);
    void confirm_withdrawal_key(base::Key key);
    // What was typed so far (the input field, `typed` characters): in full on the headphones;
    // on the speaker only the empty field, or the privacy phrase at the first character.
    void say_typed_field(std::size_t typed);
    // Adds a digit to the amount typed (other_amount, transfer_amount) with the key's tone, or
    // refuses it (a leading zero, one too many) with the error tone; whether it was added.
    bool type_amount_digit(int digit);
    // Private words outside a screen (a digit typed in the headphones).
    void say_private(std::string text);
    // An account service call of the customer's session: awaited, with its safety net.
    void start_account_call(AccountRequest request);
    void request_quote(const Money& amount);
    // Journals the withdrawal's step with its transaction record (kiosk/core/reconciliation.h).
    void journal_step(WithdrawalStep step, std::string detail = {});
    void authorise_withdrawal();
    void dispense_notes();
    void present_cash();
    void secure_cash(ReverseReason reason);
    void reverse_withdrawal(ReverseReason reason);
    void hold_for_engineer(std::string reason);
    void finish_withdrawal_undone();
    void take_card_during_withdrawal();
    // Settling at start-up what the journal left unfinished (flow_settle.cpp): one withdrawal
    // at a time, each from the dispenser's word on where its notes are, then the dispense tests
    // likewise, then the welcome screen.
    void begin_settling(std::vector<UnfinishedWithdrawal> unfinished,
                        std::vector<UnfinishedDispenseTest> tests);
    void settle_next();
    void settle_with(const DispenserReported& report);
    void settle_confirm_answered(const MoneyReply& reply);
    bool settling_awaits_dispenser() const;
    // --- transfer (flow_transfer.cpp) ---------------------------------------------------------
    // Keys on the transfer screens; false when the state is not one of them.
    bool transfer_key(base::Key key);
    void begin_transfer();
    void leave_transfer();
    // What the customer typed and was quoted for a transfer is forgotten.
    void forget_transfer();
    void payee_key(base::Key key);
    void transfer_amount_key(base::Key key);
    void confirm_transfer_key(base::Key key);
    // Journals the transfer's step with its transaction record; the payee is never in it.
    void journal_transfer(TransferStep step, std::string detail = {});
    void send_transfer();
    void transfer_quoted(const MoneyReply& reply);
    void transfer_answered(const MoneyReply& reply);
    void remember_limit_left(const MoneyReply& reply);
    void finish_transfer();

    // --- card services (flow_card_services.cpp) ----------------------------------------------
    // Keys on the card services' screens; false when the state is not one of them.
    bool card_service_key(base::Key key);
    void more_services_key(base::Key key);
    void leave_card_services();
    void begin_pin_change();
    // The pad gave the new PIN's block (PinEntered while collecting it).
    void change_pin(const EncryptedPinBlock& block);
    void finish_pin_change(PinChangeOutcome outcome);
    // The account service answered the statement, the card lock or the PIN change.
    void card_service_answered(const MoneyReply& reply);

    // A timer of the cash screens fired (the reminders, the wait for card and cash, the safety
    // nets of the dispenser and the account service).
    void cash_timer(TimerId id);

    const Resources& m_resources;
    Session m_session;
    std::vector<Effect> m_effects;
    bool m_customer_caused = false;
    std::optional<Utterance> m_key_name;  // said before the key's own speech
};

}  // namespace kiosk::core::flow_steps
