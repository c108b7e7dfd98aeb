#pragma once

// What every harness of tests/fuzz shares: the input taken apart byte by byte (a selector byte
// in front picks which decoder of a harness runs), and the check that stops a run when a
// property of a parser does not hold. Header-only, standard library only.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tests::fuzz {

// Stops the run so that libFuzzer keeps the input as a crash: a property of the parser is
// violated. A trap rather than an assert, so that it holds in every build.
inline void require(bool holds) {
    if (!holds) {
        __builtin_trap();
    }
}

// The fuzzer's bytes, read from the front: selector bytes first, the rest for the parser.
class FuzzInput {
  public:
    FuzzInput(const std::uint8_t* data, std::size_t size) : m_bytes(data, size) {}

    // The next byte, or 0 when none is left.
    std::uint8_t take_byte() {
        if (m_bytes.empty()) {
            return 0;
        }
        const std::uint8_t value = m_bytes.front();
        m_bytes = m_bytes.subspan(1);
        return value;
    }
    // The next two bytes, big-endian, or 0 for those missing.
    std::uint16_t take_u16() {
        const auto high = take_byte();
        return static_cast<std::uint16_t>((high << 8) | take_byte());
    }
    // Up to `count` bytes, fewer when the input ends first.
    std::span<const std::uint8_t> take(std::size_t count) {
        const auto taken = m_bytes.first(count < m_bytes.size() ? count : m_bytes.size());
        m_bytes = m_bytes.subspan(taken.size());
        return taken;
    }
    // Everything not taken yet.
    std::span<const std::uint8_t> rest() const { return m_bytes; }
    std::string_view rest_text() const {
        return {reinterpret_cast<const char*>(m_bytes.data()), m_bytes.size()};
    }

  private:
    std::span<const std::uint8_t> m_bytes;
};

}  // namespace tests::fuzz
