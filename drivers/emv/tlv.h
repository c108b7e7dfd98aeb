#pragma once

// BER-TLV data objects as EMV uses them (EMV 4.3 Book 3 Annex B; ISO/IEC 8825-1 for the
// encoding rules). Parsing never reads past the input: every malformed object is a TlvError.
// Two sets of rules: the kiosk's card reading is lenient where cards in the field are
// (parse_tlv), and parse_emv_tlv holds a byte string to EMV's own rules and says where it
// breaks them, for an engineer (kiosk-diag tlv).

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string_view>
#include <vector>

#include "base/bytes.h"

namespace drivers::emv {

// A tag as its bytes read big-endian: 0x5A, 0x5F24, 0xBF0C. EMV tags have at most 3 bytes;
// up to 4 are accepted.
using Tag = std::uint32_t;

enum class TlvError {
    truncated_tag,       // a multi-byte tag cut short
    tag_too_long,        // more tag bytes than the rules allow
    truncated_length,    // the length field cut short
    unsupported_length,  // indefinite form (80), or more length bytes than the rules allow
    value_overrun,       // the value runs past the end of its container
    too_deep,            // constructed objects nested deeper than any EMV template
};

std::string_view to_string(TlvError error);

struct Tlv {
    Tag tag = 0;
    base::Bytes value;          // the raw value, for constructed objects too
    std::vector<Tlv> children;  // parsed value of a constructed object

    // Bit 6 of the first tag byte (ISO/IEC 8825-1 §8.1.2.5).
    bool is_constructed() const;
    // This object's first descendant (depth first) with the tag, or null.
    const Tlv* find(Tag wanted) const;

    bool operator==(const Tlv&) const = default;
};

// EMV 4.3 Book 3 Annex B1: the deepest nesting any EMV template needs is far below this.
constexpr int k_max_tlv_depth = 8;

// Reads the tag that starts at `position` and moves `position` past it (ISO/IEC 8825-1
// §8.1.2), for BER-TLV objects and data object lists alike.
std::expected<Tag, TlvError> read_tag(std::span<const std::uint8_t> bytes, std::size_t& position);

// Parses a sequence of data objects. Padding bytes 00 (EMV Book 3 Annex B1) and FF (ISO/IEC
// 7816-4 §5.2.2.1) between objects are skipped. Tags of up to 4 bytes and length fields of up
// to 5 bytes (84 and four bytes) are accepted: the kiosk reads what cards send.
std::expected<std::vector<Tlv>, TlvError> parse_tlv(std::span<const std::uint8_t> bytes);

// A parse that failed, and where: `offset` counts bytes from the start of the whole input (not
// of the template the error is in), and names the first byte of the field in error:
// - truncated_tag, tag_too_long: the tag's first byte;
// - truncated_length, unsupported_length, value_overrun: the length field's first byte (for a
//   length field missing altogether, where it would begin: the end of its container);
// - too_deep: the tag of the constructed object whose value would open a tenth level.
// A plain struct and not base::Error: the offset is a number its caller prints or compares.
struct TlvFailure {
    TlvError error = TlvError::truncated_tag;
    std::size_t offset = 0;

    bool operator==(const TlvFailure&) const = default;
};

// EMV 4.3 Book 3 Annex B: tags of 1 to 3 bytes (Book 3's own are of one or two; the contactless
// kernels' such as DF8101 of three), length fields of 1 to 3 bytes (xx below 80, 81 xx,
// 82 xx xx: "three length bytes may be used if needed"); 83 and longer, and the indefinite 80,
// are unsupported_length.
constexpr std::size_t k_emv_max_tag_length = 3;
constexpr std::size_t k_emv_max_length_field = 3;

// Parses a sequence of data objects by EMV's rules (above) and names the first byte at fault.
// 00 between objects is skipped (Annex B: "before, between, or after TLV-coded data objects,
// '00' bytes without any meaning may occur"). FF between objects is skipped too, as parse_tlv
// does: EMV does not define it, ISO/IEC 7816-4 §5.2.2.1 does, and cards pad records with it.
std::expected<std::vector<Tlv>, TlvFailure> parse_emv_tlv(std::span<const std::uint8_t> bytes);

// The first object (depth first) with the tag among `objects` and their descendants.
const Tlv* find_tag(const std::vector<Tlv>& objects, Tag tag);

// Tag bytes of a tag value (0x5F24 -> 5F 24).
base::Bytes tag_bytes(Tag tag);
// One primitive data object.
base::Bytes encode_tlv(Tag tag, std::span<const std::uint8_t> value);
// One constructed data object whose value is the concatenation of `children`.
base::Bytes encode_constructed(Tag tag, std::span<const base::Bytes> children);

}  // namespace drivers::emv
