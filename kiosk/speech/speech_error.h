#pragma once

// The closed set of things that can go wrong in the speech adapter, each with a short name
// for the transcript and the service menu. Errors carry it as base::Error<SpeechError>, whose
// context names the voice, device or path (docs/style.md, "Errors").

#include <string_view>

#include "base/error.h"

namespace kiosk::speech {

enum class SpeechError {
    already_running,             // a second Speaker in one process: eSpeak NG's state is global
    synthesiser_unavailable,     // espeak_Initialize failed (data folder missing or unreadable)
    voice_missing,               // a voice of the locale table is not installed
    unknown_locale,              // an utterance names a locale that has no voice
    synthesis_failed,            // espeak_Synth refused the text
    audio_unavailable,           // SDL could not start audio or open an output device
    private_on_speaker,          // private speech aimed at the lobby: refused (EN 301 549 5.1.3.9)
    private_without_headphones,  // private speech while no headphones are plugged: refused
    invalid_volume_step,         // outside minimum_volume_step..maximum_volume_step
    record_directory_unusable,   // the recording folder cannot be created or written
    recording_failed,            // one WAV file could not be written
    bad_wav,                     // read_wav: not a 16-bit PCM RIFF WAVE file
};

std::string_view to_string(SpeechError error);

}  // namespace kiosk::speech
