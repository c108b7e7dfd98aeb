#include <catch2/catch.hpp>

#include <random>

#include "base/bytes.h"
#include "drivers/iso7816/apdu.h"
#include "tests/support/replay_transport.h"

using namespace drivers::iso7816;
using tests::drivers::hex;

TEST_CASE("The four short command cases encode as ISO 7816-4 Table 1 says") {
    CHECK(CommandApdu{0x00, 0x70, 0x00, 0x00, {}, std::nullopt}.encode() == hex("00700000"));
    CHECK(CommandApdu{0x00, 0xB2, 0x01, 0x0C, {}, 256}.encode() == hex("00B2010C00"));
    CHECK(CommandApdu{0x00, 0x20, 0x00, 0x80, hex("2412"), std::nullopt}.encode() ==
          hex("0020008002 2412"));
    CHECK(CommandApdu{0x00, 0xA4, 0x04, 0x00, hex("A0000003330101"), 256}.encode() ==
          hex("00A4040007 A0000003330101 00"));
}

TEST_CASE("Long data or a large Ne switches to the extended form") {
    const base::Bytes data(300, 0xAB);
    auto encoded = CommandApdu{0x00, 0xD6, 0x00, 0x00, data, 65536}.encode();
    REQUIRE(encoded.has_value());
    CHECK(encoded->size() == 4 + 3 + 300 + 2);
    CHECK((*encoded)[4] == 0x00);
    CHECK((*encoded)[5] == 0x01);
    CHECK((*encoded)[6] == 0x2C);
    CHECK((*encoded)[encoded->size() - 2] == 0x00);
    CHECK(encoded->back() == 0x00);
    CHECK(CommandApdu{0x00, 0xB0, 0x00, 0x00, {}, 1000}.encode() == hex("00B00000 00 03E8"));
}

TEST_CASE("A command APDU survives an encode and parse round trip in every case") {
    const std::vector<CommandApdu> commands = {
        {0x00, 0x70, 0x00, 0x00, {}, std::nullopt},
        {0x00, 0xB2, 0x01, 0x0C, {}, 256},
        {0x00, 0xB2, 0x01, 0x0C, {}, 17},
        {0x00, 0x20, 0x00, 0x80, hex("2412"), std::nullopt},
        {0x80, 0xA8, 0x00, 0x00, hex("8300"), 256},
        {0x00, 0xB0, 0x00, 0x00, {}, 65536},
        {0x00, 0xD6, 0x00, 0x00, base::Bytes(300, 1), std::nullopt},
        {0x00, 0xD6, 0x00, 0x00, base::Bytes(300, 1), 4000},
    };
    for (const CommandApdu& command : commands) {
        auto encoded = command.encode();
        REQUIRE(encoded.has_value());
        auto parsed = CommandApdu::parse(*encoded);
        REQUIRE(parsed.has_value());
        CHECK(*parsed == command);
    }
}

TEST_CASE("Command APDUs whose lengths do not add up are rejected") {
    CHECK(CommandApdu::parse(hex("00A4")).error() == ApduError::malformed_command);
    CHECK(CommandApdu::parse(hex("00A4040007A000")).error() == ApduError::malformed_command);
    CHECK(CommandApdu::parse(hex("00A4040000 01")).error() == ApduError::malformed_command);
    CHECK(CommandApdu::parse(hex("00A40400 00 0000 11")).error() == ApduError::malformed_command);
    CHECK(CommandApdu{0x00, 0xA4, 0, 0, {}, 0}.encode().error() == ApduError::malformed_command);
    CHECK(CommandApdu{0x00, 0xA4, 0, 0, base::Bytes(70000, 0), std::nullopt}.encode().error() ==
          ApduError::data_too_long);
}

TEST_CASE("A response APDU splits into data and status word") {
    auto response = ResponseApdu::parse(hex("6F 00 90 00"));
    REQUIRE(response.has_value());
    CHECK(response->data == hex("6F00"));
    CHECK(response->status_word() == 0x9000);
    CHECK(response->is_success());
    CHECK(response->encode() == hex("6F009000"));
    CHECK(ResponseApdu::parse(hex("90")).error() == ApduError::malformed_response);
    CHECK(ResponseApdu::status(0x6A82).encode() == hex("6A82"));
}

TEST_CASE("Status words have readable names including whole families") {
    CHECK(describe_status_word(0x9000) == "success");
    CHECK(describe_status_word(0x6A82) == "file or application not found");
    CHECK(describe_status_word(0x6110) == "more response data available (GET RESPONSE)");
    CHECK(describe_status_word(0x63C2) == "verification failed, retries left in SW2");
    CHECK(describe_status_word(0x1234) == "unknown status");
}

TEST_CASE("Random bytes never crash the APDU parsers and parsed commands re-encode alike") {
    std::mt19937 generator(74);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(0, 12);
    for (int round = 0; round < 30000; ++round) {
        base::Bytes input(static_cast<std::size_t>(length(generator)));
        for (auto& value : input) {
            value = static_cast<std::uint8_t>(byte(generator) % (round % 2 == 0 ? 256 : 8));
        }
        if (auto command = CommandApdu::parse(input)) {
            auto encoded = command->encode();
            REQUIRE(encoded.has_value());
            CHECK(CommandApdu::parse(*encoded) == command);
        }
        (void)ResponseApdu::parse(input);
    }
}
