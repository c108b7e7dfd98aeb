#pragma once

// The terminal's unpredictable number, 9F37 (EMV 4.3 Book 4 §6.5.6): four bytes that make each
// cryptogram a card computes for the kiosk fresh, so that a recorded answer cannot be replayed.
// They come from the system's cryptographically secure generator, getrandom(2), for every read.

#include <array>
#include <cstdint>
#include <expected>

namespace drivers::emv {

// Book 3 Annex A: 9F37 is 4 bytes (b).
constexpr std::size_t k_unpredictable_number_length = 4;

enum class RandomError {
    unavailable,  // getrandom(2) failed (it blocks until the pool is ready, so this is rare)
};

std::expected<std::array<std::uint8_t, k_unpredictable_number_length>, RandomError>
unpredictable_number();

}  // namespace drivers::emv
