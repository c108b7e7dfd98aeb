#include <catch2/catch.hpp>

#include "base/bytes.h"
#include "drivers/ccid/ccid_apdu_channel.h"
#include "drivers/ccid/ccid_client.h"
#include "tests/support/replay_transport.h"

using namespace drivers::ccid;
using drivers::usb::UsbError;
using tests::drivers::hex;
using tests::drivers::ReplayTransport;
using namespace std::chrono_literals;

namespace {

const base::Bytes k_atr = hex("3B 88 80 01 55 50 41 59 44 45 4D 4F 0C");

base::Bytes data_block(std::uint8_t sequence, std::uint8_t status, std::uint8_t error,
                       const base::Bytes& data = {}) {
    return encode(Response{DataBlock{0, sequence, *decode_slot_state(status, error), 0, data}});
}

CcidOptions quick_options() {
    CcidOptions options;
    options.command_timeout = std::chrono::milliseconds(10);
    return options;
}

}  // namespace

TEST_CASE("Powering on a card returns its answer to reset") {
    ReplayTransport transport;
    transport.expect_out(hex("62 00000000 00 00 00 0000"));
    transport.reply_in(data_block(0, 0x00, 0, k_atr));
    CcidClient client(transport, quick_options());
    auto atr = client.power_on();
    REQUIRE(atr.has_value());
    CHECK(*atr == k_atr);
    CHECK(transport.finished());
    CHECK(transport.mismatches().empty());
}

TEST_CASE("Each command carries the next sequence number") {
    ReplayTransport transport;
    transport.expect_out(hex("65 00000000 00 00 000000"));
    transport.reply_in(hex("81 00000000 00 00 01 00 03"));
    transport.expect_out(hex("65 00000000 00 01 000000"));
    transport.reply_in(hex("81 00000000 00 01 00 00 00"));
    CcidClient client(transport, quick_options());
    auto first = client.slot_status();
    REQUIRE(first.has_value());
    CHECK(first->icc == IccStatus::present_inactive);
    CHECK(first->clock == ClockStatus::stopped);
    auto second = client.slot_status();
    REQUIRE(second.has_value());
    CHECK(second->icc == IccStatus::active);
    CHECK(transport.mismatches().empty());
}

TEST_CASE("A time extension request makes the client wait for the real answer") {
    ReplayTransport transport;
    transport.expect_out(encode(Command{XfrBlock{0, 0, 0, 0, hex("00B2010C00")}}));
    transport.reply_in(data_block(0, 0x80, 2));
    transport.reply_in(data_block(0, 0x80, 1));
    transport.reply_in(data_block(0, 0x00, 0, hex("70039F360100 9000")));
    CcidClient client(transport, quick_options());
    auto response = client.transmit(hex("00B2010C00"));
    REQUIRE(response.has_value());
    CHECK(*response == hex("70039F360100 9000"));
}

TEST_CASE("A reader that asks for more time forever is given up on") {
    ReplayTransport transport;
    transport.expect_out(encode(Command{XfrBlock{0, 0, 0, 0, hex("0084000008")}}));
    for (int index = 0; index < 10; ++index) {
        transport.reply_in(data_block(0, 0x80, 1));
    }
    CcidOptions options = quick_options();
    options.max_time_extensions = 5;
    CcidClient client(transport, options);
    auto response = client.transmit(hex("0084000008"));
    REQUIRE_FALSE(response.has_value());
    CHECK(response.error() == CcidError::time_extension_limit);
}

TEST_CASE("A command ends within its longest duration however much time the reader asks for") {
    ReplayTransport transport;
    transport.expect_out(encode(Command{XfrBlock{0, 0, 0, 0, hex("0084000008")}}));
    for (int index = 0; index < 3; ++index) {
        transport.reply_in(data_block(0, 0x80, 0xFF));  // "wait 255 times longer"
    }
    CcidOptions options = quick_options();
    options.max_time_extensions = 1000;
    options.max_command_duration = std::chrono::milliseconds(0);
    CcidClient client(transport, options);
    auto response = client.transmit(hex("0084000008"));
    REQUIRE_FALSE(response.has_value());
    CHECK(response.error() == CcidError::time_extension_limit);
}

