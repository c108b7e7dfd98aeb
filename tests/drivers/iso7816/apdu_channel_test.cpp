#include <catch2/catch.hpp>

#include <deque>

#include "drivers/iso7816/apdu_channel.h"
#include "tests/support/replay_transport.h"

using namespace drivers::iso7816;
using tests::drivers::hex;

namespace {

// A card that answers from a script and records what it was sent.
class ScriptedCard : public ApduChannel {
  public:
    std::deque<std::expected<ResponseApdu, ApduError>> answers;
    std::vector<CommandApdu> received;

    std::expected<ResponseApdu, ApduError> transmit(const CommandApdu& command) override {
        received.push_back(command);
        if (answers.empty()) {
            return std::unexpected(ApduError::timeout);
        }
        auto answer = answers.front();
        answers.pop_front();
        return answer;
    }
};

ResponseApdu response(const char* text) {
    return *ResponseApdu::parse(hex(text));
}

}  // namespace

TEST_CASE("A 61xx answer is completed with GET RESPONSE and the data joined") {
    ScriptedCard card;
    card.answers = {response("6F05 6110"), response("8407A000 6102"), response("0333 9000")};
    const CommandApdu select{0x00, 0xA4, 0x04, 0x00, hex("A0000003330101"), 256};
    auto result = transmit_complete(card, select);
    REQUIRE(result.has_value());
    CHECK(result->data == hex("6F05 8407A000 0333"));
    CHECK(result->status_word() == 0x9000);
    REQUIRE(card.received.size() == 3);
    CHECK(card.received[1] == CommandApdu{0x00, 0xC0, 0x00, 0x00, {}, 0x10});
    CHECK(card.received[2] == CommandApdu{0x00, 0xC0, 0x00, 0x00, {}, 2});
}

TEST_CASE("GET RESPONSE after a proprietary class command uses the interindustry class") {
    ScriptedCard card;
    card.answers = {response("6100"), response("77029000 9000")};
    auto result = transmit_complete(card, CommandApdu{0x80, 0xA8, 0, 0, hex("8300"), 256});
    REQUIRE(result.has_value());
    REQUIRE(card.received.size() == 2);
    CHECK(card.received[1] == CommandApdu{0x00, 0xC0, 0x00, 0x00, {}, 256});
}

TEST_CASE("A 6Cxx answer repeats the command with the exact length") {
    ScriptedCard card;
    card.answers = {response("6C1D"), response("701B 9000")};
    const CommandApdu read{0x00, 0xB2, 0x01, 0x0C, {}, 256};
    auto result = transmit_complete(card, read);
    REQUIRE(result.has_value());
    CHECK(result->data == hex("701B"));
    REQUIRE(card.received.size() == 2);
    CHECK(card.received[1].expected_length == std::size_t{0x1D});
    CHECK(card.received[1].ins == 0xB2);
}

TEST_CASE("A card that answers 61xx forever is given up on") {
    ScriptedCard card;
    for (int index = 0; index < 300; ++index) {
        card.answers.push_back(response("00 6101"));
    }
    auto result = transmit_complete(card, CommandApdu{0x00, 0xB0, 0, 0, {}, 256});
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error() == ApduError::response_chain_too_long);
}

TEST_CASE("A channel failure during completion is passed on") {
    ScriptedCard card;
    card.answers = {response("6110"), std::unexpected(ApduError::card_removed)};
    auto result = transmit_complete(card, CommandApdu{0x00, 0xB0, 0, 0, {}, 256});
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error() == ApduError::card_removed);
}

TEST_CASE("A completing channel wraps another channel") {
    ScriptedCard card;
    card.answers = {response("6102"), response("ABCD 9000")};
    CompletingChannel channel(card);
    auto result = channel.transmit(CommandApdu{0x00, 0xCA, 0x9F, 0x17, {}, 256});
    REQUIRE(result.has_value());
    CHECK(result->data == hex("ABCD"));
}

TEST_CASE("T=0 TPDUs drop the Le of case 4 and use P3 = 0 for case 1") {
    CHECK(to_t0_tpdu(CommandApdu{0x00, 0x70, 0, 0, {}, std::nullopt}) == hex("0070000000"));
    CHECK(to_t0_tpdu(CommandApdu{0x00, 0xB2, 1, 0x0C, {}, 256}) == hex("00B2010C00"));
    CHECK(to_t0_tpdu(CommandApdu{0x00, 0xA4, 4, 0, hex("A0000003330101"), 256}) ==
          hex("00A4040007A0000003330101"));
    CHECK(to_t0_tpdu(CommandApdu{0x00, 0xB0, 0, 0, {}, 1000}).error() == ApduError::data_too_long);
}

TEST_CASE("A GET RESPONSE answered 6Cxx is repeated, not the original command") {
    ScriptedCard card;
    card.answers = {response("6104"), response("6C05"), response("9F36020042 9000")};
    const CommandApdu get_data{0x80, 0xCA, 0x9F, 0x36, {}, 256};
    auto result = transmit_complete(card, get_data);
    REQUIRE(result.has_value());
    CHECK(result->data == hex("9F36020042"));
    REQUIRE(card.received.size() == 3);
    CHECK(card.received[1] == CommandApdu{0x00, 0xC0, 0x00, 0x00, {}, 4});
    // EMV 4.3 Book 1 Annex A: the GET RESPONSE, with the length the card names.
    CHECK(card.received[2] == CommandApdu{0x00, 0xC0, 0x00, 0x00, {}, 5});
}

TEST_CASE("A case 4 warning without data is followed by GET RESPONSE with Le 00") {
    ScriptedCard card;
    card.answers = {response("6283"), response("6C0B"), response("6F09 8407A0000003330101 9000")};
    const CommandApdu select{0x00, 0xA4, 0x04, 0x00, hex("A0000003330101"), 256};
    auto result = transmit_complete(card, select);
    REQUIRE(result.has_value());
    // The data, with the warning the command ended with.
    CHECK(result->data == hex("6F09 8407A0000003330101"));
    CHECK(result->status_word() == 0x6283);
    REQUIRE(card.received.size() == 3);
    CHECK(card.received[1] == CommandApdu{0x00, 0xC0, 0x00, 0x00, {}, 256});
    CHECK(card.received[2] == CommandApdu{0x00, 0xC0, 0x00, 0x00, {}, 0x0B});
}

TEST_CASE("A case 4 warning stays the status when GET RESPONSE finds no data") {
    ScriptedCard card;
    card.answers = {response("6310"), response("6985")};
    auto result = transmit_complete(card, CommandApdu{0x00, 0xA4, 0x04, 0x00, hex("A000"), 256});
    REQUIRE(result.has_value());
    CHECK(result->data.empty());
    CHECK(result->status_word() == 0x6310);
}

TEST_CASE("A warning after a case 3 command or with data asks for nothing more") {
    ScriptedCard card;
    card.answers = {response("6283"), response("6F00 6283")};
    auto case3 = transmit_complete(card, CommandApdu{0x00, 0xDC, 1, 0x0C, hex("7000"), {}});
    REQUIRE(case3.has_value());
    CHECK(case3->status_word() == 0x6283);
    auto with_data = transmit_complete(card, CommandApdu{0x00, 0xA4, 4, 0, hex("A000"), 256});
    REQUIRE(with_data.has_value());
    CHECK(with_data->data == hex("6F00"));
    CHECK(card.received.size() == 2);
}
