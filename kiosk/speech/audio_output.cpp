#include "kiosk/speech/audio_output.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

namespace kiosk::speech {

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

// ---- AudioOutput ----

bool AudioOutput::push_voice(std::span<const std::int16_t> samples,
                             const std::atomic<std::uint64_t>& generation,
                             std::uint64_t expected_generation) {
    {
        const std::scoped_lock lock{m_mutex};
        if (generation.load() != expected_generation) {
            return false;
        }
        if (m_voice.empty() && !m_voice_paused && !samples.empty() && !m_started_at) {
            m_started_at = Clock::now();
        }
        m_voice.insert(m_voice.end(), samples.begin(), samples.end());
    }
    // Outside the lock: the callback holds SDL's device lock while it takes this one.
    wake_device();
    return true;
}

void AudioOutput::cut_voice() {
    bool measure = false;
    {
        const std::scoped_lock lock{m_mutex};
        if (!m_voice.empty()) {
            m_voice.clear();
            // Held speech was silent already: only a cut of sounding speech is measured.
            if (!m_voice_paused) {
                m_cut_at = Clock::now();
                measure = true;
            }
        }
        m_voice_paused = false;
        m_started_at.reset();
    }
    if (measure) {
        wake_device();
    }
}

bool AudioOutput::silent() const {
    const std::scoped_lock lock{m_mutex};
    return (m_voice.empty() || m_voice_paused) && m_tone_position >= m_tone.size() && !m_cut_at;
}

void AudioOutput::play_tone(std::span<const std::int16_t> samples) {
    {
        const std::scoped_lock lock{m_mutex};
        m_tone.assign(samples.begin(), samples.end());
        m_tone_position = 0;
    }
    wake_device();
}

void AudioOutput::set_voice_paused(bool paused) {
    {
        const std::scoped_lock lock{m_mutex};
        m_voice_paused = paused;
        m_started_at.reset();  // a start measured across a pause would measure the pause
    }
    if (!paused) {
        wake_device();
    }
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

std::optional<std::chrono::microseconds> AudioOutput::last_start_latency() const {
    const std::scoped_lock lock{m_mutex};
    return m_last_start_latency;
}

void AudioOutput::mix_into(std::span<std::int32_t> period) {
    const std::scoped_lock lock{m_mutex};
    if (m_cut_at) {
        m_last_cut_latency = microseconds_since(*m_cut_at);
        m_cut_at.reset();
    }
    if (m_started_at && !m_voice_paused && !m_voice.empty()) {
        m_last_start_latency = microseconds_since(*m_started_at);
        m_started_at.reset();
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

void AudioOutput::attach(AudioDevice* device) {
    const std::scoped_lock lock{m_mutex};
    m_device = device;
}

void AudioOutput::wake_device() const {
    AudioDevice* device = nullptr;
    {
        const std::scoped_lock lock{m_mutex};
        device = m_device;
    }
    if (device != nullptr) {
        device->wake();
    }
}

// ---- AudioDevice ----

AudioDevice::AudioDevice(std::string name, int sample_rate, std::vector<AudioOutput*> outputs)
    : m_name(std::move(name)), m_sample_rate(sample_rate), m_outputs(std::move(outputs)) {}

std::expected<std::unique_ptr<AudioDevice>, base::Error<SpeechError>> AudioDevice::open(
    const std::string& device_name, int sample_rate, std::vector<AudioOutput*> outputs) {
    std::unique_ptr<AudioDevice> device{
        new AudioDevice(device_name, sample_rate, std::move(outputs))};
    if (auto opened = device->open_device(); !opened) {
        return std::unexpected(opened.error());
    }
    for (AudioOutput* output : device->m_outputs) {
        output->attach(device.get());
    }
    return device;
}

std::expected<void, base::Error<SpeechError>> AudioDevice::open_device() {
    SDL_AudioSpec wanted{};
    wanted.freq = m_sample_rate;
    wanted.format = AUDIO_S16SYS;
    wanted.channels = 1;
    wanted.samples = k_device_buffer_samples;
    wanted.callback = &AudioDevice::mix_callback;
    wanted.userdata = this;
    SDL_AudioSpec obtained{};
    // No allowed changes: SDL converts our mono 16-bit stream to whatever the hardware wants.
    // SDL opens a device paused, so the callback first runs after the id is stored below.
    const SDL_AudioDeviceID device =
        SDL_OpenAudioDevice(m_name.empty() ? nullptr : m_name.c_str(), 0, &wanted, &obtained, 0);
    if (device == 0) {
        return std::unexpected(base::error(
            SpeechError::audio_unavailable,
            (m_name.empty() ? std::string{"default output"} : m_name) + ": " + SDL_GetError()));
    }
    {
        const std::scoped_lock lock{m_mutex};
        m_device = device;
        m_paused_for_silence = false;
    }
    SDL_PauseAudioDevice(device, 0);
    return {};
}

AudioDevice::~AudioDevice() {
    for (AudioOutput* output : m_outputs) {
        output->attach(nullptr);
    }
    close_device();
}

void AudioDevice::close_device() {
    SDL_AudioDeviceID device = 0;
    {
        // From here wake() finds no device; a wake() already under way finishes first.
        const std::scoped_lock lock{m_mutex};
        device = m_device.exchange(0);
    }
    if (device != 0) {
        // Waits for SDL's audio thread, so the mixer never runs on a destroyed object.
        SDL_CloseAudioDevice(device);
    }
}

bool AudioDevice::plays(const AudioOutput& output) const {
    return std::ranges::find(m_outputs, &output) != m_outputs.end();
}

bool AudioDevice::lost() const {
    const SDL_AudioDeviceID device = m_device;
    // A device SDL has disabled reports "stopped"; one paused for silence reports "paused".
    return device == 0 || SDL_GetAudioDeviceStatus(device) == SDL_AUDIO_STOPPED;
}

std::expected<void, base::Error<SpeechError>> AudioDevice::reopen() {
    close_device();
    return open_device();
}

bool AudioDevice::paused_for_silence() const {
    return m_paused_for_silence;
}

void AudioDevice::wake() {
    if (!m_paused_for_silence) {
        return;
    }
    // Held so that the device cannot be closed while SDL is asked about it. Only a device
    // being opened again (after it was lost) holds it for longer than a moment.
    const std::scoped_lock lock{m_mutex};
    const SDL_AudioDeviceID device = m_device;
    if (device == 0) {
        return;  // closed; a device opened again starts playing by itself
    }
    // SDL's device lock is the one the callback runs under, so the callback's look at the
    // outputs and its pause happen either wholly before this or wholly after.
    SDL_LockAudioDevice(device);
    if (m_paused_for_silence.exchange(false)) {
        SDL_PauseAudioDevice(device, 0);
    }
    SDL_UnlockAudioDevice(device);
}

void SDLCALL AudioDevice::mix_callback(void* user_data, Uint8* stream, int length) noexcept {
    auto* device = static_cast<AudioDevice*>(user_data);
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
    // The flag goes up before the look, so an output that becomes audible after the look sees
    // it and wakes the device (AudioOutput::wake_device, after its own lock is released).
    device->m_paused_for_silence = true;
    const bool silent = std::ranges::all_of(
        device->m_outputs, [](const AudioOutput* output) { return output->silent(); });
    if (silent) {
        // SDL keeps its thread going while a device is paused, writing silence at the device's
        // pace; only this callback stops. The call is made on SDL's own audio thread, where SDL
        // does not take the device lock again.
        SDL_PauseAudioDevice(device->m_device, 1);
    } else {
        device->m_paused_for_silence = false;
    }
}

}  // namespace kiosk::speech
