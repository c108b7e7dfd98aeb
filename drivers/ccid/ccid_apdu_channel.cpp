#include "drivers/ccid/ccid_apdu_channel.h"

#include "base/bytes.h"

namespace drivers::ccid {

iso7816::ApduError to_apdu_error(CcidError error) {
    using iso7816::ApduError;
    switch (error) {
        case CcidError::timeout:
            return ApduError::timeout;
        case CcidError::reader_gone:
            return ApduError::reader_gone;
        case CcidError::card_absent:
            return ApduError::card_removed;
        case CcidError::card_mute:
            return ApduError::card_mute;
        case CcidError::apdu_too_long:
            return ApduError::data_too_long;
        default:
            return ApduError::reader_failed;
    }
}

std::expected<iso7816::ResponseApdu, iso7816::ApduError> CcidApduChannel::transmit(
    const iso7816::CommandApdu& command) {
    std::expected<base::Bytes, iso7816::ApduError> encoded =
        m_level == ExchangeLevel::tpdu ? iso7816::to_t0_tpdu(command) : command.encode();
    if (!encoded) {
        return std::unexpected(encoded.error());
    }
    // CCID 1.1 §6.1.4: only the extended APDU level takes an APDU in pieces and returns one.
    auto response = m_level == ExchangeLevel::extended_apdu ? m_client.transmit_extended(*encoded)
                                                            : m_client.transmit(*encoded);
    if (!response) {
        return std::unexpected(to_apdu_error(response.error()));
    }
    return iso7816::ResponseApdu::parse(*response);
}

}  // namespace drivers::ccid
