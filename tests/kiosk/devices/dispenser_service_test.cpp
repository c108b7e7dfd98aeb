// THE cash dispenser test: the kiosk's dispenser model, through real libusb and the drivers'
// dispenser client, against the simulator's dispenser on the umockdev virtual bus. Where the
// notes went is read back from the simulated dispenser's own ledger.

#include "kiosk/devices/dispenser_service.h"

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "simulator/devices/virtual_dispenser.h"
#include "simulator/devices/virtual_epp.h"
#include "simulator/usb/virtual_usb_bus.h"
#include "tests/kiosk/devices/event_recorder.h"

using namespace kiosk;
using namespace kiosk::devices;
using namespace kiosk::devices::test;
using simulator::devices::VirtualDispenser;

namespace {

constexpr std::string_view k_reference = "9b2f6c1e-0a7d-4e58-b3c4-d5e6f7a8b9c0";
constexpr std::string_view k_other_reference = "3c8e1a52-7b4f-4d09-a1e6-0f2b9c7d5e43";
// The simulated dispenser's load (simulator/devices/virtual_dispenser.h): 2000 notes of 100
// yuan and 1000 of 50. The mix is 5 of 100 and 1 of 50: 550 yuan, 55 000 fen.
const std::vector<int> k_mix{5, 1};
constexpr std::int64_t k_mix_amount = 5 * 10000 + 1 * 5000;
constexpr int k_mix_notes = 6;

core::Money fen(std::int64_t minor_units) {
    return core::Money{minor_units, "CNY"};
}

DispenserServiceOptions quick() {
    // A lost answer is noticed after a fraction of a second instead of dispenser.md's 30 s.
    DispenserServiceOptions options;
    options.client.command_timeout = 2000ms;
    options.client.dispense_timeout = 300ms;
    return options;
}

// A bus with the simulator's dispenser, and the kiosk's model listening to it.
struct DispenserKiosk {
    simulator::usb::VirtualUsbBus bus;
    std::shared_ptr<VirtualDispenser> dispenser = std::make_shared<VirtualDispenser>();
    std::optional<simulator::usb::DeviceHandle> dispenser_handle;
    EventRecorder recorder;
    DispenserService service{quick()};

    void plug_dispenser() {
        auto handle = bus.plug(dispenser);
        REQUIRE(handle);
        dispenser_handle = *handle;
    }
    void unplug_dispenser() {
        REQUIRE(dispenser_handle);
        REQUIRE(bus.unplug(*dispenser_handle));
        dispenser_handle.reset();
    }
    // Starts the model on a dispenser that is there and takes the report it makes on finding
    // it.
    core::DispenserReported start() {
        service.start(recorder.sink(), recorder.notice());
        const auto found = recorder.expect<core::DispenserReported>();
        REQUIRE(found);
        REQUIRE(service.state() == DispenserServiceState::ready);
        return *found;
    }
    core::CashDispensed dispense(std::string_view reference, std::vector<int> notes = k_mix) {
        service.dispense(core::Dispense{std::string(reference), std::move(notes)});
        const auto dispensed = recorder.expect<core::CashDispensed>();
        REQUIRE(dispensed);
        return *dispensed;
    }
    core::CashPresented present(std::string_view reference) {
        service.present(core::PresentCash{std::string(reference)});
        const auto presented = recorder.expect<core::CashPresented>();
        REQUIRE(presented);
        return *presented;
    }
    std::uint16_t notes_in_cassettes() const {
        std::uint16_t notes = 0;
        for (const auto& cassette : dispenser->ledger().cassettes) {
            notes = static_cast<std::uint16_t>(notes + cassette.in_cassette);
        }
        return notes;
    }
};

constexpr std::uint16_t k_notes_loaded = 3000;

}  // namespace

