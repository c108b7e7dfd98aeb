#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include "drivers/iso7816/t1_card.h"
#include "drivers/iso7816/t1_host.h"
#include "tests/support/replay_transport.h"

using namespace drivers::iso7816;
using tests::drivers::hex;

// Blocks are written NAD PCB LEN INF LRC, worked out by hand from ISO/IEC 7816-3:2006 §11.3.

namespace {

const base::Bytes k_get_challenge = hex("0084000008");
const base::Bytes k_challenge_response = hex("0102030405060708 9000");
const base::Bytes k_long_command =
    hex("00E20000230102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20212223");
const base::Bytes k_long_response =
    hex("7026A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBFC0C1C2C39000");

// A card application that answers GET CHALLENGE and a long command, and records what it got.
struct Application {
    std::vector<base::Bytes> commands;

    T1Card::ApduHandler handler() {
        return [this](base::Bytes command) {
            commands.push_back(command);
            if (command == k_get_challenge) {
                return k_challenge_response;
            }
            if (command == k_long_command) {
                return k_long_response;
            }
            return hex("6D00");
        };
    }
};

std::string answer(T1Card& card, std::string_view block) {
    const auto reply = card.receive(hex(block));
    return reply ? base::to_hex(*reply) : std::string("(nothing)");
}

std::string block_hex(std::string_view text) {
    return base::to_hex(hex(text));
}

}  // namespace

TEST_CASE("The card echoes the IFSD it is offered and answers a command in one I-block") {
    Application application;
    T1Card card(T1CardConfig{}, application.handler());
    CHECK(answer(card, "00 C1 01 FE 3E") == block_hex("00 E1 01 FE 1E"));
    CHECK(card.device_information_field_size() == 254);
    CHECK(answer(card, "00 00 05 0084000008 89") == block_hex("00 00 0A 0102030405060708 9000 92"));
    CHECK(answer(card, "00 40 05 0084000008 C9") == block_hex("00 40 0A 0102030405060708 9000 D2"));
    CHECK(application.commands.size() == 2);
}

TEST_CASE("The card takes a chained command and chains its response by the IFSD") {
    Application application;
    T1CardConfig config;
    config.information_field_size = 16;
    T1Card card(config, application.handler());
    CHECK(answer(card, "00 C1 01 10 D0") == block_hex("00 E1 01 10 F0"));
    CHECK(answer(card, "00 20 10 00E20000230102030405060708090A0B F1") == block_hex("00 90 00 90"));
    CHECK(answer(card, "00 60 10 0C0D0E0F101112131415161718191A1B 70") == block_hex("00 80 00 80"));
    CHECK(answer(card, "00 00 08 1C1D1E1F20212223 08") ==
          block_hex("00 20 10 7026A0A1A2A3A4A5A6A7A8A9AAABACAD 67"));
    CHECK(answer(card, "00 90 00 90") == block_hex("00 60 10 AEAFB0B1B2B3B4B5B6B7B8B9BABBBCBD 70"));
    CHECK(answer(card, "00 80 00 80") == block_hex("00 00 08 BEBFC0C1C2C39000 99"));
    REQUIRE(application.commands.size() == 1);
    CHECK(application.commands[0] == k_long_command);
}

TEST_CASE("The card refuses an I-block longer than its IFSC") {
    Application application;
    T1CardConfig config;
    config.information_field_size = 16;
    T1Card card(config, application.handler());
    CHECK(answer(card, "00 40 18 0C0D0E0F101112131415161718191A1B1C1D1E1F20212223 58") ==
          block_hex("00 82 00 82"));
    CHECK(application.commands.empty());
}

TEST_CASE("A card hungry for time asks for it as often as configured before answering") {
    Application application;
    T1CardConfig config;
    config.waiting_time_extensions = 2;
    config.waiting_time_multiplier = 2;
    T1Card card(config, application.handler());
    CHECK(answer(card, "00 00 05 0084000008 89") == block_hex("00 C3 01 02 C0"));
    CHECK(application.commands.empty());  // still working
    CHECK(answer(card, "00 E3 01 02 E0") == block_hex("00 C3 01 02 C0"));
    CHECK(answer(card, "00 E3 01 02 E0") == block_hex("00 00 0A 0102030405060708 9000 92"));
    CHECK(application.commands.size() == 1);
}

