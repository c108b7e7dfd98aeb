#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "kiosk/app/transcript.h"

using namespace kiosk;
using Json = nlohmann::json;

namespace {

std::vector<Json> read_records(const std::filesystem::path& path) {
    std::vector<Json> records;
    std::ifstream file(path);
    for (std::string line; std::getline(file, line);) {
        records.push_back(Json::parse(line));
    }
    return records;
}

core::Element element(core::Role role, std::string text, std::optional<base::Key> key,
                      bool is_private) {
    core::Element made;
    made.role = role;
    made.text = std::move(text);
    made.key = key;
    made.is_private = is_private;
    return made;
}

// One file per process: ctest runs test cases in parallel, each in a process of its own.
struct TranscriptFile {
    std::filesystem::path path = std::filesystem::temp_directory_path() /
                                 ("kiosk-transcript-test-" + std::to_string(::getpid()) + ".jsonl");
    ~TranscriptFile() { std::filesystem::remove(path); }
};

}  // namespace

TEST_CASE("A screen record lists its elements in order with roles, keys and privacy") {
    TranscriptFile file;
    {
        auto transcript = app::Transcript::open(file.path, app::Transcript::Clock::now());
        REQUIRE(transcript.has_value());
        core::ScreenModel screen;
        screen.id = "balance";
        screen.locale = "zh-CN";
        screen.theme = "elder";
        screen.elements = {element(core::Role::title, "账户余额", {}, false),
                           element(core::Role::amount, "¥12,345.67", {}, true),
                           element(core::Role::choice, "返回", base::Key::digit_1, false)};
        transcript->screen(screen);
    }
    const auto records = read_records(file.path);
    REQUIRE(records.size() == 1);
    const Json& record = records[0];
    CHECK(record["kind"] == "screen");
    CHECK(record["id"] == "balance");
    CHECK(record["theme"] == "elder");
    CHECK(record.contains("t_ms"));
    REQUIRE(record["elements"].size() == 3);
    CHECK(record["elements"][0]["role"] == "title");
    CHECK(record["elements"][0]["text"] == "账户余额");
    CHECK(record["elements"][2]["key"] == "1");
    // Personal data stays out of files (docs/accessibility.md, Privacy).
    CHECK(record["elements"][1]["private"] == true);
    CHECK(record["elements"][1]["text"] == "[private]");
    CHECK(record.dump().find("12,345") == std::string::npos);
}

TEST_CASE("Private speech is recorded as having happened, without its words") {
    TranscriptFile file;
    const auto start = app::Transcript::Clock::now();
    {
        auto transcript = app::Transcript::open(file.path, start);
        REQUIRE(transcript.has_value());
        transcript->speech({.channel = "headphones",
                            .voice = "cmn-latn-pinyin",
                            .text = "您的余额是一万二千三百四十五元",
                            .phonetic = "您的余额是一万二千三百四十五元",
                            .interrupted = false,
                            .is_private = true,
                            .played_ms = 4000,
                            .started = start});
        transcript->speech({.channel = "speaker",
                            .voice = "en-us",
                            .text = "Welcome",
                            .phonetic = "Welcome",
                            .interrupted = true,
                            .is_private = false,
                            .played_ms = 300,
                            .started = start});
    }
    const auto records = read_records(file.path);
    REQUIRE(records.size() == 2);
    CHECK(records[0]["private"] == true);
    CHECK(records[0]["text"] == "[private]");
    CHECK(records[0]["phonetic"] == "[private]");
    CHECK(records[0]["channel"] == "headphones");
    CHECK(records[0]["played_ms"] == 4000);
    CHECK_FALSE(records[0].contains("interrupted"));
    CHECK(records[1]["text"] == "Welcome");
    CHECK(records[1]["interrupted"] == true);
    CHECK(records[1]["started_ms"] == 0);
}

TEST_CASE("A speech record keeps the catalog's words apart from what eSpeak NG was given") {
    TranscriptFile file;
    const auto start = app::Transcript::Clock::now();
    {
        auto transcript = app::Transcript::open(file.path, start);
        REQUIRE(transcript.has_value());
        transcript->speech({.channel = "speaker",
                            .voice = "cmn-latn-pinyin",
                            .text = "长辈模式已开启",
                            .phonetic = "zhang3 bei4模式已开启",
                            .interrupted = false,
                            .is_private = false,
                            .played_ms = 1800,
                            .started = start});
    }
    const auto records = read_records(file.path);
    REQUIRE(records.size() == 1);
    CHECK(records[0]["text"] == "长辈模式已开启");
    CHECK(records[0]["phonetic"] == "zhang3 bei4模式已开启");
}

TEST_CASE("Every record kind is one valid JSON line, even with broken UTF-8") {
    TranscriptFile file;
    {
        auto transcript = app::Transcript::open(file.path, app::Transcript::Clock::now());
        REQUIRE(transcript.has_value());
        transcript->tone("digit");
        transcript->input("pin pad", "enter");
        transcript->device("card reader", "card inserted");
        transcript->service("account", "balance", "200", 42);
        transcript->timer("inactivity", "start", 30000);
        transcript->journal("card_read_failed", "chip said \xFF\xFE");
        transcript->metric("input_to_frame", 2.5, "ms");
    }
    const auto records = read_records(file.path);
    REQUIRE(records.size() == 7);
    std::vector<std::string> kinds;
    for (const Json& record : records) {
        kinds.push_back(record["kind"]);
    }
    CHECK(kinds == std::vector<std::string>{"tone", "input", "device", "service", "timer",
                                            "journal", "metric"});
    CHECK(records[3]["ms"] == 42);
}

