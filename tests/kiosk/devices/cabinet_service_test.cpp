// The kiosk's cabinet board model (kiosk/devices/cabinet_service.h) through real libusb and the
// drivers' cabinet client, against the simulator's board on the umockdev virtual bus: the core
// hears the service switch's position when it differs from what it last heard, at connect, as
// the key turns, and after the board was away; doors and the board's presence are notices only;
// a board that lies is named in a notice and never heard by the core.

#include "kiosk/devices/cabinet_service.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "drivers/cabinet/cabinet_protocol.h"
#include "simulator/devices/in_endpoints.h"
#include "simulator/devices/virtual_cabinet.h"
#include "simulator/devices/virtual_dispenser.h"
#include "simulator/devices/virtual_epp.h"
#include "simulator/usb/virtual_usb_bus.h"
#include "tests/kiosk/devices/event_recorder.h"

using namespace kiosk;
using namespace kiosk::devices;
using namespace kiosk::devices::test;
using simulator::devices::VirtualCabinet;
namespace cabinet = drivers::cabinet;

namespace {

// A bus, the simulator's board (or a lying one), and the kiosk's model listening to it.
struct CabinetKiosk {
    simulator::usb::VirtualUsbBus bus;
    std::shared_ptr<VirtualCabinet> board = std::make_shared<VirtualCabinet>();
    std::optional<simulator::usb::DeviceHandle> board_handle;
    EventRecorder recorder;
    CabinetService service;

    void plug(std::shared_ptr<simulator::usb::VirtualUsbDevice> device) {
        auto handle = bus.plug(std::move(device));
        REQUIRE(handle);
        board_handle = *handle;
    }
    void plug_board() { plug(board); }
    void unplug_board() {
        REQUIRE(board_handle);
        REQUIRE(bus.unplug(*board_handle));
        board_handle.reset();
    }
    void start() { service.start(recorder.sink(), recorder.notice()); }
    // Starts the model on a board that is there and waits until it has read it.
    void start_connected() {
        start();
        REQUIRE(recorder.wait_for_notice("cabinet connected: SIM-SENSORS-1, firmware 1.0"));
        REQUIRE(eventually([&] { return service.state() == CabinetServiceState::ready; }));
    }
    std::size_t notices_saying(std::string_view text) const {
        const auto notices = recorder.notices();
        return static_cast<std::size_t>(std::ranges::count_if(
            notices, [&](const Notice& notice) { return notice.event == text; }));
    }
    // Every event so far is a ServiceSwitchChanged, and nothing tells the core about the
    // board's presence.
    void check_only_switch_events() const {
        for (const auto& event : recorder.events()) {
            CHECK(std::holds_alternative<core::ServiceSwitchChanged>(event));
        }
    }
};

simulator::devices::CabinetSetup at_service() {
    simulator::devices::CabinetSetup setup;
    setup.initial.service_switch = cabinet::SwitchPosition::service;
    return setup;
}

// A board with the cabinet's USB interface that lies: each command is answered by `answer`
// (given the command frame), and the test puts any bytes it likes on the interrupt endpoint.
class LyingBoard final : public simulator::usb::VirtualUsbDevice {
  public:
    using Answer = std::function<base::Bytes(const cabinet::Frame& command)>;
    explicit LyingBoard(Answer answer) : m_answer(std::move(answer)) {}

    void send_event_bytes(base::Bytes bytes) {
        {
            std::lock_guard lock(m_mutex);
            m_in.queue_interrupt(std::move(bytes));
        }
        notify_in_ready();
    }

