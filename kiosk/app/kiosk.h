#pragma once
// The shell: owns the adapters, runs the event loop on the main thread, feeds events to the
// core's step() and carries out the effects it returns (docs/architecture.md, "Rings" and
// "Threads").

#include <chrono>
#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "kiosk/app/access_worker.h"
#include "kiosk/app/cash_journal.h"
#include "kiosk/app/config.h"
#include "kiosk/app/config_worker.h"
#include "kiosk/app/event_queue.h"
#include "kiosk/app/export_worker.h"
#include "kiosk/app/network_check_worker.h"
#include "kiosk/app/test_failpoint.h"
#include "kiosk/app/transcript.h"
#include "kiosk/core/effects.h"
#include "kiosk/core/flow.h"
#include "kiosk/core/resources.h"

namespace kiosk::ui {
class Display;
}
namespace kiosk::speech {
class Speaker;
}
namespace kiosk::devices {
class CardReaderService;
class CabinetService;
class DispenserService;
class PinPadService;
class PrinterService;
}  // namespace kiosk::devices
namespace kiosk::net {
class AccountClient;
class QueueClient;
}  // namespace kiosk::net

namespace kiosk::app {

// What stops the kiosk from starting. Errors carry it as base::Error<KioskError>, whose
// context is the failing adapter's own error.
enum class KioskError {
    display_unavailable,  // the window could not be opened or the fonts are missing
};

std::string_view to_string(KioskError error);

class Kiosk {
  public:
    using Clock = std::chrono::steady_clock;

    // The shell's own calls for staff (NotifyStaff) take their ids from here up. The core
    // numbers its calls from 1 and would need 2^48 of them to come near; the account and queue
    // clients share one id space (CancelCall goes to both), so an answer's id tells whose call
    // it is.
    static constexpr std::uint64_t k_first_shell_call_id = std::uint64_t{1} << 48;

    // Opens the window, the speech worker, the devices, the account client and, when the
    // configuration names the branch queue service, its client. Only a display that cannot be
    // opened is fatal; a missing voice or device is reported and the kiosk carries on without
    // it. Errors: display_unavailable.
    static std::expected<std::unique_ptr<Kiosk>, base::Error<KioskError>> create(
        Config config, core::Resources resources, Transcript transcript,
        Clock::time_point process_start);
    ~Kiosk();

    // Runs until the window is closed or the process is asked to stop (SIGINT, SIGTERM).
    int run();

  private:
    Kiosk(Config config, core::Resources resources, Transcript transcript,
          Clock::time_point process_start);
    void handle_sdl_event(const SDL_Event& event);
    void accept_input(base::Key key, std::string_view source, Clock::time_point at);
    void step(const core::Event& event);
    void carry_out(const core::Effect& effect);
    // Before Started: what the electronic journal left unfinished. Withdrawals and dispense tests
    // it cannot read are left to staff (journal_and_notify_staff), never settled by guess.
    UnfinishedReading read_unfinished_cash();
    // Whether an engineer left the kiosk out of service (out_of_service_file.h). A file that
    // cannot be read keeps it out of service, for maintenance, and says so in the log.
    std::optional<core::OutOfServiceReason> read_out_of_service_state();
    // Pushes the JournalFailed of a journal that has just failed, and says so.
    void report_journal_failure();
    void fire_due_timers();
    int milliseconds_to_next_timer() const;
    void after_frame();
    void save_screenshot_if_due();
    // Steps a PIN pad key (a digit or Clear during PIN entry) without recording what it causes.
    void step_pin_pad_key(const core::Event& event);
    // Tells the PIN pad whether the screen shown takes digit keys.
    void offer_keypad(bool digits);
    // Carries out the simulator's last fault signal, if one came (Config::allow_fault_signals).
    void take_fault_signal();
    // A notice to staff from the core (NotifyStaff): the log, and a call for staff of the
    // shell's own when the queue service is configured. The core has journaled it already
    // (`staff_notified`, with the reason), so the shell does not journal it a second time.
    void notify_staff(const core::NotifyStaff& notify);
    // A notice to staff that only the shell knows of: journaled (`staff notified`, with the
    // reason), then as notify_staff().
    void journal_and_notify_staff(const core::NotifyStaff& notify);
    // Journals what became of a call for staff of the shell's own; false when `changed` is
    // about one of the core's calls, which the core hears instead.
    bool follow_shell_call(const core::StaffCallChanged& changed);

    Config m_config;
    core::Resources m_resources;
    Transcript m_transcript;
    Clock::time_point m_process_start;
    // Every money-moving step's record is on the disk before the effect after it runs; without
    // one, nothing that gives money runs.
    CashJournal m_cash_journal;
    TestFailpoint m_failpoint;  // debug and sanitizer builds: kiosk-sim crash-test's exact kill
    EventQueue m_queue;
    core::Session m_session;

    std::unique_ptr<ui::Display> m_display;
    std::unique_ptr<speech::Speaker> m_speaker;
    std::unique_ptr<devices::CardReaderService> m_card_reader;
    std::unique_ptr<devices::PinPadService> m_pin_pad;
    std::unique_ptr<devices::PrinterService> m_printer;
    std::unique_ptr<devices::DispenserService> m_dispenser;
    std::unique_ptr<devices::CabinetService> m_cabinet;
    std::unique_ptr<net::AccountClient> m_account;
    std::unique_ptr<net::QueueClient> m_queue_client;  // none without [queue] url
    std::unique_ptr<AccessWorker> m_access;
    std::unique_ptr<NetworkCheckWorker> m_network_check;
    std::unique_ptr<ExportWorker> m_export;
    std::unique_ptr<ConfigWorker> m_configuration;

    // The calls for staff the shell placed for NotifyStaff, by call id, until they end or are
    // no longer followed.
    struct ShellCall {
        core::AssistanceReason reason = core::AssistanceReason::device_fault;
        bool placed = false;  // the service has it (not only the outbox)
    };
    std::map<std::uint64_t, ShellCall> m_shell_calls;
    std::uint64_t m_next_shell_call_id = k_first_shell_call_id;

    std::map<core::TimerId, Clock::time_point> m_timers;
    struct LastInput {
        base::Key key;
        Clock::time_point at;
    };
    std::optional<LastInput> m_last_input;  // for the second-press rule
    bool m_quit = false;
    int m_exit_status = 0;  // run()'s: k_restart_exit_status once a restart is asked for
    bool m_first_frame_shown = false;
    std::optional<Clock::time_point> m_input_waiting_for_frame;
    std::string m_last_screen_id;
    std::string m_last_screen_look;  // id, locale and theme of the screen last pictured
    bool m_screenshot_due = false;
    bool m_digits_offered = false;     // the PIN pad was last told the screen takes digits
    bool m_digit_window_open = false;  // and has not reported a digit since
    // A digit or Clear of the PIN pad is being stepped: the transcript hears nothing of what
    // follows from it but a change to another screen (docs/architecture.md, "Contracts").
    bool m_stepping_pin_pad_key = false;
    int m_screenshot_count = 0;
};

}  // namespace kiosk::app
