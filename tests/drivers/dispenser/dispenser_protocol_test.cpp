#include <catch2/catch.hpp>

#include <random>
#include <set>
#include <string>

#include "base/bytes.h"
#include "drivers/dispenser/dispenser_protocol.h"
#include "tests/support/replay_transport.h"

using namespace drivers::dispenser;
using tests::drivers::hex;

namespace {

const TransactionReference k_documented_reference =
    *TransactionReference::from_text("7f3e9a2c-41d8-4b6f-a0c5-5e2b9d137a04");

// dispenser.md §4.3 for two cassettes: 10 notes of the first and 3 of the second picked in
// full, now at the slot.
DispenseOutcome full_outcome() {
    return DispenseOutcome{
        k_documented_reference, PickResult::picked_in_full, 1, {10, 3}, NotesLocation::slot};
}

}  // namespace

TEST_CASE("A transaction reference is a UUID's 16 bytes, written as its lower-case text") {
    // RFC 9562 §4: the UUID 7f3e9a2c-41d8-4b6f-a0c5-5e2b9d137a04 is these bytes in order.
    CHECK(base::to_hex(base::Bytes(k_documented_reference.bytes().begin(),
                                   k_documented_reference.bytes().end())) ==
          "7F3E9A2C41D84B6FA0C55E2B9D137A04");
    CHECK(k_documented_reference.text() == "7f3e9a2c-41d8-4b6f-a0c5-5e2b9d137a04");
    CHECK(TransactionReference::from_text("7F3E9A2C-41D8-4B6F-A0C5-5E2B9D137A04") ==
          k_documented_reference);
    CHECK_FALSE(k_documented_reference.is_zero());
    CHECK(TransactionReference{}.is_zero());
    CHECK(TransactionReference{}.text() == "00000000-0000-0000-0000-000000000000");
}

TEST_CASE("Text that is not a UUID is no transaction reference") {
    CHECK_FALSE(TransactionReference::from_text("7f3e9a2c-41d8-4b6f-a0c5-5e2b9d137a0").has_value());
    CHECK_FALSE(
        TransactionReference::from_text("7f3e9a2c-41d8-4b6f-a0c5-5e2b9d137a041").has_value());
    CHECK_FALSE(TransactionReference::from_text("7f3e9a2c41d84b6fa0c55e2b9d137a04").has_value());
    CHECK_FALSE(
        TransactionReference::from_text("7f3e9a2c-41d8-4b6f-a0c5-5e2b9d137a0g").has_value());
    CHECK_FALSE(
        TransactionReference::from_text("7f3e9a2c+41d8-4b6f-a0c5-5e2b9d137a04").has_value());
    CHECK_FALSE(TransactionReference::from_text("").has_value());
}

TEST_CASE("A dispenser frame starts with DC and a PIN pad frame is refused") {
    const base::Bytes bytes = encode_frame(Frame{code::k_status, 0x05, {}});
    CHECK(base::Bytes(bytes.begin(), bytes.begin() + 6) == hex("DC 01 02 05 0000"));
    CHECK(decode_frame(bytes).has_value());
    base::Bytes for_the_pad = bytes;
    for_the_pad[0] = 0xEB;  // epp.md §2
    CHECK(decode_frame(for_the_pad).error() == DispenserError::bad_start_of_frame);
    CHECK(decode_frame(std::span(bytes).first(7)).error() == DispenserError::truncated_frame);
    base::Bytes damaged = bytes;
    damaged.back() ^= 0x01;
    CHECK(decode_frame(damaged).error() == DispenserError::bad_checksum);
    CHECK(sequence_for_nak(hex("DC 01 02 05")) == 0x05);
    CHECK(sequence_for_nak(hex("EB 01 02 05")) == 0);
}

TEST_CASE("DISPENSE carries the reference and a little-endian count per cassette") {
    const Frame frame = encode_command(Dispense{k_documented_reference, {10, 300}}, 7);
    CHECK(frame.code == 0x10);
    CHECK(frame.sequence == 7);
    // dispenser.md §4: 16 bytes of reference, then 0A00 and 2C01.
    CHECK(frame.payload == hex("7F3E9A2C41D84B6FA0C55E2B9D137A04 0A00 2C01"));
}

TEST_CASE("Every command survives an encode and decode round trip") {
    const std::vector<Command> commands = {
        GetInfo{},
        GetStatus{},
        GetCassettes{},
        Dispense{k_documented_reference, {0, 4}},
        Present{k_documented_reference},
        Retract{k_documented_reference},
        Reject{k_documented_reference},
        Reset{},
    };
    for (const Command& command : commands) {
        auto frame = decode_frame(encode_frame(encode_command(command, 42)));
        REQUIRE(frame.has_value());
        CHECK(frame->code == code_of(command));
        auto decoded = decode_command(*frame);
        REQUIRE(decoded.has_value());
        CHECK(*decoded == command);
    }
}

