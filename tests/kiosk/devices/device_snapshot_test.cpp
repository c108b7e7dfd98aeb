// What each device model knows of its device (kiosk/devices/device_snapshot.h), for the field
// engineer's service menu: every model against the simulator's device on the umockdev virtual
// bus, the snapshot compared with what the virtual device was made with or was told to do.

#include "kiosk/devices/device_snapshot.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "base/bytes.h"
#include "drivers/epp/epp_security.h"
#include "kiosk/devices/cabinet_service.h"
#include "kiosk/devices/card_reader_service.h"
#include "kiosk/devices/dispenser_service.h"
#include "kiosk/devices/pin_pad_service.h"
#include "kiosk/devices/printer_service.h"
#include "simulator/cards/card_profile.h"
#include "simulator/devices/usb_descriptors.h"
#include "simulator/devices/virtual_cabinet.h"
#include "simulator/devices/virtual_ccid_reader.h"
#include "simulator/devices/virtual_dispenser.h"
#include "simulator/devices/virtual_epp.h"
#include "simulator/devices/virtual_printer.h"
#include "simulator/usb/virtual_usb_bus.h"
#include "tests/kiosk/devices/event_recorder.h"
#include "tests/support/demo_cards.h"

using namespace kiosk;
using namespace kiosk::devices;
using namespace kiosk::devices::test;
using simulator::devices::VirtualCabinet;
using simulator::devices::VirtualCcidReader;
using simulator::devices::VirtualDispenser;
using simulator::devices::VirtualEpp;
using simulator::devices::VirtualPrinter;

namespace {

constexpr std::string_view k_snapshot_card = "zhang-wei";
constexpr std::string_view k_snapshot_reference = "9b2f6c1e-0a7d-4e58-b3c4-d5e6f7a8b9c0";

const simulator::cards::CardProfile& snapshot_card_profile() {
    const auto* profile = tests::demo_card_library().find(k_snapshot_card);
    REQUIRE(profile != nullptr);
    return *profile;
}

// Waits until the model's snapshot satisfies `wanted`, and returns the snapshot it ended with.
template <typename Service, typename Wanted>
DeviceSnapshot snapshot_when(const Service& service, Wanted wanted) {
    DeviceSnapshot last;
    const bool reached = eventually([&] {
        last = service.snapshot();
        return wanted(last);
    });
    INFO("device " << to_string(last.device) << " connected " << last.connected << " refusal '"
                   << last.refusal << "'");
    CHECK(reached);
    return last;
}

template <typename Service>
DeviceSnapshot snapshot_connected(const Service& service) {
    return snapshot_when(service, [](const DeviceSnapshot& snapshot) {
        return snapshot.connected && !snapshot.facts.empty();
    });
}

std::string snapshot_fact(const DeviceSnapshot& snapshot, FactName name) {
    const auto value = snapshot.fact(name);
    INFO("fact " << to_string(name));
    REQUIRE(value.has_value());
    return *value;
}

drivers::epp::SecretKey snapshot_key(std::string_view hex) {
    auto bytes = base::parse_hex(hex);
    REQUIRE(bytes);
    REQUIRE(bytes->size() == drivers::epp::k_key_length);
    return drivers::epp::SecretKey(
        std::span<const std::uint8_t, drivers::epp::k_key_length>(bytes->data(), bytes->size()));
}

// The bank's keys for a pad: the simulator's demo ceremony and authentication key, the shared
// ISO 9564 TDES test key and the FIPS-197 AES-128 example key.
simulator::devices::EppProvisioning snapshot_pad_keys() {
    simulator::devices::EppProvisioning keys;
    keys.component1 = drivers::epp::SecretKey(simulator::devices::k_demo_master_component1);
    keys.component2 = drivers::epp::SecretKey(simulator::devices::k_demo_master_component2);
    keys.pin_tdes_key = snapshot_key("0123456789ABCDEFFEDCBA9876543210");
    keys.pin_aes_key = snapshot_key("2B7E151628AED2A6ABF7158809CF4F3C");
    keys.authentication_key =
        drivers::epp::SecretKey(simulator::devices::k_demo_authentication_key);
    return keys;
}

// The kiosk's configuration for a pad holding snapshot_pad_keys(): format 4, and the check value of
// the AES PIN key (never the key).
PinPadOptions snapshot_pad_options() {
    const auto keys = snapshot_pad_keys();
    PinPadSecurity security;
    security.authentication_key = *keys.authentication_key;
    security.format = drivers::epp::BlockFormat::iso9564_format4;
    const auto check_value =
        drivers::epp::key_check_value(drivers::epp::KeyAlgorithm::aes128, *keys.pin_aes_key);
    REQUIRE(check_value);
    security.pin_key_check_value = *check_value;
    PinPadOptions options;
    options.security = security;
    return options;
}

// A provisioned pad and its key status as the provisioning read it back from the pad.
struct SnapshotPad {
    std::shared_ptr<VirtualEpp> pad = std::make_shared<VirtualEpp>(VirtualEpp::Identity{});
    drivers::epp::KeyStatus provisioned;

