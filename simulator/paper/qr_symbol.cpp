#include "simulator/paper/qr_symbol.h"

#include <qrencode.h>

#include <algorithm>
#include <memory>
#include <string>

namespace simulator::paper {

namespace {

// libqrencode: bit 0 of each module's byte says dark.
constexpr unsigned char k_dark_bit = 0x01;
// libqrencode: version 0 asks for the smallest version that holds the data.
constexpr int k_smallest_version = 0;
// libqrencode: letters are kept as they are, not folded to the alphanumeric set's capitals.
constexpr int k_case_sensitive = 1;

QRecLevel level_of(drivers::escpos::QrErrorCorrection level) {
    switch (level) {
        case drivers::escpos::QrErrorCorrection::low:
            return QR_ECLEVEL_L;
        case drivers::escpos::QrErrorCorrection::medium:
            return QR_ECLEVEL_M;
        case drivers::escpos::QrErrorCorrection::quartile:
            return QR_ECLEVEL_Q;
        case drivers::escpos::QrErrorCorrection::high:
            return QR_ECLEVEL_H;
    }
    return QR_ECLEVEL_M;
}

struct QrcodeFree {
    void operator()(QRcode* code) const { QRcode_free(code); }
};

}  // namespace

std::expected<QrSymbol, Error> encode_qr_symbol(std::string_view data,
                                                drivers::escpos::QrModel model,
                                                drivers::escpos::QrErrorCorrection level) {
    const bool has_nul = std::ranges::find(data, '\0') != data.end();
    const std::string text(data);
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    const auto size = static_cast<int>(text.size());
    const bool micro = model == drivers::escpos::QrModel::micro;
    std::unique_ptr<QRcode, QrcodeFree> code;
    // A string without NUL can be split into the shortest modes; one with NUL goes as 8-bit.
    if (micro) {
        code.reset(has_nul ? QRcode_encodeDataMQR(size, bytes, k_smallest_version, level_of(level))
                           : QRcode_encodeStringMQR(text.c_str(), k_smallest_version,
                                                    level_of(level), QR_MODE_8, k_case_sensitive));
    } else {
        code.reset(has_nul ? QRcode_encodeData(size, bytes, k_smallest_version, level_of(level))
                           : QRcode_encodeString(text.c_str(), k_smallest_version, level_of(level),
                                                 QR_MODE_8, k_case_sensitive));
    }
    if (!code || code->width <= 0) {
        return std::unexpected(
            base::error(PaperError::qr_unencodable, std::to_string(data.size()) + " bytes"));
    }
    QrSymbol symbol;
    symbol.modules = code->width;
    const auto count =
        static_cast<std::size_t>(code->width) * static_cast<std::size_t>(code->width);
    symbol.dark.reserve(count);
    for (std::size_t index = 0; index < count; ++index) {
        symbol.dark.push_back((code->data[index] & k_dark_bit) != 0);
    }
    return symbol;
}

}  // namespace simulator::paper
