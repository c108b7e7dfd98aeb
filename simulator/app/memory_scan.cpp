#include "simulator/app/memory_scan.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

namespace simulator::app {

namespace {

// The memory of a mapping is read in pieces of this size, each with the tail of the pattern
// that may cross into the next piece.
constexpr std::size_t k_piece_size = std::size_t{4} << 20;
// ISO 9564-1:2017 §9.4.2: the PIN field and the account field are 8 bytes (16 nibbles).
constexpr std::size_t k_format0_length = 8;
constexpr std::size_t k_account_field_digits = 12;
constexpr std::size_t k_max_format0_pin_digits = 12;
// Track 2's field separator (EMV 4.3 Book 3 Annex A, tag 57) and the padding nibble of a cn
// field (tag 5A).
constexpr std::uint8_t k_track2_separator = 0x0D;
constexpr std::uint8_t k_padding_nibble = 0x0F;
// What an allocator overwrites at the start of a block it is given back (AddressSanitizer's
// free stack id; glibc's tcache takes 16).
constexpr std::size_t k_allocator_header_length = 8;

struct Mapping {
    std::uint64_t start = 0;
    std::uint64_t end = 0;
    bool readable = false;
    std::string name;
};

// A closed file descriptor on every path out.
class FileDescriptor {
  public:
    explicit FileDescriptor(int descriptor) : m_descriptor(descriptor) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (m_descriptor >= 0) {
            ::close(m_descriptor);
        }
    }
    int get() const { return m_descriptor; }

