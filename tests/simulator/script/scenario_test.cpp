#include <catch2/catch.hpp>

#include "simulator/script/scenario.h"

using namespace simulator::script;

namespace {

// Why the parser refuses a scenario of this text.
ScenarioError code_of(std::string_view text) {
    const auto rejected = parse_scenario(text);
    REQUIRE_FALSE(rejected.has_value());
    return rejected.error().code;
}

}  // namespace

TEST_CASE("A scenario reads every kind of step") {
    const auto scenario = parse_scenario(R"(# balance in Chinese
expect screen welcome
insert card zhang-wei
type pin 1234
press enter 1
plug headphones
unplug headphones
wait 1.5s
fault account unavailable
expect speech "请插入" on speaker within 20s
expect speech private on headphones
expect screens welcome reading_card
forbid speech private on speaker
forbid text "6228480402564890018"
remove card
take cash
)");
    REQUIRE(scenario.has_value());
    REQUIRE(scenario->steps.size() == 15);
    CHECK(std::get<ExpectScreen>(scenario->steps[0].action).id == "welcome");
    CHECK(std::get<InsertCard>(scenario->steps[1].action).name == "zhang-wei");
    CHECK(std::get<TypePin>(scenario->steps[2].action).digits == "1234");
    CHECK(std::get<PressKeys>(scenario->steps[3].action).keys ==
          std::vector<base::Key>{base::Key::enter, base::Key::digit_1});
    CHECK(std::get<Headphones>(scenario->steps[4].action).plugged);
    CHECK_FALSE(std::get<Headphones>(scenario->steps[5].action).plugged);
    CHECK(std::get<Wait>(scenario->steps[6].action).duration == Milliseconds(1500));
    CHECK(std::get<Fault>(scenario->steps[7].action).mode == "unavailable");
    const auto& speech = std::get<ExpectSpeech>(scenario->steps[8].action);
    CHECK(speech.pattern.text == "请插入");
    CHECK(speech.pattern.channel == "speaker");
    CHECK(speech.within == Milliseconds(20'000));
    CHECK(std::get<ExpectSpeech>(scenario->steps[9].action).pattern.is_private);
    CHECK(std::get<ExpectScreens>(scenario->steps[10].action).ids.size() == 2);
    CHECK(std::get<ForbidSpeech>(scenario->steps[11].action).pattern.channel == "speaker");
    CHECK(std::get<ForbidText>(scenario->steps[12].action).text == "6228480402564890018");
    CHECK(scenario->steps[13].line == 15);
    CHECK(std::holds_alternative<RemoveCard>(scenario->steps[13].action));
    CHECK(std::holds_alternative<TakeCash>(scenario->steps[14].action));
}

TEST_CASE("A key pressed twice quickly is one step, and only with a key it knows") {
    const auto scenario = parse_scenario("press 1 twice quickly\npress enter twice quickly\n");
    REQUIRE(scenario.has_value());
    REQUIRE(scenario->steps.size() == 2);
    CHECK(std::get<PressTwiceQuickly>(scenario->steps[0].action).key == base::Key::digit_1);
    CHECK(std::get<PressTwiceQuickly>(scenario->steps[1].action).key == base::Key::enter);
    const auto unknown = parse_scenario("press eleven twice quickly\n");
    REQUIRE_FALSE(unknown.has_value());
    CHECK(unknown.error().code == ScenarioError::unknown_key);
    // "twice" alone is no key either.
    REQUIRE_FALSE(parse_scenario("press 1 twice\n").has_value());
}

TEST_CASE("Devices are plugged and unplugged by name, and the speech fault set") {
    const auto scenario = parse_scenario(R"(unplug card reader
plug card reader
unplug pin pad
plug pin pad
make speech fail
make speech work
press star hash audio
)");
    REQUIRE(scenario.has_value());
    REQUIRE(scenario->steps.size() == 7);
    const auto plug = [&](std::size_t index) {
        return std::get<PlugDevice>(scenario->steps[index].action);
    };
    CHECK(plug(0).device == Device::card_reader);
    CHECK_FALSE(plug(0).plugged);
    CHECK(plug(1).device == Device::card_reader);
    CHECK(plug(1).plugged);
    CHECK(plug(2).device == Device::pin_pad);
    CHECK_FALSE(plug(2).plugged);
    CHECK(plug(3).device == Device::pin_pad);
    CHECK(plug(3).plugged);
    CHECK(std::get<SpeechFault>(scenario->steps[4].action).failing);
    CHECK_FALSE(std::get<SpeechFault>(scenario->steps[5].action).failing);
    CHECK(std::get<PressKeys>(scenario->steps[6].action).keys ==
          std::vector<base::Key>{base::Key::star, base::Key::hash, base::Key::audio});
    for (const auto* wrong : {"unplug scanner", "plug card", "unplug card reader now",
                              "make speech", "make speech louder", "make voice fail"}) {
        INFO(wrong);
        const auto rejected = parse_scenario(wrong);
        REQUIRE_FALSE(rejected.has_value());
        CHECK(rejected.error().code == ScenarioError::unknown_step);
    }
}

TEST_CASE("A text shown on a screen and speech heard in full are expected") {
    const auto scenario = parse_scenario(R"(expect shown "请插入您的银行卡"
expect shown "暂时不能插卡" within 5s
expect speech "卡片在插卡口" in full on speaker within 60s
expect speech "卡片在插卡口" on speaker in full
expect speech "卡片在插卡口"
)");
    REQUIRE(scenario.has_value());
    REQUIRE(scenario->steps.size() == 5);
    const auto& shown = std::get<ExpectShown>(scenario->steps[0].action);
    CHECK(shown.text == "请插入您的银行卡");
    CHECK(shown.within == k_default_screen_wait);
    CHECK(std::get<ExpectShown>(scenario->steps[1].action).within == Milliseconds(5000));
    const auto& full = std::get<ExpectSpeech>(scenario->steps[2].action);
    CHECK(full.in_full);
    CHECK(full.pattern.channel == "speaker");
    CHECK(full.within == Milliseconds(60'000));
    CHECK(std::get<ExpectSpeech>(scenario->steps[3].action).in_full);
    CHECK_FALSE(std::get<ExpectSpeech>(scenario->steps[4].action).in_full);
    for (const auto* wrong : {"expect shown", "expect shown welcome", "expect shown \"x\" in full",
                              "forbid speech \"x\" in full", "expect speech \"x\" in part"}) {
        INFO(wrong);
        CHECK_FALSE(parse_scenario(wrong).has_value());
    }
}

TEST_CASE("A mistake in a scenario names its line and what is wrong") {
    const auto scenario = parse_scenario("expect screen welcome\npress enter banana\n");
    REQUIRE_FALSE(scenario.has_value());
    CHECK(scenario.error().code == ScenarioError::unknown_key);
    const std::string message = base::to_string(scenario.error());
    CHECK(message.find("line 2") != std::string::npos);
    CHECK(message.find("banana") != std::string::npos);
}

TEST_CASE("Unclosed quotes, bad durations, bad channels and unknown steps are rejected") {
    CHECK(code_of("expect speech \"hello") == ScenarioError::unclosed_quote);
    CHECK(code_of("wait soon") == ScenarioError::bad_duration);
    CHECK(code_of("wait -2s") == ScenarioError::bad_duration);
    CHECK(code_of("expect screen welcome within soon") == ScenarioError::bad_duration);
    CHECK(code_of("expect speech \"hi\" on radio") == ScenarioError::unknown_channel);
    CHECK(code_of("expect speech loudly") == ScenarioError::missing_pattern);
    CHECK(code_of("expect screen welcome now") == ScenarioError::unexpected_word);
    CHECK(code_of("dance") == ScenarioError::unknown_step);
    CHECK(code_of("type pin 12a4") == ScenarioError::pin_not_digits);
    CHECK(code_of("expect screen") == ScenarioError::unknown_step);
}

TEST_CASE("A memory check is read as one step of three words") {
    const auto scenario = parse_scenario("remove card\nexpect memory clean\n");
    REQUIRE(scenario.has_value());
    REQUIRE(scenario->steps.size() == 2);
    CHECK(std::holds_alternative<ExpectMemoryClean>(scenario->steps[1].action));
    CHECK(scenario->steps[1].line == 2);
    for (const auto* wrong : {"expect memory", "expect memory dirty", "expect memory clean now"}) {
        const auto rejected = parse_scenario(wrong);
        REQUIRE_FALSE(rejected.has_value());
        CHECK(rejected.error().code == ScenarioError::unknown_step);
    }
}

TEST_CASE("A PIN length check is read as one step of three words") {
    const auto scenario = parse_scenario("expect screen welcome\nforbid pin length\n");
    REQUIRE(scenario.has_value());
    REQUIRE(scenario->steps.size() == 2);
    CHECK(std::holds_alternative<ForbidPinLength>(scenario->steps[1].action));
    for (const auto* wrong : {"forbid pin", "forbid pin lengths", "forbid pin length now"}) {
        const auto rejected = parse_scenario(wrong);
        REQUIRE_FALSE(rejected.has_value());
        CHECK(rejected.error().code == ScenarioError::unknown_step);
    }
}

TEST_CASE("Durations read milliseconds and seconds") {
    CHECK(parse_duration("250ms") == Milliseconds(250));
    CHECK(parse_duration("2s") == Milliseconds(2000));
    CHECK(parse_duration("0.5s") == Milliseconds(500));
    CHECK_FALSE(parse_duration("2").has_value());
    CHECK_FALSE(parse_duration("ms").has_value());
}

TEST_CASE("The printer's cable, paper and cover are steps") {
    const auto scenario = parse_scenario(R"(unplug printer
plug printer
printer paper low
printer paper out
printer paper ok
printer cover open
printer cover closed
)");
    REQUIRE(scenario.has_value());
    REQUIRE(scenario->steps.size() == 7);
    CHECK(std::get<PlugDevice>(scenario->steps[0].action).device == Device::printer);
    CHECK_FALSE(std::get<PlugDevice>(scenario->steps[0].action).plugged);
    CHECK(std::get<PlugDevice>(scenario->steps[1].action).plugged);
    CHECK(std::get<PrinterPaper>(scenario->steps[2].action).paper == Paper::low);
    CHECK(std::get<PrinterPaper>(scenario->steps[3].action).paper == Paper::out);
    CHECK(std::get<PrinterPaper>(scenario->steps[4].action).paper == Paper::ok);
    CHECK(std::get<PrinterCover>(scenario->steps[5].action).open);
    CHECK_FALSE(std::get<PrinterCover>(scenario->steps[6].action).open);
    for (const auto* wrong : {"printer paper", "printer paper empty", "printer paper ok now",
                              "printer cover shut", "printer cover", "printer jam"}) {
        INFO(wrong);
        const auto rejected = parse_scenario(wrong);
        REQUIRE_FALSE(rejected.has_value());
        CHECK(rejected.error().code == ScenarioError::unknown_step);
    }
}

TEST_CASE("Staff acknowledge with a name and an estimate, or as the default lobby manager") {
    const auto scenario = parse_scenario(R"(staff acknowledge
staff acknowledge "陈经理"
staff acknowledge eta 90s
staff acknowledge "Li" eta 1.2s
staff close
)");
    REQUIRE(scenario.has_value());
    REQUIRE(scenario->steps.size() == 5);
    const auto acknowledge = [&](std::size_t index) {
        return std::get<StaffAcknowledge>(scenario->steps[index].action);
    };
    CHECK(acknowledge(0).name == k_default_staff_name);
    CHECK_FALSE(acknowledge(0).eta.has_value());
    CHECK(acknowledge(1).name == "陈经理");
    CHECK(acknowledge(2).name == k_default_staff_name);
    CHECK(acknowledge(2).eta == std::chrono::seconds(90));
    CHECK(acknowledge(3).name == "Li");
    // The contract counts whole seconds.
    CHECK(acknowledge(3).eta == std::chrono::seconds(1));
    CHECK(std::holds_alternative<StaffClose>(scenario->steps[4].action));

    CHECK(code_of("staff acknowledge eta soon") == ScenarioError::bad_duration);
    CHECK(code_of("staff acknowledge eta 3601s") == ScenarioError::eta_too_long);
    CHECK(code_of("staff acknowledge Wang") == ScenarioError::unexpected_word);
    CHECK(code_of("staff acknowledge \"Wang\" eta") == ScenarioError::unexpected_word);
    CHECK(code_of("staff close now") == ScenarioError::unknown_step);
    CHECK(code_of("staff dance") == ScenarioError::unknown_step);
    CHECK(parse_scenario("staff acknowledge eta 3600s").has_value());
}

TEST_CASE("A journal record is a step to wait for, with its own wait") {
    const auto scenario = parse_scenario(R"(expect journal "withdrawal_dispensed"
expect journal "withdrawal_presented" within 30s
)");
    REQUIRE(scenario.has_value());
    REQUIRE(scenario->steps.size() == 2);
    const auto& dispensed = std::get<ExpectJournal>(scenario->steps[0].action);
    CHECK(dispensed.event == "withdrawal_dispensed");
    CHECK(dispensed.within == k_default_screen_wait);
    CHECK(std::get<ExpectJournal>(scenario->steps[1].action).within == Milliseconds(30'000));
    CHECK(code_of("expect journal withdrawal_dispensed") == ScenarioError::unknown_step);
    CHECK(code_of("expect journal \"withdrawal_dispensed\" within soon") ==
          ScenarioError::bad_duration);
}

TEST_CASE("A queue fault, a restart and what was printed and delivered are steps") {
    const auto scenario = parse_scenario(R"(fault queue unavailable
restart kiosk
expect printed "A0"
expect printed "请带好" within 5s
expect delivered survey 1
expect delivered complaint 0 within 2s
expect delivered call 12 within 90s
)");
    REQUIRE(scenario.has_value());
    REQUIRE(scenario->steps.size() == 7);
    CHECK(std::get<Fault>(scenario->steps[0].action).service == "queue");
    CHECK(std::holds_alternative<RestartKiosk>(scenario->steps[1].action));
    const auto& printed = std::get<ExpectPrinted>(scenario->steps[2].action);
    CHECK(printed.text == "A0");
    CHECK(printed.within == k_default_screen_wait);
    CHECK(std::get<ExpectPrinted>(scenario->steps[3].action).within == Milliseconds(5000));
    const auto delivered = [&](std::size_t index) {
        return std::get<ExpectDelivered>(scenario->steps[index].action);
    };
    CHECK(delivered(4).what == Delivery::survey);
    CHECK(delivered(4).count == 1);
    CHECK(delivered(4).within == k_default_delivery_wait);
    CHECK(delivered(5).what == Delivery::complaint);
    CHECK(delivered(5).count == 0);
    CHECK(delivered(5).within == Milliseconds(2000));
    CHECK(delivered(6).what == Delivery::call);
    CHECK(delivered(6).count == 12);

    CHECK(code_of("expect delivered survey -1") == ScenarioError::bad_count);
    CHECK(code_of("expect delivered survey one") == ScenarioError::bad_count);
    CHECK(code_of("expect delivered survey 2x") == ScenarioError::bad_count);
    CHECK(code_of("expect delivered ticket 1") == ScenarioError::unknown_step);
    CHECK(code_of("expect delivered survey") == ScenarioError::unknown_step);
    CHECK(code_of("expect delivered survey 1 soon") == ScenarioError::unexpected_word);
    CHECK(code_of("expect printed A023") == ScenarioError::unknown_step);
    CHECK(code_of("expect printed \"A023\" within soon") == ScenarioError::bad_duration);
    CHECK(code_of("restart kiosk now") == ScenarioError::unknown_step);
    CHECK(code_of("restart") == ScenarioError::unknown_step);
}

TEST_CASE("A configuration on the USB stick and the kiosk's own restart are steps") {
    const auto scenario =
        parse_scenario(R"(put configuration on usb stick with kiosk.location = "Hall 2"
put configuration on usb stick with display.width = 1920
expect kiosk restarted
expect kiosk restarted within 40s
)");
    REQUIRE(scenario.has_value());
    REQUIRE(scenario->steps.size() == 4);
    const auto& location = std::get<PutConfiguration>(scenario->steps[0].action);
    CHECK(location.setting == "kiosk.location");
    CHECK(location.value == "\"Hall 2\"");
    CHECK(std::get<PutConfiguration>(scenario->steps[1].action).value == "1920");
    const auto& restarted = std::get<RestartKiosk>(scenario->steps[2].action);
    CHECK(restarted.end == KioskEnd::restarted_itself);
    CHECK(restarted.within == k_default_screen_wait);
    CHECK(std::get<RestartKiosk>(scenario->steps[3].action).within == std::chrono::seconds{40});
    const auto rejected = [](std::string_view text) {
        const auto parsed = parse_scenario(text);
        REQUIRE_FALSE(parsed.has_value());
        return parsed.error().code;
    };
    CHECK(rejected("put configuration on usb stick with kiosk.location") ==
          ScenarioError::unknown_step);
    CHECK(rejected("put configuration on usb stick kiosk.location = 1") ==
          ScenarioError::unknown_step);
    CHECK(rejected("expect kiosk restarted soon") == ScenarioError::unexpected_word);
}

TEST_CASE(
    "Faults aimed at one call, the dispenser's jam, a killed kiosk and the ledger are steps") {
    const auto scenario = parse_scenario(R"(fault account drop-after-commit for withdrawal_confirm
fault account slow
fault dispenser jam
kill kiosk
restart kiosk
expect ledger balanced
expect ledger balanced nothing held
arm kill after journal "withdrawal_dispensed"
expect kiosk killed within 20s
expect kiosk killed
expect transferred 100 yuan
expect transferred 12.50 yuan
)");
    REQUIRE(scenario.has_value());
    REQUIRE(scenario->steps.size() == 12);
    const auto& aimed = std::get<Fault>(scenario->steps[0].action);
    CHECK(aimed.service == "account");
    CHECK(aimed.mode == "drop-after-commit");
    CHECK(aimed.call == "withdrawal_confirm");
    CHECK(std::get<Fault>(scenario->steps[1].action).call.empty());
    CHECK(std::get<Fault>(scenario->steps[2].action).service == "dispenser");
    CHECK(std::get<RestartKiosk>(scenario->steps[3].action).end == KioskEnd::killed);
    CHECK(std::get<RestartKiosk>(scenario->steps[4].action).end == KioskEnd::stopped);
    CHECK_FALSE(std::get<ExpectLedgerBalanced>(scenario->steps[5].action).nothing_held);
    CHECK(std::get<ExpectLedgerBalanced>(scenario->steps[6].action).nothing_held);
    CHECK(std::get<ArmKill>(scenario->steps[7].action).journal_event == "withdrawal_dispensed");
    const auto& killed = std::get<RestartKiosk>(scenario->steps[8].action);
    CHECK(killed.end == KioskEnd::killed_itself);
    CHECK(killed.within == std::chrono::seconds{20});
    CHECK(std::get<RestartKiosk>(scenario->steps[9].action).within == k_default_screen_wait);
    CHECK(std::get<ExpectTransferred>(scenario->steps[10].action).minor_units == 10'000);
    CHECK(std::get<ExpectTransferred>(scenario->steps[11].action).minor_units == 1'250);

    const auto rejected = [](std::string_view text) {
        const auto parsed = parse_scenario(text);
        REQUIRE_FALSE(parsed.has_value());
        return parsed.error();
    };
    CHECK(rejected("fault account slow quote").code == ScenarioError::unknown_step);
    CHECK(rejected("fault account slow for").code == ScenarioError::unknown_step);
    CHECK(rejected("kill kiosk now").code == ScenarioError::unknown_step);
    CHECK(rejected("kill").code == ScenarioError::unknown_step);
    CHECK(rejected("expect ledger").code == ScenarioError::unknown_step);
    CHECK(rejected("arm kill after journal withdrawal_dispensed").code ==
          ScenarioError::unknown_step);
    CHECK(rejected("arm kill after journal").code == ScenarioError::unknown_step);
    CHECK(rejected("expect kiosk killed soon").code == ScenarioError::unexpected_word);
    CHECK(rejected("expect transferred 12.5 yuan").code == ScenarioError::unexpected_word);
    CHECK(rejected("expect transferred lots yuan").code == ScenarioError::unexpected_word);
    CHECK(rejected("expect transferred 100").code == ScenarioError::unknown_step);
    CHECK(rejected("expect ledger balanced nothing").code == ScenarioError::unknown_step);
    const auto extra = rejected("expect ledger balanced today");
    CHECK(extra.code == ScenarioError::unexpected_word);
    CHECK(extra.context == "line 1: 'today'");
    CHECK(rejected("expect ledger balanced nothing lost").context == "line 1: 'lost'");
}

TEST_CASE("A field engineer's steps: the service switch, the cabinet door and the secrets") {
    auto scenario = parse_scenario(R"(turn service switch on
turn service switch off
open cabinet door
close cabinet door
type password for 1001
type one-time code for 20010001
forbid password for 3001
)");
    REQUIRE(scenario.has_value());
    REQUIRE(scenario->steps.size() == 7);
    CHECK(std::get<ServiceSwitch>(scenario->steps[0].action).on);
    CHECK_FALSE(std::get<ServiceSwitch>(scenario->steps[1].action).on);
    CHECK(std::get<CabinetDoor>(scenario->steps[2].action).open);
    CHECK_FALSE(std::get<CabinetDoor>(scenario->steps[3].action).open);
    const auto& password = std::get<TypeEngineerSecret>(scenario->steps[4].action);
    CHECK(password.secret == EngineerSecret::password);
    CHECK(password.engineer_id == "1001");
    const auto& code = std::get<TypeEngineerSecret>(scenario->steps[5].action);
    CHECK(code.secret == EngineerSecret::one_time_code);
    CHECK(code.engineer_id == "20010001");
    CHECK(std::get<ForbidPassword>(scenario->steps[6].action).engineer_id == "3001");
}

TEST_CASE("A new engineer scans the set-up slip of a staff number") {
    auto scenario = parse_scenario("scan set-up slip for 5005\n");
    REQUIRE(scenario.has_value());
    REQUIRE(scenario->steps.size() == 1);
    CHECK(std::get<ScanSetUpSlip>(scenario->steps[0].action).engineer_id == "5005");
    for (const std::string_view wrong : {"scan set-up slip for 12", "scan set-up slip 5005",
                                         "scan slip for 5005", "scan set-up slip for"}) {
        INFO(wrong);
        CHECK_FALSE(parse_scenario(wrong).has_value());
    }
}

TEST_CASE("A key custodian types component 1 or 2 of the key forms, rightly or with a typo") {
    auto scenario = parse_scenario(R"(type master key component 1
type master key component 2 with a typo
)");
    REQUIRE(scenario.has_value());
    REQUIRE(scenario->steps.size() == 2);
    const auto& first = std::get<TypeKeyComponent>(scenario->steps[0].action);
    CHECK(first.component == 1);
    CHECK_FALSE(first.typo);
    const auto& second = std::get<TypeKeyComponent>(scenario->steps[1].action);
    CHECK(second.component == 2);
    CHECK(second.typo);
    for (const std::string_view wrong :
         {"type master key component 3", "type master key component", "type master key 1",
          "type master key component 1 with typo", "type master key component 1 typo"}) {
        INFO(wrong);
        CHECK_FALSE(parse_scenario(wrong).has_value());
    }
}

TEST_CASE("An engineer's step with a bad staff number or a word too many or few is refused") {
    const auto error_of = [](std::string_view text) {
        auto scenario = parse_scenario(text);
        REQUIRE_FALSE(scenario.has_value());
        return scenario.error();
    };
    CHECK(error_of("type password for 101").code == ScenarioError::bad_engineer_id);
    CHECK(error_of("type password for 123456789").code == ScenarioError::bad_engineer_id);
    CHECK(error_of("type one-time code for 10a1").code == ScenarioError::bad_engineer_id);
    CHECK(error_of("forbid password for engineer").code == ScenarioError::bad_engineer_id);
    CHECK(error_of("type password 1001").code == ScenarioError::unknown_step);
    CHECK(error_of("type password for").code == ScenarioError::unknown_step);
    CHECK(error_of("type password for 1001 now").code == ScenarioError::unknown_step);
    CHECK(error_of("type one-time for 1001").code == ScenarioError::unknown_step);
    CHECK(error_of("type one-time codes for 1001").code == ScenarioError::unknown_step);
    CHECK(error_of("turn service switch").code == ScenarioError::unknown_step);
    CHECK(error_of("turn service switch up").code == ScenarioError::unknown_step);
    CHECK(error_of("turn service key on").code == ScenarioError::unknown_step);
    CHECK(error_of("open cabinet").code == ScenarioError::unknown_step);
    CHECK(error_of("open safe door").code == ScenarioError::unknown_step);
    // The error names the line and the staff number at fault.
    const auto named = error_of("\ntype password for 12");
    CHECK(base::to_string(named).find("line 2") != std::string::npos);
    CHECK(base::to_string(named).find("'12'") != std::string::npos);
}
