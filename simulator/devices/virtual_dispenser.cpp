#include "simulator/devices/virtual_dispenser.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <utility>

#include "base/bytes.h"
#include "simulator/devices/usb_descriptors.h"

namespace simulator::devices {

namespace {

using namespace drivers::dispenser;

// dispenser.md §1: vendor class, subclass 1.
constexpr std::uint8_t k_interface_class_vendor = 0xFF;
constexpr std::uint8_t k_interface_subclass_dispenser = 0x01;
constexpr std::uint8_t k_interrupt_interval_ms = 10;

std::vector<CassetteLedger> load(const std::vector<CassetteLoad>& cassettes) {
    std::vector<CassetteLedger> loaded;
    for (const CassetteLoad& cassette : cassettes) {
        loaded.push_back(CassetteLedger{.currency = cassette.currency,
                                        .denomination = cassette.denomination,
                                        .in_cassette = cassette.count});
    }
    return loaded;
}

}  // namespace

std::uint64_t DispenserLedger::notes_taken() const {
    return std::accumulate(
        cassettes.begin(), cassettes.end(), std::uint64_t{0},
        [](std::uint64_t sum, const CassetteLedger& c) { return sum + c.taken; });
}

std::uint64_t DispenserLedger::amount_taken() const {
    return std::accumulate(
        cassettes.begin(), cassettes.end(), std::uint64_t{0},
        [](std::uint64_t sum, const CassetteLedger& c) { return sum + c.taken * c.denomination; });
}

std::uint32_t DispenserLedger::notes_in_reject_bin() const {
    return std::accumulate(
        cassettes.begin(), cassettes.end(), std::uint32_t{0},
        [](std::uint32_t sum, const CassetteLedger& c) { return sum + c.in_reject_bin; });
}

VirtualDispenser::VirtualDispenser() : VirtualDispenser(DispenserSetup{}) {}

VirtualDispenser::VirtualDispenser(DispenserSetup setup)
    : m_setup(std::move(setup)),
      m_cassettes(load(m_setup.cassettes)),
      m_in({.address = k_bulk_in, .capacity = k_max_queued_responses},
           {.address = k_interrupt_in, .capacity = k_max_queued_events}) {
    // dispenser.md §4.3: before the first dispense, an outcome of zeros.
    m_last_outcome.notes_picked.assign(m_cassettes.size(), 0);
}

base::Bytes VirtualDispenser::descriptors() const {
    DeviceDescription description;
    description.product_id = k_dispenser_product_id;
    description.interface_class = k_interface_class_vendor;
    description.interface_subclass = k_interface_subclass_dispenser;
    description.endpoints = {
        {k_bulk_out, 0x02, k_full_speed_packet, 0},
        {k_bulk_in, 0x02, k_full_speed_packet, 0},
        {k_interrupt_in, 0x03, k_full_speed_packet, k_interrupt_interval_ms},
    };
    return build_descriptors(description);
}

// ---- State ----

std::uint16_t VirtualDispenser::notes(std::uint16_t CassetteLedger::*place) const {
    unsigned sum = 0;
    for (const CassetteLedger& cassette : m_cassettes) {
        sum += cassette.*place;
    }
    return static_cast<std::uint16_t>(sum);
}

State VirtualDispenser::current_state() const {
    // dispenser.md §4.1: the state follows from where the notes are.
    if (m_out_of_service) {
        return State::out_of_service;
    }
    if (m_jammed) {
        return State::jammed;
    }
    if (notes(&CassetteLedger::at_slot) > 0) {
        return State::presented;
    }
    if (notes(&CassetteLedger::in_transport) > 0) {
        return State::stacked;
    }
    return State::idle;
}

DispenserStatus VirtualDispenser::current_status() const {
    DispenserStatus status;
    status.state = current_state();
    status.shutter_open = m_shutter_open;
    const bool holds =
        m_jammed || notes(&CassetteLedger::in_transport) > 0 || notes(&CassetteLedger::at_slot) > 0;
    if (holds) {
        status.held_reference = m_last_outcome.reference;
    }
    status.notes_in_transport = notes(&CassetteLedger::in_transport);
    status.notes_at_slot = notes(&CassetteLedger::at_slot);
    status.reject_bin_count = notes(&CassetteLedger::in_reject_bin);
    status.reject_bin_capacity = m_setup.reject_bin_capacity;
    status.last_outcome = m_last_outcome;
    return status;
}

CassetteState VirtualDispenser::cassette_state(const CassetteLedger& cassette) const {
    if (!cassette.inserted) {
        return CassetteState::missing;
    }
    if (cassette.in_cassette == 0) {
        return CassetteState::empty;
    }
    return cassette.in_cassette <= m_setup.low_level ? CassetteState::low : CassetteState::ok;
}

std::vector<CassetteState> VirtualDispenser::cassette_states() const {
    std::vector<CassetteState> states;
    for (const CassetteLedger& cassette : m_cassettes) {
        states.push_back(cassette_state(cassette));
    }
    return states;
}

std::vector<Cassette> VirtualDispenser::current_cassettes() const {
    std::vector<Cassette> cassettes;
    for (std::size_t index = 0; index < m_cassettes.size(); ++index) {
        const CassetteLedger& cassette = m_cassettes[index];
        cassettes.push_back(Cassette{static_cast<std::uint8_t>(index + 1), cassette.currency,
                                     cassette.denomination, cassette.in_cassette,
                                     cassette_state(cassette)});
    }
    return cassettes;
}

void VirtualDispenser::emit(const Event& event) {
    m_in.queue_interrupt(encode_frame(encode_event(event, m_event_sequence++)));
}

void VirtualDispenser::emit_cassette_changes(const std::vector<CassetteState>& before) {
    const auto after = cassette_states();
    for (std::size_t index = 0; index < after.size(); ++index) {
        if (after[index] != before[index]) {
            emit(CassetteChanged{static_cast<std::uint8_t>(index + 1), after[index]});
        }
    }
}

std::optional<std::uint16_t> VirtualDispenser::move_to_reject_bin(
    std::uint16_t CassetteLedger::*place) {
    const std::uint16_t moving = notes(place);
    if (notes(&CassetteLedger::in_reject_bin) + moving > m_setup.reject_bin_capacity) {
        m_out_of_service = true;  // dispenser.md §4.1: a full bin needs an engineer
        return std::nullopt;
    }
    for (CassetteLedger& cassette : m_cassettes) {
        cassette.in_reject_bin =
            static_cast<std::uint16_t>(cassette.in_reject_bin + cassette.*place);
        cassette.*place = 0;
    }
    return moving;
}

// ---- Commands (dispenser.md §4) ----

std::optional<Status> VirtualDispenser::refuse_held(const TransactionReference& reference) const {
    if (m_out_of_service) {
        return Status::out_of_service;
    }
    if (m_jammed) {
        return Status::jammed;
    }
    if (current_state() == State::idle) {
        return Status::nothing_held;
    }
    if (reference != m_last_outcome.reference) {
        return Status::wrong_reference;
    }
    return std::nullopt;
}

Response VirtualDispenser::dispense(const Dispense& order) {
    if (m_out_of_service) {
        return Response{code::k_dispense, Status::out_of_service, {}};
    }
    // dispenser.md "Design rules" 2: the same order again picks nothing and gets the outcome.
    if (order.reference == m_last_outcome.reference) {
        const Status status =
            m_last_outcome.result == PickResult::picked_in_full ? Status::ok : Status::jammed;
        return Response{code::k_dispense, status, encode_outcome(m_last_outcome)};
    }
    if (m_jammed) {
        return Response{code::k_dispense, Status::jammed, {}};
    }
    if (current_state() != State::idle) {
        return Response{code::k_dispense, Status::busy, {}};  // another transaction's notes
    }
    if (order.notes_per_cassette.size() != m_cassettes.size()) {
        return Response{code::k_dispense, Status::bad_length, {}};
    }
    unsigned asked = 0;
    for (std::size_t index = 0; index < m_cassettes.size(); ++index) {
        const std::uint16_t wanted = order.notes_per_cassette[index];
        if (wanted > 0 &&
            (!m_cassettes[index].inserted || wanted > m_cassettes[index].in_cassette)) {
            return Response{code::k_dispense, Status::not_enough_notes, {}};
        }
        asked += wanted;
    }
    // dispenser.md §4 STATUS counts the notes in the transport in 2 bytes.
    if (asked > std::numeric_limits<std::uint16_t>::max()) {
        return Response{code::k_dispense, Status::bad_parameter, {}};
    }
    const auto before = cassette_states();
    const bool jams = m_jam_after && *m_jam_after < asked;
    unsigned budget = jams ? *m_jam_after : asked;
    if (jams) {
        m_jam_after.reset();
    }
    DispenseOutcome outcome;
    outcome.reference = order.reference;
    for (std::size_t index = 0; index < m_cassettes.size(); ++index) {
        CassetteLedger& cassette = m_cassettes[index];
        const auto picked =
            static_cast<std::uint16_t>(std::min<unsigned>(order.notes_per_cassette[index], budget));
        budget -= picked;
        cassette.in_cassette = static_cast<std::uint16_t>(cassette.in_cassette - picked);
        cassette.in_transport = static_cast<std::uint16_t>(cassette.in_transport + picked);
        outcome.notes_picked.push_back(picked);
    }
    const bool any = notes(&CassetteLedger::in_transport) > 0;
    outcome.result = !jams ? PickResult::picked_in_full
                           : (any ? PickResult::picked_in_part : PickResult::nothing_picked);
    outcome.location = NotesLocation::transport;
    m_last_outcome = outcome;
    m_jammed = jams;
    if (jams) {
        emit(NotesJammed{order.reference});
    }
    emit_cassette_changes(before);
    return Response{code::k_dispense, jams ? Status::jammed : Status::ok, encode_outcome(outcome)};
}

Response VirtualDispenser::present(const TransactionReference& reference) {
    if (const auto refusal = refuse_held(reference)) {
        return Response{code::k_present, *refusal, {}};
    }
    const std::uint16_t moving = notes(&CassetteLedger::in_transport);
    if (moving == 0) {
        return Response{code::k_present, Status::nothing_held, {}};  // already at the slot
    }
    if (m_shutter_failing) {
        return Response{code::k_present, Status::shutter_fault, {}};
    }
    for (CassetteLedger& cassette : m_cassettes) {
        cassette.at_slot = static_cast<std::uint16_t>(cassette.at_slot + cassette.in_transport);
        cassette.in_transport = 0;
    }
    m_shutter_open = true;
    m_last_outcome.location = NotesLocation::slot;
    emit(CashPresented{reference, moving});
    return Response{code::k_present, Status::ok, encode_note_count(moving)};
}

Response VirtualDispenser::retract(const TransactionReference& reference) {
    if (const auto refusal = refuse_held(reference)) {
        return Response{code::k_retract, *refusal, {}};
    }
    if (notes(&CassetteLedger::at_slot) == 0) {
        return Response{code::k_retract, Status::nothing_held, {}};  // never presented
    }
    if (m_shutter_failing) {
        return Response{code::k_retract, Status::shutter_fault, {}};
    }
    const auto moved = move_to_reject_bin(&CassetteLedger::at_slot);
    if (!moved) {
        return Response{code::k_retract, Status::out_of_service, {}};
    }
    m_shutter_open = false;
    m_last_outcome.location = NotesLocation::retracted;
    emit(ShutterClosed{});
    return Response{code::k_retract, Status::ok, encode_note_count(*moved)};
}

Response VirtualDispenser::reject(const TransactionReference& reference) {
    if (const auto refusal = refuse_held(reference)) {
        return Response{code::k_reject, *refusal, {}};
    }
    if (notes(&CassetteLedger::in_transport) == 0) {
        return Response{code::k_reject, Status::nothing_held, {}};  // at the slot: RETRACT
    }
    const auto moved = move_to_reject_bin(&CassetteLedger::in_transport);
    if (!moved) {
        return Response{code::k_reject, Status::out_of_service, {}};
    }
    m_last_outcome.location = NotesLocation::rejected;
    return Response{code::k_reject, Status::ok, encode_note_count(*moved)};
}

Response VirtualDispenser::reset() {
    // dispenser.md §4.1: a reset after a jam moves what it can reach, the transport, to the
    // reject bin, and never presents. Stacked notes wait for the host's REJECT (§4.2), which
    // reports their count; notes at the slot stay for the customer.
    if (m_jammed && !m_out_of_service && move_to_reject_bin(&CassetteLedger::in_transport)) {
        m_jammed = false;
        m_last_outcome.location = NotesLocation::rejected;
    }
    return Response{code::k_reset, Status::ok, encode_state(current_state())};
}

Response VirtualDispenser::handle(const Command& command) {
    if (std::holds_alternative<GetInfo>(command)) {
        const DeviceInfo info{m_setup.firmware_version, m_setup.serial,
                              static_cast<std::uint8_t>(m_cassettes.size())};
        return Response{code::k_info, Status::ok, encode_device_info(info)};
    }
    if (std::holds_alternative<GetStatus>(command)) {
        return Response{code::k_status, Status::ok, encode_status(current_status())};
    }
    if (std::holds_alternative<GetCassettes>(command)) {
        return Response{code::k_cassettes, Status::ok, encode_cassettes(current_cassettes())};
    }
    if (const auto* order = std::get_if<Dispense>(&command)) {
        return dispense(*order);
    }
    if (const auto* order = std::get_if<Present>(&command)) {
        return present(order->reference);
    }
    if (const auto* order = std::get_if<Retract>(&command)) {
        return retract(order->reference);
    }
    if (const auto* order = std::get_if<Reject>(&command)) {
        return reject(order->reference);
    }
    return reset();
}

void VirtualDispenser::on_out(std::uint8_t endpoint, std::span<const std::uint8_t> data) {
    if (endpoint != k_bulk_out) {
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        Response response;
        std::uint8_t sequence = 0;
        auto frame = decode_frame(data);
        if (!frame) {
            // dispenser.md §2 (epp.md §2): NAK, with the frame's sequence number if readable.
            sequence = sequence_for_nak(data);
            response = Response{code::k_nak, Status::bad_frame, {}};
        } else {
            sequence = frame->sequence;
            auto command = decode_command(*frame);
            if (command) {
                response = handle(*command);
            } else if (command.error() == DispenserError::unknown_code) {
                response = Response{code::k_nak, Status::unknown_command, {}};
            } else if (command.error() == DispenserError::bad_parameter) {
                response = Response{frame->code, Status::bad_parameter, {}};
            } else {
                response = Response{frame->code, Status::bad_length, {}};
            }
        }
        if (m_lose_next_response) {
            m_lose_next_response = false;
        } else {
            m_in.queue_bulk(encode_frame(encode_response(response, sequence)));
        }
    }
    notify_in_ready();
}

std::optional<base::Bytes> VirtualDispenser::take_in(std::uint8_t endpoint) {
    std::lock_guard lock(m_mutex);
    return m_in.take(endpoint);
}

void VirtualDispenser::on_unplugged() {
    std::lock_guard lock(m_mutex);
    m_in.clear();
    m_event_sequence = 0;
}

// ---- Controls ----

bool VirtualDispenser::take_cash() {
    {
        std::lock_guard lock(m_mutex);
        if (notes(&CassetteLedger::at_slot) == 0) {
            return false;
        }
        for (CassetteLedger& cassette : m_cassettes) {
            cassette.taken += cassette.at_slot;
            cassette.at_slot = 0;
        }
        m_last_outcome.location = NotesLocation::taken;
        emit(CashTaken{m_last_outcome.reference});
        if (!m_shutter_failing) {
            m_shutter_open = false;
            emit(ShutterClosed{});
        }
    }
    notify_in_ready();
    return true;
}

void VirtualDispenser::jam_next_dispense(std::uint16_t after_notes) {
    std::lock_guard lock(m_mutex);
    m_jam_after = after_notes;
}

void VirtualDispenser::fail_shutter(bool failing) {
    std::lock_guard lock(m_mutex);
    m_shutter_failing = failing;
}

void VirtualDispenser::lose_next_response() {
    std::lock_guard lock(m_mutex);
    m_lose_next_response = true;
}

void VirtualDispenser::clear_faults() {
    std::lock_guard lock(m_mutex);
    m_jam_after.reset();
    m_shutter_failing = false;
    m_lose_next_response = false;
}

bool VirtualDispenser::set_cassette_count(std::uint8_t number, std::uint16_t count) {
    {
        std::lock_guard lock(m_mutex);
        if (number == 0 || number > m_cassettes.size()) {
            return false;
        }
        const auto before = cassette_states();
        m_cassettes[number - 1].inserted = true;
        m_cassettes[number - 1].in_cassette = count;
        emit_cassette_changes(before);
    }
    notify_in_ready();
    return true;
}

bool VirtualDispenser::remove_cassette(std::uint8_t number) {
    {
        std::lock_guard lock(m_mutex);
        if (number == 0 || number > m_cassettes.size()) {
            return false;
        }
        const auto before = cassette_states();
        m_cassettes[number - 1].inserted = false;
        emit_cassette_changes(before);
    }
    notify_in_ready();
    return true;
}

void VirtualDispenser::empty_reject_bin() {
    std::lock_guard lock(m_mutex);
    for (CassetteLedger& cassette : m_cassettes) {
        cassette.in_reject_bin = 0;
    }
    m_out_of_service = false;
}

DispenserLedger VirtualDispenser::ledger() const {
    std::lock_guard lock(m_mutex);
    return DispenserLedger{m_cassettes};
}

State VirtualDispenser::state() const {
    std::lock_guard lock(m_mutex);
    return current_state();
}

bool VirtualDispenser::shutter_open() const {
    std::lock_guard lock(m_mutex);
    return m_shutter_open;
}

}  // namespace simulator::devices
