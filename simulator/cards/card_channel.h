#pragma once

// A simulated card as an APDU channel, without any reader in between: for tests of the EMV
// layer and of the kiosk's card reading that need no USB at all.

#include <memory>

#include "drivers/iso7816/apdu_channel.h"
#include "simulator/cards/virtual_card.h"

namespace simulator::cards {

class CardChannel final : public drivers::iso7816::ApduChannel {
  public:
    explicit CardChannel(std::shared_ptr<VirtualCard> card) : m_card(std::move(card)) {
        if (m_card) {
            m_card->reset();
        }
    }

    std::expected<drivers::iso7816::ResponseApdu, drivers::iso7816::ApduError> transmit(
        const drivers::iso7816::CommandApdu& command) override {
        if (!m_card || !m_card->atr()) {
            return std::unexpected(drivers::iso7816::ApduError::card_mute);
        }
        auto encoded = command.encode();
        if (!encoded) {
            return std::unexpected(encoded.error());
        }
        ++m_commands;
        return drivers::iso7816::ResponseApdu::parse(m_card->transmit(*encoded));
    }

    int commands_sent() const { return m_commands; }

  private:
    std::shared_ptr<VirtualCard> m_card;
    int m_commands = 0;
};

}  // namespace simulator::cards
