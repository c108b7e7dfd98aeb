#pragma once

// Transmission speed and protocol selection (ISO/IEC 7816-3:2006 §7.1 and §9): the factors
// Fi and Di that TA1 and PPS1 code, the speed they give at a clock, and the Protocol and
// Parameters Selection exchange a host runs when its reader does not negotiate by itself.

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string_view>

#include "base/bytes.h"

namespace drivers::iso7816 {

// TA1 and PPS1 as Fi (bits 8..5) and Di (bits 4..1); 0x11 is the default, Fd = 372, Dd = 1.
constexpr std::uint8_t k_default_fi_di = 0x11;

// ISO/IEC 7816-3 §7.1 Table 7: the clock rate conversion factor Fi coded by bits 8..5 of TA1,
// or nothing for the codes reserved for future use (7, 8, E, F).
std::optional<int> clock_rate_conversion(std::uint8_t fi_di);
// Table 7 also gives the highest clock frequency the card accepts with that Fi, in kHz.
std::optional<int> max_clock_khz(std::uint8_t fi_di);
// §7.1 Table 8: the baud rate adjustment factor Di coded by bits 4..1, or nothing for RFU.
std::optional<int> baud_rate_adjustment(std::uint8_t fi_di);

// §7.1: one elementary time unit is Fi / Di clock cycles, so a card clocked at `clock_khz`
// sends clock * Di / Fi bits a second. Nothing for an RFU code.
std::optional<std::uint32_t> bits_per_second(std::uint8_t fi_di, std::uint32_t clock_khz);

// A PPS request (§9.2): PPSS FF, PPS0 (protocol T, PPS1 present), PPS1 (Fi Di) and the check
// byte PCK. PPS2 and PPS3 are not used.
struct PpsRequest {
    std::uint8_t protocol = 0;          // T, 0..14
    std::optional<std::uint8_t> fi_di;  // PPS1; nothing keeps Fd and Dd
    base::Bytes encode() const;
};

enum class PpsError {
    malformed,           // not PPSS, PPS0, optional PPS1..3 and PCK with a zero check
    wrong_protocol,      // the card answered for another protocol
    parameters_refused,  // PPS1 answered with other factors than asked (§9.3)
};

std::string_view to_string(PpsError error);

// §9.3: a successful answer echoes PPSS and the protocol of PPS0; PPS1 is echoed, or left out
// when the card keeps Fd and Dd. Returns the Fi Di in force after the exchange.
std::expected<std::uint8_t, PpsError> check_pps_response(const PpsRequest& request,
                                                         std::span<const std::uint8_t> response);

}  // namespace drivers::iso7816