    SnapshotPad() {
        auto status = simulator::devices::provision_epp(pad, snapshot_pad_keys());
        REQUIRE(status);
        provisioned = *status;
    }
};

DispenserServiceOptions snapshot_dispenser_options() {
    DispenserServiceOptions options;
    options.client.command_timeout = 2000ms;
    options.client.dispense_timeout = 300ms;
    return options;
}

simulator::usb::DeviceHandle plug_device(simulator::usb::VirtualUsbBus& bus,
                                         std::shared_ptr<simulator::usb::VirtualUsbDevice> device) {
    auto handle = bus.plug(std::move(device));
    REQUIRE(handle);
    return *handle;
}

}  // namespace

TEST_CASE("Every device and fact has a stable snake_case key for the catalogs") {
    for (const DeviceKind kind : {DeviceKind::card_reader, DeviceKind::pin_pad, DeviceKind::printer,
                                  DeviceKind::dispenser, DeviceKind::cabinet}) {
        const std::string_view key = to_string(kind);
        CHECK(key != "unknown");
        CHECK(key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos);
    }
    CHECK(core_device_of(DeviceKind::pin_pad) == core::Device::pin_pad);
    CHECK_FALSE(core_device_of(DeviceKind::cabinet).has_value());
    std::vector<std::string_view> keys;
    for (int value = 0; value <= static_cast<int>(FactName::safe_door); ++value) {
        const std::string_view key = to_string(static_cast<FactName>(value));
        INFO(value);
        CHECK(key != "unknown");
        CHECK(key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos);
        keys.push_back(key);
    }
    std::ranges::sort(keys);
    CHECK(std::ranges::adjacent_find(keys) == keys.end());
    CHECK(to_string(FactName::max_data_rate_bps) == "max_data_rate_bps");
    CHECK(to_string(FactName::key_slot_authentication) == "key_slot_authentication");
}

TEST_CASE("USB ids, releases and versions are written as engineers read them") {
    CHECK(usb_id_text(0x072F, 0x90CC) == "072F:90CC");
    CHECK(bcd_release_text(0x0110) == "1.10");
    CHECK(bcd_release_text(0x1234) == "12.34");
    CHECK(version_text(0x0102) == "1.2");
    const std::array<std::uint8_t, 3> check_value{0x08, 0xD7, 0xB4};
    CHECK(hex_text(check_value) == "08D7B4");
}

