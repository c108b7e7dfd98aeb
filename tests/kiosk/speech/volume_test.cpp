#include <catch2/catch.hpp>

#include <array>
#include <cstdint>

#include "kiosk/speech/volume.h"

using namespace kiosk::speech;

TEST_CASE("Each volume step has a larger gain than the step below") {
    for (int step = k_minimum_volume_step; step < k_maximum_volume_step; ++step) {
        CHECK(volume_gain(step + 1) > volume_gain(step) * 1.5);
    }
}

TEST_CASE("The default volume step is one of the steps") {
    CHECK(is_valid_volume_step(k_default_volume_step));
    CHECK_FALSE(is_valid_volume_step(k_minimum_volume_step - 1));
    CHECK_FALSE(is_valid_volume_step(k_maximum_volume_step + 1));
}

TEST_CASE("Applying a gain scales samples and saturates at the 16-bit limits") {
    std::array<std::int16_t, 4> samples{1000, -1000, 30000, -30000};
    apply_gain(samples, 2.0);
    CHECK(samples[0] == 2000);
    CHECK(samples[1] == -2000);
    CHECK(samples[2] == 32767);
    CHECK(samples[3] == -32768);
}