    base::Bytes descriptors() const override { return VirtualCabinet().descriptors(); }
    std::string manufacturer() const override { return "Liar"; }
    std::string product() const override { return "Lying Cabinet Sensors"; }
    std::string serial() const override { return "LIE-1"; }
    void on_out(std::uint8_t endpoint, std::span<const std::uint8_t> data) override {
        if (endpoint != VirtualCabinet::k_bulk_out) {
            return;
        }
        auto frame = cabinet::decode_frame(data);
        {
            std::lock_guard lock(m_mutex);
            if (frame) {
                if (frame->code == cabinet::code::k_status) {
                    ++m_status_asked;
                }
                m_in.queue_bulk(m_answer(*frame));
            }
        }
        notify_in_ready();
    }
    std::optional<base::Bytes> take_in(std::uint8_t endpoint) override {
        std::lock_guard lock(m_mutex);
        return m_in.take(endpoint);
    }
    // How many GET STATUS the host has sent.
    int status_asked() const {
        std::lock_guard lock(m_mutex);
        return m_status_asked;
    }

  private:
    Answer m_answer;
    mutable std::mutex m_mutex;
    int m_status_asked = 0;
    simulator::devices::InEndpoints m_in{{.address = VirtualCabinet::k_bulk_in},
                                         {.address = VirtualCabinet::k_interrupt_in}};
};

// The answer an honest board at run with its doors closed gives.
base::Bytes honest_answer(const cabinet::Frame& command) {
    const cabinet::Response response =
        command.code == cabinet::code::k_info
            ? cabinet::Response{cabinet::code::k_info, cabinet::Status::ok,
                                cabinet::encode_device_info({0x0100, "LIAR", "LIE-1"})}
            : cabinet::Response{cabinet::code::k_status, cabinet::Status::ok,
                                cabinet::encode_status({})};
    return cabinet::encode_frame(cabinet::encode_response(response, command.sequence));
}

}  // namespace

TEST_CASE("A board found with its switch at run tells the core nothing and the doors to the log") {
    CabinetKiosk kiosk;
    kiosk.plug_board();
    kiosk.start_connected();
    CHECK(kiosk.recorder.wait_for_notice("switch run"));
    CHECK(kiosk.recorder.wait_for_notice("cabinet door closed"));
    CHECK(kiosk.recorder.wait_for_notice("safe door closed"));
    CHECK(kiosk.recorder.stays_quiet(300ms));
    CHECK_FALSE(kiosk.service.service_switch_on());
    for (const auto& notice : kiosk.recorder.notices()) {
        CHECK(notice.device == "cabinet");
    }
}

TEST_CASE("A board found with its switch at service asks for the service menu at once") {
    CabinetKiosk kiosk;
    kiosk.board = std::make_shared<VirtualCabinet>(at_service());
    kiosk.plug_board();
    kiosk.start();
    const auto turned = kiosk.recorder.expect<core::ServiceSwitchChanged>();
    REQUIRE(turned);
    CHECK(turned->on);
    CHECK(kiosk.service.service_switch_on());
    CHECK(kiosk.recorder.wait_for_notice("switch service"));
    // Said once: the board's status is no news the second time.
    CHECK(kiosk.recorder.stays_quiet(300ms));
}

TEST_CASE("Turning the key is told to the core as it happens, once for each position") {
    CabinetKiosk kiosk;
    kiosk.plug_board();
    kiosk.start_connected();

    REQUIRE(kiosk.board->set_service_switch(true));
    const auto on = kiosk.recorder.expect<core::ServiceSwitchChanged>();
    REQUIRE(on);
    CHECK(on->on);
    CHECK(kiosk.service.service_switch_on());

    REQUIRE(kiosk.board->set_service_switch(false));
    const auto off = kiosk.recorder.expect<core::ServiceSwitchChanged>();
    REQUIRE(off);
    CHECK_FALSE(off->on);
    CHECK_FALSE(kiosk.service.service_switch_on());
    CHECK(kiosk.recorder.stays_quiet(200ms));
    CHECK(kiosk.notices_saying("switch service") == 1);
    CHECK(kiosk.notices_saying("switch run") == 2);  // at connect, and after the turn back
}

