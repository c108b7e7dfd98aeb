#pragma once

// A card in a reader's slot, from power-on to its last command: the answer to reset read and
// checked, the protocol and speed chosen (protocol_selection.h) and set up -- a PPS exchange
// through the reader at TPDU level, SetParameters, or nothing when the reader negotiates by
// itself -- and then the card's APDUs carried as the reader's exchange level asks: whole
// APDUs at APDU level; at TPDU level, T=0 TPDUs or T=1 blocks that the host runs.

#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <vector>

#include "drivers/ccid/ccid_apdu_channel.h"
#include "drivers/ccid/ccid_client.h"
#include "drivers/ccid/class_descriptor.h"
#include "drivers/ccid/protocol_selection.h"
#include "drivers/iso7816/apdu_channel.h"
#include "drivers/iso7816/atr.h"

namespace drivers::ccid {

// What the host knows of the reader when a card arrives: its class descriptor (with the
// quirks of its model applied, reader_quirks.h) and the data rates it listed, if any.
struct ReaderProfile {
    ClassDescriptor descriptor;
    std::vector<std::uint32_t> data_rates;
};

class CardSession final : public iso7816::ApduChannel {
  public:
    // Powers the card in the client's slot and readies it. Errors: the reader's own, bad_atr
    // for an answer to reset that does not parse (or whose TCK is wrong),
    // exchange_level_not_supported for a character-level reader, no_common_protocol, and
    // pps_failed when the card refuses the speed (the card is then powered off: ISO/IEC
    // 7816-3 §9.3 leaves only a new reset).
    static std::expected<std::unique_ptr<CardSession>, CcidError> start(
        CcidClient& client, const ReaderProfile& reader);

    ~CardSession() override;
    CardSession(const CardSession&) = delete;
    CardSession& operator=(const CardSession&) = delete;

    std::expected<iso7816::ResponseApdu, iso7816::ApduError> transmit(
        const iso7816::CommandApdu& command) override;

    const iso7816::Atr& atr() const { return m_atr; }
    const ProtocolChoice& choice() const { return m_choice; }

  private:
    struct T1Link;

    CardSession(CcidClient& client, ExchangeLevel level, iso7816::Atr atr, ProtocolChoice choice);

    CcidClient& m_client;
    iso7816::Atr m_atr;
    ProtocolChoice m_choice;
    CcidApduChannel m_channel;     // APDU level, and T=0 at TPDU level
    std::unique_ptr<T1Link> m_t1;  // T=1 at TPDU level: the host runs the block protocol
};

}  // namespace drivers::ccid
