#include <catch2/catch.hpp>

#include <random>

#include "base/bytes.h"
#include "drivers/ccid/ccid_message.h"
#include "tests/support/replay_transport.h"

using namespace drivers::ccid;
using tests::drivers::hex;

TEST_CASE("A power-on command encodes as the ten-byte header of CCID 6.1.1") {
    CHECK(encode(Command{PowerOn{0, 7, PowerSelect::volts_3_0}}) ==
          hex("62 00000000 00 07 02 0000"));
}

TEST_CASE("An XfrBlock carries its APDU after a little-endian length") {
    XfrBlock block{1, 0x22, 4, 0x0102, hex("00A4040007A0000003330101")};
    const base::Bytes bytes = encode(Command{block});
    CHECK(bytes == hex("6F 0C000000 01 22 04 0201 00A4040007A0000003330101"));
}

TEST_CASE("Every host command survives an encode and decode round trip") {
    const std::vector<Command> commands = {
        PowerOn{0, 1, PowerSelect::automatic},
        PowerOff{0, 2},
        GetSlotStatus{1, 3},
        XfrBlock{0, 4, 9, 0x0010, hex("0084000008")},
        GetParameters{0, 5},
        ResetParameters{0, 6},
        SetParameters{0, 7, 1, hex("1110FE0000FE00")},
        Escape{0, 8, hex("AABBCC")},
        Secure{0, 9, 0, 0, hex("00 1E 1E 89 47 04 0808 02 01 00 0000 00")},
        Abort{0, 10},
    };
    for (const Command& command : commands) {
        auto decoded = decode_command(encode(command));
        REQUIRE(decoded.has_value());
        CHECK(*decoded == command);
    }
}

TEST_CASE("Every reader response survives an encode and decode round trip") {
    const std::vector<Response> responses = {
        DataBlock{0, 1, {IccStatus::active, CommandStatus::ok, 0}, 0, hex("3B8880010000")},
        SlotStatus{0, 2, {IccStatus::present_inactive, CommandStatus::ok, 0}, ClockStatus::stopped},
        Parameters{0, 3, {IccStatus::active, CommandStatus::ok, 0}, 1, hex("1110FE0000FE00")},
        EscapeResponse{0, 4, {IccStatus::active, CommandStatus::failed, 0}, hex("01")},
        DataBlock{0, 5, {IccStatus::absent, CommandStatus::failed, slot_error::k_icc_mute}, 0, {}},
        DataBlock{0, 6, {IccStatus::active, CommandStatus::time_extension, 3}, 0, {}},
    };
    for (const Response& response : responses) {
        auto decoded = decode_response(encode(response));
        REQUIRE(decoded.has_value());
        CHECK(*decoded == response);
    }
}

TEST_CASE("The status byte places ICC status in bits 1-0 and command status in bits 7-6") {
    CHECK(SlotState{IccStatus::absent, CommandStatus::failed, 0}.status_byte() == 0x42);
    CHECK(SlotState{IccStatus::active, CommandStatus::time_extension, 0}.status_byte() == 0x80);
    auto state = decode_slot_state(0x41, 0xFE);
    REQUIRE(state.has_value());
    CHECK(state->icc == IccStatus::present_inactive);
    CHECK(state->command == CommandStatus::failed);
    CHECK(state->error == 0xFE);
}

TEST_CASE("Reserved status values are rejected") {
    CHECK(decode_slot_state(0x03, 0).error() == MessageError::malformed_field);
    CHECK(decode_slot_state(0xC0, 0).error() == MessageError::malformed_field);
}

TEST_CASE("A message shorter than its header is rejected") {
    CHECK(decode_response(hex("80 00000000 00 01 00")).error() == MessageError::truncated_header);
    CHECK(decode_command(base::Bytes{}).error() == MessageError::truncated_header);
}

TEST_CASE("A message shorter than its announced length is rejected") {
    CHECK(decode_response(hex("80 05000000 00 01 00 00 00 9000")).error() ==
          MessageError::truncated_data);
}

TEST_CASE("A message announcing an impossible length is rejected before anything is read") {
    CHECK(decode_response(hex("80 FFFFFFFF 00 01 00 00 00")).error() ==
          MessageError::data_too_long);
}

TEST_CASE("base::Bytes after the announced data are ignored") {
    auto decoded = decode_response(hex("80 02000000 00 01 00 00 00 9000 0000"));
    REQUIRE(decoded.has_value());
    CHECK(std::get<DataBlock>(*decoded).data == hex("9000"));
}

