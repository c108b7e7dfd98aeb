#include "drivers/emv/application_cryptogram.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>

#include "base/wipe.h"

namespace drivers::emv {

namespace {

constexpr std::size_t k_des_block_length = 8;
constexpr std::size_t k_double_key_length = 16;
constexpr std::size_t k_diversification_length = 8;
constexpr std::size_t k_arqc_length = 8;
constexpr std::size_t k_aip_length = 2;
constexpr std::size_t k_derivation_min_pan_digits = 12;
constexpr std::size_t k_derivation_max_pan_digits = 19;
// Book 2 Annex A1.4.1: Y is built from the rightmost 16 digits of PAN || PSN.
constexpr std::size_t k_option_a_digits = 16;
// Book 2 Annex A1.3.1: the byte of R replaced by F0 (left half) and 0F (right half).
constexpr std::size_t k_session_key_marker_index = 2;
// The CVR inside 9F10 (see the header): offsets 3..6.
constexpr std::size_t k_cvr_offset = 3;
constexpr std::size_t k_cvr_length = 4;
// ISO/IEC 9797-1 padding method 2: a single 1 bit, then 0 bits.
constexpr std::uint8_t k_padding_marker = 0x80;

using Block = std::array<std::uint8_t, k_des_block_length>;

struct CipherContextDeleter {
    void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};

// One block of two-key triple DES in ECB mode. Single DES under K is triple DES under K || K
// (encipher, decipher, encipher with one key), which keeps to ciphers OpenSSL 3's default
// provider offers (its single DES is only in the legacy provider).
std::expected<Block, CryptogramError> tdes_block(std::span<const std::uint8_t> key,
                                                 const Block& input, bool encrypt) {
    std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter> context(EVP_CIPHER_CTX_new());
    if (!context || key.size() != k_double_key_length) {
        return std::unexpected(CryptogramError::cipher_failed);
    }
    if (EVP_CipherInit_ex(context.get(), EVP_des_ede_ecb(), nullptr, key.data(), nullptr,
                          encrypt ? 1 : 0) != 1 ||
        EVP_CIPHER_CTX_set_padding(context.get(), 0) != 1) {
        return std::unexpected(CryptogramError::cipher_failed);
    }
    Block output{};
    int written = 0;
    if (EVP_CipherUpdate(context.get(), output.data(), &written, input.data(),
                         static_cast<int>(input.size())) != 1 ||
        written != static_cast<int>(input.size())) {
        return std::unexpected(CryptogramError::cipher_failed);
    }
    int final_written = 0;
    if (EVP_CipherFinal_ex(context.get(), output.data() + written, &final_written) != 1 ||
        final_written != 0) {
        return std::unexpected(CryptogramError::cipher_failed);
    }
    return output;
}

std::expected<Block, CryptogramError> single_des(std::span<const std::uint8_t> half,
                                                 const Block& input, bool encrypt) {
    std::array<std::uint8_t, k_double_key_length> doubled{};
    std::copy(half.begin(), half.end(), doubled.begin());
    std::copy(half.begin(), half.end(), doubled.begin() + k_des_block_length);
    auto result = tdes_block(doubled, input, encrypt);
    base::wipe(std::span(doubled));
    return result;
}

// DES keys carry odd parity in the low bit of every byte (FIPS 46-3 §"DES key").
std::uint8_t with_odd_parity(std::uint8_t byte) {
    int ones = 0;
    for (int bit = 1; bit < 8; ++bit) {
        ones += (byte >> bit) & 1;
    }
    const auto high = static_cast<std::uint8_t>(byte & 0xFE);
    return ones % 2 == 0 ? static_cast<std::uint8_t>(high | 1) : high;
}

// Two enciphered blocks, left and right, made one key.
std::expected<base::Bytes, CryptogramError> key_from_halves(std::span<const std::uint8_t> key,
                                                            const Block& left_input,
                                                            const Block& right_input) {
    auto left = tdes_block(key, left_input, true);
    auto right = tdes_block(key, right_input, true);
    if (!left || !right) {
        return std::unexpected(CryptogramError::cipher_failed);
    }
    base::Bytes derived;
    derived.reserve(k_double_key_length);
    for (const Block* half : {&*left, &*right}) {
        for (std::uint8_t byte : *half) {
            derived.push_back(with_odd_parity(byte));
        }
    }
    base::wipe(std::span(*left));
    base::wipe(std::span(*right));
    return derived;
}

}  // namespace

std::string_view to_string(CryptogramError error) {
    switch (error) {
        case CryptogramError::bad_key:
            return "cryptogram: a key is not a double-length DES key";
        case CryptogramError::bad_pan:
            return "cryptogram: the account number is not 12..19 digits";
        case CryptogramError::bad_pan_sequence_number:
            return "cryptogram: the PAN sequence number is not two digits";
        case CryptogramError::bad_diversification:
            return "cryptogram: the session key diversification is not 8 bytes";
        case CryptogramError::bad_issuer_application_data:
            return "cryptogram: the issuer application data holds no CVR";
        case CryptogramError::bad_field:
            return "cryptogram: a field has the wrong length";
        case CryptogramError::cipher_failed:
            return "cryptogram: the DES cipher failed";
    }
    return "cryptogram: unknown error";
}

std::expected<base::Bytes, CryptogramError> derive_icc_master_key(
    std::span<const std::uint8_t> issuer_master_key, std::string_view pan,
    std::optional<std::uint8_t> pan_sequence_number) {
    if (issuer_master_key.size() != k_double_key_length) {
        return std::unexpected(CryptogramError::bad_key);
    }
    if (pan.size() < k_derivation_min_pan_digits || pan.size() > k_derivation_max_pan_digits ||
        pan.find_first_not_of("0123456789") != std::string_view::npos) {
        return std::unexpected(CryptogramError::bad_pan);
    }
    const std::uint8_t sequence = pan_sequence_number.value_or(0);
    if ((sequence >> 4) > 9 || (sequence & 0x0F) > 9) {
        return std::unexpected(CryptogramError::bad_pan_sequence_number);
    }
    // Book 2 Annex A1.4.1: the rightmost 16 digits of PAN || PSN (left-padded with zeros if
    // shorter, which a 12..19 digit PAN with its two PSN digits never is).
    std::array<char, k_derivation_max_pan_digits + 2> digits{};
    std::copy(pan.begin(), pan.end(), digits.begin());
    digits[pan.size()] = static_cast<char>('0' + (sequence >> 4));
    digits[pan.size() + 1] = static_cast<char>('0' + (sequence & 0x0F));
    const std::size_t count = pan.size() + 2;
    const std::size_t first = count - k_option_a_digits;
    Block left{};
    for (std::size_t index = 0; index < k_option_a_digits; ++index) {
        const auto digit = static_cast<unsigned>(digits[first + index] - '0');
        left[index / 2] =
            static_cast<std::uint8_t>(left[index / 2] | (index % 2 == 0 ? digit << 4 : digit));
    }
    base::wipe(std::span(digits));
    Block right{};
    for (std::size_t index = 0; index < k_des_block_length; ++index) {
        right[index] = static_cast<std::uint8_t>(left[index] ^ 0xFF);
    }
    auto key = key_from_halves(issuer_master_key, left, right);
    base::wipe(std::span(left));
    base::wipe(std::span(right));
    return key;
}

std::expected<base::Bytes, CryptogramError> derive_session_key(
    std::span<const std::uint8_t> icc_master_key, std::span<const std::uint8_t> diversification) {
    if (icc_master_key.size() != k_double_key_length) {
        return std::unexpected(CryptogramError::bad_key);
    }
    if (diversification.size() != k_diversification_length) {
        return std::unexpected(CryptogramError::bad_diversification);
    }
    Block left{};
    std::copy(diversification.begin(), diversification.end(), left.begin());
    Block right = left;
    left[k_session_key_marker_index] = 0xF0;
    right[k_session_key_marker_index] = 0x0F;
    return key_from_halves(icc_master_key, left, right);
}

base::Bytes cryptogram_diversification(std::uint16_t transaction_counter) {
    base::Bytes value(k_diversification_length, 0x00);
    value[0] = static_cast<std::uint8_t>(transaction_counter >> 8);
    value[1] = static_cast<std::uint8_t>(transaction_counter & 0xFF);
    return value;
}

std::expected<base::Bytes, CryptogramError> application_cryptogram(
    std::span<const std::uint8_t> session_key, std::span<const std::uint8_t> data) {
    if (session_key.size() != k_double_key_length) {
        return std::unexpected(CryptogramError::bad_key);
    }
    const auto left_key = session_key.first(k_des_block_length);
    const auto right_key = session_key.last(k_des_block_length);
    base::Bytes padded(data.begin(), data.end());
    padded.push_back(k_padding_marker);
    while (padded.size() % k_des_block_length != 0) {
        padded.push_back(0x00);
    }
    // ISO/IEC 9797-1 §7.1 (initial transformation 1), CBC with single DES under the left key.
    Block chain{};
    for (std::size_t offset = 0; offset < padded.size(); offset += k_des_block_length) {
        for (std::size_t index = 0; index < k_des_block_length; ++index) {
            chain[index] = static_cast<std::uint8_t>(chain[index] ^ padded[offset + index]);
        }
        auto enciphered = single_des(left_key, chain, true);
        if (!enciphered) {
            return std::unexpected(enciphered.error());
        }
        chain = *enciphered;
    }
    // Output transformation 3: decipher under the right key, encipher under the left.
    auto deciphered = single_des(right_key, chain, false);
    if (!deciphered) {
        return std::unexpected(deciphered.error());
    }
    auto final_block = single_des(left_key, *deciphered, true);
    if (!final_block) {
        return std::unexpected(final_block.error());
    }
    return base::Bytes(final_block->begin(), final_block->end());
}

std::expected<base::Bytes, CryptogramError> key_check_value(std::span<const std::uint8_t> key,
                                                            std::size_t length) {
    if (key.size() != k_double_key_length) {
        return std::unexpected(CryptogramError::bad_key);
    }
    auto block = tdes_block(key, Block{}, true);
    if (!block) {
        return std::unexpected(block.error());
    }
    return base::Bytes(block->begin(), block->begin() + static_cast<std::ptrdiff_t>(
                                                            std::min(length, k_des_block_length)));
}

std::expected<base::Bytes, CryptogramError> cryptogram_input(
    const OnlineAuthentication& authentication) {
    if (authentication.application_interchange_profile.size() != k_aip_length) {
        return std::unexpected(CryptogramError::bad_field);
    }
    const base::Bytes& issuer_data = authentication.issuer_application_data;
    if (issuer_data.size() < k_cvr_offset + k_cvr_length) {
        return std::unexpected(CryptogramError::bad_issuer_application_data);
    }
    base::Bytes input = authentication.cdol1_data;
    input.insert(input.end(), authentication.application_interchange_profile.begin(),
                 authentication.application_interchange_profile.end());
    input.push_back(static_cast<std::uint8_t>(authentication.transaction_counter >> 8));
    input.push_back(static_cast<std::uint8_t>(authentication.transaction_counter & 0xFF));
    const auto cvr = issuer_data.begin() + static_cast<std::ptrdiff_t>(k_cvr_offset);
    input.insert(input.end(), cvr, cvr + static_cast<std::ptrdiff_t>(k_cvr_length));
    return input;
}

bool verify_arqc(std::span<const std::uint8_t> issuer_master_key, std::string_view pan,
                 const OnlineAuthentication& authentication) {
    if (authentication.cryptogram.size() != k_arqc_length) {
        return false;
    }
    auto input = cryptogram_input(authentication);
    auto master_key =
        derive_icc_master_key(issuer_master_key, pan, authentication.pan_sequence_number);
    if (!input || !master_key) {
        return false;
    }
    auto session_key = derive_session_key(
        *master_key, cryptogram_diversification(authentication.transaction_counter));
    if (!session_key) {
        return false;
    }
    auto expected = application_cryptogram(*session_key, *input);
    if (!expected) {
        return false;
    }
    // Compared in full, without an early exit, so the time taken says nothing about how many
    // bytes matched.
    std::uint8_t difference = 0;
    for (std::size_t index = 0; index < k_arqc_length; ++index) {
        difference = static_cast<std::uint8_t>(
            difference | ((*expected)[index] ^ authentication.cryptogram[index]));
    }
    return difference == 0;
}

}  // namespace drivers::emv
