#include "kiosk/devices/cabinet_service.h"

#include <algorithm>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "kiosk/devices/device_timing.h"

namespace kiosk::devices {
namespace {

namespace cabinet = drivers::cabinet;
using cabinet::CabinetError;

// cabinet.md §4.1: the high byte is the major version, the low byte the minor one.
std::string firmware_text(std::uint16_t version) {
    return std::to_string(version >> 8) + "." + std::to_string(version & 0xFF);
}

std::string door_notice(cabinet::Door door, cabinet::DoorState state) {
    return std::string(cabinet::to_string(door)) + " " + std::string(cabinet::to_string(state));
}

std::string switch_notice(cabinet::SwitchPosition position) {
    return "switch " + std::string(cabinet::to_string(position));
}

}  // namespace

std::string_view to_string(CabinetServiceState state) {
    switch (state) {
        case CabinetServiceState::board_missing:
            return "board missing";
        case CabinetServiceState::ready:
            return "ready";
    }
    return "unknown";
}

struct CabinetService::Connection {
    std::unique_ptr<drivers::usb::UsbTransport> transport;
    std::unique_ptr<cabinet::CabinetClient> client;
};

CabinetService::CabinetService(CabinetServiceOptions options)
    : m_options(std::move(options)), m_link(m_options.name) {}

CabinetService::~CabinetService() {
    stop();
}

void CabinetService::start(EventSink events, DeviceNotice notice) {
    m_link.stop();
    m_switch_reported_on = false;
    m_known.reset();
    m_failure_told.clear();
    m_link.start(std::move(events), std::move(notice), [this] { run(); });
}

void CabinetService::stop() {
    m_link.stop();
}

void CabinetService::run() {
    // DeviceLink::run() would post DeviceMissing and DeviceReturned, which are for devices a
    // customer needs; the core needs to hear nothing of the board's presence, so the model
    // keeps its own look-serve-look-again loop on the link's thread.
    set_state(CabinetServiceState::board_missing);
    std::optional<drivers::usb::UsbContext> context;
    bool missing_told = false;
    while (!m_link.stop_requested()) {
        if (!context) {
            // A context that cannot be made now (no USB stack yet) is tried again next look.
            if (auto created = drivers::usb::UsbContext::create()) {
                context.emplace(std::move(*created));
            }
        }
        std::optional<Connection> connection;
        if (context) {
            connection = connect(*context);
        }
        if (!connection) {
            if (!missing_told) {
                tell(m_options.name + " missing");
                missing_told = true;
            }
            m_link.sleep_for(k_reopen_interval);
            continue;
        }
        const bool served = serve(*connection);
        set_state(CabinetServiceState::board_missing);
        m_board_known.reset();
        publish_snapshot();
        if (m_link.stop_requested()) {
            break;
        }
        if (served) {
            tell(m_options.name + " disconnected");
            missing_told = true;
        } else {
            // A board that is there but does not answer readably is looked at again at the
            // pace of a missing one, not at once: it must not make the thread spin.
            m_link.sleep_for(k_reopen_interval);
        }
    }
}

std::optional<CabinetService::Connection> CabinetService::connect(
    const drivers::usb::UsbContext& context) {
    auto devices = context.devices();
    if (!devices) {
        return std::nullopt;
    }
    // The PIN pad's and the dispenser's interfaces are vendor specific too: only the subclass
    // tells the board (cabinet.md §1), and a device that is not one must not even be opened,
    // since opening claims the interface that its own model uses.
    for (const drivers::usb::DeviceInfo& device : *devices) {
        const bool board_found = std::ranges::any_of(
            device.interfaces, [&](const drivers::usb::InterfaceInfo& interface) {
                return interface.subclass_code == k_cabinet_interface_subclass &&
                       m_options.match.matches(device, interface);
            });
        if (!board_found) {
            continue;
        }
        drivers::usb::DeviceMatch this_device = m_options.match;
        this_device.bus = device.bus;
        this_device.address = device.address;
        auto transport = drivers::usb::UsbTransport::open(context, this_device);
        if (!transport || (*transport)->interface().subclass_code != k_cabinet_interface_subclass) {
            return std::nullopt;
        }
        Connection connection;
        connection.transport = std::move(*transport);
        connection.client =
            std::make_unique<cabinet::CabinetClient>(*connection.transport, m_options.client);
        return connection;
    }
    return std::nullopt;
}

bool CabinetService::serve(Connection& connection) {
    // A stop ends the wait on the board's events at once.
    const auto watching = m_link.watch(*connection.transport);
    auto& client = *connection.client;
    auto info = client.get_info();
    if (!info) {
        if (info.error() != CabinetError::device_gone) {
            tell_failure("info", info.error());
        }
        return false;
    }
    // cabinet.md §5.2: what changed while the kiosk was away is only in the status.
    auto status = client.get_status();
    if (!status) {
        if (status.error() != CabinetError::device_gone) {
            tell_failure("status", status.error());
        }
        return false;
    }
    m_failure_told.clear();
    tell(m_options.name + " connected: " + info->model + ", firmware " +
         firmware_text(info->firmware_version));
    DeviceSnapshot known;
    add_usb_identity(known, *connection.transport);
    // cabinet.md §4.1, GET INFO: the board's own words for itself.
    known.model = info->model;
    known.serial = info->serial;
    known.firmware = version_text(info->firmware_version);
    m_board_known = std::move(known);
    set_state(CabinetServiceState::ready);
    // A board found anew reports every sensor once, whatever was known before it went.
    m_known.reset();
    take_status(*status);

    unsigned events_lost = client.events_lost();
    int failures = 0;
    while (!m_link.stop_requested()) {
        // Woken at once by the board (an event on the standing interrupt transfer) or a stop;
        // k_event_wait is only a safety net.
        auto event = client.wait_for_event(k_event_wait);
        if (!event) {
            if (event.error() == CabinetError::device_gone) {
                return true;
            }
            // cabinet.md §5.2: an event that cannot be read is not guessed at; the status
            // says what it may have told. A board that keeps sending such is opened again.
            tell("event refused: " + std::string(cabinet::to_string(event.error())));
            if (++failures >= k_failures_before_reopen) {
                return true;
            }
            if (auto refreshed = refresh(connection); !refreshed) {
                if (refreshed.error() == CabinetError::device_gone) {
                    return true;
                }
                m_link.sleep_for(k_error_backoff);
            }
            continue;
        }
        failures = 0;
        if (!*event) {
            continue;
        }
        handle(**event);
        // cabinet.md §5.2: after a gap in the event numbers, the status says what was missed.
        if (client.events_lost() != events_lost) {
            events_lost = client.events_lost();
            tell("events lost");
            if (auto refreshed = refresh(connection);
                !refreshed && refreshed.error() == CabinetError::device_gone) {
                return true;
            }
        }
    }
    return true;
}

std::expected<void, CabinetError> CabinetService::refresh(Connection& connection) {
    auto status = connection.client->get_status();
    if (!status) {
        if (status.error() != CabinetError::device_gone) {
            tell("status failed: " + std::string(cabinet::to_string(status.error())));
        }
        return std::unexpected(status.error());
    }
    take_status(*status);
    return {};
}

void CabinetService::take_status(const cabinet::CabinetStatus& status) {
    // Each sensor is told when it is first known and when it differs from what was known.
    if (!m_known || m_known->service_switch != status.service_switch) {
        tell(switch_notice(status.service_switch));
    }
    for (const cabinet::Door door : {cabinet::Door::cabinet, cabinet::Door::safe}) {
        if (!m_known || m_known->door(door) != status.door(door)) {
            tell(door_notice(door, status.door(door)));
        }
    }
    m_known = status;
    publish_snapshot();
    report_switch(status.service_switch);
}

void CabinetService::handle(const cabinet::Event& event) {
    std::visit(
        [&](const auto& happened) {
            using Happened = std::decay_t<decltype(happened)>;
            cabinet::CabinetStatus known = m_known.value_or(cabinet::CabinetStatus{});
            if constexpr (std::is_same_v<Happened, cabinet::SwitchChanged>) {
                tell(switch_notice(happened.position));
                known.service_switch = happened.position;
                m_known = known;
                publish_snapshot();
                report_switch(happened.position);
            } else {
                // The core has no door event yet: a door is news for the device log only.
                tell(door_notice(happened.door, happened.state));
                (happened.door == cabinet::Door::safe ? known.safe_door : known.cabinet_door) =
                    happened.state;
                m_known = known;
                publish_snapshot();
            }
        },
        event);
}

void CabinetService::report_switch(cabinet::SwitchPosition position) {
    // cabinet.md §5.2: a position the core already knows is no news.
    const bool on = position == cabinet::SwitchPosition::service;
    if (on == m_switch_reported_on.load()) {
        return;
    }
    m_switch_reported_on = on;
    m_link.post(core::ServiceSwitchChanged{on});
}

void CabinetService::tell_failure(std::string_view command, CabinetError error) {
    std::string notice =
        std::string(command) + " failed: " + std::string(cabinet::to_string(error));
    if (notice == m_failure_told) {
        return;
    }
    tell(notice);
    m_failure_told = std::move(notice);
}

}  // namespace kiosk::devices

namespace kiosk::devices {

void CabinetService::publish_snapshot() {
    if (!m_board_known) {
        m_snapshot.clear();
        return;
    }
    DeviceSnapshot snapshot = *m_board_known;
    snapshot.connected = state() == CabinetServiceState::ready;
    if (m_known) {
        // cabinet.md §4.2, GET STATUS, and §5, SWITCH CHANGED and DOOR CHANGED.
        snapshot.add(FactName::service_switch,
                     std::string(cabinet::to_string(m_known->service_switch)));
        snapshot.add(FactName::cabinet_door,
                     std::string(cabinet::to_string(m_known->cabinet_door)));
        snapshot.add(FactName::safe_door, std::string(cabinet::to_string(m_known->safe_door)));
    }
    m_snapshot.set(std::move(snapshot));
}

}  // namespace kiosk::devices
