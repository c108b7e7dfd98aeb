// The simulated cabinet sensors board (simulator/devices/virtual_cabinet.h) held to
// docs/protocols/cabinet.md through the kiosk's own driver, wired straight to it
// (DirectTransport): what an engineer does with the key and the doors is in GET STATUS and in
// one event per change; frames it cannot read are answered as the document says.

#include <catch2/catch.hpp>

#include <memory>
#include <optional>

#include "base/bytes.h"
#include "drivers/cabinet/cabinet_client.h"
#include "drivers/cabinet/cabinet_protocol.h"
#include "simulator/devices/direct_transport.h"
#include "simulator/devices/virtual_cabinet.h"

using namespace drivers::cabinet;
using simulator::devices::CabinetSetup;
using simulator::devices::DirectTransport;
using simulator::devices::VirtualCabinet;

namespace {

constexpr auto k_cabinet_wait = std::chrono::milliseconds(500);

struct Board {
    explicit Board(CabinetSetup setup = {})
        : device(std::make_shared<VirtualCabinet>(std::move(setup))) {}

    std::shared_ptr<VirtualCabinet> device;
    DirectTransport transport{device};
    CabinetClient client{transport, CabinetOptions{k_cabinet_wait, 4}};

    // The next event, or nothing when none comes within a short wait.
    std::optional<Event> next_event(std::chrono::milliseconds wait = k_cabinet_wait) {
        auto event = client.wait_for_event(wait);
        REQUIRE(event.has_value());
        return *event;
    }

    CabinetStatus status() {
        auto answer = client.get_status();
        REQUIRE(answer.has_value());
        return *answer;
    }

    // Sends raw bytes and reads the answer.
    std::pair<Frame, Response> send(const base::Bytes& bytes) {
        REQUIRE(transport.bulk_out(bytes, k_cabinet_wait).has_value());
        auto answer = drivers::usb::read_bulk(transport, k_max_frame_length, k_cabinet_wait);
        REQUIRE(answer.has_value());
        auto frame = decode_frame(*answer);
        REQUIRE(frame.has_value());
        auto response = decode_response(*frame);
        REQUIRE(response.has_value());
        return {*frame, *response};
    }
};

constexpr auto k_no_event = std::chrono::milliseconds(50);

}  // namespace

TEST_CASE("A new board says who it is and starts with the switch at run and the doors closed") {
    Board board(CabinetSetup{.manufacturer = "Kiosk Simulator",
                             .product = "Virtual Cabinet Sensors",
                             .model = "CAB-2000",
                             .serial = "SN-7",
                             .firmware_version = 0x0203,
                             .initial = {}});
    CHECK(board.client.get_info() == DeviceInfo{0x0203, "CAB-2000", "SN-7"});
    CHECK(board.status() == CabinetStatus{});
    CHECK(board.device->status() == CabinetStatus{});
    CHECK_FALSE(board.next_event(k_no_event).has_value());
}

TEST_CASE("Turning the key to service and back is one event each and shows in the status") {
    Board board;
    CHECK(board.device->set_service_switch(true));
    CHECK(board.next_event() == Event{SwitchChanged{SwitchPosition::service}});
    CHECK(board.status().service_switch == SwitchPosition::service);
    // Already at service: no change, no event.
    CHECK_FALSE(board.device->set_service_switch(true));
    CHECK_FALSE(board.next_event(k_no_event).has_value());
    CHECK(board.device->set_service_switch(false));
    CHECK(board.next_event() == Event{SwitchChanged{SwitchPosition::run}});
    CHECK(board.status().service_switch == SwitchPosition::run);
    CHECK(board.device->events_sent() == 2);
    CHECK(board.client.events_lost() == 0);
}

TEST_CASE("Each door is reported on its own when it opens and closes") {
    Board board;
    CHECK(board.device->set_door(Door::safe, true));
    CHECK(board.next_event() == Event{DoorChanged{Door::safe, DoorState::open}});
    CHECK(board.status() == CabinetStatus{SwitchPosition::run, DoorState::closed, DoorState::open});
    CHECK(board.device->set_door(Door::cabinet, true));
    CHECK(board.next_event() == Event{DoorChanged{Door::cabinet, DoorState::open}});
    CHECK_FALSE(board.device->set_door(Door::cabinet, true));
    CHECK_FALSE(board.next_event(k_no_event).has_value());
    CHECK(board.device->set_door(Door::safe, false));
    CHECK(board.next_event() == Event{DoorChanged{Door::safe, DoorState::closed}});
    CHECK(board.status() == CabinetStatus{SwitchPosition::run, DoorState::open, DoorState::closed});
}

