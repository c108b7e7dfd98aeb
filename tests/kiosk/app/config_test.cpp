#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

#include "kiosk/app/config.h"

using namespace kiosk::app;

namespace {

std::filesystem::path write_file(const std::string& name, const std::string& contents) {
    const auto path = std::filesystem::temp_directory_path() / name;
    std::ofstream(path) << contents;
    return path;
}

// A certificate authority file for the account service, as every runnable configuration names
// one. Its contents are not read at configuration time.
const std::filesystem::path& ca_file() {
    static const auto k_path = write_file("kiosk-config-ca.pem", "-----BEGIN CERTIFICATE-----\n");
    return k_path;
}

Config load(std::vector<std::string> arguments) {
    arguments.push_back("--account-ca");
    arguments.push_back(ca_file().string());
    auto config = load_config(arguments, "/locales");
    REQUIRE(config.has_value());
    return *config;
}

}  // namespace

TEST_CASE("The production configuration runs full screen against the bank over HTTPS") {
    const Config config = load({"--config", KIOSK_SOURCE_DIR "/assets/config/production.toml"});
    CHECK(config.fullscreen);
    CHECK(config.account_url.starts_with("https://"));
    CHECK(config.locales_directory == "/usr/share/kiosk/locales");
}

TEST_CASE("The development configuration opens a window") {
    const Config config = load({"--config", KIOSK_SOURCE_DIR "/assets/config/development.toml"});
    CHECK_FALSE(config.fullscreen);
    CHECK(config.width == 1280);
    CHECK(config.height == 720);
}

TEST_CASE("Command-line options override the file") {
    const Config config = load({"--config", KIOSK_SOURCE_DIR "/assets/config/production.toml",
                                "--windowed", "--size", "800x600", "--account-url",
                                "https://127.0.0.1:9000", "--transcript", "/tmp/t.jsonl"});
    CHECK_FALSE(config.fullscreen);
    CHECK(config.width == 800);
    CHECK(config.account_url == "https://127.0.0.1:9000");
    CHECK(config.transcript == std::filesystem::path("/tmp/t.jsonl"));
}

TEST_CASE("A corrupt or mistyped configuration is a clear start-up error") {
    const auto broken = write_file("kiosk-config-broken.toml", "[display\nfullscreen = yes");
    CHECK_THROWS_AS(load_config({"--config", broken.string()}, "/locales"), ConfigError);
    const auto mistyped = write_file("kiosk-config-mistyped.toml", "[display]\nwidth = \"wide\"");
    CHECK_THROWS_WITH(load_config({"--config", mistyped.string()}, "/locales"),
                      Catch::Contains("display.width"));
    const auto tiny = write_file("kiosk-config-tiny.toml", "[display]\nheight = 10");
    CHECK_THROWS_WITH(load_config({"--config", tiny.string()}, "/locales"),
                      Catch::Contains("between"));
    CHECK_THROWS_AS(load_config({"--config", "/nonexistent/kiosk.toml"}, "/locales"), ConfigError);
    CHECK_THROWS_AS(load_config({"--size", "big"}, "/locales"), ConfigError);
    CHECK_THROWS_AS(load_config({"--frobnicate"}, "/locales"), ConfigError);
    CHECK_THROWS_AS(load_config({"--transcript"}, "/locales"), ConfigError);
}

TEST_CASE("The account service is only ever called over HTTPS") {
    CHECK_THROWS_WITH(load_config({"--account-url", "http://127.0.0.1:8080"}, "/locales"),
                      Catch::Contains("https://"));
    const auto plain = write_file("kiosk-config-plain.toml", "[account]\nurl = \"http://bank\"");
    CHECK_THROWS_AS(load_config({"--config", plain.string()}, "/locales"), ConfigError);
}

TEST_CASE("The account service's certificate authority must be named and readable") {
    CHECK_THROWS_WITH(load_config({"--account-url", "https://127.0.0.1:8443"}, "/locales"),
                      Catch::Contains("certificate authority is not configured"));
    CHECK_THROWS_WITH(load_config({"--account-ca", "/nonexistent/bank-ca.pem"}, "/locales"),
                      Catch::Contains("/nonexistent/bank-ca.pem"));
    CHECK(load({}).account_ca_file == ca_file());
}

