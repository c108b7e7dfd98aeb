#include "simulator/app/branch.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "base/bytes.h"
#include "base/files.h"
#include "base/keys.h"
#include "drivers/dukpt/derivation.h"
#include "simulator/app/memory_scan.h"
#include "simulator/cards/emv_card.h"

extern char** environ;

namespace simulator::app {

namespace {

using namespace std::chrono_literals;

// How long a customer waits for the PIN pad to listen (or to collect a PIN) before pressing
// a key, and between two keys.
constexpr auto k_pin_pad_ready_wait = 10s;
constexpr auto k_pause_between_digits = 120ms;
// How long a customer waits for notes at the cash slot, looking every so often.
constexpr auto k_cash_at_slot_wait = 15s;
constexpr auto k_cash_slot_look = 50ms;
// The kiosk takes a key pressed again within its [input] ignore_second_press_ms (500 ms by
// default, EN 301 549 5.7) for a bounce, so an engineer typing the same digit twice lifts
// their finger for longer, as the scenario runner's `press` does.
constexpr auto k_same_digit_again_after = 700ms;
// How long the kiosk gets to stop cleanly before it is killed.
constexpr auto k_stop_grace = 5s;
constexpr auto k_stop_poll = 20ms;
// The exit status with which the kiosk asks its supervisor to start it again (EX_TEMPFAIL of
// sysexits(3); kiosk/app/config_update.h, k_restart_exit_status): kiosk-sim starts it again, as
// the kiosk's systemd unit does with RestartForceExitStatus=75.
constexpr int k_kiosk_restart_status = 75;
// In the run's folder: the journaled step at which the kiosk's test failpoint kills it.
constexpr std::string_view k_failpoint_file = "kill-after-journal";
// Headless runs draw into memory at this size (the screenshots' size).
constexpr const char* k_headless_size = "1280x720";

// A master key from its two components (docs/protocols/epp.md §8.2: their XOR).
std::array<std::uint8_t, 16> combined_key(const std::array<std::uint8_t, 16>& component1,
                                          const std::array<std::uint8_t, 16>& component2) {
    std::array<std::uint8_t, 16> key{};
    for (std::size_t index = 0; index < key.size(); ++index) {
        key[index] = component1[index] ^ component2[index];
    }
    return key;
}

// The faults a scenario can give each simulated service (docs/scenarios.md, `fault`).
constexpr std::array k_account_fault_modes = {bank::Fault::none, bank::Fault::unavailable,
                                              bank::Fault::slow, bank::Fault::garbage,
                                              bank::Fault::drop, bank::Fault::drop_after_commit};
constexpr std::array k_queue_fault_modes = {queue::Fault::none, queue::Fault::unavailable,
                                            queue::Fault::slow, queue::Fault::garbage,
                                            queue::Fault::drop};
// The cash dispenser's: `jam` arms a jam for the next dispense, `none` disarms what is armed.
constexpr std::string_view k_dispenser_jam = "jam";
constexpr std::string_view k_dispenser_no_fault = "none";
// `fault dispenser jam`: the next dispense of more notes than this picks this many and jams,
// so the customer's notes are stuck part way, as in a real jam.
constexpr std::uint16_t k_jam_after_notes = 1;

// The fault of one of the simulated services (bank::Fault, queue::Fault) named `mode`, among
// the ones a scenario can give it.
template <typename Fault, std::size_t Count>
std::optional<Fault> fault_named(std::string_view mode, const std::array<Fault, Count>& faults) {
    for (const Fault fault : faults) {
        if (to_string(fault) == mode) {
            return fault;
        }
    }
    return std::nullopt;
}

// "none, unavailable, slow": the names a refusal of an unknown one lists.
template <typename Name, std::size_t Count>
std::string fault_names(const std::array<Name, Count>& names) {
    std::vector<std::string> texts;
    for (const Name& name : names) {
        texts.emplace_back(to_string(name));
    }
    return fmt::format("{}", fmt::join(texts, ", "));
}

// The files and folders of the kiosk a restart set aside: transcript.N.jsonl, screens.N and
// audio.N.
// X9.24-3-2017: an initial key ID is the BDK's ID, then the device's derivation ID. The pad is
// provisioned anew on each run, as a re-keyed pad is, with a derivation ID of its own: the bank
// keeps the highest counter per initial key ID, so a pad loaded again under an ID it has seen
// (a run that keeps the database) would have its first blocks refused as replayed.
drivers::dukpt::InitialKeyId fresh_initial_key_id() {
    drivers::dukpt::InitialKeyId id = bank::k_demo_dukpt_initial_key_id;
    constexpr std::size_t k_derivation_id_offset = 4;
    std::random_device random;
    for (std::size_t index = k_derivation_id_offset; index < id.size(); ++index) {
        id[index] = static_cast<std::uint8_t>(random());
    }
    return id;
}

std::filesystem::path card_counters_file(const std::filesystem::path& out_directory) {
    return out_directory / "card-counters.json";
}

// The kiosk's service menu files ([service] in kiosk.toml; kiosk/core/README.md, "The service
// menu"): its engineers' accounts, its sign-in state (failures and the lock) and whether it is
// out of service.
constexpr std::string_view k_engineers_file = "engineers.toml";
constexpr std::string_view k_sign_in_state_file = "sign-in.toml";
constexpr std::string_view k_out_of_service_file = "out-of-service.toml";
// The simulated USB stick, always plugged in: a folder the service menu's export writes to.
constexpr std::string_view k_usb_stick_folder = "usb-stick";

// The demo engineers of this checkout, when the options name none.
std::filesystem::path demo_engineers_file(const BranchOptions& options) {
    return options.demo_engineers.empty() ? std::filesystem::path(KIOSK_DEMO_ENGINEERS_FILE)
                                          : options.demo_engineers;
}

std::int64_t now_unix_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool is_set_aside(const std::string& name) {
    const auto numbered = [&](std::string_view stem, std::string_view extension) {
        if (name.size() <= stem.size() + extension.size() || !name.starts_with(stem) ||
            !name.ends_with(extension)) {
            return false;
        }
        const std::string_view number(name.data() + stem.size(),
                                      name.size() - stem.size() - extension.size());
        return std::all_of(number.begin(), number.end(),
                           [](char c) { return c >= '0' && c <= '9'; });
    };
    return numbered("transcript.", ".jsonl") || numbered("screens.", "") || numbered("audio.", "");
}

// A TOML basic string: paths may hold quotes and backslashes.
std::string toml_string(std::string_view text) {
    std::string quoted = "\"";
    for (const char character : text) {
        if (character == '"' || character == '\\') {
            quoted += '\\';
            quoted += character;
        } else if (static_cast<unsigned char>(character) < 0x20) {
            quoted += fmt::format("\\u{:04X}", static_cast<unsigned>(character));
        } else {
            quoted += character;
        }
    }
    return quoted + "\"";
}

std::string toml_path(const std::filesystem::path& path) {
    return toml_string(std::filesystem::absolute(path).string());
}

std::int64_t now_unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The environment of the kiosk: this process's, with the bus's variables and the headless
// drivers set over it.
std::vector<std::string> kiosk_environment(const usb::VirtualUsbBus& bus,
                                           const std::filesystem::path& out_directory,
                                           bool headless) {
    std::map<std::string, std::string> variables;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const auto equals = text.find('=');
        if (equals != std::string_view::npos) {
            variables[std::string(text.substr(0, equals))] = std::string(text.substr(equals + 1));
        }
    }
    for (const auto& variable : bus.environment()) {
        variables[variable.name] = variable.value;
    }
    // Where `arm kill after journal` arms the kiosk's test failpoint
    // (kiosk/app/test_failpoint.h).
    variables["KIOSK_TEST_KILL_AFTER_JOURNAL_FILE"] = (out_directory / k_failpoint_file).string();
    if (headless) {
        variables["SDL_VIDEODRIVER"] = "dummy";
        variables["SDL_RENDER_DRIVER"] = "software";
        variables["SDL_AUDIODRIVER"] = "dummy";
    } else if (!variables.contains("SDL_AUDIODRIVER")) {
        // Under the umockdev preload, SDL's ALSA back end dies opening sound devices
        // ("libumockdev-preload fd_map_add(): overflow"), so the kiosk uses the desktop's
        // sound server, and stays silent (its transcript still records the speech) without.
        variables["SDL_AUDIODRIVER"] = "pipewire,pulseaudio,dummy";
    }
    // AddressSanitizer builds refuse a preload ahead of them unless told (docs/platform-facts.md).
    if (!variables.contains("ASAN_OPTIONS")) {
        variables["ASAN_OPTIONS"] = "verify_asan_link_order=0:detect_leaks=0:quarantine_size_mb=32";
    }
    std::vector<std::string> environment;
    for (const auto& [name, value] : variables) {
        environment.push_back(name + "=" + value);
    }
    return environment;
}

}  // namespace

