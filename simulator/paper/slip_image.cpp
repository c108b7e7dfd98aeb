#include "simulator/paper/slip_image.h"

#include <SDL2/SDL.h>
#include <SDL2/SDL_image.h>
#include <SDL2/SDL_ttf.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <map>
#include <string>
#include <utility>

#include "drivers/escpos/text_columns.h"

namespace simulator::paper {

namespace {

// Where the base line sits in a character's cell, as a share of the cell's height: CJK fonts
// put the ideographic em box from 0.12 em below the base line to 0.88 em above it, and a
// printer's 24-dot cell is that box.
constexpr double k_base_line_in_cell = 0.88;
// A dot the glyph's edge covers at least half of is burnt; a thermal head has no grey.
constexpr std::uint8_t k_burn_threshold = 128;
// The width of a character cell in ems: Noto Sans Mono CJK draws a Latin letter half an em
// wide and an ideograph one em, as a printer's 12- and 24-dot cells at 24 dots high.
constexpr double k_ems_per_column = 0.5;

// The drawing surface: 32-bit ARGB, so glyphs blend onto it; the PNG: one byte of grey a dot.
constexpr int k_bits_per_pixel = 32;
constexpr int k_bits_per_grey_dot = 8;
constexpr int k_grey_levels = 256;

struct SurfaceFree {
    void operator()(SDL_Surface* surface) const { SDL_FreeSurface(surface); }
};
using Surface = std::unique_ptr<SDL_Surface, SurfaceFree>;

std::string sdl_reason() {
    return SDL_GetError();
}

}  // namespace

// A font file's bytes, loaded once, and every size opened from them.
struct SlipRenderer::Fonts {
    struct File {
        std::filesystem::path path;
        void* bytes = nullptr;
        std::size_t size = 0;
        std::map<int, TTF_Font*> by_size;
    };

    File regular;
    File bold;
    int face = 0;
    bool ttf_started = false;

    Fonts() = default;
    Fonts(const Fonts&) = delete;
    Fonts& operator=(const Fonts&) = delete;
    ~Fonts() {
        for (File* file : {&regular, &bold}) {
            for (auto& [size, font] : file->by_size) {
                TTF_CloseFont(font);
            }
            SDL_free(file->bytes);
        }
        if (ttf_started) {
            TTF_Quit();
        }
    }

    std::expected<void, Error> load(File& file) {
        file.bytes = SDL_LoadFile(file.path.c_str(), &file.size);
        if (file.bytes == nullptr || file.size > static_cast<std::size_t>(INT_MAX)) {
            return std::unexpected(
                base::error(PaperError::font_unreadable, file.path.string() + ": " + sdl_reason()));
        }
        if (auto font = open(file, drivers::escpos::k_font_a_height_dots); !font) {
            return std::unexpected(std::move(font.error()));
        }
        return {};
    }

