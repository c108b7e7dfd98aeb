#include <catch2/catch.hpp>

#include <array>
#include <random>
#include <thread>

#include "base/bytes.h"
#include "drivers/epp/epp_client.h"
#include "drivers/epp/epp_protocol.h"
#include "drivers/iso9564/pin_block.h"
#include "simulator/devices/direct_transport.h"
#include "simulator/devices/usb_descriptors.h"
#include "simulator/devices/virtual_epp.h"

using namespace drivers::epp;
using base::Key;
using simulator::devices::DirectTransport;
using simulator::devices::VirtualEpp;

using namespace std::chrono_literals;

namespace {

constexpr std::array<std::uint8_t, 16> k_key{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
                                             0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10};
constexpr auto k_wait = std::chrono::milliseconds(500);
// The card whose account field request() sends: its 12 digits before the check digit.
constexpr std::string_view k_card = "6228480402564890018";

struct Pad {
    std::shared_ptr<VirtualEpp> device = std::make_shared<VirtualEpp>(k_key);
    DirectTransport transport{device};
    EppClient client{transport, EppOptions{k_wait, 4}};

    std::optional<Event> next_event(std::chrono::milliseconds wait = k_wait) {
        auto event = client.wait_for_event(wait);
        REQUIRE(event.has_value());
        return *event;
    }

    // Types `digits` on the pad and checks that only their counts come, from one on.
    void type(std::string_view digits) {
        int count = 0;
        for (const char digit : digits) {
            device->press(*base::digit_key(digit - '0'));
            CHECK(std::get<PinDigitEntered>(*next_event()).digits_entered == ++count);
        }
    }
    // Types an entry and presses Enter; the event that Enter brings.
    Event enter(std::string_view digits) {
        type(digits);
        device->press(Key::enter);
        auto event = next_event();
        REQUIRE(event.has_value());
        return *event;
    }
};

PinEntryRequest request(std::uint16_t seconds = 30) {
    PinEntryRequest pin;
    pin.account_field = "040256489001";
    pin.timeout = std::chrono::seconds(seconds);
    return pin;
}

PinEntryRequest new_pin_request() {
    PinEntryRequest pin = request();
    pin.kind = PinEntryKind::new_pin;
    return pin;
}

}  // namespace

TEST_CASE("The pad announces a vendor-class interface with the test vendor id") {
    VirtualEpp pad(k_key);
    const auto descriptors = pad.descriptors();
    CHECK((descriptors[8] | (descriptors[9] << 8)) == 0x1209);
    CHECK((descriptors[10] | (descriptors[11] << 8)) == simulator::devices::k_pin_pad_product_id);
    CHECK(descriptors[27 + 5] == 0xFF);
    CHECK(descriptors[27 + 4] == 3);  // three endpoints
}

TEST_CASE("The pad reports its identity and loaded key") {
    Pad pad;
    auto info = pad.client.get_info();
    REQUIRE(info.has_value());
    CHECK(info->model == "KIOSK-EPP-SIM");
    CHECK(info->serial == "SIM-EPP-0001");
    CHECK(info->loaded_key_slots == 0x01);
}

TEST_CASE("Keys are not reported while disabled, and digits not in function-key mode") {
    Pad pad;
    pad.device->press(Key::digit_5);
    CHECK_FALSE(pad.next_event(std::chrono::milliseconds(20)).has_value());
    REQUIRE(pad.client.set_key_mode(KeyMode::function_keys).has_value());
    pad.device->press(Key::digit_5);
    pad.device->press(Key::enter);
    CHECK(std::get<KeyPressed>(*pad.next_event()).key == Key::enter);
    CHECK_FALSE(pad.next_event(std::chrono::milliseconds(20)).has_value());
}

TEST_CASE("A clear-digit window reports its count of digits, then closes by itself") {
    Pad pad;
    REQUIRE(pad.client.offer_clear_digits(DigitPurpose::menu_choice, 2, 30s).has_value());
    CHECK(pad.device->mode() == PadMode::clear_digits);
    pad.device->press(Key::digit_4);
    pad.device->press(Key::enter);  // function keys come through as well
    pad.device->press(Key::digit_2);
    pad.device->press(Key::digit_9);  // past the count: not reported
    CHECK(std::get<KeyPressed>(*pad.next_event()).key == Key::digit_4);
    CHECK(std::get<KeyPressed>(*pad.next_event()).key == Key::enter);
    CHECK(std::get<KeyPressed>(*pad.next_event()).key == Key::digit_2);
    CHECK(std::get<ClearDigitsEnded>(*pad.next_event()).reason == ClearDigitsEnd::count_reached);
    CHECK_FALSE(pad.next_event(std::chrono::milliseconds(20)).has_value());
    CHECK(pad.device->mode() == PadMode::function_keys);
}

