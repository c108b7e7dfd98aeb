#include "kiosk/speech/speaker.h"

#include <SDL.h>
#include <espeak-ng/speak_lib.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>

#include "base/wipe.h"
#include "kiosk/speech/audio_output.h"
#include "kiosk/speech/text.h"
#include "kiosk/speech/tones.h"
#include "kiosk/speech/voices.h"
#include "kiosk/speech/wav.h"

namespace kiosk::speech {

namespace {

using Clock = std::chrono::steady_clock;

// eSpeak NG keeps its state in globals, so a process can hold one Speaker only.
std::atomic<bool> speaker_exists{false};

// eSpeak NG 1.51 cannot be stopped and started again: once espeak_Initialize has run twice in a
// process, espeak_Terminate deadlocks, and every espeak_Initialize starts an internal thread
// that is never reclaimed (both measured on this Debian build). So the engine is started once,
// on the first speaker's worker, and left running until the process exits; a later speaker
// reuses it from its own worker, on the same data folder. Speakers never overlap (speaker_exists),
// and each worker is joined before the next is started, so the engine is only ever used by one
// thread at a time.
struct EngineState {
    bool started = false;
    std::string data_path;  // as given in Options; empty is the installed data
    int sample_rate = 0;
};
EngineState engine;

// Length of the PCM chunks eSpeak hands to the callback (espeak_Initialize's buflength). Each
// chunk boundary is a chance to abort, and synthesis runs ~1000x real time, so small is cheap.
constexpr int k_synthesis_chunk_ms = 40;
// After a fault in the worker, this pause comes before it goes on.
constexpr auto k_fault_pause = std::chrono::milliseconds(100);

// How far synthesis may run ahead of what the output has played. Enough to ride out a busy
// moment on a loaded machine without a gap, small enough that a cut leaves little unheard
// audio behind and the recording holds what the customer heard.
constexpr std::chrono::milliseconds k_synthesis_lookahead{200};

// How often the worker looks at the outputs' progress while it waits for audio to play: the
// latest an end notice can come after the audio ran out. Only while speech plays: an idle
// worker, or one whose speech is held by a pause, sleeps until it is woken.
constexpr std::chrono::milliseconds k_progress_poll_interval{5};

std::string recording_name(unsigned number, std::string_view channel) {
    std::string digits = std::to_string(number);
    if (digits.size() < 3) {
        digits.insert(0, 3 - digits.size(), '0');
    }
    return digits + "-" + std::string{channel} + ".wav";
}

std::expected<void, base::Error<SpeechError>> check_record_directory(
    const std::filesystem::path& directory) {
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error || !std::filesystem::is_directory(directory)) {
        return std::unexpected(base::error(SpeechError::record_directory_unusable,
                                           directory.string() + ": " + error.message()));
    }
    // Creating a folder can succeed where writing in it does not (a read-only mount).
    const std::filesystem::path probe = directory / ".speech-write-probe";
    const bool writable = static_cast<bool>(std::ofstream{probe} << "probe");
    std::filesystem::remove(probe, error);
    if (!writable) {
        return std::unexpected(base::error(SpeechError::record_directory_unusable,
                                           directory.string() + ": not writable"));
    }
    return {};
}

}  // namespace

// What the synthesis callback needs to place one utterance's audio.
struct Speaker::SynthesisContext {
    std::uint64_t generation = 0;
    const Utterance* utterance = nullptr;
    AudioOutput* output = nullptr;
    std::vector<std::int16_t> produced;  // every sample handed to the output, after gain
    Clock::time_point synthesis_called;
    const Batch* request = nullptr;  // set for the first utterance of a batch
    bool first_chunk_seen = false;
    bool aborted = false;
};

// eSpeak's C callback. It runs on the worker thread, inside espeak_Synth (synchronous mode),
// so the utterance being synthesised is found through a thread-local pointer.
struct SynthesisCallback {
    static thread_local Speaker* speaker;
    static thread_local Speaker::SynthesisContext* context;

    static int call(short* samples, int count, espeak_EVENT* /*events*/) {
        if (speaker == nullptr || context == nullptr) {
            return 1;  // not ours: stop it
        }
        const std::size_t size =
            samples == nullptr ? 0 : static_cast<std::size_t>(std::max(count, 0));
        return speaker->on_synthesised(*context, std::span<const short>{samples, size});
    }
};

