#include "kiosk/app/test_failpoint.h"

#include <csignal>
#include <cstdlib>
#include <fstream>

namespace kiosk::app {

TestFailpoint TestFailpoint::from_environment() {
    TestFailpoint failpoint;
#ifdef KIOSK_TEST_FAILPOINTS
    if (const char* file = std::getenv("KIOSK_TEST_KILL_AFTER_JOURNAL_FILE"); file != nullptr) {
        failpoint.m_file = file;
    }
#endif
    return failpoint;
}

void TestFailpoint::after([[maybe_unused]] const core::Effect& effect) const {
#ifdef KIOSK_TEST_FAILPOINTS
    const auto* journal = std::get_if<core::Journal>(&effect);
    if (m_file.empty() || journal == nullptr || !journal->transaction) {
        return;
    }
    std::ifstream armed(m_file);
    std::string event;
    if (std::getline(armed, event) && event == journal->event) {
        std::raise(SIGKILL);
    }
#endif
}

}  // namespace kiosk::app
