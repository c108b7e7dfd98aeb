#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

#include "drivers/iso7816/t1_host.h"
#include "tests/support/replay_transport.h"

using namespace drivers::iso7816;
using tests::drivers::hex;

// The scenarios follow ISO/IEC 7816-3:2006 §11.6 (the rules of §11.6.2 and the error handling of
// §11.6.3) and cover the kinds of exchange its Annex A shows: the standard's own text was not
// available to this project, so each exchange was built from the rules and every byte worked
// out by hand (NAD 00, LRC). Each step is the block the interface device sends and the card's
// answer (or the port's fault).

namespace {

// A card that answers from a script, and checks each block the host sends against it.
class ScriptedPort : public T1Port {
  public:
    struct Step {
        std::string host;                               // the block the host must send
        std::variant<std::string, T1PortFault> answer;  // the card's block, or a fault
    };

    explicit ScriptedPort(std::vector<Step> steps) : m_steps(std::move(steps)) {}

    std::expected<base::Bytes, T1PortFault> exchange(std::span<const std::uint8_t> block,
                                                     const T1Wait& wait) override {
        waits.push_back(wait);
        if (m_index >= m_steps.size()) {
            FAIL("the host sent a block the script does not expect: " << base::to_hex(block));
            return std::unexpected(T1PortFault::reader_failed);
        }
        const Step& step = m_steps[m_index++];
        CHECK(base::to_hex(block) == base::to_hex(hex(step.host)));
        if (const auto* fault = std::get_if<T1PortFault>(&step.answer)) {
            return std::unexpected(*fault);
        }
        return hex(std::get<std::string>(step.answer));
    }

    bool finished() const { return m_index == m_steps.size(); }

    std::vector<T1Wait> waits;

  private:
    std::vector<Step> m_steps;
    std::size_t m_index = 0;
};

// IFSD 254 offered and taken: the first exchange of every session (EMV 4.3 Book 1 §9.2.4).
const ScriptedPort::Step k_ifs_exchange{"00 C1 01 FE 3E", "00 E1 01 FE 1E"};

T1Parameters parameters_with_ifsc(std::uint8_t ifsc) {
    T1Parameters parameters;
    parameters.card_information_field_size = ifsc;
    return parameters;
}

}  // namespace

TEST_CASE("A normal exchange offers IFSD once after the ATR and then carries one I-block") {
    ScriptedPort port({
        k_ifs_exchange,
        {"00 00 05 00B2010C00 BA", "00 00 06 7002 5A01 9000 BF"},  // I(0,0) / I(0,0)
        {"00 40 04 00A40400 E4", "00 40 02 9000 D2"},              // I(1,0) / I(1,0)
    });
    T1Host host(port, T1Parameters{});
    CHECK(host.transceive(hex("00B2010C00")) == hex("7002 5A01 9000"));
    CHECK(host.device_information_field_size() == 254);
    CHECK(host.transceive(hex("00A40400")) == hex("9000"));
    CHECK(port.finished());
}

TEST_CASE("A command longer than IFSC is chained and each block waits for its R-block") {
    const base::Bytes apdu =
        hex("00E20000230102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20212223");
    ScriptedPort port({
        k_ifs_exchange,
        {"00 20 10 00E20000230102030405060708090A0B F1", "00 90 00 90"},  // I(0,1) / R(1)
        {"00 60 10 0C0D0E0F101112131415161718191A1B 70", "00 80 00 80"},  // I(1,1) / R(0)
        {"00 00 08 1C1D1E1F20212223 08", "00 00 02 9000 92"},             // I(0,0) / I(0,0)
    });
    T1Host host(port, parameters_with_ifsc(16));
    CHECK(host.transceive(apdu) == hex("9000"));
    CHECK(port.finished());
}

TEST_CASE("A response longer than IFSD is chained by the card and acknowledged block by block") {
    T1Parameters parameters;
    parameters.device_information_field_size = 16;
    ScriptedPort port({
        {"00 C1 01 10 D0", "00 E1 01 10 F0"},
        {"00 00 05 00B2010C00 BA", "00 20 10 7026A0A1A2A3A4A5A6A7A8A9AAABACAD 67"},  // I(0,1)
        {"00 90 00 90", "00 60 10 AEAFB0B1B2B3B4B5B6B7B8B9BABBBCBD 70"},             // R(1)/I(1,1)
        {"00 80 00 80", "00 00 08 BEBFC0C1C2C39000 99"},                             // R(0)/I(0,0)
    });
    T1Host host(port, parameters);
    CHECK(host.transceive(hex("00B2010C00")) ==
          hex("7026A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBFC0C1C2C39000"));
    CHECK(port.finished());
}

