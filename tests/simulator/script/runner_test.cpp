#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
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
    std::expected<void, base::Error<ActionError>> take_cash() override {
        actions.push_back("take cash");
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
    std::expected<void, base::Error<ActionError>> set_fault(const Fault& fault) override {
        actions.push_back("fault " + fault.service + " " + fault.mode +
                          (fault.call.empty() ? std::string() : " for " + fault.call));
        return {};
    }
    std::map<Device, bool> plugged_in{
        {Device::card_reader, true}, {Device::pin_pad, true}, {Device::printer, true}};
    std::expected<void, base::Error<ActionError>> plug_device(Device device, bool plug) override {
        if (plugged_in[device] == plug) {
            return std::unexpected(base::error(
                plug ? ActionError::device_already_plugged : ActionError::device_already_unplugged,
                std::string(to_string(device))));
        }
        plugged_in[device] = plug;
        actions.push_back(std::string(plug ? "plug " : "unplug ") + std::string(to_string(device)));
        return {};
    }
    std::expected<void, base::Error<ActionError>> set_speech_failing(bool failing) override {
        if (!running) {
            return std::unexpected(base::error(ActionError::kiosk_not_running));
        }
        actions.push_back(failing ? "speech fails" : "speech works");
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
    std::expected<void, base::Error<ActionError>> set_printer_paper(Paper paper) override {
        actions.push_back("paper " + std::string(to_string(paper)));
        return {};
    }
    std::expected<void, base::Error<ActionError>> set_printer_cover(bool open) override {
        actions.push_back(open ? "cover open" : "cover closed");
        return {};
    }
    std::vector<std::string> slips;
    std::vector<std::string> printed_slips() override { return slips; }
    // How often the staff steps find no call before one is open; -1: never.
    int staff_calls_missing = 0;
    bool no_staff_call_yet() {
        if (staff_calls_missing > 0) {
            --staff_calls_missing;
            return true;
        }
        return staff_calls_missing < 0;
    }
    std::expected<void, base::Error<ActionError>> acknowledge_staff_call(
        const std::string& name, std::optional<std::chrono::seconds> eta) override {
        if (no_staff_call_yet()) {
            return std::unexpected(base::error(ActionError::no_open_staff_call));
        }
        actions.push_back("acknowledge " + name +
                          (eta ? " eta " + std::to_string(eta->count()) : std::string()));
        return {};
    }
    std::expected<void, base::Error<ActionError>> close_staff_call() override {
        if (no_staff_call_yet()) {
            return std::unexpected(base::error(ActionError::no_open_staff_call));
        }
        actions.push_back("close");
        return {};
    }
    std::expected<void, base::Error<ActionError>> arm_kill_after_journal(
        const std::string& event) override {
        actions.push_back("arm " + event);
        return {};
    }
    // The counts delivered() answers in turn, the last one from then on.
    std::map<Delivery, std::vector<std::size_t>> deliveries;
    std::expected<std::size_t, base::Error<ActionError>> delivered(Delivery what) override {
        auto& counts = deliveries[what];
        if (counts.empty()) {
            return std::unexpected(base::error(ActionError::queue_service_unreadable));
        }
        const std::size_t count = counts.front();
        if (counts.size() > 1) {
            counts.erase(counts.begin());
        }
        return count;
    }
    // What restart_kiosk() does to the transcript: the old kiosk's last lines, written just
    // before it stopped, and the new kiosk's first ones, in a new file.
    std::filesystem::path transcript_path;
    std::string last_lines;
    std::string new_lines;
    std::expected<void, base::Error<ActionError>> restart_kiosk(
        const RestartKiosk& how, const std::function<void()>& while_stopped) override {
        std::ofstream(transcript_path, std::ios::app) << last_lines;
        actions.push_back(how.end == KioskEnd::stopped  ? "stop"
                          : how.end == KioskEnd::killed ? "kill"
                                                        : "killed itself");
        while_stopped();
        // As the branch does: the old transcript is set aside, the new kiosk writes anew.
        std::filesystem::remove(transcript_path);
        std::ofstream(transcript_path) << new_lines;
        actions.push_back("start");
        return {};
    }
    // What run_ledger() answers; nothing: the bank cannot be read.
    std::optional<RunLedger> ledger = RunLedger{};
    std::expected<RunLedger, base::Error<ActionError>> run_ledger() override {
        if (!ledger) {
            return std::unexpected(base::error(ActionError::ledger_unreadable, "no such table"));
        }
        return *ledger;
    }
    bool service_switch_on = false;
    std::expected<void, base::Error<ActionError>> set_service_switch(bool on) override {
        if (service_switch_on == on) {
            return std::unexpected(base::error(ActionError::switch_already_there));
        }
        service_switch_on = on;
        actions.push_back(on ? "switch on" : "switch off");
        return {};
    }
    bool door_open = false;
    std::expected<void, base::Error<ActionError>> set_cabinet_door(bool open) override {
        if (door_open == open) {
            return std::unexpected(base::error(ActionError::door_already_there));
        }
        door_open = open;
        actions.push_back(open ? "door open" : "door closed");
        return {};
    }
    // The one demo engineer this fake knows, and their password.
    std::string engineer_id = "1001";
    std::string password = "48203716";
    std::expected<void, base::Error<ActionError>> type_engineer_secret(
        EngineerSecret secret, const std::string& id) override {
        if (id != engineer_id) {
            return std::unexpected(base::error(ActionError::unknown_engineer, id));
        }
        actions.push_back("type " + std::string(to_string(secret)) + " of " + id);
        return {};
    }
    std::expected<void, base::Error<ActionError>> scan_set_up_slip(const std::string& id) override {
        actions.push_back("scan set-up slip for " + id);
        return {};
    }
    std::expected<void, base::Error<ActionError>> type_key_component(int component,
                                                                     bool typo) override {
        actions.push_back("type component " + std::to_string(component) + (typo ? " typo" : ""));
        return {};
    }
    std::expected<void, base::Error<ActionError>> put_configuration_on_stick(
        const std::string& setting, const std::string& value) override {
        actions.push_back("put configuration " + setting + " = " + value);
        return {};
    }
    std::expected<base::SecretText, base::Error<ActionError>> engineer_password(
        const std::string& id) override {
        if (id != engineer_id) {
            return std::unexpected(base::error(ActionError::unknown_engineer, id));
        }
        return base::SecretText(password);
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

TEST_CASE("The start-up wait ends at the first screen and leaves it for the steps") {
    TranscriptFile file(R"({"t_ms":1,"kind":"journal","event":"kiosk started","detail":""}
{"t_ms":900,"kind":"screen","id":"welcome","elements":[]}
)");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    REQUIRE(wait_for_start_up(transcript, hardware, std::chrono::milliseconds(100)));
    CHECK(run_steps(parse("expect screen welcome within 100ms\n"), hardware, transcript, {})
              .passed());

    TranscriptFile empty("");
    TranscriptFollower nothing(empty.path);
    const auto never = wait_for_start_up(nothing, hardware, std::chrono::milliseconds(100));
    REQUIRE_FALSE(never.has_value());
    CHECK(never.error().find("not seen within 100 ms") != std::string::npos);
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
    RecordingHardware hardware;
    check_at_end(parse(R"(expect screens welcome balance
forbid speech private on speaker
forbid text "6228480402564890018"
forbid text "4321"
)"),
                 transcript.records(), hardware, {}, outcome);
    // Repeated screens collapse, so the order check passes; the other two fail.
    REQUIRE(outcome.failures.size() == 2);
    CHECK(outcome.failures[0].find("private speech") != std::string::npos);
    CHECK(outcome.failures[1].find("6228480402564890018") != std::string::npos);
}

TEST_CASE("A forbidden number is found as a number of its own, not inside a longer one") {
    TranscriptFile file(
        R"({"t_ms":1,"kind":"metric","name":"startup_to_first_frame","detail":"12343 ms"}
{"t_ms":2,"kind":"journal","event":"typed","detail":"pin=1234."}
)");
    TranscriptFollower transcript(file.path);
    transcript.poll();
    RecordingHardware hardware;
    Outcome only_inside;
    check_at_end(parse("forbid text \"2343\"\nforbid text \"1234\"\n"), {transcript.records()[0]},
                 hardware, {}, only_inside);
    CHECK(only_inside.passed());
    Outcome on_its_own;
    check_at_end(parse("forbid text \"1234\"\n"), transcript.records(), hardware, {}, on_its_own);
    CHECK(on_its_own.failures.size() == 1);
    // Text that is not a number is found anywhere.
    Outcome word;
    check_at_end(parse("forbid text \"ms\"\n"), transcript.records(), hardware, {}, word);
    CHECK(word.failures.size() == 1);
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

namespace {

// One customer's PIN entry as the kiosk records it: the PIN screen, then `during` (what the
// kiosk wrote while the PIN was typed), then the verifying screen. `field` is the PIN field's
// text as written.
std::string pin_entry_lines(long at_ms, const std::string& field, const std::string& during) {
    return fmt::format(
        R"({{"t_ms":{},"kind":"screen","id":"pin_entry","elements":[{{"role":"title","text":"Please enter your PIN"}},{{"role":"input","text":"{}"{}}}]}}
{{"t_ms":{},"kind":"timer","id":"inactivity","action":"start","ms":30000}}
{{"t_ms":{},"kind":"journal","event":"pin_entry_started"}}
{{"t_ms":{},"kind":"speech","channel":"speaker","voice":"en-us","text":"Please enter your PIN","interrupted":true,"played_ms":20,"started_ms":{}}}
{}{{"t_ms":{},"kind":"device","device":"pin pad","event":"pin entry done"}}
{{"t_ms":{},"kind":"timer","id":"inactivity","action":"cancel"}}
{{"t_ms":{},"kind":"screen","id":"verifying","elements":[]}}
)",
        at_ms, field, field == "[private]" ? R"(,"private":true)" : "", at_ms + 1, at_ms + 1,
        at_ms + 30, at_ms + 2, during, at_ms + 900, at_ms + 901, at_ms + 902);
}

// What the kiosk used to write for each digit: the field with one more dot, and a tone.
std::string dot_lines(long at_ms, int digits) {
    std::string lines;
    std::string dots;
    for (int digit = 1; digit <= digits; ++digit) {
        dots += digit == 1 ? "●" : " ●";
        lines += fmt::format(
            R"({{"t_ms":{},"kind":"screen","id":"pin_entry","elements":[{{"role":"input","text":"{}"}}]}}
{{"t_ms":{},"kind":"tone","tone":"digit"}}
)",
            at_ms + 100 * digit, dots, at_ms + 100 * digit);
    }
    return lines;
}

Outcome check_pin_length(const std::string& transcript_text) {
    TranscriptFile file(transcript_text);
    TranscriptFollower transcript(file.path);
    transcript.poll();
    Outcome outcome;
    RecordingHardware hardware;
    check_at_end(parse("forbid pin length\n"), transcript.records(), hardware, {}, outcome);
    return outcome;
}

bool any_failure_holds(const Outcome& outcome, std::string_view text) {
    return std::ranges::any_of(outcome.failures, [&](const std::string& failure) {
        return failure.find(text) != std::string::npos;
    });
}

}  // namespace

TEST_CASE("Two PIN entries recorded alike, the field private, tell no PIN length") {
    const auto outcome = check_pin_length(pin_entry_lines(1000, "[private]", "") +
                                          pin_entry_lines(9000, "[private]", ""));
    CHECK(outcome.passed());
}

TEST_CASE("A PIN field written out, a digit tone per dot and entries of different sizes fail") {
    // Four digits, then six, as the kiosk recorded them before the PIN's length was kept out.
    const auto outcome = check_pin_length(pin_entry_lines(1000, "", dot_lines(1000, 4)) +
                                          pin_entry_lines(9000, "", dot_lines(9000, 6)));
    REQUIRE_FALSE(outcome.passed());
    CHECK(any_failure_holds(outcome, "line 1 (forbid pin length)"));
    CHECK(any_failure_holds(outcome, "10 digit tones were recorded, the first at t_ms 1100"));
    CHECK(any_failure_holds(outcome,
                            "PIN entry 1 (from t_ms 1000): 5 pin_entry screen records "
                            "show the PIN field, the last as \"● ● ● ●\""));
    CHECK(any_failure_holds(outcome, "PIN entry 2 (from t_ms 9000): 7 pin_entry screen records"));
    CHECK(any_failure_holds(outcome, "screen pin_entry: 5 in entry 1, 7 in entry 2"));
    CHECK(any_failure_holds(outcome, "tone digit: 4 in entry 1, 6 in entry 2"));
}

TEST_CASE("Entries differ when any record per key remains, even with the field private") {
    // A time-out started again per digit is enough to count the digits.
    const auto per_digit = [](long at_ms, int digits) {
        std::string lines;
        for (int digit = 1; digit <= digits; ++digit) {
            lines += fmt::format(
                R"({{"t_ms":{},"kind":"timer","id":"inactivity","action":"start","ms":30000}}
)",
                at_ms + 100 * digit);
        }
        return lines;
    };
    const auto outcome = check_pin_length(pin_entry_lines(1000, "[private]", per_digit(1000, 4)) +
                                          pin_entry_lines(9000, "[private]", per_digit(9000, 6)));
    REQUIRE(outcome.failures.size() == 1);
    CHECK(any_failure_holds(outcome, "timer inactivity start: 5 in entry 1, 7 in entry 2"));
}

TEST_CASE("Speech is left out of the comparison of PIN entries") {
    // How far the prompt played before the first digit cut it is timing, not the PIN.
    const std::string more_speech =
        R"({"t_ms":9031,"kind":"speech","channel":"speaker","voice":"en-us","text":"Enter your PIN on the PIN pad, then press Enter.","interrupted":true,"played_ms":0,"started_ms":9031}
)";
    CHECK(check_pin_length(pin_entry_lines(1000, "[private]", "") +
                           pin_entry_lines(9000, "[private]", more_speech))
              .passed());
}