thread_local Speaker* SynthesisCallback::speaker = nullptr;
thread_local Speaker::SynthesisContext* SynthesisCallback::context = nullptr;

// ---- creation and destruction ----

std::expected<std::unique_ptr<Speaker>, base::Error<SpeechError>> Speaker::create(Options options) {
    if (!is_valid_volume_step(options.volume_step)) {
        return std::unexpected(base::error(SpeechError::invalid_volume_step,
                                           "volume step " + std::to_string(options.volume_step)));
    }
    if (options.record_directory) {
        if (auto usable = check_record_directory(*options.record_directory); !usable) {
            return std::unexpected(usable.error());
        }
    }
    // eSpeak quietly falls back to its installed data when the folder named does not exist,
    // which would hide a configuration mistake.
    if (!options.espeak_data_path.empty() &&
        !std::filesystem::is_directory(options.espeak_data_path)) {
        return std::unexpected(
            base::error(SpeechError::synthesiser_unavailable,
                        "data folder " + options.espeak_data_path + " does not exist"));
    }
    if (speaker_exists.exchange(true)) {
        return std::unexpected(
            base::error(SpeechError::already_running, "eSpeak NG allows one speaker per process"));
    }
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
        speaker_exists = false;
        return std::unexpected(base::error(SpeechError::audio_unavailable, SDL_GetError()));
    }
    // From here the destructor undoes whatever has been set up.
    std::unique_ptr<Speaker> speaker{new Speaker(std::move(options))};

    std::promise<std::expected<int, base::Error<SpeechError>>> started;
    std::future<std::expected<int, base::Error<SpeechError>>> start_result = started.get_future();
    Speaker* self = speaker.get();
    speaker->m_worker = std::thread([self, &started] { self->run_worker(started); });
    const std::expected<int, base::Error<SpeechError>> sample_rate = start_result.get();
    if (!sample_rate) {
        return std::unexpected(sample_rate.error());
    }
    speaker->m_sample_rate = *sample_rate;

    // Both channels share a device when they name the same one: several SDL drivers (dummy
    // among them) open a device only once, and the outputs keep their own queues anyway.
    const Options& chosen = speaker->m_options;
    std::vector<std::pair<std::string, std::vector<AudioOutput*>>> devices;
    if (chosen.speaker_device == chosen.headphones_device) {
        devices.push_back({chosen.speaker_device,
                           {speaker->m_speaker_output.get(), speaker->m_headphones_output.get()}});
    } else {
        devices.push_back({chosen.speaker_device, {speaker->m_speaker_output.get()}});
        devices.push_back({chosen.headphones_device, {speaker->m_headphones_output.get()}});
    }
    for (auto& [name, outputs] : devices) {
        auto device = AudioDevice::open(name, *sample_rate, std::move(outputs));
        if (!device) {
            return std::unexpected(device.error());
        }
        speaker->m_devices.push_back(std::move(*device));
    }
    return speaker;
}

Speaker::Speaker(Options options)
    : m_options(std::move(options)),
      m_speaker_output(std::make_unique<AudioOutput>()),
      m_headphones_output(std::make_unique<AudioOutput>()),
      m_volume_step(m_options.volume_step),
      m_headphones_plugged(m_options.headphones_plugged) {}

Speaker::~Speaker() {
    {
        const std::scoped_lock lock{m_mutex};
        m_quit = true;
        cut_locked();
        cut_outputs();
    }
    m_wake.notify_all();
    if (m_worker.joinable()) {
        m_worker.join();
    }
    m_devices.clear();  // before the outputs they read from
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
    speaker_exists = false;
}

void Speaker::run_worker(std::promise<std::expected<int, base::Error<SpeechError>>>& started) {
    // Whatever escapes the worker's own code ends here, never in std::terminate: before the
    // start it is the start's failure; after it, the fault is reported and the worker goes on
    // with the next thing to say.
    bool reported_start = false;
    bool running = false;
    try {
        running = start_engine(started, reported_start);
    } catch (const std::exception& error) {
        if (!reported_start) {
            started.set_value(
                std::unexpected(base::error(SpeechError::synthesiser_unavailable, error.what())));
        }
        return;
    } catch (...) {
        if (!reported_start) {
            started.set_value(std::unexpected(
                base::error(SpeechError::synthesiser_unavailable, "unknown exception")));
        }
        return;
    }
    if (!running) {
        return;
    }
    // A name for the thread in top, ps and kiosk_speech_bench --idle; given after
    // espeak_Initialize, so that eSpeak NG's own thread keeps the process's name. Linux only,
    // and harmless where it fails.
    std::ofstream{"/proc/thread-self/comm"} << "speech worker";
    while (true) {
        try {
            work();
            return;
        } catch (const std::exception& error) {
            deliver(base::error(SpeechError::synthesis_failed,
                                std::string("speech worker fault: ") + error.what()));
        } catch (...) {
            deliver(base::error(SpeechError::synthesis_failed,
                                "speech worker fault: unknown exception"));
        }
        // A fault that repeats at once must not spin the processor.
        std::this_thread::sleep_for(k_fault_pause);
    }
    // No espeak_Terminate: see EngineState.
}