TEST_CASE("Asking for help gives no configuration, so the usage is printed") {
    CHECK_FALSE(load_config({"--help"}, "/locales").has_value());
    CHECK(usage().find("--transcript") != std::string::npos);
}

TEST_CASE("Memory is locked only when the configuration asks, as production's does") {
    CHECK_FALSE(load({}).lock_memory);
    CHECK_FALSE(load({"--config", KIOSK_SOURCE_DIR "/assets/config/development.toml"}).lock_memory);
    CHECK(load({"--config", KIOSK_SOURCE_DIR "/assets/config/production.toml"}).lock_memory);
    const auto off = write_file("kiosk-config-unlocked.toml", "[security]\nlock_memory = false");
    CHECK_FALSE(load({"--config", off.string()}).lock_memory);
    const auto mistyped = write_file("kiosk-config-lock.toml", "[security]\nlock_memory = \"yes\"");
    CHECK_THROWS_WITH(load_config({"--config", mistyped.string()}, "/locales"),
                      Catch::Contains("security.lock_memory"));
}

TEST_CASE("Fault signals are off unless the simulator's configuration asks for them") {
    CHECK_FALSE(load({}).allow_fault_signals);
    CHECK_FALSE(
        load({"--config", KIOSK_SOURCE_DIR "/assets/config/production.toml"}).allow_fault_signals);
}

TEST_CASE("The panel's size and viewing distance default to a 21.5-inch panel read from 500 mm") {
    const Config defaults = load({});
    CHECK(defaults.panel_width_mm == 476);
    CHECK(defaults.panel_height_mm == 268);
    CHECK(defaults.viewing_distance_mm == 500);
    const Config production = load({"--config", KIOSK_SOURCE_DIR "/assets/config/production.toml"});
    CHECK(production.panel_width_mm == 476);
    CHECK(production.panel_height_mm == 268);
    CHECK(production.viewing_distance_mm == 500);
    const auto panel = write_file("kiosk-config-panel.toml",
                                  "[display]\npanel_width_mm = 527.04\npanel_height_mm = 296\n"
                                  "viewing_distance_mm = 650\n");
    const Config measured = load({"--config", panel.string()});
    CHECK(measured.panel_width_mm == Approx(527.04));
    CHECK(measured.panel_height_mm == 296);
    CHECK(measured.viewing_distance_mm == 650);
}

TEST_CASE("A panel size or viewing distance that cannot be right is a clear start-up error") {
    const auto words =
        write_file("kiosk-config-panel-words.toml", "[display]\npanel_width_mm = \"wide\"");
    CHECK_THROWS_WITH(load_config({"--config", words.string()}, "/locales"),
                      Catch::Contains("display.panel_width_mm must be a number of millimetres"));
    // 26.8 is the height in centimetres: a unit mistake, ten times too small.
    const auto centimetres =
        write_file("kiosk-config-panel-cm.toml", "[display]\npanel_height_mm = 26.8");
    CHECK_THROWS_WITH(load_config({"--config", centimetres.string()}, "/locales"),
                      Catch::Contains("display.panel_height_mm must be between 50 and 3000"));
    const auto negative =
        write_file("kiosk-config-panel-negative.toml", "[display]\npanel_width_mm = -476");
    CHECK_THROWS_WITH(load_config({"--config", negative.string()}, "/locales"),
                      Catch::Contains("display.panel_width_mm"));
    const auto far =
        write_file("kiosk-config-distance.toml", "[display]\nviewing_distance_mm = 5000");
    CHECK_THROWS_WITH(load_config({"--config", far.string()}, "/locales"),
                      Catch::Contains("display.viewing_distance_mm must be between 200 and 2000"));
    const auto nan =
        write_file("kiosk-config-distance-nan.toml", "[display]\nviewing_distance_mm = nan");
    CHECK_THROWS_WITH(load_config({"--config", nan.string()}, "/locales"),
                      Catch::Contains("display.viewing_distance_mm"));
}

