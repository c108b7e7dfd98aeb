#pragma once

// The blocks of the T=1 transmission protocol (ISO/IEC 7816-3:2006 §11.3): prologue NAD PCB
// LEN, the information field INF, and the epilogue EDC (LRC or CRC, §11.4.4). Pure encode and
// decode in both directions, for the interface device (T1Host) and for a simulated card
// (T1Card). Every byte string either decodes to a block or yields a named T1BlockError, and
// nothing is read past the end of the input.

#include <cstdint>
#include <expected>
#include <span>
#include <string_view>

#include "base/bytes.h"

namespace drivers::iso7816 {

// ISO/IEC 7816-3 §11.3.2.3: LEN is 00 to FE; FF is reserved.
constexpr std::size_t k_t1_max_information_length = 254;
// §11.3.1: NAD, PCB and LEN.
constexpr std::size_t k_t1_prologue_length = 3;
// §11.4.2: IFSC and IFSD are 32 until the ATR (TA3) or an S(IFS) exchange says otherwise.
constexpr std::uint8_t k_t1_default_information_field_size = 32;
// §11.4.2: an S(IFS) block offers 01 to FE; 00 and FF are reserved.
constexpr std::uint8_t k_t1_min_information_field_size = 1;
constexpr std::uint8_t k_t1_max_information_field_size = 254;

// §11.4.4 (TC3 bit 1): the epilogue is one LRC byte (the default) or two CRC bytes.
enum class EdcKind { lrc, crc };

std::size_t edc_length(EdcKind kind);

// §11.3.2.2: the three kinds of block, named as the standard names them.
enum class T1BlockKind {
    information,    // I-block: carries the APDUs
    receive_ready,  // R-block: acknowledges a chained I-block or reports an error
    supervisory,    // S-block: control information between the two ends
};

// §11.3.2.2, R-block bits 4 to 1.
enum class ReceiveStatus {
    ok,           // 0000: error-free
    edc_error,    // 0001: EDC and/or parity error
    other_error,  // 0010: other errors
};

// §11.3.2.2, S-block bits 5 to 1.
enum class SupervisoryType {
    resynch,                 // 00000: resynchronisation, sent by the interface device only
    information_field_size,  // 00001: IFS, a new IFSC (card) or IFSD (interface device)
    abort,                   // 00010: chain abortion
    waiting_time_extension,  // 00011: WTX, BWT multiplied for one block
};

enum class T1BlockError {
    truncated,                 // fewer bytes than the prologue, LEN and EDC announce
    length_mismatch,           // more bytes than the prologue, LEN and EDC announce
    reserved_length,           // LEN = FF (§11.3.2.3)
    wrong_edc,                 // the LRC or CRC does not match
    reserved_node_address,     // NAD with bit 8 or bit 4 set, or SAD = DAD other than 0
    unknown_pcb,               // a PCB whose reserved bits are set, or an unknown R or S code
    information_too_long,      // an I-block longer than the receiver's IFS
    wrong_information_length,  // an R-block with INF, or an S-block with an INF of wrong length
    invalid_parameter,         // S(IFS) of 00 or FF, S(WTX) of 00
};

std::string_view to_string(T1BlockError error);

struct T1Block {
    // §11.3.2.1: bits 7 to 5 DAD, bits 3 to 1 SAD; 00 when node addressing is not used.
    std::uint8_t node_address = 0;
    T1BlockKind kind = T1BlockKind::information;
    // N(S) of an I-block, N(R) of an R-block: 0 or 1.
    std::uint8_t sequence = 0;
    // M of an I-block: more blocks of this chain follow.
    bool more = false;
    ReceiveStatus status = ReceiveStatus::ok;
    SupervisoryType supervisory = SupervisoryType::resynch;
    bool is_response = false;
    base::Bytes information;

    static T1Block information_block(std::uint8_t sequence, bool more, base::Bytes data);
    static T1Block receive_ready(std::uint8_t sequence, ReceiveStatus status = ReceiveStatus::ok);
    static T1Block request(SupervisoryType type, base::Bytes data = {});
    static T1Block response(SupervisoryType type, base::Bytes data = {});

    // §11.3.2.2: the protocol control byte of this block.
    std::uint8_t protocol_control() const;

    bool operator==(const T1Block&) const = default;
};

// §11.4.4: the exclusive-or of every byte of the prologue and INF.
std::uint8_t t1_lrc(std::span<const std::uint8_t> bytes);
// §11.4.4 names the CRC of ISO/IEC 13239 (generator x^16 + x^12 + x^5 + 1) without fixing the
// register's start value, bit order or byte order. Cards and hosts in the field (and the
// pcsc-lite CCID driver) use a start value of FFFF, least significant bit first, no final
// inversion, and send the high byte first; this is that CRC (CRC-16/MCRF4XX in the public CRC
// catalogues, check value 6F91 over the ASCII digits "123456789").
std::uint16_t t1_crc(std::span<const std::uint8_t> bytes);

// The block as sent: NAD PCB LEN INF EDC. Fails with wrong_information_length for an INF the
// block's kind cannot carry, and information_too_long for INF over 254 bytes.
std::expected<base::Bytes, T1BlockError> encode_t1_block(const T1Block& block, EdcKind edc);

// One received block. `max_information_length` is the receiver's IFS (IFSD for the interface
// device, IFSC for the card): a longer I-block is refused (§11.4.2).
std::expected<T1Block, T1BlockError> decode_t1_block(std::span<const std::uint8_t> bytes,
                                                     EdcKind edc,
                                                     std::size_t max_information_length);

}  // namespace drivers::iso7816
