#include <catch2/catch.hpp>

#include <grp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <string>

#include "base/bytes.h"
#include "drivers/iso9564/pin_block.h"
#include "simulator/app/memory_scan.h"

using namespace simulator::app;

namespace {

// The demo card of tests/e2e/memory_after_customer.scenario (simulator/cards/demo-cards.toml).
constexpr std::string_view k_pan = "6217005530182746391";
constexpr std::string_view k_pin = "958316";

// Bytes that exist nowhere else in memory: drawn at run time and written straight into
// place, so the program's image and the stack hold no copy of the whole.
void fill_random(std::span<std::uint8_t> bytes) {
    std::random_device source;
    for (auto& byte : bytes) {
        byte = static_cast<std::uint8_t>(source());
    }
}

MemoryPattern random_pattern(std::string name, std::size_t length) {
    MemoryPattern pattern{.name = std::move(name), .bytes = base::Bytes(length)};
    fill_random(pattern.bytes);
    return pattern;
}

std::uint64_t address_of(const MemoryFinding& finding) {
    return finding.mapping_start + finding.offset;
}

std::uint64_t address_of(const std::uint8_t* bytes) {
    return reinterpret_cast<std::uintptr_t>(bytes);
}

std::vector<MemoryFinding> findings_of(const MemoryScanReport& report, std::string_view name) {
    std::vector<MemoryFinding> found;
    std::copy_if(report.findings.begin(), report.findings.end(), std::back_inserter(found),
                 [name](const MemoryFinding& finding) { return finding.pattern == name; });
    return found;
}

const MemoryPattern& named(const std::vector<MemoryPattern>& patterns, std::string_view form) {
    const auto found = std::find_if(patterns.begin(), patterns.end(), [form](const auto& pattern) {
        return pattern.name.ends_with(form);
    });
    REQUIRE(found != patterns.end());
    return *found;
}

// An unprivileged user for the tests that need one when they run as root.
constexpr uid_t k_nobody = 65534;

// Leaves root for `nobody`; false when this process is not root (it is unprivileged then).
bool become_nobody() {
    if (::geteuid() != 0) {
        return false;
    }
    return ::setgroups(0, nullptr) == 0 && ::setgid(k_nobody) == 0 && ::setuid(k_nobody) == 0;
}

// A copy of this test process, made by fork(), that holds `memory` at the same address and
// waits until it is told to go; so that a pattern made after the fork lies in the parent only.
// `prepare` runs in the copy first.
class ForkedCopy {
  public:
    explicit ForkedCopy(void (*prepare)() = nullptr) {
        REQUIRE(::pipe(m_release) == 0);
        m_pid = ::fork();
        REQUIRE(m_pid >= 0);
        if (m_pid == 0) {
            if (prepare != nullptr) {
                prepare();
            }
            ::close(m_release[1]);  // else its own copy would keep the pipe open for ever
            char go = 0;
            (void)!::read(m_release[0], &go, 1);
            ::_exit(0);
        }
    }
    ForkedCopy(const ForkedCopy&) = delete;
    ForkedCopy& operator=(const ForkedCopy&) = delete;
    ~ForkedCopy() {
        ::close(m_release[1]);  // end of file: the copy's read returns and it exits
        ::close(m_release[0]);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
    }
    pid_t pid() const { return m_pid; }

  private:
    int m_release[2] = {-1, -1};
    pid_t m_pid = -1;
};

}  // namespace

TEST_CASE("A pattern written into this process's memory is found where it was written") {
    base::Bytes haystack(4096);
    std::vector<MemoryPattern> patterns;
    patterns.push_back(random_pattern("planted", 24));
    constexpr std::size_t k_at = 1000;
    std::copy(patterns[0].bytes.begin(), patterns[0].bytes.end(), haystack.begin() + k_at);

    const auto report = scan_process_memory(::getpid(), patterns);
    REQUIRE(report.has_value());
    CHECK(report->mappings_read > 10);
    CHECK(report->bytes_read > 1'000'000);
    const auto planted = findings_of(*report, "planted");
    // The copy in the haystack, and the pattern's own bytes: both are in this memory.
    CHECK(std::any_of(planted.begin(), planted.end(), [&](const MemoryFinding& finding) {
        return address_of(finding) == address_of(haystack.data() + k_at);
    }));
    CHECK(std::any_of(planted.begin(), planted.end(), [&](const MemoryFinding& finding) {
        return address_of(finding) == address_of(patterns[0].bytes.data());
    }));
}