TEST_CASE("More time can be asked for one command only") {
    Application application;
    T1Card card(T1CardConfig{}, application.handler());
    card.request_waiting_time(1);
    CHECK(answer(card, "00 00 05 0084000008 89") == block_hex("00 C3 01 02 C0"));
    CHECK(answer(card, "00 E3 01 02 E0") == block_hex("00 00 0A 0102030405060708 9000 92"));
    CHECK(answer(card, "00 40 05 0084000008 C9") == block_hex("00 40 0A 0102030405060708 9000 D2"));
}

TEST_CASE("A slow chip asks for more time only on the commands it is slow on") {
    // ISO/IEC 7816-3:2006 §11.6.2.3: the card sends S(WTX request) when a command will take it
    // longer than BWT; here the long command is the slow one, GET CHALLENGE is quick.
    Application application;
    T1CardConfig config;
    std::vector<base::Bytes> asked;
    config.waiting_time_for = [&](std::span<const std::uint8_t> command) {
        asked.emplace_back(command.begin(), command.end());
        return command.size() > 5 ? 2 : 0;
    };
    config.information_field_size = 254;
    T1Card card(config, application.handler());
    CHECK(answer(card, "00 C1 01 FE 3E") == block_hex("00 E1 01 FE 1E"));
    CHECK(answer(card, "00 00 05 0084000008 89") == block_hex("00 00 0A 0102030405060708 9000 92"));
    CHECK(answer(card,
                 "00 40 28 "
                 "00E20000230102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20212223 "
                 "A9") == block_hex("00 C3 01 02 C0"));
    CHECK(application.commands.size() == 1);  // the long command is still being worked on
    CHECK(answer(card, "00 E3 01 02 E0") == block_hex("00 C3 01 02 C0"));
    CHECK(
        answer(card, "00 E3 01 02 E0") ==
        block_hex(
            "00 40 28 "
            "7026A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBFC0C1C2C39000 AE"));
    CHECK(application.commands.size() == 2);
    REQUIRE(asked.size() == 2);
    CHECK(asked[0] == k_get_challenge);
    CHECK(asked[1] == k_long_command);
}

TEST_CASE("A card with a small buffer chains its long response at its IFSC, not the IFSD") {
    // §11.4.2: the interface device offered IFSD 254, but this card sends no block longer than
    // its own IFSC of 16, so the 42-byte response travels in three blocks.
    Application application;
    T1CardConfig config;
    config.information_field_size = 16;
    config.chain_at_own_information_field_size = true;
    T1Card card(config, application.handler());
    CHECK(answer(card, "00 C1 01 FE 3E") == block_hex("00 E1 01 FE 1E"));
    CHECK(answer(card, "00 20 10 00E20000230102030405060708090A0B F1") == block_hex("00 90 00 90"));
    CHECK(answer(card, "00 60 10 0C0D0E0F101112131415161718191A1B 70") == block_hex("00 80 00 80"));
    CHECK(answer(card, "00 00 08 1C1D1E1F20212223 08") ==
          block_hex("00 20 10 7026A0A1A2A3A4A5A6A7A8A9AAABACAD 67"));
    CHECK(answer(card, "00 90 00 90") == block_hex("00 60 10 AEAFB0B1B2B3B4B5B6B7B8B9BABBBCBD 70"));
    CHECK(answer(card, "00 80 00 80") == block_hex("00 00 08 BEBFC0C1C2C39000 99"));
    CHECK(card.device_information_field_size() == 254);
}

