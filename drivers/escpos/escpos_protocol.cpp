#include "drivers/escpos/escpos_protocol.h"

#include <algorithm>
#include <utility>

#include "drivers/escpos/text_columns.h"

namespace drivers::escpos {

namespace {

// Second bytes of ESC commands.
constexpr std::uint8_t k_escape_initialise = 0x40;     // ESC @
constexpr std::uint8_t k_escape_justification = 0x61;  // ESC a
constexpr std::uint8_t k_escape_emphasis = 0x45;       // ESC E
constexpr std::uint8_t k_escape_feed_lines = 0x64;     // ESC d
// Second bytes of GS commands.
constexpr std::uint8_t k_group_size = 0x21;         // GS !
constexpr std::uint8_t k_group_parenthesis = 0x28;  // GS (
constexpr std::uint8_t k_group_symbol = 0x6B;       // GS ( k
constexpr std::uint8_t k_group_cut = 0x56;          // GS V
// FS ( C.
constexpr std::uint8_t k_file_parenthesis = 0x28;
constexpr std::uint8_t k_file_character_code = 0x43;

// ESC/POS "GS ( k": cn = 49 selects the QR code symbol; fn is the function number minus 100.
constexpr std::uint8_t k_symbol_qr_code = 49;
constexpr std::uint8_t k_qr_select_model = 65;             // function 165
constexpr std::uint8_t k_qr_set_module_size = 67;          // function 167
constexpr std::uint8_t k_qr_select_error_correction = 69;  // function 169
constexpr std::uint8_t k_qr_store = 80;                    // function 180
constexpr std::uint8_t k_qr_print = 81;                    // function 181
constexpr std::uint8_t k_qr_fixed_m = 48;                  // functions 180 and 181: m = 48
// The pL pH length counts the bytes after pH: cn, fn and the function's parameters.
constexpr std::size_t k_qr_model_length = 4;          // cn fn n1 n2
constexpr std::size_t k_qr_one_parameter_length = 3;  // cn fn n (or m)
constexpr std::size_t k_qr_store_overhead = 3;        // cn fn m, then the data
// The bytes before the parameters: GS ( k pL pH, or FS ( C pL pH. pL pH sit at offset 3; the
// function's own bytes follow them (GS ( k: cn at 5, fn at 6, the first parameter at 7;
// FS ( C: fn at 5, m at 6).
constexpr std::size_t k_long_header_length = 5;
constexpr std::size_t k_length_offset = 3;
constexpr std::size_t k_symbol_offset = 5;
constexpr std::size_t k_symbol_function_offset = 6;
constexpr std::size_t k_symbol_parameter_offset = 7;
constexpr std::size_t k_file_function_offset = 5;
constexpr std::size_t k_file_parameter_offset = 6;
// The reference numbers the QR code functions of GS ( k as fn + 100 (fn 65 is function 165).
constexpr int k_function_number_offset = 100;
// ESC/POS "FS ( C": fn = 48 selects the character encoding, with one parameter m.
constexpr std::uint8_t k_select_encoding_function = 48;
constexpr std::size_t k_select_encoding_length = 2;  // fn m

// ESC/POS "GS V": m of function A (cut where the paper is) and function B (feed, then cut).
constexpr std::uint8_t k_cut_full_a = 0;
constexpr std::uint8_t k_cut_partial_a = 1;
constexpr std::uint8_t k_cut_full_a_ascii = 48;
constexpr std::uint8_t k_cut_partial_a_ascii = 49;
constexpr std::uint8_t k_cut_full_b = 65;
constexpr std::uint8_t k_cut_partial_b = 66;

// ESC/POS "ESC a n" and "FS ( C": parameters may be given as 0, 1, 2 or as the digits '0',
// '1', '2'.
constexpr std::uint8_t k_ascii_digit_zero = 48;

// ESC/POS "DLE EOT n", "Transmission Status": bits 0 and 7 clear, bits 1 and 4 set.
constexpr std::uint8_t k_status_fixed_mask = 0x93;
constexpr std::uint8_t k_status_fixed_bits = 0x12;
constexpr std::uint8_t k_printer_drawer_bit = 0x04;
constexpr std::uint8_t k_printer_offline_bit = 0x08;
constexpr std::uint8_t k_printer_waiting_bit = 0x20;
constexpr std::uint8_t k_printer_feed_button_bit = 0x40;
constexpr std::uint8_t k_offline_cover_open_bit = 0x04;
constexpr std::uint8_t k_offline_feeding_bit = 0x08;
constexpr std::uint8_t k_offline_paper_end_bit = 0x20;
constexpr std::uint8_t k_offline_error_bit = 0x40;
constexpr std::uint8_t k_roll_near_end_bits = 0x0C;
constexpr std::uint8_t k_roll_paper_end_bits = 0x60;

// Text before UTF-8 is selected is ASCII (docs/protocols/escpos.md, "Commands").
constexpr std::uint8_t k_last_ascii = 0x7F;

constexpr int k_size_nibble = 4;
constexpr std::uint8_t k_nibble_mask = 0x0F;

std::string hex_byte(std::uint8_t byte) {
    std::string text = "0x";
    base::append_hex(text, std::span<const std::uint8_t>(&byte, 1));
    return text;
}

std::unexpected<Error> fail(EscposError code, std::size_t offset, std::string what) {
    return std::unexpected(base::error(code, "byte " + std::to_string(offset) + ": " + what));
}

bool is_text_byte(std::uint8_t byte) {
    return byte >= k_first_printable && byte != k_delete;
}

void put_long_header(base::Bytes& job, std::uint8_t first, std::uint8_t second, std::uint8_t third,
                     std::size_t length) {
    job.insert(job.end(), {first, second, third});
    base::put_le16(job, static_cast<std::uint16_t>(length));
}

// ESC/POS "GS ( k" <function 165>: select the model; n1 the model, n2 = 0.
void put_qr_model(base::Bytes& job, QrModel model) {
    put_long_header(job, k_group_separator, k_group_parenthesis, k_group_symbol, k_qr_model_length);
    job.insert(job.end(),
               {k_symbol_qr_code, k_qr_select_model, static_cast<std::uint8_t>(model), 0});
}

// ESC/POS "GS ( k" <function 167>: set the size of the module, n dots.
void put_qr_module_size(base::Bytes& job, std::uint8_t module_dots) {
    put_long_header(job, k_group_separator, k_group_parenthesis, k_group_symbol,
                    k_qr_one_parameter_length);
    job.insert(job.end(), {k_symbol_qr_code, k_qr_set_module_size, module_dots});
}

// ESC/POS "GS ( k" <function 169>: select the error correction level.
void put_qr_error_correction(base::Bytes& job, QrErrorCorrection level) {
    put_long_header(job, k_group_separator, k_group_parenthesis, k_group_symbol,
                    k_qr_one_parameter_length);
    job.insert(job.end(),
               {k_symbol_qr_code, k_qr_select_error_correction, static_cast<std::uint8_t>(level)});
}

// ESC/POS "GS ( k" <function 180>: store the data in the symbol storage area; pL pH = k + 3,
// m = 48.
void put_qr_store(base::Bytes& job, std::string_view data) {
    put_long_header(job, k_group_separator, k_group_parenthesis, k_group_symbol,
                    data.size() + k_qr_store_overhead);
    job.insert(job.end(), {k_symbol_qr_code, k_qr_store, k_qr_fixed_m});
    job.insert(job.end(), data.begin(), data.end());
}

// ESC/POS "GS ( k" <function 181>: print the symbol data in the symbol storage area; m = 48.
void put_qr_print(base::Bytes& job) {
    put_long_header(job, k_group_separator, k_group_parenthesis, k_group_symbol,
                    k_qr_one_parameter_length);
    job.insert(job.end(), {k_symbol_qr_code, k_qr_print, k_qr_fixed_m});
}

std::expected<void, Error> check_module_size(std::uint8_t module_dots) {
    if (module_dots < k_smallest_qr_module_dots || module_dots > k_largest_qr_module_dots) {
        return std::unexpected(
            base::error(EscposError::bad_parameter,
                        "QR module size " + std::to_string(module_dots) + " (1 to 16)"));
    }
    return {};
}

std::expected<void, Error> check_qr_data(std::string_view data) {
    if (data.empty() || data.size() > k_largest_qr_data_length) {
        return std::unexpected(base::error(EscposError::data_too_long,
                                           std::to_string(data.size()) + " bytes (1 to 7089)"));
    }
    return {};
}

// What one step of the decoder found: a whole command and its length, or the need for more
// bytes before the command at hand can be read.
struct Decoded {
    Command command;
    std::size_t length = 0;
};
struct NeedMore {};
using Step = std::variant<Decoded, NeedMore>;

// One command of `bytes` from `position` on. `offset` is the stream position of bytes[0].
class CommandReader {
  public:
    CommandReader(std::span<const std::uint8_t> bytes, std::size_t position, std::size_t offset,
                  CharacterEncoding encoding)
        : m_bytes(bytes), m_position(position), m_offset(offset), m_encoding(encoding) {}

