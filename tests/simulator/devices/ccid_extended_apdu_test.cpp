// Demo cards read through real libusb on the umockdev bus from a simulated reader at the
// extended APDU level whose messages hold 64 bytes (CCID 1.1 §5.1 dwMaxCCIDMessageLength), so
// that the cards' records and cryptograms come back in pieces and the longer commands go in
// pieces (§6.1.4 wLevelParameter, §6.2.1 bChainParameter), read as the kiosk reads them:
// drivers::ccid::CardSession, then drivers::emv::read_card_data. Card numbers appear in no
// output.

#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

#include "drivers/ccid/card_session.h"
#include "drivers/ccid/ccid_client.h"
#include "drivers/ccid/class_descriptor.h"
#include "drivers/emv/application_cryptogram.h"
#include "drivers/emv/card_data.h"
#include "drivers/usb/usb_transport.h"
#include "simulator/cards/card_profile.h"
#include "simulator/devices/virtual_ccid_reader.h"
#include "simulator/usb/virtual_usb_bus.h"
#include "tests/support/demo_cards.h"

using namespace std::chrono_literals;
using simulator::devices::VirtualCcidReader;

namespace {

// Small enough that a record of a demo card needs two pieces, and a full-speed USB packet.
constexpr std::uint32_t k_small_message_length = 64;

// The extended-level reader on the virtual bus and the kiosk's CCID client in front of it.
struct ExtendedReaderBench {
    explicit ExtendedReaderBench(std::uint32_t max_message_length)
        : reader(std::make_shared<VirtualCcidReader>(
              VirtualCcidReader::extended_apdu_reader(max_message_length))) {}

    bool open() {
        if (!bus.plug(reader)) {
            FAIL_CHECK("the reader could not be plugged into the virtual bus");
            return false;
        }
        auto created = drivers::usb::UsbContext::create();
        if (!created) {
            FAIL_CHECK("libusb did not start: " << drivers::usb::to_string(created.error()));
            return false;
        }
        context.emplace(std::move(*created));
        drivers::usb::DeviceMatch match;
        match.interface_class = drivers::usb::k_interface_class_smart_card;
        auto opened = drivers::usb::UsbTransport::open(*context, match);
        if (!opened) {
            FAIL_CHECK("the reader did not open: " << drivers::usb::to_string(opened.error()));
            return false;
        }
        transport = std::move(*opened);
        // What the host learns of the reader is what the descriptor on the bus says.
        auto descriptor = drivers::ccid::decode_class_descriptor(transport->class_descriptor());
        if (!descriptor) {
            FAIL_CHECK("the reader's class descriptor did not decode");
            return false;
        }
        profile.descriptor = *descriptor;
        auto options = drivers::ccid::CcidOptions::for_reader(profile.descriptor);
        options.interface_number = transport->interface().number;
        client = std::make_unique<drivers::ccid::CcidClient>(*transport, options);
        if (auto rates = client->data_rates(profile.descriptor.data_rate_count)) {
            profile.data_rates = std::move(*rates);
        }
        return true;
    }

    // Members in this order: the client closes before the transport, libusb before the bus.
    simulator::usb::VirtualUsbBus bus;
    std::shared_ptr<VirtualCcidReader> reader;
    std::optional<drivers::usb::UsbContext> context;
    std::unique_ptr<drivers::usb::UsbTransport> transport;
    std::unique_ptr<drivers::ccid::CcidClient> client;
    drivers::ccid::ReaderProfile profile;

    ~ExtendedReaderBench() {
        client.reset();
        transport.reset();
        context.reset();
    }
};

// Reads demo cards as the kiosk does through a reader of this message length and checks what
// the customer and the bank would notice, and that the chains really ran within the length.
void read_through_extended_reader(std::uint32_t max_message_length, bool commands_chain) {
    ExtendedReaderBench bench(max_message_length);
    REQUIRE(bench.open());
    REQUIRE(bench.profile.descriptor.exchange_level() ==
            drivers::ccid::ExchangeLevel::extended_apdu);
    REQUIRE(bench.client->options().max_message_length == max_message_length);
    const auto issuer_key = base::parse_hex(simulator::cards::k_demo_issuer_master_key_hex);
    REQUIRE(issuer_key.has_value());

    // T=0 and T=1 cards, one whose records chain at T=1 too, and one from Hong Kong.
    constexpr std::array<std::string_view, 5> k_cards{"zhang-wei", "li-na", "visa", "small-ifsc",
                                                      "chan-mei"};
    for (const std::string_view name : k_cards) {
        INFO("card " << name << ", messages of " << max_message_length << " bytes");
        const auto* profile = tests::demo_card_library().find(name);
        REQUIRE(profile != nullptr);
        auto card = tests::demo_card_library().make_card(name);
        REQUIRE(card.has_value());
        bench.reader->insert(*card);

        auto session = drivers::ccid::CardSession::start(*bench.client, bench.profile);
        REQUIRE(session.has_value());
        auto data = drivers::emv::read_card_data(**session);
        session->reset();
        (void)bench.client->power_off();
        REQUIRE(data.has_value());
        const bool same_number = data->pan.view() == profile->pan;
        CHECK(same_number);
        CHECK(data->expiry == profile->expiry);
        CHECK(data->issuer_country == profile->issuer_country);
        REQUIRE(data->online_authentication.has_value());
        CHECK(
            drivers::emv::verify_arqc(*issuer_key, data->pan.view(), *data->online_authentication));

        // The chains really ran, and no message either way was longer than the reader's.
        const auto chains = bench.reader->chain_traffic();
        CHECK(chains.responses_in_pieces > 0);
        CHECK(chains.response_pieces >= 2 * chains.responses_in_pieces);
        CHECK((chains.commands_in_pieces > 0) == commands_chain);
        CHECK(chains.command_pieces >= 2 * chains.commands_in_pieces);
        CHECK(chains.longest_message <= max_message_length);
        WARN(name << ", messages of " << max_message_length
                  << " bytes: " << chains.responses_in_pieces << " responses in "
                  << chains.response_pieces << " pieces, " << chains.commands_in_pieces
                  << " commands in " << chains.command_pieces << " pieces");
        bench.reader->remove();
    }
}

}  // namespace

TEST_CASE("Demo cards are read through libusb from an extended-level reader of 64-byte messages") {
    // Records and cryptograms come back in pieces; every command fits one message.
    read_through_extended_reader(k_small_message_length, false);
}

TEST_CASE("Demo cards are read through libusb from an extended-level reader of the least length") {
    // 33 data bytes a message (the longest answer to reset): GENERATE AC goes in pieces too.
    read_through_extended_reader(drivers::ccid::k_min_chained_message_length, true);
}
