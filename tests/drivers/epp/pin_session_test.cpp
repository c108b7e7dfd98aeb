#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <string>

#include "base/bytes.h"
#include "drivers/epp/epp_client.h"
#include "drivers/iso9564/pin_block.h"
#include "simulator/devices/direct_transport.h"
#include "simulator/devices/virtual_epp.h"

using namespace drivers::epp;
using base::Key;

namespace {

constexpr std::array<std::uint8_t, 16> k_working_key{
    0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10};
constexpr auto k_wait = std::chrono::milliseconds(500);
const std::string k_pan = "6228480402564890018";

// Everything that crosses the USB cable, in both directions.
class RecordingTransport : public drivers::usb::Transport {
  public:
    explicit RecordingTransport(drivers::usb::Transport& inner) : m_inner(inner) {}
    std::vector<base::Bytes> traffic;

    std::expected<void, drivers::usb::UsbError> bulk_out(std::span<const std::uint8_t> data,
                                                         std::chrono::milliseconds t) override {
        traffic.emplace_back(data.begin(), data.end());
        return m_inner.bulk_out(data, t);
    }
    std::expected<std::size_t, drivers::usb::UsbError> bulk_in(
        std::span<std::uint8_t> buffer, std::chrono::milliseconds t) override {
        return record(buffer, m_inner.bulk_in(buffer, t));
    }
    std::expected<std::size_t, drivers::usb::UsbError> interrupt_in(
        std::span<std::uint8_t> buffer, std::chrono::milliseconds t) override {
        return record(buffer, m_inner.interrupt_in(buffer, t));
    }
    std::expected<base::Bytes, drivers::usb::UsbError> control_transfer(
        const drivers::usb::ControlRequest& request, std::span<const std::uint8_t> data,
        std::uint16_t length, std::chrono::milliseconds t) override {
        return record(m_inner.control_transfer(request, data, length, t));
    }

  private:
    std::expected<base::Bytes, drivers::usb::UsbError> record(
        std::expected<base::Bytes, drivers::usb::UsbError> result) {
        if (result) {
            traffic.push_back(*result);
        }
        return result;
    }
    std::expected<std::size_t, drivers::usb::UsbError> record(
        std::span<const std::uint8_t> buffer,
        std::expected<std::size_t, drivers::usb::UsbError> result) {
        if (result) {
            traffic.emplace_back(buffer.begin(),
                                 buffer.begin() + static_cast<std::ptrdiff_t>(*result));
        }
        return result;
    }
    drivers::usb::Transport& m_inner;
};

std::string hex_of(const base::Bytes& bytes) {
    return base::to_hex(bytes);
}

bool contains(const base::Bytes& haystack, const std::string& needle) {
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
           haystack.end();
}

struct PinBench {
    std::shared_ptr<simulator::devices::VirtualEpp> pad =
        std::make_shared<simulator::devices::VirtualEpp>(k_working_key);
    simulator::devices::DirectTransport direct{pad};
    RecordingTransport recording{direct};
    EppClient client{recording, EppOptions{k_wait, 4}};

    Event next() {
        auto event = client.wait_for_event(k_wait);
        REQUIRE(event.has_value());
        REQUIRE(event->has_value());
        return **event;
    }

    // Runs one PIN entry of `pin` and returns the block from the done event.
    PinBlockReply enter(const std::string& pin) {
        PinEntryRequest request;
        request.account_field = *account_field_from_pan(k_pan);
        REQUIRE(client.start_pin_entry(request).has_value());
        for (char digit : pin) {
            pad->press(*base::digit_key(digit - '0'));
            CHECK(std::holds_alternative<PinDigitEntered>(next()));
        }
        pad->press(Key::enter);
        const Event done = next();
        REQUIRE(std::holds_alternative<PinEntryDone>(done));
        return std::get<PinEntryDone>(done).pin_block;
    }
};

}  // namespace

TEST_CASE("A PIN entered on the pad arrives as a format 0 block that deciphers to it") {
    PinBench bench;
    const PinBlockReply block = bench.enter("7395");
    auto pin = drivers::iso9564::format0_decrypt_pin(block.block, k_pan, k_working_key);
    REQUIRE(pin.has_value());
    CHECK(*pin == "7395");
    base::wipe(*pin);
}

TEST_CASE("No byte the host sends or receives in a PIN session carries the PIN digits") {
    PinBench bench;
    const std::string pin = "7395";
    const PinBlockReply block = bench.enter(pin);
    // The block can also be fetched once more; that exchange is part of the session too.
    auto fetched = bench.client.get_pin_block();
    REQUIRE(fetched.has_value());
    CHECK(*fetched == block);
    CHECK(bench.client.get_pin_block().error() == EppError::no_pin_block);

    REQUIRE(bench.recording.traffic.size() >= 2 + pin.size() + 1);
    for (const base::Bytes& transfer : bench.recording.traffic) {
        // Not as ASCII text, not as BCD nibbles in either alignment.
        CHECK_FALSE(contains(transfer, pin));
        CHECK(hex_of(transfer).find(pin) == std::string::npos);
    }
    // The clear PIN field (0 4 7 3 9 5 F ...) never appears either.
    const base::Bytes clear_field{0x04, 0x73, 0x95};
    for (const base::Bytes& transfer : bench.recording.traffic) {
        CHECK(std::search(transfer.begin(), transfer.end(), clear_field.begin(),
                          clear_field.end()) == transfer.end());
    }
}