    // One TTF_Font per size: SDL_ttf flushes its glyph cache whenever a font's size changes.
    std::expected<TTF_Font*, Error> open(File& file, int pixel_size) {
        if (const auto found = file.by_size.find(pixel_size); found != file.by_size.end()) {
            return found->second;
        }
        SDL_RWops* stream = SDL_RWFromConstMem(file.bytes, static_cast<int>(file.size));
        // SDL_ttf closes the stream with the font, or at once when the open fails.
        TTF_Font* font =
            stream == nullptr ? nullptr : TTF_OpenFontIndexRW(stream, 1, pixel_size, face);
        if (font == nullptr) {
            return std::unexpected(base::error(
                PaperError::font_unreadable,
                file.path.string() + ", face " + std::to_string(face) + ": " + TTF_GetError()));
        }
        file.by_size.emplace(pixel_size, font);
        return font;
    }
};

SlipRenderer::SlipRenderer(std::unique_ptr<Fonts> fonts) : m_fonts(std::move(fonts)) {}

SlipRenderer::~SlipRenderer() = default;

std::expected<std::unique_ptr<SlipRenderer>, Error> SlipRenderer::open(const SlipFonts& fonts) {
    auto loaded = std::make_unique<Fonts>();
    if (TTF_Init() != 0) {
        return std::unexpected(base::error(PaperError::drawing_failed, TTF_GetError()));
    }
    loaded->ttf_started = true;
    loaded->face = fonts.face;
    loaded->regular.path = fonts.regular;
    loaded->bold.path = fonts.bold;
    for (Fonts::File* file : {&loaded->regular, &loaded->bold}) {
        if (auto done = loaded->load(*file); !done) {
            return std::unexpected(std::move(done.error()));
        }
    }
    return std::unique_ptr<SlipRenderer>(new SlipRenderer(std::move(loaded)));
}

std::expected<SlipPicture, Error> SlipRenderer::draw(const SlipLayout& layout) {
    Surface paper(SDL_CreateRGBSurfaceWithFormat(0, layout.width, std::max(layout.height, 1),
                                                 k_bits_per_pixel, SDL_PIXELFORMAT_ARGB8888));
    if (!paper) {
        return std::unexpected(base::error(PaperError::drawing_failed, sdl_reason()));
    }
    SDL_FillRect(paper.get(), nullptr,
                 SDL_MapRGB(paper->format, SlipPicture::k_white, SlipPicture::k_white,
                            SlipPicture::k_white));
    const SDL_Color ink{SlipPicture::k_black, SlipPicture::k_black, SlipPicture::k_black,
                        SDL_ALPHA_OPAQUE};
    for (const PlacedCharacter& character : layout.characters) {
        // The font's em is the cell's height; a cell wider or narrower than that height's
        // columns (GS ! with unequal multiples) stretches the glyph sideways.
        const int em = character.height;
        auto font = m_fonts->open(character.emphasised ? m_fonts->bold : m_fonts->regular, em);
        if (!font) {
            return std::unexpected(std::move(font.error()));
        }
        Surface glyph(TTF_RenderUTF8_Blended(*font, character.utf8.c_str(), ink));
        if (!glyph) {
            // A character the font lacks is left blank, as a printer leaves a code it has no
            // glyph for.
            continue;
        }
        int columns = 1;
        if (const auto first = drivers::escpos::next_character(character.utf8)) {
            columns = drivers::escpos::character_columns(first->code_point);
        }
        const double natural_width = columns * k_ems_per_column * em;
        const double stretch = character.width / natural_width;
        const int width = static_cast<int>(std::lround(glyph->w * stretch));
        const int base_line = character.y + static_cast<int>(std::lround(k_base_line_in_cell * em));
        SDL_Rect target{character.x + (character.width - width) / 2,
                        base_line - TTF_FontAscent(*font), width, glyph->h};
        SDL_SetSurfaceBlendMode(glyph.get(), SDL_BLENDMODE_BLEND);
        if (SDL_BlitScaled(glyph.get(), nullptr, paper.get(), &target) != 0) {
            return std::unexpected(base::error(PaperError::drawing_failed, sdl_reason()));
        }
    }

    SlipPicture picture;
    picture.width = paper->w;
    picture.height = paper->h;
    picture.dots.resize(static_cast<std::size_t>(picture.width) *
                        static_cast<std::size_t>(picture.height));
    SDL_LockSurface(paper.get());
    for (int y = 0; y < paper->h; ++y) {
        const auto* row = reinterpret_cast<const std::uint32_t*>(
            static_cast<const std::uint8_t*>(paper->pixels) + y * paper->pitch);
        for (int x = 0; x < paper->w; ++x) {
            std::uint8_t red = 0;
            std::uint8_t green = 0;
            std::uint8_t blue = 0;
            SDL_GetRGB(row[x], paper->format, &red, &green, &blue);
            const int grey = (red + green + blue) / 3;
            picture.dots[static_cast<std::size_t>(y * paper->w + x)] =
                grey < k_burn_threshold ? SlipPicture::k_black : SlipPicture::k_white;
        }
    }
    SDL_UnlockSurface(paper.get());

    for (const PlacedQrCode& code : layout.qr_codes) {
        for (int row = 0; row < code.symbol.modules; ++row) {
            for (int column = 0; column < code.symbol.modules; ++column) {
                if (!code.symbol.is_dark(row, column)) {
                    continue;
                }
                for (int dot_row = 0; dot_row < code.module_dots; ++dot_row) {
                    const int y = code.y + row * code.module_dots + dot_row;
                    const int x = code.x + column * code.module_dots;
                    if (y < 0 || y >= picture.height || x < 0 ||
                        x + code.module_dots > picture.width) {
                        continue;
                    }
                    std::fill_n(picture.dots.begin() + y * picture.width + x, code.module_dots,
                                SlipPicture::k_black);
                }
            }
        }
    }
    return picture;
}

std::expected<void, Error> save_png(const SlipPicture& picture, const std::filesystem::path& path) {
    Surface surface(SDL_CreateRGBSurfaceWithFormat(0, picture.width, picture.height,
                                                   k_bits_per_grey_dot, SDL_PIXELFORMAT_INDEX8));
    if (!surface) {
        return std::unexpected(
            base::error(PaperError::png_unwritable, path.string() + ": " + sdl_reason()));
    }
    // An 8-bit picture needs a palette: here, a ramp of greys, so that a dot's byte is its grey.
    std::array<SDL_Color, k_grey_levels> greys{};
    for (int level = 0; level < k_grey_levels; ++level) {
        const auto value = static_cast<Uint8>(level);
        greys[static_cast<std::size_t>(level)] = SDL_Color{value, value, value, SDL_ALPHA_OPAQUE};
    }
    SDL_SetPaletteColors(surface->format->palette, greys.data(), 0, k_grey_levels);
    SDL_LockSurface(surface.get());
    for (int y = 0; y < picture.height; ++y) {
        auto* row = static_cast<std::uint8_t*>(surface->pixels) + y * surface->pitch;
        std::copy_n(picture.dots.begin() + y * picture.width, picture.width, row);
    }
    SDL_UnlockSurface(surface.get());
    if (IMG_SavePNG(surface.get(), path.c_str()) != 0) {
        return std::unexpected(
            base::error(PaperError::png_unwritable, path.string() + ": " + IMG_GetError()));
    }
    return {};
}

std::expected<void, Error> render_slip_png(std::span<const drivers::escpos::Command> slip,
                                           const std::filesystem::path& path,
                                           const SlipFonts& fonts) {
    auto layout = lay_out_slip(slip);
    if (!layout) {
        return std::unexpected(std::move(layout.error()));
    }
    auto renderer = SlipRenderer::open(fonts);
    if (!renderer) {
        return std::unexpected(std::move(renderer.error()));
    }
    auto picture = (*renderer)->draw(*layout);
    if (!picture) {
        return std::unexpected(std::move(picture.error()));
    }
    return save_png(*picture, path);
}

}  // namespace simulator::paper
