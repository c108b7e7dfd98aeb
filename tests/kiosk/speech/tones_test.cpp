#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <utility>
#include <vector>

#include "kiosk/speech/tones.h"
#include "tests/kiosk/speech/speech_test_support.h"

using namespace kiosk::speech;
using speech_test::k_sample_rate;
using speech_test::rms;

namespace {

constexpr std::array k_all_kinds{ToneKind::key, ToneKind::digit, ToneKind::error,
                                 ToneKind::attention};

// The frequency of the first sounding stretch, from its rising zero crossings.
double first_frequency(const std::vector<std::int16_t>& samples) {
    std::size_t start = 0;
    while (start < samples.size() && samples[start] == 0) {
        ++start;
    }
    std::size_t end = start;
    while (end < samples.size() &&
           !(samples[end] == 0 && end + 1 < samples.size() && samples[end + 1] == 0)) {
        ++end;
    }
    int crossings = 0;
    for (std::size_t index = start + 1; index < end; ++index) {
        if (samples[index - 1] < 0 && samples[index] >= 0) {
            ++crossings;
        }
    }
    return crossings * static_cast<double>(k_sample_rate) / static_cast<double>(end - start);
}

}  // namespace

TEST_CASE("Each tone kind sounds different: its own pitch or length") {
    std::set<std::pair<long, std::size_t>> signatures;
    for (const ToneKind kind : k_all_kinds) {
        const auto samples = generate_tone(kind, k_sample_rate, 1.0);
        REQUIRE_FALSE(samples.empty());
        const long pitch = std::lround(first_frequency(samples) / 50.0);  // 50 Hz bins
        signatures.emplace(pitch, samples.size());
    }
    CHECK(signatures.size() == k_all_kinds.size());
}

TEST_CASE("A tone's pitch is the frequency of its pattern") {
    const auto key = generate_tone(ToneKind::key, k_sample_rate, 1.0);
    CHECK(first_frequency(key) ==
          Approx(tone_pattern(ToneKind::key)[0].frequency_hz).epsilon(0.05));
    const auto digit = generate_tone(ToneKind::digit, k_sample_rate, 1.0);
    CHECK(first_frequency(digit) ==
          Approx(tone_pattern(ToneKind::digit)[0].frequency_hz).epsilon(0.05));
}

TEST_CASE("Every tone is far shorter than the 3 s that may play over speech") {
    for (const ToneKind kind : k_all_kinds) {
        const auto samples = generate_tone(kind, k_sample_rate, 1.0);
        const double seconds = static_cast<double>(samples.size()) / k_sample_rate;
        CHECK(seconds <= std::chrono::duration<double>(k_maximum_tone_duration).count());
        CHECK(seconds > 0.03);
    }
}

TEST_CASE("A tone fades in, so it starts without a click") {
    const auto samples = generate_tone(ToneKind::attention, k_sample_rate, 1.0);
    REQUIRE(samples.size() > 10);
    CHECK(std::abs(samples[0]) < 100);
    CHECK(std::abs(samples[1]) < 300);
}

TEST_CASE("A tone's loudness follows the gain") {
    const double quiet = rms(generate_tone(ToneKind::digit, k_sample_rate, 0.25));
    const double loud = rms(generate_tone(ToneKind::digit, k_sample_rate, 1.0));
    CHECK(quiet > 100);
    CHECK(loud / quiet == Approx(4.0).epsilon(0.02));
}
