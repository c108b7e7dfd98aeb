#pragma once

// Short generated beeps: feedback for a key, a PIN digit (instead of ever speaking it: ADA
// 707.5, EN 301 549 5.1.3.8), an error and a call for attention. Each kind has its own pitch
// and rhythm so that they can be told apart without sight.

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "kiosk/speech/core_types.h"

namespace kiosk::speech {

struct ToneSegment {
    double frequency_hz;  // 0 is a pause
    int duration_ms;
};

// The pattern of a kind: a single click for a key, a higher short pip for a digit, a falling
// pair for an error, a rising triple for attention.
std::span<const ToneSegment> tone_pattern(ToneKind kind);

// EN 301 549 5.1.3.10: no other sound may play over speech for more than 3 s. Tones are mixed
// over speech, so every pattern is far shorter than that (checked in tones.cpp).
inline constexpr std::chrono::milliseconds k_maximum_tone_duration{1000};

// Peak amplitude of a tone at gain 1, as a fraction of full scale: about as loud as speech.
inline constexpr double k_tone_amplitude = 0.35;

// Fade in and out of each segment, so that a tone starts and stops without a click.
inline constexpr std::chrono::milliseconds k_tone_fade{5};

// The samples of a kind's pattern at `sample_rate`, scaled by `gain`.
std::vector<std::int16_t> generate_tone(ToneKind kind, int sample_rate, double gain);

}  // namespace kiosk::speech
