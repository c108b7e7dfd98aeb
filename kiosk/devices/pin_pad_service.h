#pragma once
// The PIN pad device model: finds the encrypting PIN pad (docs/protocols/epp.md), puts it in
// function-key mode and turns its events into core events: KeyPressed, HeadphonesPlugged /
// HeadphonesUnplugged (the headphone jack is on the pad), and for a PIN entry PinEntryReady
// once the pad collects, then PinDigitEntered{count}, PinCleared, and PinEntered{block},
// PinEntryCancelled or PinEntryFailed. A new PIN (core::PinPurpose::new_pin) is typed twice and
// the pad compares the entries itself (docs/protocols/epp.md §4.8): NewPinAgain when it holds
// the first and the count starts again from nothing, then PinEntered{block of the new PIN}, or
// NewPinsDiffer when the second was not the first (the pad erased both and ended the entry).
//
// Digits are reported only while the shell says the screen takes them (set_keypad): the pad
// then opens a one-digit clear window, which it closes by itself after the digit
// (docs/protocols/epp.md §4.3, prompt control).
//
// DeviceMissing{pin_pad} and DeviceReturned{pin_pad} say when the pad goes and comes back
// (DeviceLink).
//
// With PinPadSecurity (docs/protocols/epp.md §8.6, revision 5) the model authenticates the pad
// at connect and secures every frame, and checks the check value of the pad's PIN key against
// the configuration. A pad that fails any of this, or that reports tamper at connect or while
// in use, is refused: DeviceFailed{"pin pad", reason} tells staff why (once per reason, naming
// no key, check value or challenge), and the pad counts as missing (DeviceMissing), which takes
// the keypad out of service and returns a customer's card. In DUKPT mode (epp.md §8.7) the PIN
// key is slot 0x02's, named by its initial key ID instead of a check value, and each block
// arrives with its KSN, which core::EncryptedPinBlock carries on to the account service; a pad
// whose DUKPT counter is used up is refused like one with the wrong key. The model keeps the
// refused pad open
// and looks at it again every k_reopen_interval; accepted later, it is DeviceReturned.
//
// States: pad_missing (looked for again every k_reopen_interval), idle (function keys),
// collecting (the pad holds the customer's digits, of one entry or of a new PIN's two; the kiosk
// learns only the count of the entry being typed).
//
// The PIN never reaches this process: the pad hands over an ISO 9564 block enciphered under
// its working key, which goes on to the account service untouched.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "drivers/epp/epp_client.h"
#include "drivers/usb/usb_transport.h"
#include "kiosk/core/card_number.h"
#include "kiosk/core/effects.h"
#include "kiosk/devices/device_events.h"
#include "kiosk/devices/device_link.h"
#include "kiosk/devices/device_snapshot.h"

