#include "kiosk/speech/wav.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

#include "base/bytes.h"

namespace kiosk::speech {

namespace {

constexpr std::uint16_t k_pcm_format_tag = 1;
constexpr std::uint16_t k_bits_per_sample = 16;
constexpr std::uint32_t k_format_chunk_size = 16;
constexpr std::size_t k_header_size = 44;

void put_tag(base::Bytes& bytes, std::string_view tag) {
    bytes.insert(bytes.end(), tag.begin(), tag.end());
}

bool tag_at(const base::Bytes& bytes, std::size_t offset, std::string_view tag) {
    return offset + 4 <= bytes.size() &&
           std::equal(tag.begin(), tag.end(), bytes.begin() + static_cast<std::ptrdiff_t>(offset));
}

base::Error<SpeechError> bad(const std::filesystem::path& path, std::string_view what) {
    return base::error(SpeechError::bad_wav, path.string() + ": " + std::string{what});
}

}  // namespace

std::expected<void, base::Error<SpeechError>> write_wav(const std::filesystem::path& path,
                                                        std::span<const std::int16_t> samples,
                                                        int sample_rate) {
    constexpr std::size_t k_bytes_per_sample = k_bits_per_sample / 8;
    const std::size_t data_size = samples.size() * k_bytes_per_sample;
    if (sample_rate <= 0 ||
        data_size > std::numeric_limits<std::uint32_t>::max() - (k_header_size - 8)) {
        return std::unexpected(
            base::error(SpeechError::recording_failed, path.string() + ": too long"));
    }
    const auto rate = static_cast<std::uint32_t>(sample_rate);
    base::Bytes bytes;
    bytes.reserve(k_header_size + data_size);
    put_tag(bytes, "RIFF");
    base::put_le32(bytes, static_cast<std::uint32_t>(k_header_size - 8 + data_size));
    put_tag(bytes, "WAVE");
    put_tag(bytes, "fmt ");
    base::put_le32(bytes, k_format_chunk_size);
    base::put_le16(bytes, k_pcm_format_tag);
    base::put_le16(bytes, 1);  // mono
    base::put_le32(bytes, rate);
    base::put_le32(bytes, rate * static_cast<std::uint32_t>(k_bytes_per_sample));  // byte rate
    base::put_le16(bytes, static_cast<std::uint16_t>(k_bytes_per_sample));         // block align
    base::put_le16(bytes, k_bits_per_sample);
    put_tag(bytes, "data");
    base::put_le32(bytes, static_cast<std::uint32_t>(data_size));
    for (const std::int16_t sample : samples) {
        base::put_le16(bytes, static_cast<std::uint16_t>(sample));
    }

    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    file.close();
    if (!file) {
        return std::unexpected(base::error(SpeechError::recording_failed, path.string()));
    }
    return {};
}

std::expected<WavAudio, base::Error<SpeechError>> read_wav(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        return std::unexpected(bad(path, "cannot be opened"));
    }
    const base::Bytes bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    if (bytes.size() < 12 || !tag_at(bytes, 0, "RIFF") || !tag_at(bytes, 8, "WAVE")) {
        return std::unexpected(bad(path, "not a RIFF WAVE file"));
    }
    WavAudio audio;
    bool have_format = false;
    std::size_t offset = 12;
    while (offset + 8 <= bytes.size()) {
        const std::uint32_t chunk_size = base::le32_at(bytes, offset + 4);
        const std::size_t body = offset + 8;
        if (chunk_size > bytes.size() - body) {
            return std::unexpected(bad(path, "a chunk runs past the end of the file"));
        }
        if (tag_at(bytes, offset, "fmt ")) {
            if (chunk_size < k_format_chunk_size) {
                return std::unexpected(bad(path, "format chunk too short"));
            }
            if (base::le16_at(bytes, body) != k_pcm_format_tag ||
                base::le16_at(bytes, body + 14) != k_bits_per_sample) {
                return std::unexpected(bad(path, "not 16-bit PCM"));
            }
            audio.channels = base::le16_at(bytes, body + 2);
            audio.sample_rate = static_cast<int>(base::le32_at(bytes, body + 4));
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
                audio.samples.push_back(
                    static_cast<std::int16_t>(base::le16_at(bytes, body + index)));
            }
            return audio;
        }
        // RIFF chunks are padded to an even size.
        offset = body + chunk_size + (chunk_size & 1u);
    }
    return std::unexpected(bad(path, "no data chunk"));
}

}  // namespace kiosk::speech
