// Every card of the demo library (simulator/cards/demo-cards.toml) through the kiosk's whole
// driver stack: real libusb, the umockdev virtual bus, the simulated reader at short APDU level
// and at TPDU level, drivers::ccid::CardSession and drivers::emv::read_card_data, driven as the
// kiosk drives them (kiosk/devices/card_reader_service.cpp: the reader's quirks applied, its
// data rates asked, the card started, its data read). What each card must give comes from a
// table keyed by its name; a card the table does not name fails the test, so a card added to
// the library must be given its expectation here. Card numbers appear in no output: a failure
// names the card and at most the last four digits.

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "drivers/ccid/card_session.h"
#include "drivers/ccid/ccid_client.h"
#include "drivers/ccid/class_descriptor.h"
#include "drivers/ccid/reader_quirks.h"
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

// What the kiosk makes of a card, as its customer would notice it.
enum class Outcome {
    read,                 // number, expiry and language: the customer is asked for the PIN
    not_responding,       // the chip never answers: "the card cannot be read"
    malformed,            // the chip answers with broken data
    card_blocked,         // the issuer blocked the card
    application_blocked,  // its payment application is blocked
    no_application,       // a card the kiosk does not accept (transit, loyalty)
    pan_mismatch,         // the card's two copies of its number disagree
    other_failure,        // anything else: never expected of a demo card
};

std::string_view outcome_name(Outcome outcome) {
    switch (outcome) {
        case Outcome::read:
            return "read";
        case Outcome::not_responding:
            return "not responding";
        case Outcome::malformed:
            return "malformed";
        case Outcome::card_blocked:
            return "card blocked";
        case Outcome::application_blocked:
            return "application blocked";
        case Outcome::no_application:
            return "no application";
        case Outcome::pan_mismatch:
            return "PAN mismatch";
        case Outcome::other_failure:
            return "other failure";
    }
    return "unknown";
}

// What the bank will make of the card's ARQC (EMV 4.3 Book 2 §8.1).
enum class Cryptogram {
    verifies,  // a genuine card: its ARQC verifies under the demo issuer key
    refused,   // a clone with a key no issuer gave it
    absent,    // a clone without CDOL1: no ARQC at all
};

struct Expectation {
    Outcome outcome = Outcome::read;
    Cryptogram cryptogram = Cryptogram::verifies;
    // The chip asks for more time (S(WTX request), ISO/IEC 7816-3:2006 §11.6.2.3).
    bool asks_for_time = false;
    // Commands and responses are chained (§11.6.2.2, §11.4.2).
    bool chains = false;
};

// Keyed by the library's card names. A card missing here fails the test.
const std::map<std::string, Expectation, std::less<>> k_expected{
    {"zhang-wei", {}},
    {"li-na", {}},
    {"alice", {}},
    {"stranger", {}},
    {"mute", {.outcome = Outcome::not_responding}},
    {"corrupt", {.outcome = Outcome::malformed}},
    {"no-app", {.outcome = Outcome::no_application}},
    {"transit", {.outcome = Outcome::no_application}},
    {"zhou-min", {}},
    {"visa", {}},
    {"clone", {.cryptogram = Cryptogram::refused}},
    {"clone-pan-only", {.cryptogram = Cryptogram::absent}},
    {"expired", {}},  // read: the kiosk, not the card reading, refuses a card past its date
    {"blocked", {.outcome = Outcome::card_blocked}},
    {"app-blocked", {.outcome = Outcome::application_blocked}},
    {"track2-mismatch", {.outcome = Outcome::pan_mismatch}},
    {"slow-chip", {.asks_for_time = true}},
    {"small-ifsc", {.chains = true}},
    {"chan-mei", {}},
};

Outcome outcome_of(drivers::emv::EmvError error) {
    using drivers::emv::EmvError;
    switch (error) {
        case EmvError::card_not_responding:
            return Outcome::not_responding;
        case EmvError::malformed_data:
            return Outcome::malformed;
        case EmvError::card_blocked:
            return Outcome::card_blocked;
        case EmvError::application_blocked:
            return Outcome::application_blocked;
        case EmvError::no_application:
            return Outcome::no_application;
        case EmvError::pan_mismatch:
            return Outcome::pan_mismatch;
        default:
            return Outcome::other_failure;
    }
}

