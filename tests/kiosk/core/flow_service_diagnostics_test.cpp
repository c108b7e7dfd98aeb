// The service menu's diagnostics (kiosk/core/README.md, "The service menu"). The devices: an
// engineer reads whether the kiosk uses each device and why not, then one device's identity and
// facts a page at a time, every line shown and said, codes said letter by letter; read again on
// request; only an engineer's role may; a report not asked for changes nothing. The self-tests:
// a test slip and what came of it, the PIN pad's keys each named as pressed, a tone.

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "kiosk/core/screens.h"
#include "kiosk/core/service_menu.h"
#include "tests/kiosk/core/flow_driver.h"

using namespace kiosk::core;
using namespace kiosk::core::testing;

namespace {

using base::Key;

DeviceSnapshot device_of(DeviceKind kind, bool connected) {
    DeviceSnapshot snapshot;
    snapshot.device = kind;
    snapshot.connected = connected;
    return snapshot;
}

DeviceSnapshot reader() {
    DeviceSnapshot snapshot = device_of(DeviceKind::card_reader, true);
    snapshot.model = "Virtual CCID Reader";
    snapshot.firmware = "1.00";
    snapshot.serial = "VCCID-0001";
    snapshot.add(FactName::usb_id, "1209:0001");
    snapshot.add(FactName::ccid_version, "1.10");
    snapshot.add(FactName::exchange_level, "short_apdu");
    snapshot.add(FactName::protocols, "T=0 T=1");
    snapshot.add(FactName::voltages, "5.0V 3.0V 1.8V");
    snapshot.add(FactName::max_ifsd, "254");
    snapshot.add(FactName::card_present, "no");
    return snapshot;  // 10 lines: two pages
}

DeviceSnapshot pad(std::string refusal) {
    DeviceSnapshot snapshot = device_of(DeviceKind::pin_pad, refusal.empty());
    snapshot.refusal = std::move(refusal);
    snapshot.add(FactName::key_slot_master, "tdes kcv 08D7B4");
    snapshot.add(FactName::tampered, "yes");
    return snapshot;
}

DeviceSnapshot printer(std::string paper) {
    DeviceSnapshot snapshot = device_of(DeviceKind::printer, true);
    snapshot.model = "Virtual Receipt Printer";
    snapshot.add(FactName::paper, std::move(paper));
    snapshot.add(FactName::cover, "closed");
    return snapshot;
}

std::vector<DeviceSnapshot> report(std::string paper = "low") {
    return {reader(), pad("pad reports tampering"), printer(std::move(paper)),
            device_of(DeviceKind::dispenser, false), device_of(DeviceKind::cabinet, true)};
}

// Asks for the devices with `key` and answers with `devices`.
void read_devices(FlowDriver& kiosk, Key key, std::vector<DeviceSnapshot> devices) {
    const auto asked = effects_of<ReportDevices>(kiosk.send(KeyPressed{key}));
    REQUIRE(asked.size() == 1);
    kiosk.send(DevicesReported{asked.front().call_id, std::move(devices)});
}

}  // namespace

TEST_CASE("An engineer reads whether the kiosk uses each device, and why not, shown and said") {
    FlowDriver kiosk = signed_in(EngineerRole::engineer);
    CHECK(shows(kiosk, "Devices"));
    kiosk.forget();
    read_devices(kiosk, k_service_devices_key, report());
    CHECK(kiosk.session().screen.id == "service_devices");
    for (const std::string line :
         {"Card reader: working", "PIN pad: refused", "Receipt printer: working",
          "Cash dispenser: not found", "Cabinet sensors: working"}) {
        INFO(line);
        CHECK(shows(kiosk, line));
        CHECK(mentions(kiosk.all(), line));
    }
    const std::vector<std::string> journal = [&] {
        std::vector<std::string> lines;
        for (const Journal& record : effects_of<Journal>(kiosk.all())) {
            lines.push_back(record.event + " " + record.detail);
        }
        return lines;
    }();
    CHECK(std::ranges::count(journal,
                             "devices_read card_reader=working pin_pad=refused printer=working "
                             "dispenser=missing cabinet=working") == 1);
    // Each device is chosen by its number; Cancel goes back to the menu.
    kiosk.send(KeyPressed{Key::digit_3});
    CHECK(kiosk.session().screen.id == "service_device");
    kiosk.send(KeyPressed{k_devices_back_key});
    CHECK(kiosk.session().screen.id == "service_devices");
    kiosk.send(KeyPressed{k_devices_back_key});
    CHECK(kiosk.session().screen.id == "service_menu");
    CHECK(kiosk.session().service->devices.empty());
}

TEST_CASE("A device's identity and facts come a page at a time, codes said letter by letter") {
    FlowDriver kiosk = signed_in(EngineerRole::engineer);
    read_devices(kiosk, k_service_devices_key, report());
    kiosk.forget();
    kiosk.send(KeyPressed{Key::digit_1});
    CHECK(kiosk.session().screen.id == "service_device");
    CHECK(std::ranges::count(
              effects_of<Journal>(kiosk.all()), "device_shown card_reader",
              [](const Journal& record) { return record.event + " " + record.detail; }) == 1);
    CHECK(shows(kiosk, "The machine uses this device."));
    CHECK(shows(kiosk, "Model: Virtual CCID Reader"));
    CHECK(shows(kiosk, "Serial number: VCCID-0001"));
    CHECK(shows(kiosk, "USB ID: 1209:0001"));
    CHECK(shows(kiosk, "Card reader, page 1 of 2"));
    CHECK_FALSE(shows(kiosk, "Protocols: T=0 T=1"));
    // A serial number and a USB id are said a character at a time, a version as a number.
    CHECK(mentions(kiosk.all(), "Serial number: V C C I D, 0 0 0 1"));
    CHECK(mentions(kiosk.all(), "USB ID: 1 2 0 9, 0 0 0 1"));
    CHECK(mentions(kiosk.all(), "Firmware: 1.00"));
    kiosk.forget();
    kiosk.send(KeyPressed{k_device_more_key});
    CHECK(shows(kiosk, "Card reader, page 2 of 2"));
    CHECK(shows(kiosk, "Protocols: T=0 T=1"));
    CHECK(shows(kiosk, "Card in the reader: no"));
    CHECK_FALSE(shows(kiosk, "Model: Virtual CCID Reader"));
    CHECK(mentions(kiosk.all(), "Card in the reader: no"));
    // After the last page, the first again.
    kiosk.send(KeyPressed{k_device_more_key});
    CHECK(shows(kiosk, "Card reader, page 1 of 2"));
    // The PIN pad's key check value is said as it is written on the key forms.
    kiosk.send(KeyPressed{k_devices_back_key});
    kiosk.forget();
    kiosk.send(KeyPressed{Key::digit_2});
    CHECK(shows(kiosk, "The machine refuses this device: pad reports tampering"));
    CHECK(shows(kiosk, "Master key: tdes kcv 08D7B4"));
    CHECK(mentions(kiosk.all(), "Master key: tdes kcv 0 8, D, 7, B, 4"));
    CHECK(shows(kiosk, "Tampered: yes"));
    // One page only: no next page is offered, and 9 does nothing.
    CHECK_FALSE(shows(kiosk, kiosk.text("service_device.more")));
    kiosk.forget();
    kiosk.send(KeyPressed{k_device_more_key});
    CHECK(has_effect<Tone>(kiosk.all()));
    CHECK(kiosk.session().screen.id == "service_device");
}

