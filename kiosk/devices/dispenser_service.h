#pragma once
// The cash dispenser device model: finds the USB dispenser (docs/protocols/dispenser.md),
// carries out the core's cash effects through drivers/dispenser and reports core events:
// CashDispensed, CashPresented, CashRetracted, CashRejected and DispenserReported, one for each
// command asked for; CashTaken when the customer takes the notes at the slot; and
// DeviceMissing{dispenser} / DeviceReturned{dispenser} when the dispenser goes and comes back
// (DeviceLink).
//
// On connecting, the model asks STATUS and CASSETTES and posts DispenserReported, so that the
// core learns where the notes of an interrupted withdrawal are (dispenser.md §4.2). The amount
// of a dispense is worked out from the denominations of the cassettes last read.
//
// A command is never sent when it cannot be right: a reference that is not a UUID, or a note
// count out of range, is answered at once with CashFault::refused; a command for a dispenser
// that is missing is answered with CashFault::no_answer.
//
// States: dispenser_missing (looked for again every k_reopen_interval), ready (waiting for a
// command or an event), busy (a command is being carried out).
//
// Threading: dispense(), present(), retract(), reject() and check() may be called from any
// thread and never block; everything else runs on the model's thread (named `dispenser`), which
// posts events and notices. Notices name commands, statuses and faults, never amounts.

#include <atomic>
#include <cstdint>
#include <deque>
#include <expected>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "drivers/dispenser/dispenser_client.h"
#include "drivers/dispenser/dispenser_protocol.h"
#include "drivers/usb/usb_transport.h"
#include "kiosk/core/cash.h"
#include "kiosk/core/events.h"
#include "kiosk/devices/device_events.h"
#include "kiosk/devices/device_link.h"
#include "kiosk/devices/device_snapshot.h"

namespace kiosk::devices {

enum class DispenserServiceState { dispenser_missing, ready, busy };

std::string_view to_string(DispenserServiceState state);

// dispenser.md §1: a dispenser's interface is vendor specific (class 0xFF) with subclass 0x01.
// DeviceMatch has no subclass, so the model checks it itself before it opens a device.
inline constexpr std::uint8_t k_dispenser_interface_subclass = 0x01;

struct DispenserServiceOptions {
    // Any device with a dispenser's interface; narrow it with vendor and product ids.
    drivers::usb::DeviceMatch match{.vendor_id = std::nullopt,
                                    .product_id = std::nullopt,
                                    .interface_class = drivers::usb::k_interface_class_vendor,
                                    .bus = std::nullopt,
                                    .address = std::nullopt};
    // Time-outs and retries of the dispenser's client (drivers/dispenser/dispenser_client.h).
    drivers::dispenser::DispenserOptions client = {};
    // The device's name in notices, and of the model's thread.
    std::string name = "dispenser";
};

class DispenserService {
  public:
    explicit DispenserService(DispenserServiceOptions options = {});
    ~DispenserService();
    DispenserService(const DispenserService&) = delete;
    DispenserService& operator=(const DispenserService&) = delete;

    // Starts the model's thread (stopping a running one). `events` and `notice` are called
    // from that thread, and from the callers of the commands below for a command refused at
    // once. Commands asked for before the start are carried out, or answered, once it runs.
    void start(EventSink events, DeviceNotice notice);
    // Stops the thread: at once while it waits; during a command, once the dispenser has
    // answered it. Commands not yet carried out are dropped unanswered: the shell no longer
    // listens.
    void stop();

    // Each command is queued and the model woken to carry it out at once; exactly one event
    // answers it, from the model's thread (or at once, for a command refused before it is
    // queued). Any thread; never blocks. Commands are carried out in the order asked for.
    void dispense(const core::Dispense& dispense);   // CashDispensed
    void present(const core::PresentCash& present);  // CashPresented, later CashTaken
    void retract(const core::RetractCash& retract);  // CashRetracted
    void reject(const core::RejectCash& reject);     // CashRejected
    void check();                                    // DispenserReported

    DispenserServiceState state() const { return m_state.load(); }
    // What the model knows of its dispenser (device_snapshot.h): INFO's firmware and serial,
    // its USB identity, each cassette's denomination, count and state, the reject bin and the
    // shutter, as STATUS and CASSETTES last said (at connect and check()), followed by the
    // dispenser's own answers and events since. Any thread; never talks to the dispenser.
    DeviceSnapshot snapshot() const { return m_snapshot.get(); }

  private:
    using Effect = std::variant<core::Dispense, core::PresentCash, core::RetractCash,
                                core::RejectCash, core::CheckDispenser>;
    struct Request {
        Effect effect;
        // The effect's reference as the dispenser takes it; zero for a check.
        drivers::dispenser::TransactionReference reference;
        // A dispense's note counts as the protocol carries them.
        std::vector<std::uint16_t> notes;
    };
    struct Connection;

    void run();
    // Queues a request, or answers it at once as refused when it cannot be sent.
    void ask(Effect effect, std::string_view transaction);
    std::optional<Connection> connect(const drivers::usb::UsbContext& context);
    void serve(Connection& connection);
    // Carries out one request and answers it; false when the dispenser went away.
    bool carry_out(Connection& connection, const Request& request);
    bool carry_out_dispense(Connection& connection, const Request& request);
    // STATUS and CASSETTES, as the core hears them; keeps the cassettes for the amounts.
    std::expected<core::DispenserReported, drivers::dispenser::DispenserError> read_report(
        Connection& connection);
    void handle(Connection& connection, const drivers::dispenser::Event& event);
    // Answers `effect` without the dispenser: nothing done, for `fault`.
    void answer(const Effect& effect, core::CashFault fault);
    void refuse_requests_while_missing();
    std::optional<Request> next_request();
    // The reference as the core wrote it when the model sent it, else its canonical text.
    std::string text_of(const drivers::dispenser::TransactionReference& reference) const;
    core::Money amount_of(const std::vector<std::uint16_t>& notes_per_cassette) const;
    void set_state(DispenserServiceState state) { m_state = state; }
    // Publishes what is known of the open dispenser (model thread).
    void publish_snapshot();
    void post(core::Event event) { m_link.post(std::move(event)); }
    void tell(std::string_view event) { m_link.tell(event); }

    DispenserServiceOptions m_options;
    DeviceLink m_link;
    std::atomic<DispenserServiceState> m_state{DispenserServiceState::dispenser_missing};

    // The model's thread only. The cassettes as last read, for the amounts of dispenses.
    std::vector<drivers::dispenser::Cassette> m_cassettes;
    // The last reference sent and the text the core named it by, so that events about it
    // (CashTaken) carry the core's own text.
    std::optional<std::pair<drivers::dispenser::TransactionReference, std::string>> m_last_sent;
    // A request taken from the queue and not yet answered: a fault that escapes the model's
    // code must not leave the shell waiting for it.
    std::optional<Effect> m_unfinished;
    // What the model read of the open dispenser, for snapshot() (model thread only; empty
    // while none is open). The cassettes are m_cassettes.
    std::optional<DeviceSnapshot> m_dispenser_usb;
    std::optional<drivers::dispenser::DeviceInfo> m_dispenser_info;
    std::optional<drivers::dispenser::DispenserStatus> m_dispenser_status;
    SnapshotCell m_snapshot{DeviceKind::dispenser};

    std::mutex m_requests_mutex;
    std::deque<Request> m_requests;
};

}  // namespace kiosk::devices
