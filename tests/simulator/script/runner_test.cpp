#include <catch2/catch.hpp>

#include <fstream>
#include <map>

#include "simulator/script/runner.h"

using namespace simulator::script;

namespace {

// Fake hardware: records what the scenario did, and answers kiosk_running.
class RecordingHardware : public Hardware {
  public:
    std::vector<std::string> actions;
    bool running = true;

    std::expected<void, base::Error<ActionError>> insert_card(const std::string& name) override {
        if (name == "nonexistent") {
            return std::unexpected(base::error(ActionError::unknown_card, name));
        }
        actions.push_back("insert " + name);
        return {};
    }
    std::expected<void, base::Error<ActionError>> remove_card() override {
        actions.push_back("remove");
        return {};
    }
    std::expected<void, base::Error<ActionError>> press_key(base::Key key) override {
        actions.push_back("press " + std::string(base::to_string(key)));
        return {};
    }
    std::expected<void, base::Error<ActionError>> type_pin(const std::string& digits) override {
        actions.push_back("pin of " + std::to_string(digits.size()));
        return {};
    }
    std::expected<void, base::Error<ActionError>> set_headphones(bool plugged) override {
        actions.push_back(plugged ? "plug" : "unplug");
        return {};
    }
    std::expected<void, base::Error<ActionError>> set_fault(const std::string& service,
                                                            const std::string& mode) override {
        actions.push_back("fault " + service + " " + mode);
        return {};
    }
    bool kiosk_running() override { return running; }
    // What a memory scan finds, already described as the real scan describes it.
    std::vector<std::string> memory_findings;
    std::expected<MemoryVerdict, base::Error<ActionError>> scan_kiosk_memory() override {
        actions.push_back("scan memory");
        if (!running) {
            return std::unexpected(base::error(ActionError::kiosk_not_running));
        }
        return MemoryVerdict{memory_findings, "1 mapping read"};
    }
};

struct TranscriptFile {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() /
        ("runner-test-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".jsonl");
    explicit TranscriptFile(const std::string& contents) {
        std::ofstream(path, std::ios::binary) << contents;
    }
    ~TranscriptFile() { std::filesystem::remove(path); }
};

Scenario parse(std::string_view text) {
    auto scenario = parse_scenario(text);
    REQUIRE(scenario.has_value());
    return *scenario;
}

}  // namespace

TEST_CASE("Steps act on the hardware in order and expectations find their records") {
    TranscriptFile file(
        R"({"t_ms":1,"kind":"screen","id":"welcome","elements":[]}
{"t_ms":2,"kind":"speech","channel":"speaker","voice":"cmn-latn-pinyin","text":"您好，请插入银行卡"}
{"t_ms":3,"kind":"screen","id":"pin_entry","elements":[]}
)");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    const auto outcome = run_steps(parse(R"(expect screen welcome
expect speech "请插入" on speaker
insert card zhang-wei
expect screen pin_entry
type pin 2468
press enter
)"),
                                   hardware, transcript, {});
    CHECK(outcome.passed());
    CHECK(hardware.actions ==
          std::vector<std::string>{"insert zhang-wei", "pin of 4", "press enter"});
}

TEST_CASE("A screen that never comes fails with what the kiosk shows instead") {
    TranscriptFile file(R"({"t_ms":1,"kind":"screen","id":"welcome","elements":[]}
)");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    const auto outcome =
        run_steps(parse("expect screen balance within 100ms\npress 1\n"), hardware, transcript, {});
    REQUIRE_FALSE(outcome.passed());
    CHECK(outcome.failures.front().find("welcome") != std::string::npos);
    // The scenario stops at the failed step.
    CHECK(hardware.actions.empty());
}

TEST_CASE("Speech on the wrong channel does not satisfy an expectation") {
    TranscriptFile file(
        R"({"t_ms":2,"kind":"speech","channel":"speaker","voice":"en-us","text":"Your balance"}
)");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    const auto outcome = run_steps(parse("expect speech \"balance\" on headphones within 100ms"),
                                   hardware, transcript, {});
    CHECK_FALSE(outcome.passed());
}

TEST_CASE("A kiosk that stops ends the wait at once") {
    TranscriptFile file("");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    hardware.running = false;
    const auto outcome =
        run_steps(parse("expect screen welcome within 60s"), hardware, transcript, {});
    REQUIRE_FALSE(outcome.passed());
    CHECK(outcome.failures.front().find("stopped") != std::string::npos);
}

TEST_CASE("A hardware error fails the step with its reason") {
    TranscriptFile file("");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    const auto outcome = run_steps(parse("insert card nonexistent"), hardware, transcript, {});
    REQUIRE_FALSE(outcome.passed());
    CHECK(outcome.failures.front().find("line 1") != std::string::npos);
    CHECK(outcome.failures.front().find("no such card") != std::string::npos);
}

TEST_CASE("End checks catch screens out of order, private speech on the speaker, and leaks") {
    TranscriptFile file(
        R"({"t_ms":1,"kind":"screen","id":"welcome","elements":[]}
{"t_ms":2,"kind":"screen","id":"welcome","elements":[]}
{"t_ms":3,"kind":"screen","id":"balance","elements":[{"role":"amount","text":"[private]","private":true}]}
{"t_ms":4,"kind":"speech","channel":"speaker","voice":"en-us","text":"[private]","private":true}
{"t_ms":5,"kind":"journal","event":"card read","detail":"card 6228480402564890018"}
)");
    TranscriptFollower transcript(file.path);
    transcript.poll();
    Outcome outcome;
    check_at_end(parse(R"(expect screens welcome balance
forbid speech private on speaker
forbid text "6228480402564890018"
forbid text "4321"
)"),
                 transcript.records(), {}, outcome);
    // Repeated screens collapse, so the order check passes; the other two fail.
    REQUIRE(outcome.failures.size() == 2);
    CHECK(outcome.failures[0].find("private speech") != std::string::npos);
    CHECK(outcome.failures[1].find("6228480402564890018") != std::string::npos);
}

