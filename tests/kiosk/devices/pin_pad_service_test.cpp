// THE PIN pad test: the kiosk's PIN pad model, through real libusb and the drivers' EPP code,
// against the simulator's pad on the umockdev virtual bus. The PIN is typed on the pad and
// checked only by deciphering the block the kiosk received, as the account service would.

#include "kiosk/devices/pin_pad_service.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <thread>

#include <catch2/catch.hpp>

#include "drivers/dukpt/derivation.h"
#include "drivers/iso9564/pin_block.h"
#include "simulator/devices/virtual_epp.h"
#include "simulator/usb/virtual_usb_bus.h"
#include "tests/kiosk/devices/event_recorder.h"

using namespace kiosk;
using namespace kiosk::devices;
using namespace kiosk::devices::test;
using base::Key;
using simulator::devices::VirtualEpp;

namespace {

// The shared ISO 9564 test key (docs/platform-facts.md, check value 08D7B4).
constexpr std::array<std::uint8_t, 16> k_working_key{
    0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10};
constexpr std::string_view k_pan = "6228480402564890018";  // the zhang-wei demo card

core::CardNumber card_number() {
    auto number = core::CardNumber::parse(k_pan);
    REQUIRE(number);
    return *number;
}

struct PadKiosk {
    simulator::usb::VirtualUsbBus bus;
    std::shared_ptr<VirtualEpp> pad = std::make_shared<VirtualEpp>(k_working_key);
    std::optional<simulator::usb::DeviceHandle> pad_handle;
    EventRecorder recorder;
    PinPadService service;

    void plug_pad() {
        auto handle = bus.plug(pad);
        REQUIRE(handle);
        pad_handle = *handle;
    }
    void unplug_pad() {
        REQUIRE(pad_handle);
        REQUIRE(bus.unplug(*pad_handle));
        pad_handle.reset();
    }
    void start() {
        service.start(recorder.sink(), recorder.notice());
        REQUIRE(eventually([&] { return service.state() == PinPadState::idle; }));
    }
    void start_entry(core::PinPurpose purpose = core::PinPurpose::sign_on) {
        service.start_pin_entry(card_number(), purpose);
        // The kiosk learns that the pad collects before any digit can be typed into it.
        REQUIRE(recorder.skip_to<core::PinEntryReady>());
        REQUIRE(service.state() == PinPadState::collecting);
        REQUIRE(pad->mode() == drivers::epp::PadMode::pin_entry);
    }
    void type(std::string_view digits) {
        for (const char digit : digits) {
            pad->press(*base::digit_key(digit - '0'));
        }
    }
};

}  // namespace

TEST_CASE("in function-key mode a function key is reported and a digit is not") {
    PadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start();
    CHECK(kiosk.pad->mode() == drivers::epp::PadMode::function_keys);

    // Prompt control (docs/protocols/epp.md §4.3): no digit travels in the clear unless the
    // kiosk asked for one, so a PIN typed at the wrong moment never reaches it.
    kiosk.pad->press(Key::digit_7);
    CHECK(kiosk.recorder.stays_quiet(300ms));
    kiosk.pad->press(Key::help);
    const auto help = kiosk.recorder.expect<core::KeyPressed>();
    REQUIRE(help);
    CHECK(help->key == base::Key::help);
    kiosk.pad->press(Key::cancel);
    const auto cancel = kiosk.recorder.expect<core::KeyPressed>();
    REQUIRE(cancel);
    CHECK(cancel->key == base::Key::cancel);
}

TEST_CASE(
    "a menu screen gets one digit from the pad, then the pad reports none until asked again") {
    PadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start();
    kiosk.service.set_keypad(KeypadUse::menu_choice);
    REQUIRE(eventually([&] { return kiosk.pad->mode() == drivers::epp::PadMode::clear_digits; }));
    kiosk.pad->press(Key::digit_1);
    kiosk.pad->press(Key::digit_2);  // typed on: the window closed with the first digit
    const auto one = kiosk.recorder.expect<core::KeyPressed>();
    REQUIRE(one);
    CHECK(one->key == base::Key::digit_1);
    CHECK(kiosk.recorder.stays_quiet(300ms));
    CHECK(kiosk.pad->mode() == drivers::epp::PadMode::function_keys);

    kiosk.service.set_keypad(KeypadUse::menu_choice);
    REQUIRE(eventually([&] { return kiosk.pad->mode() == drivers::epp::PadMode::clear_digits; }));
    kiosk.pad->press(Key::digit_3);
    const auto three = kiosk.recorder.expect<core::KeyPressed>();
    REQUIRE(three);
    CHECK(three->key == base::Key::digit_3);

    kiosk.service.set_keypad(KeypadUse::function_keys);
    REQUIRE(eventually([&] { return kiosk.pad->mode() == drivers::epp::PadMode::function_keys; }));
    kiosk.pad->press(Key::digit_4);
    CHECK(kiosk.recorder.stays_quiet(300ms));
}

TEST_CASE("digits typed between the menu and the PIN prompt never reach the kiosk") {
    PadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start();
    // The reading-card screen takes no digits: the kiosk says so before the PIN prompt.
    kiosk.service.set_keypad(KeypadUse::function_keys);
    kiosk.pad->press(Key::digit_1);
    kiosk.pad->press(Key::digit_2);
    kiosk.start_entry();
    kiosk.type("34");
    // Only counts come, and only for the digits typed once the pad collected them.
    const auto first = kiosk.recorder.expect<core::PinDigitEntered>();
    REQUIRE(first);
    CHECK(first->count == 1);
    for (const auto& event : kiosk.recorder.events()) {
        CHECK_FALSE(std::holds_alternative<core::KeyPressed>(event));
    }
}

