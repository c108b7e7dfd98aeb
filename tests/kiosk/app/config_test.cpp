#include <catch2/catch.hpp>

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
