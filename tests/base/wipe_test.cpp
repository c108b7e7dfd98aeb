#include "base/wipe.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace {

bool all_zero(const char* data, std::size_t size) {
    return std::all_of(data, data + size, [](char character) { return character == '\0'; });
}

}  // namespace

TEST_CASE("wipe overwrites every byte of a buffer") {
    std::array<std::uint8_t, 16> buffer{};
    buffer.fill(0xA5);
    base::wipe(std::span<std::uint8_t>(buffer));
    CHECK(std::all_of(buffer.begin(), buffer.end(), [](std::uint8_t byte) { return byte == 0; }));
}

TEST_CASE("wiping a string clears its whole buffer, beyond its current length too") {
    std::string text = "6228480402564890018 and more text";
    text.resize(4);  // the old tail is still in the buffer
    const char* buffer = text.data();
    const std::size_t capacity = text.capacity();
    base::wipe(text);
    CHECK(text.empty());
    CHECK(text.data() == buffer);  // the buffer is kept, and it is zero throughout
    CHECK(all_zero(buffer, capacity));
}

TEST_CASE("secret text holds its value and compares by it") {
    base::SecretText secret("6228480402564890018");
    CHECK(secret.view() == "6228480402564890018");
    CHECK(secret.size() == 19);
    CHECK(secret == base::SecretText("6228480402564890018"));
    secret.append("00");
    CHECK(secret.view() == "622848040256489001800");
}

TEST_CASE("secret text moved away leaves nothing in its old buffer") {
    base::SecretText source("6228480402564890018");
    const char* buffer = source.view().data();
    base::SecretText target(std::move(source));
    CHECK(target.view() == "6228480402564890018");
    CHECK(source.empty());  // NOLINT(bugprone-use-after-move): that is the point
    CHECK(all_zero(buffer, 19));
}

TEST_CASE("a short secret kept inside the object is wiped too") {
    base::SecretText source("402564890018");  // 12 digits: the small-string buffer
    const char* buffer = source.view().data();
    source.clear();
    CHECK(source.empty());
    CHECK(all_zero(buffer, 12));
}

TEST_CASE("secret text replaced by a shorter value keeps no tail of the old one") {
    base::SecretText secret("6228480402564890018");
    const char* buffer = secret.view().data();
    secret.assign("1234");
    CHECK(secret.view() == "1234");
    if (secret.view().data() == buffer) {
        CHECK(all_zero(buffer + 5, 14));
    }
}

TEST_CASE("a wiping allocator hands out usable memory to containers") {
    std::vector<std::uint8_t, base::WipingAllocator<std::uint8_t>> bytes;
    for (int index = 0; index < 1000; ++index) {
        bytes.push_back(static_cast<std::uint8_t>(index));
    }
    CHECK(bytes.size() == 1000);
    CHECK(bytes[999] == static_cast<std::uint8_t>(999 % 256));
}