std::string_view to_string(BranchError error) {
    switch (error) {
        case BranchError::cards_unusable:
            return "cannot load the demo cards";
        case BranchError::out_directory_unusable:
            return "cannot create the output folder";
        case BranchError::certificate_failed:
            return "cannot make the run's certificates";
        case BranchError::account_service_failed:
            return "cannot start the account service";
        case BranchError::queue_service_failed:
            return "cannot start the queue service";
        case BranchError::device_not_plugged:
            return "cannot plug a virtual device in";
        case BranchError::kiosk_not_started:
            return "cannot start the kiosk";
        case BranchError::engineers_unusable:
            return "cannot load the demo engineers or write their accounts file";
    }
    return "unknown branch error";
}

Branch::Branch(BranchOptions options, cards::CardLibrary cards)
    : m_options(std::move(options)), m_cards(std::move(cards)) {}

std::expected<std::unique_ptr<Branch>, base::Error<BranchError>> Branch::open(
    BranchOptions options) {
    auto cards = cards::CardLibrary::load(options.demo_cards);
    if (!cards) {
        return std::unexpected(
            base::error(BranchError::cards_unusable, base::to_string(cards.error())));
    }
    std::error_code error;
    std::filesystem::create_directories(options.out_directory / "screens", error);
    if (error) {
        return std::unexpected(
            base::error(BranchError::out_directory_unusable,
                        options.out_directory.string() + ": " + error.message()));
    }
    std::filesystem::create_directories(options.out_directory / "slips", error);
    if (error) {
        return std::unexpected(
            base::error(BranchError::out_directory_unusable,
                        (options.out_directory / "slips").string() + ": " + error.message()));
    }
    // A scenario starts from a clean slate: last run's pictures, slips and databases would
    // mislead, and so would the files a restart of its kiosk set aside.
    for (const char* folder : {"screens", "slips"}) {
        for (const auto& entry :
             std::filesystem::directory_iterator(options.out_directory / folder)) {
            std::filesystem::remove(entry.path(), error);
        }
    }
    for (const auto& entry : std::filesystem::directory_iterator(options.out_directory)) {
        if (is_set_aside(entry.path().filename().string())) {
            std::filesystem::remove_all(entry.path(), error);
        }
    }
    std::filesystem::remove(options.out_directory / "transcript.jsonl", error);
    const auto database = options.out_directory / "bank.sqlite";
    const auto queue_database = options.out_directory / "queue.sqlite";
    if (options.fresh_database) {
        std::filesystem::remove(database, error);
        base::remove_database(queue_database);
        // The kiosk's outbox holds requests for the queue service it kept: they belong to the
        // database they were meant for.
        base::remove_database(options.out_directory / "outbox.sqlite");
        // The kiosk's journal records withdrawals of the ledger that is starting afresh.
        base::remove_database(options.out_directory / "journal.sqlite");
        // The cards start afresh with the bank that has seen none of their counters.
        std::filesystem::remove(card_counters_file(options.out_directory), error);
    }
    auto counters = read_card_counters(card_counters_file(options.out_directory));
    if (!counters) {
        return std::unexpected(base::error(BranchError::cards_unusable, counters.error()));
    }
    // The field engineers: the kiosk's accounts file is written from the demo engineers, and
    // kept, with the sign-in state (a lock included) and the out-of-service file, by a run
    // that keeps the database, as a branch keeps them across a restart.
    auto engineers = staff::DemoEngineers::load(demo_engineers_file(options));
    if (!engineers) {
        return std::unexpected(
            base::error(BranchError::engineers_unusable, base::to_string(engineers.error())));
    }
    if (options.fresh_database) {
        std::filesystem::remove(options.out_directory / k_sign_in_state_file, error);
        std::filesystem::remove(options.out_directory / k_out_of_service_file, error);
    }
    const auto accounts = options.out_directory / k_engineers_file;
    if (options.fresh_database || !std::filesystem::exists(accounts, error)) {
        if (auto written = engineers->write_accounts_file(accounts); !written) {
            return std::unexpected(
                base::error(BranchError::engineers_unusable, base::to_string(written.error())));
        }
    }
    if (options.record_audio) {
        std::filesystem::create_directories(options.out_directory / "audio", error);
    }

    // The kiosk talks to the bank and to the queue service over mutual TLS, as in a branch: the
    // simulator makes a certificate authority for the run, a server certificate for loopback
    // and the kiosk's own, and both services refuse a client without a certificate of it.
    std::filesystem::create_directories(options.out_directory / "tls", error);
    std::filesystem::create_directories(options.out_directory / k_usb_stick_folder, error);
    auto tls = bank::create_mutual_tls_files(options.out_directory / "tls", k_kiosk_id);
    if (!tls) {
        return std::unexpected(
            base::error(BranchError::certificate_failed, base::to_string(tls.error())));
    }
    auto branch = std::unique_ptr<Branch>(new Branch(std::move(options), std::move(*cards)));
    branch->m_tls = std::move(*tls);
    branch->m_card_counters = std::move(*counters);
    branch->m_engineers = std::move(*engineers);
    branch->m_opened_unix_ms = now_unix_ms();
    // The bank's key management knows the master keys whose forms it issued: the pad's present
    // one and the next (simulator/devices/virtual_epp.h), and wraps the pad's working keys under
    // either after a key ceremony (docs/api/account.yaml, "PIN pad working keys").
    branch->m_account_service = std::make_unique<bank::AccountService>(bank::AccountServiceConfig{
        .database = database,
        .demo_cards = branch->m_options.demo_cards,
        .pin_key = bank::k_demo_pin_key,
        .tls = branch->m_tls.server,
        .client_authority = branch->m_tls.authority,
        // A card whose chip cannot prove itself gets nowhere.
        .require_card_authentication = true,
        .pad_master_keys = {combined_key(devices::k_demo_master_component1,
                                         devices::k_demo_master_component2),
                            combined_key(devices::k_demo_next_master_component1,
                                         devices::k_demo_next_master_component2)},
        .pad_authentication_key = devices::k_demo_authentication_key});
    if (auto started = branch->m_account_service->start(); !started) {
        return std::unexpected(
            base::error(BranchError::account_service_failed, base::to_string(started.error())));
    }
    branch->m_queue_service = std::make_unique<queue::QueueService>(
        queue::QueueServiceConfig{.database = queue_database,
                                  .demo_branch = branch->m_options.demo_branch,
                                  .tls = branch->m_tls.server,
                                  .client_authority = branch->m_tls.authority});
    if (auto started = branch->m_queue_service->start(); !started) {
        return std::unexpected(
            base::error(BranchError::queue_service_failed, base::to_string(started.error())));
    }
    // Each slip the printer cuts becomes DIR/slips/NNN.png. A slip that cannot be drawn is
    // said on stderr: the run goes on, since scenarios check the slip's text.
    branch->m_slip_pictures = std::make_unique<SlipPictures>(
        branch->m_options.out_directory / "slips",
        [](const std::string& line) { std::fprintf(stderr, "kiosk-sim: %s\n", line.c_str()); });
    branch->m_bus = std::make_unique<usb::VirtualUsbBus>();
    // A low-cost TPDU-level reader, as most kiosks have: the kiosk's own driver runs PPS and
    // the card's protocol (T=1 blocks, T=0 TPDUs) through real libusb.
    branch->m_reader =
        std::make_shared<devices::VirtualCcidReader>(devices::VirtualCcidReader::tpdu_reader());
    // A blank pad, provisioned as a bank does (docs/protocols/epp.md §8.2, §8.3): the scripted
    // key ceremony typed on its keys, then the demo working keys wrapped under its master key.
    branch->m_pin_pad = std::make_shared<devices::VirtualEpp>(devices::VirtualEpp::Identity{});
    {
        devices::EppProvisioning keys;
        keys.component1 = drivers::epp::SecretKey(devices::k_demo_master_component1);
        keys.component2 = drivers::epp::SecretKey(devices::k_demo_master_component2);
        keys.pin_tdes_key = drivers::epp::SecretKey(bank::k_demo_pin_key);
        keys.pin_aes_key = drivers::epp::SecretKey(bank::k_demo_pin_aes_key);
        keys.authentication_key = drivers::epp::SecretKey(devices::k_demo_authentication_key);
        if (branch->m_options.pin_pad_dukpt) {
            // epp.md §8.7: the initial key the bank's demo BDK gives the pad's initial key ID.
            branch->m_dukpt_initial_key_id = fresh_initial_key_id();
            auto initial_key = drivers::dukpt::derive_initial_key(bank::k_demo_dukpt_base_key,
                                                                  branch->m_dukpt_initial_key_id);
            if (!initial_key) {
                return std::unexpected(base::error(BranchError::device_not_plugged,
                                                   "PIN pad provisioning: DUKPT initial key"));
            }
            keys.dukpt_initial_key =
                drivers::epp::DukptInitialKey{.key = drivers::epp::SecretKey(initial_key->bytes),
                                              .initial_key_id = branch->m_dukpt_initial_key_id};
        }
        if (auto provisioned = devices::provision_epp(branch->m_pin_pad, keys); !provisioned) {
            return std::unexpected(
                base::error(BranchError::device_not_plugged,
                            "PIN pad provisioning: " +
                                std::string(drivers::epp::to_string(provisioned.error()))));
        }
    }
    branch->m_printer = std::make_shared<devices::VirtualPrinter>();
    branch->m_printer->set_slip_sink(
        [pictures = branch->m_slip_pictures.get()](const devices::PrintedSlip& slip) {
            pictures->add(slip.commands);
        });
    branch->m_dispenser = std::make_shared<devices::VirtualDispenser>();
    for (const script::Device device : {script::Device::card_reader, script::Device::pin_pad,
                                        script::Device::printer, script::Device::dispenser}) {
        if (auto plugged = branch->plug_device(device, true); !plugged) {
            return std::unexpected(
                base::error(BranchError::device_not_plugged, base::to_string(plugged.error())));
        }
    }
    // The cabinet's sensors board, its switch at run and its doors closed: a kiosk in service.
    branch->m_cabinet = std::make_shared<devices::VirtualCabinet>();
    auto cabinet = branch->m_bus->plug(branch->m_cabinet);
    if (!cabinet) {
        return std::unexpected(
            base::error(BranchError::device_not_plugged,
                        "cabinet sensors: " + std::string(usb::to_string(cabinet.error()))));
    }
    branch->m_cabinet_handle = *cabinet;
    return branch;
}

