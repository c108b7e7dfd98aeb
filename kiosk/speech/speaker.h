#pragma once

// The kiosk's voice: speaks the core's utterances with eSpeak NG and plays them, and short
// tones, through SDL audio on two logical outputs, the lobby speaker and the headphone jack.
//
// Threading contract
// - One worker thread owns eSpeak NG while the Speaker lives: eSpeak's state is global, so no
//   other thread, and no second Speaker at the same time, may touch it. eSpeak NG 1.51 cannot
//   be shut down and restarted, so it is initialised by the first Speaker of the process and
//   stays up until exit; later Speakers reuse it.
// - speak(), queue(), repeat_last(), stop(), pause(), resume(), tone(), set_volume(),
//   set_headphones_plugged() and simulate_synthesis_fault() may be called from any thread. They
//   never wait for synthesis or audio: they post to the worker, or cut queued audio under a
//   lock held for microseconds.
// - Every notice callback (on_speech, on_tone, on_error, on_idle, on_voice) is called on the
//   worker thread, one at a time, never while the Speaker holds a lock: a callback may call
//   back into the Speaker. Keep callbacks short (post an event to the app's queue): the next
//   utterance waits for them. Exceptions thrown by a callback are swallowed. Speech, tone and
//   error notices still pending when the Speaker is destroyed are delivered inside the
//   destructor, before it returns; no idle notice is sent then.
// - The worker sleeps on a condition variable while there is nothing to say, and while its
//   speech is held by a pause: an idle speaker wakes no thread of its own. Its SDL devices stop
//   their mixing callback while silent (audio_output.h); SDL's own audio thread still runs at
//   the device's pace.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <expected>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/speech/core_types.h"
#include "kiosk/speech/speech_error.h"
#include "kiosk/speech/volume.h"

namespace kiosk::speech {

class AudioDevice;
class AudioOutput;

// One per utterance, sent when it ends: played to the end, cut short by stop() or by newer
// speech, replaced before it began (then nothing was played and there is no recording), or not
// played because the voice failed (after an on_error saying why). Refused utterances (private
// speech where it may not be heard, an unknown locale) get an on_error instead.
struct SpeechNotice {
    std::string channel;   // where it was played: "speaker" or "headphones"
    std::string voice;     // the eSpeak NG voice, e.g. "cmn-latn-pinyin"
    std::string text;      // the words (Utterance::text)
    std::string phonetic;  // exactly what was sent to the synthesiser
    bool interrupted = false;
    bool is_private = false;  // personal data: the transcript redacts the text
    std::chrono::steady_clock::time_point started;  // synthesis began (or it was dropped)
    std::chrono::steady_clock::time_point ended;
    std::chrono::milliseconds audio_duration{0};     // audio actually handed to the output
    std::optional<std::filesystem::path> recording;  // its WAV file, when recording
};

struct ToneNotice {
    ToneKind kind;
    std::string channel;  // "speaker" or "headphones"
    std::chrono::steady_clock::time_point at;
};

// Timings worth watching (the service menu, kiosk_speech_bench).
struct SpeechStatistics {
    // espeak_Initialize (first Speaker of the process only) and the voice checks.
    std::chrono::microseconds initialise_duration{0};
    // Latest espeak_Synth call to its first PCM, and latest speak() to the first PCM of its
    // first utterance queued for the output (what a listener waits for, less one device period).
    std::optional<std::chrono::microseconds> first_chunk_latency;
    std::optional<std::chrono::microseconds> speak_to_first_chunk;
    // The same from queue(). It includes the wait for the speech ahead, so it is the queue's
    // own cost only when nothing was ahead.
    std::optional<std::chrono::microseconds> queue_to_first_chunk;
    // Latest speech queued for a silent output to the first audio period holding it: the
    // device period a listener waits on top of the figures above.
    std::optional<std::chrono::microseconds> chunk_to_first_period;
    // Latest cut of queued speech to the first audio period without it.
    std::optional<std::chrono::microseconds> cut_to_silence;
    std::uint64_t speaker_speech_samples = 0;     // speech samples ever played on the speaker
    std::uint64_t headphones_speech_samples = 0;  // ... and on the headphones
    std::uint64_t tone_samples = 0;               // tone samples played, both outputs
};

struct Options {
    // SDL output devices for the lobby speaker and the headphone jack; empty: the default.
    // When both name the same device they share it, each with its own queue.
    std::string speaker_device;
    std::string headphones_device;
    // The folder holding espeak-ng-data (or that data folder itself); empty: the installed one.
    std::string espeak_data_path;
    // When set, every utterance's played audio (up to any cut, with the volume applied) is
    // also written there as NNN-<channel>.wav, numbered from 001. Tones are not recorded.
    std::optional<std::filesystem::path> record_directory;
    int volume_step = k_default_volume_step;
    bool headphones_plugged = false;
    std::function<void(const SpeechNotice&)> on_speech;
    std::function<void(const ToneNotice&)> on_tone;
    // Problems met while running (a refused private utterance, an unknown locale, a recording
    // that could not be written, synthesis failing, the audio device lost). Speech carries on
    // with the next utterance.
    std::function<void(const base::Error<SpeechError>&)> on_error;
    // The speaker has become silent with nothing left to say: the last utterance asked for
    // has ended (played, cut, refused or failed; its on_speech notice came first) and nothing
    // is waiting or held by a pause. Sent once after each stop(), too. Not sent while paused
    // speech is held. The notice can be overtaken by a speak() or queue() made meanwhile on
    // another thread: when it arrives, silent() says whether it still holds.
    std::function<void()> on_idle;
    // The voice stopped working (synthesis failed, an output device was lost and could not
    // be opened again) or works again (an utterance was synthesised and played). Sent on
    // changes only; the voice is working when create() returns.
    std::function<void(bool working)> on_voice;
};

class Speaker {
  public:
    // Starts the worker, initialises eSpeak NG, checks that every voice of voice_table is
    // installed, and opens both outputs. Errors: already_running, synthesiser_unavailable,
    // voice_missing, audio_unavailable, invalid_volume_step, record_directory_unusable. The app
    // runs silently (and says so on the service menu) when this fails.
    static std::expected<std::unique_ptr<Speaker>, base::Error<SpeechError>> create(
        Options options);