TEST_CASE("A clear-digit window closes when its time is over") {
    Pad pad;
    REQUIRE(pad.client.offer_clear_digits(DigitPurpose::amount, 9, 1s).has_value());
    CHECK(std::get<ClearDigitsEnded>(*pad.next_event(2s)).reason == ClearDigitsEnd::time_over);
    pad.device->press(Key::digit_1);
    CHECK_FALSE(pad.next_event(std::chrono::milliseconds(20)).has_value());
}

TEST_CASE("A PIN entry closes a clear-digit window for good") {
    Pad pad;
    REQUIRE(pad.client.offer_clear_digits(DigitPurpose::menu_choice, 1, 30s).has_value());
    REQUIRE(pad.client.start_pin_entry(request()).has_value());
    REQUIRE(pad.client.cancel_pin_entry().has_value());
    CHECK(std::holds_alternative<PinEntryEnded>(*pad.next_event()));
    CHECK(pad.device->mode() == PadMode::function_keys);
    pad.device->press(Key::digit_1);
    CHECK_FALSE(pad.next_event(std::chrono::milliseconds(20)).has_value());
}

TEST_CASE("The client asks for clear digits only with a purpose and limits") {
    Pad pad;
    CHECK(pad.client.set_key_mode(KeyMode::clear_digits).error() == EppError::invalid_request);
    CHECK(pad.client.offer_clear_digits(DigitPurpose::menu_choice, 0, 30s).error() ==
          EppError::invalid_request);
    CHECK(pad.client.offer_clear_digits(DigitPurpose::menu_choice, 20, 30s).error() ==
          EppError::invalid_request);
    CHECK(pad.client.offer_clear_digits(DigitPurpose::menu_choice, 1, 301s).error() ==
          EppError::invalid_request);
}

TEST_CASE("Plugging headphones is reported once per change and shows in the status") {
    Pad pad;
    pad.device->plug_headphones(true);
    pad.device->plug_headphones(true);
    CHECK(std::get<HeadphonesChanged>(*pad.next_event()).plugged);
    CHECK_FALSE(pad.next_event(std::chrono::milliseconds(20)).has_value());
    auto status = pad.client.get_status();
    REQUIRE(status.has_value());
    CHECK(status->headphones_plugged);
    pad.device->plug_headphones(false);
    CHECK_FALSE(std::get<HeadphonesChanged>(*pad.next_event()).plugged);
}

TEST_CASE("During PIN entry digits are counted, Clear empties and Enter needs the minimum") {
    Pad pad;
    REQUIRE(pad.client.start_pin_entry(request()).has_value());
    CHECK(pad.device->mode() == PadMode::pin_entry);
    pad.device->press(Key::digit_1);
    pad.device->press(Key::digit_2);
    CHECK(std::get<PinDigitEntered>(*pad.next_event()).digits_entered == 1);
    CHECK(std::get<PinDigitEntered>(*pad.next_event()).digits_entered == 2);
    pad.device->press(Key::clear);
    CHECK(std::holds_alternative<PinCleared>(*pad.next_event()));
    CHECK(pad.device->digits_entered() == 0);
    pad.device->press(Key::digit_3);
    pad.next_event();
    pad.device->press(Key::enter);
    CHECK(std::get<PinTooShort>(*pad.next_event()).min_digits == 4);
    CHECK(pad.device->mode() == PadMode::pin_entry);
}

TEST_CASE("A new PIN typed twice alike gives the format 0 block of the new PIN") {
    Pad pad;
    REQUIRE(pad.client.start_pin_entry(new_pin_request()).has_value());
    CHECK(pad.device->mode() == PadMode::pin_entry);
    // The first entry builds no block: the pad asks again, and counts from one again.
    CHECK(std::holds_alternative<NewPinAgain>(pad.enter("7395")));
    CHECK(pad.device->mode() == PadMode::pin_entry);
    CHECK(pad.client.get_pin_block().error() == EppError::no_pin_block);
    const Event done = pad.enter("7395");
    REQUIRE(std::holds_alternative<PinEntryDone>(done));
    const PinBlockReply& reply = std::get<PinEntryDone>(done).pin_block;
    // Exactly the block of §4.4: the same PIN and card make the same format 0 block.
    const auto expected = drivers::iso9564::format0_encrypted("7395", k_card, k_key);
    REQUIRE(expected.has_value());
    CHECK(reply.block == *expected);
    auto pin = drivers::iso9564::format0_decrypt_pin(reply.block, k_card, k_key);
    REQUIRE(pin.has_value());
    CHECK(*pin == "7395");
    CHECK(pad.device->mode() == PadMode::idle);
    // epp.md §4.6: the block once more, in case the event was lost.
    auto fetched = pad.client.get_pin_block();
    REQUIRE(fetched.has_value());
    CHECK(*fetched == reply);
}

