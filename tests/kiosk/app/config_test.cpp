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