TEST_CASE("a four-digit PIN entry reports four counts and a block that deciphers to the PIN") {
    PadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start();
    kiosk.start_entry();

    kiosk.type("1234");
    for (int count = 1; count <= 4; ++count) {
        const auto digit = kiosk.recorder.expect<core::PinDigitEntered>();
        REQUIRE(digit);
        CHECK(digit->count == count);
    }
    kiosk.pad->press(Key::enter);
    const auto entered = kiosk.recorder.expect<core::PinEntered>();
    REQUIRE(entered);
    REQUIRE(entered->block.bytes().size() == 8);
    std::array<std::uint8_t, 8> block{};
    std::copy(entered->block.bytes().begin(), entered->block.bytes().end(), block.begin());
    const auto pin = drivers::iso9564::format0_decrypt_pin(block, k_pan, k_working_key);
    REQUIRE(pin);
    CHECK(*pin == "1234");
    CHECK(eventually([&] { return kiosk.service.state() == PinPadState::idle; }));
    CHECK(kiosk.pad->mode() == drivers::epp::PadMode::function_keys);
}

TEST_CASE("a new PIN typed twice alike reaches the kiosk as NewPinAgain, then its block") {
    PadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start();
    kiosk.start_entry(core::PinPurpose::new_pin);

    kiosk.type("2580");
    kiosk.pad->press(Key::enter);
    for (int count = 1; count <= 4; ++count) {
        REQUIRE(kiosk.recorder.expect<core::PinDigitEntered>());
    }
    // The pad holds the first entry: no block yet, and the count starts again.
    REQUIRE(kiosk.recorder.expect<core::NewPinAgain>());
    CHECK(kiosk.service.state() == PinPadState::collecting);
    kiosk.type("2580");
    for (int count = 1; count <= 4; ++count) {
        const auto digit = kiosk.recorder.expect<core::PinDigitEntered>();
        REQUIRE(digit);
        CHECK(digit->count == count);
    }
    kiosk.pad->press(Key::enter);
    const auto entered = kiosk.recorder.expect<core::PinEntered>();
    REQUIRE(entered);
    std::array<std::uint8_t, 8> block{};
    REQUIRE(entered->block.bytes().size() == block.size());
    std::copy(entered->block.bytes().begin(), entered->block.bytes().end(), block.begin());
    const auto pin = drivers::iso9564::format0_decrypt_pin(block, k_pan, k_working_key);
    REQUIRE(pin);
    CHECK(*pin == "2580");
    CHECK(eventually([&] { return kiosk.service.state() == PinPadState::idle; }));
}

TEST_CASE("new PIN entries that differ reach the kiosk as NewPinsDiffer and end the entry") {
    PadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start();
    kiosk.start_entry(core::PinPurpose::new_pin);

    kiosk.type("2580");
    kiosk.pad->press(Key::enter);
    REQUIRE(kiosk.recorder.skip_to<core::NewPinAgain>());
    kiosk.type("2581");
    kiosk.pad->press(Key::enter);
    CHECK(kiosk.recorder.skip_to<core::NewPinsDiffer>());
    CHECK(eventually([&] { return kiosk.service.state() == PinPadState::idle; }));
    CHECK(kiosk.pad->mode() == drivers::epp::PadMode::function_keys);
    CHECK(kiosk.recorder.stays_quiet(300ms));  // no block, no cancel, no failure follows
    CHECK(kiosk.recorder.wait_for_notice("new pins differ"));
}

TEST_CASE("clearing the digits during PIN entry is reported without the digits") {
    PadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start();
    kiosk.start_entry();

    kiosk.type("98");
    REQUIRE(kiosk.recorder.skip_to<core::PinDigitEntered>());
    REQUIRE(kiosk.recorder.expect<core::PinDigitEntered>());
    kiosk.pad->press(Key::clear);
    CHECK(kiosk.recorder.expect<core::PinCleared>());
    kiosk.type("5");
    const auto again = kiosk.recorder.expect<core::PinDigitEntered>();
    REQUIRE(again);
    CHECK(again->count == 1);
}

TEST_CASE("cancel on the pad ends the PIN entry as cancelled") {
    PadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start();
    kiosk.start_entry();
    kiosk.type("12");
    kiosk.pad->press(Key::cancel);
    CHECK(kiosk.recorder.skip_to<core::PinEntryCancelled>());
    CHECK(eventually([&] { return kiosk.service.state() == PinPadState::idle; }));
}

TEST_CASE("the kiosk cancelling a PIN entry ends it as cancelled") {
    PadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start();
    kiosk.start_entry();
    kiosk.service.cancel_pin_entry();
    CHECK(kiosk.recorder.expect<core::PinEntryCancelled>());
    CHECK(eventually([&] { return kiosk.pad->mode() != drivers::epp::PadMode::pin_entry; }));
}

TEST_CASE("a PIN entry that times out on the pad is reported failed") {
    PadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start();
    kiosk.start_entry();
    kiosk.pad->expire_pin_entry();
    const auto failed = kiosk.recorder.expect<core::PinEntryFailed>();
    REQUIRE(failed);
    CHECK_FALSE(failed->reason.empty());
}

