// EscposClient through real libusb against the simulated printer on the umockdev virtual bus:
// the printer class interface found and claimed, a ticket printed in bulk OUT chunks, status
// replies read on bulk IN. The binary runs under the umockdev preload (tests/README.md, "What
// runs where").

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "drivers/escpos/escpos_client.h"
#include "drivers/escpos/escpos_protocol.h"
#include "drivers/usb/usb_transport.h"
#include "simulator/devices/usb_descriptors.h"
#include "simulator/devices/virtual_printer.h"
#include "simulator/usb/virtual_usb_bus.h"

using namespace drivers;
using namespace std::chrono_literals;

namespace {

usb::DeviceMatch printer_match() {
    usb::DeviceMatch match;
    match.interface_class = escpos::k_interface_class_printer;
    return match;
}

// A queue ticket long enough to take several chunks: the number, the wrapped materials list
// repeated, a QR code and the cut.
base::Bytes ticket() {
    base::Bytes job;
    escpos::begin_job(job);
    escpos::select_justification(job, escpos::Justification::centre);
    REQUIRE(escpos::select_size(job, escpos::k_huge_size));
    REQUIRE(escpos::wrapped_text(job, "A023", escpos::k_huge_size));
    REQUIRE(escpos::select_size(job, escpos::k_normal_size));
    escpos::select_justification(job, escpos::Justification::left);
    for (int line = 0; line < 120; ++line) {
        REQUIRE(escpos::wrapped_text(
            job, "请携带本人有效身份证件和银行卡 Please bring your ID card and bank card",
            escpos::k_normal_size));
    }
    escpos::select_justification(job, escpos::Justification::centre);
    REQUIRE(escpos::qr_code(job, "https://q.example.cn/t/A023"));
    escpos::cut(job, escpos::CutShape::partial, escpos::k_cut_feed_dots);
    return job;
}

}  // namespace

TEST_CASE("The printer is found by its printer class interface with both bulk endpoints") {
    simulator::usb::VirtualUsbBus bus;
    REQUIRE(bus.plug(std::make_shared<simulator::devices::VirtualPrinter>()));
    auto context = usb::UsbContext::create();
    REQUIRE(context.has_value());
    auto transport = usb::UsbTransport::open(*context, printer_match());
    REQUIRE(transport.has_value());
    CHECK((*transport)->vendor_id() == simulator::devices::k_test_vendor_id);
    CHECK((*transport)->product_id() == simulator::devices::k_printer_product_id);
    CHECK((*transport)->product() == "Virtual Receipt Printer");
    const auto& interface = (*transport)->interface();
    CHECK(interface.subclass_code == escpos::k_interface_subclass_printer);
    CHECK(interface.protocol_code == escpos::k_interface_protocol_bidirectional);
    CHECK(interface.endpoints.size() == 2);
    CHECK_FALSE((*transport)->has_interrupt_in());
}

TEST_CASE("A ticket printed through libusb comes out of the simulated printer whole") {
    simulator::usb::VirtualUsbBus bus;
    auto printer = std::make_shared<simulator::devices::VirtualPrinter>();
    REQUIRE(bus.plug(printer));
    auto context = usb::UsbContext::create();
    REQUIRE(context.has_value());
    auto transport = usb::UsbTransport::open(*context, printer_match());
    REQUIRE(transport.has_value());
    escpos::EscposClient client(**transport);

    const auto job = ticket();
    REQUIRE(job.size() > 2 * escpos::k_job_chunk_length);
    const auto ready = client.condition();
    REQUIRE(ready.has_value());
    CHECK(ready->can_print());
    REQUIRE(client.print(job).has_value());
    REQUIRE(printer->wait_for_slips(1, 2000ms));
    const auto slips = printer->slips();
    REQUIRE(slips.size() == 1);
    CHECK(slips[0].text.starts_with("A023\n"));
    CHECK(slips[0].qr_codes == std::vector<std::string>{"https://q.example.cn/t/A023"});
    CHECK(printer->stream_errors().empty());
}

TEST_CASE("The paper state set on the simulated printer reaches the client through libusb") {
    simulator::usb::VirtualUsbBus bus;
    auto printer = std::make_shared<simulator::devices::VirtualPrinter>();
    REQUIRE(bus.plug(printer));
    auto context = usb::UsbContext::create();
    REQUIRE(context.has_value());
    auto transport = usb::UsbTransport::open(*context, printer_match());
    REQUIRE(transport.has_value());
    escpos::EscposClient client(**transport);

    printer->set_paper(escpos::PaperState::low);
    CHECK(client.condition() == escpos::PrinterCondition{escpos::PaperState::low, true, false});
    printer->set_paper(escpos::PaperState::out);
    CHECK(client.condition() == escpos::PrinterCondition{escpos::PaperState::out, false, false});
    printer->set_paper(escpos::PaperState::ok);
    printer->set_cover_open(true);
    CHECK(client.condition() == escpos::PrinterCondition{escpos::PaperState::ok, false, true});
}

TEST_CASE("The device id comes through libusb as a class request") {
    simulator::usb::VirtualUsbBus bus;
    REQUIRE(bus.plug(std::make_shared<simulator::devices::VirtualPrinter>()));
    auto context = usb::UsbContext::create();
    REQUIRE(context.has_value());
    auto transport = usb::UsbTransport::open(*context, printer_match());
    REQUIRE(transport.has_value());
    escpos::EscposClient client(**transport);
    const auto id = client.device_id();
    REQUIRE(id.has_value());
    CHECK(id->find("CMD:ESC/POS;") != std::string::npos);
}

TEST_CASE("An unplugged printer is gone for the client") {
    simulator::usb::VirtualUsbBus bus;
    auto plugged = bus.plug(std::make_shared<simulator::devices::VirtualPrinter>());
    REQUIRE(plugged.has_value());
    auto context = usb::UsbContext::create();
    REQUIRE(context.has_value());
    auto transport = usb::UsbTransport::open(*context, printer_match());
    REQUIRE(transport.has_value());
    escpos::EscposClient client(**transport);
    REQUIRE(client.condition().has_value());
    REQUIRE(bus.unplug(*plugged).has_value());
    CHECK(client.condition().error().code == escpos::EscposError::device_gone);
}
