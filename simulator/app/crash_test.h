#pragma once

// `kiosk-sim crash-test`: the kiosk is killed (SIGKILL, as a crash or a power cut ends it) at
// every step of a cash withdrawal in turn, started again, and left to settle what its journal
// says is unfinished; then the simulated bank's ledger is held against the cash the virtual
// dispenser let the customer take. Each kill point is a scenario of its own, on a branch of its
// own (DIR/NN-POINT/, with the scenario written beside its transcript so that a developer can
// run it again), so that no run's money mixes with another's.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace simulator::app {

// Where a withdrawal is when the kiosk is killed:
// - just after the journal record of a step was written, before the action after it: the
//   kiosk kills itself there, by its test failpoint (`arm kill after journal`);
// - while the bank holds its answer to the request a step sent (`fault account slow for`):
//   killed from outside once the step's record is seen, the request in flight;
// - just as the customer takes the notes: killed from outside.
struct KillPoint {
    std::string_view name;
    // The journal event the kill comes after; empty for the customer's move.
    std::string_view journal_event;
    bool card_taken = false;  // the customer took the card when the kiosk offered it
    bool cash_taken = false;  // and the notes
    // The account service call whose answer the bank holds back, for a kill with the request
    // in flight; empty for a kill by the failpoint.
    std::string_view held_call = {};
};

// Every kill point, in the order a withdrawal passes them.
const std::vector<KillPoint>& kill_points();

struct CrashTestOptions {
    std::filesystem::path out = "out/crash-test";
    std::filesystem::path kiosk;      // the kiosk program
    std::filesystem::path cards;      // the demo card library
    std::filesystem::path branch;     // the queue service's demo branch
    bool json = false;                // one JSON line on stdout instead of sentences
    std::vector<std::string> points;  // the kill points to run, by name; empty: all
};

extern const char* const k_crash_test_usage;

// Reads `kiosk-sim crash-test ...` (argv[1] is "crash-test"). Nothing when the arguments cannot
// be used (said on stderr with the usage); `help` is set when the usage was asked for.
std::optional<CrashTestOptions> parse_crash_test_arguments(int argc, char** argv,
                                                           CrashTestOptions defaults, bool& help);

// The scenario of one kill point: a customer withdraws 100 yuan, the kiosk is killed at the
// point, started again, and the bank's ledger must balance once it shows its welcome screen.
std::string crash_scenario(const KillPoint& point);

// Runs the kill points and prints the outcome. Returns the exit status: 0 every point balanced,
// 1 one did not (or its scenario failed), 2 the test could not run.
int run_crash_test(const CrashTestOptions& options);

}  // namespace simulator::app
