#include <catch2/catch.hpp>

#include <random>
#include <string_view>

#include "drivers/iso7816/t1_block.h"
#include "tests/support/replay_transport.h"

using namespace drivers::iso7816;
using tests::drivers::hex;

namespace {

base::Bytes encoded(const T1Block& block, EdcKind edc = EdcKind::lrc) {
    return encode_t1_block(block, edc).value();
}

T1BlockError decode_error(std::string_view text, EdcKind edc = EdcKind::lrc,
                          std::size_t ifs = k_t1_max_information_length) {
    const auto result = decode_t1_block(hex(text), edc, ifs);
    REQUIRE_FALSE(result.has_value());
    return result.error();
}

}  // namespace

// The byte strings below were worked out by hand from ISO/IEC 7816-3:2006 §11.3 (prologue and
// PCB) and §11.4.4 (LRC: the exclusive-or of NAD, PCB, LEN and INF).
TEST_CASE("Every kind of T=1 block is encoded byte for byte") {
    CHECK(encoded(T1Block::information_block(0, false, hex("00A4040002 3F00"))) ==
          hex("00 00 07 00A40400023F00 9A"));
    CHECK(encoded(T1Block::information_block(1, true, hex("0102"))) == hex("00 60 02 0102 61"));
    CHECK(encoded(T1Block::receive_ready(0)) == hex("00 80 00 80"));
    CHECK(encoded(T1Block::receive_ready(1)) == hex("00 90 00 90"));
    CHECK(encoded(T1Block::receive_ready(1, ReceiveStatus::edc_error)) == hex("00 91 00 91"));
    CHECK(encoded(T1Block::receive_ready(0, ReceiveStatus::other_error)) == hex("00 82 00 82"));
    CHECK(encoded(T1Block::request(SupervisoryType::resynch)) == hex("00 C0 00 C0"));
    CHECK(encoded(T1Block::response(SupervisoryType::resynch)) == hex("00 E0 00 E0"));
    CHECK(encoded(T1Block::request(SupervisoryType::information_field_size, hex("FE"))) ==
          hex("00 C1 01 FE 3E"));
    CHECK(encoded(T1Block::response(SupervisoryType::information_field_size, hex("FE"))) ==
          hex("00 E1 01 FE 1E"));
    CHECK(encoded(T1Block::request(SupervisoryType::abort)) == hex("00 C2 00 C2"));
    CHECK(encoded(T1Block::response(SupervisoryType::abort)) == hex("00 E2 00 E2"));
    CHECK(encoded(T1Block::request(SupervisoryType::waiting_time_extension, hex("02"))) ==
          hex("00 C3 01 02 C0"));
    CHECK(encoded(T1Block::response(SupervisoryType::waiting_time_extension, hex("02"))) ==
          hex("00 E3 01 02 E0"));
}

TEST_CASE("A node address goes into the prologue and the LRC") {
    T1Block block = T1Block::receive_ready(0);
    block.node_address = 0x12;  // DAD 1, SAD 2 (§11.3.2.1)
    CHECK(encoded(block) == hex("12 80 00 92"));
    const auto decoded = decode_t1_block(hex("21 80 00 A1"), EdcKind::lrc, 32);
    REQUIRE(decoded.has_value());
    CHECK(decoded->node_address == 0x21);
}

TEST_CASE("The CRC is the ISO/IEC 13239 generator with the catalogued check value") {
    // CRC-16/MCRF4XX: start FFFF, reflected, no final inversion; check value 6F91.
    const std::string_view digits = "123456789";
    const base::Bytes bytes(digits.begin(), digits.end());
    CHECK(t1_crc(bytes) == 0x6F91);
    CHECK(t1_crc({}) == 0xFFFF);
}

TEST_CASE("A block with a CRC epilogue carries two bytes, high byte first, and decodes back") {
    const T1Block block = T1Block::request(SupervisoryType::information_field_size, hex("FE"));
    const base::Bytes bytes = encoded(block, EdcKind::crc);
    REQUIRE(bytes.size() == 6);
    const std::uint16_t crc = t1_crc(hex("00 C1 01 FE"));
    CHECK(bytes[4] == (crc >> 8));
    CHECK(bytes[5] == (crc & 0xFF));
    CHECK(decode_t1_block(bytes, EdcKind::crc, 32) == block);
    // The same bytes read as LRC have a LEN that does not add up.
    CHECK(decode_t1_block(bytes, EdcKind::lrc, 32).error() == T1BlockError::length_mismatch);
    base::Bytes damaged = bytes;
    damaged[5] ^= 0x01;
    CHECK(decode_t1_block(damaged, EdcKind::crc, 32).error() == T1BlockError::wrong_edc);
}