TEST_CASE("a tampered pad refuses PIN entry and the kiosk is told") {
    PadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start();
    kiosk.pad->tamper();
    // docs/protocols/epp.md §8.6: staff hear of it, and the keypad is out of service.
    const auto fault = kiosk.recorder.skip_to<core::DeviceFailed>();
    REQUIRE(fault);
    CHECK(fault->reason == "pad reports tampering");
    CHECK(kiosk.recorder.expect<core::DeviceMissing>());
    kiosk.service.start_pin_entry(card_number(), core::PinPurpose::sign_on);
    CHECK(kiosk.recorder.skip_to<core::PinEntryFailed>());
    CHECK(kiosk.service.state() != PinPadState::collecting);
}

TEST_CASE("headphones plugged into the pad and pulled out again are reported") {
    PadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start();
    kiosk.pad->plug_headphones(true);
    CHECK(kiosk.recorder.expect<core::HeadphonesPlugged>());
    kiosk.pad->plug_headphones(false);
    CHECK(kiosk.recorder.expect<core::HeadphonesUnplugged>());
}

TEST_CASE("headphones already plugged in when the pad connects are reported") {
    PadKiosk kiosk;
    kiosk.pad->plug_headphones(true);
    kiosk.plug_pad();
    kiosk.start();
    CHECK(kiosk.recorder.expect<core::HeadphonesPlugged>());
}

TEST_CASE("a PIN entry without a pad fails at once") {
    PadKiosk kiosk;
    kiosk.service.start(kiosk.recorder.sink(), kiosk.recorder.notice());
    CHECK(kiosk.recorder.wait_for_notice("pad missing"));
    const auto missing = kiosk.recorder.expect<core::DeviceMissing>();
    REQUIRE(missing);
    CHECK(missing->device == core::Device::pin_pad);
    const auto asked = std::chrono::steady_clock::now();
    kiosk.service.start_pin_entry(card_number(), core::PinPurpose::sign_on);
    const auto failed = kiosk.recorder.expect<core::PinEntryFailed>();
    REQUIRE(failed);
    CHECK(failed->reason == "pin pad not connected");
    // The request wakes the model from its pause between looks for the pad.
    CHECK(std::chrono::steady_clock::now() - asked < 300ms);
}

TEST_CASE("an unplugged pad is reported missing at once and taken back within 2 s") {
    PadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start();
    CHECK(kiosk.recorder.stays_quiet(300ms));  // present from the start: no presence event

    const auto unplugged = std::chrono::steady_clock::now();
    kiosk.unplug_pad();
    const auto missing = kiosk.recorder.expect<core::DeviceMissing>();
    REQUIRE(missing);
    CHECK(missing->device == core::Device::pin_pad);
    const auto to_missing = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - unplugged);
    CHECK(kiosk.recorder.stays_quiet(1200ms));  // one DeviceMissing, however long it stays away

    const auto replugged = std::chrono::steady_clock::now();
    kiosk.plug_pad();
    const auto returned = kiosk.recorder.expect<core::DeviceReturned>();
    REQUIRE(returned);
    CHECK(returned->device == core::Device::pin_pad);
    const auto to_returned = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - replugged);
    INFO("unplug to DeviceMissing " << to_missing.count() << " ms, replug to DeviceReturned "
                                    << to_returned.count() << " ms");
    // docs/accessibility.md, "When a device or the voice is missing": back within 2 s.
    CHECK(to_returned < 2s);
    CHECK(to_missing < 2s);

    // Back in use: keys arrive again.
    REQUIRE(eventually([&] { return kiosk.pad->mode() == drivers::epp::PadMode::function_keys; }));
    kiosk.pad->press(Key::help);
    const auto key = kiosk.recorder.expect<core::KeyPressed>();
    REQUIRE(key);
    CHECK(key->key == Key::help);
}

TEST_CASE("a PIN entry request is carried out at once, not at the model's next look") {
    PadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start();
    std::this_thread::sleep_for(300ms);  // the model is waiting on the pad
    const auto asked = std::chrono::steady_clock::now();
    kiosk.service.start_pin_entry(card_number(), core::PinPurpose::sign_on);
    REQUIRE(kiosk.recorder.skip_to<core::PinEntryReady>());
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - asked);
    INFO("start PIN entry to PinEntryReady: " << took.count() << " ms");
    // Generous for a loaded machine; a model that looked at its requests only once a second
    // would fail it.
    CHECK(took < 500ms);
}

TEST_CASE("a pad unplugged during PIN entry fails the entry, and works again when replugged") {
    PadKiosk kiosk;
    kiosk.pad->plug_headphones(true);
    kiosk.plug_pad();
    kiosk.start();
    REQUIRE(kiosk.recorder.expect<core::HeadphonesPlugged>());
    kiosk.start_entry();
    kiosk.type("4");
    REQUIRE(kiosk.recorder.expect<core::PinDigitEntered>());

    kiosk.unplug_pad();
    CHECK(kiosk.recorder.expect<core::PinEntryFailed>());
    CHECK(kiosk.recorder.expect<core::HeadphonesUnplugged>());
    CHECK(kiosk.recorder.expect<core::DeviceMissing>());
    CHECK(eventually([&] { return kiosk.service.state() == PinPadState::pad_missing; }));

    kiosk.plug_pad();
    CHECK(kiosk.recorder.expect<core::DeviceReturned>());
    CHECK(kiosk.recorder.expect<core::HeadphonesPlugged>());
    REQUIRE(eventually([&] { return kiosk.service.state() == PinPadState::idle; }));
    CHECK(eventually([&] { return kiosk.pad->mode() == drivers::epp::PadMode::function_keys; }));
    kiosk.pad->press(Key::enter);
    const auto key = kiosk.recorder.expect<core::KeyPressed>();
    REQUIRE(key);
    CHECK(key->key == base::Key::enter);
}

