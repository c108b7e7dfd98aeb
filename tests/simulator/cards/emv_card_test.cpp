#include <catch2/catch.hpp>

#include "base/bytes.h"
#include "drivers/emv/application_cryptogram.h"
#include "drivers/emv/tags.h"
#include "drivers/emv/tlv.h"
#include "drivers/iso7816/apdu.h"
#include "drivers/iso7816/atr.h"
#include "drivers/iso7816/t1_host.h"
#include "simulator/cards/card_profile.h"
#include "simulator/cards/emv_card.h"

using namespace simulator::cards;
using drivers::iso7816::CommandApdu;
using drivers::iso7816::ResponseApdu;

namespace {

CardProfile profile(CardProtocol protocol = CardProtocol::t1) {
    CardProfile card;
    card.name = "test";
    card.protocol = protocol;
    card.pan = "6228480402564890018";
    card.expiry = "2802";
    card.holder = "ZHANG/WEI";
    card.language = "zhen";
    return card;
}

ResponseApdu send(VirtualCard& card, const CommandApdu& command) {
    return *ResponseApdu::parse(card.transmit(*command.encode()));
}

CommandApdu select(const base::Bytes& name) {
    return CommandApdu{0x00, 0xA4, 0x04, 0x00, name, 256};
}

// Selects the application and starts processing, as a terminal does before GENERATE AC.
void start_processing(VirtualCard& card, const base::Bytes& aid = k_unionpay_debit_aid) {
    REQUIRE(send(card, select(aid)).is_success());
    base::Bytes data{0x83, 18};
    data.resize(20, 0x00);
    REQUIRE(send(card, CommandApdu{0x80, 0xA8, 0, 0, data, 256}).is_success());
}

CommandApdu generate_arqc(const base::Bytes& cdol1_data) {
    return CommandApdu{0x80, 0xAE, 0x80, 0x00, cdol1_data, 256};
}

const base::Bytes k_pse{'1', 'P', 'A', 'Y', '.', 'S', 'Y', 'S', '.', 'D', 'D', 'F', '0', '1'};

}  // namespace

TEST_CASE("The simulated cards' answers to reset are valid ISO 7816-3 ATRs") {
    EmvCard t1(profile(CardProtocol::t1));
    EmvCard t0(profile(CardProtocol::t0));
    auto t1_atr = drivers::iso7816::parse_atr(*t1.atr());
    REQUIRE(t1_atr.has_value());
    CHECK(t1_atr->protocols() == base::Bytes{1});
    CHECK(t1_atr->fi_di() == 0x96);
    CHECK(t1_atr->t1_information_field_size() == 0xFE);
    auto t0_atr = drivers::iso7816::parse_atr(*t0.atr());
    REQUIRE(t0_atr.has_value());
    CHECK(t0_atr->protocols() == base::Bytes{0});
    CHECK(t0_atr->fi_di() == 0x96);
    CHECK_FALSE(t0_atr->tck.has_value());
    CHECK_FALSE(MuteCard("m").atr().has_value());
    CHECK(drivers::iso7816::parse_atr(*NoApplicationCard("n").atr()).has_value());
}

TEST_CASE("Selecting the payment directory returns an FCI naming the directory file") {
    EmvCard card(profile());
    const ResponseApdu response = send(card, select(k_pse));
    REQUIRE(response.is_success());
    auto fci = drivers::emv::parse_tlv(response.data);
    REQUIRE(fci.has_value());
    const auto* sfi = drivers::emv::find_tag(*fci, 0x88);
    REQUIRE(sfi != nullptr);
    CHECK(sfi->value == base::Bytes{0x01});
}

TEST_CASE("The directory lists the UnionPay debit application") {
    EmvCard card(profile());
    send(card, select(k_pse));
    const ResponseApdu record = send(card, CommandApdu{0x00, 0xB2, 0x01, 0x0C, {}, 256});
    REQUIRE(record.is_success());
    auto objects = drivers::emv::parse_tlv(record.data);
    REQUIRE(objects.has_value());
    const auto* aid = drivers::emv::find_tag(*objects, 0x4F);
    REQUIRE(aid != nullptr);
    CHECK(aid->value == k_unionpay_debit_aid);
    CHECK(send(card, CommandApdu{0x00, 0xB2, 0x02, 0x0C, {}, 256}).status_word() == 0x6A83);
}

