#include "kiosk/speech/wav.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

namespace kiosk::speech {

namespace {

constexpr std::uint16_t pcm_format_tag = 1;
constexpr std::uint16_t bits_per_sample = 16;
constexpr std::uint32_t format_chunk_size = 16;
constexpr std::size_t header_size = 44;

void put_u16(std::vector<char>& bytes, std::uint16_t value) {
    bytes.push_back(static_cast<char>(value & 0xFFu));
    bytes.push_back(static_cast<char>((value >> 8) & 0xFFu));
}

void put_u32(std::vector<char>& bytes, std::uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8) {
        bytes.push_back(static_cast<char>((value >> shift) & 0xFFu));
    }
}

void put_tag(std::vector<char>& bytes, const char (&tag)[5]) {
    bytes.insert(bytes.end(), tag, tag + 4);
}

std::uint16_t get_u16(const std::vector<std::uint8_t>& bytes, std::size_t offset) {
    return static_cast<std::uint16_t>(bytes[offset] | (bytes[offset + 1] << 8));
}

std::uint32_t get_u32(const std::vector<std::uint8_t>& bytes, std::size_t offset) {
    return static_cast<std::uint32_t>(bytes[offset]) |
           (static_cast<std::uint32_t>(bytes[offset + 1]) << 8) |
           (static_cast<std::uint32_t>(bytes[offset + 2]) << 16) |
           (static_cast<std::uint32_t>(bytes[offset + 3]) << 24);
}

bool tag_at(const std::vector<std::uint8_t>& bytes, std::size_t offset, std::string_view tag) {
    return offset + 4 <= bytes.size() &&
           std::equal(tag.begin(), tag.end(), bytes.begin() + static_cast<std::ptrdiff_t>(offset));
}

Error bad(const std::filesystem::path& path, std::string_view what) {
    return Error{SpeechError::bad_wav, path.string() + ": " + std::string{what}};
}

}  // namespace

std::expected<void, Error> write_wav(const std::filesystem::path& path,
                                     std::span<const std::int16_t> samples, int sample_rate) {
    constexpr std::size_t bytes_per_sample = bits_per_sample / 8;
    const std::size_t data_size = samples.size() * bytes_per_sample;
    if (sample_rate <= 0 ||
        data_size > std::numeric_limits<std::uint32_t>::max() - (header_size - 8)) {
        return std::unexpected(Error{SpeechError::recording_failed, path.string() + ": too long"});
    }
    const auto rate = static_cast<std::uint32_t>(sample_rate);
    std::vector<char> bytes;
    bytes.reserve(header_size + data_size);
    put_tag(bytes, "RIFF");
    put_u32(bytes, static_cast<std::uint32_t>(header_size - 8 + data_size));
    put_tag(bytes, "WAVE");
    put_tag(bytes, "fmt ");
    put_u32(bytes, format_chunk_size);
    put_u16(bytes, pcm_format_tag);
    put_u16(bytes, 1);  // mono
    put_u32(bytes, rate);
    put_u32(bytes, rate * static_cast<std::uint32_t>(bytes_per_sample));  // byte rate
    put_u16(bytes, static_cast<std::uint16_t>(bytes_per_sample));         // block align
    put_u16(bytes, bits_per_sample);
    put_tag(bytes, "data");
    put_u32(bytes, static_cast<std::uint32_t>(data_size));
    for (const std::int16_t sample : samples) {
        put_u16(bytes, static_cast<std::uint16_t>(sample));
    }

    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    file.close();
    if (!file) {
        return std::unexpected(Error{SpeechError::recording_failed, path.string()});
    }
    return {};
}

std::expected<WavAudio, Error> read_wav(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        return std::unexpected(bad(path, "cannot be opened"));
    }
    const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(file),
                                          std::istreambuf_iterator<char>()};
    if (bytes.size() < 12 || !tag_at(bytes, 0, "RIFF") || !tag_at(bytes, 8, "WAVE")) {
        return std::unexpected(bad(path, "not a RIFF WAVE file"));
    }
    WavAudio audio;
    bool have_format = false;
    std::size_t offset = 12;
    while (offset + 8 <= bytes.size()) {
        const std::uint32_t chunk_size = get_u32(bytes, offset + 4);
        const std::size_t body = offset + 8;
        if (chunk_size > bytes.size() - body) {
            return std::unexpected(bad(path, "a chunk runs past the end of the file"));
        }
        if (tag_at(bytes, offset, "fmt ")) {
            if (chunk_size < format_chunk_size) {
                return std::unexpected(bad(path, "format chunk too short"));
            }
            if (get_u16(bytes, body) != pcm_format_tag ||
                get_u16(bytes, body + 14) != bits_per_sample) {
                return std::unexpected(bad(path, "not 16-bit PCM"));
            }
            audio.channels = get_u16(bytes, body + 2);
            audio.sample_rate = static_cast<int>(get_u32(bytes, body + 4));
            if (audio.channels == 0 || audio.sample_rate <= 0) {
                return std::unexpected(bad(path, "no channels or no sample rate"));
            }
            have_format = true;
        } else if (tag_at(bytes, offset, "data")) {
            if (!have_format) {
                return std::unexpected(bad(path, "data before format"));
            }
            audio.samples.reserve(chunk_size / 2);
            for (std::size_t index = 0; index + 1 < chunk_size; index += 2) {
                audio.samples.push_back(static_cast<std::int16_t>(get_u16(bytes, body + index)));
            }
            return audio;
        }
        // RIFF chunks are padded to an even size.
        offset = body + chunk_size + (chunk_size & 1u);
    }
    return std::unexpected(bad(path, "no data chunk"));
}

}  // namespace kiosk::speech
