// kiosk-diag's decoders: hexadecimal arguments and lines in, one JSON object each out.

#include "kiosk/diag/hex_decoder.h"

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "kiosk/diag/command.h"

namespace kiosk::diag {

namespace {

// The argument that asks for one HEX a line on standard input.
constexpr std::string_view k_standard_input = "-";

// The bytes of `text`, or why it cannot be used, on standard error.
std::optional<base::Bytes> bytes_of(std::string_view words, std::string_view text,
                                    std::string_view where) {
    auto bytes = base::parse_hex(text);
    if (!bytes) {
        std::fprintf(stderr,
                     "kiosk-diag %.*s: %.*s is not hexadecimal: two digits a byte, spaces "
                     "allowed between bytes\n",
                     static_cast<int>(words.size()), words.data(), static_cast<int>(where.size()),
                     where.data());
        return std::nullopt;
    }
    if (bytes->empty()) {
        std::fprintf(stderr, "kiosk-diag %.*s: %.*s holds no byte\n",
                     static_cast<int>(words.size()), words.data(), static_cast<int>(where.size()),
                     where.data());
        return std::nullopt;
    }
    return bytes;
}

}  // namespace

int run_hex_decoder(std::string_view words, std::string_view argument, DescribeBytes describe) {
    if (argument != k_standard_input) {
        const auto bytes = bytes_of(words, argument, "HEX");
        if (!bytes) {
            return k_exit_unusable;
        }
        std::puts(describe(*bytes).dump().c_str());
        return k_exit_decoded;
    }
    std::string line;
    int line_number = 0;
    while (std::getline(std::cin, line)) {
        ++line_number;
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (line.find_first_not_of(' ') == std::string::npos) {
            continue;  // a blank line is no input (README, "Decoding bytes")
        }
        const std::string where = "line " + std::to_string(line_number);
        const auto bytes = bytes_of(words, line, where);
        if (!bytes) {
            return k_exit_unusable;
        }
        std::puts(describe(*bytes).dump().c_str());
    }
    return k_exit_decoded;
}

}  // namespace kiosk::diag
