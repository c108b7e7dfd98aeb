// CabinetClient through real libusb against the simulated cabinet board on the umockdev virtual
// bus: the vendor interface found by its ids and claimed, commands on bulk OUT, answers on bulk
// IN, the switch and the doors as events on the interrupt endpoint. The binary runs under the
// umockdev preload (tests/README.md, "What runs where").

#include <catch2/catch.hpp>

#include <memory>
#include <optional>

#include "drivers/cabinet/cabinet_client.h"
#include "drivers/usb/usb_transport.h"
#include "simulator/devices/usb_descriptors.h"
#include "simulator/devices/virtual_cabinet.h"
#include "simulator/usb/virtual_usb_bus.h"

using namespace drivers;
using namespace std::chrono_literals;

namespace {

usb::DeviceMatch cabinet_match() {
    usb::DeviceMatch match;
    match.vendor_id = simulator::devices::k_test_vendor_id;
    match.product_id = simulator::devices::k_cabinet_product_id;
    match.interface_class = usb::k_interface_class_vendor;
    return match;
}

// A board on the bus and the kiosk's driver for it, through libusb.
struct Bench {
    simulator::usb::VirtualUsbBus bus;
    std::shared_ptr<simulator::devices::VirtualCabinet> device =
        std::make_shared<simulator::devices::VirtualCabinet>();
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
        auto opened = usb::UsbTransport::open(*context, cabinet_match());
        REQUIRE(opened.has_value());
        transport = std::move(*opened);
    }
};

}  // namespace

TEST_CASE(
    "The cabinet board is found by its ids and subclass 2 with bulk and interrupt endpoints") {
    Bench bench;
    CHECK(bench.transport->product_id() == simulator::devices::k_cabinet_product_id);
    CHECK(bench.transport->product() == "Virtual Cabinet Sensors");
    CHECK(bench.transport->interface().subclass_code == 0x02);
    CHECK(bench.transport->has_interrupt_in());
    cabinet::CabinetClient client(*bench.transport);
    auto info = client.get_info();
    REQUIRE(info.has_value());
    CHECK(info->model == "SIM-SENSORS-1");
    CHECK(info->serial == "SIM-CAB-0001");
    CHECK(info->firmware_version == 0x0100);
    CHECK(client.get_status() == cabinet::CabinetStatus{});
}

TEST_CASE("The key turned and a door opened on the board reach the client through libusb") {
    Bench bench;
    cabinet::CabinetClient client(*bench.transport);
    REQUIRE(bench.device->set_service_switch(true));
    auto turned = client.wait_for_event(2000ms);
    REQUIRE(turned.has_value());
    CHECK(*turned == cabinet::Event{cabinet::SwitchChanged{cabinet::SwitchPosition::service}});
    REQUIRE(bench.device->set_door(cabinet::Door::cabinet, true));
    auto opened = client.wait_for_event(2000ms);
    REQUIRE(opened.has_value());
    CHECK(*opened ==
          cabinet::Event{cabinet::DoorChanged{cabinet::Door::cabinet, cabinet::DoorState::open}});
    CHECK(client.get_status() == cabinet::CabinetStatus{cabinet::SwitchPosition::service,
                                                        cabinet::DoorState::open,
                                                        cabinet::DoorState::closed});
    CHECK(client.events_lost() == 0);
}

TEST_CASE("A frame the board cannot read is NAKed through libusb and the next one is answered") {
    Bench bench;
    base::Bytes damaged = cabinet::encode_frame(cabinet::encode_command(cabinet::GetStatus{}, 4));
    damaged.back() ^= 0xFF;
    REQUIRE(bench.transport->bulk_out(damaged, 1000ms).has_value());
    auto answer = usb::read_bulk(*bench.transport, cabinet::k_max_frame_length, 1000ms);
    REQUIRE(answer.has_value());
    // cabinet.md §2.2: FF, the bad frame's sequence number, bad frame.
    CHECK(*answer ==
          cabinet::encode_frame(cabinet::encode_response(
              cabinet::Response{cabinet::code::k_nak, cabinet::Status::bad_frame, {}}, 4)));
    cabinet::CabinetClient client(*bench.transport);
    CHECK(client.get_status().has_value());
}

TEST_CASE("An unplugged cabinet board is gone for the client") {
    Bench bench;
    cabinet::CabinetClient client(*bench.transport);
    REQUIRE(client.get_status().has_value());
    REQUIRE(bench.bus.unplug(*bench.plugged).has_value());
    CHECK(client.get_status().error() == cabinet::CabinetError::device_gone);
}