TEST_CASE("Application records are refused before GET PROCESSING OPTIONS") {
    EmvCard card(profile());
    REQUIRE(send(card, select(k_unionpay_debit_aid)).is_success());
    CHECK(send(card, CommandApdu{0x00, 0xB2, 0x01, 0x14, {}, 256}).status_word() == 0x6985);
}

TEST_CASE("GET PROCESSING OPTIONS needs exactly the PDOL's data") {
    EmvCard card(profile());
    REQUIRE(send(card, select(k_unionpay_debit_aid)).is_success());
    CHECK(send(card, CommandApdu{0x80, 0xA8, 0, 0, {0x83, 0x00}, 256}).status_word() == 0x6700);
    base::Bytes data{0x83, 18};
    data.resize(20, 0x00);
    const ResponseApdu gpo = send(card, CommandApdu{0x80, 0xA8, 0, 0, data, 256});
    REQUIRE(gpo.is_success());
    auto objects = drivers::emv::parse_tlv(gpo.data);
    REQUIRE(objects.has_value());
    CHECK(objects->front().tag == 0x77);
    CHECK(send(card, CommandApdu{0x00, 0xB2, 0x01, 0x14, {}, 256}).is_success());
}

TEST_CASE("A T=0 style card answers 61xx and hands the data over with GET RESPONSE") {
    EmvCard card(profile(CardProtocol::t0));
    const ResponseApdu first = send(card, select(k_pse));
    CHECK(first.sw1 == 0x61);
    CHECK(first.data.empty());
    const ResponseApdu rest = send(card, CommandApdu{0x00, 0xC0, 0, 0, {}, first.sw2});
    CHECK(rest.is_success());
    CHECK(rest.data.size() == first.sw2);
    CHECK(drivers::emv::parse_tlv(rest.data).has_value());
    // A GET RESPONSE with nothing pending is refused.
    CHECK(send(card, CommandApdu{0x00, 0xC0, 0, 0, {}, 16}).status_word() == 0x6985);
}

TEST_CASE("A T=0 style card answers a wrong Le with the exact length") {
    EmvCard card(profile(CardProtocol::t0));
    const ResponseApdu select_answer = send(card, select(k_pse));
    send(card, CommandApdu{0x00, 0xC0, 0, 0, {}, select_answer.sw2});
    const ResponseApdu record = send(card, CommandApdu{0x00, 0xB2, 0x01, 0x0C, {}, 256});
    CHECK(record.sw1 == 0x6C);
    const ResponseApdu exact = send(card, CommandApdu{0x00, 0xB2, 0x01, 0x0C, {}, record.sw2});
    CHECK(exact.is_success());
    CHECK(exact.data.size() == record.sw2);
}

TEST_CASE("The corrupt card's records are malformed BER-TLV") {
    CardProfile corrupt = profile();
    EmvCard card(corrupt, true);
    for (const auto& [key, record] : card.application_records()) {
        CHECK_FALSE(drivers::emv::parse_tlv(record).has_value());
    }
    EmvCard healthy(corrupt);
    for (const auto& [key, record] : healthy.application_records()) {
        CHECK(drivers::emv::parse_tlv(record).has_value());
    }
}

TEST_CASE("The card without an application refuses every SELECT with 6A82") {
    NoApplicationCard card("no-app");
    CHECK(send(card, select(k_pse)).status_word() == 0x6A82);
    CHECK(send(card, select(k_unionpay_debit_aid)).status_word() == 0x6A82);
}

TEST_CASE("The transit card lists only its transit application and refuses UnionPay's") {
    TransitCard card("transit");
    REQUIRE(card.atr());
    CHECK(drivers::iso7816::parse_atr(*card.atr()).has_value());
    const auto directory = send(card, select(k_pse));
    REQUIRE(directory.status_word() == 0x9000);
    CHECK(drivers::emv::parse_tlv(directory.data).has_value());
    const auto record = send(card, CommandApdu{0x00, 0xB2, 0x01, 0x0C, {}, 256});
    REQUIRE(record.status_word() == 0x9000);
    const auto entries = drivers::emv::parse_tlv(record.data);
    REQUIRE(entries);
    const auto* aid = drivers::emv::find_tag(*entries, drivers::emv::tag::k_application_identifier);
    REQUIRE(aid != nullptr);
    CHECK(aid->value == k_transit_aid);
    CHECK(send(card, CommandApdu{0x00, 0xB2, 0x02, 0x0C, {}, 256}).status_word() == 0x6A83);
    CHECK(send(card, select(k_unionpay_debit_aid)).status_word() == 0x6A82);
    CHECK(send(card, select(k_transit_aid)).status_word() == 0x9000);
}

