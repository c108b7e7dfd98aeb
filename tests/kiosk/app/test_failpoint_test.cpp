// The crash test's failpoint: armed by its file, the kiosk dies by SIGKILL right after the
// journaled step the file names, and at no other effect. Each case runs in a child process, as
// the failpoint kills the process it is in.

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "kiosk/app/test_failpoint.h"
#include "tests/kiosk/store/journal_test_support.h"

namespace {

namespace core = kiosk::core;
using kiosk::app::TestFailpoint;

core::Journal step_named(const std::string& step) {
    return core::Journal{std::string(core::k_withdrawal_event_prefix) + step, "",
                         core::TransactionRecord{kiosk::store::testing::transaction_reference(1),
                                                 step,
                                                 core::Money{10000, "CNY"},
                                                 core::Money{0, "CNY"},
                                                 {}}};
}

// How a child that runs `body` with the failpoint armed by a file holding `armed` ends: the
// signal that killed it, or 0 when it returned.
int ends_by(const std::string& armed, const std::function<void(const TestFailpoint&)>& body) {
    const auto file =
        std::filesystem::temp_directory_path() / ("failpoint-" + std::to_string(::getpid()));
    std::ofstream(file) << armed << '\n';
    ::setenv("KIOSK_TEST_KILL_AFTER_JOURNAL_FILE", file.c_str(), 1);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        body(TestFailpoint::from_environment());
        ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    ::unsetenv("KIOSK_TEST_KILL_AFTER_JOURNAL_FILE");
    std::filesystem::remove(file);
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

}  // namespace

#ifdef KIOSK_TEST_FAILPOINTS
TEST_CASE("The armed failpoint kills the kiosk right after the step its file names") {
    CHECK(ends_by("withdrawal_dispensed", [](const TestFailpoint& failpoint) {
              failpoint.after(step_named("authorised"));
              failpoint.after(step_named("dispense_ordered"));
              failpoint.after(step_named("dispensed"));
              std::_Exit(3);  // not reached
          }) == SIGKILL);
}
#endif

TEST_CASE("The failpoint leaves the kiosk alone at other steps and other effects") {
    CHECK(ends_by("withdrawal_dispensed", [](const TestFailpoint& failpoint) {
              failpoint.after(step_named("authorised"));
              failpoint.after(step_named("confirmed"));
              // The same event without a transaction record is not a journaled step.
              failpoint.after(core::Journal{"withdrawal_dispensed", "", std::nullopt});
              failpoint.after(core::StopSpeech{});
          }) == 0);
}
