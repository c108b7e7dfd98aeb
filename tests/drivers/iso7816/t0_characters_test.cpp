#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/iso7816/t0_characters.h"
#include "tests/support/replay_transport.h"

using namespace drivers::iso7816;
using tests::drivers::hex;

// Each exchange is written as the character stream between terminal and card: "R:" what the
// reader sends, "C:" what the card sends. The cases are those of EMV 4.3 Book 1 Annex A
// (case 1, 2, 3 and 4 commands; case 2 with 61 and 6C; case 4 with a warning). The Annex's
// own byte values were not available to this project: each stream was built from the rules of
// ISO/IEC 7816-3 §10.3 and EMV 4.3 Book 1 §9.2.2 and §9.3.1, with EMV commands as payload.

namespace {

struct CharacterSegment {
    bool from_reader;
    base::Bytes characters;
};

std::vector<CharacterSegment> character_script(std::initializer_list<std::string_view> lines) {
    std::vector<CharacterSegment> segments;
    for (const std::string_view line : lines) {
        REQUIRE(line.size() > 3);
        segments.push_back({line.starts_with("R:"), hex(line.substr(2))});
    }
    return segments;
}

// A card that sends and expects characters from a script.
class CharacterScript : public T0Port {
  public:
    explicit CharacterScript(std::vector<CharacterSegment> segments)
        : m_segments(std::move(segments)) {}

    std::expected<void, T0PortFault> send(std::span<const std::uint8_t> characters) override {
        for (const std::uint8_t character : characters) {
            skip_empty();
            if (m_segment >= m_segments.size() || !m_segments[m_segment].from_reader) {
                FAIL("the reader sent " << base::to_hex(characters) << " out of turn");
                return std::unexpected(T0PortFault::reader_failed);
            }
            CHECK(base::to_hex(std::span(&character, 1)) ==
                  base::to_hex(std::span(&m_segments[m_segment].characters[m_offset], 1)));
            advance();
        }
        return {};
    }

    std::expected<std::uint8_t, T0PortFault> receive(std::uint32_t wait_etu) override {
        waits.push_back(wait_etu);
        skip_empty();
        if (m_segment >= m_segments.size() || m_segments[m_segment].from_reader) {
            return std::unexpected(T0PortFault::timeout);
        }
        const std::uint8_t character = m_segments[m_segment].characters[m_offset];
        advance();
        return character;
    }

    bool finished() {
        skip_empty();
        return m_segment == m_segments.size();
    }

    std::vector<std::uint32_t> waits;

  private:
    void skip_empty() {
        while (m_segment < m_segments.size() && m_segments[m_segment].characters.empty()) {
            ++m_segment;
        }
    }
    void advance() {
        if (++m_offset == m_segments[m_segment].characters.size()) {
            ++m_segment;
            m_offset = 0;
        }
    }

    std::vector<CharacterSegment> m_segments;
    std::size_t m_segment = 0;
    std::size_t m_offset = 0;
};

// Feeds the reader's side of a script to a T0Card and checks that the card sends exactly the
// card's side of it.
void check_card_follows(T0Card& card, const std::vector<CharacterSegment>& segments) {
    for (std::size_t index = 0; index < segments.size(); ++index) {
        if (!segments[index].from_reader) {
            continue;
        }
        base::Bytes expected;
        for (std::size_t next = index + 1; next < segments.size() && !segments[next].from_reader;
             ++next) {
            expected.insert(expected.end(), segments[next].characters.begin(),
                            segments[next].characters.end());
        }
        INFO("after the reader sent " << base::to_hex(segments[index].characters));
        CHECK(base::to_hex(card.receive(segments[index].characters)) == base::to_hex(expected));
    }
}

std::expected<ResponseApdu, ApduError> complete_over_t0(T0Port& port, const CommandApdu& command) {
    T0ReaderChannel channel(port);
    return transmit_complete(channel, command);
}

const base::Bytes k_t0_aid = hex("A0000003330101");
const base::Bytes k_t0_fci = hex("6F09 8407A0000003330101");  // 11 bytes
const base::Bytes k_t0_record = hex("7003 5A0111");

}  // namespace

