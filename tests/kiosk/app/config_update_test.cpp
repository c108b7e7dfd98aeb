// The service menu's change of configuration, with the real assets/config/production.toml made
// runnable here: what the review shows (and hides), what is refused, what apply installs and
// keeps, and the restore.

#include <catch2/catch.hpp>

#include <fstream>

#include "kiosk/app/config_update.h"
#include "tests/kiosk/store/journal_test_support.h"

using kiosk::app::apply_config_update;
using kiosk::app::ConfigUpdateError;
using kiosk::app::k_restart_exit_status;
using kiosk::app::restore_previous_config;
using kiosk::app::restore_untried_config;
using kiosk::app::review_config_update;
using kiosk::app::SettingChange;
using kiosk::app::settings_in_use;
using kiosk::app::untried_file_of;
using kiosk::core::to_text;
using kiosk::store::testing::TemporaryFolder;

namespace {

constexpr auto k_private = std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;
constexpr auto k_readable =
    k_private | std::filesystem::perms::group_read | std::filesystem::perms::others_read;

std::string config_text(const std::filesystem::path& file) {
    std::ifstream stream(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

void write_config_text(const std::filesystem::path& file, const std::string& text,
                       std::filesystem::perms permissions) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
    std::filesystem::permissions(file, permissions, std::filesystem::perm_options::replace);
}

// `text` with the first `from` replaced by `to`; the test fails when `from` is not there.
std::string config_replaced(std::string text, const std::string& from, const std::string& to) {
    const auto position = text.find(from);
    REQUIRE(position != std::string::npos);
    return text.replace(position, from.size(), to);
}

// The production configuration with what this machine lacks put in a temporary folder: the
// account service's certificate authority, and the kiosk's own certificate and two keys
// (private to this user, as load_config requires), and a location.
struct ConfigBench {
    TemporaryFolder folder;
    std::filesystem::path current = folder.path() / "kiosk.toml";
    std::filesystem::path candidate = folder.path() / "stick-kiosk.toml";
    std::filesystem::path key = folder.path() / "kiosk.key";
    std::filesystem::path new_key = folder.path() / "kiosk-2026.key";
    std::string production;
    // The kiosk's command line: the production file alone.
    std::vector<std::string> arguments{"--config", current.string()};

    ConfigBench() {
        write_config_text(folder.path() / "bank-ca.pem", "-----BEGIN CERTIFICATE-----\n",
                          k_readable);
        write_config_text(folder.path() / "kiosk.crt", "-----BEGIN CERTIFICATE-----\n", k_readable);
        write_config_text(key, "-----BEGIN PRIVATE KEY-----\n", k_private);
        write_config_text(new_key, "-----BEGIN PRIVATE KEY-----\n", k_private);
        production =
            config_replaced(config_text(KIOSK_SOURCE_DIR "/assets/config/production.toml"),
                            "/etc/kiosk/bank-ca.pem", (folder.path() / "bank-ca.pem").string());
        production += "\n[tls]\nclient_certificate = \"" + (folder.path() / "kiosk.crt").string() +
                      "\"\nclient_key = \"" + key.string() +
                      "\"\n\n[kiosk]\nlocation = \"Main hall, kiosk 1\"\n";
        write_config_text(current, production, k_readable);
    }
};

// What the administrator saw of the candidate: its review, which the test requires.
std::vector<SettingChange> reviewed_changes(const ConfigBench& bench) {
    auto changes = review_config_update(bench.current, bench.candidate, bench.arguments);
    REQUIRE(changes.has_value());
    return *changes;
}

std::vector<std::string> change_texts_of(const std::vector<SettingChange>& changes) {
    std::vector<std::string> texts;
    for (const auto& change : changes) {
        texts.push_back(to_text(change));
    }
    return texts;
}

}  // namespace

TEST_CASE("A review lists a changed location and panel size with their old and new values") {
    ConfigBench bench;
    std::string candidate =
        config_replaced(bench.production, "panel_width_mm = 476", "panel_width_mm = 527");
    candidate = config_replaced(candidate, "panel_height_mm = 268", "panel_height_mm = 296");
    candidate = config_replaced(candidate, "Main hall, kiosk 1", "Main hall, kiosk 2");
    write_config_text(bench.candidate, candidate, k_readable);

    const auto changes = review_config_update(bench.current, bench.candidate, bench.arguments);
    REQUIRE(changes.has_value());
    CHECK(change_texts_of(*changes) ==
          std::vector<std::string>{
              "display.panel_height_mm: 268 -> 296",
              "display.panel_width_mm: 476 -> 527",
              "kiosk.location: 'Main hall, kiosk 1' -> 'Main hall, kiosk 2'",
          });
    // The same file twice changes nothing.
    const auto none = review_config_update(bench.current, bench.current, bench.arguments);
    REQUIRE(none.has_value());
    CHECK(none->empty());
}

TEST_CASE("A review shows a changed client key only as changed, never its path") {
    ConfigBench bench;
    write_config_text(bench.candidate,
                      config_replaced(bench.production, bench.key.string(), bench.new_key.string()),
                      k_readable);
    const auto changes = review_config_update(bench.current, bench.candidate, bench.arguments);
    REQUIRE(changes.has_value());
    REQUIRE(changes->size() == 1);
    const SettingChange& change = changes->front();
    CHECK(change.setting == "tls.client_key");
    CHECK(change.concealed);
    CHECK(change.old_value.empty());
    CHECK(change.new_value.empty());
    CHECK(to_text(change) == "tls.client_key: changed");
    // The PIN pad's key file likewise; its mode and check value are no secret.
    CHECK(kiosk::app::is_concealed_setting("pin_pad.authentication_key_file"));
    CHECK_FALSE(kiosk::app::is_concealed_setting("pin_pad.pin_key"));
    CHECK_FALSE(kiosk::app::is_concealed_setting("kiosk.location"));
}

TEST_CASE("A candidate the kiosk would not start with is refused and the current file kept") {
    ConfigBench bench;
    write_config_text(bench.candidate,
                      config_replaced(bench.production, "width = 1920", "width = 10"), k_readable);
    const auto review = review_config_update(bench.current, bench.candidate, bench.arguments);
    REQUIRE_FALSE(review.has_value());
    CHECK(review.error().code == ConfigUpdateError::candidate_invalid);
    // load_config's own message, which says what to fix.
    CHECK_THAT(review.error().context, Catch::Contains("display.width must be between"));

    const auto applied = apply_config_update(bench.current, bench.candidate, {}, bench.arguments);
    REQUIRE_FALSE(applied.has_value());
    CHECK(applied.error().code == ConfigUpdateError::candidate_invalid);
    CHECK(config_text(bench.current) == bench.production);
    CHECK_FALSE(std::filesystem::exists(bench.current.string() + ".previous"));
    CHECK_FALSE(std::filesystem::exists(bench.current.string() + ".candidate"));

    // Not TOML at all, and no file.
    write_config_text(bench.candidate, "[display\nwidth = ", k_readable);
    CHECK(apply_config_update(bench.current, bench.candidate, {}, bench.arguments).error().code ==
          ConfigUpdateError::candidate_invalid);
    CHECK(apply_config_update(bench.current, bench.folder.path() / "none.toml", {}, bench.arguments)
              .error()
              .code == ConfigUpdateError::candidate_unreadable);
    CHECK(config_text(bench.current) == bench.production);
}

TEST_CASE("Applying installs the candidate, keeps the replaced file and asks for a restart") {
    ConfigBench bench;
    const std::string candidate =
        config_replaced(bench.production, "Main hall, kiosk 1", "Main hall, kiosk 2");
    write_config_text(bench.candidate, candidate, k_readable);
    const auto applied = apply_config_update(bench.current, bench.candidate,
                                             reviewed_changes(bench), bench.arguments);
    REQUIRE(applied.has_value());
    CHECK(applied->exit_status == k_restart_exit_status);
    CHECK(k_restart_exit_status == 75);
    CHECK(applied->previous_file == bench.current.string() + ".previous");
    CHECK(config_text(bench.current) == candidate);
    CHECK(config_text(applied->previous_file) == bench.production);
    // The current file's permissions, not write_private_file's 0600.
    CHECK(std::filesystem::status(bench.current).permissions() == k_readable);
    CHECK_FALSE(std::filesystem::exists(bench.current.string() + ".candidate"));
    CHECK_FALSE(std::filesystem::exists(bench.current.string() + ".new"));
}

TEST_CASE("Restoring puts the previous configuration back") {
    ConfigBench bench;
    CHECK(restore_previous_config(bench.current).error().code == ConfigUpdateError::no_previous);
    write_config_text(bench.candidate,
                      config_replaced(bench.production, "Main hall, kiosk 1", "Main hall, kiosk 2"),
                      k_readable);
    REQUIRE(apply_config_update(bench.current, bench.candidate, reviewed_changes(bench),
                                bench.arguments)
                .has_value());
    REQUIRE(restore_previous_config(bench.current).has_value());
    CHECK(config_text(bench.current) == bench.production);
    CHECK(std::filesystem::status(bench.current).permissions() == k_readable);
    // Run again after a crash, it does the same.
    REQUIRE(restore_previous_config(bench.current).has_value());
    CHECK(config_text(bench.current) == bench.production);
}

TEST_CASE("A candidate changed after its review is not installed") {
    ConfigBench bench;
    write_config_text(bench.candidate,
                      config_replaced(bench.production, "Main hall, kiosk 1", "Main hall, kiosk 2"),
                      k_readable);
    const std::vector<SettingChange> reviewed = reviewed_changes(bench);
    // Someone edits the stick's file between the review and Enter: it still loads.
    write_config_text(bench.candidate,
                      config_replaced(bench.production, "Main hall, kiosk 1", "Back office"),
                      k_readable);
    const auto applied =
        apply_config_update(bench.current, bench.candidate, reviewed, bench.arguments);
    REQUIRE_FALSE(applied.has_value());
    CHECK(applied.error().code == ConfigUpdateError::candidate_changed);
    CHECK(config_text(bench.current) == bench.production);
    CHECK_FALSE(std::filesystem::exists(bench.current.string() + ".previous"));
    CHECK_FALSE(std::filesystem::exists(untried_file_of(bench.current)));
}

TEST_CASE(
    "An installed file stays untried until a kiosk starts with it; a failed start puts "
    "the previous one back") {
    ConfigBench bench;
    // Nothing installed: nothing to put back.
    REQUIRE(restore_untried_config(bench.current).has_value());
    CHECK_FALSE(*restore_untried_config(bench.current));

    const std::string candidate =
        config_replaced(bench.production, "Main hall, kiosk 1", "Main hall, kiosk 2");
    write_config_text(bench.candidate, candidate, k_readable);
    REQUIRE(apply_config_update(bench.current, bench.candidate, reviewed_changes(bench),
                                bench.arguments)
                .has_value());
    CHECK(std::filesystem::exists(untried_file_of(bench.current)));

    // The kiosk does not start with it: the previous file is back and the mark gone.
    const auto restored = restore_untried_config(bench.current);
    REQUIRE(restored.has_value());
    CHECK(*restored);
    CHECK(config_text(bench.current) == bench.production);
    CHECK_FALSE(std::filesystem::exists(untried_file_of(bench.current)));
    CHECK_FALSE(*restore_untried_config(bench.current));

    // Installed again, and this time a kiosk starts: the new file is kept from then on.
    REQUIRE(apply_config_update(bench.current, bench.candidate, reviewed_changes(bench),
                                bench.arguments)
                .has_value());
    CHECK(kiosk::app::confirm_config(bench.current));
    CHECK_FALSE(kiosk::app::confirm_config(bench.current));
    CHECK_FALSE(*restore_untried_config(bench.current));
    CHECK(config_text(bench.current) == candidate);
}

TEST_CASE("The settings in use are listed by name, key files without their paths") {
    ConfigBench bench;
    const auto settings = settings_in_use(bench.current);
    REQUIRE(settings.has_value());
    const auto named = [&](const std::string& name) {
        const auto found = std::ranges::find(*settings, name, &kiosk::core::ConfigSetting::setting);
        REQUIRE(found != settings->end());
        return *found;
    };
    CHECK(named("kiosk.location").value == "'Main hall, kiosk 1'");
    CHECK(to_text(named("display.panel_width_mm")) == "display.panel_width_mm = 476");
    const auto key = named("tls.client_key");
    CHECK(key.concealed);
    CHECK(key.value.empty());
    CHECK(to_text(key) == "tls.client_key = set");
    CHECK(std::ranges::is_sorted(*settings, {}, &kiosk::core::ConfigSetting::setting));
    for (const auto& setting : *settings) {
        CHECK(setting.value.find(bench.key.string()) == std::string::npos);
    }
    CHECK(settings_in_use(bench.folder.path() / "none.toml").error().code ==
          ConfigUpdateError::current_unreadable);
}

TEST_CASE("The kiosk's systemd unit starts it again on the controlled restart's exit status") {
    const std::string unit = config_text(KIOSK_SOURCE_DIR "/assets/systemd/kiosk.service");
    CHECK_THAT(unit, Catch::Contains("\nRestartForceExitStatus=" +
                                     std::to_string(k_restart_exit_status) + "\n"));
    CHECK_THAT(unit,
               Catch::Contains("\nExecStart=/usr/bin/kiosk --config /etc/kiosk/kiosk.toml\n"));
}
