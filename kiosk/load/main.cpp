// kiosk-load: many simulated kiosks at once against an account service, each with the kiosk's
// own account client and electronic journal, to show what the service and the kiosk's code
// hold under load. It prints one JSON line on stdout (kiosk/load/README.md).

#include <nlohmann/json.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "base/command_line.h"
#include "base/files.h"
#include "kiosk/load/load_cards.h"
#include "kiosk/load/load_tally.h"
#include "kiosk/load/simulated_kiosk.h"
#include "kiosk/net/account_client.h"
#include "kiosk/store/journal.h"

namespace {

using namespace kiosk::load;

constexpr int k_exit_ran = 0;
constexpr int k_exit_failed = 1;
constexpr int k_exit_unusable = 2;

// Three digits name a kiosk's terminal and journal (load-001, journal-001.sqlite); more kiosks
// than this are beyond what one machine plays in any case.
constexpr long k_most_kiosks = 999;
// An hour is longer than any load run needs; a longer one is a typing mistake.
constexpr long k_most_seconds = 3'600;
// A customer who thinks longer than a minute between two screens has been timed out.
constexpr long k_most_think_ms = 60'000;

constexpr const char* k_usage =
    "usage: kiosk-load --account-url URL --ca-file FILE --cards FILE --kiosks N --seconds S\n"
    "                  --out DIR [--client-certificate FILE --client-key FILE] [--seed N]\n"
    "                  [--think-ms T]\n"
    "Runs N simulated kiosks against the account service for S seconds. Each uses the kiosk's\n"
    "own account client and electronic journal (DIR/journal-NNN.sqlite) and loops customer\n"
    "sessions: sign on, then the balance only (50%), a withdrawal of 10 yuan (35%) or a\n"
    "transfer of 1 yuan to another card (15%), then sign off. Prints one JSON line on stdout:\n"
    "kiosks, sessions, requests, errors, p50_ms, p99_ms, withdrawals, dispensed_minor_units,\n"
    "journal_records, journals_valid and more. Exit status: 0 it ran (even with errors), 1 it\n"
    "could not start, 2 the arguments cannot be used.\n"
    "  --account-url URL           the account service, https://HOST:PORT\n"
    "  --ca-file FILE              the certificate authority its certificate chains to\n"
    "  --client-certificate FILE   the kiosks' certificate, for mutual TLS (with --client-key)\n"
    "  --client-key FILE           its private key\n"
    "  --cards FILE                the cards: {\"cards\": [{\"pan\", \"pin_block\"}, ...]}, the\n"
    "                              PIN blocks made by the PIN pad (kiosk-sim load writes it)\n"
    "  --kiosks N                  how many kiosks, 1 to 999\n"
    "  --seconds S                 how long new sessions start, 1 to 3600\n"
    "  --out DIR                   where the journals go\n"
    "  --seed N                    the customers' choices (default 1)\n"
    "  --think-ms T                the customer's pause before each request after the sign-on\n"
    "                              and between sessions (default 0: as fast as answered)\n"
    "  -h, --help                  this text\n";

struct Arguments {
    std::string account_url;
    std::filesystem::path ca_file;
    std::filesystem::path client_certificate;
    std::filesystem::path client_key;
    std::filesystem::path cards;
    long kiosks = 0;
    long seconds = 0;
    std::filesystem::path out;
    std::uint64_t seed = 1;
    std::chrono::milliseconds think{0};
};

template <typename Number>
std::optional<Number> parse_number(std::string_view text) {
    Number value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::optional<Arguments> parse_arguments(int argc, char** argv) {
    Arguments arguments;
    const auto refuse = [](const std::string& why) -> std::optional<Arguments> {
        std::fprintf(stderr, "kiosk-load: %s\n%s", why.c_str(), k_usage);
        return std::nullopt;
    };
    for (int index = 1; index < argc; ++index) {
        const std::string option = argv[index];
        if (index + 1 >= argc) {
            return refuse(option + " needs a value");
        }
        const std::string value = argv[++index];
        if (option == "--account-url") {
            arguments.account_url = value;
        } else if (option == "--ca-file") {
            arguments.ca_file = value;
        } else if (option == "--client-certificate") {
            arguments.client_certificate = value;
        } else if (option == "--client-key") {
            arguments.client_key = value;
        } else if (option == "--cards") {
            arguments.cards = value;
        } else if (option == "--out") {
            arguments.out = value;
        } else if (option == "--kiosks") {
            const auto kiosks = parse_number<long>(value);
            if (!kiosks || *kiosks < 1 || *kiosks > k_most_kiosks) {
                return refuse("--kiosks must be 1 to " + std::to_string(k_most_kiosks));
            }
            arguments.kiosks = *kiosks;
        } else if (option == "--seconds") {
            const auto seconds = parse_number<long>(value);
            if (!seconds || *seconds < 1 || *seconds > k_most_seconds) {
                return refuse("--seconds must be 1 to " + std::to_string(k_most_seconds));
            }
            arguments.seconds = *seconds;
        } else if (option == "--think-ms") {
            const auto think = parse_number<long>(value);
            if (!think || *think < 0 || *think > k_most_think_ms) {
                return refuse("--think-ms must be 0 to " + std::to_string(k_most_think_ms));
            }
            arguments.think = std::chrono::milliseconds(*think);
        } else if (option == "--seed") {
            const auto seed = parse_number<std::uint64_t>(value);
            if (!seed) {
                return refuse("--seed must be a whole number");
            }
            arguments.seed = *seed;
        } else {
            return refuse("unknown option " + option);
        }
    }
    if (!arguments.account_url.starts_with("https://")) {
        return refuse(
            "--account-url must be https://HOST:PORT (the kiosk's client speaks HTTPS "
            "only)");
    }
    if (arguments.ca_file.empty() || arguments.cards.empty() || arguments.out.empty() ||
        arguments.kiosks == 0 || arguments.seconds == 0) {
        return refuse("--ca-file, --cards, --kiosks, --seconds and --out are needed");
    }
    if (arguments.client_certificate.empty() != arguments.client_key.empty()) {
        return refuse("--client-certificate and --client-key go together");
    }
    return arguments;
}

std::filesystem::path journal_path(const std::filesystem::path& out, int number) {
    char name[32];
    std::snprintf(name, sizeof name, "journal-%03d.sqlite", number);
    return out / name;
}

nlohmann::ordered_json call_report(const LoadTally& tally) {
    nlohmann::ordered_json calls = nlohmann::ordered_json::object();
    for (const auto& [name, values] : tally.call_ms) {
        calls[name] = {{"count", values.size()},
                       {"p50_ms", rounded_ms(percentile(values, 50))},
                       {"p99_ms", rounded_ms(percentile(values, 99))}};
    }
    return calls;
}

}  // namespace

int main(int argc, char** argv) {
    if (base::asks_for_help(argc, argv)) {
        std::fputs(k_usage, stdout);
        return k_exit_ran;
    }
    if (const auto option = base::unknown_option(
            argc, argv,
            {"--account-url", "--ca-file", "--client-certificate", "--client-key", "--cards",
             "--kiosks", "--seconds", "--out", "--seed", "--think-ms"})) {
        std::fprintf(stderr, "kiosk-load: unknown option %.*s\n%s",
                     static_cast<int>(option->size()), option->data(), k_usage);
        return k_exit_unusable;
    }
    const auto arguments = parse_arguments(argc, argv);
    if (!arguments) {
        return k_exit_unusable;
    }
    const auto cards = read_load_cards(arguments->cards);
    if (!cards) {
        std::fprintf(stderr, "kiosk-load: %s\n", base::to_string(cards.error()).c_str());
        return k_exit_unusable;
    }
    std::error_code error;
    std::filesystem::create_directories(arguments->out, error);
    if (error) {
        std::fprintf(stderr, "kiosk-load: %s: %s\n", arguments->out.c_str(),
                     error.message().c_str());
        return k_exit_unusable;
    }

    kiosk::net::AccountClientOptions client{.base_url = arguments->account_url,
                                            .terminal_id = {},
                                            .ca_file = arguments->ca_file,
                                            .client_certificate = arguments->client_certificate,
                                            .client_key = arguments->client_key};
    const auto started = std::chrono::steady_clock::now();
    const auto deadline = started + std::chrono::seconds(arguments->seconds);
    std::vector<std::unique_ptr<SimulatedKiosk>> kiosks;
    for (int number = 1; number <= arguments->kiosks; ++number) {
        const auto journal = journal_path(arguments->out, number);
        base::remove_database(journal);
        auto kiosk = std::make_unique<SimulatedKiosk>(
            SimulatedKioskOptions{.number = number,
                                  .client = client,
                                  .journal_file = journal,
                                  .seed = arguments->seed * 1'000 + static_cast<unsigned>(number),
                                  .deadline = deadline,
                                  .think = arguments->think},
            *cards);
        if (auto opened = kiosk->open_journal(); !opened) {
            std::fprintf(stderr, "kiosk-load: %s: %s\n", journal.c_str(),
                         base::to_string(opened.error()).c_str());
            return k_exit_failed;
        }
        kiosks.push_back(std::move(kiosk));
    }
    for (auto& kiosk : kiosks) {
        kiosk->start();
    }
    LoadTally tally;
    bool journals_valid = true;
    for (auto& kiosk : kiosks) {
        kiosk->join();
        tally.merge(kiosk->tally());
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    for (auto& kiosk : kiosks) {
        const auto report = kiosk::store::verify_journal(kiosk->journal_file());
        if (!report.valid()) {
            journals_valid = false;
            std::fprintf(stderr, "kiosk-load: %s: %s\n", kiosk->journal_file().c_str(),
                         base::to_string(*report.error).c_str());
        }
    }

    nlohmann::ordered_json line{
        {"kiosks", arguments->kiosks},
        {"sessions", tally.sessions},
        {"requests", tally.requests},
        {"errors", tally.errors},
        {"p50_ms", rounded_ms(percentile(tally.request_ms, 50))},
        {"p99_ms", rounded_ms(percentile(tally.request_ms, 99))},
        {"session_p50_ms", rounded_ms(percentile(tally.session_ms, 50))},
        {"session_p99_ms", rounded_ms(percentile(tally.session_ms, 99))},
        {"balances", tally.balances},
        {"withdrawals", tally.withdrawals},
        {"transfers", tally.transfers},
        {"refusals", tally.refusals},
        {"dispensed_minor_units", tally.dispensed_minor_units},
        {"journal_records", tally.journal_records},
        {"journals_valid", journals_valid},
        {"seconds", rounded_ms(seconds)},
        {"think_ms", arguments->think.count()},
        {"calls", call_report(tally)},
        {"error_kinds", tally.error_kinds},
    };
    std::printf("%s\n", line.dump().c_str());
    return k_exit_ran;
}
