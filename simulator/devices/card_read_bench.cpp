// kiosk_card_read_bench: how long a card takes from insertion to its data, through the kiosk's
// own driver (CCID client, card session, EMV read) and the simulated reader, at the default
// speed and after PPS, at APDU and TPDU level, T=0 and T=1; and the host's own time per APDU,
// measured with the reader answering at once (no wire time), so that only the driver's work
// and the simulated card's remain. Prints one JSON line per case; a measurement, not a test.

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "base/command_line.h"
#include "drivers/ccid/card_session.h"
#include "drivers/ccid/ccid_client.h"
#include "drivers/emv/card_data.h"
#include "simulator/cards/card_profile.h"
#include "simulator/devices/direct_transport.h"
#include "simulator/devices/virtual_ccid_reader.h"

namespace {

using Clock = std::chrono::steady_clock;
using simulator::devices::VirtualCcidReader;

constexpr int k_default_rounds = 20;

constexpr const char* k_usage =
    "usage: kiosk_card_read_bench [--rounds N]\n"
    "Reads the demo card zhang-wei N times (default 20) in each case: an APDU-level and a\n"
    "TPDU-level simulated reader, T=0 and T=1, at the default speed (Fi/Di 372/1) and after PPS\n"
    "(512/32), and prints one JSON line per case: insertion_to_card_data_ms (median and\n"
    "slowest), wire_ms (what the bytes between reader and card take), apdus, and\n"
    "host_us_per_apdu (median, with the reader answering at once).\n"
    "  --rounds N    reads per case\n"
    "  -h, --help    this text\n";

// Counts the APDUs the EMV read sends.
class CountingChannel final : public drivers::iso7816::ApduChannel {
  public:
    explicit CountingChannel(drivers::iso7816::ApduChannel& inner) : m_inner(inner) {}
    std::expected<drivers::iso7816::ResponseApdu, drivers::iso7816::ApduError> transmit(
        const drivers::iso7816::CommandApdu& command) override {
        ++m_count;
        return m_inner.transmit(command);
    }
    int count() const { return m_count; }