TEST_CASE("The card reader's snapshot holds its USB identity and the descriptor it is driven by") {
    simulator::usb::VirtualUsbBus bus;
    const VirtualCcidReader::Model model = VirtualCcidReader::tpdu_reader();
    const VirtualCcidReader::Identity identity;
    auto reader = std::make_shared<VirtualCcidReader>(identity, model);
    plug_device(bus, reader);
    EventRecorder recorder;
    CardReaderService service;
    service.start(recorder.sink(), recorder.notice());

    auto snapshot = snapshot_connected(service);
    CHECK(snapshot.device == DeviceKind::card_reader);
    CHECK(snapshot.refusal.empty());
    CHECK(snapshot.model == identity.product);
    CHECK(snapshot.serial == identity.serial);
    CHECK(snapshot_fact(snapshot, FactName::manufacturer) == identity.manufacturer);
    CHECK(snapshot_fact(snapshot, FactName::usb_id) ==
          usb_id_text(simulator::devices::k_test_vendor_id,
                      simulator::devices::k_ccid_reader_product_id));
    CHECK(snapshot_fact(snapshot, FactName::exchange_level) ==
          drivers::ccid::to_string(model.level));
    CHECK(snapshot_fact(snapshot, FactName::max_data_rate_bps) ==
          std::to_string(model.max_data_rate_bps));
    CHECK(snapshot_fact(snapshot, FactName::slots) == std::to_string(model.slots));
    CHECK(snapshot_fact(snapshot, FactName::interrupt_endpoint) == "yes");
    CHECK(snapshot_fact(snapshot, FactName::card_present) == "no");

    auto card = tests::demo_card_library().make_card(k_snapshot_card);
    REQUIRE(card);
    reader->insert(*card);
    REQUIRE(recorder.skip_to<core::CardRead>());
    snapshot = snapshot_when(service, [](const DeviceSnapshot& known) {
        return known.fact(FactName::card_present) == "yes";
    });
    CHECK(snapshot.connected);
}

TEST_CASE("An extended-APDU reader's snapshot says so, and its message length") {
    simulator::usb::VirtualUsbBus bus;
    const auto model = VirtualCcidReader::extended_apdu_reader(1034);
    plug_device(bus, std::make_shared<VirtualCcidReader>(model));
    EventRecorder recorder;
    CardReaderService service;
    service.start(recorder.sink(), recorder.notice());
    const auto snapshot = snapshot_connected(service);
    CHECK(snapshot_fact(snapshot, FactName::exchange_level) == "extended_apdu");
    CHECK(snapshot_fact(snapshot, FactName::max_message_length) == "1034");
}

TEST_CASE("A reader not on the approved list is shown refused, with its USB id") {
    simulator::usb::VirtualUsbBus bus;
    plug_device(bus, std::make_shared<VirtualCcidReader>());
    EventRecorder recorder;
    CardReaderOptions options;
    options.allowed_readers = {ReaderId{0x072F, 0x90CC}};
    CardReaderService service(options);
    service.start(recorder.sink(), recorder.notice());
    const auto snapshot =
        snapshot_when(service, [](const DeviceSnapshot& known) { return !known.refusal.empty(); });
    CHECK_FALSE(snapshot.connected);
    CHECK(snapshot.refusal == "reader not on the approved list");
    CHECK(snapshot_fact(snapshot, FactName::usb_id) == "1209:0001");
}