bool Speaker::start_engine(std::promise<std::expected<int, base::Error<SpeechError>>>& started,
                           bool& reported) {
    const Clock::time_point begin = Clock::now();
    if (engine.started && engine.data_path != m_options.espeak_data_path) {
        // Starting eSpeak again on other data leaks a thread and keeps the old voice loaded
        // (measured: a voice missing from the new data still "loads"), so it is refused.
        reported = true;
        started.set_value(std::unexpected(
            base::error(SpeechError::synthesiser_unavailable,
                        "eSpeak NG already runs on data folder '" + engine.data_path +
                            "' in this process; a different folder needs a new process")));
        return false;
    }
    if (!engine.started) {
        const char* data_path =
            m_options.espeak_data_path.empty() ? nullptr : m_options.espeak_data_path.c_str();
        // Without DONT_EXIT eSpeak calls exit() when its data is missing.
        const int sample_rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, k_synthesis_chunk_ms,
                                                  data_path, espeakINITIALIZE_DONT_EXIT);
        if (sample_rate <= 0) {
            engine.started = false;
            reported = true;
            started.set_value(std::unexpected(base::error(
                SpeechError::synthesiser_unavailable,
                "espeak_Initialize failed; data folder " + (data_path == nullptr
                                                                ? std::string{"(installed default)"}
                                                                : m_options.espeak_data_path))));
            return false;
        }
        engine = EngineState{true, m_options.espeak_data_path, sample_rate};
    }
    for (const VoiceChoice& choice : k_voice_table) {
        const std::string voice{choice.voice};
        if (espeak_SetVoiceByName(voice.c_str()) != EE_OK) {
            reported = true;
            started.set_value(std::unexpected(base::error(
                SpeechError::voice_missing, voice + " (for " + std::string{choice.locale} + ")")));
            return false;
        }
    }
    espeak_SetSynthCallback(&SynthesisCallback::call);
    m_initialise_us = microseconds_since(begin).count();
    reported = true;
    started.set_value(engine.sample_rate);  // `started` may be gone from here on
    return true;
}

// ---- the caller's side ----

void Speaker::cut_locked() {
    ++m_generation;
    for (Batch& batch : m_waiting) {
        std::ranges::move(batch.utterances, std::back_inserter(m_dropped));
    }
    m_waiting.clear();
    m_paused = false;
    m_idle_due = true;
}

void Speaker::cut_outputs() {
    // Under m_mutex, after the generation moved: the worker can neither slip old audio in after
    // the cut (push_voice checks the generation) nor take a new batch and push its first audio
    // before the cut, which would then clear it.
    m_speaker_output->cut_voice();
    m_headphones_output->cut_voice();
}

void Speaker::speak(std::vector<Utterance> utterances) {
    const Clock::time_point requested_at = Clock::now();
    {
        const std::scoped_lock lock{m_mutex};
        cut_locked();
        cut_outputs();
        if (!utterances.empty()) {
            m_waiting.push_back(Batch{std::move(utterances), requested_at, true});
        }
    }
    m_wake.notify_all();
}

void Speaker::queue(std::vector<Utterance> utterances) {
    if (utterances.empty()) {
        return;
    }
    const Clock::time_point requested_at = Clock::now();
    {
        const std::scoped_lock lock{m_mutex};
        m_waiting.push_back(Batch{std::move(utterances), requested_at, false});
        m_idle_due = true;
    }
    m_wake.notify_all();
}

bool Speaker::repeat_last() {
    const Clock::time_point requested_at = Clock::now();
    {
        const std::scoped_lock lock{m_mutex};
        if (!m_last_begun) {
            return false;
        }
        Utterance again = *m_last_begun;
        cut_locked();
        cut_outputs();
        m_waiting.push_back(Batch{{std::move(again)}, requested_at, true});
    }
    m_wake.notify_all();
    return true;
}

