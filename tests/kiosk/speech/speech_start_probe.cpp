// Test helper: starts one Speaker in a fresh process and prints the outcome, so that start-up
// failures can be tested without the eSpeak NG engine that other tests already started
// (eSpeak NG cannot be restarted within a process).
//
// Usage: speech_start_probe [ESPEAK_DATA_PATH]
// Prints "ok" or the error (code: context); exits 0 when the speaker started.

#include <cstdio>

#include "kiosk/speech/speaker.h"

int main(int argc, char** argv) {
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