TEST_CASE("A PIN length check needs two PIN entries to compare") {
    const auto outcome = check_pin_length(pin_entry_lines(1000, "[private]", ""));
    REQUIRE(outcome.failures.size() == 1);
    CHECK(any_failure_holds(outcome, "the transcript holds 1 PIN entry"));
}

TEST_CASE("Devices are unplugged and plugged back in, and the speech fault is set, in order") {
    TranscriptFile file("");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    const auto outcome = run_steps(parse(R"(unplug card reader
unplug pin pad
make speech fail
plug card reader
make speech work
plug pin pad
)"),
                                   hardware, transcript, {});
    CHECK(outcome.passed());
    CHECK(hardware.actions == std::vector<std::string>{"unplug card reader", "unplug pin pad",
                                                       "speech fails", "plug card reader",
                                                       "speech works", "plug pin pad"});
}

TEST_CASE("Unplugging a device twice fails the step and names the device") {
    TranscriptFile file("");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    const auto outcome = run_steps(parse("unplug pin pad\nunplug pin pad\ninsert card alice\n"),
                                   hardware, transcript, {});
    REQUIRE(outcome.failures.size() == 1);
    CHECK(outcome.failures.front().find("line 2") != std::string::npos);
    CHECK(outcome.failures.front().find("already unplugged") != std::string::npos);
    CHECK(outcome.failures.front().find("pin pad") != std::string::npos);
    CHECK(hardware.actions == std::vector<std::string>{"unplug pin pad"});
}

