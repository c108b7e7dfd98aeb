#pragma once

// A simulated cash dispenser speaking the kiosk's dispenser protocol
// (docs/protocols/dispenser.md): vendor class 0xFF subclass 0x01, bulk OUT 0x01 (commands), bulk
// IN 0x82 (responses), interrupt IN 0x83 (events). It keeps where every note is, per cassette:
// in the cassette, in the transport, at the slot, taken by the customer, or in the reject bin;
// and it carries out a DISPENSE once per transaction reference, answering a repeat with the
// stored outcome. The simulator plays the customer (take_cash) and the faults (a jam, a shutter
// that does not move, a lost response, a cassette pulled out).
//
// The bus calls on_out and take_in on its worker thread while the scenario runner, the control
// panel or a test calls the controls; the dispenser guards its state with its own mutex and
// tells the bus about new transfers with no lock held.

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "drivers/dispenser/dispenser_protocol.h"
#include "simulator/devices/in_endpoints.h"
#include "simulator/usb/virtual_usb_device.h"

namespace simulator::devices {

// What one cassette holds when it is loaded.
struct CassetteLoad {
    std::string currency = "CNY";        // ISO 4217
    std::uint32_t denomination = 10000;  // minor units: 10000 fen is a 100-yuan note
    std::uint16_t count = 2000;
};

struct DispenserSetup {
    std::string manufacturer = "Kiosk Simulator";
    std::string product = "Virtual Cash Dispenser";
    std::string serial = "SIM-CDM-0001";  // at most 16 characters (dispenser.md §4, INFO)
    std::uint16_t firmware_version = 0x0100;
    // Two cassettes, as a small branch ATM is loaded: 2000 notes of 100 yuan (200 000 yuan),
    // and 1000 notes of 50 yuan (50 000 yuan) so that amounts of 50 can be paid.
    std::vector<CassetteLoad> cassettes{{"CNY", 10000, 2000}, {"CNY", 5000, 1000}};
    // A cassette at or below this many notes reports low (dispenser.md §4, CASSETTES).
    std::uint16_t low_level = 100;
    // Room for the notes of a few retracted or rejected withdrawals before an engineer empties
    // it.
    std::uint16_t reject_bin_capacity = 200;
};

// Where the notes of one cassette are now. Every note loaded is in exactly one of in_cassette,
// in_transport, at_slot, taken or in_reject_bin (until the simulator refills the cassette or
// empties the reject bin).
struct CassetteLedger {
    std::string currency;
    std::uint32_t denomination = 0;
    bool inserted = true;  // a removed cassette keeps its notes outside the machine
    std::uint16_t in_cassette = 0;
    std::uint16_t in_transport = 0;
    std::uint16_t at_slot = 0;
    std::uint64_t taken = 0;  // into customers' hands, since the dispenser was made
    std::uint16_t in_reject_bin = 0;
    bool operator==(const CassetteLedger&) const = default;
};

struct DispenserLedger {
    std::vector<CassetteLedger> cassettes;  // in cassette order

    // The notes and the money (minor units, all cassettes being of one currency) that have
    // left the machine into customers' hands: what a bank's ledger must match.
    std::uint64_t notes_taken() const;
    std::uint64_t amount_taken() const;
    std::uint32_t notes_in_reject_bin() const;
};

class VirtualDispenser final : public simulator::usb::VirtualUsbDevice {
  public:
    static constexpr std::uint8_t k_bulk_out = 0x01;
    static constexpr std::uint8_t k_bulk_in = 0x82;
    static constexpr std::uint8_t k_interrupt_in = 0x83;
    // A dispenser buffers a few dozen events while the host is not reading; beyond that the oldest
    // are dropped and the host sees the gap in the event sequence numbers (dispenser.md §2).
    static constexpr std::size_t k_max_queued_events = 64;
    static constexpr std::size_t k_max_queued_responses = 16;

    VirtualDispenser();
    explicit VirtualDispenser(DispenserSetup setup);

    // ---- The customer and the faults ----

