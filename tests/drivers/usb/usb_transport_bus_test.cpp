// The libusb transport against the simulated reader and PIN pad on the virtual USB bus: the
// kiosk's whole driver stack, with only the hardware simulated.

#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <thread>

#include "drivers/ccid/ccid_apdu_channel.h"
#include "drivers/ccid/ccid_client.h"
#include "drivers/ccid/class_descriptor.h"
#include "drivers/emv/card_data.h"
#include "drivers/epp/epp_client.h"
#include "drivers/iso9564/pin_block.h"
#include "drivers/usb/usb_transport.h"
#include "simulator/cards/card_profile.h"
#include "simulator/devices/usb_descriptors.h"
#include "simulator/devices/virtual_ccid_reader.h"
#include "simulator/devices/virtual_epp.h"
#include "simulator/usb/virtual_usb_bus.h"

using namespace drivers;
using namespace std::chrono_literals;

namespace {

constexpr std::array<std::uint8_t, 16> k_working_key{
    0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10};

std::shared_ptr<simulator::cards::VirtualCard> demo_card(std::string_view name) {
    static const auto k_library = *simulator::cards::CardLibrary::load(
        simulator::cards::default_library_path(KIOSK_SOURCE_DIR));
    return *k_library.make_card(name);
}

usb::DeviceMatch reader_match() {
    usb::DeviceMatch match;
    match.interface_class = usb::k_interface_class_smart_card;
    return match;
}

usb::DeviceMatch pad_match() {
    usb::DeviceMatch match;
    match.vendor_id = simulator::devices::k_test_vendor_id;
    match.product_id = simulator::devices::k_pin_pad_product_id;
    match.interface_class = usb::k_interface_class_vendor;
    return match;
}

}  // namespace

TEST_CASE("Enumeration lists the simulated reader and pad with their interfaces") {
    simulator::usb::VirtualUsbBus bus;
    REQUIRE(bus.plug(std::make_shared<simulator::devices::VirtualCcidReader>()));
    REQUIRE(bus.plug(std::make_shared<simulator::devices::VirtualEpp>(k_working_key)));
    auto context = usb::UsbContext::create();
    REQUIRE(context.has_value());
    auto devices = context->devices();
    REQUIRE(devices.has_value());
    REQUIRE(devices->size() == 2);
    int readers = 0;
    int pads = 0;
    for (const auto& device : *devices) {
        CHECK(device.vendor_id == 0x1209);
        REQUIRE(device.interfaces.size() == 1);
        if (device.interfaces[0].class_code == 0x0B) {
            ++readers;
            CHECK(device.interfaces[0].class_descriptor.size() == 54);
            CHECK(device.interfaces[0].endpoints.size() == 3);
        } else if (device.interfaces[0].class_code == 0xFF) {
            ++pads;
            CHECK(device.interfaces[0].class_descriptor.empty());
        }
    }
    CHECK(readers == 1);
    CHECK(pads == 1);
}

TEST_CASE("A transport opened by interface class exposes the reader's identity and descriptor") {
    simulator::usb::VirtualUsbBus bus;
    REQUIRE(bus.plug(std::make_shared<simulator::devices::VirtualCcidReader>()));
    auto context = usb::UsbContext::create();
    REQUIRE(context.has_value());
    auto transport = usb::UsbTransport::open(*context, reader_match());
    REQUIRE(transport.has_value());
    CHECK((*transport)->vendor_id() == 0x1209);
    CHECK((*transport)->product_id() == simulator::devices::k_ccid_reader_product_id);
    CHECK((*transport)->manufacturer() == "Kiosk Simulator");
    CHECK((*transport)->product() == "Virtual CCID Reader");
    CHECK((*transport)->serial() == "SIM-CCID-0001");
    CHECK((*transport)->has_interrupt_in());
    auto descriptor = ccid::decode_class_descriptor((*transport)->class_descriptor());
    REQUIRE(descriptor.has_value());
    CHECK(descriptor->exchange_level() == ccid::ExchangeLevel::short_apdu);
}