namespace kiosk::devices {

enum class PinPadState { pad_missing, idle, collecting };

// What the customer's keys are for on the screen shown now.
enum class KeypadUse {
    function_keys,  // Enter, Clear, Cancel and Help only: no digit is reported
    menu_choice,    // a digit chooses something as well: one at a time, in the clear
};

std::string_view to_string(PinPadState state);

// epp.md §1: the simulated pad's ids (pid.codes); a real pad is matched by its own.
inline constexpr std::uint16_t k_epp_vendor_id = 0x1209;
inline constexpr std::uint16_t k_epp_product_id = 0x0002;

// What the kiosk knows of its pad's keys (docs/protocols/epp.md §8.6): the pad's own
// authentication key, the PIN block format it asks for, and the check value of the PIN key the
// pad must hold for that format (the bank's key, which the kiosk never has).
struct PinPadSecurity {
    drivers::epp::SecretKey authentication_key;
    drivers::epp::BlockFormat format = drivers::epp::BlockFormat::iso9564_format4;
    drivers::epp::KeyCheckValue pin_key_check_value{};
    // DUKPT (epp.md §8.7): the initial key ID the pad's slot 0x02 must report; then the PIN key
    // is that slot's (format 4) and pin_key_check_value is not used.
    std::optional<drivers::epp::InitialKeyId> dukpt_initial_key_id;
};

// PinPadSecurity from configuration values (kiosk/app's PinPadKeys): format 4 or 0, the 16-byte
// authentication key and what names the pad's PIN key: its check value (5 bytes for format 4, 3
// for format 0) or, for format 4 under DUKPT, the 8-byte initial key ID (epp.md §8.7). Nothing
// when a length is wrong.
std::optional<PinPadSecurity> pin_pad_security(bool format4,
                                               std::span<const std::uint8_t> authentication_key,
                                               std::span<const std::uint8_t> pin_key_check_value);

struct PinPadOptions {
    drivers::usb::DeviceMatch match{.vendor_id = k_epp_vendor_id,
                                    .product_id = k_epp_product_id,
                                    .interface_class = drivers::usb::k_interface_class_vendor,
                                    .bus = std::nullopt,
                                    .address = std::nullopt};
    std::uint8_t key_slot = 0;
    std::uint8_t min_digits = 4;
    std::uint8_t max_digits = 6;
    // epp.md §4.4: counted by the pad from the last key press.
    std::chrono::seconds entry_timeout{30};
    // The device's name in notices.
    std::string name = "pin pad";
    // Revision 5 (epp.md §8). Without it the pad is used as revision 4 knew it: format 0 from
    // key_slot, no authentication.
    std::optional<PinPadSecurity> security;
};

class PinPadService {
  public:
    explicit PinPadService(PinPadOptions options = {});
    ~PinPadService();
    PinPadService(const PinPadService&) = delete;
    PinPadService& operator=(const PinPadService&) = delete;

    // Starts the model's thread. `events` and `notice` are called from that thread (and
    // `events` also from start_pin_entry() when the request cannot even be made).
    void start(EventSink events, DeviceNotice notice);
    // Stops the thread promptly: its wait on the pad ends at once.
    void stop();

    // Asks the pad to collect a PIN for this card: the PIN that signs the customer on, or a new
    // PIN, typed twice (START NEW PIN ENTRY, epp.md §4.8). Any thread; never blocks: the
    // request is queued and the model's thread woken to carry it out at once; the outcome
    // arrives as events. The same holds for cancel_pin_entry() and set_keypad().
    void start_pin_entry(const core::CardNumber& card, core::PinPurpose purpose);
    // Ends a PIN entry in progress (PinEntryCancelled follows). Any thread; never blocks.
    void cancel_pin_entry();
    // Says what keys the screen now shown takes. menu_choice opens a one-digit clear window on
    // the pad; after that digit the pad reports function keys only until asked again.
    // Any thread; never blocks.
    void set_keypad(KeypadUse use);
    // The key ceremony (epp.md §8.2), with the custodians' confirmations on the pad's keys
    // (revision 6): begin answers core::KeyCeremonyProgressed, started or refused, and the pad's
    // reports follow as the same event; enter after the combined key arrives as KeyPressed.
    // end with `commit` has the pad take the combined key, loads `keys` under it (§8.3) and
    // answers core::KeyCeremonyCommitted; then the pad is authenticated and checked again
    // (§8.6), as at connect. end without it abandons the ceremony. Any thread; never blocks.
    void begin_key_ceremony();
    void end_key_ceremony(bool commit, std::vector<core::WorkingKeyBlock> keys);
    // The working-key slots the configuration uses (docs/api/account.yaml, "KeySlot"): the
    // authentication key and the PIN key of the configured format. None without revision 5
    // security, or under DUKPT, whose initial key the ceremony does not load.
    std::vector<std::string> working_key_slots() const;

    PinPadState state() const { return m_state.load(); }
    // What the model knows of its pad (device_snapshot.h): GET INFO's model, serial and
    // firmware, GET KEY STATUS's slots (each slot's algorithm and key check value; for DUKPT
    // the initial key ID and the next counter), tamper and headphones, as read at connect and
    // as the pad reports them; for a refused pad, why. Any thread; never talks to the pad.
    DeviceSnapshot snapshot() const { return m_snapshot.get(); }

