#include "simulator/devices/virtual_ccid_reader.h"

#include <algorithm>
#include <functional>

#include "base/bytes.h"
#include "drivers/ccid/protocol_selection.h"
#include "drivers/iso7816/atr.h"
#include "drivers/iso7816/pps.h"
#include "drivers/iso7816/t1_card.h"
#include "drivers/iso7816/t1_host.h"
#include "simulator/devices/usb_descriptors.h"

namespace simulator::devices {

namespace {

using namespace drivers::ccid;
using Clock = std::chrono::steady_clock;
using std::chrono::microseconds;

constexpr std::size_t k_max_short_apdu = 261;
// CCID 1.1 §6.1.4, Table 6.2-2: a wLevelParameter out of place is refused with the offset of
// the field, 8.
constexpr std::uint8_t k_level_parameter_offset = 8;
// A T=1 block: prologue, up to 254 bytes of INF and a two-byte CRC (ISO/IEC 7816-3 §11.3).
constexpr std::size_t k_max_t1_block = 3 + 254 + 2;
// A reader buffers a few slot changes while the host is not polling; older ones are dropped
// (the latest state is what matters).
constexpr std::size_t k_max_queued_interrupts = 8;
// The clock the reader gives the card (dwDefaultClock = dwMaximumClock).
constexpr std::uint32_t k_clock_khz = 4000;
// ISO/IEC 7816-3 §6.2.2: the card starts its answer 400 to 40 000 clock cycles after reset;
// the simulated card takes the longest.
constexpr std::uint32_t k_reset_cycles = 40'000;
// §7.2 and §10.2: a T=0 character takes 12 etu (10 bits and the guard time); §11.2: a T=1
// character 11 etu (the character guard time is 11 etu).
constexpr std::uint32_t k_t0_character_etu = 12;
constexpr std::uint32_t k_t1_character_etu = 11;
// CCID 1.1 §5.3: class-specific requests to the interface.
constexpr std::uint8_t k_request_abort = 0x01;
constexpr std::uint8_t k_request_get_data_rates = 0x03;
// The data rates the reader lists: at its 4 MHz clock, Fi/Di 372/1 up to 512/32.
constexpr std::uint32_t k_default_data_rate = 10752;
// §6.1.7 Table 6.1-6: T=0's bmTCCKST0, bGuardTimeT0, bWaitingIntegerT0 and bClockStop.
const base::Bytes k_default_t0_parameters{drivers::iso7816::k_default_fi_di, 0x00, 0x00, 0x0A,
                                          0x00};
// Table 6.1-7: T=1's, with IFSC 32 and BWI 4 / CWI 13.
const base::Bytes k_default_t1_parameters{
    drivers::iso7816::k_default_fi_di, 0x10, 0x00, 0x4D, 0x00, 0x20, 0x00};

SlotState failed(IccStatus icc, std::uint8_t error) {
    return SlotState{icc, CommandStatus::failed, error};
}

SlotState ok(IccStatus icc) {
    return SlotState{icc, CommandStatus::ok, 0};
}

// The time `characters` take at Fi/Di and the reader's clock: one etu is Fi / (Di f).
microseconds character_time(std::size_t characters, std::uint8_t fi_di, std::uint32_t etu) {
    const std::int64_t fi = drivers::iso7816::clock_rate_conversion(fi_di).value_or(372);
    const std::int64_t di = drivers::iso7816::baud_rate_adjustment(fi_di).value_or(1);
    // etu in nanoseconds times 1000: Fi / (Di f) with f in kHz is Fi * 10^9 / (Di f 10^3).
    const std::int64_t nanoseconds = static_cast<std::int64_t>(characters) * etu * fi * 1'000'000 /
                                     (di * std::int64_t{k_clock_khz});
    return microseconds(nanoseconds / 1000);
}

std::uint8_t slot_of(const Command& command) {
    return std::visit([](const auto& message) { return message.slot; }, command);
}

// At APDU level the reader runs T=1 with the card itself: its own T1Host talks to the card
// through this port, which hands each block to the card and brings back the card's answer.
class ReaderT1Port final : public drivers::iso7816::T1Port {
  public:
    using Carry = std::function<std::optional<base::Bytes>(std::span<const std::uint8_t>)>;
    explicit ReaderT1Port(Carry carry) : m_carry(std::move(carry)) {}

    std::expected<base::Bytes, drivers::iso7816::T1PortFault> exchange(
        std::span<const std::uint8_t> block, const drivers::iso7816::T1Wait& /*wait*/) override {
        auto reply = m_carry(block);
        if (!reply) {
            // The card's block is lost: the reader waits out BWT.
            return std::unexpected(drivers::iso7816::T1PortFault::timeout);
        }
        return std::move(*reply);
    }

