#pragma once

// A simulated encrypting PIN pad speaking the kiosk's EPP protocol (docs/protocols/epp.md):
// vendor class 0xFF, bulk OUT 0x01 (commands), bulk IN 0x82 (responses), interrupt IN 0x83
// (events), revision 5. The simulator presses its keys; in PIN entry the pad keeps the digits
// to itself, reports only their count, and hands out an ISO 9564 block (format 4 under AES-128
// or format 0 under TDES) enciphered under its working key (drivers/iso9564). A new PIN it
// collects twice and compares the two entries itself (epp.md §4.8): the first entry never
// leaves it.
//
// Keys (epp.md §8): the pad holds them in memory only, in the slots of §8.1. A pad made with a
// working key holds it in the TDES slot and nothing else, as a pad of revision 4 did; a blank
// pad is provisioned through the protocol by provision_epp(): the key ceremony typed on its own
// keys, then the working keys loaded as key blocks wrapped under the master key. A DUKPT initial
// key (epp.md §8.7) is loaded the same way into slot 0x02; the pad then keeps only its
// OriginatingDevice registers (ANSI X9.24-3-2017 §6.1), in memory that an unplug does not
// clear, and enciphers each format 4 block from that slot under the next transaction's key, its
// KSN after the block. Faults for the
// simulator's scenarios: tamper, a frame with a bad CRC, a stuck key, a wrong authentication
// key.

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <thread>

#include "base/bytes.h"
#include "drivers/dukpt/originating_device.h"
#include "drivers/epp/epp_protocol.h"
#include "drivers/epp/epp_security.h"
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
        // Revision 6 (epp.md §8.2): reports enter while the combined key awaits the
        // custodians' confirmations. False: a revision 5 pad, which refuses the request.
        bool confirms_on_keys = true;
    };

    // `working_key`: the 2-key TDES working key (K1 K2) the pad enciphers format 0 PIN blocks
    // under, in slot 0x00; no master key, no authentication key (a pad as revision 4 knew it).
    explicit VirtualEpp(std::span<const std::uint8_t, 16> working_key);
    VirtualEpp(std::span<const std::uint8_t, 16> working_key, Identity identity);
    // A blank pad: no key at all until provisioned (provision_epp()).
    explicit VirtualEpp(Identity identity);
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
    // Faults (docs/scenarios.md): the next frame the pad sends has a broken CRC; a key is stuck
    // down (the pad reports it once and then takes no key until release_stuck_key()); the
    // authentication key is replaced by one the kiosk does not know (a pad from another kiosk).
    void corrupt_next_frame();
    void stick_key(base::Key key);
    void release_stuck_key();
    void use_unknown_authentication_key();
    // Whether a session is open (epp.md §8.4), for tests.
    bool in_session() const;
    // The master key's check value (epp.md §8.1), for tests; nothing while the pad has none.
    std::optional<drivers::epp::KeyCheckValue> master_check_value() const;
    // The DUKPT registers as the pad's secure memory holds them (epp.md §8.7): what survives a
    // power cycle. Nothing while slot 0x02 holds no initial key. restore_dukpt() puts a saved
    // state into a pad (a pad whose memory was kept while the simulator was stopped); a state
    // OriginatingDevice::restore() refuses leaves the slot as it was and answers false.
    std::optional<drivers::dukpt::OriginatingDevice::State> dukpt_state() const;
    bool restore_dukpt(const drivers::dukpt::OriginatingDevice::State& state);

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
    // kiosk-sim stopped the kiosk's process to start it again. A real pad learns of it only at
    // the new kiosk's AUTHENTICATE, and keys pressed meanwhile reach nobody; here the pad forgets
    // its session and key mode at once, as on_unplugged() does, so that mode() says whether the
    // new kiosk has set one and kiosk-sim's engineer waits for it, as a person waits for the
    // screen to come back before typing.
    void host_restarted() { on_unplugged(); }

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
    // epp.md §8.2: the key ceremony in progress; components never leave the pad.
    struct Ceremony {
        std::string typing;    // hex digits of the component being typed
        bool shifted = false;  // star pressed: the next digit 0-5 is A-F
        std::optional<drivers::epp::SecretKey> component1;
        std::optional<drivers::epp::SecretKey> combined;  // after component 2
        Clock::time_point deadline;
        bool confirm_on_keys = false;  // revision 6: enter reported after the combined key
    };

    drivers::epp::Response handle(const drivers::epp::Command& command);
    drivers::epp::Response handle_keys(const drivers::epp::Command& command);
    void emit(const drivers::epp::Event& event);
    void send(std::uint8_t endpoint, drivers::epp::Frame frame, drivers::epp::Channel channel);
    std::optional<drivers::epp::SecretKey>& key_in(drivers::epp::KeySlot slot);
    void press_in_ceremony(base::Key key);
    void end_ceremony(std::optional<drivers::epp::CeremonyAbandon> reason);
    void end_session();
    // Wipes both entries' digits and forgets the entry, however it ends.
    void erase_entry();
    void end_entry(drivers::epp::EndReason reason);
    void finish_entry();
    void close_digit_window(drivers::epp::ClearDigitsEnd reason);
    drivers::epp::PadMode current_mode() const;
    std::optional<Clock::time_point> next_deadline() const;
    void timer_loop(std::stop_token stop);

    const Identity m_identity;
    // epp.md §8.1: the slots' keys.
    std::optional<drivers::epp::SecretKey> m_pin_tdes_key;
    std::optional<drivers::epp::SecretKey> m_pin_aes_key;
    std::optional<drivers::epp::SecretKey> m_authentication_key;
    std::optional<drivers::epp::SecretKey> m_master_key;
    // epp.md §8.7: slot 0x02, the DUKPT registers; the initial key itself is not kept.
    std::optional<drivers::dukpt::OriginatingDevice> m_dukpt;
    // key_in()'s answer for slot 0x02, which holds no fixed key: always empty.
    std::optional<drivers::epp::SecretKey> m_no_fixed_key;
    std::optional<Ceremony> m_ceremony;
    // epp.md §8.4: the host's challenge and the pad's, between AUTHENTICATE and FINISH.
    std::optional<std::pair<drivers::epp::Challenge, drivers::epp::Challenge>> m_pending_challenge;
    drivers::epp::SecureChannel m_channel;
    std::uint8_t m_failed_authentications = 0;
    std::uint16_t m_refused_frames = 0;
    bool m_corrupt_next_frame = false;
    std::optional<base::Key> m_stuck_key;
    mutable std::mutex m_mutex;
    std::condition_variable_any m_timer_wakeup;
    drivers::epp::KeyMode m_key_mode = drivers::epp::KeyMode::disabled;
    std::optional<PinEntry> m_entry;
    std::optional<DigitWindow> m_digit_window;
    std::optional<drivers::epp::PinBlockReply> m_last_block;
    bool m_headphones = false;
    bool m_tampered = false;
    int m_beeps = 0;
    std::uint8_t m_event_sequence = 0;
    InEndpoints m_in;
    std::jthread m_timer;  // last: stopped and joined before the members it uses go away
};