  private:
    struct StartEntry {
        base::SecretText account_field;  // 12 PAN digits, wiped when the request goes
        core::PinPurpose purpose;
    };
    struct CancelEntry {};
    struct SetKeypad {
        KeypadUse use;
    };
    struct BeginCeremony {};
    struct EndCeremony {
        bool commit = false;
        std::vector<core::WorkingKeyBlock> keys;
    };
    using Request = std::variant<StartEntry, CancelEntry, SetKeypad, BeginCeremony, EndCeremony>;

    struct Connection;
    void run();
    std::optional<Connection> connect(const drivers::usb::UsbContext& context);
    void serve(Connection& connection);
    // Accepts the pad (epp.md §8.6) and serves it; true when it reported tamper and must be
    // checked again.
    bool serve_accepted(Connection& connection);
    // The pad's status once it is accepted; nothing when it went or the model stops.
    std::optional<drivers::epp::PadStatus> accept(drivers::epp::EppClient& client);
    void carry_out(Connection& connection, Request& request);
    void apply_keypad(Connection& connection);
    void begin_ceremony(Connection& connection);
    void end_ceremony(Connection& connection, const EndCeremony& end);
    void ceremony_progress(const drivers::epp::KeyCeremonyProgress& progress);
    // The working keys loaded under the new master key, each KCV compared with the bank's.
    std::vector<core::LoadedKey> load_working_keys(drivers::epp::EppClient& client,
                                                   const std::vector<core::WorkingKeyBlock>& keys,
                                                   std::string& problem);
    void queue(Request request);
    void refuse_requests_while_missing();
    void handle(const drivers::epp::Event& event);
    // epp.md §8.6: authenticates the pad and checks its keys; the reason to refuse it, if any.
    // `gone` is set when the pad went away meanwhile (nothing to refuse).
    std::optional<std::string> secure(drivers::epp::EppClient& client, bool& gone);
    // Tells staff why the pad is not used (once per reason) and counts it missing.
    void refuse_pad(const std::string& reason);
    void set_headphones(bool plugged);
    std::optional<Request> next_request();
    void set_state(PinPadState state);
    // Publishes what is known of the open pad, or clears the snapshot when none is open.
    void publish_snapshot();
    // GET INFO once per connection, and GET KEY STATUS where the security check did not read
    // it, for snapshot(): false when the pad went away meanwhile.
    bool learn_pad(drivers::epp::EppClient& client);
    void post(core::Event event) { m_link.post(std::move(event)); }
    void tell(std::string_view event) { m_link.tell(event); }

    PinPadOptions m_options;
    DeviceLink m_link;
    std::atomic<PinPadState> m_state{PinPadState::pad_missing};
    bool m_headphones = false;  // model thread only
    // Why the pad was refused last, told once; cleared when a pad is accepted. Model thread.
    std::optional<std::string> m_refusal;
    // A tamper report while serving: the pad is refused once the loop ends. Model thread.
    bool m_tamper_reported = false;
    // The pad refused a PIN entry as keys exhausted (epp.md §8.7): it is checked again, and
    // refused, once the loop ends. Model thread.
    bool m_keys_used_up = false;
    // A key ceremony is on in the pad (epp.md §8.2): it answers only status commands, so the
    // keypad's mode waits. Model thread.
    bool m_in_ceremony = false;
    // A committed ceremony changed the pad's keys and ended its session: it is authenticated
    // and checked again once the loop ends. Model thread.
    bool m_rekeyed = false;
    KeypadUse m_keypad = KeypadUse::function_keys;  // what the shell asked for; model thread only

    // What the model read of the open pad, for snapshot() (model thread only; m_pad_usb is
    // empty while no pad is open).
    std::optional<DeviceSnapshot> m_pad_usb;
    std::optional<drivers::epp::DeviceInfo> m_pad_info;
    std::optional<drivers::epp::KeyStatus> m_key_status;
    // Whether the pad answered GET KEY STATUS, a revision 5 command (epp.md §8.1).
    std::optional<bool> m_answers_key_status;
    bool m_pad_secured = false;
    bool m_pad_tampered = false;
    SnapshotCell m_snapshot{DeviceKind::pin_pad};

    std::mutex m_requests_mutex;
    std::deque<Request> m_requests;
};

}  // namespace kiosk::devices
