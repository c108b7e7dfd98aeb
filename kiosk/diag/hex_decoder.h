#pragma once

// What the decoding subcommands of kiosk-diag share (ccid-descriptor, atr, tlv): one argument,
// HEX, read as bytes and described as one JSON object; or "-", one HEX a line on standard input
// and one JSON object a line on standard output, so that a script (or a test) can decode a
// whole corpus in one run (kiosk/diag/README.md, "Decoding bytes").

#include <nlohmann/json.hpp>

#include <cstdint>
#include <span>
#include <string_view>

namespace kiosk::diag {

// Describes bytes that were given: the description says itself whether they are valid.
using DescribeBytes = nlohmann::ordered_json (*)(std::span<const std::uint8_t> bytes);

// Runs a decoding subcommand named `words` on its one argument. Returns k_exit_decoded when
// every input was hexadecimal and not empty, k_exit_unusable (with the reason on standard
// error, and nothing more on standard output) at the first that was not.
int run_hex_decoder(std::string_view words, std::string_view argument, DescribeBytes describe);

}  // namespace kiosk::diag
