#include <catch2/catch.hpp>

#include <random>
#include <set>
#include <string>

#include "base/bytes.h"
#include "drivers/frame/frame.h"
#include "tests/support/replay_transport.h"

using namespace drivers::frame;
using tests::drivers::hex;

namespace {

// The two devices' start bytes (epp.md §2, dispenser.md §2).
constexpr std::uint8_t k_pad = 0xEB;
constexpr std::uint8_t k_dispenser = 0xDC;

}  // namespace

TEST_CASE("The frame checksum is CRC-16/CCITT-FALSE") {
    const std::string check = "123456789";
    CHECK(crc16(std::span(reinterpret_cast<const std::uint8_t*>(check.data()), check.size())) ==
          0x29B1);
    CHECK(crc16({}) == 0xFFFF);
}

TEST_CASE("A frame carries start byte, version, code, sequence, length, payload and CRC") {
    const base::Bytes bytes = encode_frame(k_dispenser, Frame{0x11, 0x07, hex("AA BB")});
    REQUIRE(bytes.size() == 10);
    CHECK(base::Bytes(bytes.begin(), bytes.begin() + 8) == hex("DC 01 11 07 0200 AABB"));
    const std::uint16_t crc = crc16(std::span(bytes).first(8));
    CHECK(bytes[8] == (crc & 0xFF));
    CHECK(bytes[9] == (crc >> 8));
    auto decoded = decode_frame(k_dispenser, bytes);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == Frame{0x11, 0x07, hex("AA BB")});
}

TEST_CASE("A frame is read only by the device whose start byte it carries") {
    const base::Bytes for_the_pad = encode_frame(k_pad, Frame{0x02, 0, {}});
    CHECK(decode_frame(k_pad, for_the_pad).has_value());
    CHECK(decode_frame(k_dispenser, for_the_pad).error() == FrameError::bad_start_of_frame);
}

TEST_CASE("Bytes after the CRC are ignored") {
    base::Bytes bytes = encode_frame(k_pad, Frame{0x82, 3, {0x00}});
    bytes.push_back(0x55);
    auto decoded = decode_frame(k_pad, bytes);
    REQUIRE(decoded.has_value());
    CHECK(decoded->payload == base::Bytes{0x00});
}

TEST_CASE("Malformed frames are rejected with the reason") {
    base::Bytes good = encode_frame(k_pad, Frame{0x84, 1, {0x00}});
    CHECK(decode_frame(k_pad, {}).error() == FrameError::truncated);
    CHECK(decode_frame(k_pad, std::span(good).first(5)).error() == FrameError::truncated);
    CHECK(decode_frame(k_pad, std::span(good).first(good.size() - 1)).error() ==
          FrameError::truncated);
    base::Bytes bad = good;
    bad[0] = 0xEA;
    CHECK(decode_frame(k_pad, bad).error() == FrameError::bad_start_of_frame);
    bad = good;
    bad[1] = 0x02;
    CHECK(decode_frame(k_pad, bad).error() == FrameError::unsupported_version);
    bad = good;
    bad[6] ^= 0x01;
    CHECK(decode_frame(k_pad, bad).error() == FrameError::bad_checksum);
    bad = good;
    bad[4] = 0x01;
    bad[5] = 0x02;  // 513 bytes
    CHECK(decode_frame(k_pad, bad).error() == FrameError::payload_too_long);
}

TEST_CASE("A length that promises more than arrived is a truncated frame, not an over-read") {
    // The header says 0x0200 = 512 bytes, the transfer carries 3: a decoder that trusted the
    // length would read past the buffer (AddressSanitizer would say so).
    const base::Bytes liar = hex("DC 01 10 00 0002 01 02 03");
    CHECK(decode_frame(k_dispenser, liar).error() == FrameError::truncated);
    const base::Bytes exact = encode_frame(k_dispenser, Frame{0x10, 0, base::Bytes(512, 0x5A)});
    CHECK(decode_frame(k_dispenser, exact).has_value());
    CHECK(decode_frame(k_dispenser, std::span(exact).first(exact.size() - 1)).error() ==
          FrameError::truncated);
}

TEST_CASE("Every single-bit error in a frame is caught by the CRC or the header checks") {
    const base::Bytes good = encode_frame(k_dispenser, Frame{0x41, 9, hex("0102030405")});
    for (std::size_t index = 0; index < good.size(); ++index) {
        for (int bit = 0; bit < 8; ++bit) {
            base::Bytes damaged = good;
            damaged[index] = static_cast<std::uint8_t>(damaged[index] ^ (1 << bit));
            CHECK_FALSE(decode_frame(k_dispenser, damaged).has_value());
        }
    }
}

TEST_CASE("A NAK carries the sequence number of a frame whose first four bytes were readable") {
    CHECK(sequence_for_nak(k_dispenser, hex("DC 01 02 33 FF")) == 0x33);
    CHECK(sequence_for_nak(k_dispenser, hex("DC 01 02 33")) == 0x33);
    CHECK(sequence_for_nak(k_dispenser, hex("DC 01 02")) == 0);
    CHECK(sequence_for_nak(k_dispenser, hex("EB 01 02 33 0000")) == 0);
    CHECK(sequence_for_nak(k_dispenser, {}) == 0);
}

TEST_CASE("Random bytes never crash the frame decoder") {
    std::mt19937 generator(7);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(0, 40);
    int frames = 0;
    for (int round = 0; round < 20000; ++round) {
        base::Bytes input(static_cast<std::size_t>(length(generator)));
        for (auto& value : input) {
            value = static_cast<std::uint8_t>(byte(generator));
        }
        // Give half the inputs a valid frame around random content.
        if (round % 2 == 0 && input.size() >= 2) {
            input = encode_frame(
                k_pad, Frame{input[0], input[1], base::Bytes(input.begin() + 2, input.end())});
        }
        if (auto frame = decode_frame(k_pad, input)) {
            ++frames;
            CHECK(frame->payload.size() + k_header_length + k_trailer_length <= input.size());
        }
    }
    CHECK(frames > 0);
}

TEST_CASE("Every frame error has its own description") {
    std::set<std::string_view> texts;
    for (const FrameError error :
         {FrameError::truncated, FrameError::bad_start_of_frame, FrameError::unsupported_version,
          FrameError::payload_too_long, FrameError::bad_checksum}) {
        texts.insert(to_string(error));
    }
    CHECK(texts.size() == 5);
}
