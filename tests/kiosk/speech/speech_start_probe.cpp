// Test helper: starts one Speaker in a fresh process and prints the outcome, so that start-up
// failures can be tested without the eSpeak NG engine that other tests already started
// (eSpeak NG cannot be restarted within a process).
//
// Usage: speech_start_probe [ESPEAK_DATA_PATH]
// Prints "ok" or the error (code: context); exits 0 when the speaker started.

#include <cstdio>
#include <string_view>

#include "base/command_line.h"
#include "kiosk/speech/speaker.h"

namespace {

constexpr const char* k_usage =
    "usage: speech_start_probe [ESPEAK_DATA_PATH]\n"
    "A test helper (tests/kiosk/speech): starts one Speaker in this fresh process, with eSpeak\n"
    "NG's data from ESPEAK_DATA_PATH (default: the installed data), and prints \"ok\" or the\n"
    "error (code: context) to stdout. Exits 0 when the speaker started, 1 when it did not.\n"
    "  -h, --help    this text\n";

}  // namespace

int main(int argc, char** argv) {
    // The arguments are read before eSpeak NG and SDL start, so --help opens no audio.
    if (base::asks_for_help(argc, argv)) {
        std::fputs(k_usage, stdout);
        return 0;
    }
    if (const auto option = base::unknown_option(argc, argv)) {
        std::fprintf(stderr, "speech_start_probe: unknown option %.*s\n%s",
                     static_cast<int>(option->size()), option->data(), k_usage);
        return 2;
    }
    kiosk::speech::Options options;
    if (argc > 1) {
        options.espeak_data_path = argv[1];
    }
    const auto speaker = kiosk::speech::Speaker::create(options);
    if (!speaker) {
        std::printf("%s\n", base::to_string(speaker.error()).c_str());
        return 1;
    }
    std::printf("ok\n");
    return 0;
}
