// libFuzzer harness: the small text parsers every ring shares. The first byte picks the
// parser; the rest is its text:
//   0  a UUID (base/uuid.h; RFC 9562 §4) and the dispenser's transaction reference made from it
//      (drivers/dispenser/dispenser_protocol.h);
//   1  hexadecimal bytes (base/bytes.h, parse_hex), as the engineer's tool and the tests read them;
//   2  a card number (kiosk/core/card_number.h; ISO/IEC 7812-1: 12 to 19 digits);
//   3  UTF-8 text laid out on receipt paper (drivers/escpos/text_columns.h), the second byte the
//      columns of a line.
// Properties: a UUID's canonical text parses back to it, and the transaction reference holds the
// same bytes; hex text written back parses to the same bytes; a card number prints masked, with
// no digit but its last four; UTF-8 is valid exactly when it can be read character by character,
// and wrapped text keeps every character but the spaces it breaks at, each line within the
// columns unless it is one character wider than them.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/uuid.h"
#include "drivers/dispenser/dispenser_protocol.h"
#include "drivers/escpos/text_columns.h"
#include "kiosk/core/card_number.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using tests::fuzz::require;

std::string without_spaces(std::string_view text) {
    std::string kept;
    for (const char c : text) {
        if (c != ' ') {
            kept.push_back(c);
        }
    }
    return kept;
}

void check_uuid(std::string_view text) {
    const auto uuid = base::parse_uuid(text);
    const auto reference = drivers::dispenser::TransactionReference::from_text(text);
    require(uuid.has_value() == reference.has_value());
    if (!uuid) {
        return;
    }
    const std::string canonical = base::uuid_text(*uuid);
    require(base::is_canonical_uuid(canonical));
    require(base::parse_uuid(canonical) == uuid);
    require(reference->text() == canonical);
}

void check_hex(std::string_view text) {
    const auto bytes = base::parse_hex(text);
    if (!bytes) {
        return;
    }
    require(bytes->size() * 2 <= text.size());
    require(base::parse_hex(base::to_hex(*bytes)) == bytes);
}

void check_card_number(std::string_view text) {
    const auto number = kiosk::core::CardNumber::parse(text);
    if (!number) {
        require(!kiosk::core::to_string(number.error()).empty());
        return;
    }
    const std::string_view digits = number->digits();
    require(digits.size() >= kiosk::core::CardNumber::k_minimum_length &&
            digits.size() <= kiosk::core::CardNumber::k_maximum_length);
    const std::string masked = number->masked();
    require(number->last_four() == digits.substr(digits.size() - 4));
    require(masked.ends_with(number->last_four()));
    std::size_t digits_shown = 0;
    for (const char c : masked) {
        digits_shown += static_cast<std::size_t>(c >= '0' && c <= '9');
    }
    require(digits_shown == 4);
}

void check_columns(std::string_view text, int columns) {
    namespace escpos = drivers::escpos;
    std::size_t position = 0;
    bool readable = true;
    while (position < text.size()) {
        const auto character = escpos::next_character(text.substr(position));
        if (!character) {
            readable = false;
            break;
        }
        require(character->length >= 1 && position + character->length <= text.size());
        position += character->length;
    }
    require(escpos::is_valid_utf8(text) == readable);
    require(escpos::display_columns(text).has_value() == readable);

    const auto lines = escpos::wrap_to_columns(text, columns);
    require(lines.has_value() == (readable && columns >= 1));
    if (!lines) {
        return;
    }
    std::string joined;
    for (const std::string& line : *lines) {
        const auto width = escpos::display_columns(line);
        require(width.has_value());
        const auto first = escpos::next_character(line);
        require(*width <= columns || (first && first->length == line.size()));
        joined += line;
    }
    require(without_spaces(joined) == without_spaces(text));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tests::fuzz::FuzzInput input(data, size);
    const std::uint8_t selector = input.take_byte();
    switch (selector % 4) {
        case 0:
            check_uuid(input.rest_text());
            break;
        case 1:
            check_hex(input.rest_text());
            break;
        case 2:
            check_card_number(input.rest_text());
            break;
        default: {
            const int columns = input.take_byte() % 50;
            check_columns(input.rest_text(), columns);
            break;
        }
    }
    return 0;
}