TEST_CASE("A dispenser present at start is reported with where the notes are and its cassettes") {
    DispenserKiosk kiosk;
    kiosk.plug_dispenser();
    const auto found = kiosk.start();
    CHECK(found.fault == core::CashFault::none);
    CHECK(found.state == core::DispenserState::idle);
    CHECK(found.held.empty());
    CHECK(found.notes_in_transport == 0);
    CHECK(found.notes_at_slot == 0);
    CHECK(found.last_transaction.empty());
    CHECK(found.last_result == core::PickResult::nothing_picked);
    CHECK(found.cassettes == std::vector<core::Cassette>{
                                 {1, fen(10000), 2000, core::CassetteState::ok},
                                 {2, fen(5000), 1000, core::CassetteState::ok},
                             });
    CHECK(kiosk.recorder.wait_for_notice("dispenser connected"));
    // A dispenser there from the start is never reported missing or returned.
    for (const auto& event : kiosk.recorder.events()) {
        CHECK_FALSE(std::holds_alternative<core::DeviceMissing>(event));
        CHECK_FALSE(std::holds_alternative<core::DeviceReturned>(event));
    }
}

TEST_CASE("A PIN pad on the same bus is not taken for the dispenser") {
    // Both interfaces are vendor specific; only the dispenser's subclass tells them apart.
    constexpr std::array<std::uint8_t, 16> k_any_key{};
    DispenserKiosk kiosk;
    auto pad = std::make_shared<simulator::devices::VirtualEpp>(k_any_key);
    // Whichever order libusb lists them in, a model that took the first vendor-specific
    // interface would meet the pad in one of them.
    const bool pad_first = GENERATE(true, false);
    if (pad_first) {
        REQUIRE(kiosk.bus.plug(pad));
    }
    kiosk.plug_dispenser();
    if (!pad_first) {
        REQUIRE(kiosk.bus.plug(pad));
    }
    const auto found = kiosk.start();
    CHECK(found.fault == core::CashFault::none);
    CHECK(found.cassettes.size() == 2);
}

TEST_CASE("Cash dispensed, presented and taken is reported with its amount, in the core's words") {
    DispenserKiosk kiosk;
    kiosk.plug_dispenser();
    kiosk.start();
    // The core's reference in upper case: every answer names it as the core wrote it, the
    // customer taking the notes too, though the dispenser knows only its 16 bytes.
    const std::string reference = "9B2F6C1E-0A7D-4E58-B3C4-D5E6F7A8B9C0";

    CHECK(kiosk.dispense(reference) == core::CashDispensed{.transaction = reference,
                                                           .result = core::PickResult::picked,
                                                           .notes = k_mix,
                                                           .amount = fen(k_mix_amount),
                                                           .fault = core::CashFault::none});
    CHECK(kiosk.present(reference) ==
          core::CashPresented{reference, k_mix_notes, core::CashFault::none});
    CHECK(kiosk.dispenser->shutter_open());

    REQUIRE(kiosk.dispenser->take_cash());
    const auto taken = kiosk.recorder.expect<core::CashTaken>();
    REQUIRE(taken);
    CHECK(taken->transaction == reference);
    CHECK(kiosk.dispenser->ledger().amount_taken() == static_cast<std::uint64_t>(k_mix_amount));
}

TEST_CASE("A jam while picking is reported as picked in part with the notes picked") {
    DispenserKiosk kiosk;
    kiosk.plug_dispenser();
    kiosk.start();
    kiosk.dispenser->jam_next_dispense(3);

    const auto dispensed = kiosk.dispense(k_reference);
    CHECK(dispensed.result == core::PickResult::picked_in_part);
    CHECK(dispensed.fault == core::CashFault::jammed);
    // What the dispenser says it picked, and what it is worth, are what its ledger holds.
    const auto ledger = kiosk.dispenser->ledger();
    REQUIRE(dispensed.notes.size() == 2);
    CHECK(dispensed.notes[0] == ledger.cassettes[0].in_transport);
    CHECK(dispensed.notes[1] == ledger.cassettes[1].in_transport);
    CHECK(dispensed.notes[0] + dispensed.notes[1] == 3);
    CHECK(dispensed.amount ==
          fen(dispensed.notes[0] * std::int64_t{10000} + dispensed.notes[1] * std::int64_t{5000}));
    CHECK(kiosk.recorder.wait_for_notice("notes jammed"));
}