    std::expected<Step, Error> read() {
        const std::uint8_t lead = m_bytes[m_position];
        if (lead == k_line_feed_byte) {
            return Decoded{LineFeed{}, 1};
        }
        if (lead == k_escape) {
            return read_escape();
        }
        if (lead == k_group_separator) {
            return read_group();
        }
        if (lead == k_file_separator) {
            return read_file();
        }
        if (lead == k_data_link_escape) {
            return read_data_link();
        }
        if (!is_text_byte(lead)) {
            return fail(EscposError::unknown_command, where(), "control code " + hex_byte(lead));
        }
        return read_text();
    }

  private:
    std::size_t available() const { return m_bytes.size() - m_position; }
    std::uint8_t at(std::size_t index) const { return m_bytes[m_position + index]; }
    std::size_t where() const { return m_offset + m_position; }

    std::expected<Step, Error> read_escape() {
        if (available() < 2) {
            return NeedMore{};
        }
        const std::uint8_t second = at(1);
        if (second == k_escape_initialise) {
            return Decoded{Initialise{}, 2};
        }
        if (second != k_escape_justification && second != k_escape_emphasis &&
            second != k_escape_feed_lines) {
            return fail(EscposError::unknown_command, where(), "ESC " + hex_byte(second));
        }
        if (available() < 3) {
            return NeedMore{};
        }
        const std::uint8_t parameter = at(2);
        if (second == k_escape_emphasis) {
            // ESC/POS "ESC E n": only the least significant bit of n counts.
            return Decoded{SelectEmphasis{(parameter & 1) != 0}, 3};
        }
        if (second == k_escape_feed_lines) {
            return Decoded{FeedLines{parameter}, 3};
        }
        const std::uint8_t value =
            parameter >= k_ascii_digit_zero ? parameter - k_ascii_digit_zero : parameter;
        if (value > static_cast<std::uint8_t>(Justification::right)) {
            return fail(EscposError::bad_parameter, where(),
                        "ESC a n with n = " + hex_byte(parameter));
        }
        return Decoded{SelectJustification{static_cast<Justification>(value)}, 3};
    }

