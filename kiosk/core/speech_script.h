#pragma once

#include <string_view>
#include <vector>

#include "kiosk/core/effects.h"
#include "kiosk/core/resources.h"
#include "kiosk/core/screen.h"

namespace kiosk::core {

struct SpeechContext {
    const Resources& resources;
    Channel channel = Channel::speaker;
    bool elder_mode = false;
    int rate_step = 0;            // the customer's speech rate: -1 slower, +1 faster
    bool speaker_chosen = false;  // the customer chose to hear personal details on the speaker
};

// The speech renderer: reads a screen model's elements in order, one utterance per element
// (docs/accessibility.md: speech follows the reading order). A choice is read with its key
// ("查询余额，请按一。"). A private element is read only on the headphone channel, or on the
// speaker when the customer chose that (but a PIN field's count); otherwise the first one is
// replaced, once per screen, by a phrase saying it is on screen and how to hear it. Each utterance
// then goes through its locale's lexicon.
std::vector<Utterance> speech_script(const ScreenModel& screen, const SpeechContext& context);

// One phrase outside a screen (a reminder, "cleared"), with the same rate, channel and lexicon.
Utterance phrase_utterance(std::string_view text, std::string_view locale,
                           const SpeechContext& context);

// The speech rate for the mode, moved by the customer's rate steps.
int speech_rate_wpm(const Resources& resources, bool elder_mode, int rate_step = 0);

}  // namespace kiosk::core
