#include <catch2/catch.hpp>

#include <chrono>
#include <memory>

#include "base/bytes.h"
#include "drivers/ccid/card_session.h"
#include "drivers/ccid/ccid_client.h"
#include "drivers/emv/card_data.h"
#include "simulator/cards/card_profile.h"
#include "simulator/devices/direct_transport.h"
#include "simulator/devices/virtual_ccid_reader.h"
#include "tests/support/demo_cards.h"
#include "tests/support/replay_transport.h"

using namespace drivers;
using simulator::devices::DirectTransport;
using simulator::devices::VirtualCcidReader;
using tests::drivers::hex;

namespace {

// The kiosk's path to a card through a simulated reader of the given model: the CCID client,
// the reader's profile as the kiosk builds it (descriptor and data rates), the card session.
struct Bench {
    explicit Bench(VirtualCcidReader::Model model, std::uint8_t slot = 0)
        : reader(std::make_shared<VirtualCcidReader>(model)),
          transport(reader),
          client(transport, options(model, slot)) {
        profile.descriptor = VirtualCcidReader::class_descriptor(model);
        profile.data_rates = *client.data_rates(profile.descriptor.data_rate_count);
    }

    static ccid::CcidOptions options(const VirtualCcidReader::Model& model, std::uint8_t slot) {
        auto options =
            ccid::CcidOptions::for_reader(VirtualCcidReader::class_descriptor(model), slot);
        options.command_timeout = std::chrono::milliseconds(2000);
        // A reader that keeps asking for more time is given up on at this bound: 3 s here,
        // rather than the kiosk's 30 s, so that the test of it does not wait half a minute.
        options.max_command_duration = std::chrono::milliseconds(3000);
        return options;
    }

    std::shared_ptr<VirtualCcidReader> reader;
    DirectTransport transport;
    ccid::CcidClient client;
    ccid::ReaderProfile profile;
};

std::shared_ptr<simulator::cards::VirtualCard> card(simulator::cards::CardProtocol protocol) {
    auto profile = *tests::demo_card_library().find("zhang-wei");
    profile.protocol = protocol;
    return simulator::cards::make_card(profile);
}

// A card with a given answer to reset, answering 6D00 to everything.
class AtrCard final : public simulator::cards::VirtualCard {
  public:
    explicit AtrCard(base::Bytes atr) : m_atr(std::move(atr)) {}
    std::string name() const override { return "atr"; }
    std::optional<base::Bytes> atr() const override { return m_atr; }
    base::Bytes transmit(std::span<const std::uint8_t>) override { return hex("6D00"); }
    void reset() override {}
    std::optional<base::Bytes> answer_pps(std::span<const std::uint8_t>) override {
        return std::nullopt;  // agrees to nothing
    }

  private:
    base::Bytes m_atr;
};

void read_and_check(ccid::CardSession& session) {
    auto data = emv::read_card_data(session);
    REQUIRE(data.has_value());
    CHECK(data->pan.view() == "6228480402564890018");
    CHECK(data->expiry == "2912");
}

}  // namespace

TEST_CASE("Through an APDU-level reader a T=1 card is read at its own speed") {
    Bench bench(VirtualCcidReader::apdu_reader());
    bench.reader->insert(card(simulator::cards::CardProtocol::t1));
    auto session = ccid::CardSession::start(bench.client, bench.profile);
    REQUIRE(session.has_value());
    CHECK((*session)->choice().protocol == 1);
    CHECK((*session)->choice().fi_di == 0x96);
    CHECK(bench.reader->fi_di() == 0x96);
    read_and_check(**session);
}

TEST_CASE("Through a TPDU-level reader the host runs PPS and T=0 for a T=0 card") {
    Bench bench(VirtualCcidReader::tpdu_reader());
    bench.reader->insert(card(simulator::cards::CardProtocol::t0));
    auto session = ccid::CardSession::start(bench.client, bench.profile);
    REQUIRE(session.has_value());
    CHECK((*session)->choice().negotiation == ccid::Negotiation::pps_by_host);
    CHECK(bench.reader->protocol() == 0);
    CHECK(bench.reader->fi_di() == 0x96);
    // Case 4 commands travel as case 3 TPDUs; the data comes with GET RESPONSE after 61xx.
    read_and_check(**session);
}

TEST_CASE("Through a TPDU-level reader the host runs T=1 blocks for a T=1 card") {
    Bench bench(VirtualCcidReader::tpdu_reader());
    bench.reader->insert(card(simulator::cards::CardProtocol::t1));
    auto session = ccid::CardSession::start(bench.client, bench.profile);
    REQUIRE(session.has_value());
    CHECK((*session)->choice().protocol == 1);
    CHECK(bench.reader->protocol() == 1);
    CHECK(bench.reader->fi_di() == 0x96);
    read_and_check(**session);
}