  private:
    Carry m_carry;
};

// ISO/IEC 7816-3:2006 §11.6.2.3: S(WTX request) carries one byte, the multiplier.
std::optional<std::uint8_t> waiting_time_request_of(const drivers::iso7816::T1Block& block) {
    if (block.kind != drivers::iso7816::T1BlockKind::supervisory || block.is_response ||
        block.supervisory != drivers::iso7816::SupervisoryType::waiting_time_extension ||
        block.information.size() != 1) {
        return std::nullopt;
    }
    return block.information[0];
}

}  // namespace

struct VirtualCcidReader::Slot {
    std::shared_ptr<cards::VirtualCard> card;
    Power power = Power::absent;
    std::optional<drivers::iso7816::Atr> atr;
    std::uint8_t protocol = 0;
    base::Bytes parameters = k_default_t0_parameters;  // abProtocolDataStructure in force
    // ISO/IEC 7816-3 §9.1: PPS is possible only as the first exchange after the ATR.
    bool pps_possible = false;
    // The card's end of T=1, from the first block after the ATR.
    std::unique_ptr<drivers::iso7816::T1Card> t1;
    drivers::iso7816::EdcKind edc = drivers::iso7816::EdcKind::lrc;
    // At APDU level with T=1, the reader's own end of the protocol and the port it talks to
    // the card through (declared first, so that it outlives the host).
    std::unique_ptr<drivers::iso7816::T1Port> t1_port;
    std::unique_ptr<drivers::iso7816::T1Host> t1_host;
    // The card's BWT (ISO/IEC 7816-3:2006 §11.4.3), the wait in force for its next block (BWT,
    // or BWT times the multiplier it asked for with S(WTX request)), and how much of the
    // command in hand the chip has still to work on.
    microseconds block_wait{0};
    microseconds wait_in_force{0};
    microseconds work_left{0};
    // The time and the S(WTX request) multipliers of the blocks of the exchange in hand.
    microseconds exchange_wire{0};
    std::vector<std::uint8_t> exchange_extensions;
    T1Traffic traffic;
    ChainTraffic chains;
    microseconds wire{0};
    // At the extended APDU level (CCID 1.1 §6.1.4, §6.2.1): the command APDU gathered from its
    // pieces so far, and the rest of a response still to go to the host.
    bool command_chaining = false;
    base::Bytes command_chain;
    base::Bytes response_chain;

    void end_chains() {
        command_chaining = false;
        command_chain.clear();
        response_chain.clear();
    }

