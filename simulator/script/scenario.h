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

struct InsertCard {
    std::string name;
};
struct RemoveCard {};
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
struct Fault {
    std::string service;
    std::string mode;
};
// The kiosk's USB devices, as a scenario names them: `card reader`, `pin pad`.
enum class Device { card_reader, pin_pad };
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
// Checked when the scenario ends: the transcript tells neither how long a PIN typed during the
// run was nor when its digits were typed (docs/scenarios.md, "forbid pin length").
struct ForbidPinLength {};
// Checked while running: no form of the PAN or PIN of any card used so far lies in the
// kiosk's memory.
struct ExpectMemoryClean {};

using Action =
    std::variant<InsertCard, RemoveCard, PressKeys, PressTwiceQuickly, TypePin, Headphones, Wait,
                 Fault, PlugDevice, SpeechFault, ExpectScreen, ExpectShown, ExpectSpeech,
                 ExpectScreens, ForbidSpeech, ForbidText, ForbidPinLength, ExpectMemoryClean>;

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
    unknown_step,     // no step starts this way, or it has the wrong number of words
};

std::string_view to_string(ScenarioError error);

std::expected<Scenario, base::Error<ScenarioError>> parse_scenario(std::string_view text);

// "500ms", "2s", "1.5s"
std::optional<Milliseconds> parse_duration(std::string_view text);

}  // namespace simulator::script
