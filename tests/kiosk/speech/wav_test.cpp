#include <catch2/catch.hpp>

#include <unistd.h>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "kiosk/speech/wav.h"

using namespace kiosk::speech;

namespace {

std::filesystem::path scratch_file(const std::string& name) {
    const auto folder =
        std::filesystem::temp_directory_path() / ("kiosk-speech-wav-" + std::to_string(::getpid()));
    std::filesystem::create_directories(folder);
    return folder / name;
}

base::Bytes bytes_of(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("A written WAV file has the canonical 44-byte mono 16-bit header") {
    const std::vector<std::int16_t> samples{0, 1, -1, 32767, -32768};
    const auto path = scratch_file("header.wav");
    REQUIRE(write_wav(path, samples, 22050).has_value());
    const auto bytes = bytes_of(path);
    REQUIRE(bytes.size() == 44 + samples.size() * 2);
    CHECK(std::string(bytes.begin(), bytes.begin() + 4) == "RIFF");
    CHECK(base::le32_at(bytes, 4) == bytes.size() - 8);
    CHECK(std::string(bytes.begin() + 8, bytes.begin() + 16) == "WAVEfmt ");
    CHECK(base::le32_at(bytes, 16) == 16);
    CHECK((bytes[20] | (bytes[21] << 8)) == 1);  // PCM
    CHECK((bytes[22] | (bytes[23] << 8)) == 1);  // mono
    CHECK(base::le32_at(bytes, 24) == 22050);
    CHECK(base::le32_at(bytes, 28) == 44100);    // byte rate
    CHECK((bytes[32] | (bytes[33] << 8)) == 2);  // block align
    CHECK((bytes[34] | (bytes[35] << 8)) == 16);
    CHECK(std::string(bytes.begin() + 36, bytes.begin() + 40) == "data");
    CHECK(base::le32_at(bytes, 40) == samples.size() * 2);
    CHECK(bytes[44 + 6] == 0xFF);  // 32767 little-endian
    CHECK(bytes[44 + 7] == 0x7F);
}

TEST_CASE("A WAV file reads back to the samples that were written") {
    const std::vector<std::int16_t> samples{5, -7, 1234, -32768, 32767, 0};
    const auto path = scratch_file("round-trip.wav");
    REQUIRE(write_wav(path, samples, 16000).has_value());
    const auto audio = read_wav(path);
    REQUIRE(audio.has_value());
    CHECK(audio->sample_rate == 16000);
    CHECK(audio->channels == 1);
    CHECK(audio->samples == samples);
}

TEST_CASE("Reading a file that is not a WAV file is a bad_wav error") {
    const auto path = scratch_file("not.wav");
    std::ofstream{path} << "this is text, not audio";
    const auto audio = read_wav(path);
    REQUIRE_FALSE(audio.has_value());
    CHECK(audio.error().code == SpeechError::bad_wav);
    CHECK(audio.error().context.find("not.wav") != std::string::npos);
}

TEST_CASE("Reading a WAV file whose data chunk runs past its end is a bad_wav error") {
    const std::vector<std::int16_t> samples(100, 42);
    const auto path = scratch_file("truncated.wav");
    REQUIRE(write_wav(path, samples, 22050).has_value());
    std::filesystem::resize_file(path, 44 + 50);
    const auto audio = read_wav(path);
    REQUIRE_FALSE(audio.has_value());
    CHECK(audio.error().code == SpeechError::bad_wav);
}

TEST_CASE("Reading a missing WAV file is a bad_wav error") {
    const auto audio = read_wav(scratch_file("missing.wav"));
    REQUIRE_FALSE(audio.has_value());
    CHECK(audio.error().code == SpeechError::bad_wav);
}

TEST_CASE("Writing a WAV file into a folder that does not exist is a recording_failed error") {
    const std::vector<std::int16_t> samples(10, 1);
    const auto written = write_wav(scratch_file("no-such-folder") / "x.wav", samples, 22050);
    REQUIRE_FALSE(written.has_value());
    CHECK(written.error().code == SpeechError::recording_failed);
}