TEST_CASE("EN 301 549 5.7: a second identical key press within 500 ms is ignored unless set") {
    CHECK(load({}).ignore_second_press_ms == 500);
    CHECK(load({"--config", KIOSK_SOURCE_DIR "/assets/config/production.toml"})
              .ignore_second_press_ms == 500);
    const auto off =
        write_file("kiosk-config-press-off.toml", "[input]\nignore_second_press_ms = 0");
    CHECK(load({"--config", off.string()}).ignore_second_press_ms == 0);
    const auto longest =
        write_file("kiosk-config-press-long.toml", "[input]\nignore_second_press_ms = 2000");
    CHECK(load({"--config", longest.string()}).ignore_second_press_ms == 2000);
}

TEST_CASE("An ignore_second_press_ms outside 0 to 2000 or not in whole milliseconds is refused") {
    for (const std::string value : {"2001", "-1", "100000"}) {
        const auto file =
            write_file("kiosk-config-press-bad.toml", "[input]\nignore_second_press_ms = " + value);
        CHECK_THROWS_WITH(load_config({"--config", file.string()}, "/locales"),
                          Catch::Contains("input.ignore_second_press_ms must be 0 (off) to 2000"));
    }
    for (const std::string value : {"0.5", "\"500ms\"", "true"}) {
        const auto file = write_file("kiosk-config-press-type.toml",
                                     "[input]\nignore_second_press_ms = " + value);
        CHECK_THROWS_WITH(load_config({"--config", file.string()}, "/locales"),
                          Catch::Contains("input.ignore_second_press_ms must be a whole number"));
    }
}

namespace {

// A file with `mode`, as the kiosk's user owns it.
std::filesystem::path write_private(const std::string& name, std::filesystem::perms mode) {
    const auto path = write_file(name, "-----BEGIN PRIVATE KEY-----\n");
    std::filesystem::permissions(path, mode);
    return path;
}

constexpr auto k_owner_only =
    std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;

// Every setting the queue service needs, on the command line.
std::vector<std::string> queue_arguments(const std::filesystem::path& key) {
    return {"--queue-url",
            "https://queue.branch.invalid:8444",
            "--queue-ca",
            ca_file().string(),
            "--client-certificate",
            ca_file().string(),
            "--client-key",
            key.string(),
            "--location",
            "lobby, machine 2",
            "--outbox",
            "/var/lib/kiosk/outbox.sqlite"};
}

}  // namespace

TEST_CASE("Without a queue service URL the kiosk runs no queue client") {
    const Config config = load({});
    CHECK(config.queue_url.empty());
    CHECK(config.client_key.empty());
}

TEST_CASE("The queue service and the kiosk's identity are read from the file") {
    const auto key = write_private("kiosk-config-key.pem", k_owner_only);
    const auto file =
        write_file("kiosk-config-queue.toml",
                   "[account]\nterminal_id = \"lobby-01\"\n"
                   "[queue]\nurl = \"https://queue.branch.invalid:8444\"\nca_file = \"" +
                       ca_file().string() + "\"\n[tls]\nclient_certificate = \"" +
                       ca_file().string() + "\"\nclient_key = \"" + key.string() +
                       "\"\n[kiosk]\nlocation = \"大堂 2号机\"\n[outbox]\nfile = "
                       "\"/var/lib/kiosk/outbox.sqlite\"\n");
    const Config config = load({"--config", file.string()});
    CHECK(config.terminal_id == "lobby-01");
    CHECK(config.queue_url == "https://queue.branch.invalid:8444");
    CHECK(config.queue_ca_file == ca_file());
    CHECK(config.client_certificate == ca_file());
    CHECK(config.client_key == key);
    CHECK(config.location == "大堂 2号机");
    CHECK(config.outbox_file == "/var/lib/kiosk/outbox.sqlite");
}

TEST_CASE("Command-line options set the queue service and the kiosk's identity") {
    const auto key = write_private("kiosk-config-key-options.pem", k_owner_only);
    const Config config = load(queue_arguments(key));
    CHECK(config.queue_url == "https://queue.branch.invalid:8444");
    CHECK(config.client_key == key);
    CHECK(config.location == "lobby, machine 2");
    CHECK(config.outbox_file == "/var/lib/kiosk/outbox.sqlite");
}

