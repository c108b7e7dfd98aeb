// libFuzzer harness: the kiosk's configuration file (kiosk/app/config.h), as
// `kiosk --config FILE` reads it at start-up. The input is the file's text; the harness writes
// it to a file of its own, in memory (memfd_create: a file on ext4 that is truncated and
// written again is flushed to the disk on every close, which took 5 ms a run), and calls
// load_config on its /proc/self/fd path. In a folder of its own it makes the files a good
// configuration names (the seeds refer to them): ca.pem, cert.pem and key.pem, the key private
// to its user as the kiosk demands.
// Properties: a bad file is a ConfigError or a std::filesystem error (the two that main
// reports before anything is shown), never another exception or a crash; a configuration that
// loads holds every limit the file's settings are checked against (a screen of 320 to 8192
// pixels, a panel of 50 to 3000 mm read from 200 to 2000 mm, a key slot of 0 to 255, the
// account service over https:// with its certificate authority, a kiosk id the services take,
// and with a queue service its https:// URL, the kiosk's identity, a location and an outbox).

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "kiosk/app/config.h"
#include "kiosk/net/queue_contract.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace app = kiosk::app;
using tests::fuzz::require;

// The folder the seeds name for the files a configuration refers to.
constexpr const char* k_fixture_folder = "/tmp/kiosk-fuzz-config";

// The configuration's file in memory, and its path.
int g_config_descriptor = -1;
std::string g_config_file;

void write_file(const std::filesystem::path& path, std::string_view text) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(text.data(), static_cast<std::streamsize>(text.size()));
}

void check_loaded(const app::Config& config) {
    require(config.width >= 320 && config.width <= 8192);
    require(config.height >= 320 && config.height <= 8192);
    require(config.panel_width_mm >= 50 && config.panel_width_mm <= 3000);
    require(config.panel_height_mm >= 50 && config.panel_height_mm <= 3000);
    require(config.viewing_distance_mm >= 200 && config.viewing_distance_mm <= 2000);
    require(config.ignore_second_press_ms >= 0 &&
            config.ignore_second_press_ms <= app::k_longest_ignore_second_press_ms);
    require(config.pin_key_slot >= 0 && config.pin_key_slot <= 255);
    require(config.account_url.starts_with("https://"));
    require(!config.account_ca_file.empty());
    require(kiosk::net::is_kiosk_id(config.terminal_id));
    if (!config.queue_url.empty()) {
        require(config.queue_url.starts_with("https://"));
        require(!config.client_certificate.empty() && !config.client_key.empty());
        require(kiosk::net::is_location(config.location));
        require(!config.outbox_file.empty());
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    const std::filesystem::path folder = k_fixture_folder;
    std::filesystem::create_directories(folder);
    for (const char* name : {"ca.pem", "cert.pem", "key.pem"}) {
        write_file(folder / name, "-----BEGIN FUZZ FIXTURE-----\n");
    }
    ::chmod((folder / "key.pem").c_str(), S_IRUSR | S_IWUSR);
    g_config_descriptor = ::memfd_create("kiosk-fuzz-config", 0);
    if (g_config_descriptor < 0) {
        std::perror("fuzz_config: memfd_create");
        std::abort();
    }
    g_config_file = "/proc/self/fd/" + std::to_string(g_config_descriptor);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const tests::fuzz::FuzzInput input(data, size);
    const std::string_view text = input.rest_text();
    require(::ftruncate(g_config_descriptor, 0) == 0);
    require(::pwrite(g_config_descriptor, text.data(), text.size(), 0) ==
            static_cast<ssize_t>(text.size()));
    const std::vector<std::string> arguments{"--config", g_config_file};
    try {
        const auto config = app::load_config(arguments, "/nonexistent/locales");
        require(config.has_value());
        check_loaded(*config);
    } catch (const app::ConfigError& error) {
        require(error.what()[0] != '\0');
    } catch (const std::filesystem::filesystem_error&) {
        // kiosk/app/main.cpp reports it and exits as for a ConfigError.
    }
    return 0;
}