TEST_CASE(
    "The PIN pad's snapshot holds its identity and the check values it was provisioned with") {
    simulator::usb::VirtualUsbBus bus;
    SnapshotPad provisioned;
    plug_device(bus, provisioned.pad);
    EventRecorder recorder;
    PinPadService service(snapshot_pad_options());
    service.start(recorder.sink(), recorder.notice());

    auto snapshot = snapshot_connected(service);
    const VirtualEpp::Identity identity;
    CHECK(snapshot.device == DeviceKind::pin_pad);
    CHECK(snapshot.model == identity.model);
    CHECK(snapshot.firmware == identity.firmware);
    CHECK(snapshot.serial == identity.serial);
    CHECK(snapshot_fact(snapshot, FactName::pad_revision) == "5");
    CHECK(snapshot_fact(snapshot, FactName::secure_channel) == "on");
    using drivers::epp::KeySlot;
    const auto& keys = provisioned.provisioned;
    CHECK(snapshot_fact(snapshot, FactName::key_slot_pin_aes) ==
          "aes128 kcv " + hex_text(keys.slot(KeySlot::pin_aes).check_value));
    // epp.md §8.1: a TDES check value is 3 bytes; the two zero bytes after it are not shown.
    const drivers::epp::KeyCheckValue tdes = keys.slot(KeySlot::pin_tdes).check_value;
    CHECK(snapshot_fact(snapshot, FactName::key_slot_pin_tdes) ==
          "tdes kcv " + hex_text(std::span<const std::uint8_t>(tdes).first(3)));
    CHECK(snapshot_fact(snapshot, FactName::key_slot_pin_tdes) == "tdes kcv 08D7B4");
    CHECK(snapshot_fact(snapshot, FactName::key_slot_authentication) ==
          "aes128 kcv " + hex_text(keys.slot(KeySlot::authentication).check_value));
    CHECK(snapshot_fact(snapshot, FactName::key_slot_pin_dukpt) == "empty");
    CHECK(snapshot_fact(snapshot, FactName::tampered) == "no");
    CHECK(snapshot_fact(snapshot, FactName::headphones) == "unplugged");

    provisioned.pad->plug_headphones(true);
    snapshot = snapshot_when(service, [](const DeviceSnapshot& known) {
        return known.fact(FactName::headphones) == "plugged";
    });
    CHECK(snapshot.connected);
}

TEST_CASE("A pad whose PIN key differs is shown refused, with the check value it holds") {
    simulator::usb::VirtualUsbBus bus;
    SnapshotPad provisioned;
    plug_device(bus, provisioned.pad);
    EventRecorder recorder;
    PinPadOptions options = snapshot_pad_options();
    options.security->pin_key_check_value[0] ^= 0x01;
    PinPadService service(options);
    service.start(recorder.sink(), recorder.notice());

    const auto snapshot =
        snapshot_when(service, [](const DeviceSnapshot& known) { return !known.refusal.empty(); });
    CHECK_FALSE(snapshot.connected);
    CHECK(snapshot.refusal == "pad PIN key differs from configuration");
    // What the engineer compares with the key forms: the pad's own, not the configuration's.
    const auto& slot = provisioned.provisioned.slot(drivers::epp::KeySlot::pin_aes);
    CHECK(snapshot_fact(snapshot, FactName::key_slot_pin_aes) ==
          "aes128 kcv " + hex_text(slot.check_value));
    CHECK(snapshot.serial == VirtualEpp::Identity{}.serial);
}

TEST_CASE("A pad that reports tamper is shown refused and tampered") {
    simulator::usb::VirtualUsbBus bus;
    SnapshotPad provisioned;
    plug_device(bus, provisioned.pad);
    EventRecorder recorder;
    PinPadService service(snapshot_pad_options());
    service.start(recorder.sink(), recorder.notice());
    snapshot_connected(service);
    provisioned.pad->tamper();
    const auto snapshot =
        snapshot_when(service, [](const DeviceSnapshot& known) { return !known.refusal.empty(); });
    CHECK_FALSE(snapshot.connected);
    CHECK(snapshot_fact(snapshot, FactName::tampered) == "yes");
}

TEST_CASE("A pad of revision 4 shows its working key's check value and no secure channel") {
    simulator::usb::VirtualUsbBus bus;
    const std::array<std::uint8_t, 16> working_key{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
                                                   0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10};
    plug_device(bus, std::make_shared<VirtualEpp>(working_key));
    EventRecorder recorder;
    PinPadService service;
    service.start(recorder.sink(), recorder.notice());
    const auto snapshot = snapshot_connected(service);
    CHECK(snapshot_fact(snapshot, FactName::secure_channel) == "off");
    // docs/platform-facts.md: the shared ISO 9564 test key's check value.
    CHECK(snapshot_fact(snapshot, FactName::key_slot_pin_tdes) == "tdes kcv 08D7B4");
    CHECK(snapshot_fact(snapshot, FactName::key_slot_pin_aes) == "empty");
}