TEST_CASE("Larger text shows fewer of a device's lines a page, and keeps the page in range") {
    FlowDriver kiosk = signed_in(EngineerRole::engineer);
    read_devices(kiosk, k_service_devices_key, report());
    kiosk.send(KeyPressed{Key::digit_1});
    kiosk.send(KeyPressed{k_device_more_key});
    CHECK(shows(kiosk, "Card reader, page 2 of 2"));
    // The reader's 10 lines, 3 a page at the largest text.
    kiosk.session().text_size = TextSize::largest;
    read_devices(kiosk, k_devices_again_key, report());
    CHECK(shows(kiosk, "Card reader, page 2 of 4"));
    CHECK(shows(kiosk, "USB ID: 1209:0001"));
    CHECK_FALSE(shows(kiosk, "Serial number: VCCID-0001"));
    kiosk.send(KeyPressed{k_device_more_key});
    kiosk.send(KeyPressed{k_device_more_key});
    CHECK(shows(kiosk, "Card reader, page 4 of 4"));
    CHECK(shows(kiosk, "Card in the reader: no"));
    // Back at the normal size the last page is the second, and Read again lands there.
    kiosk.session().text_size = TextSize::normal;
    read_devices(kiosk, k_devices_again_key, report());
    CHECK(shows(kiosk, "Card reader, page 2 of 2"));
}

TEST_CASE("Read again shows the device's news on the same page") {
    FlowDriver kiosk = signed_in(EngineerRole::engineer);
    read_devices(kiosk, k_service_devices_key, report("low"));
    kiosk.send(KeyPressed{Key::digit_3});
    CHECK(shows(kiosk, "Paper: low"));
    kiosk.forget();
    read_devices(kiosk, k_devices_again_key, report("out"));
    CHECK(kiosk.session().screen.id == "service_device");
    CHECK(shows(kiosk, "Receipt printer"));
    CHECK(shows(kiosk, "Paper: out"));
    CHECK(mentions(kiosk.all(), "Paper: out"));
    // On the list, read again shows the list again.
    kiosk.send(KeyPressed{k_devices_back_key});
    read_devices(kiosk, k_devices_again_key, report());
    CHECK(kiosk.session().screen.id == "service_devices");
}

TEST_CASE("The devices' words are the locale's: names, facts and the values that are words") {
    FlowDriver kiosk = signed_in(EngineerRole::engineer, "zh-CN");
    read_devices(kiosk, k_service_devices_key, report("low"));
    CHECK(shows(kiosk, "凭条打印机：正常使用"));
    CHECK(shows(kiosk, "出钞机：未找到"));
    kiosk.send(KeyPressed{Key::digit_3});
    CHECK(shows(kiosk, "纸张：将用完"));
    CHECK(shows(kiosk, "机盖：关闭"));
    kiosk.send(KeyPressed{k_devices_back_key});
    kiosk.forget();
    kiosk.send(KeyPressed{Key::digit_2});
    // A device's own words are said after their label by the English voice (the Chinese one
    // misreads Latin words and Arabic numerals); the label by the Chinese.
    const std::vector<Utterance> said = utterances(kiosk.all());
    const auto at = std::ranges::find_if(
        said, [](const Utterance& utterance) { return utterance.text == "主密钥："; });
    REQUIRE(at != said.end());
    REQUIRE(std::next(at) != said.end());
    CHECK(std::next(at)->text == "tdes kcv 0 8, D, 7, B, 4");
    CHECK(std::next(at)->locale == "en");
    CHECK(at->locale == "zh-CN");
    CHECK(shows(kiosk, "本机拒用这个设备：pad reports tampering"));
    CHECK(mentions(kiosk.all(), "本机拒用这个设备："));
    CHECK(mentions(kiosk.all(), "pad reports tampering"));
    // A word the catalog has is the locale's own.
    CHECK(mentions(kiosk.all(), "被撬动：是"));
    kiosk.send(KeyPressed{k_devices_back_key});
    kiosk.forget();
    kiosk.send(KeyPressed{Key::digit_1});
    CHECK(shows(kiosk, "序列号：VCCID-0001"));
    CHECK(shows(kiosk, "固件版本：1.00"));
    const std::vector<Utterance> reader_said = utterances(kiosk.all());
    for (const std::string english : {"V C C I D, 0 0 0 1", "1.00", "1 2 0 9, 0 0 0 1"}) {
        INFO(english);
        CHECK(std::ranges::any_of(reader_said, [&](const Utterance& utterance) {
            return utterance.text == english && utterance.locale == "en";
        }));
    }
}

TEST_CASE("Every device and every fact it can report is worded in every locale") {
    DeviceSnapshot everything = device_of(DeviceKind::card_reader, true);
    everything.model = "model";
    everything.firmware = "firmware";
    everything.serial = "serial";
    for (const FactName name : k_fact_names) {
        everything.add(name, "yes");
    }
    std::vector<DeviceSnapshot> devices;
    for (const DeviceKind kind : k_device_kinds) {
        DeviceSnapshot device = everything;
        device.device = kind;
        devices.push_back(device);
    }
    for (const std::string locale : {"en", "zh-CN", "zh-HK"}) {
        INFO(locale);
        FlowDriver kiosk = signed_in(EngineerRole::engineer, locale);
        read_devices(kiosk, k_service_devices_key, devices);
        std::vector<std::string> lines = shown_lines(kiosk.session().screen);
        for (std::size_t device = 1; device <= devices.size(); ++device) {
            kiosk.send(KeyPressed{*base::digit_key(static_cast<int>(device))});
            const std::size_t pages =
                device_pages(everything, device_lines_per_page(TextSize::normal, false));
            for (std::size_t page = 0; page < pages; ++page) {
                std::ranges::copy(shown_lines(kiosk.session().screen), std::back_inserter(lines));
                kiosk.send(KeyPressed{k_device_more_key});
            }
            kiosk.send(KeyPressed{k_devices_back_key});
        }
        // Every line, with its label, was on a screen.
        CHECK(lines.size() > k_fact_names.size() * devices.size());
        for (const std::string& line : lines) {
            INFO(line);
            CHECK(line.find(missing_marker("")) == std::string::npos);
        }
        CHECK(std::ranges::count(
                  lines, kiosk.text("device_fact.safe_door") + (locale == "en" ? ": " : "：") +
                             kiosk.text("device_value.yes")) == static_cast<long>(devices.size()));
    }
}

TEST_CASE("Only an engineer's role reads the devices") {
    for (const EngineerRole role : {EngineerRole::key_custodian, EngineerRole::administrator}) {
        INFO(to_string(role));
        FlowDriver kiosk = signed_in(role);
        CHECK_FALSE(shows(kiosk, kiosk.text("service_menu.devices")));
        kiosk.forget();
        kiosk.send(KeyPressed{k_service_devices_key});
        CHECK_FALSE(has_effect<ReportDevices>(kiosk.all()));
        // The same key is the administrator's configuration.
        CHECK(kiosk.session().screen.id ==
              (role == EngineerRole::administrator ? "service_configuration" : "service_menu"));
    }
}

