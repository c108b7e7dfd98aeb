// The simulated receipt printer (simulator/devices/virtual_printer.h) driven by the kiosk's
// own client over a DirectTransport: slips at each cut, the paper the simulator sets, status
// replies, and streams that are broken.

#include <catch2/catch.hpp>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "drivers/escpos/escpos_client.h"
#include "drivers/escpos/escpos_protocol.h"
#include "drivers/usb/transport.h"
#include "simulator/devices/direct_transport.h"
#include "simulator/devices/usb_descriptors.h"
#include "simulator/devices/virtual_printer.h"

using namespace drivers::escpos;
using simulator::devices::DirectTransport;
using simulator::devices::PrintedSlip;
using simulator::devices::VirtualPrinter;

using namespace std::chrono_literals;

namespace {

struct Printer {
    std::shared_ptr<VirtualPrinter> device = std::make_shared<VirtualPrinter>();
    DirectTransport transport{device};
    EscposClient client{transport, EscposOptions{.status_timeout = 500ms}};

    void print(const base::Bytes& job) { REQUIRE(client.print(job).has_value()); }
    std::uint8_t status(StatusKind kind) {
        auto reply = client.request_status(kind);
        REQUIRE(reply.has_value());
        return *reply;
    }
};

// A small ticket: the number, one line of materials, a QR code, the cut.
base::Bytes ticket(std::string_view number) {
    base::Bytes job;
    begin_job(job);
    select_justification(job, Justification::centre);
    REQUIRE(select_size(job, k_huge_size));
    select_emphasis(job, true);
    REQUIRE(wrapped_text(job, number, k_huge_size));
    select_emphasis(job, false);
    REQUIRE(select_size(job, k_normal_size));
    REQUIRE(wrapped_text(job, "请携带身份证 Please bring your ID card", k_normal_size));
    REQUIRE(qr_code(job, "https://q.example.cn/t/" + std::string(number)));
    cut(job, CutShape::partial, k_cut_feed_dots);
    return job;
}

}  // namespace

TEST_CASE("The printer announces a bidirectional printer class interface with two bulk endpoints") {
    VirtualPrinter printer;
    const auto descriptors = printer.descriptors();
    CHECK((descriptors[8] | (descriptors[9] << 8)) == simulator::devices::k_test_vendor_id);
    CHECK((descriptors[10] | (descriptors[11] << 8)) == simulator::devices::k_printer_product_id);
    // The interface descriptor follows the 18-byte device and 9-byte configuration descriptors.
    const std::size_t interface = 18 + 9;
    CHECK(descriptors[interface + 4] == 2);     // two endpoints
    CHECK(descriptors[interface + 5] == 0x07);  // printer class
    CHECK(descriptors[interface + 6] == 0x01);  // printers
    CHECK(descriptors[interface + 7] == 0x02);  // bidirectional
    CHECK(descriptors[interface + 9 + 2] == VirtualPrinter::k_bulk_out);
    CHECK(descriptors[interface + 9 + 7 + 2] == VirtualPrinter::k_bulk_in);
}

TEST_CASE("A slip is handed to the sink at the cut with its text and QR code") {
    Printer printer;
    std::vector<PrintedSlip> received;
    printer.device->set_slip_sink([&](const PrintedSlip& slip) { received.push_back(slip); });
    const auto job = ticket("A023");
    // Everything but the cut: nothing comes out yet.
    printer.print(base::Bytes(job.begin(), job.end() - 4));
    CHECK(received.empty());
    printer.print(base::Bytes(job.end() - 4, job.end()));
    REQUIRE(received.size() == 1);
    CHECK(received[0].text == "A023\n请携带身份证 Please bring your ID card\n");
    CHECK(received[0].qr_codes == std::vector<std::string>{"https://q.example.cn/t/A023"});
    CHECK(std::holds_alternative<Cut>(received[0].commands.back()));
    CHECK(printer.device->slip_texts() == std::vector<std::string>{received[0].text});
    CHECK(printer.device->slips_printed() == 1);
}

TEST_CASE("Each cut ends one slip and the next starts empty") {
    Printer printer;
    printer.print(ticket("A023"));
    printer.print(ticket("B105"));
    REQUIRE(printer.device->wait_for_slips(2, 1s));
    const auto texts = printer.device->slip_texts();
    REQUIRE(texts.size() == 2);
    CHECK(texts[0].starts_with("A023\n"));
    CHECK(texts[1].starts_with("B105\n"));
    CHECK(texts[1].find("A023") == std::string::npos);
}

