// EscposClient (drivers/escpos/escpos_client.h) against byte transcripts of a printer: jobs in
// chunks, the status requests and their one-byte replies, and printers that fall silent, lie
// or go away.

#include <catch2/catch.hpp>

#include <memory>

#include "drivers/escpos/escpos_client.h"
#include "simulator/devices/direct_transport.h"
#include "simulator/devices/virtual_printer.h"
#include "tests/support/replay_transport.h"

using namespace drivers::escpos;
using tests::drivers::hex;
using tests::drivers::ReplayTransport;
using tests::drivers::UsbError;

namespace {

// A printer whose buffer is full after `capacity` bytes and that then takes nothing more, as
// one does when its paper jams mid-job.
class StuckPrinter final : public drivers::usb::Transport {
  public:
    explicit StuckPrinter(std::size_t capacity) : m_capacity(capacity) {}

    std::size_t taken() const { return m_taken; }

    std::expected<void, UsbError> bulk_out(std::span<const std::uint8_t> data,
                                           std::chrono::milliseconds /*timeout*/) override {
        if (m_taken + data.size() > m_capacity) {
            return std::unexpected(UsbError::timeout);
        }
        m_taken += data.size();
        return {};
    }
    std::expected<std::size_t, UsbError> bulk_in(std::span<std::uint8_t> /*buffer*/,
                                                 std::chrono::milliseconds /*timeout*/) override {
        return std::unexpected(UsbError::timeout);
    }
    std::expected<std::size_t, UsbError> interrupt_in(
        std::span<std::uint8_t> /*buffer*/, std::chrono::milliseconds /*timeout*/) override {
        return std::unexpected(UsbError::not_supported);
    }
    std::expected<base::Bytes, UsbError> control_transfer(
        const drivers::usb::ControlRequest& /*request*/, std::span<const std::uint8_t> /*data*/,
        std::uint16_t /*in_length*/, std::chrono::milliseconds /*timeout*/) override {
        return std::unexpected(UsbError::pipe);
    }

  private:
    std::size_t m_capacity;
    std::size_t m_taken = 0;
};

constexpr EscposOptions k_small_chunks{.chunk_length = 4};

}  // namespace

TEST_CASE("A job goes out in bulk transfers of at most the chunk length") {
    ReplayTransport transport;
    transport.expect_out(hex("1B40 1C28"));
    transport.expect_out(hex("43020030"));
    transport.expect_out(hex("02"));
    EscposClient client(transport, k_small_chunks);
    base::Bytes job;
    begin_job(job);
    REQUIRE(client.print(job));
    CHECK(transport.finished());
    CHECK(transport.mismatches().empty());
}

TEST_CASE(
    "A printer that stops taking a job ends the print with a timeout saying how much it took") {
    StuckPrinter printer(8);
    EscposClient client(printer, k_small_chunks);
    const base::Bytes job(20, 0x41);
    const auto printed = client.print(job);
    REQUIRE_FALSE(printed.has_value());
    CHECK(printed.error().code == EscposError::timeout);
    CHECK(printed.error().context == "job: 8 of 20 bytes taken");
    CHECK(printer.taken() == 8);
}

TEST_CASE("The condition asks the paper sensors and then the printer status") {
    ReplayTransport transport;
    transport.expect_out(hex("100404"));
    transport.reply_in(hex("1E"));  // near end
    transport.expect_out(hex("100401"));
    transport.reply_in(hex("12"));  // on-line
    EscposClient client(transport);
    const auto condition = client.condition();
    REQUIRE(condition.has_value());
    CHECK(*condition == PrinterCondition{PaperState::low, true, false});
    CHECK(condition->can_print());
    CHECK(transport.finished());
}

TEST_CASE("An off-line printer is asked why and an open cover is reported") {
    ReplayTransport transport;
    transport.expect_out(hex("100404"));
    transport.reply_in(hex("12"));
    transport.expect_out(hex("100401"));
    transport.reply_in(hex("1A"));  // off-line
    transport.expect_out(hex("100402"));
    transport.reply_in(hex("16"));  // cover open
    EscposClient client(transport);
    const auto condition = client.condition();
    REQUIRE(condition.has_value());
    CHECK(*condition == PrinterCondition{PaperState::ok, false, true});
    CHECK_FALSE(condition->can_print());
    CHECK(transport.finished());
}

