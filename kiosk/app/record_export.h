#pragma once

// The service menu's export of the records (issue 10, "Configuration and records"): the
// electronic journal as JSON Lines, the kiosk's log, and a manifest of both, written to a USB
// stick's mount point or any folder an engineer names. Nothing already in the folder is ever
// overwritten, and an export that fails leaves the folder as it found it.
//
// Redaction is a second line of defence: the journal holds no personal data by design
// (kiosk/store/README.md, "Privacy"), a log might. Every run of k_redacted_digit_run or more
// digits (one space or hyphen between digit groups does not break a run, as the journal's own
// guard counts them) becomes "[digits]"; a masked card number ("**** 3456") keeps its last
// digits; nothing else is changed. The manifest counts the redactions of each file.
//
// Threading: none of its own. It reads and writes files for as long as they take (a journal of
// years is megabytes), so the shell calls it off the event loop's thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace kiosk::app {

enum class ExportError {
    invalid_terminal_id,       // not 1 to 32 characters of A-Z a-z 0-9 . _ - (it names the files)
    journal_missing,           // the journal file is not there, or is not a file
    journal_unreadable,        // the journal could not be opened or read (kiosk/store's error)
    log_unreadable,            // the log file was named but is missing or cannot be read
    destination_missing,       // the destination folder does not exist (no stick mounted)
    destination_not_a_folder,  // the destination is a file or something else
    destination_not_writable,  // a file could not be created or written there
    destination_full,          // not room enough there for the export
    name_exists,               // a file of an export's name is already there
};

std::string_view to_string(ExportError error);

// ISO/IEC 7812-1 §4.3: the shortest card number has 12 digits, so a run this long is treated
// as one; it is the same limit as kiosk/store's k_refused_digit_run.
inline constexpr std::size_t k_redacted_digit_run = 12;
inline constexpr std::string_view k_redaction = "[digits]";

// What one export is asked for. `at` names the files (UTC, to the second); it is a parameter so
// that the export reads no clock.
struct RecordExport {
    std::filesystem::path journal_file;
    std::optional<std::filesystem::path> log_file;
    std::string terminal_id;
    std::filesystem::path destination;
    std::chrono::system_clock::time_point at;
};

// A file the export wrote, as the manifest describes it.
struct ExportedFile {
    std::filesystem::path path;
    std::uintmax_t size = 0;
    std::string sha256;  // FIPS 180-4 SHA-256 of the file's bytes, 64 lower-case hex digits
    std::size_t redactions = 0;
};

// What the journal's hash chain showed (kiosk/store/README.md, "The hash chain").
struct ChainCheck {
    bool intact = false;
    std::int64_t records = 0;  // rows checked
    // Broken: the first sequence the chain does not vouch for, and what was wrong.
    std::optional<std::int64_t> first_bad_sequence;
    std::string problem;
    // Intact: the last record's sequence and hash (hex), for comparison with a copy kept
    // elsewhere (kiosk/store/README.md, "The tail").
    std::int64_t last_sequence = 0;
    std::string last_hash;
};

struct ExportSummary {
    ExportedFile journal;
    std::optional<ExportedFile> log;
    ExportedFile manifest;  // its own size and hash (which it cannot hold)
    std::int64_t records = 0;
    ChainCheck chain;
};

// The names of an export's files: journal-TERMINAL-YYYYMMDDTHHMMSSZ.jsonl,
// log-TERMINAL-....txt and manifest-TERMINAL-....json, in UTC (ISO 8601 basic format).
std::string export_stamp(std::string_view terminal_id, std::chrono::system_clock::time_point at);

// `text` with every run of k_redacted_digit_run or more digits replaced by k_redaction, and how
// many runs were replaced.
std::string redact_digits(std::string_view text, std::size_t& redactions);

// SHA-256 (FIPS 180-4 §6.2) of `bytes`, as 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

// Writes the journal (every record, one JSON object a line), the log when one is named, and the
// manifest into the destination. Each file is written as NAME.part, fsynced, renamed into place
// without replacing anything; on any failure the files of this export are removed again.
std::expected<ExportSummary, base::Error<ExportError>> export_records(const RecordExport& request);

}  // namespace kiosk::app