TEST_CASE("An I-block longer than the IFSD offered is refused and asked for again") {
    T1Parameters parameters;
    parameters.device_information_field_size = 16;
    ScriptedPort port({
        {"00 C1 01 10 D0", "00 E1 01 10 F0"},
        // 24 bytes of INF against an IFSD of 16: R(0, other error), then a proper block.
        {"00 00 05 00B2010C00 BA", "00 40 18 0C0D0E0F101112131415161718191A1B1C1D1E1F20212223 58"},
        {"00 82 00 82", "00 00 02 9000 92"},
    });
    T1Host host(port, parameters);
    CHECK(host.transceive(hex("00B2010C00")) == hex("9000"));
    CHECK(port.finished());
}

TEST_CASE("A waiting time extension is echoed and the next block's wait multiplied") {
    ScriptedPort port({
        k_ifs_exchange,
        {"00 00 05 00B2010C00 BA", "00 C3 01 03 C1"},  // I(0,0) / S(WTX request 3)
        {"00 E3 01 03 E1", "00 00 02 9000 92"},        // S(WTX response 3) / I(0,0)
        {"00 40 04 00A40400 E4", "00 40 02 9000 D2"},
    });
    T1Host host(port, T1Parameters{});
    CHECK(host.transceive(hex("00B2010C00")) == hex("9000"));
    CHECK(host.transceive(hex("00A40400")) == hex("9000"));
    REQUIRE(port.waits.size() == 4);
    // §11.4.3 at the defaults: BWT = 11 + 2^4 x 960 = 15371 etu, CWT = 11 + 2^13 = 8203 etu.
    CHECK(port.waits[1] == T1Wait{1, 15371, 8203});
    CHECK(port.waits[2] == T1Wait{3, 3 * 15371, 8203});
    CHECK(port.waits[3] == T1Wait{1, 15371, 8203});
}

TEST_CASE("An S(WTX response) the card did not get is sent again with the same wait") {
    ScriptedPort port({
        k_ifs_exchange,
        {"00 00 05 00B2010C00 BA", "00 C3 01 03 C1"},  // I(0,0) / S(WTX request 3)
        {"00 E3 01 03 E1", "00 91 00 91"},  // the card took I(0) but not our response: R(1)
        {"00 E3 01 03 E1", "00 00 02 9000 92"},
    });
    T1Host host(port, T1Parameters{});
    CHECK(host.transceive(hex("00B2010C00")) == hex("9000"));
    CHECK(port.finished());
    REQUIRE(port.waits.size() == 4);
    CHECK(port.waits[2].multiplier == 3);
    CHECK(port.waits[3].multiplier == 3);
}

TEST_CASE("A new IFSC announced by the card in the middle of a chain sizes the rest") {
    const base::Bytes apdu =
        hex("00E20000230102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20212223");
    ScriptedPort port({
        k_ifs_exchange,
        {"00 20 10 00E20000230102030405060708090A0B F1", "00 C1 01 20 E0"},  // S(IFS req 32)
        {"00 E1 01 20 C0", "00 90 00 90"},                                   // S(IFS resp) / R(1)
        {"00 40 18 0C0D0E0F101112131415161718191A1B1C1D1E1F20212223 58", "00 00 02 9000 92"},
    });
    T1Host host(port, parameters_with_ifsc(16));
    CHECK(host.transceive(apdu) == hex("9000"));
    CHECK(host.card_information_field_size() == 32);
    CHECK(port.finished());
}

TEST_CASE("A block with a bad EDC is answered by R(EDC error) and sent again") {
    ScriptedPort port({
        k_ifs_exchange,
        {"00 00 05 00B2010C00 BA", "00 00 02 9000 93"},  // the card's LRC is damaged
        {"00 81 00 81", "00 00 02 9000 92"},             // R(0, EDC error) / I(0,0) again
    });
    T1Host host(port, T1Parameters{});
    CHECK(host.transceive(hex("00B2010C00")) == hex("9000"));
    CHECK(port.finished());
}

TEST_CASE("The card's R(EDC error) makes the host send its I-block again") {
    ScriptedPort port({
        k_ifs_exchange,
        {"00 00 05 00B2010C00 BA", "00 81 00 81"},  // R(0, EDC error): N(R) = our N(S)
        {"00 00 05 00B2010C00 BA", "00 00 02 9000 92"},
    });
    T1Host host(port, T1Parameters{});
    CHECK(host.transceive(hex("00B2010C00")) == hex("9000"));
    CHECK(port.finished());
}

TEST_CASE("A lost I-block of the host is found by time-out and sent again") {
    ScriptedPort port({
        k_ifs_exchange,
        {"00 00 05 00B2010C00 BA", T1PortFault::timeout},  // the card never saw it
        {"00 82 00 82", "00 80 00 80"},                    // R(0, other) / R(0): "send I(0)"
        {"00 00 05 00B2010C00 BA", "00 00 02 9000 92"},
    });
    T1Host host(port, T1Parameters{});
    CHECK(host.transceive(hex("00B2010C00")) == hex("9000"));
    CHECK(port.finished());
}

