#include "kiosk/speech/audio_output.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

namespace kiosk::speech {

// ---- AudioOutput ----

bool AudioOutput::push_voice(std::span<const std::int16_t> samples,
                             const std::atomic<std::uint64_t>& generation,
                             std::uint64_t expected_generation) {
    const std::scoped_lock lock{m_mutex};
    if (generation.load() != expected_generation) {
        return false;
    }
    m_voice.insert(m_voice.end(), samples.begin(), samples.end());
    return true;
}

void AudioOutput::cut_voice() {
    const std::scoped_lock lock{m_mutex};
    if (!m_voice.empty()) {
        m_voice.clear();
        m_cut_at = std::chrono::steady_clock::now();
    }
    m_voice_paused = false;
}

void AudioOutput::play_tone(std::span<const std::int16_t> samples) {
    const std::scoped_lock lock{m_mutex};
    m_tone.assign(samples.begin(), samples.end());
    m_tone_position = 0;
}

void AudioOutput::set_voice_paused(bool paused) {
    const std::scoped_lock lock{m_mutex};
    m_voice_paused = paused;
}

std::uint64_t AudioOutput::voice_played() const {
    const std::scoped_lock lock{m_mutex};
    return m_voice_played;
}

std::uint64_t AudioOutput::voice_queued() const {
    const std::scoped_lock lock{m_mutex};
    return m_voice.size();
}

std::uint64_t AudioOutput::tone_played() const {
    const std::scoped_lock lock{m_mutex};
    return m_tone_played;
}

std::optional<std::chrono::microseconds> AudioOutput::last_cut_latency() const {
    const std::scoped_lock lock{m_mutex};
    return m_last_cut_latency;
}

void AudioOutput::mix_into(std::span<std::int32_t> period) {
    const std::scoped_lock lock{m_mutex};
    if (m_cut_at) {
        m_last_cut_latency = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - *m_cut_at);
        m_cut_at.reset();
    }
    for (std::int32_t& sample : period) {
        if (!m_voice_paused && !m_voice.empty()) {
            sample += m_voice.front();
            m_voice.pop_front();
            ++m_voice_played;
        }
        if (m_tone_position < m_tone.size()) {
            sample += m_tone[m_tone_position++];
            ++m_tone_played;
        }
    }
}

// ---- AudioDevice ----

std::expected<std::unique_ptr<AudioDevice>, base::Error<SpeechError>> AudioDevice::open(
    const std::string& device_name, int sample_rate, std::vector<AudioOutput*> outputs) {
    std::unique_ptr<AudioDevice> device{new AudioDevice(std::move(outputs))};
    SDL_AudioSpec wanted{};
    wanted.freq = sample_rate;
    wanted.format = AUDIO_S16SYS;
    wanted.channels = 1;
    wanted.samples = k_device_buffer_samples;
    wanted.callback = &AudioDevice::mix_callback;
    wanted.userdata = device.get();
    SDL_AudioSpec obtained{};
    // No allowed changes: SDL converts our mono 16-bit stream to whatever the hardware wants.
    device->m_device = SDL_OpenAudioDevice(device_name.empty() ? nullptr : device_name.c_str(), 0,
                                           &wanted, &obtained, 0);
    if (device->m_device == 0) {
        return std::unexpected(
            base::error(SpeechError::audio_unavailable,
                        (device_name.empty() ? std::string{"default output"} : device_name) + ": " +
                            SDL_GetError()));
    }
    SDL_PauseAudioDevice(device->m_device, 0);
    return device;
}

AudioDevice::~AudioDevice() {
    if (m_device != 0) {
        // Waits for SDL's audio thread, so the mixer never runs on a destroyed object.
        SDL_CloseAudioDevice(m_device);
    }
}

void SDLCALL AudioDevice::mix_callback(void* user_data, Uint8* stream, int length) noexcept {
    const auto* device = static_cast<const AudioDevice*>(user_data);
    std::array<std::int32_t, k_device_buffer_samples> sum{};
    std::array<std::int16_t, k_device_buffer_samples> period{};
    auto remaining = static_cast<std::size_t>(std::max(length, 0));
    while (remaining > 0) {
        const std::size_t bytes = std::min(remaining, period.size() * sizeof(std::int16_t));
        const std::size_t count = bytes / sizeof(std::int16_t);
        std::fill_n(sum.begin(), count, 0);
        for (AudioOutput* output : device->m_outputs) {
            output->mix_into(std::span<std::int32_t>{sum.data(), count});
        }
        for (std::size_t index = 0; index < count; ++index) {
            period[index] = static_cast<std::int16_t>(
                std::clamp(sum[index], std::int32_t{std::numeric_limits<std::int16_t>::min()},
                           std::int32_t{std::numeric_limits<std::int16_t>::max()}));
        }
        std::memcpy(stream, period.data(), bytes);
        stream += bytes;
        remaining -= bytes;
    }
}

}  // namespace kiosk::speech
