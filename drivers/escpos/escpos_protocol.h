#pragma once

// The subset of ESC/POS the kiosk's receipt printer speaks (docs/protocols/escpos.md), encoded
// and decoded in both directions: the kiosk's printer model writes slips with the encoder, the
// simulated printer reads them back with the decoder. Pure functions over bytes.
//
// Every command cites its entry in Epson's "ESC/POS Command Reference" by the command's name,
// e.g. "GS ! n". Text travels as UTF-8, selected with FS ( C function 48, so Chinese needs no
// code page tables.

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"

namespace drivers::escpos {

enum class EscposError {
    // the byte stream (decoder) or the job being written (encoder)
    truncated,        // a command cut short: its bytes end before its parameters do
    unknown_command,  // a control byte or command this subset does not define
    bad_parameter,    // a parameter outside the range its command allows
    bad_length,       // the pL pH length of a GS ( k or FS ( C command does not fit its function
    invalid_text,     // text with a control byte, or not valid in the selected encoding
    data_too_long,    // QR code data beyond what one symbol holds
    // the printer on the wire (EscposClient)
    timeout,           // the printer did not take a job or answer a status request in time
    device_gone,       // the printer was unplugged
    transport_failed,  // any other USB failure
    bad_status_reply,  // a status byte whose fixed bits are wrong
};

std::string_view to_string(EscposError error);

using Error = base::Error<EscposError>;

// ---- Bytes of the command notation (ESC/POS Command Reference, "Command notation") ----

constexpr std::uint8_t k_line_feed_byte = 0x0A;       // LF
constexpr std::uint8_t k_escape = 0x1B;               // ESC
constexpr std::uint8_t k_group_separator = 0x1D;      // GS
constexpr std::uint8_t k_file_separator = 0x1C;       // FS
constexpr std::uint8_t k_data_link_escape = 0x10;     // DLE
constexpr std::uint8_t k_end_of_transmission = 0x04;  // EOT
constexpr std::uint8_t k_first_printable = 0x20;      // below: control codes
constexpr std::uint8_t k_delete = 0x7F;               // DEL is no character either

// ---- The paper (docs/protocols/escpos.md, "Paper and columns") ----

// 80 mm paper printed 72 mm wide at 203 dots per inch: 576 dots, 48 columns of font A, whose
// characters are 12 dots wide and 24 high (a wide character is 24 by 24).
constexpr int k_paper_dots = 576;
constexpr int k_font_a_width_dots = 12;
constexpr int k_font_a_height_dots = 24;
constexpr int k_paper_columns = k_paper_dots / k_font_a_width_dots;

// ---- Parameters ----

// ESC/POS "ESC a n": n = 0 or 48 left, 1 or 49 centred, 2 or 50 right.
enum class Justification : std::uint8_t { left = 0, centre = 1, right = 2 };

// ESC/POS "GS ! n": the width and height multiples of a character, each 1 to 8.
struct CharacterSize {
    std::uint8_t width = 1;
    std::uint8_t height = 1;
    friend bool operator==(const CharacterSize&, const CharacterSize&) = default;
};
constexpr std::uint8_t k_largest_size_multiple = 8;

// The sizes the kiosk prints in (kiosk::core::PrintSize): a large heading is twice the normal
// size each way; the ticket number, which a customer must find at a glance from a few steps
// away, is four times (12 columns to a line, 96 dots, 12 mm high).
constexpr CharacterSize k_normal_size{1, 1};
constexpr CharacterSize k_large_size{2, 2};
constexpr CharacterSize k_huge_size{4, 4};

// How many columns a line holds at `size`: the paper's columns divided by the width multiple.
int columns_per_line(CharacterSize size);

// ESC/POS "FS ( C" function 48: m = 1 or 49 one byte per character (a code page), 2 or 50
// UTF-8.
enum class CharacterEncoding : std::uint8_t { single_byte = 1, utf8 = 2 };

// ESC/POS "GS ( k" function 165: n1 = 49 model 1, 50 model 2, 51 micro QR.
enum class QrModel : std::uint8_t { model_1 = 49, model_2 = 50, micro = 51 };
// ESC/POS "GS ( k" function 169: n = 48 L (7 %), 49 M (15 %), 50 Q (25 %), 51 H (30 %).
enum class QrErrorCorrection : std::uint8_t { low = 48, medium = 49, quartile = 50, high = 51 };
// ESC/POS "GS ( k" function 167: the side of one module in dots, 1 to 16.
constexpr std::uint8_t k_smallest_qr_module_dots = 1;
constexpr std::uint8_t k_largest_qr_module_dots = 16;
// Six dots (0.75 mm) a module: a ticket's short reference, a version 2 or 3 symbol, comes out
// about 20 mm square, which phone cameras read at arm's length.
constexpr std::uint8_t k_ticket_qr_module_dots = 6;
// ESC/POS "GS ( k" function 180: (pL + pH × 256) = k + 3, for 1 <= k <= 7089 (the most a
// version 40 symbol holds, in numeric mode at level L).
constexpr std::size_t k_largest_qr_data_length = 7089;

struct QrSettings {
    QrModel model = QrModel::model_2;
    std::uint8_t module_dots = k_ticket_qr_module_dots;
    QrErrorCorrection error_correction = QrErrorCorrection::medium;
};

// ESC/POS "GS V": a full cut, or a partial cut that leaves a point of paper holding the slip so
// that it does not fall.
enum class CutShape : std::uint8_t { full, partial };
// ESC/POS "GS V m n" (function B): feed n motion units (1/203 inch on the kiosk's printer) and
// cut. 96 dots (12 mm) bring the last printed line past the cutter, which sits that far above
// the print head on 80 mm printers.
constexpr std::uint8_t k_cut_feed_dots = 96;

// ESC/POS "DLE EOT n": which status the printer sends back at once.
enum class StatusKind : std::uint8_t {
    printer = 1,        // on-line or off-line
    offline_cause = 2,  // why it is off-line: cover, paper end, error
    error_cause = 3,    // which error (cutter, unrecoverable, auto-recoverable)
    roll_paper = 4,     // the roll's near-end and end sensors
};

// ---- Commands, as the decoder reads them ----

struct Initialise {  // ESC @
    friend bool operator==(const Initialise&, const Initialise&) = default;
};
struct SelectEncoding {  // FS ( C function 48
    CharacterEncoding encoding = CharacterEncoding::utf8;
    friend bool operator==(const SelectEncoding&, const SelectEncoding&) = default;
};
struct SelectJustification {  // ESC a n
    Justification justification = Justification::left;
    friend bool operator==(const SelectJustification&, const SelectJustification&) = default;
};
struct SelectEmphasis {  // ESC E n
    bool emphasised = false;
    friend bool operator==(const SelectEmphasis&, const SelectEmphasis&) = default;
};
struct SelectSize {  // GS ! n
    CharacterSize size;
    friend bool operator==(const SelectSize&, const SelectSize&) = default;
};
// A run of characters between control codes, as UTF-8 (ASCII before UTF-8 is selected).
struct Text {
    std::string text;
    friend bool operator==(const Text&, const Text&) = default;
};
struct LineFeed {  // LF: print the line and start the next
    friend bool operator==(const LineFeed&, const LineFeed&) = default;
};
struct FeedLines {  // ESC d n: print the line and feed n lines
    std::uint8_t lines = 0;
    friend bool operator==(const FeedLines&, const FeedLines&) = default;
};
struct QrSelectModel {  // GS ( k function 165
    QrModel model = QrModel::model_2;
    friend bool operator==(const QrSelectModel&, const QrSelectModel&) = default;
};
struct QrSetModuleSize {  // GS ( k function 167
    std::uint8_t module_dots = k_ticket_qr_module_dots;
    friend bool operator==(const QrSetModuleSize&, const QrSetModuleSize&) = default;
};
struct QrSelectErrorCorrection {  // GS ( k function 169
    QrErrorCorrection level = QrErrorCorrection::medium;
    friend bool operator==(const QrSelectErrorCorrection&,
                           const QrSelectErrorCorrection&) = default;
};
struct QrStore {  // GS ( k function 180: the symbol's data, kept until printed
    std::string data;
    friend bool operator==(const QrStore&, const QrStore&) = default;
};
struct QrPrint {  // GS ( k function 181: print the stored symbol
    friend bool operator==(const QrPrint&, const QrPrint&) = default;
};
struct Cut {  // GS V
    CutShape shape = CutShape::partial;
    // Function B feeds this many motion units first; function A (nothing) cuts where it is.
    std::optional<std::uint8_t> feed_dots;
    friend bool operator==(const Cut&, const Cut&) = default;
};
struct RequestStatus {  // DLE EOT n
    StatusKind kind = StatusKind::printer;
    friend bool operator==(const RequestStatus&, const RequestStatus&) = default;
};

using Command = std::variant<Initialise, SelectEncoding, SelectJustification, SelectEmphasis,
                             SelectSize, Text, LineFeed, FeedLines, QrSelectModel, QrSetModuleSize,
                             QrSelectErrorCorrection, QrStore, QrPrint, Cut, RequestStatus>;

// The command's name in the reference ("GS ! n", "text"), for error contexts and logs.
std::string_view name_of(const Command& command);

// ---- Encoder: each function appends one command (or one sequence) to a job ----
//
// A function that can refuse its input checks everything before it appends anything, so a
// refused call leaves the job as it was.

// ESC/POS "ESC @": initialise the printer (modes back to their defaults, the buffer emptied).
void initialise(base::Bytes& job);
// ESC/POS "FS ( C" function 48: select the character encoding.
void select_encoding(base::Bytes& job, CharacterEncoding encoding);
// ESC @ then UTF-8: how every job of the kiosk starts, whatever the printer was left in.
void begin_job(base::Bytes& job);
// ESC/POS "ESC a n": select justification.
void select_justification(base::Bytes& job, Justification justification);
// ESC/POS "ESC E n": turn emphasised (bold) mode on or off.
void select_emphasis(base::Bytes& job, bool emphasised);
// ESC/POS "GS ! n": select character size; bad_parameter for a multiple outside 1 to 8.
std::expected<void, Error> select_size(base::Bytes& job, CharacterSize size);
// Characters to print on the current line, as UTF-8. invalid_text for a control byte (which
// the printer would take for a command) or for text that is not valid UTF-8.
std::expected<void, Error> text(base::Bytes& job, std::string_view utf8);
// ESC/POS "LF": print the line and feed one line.
void line_feed(base::Bytes& job);
// ESC/POS "ESC d n": print the line and feed n lines.
void feed_lines(base::Bytes& job, std::uint8_t lines);
// `utf8` wrapped to the columns a line holds at `size` (text_columns.h), each line followed by
// LF. The caller has selected `size` (GS ! n) already.
std::expected<void, Error> wrapped_text(base::Bytes& job, std::string_view utf8,
                                        CharacterSize size);
// ESC/POS "GS ( k", QR code: function 165 (model), 167 (module size), 169 (error correction),
// 180 (store the data) and 181 (print it). bad_parameter for a module size outside 1 to 16,
// data_too_long for empty data or data beyond 7089 bytes.
std::expected<void, Error> qr_code(base::Bytes& job, std::string_view data,
                                   const QrSettings& settings = {});
// ESC/POS "GS V": function A (m = 48 full, 49 partial) without a feed, function B (m = 65
// full, 66 partial) feeding `feed_dots` first.
void cut(base::Bytes& job, CutShape shape, std::optional<std::uint8_t> feed_dots);
// ESC/POS "DLE EOT n": real-time status request.
void request_status(base::Bytes& job, StatusKind kind);

// Any command, as the decoder reads it: encode(decode(bytes)) gives the bytes back, apart
// from parameters the reference allows in two forms (ESC a 1 and ESC a 49), which the encoder
// writes in one.
std::expected<void, Error> append_command(base::Bytes& job, const Command& command);
std::expected<base::Bytes, Error> encode(std::span<const Command> commands);

// ---- Decoder ----

// Reads a stream that arrives in pieces (bulk OUT transfers): a command cut by the end of a
// piece is kept until the next piece completes it. A run of text is handed out up to the last
// whole character of each piece, so a long run may come as several Text commands.
//
// Text is ASCII until FS ( C selects UTF-8, and again after ESC @. On an error the decoder
// drops what it held (an unfinished command) and starts again with the next piece; the
// selected encoding stays.
class StreamDecoder {
  public:
    // Appends the commands `piece` completes to `commands`. Those before an error are kept, so
    // that a status request ahead of a broken command is still answered.
    std::expected<void, Error> feed(std::span<const std::uint8_t> piece,
                                    std::vector<Command>& commands);
    // Whether part of a command is waiting for the next piece.
    bool has_pending() const { return !m_pending.empty(); }
    std::size_t pending_length() const { return m_pending.size(); }
    CharacterEncoding encoding() const { return m_encoding; }
    // Forgets the unfinished command and goes back to the encoding of a printer just switched
    // on.
    void reset();

