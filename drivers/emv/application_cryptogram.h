#pragma once

// Online card authentication (EMV 4.3 Book 2 §8.1, Annex A1): the keys a card and its issuer
// share, and the application cryptogram (ARQC) the card computes in GENERATE AC and the issuer
// recomputes. Pure functions over OpenSSL's libcrypto DES; both ends call them: the kiosk's
// reading of the card (card_data.h) fills an OnlineAuthentication, the simulated cards
// (simulator/cards) compute the cryptogram, and the simulated bank verifies it.
//
// What the cryptogram covers, byte for byte (cryptogram_input()), in this order:
//   1. the CDOL1 data the terminal sent to GENERATE AC, exactly as sent. The cards of this
//      project ask in CDOL1 for the terminal part of Book 2 §8.1.1's recommended minimum set,
//      in its order: 9F02 amount authorised (6), 9F03 amount other (6), 9F1A terminal country
//      code (2), 95 TVR (5), 5F2A transaction currency code (2), 9A transaction date (3),
//      9C transaction type (1), 9F37 unpredictable number (4): 29 bytes. Whatever a card's
//      CDOL1 asks for, the bytes sent are what is covered;
//   2. the application interchange profile, 82 (2 bytes), from GET PROCESSING OPTIONS;
//   3. the application transaction counter, 9F36 (2 bytes), from GENERATE AC;
//   4. the card verification results from the issuer application data, 9F10: its bytes 4 to 7
//      (zero-based offsets 3..6: the CVR's own length byte, 03, and its three bytes), in the
//      layout the simulated cards write: 06 (length of the discretionary part), derivation key
//      index, cryptogram version number, then the CVR (Book 2 §8.1.1 leaves this part to the
//      issuer; the layout is that of cryptogram version 10 of the Visa and UnionPay families).
// The input is then padded with ISO/IEC 9797-1 padding method 2 (80, then 00s to a multiple of
// 8 bytes), as Book 2 Annex A1.2.1 requires.

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string_view>

#include "base/bytes.h"

namespace drivers::emv {

enum class CryptogramError {
    bad_key,                      // a key is not 16 bytes (a double-length DES key)
    bad_pan,                      // the PAN is not 12..19 digits
    bad_pan_sequence_number,      // 5F34 is not n2 (two BCD digits)
    bad_diversification,          // the session key's diversification value is not 8 bytes
    bad_issuer_application_data,  // 9F10 too short to hold the CVR
    bad_field,                    // AIP not 2 bytes, or the cryptogram not 8
    cipher_failed,                // libcrypto refused a DES operation
};

std::string_view to_string(CryptogramError error);

// Book 2 Annex A1.4.1, Option A: the ICC master key MK from the issuer master key IMK (16
// bytes), the PAN (digits) and the PAN sequence number 5F34 (00 when the card has none): Y is
// the rightmost 16 digits of PAN || PSN as 8 BCD bytes; MK = 3DES(IMK)[Y] || 3DES(IMK)[Y xor
// FF..FF], with odd parity set on every byte.
std::expected<base::Bytes, CryptogramError> derive_icc_master_key(
    std::span<const std::uint8_t> issuer_master_key, std::string_view pan,
    std::optional<std::uint8_t> pan_sequence_number);

// Book 2 Annex A1.3.1, common session key derivation: from the ICC master key and an 8-byte
// diversification value R, SK = 3DES(MK)[R0 R1 F0 R3..R7] || 3DES(MK)[R0 R1 0F R3..R7].
std::expected<base::Bytes, CryptogramError> derive_session_key(
    std::span<const std::uint8_t> icc_master_key, std::span<const std::uint8_t> diversification);

// Book 2 Annex A1.3.1: for the application cryptogram, R = ATC || 00 00 00 00 00 00.
base::Bytes cryptogram_diversification(std::uint16_t transaction_counter);

// Book 2 Annex A1.2.1: the MAC of ISO/IEC 9797-1 algorithm 3 (single DES CBC under the left
// half of the key, the last block then deciphered under the right half and enciphered under
// the left) over the data padded with method 2. 8 bytes.
std::expected<base::Bytes, CryptogramError> application_cryptogram(
    std::span<const std::uint8_t> session_key, std::span<const std::uint8_t> data);

// The first bytes of 3DES(key)[00..00]: the key check value engineers compare, which names a
// key without showing it.
std::expected<base::Bytes, CryptogramError> key_check_value(std::span<const std::uint8_t> key,
                                                            std::size_t length = 3);

// What GENERATE AC gave for an ARQC (Book 3 §6.5.5.4), with what the issuer needs to check it.
struct OnlineAuthentication {
    base::Bytes cryptogram;                           // 9F26, 8 bytes: the ARQC
    std::uint8_t cryptogram_information = 0;          // 9F27: bits 8-7 10 = ARQC
    std::uint16_t transaction_counter = 0;            // 9F36
    base::Bytes cdol1_data;                           // what the terminal sent for CDOL1
    base::Bytes application_interchange_profile;      // 82, 2 bytes
    base::Bytes issuer_application_data;              // 9F10
    std::optional<std::uint8_t> pan_sequence_number;  // 5F34, when the card has one
};

// The bytes the cryptogram covers (see the top of this file), before padding.
std::expected<base::Bytes, CryptogramError> cryptogram_input(
    const OnlineAuthentication& authentication);

// The issuer's check: derive the card's keys from the issuer master key, the PAN and the
// authentication's PAN sequence number, recompute the ARQC over cryptogram_input() and compare
// it with the card's. False for any mismatch or malformed field.
bool verify_arqc(std::span<const std::uint8_t> issuer_master_key, std::string_view pan,
                 const OnlineAuthentication& authentication);

}  // namespace drivers::emv
