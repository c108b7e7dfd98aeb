#include "simulator/paper/slip_layout.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "drivers/escpos/text_columns.h"

namespace simulator::paper {

namespace {

using namespace drivers::escpos;

// The printer in standard mode, one command at a time.
class StandardMode {
  public:
    std::expected<void, Error> take(const Command& command) {
        if (std::holds_alternative<Initialise>(command)) {
            print_line();
            m_modes = Modes{};
        } else if (const auto* justification = std::get_if<SelectJustification>(&command)) {
            m_modes.justification = justification->justification;
        } else if (const auto* emphasis = std::get_if<SelectEmphasis>(&command)) {
            m_modes.emphasised = emphasis->emphasised;
        } else if (const auto* size = std::get_if<SelectSize>(&command)) {
            m_modes.size = size->size;
        } else if (const auto* text = std::get_if<Text>(&command)) {
            add_text(text->text);
        } else if (std::holds_alternative<LineFeed>(command)) {
            line_feed();
        } else if (const auto* feed = std::get_if<FeedLines>(&command)) {
            // ESC/POS "ESC d n": the line printed counts as the first of the n.
            int lines = feed->lines;
            if (!m_line.empty()) {
                print_line();
                lines = std::max(lines - 1, 0);
            }
            m_y += lines * k_line_spacing_dots;
        } else if (const auto* model = std::get_if<QrSelectModel>(&command)) {
            m_modes.qr.model = model->model;
        } else if (const auto* module = std::get_if<QrSetModuleSize>(&command)) {
            m_modes.qr.module_dots = module->module_dots;
        } else if (const auto* level = std::get_if<QrSelectErrorCorrection>(&command)) {
            m_modes.qr.error_correction = level->level;
        } else if (const auto* store = std::get_if<QrStore>(&command)) {
            m_modes.qr_data = store->data;
        } else if (std::holds_alternative<QrPrint>(command)) {
            return print_qr_code();
        } else if (const auto* cut = std::get_if<Cut>(&command)) {
            print_line();
            m_y += cut->feed_dots.value_or(0);
        }
        return {};
    }

    SlipLayout finish() {
        print_line();
        m_layout.height = m_y;
        return std::move(m_layout);
    }

  private:
    struct Modes {
        Justification justification = Justification::left;
        bool emphasised = false;
        CharacterSize size = k_normal_size;
        QrSettings qr;
        std::optional<std::string> qr_data;
    };

    int line_width() const { return m_line.empty() ? 0 : m_line.back().x + m_line.back().width; }

    void add_text(std::string_view text) {
        std::size_t position = 0;
        while (position < text.size()) {
            const auto character = next_character(text.substr(position));
            if (!character) {
                return;  // the decoder hands out whole characters only
            }
            const int width =
                character_columns(character->code_point) * k_font_a_width_dots * m_modes.size.width;
            if (m_line.empty()) {
                m_line_justification = m_modes.justification;
            } else if (line_width() + width > k_paper_dots) {
                print_line();
                m_line_justification = m_modes.justification;
            }
            m_line.push_back({std::string(text.substr(position, character->length)), line_width(),
                              0, width, k_font_a_height_dots * m_modes.size.height,
                              m_modes.emphasised});
            position += character->length;
        }
    }

    int left_for(int width, Justification justification) const {
        switch (justification) {
            case Justification::left:
                break;
            case Justification::centre:
                return (k_paper_dots - width) / 2;
            case Justification::right:
                return k_paper_dots - width;
        }
        return 0;
    }

    // Prints the line buffer, if anything is in it, and moves to the next line.
    void print_line() {
        if (m_line.empty()) {
            return;
        }
        const int tallest = std::ranges::max(m_line, {}, &PlacedCharacter::height).height;
        const int left = left_for(line_width(), m_line_justification);
        // Characters of one line stand on the same base line.
        for (PlacedCharacter& character : m_line) {
            character.x += left;
            character.y = m_y + tallest - character.height;
            m_layout.characters.push_back(std::move(character));
        }
        m_line.clear();
        m_y += std::max(tallest, k_line_spacing_dots);
    }

    void line_feed() {
        if (m_line.empty()) {
            m_y += k_line_spacing_dots;
            return;
        }
        print_line();
    }

    std::expected<void, Error> print_qr_code() {
        print_line();
        if (!m_modes.qr_data) {
            return {};  // ESC/POS "GS ( k" function 181 with nothing stored prints nothing
        }
        auto symbol =
            encode_qr_symbol(*m_modes.qr_data, m_modes.qr.model, m_modes.qr.error_correction);
        if (!symbol) {
            return std::unexpected(std::move(symbol.error()));
        }
        const int side = symbol->modules * m_modes.qr.module_dots;
        if (side > k_paper_dots) {
            return std::unexpected(base::error(
                PaperError::qr_too_wide, std::to_string(symbol->modules) + " modules of " +
                                             std::to_string(m_modes.qr.module_dots) + " dots"));
        }
        m_layout.qr_codes.push_back({*m_modes.qr_data, std::move(*symbol),
                                     left_for(side, m_modes.justification), m_y,
                                     m_modes.qr.module_dots});
        m_y += side;
        return {};
    }

    Modes m_modes;
    std::vector<PlacedCharacter> m_line;
    Justification m_line_justification = Justification::left;
    int m_y = k_top_margin_dots;
    SlipLayout m_layout;
};

}  // namespace

std::expected<SlipLayout, Error> lay_out_slip(std::span<const Command> slip) {
    StandardMode printer;
    for (const Command& command : slip) {
        if (auto taken = printer.take(command); !taken) {
            return std::unexpected(std::move(taken.error()));
        }
    }
    return printer.finish();
}

}  // namespace simulator::paper