TEST_CASE("A message of the other direction is rejected as such") {
    CHECK(decode_response(encode(Command{PowerOff{0, 1}})).error() ==
          MessageError::wrong_direction);
    CHECK(decode_command(encode(Response{SlotStatus{}})).error() == MessageError::wrong_direction);
}

TEST_CASE("An unknown message type is rejected") {
    CHECK(decode_response(hex("99 00000000 00 01 00 00 00")).error() ==
          MessageError::unknown_message_type);
    CHECK(decode_command(hex("01 00000000 00 01 00 00 00")).error() ==
          MessageError::unknown_message_type);
}

TEST_CASE("A slot status with data or a reserved clock status is rejected") {
    CHECK(decode_response(hex("81 01000000 00 01 00 00 00 FF")).error() ==
          MessageError::malformed_field);
    CHECK(decode_response(hex("81 00000000 00 01 00 00 04")).error() ==
          MessageError::malformed_field);
}

TEST_CASE("A command without data that announces data is rejected") {
    CHECK(decode_command(hex("62 01000000 00 01 00 00 00 FF")).error() ==
          MessageError::malformed_field);
    CHECK(decode_command(hex("62 00000000 00 01 07 00 00")).error() ==
          MessageError::malformed_field);
}

TEST_CASE("The header of a message can be read on its own") {
    auto header = decode_header(hex("99 03000000 02 2A 00 00 00"));
    REQUIRE(header.has_value());
    CHECK(header->message_type == 0x99);
    CHECK(header->length == 3);
    CHECK(header->slot == 2);
    CHECK(header->sequence == 0x2A);
}

TEST_CASE("A slot change notification gives two bits per slot") {
    auto decoded = decode_interrupt(hex("50 0E"));  // slot 0 changed, slot 1 present+changed
    REQUIRE(decoded.has_value());
    const auto& change = std::get<NotifySlotChange>(*decoded);
    REQUIRE(change.slots.size() >= 2);
    CHECK(change.slots[0] == SlotChange{false, true});
    CHECK(change.slots[1] == SlotChange{true, true});
    CHECK(encode(InterruptMessage{NotifySlotChange{{{true, true}}}}) == hex("50 03"));
    CHECK(encode(InterruptMessage{NotifySlotChange{{{false, true}, {true, false}}}}) ==
          hex("50 06"));
}

TEST_CASE("A hardware error notification round trips") {
    const InterruptMessage message = HardwareError{0, 5, 0x01};
    CHECK(encode(message) == hex("51 00 05 01"));
    auto decoded = decode_interrupt(encode(message));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == message);
}

TEST_CASE("Truncated or foreign interrupt messages are rejected") {
    CHECK(decode_interrupt(base::Bytes{}).error() == MessageError::empty_interrupt);
    CHECK(decode_interrupt(hex("50")).error() == MessageError::truncated_data);
    CHECK(decode_interrupt(hex("51 00 01")).error() == MessageError::truncated_data);
    CHECK(decode_interrupt(hex("80 00")).error() == MessageError::wrong_direction);
    CHECK(decode_interrupt(hex("77 00")).error() == MessageError::unknown_message_type);
}

TEST_CASE("Decoding arbitrary prefixes of valid messages never reads past the end") {
    const base::Bytes message =
        encode(Response{DataBlock{0, 1, {}, 0, hex("6F108408A000000333010101")}});
    for (std::size_t length = 0; length < message.size(); ++length) {
        auto decoded = decode_response(std::span(message).first(length));
        CHECK_FALSE(decoded.has_value());
    }
    CHECK(decode_response(message).has_value());
}

TEST_CASE("Random bytes never crash the CCID decoders") {
    std::mt19937 generator(1101);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(0, 40);
    int decoded = 0;
    for (int round = 0; round < 30000; ++round) {
        base::Bytes input(static_cast<std::size_t>(length(generator)));
        for (auto& value : input) {
            value = static_cast<std::uint8_t>(byte(generator));
        }
        // Make most inputs plausible: a known message type and a small dwLength.
        if (input.size() >= 10 && round % 3 != 0) {
            const std::uint8_t types[] = {0x62, 0x63, 0x65, 0x6F, 0x61, 0x80, 0x81, 0x82, 0x83};
            input[0] = types[static_cast<std::size_t>(round) % std::size(types)];
            input[1] = static_cast<std::uint8_t>(input.size() - 10 +
                                                 static_cast<std::size_t>(round % 3) - 1);
            input[2] = input[3] = input[4] = 0;
        }
        decoded += decode_command(input).has_value() ? 1 : 0;
        decoded += decode_response(input).has_value() ? 1 : 0;
        decoded += decode_interrupt(input).has_value() ? 1 : 0;
    }
    CHECK(decoded > 0);
}