  private:
    int m_descriptor;
};

base::Error<MemoryScanError> open_error(const std::string& path, int number) {
    const std::string context = path + ": " + std::strerror(number);
    if (number == ENOENT || number == ESRCH) {
        return base::error(MemoryScanError::no_such_process, context);
    }
    if (number == EACCES || number == EPERM) {
        return base::error(MemoryScanError::not_permitted, context);
    }
    return base::error(MemoryScanError::unreadable, context);
}

// One line of /proc/PID/maps: "start-end perms offset dev inode   path".
std::optional<Mapping> parse_mapping(const std::string& line) {
    std::istringstream fields(line);
    std::string range;
    std::string permissions;
    std::string file_offset;
    std::string device;
    std::string inode;
    if (!(fields >> range >> permissions >> file_offset >> device >> inode)) {
        return std::nullopt;
    }
    const auto dash = range.find('-');
    if (dash == std::string::npos || permissions.empty()) {
        return std::nullopt;
    }
    Mapping mapping;
    const auto hex_at = [&range](std::size_t from, std::size_t to, std::uint64_t& value) {
        const auto [end, error] =
            std::from_chars(range.data() + from, range.data() + to, value, 16);
        return error == std::errc{} && end == range.data() + to;
    };
    if (!hex_at(0, dash, mapping.start) || !hex_at(dash + 1, range.size(), mapping.end) ||
        mapping.end < mapping.start) {
        return std::nullopt;
    }
    mapping.readable = permissions.front() == 'r';
    std::string rest;
    std::getline(fields, rest);
    const auto first = rest.find_first_not_of(' ');
    mapping.name = first == std::string::npos ? "[anonymous]" : rest.substr(first);
    return mapping;
}

std::expected<std::vector<Mapping>, base::Error<MemoryScanError>> read_mappings(pid_t pid) {
    const std::string path = "/proc/" + std::to_string(pid) + "/maps";
    // An ifstream hides errno; open() tells "no such process" from "not permitted".
    const FileDescriptor probe(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (probe.get() < 0) {
        return std::unexpected(open_error(path, errno));
    }
    std::ifstream file(path);
    std::vector<Mapping> mappings;
    for (std::string line; std::getline(file, line);) {
        if (auto mapping = parse_mapping(line)) {
            mappings.push_back(std::move(*mapping));
        }
    }
    if (file.bad()) {
        return std::unexpected(base::error(MemoryScanError::unreadable, path));
    }
    if (mappings.empty()) {
        // A process that has exited but not been waited for has no mappings left.
        return std::unexpected(base::error(MemoryScanError::no_such_process, path));
    }
    return mappings;
}

// Where a pattern was found, before overlapping findings are folded.
struct Match {
    std::size_t pattern = 0;
    std::uint64_t offset = 0;
};

// Finds the patterns in memory with the C library's memmem, one pattern at a time: it is
// vectorised and not instrumented by the sanitizers, so searching the kiosk's half gigabyte
// for each form of a card costs little even in the sanitizer build.
class Matcher {
  public:
    explicit Matcher(std::span<const MemoryPattern> patterns) : m_patterns(patterns) {
        for (const MemoryPattern& pattern : patterns) {
            m_longest = std::max(m_longest, pattern.bytes.size());
        }
    }

    std::size_t longest() const { return m_longest; }

    // Reports matches that start before `limit` in `data`, whose bytes after `limit` are the
    // start of the next piece.
    void find(std::span<const std::uint8_t> data, std::size_t limit, std::uint64_t base_offset,
              std::vector<Match>& matches) const {
        for (std::size_t index = 0; index < m_patterns.size(); ++index) {
            const MemoryPattern& pattern = m_patterns[index];
            // A half byte at the end is checked by hand after memmem has found the rest.
            const std::size_t whole =
                pattern.bytes.size() - (pattern.last_byte_high_nibble_only ? 1 : 0);
            std::size_t position = 0;
            while (position < limit && data.size() - position >= pattern.bytes.size()) {
                const void* hit = ::memmem(data.data() + position, data.size() - position,
                                           pattern.bytes.data(), whole);
                if (hit == nullptr) {
                    break;
                }
                const auto at =
                    static_cast<std::size_t>(static_cast<const std::uint8_t*>(hit) - data.data());
                if (at >= limit || data.size() - at < pattern.bytes.size()) {
                    break;
                }
                if (!pattern.last_byte_high_nibble_only ||
                    (data[at + whole] & 0xF0) == (pattern.bytes[whole] & 0xF0)) {
                    matches.push_back(Match{index, base_offset + at});
                }
                position = at + 1;
            }
        }
    }

  private:
    std::span<const MemoryPattern> m_patterns;
    std::size_t m_longest = 0;
};

// Each place once, under the longest pattern that covers it.
std::vector<Match> fold_overlaps(std::vector<Match> matches,
                                 std::span<const MemoryPattern> patterns) {
    const auto length = [&](const Match& match) { return patterns[match.pattern].bytes.size(); };
    std::vector<Match> kept;
    for (const Match& match : matches) {
        const bool covered = std::any_of(matches.begin(), matches.end(), [&](const Match& other) {
            return length(other) > length(match) && other.offset <= match.offset &&
                   match.offset + length(match) <= other.offset + length(other);
        });
        if (!covered) {
            kept.push_back(match);
        }
    }
    return kept;
}

enum class MappingRead { whole, failed, out_of_time };

// Whether any page in [start, end) holds data: present in memory or swapped out
// (/proc/PID/pagemap, one 64-bit entry per page: bit 63 present, bit 62 swapped; the kernel's
// Documentation/admin-guide/mm/pagemap.rst). A page never touched holds only zeros, and no
// pattern starts with a zero byte, so a piece of such pages is not read. When the page map
// cannot be read, every page counts as holding data.
bool holds_data(int page_map, std::uint64_t start, std::uint64_t end) {
    constexpr std::uint64_t k_present = std::uint64_t{1} << 63;
    constexpr std::uint64_t k_swapped = std::uint64_t{1} << 62;
    static const auto k_page_size = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const std::uint64_t first = start / k_page_size;
    const std::uint64_t count = (end - start + k_page_size - 1) / k_page_size;
    std::vector<std::uint64_t> entries(count);
    const auto wanted = static_cast<ssize_t>(count * sizeof(std::uint64_t));
    if (::pread(page_map, entries.data(), static_cast<std::size_t>(wanted),
                static_cast<off_t>(first * sizeof(std::uint64_t))) != wanted) {
        return true;
    }
    return std::any_of(entries.begin(), entries.end(),
                       [](std::uint64_t entry) { return (entry & (k_present | k_swapped)) != 0; });
}

// Reads one mapping piece by piece into `piece` (a piece's size and the longest pattern's
// less one byte) and collects the matches in it. A piece whose pages were never touched is
// skipped; a match that runs from the piece before into it is still found, as that piece's
// read takes in the start of this one.
MappingRead scan_mapping(int memory, int page_map, const Mapping& mapping, const Matcher& matcher,
                         base::Bytes& piece, std::vector<Match>& matches, MemoryScanReport& report,
                         std::chrono::steady_clock::time_point deadline) {
    const std::uint64_t size = mapping.end - mapping.start;
    for (std::uint64_t offset = 0; offset < size; offset += k_piece_size) {
        if (std::chrono::steady_clock::now() > deadline) {
            return MappingRead::out_of_time;
        }
        const auto wanted =
            static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), size - offset));
        const std::uint64_t piece_end = std::min(size, offset + k_piece_size);
        if (!holds_data(page_map, mapping.start + offset, mapping.start + piece_end)) {
            report.bytes_untouched += piece_end - offset;
            continue;
        }
        const ssize_t got =
            ::pread(memory, piece.data(), wanted, static_cast<off_t>(mapping.start + offset));
        if (got <= 0) {
            return MappingRead::failed;
        }
        const auto length = static_cast<std::size_t>(got);
        report.bytes_read += std::min(length, k_piece_size);
        matcher.find(std::span(piece.data(), length), std::min(length, k_piece_size), offset,
                     matches);
        if (length < wanted) {
            return MappingRead::failed;
        }
    }
    return MappingRead::whole;
}

