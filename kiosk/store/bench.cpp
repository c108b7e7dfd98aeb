// kiosk_store_bench: how fast the journal appends records the durable way (WAL, synchronous=FULL),
// on this machine's disk. Prints one JSON line; it is a measurement, not a test.

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "base/command_line.h"
#include "base/files.h"
#include "kiosk/store/journal.h"

namespace {

constexpr std::int64_t k_default_records = 1'000;

constexpr const char* k_usage =
    "usage: kiosk_store_bench [--records N] [FILE]\n"
    "Appends N records (default 1000) to a new journal in FILE (default: a file in the temporary\n"
    "folder, removed afterwards) and prints one JSON line: records, seconds, appends_per_second,\n"
    "p50_us and p99_us (the latency of one append).\n"
    "  --records N   how many records to append\n"
    "  -h, --help    this text\n";

// A dispensing step as the kiosk would journal it.
kiosk::store::JournalEntry sample_entry() {
    return {.event = "dispense_requested",
            .detail = "cassettes 1 and 2",
            .transaction = "0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c5d",
            .step = "dispensing",
            .amount_minor_units = 50'000,
            .fee_minor_units = 0,
            .currency = "HKD",
            .notes = {2, 1, 0, 0}};
}

std::int64_t unix_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

int main(int argc, char** argv) {
    if (base::asks_for_help(argc, argv)) {
        std::fputs(k_usage, stdout);
        return 0;
    }
    if (const auto option = base::unknown_option(argc, argv, {"--records"})) {
        std::fprintf(stderr, "kiosk_store_bench: unknown option %.*s\n%s",
                     static_cast<int>(option->size()), option->data(), k_usage);
        return 2;
    }
    std::int64_t count = k_default_records;
    std::filesystem::path file;
    for (int index = 1; index < argc; ++index) {
        const std::string_view argument = argv[index];
        if (argument == "--records" && index + 1 < argc) {
            const std::string_view value = argv[++index];
            const auto [end, problem] =
                std::from_chars(value.data(), value.data() + value.size(), count);
            if (problem != std::errc{} || end != value.data() + value.size() || count < 1) {
                std::fprintf(stderr, "kiosk_store_bench: --records needs a positive number\n");
                return 2;
            }
        } else if (argument == "--records" || !file.empty()) {
            std::fputs(k_usage, stderr);
            return 2;
        } else {
            file = argument;
        }
    }
    const bool temporary = file.empty();
    if (temporary) {
        file = std::filesystem::temp_directory_path() / "kiosk_store_bench.sqlite";
        base::remove_database(file);
    }
    auto journal = kiosk::store::Journal::open(file);
    if (!journal) {
        std::fprintf(stderr, "kiosk_store_bench: %s\n", base::to_string(journal.error()).c_str());
        return 2;
    }
    const auto entry = sample_entry();
    std::vector<double> latencies_us;
    latencies_us.reserve(static_cast<std::size_t>(count));
    using Clock = std::chrono::steady_clock;
    const auto started = Clock::now();
    for (std::int64_t index = 0; index < count; ++index) {
        const auto before = Clock::now();
        if (auto appended = (*journal)->append(entry, unix_ms_now()); !appended) {
            std::fprintf(stderr, "kiosk_store_bench: %s\n",
                         base::to_string(appended.error()).c_str());
            return 1;
        }
        latencies_us.push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - before).count());
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    journal->reset();
    if (temporary) {
        base::remove_database(file);
    }
    std::sort(latencies_us.begin(), latencies_us.end());
    const auto percentile = [&latencies_us](double fraction) {
        const auto index =
            static_cast<std::size_t>(fraction * static_cast<double>(latencies_us.size()));
        return latencies_us[std::min(index, latencies_us.size() - 1)];
    };
    std::printf(
        "{\"records\": %lld, \"seconds\": %.3f, \"appends_per_second\": %.1f, \"p50_us\": %.0f, "
        "\"p99_us\": %.0f}\n",
        static_cast<long long>(count), seconds, static_cast<double>(count) / seconds,
        percentile(0.5), percentile(0.99));
    return 0;
}