TEST_CASE("A card is read through libusb, the virtual bus and the simulated reader") {
    simulator::usb::VirtualUsbBus bus;
    auto reader = std::make_shared<simulator::devices::VirtualCcidReader>();
    REQUIRE(bus.plug(reader));
    auto context = usb::UsbContext::create();
    REQUIRE(context.has_value());
    auto transport = usb::UsbTransport::open(*context, reader_match());
    REQUIRE(transport.has_value());
    auto options = ccid::CcidOptions::for_reader(
        *ccid::decode_class_descriptor((*transport)->class_descriptor()));
    ccid::CcidClient client(**transport, options);

    reader->insert(demo_card("zhang-wei"));
    auto change = client.wait_for_interrupt(2000ms);
    REQUIRE(change.has_value());
    REQUIRE(change->has_value());
    CHECK(std::get<ccid::NotifySlotChange>(**change).slots.at(0).present);

    REQUIRE(client.power_on().has_value());
    ccid::CcidApduChannel channel(client);
    auto card = emv::read_card_data(channel);
    REQUIRE(card.has_value());
    CHECK(card->pan.view() == "6228480402564890018");
    CHECK(card->holder_name.view() == "ZHANG/WEI");
}

TEST_CASE("Silence on the interrupt endpoint is a timeout, not an error") {
    simulator::usb::VirtualUsbBus bus;
    REQUIRE(bus.plug(std::make_shared<simulator::devices::VirtualCcidReader>()));
    auto context = usb::UsbContext::create();
    REQUIRE(context.has_value());
    auto transport = usb::UsbTransport::open(*context, reader_match());
    REQUIRE(transport.has_value());
    CHECK(drivers::usb::read_interrupt(**transport, 8, 50ms).error() == usb::UsbError::timeout);
    ccid::CcidClient client(**transport);
    auto nothing = client.wait_for_interrupt(50ms);
    REQUIRE(nothing.has_value());
    CHECK_FALSE(nothing->has_value());
}

TEST_CASE("A PIN entered on the simulated pad reaches the host only as its block") {
    simulator::usb::VirtualUsbBus bus;
    auto pad = std::make_shared<simulator::devices::VirtualEpp>(k_working_key);
    REQUIRE(bus.plug(pad));
    auto context = usb::UsbContext::create();
    REQUIRE(context.has_value());
    auto transport = usb::UsbTransport::open(*context, pad_match());
    REQUIRE(transport.has_value());
    epp::EppClient client(**transport);
    auto info = client.get_info();
    REQUIRE(info.has_value());
    CHECK(info->model == "KIOSK-EPP-SIM");

    const std::string pan = "6217001234567890122";
    epp::PinEntryRequest request;
    request.account_field = *epp::account_field_from_pan(pan);
    REQUIRE(client.start_pin_entry(request).has_value());
    for (const base::Key key : {base::Key::digit_2, base::Key::digit_4, base::Key::digit_6,
                                base::Key::digit_8, base::Key::enter}) {
        pad->press(key);
    }
    std::optional<epp::PinBlockReply> block;
    int digit_events = 0;
    for (int read = 0; read < 10 && !block; ++read) {
        auto event = client.wait_for_event(2000ms);
        REQUIRE(event.has_value());
        REQUIRE(event->has_value());
        if (std::holds_alternative<epp::PinDigitEntered>(**event)) {
            ++digit_events;
        } else if (const auto* done = std::get_if<epp::PinEntryDone>(&**event)) {
            block = done->pin_block;
        }
    }
    CHECK(digit_events == 4);
    REQUIRE(block.has_value());
    auto pin = iso9564::format0_decrypt_pin(block->block, pan, k_working_key);
    REQUIRE(pin.has_value());
    CHECK(*pin == "2468");
}

TEST_CASE("Unplugging the reader turns its transfers into no-device errors") {
    simulator::usb::VirtualUsbBus bus;
    auto plugged = bus.plug(std::make_shared<simulator::devices::VirtualCcidReader>());
    REQUIRE(plugged.has_value());
    auto context = usb::UsbContext::create();
    REQUIRE(context.has_value());
    auto transport = usb::UsbTransport::open(*context, reader_match());
    REQUIRE(transport.has_value());
    ccid::CcidClient client(**transport);
    REQUIRE(client.slot_status().has_value());
    REQUIRE(bus.unplug(*plugged).has_value());
    CHECK(client.slot_status().error() == ccid::CcidError::reader_gone);
}

TEST_CASE("Hotplug reports a reader arriving after the watch started") {
    simulator::usb::VirtualUsbBus bus;
    auto context = usb::UsbContext::create();
    REQUIRE(context.has_value());
    if (!context->has_hotplug()) {
        FAIL("libusb reports no hotplug support under the umockdev preload");
    }
    std::atomic<int> arrivals{0};
    std::atomic<std::uint16_t> product{0};
    auto watch = context->watch_hotplug([&](usb::HotplugEvent event, const usb::DeviceInfo& info) {
        if (event == usb::HotplugEvent::arrived) {
            product = info.product_id;
            ++arrivals;
        }
    });
    REQUIRE(watch.has_value());
    REQUIRE(bus.plug(std::make_shared<simulator::devices::VirtualCcidReader>()));
    for (int round = 0; round < 100 && arrivals == 0; ++round) {
        REQUIRE(context->handle_events(50ms).has_value());
    }
    CHECK(arrivals == 1);
    CHECK(product == simulator::devices::k_ccid_reader_product_id);
}

