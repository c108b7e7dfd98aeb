// DispenserClient through real libusb against the simulated dispenser on the umockdev virtual
// bus: the vendor interface found by its ids and claimed, commands on bulk OUT, answers on bulk
// IN, events on the interrupt endpoint. The binary runs under the umockdev preload
// (tests/README.md, "What runs where").

#include <catch2/catch.hpp>

#include <array>
#include <memory>

#include "drivers/dispenser/dispenser_client.h"
#include "drivers/usb/usb_transport.h"
#include "simulator/devices/usb_descriptors.h"
#include "simulator/devices/virtual_dispenser.h"
#include "simulator/usb/virtual_usb_bus.h"

using namespace drivers;
using namespace std::chrono_literals;

namespace {

const dispenser::TransactionReference k_reference =
    *dispenser::TransactionReference::from_text("9b2f6c1e-0a7d-4e58-b3c4-d5e6f7a8b9c0");
// 5 notes of 100 yuan and 1 of 50: 550 yuan.
constexpr std::array<std::uint16_t, 2> k_mix{5, 1};
constexpr std::uint64_t k_mix_amount = 5 * 10000 + 1 * 5000;

usb::DeviceMatch dispenser_match() {
    usb::DeviceMatch match;
    match.vendor_id = simulator::devices::k_test_vendor_id;
    match.product_id = simulator::devices::k_dispenser_product_id;
    match.interface_class = usb::k_interface_class_vendor;
    return match;
}

// A dispenser on the bus and the kiosk's driver for it, through libusb.
struct Bench {
    simulator::usb::VirtualUsbBus bus;
    std::shared_ptr<simulator::devices::VirtualDispenser> device =
        std::make_shared<simulator::devices::VirtualDispenser>();
    std::optional<simulator::usb::DeviceHandle> plugged;
    std::optional<usb::UsbContext> context;
    std::unique_ptr<usb::UsbTransport> transport;

    Bench() {
        auto handle = bus.plug(device);
        REQUIRE(handle.has_value());
        plugged = *handle;
        auto created = usb::UsbContext::create();
        REQUIRE(created.has_value());
        context.emplace(std::move(*created));
        auto opened = usb::UsbTransport::open(*context, dispenser_match());
        REQUIRE(opened.has_value());
        transport = std::move(*opened);
    }
};

dispenser::DispenserOptions quick() {
    // A lost answer is noticed after a fraction of a second instead of dispenser.md's 30 s.
    dispenser::DispenserOptions options;
    options.command_timeout = 2000ms;
    options.dispense_timeout = 300ms;
    return options;
}

}  // namespace

TEST_CASE("The dispenser is found by its ids with bulk and interrupt endpoints") {
    Bench bench;
    CHECK(bench.transport->product_id() == simulator::devices::k_dispenser_product_id);
    CHECK(bench.transport->product() == "Virtual Cash Dispenser");
    CHECK(bench.transport->interface().subclass_code == 0x01);
    CHECK(bench.transport->has_interrupt_in());
    dispenser::DispenserClient client(*bench.transport);
    auto info = client.get_info();
    REQUIRE(info.has_value());
    CHECK(info->serial == "SIM-CDM-0001");
    CHECK(info->cassette_count == 2);
}

TEST_CASE("Cash dispensed, presented and taken through libusb reaches the ledger once") {
    Bench bench;
    dispenser::DispenserClient client(*bench.transport, quick());
    auto outcome = client.dispense(k_reference, k_mix);
    REQUIRE(outcome.has_value());
    CHECK(outcome->result == dispenser::PickResult::picked_in_full);
    CHECK(client.present(k_reference) == 6);
    auto presented = client.wait_for_event(2000ms);
    REQUIRE(presented.has_value());
    CHECK(*presented == dispenser::Event{dispenser::CashPresented{k_reference, 6}});

    REQUIRE(bench.device->take_cash());
    auto taken = client.wait_for_event(2000ms);
    REQUIRE(taken.has_value());
    CHECK(*taken == dispenser::Event{dispenser::CashTaken{k_reference}});
    auto status = client.get_status();
    REQUIRE(status.has_value());
    CHECK(status->state == dispenser::State::idle);
    CHECK(status->last_outcome.location == dispenser::NotesLocation::taken);
    CHECK(bench.device->ledger().notes_taken() == 6);
    CHECK(bench.device->ledger().amount_taken() == k_mix_amount);
}

TEST_CASE("A DISPENSE whose answer is lost on the bus is sent again and picks nothing more") {
    Bench bench;
    dispenser::DispenserClient client(*bench.transport, quick());
    bench.device->lose_next_response();
    auto outcome = client.dispense(k_reference, k_mix);
    REQUIRE(outcome.has_value());
    CHECK(outcome->reference == k_reference);
    CHECK(outcome->notes_picked == std::vector<std::uint16_t>{5, 1});
    const auto ledger = bench.device->ledger();
    CHECK(ledger.cassettes[0].in_cassette == 1995);
    CHECK(ledger.cassettes[1].in_cassette == 999);
    CHECK(ledger.cassettes[0].in_transport == 5);
    // The customer gets what the bank debited, once.
    REQUIRE(client.present(k_reference).has_value());
    REQUIRE(bench.device->take_cash());
    CHECK(bench.device->ledger().amount_taken() == k_mix_amount);
}

TEST_CASE("An unplugged dispenser is gone for the client") {
    Bench bench;
    dispenser::DispenserClient client(*bench.transport, quick());
    REQUIRE(client.get_status().has_value());
    REQUIRE(bench.bus.unplug(*bench.plugged).has_value());
    CHECK(client.get_status().error() == dispenser::DispenserError::device_gone);
}
