#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <iosfwd>
#include <span>
#include <string_view>

namespace kiosk::core {

enum class EncryptedPinBlockError {
    wrong_length,
};

std::string_view to_string(EncryptedPinBlockError error);

// ISO 9564-1:2017: format 0 (§9.4.2) under TDES, or format 4 (§9.4.6) under AES-128, as the
// kiosk asks the PIN pad for it (docs/protocols/epp.md §4.4) and the account service reads it.
enum class PinBlockFormat { iso9564_format0, iso9564_format4 };

// The encrypted PIN block the PIN pad hands over (ISO 9564-1: 8 bytes for format 0 under TDES,
// 16 bytes for format 4 under AES). The kiosk only carries it to the account service: it never
// prints it, and wipes it when done.
class EncryptedPinBlock {
  public:
    static constexpr std::size_t k_tdes_length = 8;
    static constexpr std::size_t k_aes_length = 16;

    static std::expected<EncryptedPinBlock, EncryptedPinBlockError> from_bytes(
        std::span<const std::uint8_t> bytes);

    EncryptedPinBlock(const EncryptedPinBlock& other) = default;
    EncryptedPinBlock& operator=(const EncryptedPinBlock& other) = default;
    ~EncryptedPinBlock();

    std::span<const std::uint8_t> bytes() const { return {m_bytes.data(), m_length}; }
    // The block's format, which its length tells: 8 bytes format 0, 16 bytes format 4.
    PinBlockFormat format() const {
        return m_length == k_aes_length ? PinBlockFormat::iso9564_format4
                                        : PinBlockFormat::iso9564_format0;
    }

    friend bool operator==(const EncryptedPinBlock& left, const EncryptedPinBlock& right);

  private:
    EncryptedPinBlock() = default;

    std::array<std::uint8_t, k_aes_length> m_bytes{};
    std::size_t m_length = 0;
};

// Prints "<pin block>", never the bytes.
std::ostream& operator<<(std::ostream& stream, const EncryptedPinBlock& block);

}  // namespace kiosk::core
