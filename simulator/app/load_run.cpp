#include "simulator/app/load_run.h"
#include "simulator/app/exit_status.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "base/bytes.h"
#include "base/files.h"
#include "base/wipe.h"
#include "drivers/iso9564/pin_block.h"
#include "simulator/bank/account_service.h"
#include "simulator/bank/tls_certificate.h"
#include "simulator/cards/card_profile.h"

namespace simulator::app {

namespace {

using nlohmann::ordered_json;

// The same bounds as kiosk-load's own (kiosk/load/main.cpp): three digits name a kiosk, and
// an hour is longer than any load run needs.
constexpr long k_most_kiosks = 999;
constexpr long k_most_seconds = 3'600;
constexpr long k_most_think_ms = 60'000;

// The Common Name of the client certificate every simulated kiosk presents. The account
// service asks for a certificate of the run's authority and reads the terminal id from the
// request body, so the kiosks share one.
constexpr std::string_view k_load_identity = "kiosk-load";

template <typename Number>
std::optional<Number> parse_number(std::string_view text) {
    Number value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::optional<LoadOptions> refuse(const std::string& why) {
    std::fprintf(stderr, "kiosk-sim: %s\n%s", why.c_str(), k_load_usage);
    return std::nullopt;
}

// Writes the cards kiosk-load signs on with: every demo card the bank keeps an account for,
// with the PIN block the simulated PIN pad would make for its right PIN (the same key and
// ISO 9564 format 0 as simulator/devices/virtual_epp.cpp). Three wrong PINs lock a card, so
// only the right one is ever used. The file holds card numbers, so only its owner may read it.
std::expected<std::size_t, std::string> write_load_cards(const cards::CardLibrary& library,
                                                         const std::filesystem::path& file) {
    ordered_json list = ordered_json::array();
    for (const cards::CardProfile& card : library.cards()) {
        if (card.kind != cards::CardKind::emv || card.balance.empty()) {
            continue;
        }
        auto block = drivers::iso9564::format0_encrypted(card.pin, card.pan, bank::k_demo_pin_key);
        if (!block) {
            return std::unexpected(card.name + ": " +
                                   std::string(drivers::iso9564::to_string(block.error())));
        }
        list.push_back({{"pan", card.pan}, {"pin_block", base::to_hex(*block)}});
        base::wipe(std::span(*block));
    }
    std::string text = ordered_json{{"cards", list}}.dump() + "\n";
    const int descriptor =
        ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (descriptor < 0) {
        return std::unexpected(file.string() + ": " + std::strerror(errno));
    }
    // A file left by an earlier run keeps its mode: make it private too.
    ::fchmod(descriptor, S_IRUSR | S_IWUSR);
    const ssize_t written = ::write(descriptor, text.data(), text.size());
    const bool whole = written >= 0 && static_cast<std::size_t>(written) == text.size();
    ::close(descriptor);
    base::wipe(text);
    if (!whole) {
        return std::unexpected(file.string() + ": cannot write");
    }
    return list.size();
}

struct ChildRun {
    int status = -1;     // the exit status, 128 + signal when killed, -1 when not started
    std::string output;  // what it wrote on stdout
    std::string error;   // why it did not start
};

// Runs `arguments` with stdout into a pipe and stderr into `log`, and waits for it.
ChildRun run_child(std::vector<std::string> arguments, const std::filesystem::path& log) {
    ChildRun run;
    std::array<int, 2> pipe_ends{-1, -1};
    if (::pipe2(pipe_ends.data(), O_CLOEXEC) != 0) {
        run.error = std::string("pipe: ") + std::strerror(errno);
        return run;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> argv;
    for (auto& argument : arguments) {
        argv.push_back(argument.data());
    }
    argv.push_back(nullptr);
    pid_t child = -1;
    const int spawned = posix_spawn(&child, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_ends[1]);
    if (spawned != 0) {
        ::close(pipe_ends[0]);
        run.error = arguments[0] + ": " + std::strerror(spawned);
        return run;
    }
    std::array<char, 4096> buffer{};
    while (true) {
        const ssize_t count = ::read(pipe_ends[0], buffer.data(), buffer.size());
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count <= 0) {
            break;
        }
        run.output.append(buffer.data(), static_cast<std::size_t>(count));
    }
    ::close(pipe_ends[0]);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return run;
}

// The last line of `output` that is a JSON object.
std::optional<ordered_json> last_json_line(const std::string& output) {
    std::optional<ordered_json> found;
    std::size_t start = 0;
    while (start < output.size()) {
        std::size_t end = output.find('\n', start);
        if (end == std::string::npos) {
            end = output.size();
        }
        ordered_json line = ordered_json::parse(output.substr(start, end - start), nullptr, false);
        if (!line.is_discarded() && line.is_object()) {
            found = std::move(line);
        }
        start = end + 1;
    }
    return found;
}

std::int64_t integer_of(const ordered_json& line, const char* key) {
    const auto found = line.find(key);
    return found != line.end() && found->is_number_integer() ? found->get<std::int64_t>() : -1;
}

}  // namespace

const char* const k_load_usage =
    "usage: kiosk-sim load --kiosks N --seconds S [--json] [--out DIR] [--seed N]\n"
    "                      [--think-ms T] [--kiosk-load PATH] [--cards FILE]\n"
    "Starts the simulated account service with a fresh database in DIR (mutual TLS, as for the\n"
    "kiosk) and runs kiosk-load against it: N simulated kiosks with the kiosk's own account\n"
    "client and journal loop balance, withdrawal and transfer sessions for S seconds. Then the\n"
    "bank's cash ledger is held against the cash the kiosks dispensed. Prints the outcome; with\n"
    "--json one JSON line: kiosks, sessions, errors, p50_ms, p99_ms, ledger_balanced, ...\n"
    "Exit status: 0 completed with no error and the ledger balanced, 1 errors or not balanced,\n"
    "2 could not run.\n"
    "  --kiosks N          how many simulated kiosks, 1 to 999\n"
    "  --seconds S         how long new sessions start, 1 to 3600\n"
    "  --json              one JSON line on stdout\n"
    "  --out DIR           bank.sqlite, tls/, load-cards.json, journal-NNN.sqlite,\n"
    "                      kiosk-load.log (default out/load)\n"
    "  --seed N            the customers' choices (default 1)\n"
    "  --think-ms T        each customer's pause before a request after the sign-on and\n"
    "                      between sessions (default 0: as fast as the bank answers)\n"
    "  --kiosk-load PATH   the kiosk-load program (default: the one built with kiosk-sim)\n"
    "  --cards FILE        the card library (default: simulator/cards/demo-cards.toml)\n"
    "  -h, --help          this text\n";

std::optional<LoadOptions> parse_load_arguments(int argc, char** argv, LoadOptions defaults,
                                                bool& help) {
    LoadOptions options = std::move(defaults);
    help = false;
    for (int index = 2; index < argc; ++index) {
        const std::string option = argv[index];
        if (option == "--help" || option == "-h") {
            help = true;
            return options;
        }
        if (option == "--json") {
            options.json = true;
            continue;
        }
        if (option != "--kiosks" && option != "--seconds" && option != "--out" &&
            option != "--seed" && option != "--kiosk-load" && option != "--cards" &&
            option != "--think-ms") {
            return refuse("unknown option " + option);
        }
        if (index + 1 >= argc) {
            return refuse(option + " needs a value");
        }
        const std::string value = argv[++index];
        if (option == "--kiosks") {
            const auto kiosks = parse_number<long>(value);
            if (!kiosks || *kiosks < 1 || *kiosks > k_most_kiosks) {
                return refuse("--kiosks must be 1 to " + std::to_string(k_most_kiosks));
            }
            options.kiosks = *kiosks;
        } else if (option == "--seconds") {
            const auto seconds = parse_number<long>(value);
            if (!seconds || *seconds < 1 || *seconds > k_most_seconds) {
                return refuse("--seconds must be 1 to " + std::to_string(k_most_seconds));
            }
            options.seconds = *seconds;
        } else if (option == "--think-ms") {
            const auto think = parse_number<long>(value);
            if (!think || *think < 0 || *think > k_most_think_ms) {
                return refuse("--think-ms must be 0 to " + std::to_string(k_most_think_ms));
            }
            options.think_ms = *think;
        } else if (option == "--seed") {
            const auto seed = parse_number<std::uint64_t>(value);
            if (!seed) {
                return refuse("--seed must be a whole number");
            }
            options.seed = *seed;
        } else if (option == "--out") {
            options.out = value;
        } else if (option == "--kiosk-load") {
            options.kiosk_load = value;
        } else {
            options.cards = value;
        }
    }
    if (options.kiosks == 0 || options.seconds == 0) {
        return refuse("load needs --kiosks N and --seconds S");
    }
    return options;
}

int run_load(const LoadOptions& options) {
    const auto fail_to_start = [](const std::string& why) {
        std::fprintf(stderr, "kiosk-sim: %s\n", why.c_str());
        return k_exit_unusable;
    };
    auto library = cards::CardLibrary::load(options.cards);
    if (!library) {
        return fail_to_start(base::to_string(library.error()));
    }
    std::error_code error;
    std::filesystem::create_directories(options.out / "tls", error);
    if (error) {
        return fail_to_start(options.out.string() + ": " + error.message());
    }
    const auto database = options.out / "bank.sqlite";
    base::remove_database(database);
    const auto cards_file = options.out / "load-cards.json";
    const auto written = write_load_cards(*library, cards_file);
    if (!written) {
        return fail_to_start(written.error());
    }
    auto tls = bank::create_mutual_tls_files(options.out / "tls", k_load_identity);
    if (!tls) {
        return fail_to_start(base::to_string(tls.error()));
    }
    // kiosk-load plays kiosks without chips: its sign-ons carry the PIN pad's block and no
    // ARQC, so this bank, unlike the branch's, does not require card authentication. A card's
    // cryptogram is good for one sign-on and its counter must rise, which N kiosks drawing the
    // same few demo cards at once cannot honour; checking one costs two DES MACs, nothing beside
    // the PIN's PBKDF2.
    bank::AccountService bank(bank::AccountServiceConfig{.database = database,
                                                         .demo_cards = options.cards,
                                                         .pin_key = bank::k_demo_pin_key,
                                                         .tls = tls->server,
                                                         .client_authority = tls->authority});
    if (auto started = bank.start(); !started) {
        return fail_to_start("the account service: " + base::to_string(started.error()));
    }
    if (!options.json) {
        std::printf("kiosk-sim: %ld kiosks for %ld s against the account service on port %d\n",
                    options.kiosks, options.seconds, bank.port());
        std::fflush(stdout);
    }
    const auto log = options.out / "kiosk-load.log";
    const ChildRun run = run_child({options.kiosk_load.string(),
                                    "--account-url",
                                    "https://127.0.0.1:" + std::to_string(bank.port()),
                                    "--ca-file",
                                    tls->authority.string(),
                                    "--client-certificate",
                                    tls->kiosk.certificate.string(),
                                    "--client-key",
                                    tls->kiosk.private_key.string(),
                                    "--cards",
                                    cards_file.string(),
                                    "--kiosks",
                                    std::to_string(options.kiosks),
                                    "--seconds",
                                    std::to_string(options.seconds),
                                    "--out",
                                    options.out.string(),
                                    "--seed",
                                    std::to_string(options.seed),
                                    "--think-ms",
                                    std::to_string(options.think_ms)},
                                   log);
    if (run.status < 0) {
        return fail_to_start(run.error);
    }
    const auto ledger = bank.cash_ledger();
    bank.stop();
    const auto load = last_json_line(run.output);
    if (run.status == k_exit_unusable) {
        return fail_to_start("kiosk-load refused its arguments: see " + log.string());
    }
    if (!load || run.status != 0) {
        std::fprintf(stderr, "kiosk-sim: kiosk-load exited with status %d%s: see %s\n", run.status,
                     load ? "" : " and no JSON line", log.c_str());
        return k_exit_failed;
    }
    if (!ledger) {
        std::fprintf(stderr, "kiosk-sim: the bank's cash ledger cannot be read: %s\n",
                     std::string(bank::to_string(ledger.error())).c_str());
        return k_exit_failed;
    }

    // The bank must have debited exactly the cash the kiosks handed out, for exactly the
    // withdrawals they completed, and hold nothing for a withdrawal left half done.
    const std::int64_t dispensed = integer_of(*load, "dispensed_minor_units");
    const std::int64_t withdrawals = integer_of(*load, "withdrawals");
    const bool balanced =
        ledger->debited == dispensed && ledger->held == 0 && ledger->withdrawals == withdrawals;
    const std::int64_t errors = integer_of(*load, "errors");
    const bool journals_valid = load->value("journals_valid", false);

    ordered_json line{
        {"kiosks", options.kiosks},
        {"seconds", options.seconds},
        {"sessions", integer_of(*load, "sessions")},
        {"requests", integer_of(*load, "requests")},
        {"errors", errors},
        {"p50_ms", load->value("p50_ms", 0.0)},
        {"p99_ms", load->value("p99_ms", 0.0)},
        {"ledger_balanced", balanced},
        {"withdrawals", withdrawals},
        {"dispensed_minor_units", dispensed},
        {"bank_debited_minor_units", ledger->debited},
        {"bank_held_minor_units", ledger->held},
        {"bank_withdrawals", ledger->withdrawals},
        {"journals_valid", journals_valid},
    };
    // Everything else kiosk-load measured (sessions' latency, each call's, refusals, the kinds
    // of error) follows as it reported it.
    for (const auto& [key, value] : load->items()) {
        if (!line.contains(key)) {
            line[key] = value;
        }
    }
    const bool passed = balanced && errors == 0 && journals_valid;
    if (options.json) {
        std::printf("%s\n", line.dump().c_str());
    } else {
        std::printf(
            "kiosk-sim: %ld kiosks, %lld sessions, %lld requests, %lld errors, p50 %.1f ms, "
            "p99 %.1f ms\n"
            "kiosk-sim: the ledger %s: the kiosks dispensed %lld fen in %lld withdrawals, the "
            "bank debited %lld fen in %lld and holds %lld; journals %s\n",
            options.kiosks, static_cast<long long>(integer_of(*load, "sessions")),
            static_cast<long long>(integer_of(*load, "requests")), static_cast<long long>(errors),
            load->value("p50_ms", 0.0), load->value("p99_ms", 0.0),
            balanced ? "balances" : "does NOT balance", static_cast<long long>(dispensed),
            static_cast<long long>(withdrawals), static_cast<long long>(ledger->debited),
            static_cast<long long>(ledger->withdrawals), static_cast<long long>(ledger->held),
            journals_valid ? "valid" : "NOT valid");
    }
    return passed ? k_exit_passed : k_exit_failed;
}

}  // namespace simulator::app