TEST_CASE("Status replies follow the paper the simulator sets") {
    Printer printer;
    CHECK(printer.status(StatusKind::roll_paper) == 0x12);
    CHECK(printer.status(StatusKind::printer) == 0x12);
    printer.device->set_paper(PaperState::low);
    CHECK(printer.status(StatusKind::roll_paper) == 0x1E);  // near end
    CHECK(printer.status(StatusKind::printer) == 0x12);     // still on-line
    printer.device->set_paper(PaperState::out);
    CHECK(printer.status(StatusKind::roll_paper) == 0x7E);     // near end and end
    CHECK(printer.status(StatusKind::printer) == 0x1A);        // off-line
    CHECK(printer.status(StatusKind::offline_cause) == 0x32);  // stopped by paper end
    CHECK(printer.status(StatusKind::error_cause) == 0x12);    // no error
    CHECK(printer.device->paper() == PaperState::out);
}

TEST_CASE("The client reads the paper and cover the simulator sets") {
    Printer printer;
    CHECK(printer.client.condition() == PrinterCondition{PaperState::ok, true, false});
    printer.device->set_paper(PaperState::low);
    CHECK(printer.client.condition() == PrinterCondition{PaperState::low, true, false});
    printer.device->set_paper(PaperState::out);
    CHECK(printer.client.condition() == PrinterCondition{PaperState::out, false, false});
    printer.device->set_paper(PaperState::ok);
    printer.device->set_cover_open(true);
    CHECK(printer.device->cover_open());
    CHECK(printer.client.condition() == PrinterCondition{PaperState::ok, false, true});
}

TEST_CASE("A slip sent while the paper is out is not printed") {
    Printer printer;
    int sunk = 0;
    printer.device->set_slip_sink([&](const PrintedSlip&) { ++sunk; });
    printer.device->set_paper(PaperState::out);
    printer.print(ticket("A023"));
    CHECK(printer.device->slips_printed() == 0);
    CHECK(printer.device->slips_not_printed() == 1);
    CHECK(sunk == 0);
    // A new roll: the next slip prints, and nothing of the lost one comes with it.
    printer.device->set_paper(PaperState::ok);
    printer.print(ticket("A024"));
    CHECK(sunk == 1);
    REQUIRE(printer.device->slip_texts().size() == 1);
    CHECK(printer.device->slip_texts()[0].starts_with("A024\n"));
}

TEST_CASE("A slip still prints when the paper is low") {
    Printer printer;
    printer.device->set_paper(PaperState::low);
    printer.print(ticket("A023"));
    CHECK(printer.device->slips_printed() == 1);
}

TEST_CASE("Paper that runs out in the middle of a slip loses that slip only") {
    Printer printer;
    const auto job = ticket("A023");
    printer.print(base::Bytes(job.begin(), job.begin() + 20));
    printer.device->set_paper(PaperState::out);
    printer.device->set_paper(PaperState::ok);
    printer.print(base::Bytes(job.begin() + 20, job.end()));
    CHECK(printer.device->slips_printed() == 0);
    CHECK(printer.device->slips_not_printed() == 1);
    printer.print(ticket("A024"));
    CHECK(printer.device->slips_printed() == 1);
}

TEST_CASE("An open cover prints nothing until it is closed") {
    Printer printer;
    printer.device->set_cover_open(true);
    printer.print(ticket("A023"));
    CHECK(printer.device->slips_printed() == 0);
    CHECK(printer.status(StatusKind::offline_cause) == 0x16);
    printer.device->set_cover_open(false);
    printer.print(ticket("A024"));
    CHECK(printer.device->slips_printed() == 1);
}

TEST_CASE("A slip starts in the modes the slip before it left") {
    Printer printer;
    base::Bytes first;
    begin_job(first);
    select_justification(first, Justification::centre);
    REQUIRE(select_size(first, k_large_size));
    REQUIRE(text(first, "A"));
    cut(first, CutShape::partial, std::nullopt);
    // The second slip changes nothing: it prints large and centred, as a printer would.
    base::Bytes second;
    REQUIRE(text(second, "B"));
    cut(second, CutShape::partial, std::nullopt);
    printer.print(first);
    printer.print(second);
    const auto slips = printer.device->slips();
    REQUIRE(slips.size() == 2);
    CHECK(slips[1].commands == std::vector<Command>{SelectJustification{Justification::centre},
                                                    SelectSize{k_large_size}, Text{"B"},
                                                    Cut{CutShape::partial, std::nullopt}});
}