TEST_CASE("The queue service is only ever called over HTTPS") {
    const auto key = write_private("kiosk-config-key-https.pem", k_owner_only);
    auto arguments = queue_arguments(key);
    arguments[1] = "http://queue.branch.invalid:8444";
    arguments.insert(arguments.end(), {"--account-ca", ca_file().string()});
    CHECK_THROWS_WITH(load_config(arguments, "/locales"),
                      Catch::Contains("queue service URL must start with https://"));
}

TEST_CASE("A client key that group or others can read or write is refused with what to do") {
    for (const auto shared :
         {std::filesystem::perms::group_read, std::filesystem::perms::others_read,
          std::filesystem::perms::group_write, std::filesystem::perms::others_write}) {
        const auto key = write_private("kiosk-config-key-shared.pem", k_owner_only | shared);
        auto arguments = queue_arguments(key);
        arguments.insert(arguments.end(), {"--account-ca", ca_file().string()});
        CHECK_THROWS_WITH(load_config(arguments, "/locales"),
                          Catch::Contains(key.string()) && Catch::Contains("chmod 600"));
    }
}

TEST_CASE("A missing client key is refused naming the file") {
    auto arguments = queue_arguments("/nonexistent/kiosk.key");
    arguments.insert(arguments.end(), {"--account-ca", ca_file().string()});
    CHECK_THROWS_WITH(load_config(arguments, "/locales"),
                      Catch::Contains("/nonexistent/kiosk.key") && Catch::Contains("missing"));
}

TEST_CASE("A client key that another user owns is refused naming the owner") {
    const auto key = write_private("kiosk-config-key-owner.pem", k_owner_only);
    // Only root can give a file away; elsewhere the kiosk's user owns every file it writes.
    if (::geteuid() != 0) {
        WARN("not root: the ownership check cannot be arranged");
        return;
    }
    constexpr uid_t k_nobody = 65534;
    REQUIRE(::chown(key.c_str(), k_nobody, static_cast<gid_t>(-1)) == 0);
    auto arguments = queue_arguments(key);
    arguments.insert(arguments.end(), {"--account-ca", ca_file().string()});
    CHECK_THROWS_WITH(load_config(arguments, "/locales"),
                      Catch::Contains("owned by user 65534") && Catch::Contains("chown"));
    std::filesystem::remove(key);
}

TEST_CASE("The queue service needs its authority the kiosk's identity a location and an outbox") {
    const auto key = write_private("kiosk-config-key-parts.pem", k_owner_only);
    const auto without = [&key](const std::string& option) {
        auto arguments = queue_arguments(key);
        const auto found = std::ranges::find(arguments, option);
        arguments.erase(found, found + 2);
        arguments.insert(arguments.end(), {"--account-ca", ca_file().string()});
        return arguments;
    };
    CHECK_THROWS_WITH(load_config(without("--queue-ca"), "/locales"),
                      Catch::Contains("[queue] ca_file"));
    CHECK_THROWS_WITH(load_config(without("--location"), "/locales"),
                      Catch::Contains("[kiosk] location"));
    CHECK_THROWS_WITH(load_config(without("--outbox"), "/locales"),
                      Catch::Contains("[outbox] file"));
    auto no_identity = without("--client-certificate");
    const auto key_option = std::ranges::find(no_identity, "--client-key");
    no_identity.erase(key_option, key_option + 2);
    CHECK_THROWS_WITH(load_config(no_identity, "/locales"), Catch::Contains("[tls]"));
    CHECK_THROWS_WITH(load_config(without("--client-key"), "/locales"),
                      Catch::Contains("client key is not configured"));
}

TEST_CASE("A location longer than 64 characters or on two lines is refused") {
    const auto key = write_private("kiosk-config-key-location.pem", k_owner_only);
    for (const std::string& location : {std::string(65, 'x'), std::string("lobby\nmachine 2")}) {
        auto arguments = queue_arguments(key);
        *(std::ranges::find(arguments, "--location") + 1) = location;
        arguments.insert(arguments.end(), {"--account-ca", ca_file().string()});
        CHECK_THROWS_WITH(load_config(arguments, "/locales"), Catch::Contains("location"));
    }
}