  private:
    base::Bytes m_pending;
    CharacterEncoding m_encoding = CharacterEncoding::single_byte;
    std::size_t m_offset = 0;  // of m_pending's first byte in the whole stream, for contexts
};

// A whole stream at once: a command cut short at the end is `truncated`.
std::expected<std::vector<Command>, Error> decode(std::span<const std::uint8_t> stream);

// ---- Status replies of DLE EOT n: one byte each ----
//
// Every reply has bit 0 and bit 7 clear and bit 1 and bit 4 set, so that a host can tell it
// from other data (ESC/POS "DLE EOT n", "Transmission Status").

bool is_status_reply(std::uint8_t reply);

// n = 1, printer status.
struct PrinterStatus {
    bool drawer_pin_high = false;       // bit 2: the cash drawer kick-out connector's pin 3
    bool offline = false;               // bit 3
    bool waiting_for_recovery = false;  // bit 5: waiting to come back on-line
    bool feed_button_pressed = false;   // bit 6
    friend bool operator==(const PrinterStatus&, const PrinterStatus&) = default;
};
// n = 2, off-line cause.
struct OfflineCause {
    bool cover_open = false;            // bit 2
    bool feeding_by_button = false;     // bit 3: paper is being fed by the feed button
    bool stopped_by_paper_end = false;  // bit 5: printing stopped because the paper ran out
    bool error = false;                 // bit 6
    friend bool operator==(const OfflineCause&, const OfflineCause&) = default;
};
// n = 4, roll paper sensors.
struct RollPaperStatus {
    bool near_end = false;   // bits 2 and 3: the roll is nearly used up
    bool paper_end = false;  // bits 5 and 6: no paper at the print head
    friend bool operator==(const RollPaperStatus&, const RollPaperStatus&) = default;
};

// What the roll paper sensors say, in the kiosk's words: enough paper, running low (a slip
// still prints, staff should change the roll), or none (nothing prints).
enum class PaperState { ok, low, out };
std::string_view to_string(PaperState paper);
PaperState paper_state_of(const RollPaperStatus& status);

std::uint8_t encode_printer_status(const PrinterStatus& status);
std::uint8_t encode_offline_cause(const OfflineCause& cause);
std::uint8_t encode_roll_paper_status(const RollPaperStatus& status);
// bad_status_reply when the fixed bits are wrong: the byte is not a status reply.
std::expected<PrinterStatus, Error> decode_printer_status(std::uint8_t reply);
std::expected<OfflineCause, Error> decode_offline_cause(std::uint8_t reply);
std::expected<RollPaperStatus, Error> decode_roll_paper_status(std::uint8_t reply);

// ---- The USB printer class (USB Device Class Definition for Printing Devices 1.1) ----

// "Printer Class Interface Descriptor": class 7 (printer), subclass 1 (printers), protocol 2
// (bidirectional: a bulk OUT endpoint for jobs and a bulk IN endpoint for status).
constexpr std::uint8_t k_interface_class_printer = 0x07;
constexpr std::uint8_t k_interface_subclass_printer = 0x01;
constexpr std::uint8_t k_interface_protocol_bidirectional = 0x02;
// "Class-Specific Requests": GET_DEVICE_ID answers the IEEE 1284 device id, two bytes of
// length (big-endian, themselves included) and then "KEY:value;" pairs.
constexpr std::uint8_t k_request_get_device_id = 0x00;
constexpr std::uint8_t k_request_get_port_status = 0x01;
constexpr std::uint8_t k_request_type_class_interface_in = 0xA1;
constexpr std::uint16_t k_largest_device_id_length = 1023;

}  // namespace drivers::escpos
