#pragma once

// A simulated encrypting PIN pad speaking the kiosk's EPP protocol (docs/protocols/epp.md):
// vendor class 0xFF, bulk OUT 0x01 (commands), bulk IN 0x82 (responses), interrupt IN 0x83
// (events), revision 4. The simulator presses its keys; in PIN entry the pad keeps the digits
// to itself, reports only their count, and hands out an ISO 9564 format 0 block enciphered
// under its working key (drivers/iso9564). A new PIN it collects twice and compares the two
// entries itself (epp.md §4.8): the first entry never leaves it.

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <thread>

#include "base/bytes.h"
#include "drivers/epp/epp_protocol.h"
#include "simulator/devices/in_endpoints.h"
#include "simulator/usb/virtual_usb_device.h"

namespace simulator::devices {

class VirtualEpp final : public simulator::usb::VirtualUsbDevice {
  public:
    static constexpr std::uint8_t k_bulk_out = 0x01;
    static constexpr std::uint8_t k_bulk_in = 0x82;
    static constexpr std::uint8_t k_interrupt_in = 0x83;
    // A pad buffers a few dozen events while the host is not reading; beyond that the oldest are
    // dropped and the host sees the gap in the event sequence numbers (epp.md §2).
    static constexpr std::size_t k_max_queued_events = 64;
    static constexpr std::size_t k_max_queued_responses = 16;

    struct Identity {
        std::string manufacturer = "Kiosk Simulator";
        std::string product = "Virtual Encrypting PIN Pad";
        std::string serial = "SIM-EPP-0001";
        std::string model = "KIOSK-EPP-SIM";
        std::string firmware = "1.0.0";
        std::uint8_t key_slot = 0;  // the slot that holds the working key
    };

    // `working_key`: the 2-key TDES working key (K1 K2) the pad enciphers PIN blocks under.
    explicit VirtualEpp(std::span<const std::uint8_t, 16> working_key);
    VirtualEpp(std::span<const std::uint8_t, 16> working_key, Identity identity);
    ~VirtualEpp() override;
    VirtualEpp(const VirtualEpp&) = delete;
    VirtualEpp& operator=(const VirtualEpp&) = delete;

    // The customer presses a key on the pad.
    void press(base::Key key);
    // Headphones go into / come out of the jack on the pad.
    void plug_headphones(bool plugged);
    // Someone opens the enclosure: keys erased, PIN entry refused from now on.
    void tamper();
    // The PIN entry times out now, as if the customer had walked away.
    void expire_pin_entry();

    drivers::epp::PadMode mode() const;
    std::uint8_t digits_entered() const;
    bool headphones_plugged() const;
    int beeps() const;

    base::Bytes descriptors() const override;
    std::string manufacturer() const override { return m_identity.manufacturer; }
    std::string product() const override { return m_identity.product; }
    std::string serial() const override { return m_identity.serial; }
    void on_out(std::uint8_t endpoint, std::span<const std::uint8_t> data) override;
    std::optional<base::Bytes> take_in(std::uint8_t endpoint) override;
    // Unplugged, the pad loses its power: a PIN entry in progress ends without a word (its
    // digits wiped), a clear-digit window closes, the keys are disabled until the host sets a
    // mode again, and what it had queued for the host is gone. Its keys and the headphones in
    // its jack stay.
    void on_unplugged() override;

  private:
    using Clock = std::chrono::steady_clock;

    struct PinEntry {
        drivers::epp::StartPinEntry request;
        std::string digits;  // the entry being typed; never leaves the pad
        Clock::time_point deadline;
        // epp.md §4.8: a new PIN's first entry, held while the second is typed; never leaves
        // the pad.
        std::optional<std::string> first_entry;
    };
    // epp.md §4.3: digits reported in the clear, for a purpose, up to a count and a time.
    struct DigitWindow {
        std::uint8_t digits_left = 0;
        Clock::time_point deadline;
    };

    drivers::epp::Response handle(const drivers::epp::Command& command);
    void emit(const drivers::epp::Event& event);
    // Wipes both entries' digits and forgets the entry, however it ends.
    void erase_entry();
    void end_entry(drivers::epp::EndReason reason);
    void finish_entry();
    void close_digit_window(drivers::epp::ClearDigitsEnd reason);
    drivers::epp::PadMode current_mode() const;
    std::optional<Clock::time_point> next_deadline() const;
    void timer_loop(std::stop_token stop);

    const Identity m_identity;
    std::array<std::uint8_t, 16> m_working_key{};
    mutable std::mutex m_mutex;
    std::condition_variable_any m_timer_wakeup;
    drivers::epp::KeyMode m_key_mode = drivers::epp::KeyMode::disabled;
    std::optional<PinEntry> m_entry;
    std::optional<DigitWindow> m_digit_window;
    std::optional<drivers::epp::PinBlockReply> m_last_block;
    bool m_headphones = false;
    bool m_tampered = false;
    bool m_key_loaded = true;
    int m_beeps = 0;
    std::uint8_t m_event_sequence = 0;
    InEndpoints m_in;
    std::jthread m_timer;  // last: stopped and joined before the members it uses go away
};

}  // namespace simulator::devices