TEST_CASE("Keys wait for the devices' report; a report not asked for changes nothing") {
    FlowDriver kiosk = signed_in(EngineerRole::engineer);
    const auto asked = effects_of<ReportDevices>(kiosk.send(KeyPressed{k_service_devices_key}));
    REQUIRE(asked.size() == 1);
    // Before the report, no key leads elsewhere (out of service on 1, sign out on Cancel).
    kiosk.forget();
    kiosk.send(KeyPressed{k_service_out_of_service_key});
    kiosk.send(KeyPressed{k_service_sign_out_key});
    CHECK_FALSE(has_effect<Show>(kiosk.all()));
    CHECK(kiosk.session().service->step == ServiceStep::menu);
    CHECK(kiosk.session().service->role.has_value());
    // A report for another request is not this one.
    kiosk.send(DevicesReported{asked.front().call_id + 100, report()});
    CHECK(kiosk.session().screen.id == "service_menu");
    kiosk.send(DevicesReported{asked.front().call_id, report()});
    CHECK(kiosk.session().screen.id == "service_devices");
    // Signed out, a late report is nobody's.
    kiosk.send(KeyPressed{k_devices_back_key});
    const auto again = effects_of<ReportDevices>(kiosk.send(KeyPressed{k_service_devices_key}));
    REQUIRE(again.size() == 1);
    kiosk.fire(TimerId::service_idle);
    CHECK(kiosk.session().state == State::welcome);
    kiosk.forget();
    kiosk.send(DevicesReported{again.front().call_id, report()});
    CHECK(kiosk.session().screen.id == "welcome");
    CHECK_FALSE(has_effect<Show>(kiosk.all()));
}

namespace {

FlowDriver at_self_tests() {
    FlowDriver kiosk = signed_in(EngineerRole::engineer);
    kiosk.send(KeyPressed{k_service_self_tests_key});
    REQUIRE(kiosk.session().screen.id == "service_tests");
    return kiosk;
}

}  // namespace

TEST_CASE("A test slip is printed with nothing of a customer's, and what came of it is said") {
    FlowDriver kiosk = at_self_tests();
    kiosk.forget();
    kiosk.send(KeyPressed{k_test_slip_key});
    const auto printed = effects_of<Print>(kiosk.all());
    REQUIRE(printed.size() == 1);
    std::vector<std::string> slip_lines;
    for (const PrintBlock& block : printed.front().document.blocks) {
        if (const auto* text = std::get_if<PrintText>(&block)) {
            slip_lines.push_back(text->text);
        }
    }
    CHECK(std::ranges::count(slip_lines, "Printed by staff number 1001") == 1);
    CHECK(std::ranges::count(slip_lines, kiosk.text("test_slip.title")) == 1);
    CHECK(shows(kiosk, "Test slip: printing."));
    CHECK(audits(kiosk.all()) == std::vector<std::string>{"test_slip printing"});
    // Another press while it prints sends no second slip.
    kiosk.forget();
    kiosk.send(KeyPressed{k_test_slip_key});
    CHECK_FALSE(has_effect<Print>(kiosk.all()));
    // Its answer, and one for another slip.
    kiosk.forget();
    kiosk.send(PrintFinished{printed.front().print_id + 50, PrintResult::printed});
    CHECK_FALSE(shows(kiosk, kiosk.text("service_tests.slip_printed")));
    kiosk.send(PrintFinished{printed.front().print_id, PrintResult::printed});
    CHECK(shows(kiosk, kiosk.text("service_tests.slip_printed")));
    CHECK(mentions(kiosk.all(), kiosk.text("service_tests.slip_printed")));
    CHECK(std::ranges::count(audits(kiosk.all()), "test_slip printed") == 1);
}

TEST_CASE("A test slip without paper or without a printer is not sent, and says why") {
    SECTION("no paper") {
        FlowDriver kiosk = at_self_tests();
        kiosk.send(PaperChanged{PaperLevel::out});
        kiosk.forget();
        kiosk.send(KeyPressed{k_test_slip_key});
        CHECK_FALSE(has_effect<Print>(kiosk.all()));
        CHECK(shows(kiosk, "Test slip: not printed. The printer has no paper."));
        CHECK(mentions(kiosk.all(), "Test slip: not printed. The printer has no paper."));
        CHECK(std::ranges::count(audits(kiosk.all()), "test_slip paper_out") == 1);
    }
    SECTION("the printer runs out while printing") {
        FlowDriver kiosk = at_self_tests();
        kiosk.send(KeyPressed{k_test_slip_key});
        // The engineer went on to the menu meanwhile: the result waits on the self-tests.
        kiosk.send(KeyPressed{k_self_tests_back_key});
        const auto pending = kiosk.session().service->pending_slip;
        REQUIRE(pending.has_value());
        kiosk.forget();
        kiosk.send(PrintFinished{*pending, PrintResult::paper_out});
        CHECK_FALSE(has_effect<Show>(kiosk.all()));
        CHECK(kiosk.session().paper == PaperLevel::out);
        kiosk.send(KeyPressed{k_service_self_tests_key});
        CHECK(shows(kiosk, "Test slip: not printed. The printer has no paper."));
    }
    SECTION("no printer") {
        FlowDriver kiosk = at_self_tests();
        kiosk.send(DeviceMissing{Device::printer});
        kiosk.forget();
        kiosk.send(KeyPressed{k_test_slip_key});
        CHECK_FALSE(has_effect<Print>(kiosk.all()));
        CHECK(shows(kiosk, "Test slip: not printed. The printer is missing or failed."));
    }
}

TEST_CASE(
    "The key test names every key as it arrives, takes no PIN, and reports keys not pressed") {
    FlowDriver kiosk = at_self_tests();
    kiosk.send(KeyPressed{k_key_test_key});
    CHECK(kiosk.session().screen.id == "service_key_test");
    // Digits come as keys: the screen takes them (the pad sends them only where one does).
    CHECK(kiosk.session().screen.takes_digits);
    CHECK_FALSE(has_effect<StartPinEntry>(kiosk.all()));
    // Every key is taken as the key it tests, the speech keys and 0 (elsewhere "repeat") too.
    for (const Key key : {Key::digit_0, Key::digit_5, Key::star, Key::hash, Key::help, Key::enter,
                          Key::clear, Key::audio}) {
        INFO(base::to_string(key));
        kiosk.forget();
        kiosk.send(KeyPressed{key});
        CHECK(kiosk.session().screen.id == "service_key_test");
        const std::string name = kiosk.text("key." + std::string(base::to_string(key)));
        CHECK(shows(kiosk, "Last key: " + name));
        CHECK(mentions(kiosk.all(), name));
        CHECK_FALSE(has_effect<RepeatSpeech>(kiosk.all()));
        CHECK_FALSE(has_effect<CallStaff>(kiosk.all()));
    }
    CHECK(shows(kiosk, "Not pressed yet: 1, 2, 3, 4, 6, 7, 8, 9, Cancel"));
    // One Cancel is a key tested; two in a row end the test.
    kiosk.send(KeyPressed{Key::cancel});
    CHECK(kiosk.session().screen.id == "service_key_test");
    kiosk.forget();
    kiosk.send(KeyPressed{Key::cancel});
    CHECK(kiosk.session().screen.id == "service_tests");
    CHECK(shows(kiosk, "Key test: not pressed: 1, 2, 3, 4, 6, 7, 8, 9"));
    CHECK(std::ranges::count(audits(kiosk.all()), "key_test not pressed: 1 2 3 4 6 7 8 9") == 1);
    // Every key: the test says so.
    kiosk.send(KeyPressed{k_key_test_key});
    for (const auto& [key, name] : base::k_key_names) {
        kiosk.send(KeyPressed{key});
    }
    CHECK(shows(kiosk, "Every key has been pressed."));
    kiosk.send(KeyPressed{Key::cancel});
    kiosk.forget();
    kiosk.send(KeyPressed{Key::cancel});
    CHECK(shows(kiosk, "Key test: every key works."));
    CHECK(std::ranges::count(audits(kiosk.all()), "key_test every key") == 1);
}