TEST_CASE("A card configured to announce a new IFSC does so before its first response") {
    Application application;
    T1CardConfig config;
    config.announced_information_field_size = 0x20;
    T1Card card(config, application.handler());
    CHECK(answer(card, "00 00 05 0084000008 89") == block_hex("00 C1 01 20 E0"));
    CHECK(answer(card, "00 E1 01 20 C0") == block_hex("00 00 0A 0102030405060708 9000 92"));
    CHECK(card.information_field_size() == 0x20);
    CHECK(answer(card, "00 40 05 0084000008 C9") == block_hex("00 40 0A 0102030405060708 9000 D2"));
}

TEST_CASE("The card answers a damaged block with R(N(R)) and the kind of error") {
    Application application;
    T1Card card(T1CardConfig{}, application.handler());
    CHECK(answer(card, "00 00 05 0084000008 88") == block_hex("00 81 00 81"));  // LRC
    CHECK(answer(card, "00 05 00 05") == block_hex("00 82 00 82"));             // unknown PCB
    CHECK(answer(card, "00 00 05 0084000008 89") == block_hex("00 00 0A 0102030405060708 9000 92"));
    CHECK(application.commands.size() == 1);
}

TEST_CASE("The card sends its I-block again when R(N(R)) names it, and names the one it expects") {
    Application application;
    T1Card card(T1CardConfig{}, application.handler());
    // The interface device's I-block was lost: its R-block is answered with R(0), "send I(0)".
    CHECK(answer(card, "00 82 00 82") == block_hex("00 80 00 80"));
    CHECK(answer(card, "00 00 05 0084000008 89") == block_hex("00 00 0A 0102030405060708 9000 92"));
    // The card's answer was lost: R(0) asks for it again, and the command is not run twice.
    CHECK(answer(card, "00 82 00 82") == block_hex("00 00 0A 0102030405060708 9000 92"));
    CHECK(application.commands.size() == 1);
}

TEST_CASE("The fault hooks damage or lose exactly the next block") {
    Application application;
    T1Card card(T1CardConfig{}, application.handler());
    card.corrupt_next_block();
    const std::string damaged = answer(card, "00 00 05 0084000008 89");
    CHECK(damaged == block_hex("00 00 0A 0102030405060708 9000 6D"));
    CHECK_FALSE(decode_t1_block(hex(damaged), EdcKind::lrc, 254).has_value());
    card.drop_next_block();
    CHECK(answer(card, "00 81 00 81") == "(nothing)");
    CHECK(answer(card, "00 81 00 81") == block_hex("00 00 0A 0102030405060708 9000 92"));
    CHECK(application.commands.size() == 1);
}

TEST_CASE("S(RESYNCH) brings the card back to N(S) = 0 and IFSD 32") {
    Application application;
    T1Card card(T1CardConfig{}, application.handler());
    CHECK(answer(card, "00 C1 01 FE 3E") == block_hex("00 E1 01 FE 1E"));
    CHECK(answer(card, "00 00 05 0084000008 89") == block_hex("00 00 0A 0102030405060708 9000 92"));
    CHECK(answer(card, "00 C0 00 C0") == block_hex("00 E0 00 E0"));
    CHECK(card.device_information_field_size() == 32);
    CHECK(answer(card, "00 00 05 0084000008 89") == block_hex("00 00 0A 0102030405060708 9000 92"));
}

TEST_CASE("S(ABORT) ends the card's chain") {
    Application application;
    T1CardConfig config;
    config.information_field_size = 254;
    T1Card card(config, application.handler());
    // IFSD stays 32: the 40-byte response needs two blocks.
    CHECK(
        answer(card,
               "00 00 28 00E20000230102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E"
               "1F20212223 E9") ==
        block_hex("00 20 20 7026A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBD 57"));
    CHECK(answer(card, "00 C2 00 C2") == block_hex("00 E2 00 E2"));
    // The chain is gone: R(1) no longer fetches its second block, it is told the I-block
    // the card expects.
    CHECK(answer(card, "00 90 00 90") == block_hex("00 90 00 90"));
}