TEST_CASE("A transcript line still being written is read once it is complete") {
    TranscriptFile file(R"({"t_ms":1,"kind":"screen","id":"wel)");
    TranscriptFollower transcript(file.path);
    transcript.poll();
    CHECK(transcript.records().empty());
    std::ofstream(file.path, std::ios::app) << "come\",\"elements\":[]}\nnot json\n";
    transcript.poll();
    REQUIRE(transcript.records().size() == 1);
    CHECK(transcript.records()[0]["id"] == "welcome");
    CHECK(transcript.malformed_lines() == 1);
}

TEST_CASE("A transcript written anew from the start is read from its beginning") {
    TranscriptFile file(
        R"({"t_ms":1,"kind":"screen","id":"old-run-screen-with-a-long-name","elements":[]}
)");
    TranscriptFollower transcript(file.path);
    transcript.poll();
    REQUIRE(transcript.records().size() == 1);
    std::ofstream(file.path, std::ios::trunc) << R"({"t_ms":1,"kind":"screen","id":"welcome"})"
                                              << "\n";
    transcript.poll();
    REQUIRE(transcript.records().size() == 2);
    CHECK(transcript.records()[1]["id"] == "welcome");
    CHECK(transcript.malformed_lines() == 0);
}

TEST_CASE("The narration of a scenario never shows the PIN it types") {
    TranscriptFile file("");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    std::vector<std::string> narration;
    RunOptions options;
    options.narrate = [&](const std::string& line) { narration.push_back(line); };
    run_steps(parse("type pin 73519\n"), hardware, transcript, options);
    REQUIRE(narration.size() == 1);
    CHECK(narration[0].find("73519") == std::string::npos);
    CHECK(narration[0].find("5 digits") != std::string::npos);
}

TEST_CASE("Speech expected after a screen must have begun after that screen appeared") {
    // The PIN prompt was cut by the new screen and its record was written after it.
    TranscriptFile file(
        R"({"t_ms":100,"kind":"screen","id":"pin_entry","elements":[]}
{"t_ms":900,"kind":"screen","id":"wrong_pin","elements":[]}
{"t_ms":905,"kind":"speech","channel":"speaker","voice":"v","text":"请输入密码","interrupted":true,"played_ms":700,"started_ms":120}
{"t_ms":906,"kind":"speech","channel":"speaker","voice":"v","text":"还没开始的密码提示","interrupted":true,"played_ms":0,"started_ms":904}
)");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    const auto outcome =
        run_steps(parse("expect screen wrong_pin\nexpect speech \"密码\" within 100ms\n"), hardware,
                  transcript, {});
    CHECK_FALSE(outcome.passed());

    std::ofstream(file.path, std::ios::app)
        << R"({"t_ms":2000,"kind":"speech","channel":"speaker","voice":"v","text":"密码不正确","played_ms":1500,"started_ms":901})"
        << "\n";
    TranscriptFollower again(file.path);
    CHECK(run_steps(parse("expect screen wrong_pin\nexpect speech \"密码\" within 100ms\n"),
                    hardware, again, {})
              .passed());
}

TEST_CASE("A memory check that finds a secret fails and lists every finding") {
    TranscriptFile file("");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    hardware.memory_findings = {
        "card alice: PAN as ASCII in [heap] at offset 0x10",
        "card alice: PIN pad account field as ASCII in [stack] at offset 0x20"};
    const auto outcome =
        run_steps(parse("expect memory clean\npress enter\n"), hardware, transcript, {});
    REQUIRE(outcome.failures.size() == 1);
    CHECK(outcome.failures.front().find("line 1 (expect memory clean)") != std::string::npos);
    CHECK(outcome.failures.front().find("PAN as ASCII in [heap] at offset 0x10") !=
          std::string::npos);
    CHECK(outcome.failures.front().find("account field as ASCII in [stack]") != std::string::npos);
    // The scenario stops at the failed check.
    CHECK(hardware.actions == std::vector<std::string>{"scan memory"});
}

TEST_CASE("A clean memory check passes and says what it read") {
    TranscriptFile file("");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    std::vector<std::string> told;
    RunOptions options;
    options.narrate = [&](const std::string& line) { told.push_back(line); };
    const auto outcome =
        run_steps(parse("expect memory clean\npress enter\n"), hardware, transcript, options);
    CHECK(outcome.passed());
    CHECK(hardware.actions == std::vector<std::string>{"scan memory", "press enter"});
    CHECK(std::find(told.begin(), told.end(), "memory clean: 1 mapping read") != told.end());
}

TEST_CASE("A memory check without a running kiosk fails and says why") {
    TranscriptFile file("");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    hardware.running = false;
    const auto outcome = run_steps(parse("expect memory clean"), hardware, transcript, {});
    REQUIRE_FALSE(outcome.passed());
    CHECK(outcome.failures.front().find("the kiosk is not running") != std::string::npos);
}
