#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "kiosk/core/card_number.h"
#include "kiosk/core/encrypted_pin_block.h"
#include "kiosk/core/events.h"
#include "kiosk/core/screen.h"

namespace kiosk::core {

// Effects are commands as plain data; the shell carries them out in the order given and feeds
// results back as events (docs/architecture.md, "Flows are update functions").

enum class Channel { speaker, headphones };

std::string_view to_string(Channel channel);

struct Utterance {
    std::string text;    // final text for the synthesiser: numbers worded, lexicon applied
    std::string locale;  // "zh-CN", "zh-HK", "en": picks the voice
    Channel channel = Channel::speaker;
    int rate_wpm = 175;
    bool is_private = false;  // only ever on the headphone channel

    friend bool operator==(const Utterance&, const Utterance&) = default;
};

enum class ToneKind { key, digit, error, attention };

std::string_view to_string(ToneKind kind);

// What the account service needs to verify the PIN and return the balance.
struct BalanceRequest {
    CardNumber pan;
    EncryptedPinBlock pin_block;
};

// Replace the screen with this one.
struct Show {
    ScreenModel screen;
};
// Stop what is being said and say these instead (new speech replaces old: EN 301 549 5.1.3.5).
struct Speak {
    std::vector<Utterance> utterances;
};
struct StopSpeech {};
struct Tone {
    ToneKind kind;
};
// Put the PIN pad into secure entry; it reports PinDigitEntered / PinCleared / PinEntered /
// PinEntryCancelled / PinEntryFailed. The PAN is for the format 0 PIN block.
struct StartPinEntry {
    CardNumber pan;
};
struct CancelPinEntry {};
struct EjectCard {};
struct Call {
    std::uint64_t call_id = 0;
    BalanceRequest request;
};
struct CancelCall {
    std::uint64_t call_id = 0;
};
// Starting a timer that is already running restarts it with the new duration.
struct StartTimer {
    TimerId id;
    int milliseconds = 0;
};
struct CancelTimer {
    TimerId id;
};
// Tell the lobby staff that a customer needs a person ("one key straight to a person", or a
// fault they must see to). `reason` names the situation, never the customer.
struct NotifyStaff {
    std::string reason;
};
// A traceable step for the service record; `detail` never holds personal data.
struct Journal {
    std::string event;
    std::string detail;
};

using Effect = std::variant<Show, Speak, StopSpeech, Tone, StartPinEntry, CancelPinEntry, EjectCard,
                            Call, CancelCall, StartTimer, CancelTimer, NotifyStaff, Journal>;

// The effect's kind: "Show", "Speak", ...
std::string_view to_string(const Effect& effect);

}  // namespace kiosk::core