Outcome outcome_of(drivers::ccid::CcidError error) {
    // The reader's word for a chip that never answered its reset (CCID 1.1 §6.2.6, ICC_MUTE),
    // or no answer at all.
    return error == drivers::ccid::CcidError::card_mute ||
                   error == drivers::ccid::CcidError::timeout
               ? Outcome::not_responding
               : Outcome::other_failure;
}

// The last four digits, as a receipt shows them.
std::string masked(std::string_view pan) {
    return pan.size() < 4 ? std::string("****") : "**** " + std::string(pan.substr(pan.size() - 4));
}

// The reader on the virtual bus and the kiosk's driver stack in front of it, over libusb.
struct Rig {
    explicit Rig(VirtualCcidReader::Model model)
        : reader(std::make_shared<VirtualCcidReader>(model)) {}

    // Opens the reader as the kiosk does; false (with the reason given to Catch) if it cannot.
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
        auto descriptor = drivers::ccid::decode_class_descriptor(transport->class_descriptor());
        if (!descriptor) {
            FAIL_CHECK("the reader's class descriptor did not decode");
            return false;
        }
        profile.descriptor = *descriptor;
        if (const auto* quirks = drivers::ccid::find_reader_quirks(transport->vendor_id(),
                                                                   transport->product_id())) {
            profile.descriptor = drivers::ccid::apply_quirks(*descriptor, *quirks);
        }
        auto options = drivers::ccid::CcidOptions::for_reader(profile.descriptor);
        options.interface_number = transport->interface().number;
        client = std::make_unique<drivers::ccid::CcidClient>(*transport, options);
        if (profile.descriptor.data_rate_count > 0) {
            if (auto rates = client->data_rates(profile.descriptor.data_rate_count)) {
                profile.data_rates = std::move(*rates);
            }
        }
        return true;
    }

    // The card goes in; the kiosk hears of it on the interrupt endpoint (CCID 1.1 §6.3.1).
    bool insert(std::shared_ptr<simulator::cards::VirtualCard> card) {
        reader->insert(std::move(card));
        const auto deadline = std::chrono::steady_clock::now() + 2s;
        while (std::chrono::steady_clock::now() < deadline) {
            auto message = client->wait_for_interrupt(200ms);
            if (!message) {
                return false;
            }
            if (!*message) {
                continue;
            }
            const auto* change = std::get_if<drivers::ccid::NotifySlotChange>(&**message);
            if (change != nullptr && !change->slots.empty() && change->slots[0].present &&
                reader->card_present()) {
                return true;
            }
        }
        return false;
    }

    // Members in this order: the client closes before the transport, libusb before the bus.
    simulator::usb::VirtualUsbBus bus;
    std::shared_ptr<VirtualCcidReader> reader;
    std::optional<drivers::usb::UsbContext> context;
    std::unique_ptr<drivers::usb::UsbTransport> transport;
    std::unique_ptr<drivers::ccid::CcidClient> client;
    drivers::ccid::ReaderProfile profile;

    ~Rig() {
        client.reset();
        transport.reset();
        context.reset();
    }
};

struct Reading {
    Outcome outcome = Outcome::other_failure;
    std::string why;  // the error's name, for a failure message
    std::optional<drivers::emv::CardData> data;
};

// The kiosk's read of the card in the slot: CardSession, then the EMV read, then power off.
Reading read_card(Rig& rig) {
    Reading reading;
    auto session = drivers::ccid::CardSession::start(*rig.client, rig.profile);
    if (!session) {
        reading.outcome = outcome_of(session.error());
        reading.why = std::string(drivers::ccid::to_string(session.error()));
        return reading;
    }
    auto data = drivers::emv::read_card_data(**session);
    session->reset();
    (void)rig.client->power_off();
    if (!data) {
        reading.outcome = outcome_of(data.error());
        reading.why = std::string(drivers::emv::to_string(data.error()));
        return reading;
    }
    reading.outcome = Outcome::read;
    reading.data = std::move(*data);
    return reading;
}