// The simulator's demo keys (docs/protocols/epp.md §8.2, §8.4): the two components of the
// master key its scripted ceremony types, and the pad's authentication key, which kiosk-sim
// also gives the kiosk (in a private key file). The PIN keys are the bank's
// (simulator/bank/account_service.h: k_demo_pin_key, check value 08D7B4, and
// k_demo_pin_aes_key, check value 7AD386C376). A real deployment has no such constants.
inline constexpr std::array<std::uint8_t, 16> k_demo_master_component1 = {
    0x0F, 0x1E, 0x2D, 0x3C, 0x4B, 0x5A, 0x69, 0x78, 0x87, 0x96, 0xA5, 0xB4, 0xC3, 0xD2, 0xE1, 0xF0};
inline constexpr std::array<std::uint8_t, 16> k_demo_master_component2 = {
    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0x00, 0x11, 0x22, 0x33, 0x44, 0xAA, 0xBB};
// The branch's key forms for its next master key (issue 10, the key ceremony): the components
// two key custodians type in a master key change (docs/scenarios.md, `type master key component
// N`). kiosk-sim's bank issued them, so it wraps the working keys under their combination too.
inline constexpr std::array<std::uint8_t, 16> k_demo_next_master_component1 = {
    0x5A, 0x0C, 0x93, 0x41, 0xE7, 0x2B, 0x68, 0xD4, 0x1F, 0xB6, 0x70, 0x3E, 0xC5, 0x82, 0x09, 0xAD};
inline constexpr std::array<std::uint8_t, 16> k_demo_next_master_component2 = {
    0xA3, 0x71, 0x2E, 0xF8, 0x06, 0x94, 0xDB, 0x35, 0x6C, 0x4F, 0xE0, 0x17, 0x8A, 0x59, 0xB2, 0x63};
inline constexpr std::array<std::uint8_t, 16> k_demo_authentication_key = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};

// What a bank gives a pad (epp.md §8): the two components of the master key, typed on the pad
// by its custodians, and the working keys its key-loading station wraps under the master key.
// An empty key is not loaded.
struct EppProvisioning {
    drivers::epp::SecretKey component1;
    drivers::epp::SecretKey component2;
    std::optional<drivers::epp::SecretKey> pin_tdes_key;
    std::optional<drivers::epp::SecretKey> pin_aes_key;
    std::optional<drivers::epp::SecretKey> authentication_key;
    // epp.md §8.7: the DUKPT initial key the bank derived from its BDK for this pad's initial
    // key ID, loaded into slot 0x02.
    std::optional<drivers::epp::DukptInitialKey> dukpt_initial_key;
};

// The scripted key ceremony and key loading of epp.md §8.2 and §8.3, through the protocol over
// a transport wired straight to the pad (before it is plugged into the bus): BEGIN KEY
// CEREMONY, each component typed on the pad's keys, each KCV the pad reports compared with the
// component's, the combined KCV with the master key's, CONFIRM, then LOAD KEY for each working
// key (and the DUKPT initial key, §8.7) with its KCV compared. Answers the pad's key status; any
// KCV that differs is bad_key_block, and the ceremony is abandoned. The pad must not be in use by
// anyone else.
std::expected<drivers::epp::KeyStatus, drivers::epp::EppError> provision_epp(
    const std::shared_ptr<VirtualEpp>& pad, const EppProvisioning& keys);

}  // namespace simulator::devices
