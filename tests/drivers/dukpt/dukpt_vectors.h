#pragma once

// The published AES DUKPT test vectors both test files use: ASC X9, "Supplement to ANSI
// X9.24-3-2017: Test Vectors" (2018-01-29), the suite "AES-128 keys from an AES-128 BDK". The
// values were read from its transcriptions in openemv/dukpt (test/dukpt_aes128_test.c, "ANSI
// X9.24-3:2017 Supplement Test Vectors for AES-128 BDK") and in the known-answer tests of other
// open-source DUKPT libraries that quote the same supplement; the PIN key of transaction 2
// is also the key of the supplement's format 4 PIN block example
// (tests/drivers/iso9564/pin_block_test.cpp).

#include <array>
#include <cstdint>
#include <string_view>

#include "drivers/dukpt/derivation.h"
#include "tests/support/hex_fixture.h"

namespace dukpt_vectors {

using tests::hex_array;

inline drivers::dukpt::AesKey key(std::string_view hex) {
    const auto value = hex_array<16>(hex);
    return drivers::dukpt::AesKey(value);
}

constexpr auto k_base_key = hex_array<16>("FEDCBA9876543210F1F1F1F1F1F1F1F1");
constexpr auto k_initial_key_id = hex_array<8>("1234567890123456");
constexpr std::string_view k_initial_key = "1273671EA26AC29AFA4D1084127652A1";

struct TransactionKey {
    std::uint32_t counter;
    std::string_view key;
};

// The derivation ("transaction") keys the supplement lists for the first eight counters, the
// counters either side of the first skipped one (0x1FFFF has 17 one bits), and the last four.
constexpr TransactionKey k_transaction_keys[] = {
    {0x00000001, "4F21B565BAD9835E112B6465635EAE44"},
    {0x00000002, "2F34D68DE10F68D38091A73B9E7C437C"},
    {0x00000003, "031504E530365CF81264238540518318"},
    {0x00000004, "0EEFC7ADA628BA68878DA9165A8A1887"},
    {0x00000005, "C2A7AC328A5DA2D6002D62465BFC028B"},
    {0x00000006, "D30F7D9351DA58448A2F5E92B4EE3B7D"},
    {0x00000007, "A8253CEED9AC042C54F75D35C8352278"},
    {0x00000008, "718EE6CF0B27E53D5F7AF99C4D8146A2"},
    {0x0001FFFE, "E21E8C8D347F8561A2BE752DAA85A111"},
    {0x00020000, "F7AE9025468A25D37B7249CFFED224C8"},
    {0x00020001, "692C8EA4013645135B36497131DF9D2C"},
    {0xFFFE2000, "48E585B694EB0B18D5C35443E163C0BA"},
    {0xFFFE4000, "396C2C7CA1EA701C03B86B7D41F0C562"},
    {0xFFFE8000, "0387625F189B58AE03EF0E8CCA41105E"},
    {0xFFFF0000, "F6BA59389BD14A9855BE9727E7C52E3C"},
};

// Working keys the supplement lists for transaction 1 (every usage, as X9.24-3-2017 Annex B's
// sample also gives them) and 8 (PIN), and the PIN key of transaction 2 from its format 4
// example.
struct WorkingKey {
    std::uint32_t counter;
    drivers::dukpt::KeyUsage usage;
    std::string_view key;
};

constexpr WorkingKey k_working_keys[] = {
    {1, drivers::dukpt::KeyUsage::pin_encryption, "AF8CB133A78F8DC2D1359F18527593FB"},
    {1, drivers::dukpt::KeyUsage::mac_generation, "A2DC23DE6FDE0824A2BC321E08E4B8B7"},
    {1, drivers::dukpt::KeyUsage::data_encryption, "A35C412EFD41FDB98B69797C02DCD08F"},
    {1, drivers::dukpt::KeyUsage::key_encryption_key, "36A724B7BEFA5A25F5E7B5782A4554A2"},
    {1, drivers::dukpt::KeyUsage::mac_verification, "DBB463945B286C07CD3AD82EE96FD9C9"},
    {1, drivers::dukpt::KeyUsage::mac_both_ways, "85675439D18D7F1158BD8E3EAA3D502B"},
    {1, drivers::dukpt::KeyUsage::data_decryption, "16292C6EA8F64C5420A0584BFBC577BE"},
    {1, drivers::dukpt::KeyUsage::data_both_ways, "A308E080DD15A1B741F1721BF67DE11C"},
    {2, drivers::dukpt::KeyUsage::pin_encryption, "D30BDC73EC9714B000BEC66BDB7B6D09"},
    {8, drivers::dukpt::KeyUsage::pin_encryption, "4D9DF3FBEE3448FC3E676D04320A90F5"},
};

}  // namespace dukpt_vectors
