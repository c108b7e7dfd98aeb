// Chaining at the extended APDU level (CCID 1.1 §6.1.4 wLevelParameter, §6.2.1
// bChainParameter): a command APDU longer than the reader's messages goes in pieces, a long
// response comes back in pieces, and every chain a reader breaks ends in a named CcidError.
// The readers here are byte transcripts (tests/support/replay_transport.h) and the simulated
// extended-level reader wired straight to the client.

#include <catch2/catch.hpp>

#include <chrono>
#include <initializer_list>
#include <memory>

#include "base/bytes.h"
#include "drivers/ccid/card_session.h"
#include "drivers/ccid/ccid_apdu_channel.h"
#include "drivers/ccid/ccid_client.h"
#include "drivers/emv/card_data.h"
#include "simulator/cards/card_profile.h"
#include "simulator/devices/direct_transport.h"
#include "simulator/devices/virtual_ccid_reader.h"
#include "tests/support/demo_cards.h"
#include "tests/support/replay_transport.h"

using namespace drivers::ccid;
using simulator::devices::DirectTransport;
using simulator::devices::VirtualCcidReader;
using tests::drivers::hex;
using tests::drivers::ReplayTransport;

namespace {

// A reader whose messages hold 20 bytes: pieces of 10 data bytes.
CcidOptions small_reader() {
    CcidOptions options;
    options.command_timeout = std::chrono::milliseconds(10);
    options.max_message_length = 20;
    return options;
}

base::Bytes piece(std::uint8_t sequence, std::uint8_t chain, const base::Bytes& data = {}) {
    return encode(Response{DataBlock{0, sequence, {}, chain, data}});
}

base::Bytes next_response_request(std::uint8_t sequence) {
    return encode(Command{XfrBlock{0, sequence, 0, 0x0010, {}}});
}

const base::Bytes k_read_record = hex("00B2010C00");

}  // namespace

TEST_CASE("A command APDU longer than the reader's messages goes in pieces that it acknowledges") {
    ReplayTransport transport;
    // 25 bytes in pieces of 10, 10 and 5: wLevelParameter 0001, 0003, 0002 (little-endian at
    // offsets 8 and 9), each piece but the last answered by an empty DataBlock asking for more.
    transport.expect_out(hex("6F 0A000000 00 00 00 0100 80CA9F1700 0102030405"));
    transport.reply_in(hex("80 00000000 00 00 00 00 10"));
    transport.expect_out(hex("6F 0A000000 00 01 00 0300 060708090A 0B0C0D0E0F"));
    transport.reply_in(hex("80 00000000 00 01 00 00 10"));
    transport.expect_out(hex("6F 05000000 00 02 00 0200 1011121314"));
    transport.reply_in(hex("80 04000000 00 02 00 00 00 9F17 9000"));
    CcidClient client(transport, small_reader());
    auto response =
        client.transmit_extended(hex("80CA9F1700 0102030405 060708090A 0B0C0D0E0F 1011121314"));
    REQUIRE(response.has_value());
    CHECK(*response == hex("9F17 9000"));
    CHECK(transport.finished());
    CHECK(transport.mismatches().empty());
}

TEST_CASE("A response the reader returns in pieces is gathered, each next piece asked for") {
    ReplayTransport transport;
    transport.expect_out(hex("6F 05000000 00 00 00 0000 00B2010C00"));
    transport.reply_in(hex("80 0A000000 00 00 00 00 01 70145A0862284804 0256"));
    // An empty XfrBlock with wLevelParameter 0010 asks for the next piece.
    transport.expect_out(hex("6F 00000000 00 01 00 1000"));
    transport.reply_in(hex("80 0A000000 00 01 00 00 03 4890018F 5F24032912 31"));
    transport.expect_out(hex("6F 00000000 00 02 00 1000"));
    transport.reply_in(hex("80 02000000 00 02 00 00 02 9000"));
    CcidClient client(transport, small_reader());
    auto response = client.transmit_extended(k_read_record);
    REQUIRE(response.has_value());
    CHECK(*response == hex("70145A08622848040256 4890018F5F2403291231 9000"));
    CHECK(transport.finished());
    CHECK(transport.mismatches().empty());
}