TEST_CASE("The tone test plays a tone alone, on the speaker or the headphones, journaled") {
    FlowDriver kiosk = at_self_tests();
    kiosk.forget();
    kiosk.send(KeyPressed{k_tone_test_key});
    const auto tones = effects_of<Tone>(kiosk.all());
    REQUIRE(tones.size() == 1);
    CHECK(tones.front().kind == ToneKind::attention);
    CHECK_FALSE(has_effect<Speak>(kiosk.all()));
    CHECK(std::ranges::count(audits(kiosk.all()), "tone_test speaker") == 1);
    // With headphones in the pad's jack, the tone is theirs.
    kiosk.send(HeadphonesPlugged{});
    kiosk.forget();
    kiosk.send(KeyPressed{k_tone_test_key});
    CHECK(has_effect<Tone>(kiosk.all()));
    CHECK(std::ranges::count(audits(kiosk.all()), "tone_test headphones") == 1);
    kiosk.send(KeyPressed{k_self_tests_back_key});
    CHECK(kiosk.session().screen.id == "service_menu");
}

TEST_CASE("Only an engineer's role runs the self-tests") {
    for (const EngineerRole role : {EngineerRole::key_custodian, EngineerRole::administrator}) {
        INFO(to_string(role));
        FlowDriver kiosk = signed_in(role);
        CHECK_FALSE(shows(kiosk, kiosk.text("service_menu.self_tests")));
        kiosk.send(KeyPressed{k_service_self_tests_key});
        CHECK(kiosk.session().screen.id == "service_menu");
    }
}

namespace {

NetworkCheck healthy(NetworkService service, int milliseconds, std::string expiry, int days) {
    NetworkCheck check;
    check.service = service;
    check.healthy = true;
    check.round_trip_ms = milliseconds;
    check.certificate_expiry = std::move(expiry);
    check.certificate_days_left = days;
    return check;
}

// Opens the network check and answers it with `services`.
void check_network(FlowDriver& kiosk, Key key, std::vector<NetworkCheck> services) {
    const auto asked = effects_of<CheckNetwork>(kiosk.send(KeyPressed{key}));
    REQUIRE(asked.size() == 1);
    CHECK(kiosk.session().screen.id == "service_network");
    kiosk.send(NetworkChecked{asked.front().call_id, std::move(services)});
}

}  // namespace

TEST_CASE("The network check says it is checking, then each service's time and certificate") {
    FlowDriver kiosk = signed_in(EngineerRole::engineer);
    CHECK(shows(kiosk, "Network"));
    kiosk.forget();
    const auto asked = effects_of<CheckNetwork>(kiosk.send(KeyPressed{k_service_network_key}));
    REQUIRE(asked.size() == 1);
    CHECK(shows(kiosk, kiosk.text("service_network.checking")));
    // No second check while one runs; Cancel is always there.
    CHECK_FALSE(shows(kiosk, "Check again"));
    kiosk.forget();
    kiosk.send(KeyPressed{k_network_again_key});
    CHECK_FALSE(has_effect<CheckNetwork>(kiosk.all()));
    kiosk.forget();
    NetworkCheck queue;
    queue.service = NetworkService::queue;
    queue.problem = "timeout";
    kiosk.send(NetworkChecked{asked.front().call_id,
                              {healthy(NetworkService::account, 42, "2027-12-03", 364), queue}});
    CHECK(shows(kiosk, "Account service: answers in 42 ms"));
    CHECK(shows(kiosk, "Its certificate is valid until 3 December 2027: 364 days left."));
    CHECK(shows(kiosk, "Branch queue service: no answer: no answer in time"));
    CHECK(mentions(kiosk.all(), "Account service: answers in 42 ms"));
    CHECK(std::ranges::count(audits(kiosk.all()),
                             "network_checked account ok 42 ms, certificate 364 days; queue "
                             "timeout") == 1);
    // Check again: a new call, the screen says it is checking once more.
    kiosk.forget();
    kiosk.send(KeyPressed{k_network_again_key});
    CHECK(has_effect<CheckNetwork>(kiosk.all()));
    CHECK(shows(kiosk, kiosk.text("service_network.checking")));
    // Cancel lets it go; its late answer fits nothing.
    const auto again = effects_of<CheckNetwork>(kiosk.all());
    kiosk.send(KeyPressed{k_network_back_key});
    CHECK(kiosk.session().screen.id == "service_menu");
    kiosk.forget();
    kiosk.send(NetworkChecked{again.front().call_id, {}});
    CHECK_FALSE(has_effect<Show>(kiosk.all()));
}