TEST_CASE("Commands of the wrong length are malformed and unknown codes are unknown") {
    const base::Bytes reference(k_documented_reference.bytes().begin(),
                                k_documented_reference.bytes().end());
    CHECK(decode_command(Frame{code::k_info, 0, {0x00}}).error() ==
          DispenserError::malformed_payload);
    CHECK(decode_command(Frame{code::k_reset, 0, {0x00}}).error() ==
          DispenserError::malformed_payload);
    CHECK(decode_command(Frame{code::k_present, 0, {}}).error() ==
          DispenserError::malformed_payload);
    CHECK(decode_command(
              Frame{code::k_retract, 0, base::Bytes(reference.begin(), reference.end() - 1)})
              .error() == DispenserError::malformed_payload);
    base::Bytes longer = reference;
    longer.push_back(0x00);
    CHECK(decode_command(Frame{code::k_reject, 0, longer}).error() ==
          DispenserError::malformed_payload);
    // A DISPENSE needs at least one cassette's count, and whole counts.
    CHECK(decode_command(Frame{code::k_dispense, 0, reference}).error() ==
          DispenserError::malformed_payload);
    base::Bytes half_count = reference;
    half_count.insert(half_count.end(), {0x01, 0x00, 0x01});
    CHECK(decode_command(Frame{code::k_dispense, 0, half_count}).error() ==
          DispenserError::malformed_payload);
    CHECK(decode_command(Frame{code::k_dispense, 0, hex("0102")}).error() ==
          DispenserError::malformed_payload);
    CHECK(decode_command(Frame{0x14, 0, {}}).error() == DispenserError::unknown_code);
    CHECK(decode_command(Frame{0x90, 0, {}}).error() == DispenserError::unknown_code);
}

TEST_CASE("A zero reference or a DISPENSE of no notes is a bad parameter") {
    CHECK(decode_command(encode_command(Present{TransactionReference{}}, 0)).error() ==
          DispenserError::bad_parameter);
    CHECK(decode_command(encode_command(Reject{TransactionReference{}}, 0)).error() ==
          DispenserError::bad_parameter);
    CHECK(decode_command(encode_command(Dispense{TransactionReference{}, {1}}, 0)).error() ==
          DispenserError::bad_parameter);
    CHECK(decode_command(encode_command(Dispense{k_documented_reference, {0, 0}}, 0)).error() ==
          DispenserError::bad_parameter);
}

TEST_CASE("Responses carry the command code with bit 7 set and a status byte") {
    const Frame frame = encode_response(Response{code::k_present, Status::ok, hex("0D00")}, 3);
    CHECK(frame.code == 0x91);
    CHECK(frame.payload == hex("00 0D00"));
    auto decoded = decode_response(frame);
    REQUIRE(decoded.has_value());
    CHECK(decoded->command_code == code::k_present);
    CHECK(decode_note_count(decoded->data) == 13);
    auto nak = decode_response(Frame{code::k_nak, 0, {0x09}});
    REQUIRE(nak.has_value());
    CHECK(nak->command_code == code::k_nak);
    CHECK(nak->status == Status::bad_frame);
}

TEST_CASE("Responses with unknown codes or statuses are refused") {
    CHECK(decode_response(Frame{0x94, 0, {0x00}}).error() == DispenserError::unknown_code);
    CHECK(decode_response(Frame{0x10, 0, {0x00}}).error() == DispenserError::unknown_code);
    CHECK(decode_response(Frame{0x90, 0, {}}).error() == DispenserError::malformed_payload);
    CHECK(decode_response(Frame{0x90, 0, {0x0C}}).error() == DispenserError::malformed_payload);
    auto last = decode_response(Frame{0x90, 0, {0x0B}});
    REQUIRE(last.has_value());
    CHECK(last->status == Status::out_of_service);
}

TEST_CASE("Every refusal of the dispenser becomes its own error") {
    std::set<DispenserError> errors;
    for (std::uint8_t value = 1; value <= 0x0B; ++value) {
        errors.insert(error_from_status(static_cast<Status>(value)));
    }
    // bad frame is only ever in a NAK: rejected_frame, like the NAK itself.
    CHECK(errors.size() == 11);
    CHECK(error_from_status(Status::wrong_reference) == DispenserError::wrong_reference);
    CHECK(error_from_status(Status::bad_frame) == DispenserError::rejected_frame);
}

