#include "drivers/emv/dol.h"

#include <algorithm>

#include "base/bytes.h"

namespace drivers::emv {

namespace {

// A DOL asks for at most a few dozen bytes per object; a length beyond this is a broken card.
constexpr std::size_t k_max_dol_entry_length = 252;

// Data objects of format n (numeric BCD) among those a terminal supplies (Book 3 Annex A).
bool is_numeric(Tag tag) {
    switch (tag) {
        case 0x9F02:  // amount, authorised
        case 0x9F03:  // amount, other
        case 0x9F1A:  // terminal country code
        case 0x5F2A:  // transaction currency code
        case 0x5F36:  // transaction currency exponent
        case 0x9A:    // transaction date
        case 0x9C:    // transaction type
        case 0x9F21:  // transaction time
        case 0x9F41:  // transaction sequence counter
            return true;
        default:
            return false;
    }
}

}  // namespace

std::expected<std::vector<DolEntry>, TlvError> parse_dol(std::span<const std::uint8_t> bytes) {
    std::vector<DolEntry> entries;
    std::size_t position = 0;
    while (position < bytes.size()) {
        // Book 3 §5.4: an entry's tag is coded as in BER-TLV; only its length is not.
        const auto tag = read_tag(bytes, position);
        if (!tag) {
            return std::unexpected(tag.error());
        }
        if (position >= bytes.size()) {
            return std::unexpected(TlvError::truncated_length);
        }
        // Book 3 §5.4: the length in a DOL is a single byte.
        const std::size_t length = bytes[position++];
        if (length > k_max_dol_entry_length) {
            return std::unexpected(TlvError::unsupported_length);
        }
        entries.push_back(DolEntry{*tag, length});
    }
    return entries;
}

base::Bytes build_dol_data(const std::vector<DolEntry>& entries,
                           const std::map<Tag, base::Bytes>& values) {
    base::Bytes data;
    for (const DolEntry& entry : entries) {
        base::Bytes field(entry.length, 0x00);
        if (auto found = values.find(entry.tag); found != values.end()) {
            const base::Bytes& value = found->second;
            const std::size_t count = std::min(value.size(), entry.length);
            if (is_numeric(entry.tag)) {
                // Right-aligned: keep the least significant digits.
                std::copy(value.end() - static_cast<std::ptrdiff_t>(count), value.end(),
                          field.end() - static_cast<std::ptrdiff_t>(count));
            } else {
                std::copy(value.begin(), value.begin() + static_cast<std::ptrdiff_t>(count),
                          field.begin());
            }
        }
        data.insert(data.end(), field.begin(), field.end());
    }
    return data;
}

}  // namespace drivers::emv
