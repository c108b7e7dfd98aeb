#include "kiosk/core/flow.h"

#include <utility>
#include <variant>

#include "kiosk/core/flow_steps.h"

namespace kiosk::core {

// The flow's parts live in flow_blocks.cpp, flow_transitions.cpp, flow_keys.cpp and
// flow_events.cpp (kiosk/core/README.md). Whether an event fits the state is decided here once,
// for every event kind, so that no handler repeats the check.
Step step(const Resources& resources, Session session, const Event& event) {
    flow_steps::Flow flow(resources, std::move(session));
    if (flow.fits(event)) {
        std::visit([&flow](const auto& alternative) { flow.handle(alternative); }, event);
    } else {
        flow.ignore(event);
    }
    return std::move(flow).finish();
}

}  // namespace kiosk::core
