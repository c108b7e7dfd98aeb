#include <catch2/catch.hpp>

#include <array>

#include "base/bytes.h"
#include "drivers/dispenser/dispenser_client.h"
#include "tests/support/replay_transport.h"

using namespace drivers::dispenser;
using drivers::usb::UsbError;
using tests::drivers::hex;
using tests::drivers::ReplayTransport;

namespace {

const TransactionReference k_reference =
    *TransactionReference::from_text("01234567-89ab-cdef-0123-456789abcdef");
const TransactionReference k_other =
    *TransactionReference::from_text("fedcba98-7654-3210-fedc-ba9876543210");
constexpr std::array<std::uint16_t, 2> k_mix{3, 2};

base::Bytes command_bytes(const Command& command, std::uint8_t sequence) {
    return encode_frame(encode_command(command, sequence));
}

base::Bytes response_bytes(std::uint8_t command_code, Status status, std::uint8_t sequence,
                           base::Bytes data = {}) {
    return encode_frame(encode_response(Response{command_code, status, std::move(data)}, sequence));
}

base::Bytes dispense_bytes(std::uint8_t sequence) {
    return command_bytes(Dispense{k_reference, {k_mix.begin(), k_mix.end()}}, sequence);
}

DispenseOutcome picked(const TransactionReference& reference = k_reference) {
    return DispenseOutcome{
        reference, PickResult::picked_in_full, 0, {3, 2}, NotesLocation::transport};
}

base::Bytes outcome_bytes(std::uint8_t sequence, Status status = Status::ok,
                          const DispenseOutcome& outcome = picked()) {
    return response_bytes(code::k_dispense, status, sequence, encode_outcome(outcome));
}

// The time-out of each read the client makes on bulk IN, on top of a replayed transcript.
class TimeoutRecorder : public ReplayTransport {
  public:
    std::vector<std::chrono::milliseconds> read_timeouts;

    std::expected<std::size_t, UsbError> bulk_in(std::span<std::uint8_t> buffer,
                                                 std::chrono::milliseconds timeout) override {
        read_timeouts.push_back(timeout);
        return ReplayTransport::bulk_in(buffer, timeout);
    }
};

}  // namespace

TEST_CASE("The client reads the dispenser's identity, status and cassettes") {
    ReplayTransport transport;
    const DeviceInfo info{0x0100, "CDM-0042", 2};
    DispenserStatus status;
    status.reject_bin_capacity = 200;
    status.last_outcome.notes_picked = {0, 0};
    const std::vector<Cassette> cassettes{{1, "CNY", 10000, 2000, CassetteState::ok},
                                          {2, "CNY", 5000, 0, CassetteState::empty}};
    transport.expect_out(command_bytes(GetInfo{}, 0));
    transport.reply_in(response_bytes(code::k_info, Status::ok, 0, encode_device_info(info)));
    transport.expect_out(command_bytes(GetStatus{}, 1));
    transport.reply_in(response_bytes(code::k_status, Status::ok, 1, encode_status(status)));
    transport.expect_out(command_bytes(GetCassettes{}, 2));
    transport.reply_in(
        response_bytes(code::k_cassettes, Status::ok, 2, encode_cassettes(cassettes)));
    DispenserClient client(transport);
    CHECK(client.get_info() == info);
    CHECK(client.get_status() == status);
    CHECK(client.get_cassettes() == cassettes);
    CHECK(transport.mismatches().empty());
    CHECK(transport.finished());
}

TEST_CASE("A DISPENSE whose response is lost is sent again, the same order, for its outcome") {
    ReplayTransport transport;
    transport.expect_out(dispense_bytes(0));
    transport.fail_in(UsbError::timeout);
    transport.expect_out(dispense_bytes(1));
    transport.reply_in(outcome_bytes(1));
    DispenserClient client(transport);
    auto outcome = client.dispense(k_reference, k_mix);
    REQUIRE(outcome.has_value());
    CHECK(*outcome == picked());
    const auto sent = transport.sent();
    REQUIRE(sent.size() == 2);
    // dispenser.md §5.1: the same reference and counts; only the sequence number (and so the
    // CRC) differs.
    CHECK(
        std::equal(sent[0].begin() + 4, sent[0].end() - 2, sent[1].begin() + 4, sent[1].end() - 2));
    CHECK(transport.mismatches().empty());
}

