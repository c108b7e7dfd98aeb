#include "drivers/ccid/card_session.h"

#include <algorithm>
#include <utility>

#include "drivers/iso7816/pps.h"
#include "drivers/iso7816/t1_host.h"

namespace drivers::ccid {

namespace {

// ISO/IEC 7816-3 §9.3 and §6.2.5: after a failed PPS or a card that cannot be set up, only a
// deactivation helps; whatever the reader answers to it, the card is not used further.
template <class Error>
std::unexpected<Error> power_off_and_fail(CcidClient& client, Error error) {
    (void)client.power_off();
    return std::unexpected(error);
}

iso7816::ApduError to_apdu_error(iso7816::T1Error error) {
    switch (error) {
        case iso7816::T1Error::card_removed:
            return iso7816::ApduError::card_removed;
        case iso7816::T1Error::command_too_long:
        case iso7816::T1Error::empty_command:
            return iso7816::ApduError::data_too_long;
        case iso7816::T1Error::response_too_long:
            return iso7816::ApduError::response_chain_too_long;
        case iso7816::T1Error::too_many_waiting_time_extensions:
            return iso7816::ApduError::timeout;
        case iso7816::T1Error::resynch_failed:
        case iso7816::T1Error::session_dead:
        case iso7816::T1Error::resynchronised:
        case iso7816::T1Error::aborted_by_card:
            return iso7816::ApduError::card_mute;
        case iso7816::T1Error::reader_failed:
            return iso7816::ApduError::reader_failed;
    }
    return iso7816::ApduError::reader_failed;
}

}  // namespace

// T=1 at TPDU level: the host runs the block protocol (iso7816::T1Host) and the reader carries
// each block to the card in an XfrBlock, the card's next block coming back in the DataBlock
// (CCID 1.1 §6.1.4). A card's request for more time travels as bBWI.
struct CardSession::T1Link final : iso7816::T1Port {
    T1Link(CcidClient& reader, const iso7816::T1Parameters& parameters)
        : client(reader), host(*this, parameters) {}

    std::expected<base::Bytes, iso7816::T1PortFault> exchange(
        std::span<const std::uint8_t> block, const iso7816::T1Wait& wait) override {
        auto answer = client.transmit(block, wait.multiplier > 1 ? wait.multiplier : 0);
        if (answer) {
            return std::move(*answer);
        }
        switch (answer.error()) {
            case CcidError::timeout:
            case CcidError::card_mute:  // nothing within BWT: the reader reports ICC_MUTE
                return std::unexpected(iso7816::T1PortFault::timeout);
            case CcidError::card_communication:
                return std::unexpected(iso7816::T1PortFault::transmission_error);
            case CcidError::card_absent:
                return std::unexpected(iso7816::T1PortFault::card_removed);
            default:
                return std::unexpected(iso7816::T1PortFault::reader_failed);
        }
    }

    std::expected<iso7816::ResponseApdu, iso7816::ApduError> transmit(
        const iso7816::CommandApdu& command) {
        auto encoded = command.encode();
        if (!encoded) {
            return std::unexpected(encoded.error());
        }
        auto response = host.transceive(*encoded);
        if (!response) {
            return std::unexpected(to_apdu_error(response.error()));
        }
        return iso7816::ResponseApdu::parse(*response);
    }

    CcidClient& client;
    iso7816::T1Host host;
};

std::expected<std::unique_ptr<CardSession>, CcidError> CardSession::start(
    CcidClient& client, const ReaderProfile& reader) {
    const ExchangeLevel level = reader.descriptor.exchange_level();
    if (level == ExchangeLevel::character) {
        // The host would have to time every character itself; no kiosk reader needs it.
        return std::unexpected(CcidError::exchange_level_not_supported);
    }
    auto answer = client.power_on();
    if (!answer) {
        return std::unexpected(answer.error());
    }
    auto atr = iso7816::parse_atr(*answer);
    if (!atr) {
        return power_off_and_fail(client, CcidError::bad_atr);
    }
    auto choice = choose_protocol(*atr, reader.descriptor, reader.data_rates);
    if (!choice) {
        return power_off_and_fail(client, choice.error() == SelectionError::no_common_protocol
                                              ? CcidError::no_common_protocol
                                              : CcidError::protocol_not_supported);
    }

    if (choice->negotiation == Negotiation::pps_by_host) {
        // A TPDU-level reader passes the PPS request to the card and its answer back.
        const iso7816::PpsRequest request{choice->protocol, choice->fi_di};
        auto reply = client.transmit(request.encode());
        if (!reply) {
            return power_off_and_fail(client, reply.error());
        }
        auto agreed = iso7816::check_pps_response(request, *reply);
        if (!agreed) {
            return power_off_and_fail(client, CcidError::pps_failed);
        }
        choice->fi_di = *agreed;
    }
    if (choice->negotiation != Negotiation::by_reader) {
        auto parameters = client.set_parameters(choice->protocol, protocol_data(*atr, *choice));
        // A reader that does not take SetParameters keeps what it read from the ATR, which
        // is right as long as nothing was negotiated away from the defaults.
        if (!parameters &&
            (choice->needs_pps || parameters.error() != CcidError::command_not_supported)) {
            return power_off_and_fail(client, parameters.error());
        }
    }

    std::unique_ptr<CardSession> session(new CardSession(client, level, std::move(*atr), *choice));
    if (session->m_choice.protocol == 1 && level == ExchangeLevel::tpdu) {
        // EMV 4.3 Book 1 §9.2: a bank terminal's rules; the reader's IFSD offered once, first.
        auto parameters = iso7816::T1Parameters::from_atr(
            session->m_atr,
            static_cast<std::uint8_t>(std::min<std::uint32_t>(
                reader.descriptor.max_ifsd, iso7816::k_t1_max_information_field_size)));
        parameters.profile = iso7816::T1Profile::emv;
        parameters.clock_rate_conversion = static_cast<std::uint32_t>(
            iso7816::clock_rate_conversion(session->m_choice.fi_di).value_or(372));
        parameters.baud_rate_adjustment = static_cast<std::uint32_t>(
            iso7816::baud_rate_adjustment(session->m_choice.fi_di).value_or(1));
        session->m_t1 = std::make_unique<T1Link>(client, parameters);
        if (!session->m_t1->host.negotiate_information_field_size()) {
            return power_off_and_fail(client, CcidError::card_protocol_failed);
        }
    }
    return session;
}

CardSession::CardSession(CcidClient& client, ExchangeLevel level, iso7816::Atr atr,
                         ProtocolChoice choice)
    : m_client(client), m_atr(std::move(atr)), m_choice(choice), m_channel(client, level) {}

CardSession::~CardSession() = default;

std::expected<iso7816::ResponseApdu, iso7816::ApduError> CardSession::transmit(
    const iso7816::CommandApdu& command) {
    if (m_t1) {
        return m_t1->transmit(command);
    }
    return m_channel.transmit(command);
}

}  // namespace drivers::ccid
