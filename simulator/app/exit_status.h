#pragma once

// The exit statuses every kiosk-sim command shares (the scenario run, load, crash-test): 0 the
// run passed, 1 it ran and something did not hold, 2 it could not run.

namespace simulator::app {

inline constexpr int k_exit_passed = 0;
inline constexpr int k_exit_failed = 1;
inline constexpr int k_exit_unusable = 2;

}  // namespace simulator::app