TEST_CASE("Making the speech fail needs a running kiosk") {
    TranscriptFile file("");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    hardware.running = false;
    const auto outcome = run_steps(parse("make speech fail\n"), hardware, transcript, {});
    REQUIRE_FALSE(outcome.passed());
    CHECK(outcome.failures.front().find("not running") != std::string::npos);
}

TEST_CASE("A text is expected on a screen whose id does not change, in order") {
    TranscriptFile file(
        R"({"t_ms":1,"kind":"screen","id":"welcome","elements":[{"role":"text","text":"请插入您的银行卡"}]}
{"t_ms":2,"kind":"screen","id":"welcome","elements":[{"role":"notice","text":"这台机器暂时不能插卡办理业务"}]}
{"t_ms":3,"kind":"speech","channel":"speaker","voice":"cmn-latn-pinyin","text":"请使用其他自助设备","played_ms":900,"started_ms":2}
{"t_ms":4,"kind":"screen","id":"welcome","elements":[{"role":"text","text":"请插入您的银行卡"}]}
)");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    const auto outcome = run_steps(parse(R"(expect shown "请插入您的银行卡"
expect shown "暂时不能插卡"
expect speech "其他自助设备" on speaker
expect shown "请插入您的银行卡" within 100ms
)"),
                                   hardware, transcript, {});
    CHECK(outcome.passed());

    // Each expectation looks past the last one's screen: the notice is not shown twice.
    TranscriptFollower again(file.path);
    const auto twice = run_steps(
        parse("expect shown \"暂时不能插卡\"\nexpect shown \"暂时不能插卡\" within 100ms\n"),
        hardware, again, {});
    REQUIRE_FALSE(twice.passed());
    CHECK(twice.failures.front().find("line 2") != std::string::npos);
}