TEST_CASE("INFO holds the firmware version, a space-padded serial and the cassette count") {
    const DeviceInfo info{0x0102, "SIM-CDM-0001", 2};
    const base::Bytes data = encode_device_info(info);
    CHECK(data == hex("0201 53494D2D43444D2D30303031 20202020 02"));
    CHECK(decode_device_info(data) == info);
    CHECK(decode_device_info(std::span(data).first(18)).error() ==
          DispenserError::malformed_payload);
    base::Bytes unprintable = data;
    unprintable[5] = 0x07;
    CHECK(decode_device_info(unprintable).error() == DispenserError::malformed_payload);
}

TEST_CASE("The dispense outcome round trips with the cassette count taken from its length") {
    const base::Bytes data = encode_outcome(full_outcome());
    // dispenser.md §4.3: reference, result 0, 1 rejected, 10 and 3 picked, at the slot.
    CHECK(data == hex("7F3E9A2C41D84B6FA0C55E2B9D137A04 00 0100 0A00 0300 01"));
    CHECK(decode_outcome(data) == full_outcome());
    DispenseOutcome three = full_outcome();
    three.notes_picked = {1, 2, 3};
    three.result = PickResult::picked_in_part;
    three.location = NotesLocation::rejected;
    CHECK(decode_outcome(encode_outcome(three)) == three);
}

TEST_CASE("Outcomes that are cut, odd or out of range are refused") {
    const base::Bytes data = encode_outcome(full_outcome());
    CHECK(decode_outcome(std::span(data).first(21)).error() == DispenserError::malformed_payload);
    CHECK(decode_outcome(std::span(data).first(data.size() - 1)).error() ==
          DispenserError::malformed_payload);
    base::Bytes bad = data;
    bad[16] = 3;  // no such result
    CHECK(decode_outcome(bad).error() == DispenserError::malformed_payload);
    bad = data;
    bad.back() = 5;  // no such place
    CHECK(decode_outcome(bad).error() == DispenserError::malformed_payload);
    CHECK(decode_outcome({}).error() == DispenserError::malformed_payload);
}

TEST_CASE("STATUS round trips and says where the notes of the held transaction are") {
    DispenserStatus status;
    status.state = State::jammed;
    status.shutter_open = false;
    status.held_reference = k_documented_reference;
    status.notes_in_transport = 4;
    status.reject_bin_count = 12;
    status.reject_bin_capacity = 200;
    status.last_outcome = full_outcome();
    status.last_outcome.result = PickResult::picked_in_part;
    status.last_outcome.location = NotesLocation::transport;
    const base::Bytes data = encode_status(status);
    CHECK(base::Bytes(data.begin(), data.begin() + 2) == hex("03 00"));
    CHECK(base::Bytes(data.begin() + 18, data.begin() + 26) == hex("0400 0000 0C00 C800"));
    CHECK(decode_status(data) == status);
}

TEST_CASE("STATUS with an unknown state, shutter or a broken outcome is refused") {
    DispenserStatus status;
    status.last_outcome.notes_picked = {0, 0};
    const base::Bytes data = encode_status(status);
    REQUIRE(decode_status(data).has_value());
    base::Bytes bad = data;
    bad[0] = 5;
    CHECK(decode_status(bad).error() == DispenserError::malformed_payload);
    bad = data;
    bad[1] = 2;
    CHECK(decode_status(bad).error() == DispenserError::malformed_payload);
    CHECK(decode_status(std::span(data).first(25)).error() == DispenserError::malformed_payload);
    CHECK(decode_status(std::span(data).first(data.size() - 1)).error() ==
          DispenserError::malformed_payload);
}

TEST_CASE("CASSETTES lists each cassette's number, currency, denomination, count and state") {
    const std::vector<Cassette> cassettes{{1, "CNY", 10000, 2000, CassetteState::ok},
                                          {2, "CNY", 5000, 40, CassetteState::low}};
    const base::Bytes data = encode_cassettes(cassettes);
    CHECK(data == hex("01 434E59 10270000 D007 00  02 434E59 88130000 2800 01"));
    CHECK(decode_cassettes(data) == cassettes);
}

TEST_CASE("Cassettes out of order, of no currency or of an unknown state are refused") {
    const base::Bytes one = hex("01 434E59 10270000 D007 00");
    CHECK(decode_cassettes({}).error() == DispenserError::malformed_payload);
    CHECK(decode_cassettes(std::span(one).first(10)).error() == DispenserError::malformed_payload);
    CHECK(decode_cassettes(hex("02 434E59 10270000 D007 00")).error() ==
          DispenserError::malformed_payload);
    CHECK(decode_cassettes(hex("01 636E79 10270000 D007 00")).error() ==
          DispenserError::malformed_payload);
    CHECK(decode_cassettes(hex("01 434E59 10270000 D007 05")).error() ==
          DispenserError::malformed_payload);
}

