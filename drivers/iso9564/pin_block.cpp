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

// ISO/IEC 7812-1:2017 §4.2: a PAN has 8 to 19 digits, the last being the Luhn check digit.
constexpr std::size_t k_minimum_pan_length = 8;
constexpr std::size_t k_maximum_pan_length = 19;
// Format 0, 3 and 4 all take 12 account digits as their base (§9.4.2, §9.4.5, §9.4.6).
constexpr std::size_t k_account_digits = 12;

// The control nibble of each format (ISO 9564-1:2017 §9.4.1, Table 1).
constexpr std::uint8_t k_format0_control = 0x0;
constexpr std::uint8_t k_format1_control = 0x1;
constexpr std::uint8_t k_format3_control = 0x3;
constexpr std::uint8_t k_format4_control = 0x4;
// Fill: F in format 0 (§9.4.2), any transaction-unique value in format 1 (§9.4.3), random
// values A to F in format 3 (§9.4.5), A in format 4 (§9.4.6).
constexpr std::uint8_t k_format0_fill = 0xF;
constexpr std::uint8_t k_format3_lowest_fill = 0xA;
constexpr std::uint8_t k_highest_nibble = 0xF;
constexpr std::uint8_t k_format4_fill = 0xA;
constexpr std::size_t k_format4_random_offset = 8;
// Six fill values A..F: a random byte below 252 (= 42 x 6) maps to each of them equally often.
constexpr std::uint8_t k_format3_fill_values = 6;
constexpr unsigned k_format3_unbiased_limit = 252;

constexpr std::size_t k_des_key_length = 8;
constexpr std::uint8_t k_des_parity_mask = 0xFE;

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

// The nibble values a format allows where the PIN digits end.
struct FillRange {
    std::uint8_t lowest = 0;
    std::uint8_t highest = 0;

    bool contains(std::uint8_t value) const { return value >= lowest && value <= highest; }
};

constexpr FillRange k_format0_fill_range{k_format0_fill, k_format0_fill};
constexpr FillRange k_format1_fill_range{0x0, k_highest_nibble};
constexpr FillRange k_format3_fill_range{k_format3_lowest_fill, k_highest_nibble};
constexpr FillRange k_format4_fill_range{k_format4_fill, k_format4_fill};

// A caller-given fill: one nibble per element, as many as the PIN leaves (14 - N).
std::expected<void, PinBlockError> check_fill(std::span<const std::uint8_t> fill,
                                              std::size_t pin_length, FillRange range) {
    if (fill.size() != fill_length_for(pin_length) ||
        !std::ranges::all_of(fill, [range](std::uint8_t value) { return range.contains(value); })) {
        return std::unexpected(PinBlockError::bad_fill);
    }
    return {};
}

// Writes control, length, PIN digits and fill into the first 16 nibbles (§9.4.2 to §9.4.6);
// `fill_at(index)` is the fill nibble at position `index` after the PIN.
template <std::size_t Size, typename FillAt>
void write_pin_field(std::array<std::uint8_t, Size>& field, std::uint8_t control,
                     std::string_view pin, FillAt fill_at) {
    set_nibble(field, 0, control);
    set_nibble(field, 1, static_cast<std::uint8_t>(pin.size()));
    for (std::size_t index = 0; index < k_pin_field_digits; ++index) {
        set_nibble(field, 2 + index,
                   index < pin.size() ? digit_value(pin[index]) : fill_at(index - pin.size()));
    }
}

template <std::size_t Size>
void write_pin_field(std::array<std::uint8_t, Size>& field, std::uint8_t control,
                     std::string_view pin, std::uint8_t fill) {
    write_pin_field(field, control, pin, [fill](std::size_t) { return fill; });
}

// Reads and checks the first 16 nibbles of a clear PIN field; any deviation is bad_block.
template <std::size_t Size>
std::expected<std::string, PinBlockError> read_pin_field(
    const std::array<std::uint8_t, Size>& field, std::uint8_t control, FillRange fill) {
    if (nibble(field, 0) != control) {
        return std::unexpected(PinBlockError::bad_block);
    }
    const std::size_t length = nibble(field, 1);
    if (length < k_minimum_pin_length || length > k_maximum_pin_length) {
        return std::unexpected(PinBlockError::bad_block);
    }
    std::string pin(length, '\0');
    for (std::size_t index = 0; index < k_pin_field_digits; ++index) {
        const std::uint8_t value = nibble(field, 2 + index);
        if (index < length) {
            if (value > 9) {
                base::wipe(pin);
                return std::unexpected(PinBlockError::bad_block);
            }
            pin[index] = static_cast<char>('0' + value);
        } else if (!fill.contains(value)) {
            base::wipe(pin);
            return std::unexpected(PinBlockError::bad_block);
        }
    }
    return pin;
}