TEST_CASE("A door opened or closed is told to the device log and never to the core") {
    CabinetKiosk kiosk;
    kiosk.plug_board();
    kiosk.start_connected();
    REQUIRE(kiosk.board->set_door(cabinet::Door::cabinet, true));
    CHECK(kiosk.recorder.wait_for_notice("cabinet door open"));
    REQUIRE(kiosk.board->set_door(cabinet::Door::safe, true));
    CHECK(kiosk.recorder.wait_for_notice("safe door open"));
    REQUIRE(kiosk.board->set_door(cabinet::Door::safe, false));
    CHECK(eventually([&] { return kiosk.notices_saying("safe door closed") == 2; }));
    CHECK(kiosk.recorder.stays_quiet(200ms));
    CHECK(kiosk.recorder.events().empty());
}

TEST_CASE(
    "An unplugged board is a notice, and back with the key turned meanwhile it tells the core") {
    CabinetKiosk kiosk;
    kiosk.plug_board();
    kiosk.start_connected();

    kiosk.unplug_board();
    CHECK(kiosk.recorder.wait_for_notice("cabinet disconnected"));
    CHECK(eventually([&] { return kiosk.service.state() == CabinetServiceState::board_missing; }));
    // The engineer turns the key while the board is away: nobody can hear it yet.
    REQUIRE(kiosk.board->set_service_switch(true));
    REQUIRE(kiosk.board->set_door(cabinet::Door::cabinet, true));
    CHECK(kiosk.recorder.stays_quiet(300ms));

    const auto replugged = std::chrono::steady_clock::now();
    kiosk.plug_board();
    const auto turned = kiosk.recorder.expect<core::ServiceSwitchChanged>(2000ms);
    REQUIRE(turned);
    CHECK(turned->on);
    // cabinet.md §5.2: the status read on return is what tells; it is told once.
    CHECK(std::chrono::steady_clock::now() - replugged < 2000ms);
    CHECK(kiosk.notices_saying("cabinet connected: SIM-SENSORS-1, firmware 1.0") == 2);
    CHECK(kiosk.recorder.wait_for_notice("cabinet door open"));
    CHECK(kiosk.recorder.stays_quiet(300ms));

    // Gone again with the key at service, and back at run: the core hears the key went back.
    kiosk.unplug_board();
    CHECK(kiosk.recorder.wait_for_notice("cabinet disconnected"));
    REQUIRE(kiosk.board->set_service_switch(false));
    kiosk.plug_board();
    const auto back = kiosk.recorder.expect<core::ServiceSwitchChanged>(2000ms);
    REQUIRE(back);
    CHECK_FALSE(back->on);
    kiosk.check_only_switch_events();
}

TEST_CASE("A board missing at start is a notice only, and found later it is read") {
    CabinetKiosk kiosk;
    kiosk.board = std::make_shared<VirtualCabinet>(at_service());
    kiosk.start();
    CHECK(kiosk.recorder.wait_for_notice("cabinet missing"));
    CHECK(kiosk.recorder.stays_quiet(700ms));
    CHECK(kiosk.notices_saying("cabinet missing") == 1);  // not once every look
    CHECK(kiosk.service.state() == CabinetServiceState::board_missing);

    kiosk.plug_board();
    const auto turned = kiosk.recorder.expect<core::ServiceSwitchChanged>(2000ms);
    REQUIRE(turned);
    CHECK(turned->on);
    kiosk.check_only_switch_events();
}

TEST_CASE("A PIN pad and a dispenser on the bus are never taken for the board") {
    // All three interfaces are vendor specific; only the board's subclass tells it.
    constexpr std::array<std::uint8_t, 16> k_any_key{};
    CabinetKiosk kiosk;
    // Whichever order libusb lists them in, a model that took the first vendor-specific
    // interface would meet another device in one of them.
    const bool board_first = GENERATE(true, false);
    if (board_first) {
        kiosk.plug_board();
    }
    REQUIRE(kiosk.bus.plug(std::make_shared<simulator::devices::VirtualEpp>(k_any_key)));
    REQUIRE(kiosk.bus.plug(std::make_shared<simulator::devices::VirtualDispenser>()));
    kiosk.start();
    if (!board_first) {
        CHECK(kiosk.recorder.wait_for_notice("cabinet missing"));
        CHECK(kiosk.recorder.stays_quiet(600ms));
        CHECK(kiosk.service.state() == CabinetServiceState::board_missing);
        kiosk.plug_board();
    }
    CHECK(kiosk.recorder.wait_for_notice("cabinet connected: SIM-SENSORS-1, firmware 1.0"));
    REQUIRE(kiosk.board->set_service_switch(true));
    const auto turned = kiosk.recorder.expect<core::ServiceSwitchChanged>();
    REQUIRE(turned);
    CHECK(turned->on);
}

