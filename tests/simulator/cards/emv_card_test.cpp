#include <catch2/catch.hpp>

#include "base/bytes.h"
#include "drivers/emv/tags.h"
#include "drivers/emv/tlv.h"
#include "drivers/iso7816/apdu.h"
#include "drivers/iso7816/atr.h"
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
