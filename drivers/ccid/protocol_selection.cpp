#include "drivers/ccid/protocol_selection.h"

#include <algorithm>
#include <array>

#include "drivers/iso7816/pps.h"
#include "drivers/iso7816/t1_host.h"

namespace drivers::ccid {

namespace {

// ISO/IEC 7816-3 §8.3 TA2: bits 4..1 the protocol, bit 5 set when the card uses the default
// factors (implicit values) rather than TA1's.
constexpr std::uint8_t k_ta2_protocol_mask = 0x0F;
constexpr std::uint8_t k_ta2_implicit_parameters = 0x10;
// §10.2: T=0's waiting integer WI when TC2 is absent.
constexpr std::uint8_t k_default_waiting_integer = 10;
// CCID 1.1 §6.1.7 Tables 6.1-6 and 6.1-7.
constexpr std::uint8_t k_tcck_inverse_convention = 0x02;
constexpr std::uint8_t k_tcck_t1 = 0x10;
constexpr std::uint8_t k_tcck_crc = 0x01;
constexpr std::uint8_t k_clock_stop_not_allowed = 0x00;
constexpr std::uint8_t k_default_nad = 0x00;
// A reader's list of data rates is rounded (10753 for 10752): within 2% is the same rate.
constexpr std::uint32_t k_rate_tolerance_divisor = 50;
// Table 8's Di codes from the fastest down, so the first one the reader takes is the fastest.
constexpr std::array<std::uint8_t, 9> k_di_codes_fastest_first{7, 6, 9, 5, 8, 4, 3, 2, 1};

bool reader_speaks(const ClassDescriptor& reader, std::uint8_t protocol) {
    return (protocol == 0 && reader.supports_t0) || (protocol == 1 && reader.supports_t1);
}

bool reader_takes(const ClassDescriptor& reader, std::span<const std::uint32_t> rates,
                  std::uint8_t fi_di) {
    const auto bps = iso7816::bits_per_second(fi_di, reader.default_clock_khz);
    const auto card_clock = iso7816::max_clock_khz(fi_di);
    if (!bps || !card_clock || reader.default_clock_khz > static_cast<std::uint32_t>(*card_clock)) {
        return false;
    }
    if (reader.max_data_rate_bps != 0 && *bps > reader.max_data_rate_bps) {
        return false;
    }
    if (rates.empty()) {
        return true;
    }
    return std::any_of(rates.begin(), rates.end(), [&](std::uint32_t rate) {
        const std::uint32_t difference = rate > *bps ? rate - *bps : *bps - rate;
        return difference <= *bps / k_rate_tolerance_divisor;
    });
}

}  // namespace

std::string_view to_string(SelectionError error) {
    switch (error) {
        case SelectionError::no_common_protocol:
            return "the card offers no protocol the reader speaks";
        case SelectionError::speed_not_supported:
            return "the card insists on a speed the reader does not support";
        case SelectionError::reserved_parameters:
            return "the card's answer to reset uses reserved parameter values";
    }
    return "unknown protocol selection error";
}

std::expected<ProtocolChoice, SelectionError> choose_protocol(
    const iso7816::Atr& atr, const ClassDescriptor& reader,
    std::span<const std::uint32_t> reader_data_rates) {
    ProtocolChoice choice;
    const bool by_reader = (reader.features & feature::k_automatic_parameter_negotiation) != 0;
    const bool automatic_pps = (reader.features & feature::k_automatic_pps) != 0;

    if (atr.is_specific_mode()) {
        // §6.3.1: the card works as TA2 says, without any PPS.
        const std::uint8_t ta2 = *atr.groups[1].ta;
        choice.protocol = ta2 & k_ta2_protocol_mask;
        if (!reader_speaks(reader, choice.protocol)) {
            return std::unexpected(SelectionError::no_common_protocol);
        }
        choice.fi_di = (ta2 & k_ta2_implicit_parameters) ? iso7816::k_default_fi_di : atr.fi_di();
        if (!iso7816::bits_per_second(choice.fi_di, reader.default_clock_khz)) {
            return std::unexpected(SelectionError::reserved_parameters);
        }
        if (!by_reader && !reader_takes(reader, reader_data_rates, choice.fi_di)) {
            return std::unexpected(SelectionError::speed_not_supported);
        }
        choice.negotiation = by_reader ? Negotiation::by_reader : Negotiation::set_parameters;
        return choice;
    }

    // Negotiable mode: the first protocol offered is the default (§8.2.3); take the first
    // offered that the reader speaks.
    const base::Bytes offered = atr.protocols();
    const auto usable = std::find_if(offered.begin(), offered.end(), [&](std::uint8_t protocol) {
        return reader_speaks(reader, protocol);
    });
    if (usable == offered.end()) {
        return std::unexpected(SelectionError::no_common_protocol);
    }
    choice.protocol = *usable;
    if (by_reader) {
        choice.negotiation = Negotiation::by_reader;
        return choice;
    }

    // The fastest Di the card offers, or a slower one, with the card's Fi, that the reader
    // takes at its clock; else the default speed, which every reader takes.
    const std::uint8_t offered_fi_di = atr.fi_di();
    const auto offered_di = iso7816::baud_rate_adjustment(offered_fi_di);
    if (iso7816::clock_rate_conversion(offered_fi_di) && offered_di) {
        for (const std::uint8_t di_code : k_di_codes_fastest_first) {
            const auto candidate = static_cast<std::uint8_t>((offered_fi_di & 0xF0) | di_code);
            const auto di = iso7816::baud_rate_adjustment(candidate);
            if (di && *di <= *offered_di && reader_takes(reader, reader_data_rates, candidate)) {
                choice.fi_di = candidate;
                break;
            }
        }
    }
    const bool default_protocol = usable == offered.begin();
    // Fi 372 and Di 1 are the default factors however TA1 codes them (01 or 11).
    const bool default_speed = iso7816::clock_rate_conversion(choice.fi_di) == 372 &&
                               iso7816::baud_rate_adjustment(choice.fi_di) == 1;
    choice.needs_pps = !default_protocol || !default_speed;
    const bool host_runs_pps = reader.exchange_level() == ExchangeLevel::tpdu ||
                               reader.exchange_level() == ExchangeLevel::character;
    if (choice.needs_pps && !automatic_pps && !host_runs_pps) {
        // An APDU-level reader that neither negotiates nor runs PPS cannot be asked to: stay
        // at the defaults, which need no PPS.
        choice.protocol = offered.front();
        if (!reader_speaks(reader, choice.protocol)) {
            return std::unexpected(SelectionError::no_common_protocol);
        }
        choice.fi_di = iso7816::k_default_fi_di;
        choice.needs_pps = false;
    }
    choice.negotiation =
        choice.needs_pps && !automatic_pps ? Negotiation::pps_by_host : Negotiation::set_parameters;
    return choice;
}

base::Bytes protocol_data(const iso7816::Atr& atr, const ProtocolChoice& choice) {
    const std::uint8_t convention =
        atr.convention == iso7816::Convention::inverse ? k_tcck_inverse_convention : 0;
    if (choice.protocol == 0) {
        // Table 6.1-6: bmFindexDindex, bmTCCKST0, bGuardTimeT0, bWaitingIntegerT0, bClockStop.
        const std::uint8_t waiting_integer = atr.groups.size() >= 2 && atr.groups[1].tc
                                                 ? *atr.groups[1].tc
                                                 : k_default_waiting_integer;
        return {choice.fi_di, convention, atr.extra_guard_time(), waiting_integer,
                k_clock_stop_not_allowed};
    }
    // Table 6.1-7: bmFindexDindex, bmTCCKST1, bGuardTimeT1, bmWaitingIntegersT1, bClockStop,
    // bIFSC, bNadValue.
    const auto t1 = iso7816::T1Parameters::from_atr(atr);
    const bool crc = t1.edc == iso7816::EdcKind::crc;
    return {choice.fi_di,
            static_cast<std::uint8_t>(k_tcck_t1 | convention | (crc ? k_tcck_crc : 0)),
            atr.extra_guard_time(),
            static_cast<std::uint8_t>(t1.block_waiting_integer << 4 | t1.character_waiting_integer),
            k_clock_stop_not_allowed,
            t1.card_information_field_size,
            k_default_nad};
}

}  // namespace drivers::ccid