TEST_CASE("no digit typed during PIN entry reaches the kiosk as a key or a notice") {
    PadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start();
    kiosk.start_entry();
    kiosk.type("8642");
    kiosk.pad->press(Key::enter);
    REQUIRE(kiosk.recorder.skip_to<core::PinEntered>());

    for (const auto& event : kiosk.recorder.events()) {
        CHECK_FALSE(std::holds_alternative<core::KeyPressed>(event));
    }
    for (const auto& notice : kiosk.recorder.notices()) {
        INFO(notice.event);
        CHECK(notice.event.find_first_of("0123456789") == std::string::npos);
    }
}

TEST_CASE("stopping the PIN pad model is prompt") {
    PadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start();
    const auto started = std::chrono::steady_clock::now();
    kiosk.service.stop();
    CHECK(std::chrono::steady_clock::now() - started < 300ms);
    CHECK(kiosk.service.state() != PinPadState::collecting);
}

// ---- Revision 5: the pad's keys and the secure channel (docs/protocols/epp.md §8.6) ----

namespace {

drivers::epp::SecretKey secure_test_key(std::string_view hex) {
    auto bytes = base::parse_hex(hex);
    REQUIRE(bytes);
    REQUIRE(bytes->size() == drivers::epp::k_key_length);
    return drivers::epp::SecretKey(
        std::span<const std::uint8_t, drivers::epp::k_key_length>(bytes->data(), bytes->size()));
}

simulator::devices::EppProvisioning bank_keys() {
    simulator::devices::EppProvisioning keys;
    keys.component1 = secure_test_key("0F1E2D3C4B5A69788796A5B4C3D2E1F0");
    keys.component2 = secure_test_key("1122334455667788990011223344AABB");
    keys.pin_tdes_key = drivers::epp::SecretKey(k_working_key);
    keys.pin_aes_key = secure_test_key("2B7E151628AED2A6ABF7158809CF4F3C");
    keys.authentication_key = secure_test_key("000102030405060708090A0B0C0D0E0F");
    return keys;
}

// The kiosk's configuration for a pad provisioned with bank_keys(): its authentication key and
// the check value of the PIN key of the format (never the PIN key itself).
PinPadSecurity kiosk_security(drivers::epp::BlockFormat format) {
    const auto keys = bank_keys();
    PinPadSecurity security;
    security.authentication_key = *keys.authentication_key;
    security.format = format;
    security.pin_key_check_value =
        format == drivers::epp::BlockFormat::iso9564_format4
            ? *drivers::epp::key_check_value(drivers::epp::KeyAlgorithm::aes128, *keys.pin_aes_key)
            : *drivers::epp::key_check_value(drivers::epp::KeyAlgorithm::tdes, *keys.pin_tdes_key);
    return security;
}

PinPadOptions secured_options(PinPadSecurity security) {
    PinPadOptions options;
    options.security = std::move(security);
    return options;
}

struct SecurePadKiosk {
    simulator::usb::VirtualUsbBus bus;
    std::shared_ptr<VirtualEpp> pad = std::make_shared<VirtualEpp>(VirtualEpp::Identity{});
    std::optional<simulator::usb::DeviceHandle> pad_handle;
    EventRecorder recorder;
    PinPadService service;

    explicit SecurePadKiosk(
        PinPadSecurity security = kiosk_security(drivers::epp::BlockFormat::iso9564_format4))
        : service(secured_options(std::move(security))) {
        // The key ceremony and key loading, before the pad is installed.
        REQUIRE(simulator::devices::provision_epp(pad, bank_keys()).has_value());
    }
    void plug_pad() {
        auto handle = bus.plug(pad);
        REQUIRE(handle);
        pad_handle = *handle;
    }
    void start() { service.start(recorder.sink(), recorder.notice()); }
    void start_accepted() {
        start();
        REQUIRE(eventually([&] { return service.state() == PinPadState::idle; }));
    }
    bool told(std::string_view notice) {
        const auto notices = recorder.notices();
        return std::ranges::any_of(notices, [&](const auto& told) { return told.event == notice; });
    }
    int device_failures() {
        const auto events = recorder.events();
        return static_cast<int>(std::ranges::count_if(events, [](const auto& event) {
            return std::holds_alternative<core::DeviceFailed>(event);
        }));
    }
};

}  // namespace

TEST_CASE(
    "a pad with the configured keys is authenticated and gives a format 4 block the bank "
    "deciphers") {
    SecurePadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start_accepted();
    CHECK(kiosk.pad->in_session());
    kiosk.service.start_pin_entry(card_number(), core::PinPurpose::sign_on);
    REQUIRE(kiosk.recorder.skip_to<core::PinEntryReady>());
    for (const char digit : std::string_view("8642")) {
        kiosk.pad->press(*base::digit_key(digit - '0'));
    }
    kiosk.pad->press(Key::enter);
    const auto entered = kiosk.recorder.skip_to<core::PinEntered>();
    REQUIRE(entered);
    const auto bytes = entered->block.bytes();
    REQUIRE(bytes.size() == 16);
    std::array<std::uint8_t, 16> block{};
    std::ranges::copy(bytes, block.begin());
    auto pin = drivers::iso9564::format4_decrypt_pin(block, k_pan, bank_keys().pin_aes_key->bytes);
    REQUIRE(pin);
    CHECK(*pin == "8642");
    base::wipe(*pin);
}