TEST_CASE("A service record says what the client did about the call only when it did more") {
    TranscriptFile file;
    {
        auto transcript = app::Transcript::open(file.path, app::Transcript::Clock::now());
        REQUIRE(transcript.has_value());
        transcript->service("queue", "assistance", "503", 12, "kept");
        transcript->service("account", "balance", "200", 42);
    }
    const auto records = read_records(file.path);
    REQUIRE(records.size() == 2);
    CHECK(records[0]["service"] == "queue");
    CHECK(records[0]["call"] == "assistance");
    CHECK(records[0]["status"] == "503");
    CHECK(records[0]["detail"] == "kept");
    // The shape of an account call's record is as it always was.
    CHECK_FALSE(records[1].contains("detail"));
}

TEST_CASE("A transcript that cannot be written is an error, not a crash") {
    const auto transcript = app::Transcript::open("/nonexistent-folder/transcript.jsonl",
                                                  app::Transcript::Clock::now());
    REQUIRE_FALSE(transcript.has_value());
    CHECK(transcript.error().code == app::TranscriptError::unwritable);
    // The person starting the kiosk learns which file, and why.
    const std::string message = base::to_string(transcript.error());
    CHECK(message.find("/nonexistent-folder/transcript.jsonl") != std::string::npos);
    CHECK(message.find("No such file or directory") != std::string::npos);
}

namespace {

// The process's umask for the life of a test: ctest runs each test case in its own process.
struct Umask {
    mode_t before;
    explicit Umask(mode_t mask) : before(::umask(mask)) {}
    ~Umask() { ::umask(before); }
};

unsigned mode_of(const std::filesystem::path& path) {
    struct stat status {};
    REQUIRE(::stat(path.c_str(), &status) == 0);
    return status.st_mode & 07777U;
}

}  // namespace

TEST_CASE("The transcript file is readable by its owner only, whatever the umask") {
    const Umask usual(022);
    TranscriptFile file;
    {
        auto transcript = app::Transcript::open(file.path, app::Transcript::Clock::now());
        REQUIRE(transcript.has_value());
        // Checked before the first record: no moment when others may open it and read on.
        CHECK(mode_of(file.path) == 0600U);
        transcript->journal("kiosk_started", "");
    }
    CHECK(mode_of(file.path) == 0600U);
}

TEST_CASE("An existing transcript file is truncated and made readable by its owner only") {
    const Umask usual(022);
    TranscriptFile file;
    std::ofstream(file.path) << R"({"t_ms":1,"kind":"journal","event":"from an earlier run"})"
                             << "\n";
    REQUIRE(::chmod(file.path.c_str(), 0644) == 0);
    {
        auto transcript = app::Transcript::open(file.path, app::Transcript::Clock::now());
        REQUIRE(transcript.has_value());
        CHECK(mode_of(file.path) == 0600U);
        transcript->journal("kiosk_started", "");
    }
    const auto records = read_records(file.path);
    REQUIRE(records.size() == 1);
    CHECK(records[0]["event"] == "kiosk_started");
    CHECK(mode_of(file.path) == 0600U);
}

TEST_CASE("The PIN field is written as private, so no screen record tells the PIN's length") {
    TranscriptFile file;
    const auto pin_screen = [](std::string dots) {
        core::ScreenModel screen;
        screen.id = "pin_entry";
        screen.locale = "zh-CN";
        screen.theme = "standard";
        screen.elements = {element(core::Role::title, "请输入密码", {}, false),
                           element(core::Role::input, std::move(dots), {}, false),
                           element(core::Role::notice, "输入密码时，请用手遮挡键盘。", {}, false)};
        return screen;
    };
    {
        auto transcript = app::Transcript::open(file.path, app::Transcript::Clock::now());
        REQUIRE(transcript.has_value());
        transcript->screen(pin_screen(""));
        transcript->screen(pin_screen("● ● ● ●"));
        transcript->screen(pin_screen("● ● ● ● ● ●"));
    }
    const auto records = read_records(file.path);
    REQUIRE(records.size() == 3);
    for (const Json& record : records) {
        REQUIRE(record["elements"].size() == 3);
        CHECK(record["elements"][1]["role"] == "input");
        CHECK(record["elements"][1]["text"] == "[private]");
        CHECK(record["elements"][1].value("private", false));
        CHECK(record.dump().find("●") == std::string::npos);
        // The rest of the screen is written as it is.
        CHECK(record["elements"][0]["text"] == "请输入密码");
        CHECK_FALSE(record["elements"][0].contains("private"));
    }
    // Empty or full, the field's records are alike.
    CHECK(records[0]["elements"] == records[2]["elements"]);
}
