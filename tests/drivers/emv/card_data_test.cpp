#include <catch2/catch.hpp>

#include <chrono>
#include <functional>

#include "base/bytes.h"
#include "drivers/emv/application_cryptogram.h"
#include "drivers/emv/card_data.h"
#include "drivers/emv/tags.h"
#include "drivers/emv/tlv.h"
#include "simulator/cards/card_channel.h"
#include "simulator/cards/card_profile.h"
#include "simulator/cards/emv_card.h"
#include "tests/support/demo_cards.h"

using namespace drivers::emv;
using drivers::iso7816::ApduError;
using drivers::iso7816::CommandApdu;
using drivers::iso7816::ResponseApdu;
using simulator::cards::CardChannel;
using simulator::cards::CardLibrary;

namespace {

std::expected<CardData, EmvError> read_demo_card(std::string_view name) {
    auto card = tests::demo_card_library().make_card(name);
    REQUIRE(card.has_value());
    CardChannel channel(*card);
    return read_card_data(channel);
}

// A channel in front of a simulated card that lets a test answer some commands itself.
class InterceptingChannel : public drivers::iso7816::ApduChannel {
  public:
    using Hook =
        std::function<std::optional<std::expected<ResponseApdu, ApduError>>(const CommandApdu&)>;
    InterceptingChannel(std::shared_ptr<simulator::cards::VirtualCard> card, Hook hook)
        : m_inner(std::move(card)), m_hook(std::move(hook)) {}

    std::expected<ResponseApdu, ApduError> transmit(const CommandApdu& command) override {
        if (auto answer = m_hook(command)) {
            return *answer;
        }
        return m_inner.transmit(command);
    }

  private:
    CardChannel m_inner;
    Hook m_hook;
};

bool is_select_pse(const CommandApdu& command) {
    return command.ins == 0xA4 && command.data.size() == 14 && command.data[0] == '1';
}

std::shared_ptr<simulator::cards::VirtualCard> zhang() {
    return *tests::demo_card_library().make_card("zhang-wei");
}

base::Bytes demo_issuer_key() {
    return base::parse_hex(simulator::cards::k_demo_issuer_master_key_hex).value();
}

ResponseApdu answer_with(base::Bytes data) {
    ResponseApdu response;
    response.data = std::move(data);
    response.sw1 = 0x90;
    response.sw2 = 0x00;
    return response;
}

// A GENERATE AC answer in format 2 with the given cryptogram information data.
base::Bytes format_2_answer(std::uint8_t information) {
    base::Bytes fields = encode_tlv(0x9F27, base::Bytes{information});
    for (const auto& field :
         {encode_tlv(0x9F36, base::Bytes{0x00, 0x05}),
          encode_tlv(0x9F26, base::Bytes{1, 2, 3, 4, 5, 6, 7, 8}),
          encode_tlv(0x9F10, base::Bytes{0x06, 0x01, 0x0A, 0x03, 0xA0, 0x00, 0x00})}) {
        fields.insert(fields.end(), field.begin(), field.end());
    }
    return encode_tlv(0x77, fields);
}

std::expected<CardData, EmvError> read_zhang_with_generate_ac_answer(
    std::expected<ResponseApdu, ApduError> reply) {
    InterceptingChannel channel(
        zhang(),
        [&](const CommandApdu& command) -> std::optional<std::expected<ResponseApdu, ApduError>> {
            if (command.ins == 0xAE) {
                return reply;
            }
            return std::nullopt;
        });
    return read_card_data(channel);
}

}  // namespace

TEST_CASE("Reading the demo debit card gives its number, expiry, holder and language") {
    auto card = read_demo_card("zhang-wei");
    REQUIRE(card.has_value());
    CHECK(card->pan.view() == "6228480402564890018");
    CHECK(card->expiry == "2912");
    CHECK(card->holder_name.view() == "ZHANG/WEI");
    CHECK(card->language_preference == "zh");
    CHECK(card->aid == simulator::cards::k_unionpay_debit_aid);
    CHECK(card->application_label == "UnionPay Debit");
}

