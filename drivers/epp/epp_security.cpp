#include "drivers/epp/epp_security.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <memory>
#include <string_view>

#include "base/bytes.h"
#include "drivers/iso9564/pin_block.h"

namespace drivers::epp {

namespace {

// epp.md §8.3: the wrapped header, "K5" then slot, algorithm, length and three zero bytes.
constexpr std::array<std::uint8_t, 2> k_key_block_marker{0x4B, 0x35};
constexpr std::size_t k_key_block_header_length = 8;
constexpr std::size_t k_wrapped_length = k_key_block_header_length + k_key_length;
// RFC 3394 §2.2.3.1: the wrap adds one 64-bit integrity block.
static_assert(k_key_block_length == k_wrapped_length + 8);

// epp.md §8.4: the labels of the proofs and of the session key's KDF input (ASCII, no
// terminator).
constexpr std::string_view k_pad_label = "EPP5 pad";
constexpr std::string_view k_host_label = "EPP5 host";
constexpr std::string_view k_session_label = "EPP5 session";
// NIST SP 800-108 §4.1: the counter of the single block, and L = 128 bits, two bytes big-endian.
constexpr std::uint8_t k_kdf_counter = 0x01;
constexpr std::array<std::uint8_t, 2> k_kdf_length_bits{0x00, 0x80};

struct MacContextFree {
    void operator()(EVP_MAC_CTX* context) const { EVP_MAC_CTX_free(context); }
};
struct MacFree {
    void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct CipherContextFree {
    void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};

void append(base::Bytes& bytes, std::span<const std::uint8_t> more) {
    bytes.insert(bytes.end(), more.begin(), more.end());
}

void append(base::Bytes& bytes, std::string_view text) {
    bytes.insert(bytes.end(), text.begin(), text.end());
}

bool halves_equal(const SecretKey& key) {
    return std::equal(key.bytes.begin(), key.bytes.begin() + 8, key.bytes.begin() + 8);
}

// RFC 3394 §2.2.1 (wrap) and §2.2.2 (unwrap), with the default initial value of §2.2.3.1:
// OpenSSL's "AES-128-WRAP" checks the integrity block on unwrap and fails when it differs.
std::expected<base::Bytes, EppError> key_wrap(const SecretKey& master,
                                              std::span<const std::uint8_t> input, bool wrap) {
    std::unique_ptr<EVP_CIPHER_CTX, CipherContextFree> context(EVP_CIPHER_CTX_new());
    if (!context) {
        return std::unexpected(EppError::crypto_failure);
    }
    EVP_CIPHER_CTX_set_flags(context.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    if (EVP_CipherInit_ex(context.get(), EVP_aes_128_wrap(), nullptr, master.bytes.data(), nullptr,
                          wrap ? 1 : 0) != 1) {
        return std::unexpected(EppError::crypto_failure);
    }
    base::Bytes output(input.size() + 16);
    int written = 0;
    if (EVP_CipherUpdate(context.get(), output.data(), &written, input.data(),
                         static_cast<int>(input.size())) != 1 ||
        written < 0) {
        return std::unexpected(wrap ? EppError::crypto_failure : EppError::bad_key_block);
    }
    int final_written = 0;
    if (EVP_CipherFinal_ex(context.get(), output.data() + written, &final_written) != 1) {
        return std::unexpected(wrap ? EppError::crypto_failure : EppError::bad_key_block);
    }
    output.resize(static_cast<std::size_t>(written + final_written));
    return output;
}

base::Bytes key_block_header(KeySlot slot) {
    base::Bytes header(k_key_block_marker.begin(), k_key_block_marker.end());
    header.push_back(static_cast<std::uint8_t>(slot));
    header.push_back(static_cast<std::uint8_t>(algorithm_of(slot)));
    header.push_back(static_cast<std::uint8_t>(k_key_length));
    header.insert(header.end(), 3, 0);
    return header;
}

std::expected<Proof, EppError> labelled_proof(const SecretKey& key, std::string_view label,
                                              const Challenge& first, const Challenge& second) {
    base::Bytes input;
    append(input, label);
    append(input, first);
    append(input, second);
    return aes_cmac(key, input);
}

std::size_t channel_index(Channel channel) {
    return static_cast<std::size_t>(channel);
}

}  // namespace

SecretKey::SecretKey(std::span<const std::uint8_t, k_key_length> key) {
    std::ranges::copy(key, bytes.begin());
}

std::expected<std::array<std::uint8_t, 16>, EppError> aes_cmac(const SecretKey& key,
                                                               std::span<const std::uint8_t> data) {
    // NIST SP 800-38B through OpenSSL 3's EVP_MAC "CMAC" over AES-128-CBC.
    std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "CMAC", nullptr));
    if (!mac) {
        return std::unexpected(EppError::crypto_failure);
    }
    std::unique_ptr<EVP_MAC_CTX, MacContextFree> context(EVP_MAC_CTX_new(mac.get()));
    if (!context) {
        return std::unexpected(EppError::crypto_failure);
    }
    char cipher_name[] = "AES-128-CBC";
    const OSSL_PARAM parameters[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher_name, 0),
        OSSL_PARAM_construct_end(),
    };
    std::array<std::uint8_t, 16> result{};
    std::size_t length = 0;
    if (EVP_MAC_init(context.get(), key.bytes.data(), key.bytes.size(), parameters) != 1 ||
        EVP_MAC_update(context.get(), data.data(), data.size()) != 1 ||
        EVP_MAC_final(context.get(), result.data(), &length, result.size()) != 1 ||
        length != result.size()) {
        return std::unexpected(EppError::crypto_failure);
    }
    return result;
}