TEST_CASE(
    "a pad whose PIN key is not the configured one is refused: staff hear why, once, and "
    "the keypad is out of service") {
    PinPadSecurity security = kiosk_security(drivers::epp::BlockFormat::iso9564_format4);
    security.pin_key_check_value[0] ^= 0x01;
    SecurePadKiosk kiosk(std::move(security));
    kiosk.plug_pad();
    kiosk.start();
    const auto failed = kiosk.recorder.expect<core::DeviceFailed>();
    REQUIRE(failed);
    CHECK(failed->device == "pin pad");
    CHECK(failed->reason == "pad PIN key differs from configuration");
    const auto missing = kiosk.recorder.expect<core::DeviceMissing>();
    REQUIRE(missing);
    CHECK(missing->device == core::Device::pin_pad);
    // A PIN entry is refused at once, and the pad never collects.
    kiosk.service.start_pin_entry(card_number(), core::PinPurpose::sign_on);
    CHECK(kiosk.recorder.skip_to<core::PinEntryFailed>());
    CHECK(kiosk.pad->mode() != drivers::epp::PadMode::pin_entry);
    // Looked at again and again, told once.
    std::this_thread::sleep_for(1500ms);
    CHECK(kiosk.device_failures() == 1);
    CHECK(kiosk.service.state() == PinPadState::pad_missing);
}

TEST_CASE(
    "a pad that was configured for format 0 is refused when the kiosk asks for format 4 "
    "under a key it lacks") {
    auto keys_without_aes = bank_keys();
    SecurePadKiosk kiosk;
    // The same pad, provisioned again without its AES PIN key.
    keys_without_aes.pin_aes_key.reset();
    REQUIRE(simulator::devices::provision_epp(kiosk.pad, keys_without_aes).has_value());
    kiosk.plug_pad();
    kiosk.start();
    const auto failed = kiosk.recorder.expect<core::DeviceFailed>();
    REQUIRE(failed);
    CHECK(failed->reason == "pad has no PIN key for the configured format");
}

TEST_CASE("a pad from another kiosk cannot prove the authentication key and is refused") {
    SecurePadKiosk kiosk;
    kiosk.pad->use_unknown_authentication_key();
    kiosk.plug_pad();
    kiosk.start();
    const auto failed = kiosk.recorder.expect<core::DeviceFailed>();
    REQUIRE(failed);
    CHECK(failed->reason == "pad authentication key differs from configuration");
    CHECK(kiosk.recorder.expect<core::DeviceMissing>());
    CHECK_FALSE(kiosk.pad->in_session());
    // Nothing in the notices names a key or a check value: only the verdict.
    for (const auto& notice : kiosk.recorder.notices()) {
        CHECK(notice.event.find("000102") == std::string::npos);
    }
}

TEST_CASE("a pad whose first answer to the authentication is garbled is asked again and accepted") {
    SecurePadKiosk kiosk;
    kiosk.plug_pad();
    // The answer to AUTHENTICATE comes with a broken CRC, as a kiosk that restarted can find its
    // first answer spoiled: the pad is tried again at once, and neither staff nor the customer
    // hear of a fault.
    kiosk.pad->corrupt_next_frame();
    kiosk.start_accepted();
    CHECK(kiosk.pad->in_session());
    CHECK(kiosk.told("pad authentication failed once (epp: CRC mismatch); trying again"));
    CHECK(kiosk.device_failures() == 0);
    const auto events = kiosk.recorder.events();
    CHECK(std::ranges::none_of(events, [](const auto& event) {
        return std::holds_alternative<core::DeviceMissing>(event);
    }));
}

TEST_CASE("a tamper during PIN entry fails the entry, and the pad is refused and reported") {
    SecurePadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start_accepted();
    kiosk.service.start_pin_entry(card_number(), core::PinPurpose::sign_on);
    REQUIRE(kiosk.recorder.skip_to<core::PinEntryReady>());
    kiosk.pad->press(Key::digit_1);
    REQUIRE(kiosk.recorder.expect<core::PinDigitEntered>());
    kiosk.pad->tamper();
    // The pad ends the entry (epp.md §4.4, reason failed) before it reports the tamper.
    const auto failed = kiosk.recorder.expect<core::PinEntryFailed>();
    REQUIRE(failed);
    CHECK(kiosk.service.state() != PinPadState::collecting);
    const auto fault = kiosk.recorder.skip_to<core::DeviceFailed>();
    REQUIRE(fault);
    CHECK(fault->reason == "pad reports tampering");
    CHECK(kiosk.recorder.skip_to<core::DeviceMissing>());
    CHECK(eventually([&] { return kiosk.service.state() == PinPadState::pad_missing; }));
}

TEST_CASE("a frame with a bad CRC loses one key press, not the pad") {
    SecurePadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start_accepted();
    kiosk.pad->corrupt_next_frame();
    kiosk.pad->press(Key::help);
    CHECK(kiosk.recorder.stays_quiet(300ms));
    kiosk.pad->press(Key::cancel);
    const auto key = kiosk.recorder.expect<core::KeyPressed>();
    REQUIRE(key);
    CHECK(key->key == Key::cancel);
    CHECK(kiosk.service.state() == PinPadState::idle);
}

TEST_CASE("a stuck key is reported once and then the pad takes no key until it is freed") {
    SecurePadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start_accepted();
    kiosk.pad->stick_key(Key::enter);
    const auto stuck = kiosk.recorder.expect<core::KeyPressed>();
    REQUIRE(stuck);
    CHECK(stuck->key == Key::enter);
    kiosk.pad->press(Key::help);
    CHECK(kiosk.recorder.stays_quiet(300ms));
    kiosk.pad->release_stuck_key();
    kiosk.pad->press(Key::help);
    CHECK(kiosk.recorder.expect<core::KeyPressed>());
}

