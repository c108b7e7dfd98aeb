#pragma once

// For the harnesses of framed protocols (the PIN pad, the cash dispenser): writes the right
// CRC-16 into fuzzed frame bytes, so that the fuzzer reaches the decoders behind the checksum
// instead of spending its time guessing it (docs/protocols/epp.md §2).

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/bytes.h"
#include "drivers/frame/frame.h"

namespace tests::fuzz {

// epp.md §2: the length field's offset in the header.
inline constexpr std::size_t k_frame_length_offset = 4;

// The CRC-16 over header and payload, written after them when the bytes are long enough to
// hold it; shorter bytes are left as they are.
inline void write_frame_crc(base::Bytes& bytes) {
    namespace frame = drivers::frame;
    if (bytes.size() < frame::k_header_length) {
        return;
    }
    const std::size_t covered =
        frame::k_header_length + base::le16_at(bytes, k_frame_length_offset);
    if (covered + frame::k_trailer_length > bytes.size()) {
        return;
    }
    const std::uint16_t crc = frame::crc16(std::span(bytes).first(covered));
    bytes[covered] = static_cast<std::uint8_t>(crc & 0xFF);
    bytes[covered + 1] = static_cast<std::uint8_t>(crc >> 8);
}

}  // namespace tests::fuzz