TEST_CASE("Speech heard in full must have played to its end") {
    TranscriptFile file(
        R"({"t_ms":1,"kind":"speech","channel":"speaker","voice":"cmn-latn-pinyin","text":"卡片在插卡口","played_ms":400,"interrupted":true,"started_ms":0}
{"t_ms":2,"kind":"speech","channel":"speaker","voice":"cmn-latn-pinyin","text":"卡片在插卡口","played_ms":1500,"started_ms":1}
)");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    // The cut one is heard, the whole one is heard in full.
    CHECK(run_steps(parse("expect speech \"插卡口\" within 100ms\n"
                          "expect speech \"插卡口\" in full within 100ms\n"),
                    hardware, transcript, {})
              .passed());
    TranscriptFile cut(
        R"({"t_ms":1,"kind":"speech","channel":"speaker","voice":"cmn-latn-pinyin","text":"卡片在插卡口","played_ms":400,"interrupted":true,"started_ms":0}
)");
    TranscriptFollower only_cut(cut.path);
    CHECK_FALSE(
        run_steps(parse("expect speech \"插卡口\" in full within 100ms\n"), hardware, only_cut, {})
            .passed());
}

TEST_CASE("The printer's paper and cover are set in order") {
    TranscriptFile file("");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    const auto outcome = run_steps(parse(R"(printer paper low
unplug printer
printer cover open
plug printer
printer cover closed
printer paper out
)"),
                                   hardware, transcript, {});
    CHECK(outcome.passed());
    CHECK(hardware.actions == std::vector<std::string>{"paper low", "unplug printer", "cover open",
                                                       "plug printer", "cover closed",
                                                       "paper out"});
}