TEST_CASE("a secured pad unplugged mid-entry fails the entry and is authenticated anew when back") {
    SecurePadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start_accepted();
    kiosk.service.start_pin_entry(card_number(), core::PinPurpose::sign_on);
    REQUIRE(kiosk.recorder.skip_to<core::PinEntryReady>());
    REQUIRE(kiosk.pad_handle);
    REQUIRE(kiosk.bus.unplug(*kiosk.pad_handle));
    kiosk.pad_handle.reset();
    CHECK(kiosk.recorder.skip_to<core::PinEntryFailed>());
    CHECK(kiosk.recorder.skip_to<core::DeviceMissing>());
    CHECK_FALSE(kiosk.pad->in_session());  // the pad lost its power, and its session
    kiosk.plug_pad();
    CHECK(kiosk.recorder.skip_to<core::DeviceReturned>());
    REQUIRE(eventually([&] { return kiosk.service.state() == PinPadState::idle; }));
    CHECK(kiosk.pad->in_session());
}

// ---- DUKPT (docs/protocols/epp.md §8.7) ----

namespace {

// The bank's BDK and the pad's initial key ID: the X9.24-3-2017 supplement's test values.
constexpr std::array<std::uint8_t, 16> k_dukpt_base_key = {
    0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1};
constexpr drivers::epp::InitialKeyId k_dukpt_id = {0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56};

// What the kiosk configures for a DUKPT pad: pin_pad_security() from the configuration's
// bytes, the initial key ID in the check value's place (kiosk/app's PinPadKeys).
PinPadSecurity dukpt_security(const drivers::epp::InitialKeyId& initial_key_id) {
    const auto keys = bank_keys();
    auto security = pin_pad_security(true, keys.authentication_key->bytes, initial_key_id);
    REQUIRE(security.has_value());
    return *security;
}

// Provisions the kiosk's pad with the authentication key and a DUKPT initial key only.
void provision_dukpt(SecurePadKiosk& kiosk) {
    auto keys = bank_keys();
    keys.pin_aes_key.reset();
    keys.pin_tdes_key.reset();
    auto initial_key = drivers::dukpt::derive_initial_key(k_dukpt_base_key, k_dukpt_id);
    REQUIRE(initial_key);
    keys.dukpt_initial_key = drivers::epp::DukptInitialKey{
        .key = drivers::epp::SecretKey(initial_key->bytes), .initial_key_id = k_dukpt_id};
    REQUIRE(simulator::devices::provision_epp(kiosk.pad, keys).has_value());
}

}  // namespace

TEST_CASE("a DUKPT pad with the configured initial key ID gives blocks that carry their KSN") {
    SecurePadKiosk kiosk(dukpt_security(k_dukpt_id));
    provision_dukpt(kiosk);
    kiosk.plug_pad();
    kiosk.start_accepted();
    for (std::uint32_t transaction = 1; transaction <= 2; ++transaction) {
        kiosk.service.start_pin_entry(card_number(), core::PinPurpose::sign_on);
        REQUIRE(kiosk.recorder.skip_to<core::PinEntryReady>());
        for (const char digit : std::string_view("8642")) {
            kiosk.pad->press(*base::digit_key(digit - '0'));
        }
        kiosk.pad->press(Key::enter);
        const auto entered = kiosk.recorder.skip_to<core::PinEntered>();
        REQUIRE(entered);
        const auto& ksn = entered->block.ksn();
        REQUIRE(ksn.has_value());
        CHECK(drivers::dukpt::counter_of(*ksn) == transaction);
        // The bank's side: the block's key from the BDK and the KSN alone.
        auto key = drivers::dukpt::derive_pin_encryption_key(k_dukpt_base_key, *ksn);
        REQUIRE(key);
        std::array<std::uint8_t, 16> block{};
        std::ranges::copy(entered->block.bytes(), block.begin());
        auto pin = drivers::iso9564::format4_decrypt_pin(block, k_pan, key->bytes);
        REQUIRE(pin);
        CHECK(*pin == "8642");
        base::wipe(*pin);
    }
}

TEST_CASE("a DUKPT pad with another initial key ID is refused") {
    drivers::epp::InitialKeyId other = k_dukpt_id;
    other[0] ^= 0x01;
    SecurePadKiosk kiosk(dukpt_security(other));
    provision_dukpt(kiosk);
    kiosk.plug_pad();
    kiosk.start();
    const auto failed = kiosk.recorder.expect<core::DeviceFailed>();
    REQUIRE(failed);
    CHECK(failed->reason == "pad DUKPT key differs from configuration");
    CHECK(kiosk.recorder.expect<core::DeviceMissing>());
    // Only the verdict is told: no initial key ID in any notice.
    for (const auto& notice : kiosk.recorder.notices()) {
        CHECK(notice.event.find("123456") == std::string::npos);
    }
}

TEST_CASE("a kiosk configured for DUKPT refuses a pad that holds fixed keys only") {
    SecurePadKiosk kiosk(dukpt_security(k_dukpt_id));
    kiosk.plug_pad();
    kiosk.start();
    const auto failed = kiosk.recorder.expect<core::DeviceFailed>();
    REQUIRE(failed);
    CHECK(failed->reason == "pad has no DUKPT key");
}

