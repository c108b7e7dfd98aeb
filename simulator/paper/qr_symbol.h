#pragma once

// A QR code as a printer draws it from the data GS ( k function 180 stored: a square of dark and
// light modules, made with libqrencode. The printer adds no quiet zone around it (ESC/POS
// "GS ( k" function 181 leaves that to the slip's layout).

#include <cstddef>
#include <expected>
#include <string_view>
#include <vector>

#include "drivers/escpos/escpos_protocol.h"
#include "simulator/paper/paper_error.h"

namespace simulator::paper {

struct QrSymbol {
    int modules = 0;         // modules on a side
    std::vector<bool> dark;  // modules × modules, row by row from the top left

    bool is_dark(int row, int column) const {
        return dark[static_cast<std::size_t>(row * modules + column)];
    }
};

// The symbol a printer prints for `data` at `level`: the smallest version that holds it, its
// segments in whichever mode (numeric, alphanumeric, 8-bit) is shortest. Model 1 symbols are
// drawn as model 2, which replaced it and which libqrencode makes. qr_unencodable for data no
// symbol holds.
std::expected<QrSymbol, Error> encode_qr_symbol(std::string_view data,
                                                drivers::escpos::QrModel model,
                                                drivers::escpos::QrErrorCorrection level);

}  // namespace simulator::paper
