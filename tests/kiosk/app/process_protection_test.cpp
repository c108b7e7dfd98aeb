#include <catch2/catch.hpp>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>

#include "kiosk/app/process_protection.h"

using namespace kiosk::app;

namespace {

// What a child process saw of itself before and after protecting itself.
struct ChildReport {
    int dumpable_before = -1;
    int protected_ok = 0;
    int dumpable_after = -1;
    rlim_t core_limit = RLIM_INFINITY;
    rlim_t core_hard_limit = RLIM_INFINITY;
};

// Runs forbid_dumps() in a child, so that this test process stays as it was.
ChildReport protect_a_child() {
    std::array<int, 2> channel{};
    REQUIRE(::pipe(channel.data()) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ChildReport report;
        report.dumpable_before = ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
        report.protected_ok = forbid_dumps().has_value() ? 1 : 0;
        report.dumpable_after = ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
        rlimit limit{};
        if (::getrlimit(RLIMIT_CORE, &limit) == 0) {
            report.core_limit = limit.rlim_cur;
            report.core_hard_limit = limit.rlim_max;
        }
        (void)!::write(channel[1], &report, sizeof report);
        ::_exit(0);
    }
    ::close(channel[1]);
    ChildReport report;
    const auto got = ::read(channel[0], &report, sizeof report);
    ::close(channel[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(got == static_cast<ssize_t>(sizeof report));
    return report;
}

}  // namespace

TEST_CASE("A protected process is non-dumpable and writes no core file") {
    const ChildReport report = protect_a_child();
    // It started dumpable, as every process does, so the change is the function's doing.
    CHECK(report.dumpable_before == 1);
    CHECK(report.protected_ok == 1);
    CHECK(report.dumpable_after == 0);
    CHECK(report.core_limit == 0);
    CHECK(report.core_hard_limit == 0);
    // The protection is the child's own: this process is as it was.
    CHECK(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1);
}