TEST_CASE("A lost I-block of the card is asked for again with R(N(R))") {
    ScriptedPort port({
        k_ifs_exchange,
        {"00 00 05 00B2010C00 BA", T1PortFault::timeout},  // the card's answer was lost
        {"00 82 00 82", "00 00 02 9000 92"},               // R(0, other) / I(0,0) again
    });
    T1Host host(port, T1Parameters{});
    CHECK(host.transceive(hex("00B2010C00")) == hex("9000"));
    CHECK(port.finished());
}

TEST_CASE("A lost acknowledgement in the card's chain is acknowledged again") {
    T1Parameters parameters;
    parameters.device_information_field_size = 16;
    ScriptedPort port({
        {"00 C1 01 10 D0", "00 E1 01 10 F0"},
        {"00 00 05 00B2010C00 BA", "00 20 10 7026A0A1A2A3A4A5A6A7A8A9AAABACAD 67"},
        // R(1) lost: the card sends I(0,1) again, the host acknowledges it again.
        {"00 90 00 90", "00 20 10 7026A0A1A2A3A4A5A6A7A8A9AAABACAD 67"},
        {"00 90 00 90", "00 60 10 AEAFB0B1B2B3B4B5B6B7B8B9BABBBCBD 70"},
        {"00 80 00 80", "00 00 08 BEBFC0C1C2C39000 99"},
    });
    T1Host host(port, parameters);
    CHECK(host.transceive(hex("00B2010C00")) ==
          hex("7026A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBFC0C1C2C39000"));
    CHECK(port.finished());
}

TEST_CASE("Three failed tries lead to resynchronisation and the next command starts afresh") {
    ScriptedPort port({
        k_ifs_exchange,
        {"00 00 05 00B2010C00 BA", T1PortFault::timeout},
        {"00 82 00 82", T1PortFault::transmission_error},
        {"00 81 00 81", "00 00 02 9000 93"},  // a third failure, of any kind
        {"00 C0 00 C0", "00 E0 00 E0"},       // S(RESYNCH request) / S(RESYNCH response)
        // After resynchronisation IFSD is 32 again and is offered anew, and N(S) is 0.
        k_ifs_exchange,
        {"00 00 04 00A40400 A4", "00 00 04 6F00 9000 FB"},
    });
    T1Host host(port, T1Parameters{});
    CHECK(host.transceive(hex("00B2010C00")).error() == T1Error::resynchronised);
    CHECK_FALSE(host.is_dead());
    CHECK(host.transceive(hex("00A40400")) == hex("6F00 9000"));
    CHECK(port.finished());
}

TEST_CASE("A card that does not answer resynchronisation ends the session") {
    ScriptedPort port({
        k_ifs_exchange,
        {"00 00 05 00B2010C00 BA", T1PortFault::timeout},
        {"00 82 00 82", T1PortFault::timeout},
        {"00 82 00 82", T1PortFault::timeout},
        {"00 C0 00 C0", T1PortFault::timeout},
        {"00 C0 00 C0", "00 E0 00 E1"},  // damaged
        {"00 C0 00 C0", "00 80 00 80"},  // not the response
    });
    T1Host host(port, T1Parameters{});
    CHECK(host.transceive(hex("00B2010C00")).error() == T1Error::resynch_failed);
    CHECK(host.is_dead());
    // Nothing more is sent: the caller resets the card.
    CHECK(host.transceive(hex("00A40400")).error() == T1Error::session_dead);
    CHECK(port.finished());
}

TEST_CASE("An EMV terminal deactivates after three failed tries instead of resynchronising") {
    T1Parameters parameters;
    parameters.profile = T1Profile::emv;
    ScriptedPort port({
        k_ifs_exchange,
        {"00 00 05 00B2010C00 BA", T1PortFault::timeout},
        {"00 82 00 82", T1PortFault::timeout},
        {"00 82 00 82", T1PortFault::timeout},
    });
    T1Host host(port, parameters);
    CHECK(host.transceive(hex("00B2010C00")).error() == T1Error::session_dead);
    CHECK(port.finished());
}

TEST_CASE("An S(IFS) request the card will not answer is tried three times") {
    ScriptedPort port({
        {"00 C1 01 FE 3E", T1PortFault::timeout},
        {"00 C1 01 FE 3E", "00 E1 01 20 C0"},  // a different size: not an answer
        {"00 C1 01 FE 3E", T1PortFault::timeout},
        {"00 C0 00 C0", "00 E0 00 E0"},
        // The session goes on with the default IFSD of 32.
        {"00 00 05 00B2010C00 BA", "00 00 02 9000 92"},
    });
    T1Host host(port, T1Parameters{});
    CHECK(host.transceive(hex("00B2010C00")) == hex("9000"));
    CHECK(host.device_information_field_size() == 32);
    CHECK(port.finished());
}

