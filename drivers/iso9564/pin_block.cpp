#include "drivers/iso9564/pin_block.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <memory>

#include "base/text.h"
#include "base/wipe.h"

namespace drivers::iso9564 {

namespace {

// ISO 9564-1:2017 §8.1: a PIN has 4 to 12 decimal digits.
constexpr std::size_t k_minimum_pin_length = 4;
constexpr std::size_t k_maximum_pin_length = 12;
// ISO/IEC 7812-1:2017 §4.2: a PAN has 8 to 19 digits, the last being the Luhn check digit.
constexpr std::size_t k_minimum_pan_length = 8;
constexpr std::size_t k_maximum_pan_length = 19;
// Format 0 and format 4 both take 12 account digits as their base (§9.4.2, §9.4.6).
constexpr std::size_t k_account_digits = 12;

constexpr std::uint8_t k_format0_control = 0x0;
constexpr std::uint8_t k_format0_fill = 0xF;
constexpr std::uint8_t k_format4_control = 0x4;
constexpr std::uint8_t k_format4_fill = 0xA;
constexpr std::size_t k_format4_random_offset = 8;

// A byte buffer that wipes itself, for every intermediate that holds PIN digits.
template <std::size_t Size>
struct SecretBytes {
    std::array<std::uint8_t, Size> bytes{};
    SecretBytes() = default;
    SecretBytes(const SecretBytes&) = delete;
    SecretBytes& operator=(const SecretBytes&) = delete;
    ~SecretBytes() { base::wipe(std::span(bytes)); }
};

std::uint8_t digit_value(char digit) {
    return static_cast<std::uint8_t>(digit - '0');
}

template <std::size_t Size>
void set_nibble(std::array<std::uint8_t, Size>& bytes, std::size_t index, std::uint8_t value) {
    std::uint8_t& byte = bytes[index / 2];
    if (index % 2 == 0) {
        byte = static_cast<std::uint8_t>((byte & 0x0F) | ((value & 0x0F) << 4));
    } else {
        byte = static_cast<std::uint8_t>((byte & 0xF0) | (value & 0x0F));
    }
}

template <std::size_t Size>
std::uint8_t nibble(const std::array<std::uint8_t, Size>& bytes, std::size_t index) {
    const std::uint8_t byte = bytes[index / 2];
    return static_cast<std::uint8_t>(index % 2 == 0 ? byte >> 4 : byte & 0x0F);
}

std::expected<void, PinBlockError> check_pin(std::string_view pin) {
    if (pin.size() < k_minimum_pin_length || pin.size() > k_maximum_pin_length ||
        !base::is_digits(pin)) {
        return std::unexpected(PinBlockError::bad_pin);
    }
    return {};
}

std::expected<void, PinBlockError> check_pan(std::string_view pan) {
    if (pan.size() < k_minimum_pan_length || pan.size() > k_maximum_pan_length ||
        !base::is_digits(pan)) {
        return std::unexpected(PinBlockError::bad_pan);
    }
    return {};
}

// Writes control, length, PIN digits and fill into the first 16 nibbles (§9.4.2, §9.4.6).
template <std::size_t Size>
void write_pin_field(std::array<std::uint8_t, Size>& field, std::uint8_t control,
                     std::string_view pin, std::uint8_t fill) {
    set_nibble(field, 0, control);
    set_nibble(field, 1, static_cast<std::uint8_t>(pin.size()));
    for (std::size_t index = 0; index < 14; ++index) {
        set_nibble(field, 2 + index, index < pin.size() ? digit_value(pin[index]) : fill);
    }
}

// Reads and checks the first 16 nibbles of a clear PIN field; any deviation is bad_block.
template <std::size_t Size>
std::expected<std::string, PinBlockError> read_pin_field(
    const std::array<std::uint8_t, Size>& field, std::uint8_t control, std::uint8_t fill) {
    if (nibble(field, 0) != control) {
        return std::unexpected(PinBlockError::bad_block);
    }
    const std::size_t length = nibble(field, 1);
    if (length < k_minimum_pin_length || length > k_maximum_pin_length) {
        return std::unexpected(PinBlockError::bad_block);
    }
    std::string pin(length, '\0');
    for (std::size_t index = 0; index < 14; ++index) {
        const std::uint8_t value = nibble(field, 2 + index);
        if (index < length) {
            if (value > 9) {
                base::wipe(pin);
                return std::unexpected(PinBlockError::bad_block);
            }
            pin[index] = static_cast<char>('0' + value);
        } else if (value != fill) {
            base::wipe(pin);
            return std::unexpected(PinBlockError::bad_block);
        }
    }
    return pin;
}

// §9.4.2: `0000` then the rightmost 12 PAN digits excluding the check digit, left-padded with
// zeros when the PAN is shorter.
Format0Block format0_account_field(std::string_view pan) {
    const std::string_view without_check = pan.substr(0, pan.size() - 1);
    const std::size_t take = std::min(without_check.size(), k_account_digits);
    const std::string_view digits = without_check.substr(without_check.size() - take);
    Format0Block field{};
    const std::size_t first = 16 - take;
    for (std::size_t index = 0; index < take; ++index) {
        set_nibble(field, first + index, digit_value(digits[index]));
    }
    return field;
}

// §9.4.6: nibble M = number of PAN digits beyond 12, then the PAN (left-padded with zeros to
// 12 digits when shorter), then zero fill.
Format4Block format4_account_field(std::string_view pan) {
    Format4Block field{};
    const std::size_t extra = pan.size() > k_account_digits ? pan.size() - k_account_digits : 0;
    set_nibble(field, 0, static_cast<std::uint8_t>(extra));
    const std::size_t padding = pan.size() < k_account_digits ? k_account_digits - pan.size() : 0;
    for (std::size_t index = 0; index < pan.size(); ++index) {
        set_nibble(field, 1 + padding + index, digit_value(pan[index]));
    }
    return field;
}

template <std::size_t Size>
void xor_into(std::array<std::uint8_t, Size>& target, const std::array<std::uint8_t, Size>& other) {
    for (std::size_t index = 0; index < Size; ++index) {
        target[index] = static_cast<std::uint8_t>(target[index] ^ other[index]);
    }
}

struct CipherContextDeleter {
    void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};

enum class Direction { encrypt, decrypt };

// One block in ECB mode, no padding: the PIN block formats never chain blocks.
template <std::size_t Size>
std::expected<void, PinBlockError> ecb_block(const EVP_CIPHER* cipher,
                                             std::span<const std::uint8_t> key, Direction direction,
                                             const std::array<std::uint8_t, Size>& input,
                                             std::array<std::uint8_t, Size>& output) {
    std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter> context(EVP_CIPHER_CTX_new());
    if (!context || cipher == nullptr) {
        return std::unexpected(PinBlockError::crypto_failure);
    }
    const int encrypt = direction == Direction::encrypt ? 1 : 0;
    if (EVP_CipherInit_ex(context.get(), cipher, nullptr, key.data(), nullptr, encrypt) != 1 ||
        EVP_CIPHER_CTX_set_padding(context.get(), 0) != 1) {
        return std::unexpected(PinBlockError::crypto_failure);
    }
    int written = 0;
    if (EVP_CipherUpdate(context.get(), output.data(), &written, input.data(),
                         static_cast<int>(Size)) != 1 ||
        written != static_cast<int>(Size)) {
        base::wipe(std::span(output));
        return std::unexpected(PinBlockError::crypto_failure);
    }
    int final_written = 0;
    if (EVP_CipherFinal_ex(context.get(), output.data() + written, &final_written) != 1 ||
        final_written != 0) {
        base::wipe(std::span(output));
        return std::unexpected(PinBlockError::crypto_failure);
    }
    return {};
}

// 2-key TDES (K1 K2 K1). Equal halves would silently degrade to single DES, so they are
// refused as a bad key rather than used.
std::expected<void, PinBlockError> check_tdes_key(std::span<const std::uint8_t, 16> key) {
    if (std::equal(key.begin(), key.begin() + 8, key.begin() + 8)) {
        return std::unexpected(PinBlockError::bad_key);
    }
    return {};
}

std::expected<const EVP_CIPHER*, PinBlockError> aes_ecb_for(std::span<const std::uint8_t> key) {
    switch (key.size()) {
        case 16:
            return EVP_aes_128_ecb();
        case 24:
            return EVP_aes_192_ecb();
        case 32:
            return EVP_aes_256_ecb();
        default:
            return std::unexpected(PinBlockError::bad_key);
    }
}

}  // namespace

std::string_view to_string(PinBlockError error) {
    switch (error) {
        case PinBlockError::bad_pin:
            return "bad_pin";
        case PinBlockError::bad_pan:
            return "bad_pan";
        case PinBlockError::bad_key:
            return "bad_key";
        case PinBlockError::bad_block:
            return "bad_block";
        case PinBlockError::crypto_failure:
            return "crypto_failure";
    }
    return "unknown";
}

std::expected<Format0Block, PinBlockError> format0_clear(std::string_view pin,
                                                         std::string_view pan) {
    if (auto checked = check_pin(pin); !checked) {
        return std::unexpected(checked.error());
    }
    if (auto checked = check_pan(pan); !checked) {
        return std::unexpected(checked.error());
    }
    Format0Block block{};
    write_pin_field(block, k_format0_control, pin, k_format0_fill);
    xor_into(block, format0_account_field(pan));
    return block;
}

std::expected<Format0Block, PinBlockError> format0_encrypted(
    std::string_view pin, std::string_view pan, std::span<const std::uint8_t, 16> key) {
    if (auto checked = check_tdes_key(key); !checked) {
        return std::unexpected(checked.error());
    }
    auto clear = format0_clear(pin, pan);
    if (!clear) {
        return std::unexpected(clear.error());
    }
    SecretBytes<8> clear_block;
    clear_block.bytes = *clear;
    base::wipe(clear->data(), clear->size());
    Format0Block encrypted{};
    if (auto done =
            ecb_block(EVP_des_ede_ecb(), key, Direction::encrypt, clear_block.bytes, encrypted);
        !done) {
        return std::unexpected(done.error());
    }
    return encrypted;
}

std::expected<std::string, PinBlockError> format0_decrypt_pin(
    std::span<const std::uint8_t, 8> block, std::string_view pan,
    std::span<const std::uint8_t, 16> key) {
    if (auto checked = check_pan(pan); !checked) {
        return std::unexpected(checked.error());
    }
    if (auto checked = check_tdes_key(key); !checked) {
        return std::unexpected(checked.error());
    }
    Format0Block encrypted{};
    std::copy(block.begin(), block.end(), encrypted.begin());
    SecretBytes<8> pin_field;
    if (auto done =
            ecb_block(EVP_des_ede_ecb(), key, Direction::decrypt, encrypted, pin_field.bytes);
        !done) {
        return std::unexpected(done.error());
    }
    xor_into(pin_field.bytes, format0_account_field(pan));
    return read_pin_field(pin_field.bytes, k_format0_control, k_format0_fill);
}

std::array<std::uint8_t, 3> tdes_key_check_value(std::span<const std::uint8_t, 16> key) {
    const Format0Block zeros{};
    Format0Block encrypted{};
    std::array<std::uint8_t, 3> check_value{};
    if (ecb_block(EVP_des_ede_ecb(), key, Direction::encrypt, zeros, encrypted)) {
        std::copy_n(encrypted.begin(), check_value.size(), check_value.begin());
    }
    return check_value;
}

std::expected<Format4Block, PinBlockError> format4_encrypted(std::string_view pin,
                                                             std::string_view pan,
                                                             std::span<const std::uint8_t> key) {
    std::array<std::uint8_t, 8> random_fill{};
    if (RAND_bytes(random_fill.data(), static_cast<int>(random_fill.size())) != 1) {
        return std::unexpected(PinBlockError::crypto_failure);
    }
    auto block = format4_encrypted(pin, pan, key, random_fill);
    base::wipe(std::span(random_fill));
    return block;
}

std::expected<Format4Block, PinBlockError> format4_encrypted(
    std::string_view pin, std::string_view pan, std::span<const std::uint8_t> key,
    std::span<const std::uint8_t, 8> random_fill) {
    if (auto checked = check_pin(pin); !checked) {
        return std::unexpected(checked.error());
    }
    if (auto checked = check_pan(pan); !checked) {
        return std::unexpected(checked.error());
    }
    auto cipher = aes_ecb_for(key);
    if (!cipher) {
        return std::unexpected(cipher.error());
    }
    // §9.4.6: block = E(K, E(K, PIN field) XOR account field).
    SecretBytes<16> pin_field;
    write_pin_field(pin_field.bytes, k_format4_control, pin, k_format4_fill);
    std::copy(random_fill.begin(), random_fill.end(),
              pin_field.bytes.begin() + k_format4_random_offset);
    SecretBytes<16> intermediate;
    if (auto done =
            ecb_block(*cipher, key, Direction::encrypt, pin_field.bytes, intermediate.bytes);
        !done) {
        return std::unexpected(done.error());
    }
    xor_into(intermediate.bytes, format4_account_field(pan));
    Format4Block encrypted{};
    if (auto done = ecb_block(*cipher, key, Direction::encrypt, intermediate.bytes, encrypted);
        !done) {
        return std::unexpected(done.error());
    }
    return encrypted;
}

std::expected<std::string, PinBlockError> format4_decrypt_pin(
    std::span<const std::uint8_t, 16> block, std::string_view pan,
    std::span<const std::uint8_t> key) {
    if (auto checked = check_pan(pan); !checked) {
        return std::unexpected(checked.error());
    }
    auto cipher = aes_ecb_for(key);
    if (!cipher) {
        return std::unexpected(cipher.error());
    }
    Format4Block encrypted{};
    std::copy(block.begin(), block.end(), encrypted.begin());
    SecretBytes<16> intermediate;
    if (auto done = ecb_block(*cipher, key, Direction::decrypt, encrypted, intermediate.bytes);
        !done) {
        return std::unexpected(done.error());
    }
    xor_into(intermediate.bytes, format4_account_field(pan));
    SecretBytes<16> pin_field;
    if (auto done =
            ecb_block(*cipher, key, Direction::decrypt, intermediate.bytes, pin_field.bytes);
        !done) {
        return std::unexpected(done.error());
    }
    return read_pin_field(pin_field.bytes, k_format4_control, k_format4_fill);
}

std::expected<std::array<std::uint8_t, 5>, PinBlockError> aes_key_check_value(
    std::span<const std::uint8_t> key) {
    const char* cipher_name = nullptr;
    switch (key.size()) {
        case 16:
            cipher_name = "AES-128-CBC";
            break;
        case 24:
            cipher_name = "AES-192-CBC";
            break;
        case 32:
            cipher_name = "AES-256-CBC";
            break;
        default:
            return std::unexpected(PinBlockError::bad_key);
    }
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
    if (mac == nullptr) {
        return std::unexpected(PinBlockError::crypto_failure);
    }
    EVP_MAC_CTX* context = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);
    if (context == nullptr) {
        return std::unexpected(PinBlockError::crypto_failure);
    }
    std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> owned(context, &EVP_MAC_CTX_free);
    // OSSL_PARAM wants a mutable char*; OpenSSL only reads it.
    std::string cipher_parameter(cipher_name);
    const OSSL_PARAM parameters[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher_parameter.data(), 0),
        OSSL_PARAM_construct_end()};
    const std::array<std::uint8_t, 16> zeros{};
    std::array<std::uint8_t, 16> tag{};
    std::size_t tag_length = 0;
    if (EVP_MAC_init(context, key.data(), key.size(), parameters) != 1 ||
        EVP_MAC_update(context, zeros.data(), zeros.size()) != 1 ||
        EVP_MAC_final(context, tag.data(), &tag_length, tag.size()) != 1 ||
        tag_length != tag.size()) {
        return std::unexpected(PinBlockError::crypto_failure);
    }
    std::array<std::uint8_t, 5> check_value{};
    std::copy_n(tag.begin(), check_value.size(), check_value.begin());
    return check_value;
}

}  // namespace drivers::iso9564