TEST_CASE("Every working demo card reads back exactly as the library describes it") {
    for (const auto& profile : tests::demo_card_library().cards()) {
        // The card whose track 2 disagrees with 5A is refused (a test below says so).
        if (profile.kind != simulator::cards::CardKind::emv || !profile.track2_pan.empty()) {
            continue;
        }
        INFO("card " << profile.name);
        auto card = read_demo_card(profile.name);
        REQUIRE(card.has_value());
        CHECK(card->pan.view() == profile.pan);
        CHECK(card->expiry == profile.expiry);
        CHECK(card->holder_name.view() == profile.holder);
        CHECK(card->language_preference == profile.language);
        CHECK(card->issuer_country == profile.issuer_country);
        // What the bank will find: a genuine card's ARQC verifies, a clone's does not, and a
        // clone without CDOL1 brings none.
        using simulator::cards::CardCryptogram;
        if (profile.cryptogram == CardCryptogram::none) {
            CHECK_FALSE(card->online_authentication.has_value());
        } else {
            REQUIRE(card->online_authentication.has_value());
            CHECK(verify_arqc(demo_issuer_key(), profile.pan, *card->online_authentication) ==
                  (profile.cryptogram == CardCryptogram::genuine));
        }
    }
}

TEST_CASE("A T=0 style card is read through GET RESPONSE and exact-length retries") {
    simulator::cards::CardProfile profile = *tests::demo_card_library().find("alice");
    profile.protocol = simulator::cards::CardProtocol::t0;
    CardChannel channel(simulator::cards::make_card(profile));
    auto card = read_card_data(channel);
    REQUIRE(card.has_value());
    CHECK(card->pan.view() == profile.pan);
    CHECK(card->language_preference == "enzh");
}

TEST_CASE("A card without the UnionPay application is reported as having none") {
    auto card = read_demo_card("no-app");
    REQUIRE_FALSE(card.has_value());
    CHECK(card.error() == EmvError::no_application);
}

TEST_CASE("A transit card whose directory lists only its own application has none we accept") {
    // Book 1 §12.3.2: the directory yields no candidate, so the terminal's list is tried, and
    // the card answers 6A82 to each of its AIDs.
    auto card = read_demo_card("transit");
    REQUIRE_FALSE(card.has_value());
    CHECK(card.error() == EmvError::no_application);
}

TEST_CASE("An application that answers SELECT with a broken FCI makes the card malformed") {
    // Not a foreign card but a garbled one: the customer is told it could not be read.
    InterceptingChannel channel(
        zhang(),
        [](const CommandApdu& command) -> std::optional<std::expected<ResponseApdu, ApduError>> {
            if (command.ins == 0xA4 && !is_select_pse(command)) {
                return ResponseApdu{base::Bytes{0x6F, 0x10, 0x84}, 0x90, 0x00};
            }
            return std::nullopt;
        });
    CHECK(read_card_data(channel).error() == EmvError::malformed_data);
}

TEST_CASE("A chip that refuses every SELECT with a status word holds no application we accept") {
    InterceptingChannel channel(
        zhang(),
        [](const CommandApdu& command) -> std::optional<std::expected<ResponseApdu, ApduError>> {
            if (command.ins == 0xA4) {
                return ResponseApdu::status(is_select_pse(command) ? 0x6A82 : 0x6D00);
            }
            return std::nullopt;
        });
    CHECK(read_card_data(channel).error() == EmvError::no_application);
}

TEST_CASE("A card with malformed records is reported as malformed") {
    auto card = read_demo_card("corrupt");
    REQUIRE_FALSE(card.has_value());
    CHECK(card.error() == EmvError::malformed_data);
}

TEST_CASE("A mute card is reported as not responding") {
    auto card = read_demo_card("mute");
    REQUIRE_FALSE(card.has_value());
    CHECK(card.error() == EmvError::card_not_responding);
}

TEST_CASE("Without a payment directory the terminal's AID list finds the application") {
    int selects = 0;
    InterceptingChannel channel(
        zhang(),
        [&](const CommandApdu& command) -> std::optional<std::expected<ResponseApdu, ApduError>> {
            if (command.ins == 0xA4) {
                ++selects;
            }
            if (is_select_pse(command)) {
                return ResponseApdu::status(0x6A82);
            }
            return std::nullopt;
        });
    auto card = read_card_data(channel);
    REQUIRE(card.has_value());
    CHECK(card->pan.view() == "6228480402564890018");
    CHECK(selects == 2);  // the directory, then the first terminal AID
}

