#include "drivers/frame/frame.h"

#include "base/bytes.h"

namespace drivers::frame {

namespace {

// epp.md §2: the sequence number is byte 3.
constexpr std::size_t k_sequence_offset = 3;
constexpr std::size_t k_length_offset = 4;

}  // namespace

std::string_view to_string(FrameError error) {
    switch (error) {
        case FrameError::truncated:
            return "frame cut short";
        case FrameError::bad_start_of_frame:
            return "frame with another device's start byte";
        case FrameError::unsupported_version:
            return "frame of an unsupported protocol version";
        case FrameError::payload_too_long:
            return "frame payload longer than 512 bytes";
        case FrameError::bad_checksum:
            return "frame CRC mismatch";
    }
    return "unknown frame error";
}

std::uint16_t crc16(std::span<const std::uint8_t> bytes) {
    std::uint16_t crc = 0xFFFF;
    for (std::uint8_t byte : bytes) {
        crc = static_cast<std::uint16_t>(crc ^ (byte << 8));
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc & 0x8000) != 0 ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                                      : static_cast<std::uint16_t>(crc << 1);
        }
    }
    return crc;
}

base::Bytes encode_frame(std::uint8_t start_byte, const Frame& frame) {
    // epp.md §2: start, version, code, sequence, length (LE), payload, CRC (LE) over all before.
    base::Bytes bytes{start_byte, k_protocol_version, frame.code, frame.sequence};
    base::put_le16(bytes, static_cast<std::uint16_t>(frame.payload.size()));
    bytes.insert(bytes.end(), frame.payload.begin(), frame.payload.end());
    base::put_le16(bytes, crc16(bytes));
    return bytes;
}

std::expected<Frame, FrameError> decode_frame(std::uint8_t start_byte,
                                              std::span<const std::uint8_t> bytes) {
    if (bytes.size() < k_header_length + k_trailer_length) {
        return std::unexpected(FrameError::truncated);
    }
    if (bytes[0] != start_byte) {
        return std::unexpected(FrameError::bad_start_of_frame);
    }
    if (bytes[1] != k_protocol_version) {
        return std::unexpected(FrameError::unsupported_version);
    }
    const std::size_t length = base::le16_at(bytes, k_length_offset);
    if (length > k_max_payload_length) {
        return std::unexpected(FrameError::payload_too_long);
    }
    if (bytes.size() < k_header_length + length + k_trailer_length) {
        return std::unexpected(FrameError::truncated);
    }
    const auto covered = bytes.first(k_header_length + length);
    if (crc16(covered) != base::le16_at(bytes, k_header_length + length)) {
        return std::unexpected(FrameError::bad_checksum);
    }
    Frame frame;
    frame.code = bytes[2];
    frame.sequence = bytes[k_sequence_offset];
    frame.payload.assign(covered.begin() + k_header_length, covered.end());
    return frame;
}

std::uint8_t sequence_for_nak(std::uint8_t start_byte, std::span<const std::uint8_t> bytes) {
    return bytes.size() > k_sequence_offset && bytes[0] == start_byte ? bytes[k_sequence_offset]
                                                                      : 0;
}

}  // namespace drivers::frame