TEST_CASE("A command that fits one message goes whole, and its whole answer is taken") {
    ReplayTransport transport;
    transport.expect_out(hex("6F 05000000 00 00 00 0000 00B2010C00"));
    transport.reply_in(hex("80 02000000 00 00 00 00 00 6A83"));
    CcidClient client(transport, small_reader());
    auto response = client.transmit_extended(k_read_record);
    REQUIRE(response.has_value());
    CHECK(*response == hex("6A83"));
}

TEST_CASE("A chained response is refused by name below the extended APDU level") {
    ReplayTransport transport;
    transport.expect_out(hex("6F 05000000 00 00 00 0000 00B2010C00"));
    transport.reply_in(piece(0, 0x01, hex("7014 5A08")));
    transport.expect_out(hex("6F 05000000 00 01 00 0000 00B2010C00"));
    transport.reply_in(piece(1, 0x02, hex("9000")));
    CcidClient client(transport, small_reader());
    // The part is never taken for the answer: a first piece, then a lone end piece.
    CHECK(client.transmit(k_read_record).error() == CcidError::unexpected_chain);
    CcidApduChannel channel(client, ExchangeLevel::short_apdu);
    const drivers::iso7816::CommandApdu read_record{0x00, 0xB2, 0x01, 0x0C, {}, 256};
    CHECK(channel.transmit(read_record).error() == drivers::iso7816::ApduError::reader_failed);
}

TEST_CASE("A response chain that does not begin with a begin is out of order") {
    for (const std::uint8_t chain : std::initializer_list<std::uint8_t>{0x02, 0x03, 0x10, 0x05}) {
        INFO("first bChainParameter " << int{chain});
        ReplayTransport transport;
        transport.expect_out(hex("6F 05000000 00 00 00 0000 00B2010C00"));
        transport.reply_in(piece(0, chain, chain == 0x10 ? base::Bytes{} : hex("9000")));
        CcidClient client(transport, small_reader());
        CHECK(client.transmit_extended(k_read_record).error() == CcidError::chain_out_of_order);
    }
}

TEST_CASE("A second begin or a whole answer in the middle of a response chain is out of order") {
    for (const std::uint8_t chain : std::initializer_list<std::uint8_t>{0x01, 0x00, 0x10}) {
        INFO("second bChainParameter " << int{chain});
        ReplayTransport transport;
        transport.expect_out(hex("6F 05000000 00 00 00 0000 00B2010C00"));
        transport.reply_in(piece(0, 0x01, hex("7014")));
        transport.expect_out(next_response_request(1));
        transport.reply_in(piece(1, chain, hex("9000")));
        CcidClient client(transport, small_reader());
        CHECK(client.transmit_extended(k_read_record).error() == CcidError::chain_out_of_order);
    }
}

TEST_CASE("A piece of a response chain without data is refused") {
    ReplayTransport transport;
    transport.expect_out(hex("6F 05000000 00 00 00 0000 00B2010C00"));
    transport.reply_in(piece(0, 0x01, hex("7014")));
    transport.expect_out(next_response_request(1));
    transport.reply_in(piece(1, 0x02));  // an end without data
    CcidClient client(transport, small_reader());
    CHECK(client.transmit_extended(k_read_record).error() == CcidError::chain_piece_empty);

    ReplayTransport begins_empty;
    begins_empty.expect_out(hex("6F 05000000 00 00 00 0000 00B2010C00"));
    begins_empty.reply_in(piece(0, 0x01));
    CcidClient second(begins_empty, small_reader());
    CHECK(second.transmit_extended(k_read_record).error() == CcidError::chain_piece_empty);
}

TEST_CASE("A piece longer than the reader's own message length is refused") {
    ReplayTransport transport;
    transport.expect_out(hex("6F 05000000 00 00 00 0000 00B2010C00"));
    // 11 data bytes: 21 with the header, where the reader announced 20.
    transport.reply_in(piece(0, 0x01, hex("70145A0862284804025648")));
    CcidClient client(transport, small_reader());
    CHECK(client.transmit_extended(k_read_record).error() == CcidError::chain_piece_too_long);
}

TEST_CASE("A response chain beyond the longest extended response is refused") {
    ReplayTransport transport;
    CcidOptions options = small_reader();
    options.max_message_length = k_max_message_length;
    transport.expect_out(hex("6F 05000000 00 00 00 0000 00B2010C00"));
    // 65538 bytes, all a response APDU can hold, and then one more.
    transport.reply_in(piece(0, 0x01, base::Bytes(k_max_data_length, 0x5A)));
    transport.expect_out(next_response_request(1));
    transport.reply_in(piece(1, 0x02, hex("90")));
    CcidClient client(transport, options);
    CHECK(client.transmit_extended(k_read_record).error() == CcidError::chain_too_long);
}

