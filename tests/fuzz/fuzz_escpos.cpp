// libFuzzer harness: the receipt printer's ESC/POS subset (drivers/escpos/escpos_protocol.h,
// docs/protocols/escpos.md), as the simulated printer reads a job from bulk OUT transfers.
// The first byte picks the test: with bit 7 set, the next byte is a DLE EOT status reply
// (ESC/POS "DLE EOT n", "Transmission Status") read by all three status decoders; otherwise
// the rest is a job, decoded whole and then again in pieces of (first byte & 3F) + 1 bytes.
// Properties: a decoded job encodes again and decodes back to the same commands; decoding in
// pieces gives the same commands as decoding whole (text runs may be cut in several), and a
// job that decodes whole leaves nothing pending in pieces; a status reply decodes, encodes
// and decodes again to itself.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "drivers/escpos/escpos_protocol.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace escpos = drivers::escpos;
using tests::fuzz::require;

// Adjacent text runs joined: a run cut by the end of a piece comes as several Text commands.
std::vector<escpos::Command> joined_text(const std::vector<escpos::Command>& commands) {
    std::vector<escpos::Command> joined;
    for (const escpos::Command& command : commands) {
        const auto* text = std::get_if<escpos::Text>(&command);
        auto* last = joined.empty() ? nullptr : std::get_if<escpos::Text>(&joined.back());
        if (text != nullptr && last != nullptr) {
            last->text += text->text;
        } else {
            joined.push_back(command);
        }
    }
    return joined;
}

void check_status_reply(std::uint8_t reply) {
    if (const auto status = escpos::decode_printer_status(reply)) {
        require(escpos::is_status_reply(reply));
        require(escpos::decode_printer_status(escpos::encode_printer_status(*status)) == status);
    }
    if (const auto cause = escpos::decode_offline_cause(reply)) {
        require(escpos::decode_offline_cause(escpos::encode_offline_cause(*cause)) == cause);
    }
    if (const auto paper = escpos::decode_roll_paper_status(reply)) {
        require(escpos::decode_roll_paper_status(escpos::encode_roll_paper_status(*paper)) ==
                paper);
        require(!escpos::to_string(escpos::paper_state_of(*paper)).empty());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tests::fuzz::FuzzInput input(data, size);
    const std::uint8_t selector = input.take_byte();
    if ((selector & 0x80) != 0) {
        check_status_reply(input.take_byte());
        return 0;
    }
    const auto stream = input.rest();
    const auto whole = escpos::decode(stream);

    escpos::StreamDecoder decoder;
    std::vector<escpos::Command> in_pieces;
    bool pieces_failed = false;
    const std::size_t piece_length = static_cast<std::size_t>(selector & 0x3F) + 1;
    for (std::size_t start = 0; start < stream.size(); start += piece_length) {
        const auto piece = stream.subspan(start, std::min(piece_length, stream.size() - start));
        if (!decoder.feed(piece, in_pieces)) {
            pieces_failed = true;
            break;
        }
    }

    if (!whole) {
        require(!base::to_string(whole.error()).empty());
        return 0;
    }
    require(!pieces_failed);
    require(!decoder.has_pending());
    require(joined_text(in_pieces) == joined_text(*whole));

    for (const escpos::Command& command : *whole) {
        require(!escpos::name_of(command).empty());
    }
    const auto encoded = escpos::encode(*whole);
    require(encoded.has_value());
    const auto again = escpos::decode(*encoded);
    require(again.has_value());
    require(*again == *whole);
    return 0;
}
