// kiosk_speech_bench: the speech timings a listener notices, and what an idle speaker costs,
// measured through the real Speaker.
//
//   kiosk_speech_bench [ROUNDS]
//   kiosk_speech_bench --idle [SECONDS]
//
// The first form prints the eSpeak NG start-up time, then for each voice, over ROUNDS runs,
// the 50th and 99th percentiles and the maximum of: speak() (a screen change) and queue() with
// nothing ahead (a reminder) to the first audio chunk queued for the output; that chunk to the
// first device period holding it; stop() (any key) to the first audio period without the
// speech; how long stop() takes to return and how long until the cut utterance's end notice.
// The second form leaves a Speaker idle for SECONDS and prints the processor time the process
// and each of its threads used meanwhile, and how often each thread woke up.
// Uses SDL's dummy audio driver unless SDL_AUDIODRIVER names another (set it on a kiosk to
// measure its sound card). Not a test: it asserts nothing.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
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

// Each round speaks for this long before the cut: long enough for the first chunk to be
// queued and the device to play a few periods of it.
constexpr auto k_speech_before_cut = 300ms;
// After a cut, the mixer's next period measures the silence; two periods and then some.
constexpr auto k_cut_settle = 60ms;
constexpr int k_default_rounds = 50;
constexpr int k_default_idle_seconds = 10;

struct Sample {
    std::vector<double> values;
    void add(double value) { values.push_back(value); }
    // Nearest rank: the smallest value with at least `fraction` of the values at or below it.
    double percentile(double fraction) const {
        if (values.empty()) {
            return 0.0;
        }
        std::vector<double> sorted = values;
        std::ranges::sort(sorted);
        const auto rank =
            static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
        return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
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
    std::printf("  %-40s n %3zu  p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms\n", what,
                sample.values.size(), sample.percentile(0.5), sample.percentile(0.99),
                sample.maximum());
}

// Counts end and idle notices, so the bench can wait for the cut utterance to be reported and
// the speaker to be silent again.
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
    std::size_t count() const {
        const std::scoped_lock lock{m_mutex};
        return m_count;
    }
    void count_idle() {
        const std::scoped_lock lock{m_mutex};
        ++m_idle;
        m_changed.notify_all();
    }
    bool wait_for_idle(std::size_t count) {
        std::unique_lock lock{m_mutex};
        return m_changed.wait_for(lock, 5s, [&] { return m_idle >= count; });
    }
    std::size_t idle_count() const {
        const std::scoped_lock lock{m_mutex};
        return m_idle;
    }
    Clock::time_point last_end() const {
        const std::scoped_lock lock{m_mutex};
        return m_last_end;
    }

  private:
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::size_t m_count = 0;
    std::size_t m_idle = 0;
    Clock::time_point m_last_end;
};

void print_usage(std::FILE* stream) {
    std::fprintf(stream,
                 "usage: kiosk_speech_bench [ROUNDS]\n"
                 "       kiosk_speech_bench --idle [SECONDS]\n"
                 "Measures the speech timings a listener notices through the real Speaker:\n"
                 "eSpeak NG's start-up, then for each voice the time from speak() and queue() to\n"
                 "the first audio queued for the output and from stop() to silence, as\n"
                 "percentiles over ROUNDS runs. With --idle, leaves a speaker idle and prints\n"
                 "the processor time it used. Prints the numbers to stdout; asserts nothing.\n"
                 "Uses SDL's dummy audio driver unless SDL_AUDIODRIVER names another.\n"
                 "  ROUNDS        rounds per voice, each a speak() and a queue() cut by stop()\n"
                 "                (default %d)\n"
                 "  --idle        measure an idle speaker for SECONDS (default %d)\n"
                 "  -h, --help    this text\n",
                 k_default_rounds, k_default_idle_seconds);
}

struct Voice {
    const char* locale;
    const char* text;
};

constexpr Voice k_voices[] = {
    {"zh-CN", "您好，欢迎光临。请插入您的银行卡，芯片朝上，或者按绿色键再听一遍。"},
    {"zh-HK", "你好，歡迎光臨。請插入你的銀行卡，晶片向上，或者按綠色鍵再聽一次。"},
    {"en",
     "Welcome to the bank. Please insert your card with the chip facing up, or press the green "
     "key to hear the choices again."},
};

