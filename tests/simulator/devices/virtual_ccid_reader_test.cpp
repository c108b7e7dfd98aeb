#include <catch2/catch.hpp>

#include <random>

#include "base/bytes.h"
#include "drivers/ccid/ccid_client.h"
#include "drivers/ccid/ccid_message.h"
#include "drivers/iso7816/atr.h"
#include "simulator/cards/card_profile.h"
#include "simulator/devices/direct_transport.h"
#include "simulator/devices/usb_descriptors.h"
#include "simulator/devices/virtual_ccid_reader.h"

using namespace drivers::ccid;
using simulator::devices::DirectTransport;
using simulator::devices::VirtualCcidReader;

namespace {

constexpr auto k_wait = std::chrono::milliseconds(500);

std::shared_ptr<simulator::cards::VirtualCard> demo_card(std::string_view name) {
    static const auto k_library = *simulator::cards::CardLibrary::load(
        simulator::cards::default_library_path(KIOSK_SOURCE_DIR));
    return *k_library.make_card(name);
}

// Sends one raw CCID message and returns the reader's decoded answer.
Response ask(DirectTransport& transport, const Command& command) {
    REQUIRE(transport.bulk_out(encode(command), k_wait).has_value());
    auto bytes = drivers::usb::read_bulk(transport, 1024, k_wait);
    REQUIRE(bytes.has_value());
    auto response = decode_response(*bytes);
    REQUIRE(response.has_value());
    return *response;
}

}  // namespace

TEST_CASE("The reader announces a one-slot short-APDU CCID interface with the test vendor id") {
    VirtualCcidReader reader;
    const auto descriptors = reader.descriptors();
    REQUIRE(descriptors.size() > 18);
    CHECK(descriptors[0] == 18);
    CHECK(descriptors[1] == 0x01);
    CHECK((descriptors[8] | (descriptors[9] << 8)) == 0x1209);
    CHECK((descriptors[10] | (descriptors[11] << 8)) ==
          simulator::devices::k_ccid_reader_product_id);
    // Configuration at 18, interface at 27 (class 0B), class descriptor at 36.
    CHECK(descriptors[18 + 1] == 0x02);
    CHECK(static_cast<std::size_t>(descriptors[18 + 2] | (descriptors[18 + 3] << 8)) ==
          descriptors.size() - 18);
    CHECK(descriptors[27 + 5] == 0x0B);
    auto descriptor = decode_class_descriptor(std::span(descriptors).subspan(36, 54));
    REQUIRE(descriptor.has_value());
    CHECK(descriptor->exchange_level() == ExchangeLevel::short_apdu);
    CHECK(descriptor->max_slot_index == 0);
    CHECK(descriptor->ccid_version() == "1.10");
}

TEST_CASE("Inserting and removing a card notifies the host on the interrupt endpoint") {
    auto reader = std::make_shared<VirtualCcidReader>();
    DirectTransport transport(reader);
    reader->insert(demo_card("zhang-wei"));
    reader->remove();
    auto inserted = drivers::usb::read_interrupt(transport, 64, k_wait);
    REQUIRE(inserted.has_value());
    auto message = decode_interrupt(*inserted);
    REQUIRE(message.has_value());
    CHECK(std::get<NotifySlotChange>(*message).slots.at(0) == SlotChange{true, true});
    auto removed = drivers::usb::read_interrupt(transport, 64, k_wait);
    REQUIRE(removed.has_value());
    CHECK(std::get<NotifySlotChange>(*decode_interrupt(*removed)).slots.at(0) ==
          SlotChange{false, true});
    CHECK(drivers::usb::read_interrupt(transport, 64, std::chrono::milliseconds(20)).error() ==
          drivers::usb::UsbError::timeout);
}