TEST_CASE("The printer's snapshot follows its paper and cover") {
    simulator::usb::VirtualUsbBus bus;
    auto printer = std::make_shared<VirtualPrinter>();
    plug_device(bus, printer);
    EventRecorder recorder;
    PrinterService service;
    service.start(recorder.sink(), recorder.notice());

    auto snapshot = snapshot_connected(service);
    CHECK(snapshot.device == DeviceKind::printer);
    CHECK(snapshot.model == printer->product());
    CHECK(snapshot.serial == printer->serial());
    CHECK(snapshot_fact(snapshot, FactName::paper) == "ok");
    CHECK(snapshot_fact(snapshot, FactName::cover) == "closed");
    CHECK(snapshot_fact(snapshot, FactName::online) == "yes");

    printer->set_paper(drivers::escpos::PaperState::low);
    REQUIRE(recorder.skip_to<core::PaperChanged>(k_printer_status_poll + k_patience));
    snapshot = service.snapshot();
    CHECK(snapshot_fact(snapshot, FactName::paper) == "low");

    printer->set_cover_open(true);
    snapshot = snapshot_when(
        service, [](const DeviceSnapshot& known) { return known.fact(FactName::cover) == "open"; });
    CHECK(snapshot_fact(snapshot, FactName::online) == "no");
}

TEST_CASE("The dispenser's snapshot holds its cassettes, and a cassette's count after a dispense") {
    simulator::usb::VirtualUsbBus bus;
    const simulator::devices::DispenserSetup setup;
    auto dispenser = std::make_shared<VirtualDispenser>(setup);
    plug_device(bus, dispenser);
    EventRecorder recorder;
    DispenserService service(snapshot_dispenser_options());
    service.start(recorder.sink(), recorder.notice());
    REQUIRE(recorder.skip_to<core::DispenserReported>());

    auto snapshot = service.snapshot();
    CHECK(snapshot.connected);
    CHECK(snapshot.model == setup.product);
    CHECK(snapshot.serial == setup.serial);
    CHECK(snapshot.firmware == version_text(setup.firmware_version));
    CHECK(snapshot_fact(snapshot, FactName::cassette_count) ==
          std::to_string(setup.cassettes.size()));
    CHECK(snapshot.facts_named(FactName::cassette) ==
          std::vector<std::string>{"1: CNY 100 x 2000, ok", "2: CNY 50 x 1000, ok"});
    CHECK(snapshot_fact(snapshot, FactName::reject_bin) ==
          "0 of " + std::to_string(setup.reject_bin_capacity));
    CHECK(snapshot_fact(snapshot, FactName::shutter) == "closed");

    service.dispense(core::Dispense{std::string(k_snapshot_reference), {3, 1}});
    const auto dispensed = recorder.skip_to<core::CashDispensed>();
    REQUIRE(dispensed);
    REQUIRE(dispensed->result == core::PickResult::picked);
    snapshot = service.snapshot();
    // The dispenser's own ledger says what is left in each cassette.
    const auto ledger = dispenser->ledger();
    REQUIRE(ledger.cassettes.size() == 2);
    CHECK(ledger.cassettes[0].in_cassette == 1997);
    CHECK(snapshot.facts_named(FactName::cassette) ==
          std::vector<std::string>{
              "1: CNY 100 x " + std::to_string(ledger.cassettes[0].in_cassette) + ", ok",
              "2: CNY 50 x " + std::to_string(ledger.cassettes[1].in_cassette) + ", ok"});

    service.present(core::PresentCash{std::string(k_snapshot_reference)});
    REQUIRE(recorder.skip_to<core::CashPresented>());
    CHECK(service.snapshot().fact(FactName::shutter) == "open");
}