  private:
    drivers::iso7816::ApduChannel& m_inner;
    int m_count = 0;
};

struct Case {
    const char* level;
    VirtualCcidReader::Model model;
    simulator::cards::CardProtocol protocol;
    const char* speed;
};

struct Round {
    double insertion_to_data_ms = 0;
    double wire_ms = 0;
    int apdus = 0;
};

// One insertion and read; nothing when the read fails.
std::optional<Round> read_once(const Case& bench_case, const simulator::cards::CardProfile& card,
                               bool real_time) {
    auto model = bench_case.model;
    model.real_time = real_time;
    auto reader = std::make_shared<VirtualCcidReader>(model);
    simulator::devices::DirectTransport transport(reader);
    const auto descriptor = VirtualCcidReader::class_descriptor(model);
    drivers::ccid::CcidClient client(transport, drivers::ccid::CcidOptions::for_reader(descriptor));
    drivers::ccid::ReaderProfile profile{descriptor, {}};
    if (auto rates = client.data_rates(descriptor.data_rate_count)) {
        profile.data_rates = std::move(*rates);
    }
    auto profile_card = card;
    profile_card.protocol = bench_case.protocol;

    const auto inserted = Clock::now();
    reader->insert(simulator::cards::make_card(profile_card));
    auto change = client.wait_for_interrupt(std::chrono::seconds(1));
    if (!change || !*change) {
        return std::nullopt;
    }
    auto session = drivers::ccid::CardSession::start(client, profile);
    if (!session) {
        return std::nullopt;
    }
    CountingChannel counting(**session);
    auto data = drivers::emv::read_card_data(counting);
    const auto read = Clock::now();
    if (!data) {
        return std::nullopt;
    }
    return Round{std::chrono::duration<double, std::milli>(read - inserted).count(),
                 std::chrono::duration<double, std::milli>(reader->wire_time()).count(),
                 counting.count()};
}

double median(std::vector<double> values) {
    std::ranges::sort(values);
    return values.empty() ? 0 : values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    if (base::asks_for_help(argc, argv)) {
        std::fputs(k_usage, stdout);
        return 0;
    }
    int rounds = k_default_rounds;
    for (int index = 1; index < argc; ++index) {
        const std::string option = argv[index];
        if (option == "--rounds" && index + 1 < argc) {
            const std::string value = argv[++index];
            const auto [end, error] =
                std::from_chars(value.data(), value.data() + value.size(), rounds);
            if (error != std::errc{} || end != value.data() + value.size() || rounds < 1) {
                std::fprintf(stderr, "kiosk_card_read_bench: --rounds needs a positive number\n");
                return 2;
            }
        } else {
            std::fprintf(stderr, "kiosk_card_read_bench: unknown option %s\n%s", option.c_str(),
                         k_usage);
            return 2;
        }
    }
    auto library = simulator::cards::CardLibrary::load(
        simulator::cards::default_library_path(KIOSK_SOURCE_DIR));
    if (!library || !library->find("zhang-wei")) {
        std::fprintf(stderr, "kiosk_card_read_bench: the demo card library did not load\n");
        return 1;
    }
    const auto& card = *library->find("zhang-wei");

    auto default_speed = [](VirtualCcidReader::Model model) {
        model.max_data_rate_bps = 10752;
        return model;
    };
    const std::vector<Case> cases{
        {"apdu", default_speed(VirtualCcidReader::apdu_reader()),
         simulator::cards::CardProtocol::t1, "default"},
        {"apdu", VirtualCcidReader::apdu_reader(), simulator::cards::CardProtocol::t1, "pps"},
        {"tpdu", default_speed(VirtualCcidReader::tpdu_reader()),
         simulator::cards::CardProtocol::t0, "default"},
        {"tpdu", VirtualCcidReader::tpdu_reader(), simulator::cards::CardProtocol::t0, "pps"},
        {"tpdu", default_speed(VirtualCcidReader::tpdu_reader()),
         simulator::cards::CardProtocol::t1, "default"},
        {"tpdu", VirtualCcidReader::tpdu_reader(), simulator::cards::CardProtocol::t1, "pps"},
    };
    int status = 0;
    for (const Case& bench_case : cases) {
        std::vector<double> totals;
        std::vector<double> host_per_apdu;
        Round last;
        for (int round = 0; round < rounds; ++round) {
            auto timed = read_once(bench_case, card, true);
            auto instant = read_once(bench_case, card, false);
            if (!timed || !instant || instant->apdus == 0) {
                status = 1;
                break;
            }
            totals.push_back(timed->insertion_to_data_ms);
            host_per_apdu.push_back(instant->insertion_to_data_ms * 1000.0 / instant->apdus);
            last = *timed;
        }
        if (totals.empty()) {
            std::printf(
                "{\"reader\":\"%s\",\"protocol\":\"T=%d\",\"speed\":\"%s\","
                "\"error\":\"the card could not be read\"}\n",
                bench_case.level, bench_case.protocol == simulator::cards::CardProtocol::t1 ? 1 : 0,
                bench_case.speed);
            continue;
        }
        std::printf(
            "{\"reader\":\"%s\",\"protocol\":\"T=%d\",\"speed\":\"%s\","
            "\"rounds\":%zu,\"insertion_to_card_data_ms\":%.1f,\"slowest_ms\":%.1f,"
            "\"wire_ms\":%.1f,\"apdus\":%d,\"host_us_per_apdu\":%.0f}\n",
            bench_case.level, bench_case.protocol == simulator::cards::CardProtocol::t1 ? 1 : 0,
            bench_case.speed, totals.size(), median(totals), *std::ranges::max_element(totals),
            last.wire_ms, last.apdus, median(host_per_apdu));
    }
    return status;
}
