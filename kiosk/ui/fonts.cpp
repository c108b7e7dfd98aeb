#include "kiosk/ui/fonts.h"

#include <SDL2/SDL.h>

#include <climits>

namespace kiosk::ui {

namespace {
constexpr int k_japanese_face = 0;
constexpr int k_simplified_chinese_face = 2;
constexpr int k_hong_kong_face = 4;
constexpr int k_probe_size = 24;  // the size verify() opens each file at
}  // namespace

int face_index_for_locale(std::string_view locale) {
    if (locale == "zh-HK" || locale == "zh-TW") {
        return k_hong_kong_face;
    }
    if (locale == "ja") {
        return k_japanese_face;
    }
    // Latin glyphs are the same in every face; Simplified Chinese serves English too.
    return k_simplified_chinese_face;
}

// A font file's bytes, which every face and size opened from it reads.
struct FontLibrary::FileData {
    void* bytes = nullptr;
    std::size_t size = 0;

    FileData() = default;
    FileData(const FileData&) = delete;
    FileData& operator=(const FileData&) = delete;
    ~FileData() { SDL_free(bytes); }

    TTF_Font* open(int pixel_size, int face) const {
        SDL_RWops* stream = SDL_RWFromConstMem(bytes, static_cast<int>(size));
        if (stream == nullptr) {
            return nullptr;
        }
        // SDL_ttf closes the stream with the font (or at once when the open fails).
        return TTF_OpenFontIndexRW(stream, 1, pixel_size, face);
    }
};

FontLibrary::FontLibrary(FontFiles files) : m_files(std::move(files)) {}

FontLibrary::~FontLibrary() {
    for (auto& [key, font] : m_fonts) {
        TTF_CloseFont(font);
    }
}

std::expected<void, base::Error<DisplayError>> FontLibrary::verify() {
    for (const Weight weight : {Weight::regular, Weight::bold}) {
        const auto& path = weight == Weight::bold ? m_files.bold : m_files.regular;
        auto data = std::make_unique<FileData>();
        data->bytes = SDL_LoadFile(path.c_str(), &data->size);
        if (data->bytes == nullptr || data->size > static_cast<std::size_t>(INT_MAX)) {
            return std::unexpected(
                base::error(DisplayError::font_unreadable, path.string() + ": " + SDL_GetError()));
        }
        TTF_Font* font = data->open(k_probe_size, k_simplified_chinese_face);
        if (font == nullptr) {
            return std::unexpected(
                base::error(DisplayError::font_unreadable, path.string() + ": " + TTF_GetError()));
        }
        TTF_CloseFont(font);
        (weight == Weight::bold ? m_bold : m_regular) = std::move(data);
    }
    return {};
}

const FontLibrary::FileData& FontLibrary::file(Weight weight) const {
    return weight == Weight::bold ? *m_bold : *m_regular;
}

TTF_Font* FontLibrary::font(std::string_view locale, Weight weight, int pixel_size) {
    const int face = face_index_for_locale(locale);
    const auto key = std::tuple{face, weight, pixel_size};
    if (auto found = m_fonts.find(key); found != m_fonts.end()) {
        return found->second;
    }
    TTF_Font* font = file(weight).open(pixel_size, face);
    if (font == nullptr) {
        // verify() opened this file already; fall back to the regular weight rather than
        // draw nothing.
        font = file(Weight::regular).open(pixel_size, face);
    }
    m_fonts.emplace(key, font);
    return font;
}

int FontLibrary::capital_height(int pixel_size) {
    int minimum_x = 0;
    int maximum_x = 0;
    int minimum_y = 0;
    int maximum_y = 0;
    int advance = 0;
    TTF_GlyphMetrics32(font("en", Weight::regular, pixel_size), U'H', &minimum_x, &maximum_x,
                       &minimum_y, &maximum_y, &advance);
    return maximum_y - minimum_y;
}

}  // namespace kiosk::ui