TEST_CASE("PPS shows in the time the bytes take between reader and card") {
    auto slow_model = VirtualCcidReader::tpdu_reader();
    slow_model.max_data_rate_bps = 10752;  // the default speed only
    Bench slow(slow_model);
    Bench fast(VirtualCcidReader::tpdu_reader());
    for (Bench* bench : {&slow, &fast}) {
        bench->reader->insert(card(simulator::cards::CardProtocol::t1));
        auto session = ccid::CardSession::start(bench->client, bench->profile);
        REQUIRE(session.has_value());
        read_and_check(**session);
    }
    CHECK(slow.reader->fi_di() == iso7816::k_default_fi_di);
    CHECK(fast.reader->fi_di() == 0x96);
    // 512/32 against 372/1 is 23 times the speed, but the reset, the ATR and the PPS go at
    // the default speed (about 40 ms of the fast read's 60).
    CHECK(slow.reader->wire_time() > fast.reader->wire_time() * 5);
}

TEST_CASE("A card that does not answer the PPS is powered off and reported") {
    Bench bench(VirtualCcidReader::tpdu_reader());
    bench.reader->insert(std::make_shared<AtrCard>(hex("3B 90 96 81 31 FE 45 0D")));
    auto session = ccid::CardSession::start(bench.client, bench.profile);
    REQUIRE_FALSE(session.has_value());
    CHECK(session.error() == ccid::CcidError::card_mute);
    CHECK_FALSE(bench.reader->card_powered());
}

TEST_CASE("A card whose answer to reset is invalid is powered off and reported") {
    Bench bench(VirtualCcidReader::apdu_reader());
    // TCK wrong (0E, not 0D).
    bench.reader->insert(std::make_shared<AtrCard>(hex("3B 90 96 81 31 FE 45 0E")));
    auto session = ccid::CardSession::start(bench.client, bench.profile);
    REQUIRE_FALSE(session.has_value());
    CHECK(session.error() == ccid::CcidError::bad_atr);
    CHECK_FALSE(bench.reader->card_powered());
}

TEST_CASE("A character-level reader is refused before the card is touched") {
    Bench bench(VirtualCcidReader::apdu_reader());
    bench.reader->insert(card(simulator::cards::CardProtocol::t1));
    auto character = bench.profile;
    character.descriptor.features &= ~ccid::feature::k_exchange_level_mask;
    auto session = ccid::CardSession::start(bench.client, character);
    REQUIRE_FALSE(session.has_value());
    CHECK(session.error() == ccid::CcidError::exchange_level_not_supported);
    CHECK_FALSE(bench.reader->card_powered());
}

TEST_CASE("A card in the second slot of a two-slot reader is read there") {
    auto model = VirtualCcidReader::tpdu_reader();
    model.slots = 2;
    Bench bench(model, 1);
    bench.reader->insert(card(simulator::cards::CardProtocol::t1), 1);
    auto change = bench.client.wait_for_interrupt(std::chrono::milliseconds(500));
    REQUIRE(change.has_value());
    REQUIRE(change->has_value());
    const auto& slots = std::get<ccid::NotifySlotChange>(**change).slots;
    // One byte of two bits per slot: four slots' worth, the last two empty.
    REQUIRE(slots.size() >= 2);
    CHECK_FALSE(slots[0].present);
    CHECK(slots[1].present);
    auto session = ccid::CardSession::start(bench.client, bench.profile);
    REQUIRE(session.has_value());
    read_and_check(**session);
    CHECK(bench.reader->card_powered(1));
    CHECK_FALSE(bench.reader->card_powered(0));
}

TEST_CASE("A command whose answer does not come in time is aborted, and the next one works") {
    Bench bench(VirtualCcidReader::apdu_reader());
    bench.reader->insert(card(simulator::cards::CardProtocol::t1));
    REQUIRE(bench.client.power_on().has_value());
    bench.reader->set_stalling(true);
    auto stalled = bench.client.transmit(hex("00A4040007A0000003330101"));
    REQUIRE_FALSE(stalled.has_value());
    CHECK(bench.reader->aborts_received() == 1);
    bench.reader->set_stalling(false);
    auto status = bench.client.slot_status();
    REQUIRE(status.has_value());
    CHECK(status->icc == ccid::IccStatus::active);
}