    // Cuts any speech, delivers the last notices and joins the worker (within milliseconds).
    ~Speaker();
    Speaker(const Speaker&) = delete;
    Speaker& operator=(const Speaker&) = delete;

    // Speech the customer caused (a key, the card taken, headphones plugged): new speech
    // replaces old (EN 301 549 5.1.3.5). Whatever is playing, waiting or paused is cut, queued
    // batches included (each reported interrupted, in the order it was asked for), a pause is
    // lifted, and these play in order. An empty list is a stop().
    void speak(std::vector<Utterance> utterances);

    // Speech the kiosk caused on its own (a reminder, a reply or a timer's screen): it never
    // cuts speech the customer has not heard yet (docs/accessibility.md, "Speech that is not
    // cut short"). These play after everything already playing, waiting or paused has been
    // played to its end; batches queued one after another play in that order. The pair follows
    // the usual text-to-speech queue modes: speak() flushes, queue() adds. An empty list does
    // nothing.
    void queue(std::vector<Utterance> utterances);

    // Says again, in full and from its start, the latest utterance that began playing, whether
    // it played to its end or was cut (the star key, ADA 707.5.1). It is customer speech, so it
    // cuts what plays, like speak(). A private utterance is repeated under the same rules as
    // before (refused unless headphones are plugged); one that was refused never began, and a
    // private one is forgotten when the headphones are unplugged. False, and nothing is cut,
    // when nothing has begun since the speaker started.
    bool repeat_last();

    // Barge-in (any key press, ADA 707.5.1): silence within one device period. Cuts everything,
    // queued batches included, and lifts a pause. One on_idle follows.
    void stop();

    // Holds the speech where it is, and carries on from there (EN 301 549 5.1.3.4). Held speech
    // counts as not yet heard: queue() waits behind it, and so does speech queued while the
    // speaker is paused with nothing playing. speak() and stop() lift a pause. Tones still
    // sound.
    void pause();
    void resume();

    // True when nothing is playing, waiting or held by a pause, and no on_idle is due.
    bool silent() const;

    // A short beep on the output in use (the headphones when plugged), mixed over any speech.
    void tone(ToneKind kind);

    // Volume steps minimum_volume_step..maximum_volume_step. Applies to audio produced from now
    // on, so it is heard within the synthesis lookahead (200 ms) of what is already queued.
    // Errors: invalid_volume_step, and the volume stays as it was.
    std::expected<void, base::Error<SpeechError>> set_volume(int step);
    int volume() const;

    // Plugging or unplugging headphones cuts current speech. While plugged nothing goes to the
    // speaker: speech for the speaker is played on the headphones instead (talking-ATM
    // practice). Private speech plays only on the headphones while they are plugged.
    void set_headphones_plugged(bool plugged);
    bool headphones_plugged() const;

    SpeechStatistics statistics() const;

    // Whether the voice works, as last reported through on_voice.
    bool voice_working() const;

