#pragma once

// Data object lists (EMV 4.3 Book 3 §5.4): a card's request for terminal data, as tags and
// lengths without values (the PDOL of GET PROCESSING OPTIONS, CDOL1, ...).

#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "drivers/emv/tlv.h"

namespace drivers::emv {

struct DolEntry {
    Tag tag = 0;
    std::size_t length = 0;
    bool operator==(const DolEntry&) const = default;
};

std::expected<std::vector<DolEntry>, TlvError> parse_dol(std::span<const std::uint8_t> bytes);

// The concatenated values the list asks for, each fitted to its requested length: numeric
// data objects are cut or zero-padded on the left, the others on the right; data the
// terminal does not have is sent as zeros (Book 3 §5.4).
base::Bytes build_dol_data(const std::vector<DolEntry>& entries,
                           const std::map<Tag, base::Bytes>& values);

}  // namespace drivers::emv