TEST_CASE("Powering an empty slot fails with an absent card and ICC mute") {
    auto reader = std::make_shared<VirtualCcidReader>();
    DirectTransport transport(reader);
    const auto response = ask(transport, PowerOn{0, 3, PowerSelect::automatic});
    const auto& block = std::get<DataBlock>(response);
    CHECK(block.sequence == 3);
    CHECK(block.state == drivers::ccid::SlotState{IccStatus::absent, CommandStatus::failed, 0xFE});
}

TEST_CASE("Powering a mute card fails with the card present and ICC mute") {
    auto reader = std::make_shared<VirtualCcidReader>();
    DirectTransport transport(reader);
    reader->insert(demo_card("mute"));
    const auto block = std::get<DataBlock>(ask(transport, PowerOn{0, 1, PowerSelect::automatic}));
    CHECK(block.state ==
          drivers::ccid::SlotState{IccStatus::present_inactive, CommandStatus::failed, 0xFE});
    CHECK_FALSE(reader->card_powered());
}

TEST_CASE("Powering a card returns its ATR and activates the slot until power off") {
    auto reader = std::make_shared<VirtualCcidReader>();
    DirectTransport transport(reader);
    reader->insert(demo_card("zhang-wei"));
    const auto block = std::get<DataBlock>(ask(transport, PowerOn{0, 1, PowerSelect::automatic}));
    CHECK(block.state.command == CommandStatus::ok);
    CHECK(drivers::iso7816::parse_atr(block.data).has_value());
    CHECK(reader->card_powered());
    const auto status = std::get<SlotStatus>(ask(transport, GetSlotStatus{0, 2}));
    CHECK(status.state.icc == IccStatus::active);
    CHECK(status.clock == ClockStatus::running);
    const auto off = std::get<SlotStatus>(ask(transport, PowerOff{0, 3}));
    CHECK(off.state.icc == IccStatus::present_inactive);
    CHECK_FALSE(reader->card_powered());
}

TEST_CASE("An APDU to an unpowered card is refused") {
    auto reader = std::make_shared<VirtualCcidReader>();
    DirectTransport transport(reader);
    reader->insert(demo_card("zhang-wei"));
    const base::Bytes select{0x00, 0xA4, 0x04, 0x00, 0x02, 0x3F, 0x00};
    const auto block = std::get<DataBlock>(ask(transport, XfrBlock{0, 1, 0, 0, select}));
    CHECK(block.state.command == CommandStatus::failed);
    CHECK(block.state.error == 0xFE);
}

TEST_CASE("Commands for another slot fail with the bSlot offset as error") {
    auto reader = std::make_shared<VirtualCcidReader>();
    DirectTransport transport(reader);
    const auto status = std::get<SlotStatus>(ask(transport, GetSlotStatus{1, 9}));
    CHECK(status.slot == 1);
    CHECK(status.state.error == slot_error::k_bad_slot);
}

TEST_CASE("Unsupported commands get their own response type with command not supported") {
    auto reader = std::make_shared<VirtualCcidReader>();
    DirectTransport transport(reader);
    const auto escape = ask(transport, Escape{0, 5, {0x01}});
    REQUIRE(std::holds_alternative<EscapeResponse>(escape));
    CHECK(std::get<EscapeResponse>(escape).state.error == slot_error::k_command_not_supported);
    const auto secure = ask(transport, Secure{0, 6, 0, 0, {0x00}});
    REQUIRE(std::holds_alternative<DataBlock>(secure));
    CHECK(std::get<DataBlock>(secure).state.command == CommandStatus::failed);
    CHECK(std::get<DataBlock>(secure).state.error == slot_error::k_command_not_supported);
}

