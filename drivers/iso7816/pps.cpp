#include "drivers/iso7816/pps.h"

#include <array>

namespace drivers::iso7816 {

namespace {

constexpr std::uint8_t k_ppss = 0xFF;
constexpr std::uint8_t k_pps1_present = 0x10;
constexpr std::uint8_t k_pps2_present = 0x20;
constexpr std::uint8_t k_pps3_present = 0x40;
constexpr std::uint8_t k_protocol_mask = 0x0F;

struct ClockRate {
    int factor = 0;  // Fi; 0 for RFU
    int max_clock_khz = 0;
};

// ISO/IEC 7816-3:2006 §7.1 Table 7, indexed by bits 8..5 of TA1.
constexpr std::array<ClockRate, 16> k_clock_rates{{
    {372, 4000},
    {372, 5000},
    {558, 6000},
    {744, 8000},
    {1116, 12000},
    {1488, 16000},
    {1860, 20000},
    {0, 0},
    {0, 0},
    {512, 5000},
    {768, 7500},
    {1024, 10000},
    {1536, 15000},
    {2048, 20000},
    {0, 0},
    {0, 0},
}};

// §7.1 Table 8, indexed by bits 4..1 of TA1; 0 for RFU.
constexpr std::array<int, 16> k_baud_adjustments{0,  1,  2, 4, 8, 16, 32, 64,
                                                 12, 20, 0, 0, 0, 0,  0,  0};

}  // namespace

std::optional<int> clock_rate_conversion(std::uint8_t fi_di) {
    const int factor = k_clock_rates[fi_di >> 4].factor;
    return factor == 0 ? std::nullopt : std::optional<int>(factor);
}

std::optional<int> max_clock_khz(std::uint8_t fi_di) {
    const int khz = k_clock_rates[fi_di >> 4].max_clock_khz;
    return khz == 0 ? std::nullopt : std::optional<int>(khz);
}

std::optional<int> baud_rate_adjustment(std::uint8_t fi_di) {
    const int factor = k_baud_adjustments[fi_di & 0x0F];
    return factor == 0 ? std::nullopt : std::optional<int>(factor);
}

std::optional<std::uint32_t> bits_per_second(std::uint8_t fi_di, std::uint32_t clock_khz) {
    const auto fi = clock_rate_conversion(fi_di);
    const auto di = baud_rate_adjustment(fi_di);
    if (!fi || !di) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(std::uint64_t{clock_khz} * 1000U *
                                      static_cast<std::uint64_t>(*di) /
                                      static_cast<std::uint64_t>(*fi));
}

base::Bytes PpsRequest::encode() const {
    base::Bytes bytes{k_ppss, static_cast<std::uint8_t>(protocol & k_protocol_mask)};
    if (fi_di) {
        bytes[1] |= k_pps1_present;
        bytes.push_back(*fi_di);
    }
    std::uint8_t check = 0;
    for (const std::uint8_t byte : bytes) {
        check ^= byte;
    }
    bytes.push_back(check);  // PCK: the exclusive-or of PPSS to PCK is zero (§9.2)
    return bytes;
}

std::string_view to_string(PpsError error) {
    switch (error) {
        case PpsError::malformed:
            return "pps: the card's answer is not a valid PPS response";
        case PpsError::wrong_protocol:
            return "pps: the card answered for another protocol";
        case PpsError::parameters_refused:
            return "pps: the card refused the transmission factors";
    }
    return "pps: unknown error";
}

std::expected<std::uint8_t, PpsError> check_pps_response(const PpsRequest& request,
                                                         std::span<const std::uint8_t> response) {
    // PPSS PPS0 [PPS1] [PPS2] [PPS3] PCK.
    if (response.size() < 3 || response[0] != k_ppss) {
        return std::unexpected(PpsError::malformed);
    }
    const std::uint8_t pps0 = response[1];
    std::size_t expected_length = 3;
    for (const std::uint8_t present : {k_pps1_present, k_pps2_present, k_pps3_present}) {
        expected_length += (pps0 & present) != 0 ? 1U : 0U;
    }
    if (response.size() != expected_length || (pps0 & 0x80) != 0) {
        return std::unexpected(PpsError::malformed);
    }
    std::uint8_t check = 0;
    for (const std::uint8_t byte : response) {
        check ^= byte;
    }
    if (check != 0) {
        return std::unexpected(PpsError::malformed);
    }
    // §9.3: PPS2 and PPS3 are never asked for, so they must not come back.
    if ((pps0 & (k_pps2_present | k_pps3_present)) != 0) {
        return std::unexpected(PpsError::parameters_refused);
    }
    if ((pps0 & k_protocol_mask) != (request.protocol & k_protocol_mask)) {
        return std::unexpected(PpsError::wrong_protocol);
    }
    if ((pps0 & k_pps1_present) == 0) {
        return k_default_fi_di;  // §9.3: PPS1 left out, Fd and Dd stay
    }
    if (!request.fi_di || response[2] != *request.fi_di) {
        return std::unexpected(PpsError::parameters_refused);
    }
    return *request.fi_di;
}

}  // namespace drivers::iso7816
