#include "kiosk/core/encrypted_pin_block.h"

#include <algorithm>
#include <ostream>

#include "base/wipe.h"

namespace kiosk::core {

std::string_view to_string(EncryptedPinBlockError error) {
    switch (error) {
        case EncryptedPinBlockError::wrong_length:
            return "a PIN block is 8 bytes (ISO 9564 format 0) or 16 bytes (format 4)";
        case EncryptedPinBlockError::wrong_ksn:
            return "a DUKPT PIN block is 16 bytes with a 12-byte KSN";
    }
    return "unknown PIN block error";
}

std::expected<EncryptedPinBlock, EncryptedPinBlockError> EncryptedPinBlock::from_bytes(
    std::span<const std::uint8_t> bytes) {
    if (bytes.size() != k_tdes_length && bytes.size() != k_aes_length) {
        return std::unexpected(EncryptedPinBlockError::wrong_length);
    }
    EncryptedPinBlock block;
    std::ranges::copy(bytes, block.m_bytes.begin());
    block.m_length = bytes.size();
    return block;
}

std::expected<EncryptedPinBlock, EncryptedPinBlockError> EncryptedPinBlock::from_bytes(
    std::span<const std::uint8_t> bytes, std::span<const std::uint8_t> ksn) {
    if (bytes.size() != k_aes_length || ksn.size() != k_ksn_length) {
        return std::unexpected(EncryptedPinBlockError::wrong_ksn);
    }
    auto block = from_bytes(bytes);
    if (!block) {
        return block;
    }
    Ksn value{};
    std::ranges::copy(ksn, value.begin());
    block->m_ksn = value;
    return block;
}

EncryptedPinBlock::~EncryptedPinBlock() {
    base::wipe(std::span(m_bytes));
}

bool operator==(const EncryptedPinBlock& left, const EncryptedPinBlock& right) {
    return std::ranges::equal(left.bytes(), right.bytes()) && left.m_ksn == right.m_ksn;
}

std::ostream& operator<<(std::ostream& stream, const EncryptedPinBlock& block) {
    (void)block;
    return stream << "<pin block>";
}

}  // namespace kiosk::core