TEST_CASE("A board a host does not read keeps 32 events and the host sees the gap") {
    Board board;
    REQUIRE(board.device->set_door(Door::safe, true));
    CHECK(board.next_event() == Event{DoorChanged{Door::safe, DoorState::open}});
    // 40 turns of the key with nobody reading: events 1 to 40, of which the board keeps the
    // last 32 and drops 1 to 8 (cabinet.md §5.1).
    for (int turn = 0; turn < 40; ++turn) {
        REQUIRE(board.device->set_service_switch(turn % 2 == 0));
    }
    CHECK(board.device->events_sent() == 41);
    int read = 0;
    std::optional<Event> last;
    while (auto event = board.next_event(k_no_event)) {
        last = event;
        ++read;
    }
    CHECK(read == static_cast<int>(VirtualCabinet::k_max_queued_events));
    CHECK(board.client.events_lost() == 8);
    // The last event and the status agree on where the key is: turned 40 times, back at run.
    CHECK(last == Event{SwitchChanged{SwitchPosition::run}});
    CHECK(board.status().service_switch == SwitchPosition::run);
}

TEST_CASE("Frames the board cannot read are NAKed or refused and change nothing") {
    Board board;
    REQUIRE(board.device->set_service_switch(true));
    REQUIRE(board.next_event());

    base::Bytes damaged = encode_frame(encode_command(GetStatus{}, 6));
    damaged.back() ^= 0x01;
    auto [nak_frame, nak] = board.send(damaged);
    CHECK(nak_frame.code == code::k_nak);
    CHECK(nak_frame.sequence == 6);
    CHECK(nak.status == Status::bad_frame);

    base::Bytes dispenser_frame = encode_frame(encode_command(GetStatus{}, 7));
    dispenser_frame[0] = 0xDC;
    auto [foreign_frame, foreign] = board.send(dispenser_frame);
    CHECK(foreign_frame.sequence == 0);  // bytes 0-3 were not the board's
    CHECK(foreign.status == Status::bad_frame);

    auto [unknown_frame, unknown] = board.send(encode_frame(Frame{0x10, 8, {}}));
    CHECK(unknown_frame.code == code::k_nak);
    CHECK(unknown_frame.sequence == 8);
    CHECK(unknown.status == Status::unknown_command);

    auto [long_frame, too_long] = board.send(encode_frame(Frame{code::k_status, 9, {0x00}}));
    CHECK(long_frame.code == (code::k_status | code::k_response_flag));
    CHECK(too_long.status == Status::bad_length);
    CHECK(too_long.data.empty());

    CHECK(board.status() ==
          CabinetStatus{SwitchPosition::service, DoorState::closed, DoorState::closed});
    CHECK_FALSE(board.next_event(k_no_event).has_value());
}

TEST_CASE("Unplugged, the board forgets its queued events but not where the key and doors are") {
    Board board;
    REQUIRE(board.device->set_service_switch(true));
    REQUIRE(board.device->set_door(Door::cabinet, true));
    board.device->on_unplugged();
    CHECK(board.device->status() ==
          CabinetStatus{SwitchPosition::service, DoorState::open, DoorState::closed});
    // Plugged in again (a new host, a new client): no stale events, and numbering from 0.
    DirectTransport again(board.device);
    CabinetClient client(again, CabinetOptions{k_cabinet_wait, 4});
    auto stale = client.wait_for_event(k_no_event);
    REQUIRE(stale.has_value());
    CHECK_FALSE(stale->has_value());
    REQUIRE(board.device->set_door(Door::cabinet, false));
    auto closed = drivers::usb::read_interrupt(again, 64, k_cabinet_wait);
    REQUIRE(closed.has_value());
    auto frame = decode_frame(*closed);
    REQUIRE(frame.has_value());
    CHECK(frame->sequence == 0);
    CHECK(decode_event(*frame) == Event{DoorChanged{Door::cabinet, DoorState::closed}});
}
