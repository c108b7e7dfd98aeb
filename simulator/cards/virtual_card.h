#pragma once

// A smart card as the simulated reader sees it: an answer to reset, and an APDU in, an APDU
// out. Cards keep state (the selected application), so a reader calls reset() whenever it
// powers the card, and calls the card from one thread at a time.

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
};

}  // namespace simulator::cards