void Branch::save_card_counters() {
    for (const auto& [name, card] : m_cards_made) {
        if (const auto* chip = dynamic_cast<const cards::EmvCard*>(card.get())) {
            m_card_counters[name] = chip->transaction_counter();
        }
    }
    if (auto saved =
            write_card_counters(card_counters_file(m_options.out_directory), m_card_counters);
        !saved) {
        std::fprintf(stderr, "kiosk-sim: %s\n", saved.error().c_str());
    }
}

Branch::~Branch() {
    stop_kiosk();
    save_card_counters();
    // The bus goes after the kiosk (its client) has exited, then the slips' pictures (the
    // printer hands them over on the bus's thread), the services last.
    m_bus.reset();
    if (m_printer) {
        m_printer->set_slip_sink({});
    }
    m_slip_pictures.reset();
    if (m_queue_service) {
        m_queue_service->stop();
    }
    if (m_account_service) {
        m_account_service->stop();
    }
}

std::filesystem::path Branch::transcript_path() const {
    return m_options.out_directory / "transcript.jsonl";
}

std::filesystem::path Branch::kiosk_log_path() const {
    return m_options.out_directory / "kiosk.log";
}

std::filesystem::path Branch::kiosk_config_path() const {
    return m_options.out_directory / "kiosk.toml";
}