TEST_CASE("A printed text is looked for in the slips after the last one matched") {
    TranscriptFile file("");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    hardware.slips = {"A023\n个人存取款\n", "B004\nLost or damaged cards\n"};
    CHECK(run_steps(parse("expect printed \"A023\"\nexpect printed \"Lost or damaged\"\n"),
                    hardware, transcript, {})
              .passed());
    // Each expectation has its own slip: A023 was printed once, and before B004.
    const auto twice =
        run_steps(parse("expect printed \"B004\"\nexpect printed \"A023\" within 100ms\n"),
                  hardware, transcript, {});
    REQUIRE(twice.failures.size() == 1);
    CHECK(twice.failures.front().find("line 2") != std::string::npos);
    CHECK(twice.failures.front().find("not printed within 100 ms") != std::string::npos);
    // What was printed instead: the last slip's first line.
    CHECK(twice.failures.front().find("2 slips printed, the last beginning \"B004\"") !=
          std::string::npos);

    RecordingHardware blank;
    const auto nothing =
        run_steps(parse("expect printed \"A023\" within 100ms\n"), blank, transcript, {});
    REQUIRE_FALSE(nothing.passed());
    CHECK(nothing.failures.front().find("nothing was printed") != std::string::npos);
}

TEST_CASE("A delivery count is waited for, and one over it fails at once") {
    TranscriptFile file("");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    hardware.deliveries[Delivery::survey] = {0, 0, 1, 1};
    hardware.deliveries[Delivery::complaint] = {0};
    CHECK(run_steps(parse("expect delivered survey 1 within 5s\nexpect delivered complaint 0\n"),
                    hardware, transcript, {})
              .passed());

    hardware.deliveries[Delivery::call] = {2};
    const auto twice =
        run_steps(parse("expect delivered call 1 within 60s\n"), hardware, transcript, {});
    REQUIRE(twice.failures.size() == 1);
    CHECK(twice.failures.front().find("holds 2 call, more than 1") != std::string::npos);

    hardware.deliveries[Delivery::complaint] = {0};
    const auto late =
        run_steps(parse("expect delivered complaint 1 within 300ms\n"), hardware, transcript, {});
    REQUIRE(late.failures.size() == 1);
    CHECK(late.failures.front().find("holds 0 complaint after 300 ms, not 1") != std::string::npos);

    RecordingHardware unreadable;
    const auto broken = run_steps(parse("expect delivered survey 1\n"), unreadable, transcript, {});
    REQUIRE_FALSE(broken.passed());
    CHECK(broken.failures.front().find("could not be read") != std::string::npos);
}

