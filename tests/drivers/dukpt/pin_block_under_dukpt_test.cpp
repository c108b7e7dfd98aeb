// AES DUKPT and ISO 9564 format 4 together, as a pad and a bank use them: the pad enciphers each
// PIN block under its transaction's PIN key and sends the KSN with it; the bank derives the key
// from the BDK and the KSN and deciphers the PIN. The blocks of the first two transactions are
// the format 4 example of the X9.24-3-2017 supplement (tests/drivers/dukpt/dukpt_vectors.h).

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <string>

#include "base/bytes.h"
#include "base/wipe.h"
#include "drivers/dukpt/derivation.h"
#include "drivers/dukpt/originating_device.h"
#include "drivers/iso9564/pin_block.h"
#include "tests/drivers/dukpt/dukpt_vectors.h"

namespace dukpt = drivers::dukpt;
namespace iso9564 = drivers::iso9564;

namespace {

constexpr std::string_view k_example_pan = "4111111111111111";
constexpr auto k_example_random = dukpt_vectors::hex_array<8>("2F69ADDE2E9E7ACE");

dukpt::OriginatingDevice loaded_pad() {
    auto device = dukpt::OriginatingDevice::load_initial_key(
        dukpt_vectors::key(dukpt_vectors::k_initial_key), dukpt_vectors::k_initial_key_id);
    REQUIRE(device.has_value());
    return std::move(*device);
}

}  // namespace

TEST_CASE("a DUKPT pad's first two PIN blocks are the supplement's format 4 example") {
    auto pad = loaded_pad();
    for (const std::string_view expected :
         {"A912150391AB65A67E52883D81CE2D15", "52A00503BD34BA1383F6A7EE9FE2547F"}) {
        auto transaction = pad.next_pin_encryption_key();
        REQUIRE(transaction.has_value());
        auto block = iso9564::format4_encrypted("1234", k_example_pan, transaction->key.bytes,
                                                k_example_random);
        REQUIRE(block.has_value());
        CHECK(base::to_hex(*block) == expected);
    }
}

TEST_CASE("the bank deciphers each of a DUKPT pad's PIN blocks from the BDK and the KSN alone") {
    auto pad = loaded_pad();
    const std::string pins[] = {"1234", "908172", "55501234", "246813579024"};
    for (std::size_t index = 0; index < 40; ++index) {
        const std::string& pin = pins[index % std::size(pins)];
        auto transaction = pad.next_pin_encryption_key();
        REQUIRE(transaction.has_value());
        auto block = iso9564::format4_encrypted(pin, "6217001234567890122", transaction->key.bytes);
        REQUIRE(block.has_value());
        // The bank sees only the block and the KSN.
        auto bank_key =
            dukpt::derive_pin_encryption_key(dukpt_vectors::k_base_key, transaction->ksn);
        REQUIRE(bank_key.has_value());
        auto decoded = iso9564::format4_decrypt_pin(*block, "6217001234567890122", bank_key->bytes);
        REQUIRE(decoded.has_value());
        CHECK(*decoded == pin);
        base::wipe(*decoded);
    }
}

TEST_CASE("a block deciphered under another transaction's key is not taken for a PIN") {
    auto pad = loaded_pad();
    auto first = pad.next_pin_encryption_key();
    auto second = pad.next_pin_encryption_key();
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    auto block =
        iso9564::format4_encrypted("1234", k_example_pan, second->key.bytes, k_example_random);
    REQUIRE(block.has_value());
    // A replayed or mislabelled KSN: the bank derives transaction 1's key for transaction 2's
    // block, and the block does not decipher to a well-formed PIN field.
    auto bank_key = dukpt::derive_pin_encryption_key(dukpt_vectors::k_base_key, first->ksn);
    REQUIRE(bank_key.has_value());
    auto decoded = iso9564::format4_decrypt_pin(*block, k_example_pan, bank_key->bytes);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error() == iso9564::PinBlockError::bad_block);
}
