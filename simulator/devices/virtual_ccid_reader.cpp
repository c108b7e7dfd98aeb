#include "simulator/devices/virtual_ccid_reader.h"

#include "base/bytes.h"
#include "simulator/devices/usb_descriptors.h"

namespace simulator::devices {

namespace {

using namespace drivers::ccid;

// CCID 1.1 §5.1: header plus the longest short APDU (4 + 1 + 255 + 1) and room to spare, as
// most short-APDU readers announce.
constexpr std::uint32_t k_max_message_length = 271;
constexpr std::size_t k_max_short_apdu = 261;
// A reader buffers a few slot changes while the host is not polling; older ones are dropped
// (the latest state is what matters).
constexpr std::size_t k_max_queued_interrupts = 8;

SlotState failed(IccStatus icc, std::uint8_t error) {
    return SlotState{icc, CommandStatus::failed, error};
}

SlotState ok(IccStatus icc) {
    return SlotState{icc, CommandStatus::ok, 0};
}

}  // namespace

VirtualCcidReader::VirtualCcidReader() : VirtualCcidReader(Identity{}) {}

// A reader answers each command once, so its bulk IN queue holds no more than the host asked
// for and needs no limit.
VirtualCcidReader::VirtualCcidReader(Identity identity)
    : m_identity(std::move(identity)),
      m_announced_max_message_length(k_max_message_length),
      m_in({.address = k_bulk_in},
           {.address = k_interrupt_in, .capacity = k_max_queued_interrupts}) {}

ClassDescriptor VirtualCcidReader::class_descriptor() {
    ClassDescriptor d;
    d.ccid_release = 0x0110;
    d.max_slot_index = 0;
    d.supports_5_0_volts = true;
    d.supports_3_0_volts = true;
    d.supports_1_8_volts = true;
    d.supports_t0 = true;
    d.supports_t1 = true;
    d.default_clock_khz = 4000;
    d.max_clock_khz = 4000;
    d.data_rate_bps = 10752;
    d.max_data_rate_bps = 344086;
    d.max_ifsd = 254;
    // Automatic parameters from the ATR, voltage, clock, baud rate and PPS; short APDU level.
    d.features = feature::k_short_apdu_level | feature::k_automatic_parameters_from_atr |
                 feature::k_automatic_voltage | feature::k_automatic_clock |
                 feature::k_automatic_baud_rate | feature::k_automatic_pps;
    d.max_message_length = k_max_message_length;
    d.class_get_response = 0xFF;
    d.class_envelope = 0xFF;
    d.max_busy_slots = 1;
    return d;
}

base::Bytes VirtualCcidReader::descriptors() const {
    DeviceDescription description;
    description.product_id = k_ccid_reader_product_id;
    description.interface_class = 0x0B;  // smart card (CCID 1.1 §4.3)
    ClassDescriptor announced = class_descriptor();
    {
        std::lock_guard lock(m_mutex);
        announced.max_message_length = m_announced_max_message_length;
    }
    description.class_descriptor = encode_class_descriptor(announced);
    description.endpoints = {
        {k_bulk_out, 0x02, k_full_speed_packet, 0},
        {k_bulk_in, 0x02, k_full_speed_packet, 0},
        {k_interrupt_in, 0x03, 8, 16},
    };
    return build_descriptors(description);
}

void VirtualCcidReader::queue_slot_change() {
    const bool present = m_state != Slot::absent;
    m_in.queue_interrupt(encode(InterruptMessage{NotifySlotChange{{{present, true}}}}));
}

void VirtualCcidReader::insert(std::shared_ptr<cards::VirtualCard> card) {
    {
        std::lock_guard lock(m_mutex);
        if (m_card) {
            // A card already in the slot comes out first, as in the real world.
            m_card.reset();
            m_state = Slot::absent;
            queue_slot_change();
        }
        m_card = std::move(card);
        m_state = m_card ? Slot::present : Slot::absent;
        queue_slot_change();
    }
    notify_in_ready();
}

void VirtualCcidReader::remove() {
    {
        std::lock_guard lock(m_mutex);
        if (!m_card) {
            return;
        }
        m_card.reset();
        m_state = Slot::absent;
        queue_slot_change();
    }
    notify_in_ready();
}

void VirtualCcidReader::on_unplugged() {
    std::lock_guard lock(m_mutex);
    m_in.clear();
    if (m_state == Slot::active) {
        m_state = Slot::present;
    }
    if (m_card) {
        m_card->reset();
    }
}

bool VirtualCcidReader::card_present() const {
    std::lock_guard lock(m_mutex);
    return m_state != Slot::absent;
}

bool VirtualCcidReader::card_powered() const {
    std::lock_guard lock(m_mutex);
    return m_state == Slot::active;
}

void VirtualCcidReader::set_time_extensions(int count) {
    std::lock_guard lock(m_mutex);
    m_time_extensions = count < 0 ? 0 : count;
}

void VirtualCcidReader::set_stalling(bool stalling) {
    std::lock_guard lock(m_mutex);
    m_stalling = stalling;
}

void VirtualCcidReader::announce_max_message_length(std::uint32_t length) {
    std::lock_guard lock(m_mutex);
    m_announced_max_message_length = length;
}

Response VirtualCcidReader::answer(const Command& command) {
    const IccStatus icc = m_state == Slot::absent    ? IccStatus::absent
                          : m_state == Slot::present ? IccStatus::present_inactive
                                                     : IccStatus::active;
    const std::uint8_t sequence = sequence_of(command);
    const std::uint8_t slot = std::visit([](const auto& message) { return message.slot; }, command);
    const ClockStatus clock = m_state == Slot::active ? ClockStatus::running : ClockStatus::stopped;

    // CCID 1.1 §6.2.6: a command for a slot the reader does not have fails with bError 5,
    // the offset of bSlot.
    if (slot != 0) {
        if (std::holds_alternative<PowerOn>(command) || std::holds_alternative<XfrBlock>(command)) {
            return DataBlock{
                slot, sequence, failed(IccStatus::absent, slot_error::k_bad_slot), 0, {}};
        }
        return SlotStatus{slot, sequence, failed(IccStatus::absent, slot_error::k_bad_slot),
                          ClockStatus::stopped};
    }

    if (std::holds_alternative<PowerOn>(command)) {
        // §6.1.1: an empty slot or a mute card ends in ICC_MUTE.
        if (m_state == Slot::absent) {
            return DataBlock{0, sequence, failed(IccStatus::absent, slot_error::k_icc_mute), 0, {}};
        }
        auto atr = m_card->atr();
        if (!atr) {
            m_state = Slot::present;
            return DataBlock{
                0, sequence, failed(IccStatus::present_inactive, slot_error::k_icc_mute), 0, {}};
        }
        m_card->reset();
        m_state = Slot::active;
        return DataBlock{0, sequence, ok(IccStatus::active), 0, *atr};
    }
    if (std::holds_alternative<PowerOff>(command)) {
        if (m_state == Slot::active) {
            m_state = Slot::present;
        }
        const IccStatus after =
            m_state == Slot::absent ? IccStatus::absent : IccStatus::present_inactive;
        return SlotStatus{0, sequence, ok(after), ClockStatus::stopped};
    }
    if (std::holds_alternative<GetSlotStatus>(command)) {
        return SlotStatus{0, sequence, ok(icc), clock};
    }
    if (const auto* block = std::get_if<XfrBlock>(&command)) {
        if (m_state != Slot::active) {
            return DataBlock{0, sequence, failed(icc, slot_error::k_icc_mute), 0, {}};
        }
        if (block->data.size() > k_max_short_apdu || block->data.size() < 4) {
            return DataBlock{0, sequence, failed(icc, slot_error::k_bad_length), 0, {}};
        }
        auto response = m_card->transmit(block->data);
        if (response.size() < 2) {
            return DataBlock{0, sequence, failed(icc, slot_error::k_icc_mute), 0, {}};
        }
        return DataBlock{0, sequence, ok(IccStatus::active), 0, std::move(response)};
    }
    // Everything else is a command this reader does not support (§6.2.6, bError 0), answered
    // with the message type that belongs to it.
    const SlotState refused = failed(icc, slot_error::k_command_not_supported);
    if (std::holds_alternative<GetParameters>(command) ||
        std::holds_alternative<ResetParameters>(command) ||
        std::holds_alternative<SetParameters>(command)) {
        return Parameters{0, sequence, refused, 0, {}};
    }
    if (std::holds_alternative<Escape>(command)) {
        return EscapeResponse{0, sequence, refused, {}};
    }
    if (std::holds_alternative<Secure>(command)) {
        return DataBlock{0, sequence, refused, 0, {}};
    }
    return SlotStatus{0, sequence, refused, clock};
}

void VirtualCcidReader::on_out(std::uint8_t endpoint, std::span<const std::uint8_t> data) {
    if (endpoint != k_bulk_out) {
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        auto command = decode_command(data);
        if (!command) {
            // A message whose header cannot be read has no sequence number to answer; a real
            // reader drops it. One with a readable header gets a refusal naming the problem.
            auto header = decode_header(data);
            if (!header) {
                return;
            }
            const std::uint8_t error = command.error() == MessageError::truncated_data ||
                                               command.error() == MessageError::data_too_long ||
                                               command.error() == MessageError::malformed_field
                                           ? slot_error::k_bad_length
                                           : slot_error::k_command_not_supported;
            m_in.queue_bulk(encode(Response{SlotStatus{
                header->slot, header->sequence,
                failed(m_state == Slot::absent ? IccStatus::absent : IccStatus::present_inactive,
                       error),
                ClockStatus::stopped}}));
        } else if (m_stalling && std::holds_alternative<XfrBlock>(*command)) {
            const auto& transfer = std::get<XfrBlock>(*command);
            m_in.queue_bulk(encode(Response{
                DataBlock{transfer.slot,
                          transfer.sequence,
                          SlotState{IccStatus::active, CommandStatus::time_extension, 0xFF},
                          0,
                          {}}}));
        } else {
            Response response = answer(*command);
            if (m_time_extensions > 0 && std::holds_alternative<DataBlock>(response)) {
                const auto& block = std::get<DataBlock>(response);
                for (int index = 0; index < m_time_extensions; ++index) {
                    m_in.queue_bulk(encode(Response{
                        DataBlock{block.slot,
                                  block.sequence,
                                  SlotState{block.state.icc, CommandStatus::time_extension, 1},
                                  0,
                                  {}}}));
                }
            }
            m_in.queue_bulk(encode(response));
        }
    }
    notify_in_ready();
}

std::optional<base::Bytes> VirtualCcidReader::take_in(std::uint8_t endpoint) {
    std::lock_guard lock(m_mutex);
    return m_in.take(endpoint);
}

}  // namespace simulator::devices
