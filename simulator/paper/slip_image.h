#pragma once

// A picture of a printed slip, as a thermal printer would print it: 576 dots wide (72 mm of
// 80 mm paper at 203 dots per inch), each dot black or white, characters drawn with Noto Sans
// Mono CJK (whose Latin letters are half as wide as its ideographs, as a printer's font A is)
// and QR codes drawn module by module from their data. Developers look at the PNG; tests
// read the dots and decode the QR code back.
//
// SDL_ttf draws the characters and SDL_image writes the PNG; no window or video driver is
// needed. One thread at a time per SlipRenderer.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "drivers/escpos/escpos_protocol.h"
#include "simulator/paper/paper_error.h"
#include "simulator/paper/slip_layout.h"

namespace simulator::paper {

// Debian's fonts-noto-cjk, a collection of faces (docs/platform-facts.md, "SDL2 and SDL_ttf"):
// face 7 of each file is Noto Sans Mono CJK SC, the monospaced Simplified Chinese face
// (`fc-scan` lists the faces).
constexpr int k_mono_simplified_chinese_face = 7;

struct SlipFonts {
    std::filesystem::path regular = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
    std::filesystem::path bold = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc";
    int face = k_mono_simplified_chinese_face;
};

// One byte a dot, row by row from the top left: k_black where the printer burnt the paper,
// k_white elsewhere.
struct SlipPicture {
    static constexpr std::uint8_t k_black = 0;
    static constexpr std::uint8_t k_white = 255;

    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> dots;

    bool is_black(int x, int y) const {
        return dots[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                    static_cast<std::size_t>(x)] == k_black;
    }
};

class SlipRenderer {
  public:
    // Reads both font files and checks that they open. font_unreadable names the file.
    static std::expected<std::unique_ptr<SlipRenderer>, Error> open(const SlipFonts& fonts = {});
    ~SlipRenderer();
    SlipRenderer(const SlipRenderer&) = delete;
    SlipRenderer& operator=(const SlipRenderer&) = delete;

    std::expected<SlipPicture, Error> draw(const SlipLayout& layout);

    struct Fonts;  // the font files and the sizes opened from them (slip_image.cpp)

  private:
    explicit SlipRenderer(std::unique_ptr<Fonts> fonts);
    std::unique_ptr<Fonts> m_fonts;
};

// An 8-bit greyscale PNG of the picture. png_unwritable names the file and SDL's reason.
std::expected<void, Error> save_png(const SlipPicture& picture, const std::filesystem::path& path);

// Lays the slip out, draws it and writes the PNG.
std::expected<void, Error> render_slip_png(std::span<const drivers::escpos::Command> slip,
                                           const std::filesystem::path& path,
                                           const SlipFonts& fonts = {});

}  // namespace simulator::paper
