#pragma once

// What the kiosk prints on a receipt printer, as plain data: the core decides the words, the
// printer's device model (kiosk/devices) turns them into ESC/POS (drivers/escpos). Like a
// ScreenModel, it names roles and sizes, never printer commands, so that the same document can
// be checked in a flow test and rendered by any printer.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace kiosk::core {

// How large a line is printed. `huge` is for what the customer must find at a glance (the
// ticket number); `large` for a heading; `normal` for the rest.
enum class PrintSize { normal, large, huge };

enum class PrintAlignment { left, centre };

// One line of text (UTF-8; the printer's model encodes it for the printer). A line longer
// than the paper is wrapped by the printer's model.
struct PrintText {
    std::string text;
    PrintSize size = PrintSize::normal;
    PrintAlignment alignment = PrintAlignment::left;
    bool bold = false;

    friend bool operator==(const PrintText&, const PrintText&) = default;
};

// A QR code of `data` (printable ASCII, at most k_maximum_qr_bytes), centred.
struct PrintQrCode {
    std::string data;

    friend bool operator==(const PrintQrCode&, const PrintQrCode&) = default;
};

// A thin line across the paper, between parts of the slip.
struct PrintRule {
    friend bool operator==(const PrintRule&, const PrintRule&) = default;
};

// Where the enrolment slip (slips.h) carries a new engineer's one-time-code secret, which the
// flow never holds: the shell puts it in place from the enrolment kiosk/access keeps, just
// before the slip is printed, as a QR code of its otpauth:// URI or as its key in Base32 for
// typing. A printer's model refuses a slip still holding one.
enum class EnrolmentSecretPart { otpauth_qr, key_text };

struct PrintEnrolmentSecret {
    EnrolmentSecretPart part = EnrolmentSecretPart::otpauth_qr;

    friend bool operator==(const PrintEnrolmentSecret&, const PrintEnrolmentSecret&) = default;
};

using PrintBlock = std::variant<PrintText, PrintQrCode, PrintRule, PrintEnrolmentSecret>;

// A whole slip, printed top to bottom and then cut.
struct PrintDocument {
    std::vector<PrintBlock> blocks;

    friend bool operator==(const PrintDocument&, const PrintDocument&) = default;
};

// How a slip came out (PrintFinished).
enum class PrintResult { printed, paper_out, failed };

std::string_view to_string(PrintResult result);

// A ticket's QR code holds a short URL or reference, never personal data.
inline constexpr std::size_t k_maximum_qr_bytes = 128;

}  // namespace kiosk::core
