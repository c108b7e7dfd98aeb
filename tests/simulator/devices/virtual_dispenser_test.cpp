#include <catch2/catch.hpp>

#include <array>
#include <random>

#include "base/bytes.h"
#include "drivers/dispenser/dispenser_client.h"
#include "drivers/dispenser/dispenser_protocol.h"
#include "simulator/devices/direct_transport.h"
#include "simulator/devices/usb_descriptors.h"
#include "simulator/devices/virtual_dispenser.h"

using namespace drivers::dispenser;
using simulator::devices::DirectTransport;
using simulator::devices::DispenserSetup;
using simulator::devices::VirtualDispenser;

using namespace std::chrono_literals;

namespace {

constexpr auto k_wait = std::chrono::milliseconds(500);
const TransactionReference k_first =
    *TransactionReference::from_text("11111111-1111-1111-1111-111111111111");
const TransactionReference k_second =
    *TransactionReference::from_text("22222222-2222-2222-2222-222222222222");
// 3 notes of 100 yuan and 2 of 50: 400 yuan.
constexpr std::array<std::uint16_t, 2> k_mix{3, 2};
constexpr std::uint64_t k_mix_amount = 3 * 10000 + 2 * 5000;

struct Dispenser {
    explicit Dispenser(DispenserSetup setup = {})
        : device(std::make_shared<VirtualDispenser>(std::move(setup))) {}

    std::shared_ptr<VirtualDispenser> device;
    DirectTransport transport{device};
    DispenserClient client{transport, DispenserOptions{k_wait, k_wait, 4, 1}};

    std::optional<Event> next_event(std::chrono::milliseconds wait = k_wait) {
        auto event = client.wait_for_event(wait);
        REQUIRE(event.has_value());
        return *event;
    }

    DispenserStatus status() {
        auto answer = client.get_status();
        REQUIRE(answer.has_value());
        return *answer;
    }

    // Sends one raw frame and reads the answer.
    Response send(const Frame& frame) {
        REQUIRE(transport.bulk_out(encode_frame(frame), k_wait).has_value());
        auto bytes = drivers::usb::read_bulk(transport, k_max_frame_length, k_wait);
        REQUIRE(bytes.has_value());
        auto answer = decode_frame(*bytes);
        REQUIRE(answer.has_value());
        CHECK(answer->sequence == frame.sequence);
        auto response = decode_response(*answer);
        REQUIRE(response.has_value());
        return *response;
    }
};

// Every note loaded is in exactly one place.
std::uint64_t notes_everywhere(const simulator::devices::CassetteLedger& cassette) {
    return cassette.taken + cassette.in_cassette + cassette.in_transport + cassette.at_slot +
           cassette.in_reject_bin;
}

}  // namespace

TEST_CASE("The dispenser announces a vendor-class interface of subclass 1 and product 0004") {
    VirtualDispenser dispenser;
    const auto descriptors = dispenser.descriptors();
    CHECK((descriptors[8] | (descriptors[9] << 8)) == simulator::devices::k_test_vendor_id);
    CHECK((descriptors[10] | (descriptors[11] << 8)) == 0x0004);
    CHECK(descriptors[27 + 4] == 3);  // three endpoints
    CHECK(descriptors[27 + 5] == 0xFF);
    CHECK(descriptors[27 + 6] == 0x01);
}

TEST_CASE("The dispenser reports its identity and its two loaded CNY cassettes") {
    Dispenser dispenser;
    CHECK(dispenser.client.get_info() == DeviceInfo{0x0100, "SIM-CDM-0001", 2});
    const std::vector<Cassette> expected{{1, "CNY", 10000, 2000, CassetteState::ok},
                                         {2, "CNY", 5000, 1000, CassetteState::ok}};
    CHECK(dispenser.client.get_cassettes() == expected);
    const DispenserStatus status = dispenser.status();
    CHECK(status.state == State::idle);
    CHECK(status.held_reference.is_zero());
    CHECK(status.last_outcome.reference.is_zero());
    CHECK(status.last_outcome.notes_picked == std::vector<std::uint16_t>{0, 0});
    CHECK(status.reject_bin_capacity == 200);
}