TEST_CASE("A board whose answers are damaged or malformed is named and never believed") {
    CabinetKiosk kiosk;
    // Each lie, with the notice that names it: a CRC that does not match, a status whose key
    // switch reads 2, a status one byte short, a NAK for every command.
    struct Lie {
        std::string notice;
        LyingBoard::Answer answer;
    };
    const std::vector<Lie> lies{
        {"info failed: cabinet: CRC mismatch",
         [](const cabinet::Frame& command) {
             base::Bytes bytes = honest_answer(command);
             bytes.back() ^= 0xFF;
             return bytes;
         }},
        {"status failed: cabinet: malformed payload",
         [](const cabinet::Frame& command) {
             if (command.code == cabinet::code::k_info) {
                 return honest_answer(command);
             }
             return cabinet::encode_frame(
                 cabinet::Frame{cabinet::code::k_status | cabinet::code::k_response_flag,
                                command.sequence, base::Bytes{0x00, 0x02, 0x00, 0x00}});
         }},
        {"status failed: cabinet: malformed payload",
         [](const cabinet::Frame& command) {
             if (command.code == cabinet::code::k_info) {
                 return honest_answer(command);
             }
             return cabinet::encode_frame(
                 cabinet::Frame{cabinet::code::k_status | cabinet::code::k_response_flag,
                                command.sequence, base::Bytes{0x00, 0x01, 0x00}});
         }},
        {"info failed: cabinet: could not read the frame",
         [](const cabinet::Frame& command) {
             return cabinet::encode_frame(cabinet::encode_response(
                 {cabinet::code::k_nak, cabinet::Status::bad_frame, {}}, command.sequence));
         }},
    };
    const auto index = GENERATE(0, 1, 2, 3);
    const Lie& lie = lies[static_cast<std::size_t>(index)];
    kiosk.plug(std::make_shared<LyingBoard>(lie.answer));
    kiosk.start();
    CHECK(kiosk.recorder.wait_for_notice(lie.notice));
    // Looked at again every k_reopen_interval, the board is named once, and never heard.
    CHECK(kiosk.recorder.stays_quiet(1200ms));
    CHECK(kiosk.notices_saying(lie.notice) == 1);
    CHECK(kiosk.service.state() == CabinetServiceState::board_missing);
    CHECK_FALSE(kiosk.service.service_switch_on());
    CHECK(kiosk.notices_saying("cabinet connected: LIAR, firmware 1.0") == 0);
}