// §9.4.2 (and §9.4.5 for format 3): `0000` then the rightmost 12 PAN digits excluding the
// check digit, left-padded with zeros when the PAN is shorter.
std::array<std::uint8_t, 8> format0_account_field(std::string_view pan) {
    const std::string_view without_check = pan.substr(0, pan.size() - 1);
    const std::size_t take = std::min(without_check.size(), k_account_digits);
    const std::string_view digits = without_check.substr(without_check.size() - take);
    std::array<std::uint8_t, 8> field{};
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
    if (!context || cipher == nullptr ||
        static_cast<std::size_t>(EVP_CIPHER_get_key_length(cipher)) != key.size()) {
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

// Whether two DES keys are the same key: DES ignores the low (parity) bit of every byte.
bool same_des_key(std::span<const std::uint8_t> first, std::span<const std::uint8_t> second) {
    return std::ranges::equal(first, second, [](std::uint8_t left, std::uint8_t right) {
        return (left & k_des_parity_mask) == (right & k_des_parity_mask);
    });
}

// ANSI X9.52 / ISO/IEC 18033-3 TDEA: E(K3, D(K2, E(K1, x))). With K1 = K2 the first two
// steps cancel and with K2 = K3 the last two do, leaving single DES, so such keys are refused
// as bad keys rather than used. K1 = K3 (2-key TDES) is keying option 2 and is allowed.
std::expected<const EVP_CIPHER*, PinBlockError> tdes_cipher_for(std::span<const std::uint8_t> key) {
    if (key.size() != 2 * k_des_key_length && key.size() != 3 * k_des_key_length) {
        return std::unexpected(PinBlockError::bad_key);
    }
    const auto part = [key](std::size_t index) {
        return key.subspan(index * k_des_key_length, k_des_key_length);
    };
    if (same_des_key(part(0), part(1))) {
        return std::unexpected(PinBlockError::bad_key);
    }
    if (key.size() == 3 * k_des_key_length) {
        if (same_des_key(part(1), part(2))) {
            return std::unexpected(PinBlockError::bad_key);
        }
        return EVP_des_ede3_ecb();
    }
    return EVP_des_ede_ecb();
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

// Enciphers a clear 8-byte block under a TDES key, wiping the clear copy it was given.
std::expected<std::array<std::uint8_t, 8>, PinBlockError> tdes_encrypt_clear(
    std::expected<std::array<std::uint8_t, 8>, PinBlockError> clear,
    std::span<const std::uint8_t> key) {
    if (!clear) {
        return std::unexpected(clear.error());
    }
    SecretBytes<8> clear_block;
    clear_block.bytes = *clear;
    base::wipe(clear->data(), clear->size());
    auto cipher = tdes_cipher_for(key);
    if (!cipher) {
        return std::unexpected(cipher.error());
    }
    std::array<std::uint8_t, 8> encrypted{};
    if (auto done = ecb_block(*cipher, key, Direction::encrypt, clear_block.bytes, encrypted);
        !done) {
        return std::unexpected(done.error());
    }
    return encrypted;
}

// Deciphers an 8-byte block under a TDES key into `clear`.
std::expected<void, PinBlockError> tdes_decrypt_block(std::span<const std::uint8_t, 8> block,
                                                      std::span<const std::uint8_t> key,
                                                      std::array<std::uint8_t, 8>& clear) {
    auto cipher = tdes_cipher_for(key);
    if (!cipher) {
        return std::unexpected(cipher.error());
    }
    std::array<std::uint8_t, 8> encrypted{};
    std::ranges::copy(block, encrypted.begin());
    return ecb_block(*cipher, key, Direction::decrypt, encrypted, clear);
}

template <std::size_t Size>
std::array<std::uint8_t, 3> check_value_of(const EVP_CIPHER* cipher,
                                           std::span<const std::uint8_t, Size> key) {
    const std::array<std::uint8_t, 8> zeros{};
    std::array<std::uint8_t, 8> encrypted{};
    std::array<std::uint8_t, 3> check_value{};
    if (ecb_block(cipher, key, Direction::encrypt, zeros, encrypted)) {
        std::copy_n(encrypted.begin(), check_value.size(), check_value.begin());
    }
    return check_value;
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
        case PinBlockError::bad_fill:
            return "bad_fill";
        case PinBlockError::bad_block:
            return "bad_block";
        case PinBlockError::crypto_failure:
            return "crypto_failure";
    }
    return "unknown";
}

bool system_random(std::span<std::uint8_t> bytes) {
    return bytes.empty() || RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) == 1;
}

std::expected<void, PinBlockError> draw_format1_fill(std::span<std::uint8_t> fill,
                                                     const RandomSource& random) {
    if (!random || !random(fill)) {
        base::wipe(fill);
        return std::unexpected(PinBlockError::crypto_failure);
    }
    for (std::uint8_t& value : fill) {
        value = static_cast<std::uint8_t>(value & 0x0F);
    }
    return {};
}

std::expected<void, PinBlockError> draw_format3_fill(std::span<std::uint8_t> fill,
                                                     const RandomSource& random) {
    if (!random) {
        return std::unexpected(PinBlockError::crypto_failure);
    }
    for (std::uint8_t& value : fill) {
        std::uint8_t drawn = 0xFF;
        // Rejection sampling: the chance of 100 draws all at 252 or over is (4/256)^100.
        for (int attempt = 0; attempt < 100 && drawn >= k_format3_unbiased_limit; ++attempt) {
            if (!random(std::span(&drawn, 1))) {
                return std::unexpected(PinBlockError::crypto_failure);
            }
        }
        if (drawn >= k_format3_unbiased_limit) {
            return std::unexpected(PinBlockError::crypto_failure);
        }
        value = static_cast<std::uint8_t>(k_format3_lowest_fill + drawn % k_format3_fill_values);
    }
    return {};
}

bool is_valid_pan(std::string_view pan) {
    return check_pan(pan).has_value();
}

// ---- Format 0 ----

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

std::expected<Format0Block, PinBlockError> format0_encrypted(std::string_view pin,
                                                             std::string_view pan,
                                                             std::span<const std::uint8_t> key) {
    if (auto cipher = tdes_cipher_for(key); !cipher) {
        return std::unexpected(cipher.error());
    }
    return tdes_encrypt_clear(format0_clear(pin, pan), key);
}

std::expected<std::string, PinBlockError> format0_decrypt_pin(
    std::span<const std::uint8_t, 8> block, std::string_view pan,
    std::span<const std::uint8_t> key) {
    if (auto checked = check_pan(pan); !checked) {
        return std::unexpected(checked.error());
    }
    SecretBytes<8> pin_field;
    if (auto done = tdes_decrypt_block(block, key, pin_field.bytes); !done) {
        return std::unexpected(done.error());
    }
    xor_into(pin_field.bytes, format0_account_field(pan));
    return read_pin_field(pin_field.bytes, k_format0_control, k_format0_fill_range);
}

// ---- Format 1 ----

std::expected<Format1Block, PinBlockError> format1_clear(std::string_view pin,
                                                         std::span<const std::uint8_t> fill) {
    if (auto checked = check_pin(pin); !checked) {
        return std::unexpected(checked.error());
    }
    if (auto checked = check_fill(fill, pin.size(), k_format1_fill_range); !checked) {
        return std::unexpected(checked.error());
    }
    Format1Block block{};
    write_pin_field(block, k_format1_control, pin,
                    [fill](std::size_t index) { return fill[index]; });
    return block;
}

std::expected<Format1Block, PinBlockError> format1_encrypted(std::string_view pin,
                                                             std::span<const std::uint8_t> key,
                                                             std::span<const std::uint8_t> fill) {
    if (auto cipher = tdes_cipher_for(key); !cipher) {
        return std::unexpected(cipher.error());
    }
    return tdes_encrypt_clear(format1_clear(pin, fill), key);
}

std::expected<Format1Block, PinBlockError> format1_encrypted(std::string_view pin,
                                                             std::span<const std::uint8_t> key,
                                                             const RandomSource& random) {
    if (auto checked = check_pin(pin); !checked) {
        return std::unexpected(checked.error());
    }
    std::array<std::uint8_t, k_pin_field_digits> fill{};
    const auto used = std::span(fill).first(fill_length_for(pin.size()));
    if (auto drawn = draw_format1_fill(used, random); !drawn) {
        return std::unexpected(drawn.error());
    }
    return format1_encrypted(pin, key, used);
}

std::expected<std::string, PinBlockError> format1_decrypt_pin(
    std::span<const std::uint8_t, 8> block, std::span<const std::uint8_t> key) {
    SecretBytes<8> pin_field;
    if (auto done = tdes_decrypt_block(block, key, pin_field.bytes); !done) {
        return std::unexpected(done.error());
    }
    return read_pin_field(pin_field.bytes, k_format1_control, k_format1_fill_range);
}

// ---- Format 3 ----

std::expected<Format3Block, PinBlockError> format3_clear(std::string_view pin, std::string_view pan,
                                                         std::span<const std::uint8_t> fill) {
    if (auto checked = check_pin(pin); !checked) {
        return std::unexpected(checked.error());
    }
    if (auto checked = check_pan(pan); !checked) {
        return std::unexpected(checked.error());
    }
    if (auto checked = check_fill(fill, pin.size(), k_format3_fill_range); !checked) {
        return std::unexpected(checked.error());
    }
    Format3Block block{};
    write_pin_field(block, k_format3_control, pin,
                    [fill](std::size_t index) { return fill[index]; });
    xor_into(block, format0_account_field(pan));
    return block;
}

std::expected<Format3Block, PinBlockError> format3_encrypted(std::string_view pin,
                                                             std::string_view pan,
                                                             std::span<const std::uint8_t> key,
                                                             std::span<const std::uint8_t> fill) {
    if (auto cipher = tdes_cipher_for(key); !cipher) {
        return std::unexpected(cipher.error());
    }
    return tdes_encrypt_clear(format3_clear(pin, pan, fill), key);
}

std::expected<Format3Block, PinBlockError> format3_encrypted(std::string_view pin,
                                                             std::string_view pan,
                                                             std::span<const std::uint8_t> key,
                                                             const RandomSource& random) {
    if (auto checked = check_pin(pin); !checked) {
        return std::unexpected(checked.error());
    }
    std::array<std::uint8_t, k_pin_field_digits> fill{};
    const auto used = std::span(fill).first(fill_length_for(pin.size()));
    if (auto drawn = draw_format3_fill(used, random); !drawn) {
        return std::unexpected(drawn.error());
    }
    return format3_encrypted(pin, pan, key, used);
}

std::expected<std::string, PinBlockError> format3_decrypt_pin(
    std::span<const std::uint8_t, 8> block, std::string_view pan,
    std::span<const std::uint8_t> key) {
    if (auto checked = check_pan(pan); !checked) {
        return std::unexpected(checked.error());
    }
    SecretBytes<8> pin_field;
    if (auto done = tdes_decrypt_block(block, key, pin_field.bytes); !done) {
        return std::unexpected(done.error());
    }
    xor_into(pin_field.bytes, format0_account_field(pan));
    return read_pin_field(pin_field.bytes, k_format3_control, k_format3_fill_range);
}

std::array<std::uint8_t, 3> tdes_key_check_value(std::span<const std::uint8_t, 16> key) {
    return check_value_of(EVP_des_ede_ecb(), key);
}

std::array<std::uint8_t, 3> tdes_key_check_value(std::span<const std::uint8_t, 24> key) {
    return check_value_of(EVP_des_ede3_ecb(), key);
}

// ---- Format 4 ----

std::expected<Format4Block, PinBlockError> format4_pin_field(
    std::string_view pin, std::span<const std::uint8_t, 8> random_fill) {
    if (auto checked = check_pin(pin); !checked) {
        return std::unexpected(checked.error());
    }
    Format4Block field{};
    write_pin_field(field, k_format4_control, pin, k_format4_fill);
    std::ranges::copy(random_fill, field.begin() + k_format4_random_offset);
    return field;
}

std::expected<Format4Block, PinBlockError> format4_encrypted(std::string_view pin,
                                                             std::string_view pan,
                                                             std::span<const std::uint8_t> key) {
    return format4_encrypted(pin, pan, key, RandomSource(system_random));
}

std::expected<Format4Block, PinBlockError> format4_encrypted(std::string_view pin,
                                                             std::string_view pan,
                                                             std::span<const std::uint8_t> key,
                                                             const RandomSource& random) {
    std::array<std::uint8_t, k_format4_random_length> random_fill{};
    if (!random || !random(random_fill)) {
        return std::unexpected(PinBlockError::crypto_failure);
    }
    auto block = format4_encrypted(pin, pan, key, std::span<const std::uint8_t, 8>(random_fill));
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
    auto field = format4_pin_field(pin, random_fill);
    if (!field) {
        return std::unexpected(field.error());
    }
    SecretBytes<16> pin_field;
    pin_field.bytes = *field;
    base::wipe(field->data(), field->size());
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
    std::ranges::copy(block, encrypted.begin());
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
    return read_pin_field(pin_field.bytes, k_format4_control, k_format4_fill_range);
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
