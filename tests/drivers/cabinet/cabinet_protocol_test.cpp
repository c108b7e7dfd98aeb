// The cabinet sensors board protocol byte by byte (docs/protocols/cabinet.md). The expected
// frames were worked out by hand from the document, their CRC-16/CCITT-FALSE by a separate
// implementation checked against the algorithm's check value (29B1 for "123456789", epp.md §2).

#include <catch2/catch.hpp>

#include <random>
#include <set>
#include <string>

#include "base/bytes.h"
#include "drivers/cabinet/cabinet_protocol.h"
#include "tests/support/replay_transport.h"

using namespace drivers::cabinet;
using tests::drivers::hex;

TEST_CASE("GET INFO and GET STATUS are empty frames that start with CB") {
    // cabinet.md §2, §4: CB, version 01, code, sequence, length 0000, CRC little-endian.
    CHECK(encode_frame(encode_command(GetStatus{}, 5)) == hex("CB 01 02 05 0000 4BDF"));
    CHECK(encode_frame(encode_command(GetInfo{}, 0)) == hex("CB 01 01 00 0000 67AF"));
    CHECK(code_of(GetInfo{}) == 0x01);
    CHECK(code_of(GetStatus{}) == 0x02);
}

TEST_CASE("Commands decode back to themselves, and the board reads only its own") {
    for (const Command& command : {Command{GetInfo{}}, Command{GetStatus{}}}) {
        auto frame = decode_frame(encode_frame(encode_command(command, 200)));
        REQUIRE(frame.has_value());
        CHECK(frame->sequence == 200);
        CHECK(decode_command(*frame) == command);
    }
    // cabinet.md §2.2: an unknown code is a NAK's business, a payload a bad length.
    CHECK(decode_command(Frame{0x03, 0, {}}).error() == CabinetError::unknown_code);
    CHECK(decode_command(Frame{0x10, 0, {}}).error() == CabinetError::unknown_code);
    CHECK(decode_command(Frame{0x82, 0, {}}).error() == CabinetError::unknown_code);
    CHECK(decode_command(Frame{code::k_status, 0, {0x00}}).error() ==
          CabinetError::malformed_payload);
    CHECK(decode_command(Frame{code::k_info, 0, {0x01, 0x02}}).error() ==
          CabinetError::malformed_payload);
}

TEST_CASE("A board frame with the dispenser's or the PIN pad's start byte is refused") {
    const base::Bytes bytes = hex("CB 01 02 05 0000 4BDF");
    REQUIRE(decode_frame(bytes).has_value());
    base::Bytes for_the_dispenser = bytes;
    for_the_dispenser[0] = 0xDC;  // dispenser.md §2
    CHECK(decode_frame(for_the_dispenser).error() == CabinetError::bad_start_of_frame);
    base::Bytes for_the_pad = bytes;
    for_the_pad[0] = 0xEB;  // epp.md §2
    CHECK(decode_frame(for_the_pad).error() == CabinetError::bad_start_of_frame);
    base::Bytes version_two = bytes;
    version_two[1] = 0x02;
    CHECK(decode_frame(version_two).error() == CabinetError::unsupported_version);
    base::Bytes damaged = bytes;
    damaged.back() ^= 0x01;
    CHECK(decode_frame(damaged).error() == CabinetError::bad_checksum);
    CHECK(decode_frame(std::span(bytes).first(7)).error() == CabinetError::truncated_frame);
    CHECK(decode_frame(hex("CB 01 02 05 0102 0000")).error() == CabinetError::payload_too_long);
    // The length announces one byte that never came.
    CHECK(decode_frame(hex("CB 01 02 05 0100 4BDF")).error() == CabinetError::truncated_frame);
    CHECK(sequence_for_nak(hex("CB 01 02 05")) == 0x05);
    CHECK(sequence_for_nak(hex("DC 01 02 05")) == 0);
    CHECK(sequence_for_nak(hex("CB 01 02")) == 0);
}

TEST_CASE("GET STATUS is answered with the switch, the cabinet door and the safe door") {
    // cabinet.md §4.2: the switch at service, the cabinet door open, the safe door closed.
    const CabinetStatus status{SwitchPosition::service, DoorState::open, DoorState::closed};
    const Response response{code::k_status, Status::ok, encode_status(status)};
    const base::Bytes bytes = encode_frame(encode_response(response, 5));
    CHECK(bytes == hex("CB 01 82 05 0400 00 01 01 00 906E"));
    auto frame = decode_frame(bytes);
    REQUIRE(frame.has_value());
    auto decoded = decode_response(*frame);
    REQUIRE(decoded.has_value());
    CHECK(decoded->command_code == code::k_status);
    CHECK(decoded->status == Status::ok);
    CHECK(decode_status(decoded->data) == status);
    CHECK(status.door(Door::cabinet) == DoorState::open);
    CHECK(status.door(Door::safe) == DoorState::closed);
}