void check_every_card(VirtualCcidReader::Model model) {
    Rig rig(model);
    REQUIRE(rig.open());
    const auto issuer_key = base::parse_hex(simulator::cards::k_demo_issuer_master_key_hex);
    REQUIRE(issuer_key.has_value());
    // A card that answers at once, for the wire time a slow chip is measured against.
    std::optional<std::chrono::microseconds> quick_card_time;

    for (const auto& profile : tests::demo_card_library().cards()) {
        INFO("card " << profile.name);
        const auto expected = k_expected.find(profile.name);
        if (expected == k_expected.end()) {
            FAIL_CHECK("the table of expectations does not name this library card");
            continue;
        }
        const Expectation& expectation = expected->second;
        auto card = tests::demo_card_library().make_card(profile.name);
        REQUIRE(card.has_value());
        REQUIRE(rig.insert(*card));

        const Reading reading = read_card(rig);
        INFO("outcome " << outcome_name(reading.outcome) << " (" << reading.why << ")");
        CHECK(reading.outcome == expectation.outcome);
        const auto traffic = rig.reader->t1_traffic();
        const auto wire = rig.reader->wire_time();

        if (reading.data) {
            const drivers::emv::CardData& data = *reading.data;
            INFO("number " << masked(data.pan.view()));
            const bool same_number = data.pan.view() == profile.pan;
            CHECK(same_number);
            CHECK(data.expiry == profile.expiry);
            CHECK(data.language_preference == profile.language);
            CHECK(data.issuer_country == profile.issuer_country);
            switch (expectation.cryptogram) {
                case Cryptogram::verifies:
                case Cryptogram::refused:
                    REQUIRE(data.online_authentication.has_value());
                    CHECK(drivers::emv::verify_arqc(*issuer_key, data.pan.view(),
                                                    *data.online_authentication) ==
                          (expectation.cryptogram == Cryptogram::verifies));
                    break;
                case Cryptogram::absent:
                    CHECK_FALSE(data.online_authentication.has_value());
                    break;
            }
        }

        INFO("S(WTX request)s " << traffic.waiting_time_requests << ", chained blocks from the "
                                << "card " << traffic.chained_blocks_from_card << ", to it "
                                << traffic.chained_blocks_to_card);
        CHECK((traffic.waiting_time_requests > 0) == expectation.asks_for_time);
        CHECK((traffic.chained_blocks_from_card > 0) == expectation.chains);
        CHECK((traffic.chained_blocks_to_card > 0) == expectation.chains);
        if (expectation.asks_for_time) {
            // The chip's working time is on the wire: at least its three application records
            // and its GENERATE AC, beyond what a card that answers at once takes.
            const auto work = 3 * profile.read_record_time + profile.generate_ac_time;
            CHECK(wire >= work);
            if (quick_card_time) {
                CHECK(wire - *quick_card_time >= work);
                WARN(profile.name << ": " << traffic.waiting_time_requests << " S(WTX request)s, "
                                  << wire.count() / 1000 << " ms between reader and card against "
                                  << quick_card_time->count() / 1000 << " ms for zhang-wei");
            }
        }
        if (expectation.chains) {
            WARN(profile.name << ": " << traffic.chained_blocks_from_card
                              << " chained blocks from the card, " << traffic.chained_blocks_to_card
                              << " to it");
        }
        if (profile.name == "zhang-wei") {
            quick_card_time = wire;
        }
        rig.reader->remove();
    }
}

}  // namespace

TEST_CASE("The table of expectations names every card of the demo library and no other") {
    for (const auto& profile : tests::demo_card_library().cards()) {
        INFO("library card " << profile.name);
        CHECK(k_expected.contains(profile.name));
    }
    for (const auto& [name, expectation] : k_expected) {
        INFO("table entry " << name);
        CHECK(tests::demo_card_library().find(name) != nullptr);
    }
}

TEST_CASE("Every demo card in an APDU-level reader gives through libusb what its customer sees") {
    check_every_card(VirtualCcidReader::apdu_reader());
}

TEST_CASE("Every demo card in a TPDU-level reader gives through libusb what its customer sees") {
    check_every_card(VirtualCcidReader::tpdu_reader());
}