TEST_CASE("A command piece the reader does not acknowledge ends the chain by name") {
    ReplayTransport transport;
    transport.expect_out(hex("6F 0A000000 00 00 00 0100 80CA9F1700 0102030405"));
    // The reader took the first piece for a whole command and answered it.
    transport.reply_in(hex("80 02000000 00 00 00 00 00 6700"));
    CcidClient client(transport, small_reader());
    CHECK(client.transmit_extended(hex("80CA9F1700 0102030405 060708090A")).error() ==
          CcidError::chain_out_of_order);
    CHECK(transport.sent().size() == 1);
}

TEST_CASE("An extended-level reader keeps its small message length; others are held to 271") {
    ClassDescriptor descriptor;
    descriptor.max_message_length = 64;
    descriptor.features = feature::k_extended_apdu_level;
    CHECK(CcidOptions::for_reader(descriptor).max_message_length == 64);
    descriptor.features = feature::k_short_apdu_level;
    CHECK(CcidOptions::for_reader(descriptor).max_message_length == 271);
    descriptor.features = feature::k_extended_apdu_level;
    descriptor.max_message_length = 12;  // not even an answer to reset would fit
    CHECK(CcidOptions::for_reader(descriptor).max_message_length == k_min_chained_message_length);
}

TEST_CASE("A chain the reader stalls is aborted, and the next command finds it in step") {
    const auto model = VirtualCcidReader::extended_apdu_reader(64);
    auto reader = std::make_shared<VirtualCcidReader>(model);
    DirectTransport transport(reader);
    auto options = CcidOptions::for_reader(VirtualCcidReader::class_descriptor(model));
    options.command_timeout = std::chrono::milliseconds(50);
    options.max_command_duration = std::chrono::milliseconds(300);
    CcidClient client(transport, options);
    auto profile = *tests::demo_card_library().find("zhang-wei");
    reader->insert(simulator::cards::make_card(profile));
    REQUIRE(client.power_on().has_value());

    // SELECT of the payment system environment with 120 bytes of data: three pieces.
    base::Bytes select = hex("00A40400 78");
    select.insert(select.end(), 120, 0x31);
    select.push_back(0x00);
    reader->set_stalling(true);
    auto stalled = client.transmit_extended(select);
    REQUIRE_FALSE(stalled.has_value());
    // One request for the longest wait there is, then nothing until the command's end.
    CHECK(stalled.error() == CcidError::timeout);
    CHECK(reader->aborts_received() == 1);

    reader->set_stalling(false);
    auto answered = client.transmit_extended(select);
    REQUIRE(answered.has_value());
    CHECK(answered->size() >= 2);
    CHECK(reader->chain_traffic().commands_in_pieces == 1);
}

TEST_CASE("A card is read through an extended-level reader whose messages hold 64 bytes") {
    for (const auto protocol :
         {simulator::cards::CardProtocol::t0, simulator::cards::CardProtocol::t1}) {
        INFO("T=" << (protocol == simulator::cards::CardProtocol::t1 ? 1 : 0));
        const auto model = VirtualCcidReader::extended_apdu_reader(64);
        auto reader = std::make_shared<VirtualCcidReader>(model);
        DirectTransport transport(reader);
        auto options = CcidOptions::for_reader(VirtualCcidReader::class_descriptor(model));
        options.command_timeout = std::chrono::milliseconds(2000);
        CcidClient client(transport, options);
        ReaderProfile profile;
        profile.descriptor = VirtualCcidReader::class_descriptor(model);
        profile.data_rates = *client.data_rates(profile.descriptor.data_rate_count);
        auto card_profile = *tests::demo_card_library().find("zhang-wei");
        card_profile.protocol = protocol;
        reader->insert(simulator::cards::make_card(card_profile));

        auto session = CardSession::start(client, profile);
        REQUIRE(session.has_value());
        auto data = drivers::emv::read_card_data(**session);
        REQUIRE(data.has_value());
        CHECK(data->pan.view() == "6228480402564890018");
        CHECK(data->expiry == "2912");
        const auto chains = reader->chain_traffic();
        CHECK(chains.responses_in_pieces > 0);
        CHECK(chains.response_pieces > chains.responses_in_pieces);
        CHECK(chains.longest_message <= 64);
    }
}
