#include <catch2/catch.hpp>

#include "base/bytes.h"
#include "drivers/emv/application_cryptogram.h"

using namespace drivers::emv;

namespace {

base::Bytes bytes_from_hex(std::string_view text) {
    auto bytes = base::parse_hex(text);
    REQUIRE(bytes.has_value());
    return *bytes;
}

std::string check_value(const base::Bytes& key) {
    auto value = key_check_value(key, 2);
    REQUIRE(value.has_value());
    return base::to_hex(*value);
}

// Published vectors: knovichikhin/pyemv, tests/test_ac_hsm.py and tests/test_kd_hsm.py
// (issuer master key 0123456789ABCDEFFEDCBA9876543210, Option A, common session key
// derivation, EMV padding), compared there with a payment HSM's results.
const base::Bytes k_issuer_master_key = base::parse_hex("0123456789ABCDEFFEDCBA9876543210").value();
const base::Bytes k_vector_diversification = base::parse_hex("1234567890123456").value();
const base::Bytes k_vector_data = base::parse_hex("0123456789ABCDEF0123456789ABCDEF").value();

}  // namespace

TEST_CASE("Option A derives the published ICC master key from the issuer's") {
    CHECK(check_value(k_issuer_master_key) == "08D7");
    auto master_key = derive_icc_master_key(k_issuer_master_key, "9901234567890123", 0x45);
    REQUIRE(master_key.has_value());
    CHECK(master_key->size() == 16);
    CHECK(check_value(*master_key) == "1DA5");
    // A 17-digit PAN: the rightmost 16 digits of PAN || PSN.
    auto long_pan = derive_icc_master_key(k_issuer_master_key, "12345678901234567", 0x45);
    REQUIRE(long_pan.has_value());
    CHECK(check_value(*long_pan) == "FF08");
}

TEST_CASE("The common session key and the ARQC match the published vectors") {
    auto master_key = derive_icc_master_key(k_issuer_master_key, "9901234567890123", 0x45);
    REQUIRE(master_key.has_value());
    auto session_key = derive_session_key(*master_key, k_vector_diversification);
    REQUIRE(session_key.has_value());
    CHECK(check_value(*session_key) == "0995");
    auto cryptogram = application_cryptogram(*session_key, k_vector_data);
    REQUIRE(cryptogram.has_value());
    CHECK(base::to_hex(*cryptogram) == "4B46013359B7A58B");

    auto other_master_key = derive_icc_master_key(k_issuer_master_key, "12345678901234567", 0x45);
    REQUIRE(other_master_key.has_value());
    auto other_session_key = derive_session_key(*other_master_key, k_vector_diversification);
    REQUIRE(other_session_key.has_value());
    CHECK(check_value(*other_session_key) == "DF82");
    CHECK(base::to_hex(application_cryptogram(*other_session_key, k_vector_data).value()) ==
          "19C1FBC83EBDC0D5");
}

TEST_CASE("A card without a PAN sequence number derives its key with 00") {
    auto without = derive_icc_master_key(k_issuer_master_key, "12345678901234567", std::nullopt);
    auto with_zero = derive_icc_master_key(k_issuer_master_key, "12345678901234567", 0x00);
    REQUIRE(without.has_value());
    REQUIRE(with_zero.has_value());
    CHECK(*without == *with_zero);
    // pyemv's vector for this PAN without a PSN: session key check value 3F4F.
    CHECK(check_value(derive_session_key(*without, k_vector_diversification).value()) == "3F4F");
}

TEST_CASE("The session key for a cryptogram is diversified by the ATC alone") {
    CHECK(base::to_hex(cryptogram_diversification(0x001C)) == "001C000000000000");
    auto master_key = derive_icc_master_key(k_issuer_master_key, "9901234567890123", 0x45);
    REQUIRE(master_key.has_value());
    CHECK(derive_session_key(*master_key, cryptogram_diversification(1)).value() !=
          derive_session_key(*master_key, cryptogram_diversification(2)).value());
}

