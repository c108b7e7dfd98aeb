#include "simulator/paper/paper_error.h"

namespace simulator::paper {

std::string_view to_string(PaperError error) {
    switch (error) {
        case PaperError::qr_unencodable:
            return "QR code data fits no symbol";
        case PaperError::qr_too_wide:
            return "QR code wider than the paper";
        case PaperError::font_unreadable:
            return "font unreadable";
        case PaperError::drawing_failed:
            return "drawing failed";
        case PaperError::png_unwritable:
            return "PNG not written";
    }
    return "unknown paper error";
}

}  // namespace simulator::paper