TEST_CASE("The cabinet board's snapshot follows its switch and doors") {
    simulator::usb::VirtualUsbBus bus;
    const simulator::devices::CabinetSetup setup;
    auto board = std::make_shared<VirtualCabinet>(setup);
    plug_device(bus, board);
    EventRecorder recorder;
    CabinetService service;
    service.start(recorder.sink(), recorder.notice());

    auto snapshot = snapshot_connected(service);
    CHECK(snapshot.device == DeviceKind::cabinet);
    CHECK(snapshot.model == setup.model);
    CHECK(snapshot.serial == setup.serial);
    CHECK(snapshot.firmware == "1.0");
    CHECK(snapshot_fact(snapshot, FactName::service_switch) == "run");
    CHECK(snapshot_fact(snapshot, FactName::cabinet_door) == "closed");
    CHECK(snapshot_fact(snapshot, FactName::safe_door) == "closed");

    REQUIRE(board->set_service_switch(true));
    REQUIRE(board->set_door(drivers::cabinet::Door::safe, true));
    snapshot = snapshot_when(service, [](const DeviceSnapshot& known) {
        return known.fact(FactName::service_switch) == "service" &&
               known.fact(FactName::safe_door) == "open";
    });
    CHECK(snapshot_fact(snapshot, FactName::cabinet_door) == "closed");
}

TEST_CASE("A missing device's snapshot says not connected and knows nothing of it") {
    simulator::usb::VirtualUsbBus bus;
    EventRecorder recorder;
    CardReaderService reader;
    PinPadService pad;
    PrinterService printer;
    DispenserService dispenser(snapshot_dispenser_options());
    CabinetService cabinet;
    reader.start(recorder.sink(), recorder.notice());
    pad.start(recorder.sink(), recorder.notice());
    printer.start(recorder.sink(), recorder.notice());
    dispenser.start(recorder.sink(), recorder.notice());
    cabinet.start(recorder.sink(), recorder.notice());
    REQUIRE(recorder.wait_for_notice("reader missing"));
    REQUIRE(recorder.wait_for_notice("pad missing"));
    REQUIRE(recorder.wait_for_notice("printer missing"));
    REQUIRE(recorder.wait_for_notice("dispenser missing"));
    REQUIRE(recorder.wait_for_notice("cabinet missing"));
    for (const DeviceSnapshot& snapshot : {reader.snapshot(), pad.snapshot(), printer.snapshot(),
                                           dispenser.snapshot(), cabinet.snapshot()}) {
        INFO(to_string(snapshot.device));
        CHECK_FALSE(snapshot.connected);
        CHECK(snapshot.refusal.empty());
        CHECK(snapshot.model.empty());
        CHECK(snapshot.serial.empty());
        CHECK(snapshot.facts.empty());
    }
    CHECK(reader.snapshot().device == DeviceKind::card_reader);
    CHECK(cabinet.snapshot().device == DeviceKind::cabinet);
}

TEST_CASE("A device unplugged is no longer shown connected") {
    simulator::usb::VirtualUsbBus bus;
    auto printer = std::make_shared<VirtualPrinter>();
    const auto printer_handle = plug_device(bus, printer);
    auto board = std::make_shared<VirtualCabinet>();
    const auto board_handle = plug_device(bus, board);
    EventRecorder recorder;
    PrinterService printer_service;
    CabinetService cabinet_service;
    printer_service.start(recorder.sink(), recorder.notice());
    cabinet_service.start(recorder.sink(), recorder.notice());
    snapshot_connected(printer_service);
    snapshot_connected(cabinet_service);
    REQUIRE(bus.unplug(printer_handle));
    REQUIRE(bus.unplug(board_handle));
    for (const auto& snapshot :
         {snapshot_when(printer_service,
                        [](const DeviceSnapshot& known) { return !known.connected; }),
          snapshot_when(cabinet_service,
                        [](const DeviceSnapshot& known) { return !known.connected; })}) {
        CHECK(snapshot.facts.empty());
        CHECK(snapshot.serial.empty());
    }
}

