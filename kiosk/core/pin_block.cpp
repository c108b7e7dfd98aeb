#include "kiosk/core/pin_block.h"

#include <algorithm>
#include <ostream>

#include "base/wipe.h"

namespace kiosk::core {

std::string_view to_string(PinBlockError error) {
    switch (error) {
        case PinBlockError::wrong_length:
            return "a PIN block is 8 bytes (ISO 9564 format 0) or 16 bytes (format 4)";
    }
    return "unknown PIN block error";
}

std::expected<PinBlock, PinBlockError> PinBlock::from_bytes(std::span<const std::uint8_t> bytes) {
    if (bytes.size() != tdes_length && bytes.size() != aes_length) {
        return std::unexpected(PinBlockError::wrong_length);
    }
    PinBlock block;
    std::ranges::copy(bytes, block.m_bytes.begin());
    block.m_length = bytes.size();
    return block;
}

PinBlock::~PinBlock() {
    base::wipe(std::span(m_bytes));
}

bool operator==(const PinBlock& left, const PinBlock& right) {
    return std::ranges::equal(left.bytes(), right.bytes());
}

std::ostream& operator<<(std::ostream& stream, const PinBlock& block) {
    (void)block;
    return stream << "<pin block>";
}

}  // namespace kiosk::core
