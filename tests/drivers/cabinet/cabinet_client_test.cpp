// CabinetClient against byte transcripts (tests/support/replay_transport.h): what the kiosk
// sends, byte for byte, and how it takes every kind of answer a board can give, the lying ones
// included: each is a named CabinetError and none is taken for a status.

#include <catch2/catch.hpp>

#include "base/bytes.h"
#include "drivers/cabinet/cabinet_client.h"
#include "tests/support/replay_transport.h"

using namespace drivers::cabinet;
using drivers::usb::UsbError;
using tests::drivers::hex;
using tests::drivers::ReplayTransport;

namespace {

base::Bytes response_bytes(std::uint8_t command_code, Status status, std::uint8_t sequence,
                           base::Bytes data = {}) {
    return encode_frame(encode_response(Response{command_code, status, std::move(data)}, sequence));
}

base::Bytes status_answer(std::uint8_t sequence, const CabinetStatus& status) {
    return response_bytes(code::k_status, Status::ok, sequence, encode_status(status));
}

base::Bytes status_command(std::uint8_t sequence) {
    return encode_frame(encode_command(GetStatus{}, sequence));
}

const CabinetStatus k_in_service{SwitchPosition::service, DoorState::open, DoorState::closed};

// The next event the client reads, which must be readable.
std::optional<Event> next_event(CabinetClient& client) {
    auto event = client.wait_for_event(std::chrono::milliseconds(10));
    REQUIRE(event.has_value());
    return *event;
}

// A client whose first GET STATUS is answered by `answer`: the error it names, if any.
std::expected<CabinetStatus, CabinetError> status_from(base::Bytes answer) {
    ReplayTransport transport;
    transport.expect_out(status_command(0));
    transport.reply_in(std::move(answer));
    CabinetClient client(transport);
    auto status = client.get_status();
    CHECK(transport.mismatches().empty());
    return status;
}

}  // namespace

TEST_CASE("The client asks GET INFO and GET STATUS in the document's bytes and reads them") {
    ReplayTransport transport;
    const DeviceInfo info{0x0102, "CAB-2000", "SN0042"};
    // cabinet.md §2.1: the host numbers its commands from 0.
    transport.expect_out(hex("CB 01 01 00 0000 67AF"));
    transport.reply_in(response_bytes(code::k_info, Status::ok, 0, encode_device_info(info)));
    transport.expect_out(hex("CB 01 02 01 0000 8B03"));
    transport.reply_in(status_answer(1, k_in_service));
    CabinetClient client(transport);
    CHECK(client.get_info() == info);
    CHECK(client.get_status() == k_in_service);
    CHECK(transport.mismatches().empty());
    CHECK(transport.finished());
}

TEST_CASE("A late answer to an earlier command is skipped for the command's own") {
    ReplayTransport transport;
    transport.expect_out(status_command(0));
    transport.fail_in(UsbError::timeout);
    transport.expect_out(status_command(1));
    // The answer to command 0 arrives late, before command 1's.
    transport.reply_in(status_answer(0, CabinetStatus{}));
    transport.reply_in(status_answer(1, k_in_service));
    CabinetClient client(transport);
    CHECK(client.get_status().error() == CabinetError::timeout);
    CHECK(client.get_status() == k_in_service);
    CHECK(transport.finished());
}

TEST_CASE("Only late answers and then silence is a sequence mismatch") {
    ReplayTransport transport;
    transport.expect_out(status_command(0));
    transport.reply_in(status_answer(9, k_in_service));
    CabinetClient client(transport);
    CHECK(client.get_status().error() == CabinetError::sequence_mismatch);
}

TEST_CASE("A NAK and a refusal from the board are named errors") {
    // cabinet.md §2.2: the board could not read the frame, or does not know the command.
    CHECK(status_from(response_bytes(code::k_nak, Status::bad_frame, 0)).error() ==
          CabinetError::rejected_frame);
    CHECK(status_from(response_bytes(code::k_nak, Status::unknown_command, 0)).error() ==
          CabinetError::unknown_command);
    CHECK(status_from(response_bytes(code::k_status, Status::bad_length, 0)).error() ==
          CabinetError::bad_length);
}

