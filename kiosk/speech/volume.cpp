#include "kiosk/speech/volume.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace kiosk::speech {

double volume_gain(int step) {
    assert(is_valid_volume_step(step));
    const double decibels =
        k_volume_step_gain_db[static_cast<std::size_t>(step - k_minimum_volume_step)];
    return std::pow(10.0, decibels / 20.0);
}

void apply_gain(std::span<std::int16_t> samples, double gain) {
    constexpr double k_lowest = std::numeric_limits<std::int16_t>::min();
    constexpr double k_highest = std::numeric_limits<std::int16_t>::max();
    for (std::int16_t& sample : samples) {
        const double scaled = std::round(static_cast<double>(sample) * gain);
        sample = static_cast<std::int16_t>(std::clamp(scaled, k_lowest, k_highest));
    }
}

}  // namespace kiosk::speech