TEST_CASE("An event the board garbles is named, asked again as a status, and never believed") {
    CabinetKiosk kiosk;
    auto liar = std::make_shared<LyingBoard>(honest_answer);
    kiosk.plug(liar);
    kiosk.start();
    REQUIRE(kiosk.recorder.wait_for_notice("cabinet connected: LIAR, firmware 1.0"));
    REQUIRE(kiosk.recorder.wait_for_notice("switch run"));
    REQUIRE(liar->status_asked() == 1);

    // SWITCH CHANGED to service with its CRC damaged, then one whose position reads 5, then a
    // code no event has: the status (at run) is asked after each, and the core hears nothing.
    base::Bytes damaged = cabinet::encode_frame(
        cabinet::encode_event(cabinet::SwitchChanged{cabinet::SwitchPosition::service}, 0));
    damaged.back() ^= 0x01;
    liar->send_event_bytes(damaged);
    CHECK(kiosk.recorder.wait_for_notice("event refused: cabinet: CRC mismatch"));
    CHECK(eventually([&] { return liar->status_asked() == 2; }));
    liar->send_event_bytes(
        cabinet::encode_frame(cabinet::Frame{cabinet::code::k_switch_changed, 1, {0x05}}));
    CHECK(kiosk.recorder.wait_for_notice("event refused: cabinet: malformed payload"));
    CHECK(eventually([&] { return liar->status_asked() == 3; }));
    liar->send_event_bytes(cabinet::encode_frame(cabinet::Frame{0x4E, 2, {0x01}}));
    CHECK(kiosk.recorder.wait_for_notice("event refused: cabinet: unknown message code"));
    CHECK(eventually([&] { return liar->status_asked() == 4; }));
    CHECK(kiosk.recorder.stays_quiet(300ms));
    CHECK_FALSE(kiosk.service.service_switch_on());
    CHECK(kiosk.service.state() == CabinetServiceState::ready);

    // A true event after the lies is believed.
    liar->send_event_bytes(cabinet::encode_frame(
        cabinet::encode_event(cabinet::SwitchChanged{cabinet::SwitchPosition::service}, 3)));
    const auto turned = kiosk.recorder.expect<core::ServiceSwitchChanged>();
    REQUIRE(turned);
    CHECK(turned->on);
}

TEST_CASE("Stopping the cabinet model is prompt and it starts again") {
    CabinetKiosk kiosk;
    kiosk.board = std::make_shared<VirtualCabinet>(at_service());
    kiosk.plug_board();
    kiosk.start();
    REQUIRE(kiosk.recorder.expect<core::ServiceSwitchChanged>());
    // The model waits on the board's events with k_event_wait as a safety net; a stop must end
    // that wait at once.
    const auto started = std::chrono::steady_clock::now();
    kiosk.service.stop();
    CHECK(std::chrono::steady_clock::now() - started < 300ms);

    // Started again, the model tells the core afresh: a new shell has heard nothing yet.
    kiosk.start();
    const auto again = kiosk.recorder.expect<core::ServiceSwitchChanged>();
    REQUIRE(again);
    CHECK(again->on);
}

TEST_CASE("A gap in the board's event numbers has the status asked, which tells a missed turn") {
    CabinetKiosk kiosk;
    // The board's key is at service, but the SWITCH CHANGED that said so is lost: only door
    // events 0 and 3 arrive.
    auto key_at_service = std::make_shared<std::atomic<bool>>(false);
    auto liar = std::make_shared<LyingBoard>([key_at_service](const cabinet::Frame& command) {
        if (command.code == cabinet::code::k_info) {
            return honest_answer(command);
        }
        cabinet::CabinetStatus status;
        status.service_switch =
            *key_at_service ? cabinet::SwitchPosition::service : cabinet::SwitchPosition::run;
        return cabinet::encode_frame(cabinet::encode_response(
            {cabinet::code::k_status, cabinet::Status::ok, cabinet::encode_status(status)},
            command.sequence));
    });
    kiosk.plug(liar);
    kiosk.start();
    REQUIRE(kiosk.recorder.wait_for_notice("switch run"));

    liar->send_event_bytes(cabinet::encode_frame(cabinet::encode_event(
        cabinet::DoorChanged{cabinet::Door::cabinet, cabinet::DoorState::open}, 0)));
    REQUIRE(kiosk.recorder.wait_for_notice("cabinet door open"));
    CHECK(kiosk.recorder.stays_quiet(100ms));
    *key_at_service = true;
    liar->send_event_bytes(cabinet::encode_frame(cabinet::encode_event(
        cabinet::DoorChanged{cabinet::Door::cabinet, cabinet::DoorState::closed}, 3)));
    CHECK(kiosk.recorder.wait_for_notice("events lost"));
    const auto turned = kiosk.recorder.expect<core::ServiceSwitchChanged>();
    REQUIRE(turned);
    CHECK(turned->on);
    CHECK(liar->status_asked() == 2);
}