std::filesystem::path Branch::engineers_file() const {
    return m_options.out_directory / k_engineers_file;
}

std::filesystem::path Branch::sign_in_state_file() const {
    return m_options.out_directory / k_sign_in_state_file;
}

std::filesystem::path Branch::out_of_service_file() const {
    return m_options.out_directory / k_out_of_service_file;
}

std::vector<std::string> Branch::card_names() const {
    std::vector<std::string> names;
    for (const auto& card : m_cards.cards()) {
        names.push_back(card.name);
    }
    return names;
}

std::expected<void, base::Error<BranchError>> Branch::start_kiosk() {
    // An earlier run's armed failpoint would kill this kiosk.
    std::error_code ignored;
    std::filesystem::remove(m_options.out_directory / k_failpoint_file, ignored);
    if (auto written = write_kiosk_files(); !written) {
        return written;
    }
    return launch_kiosk(false);
}

// The kiosk's configuration file and the PIN pad's key file, written once for the branch: a
// kiosk started again keeps the file it has then, as the service menu may have changed it.
std::expected<void, base::Error<BranchError>> Branch::write_kiosk_files() {
    // The kiosk's own settings for a simulated branch; launch_kiosk's options go over them. A
    // kiosk in a branch never has this file: only a simulated one may be told by a signal to
    // let its voice fail (docs/scenarios.md, `make speech fail`).
    // The pad's authentication key for the kiosk, private to the user as the kiosk demands.
    const std::filesystem::path pin_pad_key = m_options.out_directory / "pin-pad.key";
    {
        std::ofstream key(pin_pad_key, std::ios::trunc);
        key << base::to_hex(devices::k_demo_authentication_key) << "\n";
    }
    std::error_code key_mode;
    std::filesystem::permissions(
        pin_pad_key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
        key_mode);
    {
        std::ofstream config(kiosk_config_path(), std::ios::trunc);
        config
            << "# Written by kiosk-sim for the kiosk it runs; the command line goes over it.\n"
               "[simulation]\n"
               "# SIGUSR1 makes the kiosk's speech fail, SIGUSR2 makes it work again.\n"
               "allow_fault_signals = true\n"
               "\n"
               "# The simulated branch queue service, over mutual TLS under the run's own\n"
               "# certificate authority.\n"
               "[queue]\n"
            << "url = "
            << toml_string("https://127.0.0.1:" + std::to_string(m_queue_service->port()))
            << "\nca_file = " << toml_path(m_tls.authority)
            << "\n\n"
               "# The kiosk's own certificate and key, presented to both services.\n"
               "[tls]\n"
            << "client_certificate = " << toml_path(m_tls.kiosk.certificate)
            << "\nclient_key = " << toml_path(m_tls.kiosk.private_key)
            << "\n\n"
               "[kiosk]\n"
            << "location = " << toml_string(k_kiosk_location)
            << "\n\n"
               "# The PIN pad's keys (docs/protocols/epp.md §8.6, §8.7): format 4 under the demo\n"
               "# AES PIN key, whose check value this is, or under AES DUKPT keys from the demo\n"
               "# initial key; and the pad's authentication key.\n"
               "[pin_pad]\n"
               "block_format = \"iso9564-4\"\n"
            << (m_options.pin_pad_dukpt ? "pin_key = \"dukpt\"\npin_initial_key_id = \"" +
                                              base::to_hex(m_dukpt_initial_key_id) + "\"\n"
                                        : std::string("pin_key_check_value = \"7AD386C376\"\n"))
            << "authentication_key_file = " << toml_path(pin_pad_key)
            << "\n\n"
               "# Requests for the queue service wait here until they are delivered, across\n"
               "# restarts of the kiosk.\n"
               "[outbox]\n"
            << "file = " << toml_path(m_options.out_directory / "outbox.sqlite")
            << "\n\n"
               "# The electronic journal: every step of every withdrawal, kept across\n"
               "# restarts of the kiosk, which settles what it finds unfinished there.\n"
               "[journal]\n"
            << "file = " << toml_path(m_options.out_directory / "journal.sqlite")
            << "\n\n"
               "# The service menu: the demo engineers' accounts (simulator/staff), the sign-in\n"
               "# state with its lock, and whether the kiosk is out of service, kept across\n"
               "# restarts of the kiosk.\n"
               "[service]\n"
            << "engineers_file = " << toml_path(engineers_file())
            << "\nsign_in_state_file = " << toml_path(sign_in_state_file())
            << "\nout_of_service_file = " << toml_path(out_of_service_file())
            << "\n# The simulated USB stick, and the log the kiosk writes here, for the export.\n"
               "usb_stick_directory = "
            << toml_path(m_options.out_directory / k_usb_stick_folder)
            << "\nlog_file = " << toml_path(kiosk_log_path()) << "\n";
        if (!config) {
            return std::unexpected(base::error(BranchError::kiosk_not_started,
                                               kiosk_config_path().string() + ": cannot write"));
        }
    }
    return {};
}

std::expected<void, base::Error<BranchError>> Branch::launch_kiosk(bool append_log) {
    std::vector<std::string> arguments = {
        m_options.kiosk_binary.string(),
        "--config",
        kiosk_config_path().string(),
        "--windowed",
        "--transcript",
        transcript_path().string(),
        "--screenshots",
        (m_options.out_directory / "screens").string(),
        "--account-url",
        "https://127.0.0.1:" + std::to_string(m_account_service->port()),
        "--account-ca",
        m_tls.authority.string(),
        "--terminal-id",
        std::string(k_kiosk_id),
    };
    if (m_options.headless) {
        arguments.insert(arguments.end(), {"--size", k_headless_size});
    }
    if (m_options.record_audio) {
        arguments.insert(arguments.end(),
                         {"--record-audio", (m_options.out_directory / "audio").string()});
    }
    arguments.insert(arguments.end(), m_options.extra_kiosk_arguments.begin(),
                     m_options.extra_kiosk_arguments.end());
    const std::vector<std::string> environment =
        kiosk_environment(*m_bus, m_options.out_directory, m_options.headless);

    std::vector<char*> argv;
    for (auto& argument : arguments) {
        argv.push_back(argument.data());
    }
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& variable : environment) {
        envp.push_back(const_cast<char*>(variable.c_str()));
    }
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = kiosk_log_path().string();
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | (append_log ? O_APPEND : O_TRUNC), 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    const int result = posix_spawn(&m_kiosk, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (result != 0) {
        m_kiosk = -1;
        return std::unexpected(base::error(BranchError::kiosk_not_started,
                                           arguments[0] + ": " + std::strerror(result)));
    }
    m_kiosk_status.reset();
    return {};
}