TEST_CASE("A late answer to an earlier command is skipped") {
    ReplayTransport transport;
    transport.expect_out(hex("62 00000000 00 00 00 0000"));
    transport.reply_in(data_block(0xFF, 0x00, 0, hex("6A82")));  // stale
    transport.reply_in(data_block(0, 0x00, 0, k_atr));
    CcidClient client(transport, quick_options());
    auto atr = client.power_on();
    REQUIRE(atr.has_value());
    CHECK(*atr == k_atr);
}

TEST_CASE("Answers that never carry the right sequence number end in a sequence error") {
    ReplayTransport transport;
    transport.expect_out(hex("62 00000000 00 00 00 0000"));
    transport.reply_in(data_block(5, 0x00, 0, k_atr));
    CcidClient client(transport, quick_options());
    auto atr = client.power_on();
    REQUIRE_FALSE(atr.has_value());
    CHECK(atr.error() == CcidError::sequence_mismatch);
}

TEST_CASE("An endless stream of wrong sequence numbers ends in a sequence error") {
    ReplayTransport transport;
    transport.expect_out(hex("62 00000000 00 00 00 0000"));
    for (int index = 1; index < 40; ++index) {
        transport.reply_in(data_block(static_cast<std::uint8_t>(index), 0x00, 0, k_atr));
    }
    CcidClient client(transport, quick_options());
    CHECK(client.power_on().error() == CcidError::sequence_mismatch);
}

TEST_CASE("An answer about another slot is rejected") {
    ReplayTransport transport;
    transport.expect_out(hex("62 00000000 00 00 00 0000"));
    transport.reply_in(encode(Response{DataBlock{1, 0, {}, 0, k_atr}}));
    CcidClient client(transport, quick_options());
    CHECK(client.power_on().error() == CcidError::slot_mismatch);
}

TEST_CASE("An answer of the wrong message type is rejected") {
    ReplayTransport transport;
    transport.expect_out(hex("62 00000000 00 00 00 0000"));
    transport.reply_in(hex("81 00000000 00 00 00 00 00"));
    CcidClient client(transport, quick_options());
    CHECK(client.power_on().error() == CcidError::unexpected_response);
}

TEST_CASE("A short or lying frame from the reader is a malformed response") {
    ReplayTransport transport;
    transport.expect_out(hex("62 00000000 00 00 00 0000"));
    transport.reply_in(hex("80 00 00"));
    transport.expect_out(hex("62 00000000 00 01 00 0000"));
    transport.reply_in(hex("80 20000000 00 01 00 00 00 3B00"));  // announces 32 bytes, sends 2
    CcidClient client(transport, quick_options());
    CHECK(client.power_on().error() == CcidError::malformed_response);
    CHECK(client.power_on().error() == CcidError::malformed_response);
}

TEST_CASE("A mute card and an empty slot are told apart") {
    ReplayTransport transport;
    transport.expect_out(hex("62 00000000 00 00 00 0000"));
    transport.reply_in(data_block(0, 0x41, 0xFE));
    transport.expect_out(hex("62 00000000 00 01 00 0000"));
    transport.reply_in(data_block(1, 0x42, 0xFE));
    CcidClient client(transport, quick_options());
    CHECK(client.power_on().error() == CcidError::card_mute);
    CHECK(client.power_on().error() == CcidError::card_absent);
}

TEST_CASE("A successful power-on without any answer to reset is a mute card") {
    ReplayTransport transport;
    transport.expect_out(hex("62 00000000 00 00 00 0000"));
    transport.reply_in(data_block(0, 0x00, 0));
    CcidClient client(transport, quick_options());
    CHECK(client.power_on().error() == CcidError::card_mute);
}

TEST_CASE("A silent reader times out and an unplugged one is reported gone") {
    ReplayTransport transport;
    transport.expect_out(hex("63 00000000 00 00 000000"));
    transport.expect_out(hex("63 00000000 00 01 000000"));
    transport.fail_in(UsbError::no_device);
    CcidClient client(transport, quick_options());
    CHECK(client.power_off().error() == CcidError::timeout);
    CHECK(client.power_off().error() == CcidError::reader_gone);
}