TEST_CASE("Unknown instructions and classes and malformed APDUs get their status words") {
    EmvCard card(profile());
    CHECK(
        send(card, CommandApdu{0x00, 0x20, 0x00, 0x80, {0x24, 0x12}, std::nullopt}).status_word() ==
        0x6D00);
    CHECK(send(card, CommandApdu{0x90, 0xB2, 0x01, 0x0C, {}, 256}).status_word() == 0x6E00);
    CHECK(card.transmit(base::Bytes{0x00, 0xA4, 0x04}) == base::Bytes{0x67, 0x00});
}

TEST_CASE("GET DATA returns the PIN try counter") {
    EmvCard card(profile());
    const ResponseApdu answer = send(card, CommandApdu{0x80, 0xCA, 0x9F, 0x17, {}, 256});
    REQUIRE(answer.is_success());
    CHECK(answer.data == base::Bytes{0x9F, 0x17, 0x01, 0x03});
}

TEST_CASE("GENERATE AC answers an ARQC under the card's key, with a new ATC each time") {
    EmvCard card(profile());
    CHECK(send(card, generate_arqc(base::Bytes(29, 0x00))).status_word() == 0x6985);
    const auto issuer_key = base::parse_hex(k_demo_issuer_master_key_hex).value();
    CHECK(card.card_key() ==
          drivers::emv::derive_icc_master_key(issuer_key, "6228480402564890018", 0x01).value());
    std::uint16_t last_counter = card.transaction_counter();
    for (int transaction = 0; transaction < 2; ++transaction) {
        start_processing(card);
        CHECK(send(card, generate_arqc(base::Bytes(28, 0x00))).status_word() == 0x6700);
        base::Bytes cdol1_data(29, 0x00);
        cdol1_data[25] = static_cast<std::uint8_t>(transaction);  // the unpredictable number
        const ResponseApdu answer = send(card, generate_arqc(cdol1_data));
        REQUIRE(answer.is_success());
        auto objects = drivers::emv::parse_tlv(answer.data);
        REQUIRE(objects.has_value());
        REQUIRE(objects->front().tag == 0x77);
        const auto& fields = objects->front();
        drivers::emv::OnlineAuthentication authentication;
        authentication.cryptogram_information = fields.find(0x9F27)->value.at(0);
        authentication.cryptogram = fields.find(0x9F26)->value;
        const base::Bytes& counter = fields.find(0x9F36)->value;
        authentication.transaction_counter =
            static_cast<std::uint16_t>((counter.at(0) << 8) | counter.at(1));
        authentication.issuer_application_data = fields.find(0x9F10)->value;
        authentication.cdol1_data = cdol1_data;
        authentication.application_interchange_profile = {0x7C, 0x00};
        authentication.pan_sequence_number = 0x01;
        CHECK(authentication.cryptogram_information == 0x80);
        CHECK(authentication.transaction_counter == last_counter + 1);
        last_counter = authentication.transaction_counter;
        CHECK(drivers::emv::verify_arqc(issuer_key, "6228480402564890018", authentication));
        // One first GENERATE AC per transaction.
        CHECK(send(card, generate_arqc(cdol1_data)).status_word() == 0x6985);
    }
}

TEST_CASE("A Visa card answers GENERATE AC in format 1, and an AAC when asked for one") {
    CardProfile visa = profile();
    visa.scheme = CardScheme::visa;
    visa.pan = "4000123456789017";
    EmvCard card(visa);
    CHECK(send(card, select(k_unionpay_debit_aid)).status_word() == 0x6A82);
    start_processing(card, k_visa_aid);
    const ResponseApdu answer =
        send(card, CommandApdu{0x80, 0xAE, 0x00, 0x00, base::Bytes(29, 0x00), 256});
    REQUIRE(answer.is_success());
    REQUIRE(answer.data.size() == 2 + 1 + 2 + 8 + 7);
    CHECK(answer.data[0] == 0x80);
    CHECK(answer.data[2] == 0x00);  // CID: AAC
}

TEST_CASE(
    "Clone cards: one without CDOL1 refuses GENERATE AC, one with the wrong key has another key") {
    CardProfile pan_only = profile();
    pan_only.cryptogram = CardCryptogram::none;
    EmvCard bare(pan_only);
    CHECK(bare.card_key().empty());
    start_processing(bare);
    auto record =
        drivers::emv::parse_tlv(send(bare, CommandApdu{0x00, 0xB2, 0x01, 0x1C, {}, 256}).data);
    REQUIRE(record.has_value());
    CHECK(record->front().find(0x8C) == nullptr);
    CHECK(send(bare, generate_arqc(base::Bytes(29, 0x00))).status_word() == 0x6985);

    CardProfile wrong = profile();
    wrong.cryptogram = CardCryptogram::wrong_key;
    CHECK(EmvCard(wrong).card_key() != EmvCard(profile()).card_key());
    CHECK(EmvCard(wrong).card_key().size() == 16);
}