TEST_CASE("Cash picked, presented and taken leaves the machine once, into the ledger") {
    Dispenser dispenser;
    auto outcome = dispenser.client.dispense(k_first, k_mix);
    REQUIRE(outcome.has_value());
    CHECK(outcome->result == PickResult::picked_in_full);
    CHECK(outcome->notes_picked == std::vector<std::uint16_t>{3, 2});
    CHECK(outcome->location == NotesLocation::transport);
    DispenserStatus status = dispenser.status();
    CHECK(status.state == State::stacked);
    CHECK(status.held_reference == k_first);
    CHECK(status.notes_in_transport == 5);
    CHECK(dispenser.device->ledger().notes_taken() == 0);

    CHECK(dispenser.client.present(k_first) == 5);
    CHECK(dispenser.next_event() == Event{CashPresented{k_first, 5}});
    status = dispenser.status();
    CHECK(status.state == State::presented);
    CHECK(status.shutter_open);
    CHECK(status.notes_at_slot == 5);

    REQUIRE(dispenser.device->take_cash());
    CHECK(dispenser.next_event() == Event{CashTaken{k_first}});
    CHECK(dispenser.next_event() == Event{ShutterClosed{}});
    status = dispenser.status();
    CHECK(status.state == State::idle);
    CHECK_FALSE(status.shutter_open);
    CHECK(status.held_reference.is_zero());
    CHECK(status.last_outcome.reference == k_first);
    CHECK(status.last_outcome.location == NotesLocation::taken);
    const auto ledger = dispenser.device->ledger();
    CHECK(ledger.notes_taken() == 5);
    CHECK(ledger.amount_taken() == k_mix_amount);
    CHECK(ledger.cassettes[0].in_cassette == 1997);
    CHECK(ledger.cassettes[1].in_cassette == 998);
    CHECK_FALSE(dispenser.device->take_cash());
}

TEST_CASE("The same DISPENSE again returns the stored outcome and picks nothing") {
    Dispenser dispenser;
    REQUIRE(dispenser.client.dispense(k_first, k_mix).has_value());
    REQUIRE(dispenser.client.present(k_first).has_value());
    REQUIRE(dispenser.device->take_cash());
    const auto before = dispenser.device->ledger();

    auto again = dispenser.client.dispense(k_first, k_mix);
    REQUIRE(again.has_value());
    CHECK(again->notes_picked == std::vector<std::uint16_t>{3, 2});
    CHECK(again->location == NotesLocation::taken);
    CHECK(dispenser.device->ledger().cassettes == before.cassettes);
    CHECK(dispenser.status().state == State::idle);
    // A new reference is a new order.
    REQUIRE(dispenser.client.dispense(k_second, k_mix).has_value());
    CHECK(dispenser.device->ledger().cassettes[0].in_cassette == 1994);
}

TEST_CASE("Notes left at the slot are retracted into the reject bin, not into the ledger") {
    Dispenser dispenser;
    REQUIRE(dispenser.client.dispense(k_first, k_mix).has_value());
    REQUIRE(dispenser.client.present(k_first).has_value());
    CHECK(dispenser.client.retract(k_first) == 5);
    CHECK(dispenser.next_event() == Event{CashPresented{k_first, 5}});
    CHECK(dispenser.next_event() == Event{ShutterClosed{}});
    const DispenserStatus status = dispenser.status();
    CHECK(status.state == State::idle);
    CHECK(status.reject_bin_count == 5);
    CHECK(status.last_outcome.location == NotesLocation::retracted);
    CHECK(dispenser.device->ledger().notes_taken() == 0);
    CHECK(dispenser.device->ledger().notes_in_reject_bin() == 5);
    CHECK_FALSE(dispenser.device->take_cash());
}

TEST_CASE("Stacked notes are rejected into the bin and never reach the slot") {
    Dispenser dispenser;
    REQUIRE(dispenser.client.dispense(k_first, k_mix).has_value());
    CHECK(dispenser.client.retract(k_first).error() == DispenserError::nothing_held);
    CHECK(dispenser.client.reject(k_first) == 5);
    const DispenserStatus status = dispenser.status();
    CHECK(status.state == State::idle);
    CHECK(status.reject_bin_count == 5);
    CHECK(status.last_outcome.location == NotesLocation::rejected);
    CHECK(dispenser.client.present(k_first).error() == DispenserError::nothing_held);
}

