#include <catch2/catch.hpp>

#include <string>

#include "base/bytes.h"
#include "drivers/epp/epp_security.h"
#include "tests/support/replay_transport.h"

using namespace drivers::epp;
using tests::drivers::hex;

namespace {

SecretKey test_key(std::string_view text) {
    // Built before Catch2 runs (the keys below are constants): a wrong literal fails the tests
    // that use the key, not here.
    base::Bytes bytes = hex(text);
    bytes.resize(k_key_length);
    return SecretKey(std::span<const std::uint8_t, k_key_length>(bytes.data(), k_key_length));
}

const SecretKey k_master = test_key("00112233445566778899AABBCCDDEEFF");
const SecretKey k_pin_key = test_key("2B7E151628AED2A6ABF7158809CF4F3C");
const SecretKey k_tdes_key = test_key("0123456789ABCDEFFEDCBA9876543210");

Challenge challenge_of(std::uint8_t fill) {
    Challenge challenge{};
    challenge.fill(fill);
    return challenge;
}

}  // namespace

TEST_CASE("AES-CMAC gives the RFC 4493 test vectors") {
    // RFC 4493 §4, examples 1 to 3 (key 2B7E1516...).
    const SecretKey key = test_key("2B7E151628AED2A6ABF7158809CF4F3C");
    CHECK(base::to_hex(*aes_cmac(key, {})) == "BB1D6929E95937287FA37D129B756746");
    CHECK(base::to_hex(*aes_cmac(key, hex("6BC1BEE22E409F96E93D7E117393172A"))) ==
          "070A16B46B4D4144F79BDD9DD04A287C");
    CHECK(base::to_hex(*aes_cmac(key, hex("6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C"
                                          "9EB76FAC45AF8E5130C81C46A35CE411"))) ==
          "DFA66747DE9AE63030CA32611497C827");
}

TEST_CASE("A key check value names a key by the standard's rule, and a TDES one by three bytes") {
    // ANSI X9.24-1:2017: AES, CMAC of a zero block; TDES, E(K, 0^8), both truncated.
    const auto aes = key_check_value(KeyAlgorithm::aes128, k_pin_key);
    REQUIRE(aes.has_value());
    const auto mac = aes_cmac(k_pin_key, base::Bytes(16));
    REQUIRE(mac.has_value());
    CHECK(base::to_hex(*aes) == base::to_hex(std::span(*mac).first(5)));
    const auto tdes = key_check_value(KeyAlgorithm::tdes, k_tdes_key);
    REQUIRE(tdes.has_value());
    // The widely published KCV of the test key 0123456789ABCDEF FEDCBA9876543210.
    CHECK(base::to_hex(*tdes) == "08D7B40000");
    CHECK(
        key_check_value(KeyAlgorithm::tdes, test_key("0123456789ABCDEF0123456789ABCDEF")).error() ==
        EppError::bad_key_block);
}

TEST_CASE("A working key travels wrapped under the master key and only into its own slot") {
    const auto block = wrap_key(k_master, KeySlot::pin_aes, k_pin_key);
    REQUIRE(block.has_value());
    // The key is nowhere in the block (epp.md §8.3).
    const std::string block_hex = base::to_hex(*block);
    CHECK(block_hex.find(base::to_hex(k_pin_key.bytes)) == std::string::npos);
    auto unwrapped = unwrap_key(k_master, KeySlot::pin_aes, *block);
    REQUIRE(unwrapped.has_value());
    CHECK(*unwrapped == k_pin_key);
    // The header binds the slot: the PIN key is refused as the authentication key.
    CHECK(unwrap_key(k_master, KeySlot::authentication, *block).error() == EppError::bad_key_block);
    // RFC 3394's integrity check: any changed bit, or another master key, is refused.
    for (std::size_t index = 0; index < block->size(); ++index) {
        KeyBlock changed = *block;
        changed[index] ^= 0x01;
        CHECK(unwrap_key(k_master, KeySlot::pin_aes, changed).error() == EppError::bad_key_block);
    }
    CHECK(unwrap_key(k_pin_key, KeySlot::pin_aes, *block).error() == EppError::bad_key_block);
    // A TDES key whose halves are equal is single DES: never wrapped.
    CHECK(wrap_key(k_master, KeySlot::pin_tdes, test_key("0123456789ABCDEF0123456789ABCDEF"))
              .error() == EppError::invalid_request);
    CHECK(wrap_key(k_master, KeySlot::master, k_pin_key).error() == EppError::invalid_request);
}

TEST_CASE("The two proofs and the session key differ and depend on both challenges") {
    const Challenge host = challenge_of(0x11);
    const Challenge pad = challenge_of(0x22);
    const auto pad_side = pad_proof(k_pin_key, host, pad);
    const auto host_side = host_proof(k_pin_key, host, pad);
    const auto session = session_key(k_pin_key, host, pad);
    REQUIRE((pad_side && host_side && session));
    // No proof answers for the other side, and the session key is neither.
    CHECK(*pad_side != *host_side);
    CHECK(!same_proof(*pad_side, session->bytes));
    CHECK(*pad_proof(k_pin_key, challenge_of(0x12), pad) != *pad_side);
    CHECK(*pad_proof(k_pin_key, host, challenge_of(0x23)) != *pad_side);
    CHECK(session_key(k_pin_key, host, challenge_of(0x23))->bytes != session->bytes);
    CHECK(*pad_proof(k_master, host, pad) != *pad_side);
    // Fresh challenges from the generator.
    CHECK(*random_challenge() != *random_challenge());
}

TEST_CASE("A secured frame is taken once, on its own channel, only unaltered") {
    const SecretKey session = k_pin_key;
    SecureChannel host;
    SecureChannel pad;
    host.open(session);
    pad.open(session);
    Frame command{0x02, 0x05, {}};
    REQUIRE(host.seal(command, Channel::command).has_value());
    // epp.md §8.5: the message, a 4-byte counter from 0, an 8-byte MAC.
    REQUIRE(command.payload.size() == k_secured_trailer_length);
    CHECK(base::to_hex(std::span(command.payload).first(4)) == "00000000");

    Frame replay = command;
    Frame wrong_channel = command;
    Frame altered = command;
    altered.sequence ^= 0x01;
    CHECK(pad.unseal(wrong_channel, Channel::response).error() == EppError::frame_refused);
    CHECK(pad.unseal(altered, Channel::command).error() == EppError::frame_refused);
    REQUIRE(pad.unseal(command, Channel::command).has_value());
    CHECK(command == Frame{0x02, 0x05, {}});
    // The same frame again is a replay.
    CHECK(pad.unseal(replay, Channel::command).error() == EppError::frame_refused);

    // An unsecured frame in a session is refused; a closed channel passes frames unchanged.
    Frame plain{0x02, 0x06, {}};
    CHECK(pad.unseal(plain, Channel::command).error() == EppError::frame_refused);
    pad.close();
    CHECK(pad.unseal(plain, Channel::command).has_value());
    CHECK(plain == Frame{0x02, 0x06, {}});
    // Under another session key, nothing is taken.
    pad.open(k_master);
    Frame next{0x02, 0x07, {0x01}};
    REQUIRE(host.seal(next, Channel::command).has_value());
    CHECK(pad.unseal(next, Channel::command).error() == EppError::frame_refused);
}
