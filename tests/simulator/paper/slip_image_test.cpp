// Pictures of printed slips (simulator/paper/slip_image.h): the PNG a developer looks at, the
// dots a test reads, and the QR code read back from the picture by a real decoder (zbarimg,
// from Debian's zbar-tools, which scripts/install-deps installs).

#include <catch2/catch.hpp>

#include <SDL2/SDL_image.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "drivers/escpos/escpos_protocol.h"
#include "simulator/paper/slip_image.h"
#include "simulator/paper/slip_layout.h"

using namespace drivers::escpos;
using namespace simulator::paper;

namespace {

const std::filesystem::path k_output_folder =
    std::filesystem::path(KIOSK_BINARY_DIR) / "tests" / "simulator" / "paper";
const std::string k_ticket_url = "https://q.example.cn/t/A023-20240518-0042";

std::vector<Command> commands_of(const base::Bytes& job) {
    auto commands = decode(job);
    REQUIRE(commands.has_value());
    return *commands;
}

std::string rule() {
    return std::string(static_cast<std::size_t>(k_paper_columns), '-');
}

// A queue ticket as a bank branch prints it: the branch, the number at a glance, the business,
// what to bring, a QR code to follow the queue, and the time.
std::vector<Command> queue_ticket() {
    base::Bytes job;
    begin_job(job);
    select_justification(job, Justification::centre);
    REQUIRE(select_size(job, k_large_size));
    select_emphasis(job, true);
    REQUIRE(wrapped_text(job, "中国银行", k_large_size));
    select_emphasis(job, false);
    REQUIRE(select_size(job, k_normal_size));
    REQUIRE(wrapped_text(job, "北京西单支行 Xidan Branch, Beijing", k_normal_size));
    REQUIRE(wrapped_text(job, rule(), k_normal_size));
    REQUIRE(wrapped_text(job, "排队号 Your number", k_normal_size));
    REQUIRE(select_size(job, k_huge_size));
    select_emphasis(job, true);
    REQUIRE(wrapped_text(job, "A023", k_huge_size));
    select_emphasis(job, false);
    line_feed(job);
    REQUIRE(select_size(job, k_large_size));
    REQUIRE(wrapped_text(job, "个人业务", k_large_size));
    REQUIRE(select_size(job, k_normal_size));
    REQUIRE(wrapped_text(job, "Personal banking", k_normal_size));
    REQUIRE(wrapped_text(job, "前面还有 5 人等候 · 5 people ahead of you", k_normal_size));
    REQUIRE(wrapped_text(job, rule(), k_normal_size));
    select_justification(job, Justification::left);
    select_emphasis(job, true);
    REQUIRE(wrapped_text(job, "请准备以下材料 Please have ready:", k_normal_size));
    select_emphasis(job, false);
    REQUIRE(wrapped_text(job,
                         "1. 本人有效身份证件（居民身份证、护照或港澳居民来往内地通行证）"
                         "Your valid ID card or passport",
                         k_normal_size));
    REQUIRE(wrapped_text(job, "2. 银行卡或存折 Your bank card or passbook", k_normal_size));
    REQUIRE(wrapped_text(job, rule(), k_normal_size));
    select_justification(job, Justification::centre);
    line_feed(job);
    REQUIRE(qr_code(job, k_ticket_url));
    line_feed(job);
    REQUIRE(wrapped_text(job, "扫码查看排队进度 Scan to follow your place", k_normal_size));
    REQUIRE(wrapped_text(job, "2024-05-18 10:32  自助机 Kiosk 03", k_normal_size));
    feed_lines(job, 2);
    cut(job, CutShape::partial, k_cut_feed_dots);
    return commands_of(job);
}

// One renderer for the whole binary: each reads some 40 MB of fonts.
SlipRenderer& renderer() {
    static auto opened = SlipRenderer::open();
    INFO((opened ? std::string("fonts open") : base::to_string(opened.error())));
    REQUIRE(opened.has_value());
    return **opened;
}

SlipPicture picture_of(const std::vector<Command>& slip) {
    auto layout = lay_out_slip(slip);
    REQUIRE(layout.has_value());
    auto picture = renderer().draw(*layout);
    REQUIRE(picture.has_value());
    return std::move(*picture);
}

int black_dots(const SlipPicture& picture) {
    return static_cast<int>(std::ranges::count(picture.dots, SlipPicture::k_black));
}

// The rows of the box that hold at least one black dot: how tall the ink is there.
int inked_rows(const SlipPicture& picture, int left, int top, int width, int height) {
    int rows = 0;
    for (int y = top; y < top + height && y < picture.height; ++y) {
        for (int x = left; x < left + width && x < picture.width; ++x) {
            if (picture.is_black(x, y)) {
                ++rows;
                break;
            }
        }
    }
    return rows;
}

// What zbarimg reads from the picture: one line per symbol, data only.
std::string zbar_read(const std::filesystem::path& png) {
    if (std::system("command -v zbarimg > /dev/null 2>&1") != 0) {
        FAIL("zbarimg is missing: install Debian's zbar-tools (scripts/install-deps does)");
    }
    const std::string command = "zbarimg --raw -q '" + png.string() + "' 2>/dev/null";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    REQUIRE(pipe != nullptr);
    std::string output;
    std::array<char, 256> buffer{};
    while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe.get()) != nullptr) {
        output += buffer.data();
    }
    return output;
}

}  // namespace