TEST_CASE("New PIN entries that differ end the entry with reason 5 and leave no block") {
    // Another PIN, and the first PIN with a digit more: both differ.
    for (const std::string_view second : {"7396", "73950"}) {
        INFO(second);
        Pad pad;
        REQUIRE(pad.client.start_pin_entry(new_pin_request()).has_value());
        CHECK(std::holds_alternative<NewPinAgain>(pad.enter("7395")));
        const Event ended = pad.enter(second);
        REQUIRE(std::holds_alternative<PinEntryEnded>(ended));
        CHECK(std::get<PinEntryEnded>(ended).reason == EndReason::new_pins_differ);
        CHECK(pad.device->mode() == PadMode::idle);
        CHECK(pad.client.get_pin_block().error() == EppError::no_pin_block);
        CHECK(pad.client.cancel_pin_entry().error() == EppError::not_collecting);
        CHECK_FALSE(pad.next_event(std::chrono::milliseconds(20)).has_value());
    }
}

TEST_CASE("Clear during the second entry of a new PIN clears only the second entry") {
    Pad pad;
    REQUIRE(pad.client.start_pin_entry(new_pin_request()).has_value());
    CHECK(std::holds_alternative<NewPinAgain>(pad.enter("2468")));
    pad.type("13");
    pad.device->press(Key::clear);
    CHECK(std::holds_alternative<PinCleared>(*pad.next_event()));
    auto status = pad.client.get_status();
    REQUIRE(status.has_value());
    CHECK(status->digits_entered == 0);
    CHECK(status->mode == PadMode::pin_entry);
    // The first entry stayed: typing it again now completes the new PIN.
    const Event done = pad.enter("2468");
    REQUIRE(std::holds_alternative<PinEntryDone>(done));
    auto pin = drivers::iso9564::format0_decrypt_pin(std::get<PinEntryDone>(done).pin_block.block,
                                                     k_card, k_key);
    REQUIRE(pin.has_value());
    CHECK(*pin == "2468");
}

TEST_CASE("Cancel, the host's cancel and the time-out during the second entry erase both") {
    Pad pad;
    const auto hold_first_entry = [&] {
        REQUIRE(pad.client.start_pin_entry(new_pin_request()).has_value());
        CHECK(std::holds_alternative<NewPinAgain>(pad.enter("2468")));
        pad.type("24");
    };
    hold_first_entry();
    pad.device->press(Key::cancel);
    CHECK(std::get<PinEntryEnded>(*pad.next_event()).reason == EndReason::cancelled_by_customer);
    CHECK(pad.device->mode() == PadMode::idle);
    hold_first_entry();
    REQUIRE(pad.client.cancel_pin_entry().has_value());
    CHECK(std::get<PinEntryEnded>(*pad.next_event()).reason == EndReason::cancelled_by_host);
    hold_first_entry();
    pad.device->expire_pin_entry();
    CHECK(std::get<PinEntryEnded>(*pad.next_event()).reason == EndReason::timed_out);
    // Nothing of the erased entries is left: the next new PIN's first Enter asks again, where a
    // first entry left over would have been compared.
    REQUIRE(pad.client.start_pin_entry(new_pin_request()).has_value());
    CHECK(std::holds_alternative<NewPinAgain>(pad.enter("2468")));
    CHECK(pad.client.get_pin_block().error() == EppError::no_pin_block);
}

TEST_CASE("GET STATUS counts the digits of the new PIN's entry being typed") {
    Pad pad;
    REQUIRE(pad.client.start_pin_entry(new_pin_request()).has_value());
    pad.type("80264");
    auto status = pad.client.get_status();
    REQUIRE(status.has_value());
    CHECK(status->mode == PadMode::pin_entry);
    CHECK(status->digits_entered == 5);
    pad.device->press(Key::enter);
    CHECK(std::holds_alternative<NewPinAgain>(*pad.next_event()));
    status = pad.client.get_status();
    REQUIRE(status.has_value());
    CHECK(status->mode == PadMode::pin_entry);
    CHECK(status->digits_entered == 0);
    pad.type("80");
    status = pad.client.get_status();
    REQUIRE(status.has_value());
    CHECK(status->digits_entered == 2);
    // The second entry is held to the minimum as the first is.
    pad.device->press(Key::enter);
    CHECK(std::get<PinTooShort>(*pad.next_event()).min_digits == 4);
    CHECK(pad.device->mode() == PadMode::pin_entry);
}