TEST_CASE("A blocked card answers 6A81, a card with a blocked application 6283") {
    CardProfile blocked = profile();
    blocked.kind = CardKind::blocked;
    EmvCard blocked_card(blocked);
    CHECK(send(blocked_card, select(k_pse)).status_word() == 0x6A81);
    CHECK(send(blocked_card, select(k_unionpay_debit_aid)).status_word() == 0x6A81);
    CardProfile application_blocked = profile();
    application_blocked.kind = CardKind::application_blocked;
    EmvCard application_card(application_blocked);
    CHECK(send(application_card, select(k_pse)).is_success());
    CHECK(send(application_card, select(k_unionpay_debit_aid)).status_word() == 0x6283);
}

TEST_CASE("A card with a different track 2 PAN carries it in tag 57 only") {
    CardProfile mismatch = profile();
    mismatch.track2_pan = "6217001234567890122";
    EmvCard card(mismatch);
    start_processing(card);
    const ResponseApdu record = send(card, CommandApdu{0x00, 0xB2, 0x01, 0x14, {}, 256});
    auto objects = drivers::emv::parse_tlv(record.data);
    REQUIRE(objects.has_value());
    const auto* track2 = objects->front().find(0x57);
    REQUIRE(track2 != nullptr);
    CHECK(base::to_hex(track2->value).starts_with("6217001234567890122D"));
}

TEST_CASE("A card's ATR announces its IFSC and BWI, and its records its issuer's country") {
    CardProfile hong_kong = profile();
    hong_kong.information_field_size = 0x20;
    hong_kong.block_waiting_integer = 1;
    hong_kong.issuer_country = "344";
    EmvCard card(hong_kong);
    auto atr = drivers::iso7816::parse_atr(*card.atr());
    REQUIRE(atr.has_value());  // TCK recomputed
    CHECK(atr->t1_information_field_size() == 0x20);
    const auto parameters = drivers::iso7816::T1Parameters::from_atr(*atr);
    CHECK(parameters.card_information_field_size == 0x20);
    CHECK(parameters.block_waiting_integer == 1);
    CHECK(parameters.character_waiting_integer == 5);
    // EMV 4.3 Book 3 Annex A, 5F28: n3 in two bytes, 0344.
    const auto& record = card.application_records().at({2, 2});
    auto objects = drivers::emv::parse_tlv(record);
    REQUIRE(objects.has_value());
    const auto* country =
        drivers::emv::find_tag(objects->front().children, drivers::emv::tag::k_issuer_country_code);
    REQUIRE(country != nullptr);
    CHECK(country->value == base::Bytes{0x03, 0x44});
    const auto china_objects =
        drivers::emv::parse_tlv(EmvCard(profile()).application_records().at({2, 2}));
    REQUIRE(china_objects.has_value());
    const auto* china = drivers::emv::find_tag(china_objects->front().children,
                                               drivers::emv::tag::k_issuer_country_code);
    REQUIRE(china != nullptr);
    CHECK(china->value == base::Bytes{0x01, 0x56});
}

TEST_CASE("A slow chip takes its time over READ RECORD and GENERATE AC only") {
    CardProfile slow = profile();
    slow.read_record_time = std::chrono::milliseconds(300);
    slow.generate_ac_time = std::chrono::milliseconds(600);
    EmvCard card(slow);
    using std::chrono::microseconds;
    CHECK(card.processing_time(*CommandApdu{0x00, 0xB2, 0x01, 0x14, {}, 256}.encode()) ==
          microseconds(300'000));
    CHECK(card.processing_time(*generate_arqc(base::Bytes(29, 0x00)).encode()) ==
          microseconds(600'000));
    CHECK(card.processing_time(*select(k_pse).encode()) == microseconds(0));
    CHECK(card.processing_time(base::Bytes{0x00, 0xB2}) == microseconds(0));  // no full header
    CHECK(EmvCard(profile()).processing_time(
              *CommandApdu{0x00, 0xB2, 0x01, 0x14, {}, 256}.encode()) == microseconds(0));
}
