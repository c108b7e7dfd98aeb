#include "simulator/devices/virtual_cabinet.h"

#include <utility>

#include "base/bytes.h"
#include "simulator/devices/usb_descriptors.h"

namespace simulator::devices {

namespace {

using namespace drivers::cabinet;

// cabinet.md §1: vendor class, subclass 2, events every 10 ms at most.
constexpr std::uint8_t k_interface_class_vendor = 0xFF;
constexpr std::uint8_t k_interface_subclass_cabinet = 0x02;
constexpr std::uint8_t k_interrupt_interval_ms = 10;

}  // namespace

VirtualCabinet::VirtualCabinet() : VirtualCabinet(CabinetSetup{}) {}

VirtualCabinet::VirtualCabinet(CabinetSetup setup)
    : m_setup(std::move(setup)),
      m_status(m_setup.initial),
      m_in({.address = k_bulk_in, .capacity = k_max_queued_responses},
           {.address = k_interrupt_in, .capacity = k_max_queued_events}) {}

base::Bytes VirtualCabinet::descriptors() const {
    DeviceDescription description;
    description.product_id = k_cabinet_product_id;
    description.interface_class = k_interface_class_vendor;
    description.interface_subclass = k_interface_subclass_cabinet;
    description.endpoints = {
        {k_bulk_out, 0x02, k_full_speed_packet, 0},
        {k_bulk_in, 0x02, k_full_speed_packet, 0},
        {k_interrupt_in, 0x03, k_full_speed_packet, k_interrupt_interval_ms},
    };
    return build_descriptors(description);
}

// ---- The engineer ----

bool VirtualCabinet::set_service_switch(bool service) {
    const SwitchPosition position = service ? SwitchPosition::service : SwitchPosition::run;
    {
        std::lock_guard lock(m_mutex);
        if (m_status.service_switch == position) {
            return false;
        }
        m_status.service_switch = position;
        emit(SwitchChanged{position});
    }
    notify_in_ready();
    return true;
}

bool VirtualCabinet::set_door(Door door, bool open) {
    const DoorState state = open ? DoorState::open : DoorState::closed;
    {
        std::lock_guard lock(m_mutex);
        DoorState& contact = door == Door::safe ? m_status.safe_door : m_status.cabinet_door;
        if (contact == state) {
            return false;
        }
        contact = state;
        emit(DoorChanged{door, state});
    }
    notify_in_ready();
    return true;
}

CabinetStatus VirtualCabinet::status() const {
    std::lock_guard lock(m_mutex);
    return m_status;
}

unsigned VirtualCabinet::events_sent() const {
    std::lock_guard lock(m_mutex);
    return m_events_sent;
}

void VirtualCabinet::emit(const Event& event) {
    // cabinet.md §2.1: the board numbers its events with its own counter.
    m_in.queue_interrupt(encode_frame(encode_event(event, m_event_sequence++)));
    ++m_events_sent;
}

// ---- The USB device ----

Response VirtualCabinet::handle(const Command& command) const {
    if (std::holds_alternative<GetInfo>(command)) {
        // cabinet.md §4.1
        return Response{code::k_info, Status::ok,
                        encode_device_info(
                            DeviceInfo{m_setup.firmware_version, m_setup.model, m_setup.serial})};
    }
    // cabinet.md §4.2
    return Response{code::k_status, Status::ok, encode_status(m_status)};
}

void VirtualCabinet::on_out(std::uint8_t endpoint, std::span<const std::uint8_t> data) {
    if (endpoint != k_bulk_out) {
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        Response response;
        std::uint8_t sequence = 0;
        auto frame = decode_frame(data);
        if (!frame) {
            // cabinet.md §2.2: NAK, with the frame's sequence number if readable.
            sequence = sequence_for_nak(data);
            response = Response{code::k_nak, Status::bad_frame, {}};
        } else {
            sequence = frame->sequence;
            auto command = decode_command(*frame);
            if (command) {
                response = handle(*command);
            } else if (command.error() == CabinetError::unknown_code) {
                response = Response{code::k_nak, Status::unknown_command, {}};
            } else {
                response = Response{frame->code, Status::bad_length, {}};
            }
        }
        m_in.queue_bulk(encode_frame(encode_response(response, sequence)));
    }
    notify_in_ready();
}

std::optional<base::Bytes> VirtualCabinet::take_in(std::uint8_t endpoint) {
    std::lock_guard lock(m_mutex);
    return m_in.take(endpoint);
}

void VirtualCabinet::on_unplugged() {
    std::lock_guard lock(m_mutex);
    m_in.clear();
    m_event_sequence = 0;
}

}  // namespace simulator::devices