    std::expected<Step, Error> read_group() {
        if (available() < 2) {
            return NeedMore{};
        }
        const std::uint8_t second = at(1);
        if (second == k_group_size) {
            return read_size();
        }
        if (second == k_group_parenthesis) {
            return read_symbol();
        }
        if (second == k_group_cut) {
            return read_cut();
        }
        return fail(EscposError::unknown_command, where(), "GS " + hex_byte(second));
    }

    // ESC/POS "GS ! n": bits 4 to 6 the width multiple less one, bits 0 to 2 the height's.
    std::expected<Step, Error> read_size() {
        if (available() < 3) {
            return NeedMore{};
        }
        const std::uint8_t parameter = at(2);
        const int width = (parameter >> k_size_nibble) + 1;
        const int height = (parameter & k_nibble_mask) + 1;
        if (width > k_largest_size_multiple || height > k_largest_size_multiple) {
            return fail(EscposError::bad_parameter, where(),
                        "GS ! n with n = " + hex_byte(parameter));
        }
        return Decoded{
            SelectSize{{static_cast<std::uint8_t>(width), static_cast<std::uint8_t>(height)}}, 3};
    }

    std::expected<Step, Error> read_cut() {
        if (available() < 3) {
            return NeedMore{};
        }
        const std::uint8_t shape = at(2);
        switch (shape) {
            case k_cut_full_a:
            case k_cut_full_a_ascii:
                return Decoded{Cut{CutShape::full, std::nullopt}, 3};
            case k_cut_partial_a:
            case k_cut_partial_a_ascii:
                return Decoded{Cut{CutShape::partial, std::nullopt}, 3};
            case k_cut_full_b:
            case k_cut_partial_b:
                if (available() < 4) {
                    return NeedMore{};
                }
                return Decoded{
                    Cut{shape == k_cut_full_b ? CutShape::full : CutShape::partial, at(3)}, 4};
            default:
                return fail(EscposError::bad_parameter, where(),
                            "GS V m with m = " + hex_byte(shape));
        }
    }

