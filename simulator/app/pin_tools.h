#pragma once

// `kiosk-sim pinblock` and `kiosk-sim kcv`: an engineer's calculator for the ISO 9564-1:2017 PIN
// blocks and the key check values the simulated PIN pad and bank use (drivers/iso9564), so that
// a block or a key seen on a real pad or host can be checked by hand. Each prints one JSON
// object on stdout, or one line saying what is wrong with the arguments on stderr. Nothing is
// logged: the output holds the PIN, as the engineer asked for it.

namespace simulator::app {

// The usages of the two commands.
extern const char* const k_pinblock_usage;
extern const char* const k_kcv_usage;

// `kiosk-sim pinblock --format 0|1|3|4 --pin PIN [--pan PAN] [--key HEX] [--fill HEX]`
// (argv[1] is "pinblock"). Prints {"format", "clear", "encrypted" (with --key)}. Returns the exit
// status: 0 printed, 1 the cipher library failed, 2 the arguments cannot be used.
int run_pinblock(int argc, const char* const* argv);

// `kiosk-sim kcv --algorithm tdes|aes --key HEX` (argv[1] is "kcv"). Prints {"algorithm",
// "kcv"}. The same exit statuses.
int run_kcv(int argc, const char* const* argv);

}  // namespace simulator::app
