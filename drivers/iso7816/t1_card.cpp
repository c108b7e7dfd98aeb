#include "drivers/iso7816/t1_card.h"

#include <algorithm>

#include "drivers/iso7816/t1_host.h"

namespace drivers::iso7816 {

namespace {

std::uint8_t t1_card_reply_address(std::uint8_t node_address) {
    return static_cast<std::uint8_t>(((node_address & 0x07U) << 4) | ((node_address >> 4) & 0x07U));
}

}  // namespace

T1Card::T1Card(const T1CardConfig& config, ApduHandler handler)
    : m_config(config), m_handler(std::move(handler)) {
    m_config.information_field_size =
        std::clamp(m_config.information_field_size, k_t1_min_information_field_size,
                   k_t1_max_information_field_size);
    m_config.waiting_time_multiplier = std::max<std::uint8_t>(m_config.waiting_time_multiplier, 1);
    reset();
}

void T1Card::reset() {
    m_card_field_size = m_config.information_field_size;
    m_device_field_size = k_t1_default_information_field_size;
    m_expected_sequence = 0;
    m_send_sequence = 0;
    m_command.clear();
    m_response.clear();
    m_response_offset = 0;
    m_chaining = false;
    m_unacknowledged.reset();
    m_request.reset();
    m_awaiting = Awaiting::nothing;
    m_field_size_announced = false;
    m_extensions_left = 0;
}

std::optional<base::Bytes> T1Card::emit(const T1Block& block) {
    T1Block addressed = block;
    addressed.node_address = t1_card_reply_address(m_config.node_address);
    if (block.kind == T1BlockKind::supervisory && !block.is_response) {
        m_request = block;
    }
    auto bytes = encode_t1_block(addressed, m_config.edc);
    if (!bytes || m_drop_next) {
        m_drop_next = false;
        return std::nullopt;
    }
    if (m_corrupt_next) {
        m_corrupt_next = false;
        bytes->back() ^= 0xFFU;
    }
    return std::move(*bytes);
}

std::optional<base::Bytes> T1Card::ask_again(ReceiveStatus status) {
    // §11.6.3: R(N(R)) names the I-block the card expects, with the error.
    return emit(T1Block::receive_ready(m_expected_sequence, status));
}

std::optional<base::Bytes> T1Card::receive(std::span<const std::uint8_t> bytes) {
    auto decoded = decode_t1_block(bytes, m_config.edc, m_card_field_size);
    if (!decoded) {
        return ask_again(decoded.error() == T1BlockError::wrong_edc ? ReceiveStatus::edc_error
                                                                    : ReceiveStatus::other_error);
    }
    if (decoded->node_address != m_config.node_address) {
        return ask_again(ReceiveStatus::other_error);
    }
    switch (decoded->kind) {
        case T1BlockKind::information:
            return on_information(*decoded);
        case T1BlockKind::receive_ready:
            return on_receive_ready(*decoded);
        case T1BlockKind::supervisory:
            return on_supervisory(*decoded);
    }
    return ask_again(ReceiveStatus::other_error);
}

std::optional<base::Bytes> T1Card::on_information(const T1Block& block) {
    if (m_chaining || m_awaiting != Awaiting::nothing) {
        // The interface device may not send an I-block while the card chains or waits for
        // the answer to its S-request.
        return ask_again(ReceiveStatus::other_error);
    }
    if (block.sequence != m_expected_sequence) {
        // A block the card has taken already (its acknowledgement was lost): acknowledge it
        // again by naming the one expected (EMV 4.3 Book 1 §9.2.5, ISO/IEC 7816-3 §11.6.3).
        return emit(T1Block::receive_ready(m_expected_sequence));
    }
    // §11.6.2: an I-block from the interface device acknowledges the card's last one.
    m_unacknowledged.reset();
    m_expected_sequence ^= 1U;
    if (m_command.size() + block.information.size() > k_t1_max_command_length) {
        // Longer than any APDU: the card forgets it and waits for the next command.
        m_command.clear();
        return ask_again(ReceiveStatus::other_error);
    }
    m_command.insert(m_command.end(), block.information.begin(), block.information.end());
    if (block.more) {
        // §11.6.2: R(N(R)) with the N(S) of the next I-block expected.
        return emit(T1Block::receive_ready(m_expected_sequence));
    }
    return begin_response();
}

std::optional<base::Bytes> T1Card::begin_response() {
    if (m_config.announced_information_field_size && !m_field_size_announced) {
        // §11.6.2: the card offers a new IFSC when it has the right to send.
        m_awaiting = Awaiting::field_size_response;
        return emit(T1Block::request(SupervisoryType::information_field_size,
                                     {*m_config.announced_information_field_size}));
    }
    m_extensions_left = m_config.waiting_time_extensions + m_extra_extensions;
    m_extra_extensions = 0;
    if (m_config.waiting_time_for) {
        m_extensions_left += std::max(m_config.waiting_time_for(m_command), 0);
    }
    return continue_response();
}

std::optional<base::Bytes> T1Card::continue_response() {
    if (m_extensions_left > 0) {
        --m_extensions_left;
        m_awaiting = Awaiting::waiting_time_response;
        return emit(T1Block::request(SupervisoryType::waiting_time_extension,
                                     {m_config.waiting_time_multiplier}));
    }
    m_awaiting = Awaiting::nothing;
    base::Bytes command = std::move(m_command);
    m_command.clear();
    ++m_commands_handled;
    m_response = m_handler(std::move(command));
    m_response_offset = 0;
    return next_response_block();
}

std::optional<base::Bytes> T1Card::next_response_block() {
    const std::size_t block_limit = m_config.chain_at_own_information_field_size
                                        ? std::min(m_device_field_size, m_card_field_size)
                                        : m_device_field_size;
    const std::size_t size =
        std::min<std::size_t>(block_limit, m_response.size() - m_response_offset);
    const auto first = m_response.begin() + static_cast<std::ptrdiff_t>(m_response_offset);
    base::Bytes chunk(first, first + static_cast<std::ptrdiff_t>(size));
    m_response_offset += size;
    m_chaining = m_response_offset < m_response.size();
    const T1Block block = T1Block::information_block(m_send_sequence, m_chaining, std::move(chunk));
    m_send_sequence ^= 1U;
    m_unacknowledged = block;
    return emit(block);
}

std::optional<base::Bytes> T1Card::on_receive_ready(const T1Block& block) {
    if (m_unacknowledged && block.sequence != m_unacknowledged->sequence && m_chaining) {
        // §11.6.2: the interface device took the chained block and asks for the next.
        m_unacknowledged.reset();
        return next_response_block();
    }
    if (m_unacknowledged && block.sequence == m_unacknowledged->sequence) {
        // §11.6.3: R(N(R)) naming the card's last I-block asks for it again.
        return emit(*m_unacknowledged);
    }
    if (m_awaiting != Awaiting::nothing && m_request) {
        // The interface device did not get the card's S-request: send it again.
        return emit(*m_request);
    }
    // The interface device lost its own I-block or the card's acknowledgement: name the
    // I-block the card expects (§11.6.3; ISO/IEC 7816-3 Annex A shows the card answering so).
    return emit(T1Block::receive_ready(m_expected_sequence));
}

std::optional<base::Bytes> T1Card::on_supervisory(const T1Block& block) {
    if (!block.is_response) {
        switch (block.supervisory) {
            case SupervisoryType::resynch: {
                // §11.6.2: both ends start again from N(S) = 0 and default sizes.
                const bool announced = m_field_size_announced;
                reset();
                m_field_size_announced = announced;
                return emit(T1Block::response(SupervisoryType::resynch));
            }
            case SupervisoryType::information_field_size:
                // §11.6.2: the interface device's new IFSD, echoed.
                m_device_field_size = block.information[0];
                return emit(
                    T1Block::response(SupervisoryType::information_field_size, block.information));
            case SupervisoryType::abort:
                // §11.6.2: the chain in either direction ends.
                m_command.clear();
                m_response.clear();
                m_response_offset = 0;
                m_chaining = false;
                m_unacknowledged.reset();
                m_awaiting = Awaiting::nothing;
                return emit(T1Block::response(SupervisoryType::abort));
            case SupervisoryType::waiting_time_extension:
                // Only the card asks for more time.
                return ask_again(ReceiveStatus::other_error);
        }
    }
    if (block.supervisory == SupervisoryType::waiting_time_extension &&
        m_awaiting == Awaiting::waiting_time_response &&
        block.information == base::Bytes{m_config.waiting_time_multiplier}) {
        return continue_response();
    }
    if (block.supervisory == SupervisoryType::information_field_size &&
        m_awaiting == Awaiting::field_size_response &&
        block.information == base::Bytes{*m_config.announced_information_field_size}) {
        m_card_field_size = block.information[0];
        m_field_size_announced = true;
        m_awaiting = Awaiting::nothing;
        return begin_response();
    }
    return ask_again(ReceiveStatus::other_error);
}

}  // namespace drivers::iso7816
