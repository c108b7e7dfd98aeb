#include <catch2/catch.hpp>

#include <thread>

#include "base/bytes.h"
#include "simulator/cards/emv_card.h"
#include "simulator/devices/direct_transport.h"
#include "simulator/devices/virtual_ccid_reader.h"

using drivers::usb::UsbError;
using simulator::devices::DirectTransport;
using simulator::devices::VirtualCcidReader;

TEST_CASE("A direct transport wakes a waiting reader when the device gets data") {
    auto reader = std::make_shared<VirtualCcidReader>();
    DirectTransport transport(reader);
    std::thread inserter([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        reader->remove();  // nothing in the slot yet: no notification
        reader->insert(std::make_shared<simulator::cards::MuteCard>("mute"));
    });
    auto message = drivers::usb::read_interrupt(transport, 64, std::chrono::seconds(2));
    inserter.join();
    REQUIRE(message.has_value());
    CHECK((*message)[0] == 0x50);
}

TEST_CASE("A direct transport reports overflow, silence and unplugging") {
    auto reader = std::make_shared<VirtualCcidReader>();
    DirectTransport transport(reader);
    const base::Bytes slot_status{0x65, 0, 0, 0, 0, 0, 1, 0, 0, 0};
    REQUIRE(transport.bulk_out(slot_status, std::chrono::milliseconds(10)).has_value());
    CHECK(drivers::usb::read_bulk(transport, 4, std::chrono::milliseconds(10)).error() ==
          UsbError::overflow);
    CHECK(drivers::usb::read_bulk(transport, 64, std::chrono::milliseconds(10)).error() ==
          UsbError::timeout);
    transport.unplug();
    CHECK(transport.bulk_out(slot_status, std::chrono::milliseconds(10)).error() ==
          UsbError::no_device);
    CHECK(drivers::usb::read_interrupt(transport, 64, std::chrono::milliseconds(10)).error() ==
          UsbError::no_device);
}

TEST_CASE("Control requests the reader does not know stall") {
    auto reader = std::make_shared<VirtualCcidReader>();
    DirectTransport transport(reader);
    auto result =
        transport.control_transfer({0xA1, 0x02, 0, 0}, {}, 4, std::chrono::milliseconds(10));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error() == UsbError::pipe);
}
