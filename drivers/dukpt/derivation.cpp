#include "drivers/dukpt/derivation.h"

#include <openssl/evp.h>

#include <algorithm>
#include <bit>
#include <memory>

#include "base/wipe.h"

namespace drivers::dukpt {

namespace {

// §6.3.2, Tables 2 and 3: the fields of the 16-byte derivation data before its last 8 bytes.
constexpr std::uint8_t k_derivation_data_version = 0x01;
// Every key here is AES-128, one AES block of key material, so the key block counter is 1.
constexpr std::uint8_t k_first_key_block = 0x01;
constexpr std::uint16_t k_initial_key_usage = 0x8001;
constexpr std::uint16_t k_aes128_algorithm = 0x0002;
constexpr std::uint16_t k_aes128_bits = 128;
constexpr std::size_t k_derivation_id_offset = 4;

struct DukptCipherContextDeleter {
    void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};

// §6.3.1: derived key material is AES-ECB encryption of the derivation data under the key.
std::expected<void, DukptError> aes128_encrypt_block(std::span<const std::uint8_t, 16> key,
                                                     std::span<const std::uint8_t, 16> input,
                                                     std::span<std::uint8_t, 16> output) {
    std::unique_ptr<EVP_CIPHER_CTX, DukptCipherContextDeleter> context(EVP_CIPHER_CTX_new());
    if (!context) {
        return std::unexpected(DukptError::crypto_failure);
    }
    int written = 0;
    int final_written = 0;
    if (EVP_EncryptInit_ex(context.get(), EVP_aes_128_ecb(), nullptr, key.data(), nullptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(context.get(), 0) != 1 ||
        EVP_EncryptUpdate(context.get(), output.data(), &written, input.data(),
                          static_cast<int>(input.size())) != 1 ||
        written != static_cast<int>(output.size()) ||
        EVP_EncryptFinal_ex(context.get(), output.data() + written, &final_written) != 1 ||
        final_written != 0) {
        base::wipe(output);
        return std::unexpected(DukptError::crypto_failure);
    }
    return {};
}

void put_big_endian16(std::span<std::uint8_t> bytes, std::size_t offset, std::uint16_t value) {
    bytes[offset] = static_cast<std::uint8_t>(value >> 8);
    bytes[offset + 1] = static_cast<std::uint8_t>(value & 0xFF);
}

}  // namespace

AesKey::AesKey(std::span<const std::uint8_t, k_key_length> key) {
    std::ranges::copy(key, bytes.begin());
}

AesKey::~AesKey() {
    base::wipe(std::span(bytes));
}

std::string_view to_string(DukptError error) {
    switch (error) {
        case DukptError::bad_key:
            return "bad_key";
        case DukptError::bad_counter:
            return "bad_counter";
        case DukptError::exhausted:
            return "exhausted";
        case DukptError::crypto_failure:
            return "crypto_failure";
    }
    return "unknown";
}

Ksn make_ksn(const InitialKeyId& initial_key_id, std::uint32_t counter) {
    Ksn ksn{};
    std::ranges::copy(initial_key_id, ksn.begin());
    for (std::size_t index = 0; index < 4; ++index) {
        ksn[k_initial_key_id_length + index] =
            static_cast<std::uint8_t>(counter >> (8 * (3 - index)));
    }
    return ksn;
}

InitialKeyId initial_key_id_of(const Ksn& ksn) {
    InitialKeyId initial_key_id{};
    std::copy_n(ksn.begin(), initial_key_id.size(), initial_key_id.begin());
    return initial_key_id;
}

std::uint32_t counter_of(const Ksn& ksn) {
    std::uint32_t counter = 0;
    for (std::size_t index = 0; index < 4; ++index) {
        counter = (counter << 8) | ksn[k_initial_key_id_length + index];
    }
    return counter;
}

bool is_usable_counter(std::uint32_t counter) {
    return counter != 0 && std::popcount(counter) <= k_most_counter_bits;
}

std::array<std::uint8_t, 8> counter_data(const InitialKeyId& initial_key_id,
                                         std::uint32_t counter) {
    const Ksn ksn = make_ksn(initial_key_id, counter);
    std::array<std::uint8_t, 8> data{};
    std::copy(ksn.begin() + k_derivation_id_offset, ksn.end(), data.begin());
    return data;
}

std::expected<AesKey, DukptError> derive_key(const AesKey& key, std::uint16_t usage_indicator,
                                             std::span<const std::uint8_t, 8> key_serial_data) {
    // §6.3.2, Table 2: version, key block counter, key usage, algorithm and length of the key
    // to derive (AES-128, 128 bits), then the 8 bytes of §6.3.3.
    std::array<std::uint8_t, 16> derivation_data{};
    derivation_data[0] = k_derivation_data_version;
    derivation_data[1] = k_first_key_block;
    put_big_endian16(derivation_data, 2, usage_indicator);
    put_big_endian16(derivation_data, 4, k_aes128_algorithm);
    put_big_endian16(derivation_data, 6, k_aes128_bits);
    std::ranges::copy(key_serial_data, derivation_data.begin() + 8);
    AesKey derived;
    if (auto done = aes128_encrypt_block(key.bytes, derivation_data, derived.bytes); !done) {
        return std::unexpected(done.error());
    }
    return derived;
}

std::expected<AesKey, DukptError> derive_initial_key(std::span<const std::uint8_t> base_key,
                                                     const InitialKeyId& initial_key_id) {
    if (base_key.size() != k_key_length) {
        return std::unexpected(DukptError::bad_key);
    }
    const AesKey base(base_key.first<k_key_length>());
    // §6.3.3: the initial key's derivation data ends with the whole initial key ID.
    return derive_key(base, k_initial_key_usage, initial_key_id);
}

std::expected<AesKey, DukptError> derive_transaction_key(const AesKey& initial_key,
                                                         const Ksn& ksn) {
    const std::uint32_t counter = counter_of(ksn);
    if (!is_usable_counter(counter)) {
        return std::unexpected(DukptError::bad_counter);
    }
    const InitialKeyId initial_key_id = initial_key_id_of(ksn);
    AesKey key = initial_key;
    std::uint32_t reached = 0;
    for (std::uint32_t bit = std::uint32_t{1} << 31; bit != 0; bit >>= 1) {
        if ((counter & bit) == 0) {
            continue;
        }
        reached |= bit;
        auto next = derive_key(key, k_key_derivation_usage, counter_data(initial_key_id, reached));
        if (!next) {
            return std::unexpected(next.error());
        }
        key = *next;
    }
    return key;
}

std::expected<AesKey, DukptError> derive_working_key(const AesKey& transaction_key, const Ksn& ksn,
                                                     KeyUsage usage) {
    const std::uint32_t counter = counter_of(ksn);
    if (!is_usable_counter(counter)) {
        return std::unexpected(DukptError::bad_counter);
    }
    return derive_key(transaction_key, static_cast<std::uint16_t>(usage),
                      counter_data(initial_key_id_of(ksn), counter));
}

std::expected<AesKey, DukptError> derive_pin_encryption_key(std::span<const std::uint8_t> base_key,
                                                            const Ksn& ksn) {
    auto initial_key = derive_initial_key(base_key, initial_key_id_of(ksn));
    if (!initial_key) {
        return std::unexpected(initial_key.error());
    }
    auto transaction_key = derive_transaction_key(*initial_key, ksn);
    if (!transaction_key) {
        return std::unexpected(transaction_key.error());
    }
    return derive_working_key(*transaction_key, ksn, KeyUsage::pin_encryption);
}

}  // namespace drivers::dukpt