TEST_CASE("A certificate near its end or past it is a warning; a service not configured says so") {
    FlowDriver kiosk = signed_in(EngineerRole::engineer, "zh-CN");
    NetworkCheck queue;
    queue.service = NetworkService::queue;
    queue.configured = false;
    check_network(kiosk, k_service_network_key,
                  {healthy(NetworkService::account, 1'250, "2026-12-20", 16), queue});
    const auto notice = std::ranges::find_if(kiosk.session().screen.elements, [](const Element& e) {
        return e.text == "证书将于2026年12月20日到期，只剩16天，请安排更换。";
    });
    REQUIRE(notice != kiosk.session().screen.elements.end());
    CHECK(notice->role == Role::notice);
    // Said with the Chinese voice's numbers: the year digit by digit.
    CHECK(notice->speech == "证书将于二零二六年12月二十日到期，只剩十六天，请安排更换。");
    CHECK(shows(kiosk, "账户服务：1250毫秒响应"));
    CHECK(shows(kiosk, "网点排队服务：本机未配置"));
    kiosk.send(KeyPressed{k_network_back_key});
    check_network(kiosk, k_service_network_key,
                  {healthy(NetworkService::account, 30, "2026-11-30", -4), queue});
    CHECK(shows(kiosk, "证书已于2026年11月30日到期，已过4天，请立即更换。"));
    // A failure is told in words; an HTTP status as it is, said by the English voice.
    kiosk.send(KeyPressed{k_network_back_key});
    NetworkCheck failing;
    failing.service = NetworkService::account;
    failing.problem = "tls_failure";
    check_network(kiosk, k_service_network_key, {failing, queue});
    CHECK(shows(kiosk, "账户服务：没有响应：安全连接失败，证书或密钥有误"));
    kiosk.send(KeyPressed{k_network_back_key});
    failing.problem = "503";
    kiosk.forget();
    check_network(kiosk, k_service_network_key, {failing, queue});
    CHECK(shows(kiosk, "账户服务：没有响应：503"));
    CHECK(std::ranges::any_of(utterances(kiosk.all()), [](const Utterance& utterance) {
        return utterance.text == "503" && utterance.locale == "en";
    }));
}

namespace {

RecentFault fault_at(int hour, std::string reason) {
    return RecentFault{
        .month = 12, .day = 4, .hour = hour, .minute = 5, .reason = std::move(reason)};
}

void read_faults(FlowDriver& kiosk, Key key, std::vector<RecentFault> faults,
                 bool readable = true) {
    const auto asked = effects_of<ReportFaults>(kiosk.send(KeyPressed{key}));
    REQUIRE(asked.size() == 1);
    kiosk.send(FaultsReported{asked.front().call_id, readable, 1'234, std::move(faults)});
}

}  // namespace

TEST_CASE("Recent faults: when, the reason as journaled and what to do, a page at a time") {
    FlowDriver kiosk = signed_in(EngineerRole::engineer);
    CHECK(shows(kiosk, "Faults"));
    kiosk.forget();
    read_faults(kiosk, k_service_faults_key,
                {fault_at(21, "receipt printer paper low"), fault_at(20, "card_reader missing"),
                 fault_at(9, "queue service unavailable"), fault_at(8, "card left in the reader")});
    CHECK(kiosk.session().screen.id == "service_faults");
    CHECK(shows(kiosk, "Recent faults, page 1 of 2"));
    CHECK(kiosk.session().screen.elements.size() == 8);  // two faults, each with its advice
    CHECK(shows(kiosk, "Newest first. The electronic journal holds 1234 records."));
    CHECK(shows(kiosk, "04 December 21:05: receipt printer paper low"));
    CHECK(shows(kiosk, "What to do: " + kiosk.text("fault_advice.printer_paper")));
    CHECK(shows(kiosk, "04 December 20:05: card_reader missing"));
    CHECK(shows(kiosk, "What to do: " + kiosk.text("fault_advice.device")));
    CHECK_FALSE(shows(kiosk, "04 December 09:05: queue service unavailable"));
    CHECK(mentions(kiosk.all(), "21:05, 04 December: receipt printer paper low"));
    CHECK(std::ranges::count(audits(kiosk.all()), "faults_read 4") == 1);
    kiosk.send(KeyPressed{k_faults_more_key});
    CHECK(shows(kiosk, "Recent faults, page 2 of 2"));
    CHECK(shows(kiosk, "04 December 09:05: queue service unavailable"));
    CHECK(shows(kiosk, "04 December 08:05: card left in the reader"));
    CHECK(shows(kiosk, "What to do: " + kiosk.text("fault_advice.card_left")));
    // Cancel goes back; 5 reads them again, from the first page.
    kiosk.send(KeyPressed{k_faults_back_key});
    CHECK(kiosk.session().screen.id == "service_menu");
    read_faults(kiosk, k_service_faults_key, {fault_at(22, "PIN pad failure")});
    CHECK(shows(kiosk, "Recent faults"));
    CHECK(shows(kiosk, "What to do: " + kiosk.text("fault_advice.pin_pad")));
}

TEST_CASE(
    "No fault, or a journal that cannot be read, is said so; in Chinese the reason is English") {
    FlowDriver kiosk = signed_in(EngineerRole::engineer, "zh-CN");
    read_faults(kiosk, k_service_faults_key, {});
    CHECK(shows(kiosk, "电子日志中没有故障记录。电子日志共有1234条记录。"));
    kiosk.send(KeyPressed{k_faults_back_key});
    read_faults(kiosk, k_service_faults_key, {}, false);
    CHECK(shows(kiosk, kiosk.text("service_faults.unreadable")));
    kiosk.send(KeyPressed{k_faults_back_key});
    kiosk.forget();
    read_faults(kiosk, k_service_faults_key, {fault_at(21, "cash dispenser could not pick: jam")});
    CHECK(shows(kiosk, "12月04日 21:05：cash dispenser could not pick: jam"));
    const std::vector<Utterance> said = utterances(kiosk.all());
    const auto at = std::ranges::find_if(said, [](const Utterance& utterance) {
        return utterance.text == "12月四日二十一点五分：";
    });
    REQUIRE(at != said.end());
    REQUIRE(std::next(at) != said.end());
    CHECK(std::next(at)->text == "cash dispenser could not pick: jam");
    CHECK(std::next(at)->locale == "en");
}

TEST_CASE("Every fault the flows tell staff of has advice of its own kind") {
    std::set<std::string> reasons;
    for (const Scenario& scenario : all_scenarios()) {
        for (const NotifyStaff& notice :
             effects_of<NotifyStaff>(run_events(real_resources(), scenario.events))) {
            reasons.insert(notice.reason);
        }
    }
    REQUIRE(reasons.size() >= 5);
    for (const std::string& reason : reasons) {
        INFO(reason);
        CHECK(fault_advice(reason) != FaultAdvice::other);
    }
    CHECK(fault_advice("printer missing") == FaultAdvice::device);
    CHECK(fault_advice("receipt printer out of paper") == FaultAdvice::printer_paper);
    CHECK(fault_advice("PIN pad failure") == FaultAdvice::pin_pad);
    CHECK(fault_advice("electronic journal cannot be written: disk full") == FaultAdvice::journal);
    CHECK(fault_advice("dispense test held: reject jammed") == FaultAdvice::dispenser);
    CHECK(fault_advice("something new") == FaultAdvice::other);
}

TEST_CASE(
    "The counters: every counter from the journal's counts, zero when it holds none, and each "
    "kind of fault after the faults") {
    const std::vector<CounterLine> lines = counter_lines({
        {"withdrawal_completed", "", 3, 120},
        {"staff_notified", "receipt printer paper out", 1, 4},
        {"staff_notified", "receipt printer paper low", 0, 2},
        {"staff_notified", "cash dispenser jammed", 1, 1},
        {"kiosk_started", "", 1, 9},
    });
    const auto count_of_line = [&](CounterName name, std::optional<FaultAdvice> advice = {}) {
        const auto line = std::ranges::find_if(lines, [&](const CounterLine& candidate) {
            return candidate.name == name && candidate.advice == advice;
        });
        REQUIRE(line != lines.end());
        return std::pair{line->today, line->in_all};
    };
    CHECK(lines.size() == 12);  // ten counters and two kinds of fault
    CHECK(lines.front().name == CounterName::withdrawals_completed);
    CHECK(count_of_line(CounterName::withdrawals_completed) ==
          std::pair<std::int64_t, std::int64_t>{3, 120});
    CHECK(count_of_line(CounterName::withdrawals_reversed) ==
          std::pair<std::int64_t, std::int64_t>{0, 0});
    CHECK(count_of_line(CounterName::faults) == std::pair<std::int64_t, std::int64_t>{2, 7});
    CHECK(count_of_line(CounterName::faults, FaultAdvice::printer_paper) ==
          std::pair<std::int64_t, std::int64_t>{1, 6});
    CHECK(count_of_line(CounterName::faults, FaultAdvice::dispenser) ==
          std::pair<std::int64_t, std::int64_t>{1, 1});
    // The kinds follow the faults' line, in FaultAdvice's order.
    const auto faults = std::ranges::find(lines, CounterName::faults, &CounterLine::name);
    REQUIRE(std::distance(faults, lines.end()) >= 3);
    CHECK(std::next(faults)->advice == FaultAdvice::printer_paper);
    CHECK(std::next(faults, 2)->advice == FaultAdvice::dispenser);
    CHECK(lines.back().name == CounterName::service_locked);
}

namespace {

void read_counters(FlowDriver& kiosk, std::vector<JournalCount> counts, bool readable = true) {
    const auto asked = effects_of<ReportCounters>(kiosk.send(KeyPressed{k_service_counters_key}));
    REQUIRE(asked.size() == 1);
    kiosk.send(CountersReported{asked.front().call_id, readable, std::move(counts)});
}

}  // namespace

TEST_CASE("An engineer reads the counters a page at a time, today's and in all, shown and said") {
    FlowDriver kiosk = signed_in(EngineerRole::engineer);
    CHECK(shows(kiosk, "Counters"));
    kiosk.forget();
    read_counters(kiosk, {{"withdrawal_completed", "", 3, 120},
                          {"dispense_test_notes_secured", "", 2, 2},
                          {"staff_notified", "card left in the reader", 1, 1}});
    CHECK(kiosk.session().screen.id == "service_counters");
    CHECK(shows(kiosk, "Counters, page 1 of 2"));
    CHECK(shows(kiosk, kiosk.text("service_counters.text")));
    CHECK(shows(kiosk, "Withdrawals given: 3 today, 120 in all"));
    CHECK(shows(kiosk, "Withdrawals undone: 0 today, 0 in all"));
    CHECK(shows(kiosk, "Dispense tests: 2 today, 2 in all"));
    CHECK(mentions(kiosk.all(), "Withdrawals given: 3 today, 120 in all"));
    CHECK(std::ranges::count(audits(kiosk.all()), "counters_read 11") == 1);
    kiosk.send(KeyPressed{k_counters_more_key});
    CHECK(shows(kiosk, "Counters, page 2 of 2"));
    CHECK(shows(kiosk, "Faults told to staff: 1 today, 1 in all"));
    CHECK(shows(kiosk, "Faults: cards left: 1 today, 1 in all"));
    CHECK(shows(kiosk, "Sign-in locks: 0 today, 0 in all"));
    kiosk.send(KeyPressed{k_counters_more_key});
    CHECK(shows(kiosk, "Counters, page 1 of 2"));
    kiosk.send(KeyPressed{k_counters_back_key});
    CHECK(kiosk.session().screen.id == "service_menu");
    // A journal that cannot be read is said so.
    read_counters(kiosk, {}, false);
    CHECK(shows(kiosk, kiosk.text("service_counters.unreadable")));
    CHECK(kiosk.session().screen.elements.size() == 3);  // the title, why, and back
}

TEST_CASE("In Chinese the counters are said in words, and only an engineer reads them") {
    FlowDriver kiosk = signed_in(EngineerRole::engineer, "zh-CN");
    read_counters(kiosk, {{"withdrawal_completed", "", 2, 1'234}});
    CHECK(shows(kiosk, "取款成功：今天2次，累计1234次"));
    CHECK(mentions(kiosk.all(), "取款成功：今天两次，累计一千二百三十四次"));
    for (const EngineerRole role : {EngineerRole::key_custodian, EngineerRole::administrator}) {
        FlowDriver other = signed_in(role);
        CHECK_FALSE(shows(other, "Counters"));
        CHECK_FALSE(has_effect<ReportCounters>(other.send(KeyPressed{k_service_counters_key})));
    }
}

TEST_CASE("Every fault the flows tell staff of is in the audit trail, for the electronic journal") {
    FlowDriver kiosk;
    kiosk.send(Started{});
    kiosk.forget();
    kiosk.send(DeviceMissing{Device::printer});
    const auto records = effects_of<Journal>(kiosk.all());
    CHECK(std::ranges::any_of(records, [](const Journal& record) {
        return record.event == "staff_notified" && record.detail == "printer missing" &&
               record.audit;
    }));
}

TEST_CASE(
    "An administrator exports the records to the USB stick: the screen says it is writing, "
    "then how many records went, whether the chain held and what was blanked out") {
    FlowDriver kiosk = signed_in(EngineerRole::administrator);
    const auto asked = effects_of<ExportRecords>(kiosk.send(KeyPressed{k_service_export_key}));
    REQUIRE(asked.size() == 1);
    CHECK(kiosk.session().screen.id == "service_export");
    CHECK(shows(kiosk, kiosk.text("service_export.writing")));
    // No other key leads anywhere while it writes, but Cancel back to the menu.
    CHECK_FALSE(has_effect<ExportRecords>(kiosk.send(KeyPressed{k_export_again_key})));
    kiosk.send(
        RecordsExported{asked.front().call_id, ExportResult{.outcome = ExportOutcome::exported,
                                                            .records = 1234,
                                                            .chain_intact = true,
                                                            .redactions = 2,
                                                            .problem = {}}});
    CHECK(shows(kiosk,
                "Done: 1234 journal records, the log and their manifest are on the USB "
                "stick."));
    CHECK(shows(kiosk, kiosk.text("service_export.chain_intact")));
    CHECK(shows(kiosk, "2 long runs of digits were blanked out."));
    CHECK(std::ranges::any_of(effects_of<Journal>(kiosk.all()), [](const Journal& record) {
        return record.event == "records_export" &&
               record.detail == "1234 records, chain intact, 2 redacted";
    }));
    // Enter exports again; Cancel goes back.
    CHECK(has_effect<ExportRecords>(kiosk.send(KeyPressed{k_export_again_key})));
    kiosk.send(KeyPressed{k_export_back_key});
    CHECK(kiosk.session().screen.id == "service_menu");
}

TEST_CASE("With no USB stick the export says so, and Enter tries again once one is in") {
    FlowDriver kiosk = signed_in(EngineerRole::administrator, "zh-CN");
    const auto asked = effects_of<ExportRecords>(kiosk.send(KeyPressed{k_service_export_key}));
    REQUIRE(asked.size() == 1);
    kiosk.send(RecordsExported{
        asked.front().call_id,
        ExportResult{.outcome = ExportOutcome::no_stick, .problem = "destination missing"}});
    CHECK(shows(kiosk, kiosk.text("service_export.no_stick")));
    CHECK(has_effect<Tone>(kiosk.last()));
    const auto again = effects_of<ExportRecords>(kiosk.send(KeyPressed{k_export_again_key}));
    REQUIRE(again.size() == 1);
    // The first answer, arriving late, is not taken for the second.
    kiosk.send(RecordsExported{asked.front().call_id,
                               ExportResult{.outcome = ExportOutcome::exported, .records = 9}});
    CHECK(shows(kiosk, kiosk.text("service_export.writing")));
}

TEST_CASE("Only an administrator's menu offers the export of the records") {
    for (const EngineerRole role : {EngineerRole::engineer, EngineerRole::key_custodian}) {
        FlowDriver kiosk = signed_in(role);
        CHECK_FALSE(shows(kiosk, kiosk.text("service_menu.export")));
        CHECK_FALSE(has_effect<ExportRecords>(kiosk.send(KeyPressed{k_service_export_key})));
    }
}

namespace {

std::vector<ConfigSetting> settings_in_use(std::size_t count) {
    std::vector<ConfigSetting> settings{{"display.width", false, "1280"},
                                        {"tls.client_key", true, {}}};
    for (std::size_t index = settings.size(); index < count; ++index) {
        settings.push_back({"queue.setting_" + std::to_string(index), false, "'x'"});
    }
    return settings;
}

// An administrator at the configuration's screen with `settings` read.
FlowDriver at_configuration(std::vector<ConfigSetting> settings) {
    FlowDriver kiosk = signed_in(EngineerRole::administrator);
    const auto asked =
        effects_of<ReadConfiguration>(kiosk.send(KeyPressed{k_service_configuration_key}));
    REQUIRE(asked.size() == 1);
    CHECK(shows(kiosk, kiosk.text("service_configuration.reading")));
    kiosk.send(ConfigurationRead{asked.front().call_id, std::move(settings), {}});
    return kiosk;
}

// Reviews the stick's file from the configuration's screen, answered with `review`.
void review_stick(FlowDriver& kiosk, ConfigReview review, Key key = k_configuration_change_key) {
    const auto asked = effects_of<ReviewConfiguration>(kiosk.send(KeyPressed{key}));
    REQUIRE(asked.size() == 1);
    CHECK(kiosk.session().screen.id == "service_configuration_change");
    CHECK(shows(kiosk, kiosk.text("service_configuration_change.reading")));
    kiosk.send(ConfigurationReviewed{asked.front().call_id, std::move(review)});
}

ConfigReview location_changed() {
    return ConfigReview{.outcome = ConfigReviewOutcome::reviewed,
                        .changes = {{"kiosk.location", false, "'Hall 1'", "'Hall 2'"},
                                    {"tls.client_key", true, {}, {}}},
                        .problem = {}};
}

bool journaled(const FlowDriver& kiosk, std::string_view event, std::string_view detail) {
    return std::ranges::any_of(effects_of<Journal>(kiosk.all()), [&](const Journal& record) {
        return record.event == event && record.detail == detail && record.audit;
    });
}

}  // namespace

TEST_CASE(
    "An administrator reads the configuration in use a page at a time, key files only "
    "as set, in the configuration's own English words") {
    FlowDriver kiosk = at_configuration(settings_in_use(8));
    CHECK(kiosk.session().screen.id == "service_configuration");
    // Five settings a page at the standard look: two pages.
    CHECK(shows(kiosk, "Configuration in use, page 1 of 2"));
    CHECK(shows(kiosk, "display.width = 1280"));
    CHECK(shows(kiosk, "tls.client_key = set"));
    CHECK_FALSE(shows(kiosk, "queue.setting_6 = 'x'"));
    const auto line =
        std::ranges::find(kiosk.session().screen.elements, "display.width = 1280", &Element::text);
    REQUIRE(line != kiosk.session().screen.elements.end());
    CHECK(line->speech == "display width 1280");
    CHECK(line->locale == "en");
    CHECK(journaled(kiosk, "configuration_viewed", "8 settings"));
    kiosk.send(KeyPressed{k_configuration_more_key});
    CHECK(shows(kiosk, "Configuration in use, page 2 of 2"));
    CHECK(shows(kiosk, "queue.setting_6 = 'x'"));
    kiosk.send(KeyPressed{k_configuration_back_key});
    CHECK(kiosk.session().screen.id == "service_menu");
}

TEST_CASE("A configuration that cannot be read says why and offers no change") {
    FlowDriver kiosk = signed_in(EngineerRole::administrator, "zh-CN");
    const auto asked =
        effects_of<ReadConfiguration>(kiosk.send(KeyPressed{k_service_configuration_key}));
    REQUIRE(asked.size() == 1);
    kiosk.send(ConfigurationRead{asked.front().call_id, {}, "no configuration file"});
    CHECK(shows(kiosk, kiosk.text("service_configuration.unreadable")));
    CHECK(shows(kiosk, "no configuration file"));
    CHECK(has_effect<Tone>(kiosk.last()));
    CHECK_FALSE(
        has_effect<ReviewConfiguration>(kiosk.send(KeyPressed{k_configuration_change_key})));
}

TEST_CASE(
    "The stick's file is reviewed setting by setting, installed on Enter, and the kiosk "
    "restarts once it has said so") {
    FlowDriver kiosk = at_configuration(settings_in_use(3));
    review_stick(kiosk, location_changed());
    CHECK(shows(kiosk, "New configuration: 2 changes"));
    CHECK(shows(kiosk, "kiosk.location: 'Hall 1' -> 'Hall 2'"));
    CHECK(shows(kiosk, "tls.client_key: changed"));
    CHECK(journaled(kiosk, "configuration_reviewed",
                    "reviewed: 2 changed kiosk.location tls.client_key"));

    const auto install =
        effects_of<InstallConfiguration>(kiosk.send(KeyPressed{k_configuration_install_key}));
    REQUIRE(install.size() == 1);
    CHECK(install.front().reviewed == location_changed().changes);
    CHECK(shows(kiosk, kiosk.text("service_configuration_change.installing")));
    // Names only in the journal, never values.
    CHECK(journaled(kiosk, "configuration_install", "1001 kiosk.location tls.client_key"));
    // No way back while it installs.
    kiosk.send(KeyPressed{k_configuration_back_key});
    CHECK(kiosk.session().screen.id == "service_configuration_change");

    kiosk.send(
        ConfigurationInstalled{install.front().call_id, ConfigInstallOutcome::installed, {}});
    CHECK(shows(kiosk, kiosk.text("service_configuration_change.installed")));
    CHECK(shows(kiosk, kiosk.text("service_configuration_change.restarting")));
    CHECK_FALSE(has_effect<RestartKiosk>(kiosk.last()));
    // Keys do nothing now; the announcement said to its end restarts the kiosk, once.
    CHECK_FALSE(has_effect<RestartKiosk>(kiosk.send(KeyPressed{k_configuration_back_key})));
    CHECK(kiosk.session().screen.id == "service_configuration_change");
    CHECK(has_effect<RestartKiosk>(kiosk.send(SpeechEnded{})));
    CHECK(journaled(kiosk, "restart", "new configuration"));
    CHECK_FALSE(has_effect<RestartKiosk>(kiosk.send(SpeechEnded{})));
}

TEST_CASE("A restart whose announcement never ends comes when its safety net runs out") {
    FlowDriver kiosk = at_configuration(settings_in_use(3));
    review_stick(kiosk, location_changed());
    const auto install =
        effects_of<InstallConfiguration>(kiosk.send(KeyPressed{k_configuration_install_key}));
    REQUIRE(install.size() == 1);
    kiosk.send(
        ConfigurationInstalled{install.front().call_id, ConfigInstallOutcome::installed, {}});
    CHECK(has_effect<RestartKiosk>(kiosk.fire(TimerId::restart)));
}

TEST_CASE("An engineer who leaves while the file installs leaves the kiosk to restart at once") {
    FlowDriver kiosk = at_configuration(settings_in_use(3));
    review_stick(kiosk, location_changed());
    const auto install =
        effects_of<InstallConfiguration>(kiosk.send(KeyPressed{k_configuration_install_key}));
    REQUIRE(install.size() == 1);
    kiosk.fire(TimerId::service_idle);
    CHECK(kiosk.session().state == State::welcome);
    CHECK(has_effect<RestartKiosk>(kiosk.send(
        ConfigurationInstalled{install.front().call_id, ConfigInstallOutcome::installed, {}})));
}

TEST_CASE(
    "Nothing to install: no stick, no file, a refused file, the same file; Enter reads the "
    "stick again") {
    FlowDriver kiosk = at_configuration(settings_in_use(3));
    review_stick(kiosk, ConfigReview{.outcome = ConfigReviewOutcome::no_stick});
    CHECK(shows(kiosk, kiosk.text("service_configuration_change.no_stick")));
    CHECK(has_effect<Tone>(kiosk.last()));
    review_stick(kiosk, ConfigReview{.outcome = ConfigReviewOutcome::no_file},
                 k_configuration_install_key);
    CHECK(shows(kiosk,
                "The USB stick has no kiosk.toml. Put the new configuration there, then "
                "press Enter."));
    review_stick(kiosk,
                 ConfigReview{.outcome = ConfigReviewOutcome::invalid,
                              .changes = {},
                              .problem = "display.width must be between 640 and 7680"},
                 k_configuration_install_key);
    CHECK(shows(kiosk, kiosk.text("service_configuration_change.invalid")));
    CHECK(shows(kiosk, "display.width must be between 640 and 7680"));
    CHECK(journaled(kiosk, "configuration_reviewed", "invalid"));
    review_stick(kiosk, ConfigReview{.outcome = ConfigReviewOutcome::reviewed},
                 k_configuration_install_key);
    CHECK(shows(kiosk, kiosk.text("service_configuration_change.same")));
    CHECK(shows(kiosk, kiosk.text("service_configuration_change.again")));
    CHECK_FALSE(shows(kiosk, kiosk.text("service_configuration_change.install")));
    kiosk.send(KeyPressed{k_configuration_back_key});
    CHECK(kiosk.session().screen.id == "service_configuration");
    // A stick that does not answer: Cancel lets the review go, and its late answer fits nothing.
    const auto asked =
        effects_of<ReviewConfiguration>(kiosk.send(KeyPressed{k_configuration_change_key}));
    REQUIRE(asked.size() == 1);
    CHECK_FALSE(
        has_effect<ReviewConfiguration>(kiosk.send(KeyPressed{k_configuration_install_key})));
    kiosk.send(KeyPressed{k_configuration_back_key});
    CHECK(kiosk.session().screen.id == "service_configuration");
    kiosk.send(ConfigurationReviewed{asked.front().call_id, location_changed()});
    CHECK(kiosk.session().screen.id == "service_configuration");
}

TEST_CASE("A file changed after its review is not installed, and the kiosk does not restart") {
    FlowDriver kiosk = at_configuration(settings_in_use(3));
    review_stick(kiosk, location_changed());
    const auto install =
        effects_of<InstallConfiguration>(kiosk.send(KeyPressed{k_configuration_install_key}));
    REQUIRE(install.size() == 1);
    kiosk.send(ConfigurationInstalled{install.front().call_id, ConfigInstallOutcome::changed, {}});
    CHECK(shows(kiosk, kiosk.text("service_configuration_change.changed_since_review")));
    CHECK(has_effect<Tone>(kiosk.last()));
    CHECK(journaled(kiosk, "configuration_install", "changed"));
    CHECK_FALSE(kiosk.session().restarting);
    CHECK_FALSE(has_effect<RestartKiosk>(kiosk.all()));
    // The review is stale: Enter reads the stick again rather than install.
    CHECK(shows(kiosk, kiosk.text("service_configuration_change.again")));
    review_stick(kiosk, location_changed(), k_configuration_install_key);
    CHECK(has_effect<InstallConfiguration>(kiosk.send(KeyPressed{k_configuration_install_key})));
}

TEST_CASE("Only an administrator's menu offers the configuration") {
    for (const EngineerRole role : {EngineerRole::engineer, EngineerRole::key_custodian}) {
        FlowDriver kiosk = signed_in(role);
        CHECK_FALSE(shows(kiosk, kiosk.text("service_menu.configuration")));
        CHECK_FALSE(
            has_effect<ReadConfiguration>(kiosk.send(KeyPressed{k_service_configuration_key})));
    }
    FlowDriver kiosk = signed_in(EngineerRole::administrator);
    CHECK(shows(kiosk, kiosk.text("service_menu.configuration")));
}

namespace {

// An engineer at the card reader's test, waiting for the test card.
FlowDriver at_card_test() {
    FlowDriver kiosk = signed_in(EngineerRole::engineer);
    kiosk.send(KeyPressed{k_service_self_tests_key});
    CHECK(shows(kiosk, kiosk.text("service_tests.card_test")));
    kiosk.send(KeyPressed{k_card_test_key});
    CHECK(kiosk.session().screen.id == "service_card_test");
    CHECK(shows(kiosk, kiosk.text("service_card_test.insert")));
    return kiosk;
}

// Whether any effect so far shows, says or journals the sample card's number.
bool card_number_anywhere(const FlowDriver& kiosk) {
    const std::string pan(k_sample_pan);
    for (const Effect& effect : kiosk.all()) {
        if (const auto* journal = std::get_if<Journal>(&effect);
            journal != nullptr && journal->detail.find(pan) != std::string::npos) {
            return true;
        }
        if (const auto* shown = std::get_if<Show>(&effect)) {
            for (const Element& element : shown->screen.elements) {
                if (element.text.find(pan) != std::string::npos ||
                    element.speech.find(pan) != std::string::npos) {
                    return true;
                }
            }
        }
    }
    return false;
}

}  // namespace

TEST_CASE(
    "The card reader's test reads a test card as a customer's is, keeps only the outcome, "
    "and gives it back") {
    FlowDriver kiosk = at_card_test();
    CHECK_FALSE(has_effect<EjectCard>(kiosk.send(CardInserted{})));
    CHECK(shows(kiosk, kiosk.text("service_card_test.reading")));
    const auto& read = kiosk.send(CardRead{sample_card_with_arqc(), {}});
    CHECK(has_effect<EjectCard>(read));
    CHECK(shows(kiosk, kiosk.text("service_card_test.read")));
    CHECK(shows(kiosk, kiosk.text("service_card_test.cryptogram")));
    CHECK(shows(kiosk, kiosk.text("service_card_test.take")));
    CHECK(journaled(kiosk, "card_test", "read, cryptogram"));
    CHECK_FALSE(kiosk.session().card.has_value());
    // Back once taken; another card reads again.
    kiosk.send(CardRemoved{});
    CHECK(shows(kiosk, kiosk.text("service_card_test.again")));
    kiosk.send(CardInserted{});
    kiosk.send(CardRead{sample_card(), CalendarMonth{2030, 1}});
    CHECK(shows(kiosk, kiosk.text("service_card_test.fault_expired")));
    CHECK(journaled(kiosk, "card_test", "expired"));
    CHECK_FALSE(card_number_anywhere(kiosk));
    kiosk.send(CardRemoved{});
    kiosk.send(KeyPressed{k_card_test_back_key});
    CHECK(kiosk.session().screen.id == "service_tests");
}

TEST_CASE(
    "A test card that cannot be read, or a reader that never answers, is said so and the "
    "card given back") {
    FlowDriver kiosk = at_card_test();
    kiosk.send(CardInserted{});
    // No way back while the reader has it.
    kiosk.send(KeyPressed{k_card_test_back_key});
    CHECK(kiosk.session().screen.id == "service_card_test");
    const auto& failed = kiosk.send(CardReadFailed{"no ATR", CardFault::unreadable});
    CHECK(has_effect<EjectCard>(failed));
    CHECK(has_effect<Tone>(failed));
    CHECK(shows(kiosk, kiosk.text("service_card_test.fault_unreadable")));
    CHECK(journaled(kiosk, "card_test", "no ATR"));
    kiosk.send(CardRemoved{});
    kiosk.send(CardInserted{});
    CHECK(has_effect<EjectCard>(kiosk.fire(TimerId::card_read)));
    CHECK(journaled(kiosk, "card_test", "no answer from the reader"));
}

TEST_CASE(
    "A card anywhere else in the menu goes straight back, and one being read goes back "
    "when the engineer leaves") {
    FlowDriver kiosk = signed_in(EngineerRole::engineer);
    kiosk.send(KeyPressed{k_service_self_tests_key});
    CHECK(has_effect<EjectCard>(kiosk.send(CardInserted{})));
    kiosk.send(CardRemoved{});
    kiosk.send(KeyPressed{k_card_test_key});
    kiosk.send(CardInserted{});
    kiosk.forget();
    kiosk.fire(TimerId::service_idle);
    CHECK(has_effect<EjectCard>(kiosk.all()));
    CHECK(journaled(kiosk, "card_test", "given back unread"));
    // Its read, arriving late, starts nothing.
    kiosk.send(CardRead{sample_card(), {}});
    CHECK(kiosk.session().state == State::welcome);
    CHECK_FALSE(kiosk.session().card.has_value());
}
