#pragma once
// Every wait of the device models has its home here (docs/style.md, "Numbers").

#include <chrono>

namespace kiosk::devices {

using namespace std::chrono_literals;

// The longest one wait of a model on its device lasts. It is only a safety net: the device
// speaking, a queued request (eject, start PIN entry, set keypad) and stop() each end the wait
// at once (DeviceLink::wake, drivers::usb::Transport::wake), so an idle model wakes about once
// a second and costs next to nothing, while a request is carried out without delay.
inline constexpr std::chrono::milliseconds k_event_wait = 1000ms;

// How often a missing device is looked for again. Re-enumerating is cheap; a kiosk whose
// reader was reseated should notice within a second, and must take it back within 2 s
// (docs/accessibility.md, "When a device or the voice is missing").
inline constexpr std::chrono::milliseconds k_reopen_interval = 500ms;

// How often the card reader is asked for its slot status on top of slot-change interrupts:
// the only source for readers without an interrupt endpoint, a slow safety net for the others.
// Those report every change on their standing interrupt transfer, and the slot is asked at
// once on connecting (a notification sent before the kiosk listened is never repeated), so
// the net only matters for a reader that loses a notification.
inline constexpr std::chrono::milliseconds k_slot_poll_without_interrupt = 200ms;
inline constexpr std::chrono::milliseconds k_slot_poll_safety_net = 5000ms;

// How often an idle receipt printer is asked for its condition (paper, cover, on-line). The
// printer has no interrupt endpoint (docs/protocols/escpos.md, "USB printer class"), so
// asking is the only way to learn that its roll runs low or that it was unplugged. Every
// slip is checked before and after it prints anyway; this only keeps the kiosk's picture
// fresh between slips, so that a customer is not offered a ticket on a printer known to be
// empty or gone. Two seconds is well within the time a customer takes to reach the ticket
// screen, and an answer costs two one-byte status requests.
inline constexpr std::chrono::milliseconds k_printer_status_poll = 2000ms;

// After a failed transfer that is not an unplug, wait this long before the next try, so a
// misbehaving device cannot make the thread spin.
inline constexpr std::chrono::milliseconds k_error_backoff = 100ms;

// This many failures in a row and the device is closed and opened again.
inline constexpr int k_failures_before_reopen = 5;

// One card read (answer to reset, application selection, every record) ends within this,
// however a card or reader stalls: a customer does not wait longer, and the model's thread is
// free again. It is shorter than the core's safety net (policy.h, card_read_timeout_ms), so
// the model reports first and says why.
inline constexpr std::chrono::milliseconds k_card_read_limit = 15s;

// How long one clear-digit window on the PIN pad stays open for a menu choice (the longest
// the pad allows); the model opens it again while the screen still takes digits.
inline constexpr std::chrono::seconds k_menu_digit_window = 300s;

// After a fault escapes a model's code (a bug, memory exhausted), its thread waits this long,
// then looks for its device again.
inline constexpr std::chrono::milliseconds k_fault_backoff = 1s;

}  // namespace kiosk::devices