namespace {

// The wire between a T1Host and a T1Card, which loses and damages blocks at random in both
// directions, through the card's own fault hooks as well.
class FaultyWire : public T1Port {
  public:
    FaultyWire(T1Card& card, std::mt19937& random, unsigned fault_percent)
        : m_card(card), m_random(random), m_fault_percent(fault_percent) {}

    std::expected<base::Bytes, T1PortFault> exchange(std::span<const std::uint8_t> block,
                                                     const T1Wait&) override {
        ++blocks;
        base::Bytes sent(block.begin(), block.end());
        if (fault()) {
            switch (m_random() % 5) {
                case 0:
                    ++faults;
                    return std::unexpected(T1PortFault::timeout);  // lost on the way in
                case 1:
                    ++faults;
                    sent[m_random() % sent.size()] ^=
                        static_cast<std::uint8_t>(1 + m_random() % 255);
                    break;
                case 2:
                    ++faults;
                    m_card.corrupt_next_block();
                    break;
                case 3:
                    ++faults;
                    m_card.drop_next_block();
                    break;
                default:
                    ++faults;
                    (void)m_card.receive(sent);
                    return std::unexpected(T1PortFault::transmission_error);
            }
        }
        auto reply = m_card.receive(sent);
        if (!reply) {
            return std::unexpected(T1PortFault::timeout);
        }
        return std::move(*reply);
    }

    std::size_t blocks = 0;
    std::size_t faults = 0;

  private:
    bool fault() { return m_random() % 100 < m_fault_percent; }

    T1Card& m_card;
    std::mt19937& m_random;
    unsigned m_fault_percent;
};

// The card application's answer to a command: 0 to 258 bytes that depend on every byte of it.
base::Bytes answer_to(const base::Bytes& command) {
    std::uint32_t hash = 2166136261U;
    for (const std::uint8_t byte : command) {
        hash = (hash ^ byte) * 16777619U;
    }
    base::Bytes response(hash % 259);
    for (std::size_t index = 0; index < response.size(); ++index) {
        response[index] = static_cast<std::uint8_t>((hash >> (index % 24)) + index);
    }
    return response;
}

}  // namespace

TEST_CASE("Host and card agree over a faulty wire: every APDU whole or a named error") {
    std::mt19937 random(20261204);
    std::map<std::string, int> outcomes;
    std::size_t blocks = 0;
    std::size_t faults = 0;
    int wrong_answers = 0;
    int wrong_commands = 0;
    for (int session = 0; session < 400; ++session) {
        T1CardConfig card_config;
        card_config.information_field_size = static_cast<std::uint8_t>(16 + random() % 239);
        card_config.waiting_time_extensions = static_cast<int>(random() % 3);
        card_config.waiting_time_multiplier = static_cast<std::uint8_t>(1 + random() % 5);
        if (random() % 4 == 0) {
            card_config.announced_information_field_size =
                static_cast<std::uint8_t>(16 + random() % 239);
        }
        T1Parameters parameters;
        parameters.card_information_field_size = card_config.information_field_size;
        parameters.device_information_field_size = static_cast<std::uint8_t>(16 + random() % 239);
        if (random() % 3 == 0) {
            parameters.edc = EdcKind::crc;
            card_config.edc = EdcKind::crc;
        }
        const auto fault_percent = static_cast<unsigned>(session % 4 == 0 ? 0 : random() % 25);
        parameters.profile = random() % 4 == 0 ? T1Profile::emv : T1Profile::iso7816;

        base::Bytes current;
        T1Card card(card_config, [&](base::Bytes command) {
            if (command != current) {
                ++wrong_commands;
            }
            return answer_to(command);
        });
        FaultyWire wire(card, random, fault_percent);
        auto host = std::make_unique<T1Host>(wire, parameters);
        for (int command = 0; command < 12; ++command) {
            current.resize(1 + random() % 261);
            for (auto& byte : current) {
                byte = static_cast<std::uint8_t>(random());
            }
            const auto result = host->transceive(current);
            if (result) {
                ++outcomes["answered"];
                if (*result != answer_to(current)) {
                    ++wrong_answers;
                }
                continue;
            }
            ++outcomes[std::string(to_string(result.error()))];
            // Only the recovery's outcomes: nothing the wire did is passed off as another error.
            const bool recovery = result.error() == T1Error::resynchronised ||
                                  result.error() == T1Error::resynch_failed ||
                                  result.error() == T1Error::session_dead;
            CHECK(recovery);
            if (host->is_dead()) {
                // The caller resets the card: a new session from the ATR.
                card.reset();
                host = std::make_unique<T1Host>(wire, parameters);
            }
            if (fault_percent == 0) {
                FAIL("a clean wire gave " << to_string(result.error()));
            }
        }
        blocks += wire.blocks;
        faults += wire.faults;
    }
    std::ostringstream summary;
    summary << "T=1 host against card, 400 sessions of 12 APDUs: " << blocks << " blocks, "
            << faults << " faults injected;";
    for (const auto& [outcome, count] : outcomes) {
        summary << " " << outcome << ": " << count << ";";
    }
    WARN(summary.str());
    CHECK(wrong_answers == 0);
    CHECK(wrong_commands == 0);
    CHECK(outcomes["answered"] > 4000);
}