TEST_CASE("Bad keys, numbers and lengths are named errors") {
    CHECK(derive_icc_master_key(bytes_from_hex("0123456789ABCDEF"), "9901234567890123", 0x45)
              .error() == CryptogramError::bad_key);
    CHECK(derive_icc_master_key(k_issuer_master_key, "99012345", 0x45).error() ==
          CryptogramError::bad_pan);
    CHECK(derive_icc_master_key(k_issuer_master_key, "99012345678901X3", 0x45).error() ==
          CryptogramError::bad_pan);
    CHECK(derive_icc_master_key(k_issuer_master_key, "9901234567890123", 0x4A).error() ==
          CryptogramError::bad_pan_sequence_number);
    CHECK(derive_session_key(k_issuer_master_key, bytes_from_hex("12345678")).error() ==
          CryptogramError::bad_diversification);
    CHECK(application_cryptogram(bytes_from_hex("0011"), k_vector_data).error() ==
          CryptogramError::bad_key);
    OnlineAuthentication authentication;
    authentication.application_interchange_profile = bytes_from_hex("7C00");
    authentication.issuer_application_data = bytes_from_hex("06010A03");
    CHECK(cryptogram_input(authentication).error() == CryptogramError::bad_issuer_application_data);
    authentication.issuer_application_data = bytes_from_hex("06010A03A00000");
    authentication.application_interchange_profile = bytes_from_hex("7C");
    CHECK(cryptogram_input(authentication).error() == CryptogramError::bad_field);
}

TEST_CASE("The cryptogram covers the CDOL1 data, the AIP, the ATC and the CVR in that order") {
    OnlineAuthentication authentication;
    authentication.cdol1_data = bytes_from_hex("0102030405");
    authentication.application_interchange_profile = bytes_from_hex("7C00");
    authentication.transaction_counter = 0x0102;
    authentication.issuer_application_data = bytes_from_hex("06010A03A0B0C0FF");
    auto input = cryptogram_input(authentication);
    REQUIRE(input.has_value());
    CHECK(base::to_hex(*input) == "01020304057C00010203A0B0C0");
}

TEST_CASE("An ARQC made with the card's key verifies, and any changed byte or key fails") {
    const std::string pan = "6228480402564890018";
    OnlineAuthentication authentication;
    authentication.cdol1_data =
        bytes_from_hex("000000000000000000000000015600000000000156261204319A8B7C6D");
    authentication.application_interchange_profile = bytes_from_hex("7C00");
    authentication.transaction_counter = 7;
    authentication.issuer_application_data = bytes_from_hex("06010A03A00000");
    authentication.pan_sequence_number = 0x01;
    auto master_key = derive_icc_master_key(k_issuer_master_key, pan, 0x01);
    auto session_key = derive_session_key(master_key.value(), cryptogram_diversification(7));
    authentication.cryptogram =
        application_cryptogram(session_key.value(), cryptogram_input(authentication).value())
            .value();
    CHECK(verify_arqc(k_issuer_master_key, pan, authentication));

    OnlineAuthentication changed = authentication;
    changed.cdol1_data[28] ^= 0x01;  // the unpredictable number's last byte
    CHECK_FALSE(verify_arqc(k_issuer_master_key, pan, changed));
    changed = authentication;
    ++changed.transaction_counter;
    CHECK_FALSE(verify_arqc(k_issuer_master_key, pan, changed));
    changed = authentication;
    changed.pan_sequence_number = 0x02;
    CHECK_FALSE(verify_arqc(k_issuer_master_key, pan, changed));
    CHECK_FALSE(verify_arqc(k_issuer_master_key, "6217001234567890122", authentication));
    CHECK_FALSE(
        verify_arqc(bytes_from_hex("FEDCBA98765432100123456789ABCDEF"), pan, authentication));
    changed = authentication;
    changed.cryptogram.pop_back();
    CHECK_FALSE(verify_arqc(k_issuer_master_key, pan, changed));
}