TEST_CASE("A printer stopped by the end of its paper reports the paper out") {
    ReplayTransport transport;
    transport.expect_out(hex("100404"));
    transport.reply_in(hex("7E"));
    transport.expect_out(hex("100401"));
    transport.reply_in(hex("1A"));
    transport.expect_out(hex("100402"));
    transport.reply_in(hex("32"));
    EscposClient client(transport);
    const auto condition = client.condition();
    REQUIRE(condition.has_value());
    CHECK(condition->paper == PaperState::out);
    CHECK_FALSE(condition->online);
    CHECK_FALSE(condition->cover_open);
    CHECK_FALSE(condition->can_print());
}

TEST_CASE("A reply without the fixed status bits is refused") {
    ReplayTransport transport;
    transport.expect_out(hex("100404"));
    transport.reply_in(hex("00"));
    EscposClient client(transport);
    const auto condition = client.condition();
    REQUIRE_FALSE(condition.has_value());
    CHECK(condition.error().code == EscposError::bad_status_reply);
    CHECK(condition.error().context == "DLE EOT 4 answered 00");
}

TEST_CASE("A silent printer is a timeout and its late answer is not taken for the next one") {
    ReplayTransport transport;
    transport.expect_out(hex("100404"));
    transport.fail_in(UsbError::timeout);
    transport.reply_in(hex("7E"));  // the answer to the first request, too late
    transport.expect_out(hex("100404"));
    transport.reply_in(hex("12"));
    EscposClient client(transport);
    const auto first = client.request_status(StatusKind::roll_paper);
    REQUIRE_FALSE(first.has_value());
    CHECK(first.error().code == EscposError::timeout);
    const auto second = client.request_status(StatusKind::roll_paper);
    REQUIRE(second.has_value());
    CHECK(*second == 0x12);
    CHECK(transport.mismatches().empty());
    CHECK(transport.finished());
}

TEST_CASE("Of several replies in one transfer the last is the answer") {
    ReplayTransport transport;
    transport.expect_out(hex("100404"));
    transport.reply_in(hex("7E 12"));
    EscposClient client(transport);
    CHECK(client.request_status(StatusKind::roll_paper) == 0x12);
}

TEST_CASE("A zero-length packet is not a status reply") {
    ReplayTransport transport;
    transport.expect_out(hex("100401"));
    transport.reply_in(base::Bytes{});
    transport.reply_in(hex("1A"));
    EscposClient client(transport);
    CHECK(client.request_status(StatusKind::printer) == 0x1A);
}

TEST_CASE("USB failures become the client's errors") {
    ReplayTransport transport;
    transport.expect_out(hex("100404"));
    transport.fail_in(UsbError::no_device);
    transport.expect_out(hex("100404"));
    transport.fail_in(UsbError::io);
    EscposClient client(transport);
    CHECK(client.condition().error().code == EscposError::device_gone);
    const auto failed = client.condition();
    CHECK(failed.error().code == EscposError::transport_failed);
    CHECK(failed.error().context ==
          "DLE EOT 4: " + std::string(drivers::usb::to_string(UsbError::io)));
}

TEST_CASE("The device id is read with the printer class's GET_DEVICE_ID") {
    auto printer = std::make_shared<simulator::devices::VirtualPrinter>();
    simulator::devices::DirectTransport transport(printer);
    EscposClient client(transport);
    const auto id = client.device_id();
    REQUIRE(id.has_value());
    CHECK(id->starts_with("MFG:Kiosk Simulator;MDL:Virtual Receipt Printer;"));
    CHECK(id->find("CMD:ESC/POS;") != std::string::npos);
}

TEST_CASE("A printer without GET_DEVICE_ID is a transport failure") {
    ReplayTransport transport;  // stalls every control request
    EscposClient client(transport);
    CHECK(client.device_id().error().code == EscposError::transport_failed);
}

TEST_CASE("An unplugged printer takes no job") {
    auto printer = std::make_shared<simulator::devices::VirtualPrinter>();
    simulator::devices::DirectTransport transport(printer);
    EscposClient client(transport);
    transport.unplug();
    const base::Bytes job{0x1B, 0x40};
    CHECK(client.print(job).error().code == EscposError::device_gone);
    CHECK(client.condition().error().code == EscposError::device_gone);
}
