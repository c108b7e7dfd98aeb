// libFuzzer harness: the Base32 decoder of one-time password secrets (drivers/otp/otp.h,
// RFC 4648 §6), fed the text an engineer or a provisioning file gives. The first byte picks:
//   even  the rest is Base32 text to decode;
//   odd   the rest is bytes to encode, then decode again (in upper case, lower case, unpadded).
// Properties: whatever decodes re-encodes to the canonical text of the same bytes: the input in
// upper case, completed with '=' padding when it had none (so no two texts decode to one secret,
// RFC 4648 §3.5), holding exactly 5 bits a data character; a refusal is always bad_base32.
// Every byte string encodes to upper-case alphabet and padding, 8 characters for each 5 bytes or
// part of 5, and decodes back to itself in either case, with or without the padding.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "drivers/otp/otp.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using tests::fuzz::require;

constexpr std::string_view k_canonical_characters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567=";

std::string upper_case_of(std::string_view text) {
    std::string upper(text);
    for (char& character : upper) {
        if (character >= 'a' && character <= 'z') {
            character = static_cast<char>(character - 'a' + 'A');
        }
    }
    return upper;
}

std::string lower_case_of(std::string_view text) {
    std::string lower(text);
    for (char& character : lower) {
        if (character >= 'A' && character <= 'Z') {
            character = static_cast<char>(character - 'A' + 'a');
        }
    }
    return lower;
}

void check_decoding(std::string_view text) {
    const auto bytes = drivers::otp::from_base32(text);
    if (!bytes) {
        require(bytes.error() == drivers::otp::OtpError::bad_base32);
        return;
    }
    std::string expected = upper_case_of(text);
    const std::size_t data_characters =
        expected.find('=') == std::string::npos ? expected.size() : expected.find('=');
    while (expected.size() % 8 != 0) {
        expected.push_back('=');
    }
    require(drivers::otp::to_base32(*bytes) == expected);
    // Each data character carries 5 bits; the few left over are the zero bits of §3.5.
    require(bytes->size() == data_characters * 5 / 8);
}

void check_encoding(std::span<const std::uint8_t> bytes) {
    const std::string text = drivers::otp::to_base32(bytes);
    require(text.size() == (bytes.size() + 4) / 5 * 8);
    require(text.find_first_not_of(k_canonical_characters) == std::string::npos);
    const base::Bytes original(bytes.begin(), bytes.end());
    require(drivers::otp::from_base32(text) == original);
    require(drivers::otp::from_base32(lower_case_of(text)) == original);
    require(drivers::otp::from_base32(std::string_view(text).substr(0, text.find('='))) ==
            original);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tests::fuzz::FuzzInput input(data, size);
    if (input.take_byte() % 2 == 0) {
        check_decoding(input.rest_text());
    } else {
        check_encoding(input.rest());
    }
    return 0;
}
