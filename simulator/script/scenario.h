#pragma once
// Scenario files: what a simulated customer does at the kiosk and what must happen, one step a
// line. The format is documented in docs/scenarios.md; this is its parser.

#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/error.h"
#include "base/keys.h"

namespace simulator::script {

using Milliseconds = std::chrono::milliseconds;

inline constexpr Milliseconds k_default_screen_wait{15'000};
// Speech is recorded when an utterance has been played out in real time, so it may take
// longer than a screen to appear.
inline constexpr Milliseconds k_default_speech_wait{40'000};
// A request the queue service answered with 503 is sent again no sooner than its Retry-After,
// 30 s (simulator/queue, k_unavailable_retry_after), so a delivery may take that long after
// the service is back.
inline constexpr Milliseconds k_default_delivery_wait{40'000};
// The lobby manager who acknowledges a call for staff when the scenario names nobody.
inline constexpr std::string_view k_default_staff_name = "Wang";
// docs/api/queue.yaml, "AcknowledgementRequest": a member of staff's estimate is at most an hour.
inline constexpr std::chrono::seconds k_longest_staff_eta{3'600};

struct InsertCard {
    std::string name;
};
struct RemoveCard {};
// The customer takes the notes at the cash slot, once they are there.
struct TakeCash {};
struct PressKeys {
    std::vector<base::Key> keys;
};
// One key pressed twice in quick succession, as a hand with a tremor or a bouncing key does:
// sooner than the kiosk's [input] ignore_second_press_ms.
struct PressTwiceQuickly {
    base::Key key;
};
struct TypePin {
    std::string digits;
};
struct Headphones {
    bool plugged = false;
};
struct Wait {
    Milliseconds duration{};
};
// `fault SERVICE MODE [for CALL]`: the account or queue service, or the cash dispenser, starts
// failing in this way (or stops: `none`). `call` aims an account service fault at the requests
// of one call (`withdrawal_confirm`, ...); empty, every request meets it.
struct Fault {
    std::string service;
    std::string mode;
    std::string call;
};
// The kiosk's USB devices, as a scenario names them: `card reader`, `pin pad`, `printer`.
enum class Device { card_reader, pin_pad, printer, dispenser };
std::string_view to_string(Device device);
// `plug card reader`, `unplug pin pad`: the device's cable, on the simulator's virtual USB bus.
struct PlugDevice {
    Device device = Device::card_reader;
    bool plugged = true;
};
// `make speech fail` / `make speech work`: the kiosk's voice stops working, or works again.
struct SpeechFault {
    bool failing = true;
};
// The receipt printer's roll, as its sensors tell it: `low` still prints, `out` prints nothing.
enum class Paper { ok, low, out };
std::string_view to_string(Paper paper);
// `printer paper ok|low|out`
struct PrinterPaper {
    Paper paper = Paper::ok;
};
// `printer cover open|closed`: an open cover stops the printer as an empty roll does.
struct PrinterCover {
    bool open = false;
};
// `staff acknowledge ["NAME"] [eta DURATION]`: a lobby manager takes the newest open call for
// staff of this kiosk, giving their name and, if asked, an estimate of when they will be there.
struct StaffAcknowledge {
    std::string name = std::string(k_default_staff_name);
    std::optional<std::chrono::seconds> eta;
};
// `staff close`: the newest open or acknowledged call for staff of this kiosk is over.
struct StaffClose {};
// How the running kiosk ends before it is started again: stopped as an operator stops it
// (SIGTERM, a clean exit expected) or killed as by a crash or a power cut (SIGKILL: nothing is
// saved on the way out).
// `killed_itself`: the kiosk, armed by `arm kill after journal`, killed itself (SIGKILL)
// right after journaling that step.
// `restarted_itself`: the kiosk ended itself with the controlled restart's exit status (75,
// kiosk/app/config_update.h), as after a configuration installed from the service menu, and is
// started again as its supervisor would.
enum class KioskEnd { stopped, killed, killed_itself, restarted_itself };
// `restart kiosk` (stopped), `kill kiosk` (killed), `expect kiosk killed [within D]`
// (killed_itself, waited for) and `expect kiosk restarted [within D]` (restarted_itself, waited
// for): the kiosk ends and is started again with the configuration file it has then.
struct RestartKiosk {
    KioskEnd end = KioskEnd::stopped;
    Milliseconds within = k_default_screen_wait;  // waited for: how long
};
// `put configuration on usb stick with SETTING = VALUE`: an administrator brings a new
// configuration, the kiosk's file in use (DIR/kiosk.toml) with SETTING ("section.key") given
// VALUE (TOML: "text", 12, true), on the simulated USB stick as kiosk.toml.
struct PutConfiguration {
    std::string setting;
    std::string value;
};
// `arm kill after journal "EVENT"`: the kiosk kills itself right after journaling this step
// ("withdrawal_dispensed"), by the test failpoint of debug and sanitizer builds
// (kiosk/app/test_failpoint.h), so that a crash lands exactly there; a kill from outside lands
// a step or two later. Armed before the step is reached; `expect kiosk killed` follows.
struct ArmKill {
    std::string journal_event;
};

// `turn service switch on|off`: a field engineer turns the cabinet's key switch to service or
// back to run (docs/protocols/cabinet.md); the kiosk hands itself to the service menu.
struct ServiceSwitch {
    bool on = true;
};
// `open cabinet door` / `close cabinet door`: the cabinet's door contact (cabinet.md).
struct CabinetDoor {
    bool open = true;
};
// What a field engineer types at the service menu's sign-in that a scenario must not hold: the
// password they know, or the one-time code their authenticator app shows at that moment.
enum class EngineerSecret { password, one_time_code };
std::string_view to_string(EngineerSecret secret);
// `type password for ID`, `type one-time code for ID`: the demo engineer ID's secret
// (simulator/staff/demo-engineers.toml) typed on the PIN pad's digits, without Enter.
struct TypeEngineerSecret {
    EngineerSecret secret = EngineerSecret::password;
    std::string engineer_id;
};

// `scan set-up slip for ID`: a new engineer points their authenticator app at the newest slip
// the printer cut whose QR code sets up staff number ID's one-time codes (the service menu's
// enrolment), so that `type one-time code for ID` types the codes it shows from then on.
struct ScanSetUpSlip {
    std::string engineer_id;
};

// `type master key component N`, `type master key component N with a typo`: a key custodian
// types component N (1 or 2) of the branch's forms for a new master key on the PIN pad's own
// keys, star then 0 to 5 for A to F, then Enter (docs/protocols/epp.md §8.2); with a typo, one
// digit differs from the form, as a slip of the finger does.
struct TypeKeyComponent {
    int component = 1;
    bool typo = false;
};

// Speech matching: by text (substring) or by being private; optionally on one channel.
struct SpeechPattern {
    std::string text;
    bool is_private = false;
    std::string channel;  // empty: any channel
};

struct ExpectScreen {
    std::string id;
    Milliseconds within = k_default_screen_wait;
};
struct ExpectSpeech {
    SpeechPattern pattern;
    Milliseconds within = k_default_speech_wait;
    // `in full`: played to its end, not cut short or replaced.
    bool in_full = false;
};
// A screen showing this text in one of its elements (a notice on a screen whose id does not
// change, such as the welcome screen without its card reader).
struct ExpectShown {
    std::string text;
    Milliseconds within = k_default_screen_wait;
};
// The kiosk journaled this event (a transcript `journal` record, after the one the last such
// step matched): a withdrawal's step is written there once the electronic journal holds it.
struct ExpectJournal {
    std::string event;
    Milliseconds within = k_default_screen_wait;
};
// A slip whose text holds this was printed (after the slip the last one matched).
struct ExpectPrinted {
    std::string text;
    Milliseconds within = k_default_screen_wait;
};
// What the simulated queue service counts for `expect delivered`.
enum class Delivery { survey, complaint, call };
std::string_view to_string(Delivery delivery);
// The queue service holds exactly `count` survey answers, complaints or calls for staff from
// this kiosk in this run.
struct ExpectDelivered {
    Delivery what = Delivery::survey;
    int count = 0;
    Milliseconds within = k_default_delivery_wait;
};
// Checked when the scenario ends, over everything recorded.
struct ExpectScreens {
    std::vector<std::string> ids;
};
struct ForbidSpeech {
    SpeechPattern pattern;
};
struct ForbidText {
    std::string text;
};
// Checked when the scenario ends: the demo engineer's password is in no string of the
// transcript and in no log (`forbid password for ID`), as `forbid text` checks a text.
struct ForbidPassword {
    std::string engineer_id;
};
// Checked when the scenario ends: the transcript tells neither how long a PIN typed during the
// run was nor when its digits were typed (docs/scenarios.md, "forbid pin length").
struct ForbidPinLength {};
// Checked when the scenario ends: what the bank debited for this run's withdrawals, net of
// reversals, is the cash the dispenser let customers take; with `nothing held`, no withdrawal
// is left only authorised either (docs/scenarios.md, "expect ledger balanced").
struct ExpectLedgerBalanced {
    bool nothing_held = false;
};
// The bank carried out transfers from this kiosk worth this much in this run (fees aside):
// `expect transferred AMOUNT yuan`, AMOUNT whole yuan or with two decimals.
struct ExpectTransferred {
    std::int64_t minor_units = 0;
};
// Checked while running: no form of the PAN or PIN of any card used so far lies in the
// kiosk's memory.
struct ExpectMemoryClean {};

using Action =
    std::variant<InsertCard, RemoveCard, TakeCash, PressKeys, PressTwiceQuickly, TypePin,
                 Headphones, Wait, Fault, PlugDevice, SpeechFault, PrinterPaper, PrinterCover,
                 StaffAcknowledge, StaffClose, RestartKiosk, ArmKill, ServiceSwitch, CabinetDoor,
                 TypeEngineerSecret, ScanSetUpSlip, TypeKeyComponent, PutConfiguration,
                 ExpectScreen, ExpectShown, ExpectSpeech, ExpectJournal, ExpectPrinted,
                 ExpectDelivered, ExpectScreens, ForbidSpeech, ForbidText, ForbidPassword,
                 ForbidPinLength, ExpectLedgerBalanced, ExpectTransferred, ExpectMemoryClean>;

struct Step {
    int line = 0;
    std::string source;  // the line as written, for messages
    Action action;
};

struct Scenario {
    std::vector<Step> steps;
};

// What can be wrong with a line of a scenario. Errors carry it as base::Error<ScenarioError>,
// whose context names the line and, where there is one, the word at fault: "not a PIN pad key
// (0-9 enter clear cancel help star hash audio): line 2: 'banana'".
enum class ScenarioError {
    unclosed_quote,   // a "quoted text" without its closing quote
    unknown_channel,  // `on` names something other than speaker or headphones
    bad_duration,     // `within` or `wait` is not a duration like 500ms or 2s
    unexpected_word,  // a word after a complete step
    missing_pattern,  // `expect speech` or `forbid speech` without a quoted text or `private`
    unknown_key,      // `press` names something that is not a PIN pad key
    pin_not_digits,   // `type pin` with something other than digits (never repeated: a PIN)
    bad_count,        // `expect delivered` without a whole number of 0 or more
    eta_too_long,     // `staff acknowledge ... eta` longer than the contract's hour
    bad_engineer_id,  // `type password for`, `type one-time code for`, `forbid password for`
                      // with an id that is not 4 to 8 digits
    unknown_step,     // no step starts this way, or it has the wrong number of words
};

std::string_view to_string(ScenarioError error);

std::expected<Scenario, base::Error<ScenarioError>> parse_scenario(std::string_view text);

// "500ms", "2s", "1.5s"
std::optional<Milliseconds> parse_duration(std::string_view text);
// "100" or "100.50" yuan, in fen.
std::optional<std::int64_t> parse_yuan(std::string_view text);

}  // namespace simulator::script