    std::uint8_t fi_di() const { return parameters.empty() ? 0x11 : parameters[0]; }
    std::uint32_t character_etu() const {
        return protocol == 1 ? k_t1_character_etu : k_t0_character_etu;
    }
    IccStatus icc() const {
        return power == Power::absent    ? IccStatus::absent
               : power == Power::present ? IccStatus::present_inactive
                                         : IccStatus::active;
    }
};

VirtualCcidReader::Model VirtualCcidReader::apdu_reader() {
    return Model{};
}

VirtualCcidReader::Model VirtualCcidReader::tpdu_reader() {
    return Model{.level = ExchangeLevel::tpdu, .automatic_pps = false};
}

VirtualCcidReader::Model VirtualCcidReader::extended_apdu_reader(std::uint32_t max_message_length) {
    return Model{.level = ExchangeLevel::extended_apdu, .max_message_length = max_message_length};
}

VirtualCcidReader::VirtualCcidReader() : VirtualCcidReader(Identity{}, apdu_reader()) {}

VirtualCcidReader::VirtualCcidReader(Model model) : VirtualCcidReader(Identity{}, model) {}

// A reader answers each command once, so its bulk IN queue holds no more than the host asked
// for and needs no limit.
VirtualCcidReader::VirtualCcidReader(Identity identity, Model model)
    : m_identity(std::move(identity)),
      m_model(model),
      m_slots(std::max<std::uint8_t>(model.slots, 1)),
      m_announced_max_message_length(model.max_message_length),
      m_in({.address = k_bulk_in},
           {.address = k_interrupt_in, .capacity = k_max_queued_interrupts}),
      m_delivery_thread([this](std::stop_token stop) { run_deliveries(stop); }) {}

VirtualCcidReader::~VirtualCcidReader() {
    m_delivery_thread.request_stop();
    m_delivery_ready.notify_all();
}

ClassDescriptor VirtualCcidReader::class_descriptor(const Model& model) {
    ClassDescriptor d;
    d.ccid_release = 0x0110;
    d.max_slot_index = static_cast<std::uint8_t>(std::max<std::uint8_t>(model.slots, 1) - 1);
    d.supports_5_0_volts = true;
    d.supports_3_0_volts = true;
    d.supports_1_8_volts = true;
    d.supports_t0 = true;
    d.supports_t1 = true;
    d.default_clock_khz = k_clock_khz;
    d.max_clock_khz = k_clock_khz;
    d.data_rate_bps = k_default_data_rate;
    d.max_data_rate_bps = model.max_data_rate_bps;
    d.data_rate_count = static_cast<std::uint8_t>(data_rates(model).size());
    d.max_ifsd = 254;
    // Parameters from the ATR, voltage, clock and baud rate chosen by the reader.
    d.features = feature::k_automatic_parameters_from_atr | feature::k_automatic_voltage |
                 feature::k_automatic_clock | feature::k_automatic_baud_rate;
    if (model.automatic_pps) {
        d.features |= feature::k_automatic_pps;
    }
    d.features |= model.level == ExchangeLevel::tpdu            ? feature::k_tpdu_level
                  : model.level == ExchangeLevel::extended_apdu ? feature::k_extended_apdu_level
                                                                : feature::k_short_apdu_level;
    d.max_message_length = model.max_message_length;
    d.class_get_response = 0xFF;
    d.class_envelope = 0xFF;
    d.max_busy_slots = 1;
    return d;
}

std::vector<std::uint32_t> VirtualCcidReader::data_rates(const Model& model) {
    // 4 MHz with Fi/Di 372/1, 372/2, 372/4, 512/8, 512/16 and 512/32, up to the model's most.
    std::vector<std::uint32_t> rates{k_default_data_rate, 21505, 43010, 62500, 125000, 250000};
    std::erase_if(rates, [&](std::uint32_t rate) { return rate > model.max_data_rate_bps; });
    return rates;
}

base::Bytes VirtualCcidReader::descriptors() const {
    DeviceDescription description;
    description.product_id = k_ccid_reader_product_id;
    description.interface_class = 0x0B;  // smart card (CCID 1.1 §4.3)
    ClassDescriptor announced = class_descriptor(m_model);
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
    NotifySlotChange change;
    for (const Slot& slot : m_slots) {
        change.slots.push_back({slot.power != Power::absent, true});
    }
    m_in.queue_interrupt(encode(InterruptMessage{change}));
}

void VirtualCcidReader::insert(std::shared_ptr<cards::VirtualCard> card, std::uint8_t index) {
    {
        std::lock_guard lock(m_mutex);
        if (index >= m_slots.size()) {
            return;
        }
        Slot& slot = m_slots[index];
        if (slot.card) {
            // A card already in the slot comes out first, as in the real world.
            slot = Slot{};
            queue_slot_change();
        }
        slot = Slot{};
        slot.card = std::move(card);
        slot.power = slot.card ? Power::present : Power::absent;
        queue_slot_change();
    }
    notify_in_ready();
}

void VirtualCcidReader::remove(std::uint8_t index) {
    {
        std::lock_guard lock(m_mutex);
        if (index >= m_slots.size() || !m_slots[index].card) {
            return;
        }
        m_slots[index] = Slot{};
        queue_slot_change();
    }
    notify_in_ready();
}

void VirtualCcidReader::on_unplugged() {
    std::lock_guard lock(m_mutex);
    m_in.clear();
    m_deliveries.clear();
    for (Slot& slot : m_slots) {
        if (slot.power == Power::active) {
            slot.power = Power::present;
        }
        if (slot.card) {
            slot.card->reset();
        }
    }
}

bool VirtualCcidReader::card_present(std::uint8_t slot) const {
    std::lock_guard lock(m_mutex);
    return slot < m_slots.size() && m_slots[slot].power != Power::absent;
}

bool VirtualCcidReader::card_powered(std::uint8_t slot) const {
    std::lock_guard lock(m_mutex);
    return slot < m_slots.size() && m_slots[slot].power == Power::active;
}

std::uint8_t VirtualCcidReader::protocol(std::uint8_t slot) const {
    std::lock_guard lock(m_mutex);
    return slot < m_slots.size() ? m_slots[slot].protocol : 0;
}

std::uint8_t VirtualCcidReader::fi_di(std::uint8_t slot) const {
    std::lock_guard lock(m_mutex);
    return slot < m_slots.size() ? m_slots[slot].fi_di() : drivers::iso7816::k_default_fi_di;
}

microseconds VirtualCcidReader::wire_time(std::uint8_t slot) const {
    std::lock_guard lock(m_mutex);
    return slot < m_slots.size() ? m_slots[slot].wire : microseconds{0};
}

VirtualCcidReader::ChainTraffic VirtualCcidReader::chain_traffic(std::uint8_t slot) const {
    std::lock_guard lock(m_mutex);
    return slot < m_slots.size() ? m_slots[slot].chains : ChainTraffic{};
}

VirtualCcidReader::T1Traffic VirtualCcidReader::t1_traffic(std::uint8_t slot) const {
    std::lock_guard lock(m_mutex);
    return slot < m_slots.size() ? m_slots[slot].traffic : T1Traffic{};
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

int VirtualCcidReader::aborts_received() const {
    std::lock_guard lock(m_mutex);
    return m_aborts;
}

VirtualCcidReader::Answer VirtualCcidReader::power_on(Slot& slot, std::uint8_t sequence) {
    const std::uint8_t index = static_cast<std::uint8_t>(&slot - m_slots.data());
    // A reset ends any chain of the card before it (CCID 1.1 §6.1.4).
    slot.end_chains();
    // §6.1.1: an empty slot or a mute card ends in ICC_MUTE.
    if (slot.power == Power::absent) {
        return {
            DataBlock{index, sequence, failed(IccStatus::absent, slot_error::k_icc_mute), 0, {}}};
    }
    auto atr = slot.card->atr();
    const microseconds activation(std::int64_t{k_reset_cycles} * 1000 / k_clock_khz);
    if (!atr) {
        slot.power = Power::present;
        return {DataBlock{index,
                          sequence,
                          failed(IccStatus::present_inactive, slot_error::k_icc_mute),
                          0,
                          {}},
                activation};
    }
    slot.card->reset();
    slot.power = Power::active;
    slot.atr.reset();
    slot.t1_host.reset();
    slot.t1_port.reset();
    slot.t1.reset();
    slot.work_left = microseconds{0};
    if (auto parsed = drivers::iso7816::parse_atr(*atr)) {
        slot.atr = std::move(*parsed);
    }
    // The card starts in its first offered protocol at the default speed (ISO/IEC 7816-3
    // §6.3.1); a reader that sets parameters from the ATR by itself applies them now.
    slot.protocol = slot.atr ? slot.atr->protocols().front() : 0;
    slot.parameters = slot.protocol == 1 ? k_default_t1_parameters : k_default_t0_parameters;
    slot.pps_possible = true;
    const microseconds wire =
        activation +
        character_time(atr->size(), drivers::iso7816::k_default_fi_di, k_t0_character_etu);
    if (m_model.level != ExchangeLevel::tpdu && slot.atr) {
        // An APDU-level reader negotiates the fastest speed it and the card share right away,
        // as the host would choose it (dwFeatures 0x80).
        if (auto choice = drivers::ccid::choose_protocol(*slot.atr, class_descriptor(m_model),
                                                         data_rates(m_model))) {
            slot.protocol = choice->protocol;
            slot.parameters[0] = choice->fi_di;
        }
        slot.pps_possible = false;
    }
    return {DataBlock{index, sequence, ok(IccStatus::active), 0, *atr}, wire};
}

VirtualCcidReader::Answer VirtualCcidReader::transfer(Slot& slot, const XfrBlock& block) {
    const std::uint8_t index = static_cast<std::uint8_t>(&slot - m_slots.data());
    const IccStatus icc = slot.icc();
    if (slot.power != Power::active) {
        return {DataBlock{index, block.sequence, failed(icc, slot_error::k_icc_mute), 0, {}}};
    }
    const bool tpdu = m_model.level == ExchangeLevel::tpdu;
    const std::size_t longest = tpdu && slot.protocol == 1 ? k_max_t1_block
                                : m_model.level == ExchangeLevel::extended_apdu
                                    ? k_max_extended_command_length
                                    : k_max_short_apdu;
    if (block.data.size() > longest || block.data.empty()) {
        return {DataBlock{index, block.sequence, failed(icc, slot_error::k_bad_length), 0, {}}};
    }
    // ISO/IEC 7816-3 §9.1: at TPDU level, a first exchange starting with FF is a PPS request.
    if (tpdu && slot.pps_possible && block.data[0] == 0xFF) {
        slot.pps_possible = false;
        const microseconds request_time = character_time(
            block.data.size(), drivers::iso7816::k_default_fi_di, k_t0_character_etu);
        auto reply = slot.card->answer_pps(block.data);
        if (!reply) {
            // §9.3: a card that does not agree stays silent; the reader reports it mute.
            return {DataBlock{index, block.sequence, failed(icc, slot_error::k_icc_mute), 0, {}},
                    request_time};
        }
        slot.protocol = static_cast<std::uint8_t>(block.data[1] & 0x0F);
        const microseconds wire =
            request_time +
            character_time(reply->size(), drivers::iso7816::k_default_fi_di, k_t0_character_etu);
        return {DataBlock{index, block.sequence, ok(IccStatus::active), 0, std::move(*reply)},
                wire};
    }
    slot.pps_possible = false;
    if (tpdu && slot.protocol == 1) {
        return t1_transfer(slot, block);
    }
    if (slot.protocol == 1) {
        return t1_apdu_transfer(slot, block);
    }
    if (block.data.size() < 4) {
        return {DataBlock{index, block.sequence, failed(icc, slot_error::k_bad_length), 0, {}}};
    }
    // At TPDU level with T=0 the data is a TPDU, which the card takes as the APDU of the same
    // case; at APDU level the reader runs the card's protocol itself.
    auto response = slot.card->transmit(block.data);
    if (response.size() < 2) {
        return {DataBlock{index, block.sequence, failed(icc, slot_error::k_icc_mute), 0, {}}};
    }
    // The characters on the wire (command, response and one procedure byte) and the time
    // the chip works on the command.
    constexpr std::size_t k_procedure_bytes = 1;
    const microseconds wire =
        character_time(block.data.size() + response.size() + k_procedure_bytes, slot.fi_di(),
                       slot.character_etu()) +
        slot.card->processing_time(block.data);
    return {DataBlock{index, block.sequence, ok(IccStatus::active), 0, std::move(response)}, wire};
}

VirtualCcidReader::Answer VirtualCcidReader::extended_transfer(Slot& slot, const XfrBlock& block) {
    const std::uint8_t index = static_cast<std::uint8_t>(&slot - m_slots.data());
    const IccStatus icc = slot.icc();
    const auto refuse = [&](std::uint8_t error) {
        slot.end_chains();
        return Answer{DataBlock{index, block.sequence, failed(icc, error), 0, {}}};
    };
    // CCID 1.1 §5.1: no message longer than the reader announced.
    slot.chains.longest_message =
        std::max(slot.chains.longest_message, k_header_length + block.data.size());
    if (k_header_length + block.data.size() > m_model.max_message_length) {
        return refuse(slot_error::k_bad_length);
    }
    Answer reply = chain_piece(slot, block);
    if (const auto* sent = std::get_if<DataBlock>(&reply.response)) {
        slot.chains.longest_message =
            std::max(slot.chains.longest_message, k_header_length + sent->data.size());
        if (sent->chain_parameter != chain_parameter::k_whole &&
            sent->chain_parameter != chain_parameter::k_next_command) {
            ++slot.chains.response_pieces;
        }
    }
    return reply;
}

VirtualCcidReader::Answer VirtualCcidReader::chain_piece(Slot& slot, const XfrBlock& block) {
    const std::uint8_t index = static_cast<std::uint8_t>(&slot - m_slots.data());
    const IccStatus icc = slot.icc();
    const auto refuse = [&](std::uint8_t error) {
        slot.end_chains();
        return Answer{DataBlock{index, block.sequence, failed(icc, error), 0, {}}};
    };
    if (block.level_parameter != level_parameter::k_whole &&
        block.level_parameter != level_parameter::k_next_response) {
        ++slot.chains.command_pieces;
    }
    const DataBlock next_command{
        index, block.sequence, ok(icc), chain_parameter::k_next_command, {}};
    // CCID 1.1 §6.1.4, wLevelParameter at the extended APDU level.
    switch (block.level_parameter) {
        case level_parameter::k_whole:
            // A new command ends whatever chain was in hand.
            slot.end_chains();
            return chain_response(slot, transfer(slot, block));
        case level_parameter::k_begins:
            slot.end_chains();
            if (block.data.empty()) {
                return refuse(slot_error::k_bad_length);
            }
            slot.command_chaining = true;
            slot.command_chain = block.data;
            return {next_command};
        case level_parameter::k_continues:
        case level_parameter::k_ends: {
            if (!slot.command_chaining) {
                return refuse(k_level_parameter_offset);
            }
            if (slot.command_chain.size() + block.data.size() > k_max_extended_command_length) {
                return refuse(slot_error::k_bad_length);
            }
            slot.command_chain.insert(slot.command_chain.end(), block.data.begin(),
                                      block.data.end());
            if (block.level_parameter == level_parameter::k_continues) {
                return {next_command};
            }
            ++slot.chains.commands_in_pieces;
            XfrBlock whole{index, block.sequence, block.block_waiting_integer,
                           level_parameter::k_whole, std::move(slot.command_chain)};
            slot.end_chains();
            return chain_response(slot, transfer(slot, whole));
        }
        case level_parameter::k_next_response:
            if (slot.response_chain.empty() || !block.data.empty()) {
                return refuse(k_level_parameter_offset);
            }
            return next_response_piece(slot, block.sequence);
        default:
            return refuse(k_level_parameter_offset);
    }
}

VirtualCcidReader::Answer VirtualCcidReader::chain_response(Slot& slot, Answer whole) {
    auto* block = std::get_if<DataBlock>(&whole.response);
    const std::size_t piece = m_model.max_message_length - k_header_length;
    if (block == nullptr || block->state.command != CommandStatus::ok ||
        block->data.size() <= piece) {
        return whole;
    }
    // CCID 1.1 §6.2.1: the first piece goes now (bChainParameter 0x01), the rest when the host
    // asks for it.
    slot.response_chain.assign(block->data.begin() + static_cast<std::ptrdiff_t>(piece),
                               block->data.end());
    block->data.resize(piece);
    block->chain_parameter = chain_parameter::k_begins;
    ++slot.chains.responses_in_pieces;
    return whole;
}

VirtualCcidReader::Answer VirtualCcidReader::next_response_piece(Slot& slot,
                                                                 std::uint8_t sequence) {
    const std::uint8_t index = static_cast<std::uint8_t>(&slot - m_slots.data());
    const std::size_t length = std::min<std::size_t>(m_model.max_message_length - k_header_length,
                                                     slot.response_chain.size());
    const bool last = length == slot.response_chain.size();
    base::Bytes piece(slot.response_chain.begin(),
                      slot.response_chain.begin() + static_cast<std::ptrdiff_t>(length));
    slot.response_chain.erase(slot.response_chain.begin(),
                              slot.response_chain.begin() + static_cast<std::ptrdiff_t>(length));
    // CCID 1.1 §6.2.1: 0x03 while more is to come, 0x02 for the last piece.
    return {DataBlock{index, sequence, ok(slot.icc()),
                      last ? chain_parameter::k_ends : chain_parameter::k_continues,
                      std::move(piece)}};
}

void VirtualCcidReader::start_t1_card(Slot& slot) {
    // The card's IFSC, BWT and EDC are those its ATR announces (TA3, TB3, TC3), at the Fi/Di
    // in force: PPS, if any, came before the first block.
    auto parameters = slot.atr ? drivers::iso7816::T1Parameters::from_atr(*slot.atr)
                               : drivers::iso7816::T1Parameters{};
    parameters.clock_rate_conversion = static_cast<std::uint32_t>(
        drivers::iso7816::clock_rate_conversion(slot.fi_di()).value_or(372));
    parameters.baud_rate_adjustment = static_cast<std::uint32_t>(
        drivers::iso7816::baud_rate_adjustment(slot.fi_di()).value_or(1));
    slot.block_wait =
        character_time(1, slot.fi_di(), drivers::iso7816::block_waiting_etu(parameters));
    slot.wait_in_force = slot.block_wait;
    slot.edc = parameters.edc;
    drivers::iso7816::T1CardConfig config;
    config.information_field_size = parameters.card_information_field_size;
    config.edc = parameters.edc;
    // A simulated chip's buffer is its IFSC both ways.
    config.chain_at_own_information_field_size = true;
    const std::uint8_t multiplier = config.waiting_time_multiplier;
    Slot* held = &slot;
    // §11.6.2.3: a chip that will work longer than BWT asks for more time, BWT times the
    // multiplier each, until its answer is due.
    config.waiting_time_for = [held, multiplier](std::span<const std::uint8_t> command) {
        held->work_left = held->card->processing_time(command);
        held->wait_in_force = held->block_wait;
        if (held->work_left <= held->block_wait || held->block_wait <= microseconds::zero()) {
            return 0;
        }
        const microseconds stretch = held->block_wait * multiplier;
        return static_cast<int>((held->work_left - held->block_wait + stretch - microseconds{1}) /
                                stretch);
    };
    slot.t1 = std::make_unique<drivers::iso7816::T1Card>(
        config, [card = slot.card](base::Bytes apdu) { return card->transmit(apdu); });
}

std::optional<base::Bytes> VirtualCcidReader::card_block(Slot& slot,
                                                         std::span<const std::uint8_t> block) {
    if (!slot.t1) {
        start_t1_card(slot);
    }
    const auto sent = drivers::iso7816::decode_t1_block(
        block, slot.edc, drivers::iso7816::k_t1_max_information_length);
    if (sent && sent->kind == drivers::iso7816::T1BlockKind::information && sent->more) {
        ++slot.traffic.chained_blocks_to_card;
    }
    auto reply = slot.t1->receive(block);
    microseconds wire = character_time(block.size() + (reply ? reply->size() : 0), slot.fi_di(),
                                       k_t1_character_etu);
    if (reply) {
        const auto answered = drivers::iso7816::decode_t1_block(
            *reply, slot.edc, drivers::iso7816::k_t1_max_information_length);
        const auto multiplier = answered ? waiting_time_request_of(*answered) : std::nullopt;
        if (multiplier) {
            // The chip worked through the wait it had, then asked for more.
            ++slot.traffic.waiting_time_requests;
            const microseconds used = std::min(slot.work_left, slot.wait_in_force);
            wire += used;
            slot.work_left -= used;
            slot.wait_in_force = slot.block_wait * *multiplier;
            slot.exchange_extensions.push_back(*multiplier);
        } else {
            if (answered && answered->kind == drivers::iso7816::T1BlockKind::information &&
                answered->more) {
                ++slot.traffic.chained_blocks_from_card;
            }
            wire += slot.work_left;
            slot.work_left = microseconds{0};
        }
    }
    slot.exchange_wire += wire;
    return reply;
}

VirtualCcidReader::Answer VirtualCcidReader::t1_transfer(Slot& slot, const XfrBlock& block) {
    const std::uint8_t index = static_cast<std::uint8_t>(&slot - m_slots.data());
    slot.exchange_wire = microseconds{0};
    auto reply = card_block(slot, block.data);
    const microseconds wire = slot.exchange_wire;
    slot.exchange_extensions.clear();
    if (!reply) {
        // The card's block is lost: after BWT the reader reports a mute card.
        return {DataBlock{index, block.sequence, failed(slot.icc(), slot_error::k_icc_mute), 0, {}},
                wire};
    }
    return {DataBlock{index, block.sequence, ok(IccStatus::active), 0, std::move(*reply)}, wire};
}

VirtualCcidReader::Answer VirtualCcidReader::t1_apdu_transfer(Slot& slot, const XfrBlock& block) {
    const std::uint8_t index = static_cast<std::uint8_t>(&slot - m_slots.data());
    if (!slot.t1_host) {
        // The reader's end follows EMV 4.3 Book 1 §9.2 as a bank terminal's does, and offers
        // the card an IFSD of 254 before its first command.
        auto parameters = slot.atr ? drivers::iso7816::T1Parameters::from_atr(*slot.atr)
                                   : drivers::iso7816::T1Parameters{};
        parameters.profile = drivers::iso7816::T1Profile::emv;
        parameters.clock_rate_conversion = static_cast<std::uint32_t>(
            drivers::iso7816::clock_rate_conversion(slot.fi_di()).value_or(372));
        parameters.baud_rate_adjustment = static_cast<std::uint32_t>(
            drivers::iso7816::baud_rate_adjustment(slot.fi_di()).value_or(1));
        Slot* held = &slot;
        slot.t1_port = std::make_unique<ReaderT1Port>(
            [this, held](std::span<const std::uint8_t> bytes) { return card_block(*held, bytes); });
        slot.t1_host = std::make_unique<drivers::iso7816::T1Host>(*slot.t1_port, parameters);
    }
    slot.exchange_wire = microseconds{0};
    slot.exchange_extensions.clear();
    auto response = slot.t1_host->transceive(block.data);
    Answer reply;
    reply.wire = slot.exchange_wire;
    reply.time_extensions = std::move(slot.exchange_extensions);
    slot.exchange_extensions.clear();
    if (!response || response->size() < 2) {
        // The card stopped answering within the protocol's tries: ICC_MUTE (CCID 1.1 §6.2.6).
        reply.response =
            DataBlock{index, block.sequence, failed(slot.icc(), slot_error::k_icc_mute), 0, {}};
        return reply;
    }
    reply.response =
        DataBlock{index, block.sequence, ok(IccStatus::active), 0, std::move(*response)};
    return reply;
}

Parameters VirtualCcidReader::parameters_of(const Slot& slot, std::uint8_t sequence) const {
    const std::uint8_t index = static_cast<std::uint8_t>(&slot - m_slots.data());
    return Parameters{index, sequence, ok(slot.icc()), slot.protocol, slot.parameters};
}

VirtualCcidReader::Answer VirtualCcidReader::set_parameters(Slot& slot,
                                                            const SetParameters& command) {
    const std::uint8_t index = static_cast<std::uint8_t>(&slot - m_slots.data());
    // §6.1.7: bProtocolNum at offset 7; the structure's length must fit the protocol.
    const std::size_t length = command.protocol == 0 ? 5 : command.protocol == 1 ? 7 : 0;
    if (length == 0) {
        return {Parameters{index, command.sequence, failed(slot.icc(), 7), slot.protocol,
                           slot.parameters}};
    }
    if (command.protocol_data.size() != length) {
        return {Parameters{index, command.sequence, failed(slot.icc(), slot_error::k_bad_length),
                           slot.protocol, slot.parameters}};
    }
    const std::uint8_t fi_di = command.protocol_data[0];
    if (!drivers::iso7816::bits_per_second(fi_di, k_clock_khz)) {
        // Offset 10: bmFindexDindex, the first byte of the structure.
        return {Parameters{index, command.sequence, failed(slot.icc(), 10), slot.protocol,
                           slot.parameters}};
    }
    microseconds wire{0};
    if (m_model.automatic_pps && slot.power == Power::active && slot.atr &&
        (fi_di != slot.fi_di() || command.protocol != slot.protocol)) {
        // dwFeatures 0x80: the reader runs the PPS exchange for the new parameters itself.
        const drivers::iso7816::PpsRequest request{command.protocol, fi_di};
        const base::Bytes bytes = request.encode();
        if (!slot.pps_possible && m_model.level == ExchangeLevel::tpdu) {
            return {Parameters{index, command.sequence,
                               failed(slot.icc(), slot_error::k_icc_protocol_not_supported),
                               slot.protocol, slot.parameters}};
        }
        if (!slot.card->answer_pps(bytes)) {
            return {Parameters{index, command.sequence,
                               failed(slot.icc(), slot_error::k_icc_protocol_not_supported),
                               slot.protocol, slot.parameters}};
        }
        wire =
            character_time(bytes.size() * 2, drivers::iso7816::k_default_fi_di, k_t0_character_etu);
        slot.pps_possible = false;
    }
    slot.protocol = command.protocol;
    slot.parameters = command.protocol_data;
    return {parameters_of(slot, command.sequence), wire};
}

VirtualCcidReader::Answer VirtualCcidReader::answer(const Command& command) {
    const std::uint8_t sequence = sequence_of(command);
    const std::uint8_t index = slot_of(command);

    // CCID 1.1 §6.2.6: a command for a slot the reader does not have fails with bError 5,
    // the offset of bSlot.
    if (index >= m_slots.size()) {
        const SlotState bad_slot = failed(IccStatus::absent, slot_error::k_bad_slot);
        if (std::holds_alternative<PowerOn>(command) || std::holds_alternative<XfrBlock>(command)) {
            return {DataBlock{index, sequence, bad_slot, 0, {}}};
        }
        if (std::holds_alternative<GetParameters>(command) ||
            std::holds_alternative<SetParameters>(command) ||
            std::holds_alternative<ResetParameters>(command)) {
            return {Parameters{index, sequence, bad_slot, 0, {}}};
        }
        return {SlotStatus{index, sequence, bad_slot, ClockStatus::stopped}};
    }
    Slot& slot = m_slots[index];
    const IccStatus icc = slot.icc();
    const ClockStatus clock =
        slot.power == Power::active ? ClockStatus::running : ClockStatus::stopped;

    if (std::holds_alternative<PowerOn>(command)) {
        return power_on(slot, sequence);
    }
    if (std::holds_alternative<PowerOff>(command)) {
        if (slot.power == Power::active) {
            slot.power = Power::present;
        }
        return {SlotStatus{index, sequence, ok(slot.icc()), ClockStatus::stopped}};
    }
    if (std::holds_alternative<Abort>(command)) {
        // An aborted chain is over: the next command starts afresh.
        slot.end_chains();
    }
    if (std::holds_alternative<GetSlotStatus>(command) || std::holds_alternative<Abort>(command)) {
        // §6.1.13: the Abort is answered with the slot's status.
        return {SlotStatus{index, sequence, ok(icc), clock}};
    }
    if (const auto* block = std::get_if<XfrBlock>(&command)) {
        if (m_model.level == ExchangeLevel::extended_apdu) {
            return extended_transfer(slot, *block);
        }
        return transfer(slot, *block);
    }
    if (const auto* parameters = std::get_if<SetParameters>(&command)) {
        return set_parameters(slot, *parameters);
    }
    if (std::holds_alternative<GetParameters>(command)) {
        return {parameters_of(slot, sequence)};
    }
    if (std::holds_alternative<ResetParameters>(command)) {
        slot.parameters = slot.protocol == 1 ? k_default_t1_parameters : k_default_t0_parameters;
        return {parameters_of(slot, sequence)};
    }
    // Escape and Secure: commands this reader does not support (§6.2.6, bError 0).
    const SlotState refused = failed(icc, slot_error::k_command_not_supported);
    if (std::holds_alternative<Escape>(command)) {
        return {EscapeResponse{index, sequence, refused, {}}};
    }
    return {DataBlock{index, sequence, refused, 0, {}}};
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
            const IccStatus icc =
                header->slot < m_slots.size() ? m_slots[header->slot].icc() : IccStatus::absent;
            m_in.queue_bulk(encode(Response{SlotStatus{header->slot, header->sequence,
                                                       failed(icc, error), ClockStatus::stopped}}));
        } else if (m_stalling && std::holds_alternative<XfrBlock>(*command)) {
            const auto& transfer = std::get<XfrBlock>(*command);
            m_in.queue_bulk(encode(Response{
                DataBlock{transfer.slot,
                          transfer.sequence,
                          SlotState{IccStatus::active, CommandStatus::time_extension, 0xFF},
                          0,
                          {}}}));
        } else {
            Answer reply = answer(*command);
            const std::uint8_t slot = slot_of(*command);
            if (slot < m_slots.size()) {
                m_slots[slot].wire += reply.wire;
            }
            if (std::holds_alternative<DataBlock>(reply.response)) {
                // CCID 1.1 §6.2.6: the card's requests for more time, passed on to the host.
                const auto& block = std::get<DataBlock>(reply.response);
                for (const std::uint8_t multiplier : reply.time_extensions) {
                    m_in.queue_bulk(encode(Response{DataBlock{
                        block.slot,
                        block.sequence,
                        SlotState{block.state.icc, CommandStatus::time_extension, multiplier},
                        0,
                        {}}}));
                }
            }
            if (m_time_extensions > 0 && std::holds_alternative<DataBlock>(reply.response)) {
                const auto& block = std::get<DataBlock>(reply.response);
                for (int index = 0; index < m_time_extensions; ++index) {
                    m_in.queue_bulk(encode(Response{
                        DataBlock{block.slot,
                                  block.sequence,
                                  SlotState{block.state.icc, CommandStatus::time_extension, 1},
                                  0,
                                  {}}}));
                }
            }
            if (m_model.real_time && reply.wire > microseconds::zero()) {
                m_deliveries.push_back(Delivery{Clock::now() + reply.wire, slot,
                                                sequence_of(*command), encode(reply.response)});
                m_delivery_ready.notify_all();
                return;
            }
            m_in.queue_bulk(encode(reply.response));
        }
    }
    notify_in_ready();
}