void Speaker::stop() {
    {
        const std::scoped_lock lock{m_mutex};
        cut_locked();
        cut_outputs();
    }
    m_wake.notify_all();
}

void Speaker::pause() {
    // The outputs are held under the same lock as m_paused, so that the worker never sees the
    // one without the other (see wait_until).
    const std::scoped_lock lock{m_mutex};
    m_paused = true;
    m_speaker_output->set_voice_paused(true);
    m_headphones_output->set_voice_paused(true);
}

void Speaker::resume() {
    {
        const std::scoped_lock lock{m_mutex};
        m_paused = false;
        m_speaker_output->set_voice_paused(false);
        m_headphones_output->set_voice_paused(false);
    }
    m_wake.notify_all();
}

bool Speaker::silent() const {
    const std::scoped_lock lock{m_mutex};
    return !m_idle_due;
}

bool Speaker::voice_working() const {
    return m_voice_working;
}

void Speaker::simulate_synthesis_fault(bool failing) {
    m_simulated_synthesis_fault = failing;
}

void Speaker::tone(ToneKind kind) {
    const Channel channel = m_headphones_plugged ? Channel::headphones : Channel::speaker;
    // Generating a tone takes microseconds, so it is done here and starts sounding at once
    // rather than waiting for the worker, which may be busy synthesising.
    const std::vector<std::int16_t> samples =
        generate_tone(kind, m_sample_rate, volume_gain(m_volume_step));
    output_for(channel).play_tone(samples);
    {
        const std::scoped_lock lock{m_mutex};
        m_tone_notices.push_back(
            ToneNotice{kind, std::string{core::to_string(channel)}, Clock::now()});
    }
    m_wake.notify_all();
}

std::expected<void, base::Error<SpeechError>> Speaker::set_volume(int step) {
    if (!is_valid_volume_step(step)) {
        return std::unexpected(
            base::error(SpeechError::invalid_volume_step, "volume step " + std::to_string(step)));
    }
    m_volume_step = step;
    return {};
}

int Speaker::volume() const {
    return m_volume_step;
}

void Speaker::set_headphones_plugged(bool plugged) {
    if (m_headphones_plugged.exchange(plugged) != plugged) {
        // Whatever was playing was meant for the other output: cut it, and the app speaks
        // afresh for the new situation. Unplugging also protects private speech that would
        // otherwise carry on where the lobby might hear it.
        stop();
        if (!plugged) {
            // The customer who heard it has gone with their headphones: the next one must not
            // hear it again by asking for a repeat.
            const std::scoped_lock lock{m_mutex};
            if (m_last_begun && m_last_begun->is_private) {
                base::wipe(m_last_begun->text);
                base::wipe(m_last_begun->phonetic);
                m_last_begun.reset();
            }
        }
    }
}

bool Speaker::headphones_plugged() const {
    return m_headphones_plugged;
}

SpeechStatistics Speaker::statistics() const {
    SpeechStatistics statistics;
    statistics.initialise_duration = std::chrono::microseconds{m_initialise_us.load()};
    if (const std::int64_t first_chunk = m_first_chunk_us.load(); first_chunk >= 0) {
        statistics.first_chunk_latency = std::chrono::microseconds{first_chunk};
    }
    if (const std::int64_t first_audio = m_speak_to_first_chunk_us.load(); first_audio >= 0) {
        statistics.speak_to_first_chunk = std::chrono::microseconds{first_audio};
    }
    if (const std::int64_t first_audio = m_queue_to_first_chunk_us.load(); first_audio >= 0) {
        statistics.queue_to_first_chunk = std::chrono::microseconds{first_audio};
    }
    const auto later = [](std::optional<std::chrono::microseconds> one,
                          std::optional<std::chrono::microseconds> other) {
        return one && other ? std::optional{std::max(*one, *other)} : (one ? one : other);
    };
    statistics.chunk_to_first_period =
        later(m_speaker_output->last_start_latency(), m_headphones_output->last_start_latency());
    statistics.cut_to_silence =
        later(m_speaker_output->last_cut_latency(), m_headphones_output->last_cut_latency());
    statistics.speaker_speech_samples = m_speaker_output->voice_played();
    statistics.headphones_speech_samples = m_headphones_output->voice_played();
    statistics.tone_samples = m_speaker_output->tone_played() + m_headphones_output->tone_played();
    return statistics;
}

