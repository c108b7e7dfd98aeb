#pragma once

#include <vector>

#include "kiosk/core/effects.h"
#include "kiosk/core/events.h"
#include "kiosk/core/resources.h"
#include "kiosk/core/session.h"

namespace kiosk::core {

struct Step {
    Session session;
    std::vector<Effect> effects;
};

// The customer flow as one pure update function (docs/architecture.md, "Flows are update
// functions"): the next session and the effects for the shell to carry out, in order. It reads no
// clock, file or randomness; the same inputs always give the same outputs.
//
// Every change of screen is a Show followed by a Speak of the same screen model. The one
// exception is the PIN field gaining or losing a dot, which is a Show with a tone: the digits
// are never spoken, and their count is heard as one tone per digit.
Step step(const Resources& resources, Session session, const Event& event);

}  // namespace kiosk::core