kiosk::speech::Utterance utterance_of(const Voice& voice) {
    kiosk::speech::Utterance utterance;
    utterance.text = voice.text;
    utterance.phonetic = voice.text;
    utterance.locale = voice.locale;
    return utterance;
}

// What one voice measured over its rounds.
struct VoiceSamples {
    Sample speak_to_chunk;
    Sample queue_to_chunk;
    Sample chunk_to_period;
    Sample synth_to_chunk;
    Sample stop_call;
    Sample stop_to_notice;
    Sample stop_to_silence;
};

// Starts the voice's sentence with speak() (customer speech) or queue() (the kiosk's, with
// nothing ahead of it), lets it play, then cuts it with stop(). False when the speaker never
// reported the end.
bool say_and_cut(Speaker& speaker, NoticeCounter& notices, const Voice& voice, bool queued,
                 VoiceSamples& samples) {
    const std::size_t notices_before = notices.count();
    const std::size_t idle_before = notices.idle_count();
    if (queued) {
        speaker.queue({utterance_of(voice)});
    } else {
        speaker.speak({utterance_of(voice)});
    }
    std::this_thread::sleep_for(k_speech_before_cut);
    const auto statistics = speaker.statistics();
    const auto to_chunk =
        queued ? statistics.queue_to_first_chunk : statistics.speak_to_first_chunk;
    if (to_chunk && statistics.first_chunk_latency) {
        (queued ? samples.queue_to_chunk : samples.speak_to_chunk).add(milliseconds(*to_chunk));
        samples.synth_to_chunk.add(milliseconds(*statistics.first_chunk_latency));
    }
    if (statistics.chunk_to_first_period) {
        samples.chunk_to_period.add(milliseconds(*statistics.chunk_to_first_period));
    }
    const Clock::time_point stopped = Clock::now();
    speaker.stop();
    const Clock::duration stop_call = Clock::now() - stopped;
    samples.stop_call.add(milliseconds(stop_call));
    if (!notices.wait_for(notices_before + 1) || !notices.wait_for_idle(idle_before + 1)) {
        return false;
    }
    samples.stop_to_notice.add(milliseconds(notices.last_end() - stopped));
    std::this_thread::sleep_for(k_cut_settle);
    if (const auto cut = speaker.statistics().cut_to_silence) {
        // Measured from the cut inside stop(); the whole stop() call is added, so the figure
        // runs from the moment stop() was called.
        samples.stop_to_silence.add(milliseconds(*cut) + milliseconds(stop_call));
    }
    return true;
}

int measure_latency(Speaker& speaker, NoticeCounter& notices, int rounds) {
    for (const Voice& voice : k_voices) {
        VoiceSamples samples;
        for (int round = 0; round < rounds; ++round) {
            if (!say_and_cut(speaker, notices, voice, false, samples) ||
                !say_and_cut(speaker, notices, voice, true, samples)) {
                std::fprintf(stderr, "no end notice after stop()\n");
                return 1;
            }
        }
        std::printf("%s (%s)\n", voice.locale, voice.text);
        print("speak() to first chunk queued", samples.speak_to_chunk);
        print("queue() behind nothing to first chunk", samples.queue_to_chunk);
        print("first chunk queued to first period", samples.chunk_to_period);
        print("espeak_Synth to first chunk", samples.synth_to_chunk);
        print("stop() to first period without it", samples.stop_to_silence);
        print("stop() call", samples.stop_call);
        print("stop() to end notice", samples.stop_to_notice);
    }
    std::printf(
        "after a cut, at most one device period already handed to SDL still sounds; a chunk\n"
        "queued waits for the device's next period (at most one period, %.1f ms)\n",
        kiosk::speech::k_device_buffer_samples * 1000.0 / 22050.0);
    return 0;
}

// ---- idle ----

struct ThreadTimes {
    std::string name;
    double cpu_ms = 0;         // /proc/self/task/TID/schedstat: time on a processor
    long voluntary_waits = 0;  // /proc/self/task/TID/status: voluntary_ctxt_switches
};

std::string first_line(const std::filesystem::path& path) {
    std::ifstream file{path};
    std::string line;
    std::getline(file, line);
    return line;
}