AudioOutput& Speaker::output_for(Channel channel) const {
    return channel == Channel::headphones ? *m_headphones_output : *m_speaker_output;
}

// ---- the worker's side ----

void Speaker::work() {
    while (true) {
        std::optional<Batch> batch;
        std::uint64_t generation = 0;
        bool quitting = false;
        {
            std::unique_lock lock{m_mutex};
            // No time-out: an idle worker sleeps until it is given something.
            m_wake.wait(lock, [this] {
                return m_quit || !m_waiting.empty() || !m_dropped.empty() ||
                       !m_tone_notices.empty() || m_idle_due;
            });
            quitting = m_quit;
            if (!quitting && !m_waiting.empty()) {
                batch = std::move(m_waiting.front());
                m_waiting.pop_front();
                // Every cut empties m_waiting under this lock, so the batch belongs to the
                // generation of now; a later cut moves the generation on and cuts it.
                generation = m_generation;
            }
        }
        deliver_pending(true);
        if (quitting) {
            return;  // the destructor moved what was waiting to m_dropped, delivered above
        }
        if (batch) {
            play_batch(std::move(*batch), generation);
            continue;
        }
        // Nothing waits and every notice is out: the speaker is silent.
        bool idle = false;
        {
            const std::scoped_lock lock{m_mutex};
            if (m_idle_due && m_waiting.empty() && m_dropped.empty()) {
                m_idle_due = false;
                idle = true;
            }
        }
        if (idle) {
            deliver_idle();
        }
    }
}

void Speaker::play_batch(Batch batch, std::uint64_t generation) {
    for (std::size_t index = 0; index < batch.utterances.size(); ++index) {
        if (m_generation != generation) {
            // Replaced before these began: each still gets its notice.
            for (std::size_t rest = index; rest < batch.utterances.size(); ++rest) {
                report_dropped(batch.utterances[rest]);
            }
            return;
        }
        const Outcome outcome =
            play_utterance(batch.utterances[index], generation, index == 0 ? &batch : nullptr);
        if (outcome == Outcome::failed) {
            // The voice does not work: the rest of the batch is reported as not played rather
            // than tried, each with its notice. The next batch tries again.
            for (std::size_t rest = index + 1; rest < batch.utterances.size(); ++rest) {
                report_dropped(batch.utterances[rest]);
            }
            return;
        }
    }
}

