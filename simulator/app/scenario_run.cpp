#include "simulator/app/scenario_run.h"

#include <fmt/format.h>

#include <utility>

namespace simulator::app {

ScenarioRun run_scenario(Branch& branch, const script::Scenario& scenario,
                         std::function<void(const std::string&)> narrate) {
    script::TranscriptFollower transcript(branch.transcript_path());
    const script::RunOptions options{.logs = {branch.kiosk_log_path()},
                                     .narrate = std::move(narrate)};
    script::Outcome outcome;
    if (auto started = script::wait_for_start_up(transcript, branch, script::k_start_up_limit);
        !started) {
        outcome.failures.push_back("start-up: no first screen: " + started.error());
    } else {
        outcome = script::run_steps(scenario, branch, transcript, options);
    }
    const int kiosk_status = branch.stop_kiosk();
    transcript.poll();
    script::check_at_end(scenario, transcript.records(), branch, options, outcome);
    if (kiosk_status != 0) {
        outcome.failures.push_back(fmt::format("the kiosk exited with status {}", kiosk_status));
    }
    if (transcript.malformed_lines() > 0) {
        outcome.failures.push_back(
            fmt::format("{} transcript lines are not JSON", transcript.malformed_lines()));
    }
    return ScenarioRun{std::move(outcome), transcript.records().size()};
}

}  // namespace simulator::app
