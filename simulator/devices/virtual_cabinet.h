#pragma once

// A simulated cabinet sensors board speaking the kiosk's cabinet protocol
// (docs/protocols/cabinet.md): vendor class 0xFF subclass 0x02, bulk OUT 0x01 (commands), bulk
// IN 0x82 (responses), interrupt IN 0x83 (events). It holds the service switch a field engineer
// turns with the cabinet key and the contacts of the cabinet door and the safe door; the
// simulator plays the engineer (set_service_switch, set_door), and each change is reported as
// an event (§5.1) as well as in GET STATUS.
//
// The bus calls on_out and take_in on its worker thread while the scenario runner, the control
// panel or a test calls the controls; the board guards its state with its own mutex and tells
// the bus about new transfers with no lock held.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "base/bytes.h"
#include "drivers/cabinet/cabinet_protocol.h"
#include "simulator/devices/in_endpoints.h"
#include "simulator/usb/virtual_usb_device.h"

namespace simulator::devices {

struct CabinetSetup {
    std::string manufacturer = "Kiosk Simulator";
    std::string product = "Virtual Cabinet Sensors";
    std::string model = "SIM-SENSORS-1";  // at most 16 characters (cabinet.md §4.1)
    std::string serial = "SIM-CAB-0001";  // at most 16 characters (cabinet.md §4.1)
    std::uint16_t firmware_version = 0x0100;
    // Where the board starts: the switch at run and both doors closed, a kiosk in service.
    drivers::cabinet::CabinetStatus initial{};
};

class VirtualCabinet final : public simulator::usb::VirtualUsbDevice {
  public:
    static constexpr std::uint8_t k_bulk_out = 0x01;
    static constexpr std::uint8_t k_bulk_in = 0x82;
    static constexpr std::uint8_t k_interrupt_in = 0x83;
    // cabinet.md §5.1: the board holds 32 events while the host does not read; beyond that the
    // oldest are dropped and the host sees the gap in the event sequence numbers.
    static constexpr std::size_t k_max_queued_events = 32;
    static constexpr std::size_t k_max_queued_responses = 16;

    VirtualCabinet();
    explicit VirtualCabinet(CabinetSetup setup);

    // ---- The engineer ----

    // Turns the service switch to service (true) or run (false). Event SWITCH CHANGED when the
    // position changes; none when it is already there (cabinet.md §5.1). True when it changed.
    // A simulated contact does not bounce, so the change is reported at once: §5.1's 50 ms of
    // smoothing are a real board's.
    bool set_service_switch(bool service);
    // Opens or closes a door. Event DOOR CHANGED when its state changes. True when it changed.
    bool set_door(drivers::cabinet::Door door, bool open);

    // ---- What the simulator and the tests read ----

    drivers::cabinet::CabinetStatus status() const;
    // Events sent since the board was made (those the host never read included).
    unsigned events_sent() const;

    // ---- The USB device ----

    base::Bytes descriptors() const override;
    std::string manufacturer() const override { return m_setup.manufacturer; }
    std::string product() const override { return m_setup.product; }
    std::string serial() const override { return m_setup.serial; }
    void on_out(std::uint8_t endpoint, std::span<const std::uint8_t> data) override;
    std::optional<base::Bytes> take_in(std::uint8_t endpoint) override;
    // Unplugged, the board loses what it had queued for the host and numbers its events from 0
    // again (cabinet.md §2.1); the switch and the doors stay where the hands left them.
    void on_unplugged() override;

  private:
    drivers::cabinet::Response handle(const drivers::cabinet::Command& command) const;
    void emit(const drivers::cabinet::Event& event);

    const CabinetSetup m_setup;
    mutable std::mutex m_mutex;
    drivers::cabinet::CabinetStatus m_status;
    std::uint8_t m_event_sequence = 0;
    unsigned m_events_sent = 0;
    InEndpoints m_in;
};

}  // namespace simulator::devices
