#pragma once

// RIFF WAVE files of 16-bit PCM, for the spoken-audio recordings (kiosk-sim --record-audio)
// and for the tests that listen to them. Layout: the canonical 44-byte header (RIFF, "fmt "
// chunk of 16 bytes with format tag 1, "data"), all fields little-endian.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <span>
#include <vector>

#include "kiosk/speech/speech_error.h"

namespace kiosk::speech {

struct WavAudio {
    int sample_rate = 0;
    int channels = 0;
    std::vector<std::int16_t> samples;  // interleaved when channels > 1
};

// Writes mono 16-bit PCM. Errors: recording_failed, naming the path.
std::expected<void, base::Error<SpeechError>> write_wav(const std::filesystem::path& path,
                                                        std::span<const std::int16_t> samples,
                                                        int sample_rate);

// Reads a 16-bit PCM file, skipping chunks other than "fmt " and "data". Errors: bad_wav,
// naming the path and what is wrong.
std::expected<WavAudio, base::Error<SpeechError>> read_wav(const std::filesystem::path& path);

}  // namespace kiosk::speech
