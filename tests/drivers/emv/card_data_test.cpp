#include <catch2/catch.hpp>

#include <functional>

#include "base/bytes.h"
#include "drivers/emv/card_data.h"
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
        if (profile.kind != simulator::cards::CardKind::emv) {
            continue;
        }
        INFO("card " << profile.name);
        auto card = read_demo_card(profile.name);
        REQUIRE(card.has_value());
        CHECK(card->pan.view() == profile.pan);
        CHECK(card->expiry == profile.expiry);
        CHECK(card->holder_name.view() == profile.holder);
        CHECK(card->language_preference == profile.language);
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