TEST_CASE("Staff look for the kiosk's call for a while, then give up") {
    TranscriptFile file("");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    hardware.staff_calls_missing = 2;
    RunOptions options;
    options.staff_call_wait = std::chrono::milliseconds(5'000);
    CHECK(run_steps(parse("staff acknowledge \"Chen\" eta 60s\nstaff close\n"), hardware,
                    transcript, options)
              .passed());
    CHECK(hardware.actions == std::vector<std::string>{"acknowledge Chen eta 60", "close"});

    RecordingHardware never;
    never.staff_calls_missing = -1;
    options.staff_call_wait = std::chrono::milliseconds(300);
    const auto outcome =
        run_steps(parse("staff acknowledge\npress enter\n"), never, transcript, options);
    REQUIRE(outcome.failures.size() == 1);
    CHECK(outcome.failures.front().find("no call for staff open") != std::string::npos);
    CHECK(never.actions.empty());
}

TEST_CASE("A restarted kiosk's transcript follows the old one's, and its clock starts again") {
    TranscriptFile file(R"({"t_ms":100,"kind":"screen","id":"welcome","elements":[]}
{"t_ms":90000,"kind":"screen","id":"menu","elements":[]}
)");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    hardware.transcript_path = file.path;
    hardware.last_lines = R"({"t_ms":90500,"kind":"journal","event":"kiosk stopped"})"
                          "\n";
    hardware.new_lines =
        R"({"t_ms":1200,"kind":"screen","id":"welcome","elements":[]}
{"t_ms":5000,"kind":"speech","channel":"speaker","voice":"v","text":"欢迎光临","played_ms":900,"started_ms":1250}
)";
    const auto outcome = run_steps(parse(R"(expect screen menu
restart kiosk
expect screen welcome within 100ms
expect speech "欢迎光临" within 100ms
)"),
                                   hardware, transcript, {});
    CHECK(outcome.passed());
    CHECK(hardware.actions == std::vector<std::string>{"stop", "start"});
    // Nothing of either kiosk is lost: the old one's last line is read before the new file.
    std::vector<std::string> kinds;
    for (const auto& record : transcript.records()) {
        kinds.push_back(record["kind"]);
    }
    CHECK(kinds == std::vector<std::string>{"screen", "screen", "journal", "screen", "speech"});
}

