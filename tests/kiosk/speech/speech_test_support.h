#pragma once

// Fakes and helpers for the speaker tests: a listener that records every notice, a scratch
// folder, and measures of recorded audio.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/speech/speaker.h"
#include "kiosk/speech/wav.h"

namespace speech_test {

using namespace std::chrono_literals;
using kiosk::speech::Channel;
using kiosk::speech::Utterance;

// Records what the speaker reports, from its worker thread, for the test thread to read:
// each kind of notice on its own, and all of them in the order they came as short lines
// ("speech Thank you", "interrupted Welcome", "error synthesis_failed", "idle", "voice off").
class Listener {
  public:
    void attach(kiosk::speech::Options& options) {
        options.on_speech = [this](const kiosk::speech::SpeechNotice& notice) {
            const std::scoped_lock lock{m_mutex};
            m_speech.push_back(notice);
            m_events.push_back((notice.interrupted ? "interrupted " : "speech ") + notice.text);
            m_changed.notify_all();
        };
        options.on_tone = [this](const kiosk::speech::ToneNotice& notice) {
            const std::scoped_lock lock{m_mutex};
            m_tones.push_back(notice);
            m_changed.notify_all();
        };
        options.on_error = [this](const base::Error<kiosk::speech::SpeechError>& error) {
            const std::scoped_lock lock{m_mutex};
            m_errors.push_back(error);
            m_events.push_back("error " + std::string{kiosk::speech::to_string(error.code)});
            m_changed.notify_all();
        };
        options.on_idle = [this] {
            const std::scoped_lock lock{m_mutex};
            ++m_idle;
            m_events.emplace_back("idle");
            m_changed.notify_all();
        };
        options.on_voice = [this](bool working) {
            const std::scoped_lock lock{m_mutex};
            m_voice.push_back(working);
            m_events.emplace_back(working ? "voice on" : "voice off");
            m_changed.notify_all();
        };
    }

    // Waits until at least `count` speech notices have come; false on time-out.
    bool wait_for_speech(std::size_t count, std::chrono::milliseconds timeout = 15s) {
        std::unique_lock lock{m_mutex};
        return m_changed.wait_for(lock, timeout, [&] { return m_speech.size() >= count; });
    }
    bool wait_for_tones(std::size_t count, std::chrono::milliseconds timeout = 5s) {
        std::unique_lock lock{m_mutex};
        return m_changed.wait_for(lock, timeout, [&] { return m_tones.size() >= count; });
    }
    bool wait_for_errors(std::size_t count, std::chrono::milliseconds timeout = 5s) {
        std::unique_lock lock{m_mutex};
        return m_changed.wait_for(lock, timeout, [&] { return m_errors.size() >= count; });
    }
    bool wait_for_idle(std::size_t count, std::chrono::milliseconds timeout = 30s) {
        std::unique_lock lock{m_mutex};
        return m_changed.wait_for(lock, timeout, [&] { return m_idle >= count; });
    }

    std::vector<kiosk::speech::SpeechNotice> speech() const {
        const std::scoped_lock lock{m_mutex};
        return m_speech;
    }
    std::vector<kiosk::speech::ToneNotice> tones() const {
        const std::scoped_lock lock{m_mutex};
        return m_tones;
    }
    std::vector<base::Error<kiosk::speech::SpeechError>> errors() const {
        const std::scoped_lock lock{m_mutex};
        return m_errors;
    }
    std::size_t idle_count() const {
        const std::scoped_lock lock{m_mutex};
        return m_idle;
    }
    std::vector<bool> voice() const {
        const std::scoped_lock lock{m_mutex};
        return m_voice;
    }
    std::vector<std::string> events() const {
        const std::scoped_lock lock{m_mutex};
        return m_events;
    }

