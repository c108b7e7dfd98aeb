#include "kiosk/core/flow.h"

#include <utility>
#include <variant>

#include "kiosk/core/flow_steps.h"

namespace kiosk::core {

namespace {

// Only the customer interrupts speech (docs/accessibility.md, "Speech that is not cut short"):
// what they did (a key, the card, the headphones) may cut what is being said; whatever the
// kiosk does on its own waits for the end.
bool caused_by_customer(const Event& event) {
    return std::holds_alternative<KeyPressed>(event) ||
           std::holds_alternative<CardInserted>(event) ||
           std::holds_alternative<CardRemoved>(event) ||
           std::holds_alternative<PinDigitEntered>(event) ||
           std::holds_alternative<PinCleared>(event) || std::holds_alternative<PinEntered>(event) ||
           std::holds_alternative<PinEntryCancelled>(event) ||
           std::holds_alternative<HeadphonesPlugged>(event) ||
           std::holds_alternative<HeadphonesUnplugged>(event);
}

}  // namespace

// The flow's parts live in flow_blocks.cpp, flow_transitions.cpp, flow_keys.cpp and
// flow_events.cpp (kiosk/core/README.md). Whether an event fits the state is decided here once,
// for every event kind, so that no handler repeats the check.
Step step(const Resources& resources, Session session, const Event& event) {
    flow_steps::Flow flow(resources, std::move(session), caused_by_customer(event));
    if (flow.fits(event)) {
        std::visit([&flow](const auto& alternative) { flow.handle(alternative); }, event);
    } else {
        flow.ignore(event);
    }
    flow.hand_over_if_due();
    return std::move(flow).finish();
}

}  // namespace kiosk::core