TEST_CASE("A jam stops the pick and STATUS says where the notes are until a reset") {
    Dispenser dispenser;
    dispenser.device->jam_next_dispense(2);
    auto outcome = dispenser.client.dispense(k_first, k_mix);
    REQUIRE(outcome.has_value());
    CHECK(outcome->result == PickResult::picked_in_part);
    CHECK(outcome->notes_picked == std::vector<std::uint16_t>{2, 0});
    CHECK(dispenser.next_event() == Event{NotesJammed{k_first}});
    DispenserStatus status = dispenser.status();
    CHECK(status.state == State::jammed);
    CHECK(status.held_reference == k_first);
    CHECK(status.notes_in_transport == 2);
    CHECK(status.last_outcome.result == PickResult::picked_in_part);

    CHECK(dispenser.client.present(k_first).error() == DispenserError::jammed);
    CHECK(dispenser.client.dispense(k_second, k_mix).error() == DispenserError::jammed);
    CHECK(dispenser.client.reset() == State::idle);
    status = dispenser.status();
    CHECK(status.notes_in_transport == 0);
    CHECK(status.reject_bin_count == 2);
    CHECK(status.last_outcome.location == NotesLocation::rejected);
    // The jammed order stays carried out: sent again, it picks nothing.
    CHECK(dispenser.client.dispense(k_first, k_mix)->location == NotesLocation::rejected);
    CHECK(dispenser.device->ledger().cassettes[0].in_cassette == 1998);
    for (const auto& cassette : dispenser.device->ledger().cassettes) {
        CHECK(notes_everywhere(cassette) == (cassette.denomination == 10000 ? 2000 : 1000));
    }
}

TEST_CASE("A reset without a jam moves no note, stacked or presented") {
    Dispenser dispenser;
    REQUIRE(dispenser.client.dispense(k_first, k_mix).has_value());
    CHECK(dispenser.client.reset() == State::stacked);
    CHECK(dispenser.status().notes_in_transport == 5);
    REQUIRE(dispenser.client.present(k_first).has_value());
    CHECK(dispenser.client.reset() == State::presented);
    CHECK(dispenser.status().notes_at_slot == 5);
    CHECK(dispenser.device->ledger().notes_in_reject_bin() == 0);
}

TEST_CASE("A jam armed for more notes than asked waits for a larger dispense") {
    Dispenser dispenser;
    dispenser.device->jam_next_dispense(5);
    CHECK(dispenser.client.dispense(k_first, k_mix)->result == PickResult::picked_in_full);
    REQUIRE(dispenser.client.reject(k_first).has_value());
    const std::array<std::uint16_t, 2> larger{6, 0};
    CHECK(dispenser.client.dispense(k_second, larger)->notes_picked ==
          std::vector<std::uint16_t>{5, 0});
    CHECK(dispenser.status().state == State::jammed);
}

TEST_CASE("Clearing the faults disarms a jam and a failing shutter, not a jam that happened") {
    Dispenser dispenser;
    dispenser.device->jam_next_dispense(1);
    dispenser.device->fail_shutter();
    dispenser.device->clear_faults();
    CHECK(dispenser.client.dispense(k_first, k_mix)->result == PickResult::picked_in_full);
    CHECK(dispenser.client.present(k_first) == 5);
    CHECK(dispenser.device->take_cash());
    CHECK(dispenser.device->ledger().amount_taken() == k_mix_amount);

    dispenser.device->jam_next_dispense(1);
    CHECK(dispenser.client.dispense(k_second, k_mix)->result == PickResult::picked_in_part);
    dispenser.device->clear_faults();
    CHECK(dispenser.status().state == State::jammed);
    CHECK(dispenser.status().notes_in_transport == 1);
}

TEST_CASE("A mix the cassettes cannot make picks nothing") {
    Dispenser dispenser;
    const std::array<std::uint16_t, 2> too_many{0, 1001};
    CHECK(dispenser.client.dispense(k_first, too_many).error() == DispenserError::not_enough_notes);
    REQUIRE(dispenser.device->remove_cassette(1));
    CHECK(dispenser.next_event() == Event{CassetteChanged{1, CassetteState::missing}});
    CHECK(dispenser.client.dispense(k_first, k_mix).error() == DispenserError::not_enough_notes);
    const DispenserStatus status = dispenser.status();
    CHECK(status.state == State::idle);
    CHECK(status.last_outcome.reference.is_zero());
    CHECK(dispenser.device->ledger().cassettes[0].in_cassette == 2000);
    CHECK(dispenser.device->ledger().cassettes[1].in_cassette == 1000);
    // Nothing was picked, so once the cassette is back the same order can be carried out.
    REQUIRE(dispenser.device->set_cassette_count(1, 2000));
    CHECK(dispenser.client.dispense(k_first, k_mix).has_value());
}

