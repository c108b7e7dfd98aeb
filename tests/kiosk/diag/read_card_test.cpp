// kiosk-diag read-card run as a child of a test that puts the simulator's reader with a demo
// card on the umockdev virtual bus (usb_list_test.cpp says how the child sees the bus).

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "base/bytes.h"
#include "simulator/cards/card_profile.h"
#include "simulator/cards/emv_card.h"
#include "simulator/devices/virtual_ccid_reader.h"
#include "simulator/usb/virtual_usb_bus.h"
#include "tests/kiosk/diag/diag_program.h"
#include "tests/support/demo_cards.h"

using kiosk::diag::testing::diag;

namespace {

// A reader on the virtual bus.
struct ReaderOnBus {
    explicit ReaderOnBus(simulator::devices::VirtualCcidReader::Model model =
                             simulator::devices::VirtualCcidReader::apdu_reader())
        : reader(std::make_shared<simulator::devices::VirtualCcidReader>(model)) {
        REQUIRE(bus.plug(reader));
    }

    simulator::usb::VirtualUsbBus bus;
    std::shared_ptr<simulator::devices::VirtualCcidReader> reader;
};

// What read-card printed, with the exit status it must have.
nlohmann::json read_card(int expected_status) {
    const auto run = diag("read-card");
    INFO(run.output);
    REQUIRE(run.status == expected_status);
    REQUIRE(nlohmann::json::accept(run.output));
    return nlohmann::json::parse(run.output);
}

}  // namespace

TEST_CASE(
    "kiosk-diag read-card prints a demo card's masked number, expiry, language and "
    "application, and never its number") {
    for (const char* name : {"zhang-wei", "li-na"}) {
        INFO(name);
        ReaderOnBus bench;
        const auto profile = *tests::demo_card_library().find(name);
        bench.reader->insert(simulator::cards::make_card(profile));
        const auto run = diag("read-card");
        INFO(run.output);
        REQUIRE(run.status == 0);
        const auto output = nlohmann::json::parse(run.output);
        CHECK(output.at("valid") == true);
        CHECK(output.at("pan") == "**** **** **** " + profile.pan.substr(profile.pan.size() - 4));
        CHECK(output.at("expiry") ==
              profile.expiry.substr(2, 2) + "/" + profile.expiry.substr(0, 2));
        CHECK(output.at("language") == profile.language);
        CHECK(output.at("application").at("aid") ==
              base::to_hex(simulator::cards::k_unionpay_debit_aid));
        CHECK(output.at("application").at("label") == "UnionPay Debit");
        // Neither the number nor its first six digits, nor the holder's name, are printed.
        CHECK(run.output.find(profile.pan) == std::string::npos);
        CHECK(run.output.find(profile.pan.substr(0, 6)) == std::string::npos);
        CHECK(run.output.find(profile.holder) == std::string::npos);
    }
}

TEST_CASE("kiosk-diag read-card drives a TPDU-level reader as the kiosk does: PPS, then T=1") {
    ReaderOnBus bench(simulator::devices::VirtualCcidReader::tpdu_reader());
    bench.reader->insert(*tests::demo_card_library().make_card("zhang-wei"));
    const auto output = read_card(0);
    CHECK(output.at("valid") == true);
    CHECK(output.at("protocol") == "T=1");
    CHECK(output.at("fi_di") == "96");
    CHECK(output.at("pan") == "**** **** **** 0018");
}

TEST_CASE("kiosk-diag read-card says why a card could not be read, exit 0") {
    ReaderOnBus bench;
    SECTION("no card") {
        const auto output = read_card(0);
        CHECK(output.at("valid") == false);
        CHECK(output.at("error").get<std::string>().find("could not be started") !=
              std::string::npos);
    }
    SECTION("a mute card") {
        bench.reader->insert(*tests::demo_card_library().make_card("mute"));
        const auto output = read_card(0);
        CHECK(output.at("valid") == false);
        CHECK(output.at("error").get<std::string>().find("could not be started") !=
              std::string::npos);
    }
    SECTION("a transit card holds no bank application") {
        bench.reader->insert(*tests::demo_card_library().make_card("transit"));
        const auto output = read_card(0);
        CHECK(output.at("valid") == false);
        CHECK(output.at("error").get<std::string>().find("could not be read") != std::string::npos);
        CHECK(output.contains("atr"));
    }
}

TEST_CASE("kiosk-diag read-card without a reader exits 2") {
    simulator::usb::VirtualUsbBus bus;
    const auto output = read_card(2);
    CHECK(output.at("valid") == false);
    CHECK(output.at("error").get<std::string>().find("no card reader") != std::string::npos);
}