    // ESC/POS "GS ( k" with cn = 49: the QR code functions.
    std::expected<Step, Error> read_symbol() {
        if (available() < 3) {
            return NeedMore{};
        }
        if (at(2) != k_group_symbol) {
            return fail(EscposError::unknown_command, where(), "GS ( " + hex_byte(at(2)));
        }
        // cn and fn, the first two bytes after pL pH, say how long the function must be, so a
        // wrong length is caught before waiting for bytes that are not coming.
        if (available() < k_long_header_length + 2) {
            return NeedMore{};
        }
        const std::size_t length = base::le16_at(m_bytes, m_position + k_length_offset);
        const std::uint8_t symbol = at(k_symbol_offset);
        const std::uint8_t function = at(k_symbol_function_offset);
        if (symbol != k_symbol_qr_code) {
            return fail(EscposError::unknown_command, where(),
                        "GS ( k with cn = " + hex_byte(symbol) + " (only the QR code, 0x31)");
        }
        const std::string name =
            "GS ( k function " + std::to_string(function + k_function_number_offset);
        std::size_t expected_length = 0;
        switch (function) {
            case k_qr_select_model:
                expected_length = k_qr_model_length;
                break;
            case k_qr_set_module_size:
            case k_qr_select_error_correction:
            case k_qr_print:
                expected_length = k_qr_one_parameter_length;
                break;
            case k_qr_store:
                if (length < k_qr_store_overhead + 1) {
                    return fail(EscposError::bad_length, where(), name + ": no data");
                }
                if (length - k_qr_store_overhead > k_largest_qr_data_length) {
                    return fail(
                        EscposError::data_too_long, where(),
                        name + ": " + std::to_string(length - k_qr_store_overhead) + " bytes");
                }
                expected_length = length;
                break;
            default:
                return fail(EscposError::unknown_command, where(), name);
        }
        if (length != expected_length) {
            return fail(EscposError::bad_length, where(),
                        name + " with pL pH = " + std::to_string(length));
        }
        const std::size_t total = k_long_header_length + length;
        if (available() < total) {
            return NeedMore{};
        }
        const std::uint8_t first = at(k_symbol_parameter_offset);
        switch (function) {
            case k_qr_select_model: {
                const std::uint8_t second = at(k_symbol_parameter_offset + 1);
                if (first < static_cast<std::uint8_t>(QrModel::model_1) ||
                    first > static_cast<std::uint8_t>(QrModel::micro) || second != 0) {
                    return fail(
                        EscposError::bad_parameter, where(),
                        name + " with n1 = " + hex_byte(first) + ", n2 = " + hex_byte(second));
                }
                return Decoded{QrSelectModel{static_cast<QrModel>(first)}, total};
            }
            case k_qr_set_module_size:
                if (first < k_smallest_qr_module_dots || first > k_largest_qr_module_dots) {
                    return fail(EscposError::bad_parameter, where(),
                                name + " with n = " + hex_byte(first));
                }
                return Decoded{QrSetModuleSize{first}, total};
            case k_qr_select_error_correction:
                if (first < static_cast<std::uint8_t>(QrErrorCorrection::low) ||
                    first > static_cast<std::uint8_t>(QrErrorCorrection::high)) {
                    return fail(EscposError::bad_parameter, where(),
                                name + " with n = " + hex_byte(first));
                }
                return Decoded{QrSelectErrorCorrection{static_cast<QrErrorCorrection>(first)},
                               total};
            case k_qr_print:
                if (first != k_qr_fixed_m) {
                    return fail(EscposError::bad_parameter, where(),
                                name + " with m = " + hex_byte(first));
                }
                return Decoded{QrPrint{}, total};
            default:
                break;
        }
        if (first != k_qr_fixed_m) {
            return fail(EscposError::bad_parameter, where(), name + " with m = " + hex_byte(first));
        }
        const auto data = m_bytes.subspan(m_position + k_long_header_length + k_qr_store_overhead,
                                          length - k_qr_store_overhead);
        return Decoded{QrStore{std::string(data.begin(), data.end())}, total};
    }

    // ESC/POS "FS ( C" function 48.
    std::expected<Step, Error> read_file() {
        if (available() < 2) {
            return NeedMore{};
        }
        if (at(1) != k_file_parenthesis) {
            return fail(EscposError::unknown_command, where(), "FS " + hex_byte(at(1)));
        }
        if (available() < 3) {
            return NeedMore{};
        }
        if (at(2) != k_file_character_code) {
            return fail(EscposError::unknown_command, where(), "FS ( " + hex_byte(at(2)));
        }
        if (available() < k_long_header_length + 1) {
            return NeedMore{};
        }
        const std::size_t length = base::le16_at(m_bytes, m_position + k_length_offset);
        const std::uint8_t function = at(k_file_function_offset);
        if (function != k_select_encoding_function) {
            return fail(EscposError::unknown_command, where(),
                        "FS ( C function " + std::to_string(function));
        }
        if (length != k_select_encoding_length) {
            return fail(EscposError::bad_length, where(),
                        "FS ( C function 48 with pL pH = " + std::to_string(length));
        }
        if (available() < k_long_header_length + length) {
            return NeedMore{};
        }
        const std::uint8_t parameter = at(k_file_parameter_offset);
        const std::uint8_t value =
            parameter >= k_ascii_digit_zero ? parameter - k_ascii_digit_zero : parameter;
        if (value != static_cast<std::uint8_t>(CharacterEncoding::single_byte) &&
            value != static_cast<std::uint8_t>(CharacterEncoding::utf8)) {
            return fail(EscposError::bad_parameter, where(),
                        "FS ( C function 48 with m = " + hex_byte(parameter));
        }
        return Decoded{SelectEncoding{static_cast<CharacterEncoding>(value)},
                       k_long_header_length + length};
    }