TEST_CASE("A restarted kiosk that shows no screen fails the restart") {
    TranscriptFile file(R"({"t_ms":100,"kind":"screen","id":"welcome","elements":[]}
)");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    hardware.transcript_path = file.path;
    RunOptions options;
    options.start_up_limit = std::chrono::milliseconds(200);
    const auto outcome = run_steps(parse("restart kiosk\n"), hardware, transcript, options);
    REQUIRE(outcome.failures.size() == 1);
    CHECK(outcome.failures.front().find("started again but showed no screen") != std::string::npos);
}

TEST_CASE("A killed kiosk's half-written last line is left out, and the new kiosk read on") {
    TranscriptFile file(R"({"t_ms":100,"kind":"screen","id":"welcome","elements":[]}
)");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    hardware.transcript_path = file.path;
    // SIGKILL ends the kiosk mid-write.
    hardware.last_lines = R"({"t_ms":400,"kind":"journal","ev)";
    hardware.new_lines = R"({"t_ms":900,"kind":"screen","id":"welcome","elements":[]}
)";
    const auto outcome = run_steps(parse("kill kiosk\nexpect screen welcome within 100ms\n"),
                                   hardware, transcript, {});
    CHECK(outcome.passed());
    CHECK(hardware.actions == std::vector<std::string>{"kill", "start"});
    CHECK(transcript.records().size() == 2);
    CHECK(transcript.malformed_lines() == 0);
}

TEST_CASE("Faults reach the hardware as written, aimed at one call when the step says so") {
    TranscriptFile file("");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    CHECK(run_steps(parse(R"(fault account drop-after-commit for withdrawal_confirm
fault dispenser jam
fault account none
fault dispenser none
)"),
                    hardware, transcript, {})
              .passed());
    CHECK(hardware.actions ==
          std::vector<std::string>{"fault account drop-after-commit for withdrawal_confirm",
                                   "fault dispenser jam", "fault account none",
                                   "fault dispenser none"});
}

namespace {

Outcome check_ledger(std::string_view step, std::optional<RunLedger> ledger,
                     std::vector<std::string>* told = nullptr) {
    TranscriptFile file("");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    hardware.ledger = ledger;
    RunOptions options;
    if (told != nullptr) {
        options.narrate = [told](const std::string& line) { told->push_back(line); };
    }
    Outcome outcome;
    check_at_end(parse(step), transcript.records(), hardware, options, outcome);
    return outcome;
}

}  // namespace