bool Branch::kiosk_running() {
    if (m_kiosk <= 0 || m_kiosk_status) {
        return false;
    }
    int status = 0;
    if (waitpid(m_kiosk, &status, WNOHANG) == m_kiosk) {
        m_kiosk_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return false;
    }
    return true;
}

int Branch::stop_kiosk() {
    if (m_kiosk <= 0) {
        return m_kiosk_status.value_or(0);
    }
    if (kiosk_running()) {
        kill(m_kiosk, SIGTERM);
        const auto deadline = std::chrono::steady_clock::now() + k_stop_grace;
        while (kiosk_running() && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(k_stop_poll);
        }
    }
    kill_kiosk();
    return m_kiosk_status.value_or(0);
}

void Branch::kill_kiosk() {
    if (kiosk_running()) {
        kill(m_kiosk, SIGKILL);
        int status = 0;
        waitpid(m_kiosk, &status, 0);
        m_kiosk_status = 128 + SIGKILL;
    }
    m_kiosk = -1;
}

std::expected<void, base::Error<script::ActionError>> Branch::insert_card(const std::string& name) {
    if (m_reader->card_present()) {
        return std::unexpected(base::error(script::ActionError::card_already_inserted));
    }
    auto made = m_cards_made.find(name);
    if (made == m_cards_made.end()) {
        // The library's only refusal here is a name it does not hold.
        auto card = m_cards.make_card(name);
        if (!card) {
            return std::unexpected(base::error(script::ActionError::unknown_card, name));
        }
        if (auto* chip = dynamic_cast<cards::EmvCard*>(card->get());
            chip != nullptr && m_card_counters.contains(name)) {
            chip->restore_transaction_counter(m_card_counters.at(name));
        }
        made = m_cards_made.emplace(name, std::move(*card)).first;
    }
    m_reader->insert(made->second);
    if (std::find(m_cards_used.begin(), m_cards_used.end(), name) == m_cards_used.end()) {
        m_cards_used.push_back(name);
    }
    return {};
}

std::expected<void, base::Error<script::ActionError>> Branch::remove_card() {
    if (!m_reader->card_present()) {
        return std::unexpected(base::error(script::ActionError::no_card_inserted));
    }
    m_reader->remove();
    save_card_counters();
    return {};
}

std::expected<void, base::Error<script::ActionError>> Branch::take_cash() {
    const auto deadline = std::chrono::steady_clock::now() + k_cash_at_slot_wait;
    while (!m_dispenser->take_cash()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return std::unexpected(base::error(script::ActionError::no_cash_at_slot));
        }
        std::this_thread::sleep_for(k_cash_slot_look);
    }
    return {};
}

std::expected<void, base::Error<script::ActionError>> Branch::wait_for_pin_pad(
    drivers::epp::PadMode mode, script::ActionError not_ready) {
    const auto deadline = std::chrono::steady_clock::now() + k_pin_pad_ready_wait;
    while (mode == drivers::epp::PadMode::idle ? m_pin_pad->mode() == mode
                                               : m_pin_pad->mode() != mode) {
        if (std::chrono::steady_clock::now() >= deadline || !kiosk_running()) {
            return std::unexpected(base::error(not_ready));
        }
        std::this_thread::sleep_for(k_stop_poll);
    }
    return {};
}

std::expected<void, base::Error<script::ActionError>> Branch::press_key(base::Key key) {
    // A key pressed before the kiosk has woken the pad up is lost, as on a real pad; the
    // simulated customer waits until the pad listens, as a real one waits for the screen. A
    // digit needs more: the pad reports one only while the kiosk shows a screen that takes
    // digits (docs/protocols/epp.md §4.3), as a customer waits for the menu to appear.
    const bool digit = base::is_digit(key);
    if (auto ready = wait_for_pin_pad(
            digit ? drivers::epp::PadMode::clear_digits : drivers::epp::PadMode::idle,
            digit ? script::ActionError::pin_pad_takes_no_digits
                  : script::ActionError::pin_pad_not_listening);
        !ready) {
        return ready;
    }
    m_pin_pad->press(key);
    return {};
}

std::expected<void, base::Error<script::ActionError>> Branch::type_pin(const std::string& digits) {
    if (auto collecting = wait_for_pin_pad(drivers::epp::PadMode::pin_entry,
                                           script::ActionError::pin_pad_not_collecting);
        !collecting) {
        return collecting;
    }
    // A mistyped PIN is looked for in the kiosk's memory too, with the card it was typed for.
    if (!m_cards_used.empty()) {
        const cards::CardProfile* card = m_cards.find(m_cards_used.back());
        if (card != nullptr && card->pin != digits) {
            m_typed_pins.push_back(TypedPin{m_cards_used.back(), base::SecretText(digits)});
        }
    }
    for (const char digit : digits) {
        const auto key = base::digit_key(digit - '0');
        if (!key) {
            return std::unexpected(base::error(script::ActionError::pin_not_digits));
        }
        // Straight onto the pad: it is collecting, and holds every digit itself.
        m_pin_pad->press(*key);
        std::this_thread::sleep_for(k_pause_between_digits);
    }
    return {};
}

std::expected<void, base::Error<script::ActionError>> Branch::set_headphones(bool plugged) {
    m_pin_pad->plug_headphones(plugged);
    return {};
}

std::expected<void, base::Error<script::ActionError>> Branch::set_fault(
    const script::Fault& fault) {
    const auto unknown_fault = [&](const std::string& modes) {
        return std::unexpected(
            base::error(script::ActionError::unknown_fault,
                        fmt::format("'{}' (the {} has: {})", fault.mode, fault.service, modes)));
    };
    if (fault.service == "account") {
        const auto mode = fault_named(fault.mode, k_account_fault_modes);
        if (!mode) {
            return unknown_fault(fault_names(k_account_fault_modes));
        }
        if (!m_account_service->set_fault(*mode, fault.call)) {
            return std::unexpected(
                base::error(script::ActionError::unknown_call,
                            fmt::format("'{}' (the account service answers: {})", fault.call,
                                        fmt::join(bank::k_account_calls, ", "))));
        }
        return {};
    }
    if (!fault.call.empty()) {
        return std::unexpected(
            base::error(script::ActionError::unknown_call,
                        fmt::format("'{}': only the account service's faults are aimed at one call",
                                    fault.call)));
    }
    if (fault.service == "queue") {
        const auto mode = fault_named(fault.mode, k_queue_fault_modes);
        if (!mode) {
            return unknown_fault(fault_names(k_queue_fault_modes));
        }
        m_queue_service->set_fault(*mode);
        return {};
    }
    if (fault.service == "pin-pad") {
        // docs/scenarios.md, `fault pin-pad MODE`.
        if (fault.mode == "tamper") {
            m_pin_pad->tamper();
        } else if (fault.mode == "bad-crc") {
            m_pin_pad->corrupt_next_frame();
        } else if (fault.mode == "stuck-key") {
            m_pin_pad->stick_key(base::Key::enter);
        } else if (fault.mode == "wrong-key") {
            m_pin_pad->use_unknown_authentication_key();
        } else if (fault.mode == "none") {
            m_pin_pad->release_stuck_key();
        } else {
            return unknown_fault("tamper, bad-crc, stuck-key, wrong-key, none");
        }
        return {};
    }
    if (fault.service == "dispenser") {
        if (fault.mode == k_dispenser_jam) {
            m_dispenser->jam_next_dispense(k_jam_after_notes);
        } else if (fault.mode == k_dispenser_no_fault) {
            m_dispenser->clear_faults();
        } else {
            return unknown_fault(fmt::format("{}, {}", k_dispenser_jam, k_dispenser_no_fault));
        }
        return {};
    }
    return std::unexpected(
        base::error(script::ActionError::unknown_service, "'" + fault.service + "'"));
}