    // ESC/POS "DLE EOT n".
    std::expected<Step, Error> read_data_link() {
        if (available() < 2) {
            return NeedMore{};
        }
        if (at(1) != k_end_of_transmission) {
            return fail(EscposError::unknown_command, where(), "DLE " + hex_byte(at(1)));
        }
        if (available() < 3) {
            return NeedMore{};
        }
        const std::uint8_t kind = at(2);
        if (kind < static_cast<std::uint8_t>(StatusKind::printer) ||
            kind > static_cast<std::uint8_t>(StatusKind::roll_paper)) {
            return fail(EscposError::bad_parameter, where(),
                        "DLE EOT n with n = " + hex_byte(kind));
        }
        return Decoded{RequestStatus{static_cast<StatusKind>(kind)}, 3};
    }

    // Characters up to the next control code, or up to the last whole character of the bytes
    // at hand.
    std::expected<Step, Error> read_text() {
        std::size_t end = m_position;
        while (end < m_bytes.size() && is_text_byte(m_bytes[end])) {
            ++end;
        }
        const auto run = m_bytes.subspan(m_position, end - m_position);
        const std::string_view text(reinterpret_cast<const char*>(run.data()), run.size());
        std::size_t whole = 0;
        if (m_encoding == CharacterEncoding::single_byte) {
            // Before UTF-8 is selected the kiosk's subset sends ASCII only: a byte above 7F
            // would print as whatever the printer's code page holds there.
            const auto above_ascii =
                std::ranges::find_if(run, [](std::uint8_t byte) { return byte > k_last_ascii; });
            if (above_ascii != run.end()) {
                return fail(EscposError::invalid_text,
                            where() + static_cast<std::size_t>(above_ascii - run.begin()),
                            "byte " + hex_byte(*above_ascii) + " before UTF-8 was selected");
            }
            whole = run.size();
        } else {
            while (whole < text.size()) {
                const auto character = next_character(text.substr(whole));
                if (character) {
                    whole += character->length;
                    continue;
                }
                // A sequence cut by the end of the bytes at hand may be completed by the next
                // piece; one cut by a control code, or wrong in itself, never will.
                const std::size_t length =
                    utf8_sequence_length(static_cast<std::uint8_t>(text[whole]));
                const bool cut_by_end_of_piece =
                    end == m_bytes.size() && length > 0 && whole + length > text.size() &&
                    std::ranges::all_of(text.substr(whole + 1), [](char byte) {
                        return is_utf8_continuation(static_cast<std::uint8_t>(byte));
                    });
                if (!cut_by_end_of_piece) {
                    return fail(EscposError::invalid_text, where() + whole, "not UTF-8");
                }
                break;
            }
        }
        if (whole == 0) {
            return NeedMore{};
        }
        return Decoded{Text{std::string(text.substr(0, whole))}, whole};
    }

