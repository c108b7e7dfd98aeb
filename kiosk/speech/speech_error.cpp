#include "kiosk/speech/speech_error.h"

namespace kiosk::speech {

std::string_view to_string(SpeechError error) {
    switch (error) {
        case SpeechError::already_running:
            return "already_running";
        case SpeechError::synthesiser_unavailable:
            return "synthesiser_unavailable";
        case SpeechError::voice_missing:
            return "voice_missing";
        case SpeechError::unknown_locale:
            return "unknown_locale";
        case SpeechError::synthesis_failed:
            return "synthesis_failed";
        case SpeechError::audio_unavailable:
            return "audio_unavailable";
        case SpeechError::private_on_speaker:
            return "private_on_speaker";
        case SpeechError::private_without_headphones:
            return "private_without_headphones";
        case SpeechError::invalid_volume_step:
            return "invalid_volume_step";
        case SpeechError::record_directory_unusable:
            return "record_directory_unusable";
        case SpeechError::recording_failed:
            return "recording_failed";
        case SpeechError::bad_wav:
            return "bad_wav";
    }
    return "unknown_speech_error";
}

}  // namespace kiosk::speech
