#include <catch2/catch.hpp>

#include "base/bytes.h"
#include "drivers/epp/epp_client.h"
#include "tests/support/replay_transport.h"

using namespace drivers::epp;
using base::Key;
using drivers::usb::UsbError;
using tests::drivers::hex;
using tests::drivers::ReplayTransport;

namespace {

EppOptions quick() {
    EppOptions options;
    options.command_timeout = std::chrono::milliseconds(10);
    return options;
}

base::Bytes command_bytes(const Command& command, std::uint8_t sequence) {
    return encode_frame(encode_command(command, sequence));
}

base::Bytes response_bytes(std::uint8_t command_code, Status status, std::uint8_t sequence,
                           base::Bytes data = {}) {
    return encode_frame(encode_response(Response{command_code, status, std::move(data)}, sequence));
}

PinEntryRequest request() {
    PinEntryRequest pin;
    pin.account_field = "480402564890";
    return pin;
}

}  // namespace

TEST_CASE("The client reads the pad's identity") {
    ReplayTransport transport;
    const DeviceInfo info{"KIOSK-EPP-1", "SIM0001", "1.0.0", 0x01};
    transport.expect_out(command_bytes(GetInfo{}, 0));
    transport.reply_in(response_bytes(code::k_get_info, Status::ok, 0, encode_device_info(info)));
    EppClient client(transport, quick());
    auto answer = client.get_info();
    REQUIRE(answer.has_value());
    CHECK(*answer == info);
    CHECK(transport.mismatches().empty());
}

TEST_CASE("Starting PIN entry sends the account field and limits") {
    ReplayTransport exact;
    const base::Bytes expected =
        command_bytes(StartPinEntry{0, BlockFormat::iso9564_format0, 4, 6, 30, "480402564890"}, 0);
    // epp.md §4.4: slot, format, min, max, time-out (LE), then the 12 ASCII digits.
    CHECK(base::Bytes(expected.begin(), expected.end() - 2) ==
          hex("EB 01 04 00 1200 00 00 04 06 1E00 343830343032353634383930"));
    exact.expect_out(expected);
    exact.reply_in(response_bytes(code::k_start_pin_entry, Status::ok, 0));
    EppClient client(exact, quick());
    CHECK(client.start_pin_entry(request()).has_value());
    CHECK(exact.mismatches().empty());
    CHECK(exact.finished());
}

TEST_CASE("Starting a new-PIN entry sends START NEW PIN ENTRY with the same fields") {
    ReplayTransport exact;
    // epp.md §4.8: code 08, the payload of §4.4, and the CRC (§2); answered by 88.
    exact.expect_out(hex("EB 01 08 00 1200 00 00 04 06 1E00 343830343032353634383930 F5FB"));
    exact.reply_in(hex("EB 01 88 00 0100 00 6FF0"));
    EppClient client(exact, quick());
    PinEntryRequest pin = request();
    pin.kind = PinEntryKind::new_pin;
    CHECK(client.start_pin_entry(pin).has_value());
    CHECK(exact.mismatches().empty());
    CHECK(exact.finished());
}

TEST_CASE("A pad older than revision 4 refuses a new-PIN entry as an unknown command") {
    ReplayTransport transport;
    PinEntryRequest pin = request();
    pin.kind = PinEntryKind::new_pin;
    transport.expect_out(command_bytes(StartPinEntry{0, BlockFormat::iso9564_format0, 4, 6, 30,
                                                     "480402564890", PinEntryKind::new_pin},
                                       0));
    transport.reply_in(response_bytes(code::k_nak, Status::unknown_command, 0));
    EppClient client(transport, quick());
    CHECK(client.start_pin_entry(pin).error() == EppError::unknown_command);
    CHECK(transport.mismatches().empty());
}

TEST_CASE("Invalid PIN entry requests are refused before anything is sent") {
    ReplayTransport transport;
    EppClient client(transport, quick());
    PinEntryRequest pin = request();
    pin.account_field = "48040256489";
    CHECK(client.start_pin_entry(pin).error() == EppError::invalid_request);
    pin = request();
    pin.min_digits = 3;
    CHECK(client.start_pin_entry(pin).error() == EppError::invalid_request);
    pin = request();
    pin.max_digits = 13;
    CHECK(client.start_pin_entry(pin).error() == EppError::invalid_request);
    pin = request();
    pin.timeout = std::chrono::seconds(0);
    CHECK(client.start_pin_entry(pin).error() == EppError::invalid_request);
    // A new PIN is held to the same limits (epp.md §4.8).
    pin = request();
    pin.kind = PinEntryKind::new_pin;
    pin.min_digits = 3;
    CHECK(client.start_pin_entry(pin).error() == EppError::invalid_request);
    pin = request();
    pin.kind = PinEntryKind::new_pin;
    pin.account_field = "4804025648901";
    CHECK(client.start_pin_entry(pin).error() == EppError::invalid_request);
    CHECK(client.beep(Tone::click, std::chrono::milliseconds(5000)).error() ==
          EppError::invalid_request);
    CHECK(transport.sent().empty());
}