TEST_CASE("Another thread's wake() ends a wait on the interrupt endpoint at once") {
    simulator::usb::VirtualUsbBus bus;
    REQUIRE(bus.plug(std::make_shared<simulator::devices::VirtualCcidReader>()));
    auto context = usb::UsbContext::create();
    REQUIRE(context.has_value());
    auto transport = usb::UsbTransport::open(*context, reader_match());
    REQUIRE(transport.has_value());
    std::array<std::uint8_t, 64> buffer{};

    // A wake() before the wait is kept for it: a request queued just before the device thread
    // goes back to waiting is not lost.
    (*transport)->wake();
    CHECK((*transport)->interrupt_in(buffer, 10s).error() == usb::UsbError::interrupted);

    std::thread waker([&] {
        std::this_thread::sleep_for(200ms);
        (*transport)->wake();
    });
    const auto started = std::chrono::steady_clock::now();
    const auto woken = (*transport)->interrupt_in(buffer, 10s);
    const auto waited = std::chrono::steady_clock::now() - started;
    waker.join();
    CHECK(woken.error() == usb::UsbError::interrupted);
    CHECK(waited >= 150ms);
    // The virtual bus answers libusb's reaping within 10 ms (docs/platform-facts.md); a wait
    // that ran to its own end would take 10 s.
    CHECK(waited < 2s);
    // To a protocol client a wake is not an error: nothing happened.
    ccid::CcidClient client(**transport);
    (*transport)->wake();
    auto nothing = client.wait_for_interrupt(10s);
    REQUIRE(nothing.has_value());
    CHECK_FALSE(nothing->has_value());
}

TEST_CASE("A slot change reported between two waits is delivered by the standing transfer") {
    simulator::usb::VirtualUsbBus bus;
    auto reader = std::make_shared<simulator::devices::VirtualCcidReader>();
    REQUIRE(bus.plug(reader));
    auto context = usb::UsbContext::create();
    REQUIRE(context.has_value());
    auto transport = usb::UsbTransport::open(*context, reader_match());
    REQUIRE(transport.has_value());
    ccid::CcidClient client(**transport);
    // The first wait submits the standing transfer; it stays submitted after this wait ends.
    auto nothing = client.wait_for_interrupt(20ms);
    REQUIRE(nothing.has_value());
    CHECK_FALSE(nothing->has_value());
    reader->insert(demo_card("zhang-wei"));
    std::this_thread::sleep_for(100ms);  // nobody waiting while the reader reports
    auto change = client.wait_for_interrupt(2000ms);
    REQUIRE(change.has_value());
    REQUIRE(change->has_value());
    const auto* notify = std::get_if<ccid::NotifySlotChange>(&**change);
    REQUIRE(notify != nullptr);
    REQUIRE_FALSE(notify->slots.empty());
    CHECK(notify->slots[0].present);
}

TEST_CASE("A transport closed while its standing transfer waits closes cleanly, plugged or not") {
    simulator::usb::VirtualUsbBus bus;
    auto plugged = bus.plug(std::make_shared<simulator::devices::VirtualCcidReader>());
    REQUIRE(plugged.has_value());
    auto context = usb::UsbContext::create();
    REQUIRE(context.has_value());
    {
        auto transport = usb::UsbTransport::open(*context, reader_match());
        REQUIRE(transport.has_value());
        std::array<std::uint8_t, 64> buffer{};
        CHECK((*transport)->interrupt_in(buffer, 20ms).error() == usb::UsbError::timeout);
    }
    auto transport = usb::UsbTransport::open(*context, reader_match());
    REQUIRE(transport.has_value());
    std::array<std::uint8_t, 64> buffer{};
    CHECK((*transport)->interrupt_in(buffer, 20ms).error() == usb::UsbError::timeout);
    REQUIRE(bus.unplug(*plugged).has_value());
    CHECK((*transport)->interrupt_in(buffer, 2s).error() == usb::UsbError::no_device);
    const auto closing = std::chrono::steady_clock::now();
    transport->reset();
    CHECK(std::chrono::steady_clock::now() - closing < 1s);
}
