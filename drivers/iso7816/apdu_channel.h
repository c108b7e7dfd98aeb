#pragma once

// Something that carries command APDUs to a card and brings back its response: a reader
// slot, a simulated card, a test's scripted card.

#include <expected>

#include "base/bytes.h"
#include "drivers/iso7816/apdu.h"

namespace drivers::iso7816 {

class ApduChannel {
  public:
    virtual ~ApduChannel() = default;
    virtual std::expected<ResponseApdu, ApduError> transmit(const CommandApdu& command) = 0;
};

// ISO/IEC 7816-4 §5.3.4 and §5.1.3 (SW1 = 61, 6C), EMV 4.3 Book 1 §9.3.1 and Annex A: sends
// a command and completes the exchange the card asks for. On 61xx it fetches the rest with
// GET RESPONSE (Le = SW2) and joins the data; on 6Cxx it repeats the command the card
// answered (the original, or a GET RESPONSE) with Le = SW2; a case 4 command answered with a
// warning (62xx, 63xx) and no data is followed by GET RESPONSE with Le = 00, and the data
// comes back with the warning's status. T=0 cards answer so, and many readers pass these
// status words through even at APDU level.
std::expected<ResponseApdu, ApduError> transmit_complete(ApduChannel& channel,
                                                         const CommandApdu& command);

// A channel that applies transmit_complete() to every command, so that code above it (EMV)
// sees only final responses.
class CompletingChannel final : public ApduChannel {
  public:
    explicit CompletingChannel(ApduChannel& inner) : m_inner(inner) {}
    std::expected<ResponseApdu, ApduError> transmit(const CommandApdu& command) override {
        return transmit_complete(m_inner, command);
    }

  private:
    ApduChannel& m_inner;
};

// ISO/IEC 7816-3 §12.1.2: a command APDU mapped to the T=0 command TPDU a TPDU-level reader
// expects (CLA INS P1 P2 P3). Case 4 loses its Le: the card answers 61xx and the data comes
// with GET RESPONSE. Extended lengths do not exist in T=0.
std::expected<base::Bytes, ApduError> to_t0_tpdu(const CommandApdu& command);

}  // namespace drivers::iso7816