TEST_CASE("A new-PIN entry is a PIN entry: a second start or a key mode is refused as busy") {
    Pad pad;
    REQUIRE(pad.client.offer_clear_digits(DigitPurpose::menu_choice, 1, 30s).has_value());
    REQUIRE(pad.client.start_pin_entry(new_pin_request()).has_value());
    CHECK(pad.client.start_pin_entry(new_pin_request()).error() == EppError::busy);
    CHECK(pad.client.start_pin_entry(request()).error() == EppError::busy);
    CHECK(pad.client.set_key_mode(KeyMode::function_keys).error() == EppError::busy);
    REQUIRE(pad.client.cancel_pin_entry().has_value());
    CHECK(std::holds_alternative<PinEntryEnded>(*pad.next_event()));
    // epp.md §4.3: the clear-digit window it closed stays closed.
    CHECK(pad.device->mode() == PadMode::function_keys);
}

TEST_CASE("Digits beyond the maximum are dropped and reported as full") {
    Pad pad;
    PinEntryRequest pin = request();
    pin.max_digits = 4;
    REQUIRE(pad.client.start_pin_entry(pin).has_value());
    for (int press = 0; press < 5; ++press) {
        pad.device->press(Key::digit_9);
    }
    for (int count = 1; count <= 4; ++count) {
        CHECK(std::get<PinDigitEntered>(*pad.next_event()).digits_entered == count);
    }
    CHECK(std::get<PinFull>(*pad.next_event()).max_digits == 4);
}

TEST_CASE("The customer's Cancel and the host's cancel end PIN entry with their reasons") {
    Pad pad;
    REQUIRE(pad.client.start_pin_entry(request()).has_value());
    pad.device->press(Key::cancel);
    CHECK(std::get<PinEntryEnded>(*pad.next_event()).reason == EndReason::cancelled_by_customer);
    CHECK(pad.client.cancel_pin_entry().error() == EppError::not_collecting);
    REQUIRE(pad.client.start_pin_entry(request()).has_value());
    REQUIRE(pad.client.cancel_pin_entry().has_value());
    CHECK(std::get<PinEntryEnded>(*pad.next_event()).reason == EndReason::cancelled_by_host);
    CHECK(pad.device->mode() == PadMode::idle);
}

TEST_CASE("A second PIN entry or a key mode change during entry is refused as busy") {
    Pad pad;
    REQUIRE(pad.client.start_pin_entry(request()).has_value());
    CHECK(pad.client.start_pin_entry(request()).error() == EppError::busy);
    CHECK(pad.client.set_key_mode(KeyMode::function_keys).error() == EppError::busy);
}

TEST_CASE("PIN entry without a key in the slot is refused") {
    Pad pad;
    PinEntryRequest pin = request();
    pin.key_slot = 3;
    CHECK(pad.client.start_pin_entry(pin).error() == EppError::no_key);
}

TEST_CASE("PIN entry times out when no key is pressed in time") {
    Pad pad;
    REQUIRE(pad.client.start_pin_entry(request(1)).has_value());
    auto event = pad.next_event(std::chrono::milliseconds(3000));
    REQUIRE(event.has_value());
    CHECK(std::get<PinEntryEnded>(*event).reason == EndReason::timed_out);
    CHECK(pad.device->mode() == PadMode::idle);
}

TEST_CASE("The simulator can make PIN entry time out at once") {
    Pad pad;
    REQUIRE(pad.client.start_pin_entry(request()).has_value());
    pad.device->expire_pin_entry();
    CHECK(std::get<PinEntryEnded>(*pad.next_event()).reason == EndReason::timed_out);
}

TEST_CASE("A tampered pad erases its key and refuses PIN entry") {
    Pad pad;
    REQUIRE(pad.client.start_pin_entry(request()).has_value());
    pad.device->tamper();
    CHECK(std::get<PinEntryEnded>(*pad.next_event()).reason == EndReason::failed);
    CHECK(std::get<TamperDetected>(*pad.next_event()).reason == 1);
    CHECK(pad.client.start_pin_entry(request()).error() == EppError::tampered);
    auto info = pad.client.get_info();
    REQUIRE(info.has_value());
    CHECK(info->loaded_key_slots == 0);
    auto status = pad.client.get_status();
    REQUIRE(status.has_value());
    CHECK(status->tampered);
}

