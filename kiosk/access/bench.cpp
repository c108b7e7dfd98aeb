// kiosk_access_bench: how long one password hash takes at the default iteration count on this
// machine, which is what one sign-in costs the kiosk (the desk runs it on a worker thread, never
// the event loop's). Prints one JSON line; it is a measurement, not a test.

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <string_view>
#include <vector>

#include "base/command_line.h"
#include "kiosk/access/password_hash.h"

namespace {

constexpr int k_default_runs = 5;

constexpr const char* k_usage =
    "usage: kiosk_access_bench [--iterations N] [--runs N]\n"
    "Hashes a password N times (default 5) with PBKDF2-HMAC-SHA256 at the given iteration count\n"
    "(default 600000, what new accounts get) and prints one JSON line: iterations, runs,\n"
    "median_ms, min_ms and max_ms.\n"
    "  --iterations N  the iteration count\n"
    "  --runs N        how many hashes to time\n"
    "  -h, --help      this text\n";

bool read_count(std::string_view text, int& count) {
    const auto [end, problem] = std::from_chars(text.data(), text.data() + text.size(), count);
    return problem == std::errc{} && end == text.data() + text.size() && count > 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (base::asks_for_help(argc, argv)) {
        std::fputs(k_usage, stdout);
        return 0;
    }
    if (const auto option = base::unknown_option(argc, argv, {"--iterations", "--runs"})) {
        std::fprintf(stderr, "kiosk_access_bench: unknown option %.*s\n%s",
                     static_cast<int>(option->size()), option->data(), k_usage);
        return 2;
    }
    int iterations = kiosk::access::k_default_iterations;
    int runs = k_default_runs;
    for (int index = 1; index < argc; ++index) {
        const std::string_view argument = argv[index];
        int* target = argument == "--iterations" ? &iterations : &runs;
        if (index + 1 >= argc || !read_count(argv[++index], *target)) {
            std::fputs(k_usage, stderr);
            return 2;
        }
    }
    // A password of the longest form an engineer may type (16 digits).
    const base::SecretText password("3141592653589793");
    std::vector<double> times_ms;
    for (int run = 0; run < runs; ++run) {
        const auto start = std::chrono::steady_clock::now();
        const auto hash = kiosk::access::hash_password(password, iterations);
        const auto end = std::chrono::steady_clock::now();
        if (!hash) {
            std::fprintf(stderr, "kiosk_access_bench: %s\n", to_string(hash.error()).c_str());
            return 1;
        }
        times_ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
    }
    std::ranges::sort(times_ms);
    std::printf(
        "{\"iterations\":%d,\"runs\":%d,\"median_ms\":%.1f,\"min_ms\":%.1f,\"max_ms\":%.1f}\n",
        iterations, runs, times_ms[times_ms.size() / 2], times_ms.front(), times_ms.back());
    return 0;
}