TEST_CASE("A terminal id outside the services' pattern is refused") {
    CHECK_THROWS_WITH(load({"--terminal-id", "lobby 01"}), Catch::Contains("terminal id"));
    CHECK(load({"--terminal-id", "lobby-01"}).terminal_id == "lobby-01");
}

// ---- [pin_pad]: the pad's keys (docs/protocols/epp.md §8.6) ----

namespace {

constexpr std::string_view k_pad_key_hex = "000102030405060708090A0B0C0D0E0F";

std::filesystem::path pad_key_file(
    const std::string& name, const std::string& contents,
    std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                  std::filesystem::perms::owner_write) {
    const auto path = write_file(name, contents);
    std::filesystem::permissions(path, mode);
    return path;
}

}  // namespace

TEST_CASE("Without the PIN pad's key file the pad is used as revision 4 knew it") {
    const Config config = load({});
    CHECK_FALSE(config.pin_pad_keys.has_value());
    CHECK(config.pin_block_format == PinBlockFormat::iso9564_format4);
}

TEST_CASE(
    "The pad's authentication key comes from a private file and the check value fits the "
    "format") {
    const auto key = pad_key_file("kiosk-config-pad.key", std::string(k_pad_key_hex) + "\n");
    const Config aes = load({"--pin-pad-key", key.string(), "--pin-key-check-value", "0A1B2C3D4E"});
    REQUIRE(aes.pin_pad_keys.has_value());
    CHECK(aes.pin_pad_keys->format == PinBlockFormat::iso9564_format4);
    CHECK(base::to_hex(aes.pin_pad_keys->authentication_key) == k_pad_key_hex);
    CHECK(base::to_hex(aes.pin_pad_keys->pin_key_check_value) == "0A1B2C3D4E");

    const auto file = write_file("kiosk-config-pad-tdes.toml",
                                 "[pin_pad]\nblock_format = \"iso9564-0\"\nauthentication_key_file "
                                 "= \"" +
                                     key.string() + "\"\npin_key_check_value = \"08D7B4\"\n");
    const Config tdes = load({"--config", file.string()});
    REQUIRE(tdes.pin_pad_keys.has_value());
    CHECK(tdes.pin_pad_keys->format == PinBlockFormat::iso9564_format0);
    CHECK(base::to_hex(tdes.pin_pad_keys->pin_key_check_value) == "08D7B4");
}

TEST_CASE(
    "A PIN pad key or check value that cannot be right is a clear start-up error that never "
    "shows the key") {
    const auto key = pad_key_file("kiosk-config-pad-ok.key", std::string(k_pad_key_hex));
    const auto ca = ca_file().string();
    const auto fails = [&](std::vector<std::string> arguments) {
        arguments.insert(arguments.end(), {"--account-ca", ca});
        try {
            (void)load_config(arguments, "/locales");
        } catch (const ConfigError& error) {
            return std::string(error.what());
        }
        return std::string();
    };
    // Readable by others: the message says how to fix it and does not show the key.
    const auto shared =
        pad_key_file("kiosk-config-pad-shared.key", std::string(k_pad_key_hex),
                     std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                         std::filesystem::perms::others_read);
    const std::string shared_error =
        fails({"--pin-pad-key", shared.string(), "--pin-key-check-value", "0A1B2C3D4E"});
    CHECK_THAT(shared_error, Catch::Contains("chmod 600"));
    CHECK(shared_error.find(k_pad_key_hex) == std::string::npos);
    // A key of the wrong length, never echoed.
    const auto short_key = pad_key_file("kiosk-config-pad-short.key", "0001020304");
    const std::string short_error =
        fails({"--pin-pad-key", short_key.string(), "--pin-key-check-value", "0A1B2C3D4E"});
    CHECK_THAT(short_error, Catch::Contains("32 hexadecimal digits"));
    CHECK(short_error.find("0001020304") == std::string::npos);
    // A check value of the other format's length, or none.
    CHECK_THAT(fails({"--pin-pad-key", key.string(), "--pin-key-check-value", "08D7B4"}),
               Catch::Contains("10 hexadecimal digits"));
    CHECK_THAT(fails({"--pin-pad-key", key.string(), "--pin-block-format", "iso9564-0",
                      "--pin-key-check-value", "0A1B2C3D4E"}),
               Catch::Contains("6 hexadecimal digits"));
    CHECK_THAT(fails({"--pin-pad-key", key.string()}), Catch::Contains("pin_key_check_value"));
    // A check value without the key, a missing key file, a format with no name.
    CHECK_THAT(fails({"--pin-key-check-value", "0A1B2C3D4E"}),
               Catch::Contains("authentication_key_file"));
    CHECK_THAT(
        fails({"--pin-pad-key", "/nonexistent/pad.key", "--pin-key-check-value", "0A1B2C3D4E"}),
        Catch::Contains("is missing"));
    CHECK_THAT(fails({"--pin-block-format", "iso9564-1"}), Catch::Contains("iso9564-4"));
}

