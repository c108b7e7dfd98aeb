// kiosk_speech_bench: the speech timings a listener notices, measured through the real Speaker.
//
//   kiosk_speech_bench [ROUNDS]
//
// Prints the eSpeak NG start-up time, then for each voice: how long from speak() and from
// espeak_Synth to the first PCM chunk, how long stop() takes to return, how long from stop()
// to the end notice, and from the cut to the first audio period without the cut speech.
// Uses SDL's dummy audio driver unless SDL_AUDIODRIVER names another (set it on a kiosk to
// measure its sound card). Not a test: it asserts nothing.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/command_line.h"
#include "kiosk/speech/audio_output.h"
#include "kiosk/speech/speaker.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using kiosk::speech::Speaker;

struct Sample {
    std::vector<double> values;
    void add(double value) { values.push_back(value); }
    double median() const {
        std::vector<double> sorted = values;
        std::ranges::sort(sorted);
        return sorted.empty() ? 0.0 : sorted[sorted.size() / 2];
    }
    double maximum() const { return values.empty() ? 0.0 : std::ranges::max(values); }
};

double milliseconds(std::chrono::microseconds duration) {
    return static_cast<double>(duration.count()) / 1000.0;
}

double milliseconds(Clock::duration duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
}

void print(const char* what, const Sample& sample) {
    std::printf("  %-38s median %8.3f ms   max %8.3f ms\n", what, sample.median(),
                sample.maximum());
}

// Counts end notices, so the bench can wait for the cut utterance to be reported.
class NoticeCounter {
  public:
    void count(const kiosk::speech::SpeechNotice& notice) {
        const std::scoped_lock lock{m_mutex};
        m_last_end = notice.ended;
        ++m_count;
        m_changed.notify_all();
    }
    bool wait_for(std::size_t count) {
        std::unique_lock lock{m_mutex};
        return m_changed.wait_for(lock, 5s, [&] { return m_count >= count; });
    }
    Clock::time_point last_end() const {
        const std::scoped_lock lock{m_mutex};
        return m_last_end;
    }

  private:
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::size_t m_count = 0;
    Clock::time_point m_last_end;
};

// Each round speaks for 0.3 s and then cuts, so the default takes about four seconds a voice.
constexpr int k_default_rounds = 10;

void print_usage(std::FILE* stream) {
    std::fprintf(stream,
                 "usage: kiosk_speech_bench [ROUNDS]\n"
                 "Measures the speech timings a listener notices through the real Speaker:\n"
                 "eSpeak NG's start-up, then for each voice the time to the first audio, how long\n"
                 "stop() takes and the silence after a cut. Prints the numbers to stdout; asserts\n"
                 "nothing. Uses SDL's dummy audio driver unless SDL_AUDIODRIVER names another.\n"
                 "  ROUNDS        utterances started and cut per voice (default %d)\n"
                 "  -h, --help    this text\n",
                 k_default_rounds);
}

struct Voice {
    const char* locale;
    const char* text;
};

constexpr Voice k_voices[] = {
    {"en",
     "Welcome to the bank. Please insert your card with the chip facing up, or press the green "
     "key to hear the choices again."},
    {"zh-CN", "您好，欢迎光临。请插入您的银行卡，芯片朝上，或者按绿色键再听一遍。"},
    {"zh-HK", "你好，歡迎光臨。請插入你的銀行卡，晶片向上，或者按綠色鍵再聽一次。"},
};

}  // namespace

int main(int argc, char** argv) {
    // The arguments are read before eSpeak NG and SDL start, so --help opens no audio.
    if (base::asks_for_help(argc, argv)) {
        print_usage(stdout);
        return 0;
    }
    if (const auto option = base::unknown_option(argc, argv)) {
        std::fprintf(stderr, "kiosk_speech_bench: unknown option %.*s\n",
                     static_cast<int>(option->size()), option->data());
        print_usage(stderr);
        return 2;
    }
    const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : k_default_rounds;
    if (std::getenv("SDL_AUDIODRIVER") == nullptr) {
        ::setenv("SDL_AUDIODRIVER", "dummy", 1);
    }
    std::printf("audio driver: %s, device period %u samples (%.1f ms at 22050 Hz), %d rounds\n",
                std::getenv("SDL_AUDIODRIVER"), kiosk::speech::k_device_buffer_samples,
                kiosk::speech::k_device_buffer_samples * 1000.0 / 22050.0, rounds);

    NoticeCounter notices;
    kiosk::speech::Options options;
    options.on_speech = [&notices](const kiosk::speech::SpeechNotice& notice) {
        notices.count(notice);
    };
    const Clock::time_point create_started = Clock::now();
    auto created = Speaker::create(std::move(options));
    const Clock::duration create_took = Clock::now() - create_started;
    if (!created) {
        std::fprintf(stderr, "speaker unavailable: %s\n", base::to_string(created.error()).c_str());
        return 1;
    }
    Speaker& speaker = **created;
    std::printf("espeak_Initialize + voice checks: %.3f ms (Speaker::create in all: %.3f ms)\n",
                milliseconds(speaker.statistics().initialise_duration), milliseconds(create_took));

    std::size_t expected_notices = 0;
    for (const Voice& voice : k_voices) {
        Sample speak_to_chunk;
        Sample synth_to_chunk;
        Sample stop_call;
        Sample stop_to_notice;
        Sample cut_to_silence;
        for (int round = 0; round < rounds; ++round) {
            kiosk::speech::Utterance utterance;
            utterance.text = voice.text;
            utterance.locale = voice.locale;
            speaker.speak({utterance});
            std::this_thread::sleep_for(300ms);
            const auto statistics = speaker.statistics();
            if (statistics.speak_to_first_chunk && statistics.first_chunk_latency) {
                speak_to_chunk.add(milliseconds(*statistics.speak_to_first_chunk));
                synth_to_chunk.add(milliseconds(*statistics.first_chunk_latency));
            }
            const Clock::time_point stopped = Clock::now();
            speaker.stop();
            stop_call.add(milliseconds(Clock::now() - stopped));
            if (!notices.wait_for(++expected_notices)) {
                std::fprintf(stderr, "no end notice after stop()\n");
                return 1;
            }
            stop_to_notice.add(milliseconds(notices.last_end() - stopped));
            std::this_thread::sleep_for(60ms);  // the mixer's next period measures the cut
            if (const auto cut = speaker.statistics().cut_to_silence) {
                cut_to_silence.add(milliseconds(*cut));
            }
        }
        std::printf("%s (%s)\n", voice.locale, voice.text);
        print("speak() to first PCM chunk", speak_to_chunk);
        print("espeak_Synth to first PCM chunk", synth_to_chunk);
        print("stop() call", stop_call);
        print("stop() to end notice", stop_to_notice);
        print("cut to first period without it", cut_to_silence);
    }
    std::printf("after a cut, at most one device period already handed to SDL still sounds\n");
    return 0;
}