TEST_CASE("Note counts and states are refused when their length or value is wrong") {
    CHECK(decode_note_count(hex("0A")).error() == DispenserError::malformed_payload);
    CHECK(decode_note_count(hex("0A0000")).error() == DispenserError::malformed_payload);
    CHECK(decode_state(encode_state(State::stacked)) == State::stacked);
    CHECK(decode_state(hex("05")).error() == DispenserError::malformed_payload);
    CHECK(decode_state({}).error() == DispenserError::malformed_payload);
}

TEST_CASE("Every event survives an encode and decode round trip") {
    const std::vector<Event> events = {
        CashPresented{k_documented_reference, 13},
        CashTaken{k_documented_reference},
        ShutterClosed{},
        NotesJammed{k_documented_reference},
        CassetteChanged{2, CassetteState::missing},
    };
    std::uint8_t expected_code = code::k_cash_presented;
    for (const Event& event : events) {
        auto frame = decode_frame(encode_frame(encode_event(event, 200)));
        REQUIRE(frame.has_value());
        CHECK(frame->code == expected_code++);
        CHECK(frame->sequence == 200);
        auto decoded = decode_event(*frame);
        REQUIRE(decoded.has_value());
        CHECK(*decoded == event);
    }
}

TEST_CASE("Events with malformed payloads are refused") {
    const base::Bytes reference(k_documented_reference.bytes().begin(),
                                k_documented_reference.bytes().end());
    const base::Bytes zero(16, 0x00);
    base::Bytes presented = reference;
    presented.insert(presented.end(), {0x00, 0x00});  // no notes presented
    CHECK(decode_event(Frame{code::k_cash_presented, 0, presented}).error() ==
          DispenserError::malformed_payload);
    CHECK(decode_event(Frame{code::k_cash_presented, 0, reference}).error() ==
          DispenserError::malformed_payload);
    CHECK(decode_event(Frame{code::k_cash_taken, 0, zero}).error() ==
          DispenserError::malformed_payload);
    CHECK(
        decode_event(Frame{code::k_jammed, 0, base::Bytes(reference.begin(), reference.end() - 1)})
            .error() == DispenserError::malformed_payload);
    CHECK(decode_event(Frame{code::k_shutter_closed, 0, {0x00}}).error() ==
          DispenserError::malformed_payload);
    CHECK(decode_event(Frame{code::k_cassette_changed, 0, {0x00, 0x00}}).error() ==
          DispenserError::malformed_payload);
    CHECK(decode_event(Frame{code::k_cassette_changed, 0, {0x01, 0x05}}).error() ==
          DispenserError::malformed_payload);
    CHECK(decode_event(Frame{code::k_cassette_changed, 0, {0x01}}).error() ==
          DispenserError::malformed_payload);
    CHECK(decode_event(Frame{0x45, 0, {}}).error() == DispenserError::unknown_code);
}

TEST_CASE("Every dispenser error has its own description") {
    std::set<std::string_view> texts;
    for (int value = 0; value <= static_cast<int>(DispenserError::out_of_service); ++value) {
        texts.insert(to_string(static_cast<DispenserError>(value)));
    }
    CHECK(texts.size() == static_cast<std::size_t>(DispenserError::out_of_service) + 1);
}

TEST_CASE("Random bytes never crash the dispenser's decoders") {
    std::mt19937 generator(8);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(0, 60);
    int frames = 0;
    for (int round = 0; round < 20000; ++round) {
        base::Bytes input(static_cast<std::size_t>(length(generator)));
        for (auto& value : input) {
            value = static_cast<std::uint8_t>(byte(generator));
        }
        // Give half the inputs a valid frame around random content.
        if (round % 2 == 0 && input.size() >= 2) {
            input = encode_frame(
                Frame{input[0], input[1], base::Bytes(input.begin() + 2, input.end())});
        }
        if (auto frame = decode_frame(input)) {
            ++frames;
            (void)decode_command(*frame);
            (void)decode_event(*frame);
            if (auto response = decode_response(*frame)) {
                (void)decode_device_info(response->data);
                (void)decode_status(response->data);
                (void)decode_outcome(response->data);
                (void)decode_cassettes(response->data);
            }
        }
    }
    CHECK(frames > 0);
}