TEST_CASE("A DUKPT pad is configured by its initial key ID, which takes the check value's place") {
    // docs/protocols/epp.md §8.7: pin_key = "dukpt" with pin_initial_key_id.
    const auto key = pad_key_file("kiosk-config-pad-dukpt.key", std::string(k_pad_key_hex));
    const auto file = write_file("kiosk-config-pad-dukpt.toml",
                                 "[pin_pad]\nblock_format = \"iso9564-4\"\npin_key = \"dukpt\"\n"
                                 "pin_initial_key_id = \"1234567890123456\"\n"
                                 "authentication_key_file = \"" +
                                     key.string() + "\"\n");
    const Config config = load({"--config", file.string()});
    REQUIRE(config.pin_pad_keys.has_value());
    CHECK(config.pin_pad_keys->pin_key == kiosk::app::PinKeyMode::dukpt);
    CHECK(config.pin_pad_keys->format == PinBlockFormat::iso9564_format4);
    CHECK(base::to_hex(config.pin_pad_keys->pin_key_check_value) == "1234567890123456");
    // The command line says the same.
    const Config options = load({"--pin-pad-key", key.string(), "--pin-key", "dukpt",
                                 "--pin-initial-key-id", "FFFF9876543210E0"});
    REQUIRE(options.pin_pad_keys.has_value());
    CHECK(options.pin_pad_keys->pin_key == kiosk::app::PinKeyMode::dukpt);
    CHECK(base::to_hex(options.pin_pad_keys->pin_key_check_value) == "FFFF9876543210E0");
    // A fixed key stays the default.
    const Config fixed =
        load({"--pin-pad-key", key.string(), "--pin-key-check-value", "0A1B2C3D4E"});
    CHECK(fixed.pin_pad_keys->pin_key == kiosk::app::PinKeyMode::fixed);
}