    // The customer takes the notes at the slot: the dispense is over (event cash taken, then
    // shutter closed). False when there were none.
    bool take_cash();
    // The next DISPENSE that asks for more than `after_notes` notes picks that many and jams:
    // the state is jammed, the notes picked are in the transport, and event 0x43 is sent.
    void jam_next_dispense(std::uint16_t after_notes);
    // While failing, the shutter does not move: PRESENT and RETRACT answer shutter fault and
    // the notes stay where they are.
    void fail_shutter(bool failing = true);
    // The next response is lost on the way to the host, after the command was carried out.
    void lose_next_response();
    // No fault waits any more: no jam for the next dispense, the shutter moves, the next
    // response reaches the host. Notes already jammed stay so until the host's RESET.
    void clear_faults();
    // An engineer loads `count` notes into cassette `number` (from 1), inserting it if it was
    // removed; or pulls the cassette out. Event cassette changed when its state changes. False
    // for a cassette the dispenser does not have.
    bool set_cassette_count(std::uint8_t number, std::uint16_t count);
    bool remove_cassette(std::uint8_t number);
    // An engineer empties the reject bin; a dispenser out of service for a full bin is back.
    void empty_reject_bin();

    // ---- What the simulator and the tests read ----

    DispenserLedger ledger() const;
    drivers::dispenser::State state() const;
    bool shutter_open() const;

    // ---- The USB device ----

    base::Bytes descriptors() const override;
    std::string manufacturer() const override { return m_setup.manufacturer; }
    std::string product() const override { return m_setup.product; }
    std::string serial() const override { return m_setup.serial; }
    void on_out(std::uint8_t endpoint, std::span<const std::uint8_t> data) override;
    std::optional<base::Bytes> take_in(std::uint8_t endpoint) override;
    // Unplugged, the dispenser loses what it had queued for the host. The notes stay where
    // they are, and it keeps the last outcome (dispenser.md, "Design rules" 2).
    void on_unplugged() override;

  private:
    drivers::dispenser::Response handle(const drivers::dispenser::Command& command);
    drivers::dispenser::Response dispense(const drivers::dispenser::Dispense& order);
    drivers::dispenser::Response present(const drivers::dispenser::TransactionReference& reference);
    drivers::dispenser::Response retract(const drivers::dispenser::TransactionReference& reference);
    drivers::dispenser::Response reject(const drivers::dispenser::TransactionReference& reference);
    drivers::dispenser::Response reset();
    // Why the held notes cannot be moved by a command naming `reference`, if they cannot.
    std::optional<drivers::dispenser::Status> refuse_held(
        const drivers::dispenser::TransactionReference& reference) const;
    // Moves the notes of one place (&CassetteLedger::in_transport or ::at_slot) to the reject
    // bin; nothing when there is no room, and the dispenser goes out of service.
    std::optional<std::uint16_t> move_to_reject_bin(std::uint16_t CassetteLedger::*place);

    drivers::dispenser::State current_state() const;
    drivers::dispenser::DispenserStatus current_status() const;
    std::vector<drivers::dispenser::Cassette> current_cassettes() const;
    drivers::dispenser::CassetteState cassette_state(const CassetteLedger& cassette) const;
    std::uint16_t notes(std::uint16_t CassetteLedger::*place) const;
    void emit(const drivers::dispenser::Event& event);
    // Reports the cassettes whose state is no longer the one in `before`.
    void emit_cassette_changes(const std::vector<drivers::dispenser::CassetteState>& before);
    std::vector<drivers::dispenser::CassetteState> cassette_states() const;

    const DispenserSetup m_setup;
    mutable std::mutex m_mutex;
    std::vector<CassetteLedger> m_cassettes;
    // dispenser.md, "Design rules" 2: the reference and outcome of the last dispense; its
    // reference is also the one of any notes held.
    drivers::dispenser::DispenseOutcome m_last_outcome;
    bool m_jammed = false;
    bool m_out_of_service = false;
    bool m_shutter_open = false;
    bool m_shutter_failing = false;
    bool m_lose_next_response = false;
    std::optional<std::uint16_t> m_jam_after;
    std::uint8_t m_event_sequence = 0;
    InEndpoints m_in;
};

}  // namespace simulator::devices