TEST_CASE("a DUKPT pad that has used its last counter is refused") {
    SecurePadKiosk kiosk(dukpt_security(k_dukpt_id));
    provision_dukpt(kiosk);
    drivers::dukpt::OriginatingDevice::State used_up;
    used_up.initial_key_id = k_dukpt_id;
    used_up.counter = std::uint64_t{1} << 32;
    REQUIRE(kiosk.pad->restore_dukpt(used_up));
    kiosk.plug_pad();
    kiosk.start();
    const auto failed = kiosk.recorder.expect<core::DeviceFailed>();
    REQUIRE(failed);
    CHECK(failed->reason == "pad DUKPT keys used up");
}

TEST_CASE("a DUKPT pad that uses its last counter in service is refused at the next PIN entry") {
    SecurePadKiosk kiosk(dukpt_security(k_dukpt_id));
    provision_dukpt(kiosk);
    // ANSI X9.24-3-2017 supplement: the register of the last counter, 0xFFFF0000 (register 16).
    drivers::dukpt::OriginatingDevice::State last;
    last.initial_key_id = k_dukpt_id;
    last.counter = 0xFFFF0000;
    last.registers[16] = drivers::dukpt::AesKey(
        std::array<std::uint8_t, 16>{0xF6, 0xBA, 0x59, 0x38, 0x9B, 0xD1, 0x4A, 0x98, 0x55, 0xBE,
                                     0x97, 0x27, 0xE7, 0xC5, 0x2E, 0x3C});
    REQUIRE(kiosk.pad->restore_dukpt(last));
    kiosk.plug_pad();
    kiosk.start_accepted();
    kiosk.service.start_pin_entry(card_number(), core::PinPurpose::sign_on);
    REQUIRE(kiosk.recorder.skip_to<core::PinEntryReady>());
    for (const char digit : std::string_view("8642")) {
        kiosk.pad->press(*base::digit_key(digit - '0'));
    }
    kiosk.pad->press(Key::enter);
    const auto entered = kiosk.recorder.skip_to<core::PinEntered>();
    REQUIRE(entered);
    REQUIRE(entered->block.ksn());
    CHECK(drivers::dukpt::counter_of(*entered->block.ksn()) == 0xFFFF0000);
    // The next customer's entry fails, and staff hear why; the keypad is out of service.
    kiosk.service.start_pin_entry(card_number(), core::PinPurpose::sign_on);
    CHECK(kiosk.recorder.skip_to<core::PinEntryFailed>());
    const auto failed = kiosk.recorder.skip_to<core::DeviceFailed>();
    REQUIRE(failed);
    CHECK(failed->reason == "pad DUKPT keys used up");
    CHECK(kiosk.recorder.skip_to<core::DeviceMissing>());
    CHECK(eventually([&] { return kiosk.service.state() == PinPadState::pad_missing; }));
}

// ---- The key ceremony (docs/protocols/epp.md §8.2, §8.3; revision 6's confirmations) ----

namespace {

constexpr std::string_view k_new_component1 = "5A0C9341E72B68D41FB6703EC58209AD";
constexpr std::string_view k_new_component2 = "A3712EF80694DB356C4FE0178A59B263";

// A component as a custodian types it on the pad: star then 0 to 5 for A to F, then Enter.
void type_component(VirtualEpp& pad, std::string_view hex) {
    for (const char digit : hex) {
        if (digit >= 'A') {
            pad.press(Key::star);
            pad.press(*base::digit_key(digit - 'A'));
        } else {
            pad.press(*base::digit_key(digit - '0'));
        }
    }
    pad.press(Key::enter);
}

drivers::epp::SecretKey new_master_key() {
    drivers::epp::SecretKey master = secure_test_key(k_new_component1);
    const drivers::epp::SecretKey second = secure_test_key(k_new_component2);
    for (std::size_t index = 0; index < master.bytes.size(); ++index) {
        master.bytes[index] ^= second.bytes[index];
    }
    return master;
}

std::string check_value_hex(drivers::epp::KeySlot slot, const drivers::epp::SecretKey& key) {
    return base::to_hex(*drivers::epp::key_check_value(drivers::epp::algorithm_of(slot), key));
}

// The bank's key blocks for the kiosk's slots under `master`, as docs/api/account.yaml carries
// them.
std::vector<core::WorkingKeyBlock> wrapped_keys(const drivers::epp::SecretKey& master) {
    using drivers::epp::KeySlot;
    const auto keys = bank_keys();
    std::vector<core::WorkingKeyBlock> blocks;
    for (const auto& [slot, key] : {std::pair{KeySlot::authentication, *keys.authentication_key},
                                    std::pair{KeySlot::pin_aes, *keys.pin_aes_key}}) {
        const auto block = drivers::epp::wrap_key(master, slot, key);
        REQUIRE(block);
        blocks.push_back({.slot = std::string(to_string(slot)),
                          .key_block = base::to_hex(*block),
                          .check_value = check_value_hex(slot, key)});
    }
    return blocks;
}

// Both components typed; returns the combined key's report.
core::KeyCeremonyProgressed type_both_components(SecurePadKiosk& kiosk) {
    kiosk.service.begin_key_ceremony();
    const auto started = kiosk.recorder.skip_to<core::KeyCeremonyProgressed>();
    REQUIRE(started);
    REQUIRE(started->progress == core::CeremonyProgress::started);
    type_component(*kiosk.pad, k_new_component1);
    std::optional<core::KeyCeremonyProgressed> report;
    do {
        report = kiosk.recorder.skip_to<core::KeyCeremonyProgressed>();
        REQUIRE(report);
    } while (report->progress == core::CeremonyProgress::typing);
    CHECK(report->progress == core::CeremonyProgress::component1_entered);
    CHECK(report->check_value ==
          check_value_hex(drivers::epp::KeySlot::master, secure_test_key(k_new_component1)));
    type_component(*kiosk.pad, k_new_component2);
    do {
        report = kiosk.recorder.skip_to<core::KeyCeremonyProgressed>();
        REQUIRE(report);
    } while (report->progress != core::CeremonyProgress::combined);
    CHECK(report->check_value == check_value_hex(drivers::epp::KeySlot::master, new_master_key()));
    return *report;
}

}  // namespace

