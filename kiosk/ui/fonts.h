#pragma once
// The fonts the kiosk draws with. Noto Sans CJK is a collection (.ttc) whose face index picks
// the regional glyph shapes: face 0 is Japanese, 2 Simplified Chinese, 4 Hong Kong
// (docs/platform-facts.md, "SDL2 and SDL_ttf"). One TTF_Font is kept per (face, weight, size),
// because changing a font's size flushes SDL_ttf's glyph cache. Each file is read into memory
// once and every face and size is opened from that copy: opening a face from memory takes a
// fraction of opening it from the file, and its glyphs load without a read from the disk.

#include <SDL2/SDL_ttf.h>

#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>

#include "kiosk/ui/display_error.h"

namespace kiosk::ui {

struct FontFiles {
    std::filesystem::path regular = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
    std::filesystem::path bold = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc";
};

enum class Weight { regular, bold };

// The collection face for a locale's glyph shapes.
int face_index_for_locale(std::string_view locale);

class FontLibrary {
  public:
    explicit FontLibrary(FontFiles files);
    ~FontLibrary();
    FontLibrary(const FontLibrary&) = delete;
    FontLibrary& operator=(const FontLibrary&) = delete;

    // Reads both files and checks that they open, so a wrong path is reported at start-up,
    // not mid-session. Errors: font_unreadable, naming the file and SDL's reason.
    std::expected<void, base::Error<DisplayError>> verify();
    // Never null once verify() succeeded.
    TTF_Font* font(std::string_view locale, Weight weight, int pixel_size);
    // The height in pixels of the capital H of the regular face at a pixel size: the ink from
    // the baseline to the top of the letter, as SDL_ttf draws it (hinted).
    int capital_height(int pixel_size);
    // How many faces and sizes are open.
    std::size_t open_fonts() const { return m_fonts.size(); }

  private:
    struct FileData;
    const FileData& file(Weight weight) const;

    FontFiles m_files;
    std::unique_ptr<FileData> m_regular;
    std::unique_ptr<FileData> m_bold;
    std::map<std::tuple<int, Weight, int>, TTF_Font*> m_fonts;
};

}  // namespace kiosk::ui
