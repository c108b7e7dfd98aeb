#pragma once

// One scenario played on a branch whose kiosk has started: the wait for its first screen, the
// steps, the kiosk stopped as an operator stops it, and the end checks. `kiosk-sim --headless`
// and `kiosk-sim crash-test` both play scenarios this way.

#include <cstddef>
#include <functional>
#include <string>

#include "simulator/app/branch.h"
#include "simulator/script/runner.h"
#include "simulator/script/scenario.h"

namespace simulator::app {

struct ScenarioRun {
    // The verdicts, including a kiosk that did not exit cleanly and transcript lines that are
    // not JSON.
    script::Outcome outcome;
    std::size_t transcript_records = 0;
};

// `narrate` (may be empty) is told each step as it starts.
ScenarioRun run_scenario(Branch& branch, const script::Scenario& scenario,
                         std::function<void(const std::string&)> narrate);

}  // namespace simulator::app