TEST_CASE("The reader keeps the slot's parameters and refuses ones it cannot use") {
    auto reader = std::make_shared<VirtualCcidReader>(VirtualCcidReader::tpdu_reader());
    DirectTransport transport(reader);
    const auto current = ask(transport, GetParameters{0, 1});
    REQUIRE(std::holds_alternative<Parameters>(current));
    CHECK(std::get<Parameters>(current).state.command == CommandStatus::ok);
    CHECK(std::get<Parameters>(current).protocol_data == base::Bytes{0x11, 0x00, 0x00, 0x0A, 0x00});
    // T=1 with Fi/Di 96: taken.
    const base::Bytes t1{0x96, 0x10, 0x00, 0x45, 0x00, 0xFE, 0x00};
    const auto set = ask(transport, SetParameters{0, 2, 1, t1});
    REQUIRE(std::holds_alternative<Parameters>(set));
    CHECK(std::get<Parameters>(set).state.command == CommandStatus::ok);
    CHECK(reader->protocol() == 1);
    CHECK(reader->fi_di() == 0x96);
    // A reserved Fi code (7): refused with the offset of bmFindexDindex.
    const base::Bytes reserved{0x71, 0x10, 0x00, 0x45, 0x00, 0xFE, 0x00};
    const auto refused = ask(transport, SetParameters{0, 3, 1, reserved});
    CHECK(std::get<Parameters>(refused).state.command == CommandStatus::failed);
    CHECK(std::get<Parameters>(refused).state.error == 10);
    // A T=0 structure of the wrong length.
    const auto short_structure = ask(transport, SetParameters{0, 4, 0, {0x11, 0x00}});
    CHECK(std::get<Parameters>(short_structure).state.error == slot_error::k_bad_length);
    // The Abort message is answered with the slot's status (CCID 1.1 §6.1.13).
    const auto abort = ask(transport, Abort{0, 6});
    REQUIRE(std::holds_alternative<SlotStatus>(abort));
    CHECK(std::get<SlotStatus>(abort).state.command == CommandStatus::ok);
}

TEST_CASE("A malformed message with a readable header is answered and a shorter one dropped") {
    auto reader = std::make_shared<VirtualCcidReader>();
    DirectTransport transport(reader);
    // XfrBlock announcing 16 bytes but carrying 2.
    const base::Bytes lying{0x6F, 0x10, 0, 0, 0, 0x00, 0x07, 0, 0, 0, 0x00, 0xA4};
    REQUIRE(transport.bulk_out(lying, k_wait).has_value());
    auto answer = drivers::usb::read_bulk(transport, 1024, k_wait);
    REQUIRE(answer.has_value());
    const auto status = std::get<SlotStatus>(*decode_response(*answer));
    CHECK(status.sequence == 7);
    CHECK(status.state.error == slot_error::k_bad_length);
    // Unknown message type.
    REQUIRE(
        transport.bulk_out(base::Bytes{0x99, 0, 0, 0, 0, 0, 0x08, 0, 0, 0}, k_wait).has_value());
    answer = drivers::usb::read_bulk(transport, 1024, k_wait);
    REQUIRE(answer.has_value());
    CHECK(std::get<SlotStatus>(*decode_response(*answer)).state.error ==
          slot_error::k_command_not_supported);
    // Too short for a header: nothing comes back.
    REQUIRE(transport.bulk_out(base::Bytes{0x62, 0x00}, k_wait).has_value());
    CHECK(drivers::usb::read_bulk(transport, 1024, std::chrono::milliseconds(20)).error() ==
          drivers::usb::UsbError::timeout);
}

TEST_CASE("Time extensions from the reader are waited through by the client") {
    auto reader = std::make_shared<VirtualCcidReader>();
    DirectTransport transport(reader);
    reader->insert(demo_card("zhang-wei"));
    reader->set_time_extensions(3);
    CcidOptions options;
    options.command_timeout = k_wait;
    CcidClient client(transport, options);
    auto atr = client.power_on();
    REQUIRE(atr.has_value());
    auto response = client.transmit(base::Bytes{0x80, 0xCA, 0x9F, 0x17, 0x00});
    REQUIRE(response.has_value());
    CHECK(response->back() == 0x00);
    CHECK((*response)[response->size() - 2] == 0x90);
}

