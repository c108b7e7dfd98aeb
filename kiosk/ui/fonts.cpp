#include "kiosk/ui/fonts.h"

namespace kiosk::ui {

namespace {
constexpr int k_japanese_face = 0;
constexpr int k_simplified_chinese_face = 2;
constexpr int k_hong_kong_face = 4;
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

FontLibrary::FontLibrary(FontFiles files) : m_files(std::move(files)) {}

FontLibrary::~FontLibrary() {
    for (auto& [key, font] : m_fonts) {
        TTF_CloseFont(font);
    }
}

std::expected<void, base::Error<DisplayError>> FontLibrary::verify() {
    for (const auto& path : {m_files.regular, m_files.bold}) {
        TTF_Font* font = TTF_OpenFontIndex(path.c_str(), 24, k_simplified_chinese_face);
        if (font == nullptr) {
            return std::unexpected(
                base::error(DisplayError::font_unreadable, path.string() + ": " + TTF_GetError()));
        }
        TTF_CloseFont(font);
    }
    return {};
}

TTF_Font* FontLibrary::font(std::string_view locale, Weight weight, int pixel_size) {
    const int face = face_index_for_locale(locale);
    const auto key = std::tuple{face, weight, pixel_size};
    if (auto found = m_fonts.find(key); found != m_fonts.end()) {
        return found->second;
    }
    const auto& path = weight == Weight::bold ? m_files.bold : m_files.regular;
    TTF_Font* font = TTF_OpenFontIndex(path.c_str(), pixel_size, face);
    if (font == nullptr) {
        // verify() opened this file already; fall back to the regular weight rather than
        // draw nothing.
        font = TTF_OpenFontIndex(m_files.regular.c_str(), pixel_size, face);
    }
    m_fonts.emplace(key, font);
    return font;
}

}  // namespace kiosk::ui