TEST_CASE("A mix the cassettes cannot make picks nothing and says not enough notes") {
    DispenserKiosk kiosk;
    kiosk.plug_dispenser();
    kiosk.start();

    const auto dispensed = kiosk.dispense(k_reference, {0, 1001});
    CHECK(dispensed.result == core::PickResult::nothing_picked);
    CHECK(dispensed.fault == core::CashFault::not_enough_notes);
    CHECK(dispensed.amount.minor_units == 0);
    CHECK(kiosk.notes_in_cassettes() == k_notes_loaded);
}

TEST_CASE("Notes presented and not taken are retracted with their count") {
    DispenserKiosk kiosk;
    kiosk.plug_dispenser();
    kiosk.start();
    REQUIRE(kiosk.dispense(k_reference).fault == core::CashFault::none);
    REQUIRE(kiosk.present(k_reference).fault == core::CashFault::none);

    kiosk.service.retract(core::RetractCash{std::string(k_reference)});
    const auto retracted = kiosk.recorder.expect<core::CashRetracted>();
    REQUIRE(retracted);
    CHECK(*retracted ==
          core::CashRetracted{std::string(k_reference), k_mix_notes, core::CashFault::none});
    CHECK(kiosk.dispenser->ledger().notes_in_reject_bin() == std::uint32_t{k_mix_notes});
    CHECK(kiosk.dispenser->ledger().notes_taken() == 0U);
}

TEST_CASE("Stacked notes that were never presented are rejected with their count") {
    DispenserKiosk kiosk;
    kiosk.plug_dispenser();
    kiosk.start();
    REQUIRE(kiosk.dispense(k_reference).fault == core::CashFault::none);

    kiosk.service.reject(core::RejectCash{std::string(k_reference)});
    const auto rejected = kiosk.recorder.expect<core::CashRejected>();
    REQUIRE(rejected);
    CHECK(*rejected ==
          core::CashRejected{std::string(k_reference), k_mix_notes, core::CashFault::none});
    CHECK(kiosk.dispenser->ledger().notes_in_reject_bin() == std::uint32_t{k_mix_notes});
    CHECK_FALSE(kiosk.dispenser->shutter_open());
}

TEST_CASE("A command the dispenser refuses is answered refused") {
    DispenserKiosk kiosk;
    kiosk.plug_dispenser();
    kiosk.start();
    REQUIRE(kiosk.dispense(k_reference).fault == core::CashFault::none);

    // The notes held are another transaction's (dispenser.md §3, wrong reference).
    const auto presented = kiosk.present(k_other_reference);
    CHECK(presented.fault == core::CashFault::refused);
    CHECK(presented.notes == 0);
    CHECK_FALSE(kiosk.dispenser->shutter_open());
}

TEST_CASE("The same dispense asked twice gives the same outcome and picks once") {
    DispenserKiosk kiosk;
    kiosk.plug_dispenser();
    kiosk.start();

    const auto first = kiosk.dispense(k_reference);
    const auto second = kiosk.dispense(k_reference);
    CHECK(first.result == core::PickResult::picked);
    CHECK(second == first);
    CHECK(kiosk.notes_in_cassettes() == k_notes_loaded - k_mix_notes);
}

TEST_CASE("A dispense whose answer is lost still gives one outcome and picks once") {
    DispenserKiosk kiosk;
    kiosk.plug_dispenser();
    kiosk.start();
    kiosk.dispenser->lose_next_response();

    const auto dispensed = kiosk.dispense(k_reference);
    CHECK(dispensed.result == core::PickResult::picked);
    CHECK(dispensed.notes == k_mix);
    CHECK(dispensed.amount == fen(k_mix_amount));
    CHECK(kiosk.recorder.stays_quiet(500ms));
    CHECK(kiosk.notes_in_cassettes() == k_notes_loaded - k_mix_notes);
}