TEST_CASE("No snapshot holds the card number or the PIN of a customer who just used the kiosk") {
    const auto& profile = snapshot_card_profile();
    REQUIRE_FALSE(profile.pan.empty());
    REQUIRE_FALSE(profile.pin.empty());

    simulator::usb::VirtualUsbBus bus;
    auto reader = std::make_shared<VirtualCcidReader>();
    plug_device(bus, reader);
    SnapshotPad provisioned;
    plug_device(bus, provisioned.pad);
    auto printer = std::make_shared<VirtualPrinter>();
    plug_device(bus, printer);
    auto dispenser = std::make_shared<VirtualDispenser>();
    plug_device(bus, dispenser);
    auto board = std::make_shared<VirtualCabinet>();
    plug_device(bus, board);

    EventRecorder recorder;
    CardReaderService reader_service;
    PinPadService pad_service(snapshot_pad_options());
    PrinterService printer_service;
    DispenserService dispenser_service(snapshot_dispenser_options());
    CabinetService cabinet_service;
    reader_service.start(recorder.sink(), recorder.notice());
    pad_service.start(recorder.sink(), recorder.notice());
    printer_service.start(recorder.sink(), recorder.notice());
    dispenser_service.start(recorder.sink(), recorder.notice());
    cabinet_service.start(recorder.sink(), recorder.notice());
    snapshot_connected(reader_service);
    snapshot_connected(pad_service);
    snapshot_connected(printer_service);
    snapshot_connected(dispenser_service);
    snapshot_connected(cabinet_service);

    // A whole customer visit: the card read, the PIN typed on the pad, a slip, cash.
    auto card = tests::demo_card_library().make_card(k_snapshot_card);
    REQUIRE(card);
    reader->insert(*card);
    const auto read = recorder.skip_to<core::CardRead>();
    REQUIRE(read);
    pad_service.start_pin_entry(read->card.pan, core::PinPurpose::sign_on);
    REQUIRE(recorder.skip_to<core::PinEntryReady>());
    for (const char digit : profile.pin) {
        provisioned.pad->press(*base::digit_key(digit - '0'));
    }
    provisioned.pad->press(base::Key::enter);
    REQUIRE(recorder.skip_to<core::PinEntered>());
    core::PrintDocument slip;
    slip.blocks.emplace_back(core::PrintText{"Card " + profile.pan, core::PrintSize::normal,
                                             core::PrintAlignment::left, false});
    printer_service.print(1, slip);
    REQUIRE(recorder.skip_to<core::PrintFinished>());
    dispenser_service.dispense(core::Dispense{std::string(k_snapshot_reference), {1, 0}});
    REQUIRE(recorder.skip_to<core::CashDispensed>());

    const std::vector<DeviceSnapshot> snapshots{
        reader_service.snapshot(), pad_service.snapshot(), printer_service.snapshot(),
        dispenser_service.snapshot(), cabinet_service.snapshot()};
    std::size_t strings = 0;
    for (const DeviceSnapshot& snapshot : snapshots) {
        CHECK(snapshot.connected);
        std::vector<std::string> texts{snapshot.refusal, snapshot.model, snapshot.firmware,
                                       snapshot.serial};
        for (const DeviceFact& fact : snapshot.facts) {
            texts.push_back(fact.value);
            texts.emplace_back(to_string(fact.name));
        }
        for (const std::string& text : texts) {
            INFO(to_string(snapshot.device) << ": " << text);
            CHECK(text.find(profile.pan) == std::string::npos);
            CHECK(text.find(profile.pin) == std::string::npos);
            ++strings;
        }
    }
    // The scan looked at something: every device's identity and facts.
    CHECK(strings > 60);
}
