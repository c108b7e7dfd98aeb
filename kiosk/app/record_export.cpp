#include "kiosk/app/record_export.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "kiosk/access/private_file.h"
#include "kiosk/net/queue_contract.h"
#include "kiosk/store/journal.h"

namespace kiosk::app {

namespace {

using ExportFailure = base::Error<ExportError>;

// Room kept free beyond the export's own bytes: a file system's blocks, its directory entries
// and the .part copies' metadata are not counted byte for byte.
constexpr std::uintmax_t k_export_space_margin = 64 * 1024;

// ---- SHA-256, FIPS 180-4 ----
// kiosk/app may not include OpenSSL (docs/architecture.md, "Rings"); the manifest's digests are
// computed here, from the standard, and tested against OpenSSL's.

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first
// 64 primes.
constexpr std::array<std::uint32_t, 64> k_sha256_constants{
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// FIPS 180-4 §5.3.3: the initial hash value.
constexpr std::array<std::uint32_t, 8> k_sha256_initial{
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

constexpr std::size_t k_sha256_block_length = 64;  // FIPS 180-4 §5.1.1: 512-bit blocks

// FIPS 180-4 §6.2.2: one block into the hash value.
void sha256_block(std::array<std::uint32_t, 8>& state, const std::uint8_t* block) {
    std::array<std::uint32_t, 64> schedule{};
    for (std::size_t index = 0; index < 16; ++index) {
        schedule[index] = (static_cast<std::uint32_t>(block[4 * index]) << 24) |
                          (static_cast<std::uint32_t>(block[4 * index + 1]) << 16) |
                          (static_cast<std::uint32_t>(block[4 * index + 2]) << 8) |
                          static_cast<std::uint32_t>(block[4 * index + 3]);
    }
    for (std::size_t index = 16; index < 64; ++index) {
        const std::uint32_t before_15 = schedule[index - 15];
        const std::uint32_t before_2 = schedule[index - 2];
        // FIPS 180-4 §4.1.2 (4.6) and (4.7): the small sigmas.
        const std::uint32_t sigma0 =
            std::rotr(before_15, 7) ^ std::rotr(before_15, 18) ^ (before_15 >> 3);
        const std::uint32_t sigma1 =
            std::rotr(before_2, 17) ^ std::rotr(before_2, 19) ^ (before_2 >> 10);
        schedule[index] = schedule[index - 16] + sigma0 + schedule[index - 7] + sigma1;
    }
    // FIPS 180-4 §6.2.2 step 3: the working variables, by the standard's own letters.
    auto [a, b, c, d, e, f, g, h] = state;
    for (std::size_t index = 0; index < 64; ++index) {
        // FIPS 180-4 §4.1.2 (4.2) to (4.5): Ch, Maj and the big sigmas.
        const std::uint32_t big_sigma1 = std::rotr(e, 6) ^ std::rotr(e, 11) ^ std::rotr(e, 25);
        const std::uint32_t choice = (e & f) ^ (~e & g);
        const std::uint32_t first =
            h + big_sigma1 + choice + k_sha256_constants[index] + schedule[index];
        const std::uint32_t big_sigma0 = std::rotr(a, 2) ^ std::rotr(a, 13) ^ std::rotr(a, 22);
        const std::uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
        const std::uint32_t second = big_sigma0 + majority;
        h = g;
        g = f;
        f = e;
        e = d + first;
        d = c;
        c = b;
        b = a;
        a = first + second;
    }
    const std::array<std::uint32_t, 8> worked{a, b, c, d, e, f, g, h};
    for (std::size_t index = 0; index < state.size(); ++index) {
        state[index] += worked[index];
    }
}

// ---- Names and times ----

std::string utc_basic(std::chrono::system_clock::time_point at) {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(at);
    const auto day = std::chrono::floor<std::chrono::days>(seconds);
    const std::chrono::year_month_day date{day};
    const std::chrono::hh_mm_ss time{seconds - day};
    return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                       time.hours().count(), time.minutes().count(), time.seconds().count());
}

// ISO 8601 extended format in UTC with milliseconds, for a record's time.
std::string utc_extended_ms(std::int64_t unix_ms) {
    const std::chrono::sys_time<std::chrono::milliseconds> at{std::chrono::milliseconds(unix_ms)};
    const auto day = std::chrono::floor<std::chrono::days>(at);
    const std::chrono::year_month_day date{day};
    const std::chrono::hh_mm_ss time{at - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                       time.hours().count(), time.minutes().count(), time.seconds().count(),
                       time.subseconds().count());
}

bool is_export_digit(char character) {
    return character >= '0' && character <= '9';
}

// ---- Files ----

// The whole file, or nothing when it cannot be read.
std::optional<std::string> read_whole_file(const std::filesystem::path& file) {
    std::error_code status_error;
    if (!std::filesystem::is_regular_file(file, status_error)) {
        return std::nullopt;
    }
    std::ifstream stream(file, std::ios::binary);
    if (!stream) {
        return std::nullopt;
    }
    std::string text{std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
    if (stream.bad()) {
        return std::nullopt;
    }
    return text;
}

std::filesystem::path part_file_of(const std::filesystem::path& file) {
    return file.string() + ".part";
}

// Whether anything, even a dangling link, has this name.
bool name_taken(const std::filesystem::path& file) {
    std::error_code status_error;
    return std::filesystem::exists(std::filesystem::symlink_status(file, status_error));
}

// A write that failed: the folder full, or not writable (read-only, no permission, an I/O error).
ExportFailure write_failure(const std::filesystem::path& destination, std::uintmax_t needed,
                            const std::string& context) {
    std::error_code space_error;
    const auto space = std::filesystem::space(destination, space_error);
    // A file system with no blocks at all (sysfs, procfs) is not full but not writable.
    if (!space_error && space.capacity > 0 && space.available < needed) {
        return base::error(ExportError::destination_full, context);
    }
    return base::error(ExportError::destination_not_writable, context);
}

// One file of the export, to be written.
struct PendingFile {
    std::filesystem::path file;
    std::string text;
};

// Writes `pending` as NAME.part (created private, fsynced: kiosk/access's write_private_file)
// and gives it its name without replacing anything: link(2) fails when the name exists, where
// rename(2) would replace it silently. A file system without hard links (FAT on a USB stick)
// gets a rename after a last look for the name.
std::expected<void, ExportFailure> write_without_replacing(const PendingFile& pending,
                                                           std::uintmax_t needed) {
    const auto part = part_file_of(pending.file);
    const auto folder = pending.file.parent_path();
    const std::string name = pending.file.filename().string();
    if (auto written = access::write_private_file(part, pending.text, access::KeepPrevious::no);
        !written) {
        std::error_code ignored;
        std::filesystem::remove(part, ignored);
        return std::unexpected(write_failure(folder, needed, "cannot write " + name + ".part"));
    }
    std::error_code link_error;
    std::filesystem::create_hard_link(part, pending.file, link_error);
    if (link_error == std::errc::file_exists) {
        std::error_code ignored;
        std::filesystem::remove(part, ignored);
        return std::unexpected(base::error(ExportError::name_exists, name));
    }
    if (link_error) {
        if (name_taken(pending.file)) {
            std::error_code ignored;
            std::filesystem::remove(part, ignored);
            return std::unexpected(base::error(ExportError::name_exists, name));
        }
        std::error_code rename_error;
        std::filesystem::rename(part, pending.file, rename_error);
        if (rename_error) {
            std::error_code ignored;
            std::filesystem::remove(part, ignored);
            return std::unexpected(write_failure(folder, needed, "cannot rename " + name));
        }
        return {};
    }
    std::error_code remove_error;
    std::filesystem::remove(part, remove_error);
    if (remove_error) {
        std::error_code ignored;
        std::filesystem::remove(pending.file, ignored);
        return std::unexpected(write_failure(folder, needed, "cannot remove " + name + ".part"));
    }
    return {};
}

ExportedFile exported_file_of(const PendingFile& pending, std::size_t redactions) {
    return ExportedFile{pending.file, pending.text.size(), sha256_hex(pending.text), redactions};
}

nlohmann::ordered_json manifest_entry(const ExportedFile& file) {
    nlohmann::ordered_json entry;
    entry["name"] = file.path.filename().string();
    entry["size"] = file.size;
    entry["sha256"] = file.sha256;
    entry["redactions"] = file.redactions;
    return entry;
}

// kiosk/store's verification of the whole file, as the manifest states it.
ChainCheck chain_check_of(const store::VerificationReport& report) {
    ChainCheck check;
    check.records = report.records;
    check.intact = report.valid();
    if (report.error) {
        check.first_bad_sequence = report.first_bad_sequence;
        check.problem = base::to_string(*report.error);
    } else {
        check.last_sequence = report.tail.sequence;
        check.last_hash = base::to_hex(report.tail.hash);
    }
    return check;
}

// One record as a line of JSON. Its text fields are redacted; its numbers and hashes are not
// text a person wrote, and a hash in hex often holds twelve digits in a row by chance.
std::string journal_line(const store::JournalRecord& record, std::size_t& redactions) {
    const store::JournalEntry& entry = record.entry;
    nlohmann::ordered_json line;
    line["sequence"] = record.sequence;
    line["at_unix_ms"] = record.at_unix_ms;
    line["at"] = utc_extended_ms(record.at_unix_ms);
    line["event"] = redact_digits(entry.event, redactions);
    line["detail"] = redact_digits(entry.detail, redactions);
    line["transaction"] = redact_digits(entry.transaction, redactions);
    line["step"] = redact_digits(entry.step, redactions);
    line["amount_minor_units"] = entry.amount_minor_units;
    line["fee_minor_units"] = entry.fee_minor_units;
    line["currency"] = redact_digits(entry.currency, redactions);
    line["notes"] = entry.notes;
    line["previous_hash"] = base::to_hex(record.previous_hash);
    line["hash"] = base::to_hex(record.hash);
    // A record whose text is not UTF-8 (a tampered file) is still exported, with U+FFFD.
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::expected<void, ExportFailure> check_destination(const std::filesystem::path& destination) {
    std::error_code status_error;
    const auto status = std::filesystem::status(destination, status_error);
    if (!std::filesystem::exists(status)) {
        return std::unexpected(base::error(ExportError::destination_missing, destination.string()));
    }
    if (!std::filesystem::is_directory(status)) {
        return std::unexpected(
            base::error(ExportError::destination_not_a_folder, destination.string()));
    }
    return {};
}

}  // namespace

std::string_view to_string(ExportError error) {
    switch (error) {
        case ExportError::invalid_terminal_id:
            return "the terminal id cannot name an export";
        case ExportError::journal_missing:
            return "the electronic journal is not there";
        case ExportError::journal_unreadable:
            return "the electronic journal cannot be read";
        case ExportError::log_unreadable:
            return "the log cannot be read";
        case ExportError::destination_missing:
            return "the destination folder does not exist";
        case ExportError::destination_not_a_folder:
            return "the destination is not a folder";
        case ExportError::destination_not_writable:
            return "the destination cannot be written";
        case ExportError::destination_full:
            return "the destination is full";
        case ExportError::name_exists:
            return "a file of that name is already in the destination";
    }
    return "unknown export error";
}

std::string export_stamp(std::string_view terminal_id, std::chrono::system_clock::time_point at) {
    return std::string(terminal_id) + "-" + utc_basic(at);
}

std::string redact_digits(std::string_view text, std::size_t& redactions) {
    std::string redacted;
    redacted.reserve(text.size());
    std::size_t position = 0;
    while (position < text.size()) {
        if (!is_export_digit(text[position])) {
            redacted.push_back(text[position]);
            ++position;
            continue;
        }
        // The digits of a masked card number ("**** **** **** 3456") are its own group: they
        // never join the digits after them into a run.
        const bool masked =
            (position >= 1 && text[position - 1] == '*') ||
            (position >= 2 && text[position - 1] == ' ' && text[position - 2] == '*');
        std::size_t end = position;
        std::size_t digits = 0;
        while (true) {
            while (end < text.size() && is_export_digit(text[end])) {
                ++end;
                ++digits;
            }
            // One space or hyphen between two digit groups does not break the run
            // (kiosk/store/README.md, "Privacy": "4111 1111 1111 1111" is one run).
            const bool joined = !masked && end + 1 < text.size() &&
                                (text[end] == ' ' || text[end] == '-') &&
                                is_export_digit(text[end + 1]);
            if (!joined) {
                break;
            }
            ++end;
        }
        if (digits >= k_redacted_digit_run) {
            redacted += k_redaction;
            ++redactions;
        } else {
            redacted.append(text.substr(position, end - position));
        }
        position = end;
    }
    return redacted;
}

std::string sha256_hex(std::string_view bytes) {
    std::array<std::uint32_t, 8> state = k_sha256_initial;
    std::size_t offset = 0;
    const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
    for (; offset + k_sha256_block_length <= bytes.size(); offset += k_sha256_block_length) {
        sha256_block(state, data + offset);
    }
    // FIPS 180-4 §5.1.1: a 1 bit, zeros, and the message's length in bits as 64 bits, big-endian.
    std::array<std::uint8_t, 2 * k_sha256_block_length> tail{};
    const std::size_t rest = bytes.size() - offset;
    std::copy(data + offset, data + bytes.size(), tail.begin());
    tail[rest] = 0x80;
    const std::size_t tail_length =
        rest + 1 + 8 <= k_sha256_block_length ? k_sha256_block_length : 2 * k_sha256_block_length;
    const std::uint64_t bit_length = static_cast<std::uint64_t>(bytes.size()) * 8;
    for (std::size_t index = 0; index < 8; ++index) {
        tail[tail_length - 1 - index] = static_cast<std::uint8_t>(bit_length >> (8 * index));
    }
    for (std::size_t block = 0; block < tail_length; block += k_sha256_block_length) {
        sha256_block(state, tail.data() + block);
    }
    std::string hex;
    hex.reserve(64);
    for (const std::uint32_t word : state) {
        hex += fmt::format("{:08x}", word);
    }
    return hex;
}

std::expected<ExportSummary, base::Error<ExportError>> export_records(const RecordExport& request) {
    // The terminal id names the files: one that could hold a '/' or ".." must never reach a path.
    if (!net::is_kiosk_id(request.terminal_id)) {
        return std::unexpected(base::error(ExportError::invalid_terminal_id));
    }
    std::error_code status_error;
    if (!std::filesystem::is_regular_file(request.journal_file, status_error)) {
        // Checked first: kiosk/store's Journal::open would create a missing journal.
        return std::unexpected(
            base::error(ExportError::journal_missing, request.journal_file.string()));
    }
    std::optional<std::string> log_text;
    if (request.log_file) {
        log_text = read_whole_file(*request.log_file);
        if (!log_text) {
            return std::unexpected(
                base::error(ExportError::log_unreadable, request.log_file->string()));
        }
    }
    if (auto checked = check_destination(request.destination); !checked) {
        return std::unexpected(std::move(checked.error()));
    }
    const std::string stamp = export_stamp(request.terminal_id, request.at);
    const auto journal_path = request.destination / ("journal-" + stamp + ".jsonl");
    const auto log_path = request.destination / ("log-" + stamp + ".txt");
    const auto manifest_path = request.destination / ("manifest-" + stamp + ".json");
    for (const auto& path : {journal_path, log_path, manifest_path}) {
        if (name_taken(path) || name_taken(part_file_of(path))) {
            return std::unexpected(base::error(ExportError::name_exists, path.filename().string()));
        }
    }

    // The check first, then the records: the journal only grows, so the first `report.records`
    // rows read are the rows checked, whatever the kiosk appends in between.
    const store::VerificationReport report = store::verify_journal(request.journal_file);
    if (report.error && !report.first_bad_sequence) {
        return std::unexpected(
            base::error(ExportError::journal_unreadable, base::to_string(*report.error)));
    }
    auto journal = store::Journal::open(request.journal_file);
    if (!journal) {
        return std::unexpected(
            base::error(ExportError::journal_unreadable, base::to_string(journal.error())));
    }
    auto records = (*journal)->records();
    journal->reset();
    if (!records) {
        return std::unexpected(
            base::error(ExportError::journal_unreadable, base::to_string(records.error())));
    }
    if (std::cmp_less(records->size(), report.records)) {
        return std::unexpected(
            base::error(ExportError::journal_unreadable, "records went missing while it was read"));
    }
    records->resize(static_cast<std::size_t>(report.records));

    ExportSummary summary;
    summary.records = report.records;
    summary.chain = chain_check_of(report);

    std::vector<PendingFile> pending;
    std::size_t journal_redactions = 0;
    std::string journal_text;
    for (const store::JournalRecord& record : *records) {
        journal_text += journal_line(record, journal_redactions);
    }
    pending.push_back(PendingFile{journal_path, std::move(journal_text)});
    summary.journal = exported_file_of(pending.back(), journal_redactions);
    if (log_text) {
        std::size_t log_redactions = 0;
        pending.push_back(PendingFile{log_path, redact_digits(*log_text, log_redactions)});
        summary.log = exported_file_of(pending.back(), log_redactions);
    }

    nlohmann::ordered_json manifest;
    manifest["terminal_id"] = request.terminal_id;
    manifest["exported_at"] = utc_basic(request.at);
    manifest["files"] = nlohmann::ordered_json::array();
    manifest["files"].push_back(manifest_entry(summary.journal));
    if (summary.log) {
        manifest["files"].push_back(manifest_entry(*summary.log));
    }
    manifest["records"] = summary.records;
    nlohmann::ordered_json chain;
    chain["intact"] = summary.chain.intact;
    chain["records_checked"] = summary.chain.records;
    if (summary.chain.intact) {
        chain["last_sequence"] = summary.chain.last_sequence;
        chain["last_hash"] = summary.chain.last_hash;
    } else {
        chain["first_bad_sequence"] = *summary.chain.first_bad_sequence;
        chain["problem"] = summary.chain.problem;
    }
    manifest["chain"] = chain;
    pending.push_back(
        PendingFile{manifest_path,
                    manifest.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"});
    summary.manifest = exported_file_of(pending.back(), 0);

    std::uintmax_t needed = k_export_space_margin;
    for (const PendingFile& file : pending) {
        needed += file.text.size();
    }
    std::error_code space_error;
    const auto space = std::filesystem::space(request.destination, space_error);
    if (!space_error && space.capacity > 0 && space.available < needed) {
        return std::unexpected(base::error(ExportError::destination_full,
                                           std::to_string(needed) + " bytes needed, " +
                                               std::to_string(space.available) + " free"));
    }

    // The manifest last, so that a folder holding a manifest holds the whole export; on a
    // failure the files already written go again, and the folder is as it was.
    for (std::size_t index = 0; index < pending.size(); ++index) {
        auto written = write_without_replacing(pending[index], needed);
        if (!written) {
            for (std::size_t done = 0; done < index; ++done) {
                std::error_code ignored;
                std::filesystem::remove(pending[done].file, ignored);
            }
            return std::unexpected(std::move(written.error()));
        }
    }
    return summary;
}

}  // namespace kiosk::app
