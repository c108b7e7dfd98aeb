#pragma once

// A simulated USB smart-card reader: one slot, short APDU level (CCID Rev 1.1, dwFeatures
// 0x000200BA), bulk OUT 0x01, bulk IN 0x82, interrupt IN 0x83. It answers every CCID command
// as a real reader does and passes XfrBlock APDUs to the card in its slot.

#include <memory>
#include <mutex>
#include <string>

#include "base/bytes.h"
#include "drivers/ccid/ccid_message.h"
#include "drivers/ccid/class_descriptor.h"
#include "simulator/cards/virtual_card.h"
#include "simulator/devices/in_endpoints.h"
#include "simulator/usb/virtual_usb_device.h"

namespace simulator::devices {

class VirtualCcidReader final : public simulator::usb::VirtualUsbDevice {
  public:
    static constexpr std::uint8_t k_bulk_out = 0x01;
    static constexpr std::uint8_t k_bulk_in = 0x82;
    static constexpr std::uint8_t k_interrupt_in = 0x83;

    struct Identity {
        std::string manufacturer = "Kiosk Simulator";
        std::string product = "Virtual CCID Reader";
        std::string serial = "SIM-CCID-0001";
    };

    VirtualCcidReader();
    explicit VirtualCcidReader(Identity identity);

    // The card enters the slot (replacing any card there) / leaves it. Each queues a
    // NotifySlotChange on the interrupt endpoint (CCID 1.1 §6.3.1).
    void insert(std::shared_ptr<cards::VirtualCard> card);
    void remove();
    bool card_present() const;
    bool card_powered() const;

    // A slow card: every DataBlock answer is preceded by this many time extension requests
    // (CCID 1.1 §6.2.6, bStatus 0x80).
    void set_time_extensions(int count);
    // A card that never finishes: every APDU is answered only by a request for the longest
    // extension there is (bError 255, 255 times the host's wait), and the answer never comes.
    void set_stalling(bool stalling);
    // The dwMaxCCIDMessageLength the reader announces from its next plug-in (CCID 1.1 §5.1). A
    // lying reader announces anything up to 4 GiB.
    void announce_max_message_length(std::uint32_t length);

    // The class descriptor the reader announces.
    static drivers::ccid::ClassDescriptor class_descriptor();

    base::Bytes descriptors() const override;
    std::string manufacturer() const override { return m_identity.manufacturer; }
    std::string product() const override { return m_identity.product; }
    std::string serial() const override { return m_identity.serial; }
    void on_out(std::uint8_t endpoint, std::span<const std::uint8_t> data) override;
    std::optional<base::Bytes> take_in(std::uint8_t endpoint) override;
    // Unplugged, the reader loses its power: a card stays in the slot, unpowered, and what the
    // reader had queued for the host is gone.
    void on_unplugged() override;

  private:
    enum class Slot { absent, present, active };

    drivers::ccid::Response answer(const drivers::ccid::Command& command);
    void queue_slot_change();

    const Identity m_identity;
    mutable std::mutex m_mutex;
    std::shared_ptr<cards::VirtualCard> m_card;
    Slot m_state = Slot::absent;
    int m_time_extensions = 0;
    bool m_stalling = false;
    std::uint32_t m_announced_max_message_length;
    InEndpoints m_in;
};

}  // namespace simulator::devices