std::map<std::string, ThreadTimes> thread_times() {
    std::map<std::string, ThreadTimes> threads;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator{"/proc/self/task", error}) {
        ThreadTimes times;
        times.name = first_line(entry.path() / "comm");
        times.cpu_ms = std::strtod(first_line(entry.path() / "schedstat").c_str(), nullptr) / 1e6;
        std::ifstream status{entry.path() / "status"};
        for (std::string line; std::getline(status, line);) {
            if (line.starts_with("voluntary_ctxt_switches:")) {
                times.voluntary_waits = std::atol(line.substr(line.find(':') + 1).c_str());
            }
        }
        threads[entry.path().filename().string()] = times;
    }
    return threads;
}

// std::clock() is the processor time of the whole process, every thread included (glibc
// reads CLOCK_PROCESS_CPUTIME_ID).
double process_cpu_ms() {
    return static_cast<double>(std::clock()) * 1000.0 / CLOCKS_PER_SEC;
}

void measure_idle_once(const char* what, int seconds) {
    const auto threads_before = thread_times();
    const double cpu_before = process_cpu_ms();
    const Clock::time_point began = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds{seconds});
    const double wall_ms = milliseconds(Clock::now() - began);
    const double cpu_ms = process_cpu_ms() - cpu_before;
    const auto threads_after = thread_times();
    std::printf("%s: %.1f ms of processor time in %.1f s: %.3f%% of one core\n", what, cpu_ms,
                wall_ms / 1000.0, 100.0 * cpu_ms / wall_ms);
    for (const auto& [id, after] : threads_after) {
        const auto before = threads_before.find(id);
        const double thread_cpu =
            after.cpu_ms - (before == threads_before.end() ? 0.0 : before->second.cpu_ms);
        const long wakes = after.voluntary_waits -
                           (before == threads_before.end() ? 0 : before->second.voluntary_waits);
        std::printf("  thread %-16s %8.2f ms  %6.1f wake-ups a second\n", after.name.c_str(),
                    thread_cpu, static_cast<double>(wakes) * 1000.0 / wall_ms);
    }
}

int measure_idle(Speaker& speaker, NoticeCounter& notices, int seconds) {
    measure_idle_once("idle after start-up", seconds);
    kiosk::speech::Utterance short_utterance = utterance_of(k_voices[2]);
    short_utterance.text = "Welcome.";
    short_utterance.phonetic = short_utterance.text;
    speaker.speak({short_utterance});
    if (!notices.wait_for(1)) {
        std::fprintf(stderr, "the utterance never ended\n");
        return 1;
    }
    measure_idle_once("idle after speech", seconds);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // The arguments are read before eSpeak NG and SDL start, so --help opens no audio.
    if (base::asks_for_help(argc, argv)) {
        print_usage(stdout);
        return 0;
    }
    if (const auto option = base::unknown_option(argc, argv, {"--idle"})) {
        std::fprintf(stderr, "kiosk_speech_bench: unknown option %.*s\n",
                     static_cast<int>(option->size()), option->data());
        print_usage(stderr);
        return 2;
    }
    const bool idle = argc > 1 && std::string_view{argv[1]} == "--idle";
    const int number_index = idle ? 2 : 1;
    const int number = argc > number_index ? std::max(1, std::atoi(argv[number_index]))
                                           : (idle ? k_default_idle_seconds : k_default_rounds);
    if (std::getenv("SDL_AUDIODRIVER") == nullptr) {
        ::setenv("SDL_AUDIODRIVER", "dummy", 1);
    }
    std::printf("audio driver: %s, device period %u samples (%.1f ms at 22050 Hz)\n",
                std::getenv("SDL_AUDIODRIVER"), kiosk::speech::k_device_buffer_samples,
                kiosk::speech::k_device_buffer_samples * 1000.0 / 22050.0);

    NoticeCounter notices;
    kiosk::speech::Options options;
    options.on_speech = [&notices](const kiosk::speech::SpeechNotice& notice) {
        notices.count(notice);
    };
    options.on_idle = [&notices] { notices.count_idle(); };
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
    if (idle) {
        return measure_idle(speaker, notices, number);
    }
    std::printf("%d rounds per voice\n", number);
    return measure_latency(speaker, notices, number);
}