TEST_CASE("In a copy of this process a pattern it never held is not found, one it held is") {
    base::Bytes haystack(4096);
    constexpr std::size_t k_at = 777;  // not aligned: the scan finds a pattern at any byte
    fill_random(std::span(haystack).subspan(k_at, 24));
    const ForkedCopy copy;  // holds the haystack, and nothing made below

    std::vector<MemoryPattern> patterns;
    patterns.push_back(
        MemoryPattern{.name = "planted",
                      .bytes = base::Bytes(haystack.begin() + k_at, haystack.begin() + k_at + 24)});
    patterns.push_back(random_pattern("never present", 24));
    const auto report = scan_process_memory(copy.pid(), patterns);
    REQUIRE(report.has_value());
    const auto planted = findings_of(*report, "planted");
    REQUIRE(planted.size() == 1);
    CHECK(address_of(planted.front()) == address_of(haystack.data() + k_at));
    CHECK(findings_of(*report, "never present").empty());
}

TEST_CASE("Pages never touched are not read, and a pattern running into them is still found") {
    // 64 MiB between two inaccessible guard pages, so that it is a mapping of its own whose
    // 4 MiB pieces start where it starts. Two places are touched: a pattern whose last four
    // bytes are zeros, ending across the border of the first piece (so the zeros lie in the
    // second piece, never touched), and a pattern deep inside.
    constexpr std::size_t k_piece = std::size_t{4} << 20;
    constexpr std::size_t k_size = 16 * k_piece;
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    void* whole = ::mmap(nullptr, k_size + 2 * page, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(whole != MAP_FAILED);
    auto* bytes = static_cast<std::uint8_t*>(whole) + page;
    REQUIRE(::mprotect(whole, page, PROT_NONE) == 0);
    REQUIRE(::mprotect(bytes + k_size, page, PROT_NONE) == 0);
    // Written straight into place before the copy is made, so the copy holds them there only.
    const std::size_t across_at = k_piece - 20;
    const std::size_t deep_at = 9 * k_piece + 123;
    fill_random(std::span(bytes + across_at, 20));
    bytes[across_at] |= 1;  // no pattern starts with a zero byte
    fill_random(std::span(bytes + deep_at, 24));
    const ForkedCopy copy;

    std::vector<MemoryPattern> patterns;
    patterns.push_back(MemoryPattern{
        .name = "across", .bytes = base::Bytes(bytes + across_at, bytes + across_at + 24)});
    patterns.push_back(
        MemoryPattern{.name = "deep", .bytes = base::Bytes(bytes + deep_at, bytes + deep_at + 24)});
    std::fill(bytes + across_at, bytes + across_at + 20, 0);  // the second piece stays untouched
    std::fill(bytes + deep_at, bytes + deep_at + 24, 0);
    const auto report = scan_process_memory(copy.pid(), patterns);
    ::munmap(whole, k_size + 2 * page);
    REQUIRE(report.has_value());
    const auto across = findings_of(*report, "across");
    const auto deep = findings_of(*report, "deep");
    REQUIRE(across.size() == 1);
    CHECK(address_of(across.front()) == address_of(bytes + across_at));
    REQUIRE(deep.size() == 1);
    CHECK(address_of(deep.front()) == address_of(bytes + deep_at));
    // The 14 pieces never touched were skipped.
    CHECK(report->bytes_untouched >= 14 * k_piece);
}

TEST_CASE("A copy of a card number is reported once, by its form, mapping and offset") {
    base::Bytes haystack(4096);
    constexpr std::size_t k_at = 2000;
    // The PAN in ASCII holds the PIN pad's account field and the PAN past its first 8
    // characters too; the longest form names the copy.
    std::copy(k_pan.begin(), k_pan.end(), haystack.begin() + k_at);
    const ForkedCopy copy;
    std::fill(haystack.begin(), haystack.end(), 0);  // this process keeps no copy

    const auto patterns = card_number_patterns("card zhou-min", k_pan);
    const auto report = scan_process_memory(copy.pid(), patterns);
    REQUIRE(report.has_value());
    const auto at_haystack = [&](const MemoryFinding& finding) {
        return address_of(finding) == address_of(haystack.data() + k_at);
    };
    REQUIRE(std::count_if(report->findings.begin(), report->findings.end(), at_haystack) == 1);
    const auto finding =
        *std::find_if(report->findings.begin(), report->findings.end(), at_haystack);
    CHECK(finding.pattern == "card zhou-min: PAN as ASCII");
    CHECK(finding.offset == address_of(haystack.data() + k_at) - finding.mapping_start);
    CHECK_FALSE(finding.mapping.empty());
    // The description never holds the secret.
    const std::string text = describe(finding);
    CHECK(text.find("PAN as ASCII") != std::string::npos);
    CHECK(text.find(k_pan) == std::string::npos);
    CHECK(text.find(k_pan.substr(8)) == std::string::npos);
}

TEST_CASE("The forms of a card number are those the card's records and the kiosk use") {
    const auto patterns = card_number_patterns("card", k_pan);
    const auto bytes = [](std::string_view hex) { return *base::parse_hex(hex); };
    CHECK(named(patterns, "PAN as ASCII").bytes == base::Bytes(k_pan.begin(), k_pan.end()));
    // Tag 5A: cn, F-padded; tag 57: the PAN, then the separator D.
    CHECK(named(patterns, "packed BCD (tag 5A)").bytes == bytes("6217005530182746391F"));
    const MemoryPattern& track2 = named(patterns, "track 2: PAN and separator (tag 57)");
    CHECK(track2.bytes == bytes("6217005530182746391D"));
    CHECK_FALSE(track2.last_byte_high_nibble_only);
    // The 12 digits left of the check digit (ISO 9564-1 §9.4.2), as the PIN pad receives them.
    CHECK(named(patterns, "account field as ASCII").bytes == bytes("353533303138323734363339"));
    CHECK(named(patterns, "hexadecimal text of tag 5A").bytes ==
          base::Bytes{'6', '2', '1', '7', '0', '0', '5', '5', '3', '0',
                      '1', '8', '2', '7', '4', '6', '3', '9', '1', 'F'});
    CHECK(named(patterns, "hexadecimal text of its ASCII").bytes.size() == 2 * k_pan.size());
    CHECK(named(patterns, "UTF-16LE").bytes.size() == 2 * k_pan.size());
    CHECK(named(patterns, "UTF-16LE").bytes[1] == 0);
    CHECK(named(patterns, "UTF-32LE").bytes.size() == 4 * k_pan.size());

    // An even PAN: track 2's separator fills half a byte, and only that half is compared.
    const auto even = card_number_patterns("card", "6228480402564890");
    const MemoryPattern& even_track2 = named(even, "track 2: PAN and separator (tag 57)");
    CHECK(even_track2.bytes == bytes("6228480402564890D0"));
    CHECK(even_track2.last_byte_high_nibble_only);
    CHECK(named(even, "packed BCD (tag 5A)").bytes == bytes("6228480402564890"));
}

TEST_CASE("Track 2 of an even card number is found whatever follows its separator") {
    constexpr std::string_view k_even_pan = "6228480402564890";
    base::Bytes haystack(512);
    // Tag 57's value: PAN, D, YYMM 2912, service code 220: the D shares its byte with the 2.
    const auto track2 = *base::parse_hex("6228480402564890D2912220");
    std::copy(track2.begin(), track2.end(), haystack.begin() + 100);
    const ForkedCopy copy;
    std::fill(haystack.begin(), haystack.end(), 0);

    const auto report =
        scan_process_memory(copy.pid(), card_number_patterns("card even", k_even_pan));
    REQUIRE(report.has_value());
    const auto found = std::find_if(
        report->findings.begin(), report->findings.end(), [&](const MemoryFinding& finding) {
            return address_of(finding) == address_of(haystack.data() + 100);
        });
    REQUIRE(found != report->findings.end());
    CHECK(found->pattern == "card even: track 2: PAN and separator (tag 57)");
}

TEST_CASE("The clear PIN forms are the ISO 9564 format 0 field and block") {
    const auto patterns = pin_patterns("card", k_pin, k_pan);
    CHECK(named(patterns, "PIN as ASCII").bytes == base::Bytes(k_pin.begin(), k_pin.end()));
    CHECK(named(patterns, "PIN as UTF-16LE").bytes.size() == 12);
    CHECK(named(patterns, "PIN as UTF-32LE").bytes.size() == 24);
    CHECK(named(patterns, "format 0 PIN field").bytes == *base::parse_hex("06958316FFFFFFFF"));
    // The block as the PIN pad builds it, before it enciphers it.
    const auto clear = drivers::iso9564::format0_clear(k_pin, k_pan);
    REQUIRE(clear.has_value());
    CHECK(named(patterns, "format 0 PIN block").bytes == base::Bytes(clear->begin(), clear->end()));
}

TEST_CASE("A short PIN is looked for only in its format 0 block, which chance does not make") {
    const auto patterns = pin_patterns("card", "1234", k_pan);
    REQUIRE(patterns.size() == 1);
    CHECK(patterns.front().name == "card: clear ISO 9564 format 0 PIN block");
    CHECK(patterns.front().bytes.size() == 8);
}

TEST_CASE("A pattern shorter than 6 bytes is refused: chance would find it") {
    std::vector<MemoryPattern> patterns;
    patterns.push_back(MemoryPattern{.name = "short", .bytes = base::Bytes{1, 2, 3, 4, 5}});
    const auto report = scan_process_memory(::getpid(), patterns);
    REQUIRE_FALSE(report.has_value());
    CHECK(report.error().code == MemoryScanError::pattern_too_short);
    CHECK(report.error().context == "short");
}

TEST_CASE("A process that has gone cannot be scanned, and the scan says so") {
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    const auto report = scan_process_memory(child, card_number_patterns("card", k_pan));
    REQUIRE_FALSE(report.has_value());
    CHECK(report.error().code == MemoryScanError::no_such_process);
}

TEST_CASE("A non-dumpable process cannot be scanned without CAP_SYS_PTRACE, and the scan says so") {
    // The kiosk as it runs: an unprivileged user's process that has made itself non-dumpable.
    const ForkedCopy kiosk([] {
        (void)become_nobody();
        ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    });
    // Another process of the same user tries to read it.
    const pid_t scanner = ::fork();
    REQUIRE(scanner >= 0);
    if (scanner == 0) {
        (void)become_nobody();
        const auto report = scan_process_memory(kiosk.pid(), card_number_patterns("card", k_pan));
        const bool refused =
            !report.has_value() && report.error().code == MemoryScanError::not_permitted &&
            base::to_string(report.error()).find("CAP_SYS_PTRACE") != std::string::npos;
        ::_exit(refused ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(scanner, &status, 0) == scanner);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("A scan that runs out of time says so and how far it came, instead of hanging") {
    std::vector<MemoryPattern> patterns;
    patterns.push_back(random_pattern("anything", 24));
    const auto report = scan_process_memory(::getpid(), patterns, std::chrono::seconds{-1});
    REQUIRE_FALSE(report.has_value());
    CHECK(report.error().code == MemoryScanError::out_of_time);
    CHECK_THAT(report.error().context, Catch::Contains("MiB of 0 mappings read"));
}
