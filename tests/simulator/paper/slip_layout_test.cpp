// Where the simulated paper puts a slip's characters and QR codes
// (simulator/paper/slip_layout.h): cells, sizes, justification, line spacing, feeds and cuts.

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "drivers/escpos/escpos_protocol.h"
#include "simulator/paper/qr_symbol.h"
#include "simulator/paper/slip_layout.h"

using namespace drivers::escpos;
using namespace simulator::paper;

namespace {

SlipLayout laid_out(const std::vector<Command>& slip) {
    auto layout = lay_out_slip(slip);
    INFO((layout ? std::string("laid out") : base::to_string(layout.error())));
    REQUIRE(layout.has_value());
    return *layout;
}

}  // namespace

TEST_CASE("Characters sit in 12 by 24 dot cells and wide ones in 24 by 24") {
    const auto layout = laid_out({Text{"A号"}, LineFeed{}});
    REQUIRE(layout.characters.size() == 2);
    CHECK(layout.characters[0].utf8 == "A");
    CHECK(layout.characters[0].x == 0);
    CHECK(layout.characters[0].y == k_top_margin_dots);
    CHECK(layout.characters[0].width == 12);
    CHECK(layout.characters[0].height == 24);
    CHECK(layout.characters[1].utf8 == "号");
    CHECK(layout.characters[1].x == 12);
    CHECK(layout.characters[1].width == 24);
    CHECK(layout.width == 576);
}

TEST_CASE("The size multiples scale the cells and a huge ticket number is four times as big") {
    const auto layout = laid_out({SelectSize{k_huge_size}, Text{"A023"}, LineFeed{}});
    REQUIRE(layout.characters.size() == 4);
    for (const auto& character : layout.characters) {
        CHECK(character.width == 48);
        CHECK(character.height == 96);
    }
    CHECK(layout.characters[3].x == 3 * 48);
    // A line as tall as its characters advances the paper by their height.
    CHECK(layout.height == k_top_margin_dots + 96);
}

TEST_CASE("A centred line is centred on the 576 dots and a right one ends at the edge") {
    const auto layout =
        laid_out({SelectJustification{Justification::centre}, Text{"AB"}, LineFeed{},
                  SelectJustification{Justification::right}, Text{"CD"}, LineFeed{}});
    REQUIRE(layout.characters.size() == 4);
    CHECK(layout.characters[0].x == (576 - 24) / 2);
    CHECK(layout.characters[3].x + layout.characters[3].width == 576);
}

TEST_CASE("Justification counts as it was when the line began") {
    const auto layout = laid_out(
        {Text{"A"}, SelectJustification{Justification::centre}, Text{"B"}, LineFeed{}, Text{"C"}});
    REQUIRE(layout.characters.size() == 3);
    CHECK(layout.characters[0].x == 0);
    CHECK(layout.characters[1].x == 12);
    CHECK(layout.characters[2].x == (576 - 12) / 2);
}

TEST_CASE("Lines advance by the line spacing or by their tallest character") {
    const auto layout =
        laid_out({Text{"a"}, LineFeed{}, SelectSize{k_large_size}, Text{"b"},
                  SelectSize{k_normal_size}, Text{"c"}, LineFeed{}, Text{"d"}, LineFeed{}});
    REQUIRE(layout.characters.size() == 4);
    const int first = k_top_margin_dots;
    CHECK(layout.characters[0].y == first);
    // The second line is 48 dots tall; its small character stands on the same base line.
    CHECK(layout.characters[1].y == first + k_line_spacing_dots);
    CHECK(layout.characters[2].y == first + k_line_spacing_dots + 24);
    CHECK(layout.characters[3].y == first + k_line_spacing_dots + 48);
    CHECK(layout.height == first + 2 * k_line_spacing_dots + 48);
}

TEST_CASE("An empty line and ESC d feed by the line spacing") {
    const auto blank = laid_out({LineFeed{}, Text{"x"}, LineFeed{}});
    CHECK(blank.characters.at(0).y == k_top_margin_dots + k_line_spacing_dots);
    // ESC d 3 after text: the printed line counts as the first of the three.
    const auto fed = laid_out({Text{"x"}, FeedLines{3}, Text{"y"}, LineFeed{}});
    CHECK(fed.characters.at(1).y == k_top_margin_dots + 3 * k_line_spacing_dots);
}