std::expected<void, base::Error<script::ActionError>> Branch::plug_device(script::Device device,
                                                                          bool plugged) {
    std::optional<usb::DeviceHandle>* slot = nullptr;
    std::shared_ptr<usb::VirtualUsbDevice> virtual_device;
    switch (device) {
        case script::Device::card_reader:
            slot = &m_reader_handle;
            virtual_device = m_reader;
            break;
        case script::Device::pin_pad:
            slot = &m_pin_pad_handle;
            virtual_device = m_pin_pad;
            break;
        case script::Device::printer:
            slot = &m_printer_handle;
            virtual_device = m_printer;
            break;
        case script::Device::dispenser:
            slot = &m_dispenser_handle;
            virtual_device = m_dispenser;
            break;
    }
    std::optional<usb::DeviceHandle>& handle = *slot;
    const std::string name(script::to_string(device));
    if (plugged == handle.has_value()) {
        return std::unexpected(base::error(plugged ? script::ActionError::device_already_plugged
                                                   : script::ActionError::device_already_unplugged,
                                           name));
    }
    if (!plugged) {
        if (auto unplugged = m_bus->unplug(*handle); !unplugged) {
            return std::unexpected(
                base::error(script::ActionError::device_already_unplugged,
                            name + ": " + std::string(usb::to_string(unplugged.error()))));
        }
        handle.reset();
        return {};
    }
    auto plugged_in = m_bus->plug(virtual_device);
    if (!plugged_in) {
        return std::unexpected(
            base::error(script::ActionError::device_not_plugged,
                        name + ": " + std::string(usb::to_string(plugged_in.error()))));
    }
    handle = *plugged_in;
    return {};
}

std::expected<void, base::Error<script::ActionError>> Branch::set_speech_failing(bool failing) {
    if (!kiosk_running()) {
        return std::unexpected(base::error(script::ActionError::kiosk_not_running));
    }
    if (kill(m_kiosk, failing ? SIGUSR1 : SIGUSR2) != 0) {
        return std::unexpected(
            base::error(script::ActionError::kiosk_not_running, std::strerror(errno)));
    }
    return {};
}

std::expected<script::MemoryVerdict, base::Error<script::ActionError>> Branch::scan_kiosk_memory() {
    if (!kiosk_running()) {
        return std::unexpected(base::error(script::ActionError::kiosk_not_running));
    }
    std::vector<MemoryPattern> patterns;
    const auto add = [&patterns](std::vector<MemoryPattern> more) {
        for (MemoryPattern& pattern : more) {
            // Two names for the same bytes would report one copy twice.
            const bool known = std::any_of(
                patterns.begin(), patterns.end(),
                [&](const MemoryPattern& other) { return other.bytes == pattern.bytes; });
            if (!known) {
                patterns.push_back(std::move(pattern));
            }
        }
    };
    for (const std::string& name : m_cards_used) {
        const cards::CardProfile* card = m_cards.find(name);
        if (card == nullptr || card->pan.empty()) {
            continue;  // a mute or blank card carries no number
        }
        const std::string owner = "card " + name;
        add(card_number_patterns(owner, card->pan));
        add(pin_patterns(owner, card->pin, card->pan));
        for (const TypedPin& typed : m_typed_pins) {
            if (typed.card == name) {
                add(pin_patterns(owner + ", a PIN typed for it", typed.digits.view(), card->pan));
            }
        }
    }
    auto scanned = scan_process_memory(m_kiosk, patterns);
    if (!scanned) {
        const std::string reason = base::to_string(scanned.error());
        switch (scanned.error().code) {
            case MemoryScanError::not_permitted:
                return std::unexpected(
                    base::error(script::ActionError::memory_not_readable, reason));
            case MemoryScanError::no_such_process:
                return std::unexpected(base::error(script::ActionError::kiosk_not_running, reason));
            default:
                return std::unexpected(
                    base::error(script::ActionError::memory_scan_failed, reason));
        }
    }
    script::MemoryVerdict verdict;
    for (const MemoryFinding& finding : scanned->findings) {
        verdict.findings.push_back(describe(finding));
    }
    verdict.summary = fmt::format(
        "{} forms of the secrets of {} card(s) looked for in {} mappings ({} MiB read, {} MiB "
        "never touched); {} unreadable, {} reservations too large to read",
        patterns.size(), m_cards_used.size(), scanned->mappings_read, scanned->bytes_read >> 20,
        scanned->bytes_untouched >> 20, scanned->mappings_unreadable, scanned->mappings_too_large);
    return verdict;
}

std::expected<void, base::Error<script::ActionError>> Branch::set_printer_paper(
    script::Paper paper) {
    switch (paper) {
        case script::Paper::ok:
            m_printer->set_paper(drivers::escpos::PaperState::ok);
            break;
        case script::Paper::low:
            m_printer->set_paper(drivers::escpos::PaperState::low);
            break;
        case script::Paper::out:
            m_printer->set_paper(drivers::escpos::PaperState::out);
            break;
    }
    return {};
}

std::expected<void, base::Error<script::ActionError>> Branch::set_printer_cover(bool open) {
    m_printer->set_cover_open(open);
    return {};
}

std::vector<std::string> Branch::printed_slips() {
    return m_printer->slip_texts();
}

std::expected<std::string, base::Error<script::ActionError>> Branch::newest_call(
    std::initializer_list<queue::CallState> states) {
    auto calls = m_queue_service->calls();
    if (!calls) {
        return std::unexpected(base::error(script::ActionError::queue_service_unreadable,
                                           std::string(queue::to_string(calls.error()))));
    }
    const queue::AssistanceCall* newest = nullptr;
    for (const queue::AssistanceCall& call : *calls) {
        const bool wanted = std::find(states.begin(), states.end(), call.state) != states.end();
        if (wanted && call.kiosk_id == k_kiosk_id &&
            (newest == nullptr || call.created_at_unix_ms >= newest->created_at_unix_ms)) {
            newest = &call;
        }
    }
    if (newest == nullptr) {
        return std::unexpected(base::error(script::ActionError::no_open_staff_call));
    }
    return newest->id;
}