// Packs decimal digits (and the nibbles appended to them) two to a byte, high nibble first.
// An odd count leaves the last low nibble 0.
base::Bytes packed(std::span<const std::uint8_t> nibbles) {
    base::Bytes bytes((nibbles.size() + 1) / 2, 0);
    for (std::size_t index = 0; index < nibbles.size(); ++index) {
        const int shift = index % 2 == 0 ? 4 : 0;
        bytes[index / 2] = static_cast<std::uint8_t>(bytes[index / 2] | nibbles[index] << shift);
    }
    return bytes;
}

base::Bytes digit_nibbles(std::string_view digits) {
    base::Bytes nibbles;
    nibbles.reserve(digits.size() + 1);
    for (const char digit : digits) {
        nibbles.push_back(static_cast<std::uint8_t>(digit - '0'));
    }
    return nibbles;
}

base::Bytes ascii(std::string_view text) {
    return base::Bytes(text.begin(), text.end());
}

// Little-endian code units of `width` bytes: every character of `text` is ASCII.
base::Bytes wide(std::string_view text, std::size_t width) {
    base::Bytes bytes;
    bytes.reserve(text.size() * width);
    for (const char character : text) {
        bytes.push_back(static_cast<std::uint8_t>(character));
        bytes.insert(bytes.end(), width - 1, 0);
    }
    return bytes;
}

// ISO 9564-1:2017 §9.4.2: the 12 rightmost digits of the PAN left of its check digit, with
// zeros in front of a PAN too short to give 12.
std::string account_digits(std::string_view pan) {
    const std::string_view without_check = pan.substr(0, pan.empty() ? 0 : pan.size() - 1);
    if (without_check.size() >= k_account_field_digits) {
        return std::string(without_check.substr(without_check.size() - k_account_field_digits));
    }
    return std::string(k_account_field_digits - without_check.size(), '0') +
           std::string(without_check);
}

void add(std::vector<MemoryPattern>& patterns, std::string_view owner, std::string_view form,
         base::Bytes bytes, bool last_byte_high_nibble_only = false) {
    patterns.push_back(MemoryPattern{.name = std::string(owner) + ": " + std::string(form),
                                     .bytes = std::move(bytes),
                                     .last_byte_high_nibble_only = last_byte_high_nibble_only});
}

}  // namespace

