#include "drivers/iso7816/t1_block.h"

namespace drivers::iso7816 {

namespace {

// ISO/IEC 7816-3:2006 §11.3.2.2: bit 8 clear is an I-block; bits 8-7 = 10 an R-block, 11 an
// S-block.
constexpr std::uint8_t k_pcb_kind_mask = 0xC0;
constexpr std::uint8_t k_pcb_receive_ready = 0x80;
constexpr std::uint8_t k_pcb_supervisory = 0xC0;
// I-block: bit 7 N(S), bit 6 M, bits 5-1 reserved.
constexpr std::uint8_t k_pcb_send_sequence = 0x40;
constexpr std::uint8_t k_pcb_more = 0x20;
constexpr std::uint8_t k_pcb_information_reserved = 0x1F;
// R-block: bit 6 reserved (0), bit 5 N(R), bits 4-1 the error code.
constexpr std::uint8_t k_pcb_receive_reserved = 0x20;
constexpr std::uint8_t k_pcb_receive_sequence = 0x10;
constexpr std::uint8_t k_pcb_receive_code = 0x0F;
// S-block: bit 6 response, bits 5-1 the type.
constexpr std::uint8_t k_pcb_supervisory_response = 0x20;
constexpr std::uint8_t k_pcb_supervisory_type = 0x1F;
// §11.3.2.1: bits 8 and 4 of NAD are 0 (they were Vpp control before the 2006 edition).
constexpr std::uint8_t k_nad_reserved = 0x88;
// §11.3.2.3: LEN = FF is reserved.
constexpr std::uint8_t k_reserved_length = 0xFF;
// §11.4.4, ISO/IEC 13239: x^16 + x^12 + x^5 + 1, processed least significant bit first.
constexpr std::uint16_t k_crc_polynomial_reflected = 0x8408;
constexpr std::uint16_t k_crc_start = 0xFFFF;

std::size_t t1_information_length_allowed(const T1Block& block) {
    if (block.kind == T1BlockKind::receive_ready) {
        return 0;
    }
    if (block.kind == T1BlockKind::supervisory) {
        // §11.3.2.2: S(IFS) and S(WTX) carry one byte, S(RESYNCH) and S(ABORT) none.
        const bool carries_byte = block.supervisory == SupervisoryType::information_field_size ||
                                  block.supervisory == SupervisoryType::waiting_time_extension;
        return carries_byte ? 1 : 0;
    }
    return k_t1_max_information_length;
}

}  // namespace

std::size_t edc_length(EdcKind kind) {
    return kind == EdcKind::crc ? 2 : 1;
}

std::string_view to_string(T1BlockError error) {
    switch (error) {
        case T1BlockError::truncated:
            return "t1 block: shorter than its prologue and LEN announce";
        case T1BlockError::length_mismatch:
            return "t1 block: longer than its prologue and LEN announce";
        case T1BlockError::reserved_length:
            return "t1 block: LEN FF is reserved";
        case T1BlockError::wrong_edc:
            return "t1 block: wrong EDC";
        case T1BlockError::reserved_node_address:
            return "t1 block: reserved node address";
        case T1BlockError::unknown_pcb:
            return "t1 block: unknown PCB";
        case T1BlockError::information_too_long:
            return "t1 block: INF longer than the information field size";
        case T1BlockError::wrong_information_length:
            return "t1 block: INF of the wrong length for an R- or S-block";
        case T1BlockError::invalid_parameter:
            return "t1 block: S(IFS) or S(WTX) value out of range";
    }
    return "t1 block: unknown error";
}

T1Block T1Block::information_block(std::uint8_t sequence, bool more, base::Bytes data) {
    T1Block block;
    block.kind = T1BlockKind::information;
    block.sequence = static_cast<std::uint8_t>(sequence & 1U);
    block.more = more;
    block.information = std::move(data);
    return block;
}

T1Block T1Block::receive_ready(std::uint8_t sequence, ReceiveStatus status) {
    T1Block block;
    block.kind = T1BlockKind::receive_ready;
    block.sequence = static_cast<std::uint8_t>(sequence & 1U);
    block.status = status;
    return block;
}

T1Block T1Block::request(SupervisoryType type, base::Bytes data) {
    T1Block block;
    block.kind = T1BlockKind::supervisory;
    block.supervisory = type;
    block.information = std::move(data);
    return block;
}

T1Block T1Block::response(SupervisoryType type, base::Bytes data) {
    T1Block block = request(type, std::move(data));
    block.is_response = true;
    return block;
}

std::uint8_t T1Block::protocol_control() const {
    switch (kind) {
        case T1BlockKind::information:
            return static_cast<std::uint8_t>((sequence != 0 ? k_pcb_send_sequence : 0U) |
                                             (more ? k_pcb_more : 0U));
        case T1BlockKind::receive_ready:
            return static_cast<std::uint8_t>(k_pcb_receive_ready |
                                             (sequence != 0 ? k_pcb_receive_sequence : 0U) |
                                             static_cast<unsigned>(status));
        case T1BlockKind::supervisory:
            return static_cast<std::uint8_t>(k_pcb_supervisory |
                                             (is_response ? k_pcb_supervisory_response : 0U) |
                                             static_cast<unsigned>(supervisory));
    }
    return 0;
}

std::uint8_t t1_lrc(std::span<const std::uint8_t> bytes) {
    std::uint8_t lrc = 0;
    for (const std::uint8_t byte : bytes) {
        lrc ^= byte;
    }
    return lrc;
}

std::uint16_t t1_crc(std::span<const std::uint8_t> bytes) {
    std::uint16_t crc = k_crc_start;
    for (const std::uint8_t byte : bytes) {
        crc ^= byte;
        for (int bit = 0; bit < 8; ++bit) {
            const bool low = (crc & 1U) != 0;
            crc = static_cast<std::uint16_t>(crc >> 1);
            if (low) {
                crc ^= k_crc_polynomial_reflected;
            }
        }
    }
    return crc;
}

std::expected<base::Bytes, T1BlockError> encode_t1_block(const T1Block& block, EdcKind edc) {
    if (block.information.size() > k_t1_max_information_length) {
        return std::unexpected(T1BlockError::information_too_long);
    }
    const std::size_t allowed = t1_information_length_allowed(block);
    if (block.kind != T1BlockKind::information && block.information.size() != allowed) {
        return std::unexpected(T1BlockError::wrong_information_length);
    }
    base::Bytes bytes;
    bytes.reserve(k_t1_prologue_length + block.information.size() + edc_length(edc));
    bytes.push_back(block.node_address);
    bytes.push_back(block.protocol_control());
    bytes.push_back(static_cast<std::uint8_t>(block.information.size()));
    bytes.insert(bytes.end(), block.information.begin(), block.information.end());
    if (edc == EdcKind::lrc) {
        bytes.push_back(t1_lrc(bytes));
    } else {
        const std::uint16_t crc = t1_crc(bytes);
        bytes.push_back(static_cast<std::uint8_t>(crc >> 8));
        bytes.push_back(static_cast<std::uint8_t>(crc & 0xFF));
    }
    return bytes;
}

std::expected<T1Block, T1BlockError> decode_t1_block(std::span<const std::uint8_t> bytes,
                                                     EdcKind edc,
                                                     std::size_t max_information_length) {
    const std::size_t epilogue = edc_length(edc);
    if (bytes.size() < k_t1_prologue_length + epilogue) {
        return std::unexpected(T1BlockError::truncated);
    }
    const std::uint8_t length = bytes[2];
    if (length == k_reserved_length) {
        return std::unexpected(T1BlockError::reserved_length);
    }
    const std::size_t whole = k_t1_prologue_length + length + epilogue;
    if (bytes.size() < whole) {
        return std::unexpected(T1BlockError::truncated);
    }
    if (bytes.size() > whole) {
        return std::unexpected(T1BlockError::length_mismatch);
    }
    const auto covered = bytes.first(k_t1_prologue_length + length);
    if (edc == EdcKind::lrc) {
        if (t1_lrc(covered) != bytes[whole - 1]) {
            return std::unexpected(T1BlockError::wrong_edc);
        }
    } else {
        const std::uint16_t crc = t1_crc(covered);
        if (bytes[whole - 2] != (crc >> 8) || bytes[whole - 1] != (crc & 0xFF)) {
            return std::unexpected(T1BlockError::wrong_edc);
        }
    }

    T1Block block;
    block.node_address = bytes[0];
    const unsigned destination = (block.node_address >> 4) & 0x07U;
    const unsigned source = block.node_address & 0x07U;
    if ((block.node_address & k_nad_reserved) != 0 || (destination == source && source != 0)) {
        return std::unexpected(T1BlockError::reserved_node_address);
    }

    const std::uint8_t pcb = bytes[1];
    if ((pcb & 0x80U) == 0) {
        if ((pcb & k_pcb_information_reserved) != 0) {
            return std::unexpected(T1BlockError::unknown_pcb);
        }
        block.kind = T1BlockKind::information;
        block.sequence = (pcb & k_pcb_send_sequence) != 0 ? 1 : 0;
        block.more = (pcb & k_pcb_more) != 0;
    } else if ((pcb & k_pcb_kind_mask) == k_pcb_receive_ready) {
        const unsigned code = pcb & k_pcb_receive_code;
        if ((pcb & k_pcb_receive_reserved) != 0 ||
            code > static_cast<unsigned>(ReceiveStatus::other_error)) {
            return std::unexpected(T1BlockError::unknown_pcb);
        }
        block.kind = T1BlockKind::receive_ready;
        block.sequence = (pcb & k_pcb_receive_sequence) != 0 ? 1 : 0;
        block.status = static_cast<ReceiveStatus>(code);
    } else {
        const unsigned type = pcb & k_pcb_supervisory_type;
        if (type > static_cast<unsigned>(SupervisoryType::waiting_time_extension)) {
            return std::unexpected(T1BlockError::unknown_pcb);
        }
        block.kind = T1BlockKind::supervisory;
        block.supervisory = static_cast<SupervisoryType>(type);
        block.is_response = (pcb & k_pcb_supervisory_response) != 0;
    }

    if (block.kind == T1BlockKind::information) {
        if (length > max_information_length) {
            return std::unexpected(T1BlockError::information_too_long);
        }
    } else if (length != t1_information_length_allowed(block)) {
        return std::unexpected(T1BlockError::wrong_information_length);
    }
    block.information.assign(covered.begin() + k_t1_prologue_length, covered.end());

    if (block.kind == T1BlockKind::supervisory && length == 1) {
        const std::uint8_t value = block.information[0];
        const bool bad_ifs =
            block.supervisory == SupervisoryType::information_field_size &&
            (value < k_t1_min_information_field_size || value > k_t1_max_information_field_size);
        // §11.4.3: the card asks for BWT times this multiplier; 0 would leave no time at all.
        const bool bad_wtx =
            block.supervisory == SupervisoryType::waiting_time_extension && value == 0;
        if (bad_ifs || bad_wtx) {
            return std::unexpected(T1BlockError::invalid_parameter);
        }
    }
    return block;
}

}  // namespace drivers::iso7816