TEST_CASE("EMV case 1: the header alone, answered with SW1 SW2") {
    const auto segments = character_script({"R: 00 44 00 00 00", "C: 90 00"});
    CharacterScript port(segments);
    CHECK(complete_over_t0(port, CommandApdu{0x00, 0x44, 0, 0, {}, std::nullopt}) ==
          ResponseApdu::status(0x9000));
    CHECK(port.finished());
    // §10.2 at the defaults: WT = 10 x 960 etu.
    CHECK(port.waits.front() == 9600);

    T0Card card({}, [](base::Bytes command) {
        CHECK(command == hex("00 44 00 00 00"));
        return hex("9000");
    });
    check_card_follows(card, segments);
}

TEST_CASE("EMV case 2: Le accepted, INS then the data then SW1 SW2") {
    const auto segments = character_script({"R: 00 B2 01 0C 05", "C: B2 7003 5A0111 90 00"});
    CharacterScript port(segments);
    CHECK(complete_over_t0(port, CommandApdu{0x00, 0xB2, 1, 0x0C, {}, 5}) ==
          ResponseApdu{k_t0_record, 0x90, 0x00});
    CHECK(port.finished());

    T0Card card({}, [](base::Bytes) { return hex("7003 5A0111 9000"); });
    check_card_follows(card, segments);
}

TEST_CASE("EMV case 2 with Le 00: 6Cxx names the length and the command is sent again") {
    const auto segments = character_script({
        "R: 00 B2 01 0C 00",
        "C: 6C 05",  // Le = 256 is wrong: 5
        "R: 00 B2 01 0C 05",
        "C: B2 7003 5A0111 90 00",
    });
    CharacterScript port(segments);
    CHECK(complete_over_t0(port, CommandApdu{0x00, 0xB2, 1, 0x0C, {}, 256}) ==
          ResponseApdu{k_t0_record, 0x90, 0x00});
    CHECK(port.finished());

    int runs = 0;
    T0Card card({}, [&](base::Bytes) {
        ++runs;
        return hex("7003 5A0111 9000");
    });
    check_card_follows(card, segments);
    CHECK(runs == 1);  // the repeat is answered from what the card prepared
}

TEST_CASE("EMV case 3: INS, then the data, then SW1 SW2") {
    const auto segments = character_script({
        "R: 00 82 00 00 0A",
        "C: 82",
        "R: 11223344556677880000",
        "C: 90 00",
    });
    CharacterScript port(segments);
    CHECK(complete_over_t0(port, CommandApdu{0x00, 0x82, 0, 0, hex("11223344556677880000"),
                                             std::nullopt}) == ResponseApdu::status(0x9000));
    CHECK(port.finished());

    T0Card card({}, [](base::Bytes command) {
        CHECK(command == hex("00 82 00 00 0A 11223344556677880000"));
        return hex("9000");
    });
    check_card_follows(card, segments);
}

TEST_CASE("EMV case 4: data in, 61xx, and GET RESPONSE for the data out") {
    const auto segments = character_script({
        "R: 00 A4 04 00 07",
        "C: A4",
        "R: A0000003330101",
        "C: 61 0B",
        "R: 00 C0 00 00 0B",
        "C: C0 6F09 8407A0000003330101 90 00",
    });
    CharacterScript port(segments);
    CHECK(complete_over_t0(port, CommandApdu{0x00, 0xA4, 4, 0, k_t0_aid, 256}) ==
          ResponseApdu{k_t0_fci, 0x90, 0x00});
    CHECK(port.finished());

    T0Card card({}, [](base::Bytes command) {
        CHECK(command == hex("00 A4 04 00 07 A0000003330101"));
        return hex("6F09 8407A0000003330101 9000");
    });
    check_card_follows(card, segments);
}

