#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <iosfwd>
#include <optional>
#include <span>
#include <string_view>

namespace kiosk::core {

enum class EncryptedPinBlockError {
    wrong_length,
    // A KSN that is not 12 bytes, or beside a block that is not format 4's 16 (DUKPT,
    // docs/protocols/epp.md §8.7).
    wrong_ksn,
};

std::string_view to_string(EncryptedPinBlockError error);

// ISO 9564-1:2017: format 0 (§9.4.2) under TDES, or format 4 (§9.4.6) under AES-128, as the
// kiosk asks the PIN pad for it (docs/protocols/epp.md §4.4) and the account service reads it.
enum class PinBlockFormat { iso9564_format0, iso9564_format4 };

// The encrypted PIN block the PIN pad hands over (ISO 9564-1: 8 bytes for format 0 under TDES,
// 16 bytes for format 4 under AES). A format 4 block enciphered under AES DUKPT (ANSI
// X9.24-3-2017, docs/protocols/epp.md §8.7) carries its 12-byte key serial number (KSN), from
// which the bank derives the block's key. The kiosk only carries it to the account service: it
// never prints it, and wipes it when done.
class EncryptedPinBlock {
  public:
    static constexpr std::size_t k_tdes_length = 8;
    static constexpr std::size_t k_aes_length = 16;
    // ANSI X9.24-3-2017 §6.1: an 8-byte initial key ID and a 4-byte transaction counter.
    static constexpr std::size_t k_ksn_length = 12;
    using Ksn = std::array<std::uint8_t, k_ksn_length>;

    static std::expected<EncryptedPinBlock, EncryptedPinBlockError> from_bytes(
        std::span<const std::uint8_t> bytes);
    // A DUKPT block: 16 bytes and its 12-byte KSN.
    static std::expected<EncryptedPinBlock, EncryptedPinBlockError> from_bytes(
        std::span<const std::uint8_t> bytes, std::span<const std::uint8_t> ksn);

    EncryptedPinBlock(const EncryptedPinBlock& other) = default;
    EncryptedPinBlock& operator=(const EncryptedPinBlock& other) = default;
    ~EncryptedPinBlock();

    std::span<const std::uint8_t> bytes() const { return {m_bytes.data(), m_length}; }
    // The block's format, which its length tells: 8 bytes format 0, 16 bytes format 4.
    PinBlockFormat format() const {
        return m_length == k_aes_length ? PinBlockFormat::iso9564_format4
                                        : PinBlockFormat::iso9564_format0;
    }
    // The KSN of a DUKPT block; nothing for a block under a fixed key.
    const std::optional<Ksn>& ksn() const { return m_ksn; }

    friend bool operator==(const EncryptedPinBlock& left, const EncryptedPinBlock& right);

  private:
    EncryptedPinBlock() = default;

    std::array<std::uint8_t, k_aes_length> m_bytes{};
    std::size_t m_length = 0;
    std::optional<Ksn> m_ksn;
};

// Prints "<pin block>", never the bytes.
std::ostream& operator<<(std::ostream& stream, const EncryptedPinBlock& block);

}  // namespace kiosk::core
