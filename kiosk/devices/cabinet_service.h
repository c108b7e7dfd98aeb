#pragma once
// The cabinet sensors board device model: finds the USB board of docs/protocols/cabinet.md
// (vendor-specific interface class 0xFF, subclass 0x02), reads its status on connecting and
// follows its events through drivers/cabinet, and tells the core one thing:
// core::ServiceSwitchChanged{on} whenever the service switch's position differs from the one
// the core last heard (cabinet.md §5.2: positions, not toggles). So the switch in `service`
// when the board is found is reported at once, a turn of the key is reported as it happens, and
// a turn made while the board was away is reported when it comes back.
//
// Doors have no core event yet: their states go to the device notices only ("cabinet door
// open"). A board missing, lost or back is a notice too, never a core event (DeviceMissing and
// DeviceReturned are for devices a customer needs). A board whose answers cannot be read (a
// damaged frame, a malformed payload) is not believed: the failure is a notice naming the
// CabinetError, and nothing it said reaches the core.
//
// States: board_missing (looked for again every k_reopen_interval), ready (waiting for events).
//
// Threading: start() and stop() from the shell's thread; everything else runs on the model's
// thread (named `cabinet`), which posts events and notices. state() and service_switch_on()
// from any thread.

#include <atomic>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "drivers/cabinet/cabinet_client.h"
#include "drivers/cabinet/cabinet_protocol.h"
#include "drivers/usb/usb_transport.h"
#include "kiosk/core/events.h"
#include "kiosk/devices/device_events.h"
#include "kiosk/devices/device_link.h"
#include "kiosk/devices/device_snapshot.h"

namespace kiosk::devices {

enum class CabinetServiceState { board_missing, ready };

std::string_view to_string(CabinetServiceState state);

// cabinet.md §1: the board's interface is vendor specific (class 0xFF) with subclass 0x02, which
// tells it from the cash dispenser (0x01) and the PIN pad (0x00). DeviceMatch has no subclass,
// so the model checks it itself before it opens a device.
inline constexpr std::uint8_t k_cabinet_interface_subclass = 0x02;

struct CabinetServiceOptions {
    // Any device with a cabinet board's interface; narrow it with vendor and product ids.
    drivers::usb::DeviceMatch match{.vendor_id = std::nullopt,
                                    .product_id = std::nullopt,
                                    .interface_class = drivers::usb::k_interface_class_vendor,
                                    .bus = std::nullopt,
                                    .address = std::nullopt};
    // The time-out of the board's client (drivers/cabinet/cabinet_client.h).
    drivers::cabinet::CabinetOptions client = {};
    // The device's name in notices, and of the model's thread.
    std::string name = "cabinet";
};

class CabinetService {
  public:
    explicit CabinetService(CabinetServiceOptions options = {});
    ~CabinetService();
    CabinetService(const CabinetService&) = delete;
    CabinetService& operator=(const CabinetService&) = delete;

    // Starts the model's thread (stopping a running one); `events` and `notice` are called from
    // that thread. The core is taken to know the switch at run: a board found with its switch
    // at service is reported as ServiceSwitchChanged{true}.
    void start(EventSink events, DeviceNotice notice);
    // Stops the thread, at once: the model waits on the board's interrupt endpoint, and stop
    // ends that wait.
    void stop();

    CabinetServiceState state() const { return m_state.load(); }
    // The position the core last heard: true after ServiceSwitchChanged{true}, until {false}.
    bool service_switch_on() const { return m_switch_reported_on.load(); }
    // What the model knows of its board (device_snapshot.h): GET INFO's model, firmware and
    // serial, its USB identity, and the switch and doors as GET STATUS and the board's events
    // last said. Any thread; never talks to the board.
    DeviceSnapshot snapshot() const { return m_snapshot.get(); }

  private:
    struct Connection;

    void run();
    std::optional<Connection> connect(const drivers::usb::UsbContext& context);
    // Reads the board's identity and status, then follows its events until it goes, stop is
    // requested or it keeps failing. False when the board never gave a readable status.
    bool serve(Connection& connection);
    // GET STATUS again (cabinet.md §5.2): after a gap in the events or an unreadable one.
    // The error when the board did not answer readably.
    std::expected<void, drivers::cabinet::CabinetError> refresh(Connection& connection);
    // A status read from the board: the doors that changed as notices, the switch to the core
    // when it differs from what the core last heard.
    void take_status(const drivers::cabinet::CabinetStatus& status);
    void handle(const drivers::cabinet::Event& event);
    void report_switch(drivers::cabinet::SwitchPosition position);
    // A failure as a notice, once until the board works again or fails otherwise: a board
    // that keeps failing the same way is looked at every k_reopen_interval and must not fill
    // the transcript.
    void tell_failure(std::string_view command, drivers::cabinet::CabinetError error);
    void set_state(CabinetServiceState state) { m_state = state; }
    // Publishes what is known of the open board, or clears the snapshot when none is open.
    void publish_snapshot();
    void tell(std::string_view event) { m_link.tell(event); }

    CabinetServiceOptions m_options;
    DeviceLink m_link;
    std::atomic<CabinetServiceState> m_state{CabinetServiceState::board_missing};
    std::atomic<bool> m_switch_reported_on{false};

    // The model's thread only. The board's sensors as last read (status or event).
    std::optional<drivers::cabinet::CabinetStatus> m_known;
    // The last failure told, until the board works again.
    std::string m_failure_told;
    // The open board's identity, for snapshot(): empty while no board answers.
    std::optional<DeviceSnapshot> m_board_known;
    SnapshotCell m_snapshot{DeviceKind::cabinet};
};

}  // namespace kiosk::devices