TEST_CASE("A blocked card ends the read at the first SELECT") {
    InterceptingChannel channel(zhang(), [](const CommandApdu&) {
        return std::optional<std::expected<ResponseApdu, ApduError>>(ResponseApdu::status(0x6A81));
    });
    CHECK(read_card_data(channel).error() == EmvError::card_blocked);
}

TEST_CASE("A card whose only application is blocked is reported so") {
    InterceptingChannel channel(
        zhang(),
        [](const CommandApdu& command) -> std::optional<std::expected<ResponseApdu, ApduError>> {
            if (command.ins == 0xA4 && !is_select_pse(command)) {
                return ResponseApdu::status(0x6283);
            }
            return std::nullopt;
        });
    CHECK(read_card_data(channel).error() == EmvError::application_blocked);
}

TEST_CASE("A card that refuses processing options is reported so") {
    InterceptingChannel channel(
        zhang(),
        [](const CommandApdu& command) -> std::optional<std::expected<ResponseApdu, ApduError>> {
            if (command.ins == 0xA8) {
                return ResponseApdu::status(0x6985);
            }
            return std::nullopt;
        });
    CHECK(read_card_data(channel).error() == EmvError::processing_options_failed);
}

TEST_CASE("A card pulled out during the read is reported as removed") {
    int commands = 0;
    InterceptingChannel channel(
        zhang(), [&](const CommandApdu&) -> std::optional<std::expected<ResponseApdu, ApduError>> {
            if (++commands > 4) {
                return std::unexpected(ApduError::card_removed);
            }
            return std::nullopt;
        });
    CHECK(read_card_data(channel).error() == EmvError::card_removed);
}

TEST_CASE("Without tag 5A the number and expiry come from the track 2 equivalent") {
    InterceptingChannel channel(
        zhang(),
        [](const CommandApdu& command) -> std::optional<std::expected<ResponseApdu, ApduError>> {
            // SFI 2 record 2 holds 5A and 5F24: replace it with an unrelated record.
            if (command.ins == 0xB2 && command.p1 == 2 && command.p2 == ((2 << 3) | 4)) {
                ResponseApdu record;
                record.data = encode_tlv(0x70, encode_tlv(0x5F28, base::Bytes{0x01, 0x56}));
                return record;
            }
            return std::nullopt;
        });
    auto card = read_card_data(channel);
    REQUIRE(card.has_value());
    CHECK(card->pan.view() == "6228480402564890018");
    CHECK(card->expiry == "2912");
}

TEST_CASE("A card number failing the Luhn check is rejected") {
    InterceptingChannel channel(
        zhang(),
        [](const CommandApdu& command) -> std::optional<std::expected<ResponseApdu, ApduError>> {
            if (command.ins == 0xB2 && command.p1 == 2 && command.p2 == ((2 << 3) | 4)) {
                ResponseApdu record;
                record.data =
                    encode_tlv(0x70, encode_tlv(0x5A, base::Bytes{0x62, 0x28, 0x48, 0x04, 0x02,
                                                                  0x56, 0x48, 0x90, 0x01, 0x9F}));
                return record;
            }
            return std::nullopt;
        });
    CHECK(read_card_data(channel).error() == EmvError::invalid_pan);
}

TEST_CASE("A record the AFL names but the card cannot find is a read failure") {
    InterceptingChannel channel(
        zhang(),
        [](const CommandApdu& command) -> std::optional<std::expected<ResponseApdu, ApduError>> {
            if (command.ins == 0xB2 && command.p2 == ((3 << 3) | 4)) {
                return ResponseApdu::status(0x6A83);
            }
            return std::nullopt;
        });
    CHECK(read_card_data(channel).error() == EmvError::read_record_failed);
}