TEST_CASE("Neither entry of a new PIN crosses the cable, matched or not") {
    PinBench bench;
    const std::string first = "7395";
    const std::string other = "1604";
    PinEntryRequest request;
    request.account_field = *account_field_from_pan(k_pan);
    request.kind = PinEntryKind::new_pin;
    const auto type = [&](const std::string& pin) {
        for (char digit : pin) {
            bench.pad->press(*base::digit_key(digit - '0'));
            CHECK(std::holds_alternative<PinDigitEntered>(bench.next()));
        }
        bench.pad->press(Key::enter);
        return bench.next();
    };
    // Entries that differ end with no block; entries that match give the new PIN's block.
    REQUIRE(bench.client.start_pin_entry(request).has_value());
    CHECK(std::holds_alternative<NewPinAgain>(type(first)));
    CHECK(std::get<PinEntryEnded>(type(other)).reason == EndReason::new_pins_differ);
    CHECK(bench.client.get_pin_block().error() == EppError::no_pin_block);
    REQUIRE(bench.client.start_pin_entry(request).has_value());
    CHECK(std::holds_alternative<NewPinAgain>(type(first)));
    const Event done = type(first);
    REQUIRE(std::holds_alternative<PinEntryDone>(done));
    auto pin = drivers::iso9564::format0_decrypt_pin(std::get<PinEntryDone>(done).pin_block.block,
                                                     k_pan, k_working_key);
    REQUIRE(pin.has_value());
    CHECK(*pin == first);
    base::wipe(*pin);

    for (const base::Bytes& transfer : bench.recording.traffic) {
        for (const std::string& typed : {first, other}) {
            CHECK_FALSE(contains(transfer, typed));
            CHECK(hex_of(transfer).find(typed) == std::string::npos);
        }
    }
}

TEST_CASE("The same PIN on a different card gives a different block") {
    PinBench first;
    PinBench second;
    const PinBlockReply a = first.enter("2468");
    PinEntryRequest request;
    request.account_field = *account_field_from_pan("6217001234567890122");
    REQUIRE(second.client.start_pin_entry(request).has_value());
    for (char digit : std::string("2468")) {
        second.pad->press(*base::digit_key(digit - '0'));
        second.next();
    }
    second.pad->press(Key::enter);
    const Event done = second.next();
    REQUIRE(std::holds_alternative<PinEntryDone>(done));
    CHECK(std::get<PinEntryDone>(done).pin_block.block != a.block);
    auto pin = drivers::iso9564::format0_decrypt_pin(std::get<PinEntryDone>(done).pin_block.block,
                                                     "6217001234567890122", k_working_key);
    REQUIRE(pin.has_value());
    CHECK(*pin == "2468");
}

TEST_CASE("A cleared and re-entered PIN gives the block of the second entry") {
    PinBench bench;
    PinEntryRequest request;
    request.account_field = *account_field_from_pan(k_pan);
    REQUIRE(bench.client.start_pin_entry(request).has_value());
    for (char digit : std::string("1111")) {
        bench.pad->press(*base::digit_key(digit - '0'));
        bench.next();
    }
    bench.pad->press(Key::clear);
    CHECK(std::holds_alternative<PinCleared>(bench.next()));
    for (char digit : std::string("80264")) {
        bench.pad->press(*base::digit_key(digit - '0'));
        bench.next();
    }
    bench.pad->press(Key::enter);
    const Event done = bench.next();
    REQUIRE(std::holds_alternative<PinEntryDone>(done));
    auto pin = drivers::iso9564::format0_decrypt_pin(std::get<PinEntryDone>(done).pin_block.block,
                                                     k_pan, k_working_key);
    REQUIRE(pin.has_value());
    CHECK(*pin == "80264");
}

TEST_CASE("The pad's status never reveals more than the digit count") {
    PinBench bench;
    PinEntryRequest request;
    request.account_field = *account_field_from_pan(k_pan);
    REQUIRE(bench.client.start_pin_entry(request).has_value());
    bench.pad->press(Key::digit_7);
    bench.pad->press(Key::digit_3);
    bench.next();
    bench.next();
    auto status = bench.client.get_status();
    REQUIRE(status.has_value());
    CHECK(status->mode == PadMode::pin_entry);
    CHECK(status->digits_entered == 2);
    CHECK(bench.client.get_pin_block().error() == EppError::no_pin_block);
}