TEST_CASE("A status whose contact reads neither way, or of the wrong length, is refused") {
    CHECK(decode_status(hex("000000")) == CabinetStatus{});
    CHECK(decode_status(hex("010101")) ==
          CabinetStatus{SwitchPosition::service, DoorState::open, DoorState::open});
    CHECK(decode_status(hex("020000")).error() == CabinetError::malformed_payload);
    CHECK(decode_status(hex("00FF00")).error() == CabinetError::malformed_payload);
    CHECK(decode_status(hex("000002")).error() == CabinetError::malformed_payload);
    CHECK(decode_status(hex("0000")).error() == CabinetError::malformed_payload);
    CHECK(decode_status(hex("00000000")).error() == CabinetError::malformed_payload);
    CHECK(decode_status(hex("")).error() == CabinetError::malformed_payload);
}

TEST_CASE("GET INFO holds the firmware version, the model and the serial, space padded") {
    const DeviceInfo info{0x0102, "CAB-2000", "SN0042"};
    const base::Bytes bytes = encode_frame(
        encode_response(Response{code::k_info, Status::ok, encode_device_info(info)}, 0));
    // cabinet.md §4.1: 0201, "CAB-2000" and "SN0042" each padded to 16 bytes with spaces.
    CHECK(bytes == hex("CB 01 81 00 2300 00 0201"
                       "4341422D32303030 2020202020202020"
                       "534E303034322020 2020202020202020 390D"));
    auto frame = decode_frame(bytes);
    REQUIRE(frame.has_value());
    auto response = decode_response(*frame);
    REQUIRE(response.has_value());
    CHECK(decode_device_info(response->data) == info);
    // Longer text is cut at 16 characters.
    const DeviceInfo long_model{0x0100, "A MODEL NAME LONGER THAN SIXTEEN", "S"};
    CHECK(decode_device_info(encode_device_info(long_model))->model == "A MODEL NAME LON");
}

TEST_CASE("GET INFO of the wrong length, with control bytes or a blank field is refused") {
    base::Bytes data = encode_device_info(DeviceInfo{0x0100, "CAB-2000", "SN0042"});
    REQUIRE(data.size() == k_info_length);
    CHECK(decode_device_info(std::span(data).first(k_info_length - 1)).error() ==
          CabinetError::malformed_payload);
    base::Bytes longer = data;
    longer.push_back(' ');
    CHECK(decode_device_info(longer).error() == CabinetError::malformed_payload);
    base::Bytes control = data;
    control[3] = 0x07;
    CHECK(decode_device_info(control).error() == CabinetError::malformed_payload);
    base::Bytes high = data;
    high[2 + k_model_length] = 0xC3;
    CHECK(decode_device_info(high).error() == CabinetError::malformed_payload);
    base::Bytes blank_serial = data;
    std::fill(blank_serial.begin() + 2 + k_model_length, blank_serial.end(), ' ');
    CHECK(decode_device_info(blank_serial).error() == CabinetError::malformed_payload);
}

TEST_CASE("A NAK names the bad frame, and responses to unknown codes or statuses are refused") {
    // cabinet.md §2.2: FF, the bad frame's sequence number, status 09.
    const base::Bytes nak =
        encode_frame(encode_response(Response{code::k_nak, Status::bad_frame, {}}, 3));
    CHECK(nak == hex("CB 01 FF 03 0100 09 3EEE"));
    auto decoded = decode_response(*decode_frame(nak));
    REQUIRE(decoded.has_value());
    CHECK(decoded->command_code == code::k_nak);
    CHECK(decoded->status == Status::bad_frame);
    // A response code without bit 7, or answering a command that does not exist.
    CHECK(decode_response(Frame{0x02, 0, {0x00}}).error() == CabinetError::unknown_code);
    CHECK(decode_response(Frame{0x83, 0, {0x00}}).error() == CabinetError::unknown_code);
    CHECK(decode_response(Frame{0x40, 0, {0x01}}).error() == CabinetError::unknown_code);
    // cabinet.md §3: no status, or a status this protocol does not define (the dispenser's).
    CHECK(decode_response(Frame{0x82, 0, {}}).error() == CabinetError::malformed_payload);
    CHECK(decode_response(Frame{0x82, 0, {0x03}}).error() == CabinetError::malformed_payload);
    CHECK(decode_response(Frame{0x82, 0, {0x0B}}).error() == CabinetError::malformed_payload);
    CHECK(decode_response(Frame{0x82, 0, {0x02}})->status == Status::bad_length);
}

TEST_CASE("Every refusal of the board becomes its own error") {
    CHECK(error_from_status(Status::unknown_command) == CabinetError::unknown_command);
    CHECK(error_from_status(Status::bad_length) == CabinetError::bad_length);
    CHECK(error_from_status(Status::bad_frame) == CabinetError::rejected_frame);
}