TEST_CASE("A DISPENSE of more notes than STATUS can count is a bad parameter") {
    DispenserSetup setup;
    setup.cassettes = {{"CNY", 10000, 40000}, {"CNY", 5000, 40000}};
    Dispenser dispenser(setup);
    const std::array<std::uint16_t, 2> huge{40000, 25536};
    CHECK(dispenser.client.dispense(k_first, huge).error() == DispenserError::bad_parameter);
    const std::array<std::uint16_t, 2> most{40000, 25535};
    CHECK(dispenser.client.dispense(k_first, most).has_value());
}

TEST_CASE("A dispense while another transaction's notes are held is refused as busy") {
    Dispenser dispenser;
    REQUIRE(dispenser.client.dispense(k_first, k_mix).has_value());
    CHECK(dispenser.client.dispense(k_second, k_mix).error() == DispenserError::busy);
    REQUIRE(dispenser.client.present(k_first).has_value());
    CHECK(dispenser.client.dispense(k_second, k_mix).error() == DispenserError::busy);
    CHECK(dispenser.device->ledger().cassettes[0].in_cassette == 1997);
}

TEST_CASE("Notes are moved only by the transaction they belong to") {
    Dispenser dispenser;
    CHECK(dispenser.client.present(k_first).error() == DispenserError::nothing_held);
    REQUIRE(dispenser.client.dispense(k_first, k_mix).has_value());
    CHECK(dispenser.client.present(k_second).error() == DispenserError::wrong_reference);
    CHECK(dispenser.client.reject(k_second).error() == DispenserError::wrong_reference);
    REQUIRE(dispenser.client.present(k_first).has_value());
    CHECK(dispenser.client.retract(k_second).error() == DispenserError::wrong_reference);
    CHECK(dispenser.status().notes_at_slot == 5);
}

TEST_CASE("A DISPENSE with counts for another number of cassettes is refused as bad length") {
    Dispenser dispenser;
    const std::array<std::uint16_t, 3> three{1, 1, 1};
    CHECK(dispenser.client.dispense(k_first, three).error() == DispenserError::bad_length);
    CHECK(dispenser.status().state == State::idle);
}

TEST_CASE("A shutter that does not move keeps the notes where they are") {
    Dispenser dispenser;
    REQUIRE(dispenser.client.dispense(k_first, k_mix).has_value());
    dispenser.device->fail_shutter();
    CHECK(dispenser.client.present(k_first).error() == DispenserError::shutter_fault);
    CHECK(dispenser.status().state == State::stacked);
    CHECK_FALSE(dispenser.device->shutter_open());
    dispenser.device->fail_shutter(false);
    REQUIRE(dispenser.client.present(k_first).has_value());
    dispenser.device->fail_shutter();
    CHECK(dispenser.client.retract(k_first).error() == DispenserError::shutter_fault);
    CHECK(dispenser.status().notes_at_slot == 5);
}

TEST_CASE("A full reject bin takes the dispenser out of service until it is emptied") {
    DispenserSetup setup;
    setup.reject_bin_capacity = 7;
    Dispenser dispenser(setup);
    REQUIRE(dispenser.client.dispense(k_first, k_mix).has_value());
    REQUIRE(dispenser.client.reject(k_first) == 5);
    REQUIRE(dispenser.client.dispense(k_second, k_mix).has_value());
    CHECK(dispenser.client.reject(k_second).error() == DispenserError::out_of_service);
    DispenserStatus status = dispenser.status();
    CHECK(status.state == State::out_of_service);
    CHECK(status.notes_in_transport == 5);
    CHECK(status.reject_bin_count == 5);
    CHECK(dispenser.client.present(k_second).error() == DispenserError::out_of_service);
    CHECK(dispenser.client.reset() == State::out_of_service);
    CHECK(dispenser.client.get_cassettes().has_value());
    dispenser.device->empty_reject_bin();
    CHECK(dispenser.status().state == State::stacked);
    CHECK(dispenser.client.reject(k_second) == 5);
}

TEST_CASE("Cassettes report their state changes: missing, refilled low, emptied") {
    DispenserSetup setup;
    setup.cassettes[1].count = 101;
    Dispenser dispenser(setup);
    const std::array<std::uint16_t, 2> one_fifty{0, 1};
    REQUIRE(dispenser.client.dispense(k_first, one_fifty).has_value());
    CHECK(dispenser.next_event() == Event{CassetteChanged{2, CassetteState::low}});
    REQUIRE(dispenser.device->set_cassette_count(2, 0));
    CHECK(dispenser.next_event() == Event{CassetteChanged{2, CassetteState::empty}});
    CHECK_FALSE(dispenser.device->set_cassette_count(3, 10));
    CHECK_FALSE(dispenser.device->remove_cassette(0));
    CHECK(dispenser.client.get_cassettes()->at(1).state == CassetteState::empty);
}