TEST_CASE("A rendered slip is a PNG 576 dots wide and as long as its layout") {
    std::filesystem::create_directories(k_output_folder);
    const auto png = k_output_folder / "queue_ticket.png";
    std::filesystem::remove(png);
    const auto slip = queue_ticket();
    const auto rendered = render_slip_png(slip, png);
    INFO((rendered ? std::string("rendered") : base::to_string(rendered.error())));
    REQUIRE(rendered.has_value());
    std::unique_ptr<SDL_Surface, void (*)(SDL_Surface*)> image(IMG_Load(png.c_str()),
                                                               SDL_FreeSurface);
    REQUIRE(image != nullptr);
    CHECK(image->w == 576);
    CHECK(image->h == lay_out_slip(slip)->height);
}

TEST_CASE("The QR code on a rendered slip decodes back to the data the printer stored") {
    std::filesystem::create_directories(k_output_folder);
    const auto png = k_output_folder / "queue_ticket_qr.png";
    REQUIRE(render_slip_png(queue_ticket(), png).has_value());
    CHECK(zbar_read(png) == k_ticket_url + "\n");
}

TEST_CASE("A slip is drawn only in black and white") {
    const auto picture = picture_of(queue_ticket());
    CHECK(std::ranges::all_of(picture.dots, [](std::uint8_t dot) {
        return dot == SlipPicture::k_black || dot == SlipPicture::k_white;
    }));
    CHECK(black_dots(picture) > 0);
}

TEST_CASE("The huge ticket number is drawn four times as tall as normal text") {
    const std::vector<Command> slip{Text{"A"}, LineFeed{}, SelectSize{k_huge_size}, Text{"A"},
                                    LineFeed{}};
    const auto layout = *lay_out_slip(slip);
    const auto picture = picture_of(slip);
    const auto& normal = layout.characters.at(0);
    const auto& huge = layout.characters.at(1);
    const int normal_rows = inked_rows(picture, normal.x, normal.y, normal.width, normal.height);
    const int huge_rows = inked_rows(picture, huge.x, huge.y, huge.width, huge.height);
    REQUIRE(normal_rows > 10);
    CHECK(huge_rows >= 4 * normal_rows - 6);
    CHECK(huge_rows <= 4 * normal_rows + 6);
}

TEST_CASE("Chinese characters are drawn inside their cells") {
    const std::vector<Command> slip{SelectEncoding{CharacterEncoding::utf8}, Text{"排队号"},
                                    LineFeed{}};
    const auto layout = *lay_out_slip(slip);
    const auto picture = picture_of(slip);
    for (const auto& character : layout.characters) {
        const int rows =
            inked_rows(picture, character.x, character.y, character.width, character.height);
        CHECK(rows > 16);  // an ideograph fills most of its 24-dot em
    }
    // Nothing to the right of the three cells.
    const int right = layout.characters.back().x + layout.characters.back().width;
    CHECK(inked_rows(picture, right + 1, 0, picture.width - right - 1, picture.height) == 0);
}

TEST_CASE("Emphasised text burns more dots than regular text") {
    const auto regular = picture_of({Text{"A023 Personal banking"}, LineFeed{}});
    const auto bold = picture_of({SelectEmphasis{true}, Text{"A023 Personal banking"}, LineFeed{}});
    CHECK(black_dots(bold) > black_dots(regular) * 11 / 10);
}

TEST_CASE("A font that cannot be read is named in the error") {
    SlipFonts fonts;
    fonts.regular = "/nonexistent/font.ttc";
    const auto renderer = SlipRenderer::open(fonts);
    REQUIRE_FALSE(renderer.has_value());
    CHECK(renderer.error().code == PaperError::font_unreadable);
    CHECK(renderer.error().context.find("/nonexistent/font.ttc") != std::string::npos);
}

TEST_CASE("A PNG that cannot be written is an error and not a crash") {
    const auto written = render_slip_png(std::vector<Command>{Text{"x"}, LineFeed{}},
                                         "/nonexistent/folder/slip.png");
    REQUIRE_FALSE(written.has_value());
    CHECK(written.error().code == PaperError::png_unwritable);
}