TEST_CASE("A line longer than the paper continues on the next line") {
    const auto layout = laid_out({Text{std::string(50, 'x')}, LineFeed{}});
    REQUIRE(layout.characters.size() == 50);
    CHECK(layout.characters[47].x == 47 * 12);
    CHECK(layout.characters[48].x == 0);
    CHECK(layout.characters[48].y == k_top_margin_dots + k_line_spacing_dots);
}

TEST_CASE("Emphasis is kept per character") {
    const auto layout = laid_out({Text{"a"}, SelectEmphasis{true}, Text{"b"}, LineFeed{}});
    REQUIRE(layout.characters.size() == 2);
    CHECK_FALSE(layout.characters[0].emphasised);
    CHECK(layout.characters[1].emphasised);
}

TEST_CASE("A QR code is placed at the justification with its modules at the module size") {
    const std::string data = "https://q.example.cn/t/A023";
    const auto layout = laid_out({SelectJustification{Justification::centre}, QrSetModuleSize{6},
                                  QrStore{data}, QrPrint{}, Text{"after"}, LineFeed{}});
    REQUIRE(layout.qr_codes.size() == 1);
    const auto& code = layout.qr_codes[0];
    CHECK(code.data == data);
    CHECK(code.module_dots == 6);
    const int side = code.symbol.modules * 6;
    CHECK(code.x == (576 - side) / 2);
    CHECK(code.y == k_top_margin_dots);
    CHECK(layout.characters.at(0).y == k_top_margin_dots + side);
}

TEST_CASE("A QR code prints what was stored last and nothing when nothing was stored") {
    CHECK(laid_out({QrPrint{}}).qr_codes.empty());
    const auto layout = laid_out({QrStore{"one"}, QrStore{"two"}, QrPrint{}, QrPrint{}});
    REQUIRE(layout.qr_codes.size() == 2);
    CHECK(layout.qr_codes[0].data == "two");
    CHECK(layout.qr_codes[1].data == "two");
}

TEST_CASE("The QR symbol holds the data at the level asked for") {
    const auto medium = encode_qr_symbol("A023", QrModel::model_2, QrErrorCorrection::medium);
    REQUIRE(medium.has_value());
    CHECK(medium->modules == 21);  // version 1
    CHECK(medium->dark.size() == 21 * 21);
    CHECK(medium->is_dark(0, 0));  // the finder pattern's corner
    const auto longer =
        encode_qr_symbol(std::string(100, 'a'), QrModel::model_2, QrErrorCorrection::high);
    REQUIRE(longer.has_value());
    CHECK(longer->modules > 21);
    const auto micro = encode_qr_symbol("12345", QrModel::micro, QrErrorCorrection::low);
    REQUIRE(micro.has_value());
    CHECK(micro->modules < 21);
}

TEST_CASE("A QR code wider than the paper or holding too much is an error") {
    auto wide = lay_out_slip(
        std::vector<Command>{QrSetModuleSize{16}, QrStore{std::string(200, 'a')}, QrPrint{}});
    REQUIRE_FALSE(wide.has_value());
    CHECK(wide.error().code == PaperError::qr_too_wide);
    auto full = lay_out_slip(std::vector<Command>{QrSelectErrorCorrection{QrErrorCorrection::high},
                                                  QrStore{std::string(4000, 'a')}, QrPrint{}});
    REQUIRE_FALSE(full.has_value());
    CHECK(full.error().code == PaperError::qr_unencodable);
}

TEST_CASE("The feed of a cut lengthens the slip and ESC @ returns to the default modes") {
    const auto layout =
        laid_out({SelectSize{k_large_size}, SelectJustification{Justification::right}, Initialise{},
                  Text{"x"}, Cut{CutShape::partial, std::uint8_t{96}}});
    REQUIRE(layout.characters.size() == 1);
    CHECK(layout.characters[0].x == 0);
    CHECK(layout.characters[0].height == 24);
    CHECK(layout.height == k_top_margin_dots + k_line_spacing_dots + 96);
}
