#pragma once

// One reader slot as an ISO 7816 APDU channel: what the EMV layer and the kiosk's card reader
// model talk through.

#include "drivers/ccid/ccid_client.h"
#include "drivers/iso7816/apdu_channel.h"

namespace drivers::ccid {

// The APDU channel's view of a reader failure.
iso7816::ApduError to_apdu_error(CcidError error);

class CcidApduChannel final : public iso7816::ApduChannel {
  public:
    // `level` says what the reader expects in an XfrBlock (class descriptor dwFeatures):
    // APDU-level readers take whole APDUs; TPDU-level readers talking T=0 take TPDUs, the
    // 61xx/6Cxx exchanges then being completed by iso7816::transmit_complete above this;
    // extended-APDU-level readers take and return APDUs in pieces (CcidClient::transmit_extended).
    explicit CcidApduChannel(CcidClient& client, ExchangeLevel level = ExchangeLevel::short_apdu)
        : m_client(client), m_level(level) {}

    std::expected<iso7816::ResponseApdu, iso7816::ApduError> transmit(
        const iso7816::CommandApdu& command) override;

  private:
    CcidClient& m_client;
    ExchangeLevel m_level;
};

}  // namespace drivers::ccid
