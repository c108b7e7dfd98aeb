// The PIN pad protocol's DUKPT mode (docs/protocols/epp.md §8.7): the initial key's 40-byte key
// block, the KSN after a DUKPT PIN block, and the fifth entry of GET KEY STATUS. What is wrong
// with any of them is a named error; a KSN cut short or too long is never read past its end.

#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "base/bytes.h"
#include "drivers/epp/epp_protocol.h"
#include "drivers/epp/epp_security.h"
#include "tests/support/replay_transport.h"

using namespace drivers::epp;
using tests::drivers::hex;

namespace {

SecretKey dukpt_test_key(std::string_view text) {
    const base::Bytes bytes = hex(text);
    return SecretKey(std::span<const std::uint8_t, k_key_length>(bytes.data(), k_key_length));
}

// ANSI X9.24-3-2017 supplement: the initial key of BDK FEDCBA98... for initial key ID
// 1234567890123456 (tests/drivers/dukpt/dukpt_vectors.h).
const SecretKey k_dukpt_master = dukpt_test_key("00112233445566778899AABBCCDDEEFF");
const SecretKey k_dukpt_initial_key = dukpt_test_key("1273671EA26AC29AFA4D1084127652A1");

InitialKeyId dukpt_initial_key_id() {
    InitialKeyId id{};
    const base::Bytes bytes = hex("1234567890123456");
    std::ranges::copy(bytes, id.begin());
    return id;
}

Ksn ksn_with_counter(std::uint32_t counter) {
    Ksn ksn{};
    const InitialKeyId id = dukpt_initial_key_id();
    std::ranges::copy(id, ksn.begin());
    // X9.24-3-2017 §6.1: the counter, most significant byte first.
    ksn[8] = static_cast<std::uint8_t>(counter >> 24);
    ksn[9] = static_cast<std::uint8_t>(counter >> 16);
    ksn[10] = static_cast<std::uint8_t>(counter >> 8);
    ksn[11] = static_cast<std::uint8_t>(counter);
    return ksn;
}

PinBlockReply dukpt_reply(std::uint32_t counter) {
    PinBlockReply reply;
    reply.key_slot = static_cast<std::uint8_t>(KeySlot::pin_dukpt);
    reply.format = BlockFormat::iso9564_format4;
    reply.format4_block.fill(0x5A);
    reply.ksn = ksn_with_counter(counter);
    return reply;
}

base::Bytes joined(base::Bytes first, const base::Bytes& second) {
    first.insert(first.end(), second.begin(), second.end());
    return first;
}

}  // namespace

TEST_CASE("The DUKPT initial key travels in a 40-byte block for slot 02 and for no other slot") {
    auto block = wrap_dukpt_key(
        k_dukpt_master,
        DukptInitialKey{.key = k_dukpt_initial_key, .initial_key_id = dukpt_initial_key_id()});
    REQUIRE(block.has_value());
    // The block does not hold the key in the clear.
    CHECK(std::ranges::search(*block, k_dukpt_initial_key.bytes).empty());
    auto unwrapped = unwrap_dukpt_key(k_dukpt_master, *block);
    REQUIRE(unwrapped.has_value());
    CHECK(unwrapped->key == k_dukpt_initial_key);
    CHECK(unwrapped->initial_key_id == dukpt_initial_key_id());

    // LOAD KEY: slot 02 then the 40 bytes; round trip.
    const LoadKey load{.slot = KeySlot::pin_dukpt, .block = {}, .dukpt_block = *block};
    const Frame frame = encode_command(load, 5);
    CHECK(frame.payload.size() == 41);
    CHECK(frame.payload[0] == 0x02);
    auto decoded = decode_command(*decode_frame(encode_frame(frame)));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == Command{load});
    // A 32-byte block for slot 02, a 40-byte block for slot 01: malformed.
    CHECK(decode_command(Frame{code::k_load_key, 0, joined(hex("02"), base::Bytes(32))}).error() ==
          EppError::malformed_payload);
    CHECK(decode_command(Frame{code::k_load_key, 0, joined(hex("01"), base::Bytes(40))}).error() ==
          EppError::malformed_payload);

    // Altered, or under another master key: bad key block; the fixed-key wrap refuses slot 02.
    DukptKeyBlock altered = *block;
    altered[17] ^= 0x40;
    CHECK(unwrap_dukpt_key(k_dukpt_master, altered).error() == EppError::bad_key_block);
    CHECK(unwrap_dukpt_key(k_dukpt_initial_key, *block).error() == EppError::bad_key_block);
    CHECK(wrap_key(k_dukpt_master, KeySlot::pin_dukpt, k_dukpt_initial_key).error() ==
          EppError::invalid_request);
    // epp.md §8.1: a fixed AES key's block cannot be taken for the DUKPT slot's (the header's
    // slot and algorithm differ, and so does the length).
    auto aes_block = wrap_key(k_dukpt_master, KeySlot::pin_aes, k_dukpt_initial_key);
    REQUIRE(aes_block.has_value());
    CHECK(unwrap_key(k_dukpt_master, KeySlot::pin_aes, *aes_block).has_value());
    CHECK(algorithm_of(KeySlot::pin_dukpt) == KeyAlgorithm::aes128_dukpt);
    CHECK(key_slot_from(0x02) == KeySlot::pin_dukpt);
}