TEST_CASE("A malformed AFL is rejected") {
    InterceptingChannel channel(
        zhang(),
        [](const CommandApdu& command) -> std::optional<std::expected<ResponseApdu, ApduError>> {
            if (command.ins == 0xA8) {
                ResponseApdu answer;
                answer.data = encode_tlv(0x80, base::Bytes{0x7C, 0x00, 0x10, 0x02, 0x01, 0x00});
                return answer;
            }
            return std::nullopt;
        });
    CHECK(read_card_data(channel).error() == EmvError::malformed_data);
}

TEST_CASE("A card whose AFL names hundreds of records is given up on after a few dozen") {
    int records_read = 0;
    bool processing_started = false;
    InterceptingChannel channel(
        zhang(),
        [&](const CommandApdu& command) -> std::optional<std::expected<ResponseApdu, ApduError>> {
            if (command.ins == 0xA8) {
                processing_started = true;
                // AIP 0000, then one AFL entry: SFI 1, records 1 to 255.
                ResponseApdu answer;
                answer.data = encode_tlv(0x80, base::Bytes{0x00, 0x00, 0x08, 0x01, 0xFF, 0x00});
                answer.sw1 = 0x90;
                answer.sw2 = 0x00;
                return answer;
            }
            // The application's records, after GET PROCESSING OPTIONS (the payment
            // directory before it is read with READ RECORD too).
            if (command.ins == 0xB2 && processing_started) {
                ++records_read;
                ResponseApdu answer;
                answer.data = encode_tlv(0x70, encode_tlv(0x9F08, base::Bytes{0x00, 0x30}));
                answer.sw1 = 0x90;
                answer.sw2 = 0x00;
                return answer;
            }
            return std::nullopt;
        });
    CHECK(read_card_data(channel).error() == EmvError::malformed_data);
    CHECK(records_read <= 64);
    CHECK(records_read > 0);
}

TEST_CASE("The branch kiosk's terminal lists UnionPay's applications, then Visa and Mastercard") {
    const Terminal terminal = Terminal::branch_kiosk();
    REQUIRE(terminal.applications.size() == 6);
    for (std::size_t index = 0; index < 4; ++index) {
        CHECK(base::to_hex(terminal.applications[index].aid).starts_with("A000000333"));
    }
    CHECK(base::to_hex(terminal.applications[4].aid) == "A0000000031010");
    CHECK(base::to_hex(terminal.applications[5].aid) == "A0000000041010");
    CHECK_FALSE(terminal.values.contains(tag::k_unpredictable_number));
}

TEST_CASE("A Visa card is read, and its format 1 ARQC verifies with the issuer's key") {
    auto card = read_demo_card("visa");
    REQUIRE(card.has_value());
    CHECK(card->aid == simulator::cards::k_visa_aid);
    CHECK(card->application_label == "Visa Debit");
    CHECK(card->pan.view() == "4000123456789017");
    REQUIRE(card->online_authentication.has_value());
    CHECK(verify_arqc(demo_issuer_key(), card->pan.view(), *card->online_authentication));
}

TEST_CASE("The demo card's ARQC verifies with the issuer master key, and not once changed") {
    auto card = read_demo_card("zhang-wei");
    REQUIRE(card.has_value());
    REQUIRE(card->online_authentication.has_value());
    const OnlineAuthentication& authentication = *card->online_authentication;
    CHECK(authentication.cryptogram.size() == 8);
    CHECK((authentication.cryptogram_information & 0xC0) == 0x80);
    CHECK(authentication.cdol1_data.size() == 29);
    CHECK(base::to_hex(authentication.application_interchange_profile) == "7C00");
    CHECK(authentication.pan_sequence_number == std::optional<std::uint8_t>(0x01));
    CHECK(authentication.issuer_application_data ==
          simulator::cards::k_card_issuer_application_data);
    CHECK(verify_arqc(demo_issuer_key(), card->pan.view(), authentication));

    for (std::size_t index = 0; index < authentication.cdol1_data.size(); ++index) {
        OnlineAuthentication changed = authentication;
        changed.cdol1_data[index] ^= 0x01;
        INFO("CDOL1 byte " << index);
        CHECK_FALSE(verify_arqc(demo_issuer_key(), card->pan.view(), changed));
    }
    OnlineAuthentication changed = authentication;
    changed.transaction_counter = static_cast<std::uint16_t>(changed.transaction_counter + 1);
    CHECK_FALSE(verify_arqc(demo_issuer_key(), card->pan.view(), changed));
    CHECK_FALSE(verify_arqc(demo_issuer_key(), "6217001234567890122", authentication));
}

