#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "base/keys.h"
#include "kiosk/core/resources.h"
#include "kiosk/core/screen.h"
#include "kiosk/core/session.h"

namespace kiosk::core {

// Every screen the flows show. Each screen's messages live under the catalog section of the
// same name ("welcome.title", "error_pin_locked.next", ...).
enum class ScreenId {
    welcome,
    settings,
    sound,
    reading_card,
    pin_entry,
    verifying,
    remember_elder_mode,
    menu,
    balance,
    wrong_pin,
    staff_called,
    timeout_warning,
    take_card,
    cancelled,
    error_pin_locked,
    error_card_unreadable,
    error_card_unknown,
    error_card_blocked,
    error_service_unavailable,
    error_pin_pad,
    error_card_not_accepted,
    error_card_expired,
    error_chip_blocked,
    error_card_reader,
    timed_out,
    goodbye,
    choose_language,
    fetching_businesses,
    choose_business,
    business_guidance,
    green_channel,
    issuing_ticket,
    ticket,
    queue_unavailable,
    survey,
    not_satisfied,
    complaint_category,
    complaint_consent,
    filing_complaint,
    complaint_filed,
    calling_staff,
    staff_on_the_way,
    staff_call_kept,
    staff_call_failed,
    choose_amount,
    other_amount,
    quoting,
    confirm_withdrawal,
    withdrawal_refused,
    withdrawing,
    card_before_cash,
    take_cash,
    securing_cash,
    error_cash_not_given,
    cash_retracted,
    settling,
    payee_account,
    transfer_amount,
    transfer_warning,
    confirm_transfer,
    transfer_refused,
    transferring,
    transfer_done,
    transfer_not_done,
    transfer_unknown,
    more_services,
    fetching_statement,
    statement,
    confirm_card_lock,
    locking_card,
    card_lock_failed,
    card_locked,
    new_pin,
    new_pin_again,
    changing_pin,
    pin_not_changed,
    pin_changed,
    pin_change_unknown,
    // The service menu (kiosk/core/README.md, "The service menu"), and what customers see of it.
    closing_for_service,
    out_of_service,
    service_sign_in,
    service_checking,
    service_locked,
    service_menu,
    service_reason,
    service_devices,
    service_device,
    service_network,
    service_faults,
    service_tests,
    service_key_test,
    service_partner_sign_in,
    service_ceremony,
    service_ceremony_check,
    service_ceremony_result,
    service_export,
    service_configuration,
    service_configuration_change,
    service_card_test,
    service_dispense_test,
    service_counters,
    service_accounts,
    service_account_remove,
    service_account_remove_confirm,
    service_account_add,
    service_account_role,
    service_account_password,
    service_account_enrolling,
    service_account_code,
};

inline constexpr std::array k_all_screen_ids{
    ScreenId::welcome,
    ScreenId::settings,
    ScreenId::sound,
    ScreenId::reading_card,
    ScreenId::pin_entry,
    ScreenId::verifying,
    ScreenId::remember_elder_mode,
    ScreenId::menu,
    ScreenId::balance,
    ScreenId::wrong_pin,
    ScreenId::staff_called,
    ScreenId::timeout_warning,
    ScreenId::take_card,
    ScreenId::cancelled,
    ScreenId::error_pin_locked,
    ScreenId::error_card_unreadable,
    ScreenId::error_card_unknown,
    ScreenId::error_card_blocked,
    ScreenId::error_service_unavailable,
    ScreenId::error_pin_pad,
    ScreenId::error_card_not_accepted,
    ScreenId::error_card_expired,
    ScreenId::error_chip_blocked,
    ScreenId::error_card_reader,
    ScreenId::timed_out,
    ScreenId::goodbye,
    ScreenId::choose_language,
    ScreenId::fetching_businesses,
    ScreenId::choose_business,
    ScreenId::business_guidance,
    ScreenId::green_channel,
    ScreenId::issuing_ticket,
    ScreenId::ticket,
    ScreenId::queue_unavailable,
    ScreenId::survey,
    ScreenId::not_satisfied,
    ScreenId::complaint_category,
    ScreenId::complaint_consent,
    ScreenId::filing_complaint,
    ScreenId::complaint_filed,
    ScreenId::calling_staff,
    ScreenId::staff_on_the_way,
    ScreenId::staff_call_kept,
    ScreenId::staff_call_failed,
    ScreenId::choose_amount,
    ScreenId::other_amount,
    ScreenId::quoting,
    ScreenId::confirm_withdrawal,
    ScreenId::withdrawal_refused,
    ScreenId::withdrawing,
    ScreenId::card_before_cash,
    ScreenId::take_cash,
    ScreenId::securing_cash,
    ScreenId::error_cash_not_given,
    ScreenId::cash_retracted,
    ScreenId::settling,
    ScreenId::payee_account,
    ScreenId::transfer_amount,
    ScreenId::transfer_warning,
    ScreenId::confirm_transfer,
    ScreenId::transfer_refused,
    ScreenId::transferring,
    ScreenId::transfer_done,
    ScreenId::transfer_not_done,
    ScreenId::transfer_unknown,
    ScreenId::more_services,
    ScreenId::fetching_statement,
    ScreenId::statement,
    ScreenId::confirm_card_lock,
    ScreenId::locking_card,
    ScreenId::card_lock_failed,
    ScreenId::card_locked,
    ScreenId::new_pin,
    ScreenId::new_pin_again,
    ScreenId::changing_pin,
    ScreenId::pin_not_changed,
    ScreenId::pin_changed,
    ScreenId::pin_change_unknown,
    ScreenId::closing_for_service,
    ScreenId::out_of_service,
    ScreenId::service_sign_in,
    ScreenId::service_checking,
    ScreenId::service_locked,
    ScreenId::service_menu,
    ScreenId::service_reason,
    ScreenId::service_devices,
    ScreenId::service_device,
    ScreenId::service_network,
    ScreenId::service_faults,
    ScreenId::service_tests,
    ScreenId::service_key_test,
    ScreenId::service_partner_sign_in,
    ScreenId::service_ceremony,
    ScreenId::service_ceremony_check,
    ScreenId::service_ceremony_result,
    ScreenId::service_export,
    ScreenId::service_configuration,
    ScreenId::service_configuration_change,
    ScreenId::service_card_test,
    ScreenId::service_dispense_test,
    ScreenId::service_counters,
    ScreenId::service_accounts,
    ScreenId::service_account_remove,
    ScreenId::service_account_remove_confirm,
    ScreenId::service_account_add,
    ScreenId::service_account_role,
    ScreenId::service_account_password,
    ScreenId::service_account_enrolling,
    ScreenId::service_account_code,
};

// The screen id as it appears in ScreenModel::id and the transcript.
std::string_view to_string(ScreenId id);

// Whether the screen only says "please wait" while the kiosk waits for a service, the printer
// or the dispenser: its speech gives way to the screen that follows.
bool says_please_wait(std::string_view screen_id);

// The keys each screen answers to: one home, shared by the screens and the flow.
inline constexpr base::Key k_welcome_elder_mode_key = base::Key::digit_4;
inline constexpr base::Key k_welcome_settings_key = base::Key::digit_5;
inline constexpr base::Key k_welcome_ticket_key = base::Key::digit_6;
inline constexpr base::Key k_welcome_call_staff_key = base::Key::digit_7;
// Elder mode's welcome screen keeps to four choices: the languages are one key away.
inline constexpr base::Key k_welcome_languages_key = base::Key::digit_1;
inline constexpr base::Key k_language_back_key = base::Key::cancel;
inline constexpr base::Key k_settings_text_size_key = base::Key::digit_1;
inline constexpr base::Key k_settings_contrast_key = base::Key::digit_2;
inline constexpr base::Key k_settings_elder_mode_key = base::Key::digit_3;
inline constexpr base::Key k_settings_done_key = base::Key::enter;
inline constexpr base::Key k_sound_louder_key = base::Key::digit_1;
inline constexpr base::Key k_sound_quieter_key = base::Key::digit_2;
inline constexpr base::Key k_sound_rate_key = base::Key::digit_3;
inline constexpr base::Key k_sound_screen_key = base::Key::digit_4;
inline constexpr base::Key k_sound_back_key = base::Key::enter;
inline constexpr base::Key k_remember_yes_key = base::Key::digit_1;
inline constexpr base::Key k_remember_no_key = base::Key::digit_2;
inline constexpr base::Key k_menu_balance_key = base::Key::digit_1;
inline constexpr base::Key k_menu_take_card_key = base::Key::digit_2;
inline constexpr base::Key k_menu_call_staff_key = base::Key::digit_3;
// Only when elder mode came from the card's remembered preference.
inline constexpr base::Key k_menu_forget_elder_mode_key = base::Key::digit_4;
inline constexpr base::Key k_balance_back_key = base::Key::digit_1;
inline constexpr base::Key k_balance_take_card_key = base::Key::digit_2;
inline constexpr base::Key k_balance_aloud_key = base::Key::digit_3;  // without headphones
inline constexpr base::Key k_menu_withdraw_key = base::Key::digit_5;
// Cash (kiosk/core/README.md, "Cash"): the amounts offered are on 1 to 4; a confirmation is on
// Enter, never on the digit that asked for it; Cancel goes back a screen.
inline constexpr base::Key k_amount_other_key = base::Key::digit_5;
inline constexpr base::Key k_amount_back_key = base::Key::cancel;
inline constexpr base::Key k_other_amount_confirm_key = base::Key::enter;
inline constexpr base::Key k_other_amount_clear_key = base::Key::clear;
inline constexpr base::Key k_other_amount_back_key = base::Key::cancel;
inline constexpr base::Key k_withdrawal_confirm_key = base::Key::enter;
inline constexpr base::Key k_withdrawal_back_key = base::Key::cancel;
inline constexpr base::Key k_withdrawal_aloud_key = base::Key::digit_3;  // without headphones
inline constexpr base::Key k_refused_other_amount_key = base::Key::digit_1;
inline constexpr base::Key k_refused_back_key = base::Key::cancel;
// Transfer (kiosk/core/README.md, "Transfer"): begun on 6, gone on with 1 past the fraud
// warning, and sent with Enter: three different keys, so no key pressed again and again can
// send money.
inline constexpr base::Key k_menu_transfer_key = base::Key::digit_6;
inline constexpr base::Key k_typing_confirm_key = base::Key::enter;  // the payee, the amount
inline constexpr base::Key k_typing_clear_key = base::Key::clear;
inline constexpr base::Key k_typing_back_key = base::Key::cancel;
inline constexpr base::Key k_warning_continue_key = base::Key::digit_1;
inline constexpr base::Key k_warning_stop_key = base::Key::cancel;
inline constexpr base::Key k_transfer_confirm_key = base::Key::enter;
inline constexpr base::Key k_transfer_back_key = base::Key::cancel;
inline constexpr base::Key k_transfer_aloud_key = base::Key::digit_3;  // without headphones
inline constexpr base::Key k_transfer_again_key = base::Key::digit_1;
inline constexpr base::Key k_transfer_refused_back_key = base::Key::cancel;
inline constexpr base::Key k_finished_menu_key = base::Key::digit_1;
inline constexpr base::Key k_finished_take_card_key = base::Key::digit_2;
// Card services (kiosk/core/README.md, "Card services").
inline constexpr base::Key k_menu_more_key = base::Key::digit_7;
inline constexpr base::Key k_more_statement_key = base::Key::digit_1;
inline constexpr base::Key k_more_change_pin_key = base::Key::digit_2;
inline constexpr base::Key k_more_lock_card_key = base::Key::digit_3;
inline constexpr base::Key k_more_forget_elder_mode_key = base::Key::digit_4;
inline constexpr base::Key k_more_back_key = base::Key::cancel;
inline constexpr base::Key k_statement_back_key = base::Key::digit_1;
inline constexpr base::Key k_statement_take_card_key = base::Key::digit_2;
inline constexpr base::Key k_statement_aloud_key = base::Key::digit_3;  // without headphones
// Locking is confirmed with a key of its own: begun on 7 and 3, done on Enter.
inline constexpr base::Key k_lock_confirm_key = base::Key::enter;
inline constexpr base::Key k_lock_back_key = base::Key::cancel;
inline constexpr base::Key k_new_pin_back_key = base::Key::cancel;
inline constexpr base::Key k_pin_change_again_key = base::Key::digit_1;
inline constexpr base::Key k_pin_change_back_key = base::Key::cancel;
inline constexpr base::Key k_wrong_pin_retry_key = base::Key::digit_1;
inline constexpr base::Key k_wrong_pin_cancel_key = base::Key::cancel;
inline constexpr base::Key k_timeout_extend_key = base::Key::enter;
// The branch's screens. A list (businesses, complaint subjects) numbers its page from 1 and
// shows the next page on 9.
inline constexpr base::Key k_list_more_key = base::Key::digit_9;
inline constexpr base::Key k_guidance_take_key = base::Key::digit_1;
inline constexpr base::Key k_guidance_green_key = base::Key::digit_2;
inline constexpr base::Key k_guidance_other_key = base::Key::digit_3;
inline constexpr base::Key k_green_older_key = base::Key::digit_1;
inline constexpr base::Key k_green_disability_key = base::Key::digit_2;
inline constexpr base::Key k_green_pregnancy_key = base::Key::digit_3;
inline constexpr base::Key k_green_back_key = base::Key::digit_4;
inline constexpr base::Key k_ticket_done_key = base::Key::digit_1;
inline constexpr base::Key k_unavailable_call_staff_key = base::Key::digit_1;
inline constexpr base::Key k_unavailable_done_key = base::Key::digit_2;
inline constexpr base::Key k_survey_satisfied_key = base::Key::digit_1;
inline constexpr base::Key k_survey_neutral_key = base::Key::digit_2;
inline constexpr base::Key k_survey_not_satisfied_key = base::Key::digit_3;
inline constexpr base::Key k_not_satisfied_staff_key = base::Key::digit_1;
inline constexpr base::Key k_not_satisfied_complaint_key = base::Key::digit_2;
inline constexpr base::Key k_not_satisfied_done_key = base::Key::digit_3;
inline constexpr base::Key k_consent_contact_key = base::Key::digit_1;
inline constexpr base::Key k_consent_no_contact_key = base::Key::digit_2;
inline constexpr base::Key k_complaint_done_key = base::Key::digit_1;
// Hears the current screen again (docs/accessibility.md: the customer can repeat speech from the
// keypad). No screen offers 0 as a choice, so it is free everywhere but PIN entry.
inline constexpr base::Key k_repeat_key = base::Key::digit_0;
// The speech keys (docs/accessibility.md, "Keypad controls").
inline constexpr base::Key k_repeat_sentence_key = base::Key::star;
inline constexpr base::Key k_pause_key = base::Key::hash;
inline constexpr base::Key k_audio_key = base::Key::audio;

// The language a welcome-screen key selects: policy::offered_locales in order on keys 1, 2, 3,
// each only when its catalog is loaded.
std::optional<std::string> welcome_locale_for_key(base::Key key, const Resources& resources);

// The service menu's screen for the engineer's step (screens_service.cpp).
ScreenId service_screen_for(const Session& session);

// The screen that belongs to the session's state (for the returning_card state, the one that
// explains why the card is returned).
ScreenId screen_for(const Session& session);

// Builds a screen in the session's locale and theme from the session's data.
ScreenModel build_screen(ScreenId id, const Resources& resources, const Session& session);

// The items a list screen shows on the session's page: their indexes into the whole list.
struct ListPage {
    std::size_t first = 0;
    std::size_t count = 0;
    bool has_more = false;  // more than one page: 9 shows the next (after the last, the first)
};
ListPage list_page(std::size_t items, const Session& session);

// The complaint subjects in the order the screen lists them.
inline constexpr std::array k_complaint_categories{
    ComplaintCategory::waiting_time,  ComplaintCategory::staff_attitude,
    ComplaintCategory::machine_fault, ComplaintCategory::fees,
    ComplaintCategory::privacy,       ComplaintCategory::other,
};

// The text of the PIN field: one dot per digit the PIN pad reports, never the digits.
std::string pin_dots(int count);

}  // namespace kiosk::core
