#pragma once

// A test build's way for the kiosk to die at an exact step of a withdrawal, for
// `kiosk-sim crash-test` (simulator/app/crash_test.h). When the environment variable
// KIOSK_TEST_KILL_AFTER_JOURNAL_FILE names a file, the kiosk reads it after each journaled step
// of a transaction; once the file holds that step's event ("withdrawal_dispensed"), the kiosk
// sends itself SIGKILL there and then: the step's record is on the disk and in the transcript,
// the effect after it has not run. Killed from outside, the kiosk would have gone on by the
// time the killer saw the record.
//
// Only debug and sanitizer builds have it (KIOSK_TEST_FAILPOINTS, kiosk/app/CMakeLists.txt):
// the kiosk a bank runs, a release build, never reads the variable.

#include <string>

#include "kiosk/core/effects.h"

namespace kiosk::app {

class TestFailpoint {
  public:
    // Armed by the environment in a build that has failpoints; else never fires.
    static TestFailpoint from_environment();

    // Called after `effect` was carried out: kills the process if it is the journaled step the
    // file names.
    void after(const core::Effect& effect) const;

  private:
    std::string m_file;  // empty: unarmed
};

}  // namespace kiosk::app