std::expected<KeyCheckValue, EppError> key_check_value(KeyAlgorithm algorithm,
                                                       const SecretKey& key) {
    KeyCheckValue value{};
    switch (algorithm) {
        case KeyAlgorithm::tdes: {
            if (halves_equal(key)) {
                return std::unexpected(EppError::bad_key_block);
            }
            const auto tdes = iso9564::tdes_key_check_value(std::span(key.bytes));
            std::ranges::copy(tdes, value.begin());
            if (std::ranges::all_of(tdes, [](std::uint8_t b) { return b == 0; })) {
                // pin_block.h: the cipher failing yields 000000.
                return std::unexpected(EppError::crypto_failure);
            }
            return value;
        }
        case KeyAlgorithm::aes128:
        case KeyAlgorithm::aes128_dukpt: {
            // epp.md §8.7: LOAD KEY names the DUKPT initial key by its AES KCV, once.
            auto aes = iso9564::aes_key_check_value(key.bytes);
            if (!aes) {
                return std::unexpected(EppError::crypto_failure);
            }
            return *aes;
        }
        case KeyAlgorithm::none:
            break;
    }
    return value;
}

std::expected<Challenge, EppError> random_challenge() {
    Challenge challenge{};
    if (RAND_bytes(challenge.data(), static_cast<int>(challenge.size())) != 1) {
        return std::unexpected(EppError::crypto_failure);
    }
    return challenge;
}

std::expected<KeyBlock, EppError> wrap_key(const SecretKey& master, KeySlot slot,
                                           const SecretKey& key) {
    if (slot == KeySlot::master || slot == KeySlot::pin_dukpt ||
        (algorithm_of(slot) == KeyAlgorithm::tdes && halves_equal(key))) {
        return std::unexpected(EppError::invalid_request);
    }
    base::Bytes clear = key_block_header(slot);
    append(clear, key.bytes);
    auto wrapped = key_wrap(master, clear, true);
    if (!wrapped || wrapped->size() != k_key_block_length) {
        return std::unexpected(EppError::crypto_failure);
    }
    KeyBlock block{};
    std::ranges::copy(*wrapped, block.begin());
    return block;
}

std::expected<SecretKey, EppError> unwrap_key(const SecretKey& master, KeySlot slot,
                                              const KeyBlock& block) {
    auto clear = key_wrap(master, block, false);
    if (!clear) {
        return std::unexpected(clear.error());
    }
    if (clear->size() != k_wrapped_length ||
        !std::equal(clear->begin(), clear->begin() + k_key_block_header_length,
                    key_block_header(slot).begin())) {
        return std::unexpected(EppError::bad_key_block);
    }
    SecretKey key(std::span<const std::uint8_t, k_key_length>(
        clear->data() + k_key_block_header_length, k_key_length));
    if (algorithm_of(slot) == KeyAlgorithm::tdes && halves_equal(key)) {
        return std::unexpected(EppError::bad_key_block);
    }
    return key;
}

std::expected<DukptKeyBlock, EppError> wrap_dukpt_key(const SecretKey& master,
                                                      const DukptInitialKey& initial_key) {
    // epp.md §8.7: header, initial key, initial key ID; 32 bytes wrapped into 40.
    base::Bytes clear = key_block_header(KeySlot::pin_dukpt);
    append(clear, initial_key.key.bytes);
    append(clear, initial_key.initial_key_id);
    auto wrapped = key_wrap(master, clear, true);
    if (!wrapped || wrapped->size() != k_dukpt_key_block_length) {
        return std::unexpected(EppError::crypto_failure);
    }
    DukptKeyBlock block{};
    std::ranges::copy(*wrapped, block.begin());
    return block;
}

std::expected<DukptInitialKey, EppError> unwrap_dukpt_key(const SecretKey& master,
                                                          const DukptKeyBlock& block) {
    auto clear = key_wrap(master, block, false);
    if (!clear) {
        return std::unexpected(clear.error());
    }
    constexpr std::size_t k_dukpt_wrapped_length =
        k_key_block_header_length + k_key_length + k_initial_key_id_length;
    if (clear->size() != k_dukpt_wrapped_length ||
        !std::equal(clear->begin(), clear->begin() + k_key_block_header_length,
                    key_block_header(KeySlot::pin_dukpt).begin())) {
        return std::unexpected(EppError::bad_key_block);
    }
    DukptInitialKey initial_key;
    initial_key.key = SecretKey(std::span<const std::uint8_t, k_key_length>(
        clear->data() + k_key_block_header_length, k_key_length));
    std::copy_n(clear->begin() + k_key_block_header_length + k_key_length, k_initial_key_id_length,
                initial_key.initial_key_id.begin());
    return initial_key;
}

