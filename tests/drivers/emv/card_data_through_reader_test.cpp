#include <catch2/catch.hpp>

#include "drivers/ccid/ccid_apdu_channel.h"
#include "drivers/ccid/ccid_client.h"
#include "drivers/emv/application_cryptogram.h"
#include "drivers/emv/card_data.h"
#include "drivers/iso7816/atr.h"
#include "simulator/cards/card_profile.h"
#include "simulator/devices/direct_transport.h"
#include "simulator/devices/virtual_ccid_reader.h"
#include "tests/support/demo_cards.h"

using namespace drivers;

namespace {

// The kiosk's path to a card: CCID client over a transport, the slot as an APDU channel,
// read_card on top; here the transport leads straight to the simulated reader.
struct ReaderBench {
    std::shared_ptr<simulator::devices::VirtualCcidReader> reader =
        std::make_shared<simulator::devices::VirtualCcidReader>();
    simulator::devices::DirectTransport transport{reader};
    ccid::CcidClient client{transport, options()};
    ccid::CcidApduChannel channel{client, ccid::ExchangeLevel::short_apdu};

    static ccid::CcidOptions options() {
        ccid::CcidOptions options = ccid::CcidOptions::for_reader(
            simulator::devices::VirtualCcidReader::class_descriptor());
        options.command_timeout = std::chrono::milliseconds(500);
        return options;
    }
};

}  // namespace

TEST_CASE("A card inserted into the simulated reader is read through CCID") {
    ReaderBench bench;
    bench.reader->insert(*tests::demo_card_library().make_card("zhang-wei"));
    auto slot_change = bench.client.wait_for_interrupt(std::chrono::milliseconds(500));
    REQUIRE(slot_change.has_value());
    REQUIRE(slot_change->has_value());
    CHECK(std::get<ccid::NotifySlotChange>(**slot_change).slots.at(0).present);

    auto atr = bench.client.power_on();
    REQUIRE(atr.has_value());
    CHECK(iso7816::parse_atr(*atr).has_value());
    auto card = emv::read_card_data(bench.channel);
    REQUIRE(card.has_value());
    CHECK(card->pan.view() == "6228480402564890018");
    CHECK(card->expiry == "2912");
    CHECK(card->holder_name.view() == "ZHANG/WEI");
    CHECK(card->language_preference == "zh");
    CHECK(bench.client.power_off().has_value());
}

TEST_CASE("A T=0 style card is read through the reader and GET RESPONSE") {
    ReaderBench bench;
    auto profile = *tests::demo_card_library().find("li-na");
    profile.protocol = simulator::cards::CardProtocol::t0;
    bench.reader->insert(simulator::cards::make_card(profile));
    REQUIRE(bench.client.power_on().has_value());
    auto card = emv::read_card_data(bench.channel);
    REQUIRE(card.has_value());
    CHECK(card->pan.view() == profile.pan);
}

TEST_CASE("A mute card in the simulated reader fails at power on") {
    ReaderBench bench;
    bench.reader->insert(*tests::demo_card_library().make_card("mute"));
    CHECK(bench.client.power_on().error() == ccid::CcidError::card_mute);
}

TEST_CASE("The broken demo cards give their errors through the reader") {
    ReaderBench bench;
    bench.reader->insert(*tests::demo_card_library().make_card("corrupt"));
    REQUIRE(bench.client.power_on().has_value());
    CHECK(emv::read_card_data(bench.channel).error() == emv::EmvError::malformed_data);
    bench.reader->insert(*tests::demo_card_library().make_card("no-app"));
    REQUIRE(bench.client.power_on().has_value());
    CHECK(emv::read_card_data(bench.channel).error() == emv::EmvError::no_application);
    bench.reader->insert(*tests::demo_card_library().make_card("transit"));
    REQUIRE(bench.client.power_on().has_value());
    CHECK(emv::read_card_data(bench.channel).error() == emv::EmvError::no_application);
}

TEST_CASE("Pulling the card out of the simulated reader ends the read as removed") {
    ReaderBench bench;
    bench.reader->insert(*tests::demo_card_library().make_card("alice"));
    REQUIRE(bench.client.power_on().has_value());
    bench.reader->remove();
    CHECK(emv::read_card_data(bench.channel).error() == emv::EmvError::card_removed);
}

TEST_CASE("An unplugged reader ends the read as a reader failure") {
    ReaderBench bench;
    bench.reader->insert(*tests::demo_card_library().make_card("alice"));
    REQUIRE(bench.client.power_on().has_value());
    bench.transport.unplug();
    CHECK(emv::read_card_data(bench.channel).error() == emv::EmvError::reader_failed);
    CHECK(bench.client.slot_status().error() == ccid::CcidError::reader_gone);
}

TEST_CASE("Through the reader, a genuine card's ARQC verifies and a clone's does not") {
    const auto issuer_key = base::parse_hex(simulator::cards::k_demo_issuer_master_key_hex).value();
    for (const auto protocol :
         {simulator::cards::CardProtocol::t1, simulator::cards::CardProtocol::t0}) {
        for (const char* name : {"zhang-wei", "visa", "clone"}) {
            INFO(name << (protocol == simulator::cards::CardProtocol::t0 ? " T=0" : " T=1"));
            ReaderBench bench;
            auto profile = *tests::demo_card_library().find(name);
            profile.protocol = protocol;
            bench.reader->insert(simulator::cards::make_card(profile));
            REQUIRE(bench.client.power_on().has_value());
            auto card = emv::read_card_data(bench.channel);
            REQUIRE(card.has_value());
            REQUIRE(card->online_authentication.has_value());
            CHECK(emv::verify_arqc(issuer_key, card->pan.view(), *card->online_authentication) ==
                  (std::string_view(name) != "clone"));
        }
    }
}

TEST_CASE("Through the reader, the blocked and mismatched demo cards give their errors") {
    ReaderBench bench;
    bench.reader->insert(*tests::demo_card_library().make_card("blocked"));
    REQUIRE(bench.client.power_on().has_value());
    CHECK(emv::read_card_data(bench.channel).error() == emv::EmvError::card_blocked);
    bench.reader->insert(*tests::demo_card_library().make_card("app-blocked"));
    REQUIRE(bench.client.power_on().has_value());
    CHECK(emv::read_card_data(bench.channel).error() == emv::EmvError::application_blocked);
    bench.reader->insert(*tests::demo_card_library().make_card("track2-mismatch"));
    REQUIRE(bench.client.power_on().has_value());
    CHECK(emv::read_card_data(bench.channel).error() == emv::EmvError::pan_mismatch);
}