std::expected<void, base::Error<script::ActionError>> Branch::acknowledge_staff_call(
    const std::string& name, std::optional<std::chrono::seconds> eta) {
    auto call = newest_call({queue::CallState::open});
    if (!call) {
        return std::unexpected(call.error());
    }
    std::optional<int> eta_seconds;
    if (eta) {
        eta_seconds = static_cast<int>(eta->count());
    }
    auto acknowledged = m_queue_service->acknowledge_call(
        *call,
        queue::StaffMember{
            .role = queue::StaffRole::lobby_manager, .display_name = name, .badge_number = {}},
        eta_seconds);
    if (!acknowledged) {
        return std::unexpected(base::error(script::ActionError::staff_action_refused,
                                           std::string(queue::to_string(acknowledged.error()))));
    }
    return {};
}

std::expected<void, base::Error<script::ActionError>> Branch::close_staff_call() {
    auto call = newest_call({queue::CallState::open, queue::CallState::acknowledged});
    if (!call) {
        return std::unexpected(call.error());
    }
    if (auto closed = m_queue_service->close_call(*call); !closed) {
        return std::unexpected(base::error(script::ActionError::staff_action_refused,
                                           std::string(queue::to_string(closed.error()))));
    }
    return {};
}

std::expected<std::size_t, base::Error<script::ActionError>> Branch::delivered(
    script::Delivery what) {
    // This kiosk's records received since the branch opened (a kept database holds older ones).
    const auto count = [&](const auto& records, const auto received_at)
        -> std::expected<std::size_t, base::Error<script::ActionError>> {
        if (!records) {
            return std::unexpected(base::error(script::ActionError::queue_service_unreadable,
                                               std::string(queue::to_string(records.error()))));
        }
        return static_cast<std::size_t>(
            std::count_if(records->begin(), records->end(), [&](const auto& record) {
                return record.kiosk_id == k_kiosk_id && received_at(record) >= m_opened_unix_ms;
            }));
    };
    switch (what) {
        case script::Delivery::survey:
            return count(m_queue_service->survey_answers(), [](const queue::SurveyAnswer& answer) {
                return answer.received_at_unix_ms;
            });
        case script::Delivery::complaint:
            return count(m_queue_service->complaints(), [](const queue::Complaint& complaint) {
                return complaint.received_at_unix_ms;
            });
        case script::Delivery::call:
            return count(m_queue_service->calls(),
                         [](const queue::AssistanceCall& call) { return call.created_at_unix_ms; });
    }
    return std::size_t{0};
}

std::expected<void, base::Error<script::ActionError>> Branch::arm_kill_after_journal(
    const std::string& event) {
    std::ofstream armed(m_options.out_directory / k_failpoint_file, std::ios::trunc);
    armed << event << '\n';
    if (!armed.flush()) {
        return std::unexpected(base::error(script::ActionError::kiosk_did_not_kill_itself,
                                           "its failpoint file cannot be written"));
    }
    return {};
}

std::expected<void, base::Error<script::ActionError>> Branch::wait_for_kiosk_to_kill_itself(
    std::chrono::milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (kiosk_running() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(k_stop_poll);
    }
    // Disarmed at once: the started kiosk settles by journaling the same steps.
    std::error_code ignored;
    std::filesystem::remove(m_options.out_directory / k_failpoint_file, ignored);
    const bool killed_itself = m_kiosk > 0 && !kiosk_running() && m_kiosk_status == 128 + SIGKILL;
    kill_kiosk();
    if (!killed_itself) {
        return std::unexpected(
            base::error(script::ActionError::kiosk_did_not_kill_itself,
                        fmt::format("in {} ms; it was killed from outside", within.count())));
    }
    return {};
}

std::expected<void, base::Error<script::ActionError>> Branch::wait_for_kiosk_to_restart_itself(
    std::chrono::milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (kiosk_running() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(k_stop_poll);
    }
    if (kiosk_running()) {
        kill_kiosk();
        return std::unexpected(
            base::error(script::ActionError::kiosk_did_not_restart_itself,
                        fmt::format("still running after {} ms; killed", within.count())));
    }
    const int status = m_kiosk_status.value_or(-1);
    m_kiosk = -1;
    if (status != k_kiosk_restart_status) {
        return std::unexpected(base::error(script::ActionError::kiosk_did_not_restart_itself,
                                           fmt::format("exit status {}", status)));
    }
    return {};
}

std::expected<void, base::Error<script::ActionError>> Branch::restart_kiosk(
    const script::RestartKiosk& how, const std::function<void()>& while_stopped) {
    // A kiosk armed to kill itself, or restarting itself, may have ended before this step came.
    if (how.end != script::KioskEnd::killed_itself &&
        how.end != script::KioskEnd::restarted_itself && !kiosk_running()) {
        return std::unexpected(base::error(script::ActionError::kiosk_not_running));
    }
    switch (how.end) {
        case script::KioskEnd::killed:
            kill_kiosk();
            break;
        case script::KioskEnd::killed_itself:
            if (auto killed = wait_for_kiosk_to_kill_itself(how.within); !killed) {
                return killed;
            }
            break;
        case script::KioskEnd::restarted_itself:
            if (auto restarted = wait_for_kiosk_to_restart_itself(how.within); !restarted) {
                return restarted;
            }
            break;
        case script::KioskEnd::stopped:
            if (const int status = stop_kiosk(); status != 0) {
                return std::unexpected(base::error(script::ActionError::kiosk_stopped_badly,
                                                   fmt::format("exit status {}", status)));
            }
            break;
    }
    // The ended kiosk's device files are closed, but the virtual bus does not learn it by
    // itself: a killed kiosk's claims and transfers would keep the devices from the next one.
    m_bus->forget_clients();
    if (while_stopped) {
        while_stopped();
    }
    m_pin_pad->host_restarted();
    // The stopped kiosk's transcript, pictures and recordings are set aside: the new kiosk
    // writes its own from the start (its screenshots are numbered from 001 again), and the
    // transcript's reader must not read the old one twice.
    ++m_restarts;
    const auto set_aside = [&](const std::string& name, const std::string& kept) {
        const auto from = m_options.out_directory / name;
        std::error_code error;
        std::filesystem::rename(from, m_options.out_directory / kept, error);
        if (error) {
            std::filesystem::remove_all(from, error);
        }
    };
    set_aside("transcript.jsonl", fmt::format("transcript.{}.jsonl", m_restarts));
    set_aside("screens", fmt::format("screens.{}", m_restarts));
    std::error_code error;
    std::filesystem::create_directories(m_options.out_directory / "screens", error);
    if (m_options.record_audio) {
        set_aside("audio", fmt::format("audio.{}", m_restarts));
        std::filesystem::create_directories(m_options.out_directory / "audio", error);
    }
    const std::string_view ended = how.end == script::KioskEnd::stopped            ? "restart"
                                   : how.end == script::KioskEnd::restarted_itself ? "self-restart"
                                                                                   : "kill";
    std::ofstream(kiosk_log_path(), std::ios::app)
        << fmt::format("kiosk-sim: {} kiosk ({}): the kiosk is started again\n", ended, m_restarts);
    if (auto started = launch_kiosk(true); !started) {
        return std::unexpected(base::error(script::ActionError::kiosk_not_restarted,
                                           base::to_string(started.error())));
    }
    return {};
}