TEST_CASE(
    "An unplugged dispenser is missed, its commands go unanswered, and once back it says "
    "where the notes are") {
    DispenserKiosk kiosk;
    kiosk.plug_dispenser();
    kiosk.start();
    REQUIRE(kiosk.dispense(k_reference).fault == core::CashFault::none);

    kiosk.unplug_dispenser();
    const auto missing = kiosk.recorder.expect<core::DeviceMissing>();
    REQUIRE(missing);
    CHECK(missing->device == core::Device::dispenser);
    REQUIRE(kiosk.service.state() == DispenserServiceState::dispenser_missing);
    CHECK(kiosk.present(k_reference) ==
          core::CashPresented{std::string(k_reference), 0, core::CashFault::no_answer});
    kiosk.service.check();
    const auto unknown = kiosk.recorder.expect<core::DispenserReported>();
    REQUIRE(unknown);
    CHECK(unknown->fault == core::CashFault::no_answer);

    kiosk.plug_dispenser();
    const auto returned = kiosk.recorder.expect<core::DeviceReturned>();
    REQUIRE(returned);
    CHECK(returned->device == core::Device::dispenser);
    // dispenser.md §4.2: stacked means the notes never left the machine.
    const auto back = kiosk.recorder.expect<core::DispenserReported>();
    REQUIRE(back);
    CHECK(back->fault == core::CashFault::none);
    CHECK(back->state == core::DispenserState::stacked);
    CHECK(back->held == k_reference);
    CHECK(back->notes_in_transport == k_mix_notes);
    CHECK(back->notes_at_slot == 0);
    CHECK(back->last_transaction == k_reference);
    CHECK(back->last_result == core::PickResult::picked);
    CHECK(back->last_location == core::NotesLocation::transport);
    CHECK(back->last_amount == fen(k_mix_amount));
    CHECK(kiosk.recorder.wait_for_notice("dispenser disconnected"));
}

TEST_CASE("A dispenser missing at start is reported missing and commands to it go unanswered") {
    DispenserKiosk kiosk;
    kiosk.service.start(kiosk.recorder.sink(), kiosk.recorder.notice());
    const auto missing = kiosk.recorder.expect<core::DeviceMissing>();
    REQUIRE(missing);
    CHECK(missing->device == core::Device::dispenser);

    const auto dispensed = kiosk.dispense(k_reference);
    CHECK(dispensed.fault == core::CashFault::no_answer);
    CHECK(dispensed.notes.empty());
    kiosk.service.reject(core::RejectCash{std::string(k_reference)});
    const auto rejected = kiosk.recorder.expect<core::CashRejected>();
    REQUIRE(rejected);
    CHECK(rejected->fault == core::CashFault::no_answer);
}

TEST_CASE("A malformed reference is refused at once and never sent") {
    DispenserKiosk kiosk;
    kiosk.plug_dispenser();
    kiosk.start();
    const auto answered_before = kiosk.recorder.events().size();

    // Refused on the caller's thread before anything is queued: the answer is there when the
    // call returns, with no wait for the model's thread.
    kiosk.service.dispense(core::Dispense{"9b2f6c1e0a7d4e58b3c4d5e6f7a8b9c0", k_mix});
    auto events = kiosk.recorder.events();
    REQUIRE(events.size() == answered_before + 1);
    const auto* dispensed = std::get_if<core::CashDispensed>(&events.back());
    REQUIRE(dispensed != nullptr);
    CHECK(dispensed->fault == core::CashFault::refused);
    CHECK(dispensed->result == core::PickResult::nothing_picked);

    kiosk.service.present(core::PresentCash{"not a reference"});
    events = kiosk.recorder.events();
    REQUIRE(events.size() == answered_before + 2);
    const auto* presented = std::get_if<core::CashPresented>(&events.back());
    REQUIRE(presented != nullptr);
    CHECK(presented->fault == core::CashFault::refused);

    CHECK(kiosk.notes_in_cassettes() == k_notes_loaded);
    CHECK(kiosk.dispenser->state() == drivers::dispenser::State::idle);
}

TEST_CASE("Stopping the dispenser model is prompt and it starts again") {
    DispenserKiosk kiosk;
    kiosk.plug_dispenser();
    kiosk.start();
    // The model waits on the dispenser's events with k_event_wait as a safety net; a stop
    // must end that wait at once.
    const auto started = std::chrono::steady_clock::now();
    kiosk.service.stop();
    CHECK(std::chrono::steady_clock::now() - started < 300ms);

    kiosk.start();
    CHECK(kiosk.dispense(k_reference).result == core::PickResult::picked);
}
