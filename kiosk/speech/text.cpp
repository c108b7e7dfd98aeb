#include "kiosk/speech/text.h"

#include <cstdint>

namespace kiosk::speech {

namespace {

// The length of the valid UTF-8 sequence (RFC 3629 §4) starting at `position`, or 0 when the
// bytes there do not form one.
std::size_t valid_sequence_length(std::string_view text, std::size_t position) {
    const auto byte_at = [&](std::size_t index) { return static_cast<std::uint8_t>(text[index]); };
    const std::uint8_t lead = byte_at(position);
    std::size_t length = 0;
    std::uint32_t code_point = 0;
    if (lead < 0x80) {
        return 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        code_point = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        code_point = lead & 0x0Fu;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        code_point = lead & 0x07u;
    } else {
        return 0;
    }
    if (position + length > text.size()) {
        return 0;
    }
    for (std::size_t index = 1; index < length; ++index) {
        const std::uint8_t continuation = byte_at(position + index);
        if ((continuation & 0xC0u) != 0x80u) {
            return 0;
        }
        code_point = (code_point << 6) | (continuation & 0x3Fu);
    }
    const bool overlong =
        (length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000);
    const bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
    if (overlong || surrogate || code_point > 0x10FFFF) {
        return 0;
    }
    return length;
}

bool is_control(std::string_view sequence) {
    const auto lead = static_cast<std::uint8_t>(sequence[0]);
    if (sequence.size() == 1) {
        return (lead < 0x20 && lead != '\t' && lead != '\n') || lead == 0x7F;
    }
    // C1 controls U+0080..U+009F are encoded C2 80..C2 9F.
    return sequence.size() == 2 && lead == 0xC2 && static_cast<std::uint8_t>(sequence[1]) < 0xA0;
}

}  // namespace

std::string clean_for_synthesis(std::string_view text) {
    std::string cleaned;
    cleaned.reserve(text.size());
    std::size_t position = 0;
    while (position < text.size()) {
        const std::size_t length = valid_sequence_length(text, position);
        if (length == 0) {
            cleaned += ' ';
            ++position;
            continue;
        }
        const std::string_view sequence = text.substr(position, length);
        if (is_control(sequence)) {
            cleaned += ' ';
        } else {
            cleaned += sequence;
        }
        position += length;
    }
    return cleaned;
}

}  // namespace kiosk::speech