TEST_CASE("A frame with a bad CRC is answered with a NAK carrying its sequence number") {
    Pad pad;
    base::Bytes frame = encode_frame(encode_command(GetStatus{}, 0x33));
    frame.back() ^= 0xFF;
    REQUIRE(pad.transport.bulk_out(frame, k_wait).has_value());
    auto answer = drivers::usb::read_bulk(pad.transport, k_max_frame_length, k_wait);
    REQUIRE(answer.has_value());
    auto decoded = decode_frame(*answer);
    REQUIRE(decoded.has_value());
    CHECK(decoded->code == code::k_nak);
    CHECK(decoded->sequence == 0x33);
    CHECK(decoded->payload == base::Bytes{static_cast<std::uint8_t>(Status::bad_frame)});
}

TEST_CASE("Unknown commands are NAKed and malformed ones refused with the reason") {
    Pad pad;
    REQUIRE(pad.transport.bulk_out(encode_frame(Frame{0x3E, 5, {}}), k_wait).has_value());
    auto unknown = decode_response(
        *decode_frame(*drivers::usb::read_bulk(pad.transport, k_max_frame_length, k_wait)));
    REQUIRE(unknown.has_value());
    CHECK(unknown->command_code == code::k_nak);
    CHECK(unknown->status == Status::unknown_command);
    REQUIRE(pad.transport.bulk_out(encode_frame(Frame{code::k_set_key_mode, 6, {0x07}}), k_wait)
                .has_value());
    auto refused = decode_response(
        *decode_frame(*drivers::usb::read_bulk(pad.transport, k_max_frame_length, k_wait)));
    REQUIRE(refused.has_value());
    CHECK(refused->status == Status::bad_parameter);
    REQUIRE(pad.transport.bulk_out(encode_frame(Frame{code::k_get_info, 7, {0x00}}), k_wait)
                .has_value());
    refused = decode_response(
        *decode_frame(*drivers::usb::read_bulk(pad.transport, k_max_frame_length, k_wait)));
    REQUIRE(refused.has_value());
    CHECK(refused->status == Status::bad_length);
}

TEST_CASE("Beeps are counted by the simulated pad") {
    Pad pad;
    REQUIRE(pad.client.beep(Tone::attention, std::chrono::milliseconds(200)).has_value());
    CHECK(pad.device->beeps() == 1);
}

TEST_CASE("Random bytes sent to the pad never crash it and it keeps working") {
    Pad pad;
    std::mt19937 generator(9564);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(0, 40);
    for (int round = 0; round < 5000; ++round) {
        base::Bytes input(static_cast<std::size_t>(length(generator)));
        for (auto& value : input) {
            value = static_cast<std::uint8_t>(byte(generator));
        }
        if (round % 2 == 0 && input.size() >= 2) {
            // A well-framed random command, so that the command decoder is exercised too.
            input = encode_frame(Frame{static_cast<std::uint8_t>(input[0] % 9), input[1],
                                       base::Bytes(input.begin() + 2, input.end())});
        }
        pad.device->on_out(VirtualEpp::k_bulk_out, input);
        while (pad.device->take_in(VirtualEpp::k_bulk_in)) {
        }
    }
    // Whatever the random commands started, the pad still answers and can be brought back.
    (void)pad.client.cancel_pin_entry();
    auto status = pad.client.get_status();
    REQUIRE(status.has_value());
    CHECK(status->mode != PadMode::pin_entry);
}

TEST_CASE("An unplugged pad loses its power: the PIN entry is forgotten, keys off, jack kept") {
    Pad pad;
    pad.device->plug_headphones(true);
    REQUIRE(std::holds_alternative<HeadphonesChanged>(*pad.next_event()));
    REQUIRE(pad.client.start_pin_entry(request()).has_value());
    pad.device->press(Key::digit_5);
    REQUIRE(pad.device->digits_entered() == 1);

    pad.device->on_unplugged();
    CHECK(pad.device->mode() == PadMode::idle);
    CHECK(pad.device->digits_entered() == 0);
    CHECK(pad.device->headphones_plugged());
    // Nothing of the entry (its digit count) is left for the host, and no key is reported
    // until the host sets a mode again.
    CHECK_FALSE(pad.next_event(50ms).has_value());
    pad.device->press(Key::enter);
    CHECK_FALSE(pad.next_event(50ms).has_value());
    REQUIRE(pad.client.set_key_mode(KeyMode::function_keys).has_value());
    pad.device->press(Key::enter);
    CHECK(std::get<KeyPressed>(*pad.next_event()).key == Key::enter);
}