TEST_CASE("A damaged answer or a NAK to a DISPENSE is followed by the same DISPENSE") {
    ReplayTransport transport;
    base::Bytes damaged = outcome_bytes(0);
    damaged.back() ^= 0xFF;
    transport.expect_out(dispense_bytes(0));
    transport.reply_in(damaged);
    transport.expect_out(dispense_bytes(1));
    transport.reply_in(response_bytes(code::k_nak, Status::bad_frame, 1));
    transport.expect_out(dispense_bytes(2));
    transport.reply_in(outcome_bytes(2));
    DispenserClient client(transport);
    CHECK(client.dispense(k_reference, k_mix) == picked());
    CHECK(transport.finished());
}

TEST_CASE("The late answer to the first DISPENSE is skipped and the repeat's answer read") {
    ReplayTransport transport;
    transport.expect_out(dispense_bytes(0));
    transport.fail_in(UsbError::timeout);
    transport.expect_out(dispense_bytes(1));
    transport.reply_in(outcome_bytes(0));
    DispenseOutcome stored = picked();
    stored.location = NotesLocation::slot;
    transport.reply_in(outcome_bytes(1, Status::ok, stored));
    DispenserClient client(transport);
    CHECK(client.dispense(k_reference, k_mix) == stored);
    CHECK(transport.finished());
}

TEST_CASE("The client stops sending a DISPENSE after its attempts and reports the time-out") {
    ReplayTransport transport;
    transport.expect_out(dispense_bytes(0));
    transport.fail_in(UsbError::timeout);
    transport.expect_out(dispense_bytes(1));
    transport.fail_in(UsbError::timeout);
    DispenserOptions options;
    options.dispense_attempts = 2;
    DispenserClient client(transport, options);
    CHECK(client.dispense(k_reference, k_mix).error() == DispenserError::timeout);
    CHECK(transport.sent().size() == 2);
    CHECK(transport.mismatches().empty());
}

TEST_CASE("A refused DISPENSE, or a dispenser that is gone, is not sent again") {
    ReplayTransport transport;
    transport.expect_out(dispense_bytes(0));
    transport.reply_in(response_bytes(code::k_dispense, Status::not_enough_notes, 0));
    transport.expect_out(dispense_bytes(1));
    transport.fail_in(UsbError::no_device);
    DispenserClient client(transport);
    CHECK(client.dispense(k_reference, k_mix).error() == DispenserError::not_enough_notes);
    CHECK(client.dispense(k_reference, k_mix).error() == DispenserError::device_gone);
    CHECK(transport.sent().size() == 2);
    CHECK(transport.finished());
}

TEST_CASE("A jam while picking is an outcome, and a dispenser jammed before is an error") {
    DispenseOutcome part = picked();
    part.result = PickResult::picked_in_part;
    part.notes_picked = {3, 0};
    ReplayTransport transport;
    transport.expect_out(dispense_bytes(0));
    transport.reply_in(outcome_bytes(0, Status::jammed, part));
    transport.expect_out(dispense_bytes(1));
    transport.reply_in(response_bytes(code::k_dispense, Status::jammed, 1));
    DispenserClient client(transport);
    CHECK(client.dispense(k_reference, k_mix) == part);
    CHECK(client.dispense(k_reference, k_mix).error() == DispenserError::jammed);
}

TEST_CASE("An outcome about another transaction or another set of cassettes is not accepted") {
    DispenseOutcome three_cassettes = picked();
    three_cassettes.notes_picked = {3, 2, 0};
    ReplayTransport transport;
    transport.expect_out(dispense_bytes(0));
    transport.reply_in(outcome_bytes(0, Status::ok, picked(k_other)));
    transport.expect_out(dispense_bytes(1));
    transport.reply_in(outcome_bytes(1, Status::ok, three_cassettes));
    DispenserClient client(transport);
    CHECK(client.dispense(k_reference, k_mix).error() == DispenserError::unexpected_response);
    CHECK(client.dispense(k_reference, k_mix).error() == DispenserError::unexpected_response);
}

TEST_CASE("A DISPENSE with no reference or no notes is refused before anything is sent") {
    ReplayTransport transport;
    DispenserClient client(transport);
    CHECK(client.dispense(TransactionReference{}, k_mix).error() ==
          DispenserError::invalid_request);
    const std::array<std::uint16_t, 2> nothing{0, 0};
    CHECK(client.dispense(k_reference, nothing).error() == DispenserError::invalid_request);
    CHECK(client.dispense(k_reference, {}).error() == DispenserError::invalid_request);
    CHECK(transport.sent().empty());
}