std::expected<base::Bytes, int> VirtualCcidReader::on_control(
    const simulator::usb::ControlSetup& setup, std::span<const std::uint8_t> /*data*/) {
    if (setup.request_type == 0x21 && setup.request == k_request_abort) {
        // CCID 1.1 §5.3.1: wValue holds bSeq (high byte) and bSlot (low byte) of the command
        // to abort; its answer, still on the wire, ends with CMD_ABORTED instead.
        const auto slot = static_cast<std::uint8_t>(setup.value & 0xFF);
        const auto sequence = static_cast<std::uint8_t>(setup.value >> 8);
        bool aborted = false;
        {
            std::lock_guard lock(m_mutex);
            ++m_aborts;
            if (slot < m_slots.size()) {
                m_slots[slot].end_chains();
            }
            const auto pending = std::ranges::find_if(m_deliveries, [&](const Delivery& delivery) {
                return delivery.slot == slot && delivery.sequence == sequence;
            });
            if (pending != m_deliveries.end()) {
                m_deliveries.erase(pending);
                const IccStatus icc =
                    slot < m_slots.size() ? m_slots[slot].icc() : IccStatus::absent;
                m_in.queue_bulk(encode(Response{
                    DataBlock{slot, sequence, failed(icc, slot_error::k_cmd_aborted), 0, {}}}));
                aborted = true;
            }
        }
        if (aborted) {
            notify_in_ready();
        }
        return base::Bytes{};
    }
    if (setup.request_type == 0xA1 && setup.request == k_request_get_data_rates) {
        base::Bytes answer;
        for (const std::uint32_t rate : data_rates(m_model)) {
            for (int shift = 0; shift < 32; shift += 8) {
                answer.push_back(static_cast<std::uint8_t>(rate >> shift));
            }
        }
        answer.resize(std::min<std::size_t>(answer.size(), setup.length));
        return answer;
    }
    return std::unexpected(EPIPE);
}

void VirtualCcidReader::run_deliveries(std::stop_token stop) {
    std::unique_lock lock(m_mutex);
    while (!stop.stop_requested()) {
        if (m_deliveries.empty()) {
            m_delivery_ready.wait(lock, stop, [&] { return !m_deliveries.empty(); });
            continue;
        }
        const auto due = m_deliveries.front().due;
        if (Clock::now() < due) {
            m_delivery_ready.wait_until(lock, stop, due, [] { return false; });
            continue;
        }
        m_in.queue_bulk(std::move(m_deliveries.front().message));
        m_deliveries.pop_front();
        lock.unlock();
        notify_in_ready();
        lock.lock();
    }
}

std::optional<base::Bytes> VirtualCcidReader::take_in(std::uint8_t endpoint) {
    std::lock_guard lock(m_mutex);
    return m_in.take(endpoint);
}

}  // namespace simulator::devices