TEST_CASE("SWITCH CHANGED and DOOR CHANGED carry the position now") {
    // cabinet.md §5: 40 with the switch's position; 41 with the door and its state.
    CHECK(encode_frame(encode_event(SwitchChanged{SwitchPosition::service}, 7)) ==
          hex("CB 01 40 07 0100 01 00EE"));
    CHECK(encode_frame(encode_event(DoorChanged{Door::safe, DoorState::open}, 8)) ==
          hex("CB 01 41 08 0200 02 01 17E2"));
    const std::vector<Event> events = {
        SwitchChanged{SwitchPosition::run},          SwitchChanged{SwitchPosition::service},
        DoorChanged{Door::cabinet, DoorState::open}, DoorChanged{Door::cabinet, DoorState::closed},
        DoorChanged{Door::safe, DoorState::open},    DoorChanged{Door::safe, DoorState::closed},
    };
    for (const Event& event : events) {
        auto frame = decode_frame(encode_frame(encode_event(event, 9)));
        REQUIRE(frame.has_value());
        CHECK(decode_event(*frame) == event);
    }
}

TEST_CASE("Events of an unknown code, the wrong length or an undefined value are refused") {
    CHECK(decode_event(Frame{0x42, 0, {0x01}}).error() == CabinetError::unknown_code);
    CHECK(decode_event(Frame{0x82, 0, {0x00, 0x01, 0x00, 0x00}}).error() ==
          CabinetError::unknown_code);
    CHECK(decode_event(Frame{code::k_switch_changed, 0, {}}).error() ==
          CabinetError::malformed_payload);
    CHECK(decode_event(Frame{code::k_switch_changed, 0, {0x01, 0x00}}).error() ==
          CabinetError::malformed_payload);
    CHECK(decode_event(Frame{code::k_switch_changed, 0, {0x02}}).error() ==
          CabinetError::malformed_payload);
    CHECK(decode_event(Frame{code::k_door_changed, 0, {0x01}}).error() ==
          CabinetError::malformed_payload);
    CHECK(decode_event(Frame{code::k_door_changed, 0, {0x00, 0x01}}).error() ==
          CabinetError::malformed_payload);
    CHECK(decode_event(Frame{code::k_door_changed, 0, {0x03, 0x01}}).error() ==
          CabinetError::malformed_payload);
    CHECK(decode_event(Frame{code::k_door_changed, 0, {0x01, 0x02}}).error() ==
          CabinetError::malformed_payload);
    CHECK(decode_event(Frame{code::k_door_changed, 0, {0x01, 0x01, 0x00}}).error() ==
          CabinetError::malformed_payload);
}

TEST_CASE("Every cabinet error, position, door and door state has its own description") {
    std::set<std::string_view> texts;
    for (int value = 0; value <= static_cast<int>(CabinetError::bad_length); ++value) {
        texts.insert(to_string(static_cast<CabinetError>(value)));
    }
    CHECK(texts.size() == static_cast<std::size_t>(CabinetError::bad_length) + 1);
    CHECK(to_string(SwitchPosition::run) == "run");
    CHECK(to_string(SwitchPosition::service) == "service");
    CHECK(to_string(Door::cabinet) == "cabinet door");
    CHECK(to_string(Door::safe) == "safe door");
    CHECK(to_string(DoorState::open) == "open");
    CHECK(to_string(DoorState::closed) == "closed");
}

TEST_CASE("Random bytes never crash the board's decoders, and what decodes round trips") {
    std::mt19937 generator(11);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(0, 48);
    int frames = 0;
    int decoded = 0;
    for (int round = 0; round < 20000; ++round) {
        base::Bytes input(static_cast<std::size_t>(length(generator)));
        for (auto& value : input) {
            value = static_cast<std::uint8_t>(byte(generator));
        }
        // Half the inputs get a valid frame around random content, with codes and payloads
        // small enough to meet the board's messages now and then.
        if (round % 2 == 0 && input.size() >= 2) {
            const std::uint8_t codes[] = {0x01, 0x02, 0x40, 0x41, 0x81, 0x82, 0xFF};
            const std::size_t payload =
                std::min(input.size() - 2, static_cast<std::size_t>(round % 5));
            input = encode_frame(Frame{
                codes[input[0] % std::size(codes)], input[1],
                base::Bytes(input.begin() + 2, input.begin() + 2 + static_cast<long>(payload))});
        }
        auto frame = decode_frame(input);
        if (!frame) {
            continue;
        }
        ++frames;
        if (auto event = decode_event(*frame)) {
            ++decoded;
            CHECK(decode_event(encode_event(*event, frame->sequence)) == event);
        }
        if (auto command = decode_command(*frame)) {
            ++decoded;
            CHECK(encode_command(*command, frame->sequence) == *frame);
        }
        if (auto response = decode_response(*frame)) {
            if (auto status = decode_status(response->data)) {
                ++decoded;
                CHECK(encode_status(*status) == response->data);
            }
            (void)decode_device_info(response->data);
        }
    }
    CHECK(frames > 0);
    CHECK(decoded > 0);
}