TEST_CASE("EMV case 2 with 61 and 6C: a GET RESPONSE answered 6Cxx is itself sent again") {
    const auto segments = character_script({
        "R: 80 CA 9F 36 00",
        "C: 61 04",  // 4 bytes waiting, the card says
        "R: 00 C0 00 00 04",
        "C: 6C 05",  // but GET RESPONSE needs Le 5
        "R: 00 C0 00 00 05",
        "C: C0 9F36020042 90 00",
    });
    CharacterScript port(segments);
    CHECK(complete_over_t0(port, CommandApdu{0x80, 0xCA, 0x9F, 0x36, {}, 256}) ==
          ResponseApdu{hex("9F36020042"), 0x90, 0x00});
    CHECK(port.finished());
}

TEST_CASE("EMV case 4 with a warning: GET RESPONSE with Le 00, 6Cxx, and the data") {
    const auto segments = character_script({
        "R: 00 A4 04 00 07",
        "C: A4",
        "R: A0000003330101",
        "C: 62 83",  // selected file invalidated, no data yet
        "R: 00 C0 00 00 00",
        "C: 6C 0B",
        "R: 00 C0 00 00 0B",
        "C: C0 6F09 8407A0000003330101 62 83",
    });
    CharacterScript port(segments);
    // The application sees the data with the warning (a blocked application, EMV Book 1 §12).
    CHECK(complete_over_t0(port, CommandApdu{0x00, 0xA4, 4, 0, k_t0_aid, 256}) ==
          ResponseApdu{k_t0_fci, 0x62, 0x83});
    CHECK(port.finished());

    T0CardConfig config;
    config.warning_before_data = true;
    T0Card card(config, [](base::Bytes) { return hex("6F09 8407A0000003330101 6283"); });
    check_card_follows(card, segments);
}

TEST_CASE("A case 4 warning without data stays the command's status") {
    const auto segments = character_script({
        "R: 00 A4 04 00 07", "C: A4", "R: A0000003330101", "C: 62 83", "R: 00 C0 00 00 00",
        "C: 69 85",  // nothing to get
    });
    CharacterScript port(segments);
    CHECK(complete_over_t0(port, CommandApdu{0x00, 0xA4, 4, 0, k_t0_aid, 256}) ==
          ResponseApdu::status(0x6283));
    CHECK(port.finished());

    T0CardConfig config;
    config.warning_before_data = true;
    T0Card card(config, [](base::Bytes) { return hex("6283"); });
    check_card_follows(card, segments);
}

TEST_CASE("NULL bytes make the reader wait again") {
    const auto segments = character_script({
        "R: 00 A4 04 00 07",
        "C: 60 60 A4",
        "R: A0000003330101",
        "C: 60 60 90 00",
    });
    CharacterScript port(segments);
    CHECK(transmit_t0_tpdu(port, hex("00A4040007 A0000003330101")) == hex("9000"));
    CHECK(port.finished());

    T0CardConfig config;
    config.null_bytes = 2;
    T0Card card(config, [](base::Bytes) { return hex("9000"); });
    check_card_follows(card, segments);
}

TEST_CASE("INS xor FF moves one byte at a time, both ways") {
    const auto outgoing = character_script({
        "R: 00 82 00 00 03",
        "C: 7D",
        "R: 11",
        "C: 7D",
        "R: 22",
        "C: 7D",
        "R: 33",
        "C: 90 00",
    });
    CharacterScript port(outgoing);
    CHECK(transmit_t0_tpdu(port, hex("0082000003 112233")) == hex("9000"));
    CHECK(port.finished());

    const auto incoming = character_script({"R: 00 B2 01 0C 02", "C: 4D 70 4D 00 90 00"});
    CharacterScript card_port(incoming);
    CHECK(transmit_t0_tpdu(card_port, hex("00B2010C02")) == hex("7000 9000"));
    CHECK(card_port.finished());

    T0CardConfig config;
    config.acknowledge_each_byte = true;
    T0Card sending(config, [](base::Bytes) { return hex("9000"); });
    check_card_follows(sending, outgoing);
    T0Card answering(config, [](base::Bytes) { return hex("7000 9000"); });
    check_card_follows(answering, incoming);
}

