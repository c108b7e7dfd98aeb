#pragma once

// The customer's volume control: a few audible steps (EN 301 549 5.1.3.11-13), applied as a
// gain to every sample the speaker produces, speech and tones alike. The app resets the step
// to default_volume_step at the end of every session (5.1.3.13).

#include <array>
#include <cstdint>
#include <span>

#include "kiosk/core/policy.h"

namespace kiosk::speech {

using core::policy::k_default_volume_step;
using core::policy::k_maximum_volume_step;
using core::policy::k_minimum_volume_step;

// 5 dB apart, so each step is clearly louder than the last; the top step is +3 dB, which the
// synthesiser's headroom (peaks near 64% of full scale) takes without clipping.
inline constexpr std::array<double, k_maximum_volume_step> k_volume_step_gain_db{-17.0, -12.0, -7.0,
                                                                                 -2.0, 3.0};

constexpr bool is_valid_volume_step(int step) {
    return step >= k_minimum_volume_step && step <= k_maximum_volume_step;
}

// The linear gain of a valid step.
double volume_gain(int step);

// Scales samples in place, saturating at the 16-bit limits.
void apply_gain(std::span<std::int16_t> samples, double gain);

}  // namespace kiosk::speech
