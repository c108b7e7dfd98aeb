#include <catch2/catch.hpp>

#include <fstream>

#include "kiosk/speech/voices.h"
#include "speech_test_support.h"

using namespace speech_test;
using kiosk::speech::Options;
using kiosk::speech::Speaker;
using kiosk::speech::SpeechError;

namespace {

// Debian installs eSpeak NG's data here (package espeak-ng-data).
const std::filesystem::path k_installed_data = "/usr/lib/x86_64-linux-gnu/espeak-ng-data";

// A copy of the installed data made of symbolic links, leaving out one voice file.
void link_data_without(const std::filesystem::path& from, const std::filesystem::path& to,
                       const std::filesystem::path& left_out) {
    std::filesystem::create_directories(to);
    for (const auto& entry : std::filesystem::directory_iterator(from)) {
        const auto target = to / entry.path().filename();
        if (entry.path() == left_out) {
            continue;
        }
        const auto relative = std::filesystem::relative(left_out, entry.path());
        const bool contains_left_out = !relative.empty() && *relative.begin() != "..";
        if (entry.is_directory() && contains_left_out) {
            link_data_without(entry.path(), target, left_out);
        } else {
            std::filesystem::create_symlink(entry.path(), target);
        }
    }
}

// Starts a speaker on `data_path` in a fresh process (speech_start_probe) and returns what it
// printed: "ok" or the error.
std::string probe_start(const std::filesystem::path& data_path) {
    return run_command("SDL_AUDIODRIVER=dummy '" SPEECH_START_PROBE "' '" + data_path.string() +
                       "' 2>/dev/null");
}

}  // namespace

TEST_CASE("A speaker starts with eSpeak NG and reports how long that took") {
    auto speaker = Speaker::create(Options{});
    REQUIRE(speaker.has_value());
    const auto statistics = (*speaker)->statistics();
    CHECK(statistics.initialise_duration > std::chrono::microseconds{0});
    CHECK(statistics.initialise_duration < std::chrono::seconds{2});
    CHECK((*speaker)->volume() == kiosk::speech::k_default_volume_step);
}

TEST_CASE("A second speaker in the same process is refused: eSpeak NG's state is global") {
    auto first = Speaker::create(Options{});
    REQUIRE(first.has_value());
    auto second = Speaker::create(Options{});
    REQUIRE_FALSE(second.has_value());
    CHECK(second.error().code == SpeechError::already_running);
    first->reset();
    auto third = Speaker::create(Options{});
    CHECK(third.has_value());
}

TEST_CASE("An eSpeak NG data folder that does not exist is a clear error at creation") {
    // eSpeak itself would quietly fall back to its installed data.
    const ScratchFolder folder{"no-data"};
    Options options;
    options.espeak_data_path = (folder.path() / "nothing-here").string();
    auto speaker = Speaker::create(options);
    REQUIRE_FALSE(speaker.has_value());
    CHECK(speaker.error().code == SpeechError::synthesiser_unavailable);
    CHECK(speaker.error().context.find("nothing-here") != std::string::npos);
}

TEST_CASE("An eSpeak NG data folder without data is a clear error at creation") {
    const ScratchFolder folder{"empty-data"};
    const std::string outcome = probe_start(folder.path());
    INFO(outcome);
    CHECK(outcome.starts_with("synthesiser_unavailable"));
    CHECK(outcome.find(folder.path().string()) != std::string::npos);
}

TEST_CASE("A missing voice is a clear error at creation, naming the voice") {
    REQUIRE(std::filesystem::exists(k_installed_data / "lang" / "sit" / "yue"));
    const ScratchFolder folder{"no-yue"};
    link_data_without(k_installed_data, folder.path() / "espeak-ng-data",
                      k_installed_data / "lang" / "sit" / "yue");
    const std::string outcome = probe_start(folder.path());
    INFO(outcome);
    CHECK(outcome.starts_with("voice_missing"));
    CHECK(outcome.find("yue") != std::string::npos);
}

TEST_CASE("The linked copy of the eSpeak NG data works when nothing is left out") {
    // The control for the test above: the copy itself is sound.
    const ScratchFolder folder{"full-copy"};
    link_data_without(k_installed_data, folder.path() / "espeak-ng-data",
                      k_installed_data / "no-such-file");
    CHECK(probe_start(folder.path()) == "ok\n");
}

TEST_CASE("Once eSpeak NG runs, a speaker on another data folder is refused") {
    // eSpeak NG 1.51 cannot be restarted in a process; switching data would keep stale voices.
    { REQUIRE(Speaker::create(Options{}).has_value()); }
    const ScratchFolder folder{"other-data"};
    link_data_without(k_installed_data, folder.path() / "espeak-ng-data",
                      k_installed_data / "no-such-file");
    Options options;
    options.espeak_data_path = folder.path().string();
    auto speaker = Speaker::create(options);
    REQUIRE_FALSE(speaker.has_value());
    CHECK(speaker.error().code == SpeechError::synthesiser_unavailable);
    CHECK(speaker.error().context.find("new process") != std::string::npos);
    // The engine is still there for the folder it runs on.
    CHECK(Speaker::create(Options{}).has_value());
}

TEST_CASE("A record folder that cannot be created is an error at creation") {
    const ScratchFolder folder{"bad-record"};
    const auto file = folder.path() / "a-file";
    std::ofstream{file} << "not a folder";
    Options options;
    options.record_directory = file / "recordings";
    auto speaker = Speaker::create(options);
    REQUIRE_FALSE(speaker.has_value());
    CHECK(speaker.error().code == SpeechError::record_directory_unusable);
}

TEST_CASE("A volume step out of range in the options is an error at creation") {
    Options options;
    options.volume_step = kiosk::speech::k_maximum_volume_step + 1;
    auto speaker = Speaker::create(options);
    REQUIRE_FALSE(speaker.has_value());
    CHECK(speaker.error().code == SpeechError::invalid_volume_step);
}

TEST_CASE("An output device that does not exist is an audio_unavailable error at creation") {
    Options options;
    options.headphones_device = "no such headphone jack";
    auto speaker = Speaker::create(options);
    REQUIRE_FALSE(speaker.has_value());
    CHECK(speaker.error().code == SpeechError::audio_unavailable);
    CHECK(speaker.error().context.find("no such headphone jack") != std::string::npos);
}