TEST_CASE("INS and INS xor FF may alternate in one exchange") {
    CharacterScript port(character_script({"R: 00 B2 01 0C 05", "C: 4D 70 B2 035A0111 90 00"}));
    CHECK(transmit_t0_tpdu(port, hex("00B2010C05")) == hex("7003 5A0111 9000"));
    CHECK(port.finished());
}

TEST_CASE("A procedure byte that is none of NULL, ACK or SW1 is named") {
    CharacterScript port(character_script({"R: 00 B2 01 0C 05", "C: 55"}));
    CHECK(transmit_t0_tpdu(port, hex("00B2010C05")).error() == T0Error::unexpected_procedure_byte);

    // An ACK after all the data has gone is as wrong.
    CharacterScript eager(character_script({"R: 00 82 00 00 01", "C: 82", "R: 11", "C: 82"}));
    CHECK(transmit_t0_tpdu(eager, hex("0082000001 11")).error() ==
          T0Error::unexpected_procedure_byte);
}

TEST_CASE("A card that stops answering is a time-out, wherever it stops") {
    CharacterScript silent(character_script({"R: 00 B2 01 0C 05"}));
    CHECK(transmit_t0_tpdu(silent, hex("00B2010C05")).error() == T0Error::timeout);
    CharacterScript half(character_script({"R: 00 B2 01 0C 05", "C: 90"}));
    CHECK(transmit_t0_tpdu(half, hex("00B2010C05")).error() == T0Error::timeout);
    CharacterScript short_data(character_script({"R: 00 B2 01 0C 05", "C: B2 7003"}));
    CHECK(transmit_t0_tpdu(short_data, hex("00B2010C05")).error() == T0Error::timeout);
}

TEST_CASE("A card that sends NULL bytes without end is given up on") {
    std::string nulls = "C:";
    for (int index = 0; index <= k_t0_max_null_bytes; ++index) {
        nulls += " 60";
    }
    CharacterScript port(character_script({"R: 00 B2 01 0C 05", nulls}));
    CHECK(transmit_t0_tpdu(port, hex("00B2010C05")).error() == T0Error::too_many_null_bytes);
}

TEST_CASE("TPDUs that T=0 cannot carry are refused before anything is sent") {
    CharacterScript port(character_script({}));
    CHECK(transmit_t0_tpdu(port, hex("00B2010C")).error() == T0Error::malformed_tpdu);
    CHECK(transmit_t0_tpdu(port, hex("0082000002 11")).error() == T0Error::malformed_tpdu);
    CHECK(transmit_t0_tpdu(port, hex("0061000000")).error() == T0Error::invalid_instruction);
    CHECK(transmit_t0_tpdu(port, hex("0090000000")).error() == T0Error::invalid_instruction);
    CHECK(port.finished());

    T0Card card({}, [](base::Bytes) { return hex("9000"); });
    CHECK(card.receive(hex("0060000000")) == hex("6D00"));
    CHECK(card.commands_handled() == 0);
}

namespace {

// The reader's engine wired straight to the card's engine.
class T0CardWire : public T0Port {
  public:
    explicit T0CardWire(T0Card& card) : m_card(card) {}

    std::expected<void, T0PortFault> send(std::span<const std::uint8_t> characters) override {
        const base::Bytes answer = m_card.receive(characters);
        m_queue.insert(m_queue.end(), answer.begin(), answer.end());
        return {};
    }

    std::expected<std::uint8_t, T0PortFault> receive(std::uint32_t) override {
        if (m_next == m_queue.size()) {
            return std::unexpected(T0PortFault::timeout);
        }
        return m_queue[m_next++];
    }

