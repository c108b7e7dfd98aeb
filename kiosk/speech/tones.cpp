#include "kiosk/speech/tones.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

namespace kiosk::speech {

namespace {

constexpr std::array<ToneSegment, 1> k_key_pattern{{{1000.0, 50}}};
constexpr std::array<ToneSegment, 1> k_digit_pattern{{{1400.0, 80}}};
constexpr std::array<ToneSegment, 3> k_error_pattern{{{440.0, 150}, {0.0, 50}, {330.0, 250}}};
constexpr std::array<ToneSegment, 5> k_attention_pattern{
    {{660.0, 120}, {0.0, 40}, {880.0, 120}, {0.0, 40}, {990.0, 160}}};

template <std::size_t Size>
constexpr int total_ms(const std::array<ToneSegment, Size>& pattern) {
    int total = 0;
    for (const ToneSegment& segment : pattern) {
        total += segment.duration_ms;
    }
    return total;
}

static_assert(total_ms(k_key_pattern) <= k_maximum_tone_duration.count());
static_assert(total_ms(k_digit_pattern) <= k_maximum_tone_duration.count());
static_assert(total_ms(k_error_pattern) <= k_maximum_tone_duration.count());
static_assert(total_ms(k_attention_pattern) <= k_maximum_tone_duration.count());
static_assert(k_maximum_tone_duration < std::chrono::seconds{3}, "EN 301 549 5.1.3.10");

}  // namespace

std::span<const ToneSegment> tone_pattern(ToneKind kind) {
    switch (kind) {
        case ToneKind::key:
            return k_key_pattern;
        case ToneKind::digit:
            return k_digit_pattern;
        case ToneKind::error:
            return k_error_pattern;
        case ToneKind::attention:
            return k_attention_pattern;
    }
    return k_key_pattern;
}

std::vector<std::int16_t> generate_tone(ToneKind kind, int sample_rate, double gain) {
    std::vector<std::int16_t> samples;
    if (sample_rate <= 0) {
        return samples;
    }
    const double rate = static_cast<double>(sample_rate);
    const double peak = k_tone_amplitude * 32767.0 * gain;
    const auto fade_samples =
        static_cast<std::size_t>(rate * static_cast<double>(k_tone_fade.count()) / 1000.0);
    for (const ToneSegment& segment : tone_pattern(kind)) {
        const auto count =
            static_cast<std::size_t>(rate * static_cast<double>(segment.duration_ms) / 1000.0);
        for (std::size_t index = 0; index < count; ++index) {
            if (segment.frequency_hz <= 0.0) {
                samples.push_back(0);
                continue;
            }
            // A raised-cosine fade at both ends of the segment.
            double envelope = 1.0;
            const std::size_t from_end = count - 1 - index;
            const std::size_t nearest_edge = std::min(index, from_end);
            if (nearest_edge < fade_samples) {
                const double progress =
                    static_cast<double>(nearest_edge) / static_cast<double>(fade_samples);
                envelope = 0.5 - 0.5 * std::cos(std::numbers::pi * progress);
            }
            const double phase =
                2.0 * std::numbers::pi * segment.frequency_hz * static_cast<double>(index) / rate;
            const double value = std::clamp(peak * envelope * std::sin(phase), -32768.0, 32767.0);
            samples.push_back(static_cast<std::int16_t>(std::lround(value)));
        }
    }
    return samples;
}

}  // namespace kiosk::speech
