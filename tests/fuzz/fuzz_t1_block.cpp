// libFuzzer harness: T=1 blocks (drivers/iso7816/t1_block.h, ISO/IEC 7816-3:2006 §11.3, §11.4),
// as the interface device and a simulated card read them. The first byte picks the epilogue
// (bit 0: LRC or CRC, §11.4.4) and, with bit 1, the other direction: a block built from the
// following bytes and encoded; the second byte is the receiver's IFS (§11.4.2).
// Properties: a block decodes only from exactly its bytes (prologue, LEN bytes of INF, EDC) and
// encodes back to them; an I-block is never longer than the receiver's IFS nor any INF longer
// than 254 bytes (§11.3.2.3); a block the encoder accepts decodes back to itself, or, an
// S-block with a parameter §11.3.2.2 forbids, is refused as invalid_parameter.

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "drivers/iso7816/t1_block.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace iso7816 = drivers::iso7816;
using tests::fuzz::require;

// A block of the kind, sequence, chaining and status the bytes pick, with the rest as INF.
iso7816::T1Block block_from(tests::fuzz::FuzzInput& input) {
    const std::uint8_t shape = input.take_byte();
    const auto sequence = static_cast<std::uint8_t>(shape & 0x01);
    const auto rest = input.rest();
    base::Bytes data(rest.begin(), rest.end());
    switch ((shape >> 1) % 4) {
        case 0:
            return iso7816::T1Block::information_block(sequence, (shape & 0x08) != 0,
                                                       std::move(data));
        case 1:
            return iso7816::T1Block::receive_ready(
                sequence, static_cast<iso7816::ReceiveStatus>((shape >> 3) % 3));
        case 2:
            return iso7816::T1Block::request(
                static_cast<iso7816::SupervisoryType>((shape >> 3) % 4), std::move(data));
        default:
            return iso7816::T1Block::response(
                static_cast<iso7816::SupervisoryType>((shape >> 3) % 4), std::move(data));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tests::fuzz::FuzzInput input(data, size);
    const std::uint8_t selector = input.take_byte();
    const auto edc = (selector & 0x01) != 0 ? iso7816::EdcKind::crc : iso7816::EdcKind::lrc;
    const std::size_t information_field_size = input.take_byte();

    if ((selector & 0x02) != 0) {
        const iso7816::T1Block block = block_from(input);
        const auto encoded = iso7816::encode_t1_block(block, edc);
        if (!encoded) {
            require(!iso7816::to_string(encoded.error()).empty());
            return 0;
        }
        require(encoded->size() == iso7816::k_t1_prologue_length + block.information.size() +
                                       iso7816::edc_length(edc));
        const auto decoded =
            iso7816::decode_t1_block(*encoded, edc, iso7816::k_t1_max_information_length);
        if (!decoded) {
            // The encoder writes what a simulated card is told to send, faults included; only
            // a parameter §11.3.2.2 forbids (S(IFS) 00 or FF, S(WTX) 00) is refused on receipt.
            require(decoded.error() == iso7816::T1BlockError::invalid_parameter);
            require(block.kind == iso7816::T1BlockKind::supervisory);
            return 0;
        }
        require(*decoded == block);
        return 0;
    }

    const auto bytes = input.rest();
    const auto block = iso7816::decode_t1_block(bytes, edc, information_field_size);
    if (!block) {
        require(!iso7816::to_string(block.error()).empty());
        return 0;
    }
    require(block->information.size() <= iso7816::k_t1_max_information_length);
    require(bytes.size() ==
            iso7816::k_t1_prologue_length + block->information.size() + iso7816::edc_length(edc));
    if (block->kind == iso7816::T1BlockKind::information) {
        require(block->information.size() <= information_field_size);
        require(block->sequence <= 1);
    }
    const auto encoded = iso7816::encode_t1_block(*block, edc);
    require(encoded.has_value());
    require(std::ranges::equal(*encoded, bytes));
    return 0;
}
