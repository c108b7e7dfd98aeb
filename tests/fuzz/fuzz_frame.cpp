// libFuzzer harness: the frame of the PIN pad and the cash dispenser (drivers/frame/frame.h,
// docs/protocols/epp.md §2, docs/protocols/dispenser.md §2). The first byte picks the start
// byte (bit 0: EB the PIN pad, DC the dispenser) and whether the harness writes the right
// CRC-16 over the frame first (bit 1), so that the fuzzer also reaches what lies behind the
// checksum.
// Properties: a frame decodes only from bytes that hold all of it, and encodes back to exactly
// those bytes (epp.md §2: bytes after the CRC are ignored); the NAK's sequence number is the
// frame's when bytes 0-3 were readable, else 0.

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "base/bytes.h"
#include "drivers/frame/frame.h"
#include "tests/fuzz/frame_fixup.h"
#include "tests/fuzz/fuzz_input.h"

using tests::fuzz::require;

namespace {

namespace frame = drivers::frame;

constexpr std::uint8_t k_pin_pad_start = 0xEB;
constexpr std::uint8_t k_dispenser_start = 0xDC;
// epp.md §2: the sequence number's offset.
constexpr std::size_t k_sequence_offset = 3;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tests::fuzz::FuzzInput input(data, size);
    const std::uint8_t selector = input.take_byte();
    const std::uint8_t start = (selector & 0x01) != 0 ? k_dispenser_start : k_pin_pad_start;
    base::Bytes bytes(input.rest().begin(), input.rest().end());
    if ((selector & 0x02) != 0) {
        tests::fuzz::write_frame_crc(bytes);
    }

    const std::uint8_t nak_sequence = frame::sequence_for_nak(start, bytes);
    if (bytes.size() > k_sequence_offset && bytes[0] == start) {
        require(nak_sequence == bytes[k_sequence_offset]);
    } else {
        require(nak_sequence == 0);
    }

    const auto decoded = frame::decode_frame(start, bytes);
    if (!decoded) {
        require(!frame::to_string(decoded.error()).empty());
        return 0;
    }
    require(decoded->payload.size() <= frame::k_max_payload_length);
    const base::Bytes encoded = frame::encode_frame(start, *decoded);
    require(encoded.size() ==
            frame::k_header_length + decoded->payload.size() + frame::k_trailer_length);
    require(encoded.size() <= bytes.size());
    require(std::equal(encoded.begin(), encoded.end(), bytes.begin()));
    return 0;
}
