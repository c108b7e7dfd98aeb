// kiosk-diag usb-list run as a child of a test that plugs the simulator's devices into the
// umockdev virtual bus: the child inherits the bus with the test's environment, as the kiosk
// does under kiosk-sim (simulator/usb/virtual_usb_bus.h). The binary runs under the umockdev
// preload (tests/README.md, "What runs where").

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <memory>
#include <string>

#include "base/bytes.h"
#include "drivers/ccid/class_descriptor.h"
#include "drivers/escpos/escpos_protocol.h"
#include "drivers/usb/usb_transport.h"
#include "simulator/devices/usb_descriptors.h"
#include "simulator/devices/virtual_ccid_reader.h"
#include "simulator/devices/virtual_dispenser.h"
#include "simulator/devices/virtual_epp.h"
#include "simulator/devices/virtual_printer.h"
#include "simulator/usb/virtual_usb_bus.h"
#include "tests/kiosk/diag/diag_program.h"

using kiosk::diag::testing::decoded;
using kiosk::diag::testing::diag;

namespace {

// The virtual PIN pad's working key; usb-list never uses it.
constexpr std::array<std::uint8_t, 16> k_working_key{
    0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10};

// The one JSON object usb-list printed, which must exit 0.
nlohmann::json usb_list() {
    const auto run = diag("usb-list");
    INFO(run.output);
    REQUIRE(run.status == 0);
    REQUIRE(nlohmann::json::accept(run.output));
    return nlohmann::json::parse(run.output);
}

// The listed device of `kind`; there must be exactly one.
nlohmann::json device_of(const nlohmann::json& listing, const std::string& kind) {
    nlohmann::json found;
    int count = 0;
    for (const auto& device : listing.at("devices")) {
        if (device.at("kind") == kind) {
            found = device;
            ++count;
        }
    }
    INFO(listing.dump());
    REQUIRE(count == 1);
    return found;
}

}  // namespace

TEST_CASE(
    "kiosk-diag usb-list lists a reader, a PIN pad, a printer and a dispenser with what "
    "each says") {
    simulator::usb::VirtualUsbBus bus;
    auto reader = std::make_shared<simulator::devices::VirtualCcidReader>();
    auto pad = std::make_shared<simulator::devices::VirtualEpp>(k_working_key);
    auto printer = std::make_shared<simulator::devices::VirtualPrinter>();
    auto dispenser = std::make_shared<simulator::devices::VirtualDispenser>();
    REQUIRE(bus.plug(reader));
    REQUIRE(bus.plug(pad));
    REQUIRE(bus.plug(printer));
    REQUIRE(bus.plug(dispenser));
    pad->plug_headphones(true);
    printer->set_paper(drivers::escpos::PaperState::low);

    const auto listing = usb_list();
    CHECK(listing.at("valid") == true);
    CHECK(listing.at("devices").size() == 4);
    CHECK(listing.at("other_devices") == 0);

    const auto listed_reader = device_of(listing, "card_reader");
    CHECK(listed_reader.at("vendor_id") == "1209");
    CHECK(listed_reader.at("product_id") == "0001");
    const auto descriptor = simulator::devices::VirtualCcidReader::class_descriptor();
    CHECK(listed_reader.at("slots") == descriptor.max_slot_index + 1);
    CHECK(listed_reader.at("exchange_level") ==
          drivers::ccid::to_string(descriptor.exchange_level()));
    // The same description as ccid-descriptor gives of the bytes the reader announces.
    CHECK(listed_reader.at("class_descriptor") ==
          decoded("ccid-descriptor",
                  base::to_hex(drivers::ccid::encode_class_descriptor(descriptor))));

    const auto listed_pad = device_of(listing, "pin_pad");
    CHECK(listed_pad.at("serial") == "SIM-EPP-0001");
    CHECK(listed_pad.at("model") == "KIOSK-EPP-SIM");
    CHECK(listed_pad.at("headphones_plugged") == true);
    CHECK(listed_pad.at("tampered") == false);

    const auto listed_printer = device_of(listing, "printer");
    CHECK(listed_printer.at("paper") == "low");
    CHECK(listed_printer.at("online") == true);
    CHECK(listed_printer.at("product") == "Virtual Receipt Printer");

    const auto listed_dispenser = device_of(listing, "cash_dispenser");
    CHECK(listed_dispenser.at("serial") == "SIM-CDM-0001");
    CHECK(listed_dispenser.at("cassettes") == 2);
    CHECK(listed_dispenser.at("state") == "idle");
}

TEST_CASE("kiosk-diag usb-list tells a tampered pad and an open printer cover") {
    simulator::usb::VirtualUsbBus bus;
    auto pad = std::make_shared<simulator::devices::VirtualEpp>(k_working_key);
    auto printer = std::make_shared<simulator::devices::VirtualPrinter>();
    REQUIRE(bus.plug(pad));
    REQUIRE(bus.plug(printer));
    pad->tamper();
    printer->set_cover_open(true);
    const auto listing = usb_list();
    CHECK(listing.at("devices").size() == 2);
    CHECK(device_of(listing, "pin_pad").at("tampered") == true);
    const auto listed_printer = device_of(listing, "printer");
    CHECK(listed_printer.at("cover_open") == true);
    CHECK(listed_printer.at("online") == false);
}

TEST_CASE("kiosk-diag usb-list keeps a device another program holds, saying it is busy") {
    simulator::usb::VirtualUsbBus bus;
    auto pad = std::make_shared<simulator::devices::VirtualEpp>(k_working_key);
    auto dispenser = std::make_shared<simulator::devices::VirtualDispenser>();
    REQUIRE(bus.plug(pad));
    REQUIRE(bus.plug(dispenser));
    // This process claims the pad's interface, as a running kiosk would.
    auto context = drivers::usb::UsbContext::create();
    REQUIRE(context.has_value());
    drivers::usb::DeviceMatch match;
    match.vendor_id = simulator::devices::k_test_vendor_id;
    match.product_id = simulator::devices::k_pin_pad_product_id;
    match.interface_class = drivers::usb::k_interface_class_vendor;
    auto held = drivers::usb::UsbTransport::open(*context, match);
    REQUIRE(held.has_value());
    const auto listing = usb_list();
    CHECK(listing.at("devices").size() == 2);
    const auto listed_pad = device_of(listing, "pin_pad");
    CHECK(listed_pad.at("error").get<std::string>().find("busy") != std::string::npos);
    CHECK_FALSE(listed_pad.contains("serial"));
    // The dispenser, which nobody holds, still answers.
    CHECK(device_of(listing, "cash_dispenser").at("state") == "idle");
}

TEST_CASE("kiosk-diag usb-list of a bus without kiosk devices lists none") {
    simulator::usb::VirtualUsbBus bus;
    const auto listing = usb_list();
    CHECK(listing.at("valid") == true);
    CHECK(listing.at("devices") == nlohmann::json::array());
}