Speaker::Outcome Speaker::play_utterance(const Utterance& utterance, std::uint64_t generation,
                                         const Batch* request) {
    const std::optional<std::string_view> voice = voice_for_locale(utterance.locale);
    if (!voice) {
        deliver(base::error(SpeechError::unknown_locale, "locale '" + utterance.locale + "'"));
        return Outcome::refused;
    }
    const bool plugged = m_headphones_plugged;
    // Talking-ATM practice: with headphones in, nothing goes to the lobby speaker.
    const Channel channel = plugged ? Channel::headphones : utterance.channel;
    // EN 301 549 5.1.3.9: personal data is spoken only where only the customer hears it, or
    // on the speaker when the customer chose that. The context never repeats the text, which
    // is the private part.
    const bool private_aloud = utterance.speaker_chosen && utterance.channel == Channel::speaker;
    if (utterance.is_private && utterance.channel == Channel::speaker && !private_aloud) {
        deliver(
            base::error(SpeechError::private_on_speaker,
                        "private utterance in " + utterance.locale + " refused on the speaker"));
        return Outcome::refused;
    }
    if (utterance.is_private && !plugged && !private_aloud) {
        deliver(
            base::error(SpeechError::private_without_headphones,
                        "private utterance in " + utterance.locale + " refused: no headphones"));
        return Outcome::refused;
    }

    const std::string voice_name{*voice};
    const std::string text = clean_for_synthesis(synthesiser_input(utterance));
    AudioOutput& output = output_for(channel);
    SpeechNotice notice;
    notice.channel = core::to_string(channel);
    notice.voice = voice_name;
    notice.text = clean_for_synthesis(utterance.text);
    notice.phonetic = text;
    notice.is_private = utterance.is_private;
    notice.started = Clock::now();

    // A failure before any audio: the utterance is reported as not played, like one replaced
    // before it began, after the error that says why.
    const auto not_played = [&](const base::Error<SpeechError>& error) {
        deliver(error);
        notice.interrupted = true;
        notice.ended = Clock::now();
        deliver(notice);
        set_voice_working(false);
        return Outcome::failed;
    };
    if (!output_device_ready(output)) {
        return not_played(base::error(SpeechError::audio_unavailable,
                                      notice.channel + " output lost and not opened again"));
    }
    if (espeak_SetVoiceByName(voice_name.c_str()) != EE_OK) {
        return not_played(base::error(SpeechError::voice_missing, voice_name));
    }
    // Re-applied every time: SSML or an earlier voice may have left other values behind.
    espeak_SetParameter(espeakRATE, effective_rate_wpm(utterance.rate_wpm), 0);
    espeak_SetParameter(espeakPITCH, k_normal_pitch, 0);
    espeak_SetParameter(espeakVOLUME, k_synthesiser_volume, 0);

    SynthesisContext context;
    context.generation = generation;
    context.utterance = &utterance;
    context.output = &output;
    context.request = request;

    const std::uint64_t played_before = output.voice_played();
    context.synthesis_called = Clock::now();
    espeak_ERROR result = EE_INTERNAL_ERROR;
    if (!m_simulated_synthesis_fault) {
        SynthesisCallback::speaker = this;
        SynthesisCallback::context = &context;
        // ENDPAUSE closes each utterance with a sentence pause, so that screen elements spoken
        // one after another stay apart.
        result = espeak_Synth(text.c_str(), text.size() + 1, 0, POS_CHARACTER, 0,
                              espeakCHARS_UTF8 | espeakENDPAUSE, nullptr, nullptr);
        SynthesisCallback::context = nullptr;
        SynthesisCallback::speaker = nullptr;
    }
    // A simulated fault takes this same path: eSpeak NG "returned" an error.
    bool failed = result != EE_OK && !context.aborted;
    if (failed) {
        deliver(base::error(SpeechError::synthesis_failed,
                            voice_name + " returned " + std::to_string(static_cast<int>(result))));
    }

    // The output holds nothing but this utterance's audio, so it has ended when the output
    // has nothing left: played to the end, or cut.
    wait_until([&] { return output.voice_queued() == 0; }, generation);
    const std::uint64_t produced = context.produced.size();
    const std::uint64_t played = std::min(output.voice_played() - played_before, produced);
    if (!failed && produced > 0 && output_device_lost(output)) {
        // SDL still drained the audio at the device's pace, but nobody heard it.
        deliver(base::error(SpeechError::audio_unavailable,
                            notice.channel + " output lost while playing"));
        failed = true;
    }

    notice.interrupted = failed || context.aborted || played < produced;
    notice.ended = Clock::now();
    notice.audio_duration = std::chrono::milliseconds{
        played * 1000 / static_cast<std::uint64_t>(std::max(m_sample_rate, 1))};
    // Private speech (a balance, a card number) is personal data: it never goes to a file.
    if (m_options.record_directory && !utterance.is_private && !failed) {
        const std::filesystem::path path =
            *m_options.record_directory / recording_name(++m_recording_number, notice.channel);
        const auto written =
            write_wav(path,
                      std::span<const std::int16_t>{context.produced.data(),
                                                    static_cast<std::size_t>(played)},
                      m_sample_rate);
        if (written) {
            notice.recording = path;
        } else {
            deliver(written.error());
        }
    }
    deliver(notice);
    if (failed) {
        set_voice_working(false);
        return Outcome::failed;
    }
    if (produced > 0) {
        set_voice_working(true);
    }
    return notice.interrupted ? Outcome::cut : Outcome::played;
}

bool Speaker::output_device_ready(AudioOutput& output) {
    bool ready = true;
    for (const auto& device : m_devices) {
        if (device->plays(output) && device->lost()) {
            if (auto reopened = device->reopen(); !reopened) {
                deliver(reopened.error());
                ready = false;
            }
        }
    }
    return ready;
}

bool Speaker::output_device_lost(AudioOutput& output) const {
    return std::ranges::any_of(m_devices, [&](const std::unique_ptr<AudioDevice>& device) {
        return device->plays(output) && device->lost();
    });
}