TEST_CASE("A clone with a valid PAN but the wrong key gives an ARQC the issuer refuses") {
    auto clone = read_demo_card("clone");
    REQUIRE(clone.has_value());
    CHECK(clone->pan.view() == "6228480402564890018");  // zhang-wei's own number
    REQUIRE(clone->online_authentication.has_value());
    CHECK_FALSE(verify_arqc(demo_issuer_key(), clone->pan.view(), *clone->online_authentication));
}

TEST_CASE("A clone carrying only the PAN reads with no authentication data for the bank") {
    int generate_ac_commands = 0;
    InterceptingChannel channel(
        *tests::demo_card_library().make_card("clone-pan-only"),
        [&](const CommandApdu& command) -> std::optional<std::expected<ResponseApdu, ApduError>> {
            generate_ac_commands += command.ins == 0xAE ? 1 : 0;
            return std::nullopt;
        });
    auto card = read_card_data(channel);
    REQUIRE(card.has_value());
    CHECK(card->pan.view() == "6217001234567890122");
    CHECK_FALSE(card->online_authentication.has_value());
    CHECK(generate_ac_commands == 0);
}

TEST_CASE("Each read asks for a fresh cryptogram over a new ATC and unpredictable number") {
    auto card = zhang();
    CardChannel channel(card);
    auto first = read_card_data(channel);
    card->reset();
    auto second = read_card_data(channel);
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    REQUIRE(first->online_authentication.has_value());
    REQUIRE(second->online_authentication.has_value());
    const auto& one = *first->online_authentication;
    const auto& two = *second->online_authentication;
    CHECK(two.transaction_counter == one.transaction_counter + 1);
    CHECK(one.cryptogram != two.cryptogram);
    // 9F37 is the last 4 bytes of the CDOL1 data: equal by chance once in 2^32 reads.
    CHECK(base::Bytes(one.cdol1_data.end() - 4, one.cdol1_data.end()) !=
          base::Bytes(two.cdol1_data.end() - 4, two.cdol1_data.end()));
    CHECK(verify_arqc(demo_issuer_key(), first->pan.view(), one));
    CHECK(verify_arqc(demo_issuer_key(), second->pan.view(), two));
}

