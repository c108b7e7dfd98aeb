#pragma once
// Looks for secrets in the memory of a running process: the card numbers and PINs that a
// scenario used, in every form the kiosk's code or its libraries could have left them (ASCII,
// packed BCD as the card's records hold them, track 2, the PIN pad's account field, hex text,
// UTF-16 and UTF-32, the clear ISO 9564 PIN field and block). The kiosk-sim step
// `expect memory clean` (docs/scenarios.md) runs it on the kiosk after a customer has gone.
//
// A finding names the form that was found, the mapping it lies in and where: never the bytes.
// Reading another process's memory needs root or CAP_SYS_PTRACE once that process is
// non-dumpable, as the kiosk makes itself.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"

namespace simulator::app {

// Shorter patterns turn up by chance in the hundreds of megabytes of a running program.
inline constexpr std::size_t k_min_pattern_length = 6;
// A form of a PIN that holds fewer digits than this (its ASCII, its UTF-16 and UTF-32, its
// format 0 PIN field) is too likely to occur by chance to be worth a verdict; such a PIN is
// looked for only in its format 0 block, which mixes in 12 digits of the card number.
inline constexpr std::size_t k_min_pin_digits_to_scan = 6;

// One form of one secret. The bytes are wiped when the pattern is freed.
struct MemoryPattern {
    std::string name;  // what it is, e.g. "card li-na: PAN as ASCII"; never the secret
    base::Bytes bytes;
    // Only the high nibble of the last byte counts: track 2 of an even-length PAN ends in
    // the separator nibble D, followed by the expiry in the low nibble.
    bool last_byte_high_nibble_only = false;
};

struct MemoryFinding {
    std::string pattern;  // the pattern's name
    std::string mapping;  // the mapping's path, "[heap]", "[stack]" or "[anonymous]"
    std::uint64_t mapping_start = 0;
    std::uint64_t offset = 0;  // from the start of the mapping
};

struct MemoryScanReport {
    // Each place once, under the longest pattern that covers it (the PIN pad's account field
    // lies inside every ASCII copy of the card number, and is reported only where it lies
    // alone).
    std::vector<MemoryFinding> findings;
    std::size_t mappings_read = 0;
    // Readable by their permissions but not through /proc/PID/mem ([vvar], a file mapped past
    // its end): nothing of the process's own lies there.
    std::size_t mappings_unreadable = 0;
    // Reservations larger than k_largest_mapping_read (AddressSanitizer's shadow memory, which
    // holds shadow bytes, not data): reading them would make the kernel map terabytes.
    std::size_t mappings_too_large = 0;
    std::uint64_t bytes_read = 0;
    // Pieces of mappings whose pages were never touched (neither in memory nor swapped out):
    // they hold only zeros and are not read.
    std::uint64_t bytes_untouched = 0;
};

// A scan of the sanitizer build's kiosk (about 750 MiB to read) takes a few seconds; one
// that takes this long is stuck, and says where rather than run into the test's time-out.
inline constexpr std::chrono::seconds k_memory_scan_time_limit{120};

// Mappings larger than this are reservations, not data (see MemoryScanReport).
inline constexpr std::uint64_t k_largest_mapping_read = std::uint64_t{64} << 30;

// Why a process's memory could not be scanned. Errors carry it as
// base::Error<MemoryScanError>, whose context names the file and the system's reason.
enum class MemoryScanError {
    not_permitted,      // its maps or memory cannot be opened: needs root or CAP_SYS_PTRACE
    no_such_process,    // the process has exited
    unreadable,         // its maps cannot be read for another reason
    pattern_too_short,  // a pattern shorter than k_min_pattern_length (a programming mistake)
    out_of_time,        // the time limit passed before every mapping was read
};

std::string_view to_string(MemoryScanError error);

// Reads every readable mapping of the process (/proc/PID/maps, then pread on /proc/PID/mem,
// skipping what /proc/PID/pagemap shows was never touched) and reports where each pattern
// occurs. Errors: not_permitted, no_such_process, unreadable, pattern_too_short, and
// out_of_time when `time_limit` passes first (its context says how far the scan came and
// where it was), so that a slowed-down scan never hangs the scenario that asked for it.
std::expected<MemoryScanReport, base::Error<MemoryScanError>> scan_process_memory(
    pid_t pid, std::span<const MemoryPattern> patterns,
    std::chrono::seconds time_limit = k_memory_scan_time_limit);

// The forms of a card number (12..19 digits) the kiosk may have held, named after `owner`
// ("card li-na"): ASCII; packed BCD as tag 5A holds it (F-padded when odd); track 2 as tag
// 57 holds it (the PAN's BCD and the separator nibble D); the PIN pad's account field (the 12
// digits left of the check digit) in ASCII; the ASCII digits as hexadecimal text; UTF-16LE;
// UTF-32LE.
std::vector<MemoryPattern> card_number_patterns(std::string_view owner, std::string_view pan);

// The forms of a PIN the kiosk must never hold, named after `owner`: ASCII, UTF-16LE and
// UTF-32LE, the clear ISO 9564 format 0 PIN field, and the clear format 0 block for the card
// `pan` (ISO 9564-1:2017 §9.4.2). A PIN shorter than k_min_pin_digits_to_scan gives the
// block only.
std::vector<MemoryPattern> pin_patterns(std::string_view owner, std::string_view pin,
                                        std::string_view pan);

// "PAN as ASCII in [heap] at offset 0x1a2b0 (mapping at 0x55d0c2a4e000)".
std::string describe(const MemoryFinding& finding);

}  // namespace simulator::app