TEST_CASE("DISPENSE waits the longer time-out and every other command the shorter") {
    TimeoutRecorder transport;
    transport.expect_out(dispense_bytes(0));
    transport.reply_in(outcome_bytes(0));
    transport.expect_out(command_bytes(Present{k_reference}, 1));
    transport.reply_in(response_bytes(code::k_present, Status::ok, 1, encode_note_count(5)));
    DispenserClient client(transport);
    REQUIRE(client.dispense(k_reference, k_mix).has_value());
    CHECK(client.present(k_reference) == 5);
    // dispenser.md §5.2: 30 s for a DISPENSE, 10 s for the rest.
    CHECK(transport.read_timeouts == std::vector<std::chrono::milliseconds>{
                                         std::chrono::seconds(30), std::chrono::seconds(10)});
}

TEST_CASE("The dispenser's refusals and NAKs become named errors") {
    ReplayTransport transport;
    transport.expect_out(command_bytes(Present{k_other}, 0));
    transport.reply_in(response_bytes(code::k_present, Status::wrong_reference, 0));
    transport.expect_out(command_bytes(Retract{k_reference}, 1));
    transport.reply_in(response_bytes(code::k_retract, Status::nothing_held, 1));
    transport.expect_out(command_bytes(Reject{k_reference}, 2));
    transport.reply_in(response_bytes(code::k_nak, Status::bad_frame, 2));
    transport.expect_out(command_bytes(Reset{}, 3));
    transport.reply_in(response_bytes(code::k_nak, Status::unknown_command, 3));
    transport.expect_out(command_bytes(Present{k_reference}, 4));
    transport.reply_in(response_bytes(code::k_present, Status::shutter_fault, 4));
    DispenserClient client(transport);
    CHECK(client.present(k_other).error() == DispenserError::wrong_reference);
    CHECK(client.retract(k_reference).error() == DispenserError::nothing_held);
    CHECK(client.reject(k_reference).error() == DispenserError::rejected_frame);
    CHECK(client.reset().error() == DispenserError::unknown_command);
    CHECK(client.present(k_reference).error() == DispenserError::shutter_fault);
}

TEST_CASE("An answer to another command or with a broken payload is an error") {
    ReplayTransport transport;
    transport.expect_out(command_bytes(Reset{}, 0));
    transport.reply_in(response_bytes(code::k_status, Status::ok, 0));
    transport.expect_out(command_bytes(Reset{}, 1));
    transport.reply_in(response_bytes(code::k_reset, Status::ok, 1, hex("09")));
    transport.expect_out(command_bytes(Retract{k_reference}, 2));
    transport.reply_in(response_bytes(code::k_retract, Status::ok, 2, hex("05")));
    DispenserClient client(transport);
    CHECK(client.reset().error() == DispenserError::unexpected_response);
    CHECK(client.reset().error() == DispenserError::malformed_payload);
    CHECK(client.retract(k_reference).error() == DispenserError::malformed_payload);
}

TEST_CASE("Dispenser events are read from the interrupt endpoint and gaps are counted") {
    ReplayTransport transport;
    transport.reply_interrupt(encode_frame(encode_event(CashPresented{k_reference, 5}, 1)));
    transport.reply_interrupt(encode_frame(encode_event(CashTaken{k_reference}, 2)));
    transport.reply_interrupt(encode_frame(encode_event(ShutterClosed{}, 5)));
    transport.reply_interrupt(hex("DC 01 41"));
    DispenserClient client(transport);
    const auto wait = std::chrono::milliseconds(1);
    auto first = client.wait_for_event(wait);
    REQUIRE(first.has_value());
    REQUIRE(first->has_value());
    CHECK(std::get<CashPresented>(**first).notes == 5);
    auto second = client.wait_for_event(wait);
    REQUIRE(second.has_value());
    CHECK(std::get<CashTaken>(**second).reference == k_reference);
    CHECK(client.events_lost() == 0);
    auto third = client.wait_for_event(wait);
    REQUIRE(third.has_value());
    CHECK(client.events_lost() == 2);
    CHECK(client.wait_for_event(wait).error() == DispenserError::truncated_frame);
    auto nothing = client.wait_for_event(wait);
    REQUIRE(nothing.has_value());
    CHECK_FALSE(nothing->has_value());
}