TEST_CASE("Removing the card while powered makes the next APDU fail as card absent") {
    auto reader = std::make_shared<VirtualCcidReader>();
    DirectTransport transport(reader);
    reader->insert(demo_card("zhang-wei"));
    CcidOptions options;
    options.command_timeout = k_wait;
    CcidClient client(transport, options);
    REQUIRE(client.power_on().has_value());
    reader->remove();
    CHECK(client.transmit(base::Bytes{0x80, 0xCA, 0x9F, 0x17, 0x00}).error() ==
          CcidError::card_absent);
    auto report = client.slot_status();
    REQUIRE(report.has_value());
    CHECK(report->icc == IccStatus::absent);
}

TEST_CASE("Random bytes sent to the reader never crash it and it keeps working") {
    auto reader = std::make_shared<VirtualCcidReader>();
    reader->insert(demo_card("zhang-wei"));
    std::mt19937 generator(62);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(0, 30);
    for (int round = 0; round < 5000; ++round) {
        base::Bytes input(static_cast<std::size_t>(length(generator)));
        for (auto& value : input) {
            value = static_cast<std::uint8_t>(byte(generator));
        }
        if (input.size() >= 10 && round % 2 == 0) {
            input[0] = 0x6F;
            input[1] = static_cast<std::uint8_t>(input.size() - 10);
            input[2] = input[3] = input[4] = input[5] = 0;
        }
        reader->on_out(VirtualCcidReader::k_bulk_out, input);
        while (reader->take_in(VirtualCcidReader::k_bulk_in)) {
        }
    }
    DirectTransport transport(reader);
    CcidOptions options;
    options.command_timeout = k_wait;
    CcidClient client(transport, options);
    CHECK(client.power_on().has_value());
}

TEST_CASE("An unplugged reader loses its power: the card stays, unpowered, and its queue is gone") {
    auto reader = std::make_shared<VirtualCcidReader>();
    reader->insert(demo_card("zhang-wei"));
    {
        DirectTransport transport(reader);
        const auto block =
            std::get<DataBlock>(ask(transport, PowerOn{0, 1, PowerSelect::automatic}));
        REQUIRE(block.state.command == CommandStatus::ok);
        REQUIRE(reader->card_powered());
    }
    reader->on_unplugged();
    CHECK(reader->card_present());
    CHECK_FALSE(reader->card_powered());
    // The slot change queued at insertion went with the power.
    CHECK_FALSE(reader->take_in(VirtualCcidReader::k_interrupt_in).has_value());
    DirectTransport transport(reader);
    const auto status = std::get<SlotStatus>(ask(transport, GetSlotStatus{0, 2}));
    CHECK(status.state.icc == IccStatus::present_inactive);
}

TEST_CASE("An extended-level reader announces its level and its small message length") {
    const auto descriptor =
        VirtualCcidReader::class_descriptor(VirtualCcidReader::extended_apdu_reader(64));
    CHECK(descriptor.exchange_level() == ExchangeLevel::extended_apdu);
    CHECK(descriptor.max_message_length == 64);
}

