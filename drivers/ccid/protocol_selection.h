#pragma once

// Which protocol and speed a card in a reader's slot is driven at, and what the host must do
// for it: a PPS exchange, a SetParameters, or nothing when the reader negotiates by itself
// (CCID 1.1 §5.1 dwFeatures, §6.1.7; ISO/IEC 7816-3:2006 §6.3 and §9). Pure.

#include <cstdint>
#include <expected>
#include <span>
#include <string_view>

#include "base/bytes.h"
#include "drivers/ccid/class_descriptor.h"
#include "drivers/iso7816/atr.h"
#include "drivers/iso7816/pps.h"

namespace drivers::ccid {

enum class Negotiation {
    by_reader,       // dwFeatures 0x40: the reader negotiates everything after the ATR
    set_parameters,  // the reader is told the parameters; with dwFeatures 0x80 it runs the
                     // PPS exchange itself
    pps_by_host,     // TPDU level without automatic PPS: the host sends the PPS request
                     // through XfrBlock, then SetParameters
};

struct ProtocolChoice {
    std::uint8_t protocol = 0;                      // 0 (T=0) or 1 (T=1)
    std::uint8_t fi_di = iso7816::k_default_fi_di;  // TA1 form
    Negotiation negotiation = Negotiation::by_reader;
    // ISO/IEC 7816-3 §6.3.1: in negotiable mode a PPS exchange is needed to leave the default
    // protocol (the first offered) or the default speed; false when both stay.
    bool needs_pps = false;
};

enum class SelectionError {
    no_common_protocol,   // the card offers neither T=0 nor T=1 that the reader speaks
    speed_not_supported,  // a card in specific mode insists on a speed the reader lacks
    reserved_parameters,  // TA1 or TA2 code values reserved for future use
};

std::string_view to_string(SelectionError error);

// The fastest speed the card offers (TA1) that the reader supports at its default clock
// (dwDefaultClock, dwMaxDataRate, and the list of data rates the reader gave, if any), the
// card's first offered protocol the reader speaks, and how to get there.
std::expected<ProtocolChoice, SelectionError> choose_protocol(
    const iso7816::Atr& atr, const ClassDescriptor& reader,
    std::span<const std::uint32_t> reader_data_rates = {});

// abProtocolDataStructure of PC_to_RDR_SetParameters (CCID 1.1 §6.1.7, Tables 6.1-6 and
// 6.1-7) for the choice: convention, guard time (TC1), T=0's waiting integer (TC2) or T=1's
// BWI/CWI (TB3), EDC (TC3) and IFSC (TA3), the ATR's values or the defaults of ISO/IEC 7816-3
// (iso7816::T1Parameters::from_atr).
base::Bytes protocol_data(const iso7816::Atr& atr, const ProtocolChoice& choice);

}  // namespace drivers::ccid
