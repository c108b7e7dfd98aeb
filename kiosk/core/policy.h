#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace kiosk::core {

// Every duration and number the customer flows depend on has its home here (docs/style.md,
// "Numbers"). The values are defaults; Resources carries a Policy so a deployment can tune them.
namespace policy {

// Inactivity on an interactive screen (PIN entry, menu, balance) before the customer is asked
// whether they need more time.
inline constexpr int k_inactivity_timeout_ms = 30'000;
// Time to answer that question: WCAG 2.2.1 asks for at least 20 seconds.
inline constexpr int k_inactivity_warning_ms = 20'000;
// WCAG 2.2.1: the customer can extend at least ten times.
inline constexpr int k_maximum_timeout_extensions = 10;
// docs/accessibility.md, "Time": elder mode and audio mode double the time-outs. Either mode gives
// the factor once; they do not compound.
inline constexpr int k_slow_mode_timeout_factor = 2;

// "Please take your card" is repeated at this interval until the card is taken.
inline constexpr int k_card_reminder_interval_ms = 8'000;
// After this many reminders the lobby staff are told that a card is left in the reader.
inline constexpr int k_reminders_before_staff = 6;
// How long the goodbye screen stays before the welcome screen comes back.
inline constexpr int k_goodbye_ms = 5'000;
// Safety nets: the reader and the account service report their own time-outs, these only
// catch a report that never comes.
inline constexpr int k_card_read_timeout_ms = 20'000;
inline constexpr int k_service_call_timeout_ms = 45'000;
// The queue client gives up on a request after 8 s (kiosk/net/queue_client.h) and answers at
// once when it keeps one for later; a customer is never left waiting longer than this.
inline constexpr int k_queue_call_timeout_ms = 20'000;
// The PIN pad answers START PIN ENTRY within milliseconds; one that has not confirmed within
// this is out of order, and the customer is told so rather than left at a silent screen.
inline constexpr int k_pin_pad_ready_timeout_ms = 5'000;

// Help when a customer hesitates (docs/accessibility.md): no key for this long after a choice
// screen has been said, or this many keys in a row that do nothing, bring an offer of a person.
// Well inside the inactivity time-out, so help comes before the warning.
inline constexpr int k_hesitation_ms = 15'000;
inline constexpr int k_keys_before_help = 3;
// The orientation tour is said again this long after it ended, until a card is inserted.
inline constexpr int k_tour_repeat_ms = 10'000;

// eSpeak NG rates in words per minute (docs/platform-facts.md: 175 is normal); elder mode speaks
// slower (docs/accessibility.md, "Rate").
inline constexpr int k_standard_rate_wpm = 175;
inline constexpr int k_elder_rate_wpm = 130;

// The customer's volume steps (EN 301 549 5.1.3.11-13): the speaker's gain per step is in
// kiosk/speech/volume.h. Every session starts at the default step.
inline constexpr int k_minimum_volume_step = 1;
inline constexpr int k_maximum_volume_step = 5;
inline constexpr int k_default_volume_step = 3;

// The customer's speech rate steps around the mode's rate, in words per minute.
inline constexpr int k_rate_step_wpm = 25;
inline constexpr int k_slowest_rate_wpm = 90;
inline constexpr int k_fastest_rate_wpm = 250;

// MIIT elder-friendly specification: at most 4 choices per screen in elder mode.
inline constexpr int k_elder_maximum_choices = 4;
// A list (businesses, complaint subjects) shows this many on a page, the rest under "more":
// elder mode the four most common first (docs/service-standards.md), the standard screen eight.
inline constexpr int k_elder_list_page = 4;
inline constexpr int k_standard_list_page = 8;
// A statement shows the newest entries the account service gives (at most 10): elder mode's
// larger text fits three, the standard screen five.
inline constexpr int k_elder_statement_entries = 3;
inline constexpr int k_standard_statement_entries = 5;

// Cash (kiosk/core/README.md, "Cash"): the customer has this long to take the card, and then
// the cash, before the notes are taken back and the account is not charged; elder and audio
// modes double it. Reminders come at the card reminder interval meanwhile.
inline constexpr int k_cash_wait_ms = 30'000;
// Safety net: the dispenser's model answers every command itself within its own time-outs
// (kiosk/devices/dispenser_service.h); one that has not answered by now is out of order.
inline constexpr int k_dispenser_timeout_ms = 60'000;
// The amounts offered at once, in whole units of the account's currency, most common first;
// elder mode offers the first two (with "another amount" and "back": four choices).
inline constexpr std::array<int, 4> k_withdrawal_presets{100, 200, 500, 1000};
inline constexpr std::size_t k_elder_withdrawal_presets = 2;
// Another amount: at most this many digits (99,999 units is above every limit).
inline constexpr std::size_t k_maximum_amount_digits = 5;

// The longest PIN a PIN pad will collect (ISO 9564-1: 4 to 12 digits).
inline constexpr int k_maximum_pin_digits = 12;

// The kiosk's home language, and the languages offered on the welcome screen in this order,
// each selected by the digit key of its position (1, 2, 3).
// The service menu's sign-in (kiosk/core/README.md, "The service menu"): after this many
// failures in a row nobody signs in for the lock's time, so that guessing a password and a
// one-time code takes years (docs/service-standards.md, "Staff access").
inline constexpr int k_sign_in_failures_allowed = 3;
inline constexpr int k_sign_in_lock_seconds = 5 * 60;
// An enrolment stops, its account not added, after this many wrong codes from the new
// engineer's app: an app that cannot show the right code has not taken the slip's secret.
inline constexpr int k_enrolment_codes_allowed = 3;
// The service menu's key sequence is typed within this time of its first key.
inline constexpr int k_service_keys_window_ms = 6'000;
// No key for this long on the sign-in screen (a customer who came upon it) or in the menu (an
// engineer who walked away) ends the visit: the engineer is signed out.
inline constexpr int k_service_sign_in_idle_ms = 60'000;
inline constexpr int k_service_menu_idle_ms = 180'000;
// A controlled restart waits for its announcement to be said to its end, but no longer than
// this: a voice that never reports the end does not keep the kiosk on its old configuration.
inline constexpr int k_restart_announcement_ms = 20'000;

inline constexpr std::string_view k_default_locale = "zh-CN";
inline constexpr std::array<std::string_view, 3> k_offered_locales{"zh-CN", "zh-HK", "en"};

}  // namespace policy