TEST_CASE("An extended-level reader reassembles a chained command and chains a long response") {
    // 43 bytes a message: 33 data bytes a piece.
    auto model = VirtualCcidReader::extended_apdu_reader(k_min_chained_message_length);
    model.real_time = false;
    auto reader = std::make_shared<VirtualCcidReader>(model);
    DirectTransport transport(reader);
    // A T=1 card answers SELECT with its data at once (a T=0 card would say 61xx).
    const auto t1_card = [] {
        auto profile = *simulator::cards::CardLibrary::load(
                            simulator::cards::default_library_path(KIOSK_SOURCE_DIR))
                            ->find("zhang-wei");
        profile.protocol = simulator::cards::CardProtocol::t1;
        return simulator::cards::make_card(profile);
    };
    reader->insert(t1_card());
    REQUIRE(std::holds_alternative<DataBlock>(ask(transport, PowerOn{0, 0})));

    // SELECT of the UnionPay debit application (EMV 4.3 Book 1 §11.3), sent in two pieces.
    const base::Bytes select = *base::parse_hex("00A4040008A00000033301010100");
    constexpr std::ptrdiff_t k_half = 10;
    auto first = std::get<DataBlock>(
        ask(transport, XfrBlock{0, 1, 0, level_parameter::k_begins,
                                base::Bytes(select.begin(), select.begin() + k_half)}));
    CHECK(first.state.command == CommandStatus::ok);
    CHECK(first.chain_parameter == chain_parameter::k_next_command);
    CHECK(first.data.empty());
    auto answer = std::get<DataBlock>(
        ask(transport, XfrBlock{0, 2, 0, level_parameter::k_ends,
                                base::Bytes(select.begin() + k_half, select.end())}));
    REQUIRE(answer.state.command == CommandStatus::ok);
    // The card's answer, longer than 33 bytes, comes back in pieces of at most 33.
    REQUIRE(answer.chain_parameter == chain_parameter::k_begins);
    CHECK(answer.data.size() == 33);
    base::Bytes whole = answer.data;
    std::uint8_t sequence = 3;
    while (true) {
        auto next = std::get<DataBlock>(
            ask(transport, XfrBlock{0, sequence++, 0, level_parameter::k_next_response, {}}));
        REQUIRE(next.state.command == CommandStatus::ok);
        CHECK_FALSE(next.data.empty());
        CHECK(next.data.size() <= 33);
        whole.insert(whole.end(), next.data.begin(), next.data.end());
        if (next.chain_parameter == chain_parameter::k_ends) {
            break;
        }
        REQUIRE(next.chain_parameter == chain_parameter::k_continues);
    }
    // The same command sent whole to a short-APDU reader gives the same answer.
    auto short_model = VirtualCcidReader::apdu_reader();
    short_model.real_time = false;
    auto short_reader = std::make_shared<VirtualCcidReader>(short_model);
    DirectTransport short_transport(short_reader);
    short_reader->insert(t1_card());
    REQUIRE(std::holds_alternative<DataBlock>(ask(short_transport, PowerOn{0, 0})));
    auto expected = std::get<DataBlock>(ask(short_transport, XfrBlock{0, 1, 0, 0, select}));
    CHECK(whole == expected.data);
    CHECK(reader->chain_traffic().commands_in_pieces == 1);
}

TEST_CASE("An extended-level reader refuses a piece out of place and a message beyond its length") {
    // 43 bytes a message: 33 data bytes a piece.
    auto model = VirtualCcidReader::extended_apdu_reader(k_min_chained_message_length);
    model.real_time = false;
    auto reader = std::make_shared<VirtualCcidReader>(model);
    DirectTransport transport(reader);
    reader->insert(demo_card("zhang-wei"));
    REQUIRE(std::holds_alternative<DataBlock>(ask(transport, PowerOn{0, 0})));

    // A continue without a begin, and a request for a response piece with none to give:
    // bError 8, the offset of wLevelParameter (CCID 1.1 §6.2.6).
    for (const std::uint16_t level : {level_parameter::k_continues, level_parameter::k_ends,
                                      level_parameter::k_next_response}) {
        INFO("wLevelParameter " << level);
        auto refused =
            std::get<DataBlock>(ask(transport, XfrBlock{0, 1, 0, level,
                                                        level == level_parameter::k_next_response
                                                            ? base::Bytes{}
                                                            : *base::parse_hex("00B2010C00")}));
        CHECK(refused.state.command == CommandStatus::failed);
        CHECK(refused.state.error == 8);
    }
    // 55 data bytes: a 65-byte message, one more than the reader takes.
    auto too_long = std::get<DataBlock>(
        ask(transport, XfrBlock{0, 2, 0, level_parameter::k_whole, base::Bytes(55, 0x00)}));
    CHECK(too_long.state.command == CommandStatus::failed);
    CHECK(too_long.state.error == slot_error::k_bad_length);
}