std::expected<script::RunLedger, base::Error<script::ActionError>> Branch::run_ledger() {
    // This kiosk's withdrawals since the branch opened: a kept database holds older ones, and the
    // dispenser, made with the branch, counts only this run's.
    auto bank = m_account_service->cash_ledger(k_kiosk_id, m_opened_unix_ms);
    if (!bank) {
        return std::unexpected(base::error(script::ActionError::ledger_unreadable,
                                           std::string(bank::to_string(bank.error()))));
    }
    return script::RunLedger{
        .debited = bank->debited,
        .held = bank->held,
        .taken = static_cast<std::int64_t>(m_dispenser->ledger().amount_taken()),
        .transferred = bank->transferred};
}

std::expected<void, base::Error<script::ActionError>> Branch::set_service_switch(bool on) {
    if (!m_cabinet->set_service_switch(on)) {
        return std::unexpected(
            base::error(script::ActionError::switch_already_there, on ? "on" : "off"));
    }
    return {};
}

std::expected<void, base::Error<script::ActionError>> Branch::set_cabinet_door(bool open) {
    if (!m_cabinet->set_door(drivers::cabinet::Door::cabinet, open)) {
        return std::unexpected(
            base::error(script::ActionError::door_already_there, open ? "open" : "closed"));
    }
    return {};
}

std::expected<void, base::Error<script::ActionError>> Branch::scan_set_up_slip(
    const std::string& engineer_id) {
    const auto slips = m_printer->slips();
    for (auto slip = slips.rbegin(); slip != slips.rend(); ++slip) {
        for (const std::string& code : slip->qr_codes) {
            if (m_engineers.add_scanned(code, engineer_id)) {
                return {};
            }
        }
    }
    return std::unexpected(base::error(script::ActionError::no_set_up_slip, engineer_id));
}

std::expected<void, base::Error<script::ActionError>> Branch::type_engineer_secret(
    script::EngineerSecret secret, const std::string& engineer_id) {
    if (m_engineers.find(engineer_id) == nullptr) {
        return std::unexpected(base::error(script::ActionError::unknown_engineer, engineer_id));
    }
    // The engineer looks at the app only once the sign-in screen takes the digits, so the code
    // typed is the one shown then (RFC 6238 §5.2: the kiosk takes the step before too).
    if (auto ready = wait_for_pin_pad(drivers::epp::PadMode::clear_digits,
                                      script::ActionError::pin_pad_takes_no_digits);
        !ready) {
        return ready;
    }
    base::SecretText digits;
    if (secret == script::EngineerSecret::password) {
        auto password = m_engineers.password(engineer_id);
        if (!password) {
            return std::unexpected(base::error(script::ActionError::unknown_engineer, engineer_id));
        }
        digits = std::move(*password);
    } else {
        auto code = m_engineers.one_time_code(engineer_id, now_unix_seconds());
        if (!code) {
            return std::unexpected(base::error(script::ActionError::one_time_code_failed,
                                               base::to_string(code.error())));
        }
        digits = std::move(*code);
    }
    std::optional<char> previous;
    for (const char digit : digits.view()) {
        const auto key = base::digit_key(digit - '0');
        if (!key) {
            return std::unexpected(base::error(script::ActionError::pin_not_digits));
        }
        if (previous == digit) {
            std::this_thread::sleep_for(k_same_digit_again_after);
        }
        if (auto pressed = press_key(*key); !pressed) {
            return pressed;
        }
        previous = digit;
        std::this_thread::sleep_for(k_pause_between_digits);
    }
    return {};
}

std::expected<void, base::Error<script::ActionError>> Branch::put_configuration_on_stick(
    const std::string& setting, const std::string& value) {
    const auto refused = [&](std::string why) {
        return std::unexpected(
            base::error(script::ActionError::configuration_not_written, setting + ": " + why));
    };
    const auto dot = setting.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == setting.size()) {
        return refused("not section.key");
    }
    toml::table configuration;
    toml::table parsed_value;
    try {
        configuration = toml::parse_file(kiosk_config_path().string());
        parsed_value = toml::parse("value = " + value);
    } catch (const toml::parse_error& error) {
        return refused(std::string(error.description()));
    }
    const std::string section = setting.substr(0, dot);
    if (!configuration.contains(section)) {
        configuration.insert(section, toml::table{});
    }
    toml::table* table = configuration[section].as_table();
    if (table == nullptr) {
        return refused(section + " is not a table");
    }
    table->insert_or_assign(setting.substr(dot + 1), *parsed_value.get("value"));
    const auto stick_file = m_options.out_directory / k_usb_stick_folder / "kiosk.toml";
    std::ofstream stick(stick_file, std::ios::trunc);
    stick << configuration << '\n';
    if (!stick.flush()) {
        return refused(stick_file.string() + ": cannot be written");
    }
    return {};
}

std::expected<void, base::Error<script::ActionError>> Branch::type_key_component(int component,
                                                                                 bool typo) {
    if (auto ready = wait_for_pin_pad(drivers::epp::PadMode::key_ceremony,
                                      script::ActionError::pin_pad_not_in_ceremony);
        !ready) {
        return ready;
    }
    std::string digits = base::to_hex(component == 1 ? devices::k_demo_next_master_component1
                                                     : devices::k_demo_next_master_component2);
    if (typo) {
        digits.back() = digits.back() == '0' ? '1' : '0';  // the last digit mistyped
    }
    // epp.md §8.2: a digit key is its hex digit; star then 0 to 5 is A to F.
    for (const char digit : digits) {
        const bool letter = digit >= 'A';
        if (letter) {
            m_pin_pad->press(base::Key::star);
            std::this_thread::sleep_for(k_pause_between_digits);
        }
        m_pin_pad->press(*base::digit_key(letter ? digit - 'A' : digit - '0'));
        std::this_thread::sleep_for(k_pause_between_digits);
    }
    m_pin_pad->press(base::Key::enter);
    return {};
}

std::expected<base::SecretText, base::Error<script::ActionError>> Branch::engineer_password(
    const std::string& engineer_id) {
    auto password = m_engineers.password(engineer_id);
    if (!password) {
        return std::unexpected(base::error(script::ActionError::unknown_engineer, engineer_id));
    }
    return std::move(*password);
}

}  // namespace simulator::app