struct Policy {
    int inactivity_timeout_ms = policy::k_inactivity_timeout_ms;
    int inactivity_warning_ms = policy::k_inactivity_warning_ms;
    int maximum_timeout_extensions = policy::k_maximum_timeout_extensions;
    int slow_mode_timeout_factor = policy::k_slow_mode_timeout_factor;
    int card_reminder_interval_ms = policy::k_card_reminder_interval_ms;
    int reminders_before_staff = policy::k_reminders_before_staff;
    int goodbye_ms = policy::k_goodbye_ms;
    int card_read_timeout_ms = policy::k_card_read_timeout_ms;
    int service_call_timeout_ms = policy::k_service_call_timeout_ms;
    int pin_pad_ready_timeout_ms = policy::k_pin_pad_ready_timeout_ms;
    int queue_call_timeout_ms = policy::k_queue_call_timeout_ms;
    int hesitation_ms = policy::k_hesitation_ms;
    int tour_repeat_ms = policy::k_tour_repeat_ms;
    int cash_wait_ms = policy::k_cash_wait_ms;
    int dispenser_timeout_ms = policy::k_dispenser_timeout_ms;
    int standard_rate_wpm = policy::k_standard_rate_wpm;
    int elder_rate_wpm = policy::k_elder_rate_wpm;
};

}  // namespace kiosk::core