TEST_CASE("A DUKPT setting that cannot be right is a clear start-up error") {
    const auto key = pad_key_file("kiosk-config-pad-dukpt-bad.key", std::string(k_pad_key_hex));
    const auto ca = ca_file().string();
    const auto fails = [&](std::vector<std::string> arguments) {
        arguments.insert(arguments.end(), {"--account-ca", ca});
        try {
            (void)load_config(arguments, "/locales");
        } catch (const ConfigError& error) {
            return std::string(error.what());
        }
        return std::string();
    };
    const std::vector<std::string> dukpt = {"--pin-pad-key", key.string(), "--pin-key", "dukpt"};
    const auto with = [&](std::vector<std::string> more) {
        std::vector<std::string> arguments = dukpt;
        arguments.insert(arguments.end(), more.begin(), more.end());
        return fails(arguments);
    };
    // No initial key ID, one of 15 or 17 digits, or one that is not hex.
    CHECK_THAT(with({}), Catch::Contains("16 hexadecimal digits"));
    CHECK_THAT(with({"--pin-initial-key-id", "123456789012345"}),
               Catch::Contains("16 hexadecimal digits"));
    CHECK_THAT(with({"--pin-initial-key-id", "12345678901234567"}),
               Catch::Contains("16 hexadecimal digits"));
    CHECK_THAT(with({"--pin-initial-key-id", "123456789012345G"}),
               Catch::Contains("16 hexadecimal digits"));
    // DUKPT makes format 4 blocks only, and has no check value.
    CHECK_THAT(
        with({"--pin-initial-key-id", "1234567890123456", "--pin-block-format", "iso9564-0"}),
        Catch::Contains("iso9564-4"));
    CHECK_THAT(
        with({"--pin-initial-key-id", "1234567890123456", "--pin-key-check-value", "0A1B2C3D4E"}),
        Catch::Contains("remove pin_pad.pin_key_check_value"));
    // DUKPT without the pad's authentication key; an initial key ID for a fixed key; a mode
    // with no name.
    CHECK_THAT(fails({"--pin-key", "dukpt", "--pin-initial-key-id", "1234567890123456"}),
               Catch::Contains("authentication_key_file"));
    CHECK_THAT(fails({"--pin-pad-key", key.string(), "--pin-key-check-value", "0A1B2C3D4E",
                      "--pin-initial-key-id", "1234567890123456"}),
               Catch::Contains("dukpt\" only"));
    CHECK_THAT(fails({"--pin-key", "dukpt3"}), Catch::Contains("\"fixed\""));
}

// ---- [card_reader]: approved readers and the customers' slot ----

TEST_CASE("The approved card readers and the card slot are read from the file") {
    const auto file = write_file("kiosk-config-card-reader.toml",
                                 "[card_reader]\nallowed = [\"072F:90CC\", \"1209:0001\"]\n"
                                 "slot = 1\n");
    const Config config = load({"--config", file.string()});
    REQUIRE(config.allowed_readers.size() == 2);
    CHECK(config.allowed_readers[0] == kiosk::devices::ReaderId{0x072F, 0x90CC});
    CHECK(config.allowed_readers[1] == kiosk::devices::ReaderId{0x1209, 0x0001});
    CHECK(config.card_slot == 1);
    // Without the section any reader is admitted, slot 0.
    const Config plain = load({});
    CHECK(plain.allowed_readers.empty());
    CHECK(plain.card_slot == 0);
}

TEST_CASE("A malformed reader id or slot is refused, naming the setting") {
    for (const std::string& bad :
         {std::string("allowed = \"072F:90CC\""), std::string("allowed = [\"072F-90CC\"]"),
          std::string("allowed = [\"72F:90CC\"]"), std::string("allowed = [\"072G:90CC\"]"),
          std::string("allowed = [4711]"), std::string("slot = 256"), std::string("slot = -1")}) {
        INFO(bad);
        const auto file =
            write_file("kiosk-config-bad-reader.toml", "[card_reader]\n" + bad + "\n");
        CHECK_THROWS_WITH(
            load_config({"--config", file.string(), "--account-ca", ca_file().string()},
                        "/locales"),
            Catch::Contains("card_reader."));
    }
}

TEST_CASE("The service menu's files come from [service] or the command line") {
    const Config production = load({"--config", KIOSK_SOURCE_DIR "/assets/config/production.toml"});
    CHECK(production.engineers_file == "/etc/kiosk/engineers.toml");
    CHECK(production.sign_in_state_file == "/var/lib/kiosk/sign-in.toml");
    CHECK(production.out_of_service_file == "/var/lib/kiosk/out-of-service.toml");
    const auto file = write_file("kiosk-config-service.toml",
                                 "[service]\nengineers_file = \"/srv/e.toml\"\n"
                                 "sign_in_state_file = \"/srv/s.toml\"\n");
    const Config config = load({"--config", file.string(), "--out-of-service-file", "/srv/o.toml",
                                "--engineers", "/srv/e2.toml"});
    CHECK(config.engineers_file == "/srv/e2.toml");
    CHECK(config.sign_in_state_file == "/srv/s.toml");
    CHECK(config.out_of_service_file == "/srv/o.toml");
}