    // A test and simulation hook, never for production use: while `failing`, every synthesis
    // fails as if eSpeak NG had returned an error, without calling it, so that the real
    // detection path runs: on_error (synthesis_failed), the utterance and the rest of its batch
    // reported interrupted, on_voice(false), then on_idle. After simulate_synthesis_fault(false)
    // the next utterance that plays reports on_voice(true). Used by the speaker's tests, and by
    // the kiosk's fault signals that kiosk-sim sends for its "voice missing" scenarios.
    void simulate_synthesis_fault(bool failing);

  private:
    struct Batch {
        std::vector<Utterance> utterances;
        std::chrono::steady_clock::time_point requested_at;
        bool from_customer = true;  // speak() or repeat_last(), not queue()
    };
    // How an utterance ended, for the batch it belongs to.
    enum class Outcome { played, cut, refused, failed };
    struct SynthesisContext;
    friend struct SynthesisCallback;

    explicit Speaker(Options options);
    void run_worker(std::promise<std::expected<int, base::Error<SpeechError>>>& started);
    // Starts eSpeak NG and checks the voices: true when the worker may go on. Sets `reported`
    // once `started` has its value.
    bool start_engine(std::promise<std::expected<int, base::Error<SpeechError>>>& started,
                      bool& reported);
    void work();
    // Cuts everything playing, waiting or held: bumps the generation, moves the waiting
    // batches to m_dropped and lifts the pause. Called with m_mutex held; the caller then
    // empties the outputs (cut_outputs) before it releases the lock.
    void cut_locked();
    void cut_outputs();
    void play_batch(Batch batch, std::uint64_t generation);
    // `request` is set for the first utterance of a batch only, for the statistics.
    Outcome play_utterance(const Utterance& utterance, std::uint64_t generation,
                           const Batch* request);
    // Checks the devices of `output` and opens a lost one again: false when it stays lost.
    bool output_device_ready(AudioOutput& output);
    bool output_device_lost(AudioOutput& output) const;
    void report_dropped(const Utterance& utterance);
    void set_voice_working(bool working);
    // Waits until `done`, or the generation moves. Looks at the outputs every
    // k_progress_poll_interval while speech plays; while it is held by a pause, sleeps until
    // resume(), a cut or a tone notice wakes it.
    void wait_until(const std::function<bool()>& done, std::uint64_t generation);
    // Delivers tone notices, and when `include_dropped`, notices of replaced utterances (only
    // between batches, so that notices keep the order in which the speech was asked for).
    void deliver_pending(bool include_dropped);
    void deliver(const SpeechNotice& notice);
    void deliver(const ToneNotice& notice);
    void deliver(const base::Error<SpeechError>& error);
    void deliver_idle();
    AudioOutput& output_for(Channel channel) const;
    int on_synthesised(SynthesisContext& context, std::span<const short> samples) noexcept;

    Options m_options;
    int m_sample_rate = 0;
    // The outputs exist for the Speaker's whole life; the devices that play them are opened
    // in create() and closed first in the destructor.
    std::unique_ptr<AudioOutput> m_speaker_output;
    std::unique_ptr<AudioOutput> m_headphones_output;
    std::vector<std::unique_ptr<AudioDevice>> m_devices;

    // Bumped by every cut; the worker compares it with the generation of what it is playing.
    std::atomic<std::uint64_t> m_generation{0};
    std::atomic<int> m_volume_step{k_default_volume_step};
    std::atomic<bool> m_headphones_plugged{false};
    std::atomic<bool> m_simulated_synthesis_fault{false};
    std::atomic<bool> m_voice_working{true};

    mutable std::mutex m_mutex;  // guards the fields below
    std::condition_variable m_wake;
    std::deque<Batch> m_waiting;  // batches not begun yet, in the order they were asked for
    std::vector<Utterance> m_dropped;
    std::deque<ToneNotice> m_tone_notices;
    // The latest utterance that began playing, for repeat_last().
    std::optional<Utterance> m_last_begun;
    bool m_paused = false;
    // Something was asked for (speech, or a stop) and its on_idle has not been decided yet.
    bool m_idle_due = false;
    bool m_quit = false;

    // Worker-only state.
    unsigned m_recording_number = 0;

    // Statistics, written by the worker.
    std::atomic<std::int64_t> m_initialise_us{0};
    std::atomic<std::int64_t> m_first_chunk_us{-1};
    std::atomic<std::int64_t> m_speak_to_first_chunk_us{-1};
    std::atomic<std::int64_t> m_queue_to_first_chunk_us{-1};

    std::thread m_worker;
};

}  // namespace kiosk::speech
