#include "simulator/usb/standard_requests.h"
#include "base/bytes.h"

#include <cerrno>

#include <catch2/catch.hpp>

#include "tests/simulator/usb/loopback_device.h"

using namespace simulator::usb;
using simulator::usb::test::loopback_descriptors;

namespace {

StandardRequests loopback_requests() {
    auto descriptors = loopback_descriptors();
    auto summary = summarise_descriptors(descriptors);
    REQUIRE(summary);
    return StandardRequests(
        descriptors, *summary,
        DeviceStrings{.manufacturer = "Maker", .product = "Thing", .serial = "S1"});
}

ControlSetup get_descriptor(std::uint8_t type, std::uint8_t index, std::uint16_t length) {
    return ControlSetup{.request_type = 0x80,
                        .request = 6,
                        .value = static_cast<std::uint16_t>(type << 8 | index),
                        .index = 0,
                        .length = length};
}

base::Bytes utf16_descriptor(std::u16string_view text) {
    base::Bytes bytes{static_cast<std::uint8_t>(2 + text.size() * 2), 3};
    for (const char16_t unit : text) {
        bytes.push_back(static_cast<std::uint8_t>(unit & 0xFF));
        bytes.push_back(static_cast<std::uint8_t>(unit >> 8));
    }
    return bytes;
}

}  // namespace

TEST_CASE("the device descriptor is cut to the host's requested length") {
    auto requests = loopback_requests();
    const auto answer = requests.answer(get_descriptor(1, 0, 8), {});
    REQUIRE(answer);
    REQUIRE(answer->has_value());
    const auto whole = loopback_descriptors();
    CHECK(**answer == base::Bytes(whole.begin(), whole.begin() + 8));
}

TEST_CASE("the configuration descriptor comes whole with everything it encloses") {
    auto requests = loopback_requests();
    const auto answer = requests.answer(get_descriptor(2, 0, 0xFFFF), {});
    REQUIRE(answer);
    REQUIRE(answer->has_value());
    const auto whole = loopback_descriptors();
    CHECK(**answer == base::Bytes(whole.begin() + 18, whole.end()));
}

TEST_CASE("a configuration index the device does not have stalls") {
    auto requests = loopback_requests();
    const auto answer = requests.answer(get_descriptor(2, 1, 255), {});
    REQUIRE(answer);
    CHECK(answer->error() == EPIPE);
}

TEST_CASE("string zero lists US English as the one language") {
    auto requests = loopback_requests();
    const auto answer = requests.answer(get_descriptor(3, 0, 255), {});
    REQUIRE(answer);
    CHECK(**answer == base::Bytes{4, 3, 0x09, 0x04});
}

TEST_CASE("the manufacturer, product and serial strings come from the device") {
    auto requests = loopback_requests();
    CHECK(**requests.answer(get_descriptor(3, 1, 255), {}) == utf16_descriptor(u"Maker"));
    CHECK(**requests.answer(get_descriptor(3, 2, 255), {}) == utf16_descriptor(u"Thing"));
    CHECK(**requests.answer(get_descriptor(3, 3, 255), {}) == utf16_descriptor(u"S1"));
}

TEST_CASE("a string the description does not name is left to the device") {
    auto requests = loopback_requests();
    CHECK_FALSE(requests.answer(get_descriptor(3, 9, 255), {}));
}

TEST_CASE("class and vendor requests are left to the device") {
    auto requests = loopback_requests();
    CHECK_FALSE(requests.answer(ControlSetup{.request_type = 0xC0, .request = 1}, {}));
    CHECK_FALSE(requests.answer(ControlSetup{.request_type = 0xA1, .request = 2}, {}));
}

TEST_CASE("a configuration value the device does not have stalls and changes nothing") {
    auto requests = loopback_requests();
    const auto answer =
        requests.answer(ControlSetup{.request_type = 0x00, .request = 9, .value = 7}, {});
    REQUIRE(answer);
    CHECK(answer->error() == EPIPE);
    CHECK(requests.configuration() == 1);
    CHECK(**requests.answer(ControlSetup{.request_type = 0x80, .request = 8, .length = 1}, {}) ==
          base::Bytes{1});
}

TEST_CASE("setting an address is refused because only the host controller does that") {
    auto requests = loopback_requests();
    const auto answer =
        requests.answer(ControlSetup{.request_type = 0x00, .request = 5, .value = 9}, {});
    REQUIRE(answer);
    CHECK(answer->error() == EPIPE);
}

TEST_CASE("an alternate setting the interface does not have is refused") {
    auto requests = loopback_requests();
    CHECK(requests.set_interface(0, 0));
    CHECK_FALSE(requests.set_interface(0, 1));
    CHECK_FALSE(requests.set_interface(4, 0));
}

TEST_CASE("status of an endpoint the device lacks stalls") {
    auto requests = loopback_requests();
    const auto known = requests.answer(
        ControlSetup{.request_type = 0x82, .request = 0, .index = 0x81, .length = 2}, {});
    CHECK(**known == base::Bytes{0, 0});
    const auto unknown = requests.answer(
        ControlSetup{.request_type = 0x82, .request = 0, .index = 0x85, .length = 2}, {});
    CHECK(unknown->error() == EPIPE);
}

TEST_CASE("Chinese text becomes UTF-16 code units in a string descriptor") {
    CHECK(encode_string_descriptor("银行") == base::Bytes{6, 3, 0xF6, 0x94, 0x4C, 0x88});
}

TEST_CASE("a character beyond the basic plane becomes a surrogate pair") {
    // U+1F3E6 BANK
    CHECK(encode_string_descriptor("\xF0\x9F\x8F\xA6") ==
          base::Bytes{6, 3, 0x3C, 0xD8, 0xE6, 0xDF});
}

TEST_CASE("malformed UTF-8 becomes replacement characters instead of garbage") {
    CHECK(encode_string_descriptor("A\xFF\xC3") ==
          base::Bytes{8, 3, 'A', 0, 0xFD, 0xFF, 0xFD, 0xFF});
    // An overlong encoding of '/' must not decode to '/'.
    CHECK(encode_string_descriptor("\xC0\xAF") == base::Bytes{6, 3, 0xFD, 0xFF, 0xFD, 0xFF});
}

TEST_CASE("a long string is cut at the 255-byte limit without splitting a surrogate pair") {
    const auto ascii = encode_string_descriptor(std::string(300, 'x'));
    CHECK(ascii.size() == 254);
    CHECK(ascii[0] == 254);
    std::string banks;
    for (int count = 0; count < 100; ++count) {
        banks += "\xF0\x9F\x8F\xA6";
    }
    const auto pairs = encode_string_descriptor(banks);
    CHECK(pairs.size() == 2 + 63 * 4);
    CHECK(pairs[pairs.size() - 1] == 0xDF);  // ends with a complete low surrogate
}