TEST_CASE("A frame the dispenser cannot read is NAKed with its sequence number") {
    Dispenser dispenser;
    base::Bytes frame = encode_frame(encode_command(GetStatus{}, 0x33));
    frame.back() ^= 0xFF;
    REQUIRE(dispenser.transport.bulk_out(frame, k_wait).has_value());
    auto answer = drivers::usb::read_bulk(dispenser.transport, k_max_frame_length, k_wait);
    REQUIRE(answer.has_value());
    auto decoded = decode_frame(*answer);
    REQUIRE(decoded.has_value());
    CHECK(decoded->code == code::k_nak);
    CHECK(decoded->sequence == 0x33);
    CHECK(decoded->payload == base::Bytes{static_cast<std::uint8_t>(Status::bad_frame)});
}

TEST_CASE("The dispenser NAKs unknown commands and refuses malformed ones with the reason") {
    Dispenser dispenser;
    const Response unknown = dispenser.send(Frame{0x30, 5, {}});
    CHECK(unknown.command_code == code::k_nak);
    CHECK(unknown.status == Status::unknown_command);
    const Response short_reference = dispenser.send(Frame{code::k_present, 6, {0x11}});
    CHECK(short_reference.command_code == code::k_present);
    CHECK(short_reference.status == Status::bad_length);
    const Response zero = dispenser.send(encode_command(Present{TransactionReference{}}, 7));
    CHECK(zero.status == Status::bad_parameter);
    const Response nothing = dispenser.send(encode_command(Dispense{k_first, {0, 0}}, 8));
    CHECK(nothing.status == Status::bad_parameter);
}

TEST_CASE("Random bytes sent to the dispenser never crash it or move a note") {
    Dispenser dispenser;
    std::mt19937 generator(4217);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(0, 40);
    for (int round = 0; round < 5000; ++round) {
        base::Bytes input(static_cast<std::size_t>(length(generator)));
        for (auto& value : input) {
            value = static_cast<std::uint8_t>(byte(generator));
        }
        if (round % 2 == 0 && input.size() >= 2) {
            // A well-framed random command of a known code, so that its decoder is exercised.
            constexpr std::array<std::uint8_t, 8> k_codes{0x01, 0x02, 0x03, 0x10,
                                                          0x11, 0x12, 0x13, 0x20};
            input = encode_frame(Frame{k_codes[input[0] % k_codes.size()], input[1],
                                       base::Bytes(input.begin() + 2, input.end())});
        }
        dispenser.device->on_out(VirtualDispenser::k_bulk_out, input);
        while (dispenser.device->take_in(VirtualDispenser::k_bulk_in)) {
        }
    }
    // Random orders may have picked notes or moved them to the reject bin; every note is still
    // counted somewhere, and none reached a customer.
    for (const auto& cassette : dispenser.device->ledger().cassettes) {
        CHECK(notes_everywhere(cassette) == (cassette.denomination == 10000 ? 2000 : 1000));
        CHECK(cassette.taken == 0);
    }
}

TEST_CASE("A response lost on the way leaves the order carried out and the outcome stored") {
    Dispenser dispenser;
    dispenser.device->lose_next_response();
    CHECK(dispenser.client.dispense(k_first, k_mix).error() == DispenserError::timeout);
    CHECK(dispenser.status().state == State::stacked);
    CHECK(dispenser.client.dispense(k_first, k_mix)->notes_picked ==
          std::vector<std::uint16_t>{3, 2});
    CHECK(dispenser.device->ledger().cassettes[0].in_cassette == 1997);
}

TEST_CASE("An unplugged dispenser loses its queues but not its notes or its last outcome") {
    Dispenser dispenser;
    REQUIRE(dispenser.client.dispense(k_first, k_mix).has_value());
    REQUIRE(dispenser.client.present(k_first).has_value());
    dispenser.device->on_unplugged();
    CHECK_FALSE(dispenser.next_event(50ms).has_value());
    const DispenserStatus status = dispenser.status();
    CHECK(status.state == State::presented);
    CHECK(status.held_reference == k_first);
    CHECK(status.last_outcome.reference == k_first);
    CHECK(dispenser.client.dispense(k_first, k_mix)->location == NotesLocation::slot);
}
