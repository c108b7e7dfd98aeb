#pragma once

// `kiosk-sim load`: the simulated account service, fresh, over mutual TLS, and the kiosk-load
// program (kiosk/load) against it as a child process, with many simulated kiosks; at the end
// the bank's cash ledger is held against what the kiosks dispensed. The simulator never links
// the kiosk's code: kiosk-load is a process, as the kiosk is (docs/architecture.md, "Rings").

#include <cstdint>
#include <filesystem>
#include <optional>

namespace simulator::app {

struct LoadOptions {
    long kiosks = 0;
    long seconds = 0;
    bool json = false;  // one JSON line on stdout instead of sentences
    std::filesystem::path out = "out/load";
    std::filesystem::path kiosk_load;  // the kiosk-load program
    std::filesystem::path cards;       // the demo card library
    std::uint64_t seed = 1;
    long think_ms = 0;  // passed to kiosk-load --think-ms
};

// The usage of `kiosk-sim load`.
extern const char* const k_load_usage;

// Reads `kiosk-sim load ...` (argv[1] is "load"), given the defaults of the program and cards.
// Nothing when the arguments cannot be used (said on stderr with the usage); `help` is set when
// the usage was asked for.
std::optional<LoadOptions> parse_load_arguments(int argc, char** argv, LoadOptions defaults,
                                                bool& help);

// Runs the load and prints its outcome. Returns the exit status: 0 the run completed with no
// error and the ledger balanced, 1 it completed with errors or did not balance (or kiosk-load
// broke off), 2 it could not start.
int run_load(const LoadOptions& options);

}  // namespace simulator::app
