#pragma once

// A simulated USB smart-card reader (CCID Rev 1.1): bulk OUT 0x01, bulk IN 0x82, interrupt
// IN 0x83. It answers every CCID command as a real reader does, at short APDU level (the
// reader runs the card's protocol), at extended APDU level (the same, with commands and
// responses longer than its messages chained, CCID 1.1 §6.1.4 and §6.2.1) or at TPDU level
// (the host does: T=0 TPDUs, T=1 blocks and the PPS exchange pass through), with one or more
// slots. Each answer comes when the bytes
// between reader and card would have taken to cross at the slot's clock and Fi/Di, so a
// faster speed after PPS shows in the timings.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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
    // CCID 1.1 §5.1: header plus the longest short APDU (4 + 1 + 255 + 1) and room to spare,
    // as most short-APDU readers announce.
    static constexpr std::uint32_t k_short_apdu_message_length = 271;

    struct Identity {
        std::string manufacturer = "Kiosk Simulator";
        std::string product = "Virtual CCID Reader";
        std::string serial = "SIM-CCID-0001";
    };

    // What kind of reader it is.
    struct Model {
        drivers::ccid::ExchangeLevel level = drivers::ccid::ExchangeLevel::short_apdu;
        std::uint8_t slots = 1;
        // dwFeatures 0x80: told the parameters, the reader runs the PPS exchange itself.
        // Without it a TPDU-level reader passes the host's PPS request to the card.
        bool automatic_pps = true;
        // dwMaxDataRate: 344 086 bit/s takes Fi/Di 512/32 at the reader's 4 MHz; 10 752 keeps
        // every card at the default speed.
        std::uint32_t max_data_rate_bps = 344086;
        // dwMaxCCIDMessageLength (CCID 1.1 §5.1): at the extended APDU level, the size of the
        // pieces a longer command or response is chained in (§6.1.4, §6.2.1).
        std::uint32_t max_message_length = k_short_apdu_message_length;
        // Answers wait for the time the bytes take between reader and card; off, a test that
        // drives the device by hand gets every answer at once.
        bool real_time = true;
    };

    // A one-slot short-APDU reader that negotiates by itself (what most kiosks have).
    static Model apdu_reader();
    // A one-slot TPDU-level reader without automatic PPS (what low-cost readers are).
    static Model tpdu_reader();
    // A one-slot extended-APDU reader that negotiates by itself and whose messages hold
    // `max_message_length` bytes, header included: it reassembles a command the host sends in
    // pieces and returns a longer response in pieces (CCID 1.1 §6.1.4, §6.2.1).
    static Model extended_apdu_reader(std::uint32_t max_message_length);

    VirtualCcidReader();
    explicit VirtualCcidReader(Model model);
    VirtualCcidReader(Identity identity, Model model);
    ~VirtualCcidReader() override;
    VirtualCcidReader(const VirtualCcidReader&) = delete;
    VirtualCcidReader& operator=(const VirtualCcidReader&) = delete;

    // The card enters a slot (replacing any card there) / leaves it. Each queues a
    // NotifySlotChange on the interrupt endpoint (CCID 1.1 §6.3.1).
    void insert(std::shared_ptr<cards::VirtualCard> card, std::uint8_t slot = 0);
    void remove(std::uint8_t slot = 0);
    bool card_present(std::uint8_t slot = 0) const;
    bool card_powered(std::uint8_t slot = 0) const;
    // The protocol (0 or 1) and Fi/Di (TA1 form) the slot's card is driven at now.
    std::uint8_t protocol(std::uint8_t slot = 0) const;
    std::uint8_t fi_di(std::uint8_t slot = 0) const;
    // How long the bytes between reader and card in a slot have taken since the card was
    // inserted, at the speeds in force when they crossed, with the time the chip worked on
    // its commands (VirtualCard::processing_time).
    std::chrono::microseconds wire_time(std::uint8_t slot = 0) const;

    // What the T=1 blocks between reader and card showed since the card was inserted, at
    // either level (at APDU level the reader runs T=1 with the card itself).
    struct T1Traffic {
        // S(WTX request)s from the card (ISO/IEC 7816-3:2006 §11.6.2.3).
        int waiting_time_requests = 0;
        // I-blocks with M = 1 (§11.6.2.2): chains from the card and to it.
        int chained_blocks_from_card = 0;
        int chained_blocks_to_card = 0;
    };
    T1Traffic t1_traffic(std::uint8_t slot = 0) const;

    // What the extended-level chains with the host showed since the card was inserted (CCID
    // 1.1 §6.1.4, §6.2.1): commands that came in pieces, responses that left in pieces, every
    // piece each way, and the longest XfrBlock and DataBlock of the slot, header included.
    struct ChainTraffic {
        int commands_in_pieces = 0;
        int responses_in_pieces = 0;
        int command_pieces = 0;
        int response_pieces = 0;
        std::size_t longest_message = 0;
    };
    ChainTraffic chain_traffic(std::uint8_t slot = 0) const;

    // A slow card: every DataBlock answer is preceded by this many time extension requests
    // (CCID 1.1 §6.2.6, bStatus 0x80).
    void set_time_extensions(int count);
    // A card that never finishes: every XfrBlock is answered only by a request for the longest
    // extension there is (bError 255, 255 times the host's wait), and the answer never comes.
    void set_stalling(bool stalling);
    // The dwMaxCCIDMessageLength the reader announces from its next plug-in (CCID 1.1 §5.1). A
    // lying reader announces anything up to 4 GiB.
    void announce_max_message_length(std::uint32_t length);
    // How many ABORT requests (CCID 1.1 §5.3.1) the reader has received.
    int aborts_received() const;

    // The class descriptor a reader of the model announces.
    static drivers::ccid::ClassDescriptor class_descriptor(const Model& model = apdu_reader());
    // The data rates it lists for GET_DATA_RATES (CCID 1.1 §5.3.3), in bits per second.
    static std::vector<std::uint32_t> data_rates(const Model& model = apdu_reader());

    base::Bytes descriptors() const override;
    std::string manufacturer() const override { return m_identity.manufacturer; }
    std::string product() const override { return m_identity.product; }
    std::string serial() const override { return m_identity.serial; }
    void on_out(std::uint8_t endpoint, std::span<const std::uint8_t> data) override;
    std::optional<base::Bytes> take_in(std::uint8_t endpoint) override;
    std::expected<base::Bytes, int> on_control(const simulator::usb::ControlSetup& setup,
                                               std::span<const std::uint8_t> data) override;
    // Unplugged, the reader loses its power: a card stays in the slot, unpowered, and what the
    // reader had queued for the host is gone.
    void on_unplugged() override;

  private:
    enum class Power { absent, present, active };
    struct Slot;
    // An answer that leaves the reader when the wire time of its exchange has passed.
    struct Delivery {
        std::chrono::steady_clock::time_point due;
        std::uint8_t slot = 0;
        std::uint8_t sequence = 0;
        base::Bytes message;
    };

    // The answer to one command and the time its exchange with the card takes.
    struct Answer {
        Answer() = default;
        Answer(drivers::ccid::Response reply, std::chrono::microseconds time = {})
            : response(std::move(reply)), wire(time) {}

        drivers::ccid::Response response;
        std::chrono::microseconds wire{0};
        // At APDU level, the card's S(WTX request)s, each passed on to the host as a time
        // extension (CCID 1.1 §6.2.6, bStatus 0x80, bError the multiplier).
        std::vector<std::uint8_t> time_extensions;
    };

    Answer answer(const drivers::ccid::Command& command);
    Answer power_on(Slot& slot, std::uint8_t sequence);
    Answer transfer(Slot& slot, const drivers::ccid::XfrBlock& block);
    Answer extended_transfer(Slot& slot, const drivers::ccid::XfrBlock& block);
    Answer chain_piece(Slot& slot, const drivers::ccid::XfrBlock& block);
    Answer chain_response(Slot& slot, Answer whole);
    Answer next_response_piece(Slot& slot, std::uint8_t sequence);
    Answer t1_transfer(Slot& slot, const drivers::ccid::XfrBlock& block);
    Answer t1_apdu_transfer(Slot& slot, const drivers::ccid::XfrBlock& block);
    void start_t1_card(Slot& slot);
    std::optional<base::Bytes> card_block(Slot& slot, std::span<const std::uint8_t> block);
    Answer set_parameters(Slot& slot, const drivers::ccid::SetParameters& command);
    drivers::ccid::Parameters parameters_of(const Slot& slot, std::uint8_t sequence) const;
    void queue_slot_change();
    void deliver(Delivery delivery);
    void run_deliveries(std::stop_token stop);

    const Identity m_identity;
    const Model m_model;
    mutable std::mutex m_mutex;
    std::vector<Slot> m_slots;
    int m_time_extensions = 0;
    bool m_stalling = false;
    int m_aborts = 0;
    std::uint32_t m_announced_max_message_length;
    InEndpoints m_in;
    std::deque<Delivery> m_deliveries;
    std::condition_variable_any m_delivery_ready;
    std::jthread m_delivery_thread;
};

}  // namespace simulator::devices
