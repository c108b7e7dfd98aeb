#pragma once

// The Answer-to-Reset of a contact card (ISO/IEC 7816-3:2006 §8.2): TS, T0, the chain of
// interface byte groups TAi TBi TCi TDi, the historical bytes and the check byte TCK.
// Real cards get this wrong in many ways; every byte string either parses or yields a named
// AtrError, and nothing is read past the end of the input.

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/bytes.h"

namespace drivers::iso7816 {

// ISO/IEC 7816-3 §8.1: at most 32 characters follow TS.
constexpr std::size_t k_max_atr_length = 33;

enum class Convention { direct, inverse };

enum class AtrError {
    empty,                       // no byte at all
    invalid_ts,                  // TS is neither 3B (direct) nor 3F (inverse)
    truncated_format,            // TS without T0
    truncated_interface_bytes,   // the TD chain announces bytes that are missing
    truncated_historical_bytes,  // fewer historical bytes than T0 announces
    missing_tck,                 // a protocol other than T=0 is offered but TCK is absent
    wrong_tck,                   // the exclusive-or from T0 to TCK is not zero
    unexpected_tck,              // only T=0 is offered, yet a byte that checks as TCK follows
    trailing_bytes,              // bytes after the end of the ATR
    too_long,                    // more than 33 bytes
};

std::string_view to_string(AtrError error);

// One group i of interface bytes (ISO/IEC 7816-3 §8.2.3); TDi announces group i+1.
struct InterfaceBytes {
    std::optional<std::uint8_t> ta;
    std::optional<std::uint8_t> tb;
    std::optional<std::uint8_t> tc;
    std::optional<std::uint8_t> td;
};

struct Atr {
    base::Bytes bytes;  // the whole ATR as received
    Convention convention = Convention::direct;
    std::uint8_t format = 0;             // T0
    std::vector<InterfaceBytes> groups;  // groups[0] is TA1..TD1
    base::Bytes historical_bytes;
    std::optional<std::uint8_t> tck;

    // The protocols the card offers, in the order of the TD bytes; T=0 when there is no TD1
    // (§8.2.3). T=15 (global bytes) is not a protocol and is left out.
    base::Bytes protocols() const;
    // TA1 (Fi/Di), or the default 0x11 when absent (§8.3).
    std::uint8_t fi_di() const;
    // TC1: extra guard time N, 0 when absent (§8.3).
    std::uint8_t extra_guard_time() const;
    // TA2 present: the card is in specific mode and needs no PPS (§8.3).
    bool is_specific_mode() const;
    // The first TA after a TD announcing T=1 (from group 3 on): IFSC, 32 by default (§11.4.2).
    std::uint8_t t1_information_field_size() const;
};

std::expected<Atr, AtrError> parse_atr(std::span<const std::uint8_t> bytes);

}  // namespace drivers::iso7816