TEST_CASE(
    "The unpredictable number never comes from the terminal's values, the date from the clock") {
    Terminal terminal = Terminal::branch_kiosk();
    terminal.values[tag::k_unpredictable_number] = {0x11, 0x22, 0x33, 0x44};
    terminal.values[tag::k_transaction_date] = {0x99, 0x01, 0x01};
    base::Bytes gpo_data;
    InterceptingChannel channel(
        zhang(),
        [&](const CommandApdu& command) -> std::optional<std::expected<ResponseApdu, ApduError>> {
            if (command.ins == 0xA8) {
                gpo_data = command.data;
            }
            return std::nullopt;
        });
    auto card = read_card_data(channel, terminal);
    REQUIRE(card.has_value());
    REQUIRE(card->online_authentication.has_value());
    const base::Bytes& cdol1 = card->online_authentication->cdol1_data;
    const base::Bytes sent_number(cdol1.end() - 4, cdol1.end());
    CHECK(sent_number != base::Bytes{0x11, 0x22, 0x33, 0x44});
    // The PDOL (9F66 4, 9F02 6, 9F37 4, ...) inside template 83: the same number for the read.
    REQUIRE(gpo_data.size() == 2 + 18);
    CHECK(base::Bytes(gpo_data.begin() + 2 + 10, gpo_data.begin() + 2 + 14) == sent_number);
    // 9A at CDOL1 offset 6 + 6 + 2 + 5 + 2 = 21, as YYMMDD in BCD.
    const std::chrono::year_month_day today{
        std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
    const auto bcd = [](unsigned value) {
        return static_cast<std::uint8_t>(((value / 10) << 4) | (value % 10));
    };
    CHECK(base::Bytes(cdol1.begin() + 21, cdol1.begin() + 24) ==
          base::Bytes{bcd(static_cast<unsigned>(static_cast<int>(today.year()) % 100)),
                      bcd(static_cast<unsigned>(today.month())),
                      bcd(static_cast<unsigned>(today.day()))});
}

TEST_CASE("A card whose track 2 names another PAN than 5A is refused") {
    auto card = read_demo_card("track2-mismatch");
    REQUIRE_FALSE(card.has_value());
    CHECK(card.error() == EmvError::pan_mismatch);
}

TEST_CASE("The demo blocked card and the card with a blocked application are named so") {
    CHECK(read_demo_card("blocked").error() == EmvError::card_blocked);
    CHECK(read_demo_card("app-blocked").error() == EmvError::application_blocked);
}

TEST_CASE("An expired card is read with its past expiry and a genuine ARQC") {
    // Refusing it is the kiosk's and the bank's decision; the reader reports what the card says.
    auto card = read_demo_card("expired");
    REQUIRE(card.has_value());
    CHECK(card->expiry == "2301");
    REQUIRE(card->online_authentication.has_value());
    CHECK(verify_arqc(demo_issuer_key(), card->pan.view(), *card->online_authentication));
}

TEST_CASE("A card that answers GENERATE AC with an AAC declines to go online") {
    CHECK(read_zhang_with_generate_ac_answer(answer_with(format_2_answer(0x00))).error() ==
          EmvError::cryptogram_declined);
}

TEST_CASE("A card that refuses or garbles GENERATE AC gets a named error") {
    CHECK(read_zhang_with_generate_ac_answer(ResponseApdu::status(0x6985)).error() ==
          EmvError::generate_ac_failed);
    // A TC for an ARQC asked for, and the RFU type 11.
    CHECK(read_zhang_with_generate_ac_answer(answer_with(format_2_answer(0x40))).error() ==
          EmvError::cryptogram_malformed);
    CHECK(read_zhang_with_generate_ac_answer(answer_with(format_2_answer(0xC0))).error() ==
          EmvError::cryptogram_malformed);
    // Format 1 too short for CID, ATC and an 8-byte cryptogram.
    CHECK(read_zhang_with_generate_ac_answer(
              answer_with(encode_tlv(0x80, base::Bytes{0x80, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 7})))
              .error() == EmvError::cryptogram_malformed);
    // Format 2 without its ATC.
    CHECK(read_zhang_with_generate_ac_answer(
              answer_with(encode_tlv(0x77,
                                     [] {
                                         base::Bytes fields = encode_tlv(0x9F27, base::Bytes{0x80});
                                         const base::Bytes cryptogram = encode_tlv(
                                             0x9F26, base::Bytes{1, 2, 3, 4, 5, 6, 7, 8});
                                         fields.insert(fields.end(), cryptogram.begin(),
                                                       cryptogram.end());
                                         return fields;
                                     }())))
              .error() == EmvError::cryptogram_malformed);
    // Neither template, and BER-TLV that overruns.
    CHECK(read_zhang_with_generate_ac_answer(answer_with(encode_tlv(0x70, base::Bytes{0x00})))
              .error() == EmvError::cryptogram_malformed);
    CHECK(read_zhang_with_generate_ac_answer(answer_with(base::Bytes{0x77, 0x20, 0x9F, 0x27}))
              .error() == EmvError::cryptogram_malformed);
    CHECK(read_zhang_with_generate_ac_answer(std::unexpected(ApduError::card_removed)).error() ==
          EmvError::card_removed);
}

TEST_CASE("A format 1 ARQC answer gives the issuer what format 2 does") {
    const base::Bytes value{0x80, 0x00, 0x07, 1,    2,    3,    4,    5,    6,
                            7,    8,    0x06, 0x01, 0x0A, 0x03, 0xA0, 0x00, 0x00};
    auto card = read_zhang_with_generate_ac_answer(answer_with(encode_tlv(0x80, value)));
    REQUIRE(card.has_value());
    REQUIRE(card->online_authentication.has_value());
    CHECK(card->online_authentication->transaction_counter == 7);
    CHECK(card->online_authentication->cryptogram == base::Bytes{1, 2, 3, 4, 5, 6, 7, 8});
    CHECK(base::to_hex(card->online_authentication->issuer_application_data) == "06010A03A00000");
    // A cryptogram the card did not compute with its key: the issuer refuses it.
    CHECK_FALSE(verify_arqc(demo_issuer_key(), card->pan.view(), *card->online_authentication));
}

TEST_CASE("An application whose FCI names another AID than the one selected is not taken") {
    // EMV 4.3 Book 1 §12.3.3 (found by fuzz_card_data): the answer to SELECT A000000333010101
    // names A000000334010101, another scheme's application; the terminal must not read it as
    // the UnionPay one it asked for.
    const base::Bytes other{0xA0, 0x00, 0x00, 0x03, 0x34, 0x01, 0x01, 0x01};
    InterceptingChannel channel(
        zhang(),
        [&](const CommandApdu& command) -> std::optional<std::expected<ResponseApdu, ApduError>> {
            if (is_select_pse(command)) {
                return ResponseApdu{{}, 0x6A, 0x82};
            }
            if (command.ins == 0xA4) {
                const base::Bytes proprietary = encode_tlv(0x50, base::Bytes{'X'});
                const base::Bytes fields[] = {encode_tlv(0x84, other),
                                              encode_tlv(0xA5, proprietary)};
                return answer_with(encode_constructed(0x6F, fields));
            }
            return std::nullopt;
        });
    auto card = read_card_data(channel);
    REQUIRE_FALSE(card.has_value());
    // Every application answered with a name that is not its own: a chip talking nonsense,
    // not a foreign card.
    CHECK(card.error() == EmvError::malformed_data);
}

TEST_CASE("A Hong Kong card gives its issuer's country beside its Chinese preference") {
    // 5F2D "zh" alone cannot say Cantonese (ISO 639-1 has no code for it); 5F28 0344, ISO
    // 3166-1 numeric for Hong Kong, can.
    auto card = read_demo_card("chan-mei");
    REQUIRE(card.has_value());
    CHECK(card->language_preference == "zh");
    CHECK(card->issuer_country == "344");
    auto mainland = read_demo_card("li-na");
    REQUIRE(mainland.has_value());
    CHECK(mainland->language_preference == "zh");
    CHECK(mainland->issuer_country == "156");
}

TEST_CASE("A malformed or missing issuer country is empty, and the card is still read") {
    // EMV 4.3 Book 3 Annex A: 5F28 is n3, three BCD digits in two bytes with a leading 0.
    const base::Bytes zhang_pan{0x62, 0x28, 0x48, 0x04, 0x02, 0x56, 0x48, 0x90, 0x01, 0x8F};
    const std::vector<std::pair<std::string, std::optional<base::Bytes>>> countries{
        {"one byte", base::Bytes{0x03}},
        {"three bytes", base::Bytes{0x00, 0x03, 0x44}},
        {"a non-BCD nibble", base::Bytes{0x03, 0x4A}},
        {"a fourth digit", base::Bytes{0x13, 0x44}},
        {"empty", base::Bytes{}},
        {"absent", std::nullopt},
    };
    for (const auto& [what, country] : countries) {
        INFO(what);
        InterceptingChannel channel(
            zhang(),
            [&](const CommandApdu& command)
                -> std::optional<std::expected<ResponseApdu, ApduError>> {
                // SFI 2 record 2 holds 5A, 5F24 and 5F28: the same, with this country.
                if (command.ins == 0xB2 && command.p1 == 2 && command.p2 == ((2 << 3) | 4)) {
                    std::vector<base::Bytes> objects{
                        encode_tlv(tag::k_pan, zhang_pan),
                        encode_tlv(tag::k_expiry_date, base::Bytes{0x29, 0x12, 0x31})};
                    if (country) {
                        objects.push_back(encode_tlv(tag::k_issuer_country_code, *country));
                    }
                    ResponseApdu record;
                    record.data = encode_constructed(tag::k_record_template, objects);
                    return record;
                }
                return std::nullopt;
            });
        auto card = read_card_data(channel);
        REQUIRE(card.has_value());
        CHECK(card->issuer_country.empty());
        CHECK(card->pan.view() == "6228480402564890018");
        CHECK(card->expiry == "2912");
    }
}