TEST_CASE(
    "a key ceremony through the model: counts and check values only, the confirmations on the "
    "pad's Enter, the bank's blocks loaded under the new key, the pad authenticated again") {
    SecurePadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start_accepted();
    type_both_components(kiosk);
    // The custodians confirm on the pad: its Enter reaches the kiosk as a key.
    kiosk.pad->press(Key::enter);
    const auto confirmed = kiosk.recorder.skip_to<core::KeyPressed>();
    REQUIRE(confirmed);
    CHECK(confirmed->key == Key::enter);
    kiosk.service.end_key_ceremony(true, wrapped_keys(new_master_key()));
    const auto committed = kiosk.recorder.skip_to<core::KeyCeremonyCommitted>();
    REQUIRE(committed);
    CHECK(committed->committed);
    CHECK(committed->master_check_value ==
          check_value_hex(drivers::epp::KeySlot::master, new_master_key()));
    REQUIRE(committed->loaded.size() == 2);
    CHECK(committed->loaded[0].matches);
    CHECK(committed->loaded[1].matches);
    CHECK(committed->problem.empty());
    // The commit ended the session; the pad is authenticated with the reloaded key and works.
    REQUIRE(eventually([&] { return kiosk.pad->in_session(); }));
    REQUIRE(eventually([&] { return kiosk.service.state() == PinPadState::idle; }));
    kiosk.service.start_pin_entry(card_number(), core::PinPurpose::sign_on);
    CHECK(kiosk.recorder.skip_to<core::PinEntryReady>());
    // No notice names a component or a key.
    for (const auto& notice : kiosk.recorder.notices()) {
        CHECK(notice.event.find("5A0C") == std::string::npos);
        CHECK(notice.event.find("A371") == std::string::npos);
    }
}

TEST_CASE(
    "key blocks wrapped under another master key are refused by the pad, reported not "
    "loaded, and the pad is then refused for its missing keys") {
    SecurePadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start_accepted();
    type_both_components(kiosk);
    // Blocks under the old master key: the pad's integrity check refuses them (epp.md §8.3).
    drivers::epp::SecretKey old_master = bank_keys().component1;
    for (std::size_t index = 0; index < old_master.bytes.size(); ++index) {
        old_master.bytes[index] ^= bank_keys().component2.bytes[index];
    }
    kiosk.service.end_key_ceremony(true, wrapped_keys(old_master));
    const auto committed = kiosk.recorder.skip_to<core::KeyCeremonyCommitted>();
    REQUIRE(committed);
    CHECK(committed->committed);
    REQUIRE(committed->loaded.size() == 2);
    CHECK_FALSE(committed->loaded[0].matches);
    CHECK(committed->problem.find("refused the key block") != std::string::npos);
    const auto failed = kiosk.recorder.skip_to<core::DeviceFailed>();
    REQUIRE(failed);
    CHECK(failed->reason == "pad has no authentication key");
}

TEST_CASE("the kiosk abandoning a key ceremony leaves the pad's master key as it was") {
    SecurePadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start_accepted();
    const auto before = kiosk.pad->master_check_value();
    REQUIRE(before);
    type_both_components(kiosk);
    kiosk.service.end_key_ceremony(false, {});
    REQUIRE(eventually([&] { return kiosk.pad->mode() != drivers::epp::PadMode::key_ceremony; }));
    CHECK(kiosk.pad->master_check_value() == before);
    // The pad takes PIN entries again in the same session.
    kiosk.service.start_pin_entry(card_number(), core::PinPurpose::sign_on);
    CHECK(kiosk.recorder.skip_to<core::PinEntryReady>());
}

TEST_CASE("Cancel on the pad abandons the ceremony there, and the kiosk is told why") {
    SecurePadKiosk kiosk;
    kiosk.plug_pad();
    kiosk.start_accepted();
    type_both_components(kiosk);
    kiosk.pad->press(Key::cancel);
    const auto abandoned = kiosk.recorder.skip_to<core::KeyCeremonyProgressed>();
    REQUIRE(abandoned);
    CHECK(abandoned->progress == core::CeremonyProgress::abandoned);
    CHECK(abandoned->end == core::CeremonyEnd::cancel_key);
}

TEST_CASE("a pad of revision 5 cannot take the confirmations and the ceremony is refused") {
    SecurePadKiosk kiosk;
    VirtualEpp::Identity revision5;
    revision5.confirms_on_keys = false;
    kiosk.pad = std::make_shared<VirtualEpp>(revision5);
    REQUIRE(simulator::devices::provision_epp(kiosk.pad, bank_keys()).has_value());
    kiosk.plug_pad();
    kiosk.start_accepted();
    kiosk.service.begin_key_ceremony();
    const auto refused = kiosk.recorder.skip_to<core::KeyCeremonyProgressed>();
    REQUIRE(refused);
    CHECK(refused->progress == core::CeremonyProgress::refused);
    CHECK(refused->problem == "pad cannot take confirmations on its keys (revision 6)");
    CHECK(kiosk.pad->mode() != drivers::epp::PadMode::key_ceremony);
}
