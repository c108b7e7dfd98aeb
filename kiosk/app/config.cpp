#include "kiosk/app/config.h"

#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "base/wipe.h"
#include "kiosk/net/queue_contract.h"

namespace kiosk::app {

namespace {

// Dimensions a kiosk screen can plausibly have; anything else is a typo in the file.
constexpr int k_smallest_dimension = 320;
constexpr int k_largest_dimension = 8192;

// A kiosk panel from 7 inches to 100 inches, read from a step away up to arm's length and
// beyond; anything else is a typo or a value in the wrong unit.
constexpr double k_smallest_panel_mm = 50;
constexpr double k_largest_panel_mm = 3000;
constexpr double k_nearest_viewing_mm = 200;
constexpr double k_farthest_viewing_mm = 2000;

std::string number_text(double value) {
    return std::to_string(std::lround(value));
}

int dimension(std::int64_t value, const char* name) {
    if (value < k_smallest_dimension || value > k_largest_dimension) {
        throw ConfigError(std::string(name) + " must be between " +
                          std::to_string(k_smallest_dimension) + " and " +
                          std::to_string(k_largest_dimension) + " pixels");
    }
    return static_cast<int>(value);
}

// docs/protocols/epp.md §4.4: the two formats by the names the account API gives them.
PinBlockFormat pin_block_format_from(std::string_view name, std::string_view setting) {
    if (name == "iso9564-4") {
        return PinBlockFormat::iso9564_format4;
    }
    if (name == "iso9564-0") {
        return PinBlockFormat::iso9564_format0;
    }
    throw ConfigError(std::string(setting) + " must be \"iso9564-4\" (AES-128, the default) or " +
                      "\"iso9564-0\" (TDES, for older hosts), not " + std::string(name));
}

// [pin_pad] pin_key (docs/protocols/epp.md §8.7): a fixed working key, or AES DUKPT.
PinKeyMode pin_key_mode_from(std::string_view name, std::string_view setting) {
    if (name == "fixed") {
        return PinKeyMode::fixed;
    }
    if (name == "dukpt") {
        return PinKeyMode::dukpt;
    }
    throw ConfigError(std::string(setting) +
                      " must be \"fixed\" (a working key, the default) or \"dukpt\" (AES "
                      "DUKPT, a key for each PIN block), not " +
                      std::string(name));
}

// [card_reader] allowed: USB ids as "VVVV:PPPP" in hex, the form lsusb prints.
std::vector<devices::ReaderId> reader_ids_from(toml::node_view<toml::node> node) {
    const auto* list = node.as_array();
    const std::string refusal =
        "card_reader.allowed must be a list of USB ids such as \"072F:90CC\" (vendor:product, hex)";
    if (list == nullptr) {
        throw ConfigError(refusal);
    }
    std::vector<devices::ReaderId> ids;
    for (const toml::node& entry : *list) {
        const auto text = entry.value<std::string>();
        if (!text || text->size() != 9 || (*text)[4] != ':') {
            throw ConfigError(refusal);
        }
        const auto field = [&](std::size_t offset) {
            std::uint16_t value = 0;
            const char* first = text->data() + offset;
            const auto [end, error] = std::from_chars(first, first + 4, value, 16);
            if (error != std::errc{} || end != first + 4) {
                throw ConfigError(refusal + ", not \"" + *text + "\"");
            }
            return value;
        };
        ids.push_back(devices::ReaderId{field(0), field(5)});
    }
    return ids;
}

void apply_file(Config& config, const std::filesystem::path& path) {
    std::error_code status;
    if (!std::filesystem::is_regular_file(path, status)) {
        throw ConfigError("cannot read the configuration " + path.string());
    }
    toml::table table;
    try {
        table = toml::parse_file(path.string());
    } catch (const toml::parse_error& error) {
        throw ConfigError("the configuration " + path.string() +
                          " is not valid TOML: " + std::string(error.description()));
    }
    const auto text = [&](std::string_view section, std::string_view key) {
        const auto node = table[section][key];
        if (node && !node.is_string()) {
            throw ConfigError(std::string(section) + "." + std::string(key) + " must be text");
        }
        return node.value<std::string>();
    };
    const auto number = [&](std::string_view section, std::string_view key) {
        const auto node = table[section][key];
        if (node && !node.is_integer()) {
            throw ConfigError(std::string(section) + "." + std::string(key) +
                              " must be a whole number");
        }
        return node.value<std::int64_t>();
    };
    // A length in millimetres, whole or not, within a plausible range.
    const auto millimetres = [&](std::string_view section, std::string_view key, double least,
                                 double most) -> std::optional<double> {
        const auto node = table[section][key];
        if (!node) {
            return std::nullopt;
        }
        const std::string name = std::string(section) + "." + std::string(key);
        if (!node.is_integer() && !node.is_floating_point()) {
            throw ConfigError(name + " must be a number of millimetres");
        }
        const double value = *node.value<double>();
        if (!(value >= least && value <= most)) {
            throw ConfigError(name + " must be between " + number_text(least) + " and " +
                              number_text(most) + " millimetres");
        }
        return value;
    };
    const auto flag = [&](std::string_view section, std::string_view key) {
        const auto node = table[section][key];
        if (node && !node.is_boolean()) {
            throw ConfigError(std::string(section) + "." + std::string(key) +
                              " must be true or false");
        }
        return node.value<bool>();
    };
    if (const auto node = table["display"]["fullscreen"]) {
        if (!node.is_boolean()) {
            throw ConfigError("display.fullscreen must be true or false");
        }
        config.fullscreen = *node.value<bool>();
    }
    if (const auto width = number("display", "width")) {
        config.width = dimension(*width, "display.width");
    }
    if (const auto height = number("display", "height")) {
        config.height = dimension(*height, "display.height");
    }
    if (const auto width =
            millimetres("display", "panel_width_mm", k_smallest_panel_mm, k_largest_panel_mm)) {
        config.panel_width_mm = *width;
    }
    if (const auto height =
            millimetres("display", "panel_height_mm", k_smallest_panel_mm, k_largest_panel_mm)) {
        config.panel_height_mm = *height;
    }
    if (const auto distance = millimetres("display", "viewing_distance_mm", k_nearest_viewing_mm,
                                          k_farthest_viewing_mm)) {
        config.viewing_distance_mm = *distance;
    }
    if (const auto font = text("display", "font_regular"))
        config.font_regular = *font;
    if (const auto font = text("display", "font_bold"))
        config.font_bold = *font;
    if (const auto url = text("account", "url"))
        config.account_url = *url;
    if (const auto file = text("account", "ca_file"))
        config.account_ca_file = *file;
    if (const auto id = text("account", "terminal_id"))
        config.terminal_id = *id;
    if (const auto url = text("queue", "url"))
        config.queue_url = *url;
    if (const auto file = text("queue", "ca_file"))
        config.queue_ca_file = *file;
    if (const auto file = text("tls", "client_certificate"))
        config.client_certificate = *file;
    if (const auto file = text("tls", "client_key"))
        config.client_key = *file;
    if (const auto location = text("kiosk", "location"))
        config.location = *location;
    if (const auto file = text("outbox", "file"))
        config.outbox_file = *file;
    if (const auto file = text("journal", "file"))
        config.journal_file = *file;
    if (const auto file = text("service", "engineers_file"))
        config.engineers_file = *file;
    if (const auto file = text("service", "sign_in_state_file"))
        config.sign_in_state_file = *file;
    if (const auto file = text("service", "out_of_service_file"))
        config.out_of_service_file = *file;
    if (const auto directory = text("service", "usb_stick_directory"))
        config.usb_stick_directory = *directory;
    if (const auto file = text("service", "log_file"))
        config.log_file = *file;
    if (const auto device = text("speech", "speaker_device"))
        config.speaker_device = *device;
    if (const auto device = text("speech", "headphones_device")) {
        config.headphones_device = *device;
    }
    if (const auto locales = text("paths", "locales"))
        config.locales_directory = *locales;
    if (const auto format = text("pin_pad", "block_format")) {
        config.pin_block_format = pin_block_format_from(*format, "pin_pad.block_format");
    }
    if (const auto file = text("pin_pad", "authentication_key_file")) {
        config.pin_pad_authentication_key_file = *file;
    }
    if (const auto value = text("pin_pad", "pin_key_check_value")) {
        config.pin_key_check_value = *value;
    }
    if (const auto mode = text("pin_pad", "pin_key")) {
        config.pin_key = pin_key_mode_from(*mode, "pin_pad.pin_key");
    }
    if (const auto value = text("pin_pad", "pin_initial_key_id")) {
        config.pin_initial_key_id = *value;
    }
    if (const auto slot = number("pin_pad", "key_slot")) {
        if (*slot < 0 || *slot > 255) {
            throw ConfigError("pin_pad.key_slot must be 0..255");
        }
        config.pin_key_slot = static_cast<int>(*slot);
    }
    if (const auto node = table["card_reader"]["allowed"]) {
        config.allowed_readers = reader_ids_from(node);
    }
    if (const auto slot = number("card_reader", "slot")) {
        // CCID 1.1 §5.1: bMaxSlotIndex is at most 255; a kiosk's reader has a few.
        if (*slot < 0 || *slot > 255) {
            throw ConfigError("card_reader.slot must be 0..255");
        }
        config.card_slot = static_cast<int>(*slot);
    }
    if (const auto interval = number("input", "ignore_second_press_ms")) {
        if (*interval < 0 || *interval > k_longest_ignore_second_press_ms) {
            throw ConfigError("input.ignore_second_press_ms must be 0 (off) to " +
                              std::to_string(k_longest_ignore_second_press_ms) + " milliseconds");
        }
        config.ignore_second_press_ms = static_cast<int>(*interval);
    }
    if (const auto lock = flag("security", "lock_memory")) {
        config.lock_memory = *lock;
    }
    if (const auto allow = flag("simulation", "allow_fault_signals")) {
        config.allow_fault_signals = *allow;
    }
}

// Group and others may neither read nor write the kiosk's private key.
constexpr mode_t k_shared_key_bits = S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH;

// docs/protocols/epp.md §8.1: an AES-128 authentication key, and the check values' lengths.
constexpr std::size_t k_pin_pad_key_length = 16;
constexpr std::size_t k_aes_check_value_length = 5;
constexpr std::size_t k_tdes_check_value_length = 3;
// docs/protocols/epp.md §8.7, ANSI X9.24-3-2017 §6.1: a DUKPT initial key ID is 8 bytes.
constexpr std::size_t k_initial_key_id_length = 8;

std::string octal_mode(mode_t mode) {
    constexpr mode_t k_permission_bits = 07777;
    std::array<char, 8> text{};
    std::snprintf(text.data(), text.size(), "%04o",
                  static_cast<unsigned>(mode & k_permission_bits));
    return text.data();
}

// The kiosk's private key proves to both services that this is the kiosk: a key another user
// or program can read is a key someone can copy, and one that another user owns can be
// replaced. Each refusal names the file and what to do.
void check_client_key(const std::filesystem::path& key) {
    const std::string name = "the kiosk's client key " + key.string();
    struct stat status {};
    if (::stat(key.c_str(), &status) != 0) {
        throw ConfigError(name +
                          " is missing or cannot be reached: install the kiosk's key there, or "
                          "name it in [tls] client_key or --client-key");
    }
    if (!S_ISREG(status.st_mode)) {
        throw ConfigError(name +
                          " is not a regular file: name the key file itself in [tls] "
                          "client_key or --client-key");
    }
    if (status.st_uid != ::geteuid()) {
        throw ConfigError(name + " is owned by user " + std::to_string(status.st_uid) +
                          ", not by the kiosk's user (" + std::to_string(::geteuid()) +
                          "): give it to the kiosk's user with chown " +
                          std::to_string(::geteuid()) + " " + key.string());
    }
    if ((status.st_mode & k_shared_key_bits) != 0) {
        throw ConfigError(name + " can be read or written by group or others (mode " +
                          octal_mode(status.st_mode) + "): make it private with chmod 600 " +
                          key.string());
    }
    if (::access(key.c_str(), R_OK) != 0) {
        throw ConfigError(name +
                          " cannot be read by the kiosk's user: make it readable with "
                          "chmod 600 " +
                          key.string());
    }
}

void check_readable_file(const std::filesystem::path& file, const std::string& what,
                         const std::string& setting) {
    if (file.empty()) {
        throw ConfigError(what + " is not configured (" + setting + ")");
    }
    if (!std::filesystem::is_regular_file(file)) {
        throw ConfigError(what + " " + file.string() + " is not a readable file (" + setting + ")");
    }
}

// docs/protocols/epp.md §8.6: the pad's authentication key is as secret as the client key: it
// must be the kiosk's user's own and private. Errors name the file and the setting, never the
// key.
std::optional<PinPadKeys> read_pin_pad_keys(const Config& config) {
    const std::filesystem::path& file = config.pin_pad_authentication_key_file;
    const bool dukpt = config.pin_key == PinKeyMode::dukpt;
    if (file.empty()) {
        if (!config.pin_key_check_value.empty() || dukpt) {
            throw ConfigError(
                std::string(dukpt ? "pin_pad.pin_key = \"dukpt\"" : "pin_pad.pin_key_check_value") +
                " needs the pad's authentication key "
                "([pin_pad] authentication_key_file or --pin-pad-key FILE)");
        }
        return std::nullopt;  // a pad of revision 4: format 0, no authentication
    }
    // docs/protocols/epp.md §8.7: DUKPT makes format 4 blocks, and names its key by the
    // initial key ID alone; a fixed key has no initial key ID.
    if (dukpt && config.pin_block_format != PinBlockFormat::iso9564_format4) {
        throw ConfigError(
            "pin_pad.pin_key = \"dukpt\" makes ISO 9564 format 4 blocks: set "
            "pin_pad.block_format = \"iso9564-4\"");
    }
    if (dukpt && !config.pin_key_check_value.empty()) {
        throw ConfigError(
            "pin_pad.pin_key = \"dukpt\" names the pad's key by pin_pad.pin_initial_key_id "
            "(--pin-initial-key-id), not by a check value: remove pin_pad.pin_key_check_value");
    }
    if (!dukpt && !config.pin_initial_key_id.empty()) {
        throw ConfigError("pin_pad.pin_initial_key_id is for pin_pad.pin_key = \"dukpt\" only");
    }
    const std::string name = "the PIN pad's authentication key " + file.string();
    struct stat status {};
    if (::stat(file.c_str(), &status) != 0 || !S_ISREG(status.st_mode)) {
        throw ConfigError(name +
                          " is missing or not a file: install it there, or name it in "
                          "[pin_pad] authentication_key_file or --pin-pad-key");
    }
    if (status.st_uid != ::geteuid() || (status.st_mode & k_shared_key_bits) != 0) {
        throw ConfigError(name + " must be owned by the kiosk's user and private to it: chown " +
                          std::to_string(::geteuid()) + " and chmod 600 " + file.string());
    }
    std::ifstream stream(file);
    base::SecretText contents;
    for (char character = 0; stream.get(character);) {
        if (character != ' ' && character != '\n' && character != '\r' && character != '\t') {
            contents.push_back(character);
        }
    }
    PinPadKeys keys;
    keys.format = config.pin_block_format;
    auto key = base::parse_hex(contents.view());
    if (!key || key->size() != k_pin_pad_key_length) {
        throw ConfigError(name + " must hold one key of 32 hexadecimal digits");
    }
    keys.authentication_key = std::move(*key);
    keys.pin_key = config.pin_key;
    if (dukpt) {
        auto initial_key_id = base::parse_hex(config.pin_initial_key_id);
        if (!initial_key_id || initial_key_id->size() != k_initial_key_id_length) {
            throw ConfigError(
                "pin_pad.pin_initial_key_id (--pin-initial-key-id) must be the 16 hexadecimal "
                "digits of the initial key ID of the pad's DUKPT key (ANSI X9.24-3-2017)");
        }
        keys.pin_key_check_value = std::move(*initial_key_id);
        return keys;
    }
    // ANSI X9.24-1:2017: an AES key's check value is 5 bytes, a TDES key's 3.
    const std::size_t check_length = config.pin_block_format == PinBlockFormat::iso9564_format4
                                         ? k_aes_check_value_length
                                         : k_tdes_check_value_length;
    auto check_value = base::parse_hex(config.pin_key_check_value);
    if (!check_value || check_value->size() != check_length) {
        throw ConfigError(
            "pin_pad.pin_key_check_value (--pin-key-check-value) must be the " +
            std::to_string(2 * check_length) +
            " hexadecimal digits of the check value of the pad's PIN key for " +
            (check_length == k_aes_check_value_length ? "format 4 (AES-128)" : "format 0 (TDES)"));
    }
    keys.pin_key_check_value = std::move(*check_value);
    return keys;
}

// The kiosk's identity, its certificate and key, and the queue service's settings.
void check_identity_and_queue(const Config& config) {
    if (!net::is_kiosk_id(config.terminal_id)) {
        throw ConfigError("the terminal id " + config.terminal_id +
                          " must be 1 to 32 characters of A-Z a-z 0-9 . _ - ([account] "
                          "terminal_id or --terminal-id): both services refuse any other");
    }
    const bool has_identity = !config.client_certificate.empty() || !config.client_key.empty();
    if (has_identity) {
        check_readable_file(config.client_certificate, "the kiosk's client certificate",
                            "[tls] client_certificate or --client-certificate FILE");
        if (config.client_key.empty()) {
            throw ConfigError(
                "the kiosk's client key is not configured ([tls] client_key or --client-key "
                "FILE): a certificate is no use without its key");
        }
        check_client_key(config.client_key);
    }
    if (config.queue_url.empty()) {
        return;
    }
    // Tickets and calls for staff go only to the branch's own service, over mutual TLS.
    if (!config.queue_url.starts_with("https://")) {
        throw ConfigError(
            "the queue service URL must start with https:// (it is reached over mutual TLS), "
            "not " +
            config.queue_url);
    }
    check_readable_file(config.queue_ca_file, "the queue service's certificate authority",
                        "[queue] ca_file or --queue-ca FILE");
    if (!has_identity) {
        throw ConfigError(
            "the queue service needs the kiosk's client certificate and key ([tls] "
            "client_certificate and client_key, or --client-certificate and --client-key)");
    }
    if (!net::is_location(config.location)) {
        throw ConfigError(
            "the kiosk's location must be 1 to 64 characters on one line ([kiosk] location or "
            "--location): staff are told it when a customer calls for them");
    }
    if (config.outbox_file.empty()) {
        throw ConfigError(
            "the queue service's outbox file is not configured ([outbox] file or --outbox "
            "FILE): requests wait there until they are delivered");
    }
}

}  // namespace

std::string usage() {
    return "usage: kiosk [options]\n"
           "The bank lobby's self-service kiosk: shows and speaks every screen, reads the chip\n"
           "card and the PIN pad over USB and calls the account service over HTTPS. Log lines\n"
           "go to stderr; the transcript, screenshots and audio go where the options below say.\n"
           "  --config FILE         read settings from a TOML file (see assets/config/)\n"
           "  --windowed            a window instead of full screen (development)\n"
           "  --fullscreen          full screen (production default)\n"
           "  --size WxH            window size, e.g. 1280x720\n"
           "  --account-url URL     the account service, e.g. https://bank.example:8443\n"
           "  --account-ca FILE     trust this CA certificate for the account service\n"
           "  --terminal-id ID      this kiosk's terminal id\n"
           "  --queue-url URL       the branch queue service, e.g. https://queue.example:8443\n"
           "  --queue-ca FILE       trust this CA certificate for the queue service\n"
           "  --client-certificate FILE\n"
           "                        the kiosk's own certificate (PEM), for mutual TLS\n"
           "  --client-key FILE     its private key (PEM), owned by the kiosk's user, mode 600\n"
           "  --location TEXT       where staff find this kiosk, e.g. \"lobby, machine 2\"\n"
           "  --outbox FILE         the queue client's outbox (SQLite, created when missing)\n"
           "  --journal FILE        the electronic journal (SQLite, created when missing;\n"
           "                        default /var/lib/kiosk/journal.sqlite)\n"
           "  --engineers FILE      the field engineers' accounts (kiosk-diag engineer add)\n"
           "  --sign-in-state FILE  the service menu's sign-in lock and used codes\n"
           "  --out-of-service-file FILE\n"
           "                        where the kiosk keeps that it is out of service\n"
           "  --locales DIR         the message catalogs folder\n"
           "  --transcript FILE     write the JSON Lines transcript (docs/architecture.md)\n"
           "  --screenshots DIR     save a PNG of each new screen (private data redacted)\n"
           "  --record-audio DIR    also write the spoken audio as WAV files\n"
           "  --pin-pad-key FILE    the PIN pad's authentication key (32 hex digits), owned by\n"
           "                        the kiosk's user, mode 600: the pad is authenticated\n"
           "  --pin-key-check-value HEX\n"
           "                        the check value of the pad's PIN key (10 hex digits for\n"
           "                        format 4, 6 for format 0)\n"
           "  --pin-block-format F  iso9564-4 (AES-128, default) or iso9564-0 (TDES)\n"
           "  --pin-key MODE        fixed (a working key, default) or dukpt (a key per PIN\n"
           "                        block, ANSI X9.24-3)\n"
           "  --pin-initial-key-id HEX\n"
           "                        with dukpt: the pad's initial key ID (16 hex digits)\n"
           "  -h, --help            this text\n";
}

std::optional<std::filesystem::path> config_file_named(const std::vector<std::string>& arguments) {
    std::optional<std::filesystem::path> file;
    for (std::size_t index = 0; index + 1 < arguments.size(); ++index) {
        if (arguments[index] == "--config") {
            file = arguments[index + 1];
        }
    }
    return file;
}

std::optional<Config> load_config(const std::vector<std::string>& arguments,
                                  const std::filesystem::path& default_locales) {
    Config config;
    config.locales_directory = default_locales;
    for (std::size_t index = 0; index < arguments.size(); ++index) {
        if (arguments[index] == "--config") {
            if (index + 1 >= arguments.size()) {
                throw ConfigError("--config needs a file");
            }
            apply_file(config, arguments[index + 1]);
        }
    }
    config.config_file = config_file_named(arguments);
    config.arguments = arguments;
    for (std::size_t index = 0; index < arguments.size(); ++index) {
        const std::string& option = arguments[index];
        const auto value = [&]() -> const std::string& {
            if (index + 1 >= arguments.size()) {
                throw ConfigError(option + " needs a value");
            }
            return arguments[++index];
        };
        if (option == "--help" || option == "-h") {
            return std::nullopt;
        } else if (option == "--config") {
            ++index;
        } else if (option == "--windowed") {
            config.fullscreen = false;
        } else if (option == "--fullscreen") {
            config.fullscreen = true;
        } else if (option == "--size") {
            const std::string& size = value();
            const auto cross = size.find('x');
            int width = 0;
            int height = 0;
            const bool parsed =
                cross != std::string::npos &&
                std::from_chars(size.data(), size.data() + cross, width).ec == std::errc{} &&
                std::from_chars(size.data() + cross + 1, size.data() + size.size(), height).ec ==
                    std::errc{};
            if (!parsed) {
                throw ConfigError("--size takes WIDTHxHEIGHT, e.g. 1280x720");
            }
            config.width = dimension(width, "the width");
            config.height = dimension(height, "the height");
        } else if (option == "--account-url") {
            config.account_url = value();
        } else if (option == "--account-ca") {
            config.account_ca_file = value();
        } else if (option == "--terminal-id") {
            config.terminal_id = value();
        } else if (option == "--queue-url") {
            config.queue_url = value();
        } else if (option == "--queue-ca") {
            config.queue_ca_file = value();
        } else if (option == "--client-certificate") {
            config.client_certificate = value();
        } else if (option == "--client-key") {
            config.client_key = value();
        } else if (option == "--location") {
            config.location = value();
        } else if (option == "--outbox") {
            config.outbox_file = value();
        } else if (option == "--journal") {
            config.journal_file = value();
        } else if (option == "--engineers") {
            config.engineers_file = value();
        } else if (option == "--sign-in-state") {
            config.sign_in_state_file = value();
        } else if (option == "--out-of-service-file") {
            config.out_of_service_file = value();
        } else if (option == "--locales") {
            config.locales_directory = value();
        } else if (option == "--transcript") {
            config.transcript = value();
        } else if (option == "--screenshots") {
            config.screenshots_directory = value();
        } else if (option == "--record-audio") {
            config.record_audio_directory = value();
        } else if (option == "--pin-block-format") {
            config.pin_block_format = pin_block_format_from(value(), "--pin-block-format");
        } else if (option == "--pin-pad-key") {
            config.pin_pad_authentication_key_file = value();
        } else if (option == "--pin-key-check-value") {
            config.pin_key_check_value = value();
        } else if (option == "--pin-key") {
            config.pin_key = pin_key_mode_from(value(), "--pin-key");
        } else if (option == "--pin-initial-key-id") {
            config.pin_initial_key_id = value();
        } else {
            // An unknown option is most often a typo, so the usage beside it shows the spelling.
            throw ConfigError("unknown option " + option + "\n" + usage());
        }
    }
    // The card number and the PIN block travel in the account call: never in the clear.
    if (!config.account_url.starts_with("https://")) {
        throw ConfigError(
            "the account service URL must start with https:// (it carries the "
            "card number and the PIN block), not " +
            config.account_url);
    }
    // Only the bank's own certificate authority is trusted for that call, never the system's
    // store, so it must be named and readable before the kiosk opens for customers.
    if (config.account_ca_file.empty()) {
        throw ConfigError(
            "the account service's certificate authority is not configured "
            "([account] ca_file or --account-ca FILE)");
    }
    if (!std::filesystem::is_regular_file(config.account_ca_file)) {
        throw ConfigError("the account service's certificate authority " +
                          config.account_ca_file.string() + " is not a readable file");
    }
    check_identity_and_queue(config);
    config.pin_pad_keys = read_pin_pad_keys(config);
    return config;
}

}  // namespace kiosk::app