TEST_CASE("The pad's refusals become named errors") {
    ReplayTransport transport;
    transport.expect_out(command_bytes(SetKeyMode{KeyMode::function_keys}, 0));
    transport.reply_in(response_bytes(code::k_set_key_mode, Status::busy, 0));
    transport.expect_out(command_bytes(CancelPinEntry{}, 1));
    transport.reply_in(response_bytes(code::k_cancel_pin_entry, Status::not_collecting, 1));
    transport.expect_out(command_bytes(GetPinBlock{}, 2));
    transport.reply_in(response_bytes(code::k_nak, Status::bad_frame, 2));
    EppClient client(transport, quick());
    CHECK(client.set_key_mode(KeyMode::function_keys).error() == EppError::busy);
    CHECK(client.cancel_pin_entry().error() == EppError::not_collecting);
    CHECK(client.get_pin_block().error() == EppError::rejected_frame);
}

TEST_CASE("A late answer is skipped and an answer to another command is rejected") {
    ReplayTransport transport;
    transport.expect_out(command_bytes(GetStatus{}, 0));
    transport.reply_in(response_bytes(code::k_get_info, Status::ok, 0xFF));  // stale
    transport.reply_in(response_bytes(code::k_get_status, Status::ok, 0, hex("01 00 00 00")));
    transport.expect_out(command_bytes(GetStatus{}, 1));
    transport.reply_in(response_bytes(code::k_beep, Status::ok, 1));
    EppClient client(transport, quick());
    auto status = client.get_status();
    REQUIRE(status.has_value());
    CHECK(status->mode == PadMode::function_keys);
    CHECK(client.get_status().error() == EppError::unexpected_response);
}

TEST_CASE("Garbage, silence and unplugging from the pad end in clear errors") {
    ReplayTransport transport;
    transport.expect_out(command_bytes(GetStatus{}, 0));
    transport.reply_in(hex("EB 01 82 00"));
    transport.expect_out(command_bytes(GetStatus{}, 1));
    transport.expect_out(command_bytes(GetStatus{}, 2));
    transport.reply_in(response_bytes(code::k_get_status, Status::ok, 7));
    transport.expect_out(command_bytes(GetStatus{}, 3));
    transport.fail_in(UsbError::no_device);
    EppClient client(transport, quick());
    CHECK(client.get_status().error() == EppError::truncated_frame);
    CHECK(client.get_status().error() == EppError::timeout);
    CHECK(client.get_status().error() == EppError::sequence_mismatch);
    CHECK(client.get_status().error() == EppError::device_gone);
}

TEST_CASE("Events are read from the interrupt endpoint and gaps are counted") {
    ReplayTransport transport;
    transport.reply_interrupt(encode_frame(encode_event(HeadphonesChanged{true}, 5)));
    transport.reply_interrupt(encode_frame(encode_event(KeyPressed{Key::digit_3}, 6)));
    transport.reply_interrupt(encode_frame(encode_event(KeyPressed{Key::enter}, 9)));
    transport.reply_interrupt(hex("EB 01 41"));
    EppClient client(transport, quick());
    auto first = client.wait_for_event(std::chrono::milliseconds(1));
    REQUIRE(first.has_value());
    REQUIRE(first->has_value());
    CHECK(std::get<HeadphonesChanged>(**first).plugged);
    auto second = client.wait_for_event(std::chrono::milliseconds(1));
    REQUIRE(second.has_value());
    CHECK(std::get<KeyPressed>(**second).key == Key::digit_3);
    CHECK(client.events_lost() == 0);
    auto third = client.wait_for_event(std::chrono::milliseconds(1));
    REQUIRE(third.has_value());
    CHECK(client.events_lost() == 2);
    CHECK(client.wait_for_event(std::chrono::milliseconds(1)).error() == EppError::truncated_frame);
    auto nothing = client.wait_for_event(std::chrono::milliseconds(1));
    REQUIRE(nothing.has_value());
    CHECK_FALSE(nothing->has_value());
}