    std::span<const std::uint8_t> m_bytes;
    std::size_t m_position;
    std::size_t m_offset;
    CharacterEncoding m_encoding;
};

std::string_view leading_name(std::uint8_t lead) {
    switch (lead) {
        case k_escape:
            return "ESC";
        case k_group_separator:
            return "GS";
        case k_file_separator:
            return "FS";
        case k_data_link_escape:
            return "DLE";
        default:
            return "text";
    }
}

template <typename Status>
std::expected<Status, Error> checked_reply(std::uint8_t reply, std::string_view request,
                                           Status status) {
    if (!is_status_reply(reply)) {
        return std::unexpected(base::error(EscposError::bad_status_reply,
                                           std::string(request) + " answered " + hex_byte(reply)));
    }
    return status;
}

}  // namespace

std::string_view to_string(EscposError error) {
    switch (error) {
        case EscposError::truncated:
            return "command cut short";
        case EscposError::unknown_command:
            return "unknown command";
        case EscposError::bad_parameter:
            return "parameter out of range";
        case EscposError::bad_length:
            return "length does not fit the function";
        case EscposError::invalid_text:
            return "invalid text";
        case EscposError::data_too_long:
            return "QR code data too long";
        case EscposError::timeout:
            return "printer did not answer in time";
        case EscposError::device_gone:
            return "printer unplugged";
        case EscposError::transport_failed:
            return "USB transfer failed";
        case EscposError::bad_status_reply:
            return "not a status reply";
    }
    return "unknown ESC/POS error";
}

int columns_per_line(CharacterSize size) {
    return size.width == 0 ? k_paper_columns : k_paper_columns / size.width;
}

std::string_view name_of(const Command& command) {
    struct Namer {
        std::string_view operator()(const Initialise&) const { return "ESC @"; }
        std::string_view operator()(const SelectEncoding&) const { return "FS ( C function 48"; }
        std::string_view operator()(const SelectJustification&) const { return "ESC a n"; }
        std::string_view operator()(const SelectEmphasis&) const { return "ESC E n"; }
        std::string_view operator()(const SelectSize&) const { return "GS ! n"; }
        std::string_view operator()(const Text&) const { return "text"; }
        std::string_view operator()(const LineFeed&) const { return "LF"; }
        std::string_view operator()(const FeedLines&) const { return "ESC d n"; }
        std::string_view operator()(const QrSelectModel&) const { return "GS ( k function 165"; }
        std::string_view operator()(const QrSetModuleSize&) const { return "GS ( k function 167"; }
        std::string_view operator()(const QrSelectErrorCorrection&) const {
            return "GS ( k function 169";
        }
        std::string_view operator()(const QrStore&) const { return "GS ( k function 180"; }
        std::string_view operator()(const QrPrint&) const { return "GS ( k function 181"; }
        std::string_view operator()(const Cut&) const { return "GS V"; }
        std::string_view operator()(const RequestStatus&) const { return "DLE EOT n"; }
    };
    return std::visit(Namer{}, command);
}

// ---- Encoder ----

void initialise(base::Bytes& job) {
    // ESC/POS "ESC @": initialise printer.
    job.insert(job.end(), {k_escape, k_escape_initialise});
}

void select_encoding(base::Bytes& job, CharacterEncoding encoding) {
    // ESC/POS "FS ( C" <function 48>: select character encode system; pL pH = 2, fn = 48, m.
    put_long_header(job, k_file_separator, k_file_parenthesis, k_file_character_code,
                    k_select_encoding_length);
    job.insert(job.end(), {k_select_encoding_function, static_cast<std::uint8_t>(encoding)});
}

void begin_job(base::Bytes& job) {
    initialise(job);
    select_encoding(job, CharacterEncoding::utf8);
}

void select_justification(base::Bytes& job, Justification justification) {
    // ESC/POS "ESC a n": select justification.
    job.insert(job.end(),
               {k_escape, k_escape_justification, static_cast<std::uint8_t>(justification)});
}

void select_emphasis(base::Bytes& job, bool emphasised) {
    // ESC/POS "ESC E n": turn emphasized mode on/off (the least significant bit of n).
    job.insert(job.end(), {k_escape, k_escape_emphasis, static_cast<std::uint8_t>(emphasised)});
}

std::expected<void, Error> select_size(base::Bytes& job, CharacterSize size) {
    if (size.width < 1 || size.width > k_largest_size_multiple || size.height < 1 ||
        size.height > k_largest_size_multiple) {
        return std::unexpected(base::error(EscposError::bad_parameter,
                                           "GS ! n: " + std::to_string(size.width) + " by " +
                                               std::to_string(size.height) + " (1 to 8 each)"));
    }
    // ESC/POS "GS ! n": select character size; bits 4-6 width - 1, bits 0-2 height - 1.
    const auto parameter =
        static_cast<std::uint8_t>(((size.width - 1) << k_size_nibble) | (size.height - 1));
    job.insert(job.end(), {k_group_separator, k_group_size, parameter});
    return {};
}

std::expected<void, Error> text(base::Bytes& job, std::string_view utf8) {
    const auto control = std::ranges::find_if(
        utf8, [](char character) { return !is_text_byte(static_cast<std::uint8_t>(character)); });
    if (control != utf8.end()) {
        return std::unexpected(base::error(
            EscposError::invalid_text,
            "control code " + hex_byte(static_cast<std::uint8_t>(*control)) + " in text"));
    }
    if (!is_valid_utf8(utf8)) {
        return std::unexpected(base::error(EscposError::invalid_text, "not UTF-8"));
    }
    job.insert(job.end(), utf8.begin(), utf8.end());
    return {};
}

void line_feed(base::Bytes& job) {
    // ESC/POS "LF": print and line feed.
    job.push_back(k_line_feed_byte);
}

void feed_lines(base::Bytes& job, std::uint8_t lines) {
    // ESC/POS "ESC d n": print and feed n lines.
    job.insert(job.end(), {k_escape, k_escape_feed_lines, lines});
}

std::expected<void, Error> wrapped_text(base::Bytes& job, std::string_view utf8,
                                        CharacterSize size) {
    base::Bytes lines;
    if (auto checked = text(lines, utf8); !checked) {
        return checked;
    }
    if (size.width < 1 || size.width > k_largest_size_multiple) {
        return std::unexpected(base::error(EscposError::bad_parameter,
                                           "width multiple " + std::to_string(size.width)));
    }
    lines.clear();
    const auto wrapped = wrap_to_columns(utf8, columns_per_line(size));
    for (const std::string& line : *wrapped) {
        lines.insert(lines.end(), line.begin(), line.end());
        line_feed(lines);
    }
    job.insert(job.end(), lines.begin(), lines.end());
    return {};
}

std::expected<void, Error> qr_code(base::Bytes& job, std::string_view data,
                                   const QrSettings& settings) {
    if (auto checked = check_module_size(settings.module_dots); !checked) {
        return checked;
    }
    if (auto checked = check_qr_data(data); !checked) {
        return checked;
    }
    put_qr_model(job, settings.model);
    put_qr_module_size(job, settings.module_dots);
    put_qr_error_correction(job, settings.error_correction);
    put_qr_store(job, data);
    put_qr_print(job);
    return {};
}

void cut(base::Bytes& job, CutShape shape, std::optional<std::uint8_t> feed_dots) {
    // ESC/POS "GS V": select cut mode and cut paper.
    if (!feed_dots) {
        job.insert(job.end(),
                   {k_group_separator, k_group_cut,
                    shape == CutShape::full ? k_cut_full_a_ascii : k_cut_partial_a_ascii});
        return;
    }
    job.insert(job.end(), {k_group_separator, k_group_cut,
                           shape == CutShape::full ? k_cut_full_b : k_cut_partial_b, *feed_dots});
}

void request_status(base::Bytes& job, StatusKind kind) {
    // ESC/POS "DLE EOT n": transmit real-time status.
    job.insert(job.end(),
               {k_data_link_escape, k_end_of_transmission, static_cast<std::uint8_t>(kind)});
}

std::expected<void, Error> append_command(base::Bytes& job, const Command& command) {
    struct Appender {
        base::Bytes& job;
        std::expected<void, Error> operator()(const Initialise&) const {
            initialise(job);
            return {};
        }
        std::expected<void, Error> operator()(const SelectEncoding& command) const {
            select_encoding(job, command.encoding);
            return {};
        }
        std::expected<void, Error> operator()(const SelectJustification& command) const {
            select_justification(job, command.justification);
            return {};
        }
        std::expected<void, Error> operator()(const SelectEmphasis& command) const {
            select_emphasis(job, command.emphasised);
            return {};
        }
        std::expected<void, Error> operator()(const SelectSize& command) const {
            return select_size(job, command.size);
        }
        std::expected<void, Error> operator()(const Text& command) const {
            return text(job, command.text);
        }
        std::expected<void, Error> operator()(const LineFeed&) const {
            line_feed(job);
            return {};
        }
        std::expected<void, Error> operator()(const FeedLines& command) const {
            feed_lines(job, command.lines);
            return {};
        }
        std::expected<void, Error> operator()(const QrSelectModel& command) const {
            put_qr_model(job, command.model);
            return {};
        }
        std::expected<void, Error> operator()(const QrSetModuleSize& command) const {
            if (auto checked = check_module_size(command.module_dots); !checked) {
                return checked;
            }
            put_qr_module_size(job, command.module_dots);
            return {};
        }
        std::expected<void, Error> operator()(const QrSelectErrorCorrection& command) const {
            put_qr_error_correction(job, command.level);
            return {};
        }
        std::expected<void, Error> operator()(const QrStore& command) const {
            if (auto checked = check_qr_data(command.data); !checked) {
                return checked;
            }
            put_qr_store(job, command.data);
            return {};
        }
        std::expected<void, Error> operator()(const QrPrint&) const {
            put_qr_print(job);
            return {};
        }
        std::expected<void, Error> operator()(const Cut& command) const {
            cut(job, command.shape, command.feed_dots);
            return {};
        }
        std::expected<void, Error> operator()(const RequestStatus& command) const {
            request_status(job, command.kind);
            return {};
        }
    };
    return std::visit(Appender{job}, command);
}

std::expected<base::Bytes, Error> encode(std::span<const Command> commands) {
    base::Bytes job;
    for (const Command& command : commands) {
        if (auto appended = append_command(job, command); !appended) {
            return std::unexpected(std::move(appended.error()));
        }
    }
    return job;
}

// ---- Decoder ----

std::expected<void, Error> StreamDecoder::feed(std::span<const std::uint8_t> piece,
                                               std::vector<Command>& commands) {
    m_pending.insert(m_pending.end(), piece.begin(), piece.end());
    std::size_t position = 0;
    while (position < m_pending.size()) {
        CommandReader reader(m_pending, position, m_offset, m_encoding);
        auto step = reader.read();
        if (!step) {
            m_offset += m_pending.size();
            m_pending.clear();
            return std::unexpected(std::move(step.error()));
        }
        auto* decoded = std::get_if<Decoded>(&*step);
        if (decoded == nullptr) {
            break;
        }
        // The encoding decides how the text after it is read: ESC @ returns to one byte a
        // character, FS ( C chooses.
        if (std::holds_alternative<Initialise>(decoded->command)) {
            m_encoding = CharacterEncoding::single_byte;
        } else if (const auto* selected = std::get_if<SelectEncoding>(&decoded->command)) {
            m_encoding = selected->encoding;
        }
        position += decoded->length;
        commands.push_back(std::move(decoded->command));
    }
    m_pending.erase(m_pending.begin(), m_pending.begin() + static_cast<std::ptrdiff_t>(position));
    m_offset += position;
    return {};
}

void StreamDecoder::reset() {
    m_offset += m_pending.size();
    m_pending.clear();
    m_encoding = CharacterEncoding::single_byte;
}

std::expected<std::vector<Command>, Error> decode(std::span<const std::uint8_t> stream) {
    StreamDecoder decoder;
    std::vector<Command> commands;
    if (auto fed = decoder.feed(stream, commands); !fed) {
        return std::unexpected(std::move(fed.error()));
    }
    if (decoder.pending_length() > 0) {
        const std::size_t start = stream.size() - decoder.pending_length();
        return fail(EscposError::truncated, start,
                    std::string(leading_name(stream[start])) + " cut by the end of the stream");
    }
    return commands;
}

// ---- Status replies ----

std::string_view to_string(PaperState paper) {
    switch (paper) {
        case PaperState::ok:
            return "ok";
        case PaperState::low:
            return "low";
        case PaperState::out:
            return "out";
    }
    return "unknown";
}

PaperState paper_state_of(const RollPaperStatus& status) {
    if (status.paper_end) {
        return PaperState::out;
    }
    return status.near_end ? PaperState::low : PaperState::ok;
}

bool is_status_reply(std::uint8_t reply) {
    return (reply & k_status_fixed_mask) == k_status_fixed_bits;
}

std::uint8_t encode_printer_status(const PrinterStatus& status) {
    std::uint8_t reply = k_status_fixed_bits;
    reply |= status.drawer_pin_high ? k_printer_drawer_bit : 0;
    reply |= status.offline ? k_printer_offline_bit : 0;
    reply |= status.waiting_for_recovery ? k_printer_waiting_bit : 0;
    reply |= status.feed_button_pressed ? k_printer_feed_button_bit : 0;
    return reply;
}

std::uint8_t encode_offline_cause(const OfflineCause& cause) {
    std::uint8_t reply = k_status_fixed_bits;
    reply |= cause.cover_open ? k_offline_cover_open_bit : 0;
    reply |= cause.feeding_by_button ? k_offline_feeding_bit : 0;
    reply |= cause.stopped_by_paper_end ? k_offline_paper_end_bit : 0;
    reply |= cause.error ? k_offline_error_bit : 0;
    return reply;
}

std::uint8_t encode_roll_paper_status(const RollPaperStatus& status) {
    std::uint8_t reply = k_status_fixed_bits;
    reply |= status.near_end ? k_roll_near_end_bits : 0;
    reply |= status.paper_end ? k_roll_paper_end_bits : 0;
    return reply;
}

std::expected<PrinterStatus, Error> decode_printer_status(std::uint8_t reply) {
    return checked_reply(
        reply, "DLE EOT 1",
        PrinterStatus{(reply & k_printer_drawer_bit) != 0, (reply & k_printer_offline_bit) != 0,
                      (reply & k_printer_waiting_bit) != 0,
                      (reply & k_printer_feed_button_bit) != 0});
}

std::expected<OfflineCause, Error> decode_offline_cause(std::uint8_t reply) {
    return checked_reply(
        reply, "DLE EOT 2",
        OfflineCause{(reply & k_offline_cover_open_bit) != 0, (reply & k_offline_feeding_bit) != 0,
                     (reply & k_offline_paper_end_bit) != 0, (reply & k_offline_error_bit) != 0});
}

std::expected<RollPaperStatus, Error> decode_roll_paper_status(std::uint8_t reply) {
    // Each sensor is reported in two bits; either one set counts, as a printer that sets only
    // one of them still means it.
    return checked_reply(
        reply, "DLE EOT 4",
        RollPaperStatus{(reply & k_roll_near_end_bits) != 0, (reply & k_roll_paper_end_bits) != 0});
}

}  // namespace drivers::escpos