namespace {

// A card that answers anything at all: random bytes, sometimes a valid block of random kind.
class NoisyPort : public T1Port {
  public:
    explicit NoisyPort(std::mt19937& random) : m_random(random) {}

    std::expected<base::Bytes, T1PortFault> exchange(std::span<const std::uint8_t>,
                                                     const T1Wait&) override {
        ++exchanges;
        if (m_random() % 8 == 0) {
            return std::unexpected(T1PortFault::timeout);
        }
        base::Bytes noise(m_random() % 12);
        for (auto& byte : noise) {
            byte = static_cast<std::uint8_t>(m_random());
        }
        if (m_random() % 2 == 0 && noise.size() >= 3) {
            // Make it a well-formed block of whatever PCB came out, so the state machine is
            // driven, not only the decoder.
            noise[0] = 0;
            noise[2] = static_cast<std::uint8_t>(noise.size() - 4);
            noise.back() = t1_lrc(std::span(noise).first(noise.size() - 1));
        }
        return noise;
    }

    std::size_t exchanges = 0;

  private:
    std::mt19937& m_random;
};

}  // namespace

TEST_CASE("A card that answers noise gets a named error or an answer, and never holds the host") {
    std::mt19937 random(1997);
    std::size_t most_exchanges = 0;
    for (int round = 0; round < 2000; ++round) {
        NoisyPort port(random);
        T1Host host(port, T1Parameters{});
        const auto result = host.transceive(hex("00B2010C00"));
        if (!result) {
            CHECK_FALSE(to_string(result.error()).empty());
        }
        most_exchanges = std::max(most_exchanges, port.exchanges);
    }
    // Three tries of the IFS request, resynchronisation, three tries per block and the
    // bounded time extensions: nothing close to endless.
    CHECK(most_exchanges < 200);
}

TEST_CASE("Random bytes never crash the card engine") {
    std::mt19937 random(2006);
    T1CardConfig config;
    config.waiting_time_extensions = 1;
    T1Card card(config, [](base::Bytes command) { return command; });
    for (int round = 0; round < 20000; ++round) {
        std::vector<std::uint8_t> noise(random() % 40);
        for (auto& byte : noise) {
            byte = static_cast<std::uint8_t>(random());
        }
        if (noise.size() >= 4 && random() % 2 == 0) {
            noise[0] = 0;
            noise[2] = static_cast<std::uint8_t>(noise.size() - 4);
            noise.back() = t1_lrc(std::span(noise).first(noise.size() - 1));
        }
        const auto reply = card.receive(noise);
        REQUIRE(reply.has_value());
        CHECK(decode_t1_block(*reply, EdcKind::lrc, k_t1_max_information_length).has_value());
    }
}
