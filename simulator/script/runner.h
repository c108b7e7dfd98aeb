#pragma once
// Runs a scenario against the simulated hardware while following the kiosk's transcript.
// Expectations wait (bounded) for the transcript to show what a customer would see and hear;
// the end checks look at everything recorded once the kiosk has stopped.

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/wipe.h"
#include "simulator/script/scenario.h"

namespace simulator::script {

// The kiosk's start-up (fonts and glyphs warmed, voices loaded) is no step's wait: the first
// screen is waited for this long, at the start and after `restart kiosk`. Several kiosks under
// AddressSanitizer starting at once on two cores, as when the end-to-end tests run side by
// side, take well over a step's 15 s.
inline constexpr std::chrono::milliseconds k_start_up_limit{120'000};
// How long `staff acknowledge` and `staff close` look for a call: a call the kiosk makes reaches
// the service within a second or two, or after the outbox's first retry (2 s).
inline constexpr std::chrono::milliseconds k_staff_call_wait{10'000};

// Why the kiosk's world could not do what a step (or the control panel) asked. Errors carry it
// as base::Error<ActionError>, whose context names the card, service or fault asked for.
enum class ActionError {
    card_already_inserted,      // insert while a card is in the reader
    no_card_inserted,           // remove while the reader is empty
    unknown_card,               // the card library has no card of that name
    pin_pad_not_listening,      // the kiosk never set the PIN pad up to take a key
    pin_pad_takes_no_digits,    // the kiosk never opened the PIN pad to a digit (its screen takes
                                // none)
    pin_pad_not_collecting,     // the kiosk never asked the PIN pad for a PIN
    pin_not_digits,             // a PIN to type holds something other than digits
    unknown_service,            // a fault aimed at a service the branch does not have
    unknown_fault,              // a fault mode the service does not know
    unknown_call,               // a fault aimed at a call the service does not answer, or at
                                // one call of a service whose faults cannot be aimed
    device_already_plugged,     // plug a device that is plugged in
    device_already_unplugged,   // unplug a device that is out
    device_not_plugged,         // the virtual bus could not plug the device in
    kiosk_not_running,          // a check of the kiosk's memory, or a fault sent to it, while
                                // no kiosk runs
    memory_not_readable,        // the kiosk's memory may not be read (needs root or CAP_SYS_PTRACE)
    memory_scan_failed,         // the kiosk's memory could not be scanned for another reason
    no_open_staff_call,         // staff acknowledge or close while the kiosk has no call open
    staff_action_refused,       // the queue service refused the staff action (a name too long)
    queue_service_unreadable,   // the simulated queue service's records could not be read
    kiosk_stopped_badly,        // `restart kiosk`: the kiosk did not exit cleanly on SIGTERM
    kiosk_did_not_kill_itself,  // `expect kiosk killed`: not in time (or not a test build)
    kiosk_not_restarted,        // `restart kiosk`, `kill kiosk`: the kiosk could not be started
                                // again
    no_cash_at_slot,            // `take cash`: no notes came to the cash slot
    ledger_unreadable,          // the simulated bank's withdrawals could not be read
    switch_already_there,       // `turn service switch on` while it is on, or off while off
    door_already_there,         // `open cabinet door` while it is open, or close while closed
    unknown_engineer,           // no demo engineer has the staff number
    one_time_code_failed,       // the engineer's authenticator could not make a code
    pin_pad_not_in_ceremony,    // a key component typed while the pad holds no key ceremony
    kiosk_did_not_restart_itself,  // `expect kiosk restarted`: not in time, or another status
    configuration_not_written,     // `put configuration on usb stick`: a setting or value that
                                   // is not TOML, or the stick cannot be written
    no_set_up_slip,                // `scan set-up slip`: no slip sets up that staff number
};

std::string_view to_string(ActionError error);

// What a scan of the kiosk's memory found, for the person reading the run: each finding names
// the form of the secret, the mapping and the offset, never the secret itself.
struct MemoryVerdict {
    std::vector<std::string> findings;
    std::string summary;  // what was read, e.g. "412 mappings (480 MiB) read"
};

// The cash of the run's withdrawals at this kiosk, in minor units (fen), from both sides: what
// the simulated bank debited for them (the amounts dispensed of those confirmed and not
// reversed; fees are no cash) and what it still only holds (authorised, neither confirmed nor
// reversed), and what the virtual dispenser let customers take.
struct RunLedger {
    std::int64_t debited = 0;
    std::int64_t held = 0;
    std::int64_t taken = 0;
    std::int64_t transferred = 0;  // this run's transfers as the bank carried them out
};

// What a scenario can do to the kiosk's world.
class Hardware {
  public:
    virtual ~Hardware() = default;
    virtual std::expected<void, base::Error<ActionError>> insert_card(const std::string& name) = 0;
    virtual std::expected<void, base::Error<ActionError>> remove_card() = 0;
    // Takes the notes from the cash slot once the dispenser presents them (a customer waits
    // for them). Errors: no_cash_at_slot.
    virtual std::expected<void, base::Error<ActionError>> take_cash() = 0;
    virtual std::expected<void, base::Error<ActionError>> press_key(base::Key key) = 0;
    // Types the digits once the PIN pad is collecting a PIN (a customer waits for the prompt).
    virtual std::expected<void, base::Error<ActionError>> type_pin(const std::string& digits) = 0;
    virtual std::expected<void, base::Error<ActionError>> set_headphones(bool plugged) = 0;
    // `fault SERVICE MODE [for CALL]`. Errors: unknown_service, unknown_fault, unknown_call.
    virtual std::expected<void, base::Error<ActionError>> set_fault(const Fault& fault) = 0;
    // Pulls the device's cable out of the simulator's virtual USB bus, or plugs it back in, so
    // that the kiosk's libusb sees it go and come back. Errors: device_already_plugged,
    // device_already_unplugged, device_not_plugged.
    virtual std::expected<void, base::Error<ActionError>> plug_device(Device device,
                                                                      bool plugged) = 0;
    // Makes the kiosk's speech fail, or work again (SIGUSR1, SIGUSR2 to the kiosk process,
    // which heeds them only with `[simulation] allow_fault_signals = true`). Errors:
    // kiosk_not_running.
    virtual std::expected<void, base::Error<ActionError>> set_speech_failing(bool failing) = 0;
    virtual bool kiosk_running() = 0;
    // Looks through the running kiosk's memory for the PAN and PIN of every card used so far.
    // Errors: kiosk_not_running, memory_not_readable, memory_scan_failed.
    virtual std::expected<MemoryVerdict, base::Error<ActionError>> scan_kiosk_memory() = 0;
    // The receipt printer's roll and cover, as its sensors will report them.
    virtual std::expected<void, base::Error<ActionError>> set_printer_paper(Paper paper) = 0;
    virtual std::expected<void, base::Error<ActionError>> set_printer_cover(bool open) = 0;
    // The text of every slip the printer has cut in this run, oldest first.
    virtual std::vector<std::string> printed_slips() = 0;
    // A lobby manager named `name` acknowledges the newest open call for staff of this kiosk,
    // with an estimate when given. Answers at once: no_open_staff_call when there is none now
    // (the runner asks again for a while), staff_action_refused, queue_service_unreadable.
    virtual std::expected<void, base::Error<ActionError>> acknowledge_staff_call(
        const std::string& name, std::optional<std::chrono::seconds> eta) = 0;
    // Closes the newest open or acknowledged call for staff of this kiosk. Errors as above.
    virtual std::expected<void, base::Error<ActionError>> close_staff_call() = 0;
    // How many survey answers, complaints or calls for staff the queue service has received
    // from this kiosk in this run. Errors: queue_service_unreadable.
    virtual std::expected<std::size_t, base::Error<ActionError>> delivered(Delivery what) = 0;
    // Arms the kiosk's test failpoint: it kills itself right after journaling `event`.
    virtual std::expected<void, base::Error<ActionError>> arm_kill_after_journal(
        const std::string& event) = 0;
    // Ends the kiosk as `how` says: as an operator stops it (SIGTERM, waiting for it to exit),
    // by killing it (SIGKILL), or by waiting `how.within` for the armed kiosk to kill itself or
    // for the kiosk to end itself for a controlled restart; calls `while_stopped` (the runner
    // reads the rest of the transcript there), and starts it again with its configuration file
    // as it is then. Errors: kiosk_not_running, kiosk_stopped_badly (stopped: its exit status),
    // kiosk_did_not_kill_itself, kiosk_did_not_restart_itself, kiosk_not_restarted.
    virtual std::expected<void, base::Error<ActionError>> restart_kiosk(
        const RestartKiosk& how, const std::function<void()>& while_stopped) = 0;
    // The run's cash as the bank and the dispenser count it. Errors: ledger_unreadable.
    virtual std::expected<RunLedger, base::Error<ActionError>> run_ledger() = 0;
    // A field engineer turns the cabinet's service switch (the key) to service (on) or back to
    // run. Errors: switch_already_there.
    virtual std::expected<void, base::Error<ActionError>> set_service_switch(bool on) = 0;
    // The cabinet's door opens or closes. Errors: door_already_there.
    virtual std::expected<void, base::Error<ActionError>> set_cabinet_door(bool open) = 0;
    // The demo engineer types their password, or the code their authenticator app shows at
    // that moment, on the PIN pad's digits (each digit once the pad takes digits, as `press`
    // does), and no Enter. Errors: unknown_engineer, one_time_code_failed,
    // pin_pad_takes_no_digits.
    virtual std::expected<void, base::Error<ActionError>> type_engineer_secret(
        EngineerSecret secret, const std::string& engineer_id) = 0;
    // A new engineer's authenticator app scans the newest printed slip whose QR code is an
    // otpauth://totp/ URI for staff number `engineer_id`, and shows its codes from then on
    // (type_engineer_secret's one-time code). Errors: no_set_up_slip.
    virtual std::expected<void, base::Error<ActionError>> scan_set_up_slip(
        const std::string& engineer_id) = 0;
    // A key custodian types component 1 or 2 of the branch's forms for a new master key on the
    // PIN pad's keys, Enter included, once the pad holds a key ceremony; with `typo`, one digit
    // is wrong. Errors: pin_pad_not_in_ceremony.
    virtual std::expected<void, base::Error<ActionError>> type_key_component(int component,
                                                                             bool typo) = 0;
    // Writes the kiosk's configuration in use with `setting` given `value` (TOML) to the
    // simulated USB stick as kiosk.toml. Errors: configuration_not_written.
    virtual std::expected<void, base::Error<ActionError>> put_configuration_on_stick(
        const std::string& setting, const std::string& value) = 0;
    // The demo engineer's password, for `forbid password for ID`. Errors: unknown_engineer.
    virtual std::expected<base::SecretText, base::Error<ActionError>> engineer_password(
        const std::string& engineer_id) = 0;
};

// Reads the JSON Lines transcript as it grows; a half-written last line waits for its end.
class TranscriptFollower {
  public:
    explicit TranscriptFollower(std::filesystem::path path);
    void poll();
    // The kiosk that wrote the file has stopped: reads the rest of it, then follows the path
    // from the start of whatever file a new kiosk writes there. Records already read stay.
    void follow_new_file();
    const std::vector<nlohmann::json>& records() const { return m_records; }
    int malformed_lines() const { return m_malformed_lines; }

  private:
    std::filesystem::path m_path;
    std::uintmax_t m_offset = 0;
    std::string m_partial;
    std::vector<nlohmann::json> m_records;
    int m_malformed_lines = 0;
};

struct RunOptions {
    // Files besides the transcript that a `forbid text` step searches (the kiosk's log).
    std::vector<std::filesystem::path> logs;
    // Told each step as it starts, for the console.
    std::function<void(const std::string&)> narrate;
    // How long a kiosk started again by `restart kiosk` has to show its first screen.
    std::chrono::milliseconds start_up_limit = k_start_up_limit;
    // How long `staff acknowledge` and `staff close` look for the kiosk's call.
    std::chrono::milliseconds staff_call_wait = k_staff_call_wait;
};

struct Outcome {
    // Verdicts for the person reading kiosk-sim's output ("line 5 (expect screen menu): not seen
    // within 15000 ms; the kiosk shows 'welcome'"), not errors to handle.
    std::vector<std::string> failures;
    bool passed() const { return failures.empty(); }
};

// Waits until the kiosk shows its first screen, so that its start-up (fonts and glyphs warmed,
// voices loaded) is no step's wait. The failure is a verdict for the person reading the run.
std::expected<void, std::string> wait_for_start_up(TranscriptFollower& transcript,
                                                   Hardware& hardware,
                                                   std::chrono::milliseconds limit);

// Runs the steps in order; stops at the first failed step (the rest would depend on it).
Outcome run_steps(const Scenario& scenario, Hardware& hardware, TranscriptFollower& transcript,
                  const RunOptions& options);

// The checks of `expect screens`, `forbid speech`, `forbid text`, `forbid password` and
// `forbid pin length`, over
// everything recorded, and of `expect ledger balanced`, over what the hardware counts now.
void check_at_end(const Scenario& scenario, const std::vector<nlohmann::json>& records,
                  Hardware& hardware, const RunOptions& options, Outcome& outcome);

// Whether a speech record matches a pattern.
bool matches(const SpeechPattern& pattern, const nlohmann::json& record);

}  // namespace simulator::script
