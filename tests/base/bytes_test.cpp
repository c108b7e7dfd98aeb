#include "base/bytes.h"

#include <catch2/catch.hpp>

using base::Bytes;

TEST_CASE("little-endian fields are written low byte first and read back") {
    base::Bytes bytes;
    base::put_le16(bytes, 0x1234);
    base::put_le32(bytes, 0xA1B2C3D4);
    CHECK(bytes == base::Bytes{0x34, 0x12, 0xD4, 0xC3, 0xB2, 0xA1});
    CHECK(base::le16_at(bytes, 0) == 0x1234);
    CHECK(base::le32_at(bytes, 2) == 0xA1B2C3D4);
}

TEST_CASE("bytes become upper-case hexadecimal text and back") {
    const base::Bytes bytes{0x00, 0x9F, 0x37, 0xFF};
    CHECK(base::to_hex(bytes) == "009F37FF");
    CHECK(base::parse_hex("009F37FF") == bytes);
    CHECK(base::parse_hex("00 9f 37 ff") == bytes);
    CHECK(base::parse_hex("") == base::Bytes{});
}

TEST_CASE("hexadecimal text with an odd digit or a foreign character is refused") {
    CHECK_FALSE(base::parse_hex("ABC").has_value());
    CHECK_FALSE(base::parse_hex("0G").has_value());
    CHECK_FALSE(base::parse_hex("0 1").has_value());
    CHECK_FALSE(base::parse_hex("0x01").has_value());
}