TEST_CASE("An APDU longer than the reader accepts is refused before sending") {
    ReplayTransport transport;
    CcidOptions options = quick_options();
    options.max_message_length = 271;
    CcidClient client(transport, options);
    const base::Bytes apdu(300, 0x00);
    CHECK(client.transmit(apdu).error() == CcidError::apdu_too_long);
    CHECK(transport.sent().empty());
}

TEST_CASE("Reader error codes map to named errors") {
    CHECK(error_from_state({IccStatus::active, CommandStatus::failed, 0xFE}) ==
          CcidError::card_mute);
    CHECK(error_from_state({IccStatus::absent, CommandStatus::failed, 0x00}) ==
          CcidError::card_absent);
    CHECK(error_from_state({IccStatus::active, CommandStatus::failed, 0xF6}) ==
          CcidError::protocol_not_supported);
    CHECK(error_from_state({IccStatus::active, CommandStatus::failed, 0xEF}) ==
          CcidError::pin_cancelled);
    CHECK(error_from_state({IccStatus::active, CommandStatus::failed, 0xF0}) ==
          CcidError::pin_timeout);
    CHECK(error_from_state({IccStatus::active, CommandStatus::failed, 0x00}) ==
          CcidError::command_not_supported);
    CHECK(error_from_state({IccStatus::active, CommandStatus::failed, 0x07}) ==
          CcidError::command_failed);
}

TEST_CASE("Options from a class descriptor use its message length but never too little") {
    ClassDescriptor descriptor;
    descriptor.max_message_length = 65546;
    CHECK(CcidOptions::for_reader(descriptor).max_message_length == 65546);
    descriptor.max_message_length = 64;
    CHECK(CcidOptions::for_reader(descriptor).max_message_length == 271);
}

TEST_CASE("A reader that announces messages of up to 4 GiB is held to what CCID allows") {
    ClassDescriptor descriptor;
    descriptor.max_message_length = 0xFFFFFFFF;
    CHECK(CcidOptions::for_reader(descriptor).max_message_length == k_max_message_length);
    CHECK(k_max_message_length == 10 + 65538);
}

TEST_CASE("Every answer is read into one buffer, never larger than the longest CCID message") {
    ReplayTransport transport;
    for (std::uint8_t sequence = 0; sequence < 3; ++sequence) {
        transport.expect_out(encode(Command{GetSlotStatus{0, sequence}}));
        transport.reply_in(encode(Response{SlotStatus{0, sequence, {}, ClockStatus::running}}));
    }
    CcidOptions options = quick_options();
    options.max_message_length = 0xFFFFFFFF;  // as a lying reader would have it
    CcidClient client(transport, options);
    for (int round = 0; round < 3; ++round) {
        REQUIRE(client.slot_status().has_value());
    }
    const auto buffers = transport.read_buffers();
    REQUIRE(buffers.size() == 3);
    for (const auto& buffer : buffers) {
        CHECK(buffer.data == buffers.front().data);
        CHECK(buffer.size <= k_max_message_length);
    }
}

TEST_CASE("An answer that arrives over two transfers is read whole") {
    ReplayTransport transport;
    transport.expect_out(hex("62 00000000 00 00 00 0000"));
    const base::Bytes answer = data_block(0, 0x00, 0, k_atr);
    transport.reply_in(base::Bytes(answer.begin(), answer.begin() + 7));
    transport.reply_in(base::Bytes(answer.begin() + 7, answer.end()));
    CcidClient client(transport, quick_options());
    auto atr = client.power_on();
    REQUIRE(atr.has_value());
    CHECK(*atr == k_atr);
}

TEST_CASE("A command waiting for its answer ends at once when interrupted") {
    ReplayTransport transport;
    transport.expect_out(hex("62 00000000 00 00 00 0000"));
    CcidOptions options;
    options.command_timeout = std::chrono::seconds(20);  // the reader would be waited for long
    CcidClient client(transport, options);
    const auto started = std::chrono::steady_clock::now();
    client.set_interrupt([&] { return std::chrono::steady_clock::now() - started > 50ms; });
    auto atr = client.power_on();
    REQUIRE_FALSE(atr.has_value());
    CHECK(atr.error() == CcidError::aborted);
    CHECK(std::chrono::steady_clock::now() - started < 2s);
}

