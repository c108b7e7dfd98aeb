// The SDL side of the speaker: an audio device stops its mixing callback while every output
// it plays is silent, so an idle kiosk mixes nothing, and starts it again as soon as speech or
// a tone arrives. SDL's dummy driver plays in real time.

#include <SDL.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <vector>

#include "kiosk/speech/audio_output.h"
#include "speech_test_support.h"

using namespace speech_test;
using kiosk::speech::AudioDevice;
using kiosk::speech::AudioOutput;
using speech_test::k_sample_rate;

namespace {

// SDL's audio subsystem for one test.
class SdlAudio {
  public:
    SdlAudio() { m_started = SDL_InitSubSystem(SDL_INIT_AUDIO) == 0; }
    ~SdlAudio() {
        if (m_started) {
            SDL_QuitSubSystem(SDL_INIT_AUDIO);
        }
    }
    SdlAudio(const SdlAudio&) = delete;
    SdlAudio& operator=(const SdlAudio&) = delete;
    bool started() const { return m_started; }

  private:
    bool m_started = false;
};

// A quarter of a second of a quiet square wave.
std::vector<std::int16_t> quarter_second() {
    std::vector<std::int16_t> samples(k_sample_rate / 4);
    for (std::size_t index = 0; index < samples.size(); ++index) {
        samples[index] = (index / 50) % 2 == 0 ? 1000 : -1000;
    }
    return samples;
}

}  // namespace

TEST_CASE(
    "An audio device pauses its callback while its outputs are silent and wakes for "
    "speech") {
    const SdlAudio sdl;
    REQUIRE(sdl.started());
    AudioOutput speaker;
    AudioOutput headphones;
    auto device = AudioDevice::open("", k_sample_rate, {&speaker, &headphones});
    REQUIRE(device.has_value());
    AudioDevice& audio = **device;

    // Nothing to play: within a few periods the callback is paused.
    REQUIRE(eventually([&] { return audio.paused_for_silence(); }, 2s));

    const std::atomic<std::uint64_t> generation{1};
    const auto samples = quarter_second();
    REQUIRE(speaker.push_voice(samples, generation, 1));
    // Woken at once: the speech plays to its end, and the device pauses again after it.
    REQUIRE(eventually([&] { return speaker.voice_played() == samples.size(); }, 5s));
    const auto start = speaker.last_start_latency();
    REQUIRE(start.has_value());
    WARN("speech queued to its first period: " << start->count() << " us");
    CHECK(*start < 1s);  // generous; kiosk_speech_bench prints the real figure
    REQUIRE(eventually([&] { return audio.paused_for_silence(); }, 2s));
    CHECK(headphones.voice_played() == 0);
}

TEST_CASE("A tone wakes a device paused for silence, on either of its outputs") {
    const SdlAudio sdl;
    REQUIRE(sdl.started());
    AudioOutput speaker;
    AudioOutput headphones;
    auto device = AudioDevice::open("", k_sample_rate, {&speaker, &headphones});
    REQUIRE(device.has_value());
    REQUIRE(eventually([&] { return (*device)->paused_for_silence(); }, 2s));

    const auto samples = quarter_second();
    headphones.play_tone(samples);
    REQUIRE(eventually([&] { return headphones.tone_played() == samples.size(); }, 5s));
    REQUIRE(eventually([&] { return (*device)->paused_for_silence(); }, 2s));
}

TEST_CASE("Held speech lets the device pause, and resuming wakes it to play the rest") {
    const SdlAudio sdl;
    REQUIRE(sdl.started());
    AudioOutput speaker;
    auto device = AudioDevice::open("", k_sample_rate, {&speaker});
    REQUIRE(device.has_value());

    speaker.set_voice_paused(true);
    const std::atomic<std::uint64_t> generation{1};
    const auto samples = quarter_second();
    REQUIRE(speaker.push_voice(samples, generation, 1));
    REQUIRE(eventually([&] { return (*device)->paused_for_silence(); }, 2s));
    CHECK(speaker.voice_played() == 0);
    CHECK(speaker.voice_queued() == samples.size());

    speaker.set_voice_paused(false);
    REQUIRE(eventually([&] { return speaker.voice_played() == samples.size(); }, 5s));
}

TEST_CASE("A cut of sounding speech is measured at the next period, then the device pauses") {
    const SdlAudio sdl;
    REQUIRE(sdl.started());
    AudioOutput speaker;
    auto device = AudioDevice::open("", k_sample_rate, {&speaker});
    REQUIRE(device.has_value());

    const std::atomic<std::uint64_t> generation{1};
    std::vector<std::int16_t> long_speech;
    for (int quarter = 0; quarter < 8; ++quarter) {
        const auto samples = quarter_second();
        long_speech.insert(long_speech.end(), samples.begin(), samples.end());
    }
    REQUIRE(speaker.push_voice(long_speech, generation, 1));
    REQUIRE(eventually([&] { return speaker.voice_played() > 0; }, 5s));
    speaker.cut_voice();
    REQUIRE(eventually([&] { return speaker.last_cut_latency().has_value(); }, 2s));
    CHECK(*speaker.last_cut_latency() < 1s);
    CHECK(speaker.voice_queued() == 0);
    REQUIRE(eventually([&] { return (*device)->paused_for_silence(); }, 2s));
}

TEST_CASE("Speech pushed after its generation moved on is refused") {
    AudioOutput speaker;
    const std::atomic<std::uint64_t> generation{2};
    const auto samples = quarter_second();
    CHECK_FALSE(speaker.push_voice(samples, generation, 1));
    CHECK(speaker.voice_queued() == 0);
    CHECK(speaker.push_voice(samples, generation, 2));
    CHECK(speaker.voice_queued() == samples.size());
}