std::string_view to_string(MemoryScanError error) {
    switch (error) {
        case MemoryScanError::not_permitted:
            return "not permitted to read the process's memory (it needs root or "
                   "CAP_SYS_PTRACE, as the kiosk is non-dumpable)";
        case MemoryScanError::no_such_process:
            return "the process has exited";
        case MemoryScanError::unreadable:
            return "cannot read the process's memory map";
        case MemoryScanError::pattern_too_short:
            return "a pattern is too short to tell a secret from chance";
        case MemoryScanError::out_of_time:
            return "the scan did not finish in its time";
    }
    return "unknown memory scan error";
}

std::expected<MemoryScanReport, base::Error<MemoryScanError>> scan_process_memory(
    pid_t pid, std::span<const MemoryPattern> patterns, std::chrono::seconds time_limit) {
    const auto deadline = std::chrono::steady_clock::now() + time_limit;
    for (const MemoryPattern& pattern : patterns) {
        if (pattern.bytes.size() < k_min_pattern_length) {
            return std::unexpected(base::error(MemoryScanError::pattern_too_short, pattern.name));
        }
    }
    auto mappings = read_mappings(pid);
    if (!mappings) {
        return std::unexpected(mappings.error());
    }
    const std::string memory_path = "/proc/" + std::to_string(pid) + "/mem";
    const FileDescriptor memory(::open(memory_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (memory.get() < 0) {
        return std::unexpected(open_error(memory_path, errno));
    }
    const std::string page_map_path = "/proc/" + std::to_string(pid) + "/pagemap";
    const FileDescriptor page_map(::open(page_map_path.c_str(), O_RDONLY | O_CLOEXEC));
    MemoryScanReport report;
    if (patterns.empty()) {
        return report;
    }
    const Matcher matcher(patterns);
    // One buffer for the whole scan, wiped when freed: what it holds may be the very secrets
    // looked for.
    base::Bytes piece(k_piece_size + matcher.longest() - 1);
    for (const Mapping& mapping : *mappings) {
        if (!mapping.readable) {
            continue;
        }
        if (mapping.end - mapping.start > k_largest_mapping_read) {
            ++report.mappings_too_large;
            continue;
        }
        std::vector<Match> matches;
        const MappingRead read = scan_mapping(memory.get(), page_map.get(), mapping, matcher, piece,
                                              matches, report, deadline);
        if (read == MappingRead::out_of_time) {
            return std::unexpected(base::error(
                MemoryScanError::out_of_time,
                fmt::format("{} s passed with {} MiB of {} mappings read, in {} at {:#x}",
                            time_limit.count(), report.bytes_read >> 20, report.mappings_read,
                            mapping.name, mapping.start)));
        }
        if (read == MappingRead::whole) {
            ++report.mappings_read;
        } else {
            ++report.mappings_unreadable;
        }
        for (const Match& match : fold_overlaps(std::move(matches), patterns)) {
            report.findings.push_back(MemoryFinding{.pattern = patterns[match.pattern].name,
                                                    .mapping = mapping.name,
                                                    .mapping_start = mapping.start,
                                                    .offset = match.offset});
        }
    }
    return report;
}

std::vector<MemoryPattern> card_number_patterns(std::string_view owner, std::string_view pan) {
    std::vector<MemoryPattern> patterns;
    add(patterns, owner, "PAN as ASCII", ascii(pan));
    // EMV 4.3 Book 3 Annex A: tag 5A is cn, padded with F to whole bytes.
    base::Bytes nibbles = digit_nibbles(pan);
    if (nibbles.size() % 2 != 0) {
        nibbles.push_back(k_padding_nibble);
    }
    add(patterns, owner, "PAN as packed BCD (tag 5A)", packed(nibbles));
    // Tag 57: the PAN's digits, the separator D, then the expiry and the rest.
    nibbles = digit_nibbles(pan);
    nibbles.push_back(k_track2_separator);
    add(patterns, owner, "track 2: PAN and separator (tag 57)", packed(nibbles),
        nibbles.size() % 2 != 0);
    // Tags 5A and 57 as hexadecimal text (a record or an APDU printed, track 2 split into
    // nibbles to find its separator): the digits, then F or D.
    add(patterns, owner, "PAN as hexadecimal text of tag 5A",
        ascii(std::string(pan) + (pan.size() % 2 != 0 ? "F" : "")));
    add(patterns, owner, "track 2 as hexadecimal text: PAN and separator",
        ascii(std::string(pan) + "D"));
    // What the kiosk sends in START PIN ENTRY (docs/protocols/epp.md).
    add(patterns, owner, "PIN pad account field as ASCII", ascii(account_digits(pan)));
    // A freed heap block whose first bytes the allocator has taken for its own bookkeeping
    // (AddressSanitizer keeps the free's call stack id in the first 8 bytes) still holds the
    // rest of a number that began there.
    if (pan.size() > k_allocator_header_length) {
        add(patterns, owner, "PAN as ASCII past its first 8 characters",
            ascii(pan.substr(k_allocator_header_length)));
    }
    add(patterns, owner, "PAN as hexadecimal text of its ASCII", ascii(base::to_hex(ascii(pan))));
    add(patterns, owner, "PAN as UTF-16LE", wide(pan, 2));
    add(patterns, owner, "PAN as UTF-32LE", wide(pan, 4));
    // Too short to tell from chance, or the same bytes as a form already listed (an even
    // PAN's tag 5A as text is the PAN itself).
    std::vector<MemoryPattern> kept;
    for (MemoryPattern& pattern : patterns) {
        const bool repeated =
            std::any_of(kept.begin(), kept.end(),
                        [&](const MemoryPattern& other) { return other.bytes == pattern.bytes; });
        if (pattern.bytes.size() >= k_min_pattern_length && !repeated) {
            kept.push_back(std::move(pattern));
        }
    }
    return kept;
}

std::vector<MemoryPattern> pin_patterns(std::string_view owner, std::string_view pin,
                                        std::string_view pan) {
    std::vector<MemoryPattern> patterns;
    if (pin.size() >= k_min_pin_digits_to_scan) {
        add(patterns, owner, "PIN as ASCII", ascii(pin));
        add(patterns, owner, "PIN as UTF-16LE", wide(pin, 2));
        add(patterns, owner, "PIN as UTF-32LE", wide(pin, 4));
    }
    if (pin.empty() || pin.size() > k_max_format0_pin_digits) {
        return patterns;
    }
    // ISO 9564-1:2017 §9.4.2: control 0, the PIN's length, its digits, F to 16 nibbles.
    base::Bytes nibbles{0, static_cast<std::uint8_t>(pin.size())};
    const base::Bytes digits = digit_nibbles(pin);
    nibbles.insert(nibbles.end(), digits.begin(), digits.end());
    nibbles.resize(2 * k_format0_length, k_padding_nibble);
    const base::Bytes field = packed(nibbles);
    if (pin.size() >= k_min_pin_digits_to_scan) {
        add(patterns, owner, "clear ISO 9564 format 0 PIN field", field);
    }
    // The account field: 0000 and the 12 digits, XORed into the PIN field.
    base::Bytes account{0, 0, 0, 0};
    const base::Bytes account_nibbles = digit_nibbles(account_digits(pan));
    account.insert(account.end(), account_nibbles.begin(), account_nibbles.end());
    base::Bytes block = packed(account);
    for (std::size_t index = 0; index < block.size(); ++index) {
        block[index] = static_cast<std::uint8_t>(block[index] ^ field[index]);
    }
    add(patterns, owner, "clear ISO 9564 format 0 PIN block", std::move(block));
    return patterns;
}

std::string describe(const MemoryFinding& finding) {
    return fmt::format("{} in {} at offset {:#x} (mapping at {:#x})", finding.pattern,
                       finding.mapping, finding.offset, finding.mapping_start);
}

}  // namespace simulator::app