TEST_CASE("Waiting for an interrupt reports slot changes and nothing on silence") {
    ReplayTransport transport;
    CcidClient client(transport, quick_options());
    auto nothing = client.wait_for_interrupt(std::chrono::milliseconds(1));
    REQUIRE(nothing.has_value());
    CHECK_FALSE(nothing->has_value());

    transport.reply_interrupt(hex("50 03"));
    auto inserted = client.wait_for_interrupt(std::chrono::milliseconds(1));
    REQUIRE(inserted.has_value());
    REQUIRE(inserted->has_value());
    const auto& change = std::get<NotifySlotChange>(**inserted);
    CHECK(change.slots.at(0) == SlotChange{true, true});

    transport.reply_interrupt(hex("50"));
    CHECK(client.wait_for_interrupt(std::chrono::milliseconds(1)).error() ==
          CcidError::malformed_response);
}

TEST_CASE("A reader slot works as an APDU channel") {
    ReplayTransport transport;
    transport.expect_out(encode(Command{XfrBlock{0, 0, 0, 0, hex("00A4040007A000000333010100")}}));
    transport.reply_in(data_block(0, 0x00, 0, hex("6F00 9000")));
    CcidClient client(transport, quick_options());
    CcidApduChannel channel(client);
    auto response = channel.transmit(
        drivers::iso7816::CommandApdu{0x00, 0xA4, 0x04, 0x00, hex("A0000003330101"), 256});
    REQUIRE(response.has_value());
    CHECK(response->data == hex("6F00"));
    CHECK(response->is_success());
}

TEST_CASE("A TPDU-level reader slot gets T=0 TPDUs without Le") {
    ReplayTransport transport;
    transport.expect_out(encode(Command{XfrBlock{0, 0, 0, 0, hex("00A4040007A0000003330101")}}));
    transport.reply_in(data_block(0, 0x00, 0, hex("6120")));
    CcidClient client(transport, quick_options());
    CcidApduChannel channel(client, ExchangeLevel::tpdu);
    auto response = channel.transmit(
        drivers::iso7816::CommandApdu{0x00, 0xA4, 0x04, 0x00, hex("A0000003330101"), 256});
    REQUIRE(response.has_value());
    CHECK(response->status_word() == 0x6120);
}

TEST_CASE("Reader failures reach the APDU channel as card or reader errors") {
    ReplayTransport transport;
    transport.expect_out(encode(Command{XfrBlock{0, 0, 0, 0, hex("00B2010C00")}}));
    transport.reply_in(data_block(0, 0x42, 0xFE));
    CcidClient client(transport, quick_options());
    CcidApduChannel channel(client);
    auto response = channel.transmit(drivers::iso7816::CommandApdu{0x00, 0xB2, 1, 0x0C, {}, 256});
    REQUIRE_FALSE(response.has_value());
    CHECK(response.error() == drivers::iso7816::ApduError::card_removed);
}

TEST_CASE("Every bError is named as CCID 1.1 Table 6.2-2 names it") {
    CHECK(slot_error_name(0xFE) == "ICC_MUTE");
    CHECK(slot_error_name(0xFD) == "XFR_PARITY_ERROR");
    CHECK(slot_error_name(0xF6) == "ICC_PROTOCOL_NOT_SUPPORTED");
    CHECK(slot_error_name(0xE0) == "CMD_SLOT_BUSY");
    CHECK(slot_error_name(0x00) == "CMD_NOT_SUPPORTED");
    CHECK(slot_error_name(0x05) == "bad value at offset 5 of the command");
    CHECK(slot_error_name(0x90) == "vendor error 0x90");
    CHECK(slot_error_name(0xD0) == "reserved error 0xD0");
    // No value goes without a name.
    for (int error = 0; error < 256; ++error) {
        CHECK_FALSE(slot_error_name(static_cast<std::uint8_t>(error)).empty());
    }
}