TEST_CASE("An S(ABORT) request from the card is confirmed and the exchange named void") {
    ScriptedPort port({
        k_ifs_exchange,
        {"00 00 05 00B2010C00 BA", "00 C2 00 C2"},  // S(ABORT request)
        {"00 E2 00 E2", "00 80 00 80"},             // S(ABORT response) / R(0)
        {"00 40 04 00A40400 E4", "00 00 02 9000 92"},
    });
    T1Host host(port, T1Parameters{});
    CHECK(host.transceive(hex("00B2010C00")).error() == T1Error::aborted_by_card);
    CHECK(host.transceive(hex("00A40400")) == hex("9000"));
    CHECK(port.finished());
}

TEST_CASE("A removed card or a failed reader ends the session at once") {
    ScriptedPort port({
        k_ifs_exchange,
        {"00 00 05 00B2010C00 BA", T1PortFault::card_removed},
    });
    T1Host host(port, T1Parameters{});
    CHECK(host.transceive(hex("00B2010C00")).error() == T1Error::card_removed);
    CHECK(host.transceive(hex("00B2010C00")).error() == T1Error::session_dead);
    CHECK(port.finished());
}

TEST_CASE("A card that keeps asking for more time is given up on") {
    std::vector<ScriptedPort::Step> steps{k_ifs_exchange,
                                          {"00 00 05 00B2010C00 BA", "00 C3 01 03 C1"}};
    for (int index = 0; index < k_t1_max_waiting_time_extensions; ++index) {
        steps.push_back({"00 E3 01 03 E1", "00 C3 01 03 C1"});
    }
    ScriptedPort port(std::move(steps));
    T1Host host(port, T1Parameters{});
    CHECK(host.transceive(hex("00B2010C00")).error() == T1Error::too_many_waiting_time_extensions);
    CHECK(port.finished());
}

TEST_CASE("Blocks go out with the configured node address and answers must swap it") {
    T1Parameters parameters;
    parameters.node_address = 0x12;
    ScriptedPort port({
        {"12 C1 01 FE 2C", "21 E1 01 FE 3F"},
        {"12 00 05 00B2010C00 A8", "00 00 02 9000 92"},  // NAD 00: not from the card we address
        {"12 82 00 90", "21 00 02 9000 B3"},
    });
    T1Host host(port, parameters);
    CHECK(host.transceive(hex("00B2010C00")) == hex("9000"));
    CHECK(port.finished());
}

TEST_CASE("Commands the protocol cannot carry are refused before anything is sent") {
    ScriptedPort port({});
    T1Host host(port, T1Parameters{});
    CHECK(host.transceive({}).error() == T1Error::empty_command);
    CHECK(host.transceive(base::Bytes(k_t1_max_command_length + 1, 0)).error() ==
          T1Error::command_too_long);
    CHECK(port.finished());
}

TEST_CASE("The T=1 parameters come from TA3, TB3 and TC3 of the ATR") {
    // TD1 = 81 (T=1, TD2 follows), TD2 = 71 (TA3 TB3 TC3, T=1): IFSC FE, BWI 4 CWI 5, CRC.
    const auto atr = parse_atr(hex("3B 80 81 71 FE 45 01 CA"));
    REQUIRE(atr.has_value());
    const T1Parameters parameters = T1Parameters::from_atr(*atr, 128);
    CHECK(parameters.card_information_field_size == 0xFE);
    CHECK(parameters.device_information_field_size == 128);
    CHECK(parameters.block_waiting_integer == 4);
    CHECK(parameters.character_waiting_integer == 5);
    CHECK(parameters.edc == EdcKind::crc);
    CHECK(character_waiting_etu(parameters) == 11 + 32);

    const auto plain = parse_atr(hex("3B 00"));
    REQUIRE(plain.has_value());
    const T1Parameters defaults = T1Parameters::from_atr(*plain);
    CHECK(defaults.card_information_field_size == 32);
    CHECK(defaults.edc == EdcKind::lrc);
    CHECK(defaults.block_waiting_integer == 4);
    CHECK(defaults.character_waiting_integer == 13);
}

TEST_CASE("BWT in etu follows F and D") {
    T1Parameters parameters;
    parameters.block_waiting_integer = 7;
    CHECK(block_waiting_etu(parameters) == 11 + 128 * 960);
    // F = 512, D = 8 (TA1 = 94): Fd / f is 372 x 8 / 512 etu.
    parameters.clock_rate_conversion = 512;
    parameters.baud_rate_adjustment = 8;
    CHECK(block_waiting_etu(parameters) == 11 + 128 * 960 * 372 * 8 / 512);
}