std::expected<Proof, EppError> pad_proof(const SecretKey& authentication_key,
                                         const Challenge& host_challenge,
                                         const Challenge& pad_challenge) {
    return labelled_proof(authentication_key, k_pad_label, host_challenge, pad_challenge);
}

std::expected<Proof, EppError> host_proof(const SecretKey& authentication_key,
                                          const Challenge& host_challenge,
                                          const Challenge& pad_challenge) {
    // epp.md §8.4: the pad's challenge first, so that no proof answers for the other side.
    return labelled_proof(authentication_key, k_host_label, pad_challenge, host_challenge);
}

std::expected<SecretKey, EppError> session_key(const SecretKey& authentication_key,
                                               const Challenge& host_challenge,
                                               const Challenge& pad_challenge) {
    // NIST SP 800-108 §4.1, counter mode, one block: [i] || Label || 00 || Context || [L].
    base::Bytes input{k_kdf_counter};
    append(input, k_session_label);
    input.push_back(0x00);
    append(input, host_challenge);
    append(input, pad_challenge);
    append(input, k_kdf_length_bits);
    auto block = aes_cmac(authentication_key, input);
    if (!block) {
        return std::unexpected(block.error());
    }
    SecretKey key(std::span<const std::uint8_t, k_key_length>(block->data(), k_key_length));
    base::wipe(std::span(*block));
    return key;
}

bool same_proof(std::span<const std::uint8_t> left, std::span<const std::uint8_t> right) {
    return left.size() == right.size() &&
           CRYPTO_memcmp(left.data(), right.data(), left.size()) == 0;
}

void SecureChannel::open(const SecretKey& key) {
    std::lock_guard lock(m_mutex);
    m_key = key;
    m_open = true;
    m_next_sent = {};
    m_last_received = {};
}

void SecureChannel::close() {
    std::lock_guard lock(m_mutex);
    m_key = SecretKey{};
    m_open = false;
    m_next_sent = {};
    m_last_received = {};
}

bool SecureChannel::is_open() const {
    std::lock_guard lock(m_mutex);
    return m_open;
}

std::expected<std::array<std::uint8_t, 16>, EppError> SecureChannel::mac_of(
    const Frame& frame, std::size_t message_length, Channel channel) const {
    // epp.md §8.5: channel || code || sequence || M (LE) || message || counter.
    base::Bytes input{static_cast<std::uint8_t>(channel), frame.code, frame.sequence};
    base::put_le16(input, static_cast<std::uint16_t>(message_length));
    input.insert(
        input.end(), frame.payload.begin(),
        frame.payload.begin() + static_cast<std::ptrdiff_t>(message_length + k_counter_length));
    return aes_cmac(m_key, input);
}

std::expected<void, EppError> SecureChannel::seal(Frame& frame, Channel channel) {
    std::lock_guard lock(m_mutex);
    if (!m_open) {
        return {};
    }
    std::uint32_t& counter = m_next_sent[channel_index(channel)];
    if (counter == UINT32_MAX) {
        // A session this long is renewed, never wrapped round (epp.md §8.5).
        return std::unexpected(EppError::crypto_failure);
    }
    const std::size_t message_length = frame.payload.size();
    base::put_le32(frame.payload, counter++);
    auto mac = mac_of(frame, message_length, channel);
    if (!mac) {
        frame.payload.resize(message_length);
        return std::unexpected(mac.error());
    }
    frame.payload.insert(frame.payload.end(), mac->begin(), mac->begin() + k_mac_length);
    return {};
}

std::expected<void, EppError> SecureChannel::unseal(Frame& frame, Channel channel) {
    std::lock_guard lock(m_mutex);
    if (!m_open) {
        return {};
    }
    if (frame.payload.size() < k_secured_trailer_length) {
        return std::unexpected(EppError::frame_refused);
    }
    const std::size_t message_length = frame.payload.size() - k_secured_trailer_length;
    const std::uint32_t counter = base::le32_at(frame.payload, message_length);
    auto mac = mac_of(frame, message_length, channel);
    if (!mac) {
        return std::unexpected(mac.error());
    }
    const auto received = std::span(frame.payload).subspan(message_length + k_counter_length);
    if (!same_proof(std::span(*mac).first(k_mac_length), received)) {
        return std::unexpected(EppError::frame_refused);
    }
    std::optional<std::uint32_t>& last = m_last_received[channel_index(channel)];
    if (last && counter <= *last) {
        return std::unexpected(EppError::frame_refused);  // a replay, or an old frame
    }
    last = counter;
    frame.payload.resize(message_length);
    return {};
}

}  // namespace drivers::epp