int Speaker::on_synthesised(SynthesisContext& context, std::span<const short> samples) noexcept {
    // Nothing may escape into eSpeak's C code: any failure aborts this utterance instead.
    try {
        if (m_generation != context.generation) {
            context.aborted = true;
            return 1;  // returning 1 is what actually stops eSpeak (espeak_Cancel does not)
        }
        if (samples.empty()) {
            return 0;  // the closing call, which carries no audio
        }
        std::vector<std::int16_t> chunk(samples.begin(), samples.end());
        apply_gain(chunk, volume_gain(m_volume_step));
        if (!context.output->push_voice(chunk, m_generation, context.generation)) {
            context.aborted = true;
            return 1;
        }
        if (!context.first_chunk_seen) {
            context.first_chunk_seen = true;
            m_first_chunk_us = microseconds_since(context.synthesis_called).count();
            if (context.request != nullptr) {
                (context.request->from_customer ? m_speak_to_first_chunk_us
                                                : m_queue_to_first_chunk_us) =
                    microseconds_since(context.request->requested_at).count();
            }
            // Its audio is on its way to the customer: this is now what a repeat says again.
            const std::scoped_lock lock{m_mutex};
            m_last_begun = *context.utterance;
        }
        context.produced.insert(context.produced.end(), chunk.begin(), chunk.end());

        const auto lookahead_samples = static_cast<std::uint64_t>(m_sample_rate) *
                                       static_cast<std::uint64_t>(k_synthesis_lookahead.count()) /
                                       1000;
        wait_until([&] { return context.output->voice_queued() <= lookahead_samples; },
                   context.generation);
        if (m_generation != context.generation) {
            context.aborted = true;
            return 1;
        }
        return 0;
    } catch (...) {
        context.aborted = true;
        return 1;
    }
}

void Speaker::wait_until(const std::function<bool()>& done, std::uint64_t generation) {
    while (true) {
        if (m_generation != generation || done()) {
            return;
        }
        deliver_pending(false);
        std::unique_lock lock{m_mutex};
        if (m_generation != generation || !m_tone_notices.empty()) {
            continue;
        }
        if (m_paused) {
            // pause() holds the outputs under this lock, so held audio cannot drain between this
            // look and the wait: resume(), a cut or a tone notice is what ends the wait.
            if (!done()) {
                m_wake.wait(lock);
            }
        } else {
            m_wake.wait_for(lock, k_progress_poll_interval);
        }
    }
}

void Speaker::report_dropped(const Utterance& utterance) {
    const bool plugged = m_headphones_plugged;
    SpeechNotice notice;
    notice.channel = core::to_string(plugged ? Channel::headphones : utterance.channel);
    notice.voice = std::string{voice_for_locale(utterance.locale).value_or("")};
    notice.text = clean_for_synthesis(utterance.text);
    notice.phonetic = clean_for_synthesis(synthesiser_input(utterance));
    notice.interrupted = true;
    notice.is_private = utterance.is_private;
    notice.started = Clock::now();
    notice.ended = notice.started;
    deliver(notice);
}

void Speaker::deliver_pending(bool include_dropped) {
    std::vector<Utterance> dropped;
    std::deque<ToneNotice> tones;
    {
        const std::scoped_lock lock{m_mutex};
        if (include_dropped) {
            dropped = std::exchange(m_dropped, {});
        }
        tones = std::exchange(m_tone_notices, {});
    }
    for (const ToneNotice& notice : tones) {
        deliver(notice);
    }
    for (const Utterance& utterance : dropped) {
        report_dropped(utterance);
    }
}

void Speaker::deliver(const SpeechNotice& notice) {
    if (m_options.on_speech) {
        try {
            m_options.on_speech(notice);
        } catch (...) {
            // A throwing callback must not take the worker down; see the threading contract.
        }
    }
}

void Speaker::deliver(const ToneNotice& notice) {
    if (m_options.on_tone) {
        try {
            m_options.on_tone(notice);
        } catch (...) {
        }
    }
}

void Speaker::deliver(const base::Error<SpeechError>& error) {
    if (m_options.on_error) {
        try {
            m_options.on_error(error);
        } catch (...) {
        }
    }
}

void Speaker::deliver_idle() {
    if (m_options.on_idle) {
        try {
            m_options.on_idle();
        } catch (...) {
        }
    }
}

void Speaker::set_voice_working(bool working) {
    if (m_voice_working.exchange(working) != working && m_options.on_voice) {
        try {
            m_options.on_voice(working);
        } catch (...) {
        }
    }
}

}  // namespace kiosk::speech