  private:
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::vector<kiosk::speech::SpeechNotice> m_speech;
    std::vector<kiosk::speech::ToneNotice> m_tones;
    std::vector<base::Error<kiosk::speech::SpeechError>> m_errors;
    std::size_t m_idle = 0;
    std::vector<bool> m_voice;
    std::vector<std::string> m_events;
};

// Waits until `condition` holds, looking every few milliseconds; false on time-out. For states
// that no notice announces, such as audio having started to play.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = 15s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

// Speech samples the speaker has played so far, on both outputs.
inline std::uint64_t speech_samples(const kiosk::speech::Speaker& speaker) {
    const auto statistics = speaker.statistics();
    return statistics.speaker_speech_samples + statistics.headphones_speech_samples;
}

// Waits until the speaker has played another tenth of a second of speech, so that a cut that
// follows cuts an utterance in mid-play, however slow the machine.
inline bool wait_until_playing(const kiosk::speech::Speaker& speaker) {
    const std::uint64_t before = speech_samples(speaker);
    return eventually([&] { return speech_samples(speaker) >= before + 2205; });
}

// A folder of its own for one test, removed afterwards.
class ScratchFolder {
  public:
    explicit ScratchFolder(const std::string& name)
        : m_path(std::filesystem::temp_directory_path() /
                 ("kiosk-speech-" + name + "-" + std::to_string(::getpid()))) {
        std::filesystem::remove_all(m_path);
        std::filesystem::create_directories(m_path);
    }
    ~ScratchFolder() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    ScratchFolder(const ScratchFolder&) = delete;
    ScratchFolder& operator=(const ScratchFolder&) = delete;
    const std::filesystem::path& path() const { return m_path; }

  private:
    std::filesystem::path m_path;
};

inline Utterance utterance(std::string text, std::string locale = "en",
                           Channel channel = Channel::speaker, int rate_wpm = 175,
                           bool is_private = false) {
    Utterance result;
    result.text = std::move(text);
    result.locale = std::move(locale);
    result.channel = channel;
    result.rate_wpm = rate_wpm;
    result.is_private = is_private;
    return result;
}

// The rate eSpeak NG synthesises at, and so the rate of the tones and the audio device.
inline constexpr int k_sample_rate = 22050;

// A speaker that reports to `listener`, created or the test fails.
inline std::unique_ptr<kiosk::speech::Speaker> listening_speaker(
    Listener& listener, kiosk::speech::Options options = {}) {
    listener.attach(options);
    auto speaker = kiosk::speech::Speaker::create(std::move(options));
    if (!speaker) {
        FAIL("Speaker::create failed: " << base::to_string(speaker.error()));
    }
    return std::move(*speaker);
}

// The same, recording what it plays into `folder`.
inline std::unique_ptr<kiosk::speech::Speaker> recording_speaker(
    Listener& listener, const ScratchFolder& folder, kiosk::speech::Options options = {}) {
    options.record_directory = folder.path();
    return listening_speaker(listener, std::move(options));
}

inline double rms(const std::vector<std::int16_t>& samples) {
    double sum = 0;
    for (const std::int16_t sample : samples) {
        sum += static_cast<double>(sample) * sample;
    }
    return samples.empty() ? 0.0 : std::sqrt(sum / static_cast<double>(samples.size()));
}

inline double seconds(const kiosk::speech::WavAudio& audio) {
    return audio.sample_rate == 0 ? 0.0
                                  : static_cast<double>(audio.samples.size()) / audio.sample_rate;
}

// The standard output of a shell command (the test's own, fixed command lines only).
inline std::string run_command(const std::string& command) {
    std::string output;
    std::unique_ptr<FILE, int (*)(FILE*)> pipe{::popen(command.c_str(), "r"), ::pclose};
    if (!pipe) {
        return output;
    }
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr) {
        output += buffer;
    }
    return output;
}

// About six seconds: the apology at the end of a session that went wrong.
inline constexpr const char* k_apology_text =
    "We are sorry, your card could not be read. Please take your card, and try again, or ask "
    "a member of staff for help.";

inline constexpr const char* k_long_english_text =
    "Welcome to the bank. This machine can show your balance, print a statement, give you a "
    "queue ticket for the counter, or call a member of staff to help you. Please insert your "
    "card with the chip facing up, or press the green key to hear these choices again.";

}  // namespace speech_test
