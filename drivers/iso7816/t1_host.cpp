#include "drivers/iso7816/t1_host.h"

#include <algorithm>

namespace drivers::iso7816 {

namespace {

// §11.4.3: BWT = 11 etu + 2^BWI x 960 x Fd / f.
constexpr std::uint32_t k_block_guard_etu = 11;
constexpr std::uint32_t k_block_waiting_unit = 960;
// §11.4.3: CWT = (11 + 2^CWI) etu.
constexpr std::uint32_t k_character_guard_etu = 11;
// TC3 bit 1 selects the CRC (§11.4.4).
constexpr std::uint8_t k_tc3_crc = 0x01;
// §11.4.3: BWI above 9 is reserved.
constexpr std::uint8_t k_max_block_waiting_integer = 9;

// The card answers with the node address's source and destination swapped (§11.3.2.1).
std::uint8_t t1_swapped_node_address(std::uint8_t node_address) {
    return static_cast<std::uint8_t>(((node_address & 0x07U) << 4) | ((node_address >> 4) & 0x07U));
}

// The first TBi or TCi (i > 2) that follows a TD(i-1) naming T=1 (§11.4), as
// Atr::t1_information_field_size() finds TA3.
template <typename Pick>
std::optional<std::uint8_t> t1_interface_byte(const Atr& atr, Pick pick) {
    for (std::size_t index = 1; index + 1 < atr.groups.size(); ++index) {
        const auto& td = atr.groups[index].td;
        if (td && (*td & 0x0F) == 1) {
            if (const auto value = pick(atr.groups[index + 1])) {
                return value;
            }
        }
    }
    return std::nullopt;
}

}  // namespace

std::string_view to_string(T1Error error) {
    switch (error) {
        case T1Error::empty_command:
            return "t1: no command to send";
        case T1Error::command_too_long:
            return "t1: command longer than an extended APDU";
        case T1Error::card_removed:
            return "t1: the card was removed";
        case T1Error::reader_failed:
            return "t1: the reader failed";
        case T1Error::aborted_by_card:
            return "t1: the card aborted the exchange";
        case T1Error::response_too_long:
            return "t1: the card's response is longer than an extended APDU";
        case T1Error::too_many_waiting_time_extensions:
            return "t1: the card keeps asking for more time";
        case T1Error::resynchronised:
            return "t1: the exchange failed and the link was resynchronised";
        case T1Error::resynch_failed:
            return "t1: the card does not answer resynchronisation";
        case T1Error::session_dead:
            return "t1: the session has ended; reset the card";
    }
    return "t1: unknown error";
}

T1Parameters T1Parameters::from_atr(const Atr& atr, std::uint8_t device_information_field_size) {
    T1Parameters parameters;
    const std::uint8_t ifsc = atr.t1_information_field_size();
    // §11.4.2: 00 and FF are reserved; a card that announces them gets the default.
    if (ifsc >= k_t1_min_information_field_size && ifsc <= k_t1_max_information_field_size) {
        parameters.card_information_field_size = ifsc;
    }
    parameters.device_information_field_size =
        std::clamp(device_information_field_size, k_t1_min_information_field_size,
                   k_t1_max_information_field_size);
    if (const auto tb =
            t1_interface_byte(atr, [](const InterfaceBytes& group) { return group.tb; })) {
        const auto bwi = static_cast<std::uint8_t>(*tb >> 4);
        parameters.block_waiting_integer = std::min(bwi, k_max_block_waiting_integer);
        parameters.character_waiting_integer = static_cast<std::uint8_t>(*tb & 0x0F);
    }
    if (const auto tc =
            t1_interface_byte(atr, [](const InterfaceBytes& group) { return group.tc; })) {
        parameters.edc = (*tc & k_tc3_crc) != 0 ? EdcKind::crc : EdcKind::lrc;
    }
    return parameters;
}

std::uint32_t block_waiting_etu(const T1Parameters& parameters) {
    const std::uint32_t conversion = std::max<std::uint32_t>(parameters.clock_rate_conversion, 1);
    const std::uint64_t waiting = (std::uint64_t{1} << parameters.block_waiting_integer) *
                                  k_block_waiting_unit * k_default_clock_rate_conversion *
                                  parameters.baud_rate_adjustment / conversion;
    return static_cast<std::uint32_t>(k_block_guard_etu + waiting);
}

std::uint32_t character_waiting_etu(const T1Parameters& parameters) {
    return k_character_guard_etu +
           (std::uint32_t{1} << (parameters.character_waiting_integer & 0x0F));
}

T1Host::T1Host(T1Port& port, const T1Parameters& parameters)
    : m_port(port),
      m_parameters(parameters),
      m_card_information_field_size(parameters.card_information_field_size) {
    if (m_parameters.profile == T1Profile::emv) {
        // EMV 4.3 Book 1 §9.2.4: the terminal uses NAD 00.
        m_parameters.node_address = 0;
    }
    m_card_information_field_size =
        std::clamp(m_card_information_field_size, k_t1_min_information_field_size,
                   k_t1_max_information_field_size);
}

T1Host::Received T1Host::exchange(const T1Block& block) {
    T1Block addressed = block;
    addressed.node_address = m_parameters.node_address;
    Received received;
    // Every block this engine builds fits its kind, so encoding cannot fail.
    const auto bytes = encode_t1_block(addressed, m_parameters.edc);
    if (!bytes) {
        received.fatal = T1Error::reader_failed;
        return received;
    }
    // §11.4.3: the extension holds for the one block that answers S(WTX response), also when
    // that response is sent again.
    const bool extends = block.kind == T1BlockKind::supervisory && block.is_response &&
                         block.supervisory == SupervisoryType::waiting_time_extension;
    T1Wait wait;
    wait.multiplier = extends ? block.information[0] : std::uint8_t{1};
    wait.block_etu = block_waiting_etu(m_parameters) * wait.multiplier;
    wait.character_etu = character_waiting_etu(m_parameters);
    const auto answer = m_port.exchange(*bytes, wait);
    if (!answer) {
        switch (answer.error()) {
            case T1PortFault::timeout:
                received.status = ReceiveStatus::other_error;
                return received;
            case T1PortFault::transmission_error:
                received.status = ReceiveStatus::edc_error;
                return received;
            case T1PortFault::card_removed:
                received.fatal = T1Error::card_removed;
                return received;
            case T1PortFault::reader_failed:
                received.fatal = T1Error::reader_failed;
                return received;
        }
        received.fatal = T1Error::reader_failed;
        return received;
    }
    auto decoded = decode_t1_block(*answer, m_parameters.edc, m_device_information_field_size);
    if (!decoded) {
        // §11.6.3: an EDC or parity error is reported as such, anything else as "other".
        received.status = decoded.error() == T1BlockError::wrong_edc ? ReceiveStatus::edc_error
                                                                     : ReceiveStatus::other_error;
        return received;
    }
    if (decoded->node_address != t1_swapped_node_address(m_parameters.node_address)) {
        received.status = ReceiveStatus::other_error;
        return received;
    }
    received.block = std::move(*decoded);
    return received;
}

T1Block T1Host::information_block_at(std::span<const std::uint8_t> apdu, std::size_t offset) const {
    const std::size_t size =
        std::min<std::size_t>(m_card_information_field_size, apdu.size() - offset);
    const auto chunk = apdu.subspan(offset, size);
    return T1Block::information_block(m_send_sequence, offset + size < apdu.size(),
                                      base::Bytes(chunk.begin(), chunk.end()));
}

std::expected<void, T1Error> T1Host::resynchronise() {
    // §11.6.3: S(RESYNCH request), tried three times; on its response both ends start again
    // from N(S) = 0 and the initial information field sizes.
    for (int attempt = 0; attempt < k_t1_max_attempts; ++attempt) {
        const Received received = exchange(T1Block::request(SupervisoryType::resynch));
        if (received.fatal) {
            m_dead = true;
            return std::unexpected(*received.fatal);
        }
        if (received.block && received.block->kind == T1BlockKind::supervisory &&
            received.block->supervisory == SupervisoryType::resynch &&
            received.block->is_response) {
            m_send_sequence = 0;
            m_receive_sequence = 0;
            m_card_information_field_size =
                std::clamp(m_parameters.card_information_field_size,
                           k_t1_min_information_field_size, k_t1_max_information_field_size);
            m_device_information_field_size = k_t1_default_information_field_size;
            m_ifs_negotiated = false;
            return {};
        }
    }
    m_dead = true;
    return std::unexpected(T1Error::resynch_failed);
}

T1Error T1Host::give_up() {
    if (m_parameters.profile == T1Profile::emv) {
        // EMV 4.3 Book 1 §9.2.5: no resynchronisation; the terminal deactivates the card.
        m_dead = true;
        return T1Error::session_dead;
    }
    const auto resynchronised = resynchronise();
    return resynchronised ? T1Error::resynchronised : resynchronised.error();
}

std::expected<void, T1Error> T1Host::negotiate_information_field_size() {
    if (m_dead) {
        return std::unexpected(T1Error::session_dead);
    }
    const std::uint8_t offered =
        std::clamp(m_parameters.device_information_field_size, k_t1_min_information_field_size,
                   k_t1_max_information_field_size);
    for (int attempt = 0; attempt < k_t1_max_attempts; ++attempt) {
        // §11.6.2 and EMV 4.3 Book 1 §9.2.4: the interface device offers its IFSD with
        // S(IFS request) and the card echoes it in S(IFS response); anything else, or
        // nothing, is answered by sending the request again.
        const Received received =
            exchange(T1Block::request(SupervisoryType::information_field_size, {offered}));
        if (received.fatal) {
            m_dead = true;
            return std::unexpected(*received.fatal);
        }
        const auto& block = received.block;
        if (block && block->kind == T1BlockKind::supervisory &&
            block->supervisory == SupervisoryType::information_field_size && block->is_response &&
            block->information == base::Bytes{offered}) {
            m_device_information_field_size = offered;
            m_ifs_negotiated = true;
            return {};
        }
    }
    const T1Error error = give_up();
    if (error != T1Error::resynchronised) {
        return std::unexpected(error);
    }
    // A card that resynchronises but will not take the IFS request keeps the default IFSD of
    // 32 (§11.4.2); the negotiation is optional in ISO/IEC 7816-3.
    m_ifs_negotiated = true;
    return {};
}

std::expected<base::Bytes, T1Error> T1Host::transceive(std::span<const std::uint8_t> apdu) {
    if (m_dead) {
        return std::unexpected(T1Error::session_dead);
    }
    if (apdu.empty()) {
        return std::unexpected(T1Error::empty_command);
    }
    if (apdu.size() > k_t1_max_command_length) {
        return std::unexpected(T1Error::command_too_long);
    }
    if (!m_ifs_negotiated) {
        if (auto negotiated = negotiate_information_field_size(); !negotiated) {
            return std::unexpected(negotiated.error());
        }
    }
    return run_exchange(apdu);
}

std::expected<base::Bytes, T1Error> T1Host::run_exchange(std::span<const std::uint8_t> apdu) {
    std::size_t offset = 0;                           // the first byte not yet acknowledged
    T1Block current = information_block_at(apdu, 0);  // the I-block the card has not taken
    bool receiving = false;                           // the card's chain has begun
    T1Block next = current;
    int failures = 0;
    int extensions = 0;
    int size_announcements = 0;
    base::Bytes response;

    // One more failed try for the same block: after the third, recovery (§11.6.3).
    const auto failed = [&](const T1Block& again) -> std::optional<T1Error> {
        if (++failures >= k_t1_max_attempts) {
            return give_up();
        }
        next = again;
        return std::nullopt;
    };

    for (;;) {
        const T1Block sent = next;
        Received received = exchange(sent);
        if (received.fatal) {
            m_dead = true;
            return std::unexpected(*received.fatal);
        }
        if (!received.block) {
            // §11.6.3: a damaged block or none is answered by an R-block that names
            // the I-block expected. An S(... request) of ours is sent again instead.
            const bool resend = sent.kind == T1BlockKind::supervisory && !sent.is_response;
            const T1Block again =
                resend ? sent : T1Block::receive_ready(m_receive_sequence, received.status);
            if (auto error = failed(again)) {
                return std::unexpected(*error);
            }
            continue;
        }
        T1Block& block = *received.block;
        const T1Block invalid =
            T1Block::receive_ready(m_receive_sequence, ReceiveStatus::other_error);

        switch (block.kind) {
            case T1BlockKind::information: {
                const bool expected = block.sequence == m_receive_sequence && !current.more;
                if (!expected) {
                    // A repeated I-block (the card missed our acknowledgement) is acknowledged
                    // again; an I-block while we still chain, or out of sequence, is invalid.
                    const bool repeated = receiving && block.sequence != m_receive_sequence;
                    if (auto error = failed(repeated ? T1Block::receive_ready(m_receive_sequence)
                                                     : invalid)) {
                        return std::unexpected(*error);
                    }
                    continue;
                }
                if (!receiving) {
                    // §11.6.2: the card's I-block acknowledges our last I-block.
                    m_send_sequence ^= 1U;
                    receiving = true;
                }
                m_receive_sequence ^= 1U;
                failures = 0;
                if (response.size() + block.information.size() > k_t1_max_response_length) {
                    m_dead = true;
                    return std::unexpected(T1Error::response_too_long);
                }
                response.insert(response.end(), block.information.begin(), block.information.end());
                if (!block.more) {
                    return response;
                }
                // §11.6.2: each chained I-block is acknowledged with R(N(R)), N(R)
                // the N(S) of the next I-block expected.
                next = T1Block::receive_ready(m_receive_sequence);
                continue;
            }
            case T1BlockKind::receive_ready: {
                if (!receiving && block.sequence != m_send_sequence && current.more) {
                    // §11.6.2: the card took our chained block and asks for the next
                    // (also when this answers an R- or S-block of ours sent after the first
                    // acknowledgement was lost).
                    offset += current.information.size();
                    m_send_sequence ^= 1U;
                    failures = 0;
                    current = information_block_at(apdu, offset);
                    next = current;
                    continue;
                }
                // §11.6.3: an R-block naming our unacknowledged I-block asks
                // for it again (rebuilt at the IFSC in force, which may have changed); any other
                // R-block asks for the last block we sent.
                const bool wants_information = !receiving && block.sequence == m_send_sequence;
                if (wants_information) {
                    current = information_block_at(apdu, offset);
                }
                if (auto error = failed(wants_information ? current : sent)) {
                    return std::unexpected(*error);
                }
                continue;
            }
            case T1BlockKind::supervisory:
                break;
        }

        if (block.is_response) {
            // We asked for nothing: an S(... response) here is invalid.
            if (auto error = failed(invalid)) {
                return std::unexpected(*error);
            }
            continue;
        }
        switch (block.supervisory) {
            case SupervisoryType::waiting_time_extension:
                // §11.6.2: S(WTX response) echoes the multiplier, and BWT times it
                // holds for the card's next block.
                if (++extensions > k_t1_max_waiting_time_extensions) {
                    m_dead = true;
                    return std::unexpected(T1Error::too_many_waiting_time_extensions);
                }
                failures = 0;
                next =
                    T1Block::response(SupervisoryType::waiting_time_extension, block.information);
                continue;
            case SupervisoryType::information_field_size:
                // §11.6.2: the card announces a new IFSC; the blocks not yet taken
                // are cut to it.
                // A card that keeps announcing sizes is counted as failing, so that it cannot
                // hold the interface device forever.
                if (++size_announcements > k_t1_max_attempts) {
                    if (auto error = failed(invalid)) {
                        return std::unexpected(*error);
                    }
                    continue;
                }
                m_card_information_field_size = block.information[0];
                next =
                    T1Block::response(SupervisoryType::information_field_size, block.information);
                continue;
            case SupervisoryType::abort: {
                // §11.6.2: the card ends the chain; we confirm with S(ABORT response)
                // and whatever it sends next gives the right to send back to us. EMV terminals
                // never send S(ABORT request) (EMV 4.3 Book 1 §9.2.5), and neither does this.
                const Received after = exchange(T1Block::response(SupervisoryType::abort));
                if (after.fatal) {
                    m_dead = true;
                    return std::unexpected(*after.fatal);
                }
                if (!receiving) {
                    // The card had taken our last I-block when it answered with a block of
                    // its own.
                    m_send_sequence ^= 1U;
                }
                return std::unexpected(T1Error::aborted_by_card);
            }
            case SupervisoryType::resynch:
                // Only the interface device sends S(RESYNCH request) (§11.6.2).
                if (auto error = failed(invalid)) {
                    return std::unexpected(*error);
                }
                continue;
        }
    }
}

}  // namespace drivers::iso7816