TEST_CASE("A PIN block from the DUKPT slot carries its 12-byte KSN after the block") {
    const PinBlockReply reply = dukpt_reply(0x00000003);
    const base::Bytes encoded = encode_pin_block_reply(reply);
    // epp.md §8.7: slot 02, format 4, 16 bytes of block, then the KSN.
    CHECK(encoded.size() == 30);
    CHECK(base::to_hex(std::span(encoded).last(12)) == "123456789012345600000003");
    auto decoded = decode_pin_block_reply(encoded);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == reply);
    REQUIRE(decoded->ksn.has_value());
    CHECK(decoded->bytes().size() == 16);  // the block alone, without the KSN

    // PIN ENTRY DONE carries the same fields.
    const Event done = PinEntryDone{reply};
    auto event = decode_event(*decode_frame(encode_frame(encode_event(done, 7))));
    REQUIRE(event.has_value());
    CHECK(*event == done);

    // A block under a fixed key is as revision 5 sent it: no KSN.
    PinBlockReply fixed;
    fixed.key_slot = 1;
    fixed.format = BlockFormat::iso9564_format4;
    CHECK(encode_pin_block_reply(fixed).size() == 18);
}

TEST_CASE(
    "A KSN missing, of the wrong length, where none belongs or with an unusable counter is "
    "bad_ksn") {
    const base::Bytes good = encode_pin_block_reply(dukpt_reply(1));
    // Every length from the bare block to one byte past the KSN, but the right one.
    for (std::size_t length = 18; length <= 31; ++length) {
        if (length == good.size()) {
            continue;
        }
        base::Bytes data = good;
        data.resize(length, 0x01);
        INFO("length " << length);
        CHECK(decode_pin_block_reply(data).error() == EppError::bad_ksn);
    }
    // Shorter than a format 4 block: malformed, as for any format 4 reply.
    for (std::size_t length = 0; length < 18; ++length) {
        CHECK_FALSE(decode_pin_block_reply(std::span(good).first(length)).has_value());
    }
    // A KSN after a block from the fixed AES slot.
    base::Bytes fixed_with_ksn = good;
    fixed_with_ksn[0] = 0x01;
    CHECK(decode_pin_block_reply(fixed_with_ksn).error() == EppError::bad_ksn);
    // A format 0 block from the DUKPT slot (DUKPT here makes format 4 blocks only).
    CHECK(decode_pin_block_reply(joined(hex("02 00"), base::Bytes(8))).error() ==
          EppError::bad_ksn);
    // Counter 0, and 0x1FFFF (17 one bits), which no pad uses (X9.24-3-2017 §6.1).
    CHECK(decode_pin_block_reply(encode_pin_block_reply(dukpt_reply(0))).error() ==
          EppError::bad_ksn);
    CHECK(decode_pin_block_reply(encode_pin_block_reply(dukpt_reply(0x0001FFFF))).error() ==
          EppError::bad_ksn);
    CHECK(decode_pin_block_reply(encode_pin_block_reply(dukpt_reply(0x0001FFFE))).has_value());
    // The event decoder reports the same error.
    CHECK(decode_event(Frame{code::k_pin_entry_done, 0, base::Bytes(good.begin(), good.end() - 1)})
              .error() == EppError::bad_ksn);
}

TEST_CASE("Key status lists the DUKPT slot by its initial key ID, and only while it holds one") {
    KeyStatus status;
    status.slots = {KeySlotStatus{KeySlot::pin_tdes, KeyAlgorithm::none, {}},
                    KeySlotStatus{KeySlot::pin_aes, KeyAlgorithm::aes128, {1, 2, 3, 4, 5}},
                    KeySlotStatus{KeySlot::authentication, KeyAlgorithm::aes128, {6, 7, 8, 9, 1}},
                    KeySlotStatus{KeySlot::master, KeyAlgorithm::aes128, {9, 8, 7, 6, 5}}};
    status.failed_authentications = 1;
    status.refused_frames = 2;
    // Without an initial key the answer is revision 5's, byte for byte.
    const base::Bytes revision5 = encode_key_status(status);
    CHECK(revision5.size() == 32);
    CHECK(revision5[0] == 4);
    CHECK(decode_key_status(revision5)->slot(KeySlot::pin_dukpt).algorithm == KeyAlgorithm::none);

    status.dukpt =
        DukptSlotStatus{.initial_key_id = dukpt_initial_key_id(), .next_counter = 0x00020001};
    const base::Bytes encoded = encode_key_status(status);
    CHECK(encoded.size() == 46);
    CHECK(encoded[0] == 5);
    // The fifth entry: slot 02, algorithm 3, the initial key ID, the counter little-endian.
    CHECK(base::to_hex(std::span(encoded).subspan(29, 14)) == "0203123456789012345601000200");
    auto decoded = decode_key_status(encoded);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == status);
    CHECK(decoded->slot(KeySlot::pin_dukpt).algorithm == KeyAlgorithm::aes128_dukpt);
    CHECK(decoded->failed_authentications == 1);
    CHECK(decoded->refused_frames == 2);

    // Five entries announced in revision 5's length, four in the longer one, a fifth entry for
    // another slot or algorithm, and every shorter answer: malformed.
    base::Bytes bad = revision5;
    bad[0] = 5;
    CHECK(decode_key_status(bad).error() == EppError::malformed_payload);
    bad = encoded;
    bad[0] = 4;
    CHECK(decode_key_status(bad).error() == EppError::malformed_payload);
    for (const std::size_t offset : {std::size_t{29}, std::size_t{30}}) {
        bad = encoded;
        bad[offset] ^= 0x01;
        CHECK(decode_key_status(bad).error() == EppError::malformed_payload);
    }
    for (std::size_t length = 0; length < encoded.size(); ++length) {
        CHECK_FALSE(decode_key_status(std::span(encoded).first(length)).has_value());
    }
}
