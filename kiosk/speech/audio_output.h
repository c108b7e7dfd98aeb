#pragma once

// Audio for the speaker: logical outputs (the lobby speaker, the headphone jack), each with its
// own speech queue and tone, mixed by the SDL audio device they play on. Both outputs share one
// device when they name the same one (some SDL drivers open a device only once); the outputs
// still keep separate queues and counts. Internal to kiosk/speech.
//
// Only the speech worker appends speech; any thread may cut it (barge-in) or start a tone.
// SDL's audio thread pulls from the outputs through AudioDevice's callback. When every output
// of a device is silent, the callback pauses the device, so that an idle kiosk runs no mixing;
// anything that makes an output audible again (speech, a tone, a resume) wakes its device
// before SDL's next period, so the pause adds no latency beyond that period.

#include <SDL.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kiosk/speech/speech_error.h"

namespace kiosk::speech {

// The time since `start` on the steady clock, for the latencies speech measures.
inline std::chrono::microseconds microseconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                 start);
}

class AudioDevice;

// 512 samples at 22050 Hz is 23 ms: the most speech that can still sound after a cut, since
// the period SDL is playing cannot be recalled. Half of the 1024 in docs/platform-facts.md, for
// quicker silence.
inline constexpr std::uint16_t k_device_buffer_samples = 512;

class AudioOutput {
  public:
    // Appends speech, unless `generation` has moved on from `expected_generation`: checked under
    // the same lock that cut_voice() takes, so no speech of a cut utterance slips in after the
    // cut. Returns whether the samples were taken.
    bool push_voice(std::span<const std::int16_t> samples,
                    const std::atomic<std::uint64_t>& generation,
                    std::uint64_t expected_generation);

    // Drops all queued speech at once (barge-in) and lifts a pause. A tone carries on.
    void cut_voice();

    // Nothing to play: no speech queued (or only speech held by a pause), no tone sounding,
    // and no measurement waiting for the next period.
    bool silent() const;

    // Starts a tone now, mixed over any speech; it replaces a tone that is still sounding, so
    // a burst of key presses never builds up a backlog.
    void play_tone(std::span<const std::int16_t> samples);

    // Holds speech where it is (tones still sound) until resumed.
    void set_voice_paused(bool paused);

    // Speech samples handed to the device so far, and speech samples waiting in the queue.
    std::uint64_t voice_played() const;
    std::uint64_t voice_queued() const;
    // Tone samples handed to the device so far.
    std::uint64_t tone_played() const;

    // Time from the latest cut of queued speech to the first audio period without it.
    std::optional<std::chrono::microseconds> last_cut_latency() const;
    // Time from the latest speech appended to a silent output to the first period holding it.
    std::optional<std::chrono::microseconds> last_start_latency() const;

    // Adds this output's next samples into `period` (called by AudioDevice on SDL's thread).
    void mix_into(std::span<std::int32_t> period);

  private:
    friend class AudioDevice;
    // The device that plays this output, woken when the output has something to play again.
    // Set by AudioDevice::open and cleared by its destructor; it never changes while the
    // Speaker uses the output.
    void attach(AudioDevice* device);
    void wake_device() const;

    AudioDevice* m_device = nullptr;
    mutable std::mutex m_mutex;  // guards everything below
    std::deque<std::int16_t> m_voice;
    std::vector<std::int16_t> m_tone;
    std::size_t m_tone_position = 0;
    bool m_voice_paused = false;
    std::uint64_t m_voice_played = 0;
    std::uint64_t m_tone_played = 0;
    std::optional<std::chrono::steady_clock::time_point> m_cut_at;
    std::optional<std::chrono::microseconds> m_last_cut_latency;
    std::optional<std::chrono::steady_clock::time_point> m_started_at;
    std::optional<std::chrono::microseconds> m_last_start_latency;
};

// One open SDL audio device playing the sum of its outputs.
class AudioDevice {
  public:
    // Opens `device_name` (empty: the system default) for mono 16-bit at `sample_rate` and
    // starts it. The outputs must outlive the device. Requires SDL's audio subsystem.
    // Errors: audio_unavailable, naming the device and SDL's reason.
    static std::expected<std::unique_ptr<AudioDevice>, base::Error<SpeechError>> open(
        const std::string& device_name, int sample_rate, std::vector<AudioOutput*> outputs);
    ~AudioDevice();
    AudioDevice(const AudioDevice&) = delete;
    AudioDevice& operator=(const AudioDevice&) = delete;

    bool plays(const AudioOutput& output) const;

    // SDL has given the device up (unplugged, or its driver failed): it plays nothing, though
    // SDL still calls the callback at the device's pace, until it is opened again.
    bool lost() const;
    // Closes the device and opens it again by the same name (after lost()). Errors:
    // audio_unavailable. Only the speech worker calls it.
    std::expected<void, base::Error<SpeechError>> reopen();

    // The callback is paused because every output was silent (for the tests and the bench).
    bool paused_for_silence() const;

  private:
    friend class AudioOutput;
    AudioDevice(std::string name, int sample_rate, std::vector<AudioOutput*> outputs);
    // Opens and starts the SDL device, and closes it. Only create() (through open()), the
    // speech worker and the destructor call them, never two at a time.
    std::expected<void, base::Error<SpeechError>> open_device();
    void close_device();
    // Starts the callback again when it was paused for silence. Any thread but SDL's.
    void wake();
    static void SDLCALL mix_callback(void* user_data, Uint8* stream, int length) noexcept;

    std::string m_name;
    int m_sample_rate = 0;
    std::vector<AudioOutput*> m_outputs;
    // Held by wake() while it uses the device, and by close_device() while it takes the id
    // away, so that wake() never uses an SDL device that is being closed. The callback does not
    // take it.
    mutable std::mutex m_mutex;
    std::atomic<SDL_AudioDeviceID> m_device{0};
    // Set by the callback just before it looks whether every output is silent, and cleared
    // when it finds one that is not or when wake() starts it again: an output that becomes
    // audible after the look always finds it set, and wakes the device.
    std::atomic<bool> m_paused_for_silence{false};
};

}  // namespace kiosk::speech
