#pragma once

// What can go wrong when the simulator lays out or draws a printed slip. Errors carry it as
// base::Error<PaperError>, whose context names the file, the font or the QR code's length.

#include <string_view>

#include "base/error.h"

namespace simulator::paper {

enum class PaperError {
    qr_unencodable,   // the data does not fit a QR code of the model and level chosen
    qr_too_wide,      // the symbol is wider than the paper at the module size chosen
    font_unreadable,  // a font file could not be read or opened
    drawing_failed,   // SDL could not make a surface or draw a glyph
    png_unwritable,   // the picture could not be written
};

std::string_view to_string(PaperError error);

using Error = base::Error<PaperError>;

}  // namespace simulator::paper