TEST_CASE("Every malformed block is named") {
    CHECK(decode_error("") == T1BlockError::truncated);
    CHECK(decode_error("00 00 00") == T1BlockError::truncated);
    CHECK(decode_error("00 00 03 0102 01") == T1BlockError::truncated);
    CHECK(decode_error("00 00 01 01 01 00") == T1BlockError::length_mismatch);
    CHECK(decode_error("00 00 FF 00") == T1BlockError::reserved_length);
    CHECK(decode_error("00 00 01 01 01") == T1BlockError::wrong_edc);
    CHECK(decode_error("00 80 00 81") == T1BlockError::wrong_edc);
    CHECK(decode_error("80 80 00 00") == T1BlockError::reserved_node_address);
    CHECK(decode_error("08 80 00 88") == T1BlockError::reserved_node_address);
    CHECK(decode_error("11 80 00 91") == T1BlockError::reserved_node_address);
    CHECK(decode_error("00 01 00 01") == T1BlockError::unknown_pcb);  // I-block, reserved bit
    CHECK(decode_error("00 A0 00 A0") == T1BlockError::unknown_pcb);  // R-block, bit 6 set
    CHECK(decode_error("00 83 00 83") == T1BlockError::unknown_pcb);  // R-block, code 3
    CHECK(decode_error("00 C4 00 C4") == T1BlockError::unknown_pcb);  // S(VPP error), gone
    CHECK(decode_error("00 80 01 00 81") == T1BlockError::wrong_information_length);
    CHECK(decode_error("00 C1 00 C1") == T1BlockError::wrong_information_length);
    CHECK(decode_error("00 C0 01 00 C1") == T1BlockError::wrong_information_length);
    CHECK(decode_error("00 C1 01 00 C0") == T1BlockError::invalid_parameter);
    CHECK(decode_error("00 C1 01 FF 3F") == T1BlockError::invalid_parameter);
    CHECK(decode_error("00 C3 01 00 C2") == T1BlockError::invalid_parameter);
    CHECK(decode_error("00 00 03 010203 03", EdcKind::lrc, 2) ==
          T1BlockError::information_too_long);
    CHECK(decode_error("00 00 00", EdcKind::crc) == T1BlockError::truncated);
}

TEST_CASE("An I-block as long as the receiver's IFS is accepted") {
    base::Bytes data(32, 0x5A);
    const auto bytes = encoded(T1Block::information_block(1, false, data));
    const auto decoded = decode_t1_block(bytes, EdcKind::lrc, 32);
    REQUIRE(decoded.has_value());
    CHECK(decoded->information == data);
    CHECK(decoded->sequence == 1);
    CHECK_FALSE(decoded->more);
    CHECK(decode_t1_block(bytes, EdcKind::lrc, 31).error() == T1BlockError::information_too_long);
}

TEST_CASE("Blocks that cannot be sent are refused by the encoder") {
    CHECK(encode_t1_block(T1Block::information_block(0, false, base::Bytes(255, 0)), EdcKind::lrc)
              .error() == T1BlockError::information_too_long);
    CHECK(encode_t1_block(T1Block::request(SupervisoryType::information_field_size), EdcKind::lrc)
              .error() == T1BlockError::wrong_information_length);
    T1Block receive = T1Block::receive_ready(0);
    receive.information = hex("00");
    CHECK(encode_t1_block(receive, EdcKind::lrc).error() == T1BlockError::wrong_information_length);
}

TEST_CASE("Random blocks survive a round trip and random bytes never over-read") {
    std::mt19937 random(7816);
    for (int round = 0; round < 4000; ++round) {
        const EdcKind edc = (round % 2) == 0 ? EdcKind::lrc : EdcKind::crc;
        T1Block block;
        switch (random() % 3) {
            case 0:
                block = T1Block::information_block(static_cast<std::uint8_t>(random() % 2),
                                                   random() % 2 == 0, {});
                block.information.resize(random() % (k_t1_max_information_length + 1));
                for (auto& byte : block.information) {
                    byte = static_cast<std::uint8_t>(random());
                }
                break;
            case 1:
                block = T1Block::receive_ready(static_cast<std::uint8_t>(random() % 2),
                                               static_cast<ReceiveStatus>(random() % 3));
                break;
            default: {
                const auto type = static_cast<SupervisoryType>(random() % 4);
                base::Bytes data;
                if (type == SupervisoryType::information_field_size ||
                    type == SupervisoryType::waiting_time_extension) {
                    data.push_back(static_cast<std::uint8_t>(1 + random() % 254));
                }
                block = random() % 2 == 0 ? T1Block::request(type, data)
                                          : T1Block::response(type, data);
            }
        }
        const auto bytes = encoded(block, edc);
        REQUIRE(decode_t1_block(bytes, edc, k_t1_max_information_length) == block);

        // Any prefix is truncated, never read past; any changed byte is caught.
        const auto cut = random() % bytes.size();
        CHECK_FALSE(decode_t1_block(std::span(bytes).first(cut), edc, 254).has_value());
        base::Bytes damaged = bytes;
        damaged[random() % damaged.size()] ^= static_cast<std::uint8_t>(1 + random() % 255);
        CHECK_FALSE(decode_t1_block(damaged, edc, 254) == block);

        // Bytes of no particular shape, in a buffer of exactly their length for AddressSanitizer.
        const std::size_t length = random() % 12;
        std::vector<std::uint8_t> noise(length);
        for (auto& byte : noise) {
            byte = static_cast<std::uint8_t>(random());
        }
        (void)decode_t1_block(noise, edc, random() % 255);
    }
}