TEST_CASE("Line feeds and ESC d end the lines of the slip's text") {
    Printer printer;
    base::Bytes job;
    begin_job(job);
    REQUIRE(text(job, "one"));
    line_feed(job);
    REQUIRE(text(job, "two"));
    feed_lines(job, 3);
    REQUIRE(text(job, "three"));
    cut(job, CutShape::full, k_cut_feed_dots);
    printer.print(job);
    REQUIRE(printer.device->slips_printed() == 1);
    CHECK(printer.device->slip_texts()[0] == "one\ntwo\n\n\nthree");
}

TEST_CASE(
    "Broken bytes are recorded and their slip is lost while requests before them are answered") {
    Printer printer;
    base::Bytes job;
    begin_job(job);
    REQUIRE(text(job, "A023"));
    request_status(job, StatusKind::roll_paper);
    job.insert(job.end(), {0x1B, 0x7A, 0x00});  // ESC z: not ESC/POS of the subset
    printer.device->on_out(VirtualPrinter::k_bulk_out, job);
    CHECK(printer.device->take_in(VirtualPrinter::k_bulk_in) == base::Bytes{0x12});
    const auto errors = printer.device->stream_errors();
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].code == EscposError::unknown_command);
    base::Bytes rest;
    cut(rest, CutShape::partial, std::nullopt);
    printer.print(rest);
    CHECK(printer.device->slips_printed() == 0);
    CHECK(printer.device->slips_not_printed() == 1);
    printer.print(ticket("A024"));
    CHECK(printer.device->slips_printed() == 1);
}

TEST_CASE("Random bytes sent to the printer never crash it and a power cycle brings it back") {
    Printer printer;
    std::mt19937 generator(2024);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(0, 48);
    const auto valid = ticket("A023");
    for (int round = 0; round < 5000; ++round) {
        base::Bytes input(static_cast<std::size_t>(length(generator)));
        for (auto& value : input) {
            value = static_cast<std::uint8_t>(byte(generator));
        }
        if (round % 3 == 0 && !input.empty()) {
            // A slice of a real ticket with a byte changed reaches deep into its commands.
            const auto start = static_cast<std::size_t>(byte(generator)) % valid.size();
            input.assign(valid.begin() + static_cast<std::ptrdiff_t>(start), valid.end());
            input[static_cast<std::size_t>(byte(generator)) % input.size()] =
                static_cast<std::uint8_t>(byte(generator));
        }
        printer.device->on_out(VirtualPrinter::k_bulk_out, input);
        while (printer.device->take_in(VirtualPrinter::k_bulk_in)) {
        }
    }
    CHECK_FALSE(printer.device->stream_errors().empty());
    printer.device->on_unplugged();
    const auto printed = printer.device->slips_printed();
    printer.print(ticket("A024"));
    CHECK(printer.device->slips_printed() == printed + 1);
    CHECK(printer.device->slip_texts().back().starts_with("A024\n"));
    CHECK(printer.client.condition().has_value());
}

TEST_CASE("An unplugged printer forgets the slip it had not cut but keeps the printed ones") {
    Printer printer;
    printer.print(ticket("A023"));
    const auto job = ticket("A024");
    printer.print(base::Bytes(job.begin(), job.end() - 4));
    printer.device->on_unplugged();
    printer.print(base::Bytes(job.end() - 4, job.end()));
    const auto texts = printer.device->slip_texts();
    REQUIRE(texts.size() == 2);
    CHECK(texts[0].starts_with("A023\n"));
    CHECK(texts[1].empty());  // only the cut arrived after the power came back
}

TEST_CASE("GET_PORT_STATUS reports an empty roll and an off-line printer") {
    Printer printer;
    const drivers::usb::ControlRequest port_status{0xA1, 0x01, 0, 0};
    CHECK(printer.transport.control_transfer(port_status, {}, 1, 100ms) == base::Bytes{0x18});
    printer.device->set_paper(PaperState::out);
    CHECK(printer.transport.control_transfer(port_status, {}, 1, 100ms) == base::Bytes{0x28});
    const drivers::usb::ControlRequest vendor{0xC0, 0x01, 0, 0};
    CHECK(printer.transport.control_transfer(vendor, {}, 1, 100ms).error() ==
          drivers::usb::UsbError::pipe);
}
