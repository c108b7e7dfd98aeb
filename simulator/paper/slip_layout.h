#pragma once

// Where a receipt printer puts each character and QR code of a slip: the slip's ESC/POS
// commands (as drivers/escpos decodes them and the virtual printer hands them out) played
// through a printer's standard mode, in dots of the 576-dot line of 80 mm paper.
//
// How the printer places things (ESC/POS Command Reference, "Standard mode"):
// - characters go into a line buffer; LF, ESC d n, a QR code or a cut print the line;
// - a character is a cell of 12 × 24 dots (24 × 24 when wide), times its GS ! multiples;
//   a line that reaches the right edge prints and the next character starts a new one;
// - ESC a applies to a line as a whole, as it was when the line's first character came;
// - a line advances the paper by the line spacing (1/6 inch), or by its tallest character
//   when that is taller;
// - GS V with a feed feeds that many dots before the cut.

#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <vector>

#include "drivers/escpos/escpos_protocol.h"
#include "simulator/paper/paper_error.h"
#include "simulator/paper/qr_symbol.h"

namespace simulator::paper {

// ESC/POS "ESC 2": the default line spacing, 1/6 inch, is 34 dots at 203 dots per inch.
constexpr int k_line_spacing_dots = 34;
// Paper above the first line: the cutter sits above the print head, so a slip begins with the
// bit of paper that was past the head when the one before it was cut.
constexpr int k_top_margin_dots = 24;

struct PlacedCharacter {
    std::string utf8;  // one character
    int x = 0;         // left of its cell, dots from the left of the printable line
    int y = 0;         // top of its cell, dots from the top of the slip
    int width = 0;     // the cell: 12 or 24 dots times the width multiple
    int height = 0;    // 24 dots times the height multiple
    bool emphasised = false;
};

struct PlacedQrCode {
    std::string data;
    QrSymbol symbol;
    int x = 0;
    int y = 0;
    int module_dots = 0;
};

struct SlipLayout {
    int width = drivers::escpos::k_paper_dots;
    int height = 0;
    std::vector<PlacedCharacter> characters;
    std::vector<PlacedQrCode> qr_codes;
};

// qr_unencodable or qr_too_wide for a QR code the printer could not print.
std::expected<SlipLayout, Error> lay_out_slip(std::span<const drivers::escpos::Command> slip);

}  // namespace simulator::paper
