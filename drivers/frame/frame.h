#pragma once

// The frame both of the kiosk's own USB devices speak, the PIN pad (docs/protocols/epp.md §2)
// and the cash dispenser (docs/protocols/dispenser.md §2): start byte, version, code, sequence,
// length, payload and CRC-16. Only the start byte differs between them, so that a frame sent to
// the wrong device is refused at once. Pure functions over bytes.

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string_view>

#include "base/bytes.h"

namespace drivers::frame {

// epp.md §2: the frame layout.
constexpr std::uint8_t k_protocol_version = 0x01;
constexpr std::size_t k_header_length = 6;
constexpr std::size_t k_trailer_length = 2;
constexpr std::size_t k_max_payload_length = 512;
constexpr std::size_t k_max_frame_length =
    k_header_length + k_max_payload_length + k_trailer_length;

// Why a run of bytes is not a frame (epp.md §2, "Bad frames").
enum class FrameError {
    truncated,            // fewer bytes than header + trailer, or than the length announces
    bad_start_of_frame,   // the first byte is not the device's start byte
    unsupported_version,  // the version byte is not 01
    payload_too_long,     // the length field is above 512
    bad_checksum,         // CRC-16 mismatch
};

std::string_view to_string(FrameError error);

struct Frame {
    std::uint8_t code = 0;
    std::uint8_t sequence = 0;
    base::Bytes payload;
    bool operator==(const Frame&) const = default;
};

// CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, not reflected, no final XOR.
std::uint16_t crc16(std::span<const std::uint8_t> bytes);

base::Bytes encode_frame(std::uint8_t start_byte, const Frame& frame);
// Bytes after the CRC are ignored; a frame cut short is an error.
std::expected<Frame, FrameError> decode_frame(std::uint8_t start_byte,
                                              std::span<const std::uint8_t> bytes);

// epp.md §2: a device NAKs a frame it cannot read with that frame's sequence number when
// bytes 0-3 were readable, else 0.
std::uint8_t sequence_for_nak(std::uint8_t start_byte, std::span<const std::uint8_t> bytes);

}  // namespace drivers::frame
