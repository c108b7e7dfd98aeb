#pragma once

// The core's speech effects, as the speaker takes them: Utterance, Channel and ToneKind come
// from kiosk/core/effects.h, so that a Speak effect is carried out without translation.

#include "kiosk/core/effects.h"

namespace kiosk::speech {

using core::Channel;
using core::ToneKind;
using core::Utterance;

}  // namespace kiosk::speech
