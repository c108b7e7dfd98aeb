// kiosk-diag atr HEX: a card's Answer-to-Reset (ISO/IEC 7816-3:2006 §8) as the kiosk's parser
// reads it, with what an engineer asks first: convention, protocols, speed factors, TCK.

#include <nlohmann/json.hpp>

#include <string>

#include "base/bytes.h"
#include "drivers/iso7816/atr.h"
#include "drivers/iso7816/pps.h"
#include "kiosk/diag/command.h"
#include "kiosk/diag/hex_decoder.h"

namespace kiosk::diag {

namespace {

using drivers::iso7816::AtrError;

// Each AtrError as a sentence for the engineer, with the clause that decides it.
std::string_view atr_error_sentence(AtrError error) {
    switch (error) {
        case AtrError::empty:
            return "The answer to reset holds no byte.";
        case AtrError::invalid_ts:
            return "The first byte TS is neither 3B (direct convention) nor 3F (inverse "
                   "convention) (ISO/IEC 7816-3 §8.1).";
        case AtrError::truncated_format:
            return "The format byte T0 is missing after TS (ISO/IEC 7816-3 §8.2.2).";
        case AtrError::truncated_interface_bytes:
            return "The interface bytes that T0 and the TD bytes announce are cut short "
                   "(ISO/IEC 7816-3 §8.2.3).";
        case AtrError::truncated_historical_bytes:
            return "There are fewer historical bytes than T0 announces (ISO/IEC 7816-3 "
                   "§8.2.4).";
        case AtrError::missing_tck:
            return "The check byte TCK is missing, though a protocol other than T=0 is offered "
                   "(ISO/IEC 7816-3 §8.2.5).";
        case AtrError::wrong_tck:
            return "The check byte TCK is wrong: the exclusive-or of the bytes from T0 to TCK "
                   "is not zero (ISO/IEC 7816-3 §8.2.5).";
        case AtrError::unexpected_tck:
            return "A check byte TCK follows, though only T=0 is offered and TCK must then be "
                   "absent (ISO/IEC 7816-3 §8.2.5).";
        case AtrError::trailing_bytes:
            return "Bytes follow the end of the answer to reset that T0 and the TD bytes "
                   "describe (ISO/IEC 7816-3 §8.2).";
        case AtrError::too_long:
            return "The answer to reset is longer than 33 bytes, TS included (ISO/IEC 7816-3 "
                   "§8.1).";
    }
    return drivers::iso7816::to_string(error);
}

// A factor of TA1, or null for a code ISO/IEC 7816-3 reserves for future use: the ATR is well
// formed, but no reader can run the card at that speed (README, "kiosk-diag atr").
nlohmann::ordered_json factor_or_null(std::optional<int> factor) {
    return factor ? nlohmann::ordered_json(*factor) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json describe_atr(std::span<const std::uint8_t> bytes) {
    nlohmann::ordered_json output;
    const auto atr = drivers::iso7816::parse_atr(bytes);
    output["valid"] = atr.has_value();
    if (!atr) {
        output["error"] = atr_error_sentence(atr.error());
        return output;
    }
    output["convention"] =
        atr->convention == drivers::iso7816::Convention::direct ? "direct" : "inverse";
    auto protocols = nlohmann::ordered_json::array();
    for (const std::uint8_t protocol : atr->protocols()) {
        protocols.push_back("T=" + std::to_string(protocol));
    }
    output["protocols"] = protocols;
    // §8.3: TA1 codes Fi (Table 7) and Di (Table 8); without TA1 they are 372 and 1.
    output["fi"] = factor_or_null(drivers::iso7816::clock_rate_conversion(atr->fi_di()));
    output["di"] = factor_or_null(drivers::iso7816::baud_rate_adjustment(atr->fi_di()));
    output["historical_bytes"] = base::to_hex(atr->historical_bytes);
    output["tck"] = atr->tck ? "ok" : "absent";
    return output;
}

int decode_atr(std::span<const std::string_view> arguments) {
    return run_hex_decoder("atr", arguments[0], describe_atr);
}

}  // namespace

const Command k_atr{
    .words = "atr",
    .arguments = "HEX|-",
    .argument_count = 1,
    .summary = "decode a card's answer to reset",
    .run = decode_atr,
};

}  // namespace kiosk::diag
