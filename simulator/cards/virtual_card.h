#pragma once

// A smart card as the simulated reader sees it: an answer to reset, and an APDU in, an APDU
// out. Cards keep state (the selected application), so a reader calls reset() whenever it
// powers the card, and calls the card from one thread at a time.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"

namespace simulator::cards {

class VirtualCard {
  public:
    virtual ~VirtualCard() = default;

    virtual std::string name() const = 0;
    // The answer to reset; nothing for a card whose chip never answers.
    virtual std::optional<base::Bytes> atr() const = 0;
    // A command APDU in, the response APDU (data and status word) out.
    virtual base::Bytes transmit(std::span<const std::uint8_t> command) = 0;
    // A cold reset: back to the state after the answer to reset.
    virtual void reset() = 0;
    // The card's answer to a PPS request (ISO/IEC 7816-3 §9), or nothing when it does not
    // agree and stays silent. A card agrees to a protocol its ATR offers, at its own Fi with a
    // Di no faster than its own (TA1), and echoes the request (§9.3).
    virtual std::optional<base::Bytes> answer_pps(std::span<const std::uint8_t> request);
    // How long the chip works on a command before its answer starts: zero for a card that
    // answers at once. A reader adds it to the time on the wire; over T=1 the card asks for
    // more time (S(WTX request), ISO/IEC 7816-3:2006 §11.6.2.3) when it exceeds BWT.
    virtual std::chrono::microseconds processing_time(
        std::span<const std::uint8_t> /*command*/) const {
        return std::chrono::microseconds{0};
    }
};

}  // namespace simulator::cards