TEST_CASE("The ledger balances when the bank debited what customers took, and says both") {
    std::vector<std::string> told;
    CHECK(check_ledger("expect ledger balanced\n",
                       RunLedger{.debited = 20'000, .held = 0, .taken = 20'000}, &told)
              .passed());
    REQUIRE(told.size() == 1);
    CHECK(told[0] ==
          "ledger balanced: the bank debited 200.00 yuan for this run's withdrawals (net of "
          "reversals) and still holds 0.00 yuan for withdrawals only authorised; customers took "
          "200.00 yuan from the dispenser");
    // A withdrawal held for an engineer after a jam is not debited: it balances...
    CHECK(
        check_ledger("expect ledger balanced\n", RunLedger{.debited = 0, .held = 50'000}).passed());
    // ...unless nothing may be held.
    const auto held = check_ledger("expect ledger balanced nothing held\n",
                                   RunLedger{.debited = 0, .held = 50'000});
    REQUIRE(held.failures.size() == 1);
    CHECK(any_failure_holds(held, "line 1 (expect ledger balanced nothing held)"));
    CHECK(any_failure_holds(held, "a withdrawal is still held"));
    CHECK(any_failure_holds(held, "still holds 500.00 yuan"));
}

TEST_CASE("A ledger that does not balance, or cannot be read, fails the end check") {
    const auto debited = check_ledger("expect ledger balanced\n",
                                      RunLedger{.debited = 10'000, .held = 0, .taken = 0});
    REQUIRE(debited.failures.size() == 1);
    CHECK(any_failure_holds(debited, "does not balance: the bank debited 100.00 yuan"));
    CHECK(any_failure_holds(debited, "customers took 0.00 yuan"));
    const auto unreadable = check_ledger("expect ledger balanced\n", std::nullopt);
    REQUIRE(unreadable.failures.size() == 1);
    CHECK(any_failure_holds(unreadable, "could not be read: no such table"));
}

TEST_CASE("An engineer's visit turns the switch, opens the door and types the secrets in order") {
    TranscriptFile file("");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    const auto outcome = run_steps(parse(R"(turn service switch on
open cabinet door
type password for 1001
press enter
type one-time code for 1001
press enter
close cabinet door
turn service switch off
)"),
                                   hardware, transcript, {});
    CHECK(outcome.passed());
    CHECK(hardware.actions == std::vector<std::string>{"switch on", "door open",
                                                       "type password of 1001", "press enter",
                                                       "type one-time code of 1001", "press enter",
                                                       "door closed", "switch off"});
}

TEST_CASE("A switch turned where it is, or an engineer the branch does not have, fails the step") {
    TranscriptFile file("");
    TranscriptFollower transcript(file.path);
    RecordingHardware hardware;
    const auto twice = run_steps(parse("turn service switch off\n"), hardware, transcript, {});
    REQUIRE(twice.failures.size() == 1);
    CHECK(twice.failures[0].find("already in that position") != std::string::npos);
    const auto stranger =
        run_steps(parse("type one-time code for 4242\npress enter\n"), hardware, transcript, {});
    REQUIRE(stranger.failures.size() == 1);
    CHECK(stranger.failures[0].find("line 1") != std::string::npos);
    CHECK(stranger.failures[0].find("no demo engineer") != std::string::npos);
    CHECK(hardware.actions.empty());
}

TEST_CASE("A demo engineer's password found in the transcript or the log fails, unrepeated") {
    TranscriptFile file(
        R"({"t_ms":1,"kind":"screen","id":"service_sign_in","elements":[{"text":"1001"}]}
{"t_ms":2,"kind":"journal","event":"sign_in_refused","detail":"1001: password 48203716"}
)");
    TranscriptFollower transcript(file.path);
    transcript.poll();
    RecordingHardware hardware;
    Outcome leaked;
    check_at_end(parse("forbid password for 1001\n"), transcript.records(), hardware, {}, leaked);
    REQUIRE(leaked.failures.size() == 1);
    CHECK(leaked.failures[0].find("the transcript contains it") != std::string::npos);
    CHECK(leaked.failures[0].find("48203716") == std::string::npos);

    Outcome clean;
    check_at_end(parse("forbid password for 1001\n"), {transcript.records()[0]}, hardware, {},
                 clean);
    CHECK(clean.passed());

    TranscriptFile log("kiosk: signed in with 48203716\n");
    RunOptions options;
    options.logs = {log.path};
    Outcome in_log;
    check_at_end(parse("forbid password for 1001\n"), {transcript.records()[0]}, hardware, options,
                 in_log);
    REQUIRE(in_log.failures.size() == 1);
    CHECK(in_log.failures[0].find("contains it") != std::string::npos);

    Outcome unknown;
    check_at_end(parse("forbid password for 1002\n"), {}, hardware, {}, unknown);
    REQUIRE(unknown.failures.size() == 1);
    CHECK(unknown.failures[0].find("no demo engineer") != std::string::npos);
}