TEST_CASE("A lying board's answers are named errors, never a status") {
    base::Bytes damaged = status_answer(0, k_in_service);
    damaged.back() ^= 0x40;
    CHECK(status_from(damaged).error() == CabinetError::bad_checksum);
    base::Bytes dispenser_frame = status_answer(0, k_in_service);
    dispenser_frame[0] = 0xDC;
    CHECK(status_from(dispenser_frame).error() == CabinetError::bad_start_of_frame);
    base::Bytes cut = status_answer(0, k_in_service);
    cut.resize(cut.size() - 3);
    CHECK(status_from(cut).error() == CabinetError::truncated_frame);
    // A contact that reads 2, a status one byte short, a status the protocol does not have.
    CHECK(status_from(response_bytes(code::k_status, Status::ok, 0, hex("000200"))).error() ==
          CabinetError::malformed_payload);
    CHECK(status_from(response_bytes(code::k_status, Status::ok, 0, hex("0100"))).error() ==
          CabinetError::malformed_payload);
    CHECK(status_from(encode_frame(Frame{0x82, 0, hex("07 000000")})).error() ==
          CabinetError::malformed_payload);
    // GET INFO's answer to GET STATUS.
    CHECK(status_from(response_bytes(code::k_info, Status::ok, 0,
                                     encode_device_info(DeviceInfo{1, "M", "S"})))
              .error() == CabinetError::unexpected_response);
    // An event where an answer belongs.
    CHECK(status_from(encode_frame(encode_event(SwitchChanged{SwitchPosition::service}, 0)))
              .error() == CabinetError::unknown_code);
}

TEST_CASE("Silence, an unplug and a transfer failure are told apart") {
    ReplayTransport transport;
    transport.expect_out(status_command(0));
    transport.fail_in(UsbError::timeout);
    transport.expect_out(status_command(1));
    transport.fail_in(UsbError::no_device);
    transport.expect_out(status_command(2));
    transport.fail_in(UsbError::io);
    CabinetClient client(transport);
    CHECK(client.get_status().error() == CabinetError::timeout);
    CHECK(client.get_status().error() == CabinetError::device_gone);
    CHECK(client.get_status().error() == CabinetError::transport_failed);
}

TEST_CASE("Events are read from the interrupt endpoint and a gap in their numbers is counted") {
    ReplayTransport transport;
    transport.reply_interrupt(hex("CB 01 40 07 0100 01 00EE"));
    transport.reply_interrupt(hex("CB 01 41 08 0200 02 01 17E2"));
    // Events 9 and 10 were dropped by the board.
    transport.reply_interrupt(encode_frame(encode_event(SwitchChanged{SwitchPosition::run}, 11)));
    CabinetClient client(transport);
    CHECK(next_event(client) == Event{SwitchChanged{SwitchPosition::service}});
    CHECK(next_event(client) == Event{DoorChanged{Door::safe, DoorState::open}});
    CHECK(client.events_lost() == 0);
    CHECK(next_event(client) == Event{SwitchChanged{SwitchPosition::run}});
    CHECK(client.events_lost() == 2);
    // Nothing more: an empty wait, not an error.
    CHECK_FALSE(next_event(client).has_value());
}

TEST_CASE("An event that cannot be read is a named error and no event") {
    ReplayTransport transport;
    base::Bytes damaged = hex("CB 01 40 07 0100 01 00EE");
    damaged[6] = 0x00;  // the position changed on the way: the CRC no longer matches
    transport.reply_interrupt(damaged);
    transport.reply_interrupt(encode_frame(Frame{code::k_switch_changed, 8, hex("05")}));
    transport.reply_interrupt(encode_frame(Frame{0x4F, 9, {}}));
    CabinetClient client(transport);
    using namespace std::chrono_literals;
    CHECK(client.wait_for_event(10ms).error() == CabinetError::bad_checksum);
    CHECK(client.wait_for_event(10ms).error() == CabinetError::malformed_payload);
    CHECK(client.wait_for_event(10ms).error() == CabinetError::unknown_code);
}