  private:
    T0Card& m_card;
    base::Bytes m_queue;
    std::size_t m_next = 0;
};

base::Bytes t0_answer_to(std::span<const std::uint8_t> command, bool with_data) {
    std::uint32_t hash = 2166136261U;
    for (const std::uint8_t byte : command) {
        hash = (hash ^ byte) * 16777619U;
    }
    base::Bytes response;
    if (with_data) {
        response.resize(hash % 257);
        for (std::size_t index = 0; index < response.size(); ++index) {
            response[index] = static_cast<std::uint8_t>((hash >> (index % 24)) ^ index);
        }
    }
    constexpr std::array<std::uint16_t, 4> k_statuses{0x9000, 0x6283, 0x6A82, 0x6985};
    // Data comes with success or a warning only; errors come alone.
    const std::uint16_t status = k_statuses[(hash >> 8) % (response.empty() ? 4 : 2)];
    response.push_back(static_cast<std::uint8_t>(status >> 8));
    response.push_back(static_cast<std::uint8_t>(status & 0xFF));
    return response;
}

}  // namespace

TEST_CASE("Reader and card engines agree on every case, slow or byte by byte") {
    std::mt19937 random(7816);
    constexpr auto k_no_data = std::to_array<std::uint8_t>({0xB2, 0xCA, 0x84, 0xB0, 0x44});
    constexpr auto k_with_data = std::to_array<std::uint8_t>({0xA4, 0xA8, 0xAE, 0x88, 0xDC});
    int exchanges = 0;
    for (int round = 0; round < 600; ++round) {
        T0CardConfig config;
        config.null_bytes = static_cast<int>(random() % 3);
        config.acknowledge_each_byte = random() % 3 == 0;
        config.warning_before_data = random() % 2 == 0;
        const auto apdu_case = static_cast<ApduCase>(random() % 4);
        const bool sends_data = apdu_case == ApduCase::case3 || apdu_case == ApduCase::case4;
        const bool expects_data = apdu_case == ApduCase::case2 || apdu_case == ApduCase::case4;
        CommandApdu command;
        command.cla = random() % 2 == 0 ? 0x00 : 0x80;
        command.ins = sends_data ? k_with_data[random() % k_with_data.size()]
                                 : k_no_data[random() % k_no_data.size()];
        command.p1 = static_cast<std::uint8_t>(random());
        command.p2 = static_cast<std::uint8_t>(random());
        if (sends_data) {
            command.data.resize(1 + random() % 255);
            for (auto& byte : command.data) {
                byte = static_cast<std::uint8_t>(random());
            }
        }
        if (expects_data) {
            command.expected_length = 1 + random() % 256;
        }
        // What the application answers depends on CLA INS P1 P2 and the data, not on Le,
        // which the exchange may correct.
        base::Bytes key{command.cla, command.ins, command.p1, command.p2};
        key.insert(key.end(), command.data.begin(), command.data.end());
        const base::Bytes expected = t0_answer_to(key, expects_data);

        T0Card card(config, [&](base::Bytes received) {
            base::Bytes received_key(received.begin(), received.begin() + 4);
            if (received.size() > 5) {
                received_key.insert(received_key.end(), received.begin() + 5, received.end());
            }
            CHECK(received_key == key);
            return t0_answer_to(received_key, expects_data);
        });
        T0CardWire wire(card);
        const auto result = complete_over_t0(wire, command);
        INFO("case " << static_cast<int>(apdu_case) + 1 << ", INS " << int{command.ins}
                     << ", expected " << base::to_hex(expected) << ", null bytes "
                     << config.null_bytes << ", byte by byte " << config.acknowledge_each_byte
                     << ", warning first " << config.warning_before_data);
        INFO("error: " << (result ? "none" : to_string(result.error())));
        REQUIRE(result.has_value());
        CHECK(result->encode() == expected);
        CHECK(card.commands_handled() == 1);
        ++exchanges;
    }
    CHECK(exchanges == 600);
}

TEST_CASE("Random characters never crash the T=0 card engine") {
    std::mt19937 random(1989);
    T0Card card({}, [](base::Bytes command) {
        command.push_back(0x90);
        command.push_back(0x00);
        return command;
    });
    std::size_t answered = 0;
    for (int round = 0; round < 20000; ++round) {
        std::vector<std::uint8_t> noise(random() % 9);
        for (auto& byte : noise) {
            byte = static_cast<std::uint8_t>(random());
        }
        answered += card.receive(noise).size();
    }
    CHECK(answered > 0);
}
